# SPDX-License-Identifier: GPL-2.0
"""Outputs of one run: summary, KTAP/TAP, JUnit, JSON, fix report.

Encoding (measured with kunit_parser.py, TAP::Parser, LKFT's parsers and
our summary, see ci/tests/consumers.bats):
  PASS   ok N name
  FAIL   not ok N name            diagnostics BEFORE the line (KTAP
  ERROR  not ok N name            attaches them to the next result)
  SKIP   ok N name # SKIP reason
  XFAIL  ok N name # XFAIL reason   kselftest.h's encoding: every consumer
  XPASS  ok N name # XPASS reason   counts them as passed
Three-way counts, the same for every consumer: passed = PASS+XFAIL+XPASS,
failed = FAIL+ERROR, skipped = SKIP.
"""
import json
import re
from xml.sax.saxutils import escape, quoteattr

RESULTS = ("PASS", "FAIL", "SKIP", "XFAIL", "XPASS", "ERROR")
THREE = {"PASS": "passed", "XFAIL": "passed", "XPASS": "passed", "FAIL": "failed", "ERROR": "failed",
         "SKIP": "skipped"}
# A diagnostic line must never read as a result, a subtest header or a
# kselftest program line to any consumer (LKFT's perl strips any number of
# leading "# " before looking for "ok N").
LOOKS_LIKE_TAP = re.compile(r"^((not )?ok \d|Subtest:|selftests:|1\.\.\d|T?K?TAP version)", re.IGNORECASE)
XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def summary(cases):
    s = {"passed": 0, "failed": 0, "skipped": 0}
    for r in RESULTS:
        s[r.lower()] = 0
    for c in cases:
        s[c["result"].lower()] += 1
        s[THREE[c["result"]]] += 1
    return s


def diag(line):
    body = line.lstrip("#").strip()
    if LOOKS_LIKE_TAP.match(body):
        body = "> " + body
    return "# " + body if body else "#"


def one_line(s):
    # A '#' would start a second directive for some parsers.
    s = " ".join((s or "").split())
    return s.replace("#", "")


def tap(run):
    cases = run["cases"]
    out = ["TAP version 13", "1..%d" % len(cases)]
    for i, c in enumerate(cases, 1):
        r = c["result"]
        if r in ("FAIL", "ERROR"):
            out.append("# %s %s" % (r, c["name"]))
            out += [diag(l) for l in c["reason"].splitlines()]
            out.append("not ok %d %s" % (i, c["name"]))
        elif r == "SKIP":
            out.append("ok %d %s # SKIP %s" % (i, c["name"], one_line(c["reason"])))
        elif r in ("XFAIL", "XPASS"):
            out.append("# %s %s: known issue: %s" % (r, c["name"], one_line(c.get("known"))))
            out += [diag(l) for l in c["reason"].splitlines()]
            out.append("ok %d %s # %s %s" % (i, c["name"], r, one_line(c.get("known"))[:200]))
        else:
            out.append("ok %d %s" % (i, c["name"]))
    s = summary(cases)
    out.append("# Totals: pass:%d fail:%d xfail:%d xpass:%d skip:%d error:%d" % (
        s["pass"], s["fail"], s["xfail"], s["xpass"], s["skip"], s["error"]))
    return "\n".join(out) + "\n"


def _x(s):
    return XML_BAD.sub(" ", s or "")


def junit(run):
    cases = run["cases"]
    s = summary(cases)
    suites = []
    for c in cases:
        key = (c["program"] or "run").replace("/", ".")
        if not suites or suites[-1][0] != key:
            suites.append((key, []))
        suites[-1][1].append(c)
    total_t = sum(c["time"] or 0 for c in cases)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<testsuites name="pagemap-conformance" tests="%d" failures="%d" errors="%d" time="%.3f">'
           % (len(cases), s["fail"], s["error"], total_t)]
    for key, cs in suites:
        ss = summary(cs)
        out.append('  <testsuite name=%s tests="%d" failures="%d" errors="%d" skipped="%d" time="%.3f">'
                   % (quoteattr(key), len(cs), ss["fail"], ss["error"], ss["skip"], sum(c["time"] or 0 for c in cs)))
        for c in cs:
            t = ' time="%.3f"' % c["time"] if c["time"] is not None else ' time="0"'
            head = '    <testcase classname=%s name=%s%s' % (quoteattr(key), quoteattr(c["name"]), t)
            r = c["result"]
            first = (c["reason"].splitlines() or [""])[0].lstrip("# ")
            if r == "PASS":
                out.append(head + "/>")
                continue
            out.append(head + ">")
            if r == "SKIP":
                out.append("      <skipped message=%s/>" % quoteattr(_x(c["reason"])))
            elif r in ("FAIL", "ERROR"):
                tag = "failure" if r == "FAIL" else "error"
                out.append('      <%s message=%s type="%s">%s</%s>' % (
                    tag, quoteattr(_x(first)), r, escape(_x(c["reason"])), tag))
            else:
                out.append("      <system-out>%s</system-out>" % escape(_x(
                    "%s: known issue: %s\n%s" % (r, c.get("known", ""), c["reason"]))))
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


def to_json(run, extra=None):
    tests = []
    for c in run["cases"]:
        t = {"name": c["name"], "program": c["program"], "result": c["result"], "reason": c["reason"],
             "time": c["time"]}
        if c.get("known"):
            t["known"] = c["known"]
        tests.append(t)
    fixes = []
    for fid, e in run["catalogue"].items():
        v = run["verdicts"][fid]
        if run.get("filtered") and not v["tests"]:
            continue
        rel = ",".join("%s=%s" % (k, x) for k in ("breaks", "introduced", "requires") for x in e["relation"][k])
        f = {"id": fid, "kind": e["kind"], "commit": e["commit"], "release": e["release"],
             "relation": rel or "-", "symptom": e["symptom"], "subject": e["subject"],
             "verdict": v["verdict"], "evidence": v["evidence"], "tests": v["tests"]}
        if v.get("regressed_by"):
            f["regressed_by"] = v["regressed_by"]
        fixes.append(f)
    j = {"kernel": run["kernel"], "features": run["features"], "summary": summary(run["cases"]),
         "tests": tests, "fixes": fixes}
    if extra:
        j["run"] = extra
    return json.dumps(j, indent=1, sort_keys=False) + "\n"


def verdict_text(v):
    if v["verdict"] == "regressed":
        return "regressed (present, regressed by %s)" % v.get("regressed_by", "?")
    return v["verdict"]


def fixes_report(run):
    out = []
    ids = [fid for fid in run["catalogue"] if not (run.get("filtered") and not run["verdicts"][fid]["tests"])]
    if not ids:
        return ""
    out.append("")
    out.append("Fixes, features and regressions (%d):" % len(ids))
    for fid in ids:
        e, v = run["catalogue"][fid], run["verdicts"][fid]
        out.append("  %-12s %-24s %-12s %s (%s)" % (v["verdict"], fid, (e["commit"] or "(no hash)")[:12],
                                                 e["subject"], e["release"]))
        out.append("               %s" % ("regressed by %s: " % v["regressed_by"] + v["evidence"].split(": ", 1)[-1]
                                          if v["verdict"] == "regressed" else v["evidence"]))
    counts = {}
    for fid in ids:
        counts[run["verdicts"][fid]["verdict"]] = counts.get(run["verdicts"][fid]["verdict"], 0) + 1
    out.append("")
    out.append("%d ids: " % len(ids) + ", ".join("%d %s" % (counts[k], k) for k in
               ("present", "MISSING", "regressed", "not affected", "n/a", "unknown") if k in counts))
    return "\n".join(out) + "\n"


def human(run):
    cases = run["cases"]
    out = []
    progs = []
    for c in cases:
        if c["program"] and c["program"] not in progs:
            progs.append(c["program"])
    for p in progs:
        s = summary([c for c in cases if c["program"] == p])
        st = "FAIL" if s["failed"] else ("SKIP" if not s["passed"] else "PASS")
        out.append("%-4s %-40s %d passed, %d failed, %d skipped" % (st, p, s["passed"], s["failed"], s["skipped"]))
    bad = [c for c in cases if c["result"] in ("FAIL", "ERROR")]
    if bad:
        out += ["", "Failures:"]
        for c in bad:
            out.append("%s %s" % (c["result"], c["name"]))
            out += ["    " + l for l in c["reason"].splitlines()]
    known = [c for c in cases if c["result"] in ("XFAIL", "XPASS")]
    if known:
        out += ["", "Known issues:"]
        for c in known:
            out.append("%s %s: known issue: %s" % (c["result"], c["name"], c.get("known", "")))
            if c["result"] == "XFAIL":
                out += ["    observed: " + l.lstrip("# ") for l in c["reason"].splitlines()[:3]]
            else:
                out.append("    " + c["reason"])
    out.append(fixes_report(run).rstrip("\n"))
    s = summary(cases)
    out += ["", "%d PASS, %d FAIL, %d SKIP, %d XFAIL, %d XPASS, %d ERROR" % (
        s["pass"], s["fail"], s["skip"], s["xfail"], s["xpass"], s["error"]),
        "%d passed, %d failed, %d skipped" % (s["passed"], s["failed"], s["skipped"])]
    return "\n".join(out) + "\n"
