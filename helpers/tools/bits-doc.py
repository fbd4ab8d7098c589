#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Render the bit tables of helpers/core/bits.h.

  bits-doc.py [--bits H] [--fixes TSV]            docs/bits.md (stdout)
  bits-doc.py [--bits H] --rows                   one TSV line per row
  bits-doc.py [--bits H] --uapi-check             C checking the rows against
                                                  the build host's uapi headers

The rows are read through the C preprocessor (HOSTCC, default cc), so what
is rendered is exactly what the code is built from. A row's 'since' must be
an id of fixes.tsv (its release is shown) or '-'.
"""
import argparse
import os
import re
import subprocess
import sys

TABLES = {
    # macro: (key, columns)
    "PM_FLAGS": ("pm", ["name", "bit", "label", "slug", "dflt", "since", "doc"]),
    "KPF_FLAGS": ("kpf", ["name", "bit", "since", "doc"]),
    "KPF_INTERNAL_FLAGS": ("kpf_internal", ["name", "bit", "since", "doc"]),
    "SCAN_CATEGORIES": ("scan", ["name", "bit", "dflt", "since", "twin", "rel", "doc"]),
}
# Columns that are tokens in the table (stringified here), not C strings.
TOKENS = {"name", "bit", "dflt", "twin", "rel"}
C_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def read_rows(bits_h):
    src = ['#include "%s"' % os.path.basename(bits_h)]
    for macro, (key, cols) in TABLES.items():
        args = ", ".join(cols)
        body = " ".join(("#" + c) if c in TOKENS else c for c in cols)
        src.append("#define X_%s(%s) PMCROW %s %s PMCEND" % (key, args, key, body))
        src.append("%s(X_%s)" % (macro, key))
    cc = os.environ.get("HOSTCC", "cc").split()
    out = subprocess.run(cc + ["-E", "-P", "-x", "c", "-I", os.path.dirname(os.path.abspath(bits_h)), "-"],
                         input="\n".join(src) + "\n", capture_output=True, text=True)
    if out.returncode:
        sys.exit("bits-doc: the preprocessor failed:\n" + out.stderr)
    rows = {key: [] for key, _ in TABLES.values()}
    for m in re.finditer(r"PMCROW (\w+) (.*?) PMCEND", out.stdout, re.S):
        key = m.group(1)
        cols = TABLES[[t for t in TABLES if TABLES[t][0] == key][0]][1]
        vals = [bytes(v, "utf-8").decode("unicode_escape") for v in C_STRING.findall(m.group(2))]
        if len(vals) != len(cols):
            sys.exit("bits-doc: cannot read the row %r" % m.group(0))
        row = dict(zip(cols, vals))
        row["bit"] = int(row["bit"])
        rows[key].append(row)
    return rows


def read_fixes(path):
    fixes = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            p = line.rstrip("\n").split("\t")
            fixes[p[0]] = p[3]
    return fixes


def since(row, fixes):
    s = row["since"]
    if s == "-":
        return "-"
    if s not in fixes:
        sys.exit("bits-doc: %s: since=%s is not an id of fixes.tsv" % (row["name"], s))
    return "%s (%s)" % (fixes[s], s)


DFLT = {
    "STATE": "the state decides (none)",
    "CLEAR": "clear",
    "SOFT_DIRTY": "set iff soft-dirty is tracked",
}
REL = {
    "SAME": "compared: equal",
    "NOT_ARMED": "compared: WRITTEN == !bit where uffd-wp is registered",
    "UNCOMPARED": "named, not compared",
    "NONE": "-",
}


def markdown(rows, fixes):
    o = []
    w = o.append
    w("# Bits: pagemap, kpageflags, PAGEMAP_SCAN")
    w("")
    w("Generated from `helpers/core/bits.h` (and the releases of `fixes.tsv`) by")
    w("`make docs/bits.md` (`helpers/tools/bits-doc.py`); do not edit. Names and")
    w("bit numbers are the kernel's. The *decoder* column is the name failure")
    w("messages print; *default* is how an expectation classifies a bit it does")
    w("not mention (`pm_expect_defaults()`, `scan_expect_defaults()`): a bit whose")
    w("state decides must be classified by every expectation, or the expectation")
    w("matches nothing (`classify()`).")
    w("")
    w("## /proc/PID/pagemap (fs/proc/task_mmu.c)")
    w("")
    w("Faults (`PMC_FAULT=list`): `pm-<slug>-never` for a named bit;")
    w("`pm-<slug>-on-present`, `-on-swap`, `-on-none` for every flag bit, on every")
    w("kind of entry but the one the bit itself defines.")
    w("")
    w("| bit | kernel name | decoder | fault slug | default | since | meaning |")
    w("|---|---|---|---|---|---|---|")
    named = {r["bit"]: r for r in rows["pm"]}
    for bit in range(63, 54, -1):
        r = named.get(bit)
        if r:
            w("| %d | `%s` | %s | %s | %s | %s | %s |" % (bit, r["name"], r["label"], r["slug"],
                                                        DFLT[r["dflt"]], since(r, fixes), r["doc"]))
        else:
            w("| %d | - | bit%d | bit%d | clear | - | reserved: documented zero |" % (bit, bit, bit))
    w("| 0-54 | `PM_PFRAME_MASK` | pfn= / type= offset= | pfn, swap | per state (`enum pm_low_rule`) | - | "
      "PFN if present (0 without CAP_SYS_ADMIN); with PM_SWAP: "
      "swap type (bits 0-4) and offset (5-54) |")
    w("")
    w("## /proc/kpageflags (include/uapi/linux/kernel-page-flags.h)")
    w("")
    w("The mask is `KPF_<X>` (as in tools/testing/selftests/mm/vm_util.h), the bit")
    w("number `KPF_<X>_B` (the uapi header's `KPF_<X>`). Every documented bit is")
    w("classified by every expectation (the tests' rest: clear); bits up to 31")
    w("that no row names are unassigned and must read zero. Faults:")
    w("`kpf-clear:<X>`, `kpf-set:<X>` for every row.")
    w("")
    w("| bit | kernel name | decoder | since | meaning |")
    w("|---|---|---|---|---|")
    for r in rows["kpf"]:
        w("| %d | `%s` | %s | %s | %s |" % (r["bit"], r["name"], r["name"][4:], since(r, fixes), r["doc"]))
    last = max(r["bit"] for r in rows["kpf"])
    if last < 31:
        w("| %d-31 | - | bitN | - | unassigned: must read zero |" % (last + 1))
    w("")
    w("Kernel-internal bits (include/linux/kernel-page-flags.h, 6.12: \"subject to")
    w("change, never rely on them\"): never asserted, printed as `+internal=`.")
    w("")
    w("| bit | kernel name | meaning |")
    w("|---|---|---|")
    for r in rows["kpf_internal"]:
        w("| %d | `%s` | %s |" % (r["bit"], r["name"], r["doc"]))
    w("")
    w("## PAGEMAP_SCAN categories (include/uapi/linux/fs.h)")
    w("")
    w("*Twin*: the pagemap bit of the same meaning; `scan_agrees_with_pagemap()`")
    w("compares the pairs marked compared, page by page. Faults:")
    w("`scan-cat-add:<X>`, `scan-cat-drop:<X>`, `scan-cat-refuse:<X>` for every row.")
    w("")
    w("| bit | kernel name | decoder | twin | relation | default | since | meaning |")
    w("|---|---|---|---|---|---|---|---|")
    for r in rows["scan"]:
        twin = "-" if r["twin"] == "NO_TWIN" else "`%s`" % r["twin"]
        w("| %d | `%s` | %s | %s | %s | %s | %s | %s |" % (r["bit"], r["name"], r["name"][8:], twin, REL[r["rel"]],
                                                          DFLT[r["dflt"]], since(r, fixes), r["doc"]))
    w("")
    w("## Adding a bit")
    w("")
    w("A pagemap bit touches three files:")
    w("")
    w("1. `helpers/core/bits.h`: one `PM_FLAGS` row (kernel name, bit, decoder label,")
    w("   fault slug, default, fixes.tsv id, meaning). From it: the mask, the")
    w("   decoder's name, its place in the reserved bits (it leaves them), the")
    w("   default classification (`CLEAR`: asserted clear by every existing")
    w("   expectation; `STATE`: every expectation that does not classify it is")
    w("   refused), the `pm-<slug>-*` faults and this page (`make docs/bits.md`).")
    w("2. the builder of a state that sets it (`helpers/<family>.c`), with its")
    w("   independent proof;")
    w("3. the test asserting it (`tests/pagemap/...`), tagged with its fixes.tsv id")
    w("   (the `fixes.tsv` line is the catalogue's, as for any feature).")
    w("")
    w("A scan category is one `SCAN_CATEGORIES` row (naming its pagemap twin)")
    w("plus, while build hosts' uapi headers lack it, its value in")
    w("`helpers/core/compat.h` (checked against the row at compile time); a KPF bit is")
    w("one `KPF_FLAGS` row. `helpers/tests/bits.bats` adds a fake pagemap bit to a")
    w("copy of the table and shows the decoder, the defaults, the refusal of an")
    w("expectation that leaves it unclassified, the faults and this page pick it up.")
    return "\n".join(o) + "\n"


def uapi_check(rows):
    o = ["/* Generated by helpers/tools/bits-doc.py --uapi-check: the rows of",
         " * helpers/core/bits.h against the build host's uapi headers. */",
         "#include <linux/fs.h>",
         "#include <linux/kernel-page-flags.h>"]
    for r in rows["kpf"]:
        o.append("#ifdef %s\n_Static_assert(%s == %d, \"%s\");\n#endif" % (r["name"], r["name"], r["bit"], r["name"]))
    for r in rows["scan"]:
        o.append("#ifdef %s\n_Static_assert(%s == (1 << %d), \"%s\");\n#endif" % (r["name"], r["name"], r["bit"], r["name"]))
    return "\n".join(o) + "\n"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser()
    ap.add_argument("--bits", default=os.path.join(root, "helpers", "core", "bits.h"))
    ap.add_argument("--fixes", default=os.path.join(root, "fixes.tsv"))
    ap.add_argument("--rows", action="store_true")
    ap.add_argument("--uapi-check", action="store_true")
    a = ap.parse_args()
    rows = read_rows(a.bits)
    if a.rows:
        for key, _ in TABLES.values():
            for r in rows[key]:
                print("\t".join([key] + [str(v) for v in r.values()]))
    elif a.uapi_check:
        sys.stdout.write(uapi_check(rows))
    else:
        sys.stdout.write(markdown(rows, read_fixes(a.fixes)))


if __name__ == "__main__":
    main()
