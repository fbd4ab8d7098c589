#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""coverage report: gcov JSON of each suite's run -> coverage.json, coverage.md, coverage.html.

  report.py --src KSRC --out DIR [--meta KEY=VALUE]... [--boot LABEL=DIR]... LABEL=GCOVJSONDIR...
  report.py record ARCH DIR/coverage.json docs/kernel-coverage.json

GCOVJSONDIR holds the `gcov --json-format` output (*.gcov.json.gz) of one run.
--boot LABEL=DIR: the counters of the same guest (same boot, same kernel) as
they were right before the reset that starts run LABEL. They are never added
to the run's figures: the report shows them apart, and credits from them only
the lines of __init functions (code that runs once at boot and is freed, so
that no run can reach it after the reset), in rows and columns that say so.
Per file and per function: lines and branches covered/total. Functions are
located in the source by their definition (so fully inlined helpers such as
make_pme count too); a line belongs to the function whose body holds it.
Groups: the interface functions named in issue 18. Uncovered lines of the
interface functions are printed with their source, and with the reason from
ci/coverage/unreachable.txt when a pattern there names them. coverage.html
shows the whole source of every interface function with each run's count per
line (and the boot count of __init lines), the lines the first run does not
reach highlighted. Standard library only.
"""
import argparse
import glob
import gzip
import html
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
]
# The row that credits the boot snapshot's __init lines, per file.
BOOT_ROW = "%s: the run's lines + the __init lines executed at boot of the same guest (before the reset)"

DEF_RE = re.compile(r"^(?:static\s+|inline\s+|noinline\s+|__always_inline\s+)*[A-Za-z_][\w\s\*]*?\b([a-z_][a-z0-9_]*)\(")


def functions_of(path, inits=None):
    """{name: [(first, last), ...]} from the source: definitions at column 0
    whose body opens on a later line with '{' at column 0 and ends at '}'.
    inits: a set that receives the names of the __init functions."""
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
                if inits is not None and re.search(r"\b__init\b", " ".join(lines[i:j])):
                    inits.add(m.group(1))
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
    return "%d/%d (%s)" % (c, t, ("%.1f %%" % (100.0 * c / t)) if t else "-")


def load_reasons(path):
    """unreachable.txt: 'function<TAB>regex<TAB>reason' per line (re.M: ^ and $
    also match inside a multi-line statement)."""
    out = []
    for line in (open(path).read().split("\n") if os.path.exists(path) else []):
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) >= 3:
            out.append((f[0], re.compile(f[1], re.M), f[2]))
    return out


def fstats(doc, label, f, fn):
    """A function's stats in run LABEL (none counted: a run without that file's data)."""
    return doc["suites"][label]["files"][f]["functions"].get(fn, {"lines": [0, 0], "branches": [0, 0], "uncovered": []})


def in_ranges(n, ranges):
    return any(a <= n <= b for a, b in ranges)


def boot_credit(doc_suite, label, lines, boot, funcs, inits):
    """The boot snapshot of run LABEL: per file, what it shows executed, and
    the run's lines + the lines of __init functions it shows executed."""
    b = {"note": "counters of the same guest right before the reset that starts %s; "
                 "only lines of __init functions are credited from them" % label,
         "files": {}}
    for f in FILES:
        bl = boot.get(f, {})
        init_ranges = [r for fn in inits[f] for r in funcs[f].get(fn, [])]
        credited = sorted(n for n, v in bl.items() if v[0] > 0 and in_ranges(n, init_ranges))
        run = lines.get(f, {})
        total = len(run)
        covered = {n for n, v in run.items() if v[0] > 0} | set(credited)
        b["files"][f] = {
            "executed_at_boot": stats(bl)["lines"],
            "init_functions": {fn: stats(bl, funcs[f][fn]) for fn in sorted(inits[f]) if fn in funcs[f]},
            "init_lines_credited": credited,
            "with_boot_init": {"lines": [len(covered & set(run)), total],
                               "uncovered": sorted(set(run) - covered)},
        }
    doc_suite["boot"] = b


def statement(lines, n):
    """Line n and the lines continuing its statement (up to one ending in ';',
    '{', '}' or ':'; at most 4 more): a call split over lines is one text."""
    out = [lines[n - 1]]
    while not out[-1].rstrip().endswith((";", "{", "}", ":")) and len(out) < 5 and n + len(out) <= len(lines):
        out.append(lines[n - 1 + len(out)])
    return "\n".join(out)


def reason_of(reasons, fn, lines, n):
    """The reason of the first entry of FN whose regex matches line n, else
    the first whose regex matches line n's whole statement (two lines that
    read alike, e.g. the first line of two calls, differ in their arguments)."""
    code = lines[n - 1]
    mine = [(rx, r) for rf, rx, r in reasons if rf == fn]
    return (next((r for rx, r in mine if rx.search(code)), None)
            or next((r for rx, r in mine if rx.search(statement(lines, n))), None))


def interface_functions(doc, label):
    """[(group, file, function)] of the interface, in report order."""
    out = []
    first = doc["suites"][label]
    for name, f, pred in GROUPS:
        out += [(name, f, fn) for fn in first["groups"][name]["functions"]]
    for f in FILES:
        if f == "fs/proc/page.c":
            out += [("fs/proc/page.c", f, fn) for fn in sorted(first["files"][f]["functions"])]
    return out


def write_html(path, doc, labels, counts, boots, funcs, inits, src, reasons):
    e = html.escape
    h = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
         "<title>Kernel code coverage of the interfaces</title>",
         "<style>",
         "body{font-family:sans-serif;margin:1em 2em}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
         "th{background:#eee}td.n{text-align:right}"
         "table.src td{border:none;padding:0 6px;font-family:monospace;white-space:pre;vertical-align:top}"
         "table.src tr.miss td{background:#fdd}table.src tr.boot td{background:#dfe8ff}"
         "table.src tr.why td{background:#fff3d6}table.src td.cnt{text-align:right;color:#555}"
         "table.src tr.miss td.cnt0{color:#c00;font-weight:bold}"
         ".legend span{padding:0 6px;margin-right:8px}",
         "</style>", "</head>", "<body>", "<h1>Kernel code coverage of the interfaces</h1>", "<ul>"]
    h += ["<li>%s: %s</li>" % (e(k), e(str(v))) for k, v in doc["meta"].items()]
    h += ["</ul>", "<h2>Lines covered</h2>", "<table>",
          "<tr><th>lines covered</th>" + "".join("<th>%s</th>" % e(l) for l in labels) + "</tr>"]
    for name, vals in summary_rows(doc, labels):
        h.append("<tr><td>%s</td>" % e(name) + "".join('<td class="n">%s</td>' % e(v) for v in vals) + "</tr>")
    h += ["</table>", "<h2>Interface functions</h2>", "<table>",
          "<tr><th>function</th>" + "".join("<th>%s lines</th><th>%s branches</th>" % (e(l), e(l)) for l in labels)
          + "</tr>"]
    ifs = interface_functions(doc, labels[0])
    for _, f, fn in ifs:
        h.append('<tr><td><a href="#%s">%s</a></td>' % (e(fn), e(fn)) + "".join(
            '<td class="n">%s</td><td class="n">%s</td>' % (
                e(pct(fstats(doc, l, f, fn)["lines"])),
                e(pct(fstats(doc, l, f, fn)["branches"]))) for l in labels) + "</tr>")
    h += ["</table>", "<h2>Annotated source</h2>",
          '<p class="legend">Per line: the execution count of each run ("-": no code on that line). '
          '<span style="background:#fdd">not reached by %s</span>'
          '<span style="background:#fff3d6">not reached, with the reason user space cannot reach it</span>'
          '<span style="background:#dfe8ff">__init: not reached by %s, executed at boot of the same guest '
          "(before the reset; the &quot;boot&quot; column)</span></p>" % (e(labels[0]), e(labels[0]))]
    bootcols = [l for l in labels if l in boots]
    for _, f, fn in ifs:
        is_init = fn in inits[f]
        h.append('<h3 id="%s">%s <small>(%s)</small></h3>' % (e(fn), e(fn), e(f)))
        h.append('<table class="src"><tr><th>line</th>' + "".join("<th>%s</th>" % e(l) for l in labels)
                 + "".join("<th>%s boot</th>" % e(l) for l in bootcols if is_init) + "<th>source</th></tr>")
        for a, b in funcs[f][fn]:
            for n in range(a, b + 1):
                code = src[f][n - 1]
                c = [counts[l].get(f, {}).get(n) for l in labels]
                bc = [boots[l].get(f, {}).get(n) for l in bootcols] if is_init else []
                cls, note = "", None
                if c[0] is not None and c[0][0] == 0:
                    if is_init and any(x is not None and x[0] > 0 for x in bc):
                        cls = "boot"
                    else:
                        note = reason_of(reasons, fn, src[f], n)
                        cls = "why" if note else "miss"
                cells = "".join('<td class="cnt%s">%s</td>' % ("0" if x is not None and x[0] == 0 else "",
                                                                "-" if x is None else x[0]) for x in c + bc)
                h.append('<tr class="%s"><td class="cnt">%d</td>%s<td>%s</td></tr>' % (cls, n, cells, e(code)) if cls
                         else '<tr><td class="cnt">%d</td>%s<td>%s</td></tr>' % (n, cells, e(code)))
                if note or cls == "miss":
                    h.append('<tr class="%s"><td></td>%s<td>&#8593; %s</td></tr>' % (
                        cls, "<td></td>" * (len(c) + len(bc)),
                        e(note) if note else "<b>no reason recorded: a test should reach it</b>"))
        h.append("</table>")
    h += ["</body>", "</html>"]
    with open(path, "w") as fp:
        fp.write("\n".join(h) + "\n")


def summary_numbers(doc, labels):
    """[(row name, {label: [covered, total]})]: the side-by-side table."""
    rows = []
    for f in FILES:
        rows.append(("%s (whole file)" % f, {l: doc["suites"][l]["files"][f]["lines"] for l in labels}))
    for name, _, _ in GROUPS:
        rows.append((name, {l: doc["suites"][l]["groups"][name]["lines"] for l in labels}))
    for f in FILES:
        if any(doc["suites"][l].get("boot", {}).get("files", {}).get(f, {}).get("init_lines_credited") for l in labels):
            rows.append((BOOT_ROW % f, {l: doc["suites"][l]["boot"]["files"][f]["with_boot_init"]["lines"]
                                        for l in labels if "boot" in doc["suites"][l]}))
    return rows


def summary_rows(doc, labels):
    """[(row name, [value per label])]: the side-by-side table."""
    return [(name, [pct(v[l]) if l in v else "-" for l in labels]) for name, v in summary_numbers(doc, labels)]


def record(arch, cov_json, path):
    """Update the ARCH entry of the record PATH (docs/kernel-coverage.json,
    rendered into docs/kernel-coverage.md by `make docs`) from a run's
    coverage.json: its metadata and the side-by-side table's numbers."""
    doc = json.load(open(cov_json))
    labels = sorted(doc["suites"], key=lambda l: (l != "suite", l))  # the suite first
    rec = json.load(open(path)) if os.path.exists(path) else {}
    rec[arch] = {"meta": doc["meta"], "labels": labels,
                 "rows": [[name, v] for name, v in summary_numbers(doc, labels)]}
    with open(path, "w") as fp:
        json.dump(rec, fp, indent=1, sort_keys=True)
        fp.write("\n")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "record":
        if len(sys.argv) != 5:
            raise SystemExit("usage: report.py record ARCH DIR/coverage.json RECORD.json")
        record(*sys.argv[2:])
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--reasons", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "unreachable.txt"))
    ap.add_argument("--meta", action="append", default=[])
    ap.add_argument("--boot", action="append", default=[], metavar="LABEL=DIR")
    ap.add_argument("runs", nargs="+", metavar="LABEL=DIR")
    a = ap.parse_args()

    inits = {f: set() for f in FILES}
    funcs = {f: functions_of(os.path.join(a.src, f), inits[f]) for f in FILES}
    src = {f: open(os.path.join(a.src, f), errors="replace").read().split("\n") for f in FILES}
    reasons = load_reasons(a.reasons)
    boot_dirs = dict(b.split("=", 1) for b in a.boot)
    doc = {"meta": dict(m.split("=", 1) for m in a.meta), "suites": {}}
    counts, boots = {}, {}
    for run in a.runs:
        label, d = run.split("=", 1)
        g = counts[label] = load_gcov(d)
        s = {"files": {}, "groups": {}}
        for f in FILES:
            lines = g.get(f, {})
            fs = stats(lines)
            fs["functions"] = {}
            for fn, ranges in sorted(funcs[f].items()):
                st = stats(lines, ranges)
                if st["lines"][1]:
                    fs["functions"][fn] = st
            fs["init_functions"] = sorted(fn for fn in inits[f] if fn in fs["functions"])
            s["files"][f] = fs
        for name, f, pred in GROUPS:
            ranges = [r for fn, rs in funcs[f].items() if pred(fn) for r in rs]
            st = stats(g.get(f, {}), ranges)
            st["functions"] = sorted(fn for fn in s["files"][f]["functions"] if pred(fn))
            s["groups"][name] = st
        if label in boot_dirs:
            boots[label] = load_gcov(boot_dirs[label])
            boot_credit(s, label, g, boots[label], funcs, inits)
        doc["suites"][label] = s
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "coverage.json"), "w") as fp:
        json.dump(doc, fp, indent=1, sort_keys=True)

    labels = list(doc["suites"])
    md = ["# Kernel code coverage of the interfaces", ""]
    md += ["- %s: %s" % (k, v) for k, v in doc["meta"].items()]
    md += ["", "Lines covered (branches in the JSON). Each run's figures count only what ran after the"
           " counters were reset, right before its programs. A row naming the boot adds the lines of __init"
           " functions that the same guest's counters show executed at boot, before that reset"
           " (code that runs once and is freed): that row is not the run's own figure.", "",
           "| lines covered | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for name, vals in summary_rows(doc, labels):
        md.append("| %s | " % name + " | ".join(vals) + " |")
    md += ["", "## Interface functions", "",
           "| function | " + " | ".join("%s lines | %s branches" % (l, l) for l in labels) + " |",
           "|---" * (2 * len(labels) + 1) + "|"]
    first = doc["suites"][labels[0]]
    for _, f, fn in interface_functions(doc, labels[0]):
        md.append("| %s | " % fn + " | ".join("%s | %s" % (pct(fstats(doc, l, f, fn)["lines"]),
                                                       pct(fstats(doc, l, f, fn)["branches"]))
                                              for l in labels) + " |")
    md += ["", "## Lines of the interface functions %s does not reach" % labels[0], "",
           "`count:line: source`, then the reason user space cannot reach it (ci/coverage/unreachable.txt),"
           " or **(no reason: a test should reach it)**. Lines of __init functions the boot snapshot shows"
           " executed say so (with the boot count).", ""]
    unexplained = 0
    for _, f, fn in interface_functions(doc, labels[0]):
        unc = first["files"][f]["functions"][fn]["uncovered"]
        if not unc:
            continue
        md += ["### %s (%s)" % (fn, f), "", "```"]
        notes = []
        bl = boots.get(labels[0], {}).get(f, {})
        for n in unc:
            code = src[f][n - 1]
            md.append("#####:%5d: %s" % (n, code))
            why = reason_of(reasons, fn, src[f], n)
            if why is None:
                unexplained += 1
            if fn in inits[f] and bl.get(n, (0,))[0] > 0:
                why = "%s; executed %d time(s) at boot of this guest, before the reset" % (why or "__init", bl[n][0])
            notes.append("- %d: %s" % (n, why or "**(no reason: a test should reach it)**"))
        md += ["```", ""] + notes + [""]
    md.insert(2, "- uncovered interface lines without a recorded reason: %d" % unexplained)
    with open(os.path.join(a.out, "coverage.md"), "w") as fp:
        fp.write("\n".join(md) + "\n")
    write_html(os.path.join(a.out, "coverage.html"), doc, labels, counts, boots, funcs, inits, src, reasons)
    print("\n".join(md[:md.index("## Interface functions")]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
