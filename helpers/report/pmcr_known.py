# SPDX-License-Identifier: GPL-2.0
"""known-issues.txt: symptom-matched expected deviations.

    <case-glob> <conditions> <symptom> <reason ...>

conditions: '*' or comma-separated, all must hold: missing=ID, regressed=ID,
feature=NAME, nofeature=NAME, release=GLOB. symptom: '-' (the catalogue
symptom of the id named by missing=/regressed=) or a regex without blanks
that EVERY failing-check line of the case must match.

A FAIL becomes XFAIL only when an entry matches the name, its conditions hold
and it covers all of the case's failing-check lines. ERROR never becomes
XFAIL. A PASS of a matching entry is XPASS (stale entry, or the passing run
of an [intermittent] one); neither fails the run.
"""
import fnmatch
import re
import sys

from pmcr_catalogue import symptom_covers, first_uncovered


def load(path, cat):
    """-> list of entries. Bad lines are reported on stderr and skipped."""
    out = []
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return out
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        f = line.split(None, 3)
        if len(f) < 4:
            print("known-issues: %s:%d: needs '<case-glob> <conditions> <symptom> <reason>'" % (path, n),
                  file=sys.stderr)
            continue
        glob, conds, symptom, reason = f
        ids = [c.partition("=")[2] for c in conds.split(",") if c.split("=")[0] in ("missing", "regressed")]
        bad = [c for c in conds.split(",") if c != "*" and c.partition("=")[0] not in
               ("missing", "regressed", "feature", "nofeature", "release")]
        bad += [i for i in ids if i not in cat]
        if bad:
            print("known-issues: %s:%d: unknown condition or catalogue id: %s" % (path, n, ", ".join(bad)),
                  file=sys.stderr)
            continue
        if symptom == "-":
            if not ids:
                print("known-issues: %s:%d: symptom '-' needs missing=ID or regressed=ID" % (path, n),
                      file=sys.stderr)
                continue
            symptom = cat[ids[0]]["symptom"]
            if symptom in ("-", ""):
                # An entry must name what it excuses: '-' over an id without
                # a symptom would excuse any failure of the case.
                print("known-issues: %s:%d: symptom '-' but %s has no symptom in fixes.tsv" % (path, n, ids[0]),
                      file=sys.stderr)
                continue
        else:
            try:
                re.compile(symptom)
            except re.error as e:
                print("known-issues: %s:%d: symptom is not a regex: %s" % (path, n, e), file=sys.stderr)
                continue
        out.append({"glob": glob, "conditions": conds, "symptom": symptom,
                    "reason": reason or "(no reason given)", "line": n})
    return out


def intermittent_cases(cases, entries):
    """Names of the cases an [intermittent] entry names (conditions aside:
    they may depend on the verdicts this feeds)."""
    globs = [e["glob"] for e in entries if e["reason"].startswith("[intermittent]")]
    return {c["name"] for c in cases if any(fnmatch.fnmatchcase(c["name"], g) for g in globs)}


def feature_present(features, name):
    v = (features or {}).get(name)
    if isinstance(v, dict):
        return bool(v.get("present"))
    return bool(v) and v not in ("no", "false", "0")


def conditions_hold(entry, kernel, features, verdicts):
    for c in entry["conditions"].split(","):
        if c == "*":
            continue
        k, _, v = c.partition("=")
        vd = (verdicts.get(v) or {}).get("verdict")
        if k == "missing" and vd != "MISSING":
            return False
        if k == "regressed" and vd not in ("present", "regressed"):
            return False
        if k == "feature" and not feature_present(features, v):
            return False
        if k == "nofeature" and feature_present(features, v):
            return False
        if k == "release" and not fnmatch.fnmatchcase(kernel or "", v):
            return False
    return True


def apply(cases, entries, kernel, features, verdicts):
    """FAIL -> XFAIL and PASS -> XPASS where an entry applies; in place."""
    for c in cases:
        if c["result"] not in ("FAIL", "PASS", "ERROR"):
            continue
        live = [e for e in entries if fnmatch.fnmatchcase(c["name"], e["glob"])
                and conditions_hold(e, kernel, features, verdicts)]
        if not live:
            continue
        if c["result"] == "PASS":
            e = live[0]
            c["result"] = "XPASS"
            c["known"] = e["reason"]
            c["reason"] = ("passed this run (intermittent deviation)" if e["reason"].startswith("[intermittent]")
                           else "the deviation no longer shows: remove or narrow the known-issues entry")
            continue
        if c["result"] == "ERROR":
            c["reason"] += "\n# (known issue not applied: an ERROR is never an expected failure)"
            continue
        for e in live:
            if symptom_covers(e["symptom"], c["checks"]):
                c["result"], c["known"] = "XFAIL", e["reason"]
                break
        else:
            e = live[0]
            why = first_uncovered(e["symptom"], c["checks"]) if c["checks"] else "no failing-check line"
            c["reason"] += "\n# (known issue line %d not applied: not covered by /%s/: %s)" % (
                e["line"], e["symptom"], why)
