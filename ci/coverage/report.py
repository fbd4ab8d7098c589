#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""coverage report: gcov JSON of each suite's run -> coverage.json + coverage.md.

  report.py --src KSRC --out DIR --meta KEY=VALUE... LABEL=GCOVJSONDIR...

GCOVJSONDIR holds the `gcov --json-format` output (*.gcov.json.gz) of one run.
Per file and per function: lines and branches covered/total. Functions are
located in the source by their definition (so fully inlined helpers such as
make_pme count too); a line belongs to the function whose body holds it.
Groups: the interface functions named in issue 18. Uncovered lines of the
interface functions are printed with their source, and with the reason from
ci/coverage/unreachable.txt when a pattern there names them.
"""
import argparse
import glob
import gzip
import json
import os
import re
import sys

FILES = ["fs/proc/task_mmu.c", "fs/proc/page.c"]

# The interface functions (issue 18, "Done when").
READ_PATH = ["pagemap_read", "pte_to_pagemap_entry", "pagemap_pmd_range", "pagemap_pmd_range_thp",
             "pagemap_pte_hole", "pagemap_hugetlb_range", "add_to_pagemap", "make_pme"]


def is_scan(fn):
    return (fn == "do_pagemap_scan" or fn.startswith("pagemap_scan_") or fn.startswith("make_uffd_wp_")
            or fn in ("pagemap_page_category", "pagemap_thp_category", "pagemap_hugetlb_category"))


GROUPS = [
    ("pagemap read path", "fs/proc/task_mmu.c", lambda f: f in READ_PATH),
    ("PAGEMAP_SCAN functions", "fs/proc/task_mmu.c", is_scan),
    # proc_page_init() is __init: it ran at boot, before the counters were reset
    ("fs/proc/page.c without __init", "fs/proc/page.c", lambda f: f != "proc_page_init"),
]

DEF_RE = re.compile(r"^(?:static\s+|inline\s+|noinline\s+|__always_inline\s+)*[A-Za-z_][\w\s\*]*?\b([a-z_][a-z0-9_]*)\(")


def functions_of(path):
    """{name: [(first, last), ...]} from the source: definitions at column 0
    whose body opens on a later line with '{' at column 0 and ends at '}'."""
    lines = open(path, errors="replace").read().split("\n")
    out, i = {}, 0
    while i < len(lines):
        m = DEF_RE.match(lines[i])
        if m and not lines[i].rstrip().endswith(";") and not lines[i].startswith(("#", " ", "\t")):
            j = i
            while j < len(lines) and lines[j] != "{" and not lines[j].rstrip().endswith(";"):
                if j > i + 8:
                    break
                j += 1
            if j < len(lines) and lines[j] == "{":
                k = j
                while k < len(lines) and lines[k] != "}":
                    k += 1
                out.setdefault(m.group(1), []).append((i + 1, k + 1))
                i = k + 1
                continue
        i += 1
    return out


def load_gcov(d):
    """{relative source path: {line: (count, branches_covered, branches_total)}}"""
    res = {}
    for p in glob.glob(os.path.join(d, "*.gcov.json.gz")):
        data = json.load(gzip.open(p, "rt"))
        for f in data.get("files", []):
            name = f["file"]
            rel = next((x for x in FILES if name.endswith(x)), None)
            if not rel:
                continue
            lines = res.setdefault(rel, {})
            for ln in f.get("lines", []):
                br = ln.get("branches", [])
                n = ln["line_number"]
                c, bc, bt = lines.get(n, (0, 0, 0))
                lines[n] = (c + ln["count"], bc + sum(1 for b in br if b["count"] > 0), bt + len(br))
    return res


def stats(lines, ranges=None):
    sel = [(n, v) for n, v in lines.items() if ranges is None or any(a <= n <= b for a, b in ranges)]
    return {"lines": [sum(1 for _, v in sel if v[0] > 0), len(sel)],
            "branches": [sum(v[1] for _, v in sel), sum(v[2] for _, v in sel)],
            "uncovered": sorted(n for n, v in sel if v[0] == 0)}


def pct(cov):
    c, t = cov
    return "%d/%d (%s)" % (c, t, ("%.0f %%" % (100.0 * c / t)) if t else "-")


def load_reasons(path):
    """unreachable.txt: 'function<TAB>regex<TAB>reason' per line."""
    out = []
    for line in (open(path).read().split("\n") if os.path.exists(path) else []):
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) >= 3:
            out.append((f[0], re.compile(f[1]), f[2]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--reasons", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "unreachable.txt"))
    ap.add_argument("--meta", action="append", default=[])
    ap.add_argument("runs", nargs="+", metavar="LABEL=DIR")
    a = ap.parse_args()

    funcs = {f: functions_of(os.path.join(a.src, f)) for f in FILES}
    src = {f: open(os.path.join(a.src, f), errors="replace").read().split("\n") for f in FILES}
    reasons = load_reasons(a.reasons)
    doc = {"meta": dict(m.split("=", 1) for m in a.meta), "suites": {}}
    for run in a.runs:
        label, d = run.split("=", 1)
        g = load_gcov(d)
        s = {"files": {}, "groups": {}}
        for f in FILES:
            lines = g.get(f, {})
            fs = stats(lines)
            fs["functions"] = {}
            for fn, ranges in sorted(funcs[f].items()):
                st = stats(lines, ranges)
                if st["lines"][1]:
                    fs["functions"][fn] = st
            s["files"][f] = fs
        for name, f, pred in GROUPS:
            ranges = [r for fn, rs in funcs[f].items() if pred(fn) for r in rs]
            st = stats(g.get(f, {}), ranges)
            st["functions"] = sorted(fn for fn in s["files"][f]["functions"] if pred(fn))
            s["groups"][name] = st
        doc["suites"][label] = s
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "coverage.json"), "w") as fp:
        json.dump(doc, fp, indent=1, sort_keys=True)

    labels = list(doc["suites"])
    md = ["# Kernel code coverage of the interfaces", ""]
    md += ["- %s: %s" % (k, v) for k, v in doc["meta"].items()]
    md += ["", "Lines covered (branches in the JSON):", "",
           "| lines covered | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for f in FILES:
        md.append("| %s (whole file) | " % f + " | ".join(pct(doc["suites"][l]["files"][f]["lines"]) for l in labels) + " |")
    for name, _, _ in GROUPS:
        md.append("| %s | " % name + " | ".join(pct(doc["suites"][l]["groups"][name]["lines"]) for l in labels) + " |")
    md += ["", "## Interface functions", "",
           "| function | " + " | ".join("%s lines | %s branches" % (l, l) for l in labels) + " |",
           "|---" * (2 * len(labels) + 1) + "|"]
    first = doc["suites"][labels[0]]
    for name, f, pred in GROUPS:
        for fn in first["groups"][name]["functions"]:
            md.append("| %s | " % fn + " | ".join("%s | %s" % (pct(doc["suites"][l]["files"][f]["functions"][fn]["lines"]),
                                                           pct(doc["suites"][l]["files"][f]["functions"][fn]["branches"]))
                                                  for l in labels) + " |")
    md += ["", "## Lines of the interface functions %s does not reach" % labels[0], "",
           "`count:line: source`, then the reason user space cannot reach it (ci/coverage/unreachable.txt),"
           " or **(no reason: a test should reach it)**.", ""]
    unexplained = 0
    for name, f, pred in GROUPS:
        for fn in first["groups"][name]["functions"]:
            unc = first["files"][f]["functions"][fn]["uncovered"]
            if not unc:
                continue
            md += ["### %s (%s)" % (fn, f), "", "```"]
            notes = []
            for n in unc:
                code = src[f][n - 1]
                md.append("#####:%5d: %s" % (n, code))
                why = next((r for rf, rx, r in reasons if rf == fn and rx.search(code)), None)
                if why is None:
                    unexplained += 1
                notes.append("- %d: %s" % (n, why or "**(no reason: a test should reach it)**"))
            md += ["```", ""] + notes + [""]
    md.insert(2, "- uncovered interface lines without a recorded reason: %d" % unexplained)
    with open(os.path.join(a.out, "coverage.md"), "w") as fp:
        fp.write("\n".join(md) + "\n")
    print("\n".join(md[:14 + len(FILES) + len(GROUPS)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
