#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Kept for ci/vm-run.sh and ci/matrix.sh: the results engine is
helpers/report/pmc_report.py (one engine for host, VM, matrix, soak,
jobs-check and mutate). Same commands (vm, report, matrix); the catalogue
fixes.tsv at the top of the tree is used when present and --fixes is not given.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "helpers", "report"))
import pmc_report  # noqa: E402

if __name__ == "__main__":
    args = sys.argv[1:]
    fixes = os.environ.get("PMC_FIXES") or os.path.join(ROOT, "fixes.tsv")
    if args and args[0] in ("vm", "report") and "--fixes" not in args and os.path.exists(fixes):
        args += ["--fixes", fixes]
    sys.exit(pmc_report.main(args))
