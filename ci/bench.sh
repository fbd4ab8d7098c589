#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ci/bench.sh [RUNS] [run_tests.sh options]: median wall time of RUNS
# (default 5) full native runs, and cases per second.

set -u -o pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-5}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench: RUNS must be a positive integer" >&2; exit 2; }
(($#)) && shift
"$ROOT/run_tests.sh" --list "$@" >/dev/null || exit 2	# build outside the timing
cases=$("$ROOT/run_tests.sh" --no-build --list "$@" | wc -l)
times=()
for ((i = 1; i <= runs; i++)); do
	s=$(date +%s.%N)
	"$ROOT/run_tests.sh" --no-build "$@" >/dev/null 2>&1
	rc=$?
	e=$(date +%s.%N)
	t=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }')
	times+=("$t")
	echo "run $i: ${t} s (exit $rc)"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
awk -v m="$median" -v c="$cases" -v r="$runs" -v k="$(uname -r)" -v n="$(nproc)" \
	'BEGIN { printf "bench: %d cases, median of %d runs %.2f s, %.1f cases/s (kernel %s, %d CPUs)\n", c, r, m, c / m, k, n }'
