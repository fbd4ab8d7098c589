#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""pagemap-conformance results engine: the only one (host runner, VM runner,
matrix, soak, jobs-check, mutate, the kselftest wrapper all call it).

  pmc_report.py report DIR [options]   raw results (layout: pmcr_raw.py) ->
                                       cases -> known issues -> verdicts -> outputs
  pmc_report.py vm DIR [--status S] [--label L] [--elapsed SEC] [--accel A] [options]
                                       split DIR/results.raw (guest results port)
                                       into the raw layout, then report; writes
                                       DIR/results.json and DIR/results.tap
  pmc_report.py matrix OUTDIR LABEL=results.json...

report options:
  --known FILE       known-issues.txt (default: none)
  --fixes FILE       fixes.tsv catalogue (default: none = no fix verdicts)
  --format human|tap|fixes|none   what goes to stdout (default human)
  --json F --junit F --tap F      also write these files (F '-' = stdout)
  --filtered         a filtered run: ids without a case that ran are left out
  --exit run|vm|ksft exit status convention (default run):
                     run:  0 ok, 1 a FAIL/ERROR, 4 every case SKIPped
                     vm:   0 ok, 1 a FAIL, 3 an ERROR
                     ksft: kselftest codes 0 / 1 / 4
  --strict           with --format fixes: exit 1 when an id is MISSING or regressed
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pmcr_catalogue as catalogue  # noqa: E402
import pmcr_emit as emit  # noqa: E402
import pmcr_known as known  # noqa: E402
import pmcr_matrix as matrix  # noqa: E402
import pmcr_raw as raw  # noqa: E402


def build(d, known_path=None, fixes_path=None, filtered=False):
    """Raw results directory -> the run: cases (final), catalogue, verdicts."""
    run = raw.load(d)
    cat = {}
    if fixes_path:
        cat = catalogue.load_fixes(fixes_path)
        for prog, glob, t in run["tags"]:
            if t["id"] not in cat:
                print("engine: %s tags '%s' with id %s, which fixes.tsv does not list" % (prog, glob, t["id"]),
                      file=sys.stderr)
    entries = known.load(known_path, cat) if known_path else []
    verdicts = catalogue.verdicts(cat, run["cases"], run["tags"], known.intermittent_cases(run["cases"], entries))
    known.apply(run["cases"], entries, run["kernel"], run["features"], verdicts)
    run.update(catalogue=cat, verdicts=verdicts, filtered=filtered)
    return run


def write(path, text):
    if path == "-":
        sys.stdout.write(text)
        return
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def exit_code(run, conv):
    s = emit.summary(run["cases"])
    if conv == "vm":
        return 3 if s["error"] else 1 if s["fail"] else 0
    if s["failed"]:
        return 1
    if s["skipped"] and not s["passed"]:
        return 4
    return 0


def add_report_opts(p):
    p.add_argument("dir")
    p.add_argument("--known")
    p.add_argument("--fixes")
    p.add_argument("--format", default="human", choices=("human", "tap", "fixes", "none"))
    p.add_argument("--json")
    p.add_argument("--junit")
    p.add_argument("--tap")
    p.add_argument("--filtered", action="store_true")
    p.add_argument("--exit", default="run", choices=("run", "vm", "ksft"))
    p.add_argument("--strict", action="store_true")


def do_report(a, extra=None):
    try:
        run = build(a.dir, a.known, a.fixes, a.filtered)
    except catalogue.CatalogueError as e:
        print("engine: %s" % e, file=sys.stderr)
        return 2
    if a.json:
        write(a.json, emit.to_json(run, extra))
    if a.junit:
        write(a.junit, emit.junit(run))
    if a.tap:
        write(a.tap, emit.tap(run))
    if a.format == "human":
        sys.stdout.write(emit.human(run))
    elif a.format == "tap":
        sys.stdout.write(emit.tap(run))
    elif a.format == "fixes":
        sys.stdout.write(emit.fixes_report(run))
        if a.strict and any(v["verdict"] in ("MISSING", "regressed") for v in run["verdicts"].values()):
            return 1
        return 0
    return exit_code(run, a.exit)


def do_vm(a):
    facts = raw.split_frames(a.dir)
    status = "" if a.status == "ok" else a.status
    if not facts["hello"]:
        status = "guest never reported (boot failure or panic before init)" + (": " + status if status else "")
    elif not facts["done"] and not status:
        status = "guest stopped before reporting all programs"
    with open(os.path.join(a.dir, "status.txt"), "w") as f:
        f.write(status + "\n" if status else "")
    extra = {"label": a.label, "accel": a.accel, "status": status or "ok"}
    try:
        extra["elapsed_s"] = round(float(a.elapsed), 1)
    except ValueError:
        pass
    a.json = a.json or os.path.join(a.dir, "results.json")
    a.tap = a.tap or os.path.join(a.dir, "results.tap")
    a.format, a.exit = "none", "vm"
    rc = do_report(a, extra)
    # one line per kernel, then the failures (the matrix has the rest)
    r = json.load(open(a.json))
    s = r["summary"]
    print("%s: pass %d, fail %d, skip %d, xfail %d, xpass %d, error %d  (%s)" % (
        r["kernel"], s["pass"], s["fail"], s["skip"], s["xfail"], s["xpass"], s["error"], a.json))
    bad = [t for t in r["tests"] if t["result"] in ("FAIL", "ERROR")]
    for t in bad[:12]:
        print("  %-5s %s: %s" % (t["result"], t["name"], " / ".join(t["reason"].splitlines())[:200]))
    if len(bad) > 12:
        print("  ... %d more FAIL/ERROR in %s" % (len(bad) - 12, a.tap))
    return rc


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    add_report_opts(sub.add_parser("report"))
    v = sub.add_parser("vm")
    add_report_opts(v)
    v.add_argument("--status", default="ok")
    v.add_argument("--label", default="")
    v.add_argument("--elapsed", default="")
    v.add_argument("--accel", default="")
    m = sub.add_parser("matrix")
    m.add_argument("outdir")
    m.add_argument("runs", nargs="+", metavar="LABEL=results.json")
    a = ap.parse_args(argv)
    if a.cmd == "report":
        return do_report(a)
    if a.cmd == "vm":
        return do_vm(a)
    return matrix.matrix(a.outdir, a.runs)


if __name__ == "__main__":
    sys.exit(main())
