#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ci/bench.sh [RUNS] [run_tests.sh options]
#
# Side by side, in one run on one machine, RUNS times each (default 5):
#  - the full native suite through ./run_tests.sh --no-build (build excluded);
#  - every test program alone (its binary, all its cases);
#  - the upstream peer, the mm selftest pagemap_ioctl built by
#    ci/build-peer.sh from the same kernel source the suite's headers come from.
# Prints medians, time per case (ours) and per check (the peer's: its
# "ok"/"not ok" lines), and the ratio of the two. A program or run that exits
# non-zero is still timed; its exit status is shown, since a failing kernel
# is still a kernel to measure on.
set -u -o pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-5}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench: RUNS must be a positive integer" >&2; exit 2; }
(($#)) && shift
BUILD=$ROOT/build

"$ROOT/run_tests.sh" --list "$@" >/dev/null || exit 2	# build outside the timing
peer=$("$ROOT/ci/build-peer.sh") || { echo "bench: the peer did not build" >&2; exit 2; }
cases=$("$ROOT/run_tests.sh" --no-build --list "$@" | wc -l)

now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.3f", e - s }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { printf "%.3f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

progs=()
for b in "$BUILD"/tests/*/*; do
	[[ -x $b && -f $b ]] && progs+=("${b#"$BUILD"/tests/}")
done
declare -A t_prog rc_prog
t_suite=() t_peer=() rc_suite= rc_peer= checks=0
for ((i = 1; i <= runs; i++)); do
	s=$(now)
	"$ROOT/run_tests.sh" --no-build "$@" >/dev/null 2>&1
	rc_suite+="$? "
	t_suite+=("$(since "$s")")
	for p in "${progs[@]}"; do
		s=$(now)
		timeout -k 5 300 "$BUILD/tests/$p" >/dev/null 2>&1
		rc_prog[$p]+="$? "
		t_prog[$p]+="$(since "$s") "
	done
	s=$(now)
	out=$(timeout -k 5 300 "$peer" 2>&1)
	rc_peer+="$? "
	t_peer+=("$(since "$s")")
	checks=$(grep -cE '^(not )?ok [0-9]+' <<<"$out")
	echo "run $i: suite ${t_suite[-1]} s, peer ${t_peer[-1]} s" >&2
done

m_suite=$(printf '%s\n' "${t_suite[@]}" | median)
m_peer=$(printf '%s\n' "${t_peer[@]}" | median)
printf 'bench: kernel %s, %d CPUs, median of %d runs each (build excluded)\n' "$(uname -r)" "$(nproc)" "$runs"
printf '%-32s %6s %10s %10s  %s\n' "program" "cases" "median s" "ms/case" "exit"
for p in "${progs[@]}"; do
	n=$("$BUILD/tests/$p" --list | wc -l)
	m=$(tr ' ' '\n' <<<"${t_prog[$p]}" | grep . | median)
	printf '%-32s %6d %10s %10.1f  %s\n' "$p" "$n" "$m" "$(awk -v m="$m" -v n="$n" 'BEGIN { print n ? 1000 * m / n : 0 }')" "${rc_prog[$p]}"
done
printf '%-32s %6d %10s %10.1f  %s\n' "suite (run_tests.sh)" "$cases" "$m_suite" "$(awk -v m="$m_suite" -v n="$cases" 'BEGIN { print 1000 * m / n }')" "$rc_suite"
printf '%-32s %6d %10s %10.1f  %s\n' "peer pagemap_ioctl (checks)" "$checks" "$m_peer" "$(awk -v m="$m_peer" -v n="$checks" 'BEGIN { print n ? 1000 * m / n : 0 }')" "$rc_peer"
awk -v a="$m_suite" -v c="$cases" -v b="$m_peer" -v k="$checks" \
	'BEGIN { if (c && k && b > 0) printf "ratio: our time per case / the peer'"'"'s time per check = %.2f\n", (a / c) / (b / k) }'
