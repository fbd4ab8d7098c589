#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ci/jobs-check.sh [N]: run the suite serially and with --jobs N (default 2)
# and compare the result of every case. Tests that need exclusive global
# state (KSM, swap, hugepage pools, THP knobs) serialise on locks, so the two
# runs must agree case by case. Exit 1 on any difference.
set -u -o pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-2}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "jobs-check: N must be a positive integer" >&2; exit 2; }
dir=$(mktemp -d /var/tmp/pmc-jobs.XXXXXX)
trap 'rm -rf "$dir"' EXIT

"$ROOT/run_tests.sh" --list >/dev/null || exit 2
s0=$(date +%s.%N)
"$ROOT/run_tests.sh" --no-build --json "$dir/serial.json" >"$dir/serial.log" 2>&1
s1=$(date +%s.%N)
"$ROOT/run_tests.sh" --no-build --jobs "$n" --json "$dir/jobs.json" >"$dir/jobs.log" 2>&1
s2=$(date +%s.%N)
python3 - "$dir/serial.json" "$dir/jobs.json" "$n" "$s0" "$s1" "$s2" <<'PY'
import json, sys
a = {t["name"]: t["result"] for t in json.load(open(sys.argv[1]))["tests"]}
b = {t["name"]: t["result"] for t in json.load(open(sys.argv[2]))["tests"]}
n, s0, s1, s2 = sys.argv[3], *map(float, sys.argv[4:7])
diff = [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
print(f"serial: {len(a)} cases in {s1 - s0:.1f} s; --jobs {n}: {len(b)} cases in {s2 - s1:.1f} s")
for k, x, y in diff:
    print(f"DIFFERENT {k}: serial {x}, --jobs {n} {y}")
print("jobs-check: " + ("identical results" if not diff else f"{len(diff)} cases differ"))
sys.exit(1 if diff else 0)
PY
