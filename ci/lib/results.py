#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Results of a suite run: TAP per program -> the shared JSON contract.

  results.py vm DIR [--status S] [--label L] [--elapsed SEC] [--accel A] [--known FILE]
      split DIR/results.raw (the guest's results port) into the results
      layout below, then as `report`.
  results.py report DIR [--known FILE] [--status S]    (known-issues.txt format:
      see that file; FAIL/ERROR of a matching case -> XFAIL, PASS -> XPASS)
      DIR/<area>/<prog>.tap|.rc|.list|.meta, DIR/features.json (pmc-probe
      --json), DIR/kernel.txt, DIR/programs.txt (expected programs)
      -> DIR/results.json, DIR/results.tap; prints a summary line.
  results.py matrix OUTDIR LABEL=results.json...
      -> OUTDIR/matrix.md, matrix.json, matrix.html

Exit status of vm/report: 0 passed (XFAIL/XPASS allowed), 1 a FAIL, 3 an ERROR.

JSON contract: {"kernel", "features", "summary": {passed, failed, skipped,
xfail, xpass, error}, "tests": [{name, program, result, reason}], "fixes":
[{id, kind, commit, subject, release, state, verdict, reason (= detail), tests}]}
("features" is the "features" object of pmc-probe --json, as in run_tests.sh).
Fix verdicts: present (no matched case failed, one passed), MISSING (a
matched case failed: reason = its observed-vs-expected line), n/a (all
matched cases skipped: the skip reason), unknown (a matched case is ERROR).
"""
import argparse
import fnmatch
import html
import json
import os
import re
import sys

MARK = "@@PMC:"
TAP_RE = re.compile(r"^(not ok|ok)\s+(\d+)\s+(\S+)(?:\s*#\s*(SKIP|XFAIL|XPASS|TODO|TIMEOUT)\b\s*(.*))?\s*$",
                    re.IGNORECASE)
HARNESS_NOISE = re.compile(r"^#\s+(RUN|OK|FAIL|SKIP|XFAIL|XPASS)\s{2}|^# Totals:|^# (PASSED|FAILED|SKIPPED):|"
                           r"^# Planned tests|^TAP version|^1\.\.\d+")


# ---------------------------------------------------------------- vm split
def split_raw(d):
    """Split the results port stream into files; return run status facts."""
    facts = {"hello": None, "done": False, "started": set(), "ended": set()}
    raw = os.path.join(d, "results.raw")
    try:
        data = open(raw, "rb").read().decode("utf-8", "replace").replace("\r", "")
    except OSError:
        data = ""
    cur, body = None, []
    for line in data.split("\n"):
        if line.startswith(MARK):
            f = line[len(MARK):].split()
            if not f:
                continue
            if f[0] == "HELLO":
                facts["hello"] = f[1] if len(f) > 1 else "?"
            elif f[0] == "DONE":
                facts["done"] = True
            elif f[0] == "BEGIN" and len(f) >= 3:
                cur, body = (f[1], f[2]), []
                if f[1] == "tap":
                    facts["started"].add(f[2])
            elif f[0] == "END" and len(f) >= 4 and cur == (f[1], f[2]):
                write_frame(d, cur, body, f[3])
                if f[1] == "tap":
                    facts["ended"].add(f[2])
                cur = None
            continue
        if cur is not None:
            body.append(line)
    if cur is not None:  # guest stopped inside a frame: keep the partial body
        write_frame(d, cur, body, None)
    if facts["hello"]:
        with open(os.path.join(d, "kernel.txt"), "w") as f:
            f.write(facts["hello"] + "\n")
    return facts


def write_frame(d, key, body, rc):
    kind, prog = key
    text = "\n".join(body).strip("\n") + "\n"
    if kind == "probe":
        with open(os.path.join(d, "features.json"), "w") as f:
            f.write(text)
        return
    ext = {"tap": ".tap", "list": ".list", "meta": ".meta"}.get(kind)
    if not ext or "/" not in prog or ".." in prog:
        return
    path = os.path.join(d, prog + ext)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    if kind == "tap" and rc is not None:
        with open(os.path.join(d, prog + ".rc"), "w") as f:
            f.write(rc + "\n")


# ---------------------------------------------------------------- parsing
def read(path, default=None):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def parse_tap(text):
    """-> ordered list of (name, result, reason) from a harness TAP stream."""
    out, detail = [], []
    for line in text.splitlines():
        m = TAP_RE.match(line.strip())
        if m:
            status, _, name, directive, why = m.groups()
            directive = (directive or "").upper()
            why = (why or "").strip()
            if directive == "SKIP":
                res, reason = "SKIP", why or "skipped"
            elif directive == "XFAIL":
                res, reason = "XFAIL", why
            elif directive == "XPASS":
                res, reason = "XPASS", why
            elif status == "ok":
                res, reason = "PASS", ""
            else:
                res = "FAIL"
                reason = "; ".join(detail[:3]) or why or "failed"
                if directive == "TIMEOUT":
                    reason = "timeout" + (": " + reason if reason else "")
            out.append((name, res, reason[:600]))
            detail = []
            continue
        s = line.rstrip()
        if s.startswith("#  RUN"):
            detail = []
        elif s.startswith("#") and not HARNESS_NOISE.match(s):
            detail.append(s.lstrip("# ").strip())
    return out


def catalogue(path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixes.tsv")):
    """fixes.tsv: id kind commit release relation symptom subject (tags carry the id only)."""
    out = {}
    for raw in (read(path, "") or "").splitlines():
        if raw.startswith("#") or not raw.strip():
            continue
        f = raw.split("\t")
        if len(f) == 7:
            out[f[0]] = {"kind": f[1], "commit": f[2], "release": f[3], "relation": f[4],
                         "symptom": f[5], "subject": f[6]}
    return out


def load_known(path):
    known = []
    for raw in (read(path, "") or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        # <case-glob> <conditions> <symptom> <reason>: the symptom is not
        # checked by this engine (see the CONTRACT engine for that).
        f = line.split(None, 3)
        if len(f) < 2:
            continue
        known.append((f[0], f[1], f[3] if len(f) > 3 else "known issue"))
    return known


def feature_present(features, name):
    feats = features or {}
    if isinstance(feats.get("features"), dict):
        feats = feats["features"]
    v = feats.get(name)
    if isinstance(v, dict):
        return bool(v.get("present"))
    return bool(v) and v not in ("no", "false", "0")


def known_match(known, name, release, features):
    for glob, cond, reason in known:  # first match wins (known-issues.txt)
        if not fnmatch.fnmatchcase(name, glob):
            continue
        ok = True
        for c in cond.split(","):
            if c == "*" or c.startswith(("missing=", "regressed=")):
                continue  # catalogue verdicts: not computed by this engine
            k, _, v = c.partition("=")
            if k == "release":
                ok = ok and fnmatch.fnmatchcase(release or "", v)
            elif k == "feature":
                ok = ok and feature_present(features, v)
            elif k == "nofeature":
                ok = ok and not feature_present(features, v)
            else:
                ok = False
        if ok:
            return reason
    return None


def collect(d, status="ok", known_path=None):
    kernel = (read(os.path.join(d, "kernel.txt"), "") or "").strip()
    try:
        features = json.loads(read(os.path.join(d, "features.json"), "") or "null")
    except ValueError:
        features = None
    if not kernel and isinstance(features, dict):
        kernel = features.get("kernel", "")
    # like run_tests.sh --json: "features" is the probe's feature object
    if isinstance(features, dict) and isinstance(features.get("features"), dict):
        features = features["features"]
    progs = [p for p in (read(os.path.join(d, "programs.txt"), "") or "").split() if p]
    # programs found on disk but not announced (native runner layout)
    for area in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        ad = os.path.join(d, area)
        if os.path.isdir(ad):
            for fn in sorted(os.listdir(ad)):
                base, ext = os.path.splitext(fn)
                p = area + "/" + base
                if ext in (".tap", ".list") and p not in progs:
                    progs.append(p)
    known = load_known(known_path) if known_path else []
    tests, fixes = [], {}
    for p in progs:
        area = p.split("/", 1)[0]
        listed = (read(os.path.join(d, p + ".list")) or "").split()
        tap = read(os.path.join(d, p + ".tap"))
        rc = (read(os.path.join(d, p + ".rc"), "") or "").strip()
        results = parse_tap(tap) if tap is not None else []
        seen = {}
        for name, res, reason in results:
            seen[name] = (res, reason)
        if tap is None and not listed:
            tests.append({"name": area + "." + p.split("/", 1)[1], "program": p, "result": "ERROR",
                          "reason": "program did not run: " + (status if status != "ok" else "no results")})
            continue
        if tap is None:
            why = "program did not run: " + (status if status != "ok" else "no results")
        elif rc == "":
            why = "guest stopped while the program ran: " + (status if status != "ok" else "results cut")
        elif rc in ("137", "124", "143"):
            why = "program killed by the per-program timeout"
        else:
            why = "program exited (status %s) before reporting this test" % rc
        names = listed + [n for n in seen if n not in listed]
        for n in names:
            res, reason = seen.get(n, ("ERROR", why))
            full = area + "." + n
            # known-issues.txt: FAIL or ERROR -> XFAIL, PASS -> XPASS
            if res in ("FAIL", "ERROR", "PASS") and known:
                k = known_match(known, full, kernel, features)
                if k:
                    res, reason = ("XPASS", "known issue no longer fails: " + k) if res == "PASS" \
                        else ("XFAIL", k + (" (observed: " + reason + ")" if reason else ""))
            tests.append({"name": full, "program": p, "result": res, "reason": reason})
        if tap is not None and rc not in ("", "0", "1", "4") and not [n for n in names if n not in seen]:
            tests.append({"name": area + "." + p.split("/", 1)[1], "program": p, "result": "ERROR",
                          "reason": "program exited with status %s after its tests" % rc})
        # fix / feature tags
        for line in (read(os.path.join(d, p + ".meta"), "") or "").splitlines():
            try:
                tag = json.loads(line)
            except ValueError:
                continue
            cat = catalogue().get(tag.get("id", "?"), {})
            fx = fixes.setdefault(tag.get("id", "?"), {
                "id": tag.get("id", "?"), "kind": tag.get("kind", cat.get("kind", "fix")),
                "commit": tag.get("commit", cat.get("commit", "")),
                "subject": tag.get("subject", cat.get("subject", "")),
                "release": tag.get("release", cat.get("release", "")),
                "state": tag.get("state", ""), "tests": []})
            for t in tests:
                if t["program"] == p and fnmatch.fnmatchcase(t["name"].split(".", 1)[1], tag.get("test", "")):
                    if t["name"] not in fx["tests"]:
                        fx["tests"].append(t["name"])
    if status != "ok":
        tests.append({"name": "vm.guest", "program": "", "result": "ERROR", "reason": status})
    byname = {t["name"]: t for t in tests}
    for fx in fixes.values():
        fx["verdict"], fx["reason"] = verdict([byname[n] for n in fx["tests"]])
        fx["detail"] = fx["reason"]  # run_tests.sh's name for it
    summary = {k: 0 for k in ("passed", "failed", "skipped", "xfail", "xpass", "error")}
    key = {"PASS": "passed", "FAIL": "failed", "SKIP": "skipped", "XFAIL": "xfail", "XPASS": "xpass",
           "ERROR": "error"}
    for t in tests:
        summary[key[t["result"]]] += 1
    return {"kernel": kernel or "unknown", "features": features, "summary": summary, "tests": tests,
            "fixes": sorted(fixes.values(), key=lambda f: f["id"])}


def verdict(ts):
    if not ts:
        return "n/a", "no test case matches the tag"
    bad = [t for t in ts if t["result"] in ("FAIL", "XFAIL")]
    if bad:
        return "MISSING", "%s: %s" % (bad[0]["name"], bad[0]["reason"])
    err = [t for t in ts if t["result"] == "ERROR"]
    if err:
        return "unknown", "%s: %s" % (err[0]["name"], err[0]["reason"])
    if [t for t in ts if t["result"] in ("PASS", "XPASS")]:
        return "present", ""
    return "n/a", ts[0]["reason"]


def write_tap(res, path):
    lines = ["TAP version 13", "1..%d" % len(res["tests"])]
    for i, t in enumerate(res["tests"], 1):
        r, why = t["result"], t["reason"].replace("\n", " ")
        if r == "PASS":
            lines.append("ok %d %s" % (i, t["name"]))
        elif r == "SKIP":
            lines.append("ok %d %s # SKIP %s" % (i, t["name"], why))
        elif r == "XFAIL":
            lines.append("not ok %d %s # TODO known issue: %s" % (i, t["name"], why))
        elif r == "XPASS":
            lines.append("ok %d %s # TODO XPASS: %s" % (i, t["name"], why))
        else:
            lines.append("# %s: %s" % (r, why))
            lines.append("not ok %d %s" % (i, t["name"]))
    s = res["summary"]
    lines.append("# pass:%d fail:%d skip:%d xfail:%d xpass:%d error:%d" % (
        s["passed"], s["failed"], s["skipped"], s["xfail"], s["xpass"], s["error"]))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def exit_code(res):
    s = res["summary"]
    return 3 if s["error"] else 1 if s["failed"] else 0


def report(d, status, known, extra=None):
    res = collect(d, status, known)
    if extra:
        res["run"] = extra
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    write_tap(res, os.path.join(d, "results.tap"))
    s = res["summary"]
    print("%s: pass %d, fail %d, skip %d, xfail %d, xpass %d, error %d  (%s)" % (
        res["kernel"], s["passed"], s["failed"], s["skipped"], s["xfail"], s["xpass"], s["error"],
        os.path.join(d, "results.json")))
    bad = [t for t in res["tests"] if t["result"] in ("FAIL", "ERROR")]
    for t in bad[:12]:
        print("  %-5s %s: %s" % (t["result"], t["name"], t["reason"][:200]))
    if len(bad) > 12:
        print("  ... %d more FAIL/ERROR in %s" % (len(bad) - 12, os.path.join(d, "results.tap")))
    return exit_code(res)


# ---------------------------------------------------------------- matrix
def feats_of(r):
    f = r.get("features")
    if not isinstance(f, dict):
        return {}
    return f["features"] if isinstance(f.get("features"), dict) else f


def matrix(outdir, specs):
    runs = []
    for spec in specs:
        label, _, path = spec.partition("=")
        try:
            with open(path) as f:
                runs.append((label, json.load(f)))
        except (OSError, ValueError) as e:
            runs.append((label, {"kernel": "unknown", "features": None, "fixes": [],
                                 "summary": {"passed": 0, "failed": 0, "skipped": 0, "xfail": 0, "xpass": 0,
                                             "error": 1},
                                 "tests": [{"name": "vm.guest", "program": "", "result": "ERROR",
                                            "reason": "no results: %s" % e}]}))
    labels = [l for l, _ in runs]
    names = []
    for _, r in runs:
        for t in r.get("tests", []):
            if t["name"] not in names:
                names.append(t["name"])
    names.sort()
    cell = {(l, t["name"]): t for l, r in runs for t in r.get("tests", [])}
    feats = []
    for _, r in runs:
        for k in feats_of(r):
            if k not in feats:
                feats.append(k)
    fixes = {}
    for l, r in runs:
        for fx in r.get("fixes", []):
            fixes.setdefault(fx["id"], {k: fx.get(k, "") for k in ("id", "kind", "commit", "subject", "release")})
            fixes[fx["id"]].setdefault("verdicts", {})[l] = {
                "verdict": fx.get("verdict", "?"), "reason": fx.get("reason") or fx.get("detail") or ""}
    mj = {"kernels": [{"label": l, "kernel": r.get("kernel"), "summary": r.get("summary"),
                       "run": r.get("run")} for l, r in runs],
          "tests": [{"name": n, "results": {l: {"result": cell[(l, n)]["result"], "reason": cell[(l, n)]["reason"]}
                                            for l in labels if (l, n) in cell}} for n in names],
          "features": {l: feats_of(r) for l, r in runs},
          "fixes": sorted(fixes.values(), key=lambda f: f["id"])}
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "matrix.json"), "w") as f:
        json.dump(mj, f, indent=1)
        f.write("\n")

    # Markdown: reasons as numbered footnotes
    notes, note_of = [], {}

    def note(text):
        # one line, bounded: the full text is in matrix.json / the HTML title
        text = " / ".join(l.strip().lstrip("# ").strip() for l in text.splitlines() if l.strip())
        if len(text) > 400:
            text = text[:400] + " …"
        if text not in note_of:
            notes.append(text)
            note_of[text] = len(notes)
        return note_of[text]

    def md_cell(l, n):
        t = cell.get((l, n))
        if not t:
            return "—"
        if t["result"] == "PASS" or not t["reason"]:
            return t["result"]
        return "%s [%d]" % (t["result"], note(t["reason"].replace("|", "/")))

    md = ["# Kernel matrix", ""]
    md += ["| kernel | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    md.append("| uname -r | " + " | ".join(r.get("kernel", "?") for _, r in runs) + " |")
    for k in ("passed", "failed", "skipped", "xfail", "xpass", "error"):
        md.append("| %s | " % k + " | ".join(str((r.get("summary") or {}).get(k, "")) for _, r in runs) + " |")
    el = [str(((r.get("run") or {}).get("elapsed_s", ""))) for _, r in runs]
    if any(el):
        md.append("| guest seconds | " + " | ".join(el) + " |")
    differ = [n for n in names if len({cell[(l, n)]["result"] if (l, n) in cell else "—" for l in labels}) > 1]
    # which catalogued fixes/features pin a test (to explain a FAIL)
    tagged = {}
    for fx in mj["fixes"]:
        for l, r in runs:
            for f in r.get("fixes", []):
                if f.get("id") == fx["id"]:
                    for n in f.get("tests", []):
                        tagged.setdefault(n, set()).add(fx["id"] + (" " + fx["commit"][:12] if fx["commit"] else ""))
    bad = [n for n in names if any(cell[(l, n)]["result"] in ("FAIL", "ERROR", "XFAIL", "XPASS")
                                   for l in labels if (l, n) in cell)]
    md += ["", "## Failures (%d tests FAIL, ERROR, XFAIL or XPASS somewhere)" % len(bad), ""]
    if bad:
        md += ["| test | " + " | ".join(labels) + " | pinned fix |", "|---|" + "---|" * (len(labels) + 1)]
        md += ["| %s | " % n + " | ".join(md_cell(l, n) for l in labels) + " | %s |" %
               ", ".join(sorted(tagged.get(n, []))) for n in bad]
    else:
        md.append("None.")
    support = [n for n in differ if n not in bad]
    md += ["", "## Support differences (%d tests PASS on one kernel, SKIP or absent on another)" % len(support), ""]
    if support:
        md += ["| test | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
        md += ["| %s | " % n + " | ".join(md_cell(l, n) for l in labels) + " |" for n in support]
    md += ["", "## Fix catalog", ""]
    if fixes:
        md += ["| id | kind | commit | release | subject | " + " | ".join(labels) + " |",
               "|---|---|---|---|---|" + "---|" * len(labels)]
        for fx in mj["fixes"]:
            cells = []
            for l in labels:
                v = fx["verdicts"].get(l)
                cells.append("—" if not v else v["verdict"] if not v["reason"] else
                             "%s [%d]" % (v["verdict"], note(v["reason"].replace("|", "/"))))
            md.append("| %s | %s | %s | %s | %s | " % (fx["id"], fx["kind"], (fx["commit"] or "")[:12],
                                                      fx["release"], fx["subject"].replace("|", "/")) +
                      " | ".join(cells) + " |")
    else:
        md.append("No tagged fixes in the programs that ran.")
    md += ["", "## Features (probed in each kernel)", ""]
    if feats:
        md += ["| feature | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
        for k in feats:
            cells = []
            for l in labels:
                v = mj["features"][l].get(k)
                if not isinstance(v, dict):
                    cells.append("—")
                else:
                    cells.append(("yes" if v.get("present") else "no") +
                                 (" (%s)" % v["detail"].replace("|", " ") if v.get("detail") else ""))
            md.append("| %s | " % k + " | ".join(cells) + " |")
    md += ["", "## All tests", ""]
    md += ["| test | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    md += ["| %s | " % n + " | ".join(md_cell(l, n) for l in labels) + " |" for n in names]
    if notes:
        md += ["", "## Notes", ""] + ["%d. %s" % (i, t) for i, t in enumerate(notes, 1)]
    with open(os.path.join(outdir, "matrix.md"), "w") as f:
        f.write("\n".join(md) + "\n")

    # HTML: reasons on hover
    colour = {"PASS": "#cfc", "FAIL": "#f99", "SKIP": "#eee", "XFAIL": "#fd9", "XPASS": "#9cf", "ERROR": "#f6f",
              "present": "#cfc", "MISSING": "#f99", "n/a": "#eee", "unknown": "#f6f"}
    e = html.escape
    h = ["<!doctype html><meta charset=utf-8><title>pagemap-conformance kernel matrix</title>",
         "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;"
         "padding:2px 6px;font-size:13px}td[title]{cursor:help}</style>",
         "<h1>Kernel matrix</h1><table><tr><th>kernel</th>" + "".join("<th>%s</th>" % e(l) for l in labels) + "</tr>",
         "<tr><td>uname -r</td>" + "".join("<td>%s</td>" % e(r.get("kernel", "?")) for _, r in runs) + "</tr>"]
    for k in ("passed", "failed", "skipped", "xfail", "xpass", "error"):
        h.append("<tr><td>%s</td>" % k + "".join("<td>%s</td>" % (r.get("summary") or {}).get(k, "")
                                                 for _, r in runs) + "</tr>")
    h.append("</table>")

    def hcell(res, why):
        return '<td style="background:%s"%s>%s</td>' % (colour.get(res, "#fff"),
                                                         ' title="%s"' % e(why) if why else "", e(res))

    h.append("<h2>Tests</h2><table><tr><th>test</th>" + "".join("<th>%s</th>" % e(l) for l in labels) + "</tr>")
    for n in names:
        h.append("<tr><td>%s%s</td>" % (e(n), " &#9888;" if n in differ else "") +
                 "".join(hcell(cell[(l, n)]["result"], cell[(l, n)]["reason"]) if (l, n) in cell else "<td>—</td>"
                         for l in labels) + "</tr>")
    h.append("</table><h2>Fix catalog</h2><table><tr><th>id</th><th>commit</th><th>subject</th>" +
             "".join("<th>%s</th>" % e(l) for l in labels) + "</tr>")
    for fx in mj["fixes"]:
        h.append("<tr><td>%s</td><td>%s</td><td>%s</td>" % (e(fx["id"]), e((fx["commit"] or "")[:12]),
                                                             e(fx["subject"])) +
                 "".join(hcell(fx["verdicts"][l]["verdict"], fx["verdicts"][l]["reason"])
                         if l in fx["verdicts"] else "<td>—</td>" for l in labels) + "</tr>")
    h.append("</table><h2>Features</h2><table><tr><th>feature</th>" +
             "".join("<th>%s</th>" % e(l) for l in labels) + "</tr>")
    for k in feats:
        row = []
        for l in labels:
            v = mj["features"][l].get(k)
            row.append("<td>—</td>" if not isinstance(v, dict) else
                       hcell("yes" if v.get("present") else "no", v.get("detail", "")))
        h.append("<tr><td>%s</td>%s</tr>" % (e(k), "".join(row)))
    h.append("</table>")
    with open(os.path.join(outdir, "matrix.html"), "w") as f:
        f.write("\n".join(h) + "\n")
    print("matrix: %s/matrix.{md,json,html} (%d tests, %d differ, %d fail somewhere, %d kernels)" % (
        outdir, len(names), len(differ), len(bad), len(labels)))
    return 3 if any((r.get("summary") or {}).get("error") for _, r in runs) else \
        1 if any((r.get("summary") or {}).get("failed") for _, r in runs) else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("vm")
    v.add_argument("dir")
    v.add_argument("--status", default="ok")
    v.add_argument("--label", default="")
    v.add_argument("--elapsed", default="")
    v.add_argument("--accel", default="")
    v.add_argument("--known")
    r = sub.add_parser("report")
    r.add_argument("dir")
    r.add_argument("--status", default="ok")
    r.add_argument("--known")
    m = sub.add_parser("matrix")
    m.add_argument("outdir")
    m.add_argument("runs", nargs="+", metavar="LABEL=results.json")
    a = ap.parse_args()
    if a.cmd == "vm":
        facts = split_raw(a.dir)
        status = a.status
        if not facts["hello"]:
            status = "guest never reported (boot failure or panic before init): " + status
        elif not facts["done"] and status == "ok":
            status = "guest stopped before reporting all programs"
        extra = {"label": a.label, "accel": a.accel, "status": status}
        try:
            extra["elapsed_s"] = round(float(a.elapsed), 1)
        except ValueError:
            pass
        return report(a.dir, status, a.known, extra)
    if a.cmd == "report":
        return report(a.dir, a.status, a.known)
    return matrix(a.outdir, a.runs)


if __name__ == "__main__":
    sys.exit(main())
