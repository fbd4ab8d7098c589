#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ci/bench.sh [RUNS] [run_tests.sh options]
# BENCH_IDLE=S ci/bench.sh ...: leave the machine idle S seconds before each
# full run, so that its gigantic page is cold, as in a CI's one run (free
# page reporting hands a freed page back to the host after ~2 s here).
#
# Side by side, in one run on one machine, RUNS times each (default 5):
#  - the full native suite through ./run_tests.sh --no-build (build excluded),
#    as it runs by default (one program at a time) and with --jobs NPROC;
#  - every test program alone (its binary, all its cases), as in the
#    suite with a warm gigantic page held by pmc-warm;
#  - the two costs the suite cannot cut, apart: the 1 GiB hugetlb page's
#    first fault (the kernel zeroes the page, and in a VM the host backs
#    that memory then), as pmc-warm reports it from each full run (it takes
#    that fault in the background), and the 1 GiB case alone
#    (pagemap_hugetlb's hugetlb.anon_pud.entry, on the warm page: the
#    kernel still zeroes 1 GiB at the case's own fault); and the all-PFN read of
#    kpageflags + kpagecount (kpf_typed prints what its one read took);
#  - the upstream peer, the mm selftest pagemap_ioctl built by
#    ci/build-peer.sh from the same kernel source the suite's headers come from.
# Prints one Markdown table of medians (README, "Speed"): each program, the
# suite, the runner's own share (suite minus the programs), the peer, the
# time per case (ours) and per check (the peer's "ok"/"not ok" lines) and
# their ratio; then how busy the machine was meanwhile (/proc/stat, minus
# what the bench itself used). A program or run that exits non-zero is
# still timed (its exit status is shown): a failing kernel is still a
# kernel to measure on.
#
# It runs test programs: hold the host lock, `flock /tmp/pmc-host.lock
# ci/bench.sh`, so that nothing else runs the suite meanwhile.
set -u -o pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-5}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench: RUNS must be a positive integer" >&2; exit 2; }
(($#)) && shift
BUILD=$ROOT/build
PUD_PROG=pagemap/pagemap_hugetlb PUD_CASE=hugetlb.anon_pud.entry
WALK_PROG=kpageflags/kpf_typed

"$ROOT/run_tests.sh" --list "$@" >/dev/null || exit 2	# build outside the timing
peer=$("$ROOT/ci/build-peer.sh") || { echo "bench: the peer did not build" >&2; exit 2; }
cases=$("$ROOT/run_tests.sh" --no-build --list "$@" | wc -l)

now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.3f", e - s }'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { if (!NR) { print "-"; exit } printf "%.3f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# CPU jiffies of the whole machine: busy (user nice system irq softirq),
# stolen by the hypervisor, and in all (/proc/stat "cpu" line).
cpu_jiffies() { awk '/^cpu / { b = $2 + $3 + $4 + $7 + $8; print b, $9, b + $5 + $6 + $9 }' /proc/stat; }
# CPU seconds used by this script's children so far: bash's `times`, run
# in this shell (in a command substitution it would count the subshell's).
own_cpu() {
	times >"$BUILD/.bench.times"
	awk 'NR == 2 { gsub(/[ms]/, " "); print $1 * 60 + $2 + $3 * 60 + $4 }' "$BUILD/.bench.times"
}

scratch=$(mktemp -d)
WARM_FD= WARM_PID=
warm_hold() {
	local i
	[[ -x $BUILD/bin/pmc-warm ]] || return 0
	exec {WARM_FD}> >(exec "$BUILD/bin/pmc-warm" >"$scratch/warm.log" 2>&1)
	WARM_PID=$!
	# pmc-warm prints its line once the page is faulted (or why it holds
	# none): bounded, 120 s.
	for ((i = 0; i < 1200; i++)); do
		[[ -s $scratch/warm.log ]] && break
		sleep 0.1
	done
}
warm_drop() {
	[[ -n $WARM_PID ]] || return 0
	exec {WARM_FD}>&-
	wait "$WARM_PID"
	WARM_PID=
}
trap 'warm_drop; rm -rf "$scratch"' EXIT
progs=()
for b in "$BUILD"/tests/*/*; do
	[[ -x $b && -f $b ]] && progs+=("${b#"$BUILD"/tests/}")
done
declare -A t_prog rc_prog
t_suite= t_peer= t_pud= t_walk= t_warm= rc_suite= rc_peer= rc_pud= checks=0 t_par= rc_par=
# The suite also with one program per CPU at once (--jobs).
JOBS=$(nproc)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
read -r busy0 steal0 total0 < <(cpu_jiffies)
own_cpu >"$BUILD/.bench.own"
own0=$(cat "$BUILD/.bench.own")
wall0=$(now)
idle=${BENCH_IDLE:-0}
[[ $idle =~ ^[0-9]+$ ]] || { echo "bench: BENCH_IDLE must be whole seconds" >&2; exit 2; }
for ((i = 1; i <= runs; i++)); do
	((idle == 0)) || sleep "$idle"	# not a synchronisation: the state to time
	s=$(now)
	"$ROOT/run_tests.sh" --no-build "$@" >/dev/null 2>&1
	rc_suite+="$? "
	last=$(since "$s")
	t_suite+="$last "
	t_warm+="$(sed -nE 's/.* faulted in ([0-9.]+) s.*/\1/p' "$BUILD/results/warm.log" 2>/dev/null) "
	if ((JOBS > 1)); then
		s=$(now)
		"$ROOT/run_tests.sh" --no-build --jobs "$JOBS" "$@" >/dev/null 2>&1
		rc_par+="$? "
		t_par+="$(since "$s") "
	fi
	# The programs alone run as they do in the suite: with a warm gigantic
	# page held by pmc-warm (its first fault is the row of its own; a
	# program alone would otherwise pay it again, cold or not, depending
	# on the host). Started, and faulted, before the first one.
	warm_hold
	for p in "${progs[@]}"; do
		s=$(now)
		timeout -k 5 300 "$BUILD/tests/$p" >"$BUILD/.bench.out" 2>&1
		rc_prog[$p]+="$? "
		t_prog[$p]+="$(since "$s") "
		[[ $p == "$WALK_PROG" ]] &&
			t_walk+="$(sed -nE 's/.*PFNs \([0-9.]+ GiB\) in ([0-9.]+) s \(read by this case\).*/\1/p' "$BUILD/.bench.out" | head -1) "
	done
	if [[ -x $BUILD/tests/$PUD_PROG ]]; then
		s=$(now)
		timeout -k 5 300 "$BUILD/tests/$PUD_PROG" "$PUD_CASE" >"$BUILD/.bench.out" 2>&1
		rc_pud+="$? "
		t_pud+="$(since "$s") "
	fi
	warm_drop
	s=$(now)
	# In a scratch directory: it leaves files (pagemap_ioctl.c.tmp*) there.
	out=$(cd "$scratch" && timeout -k 5 300 "$peer" 2>&1)
	rc_peer+="$? "
	t_peer+="$(since "$s") "
	checks=$(grep -cE '^(not )?ok [0-9]+' <<<"$out")
	echo "run $i: suite $last s" >&2
done
read -r busy1 steal1 total1 < <(cpu_jiffies)
own_cpu >"$BUILD/.bench.own"
own1=$(cat "$BUILD/.bench.own")
wall=$(since "$wall0")
load1=$(cut -d' ' -f1-3 /proc/loadavg)
rm -f "$BUILD"/.bench.{out,times,own}

per() { awk -v m="$1" -v n="$2" 'BEGIN { if (n && m != "-") printf "%.1f", 1000 * m / n; else printf "-" }'; }
m_suite=$(median <<<"$t_suite")
m_peer=$(median <<<"$t_peer")
sum=0
printf 'bench: kernel %s, %d CPUs, median of %d runs each (build excluded)%s\n\n' "$(uname -r)" "$(nproc)" "$runs" \
	"$( ((idle == 0)) || echo ", each full run after $idle s idle")"
printf '| %s | %s | %s | %s | %s |\n' "program" "cases" "median s" "ms/case" "exit status per run"
printf '|---|---:|---:|---:|---|\n'
for p in "${progs[@]}"; do
	n=$("$BUILD/tests/$p" --list | wc -l)
	m=$(median <<<"${t_prog[$p]}")
	sum=$(awk -v a="$sum" -v b="$m" 'BEGIN { print a + b }')
	printf '| %s | %d | %s | %s | %s|\n' "$p" "$n" "$m" "$(per "$m" "$n")" "${rc_prog[$p]}"
done
printf '| **suite** (run_tests.sh) | %d | **%s** | %s | %s|\n' "$cases" "$m_suite" "$(per "$m_suite" "$cases")" "$rc_suite"
[[ -n $t_par ]] && printf '| suite, --jobs %d | %d | %s | %s | %s|\n' "$JOBS" "$cases" "$(median <<<"$t_par")" "$(per "$(median <<<"$t_par")" "$cases")" "$rc_par"
printf '| runner (suite - sum of programs %.3f) | | %.3f | | |\n' "$sum" "$(awk -v a="$m_suite" -v b="$sum" 'BEGIN { print a - b }')"
[[ -n ${t_warm// /} ]] && printf '| 1 GiB hugetlb page: reserve + first fault (pmc-warm, background of the suite) | | %s | | |\n' "$(median <<<"$t_warm")"
[[ -n $t_pud ]] && printf '| 1 GiB hugetlb case alone (%s %s) | 1 | %s | | %s|\n' "${PUD_PROG#*/}" "$PUD_CASE" "$(median <<<"$t_pud")" "$rc_pud"
[[ -n ${t_walk// /} ]] && printf '| all-PFN read, both files (%s, as it prints) | | %s | | |\n' "${WALK_PROG#*/}" "$(median <<<"$t_walk")"
printf '| peer pagemap_ioctl (checks) | %d | %s | %s | %s|\n' "$checks" "$m_peer" "$(per "$m_peer" "$checks")" "$rc_peer"
echo
awk -v a="$m_suite" -v c="$cases" -v b="$m_peer" -v k="$checks" \
	'BEGIN { if (c && k && b > 0) printf "ratio: our time per case / the peer'"'"'s time per check = %.2f\n", (a / c) / (b / k) }'
awk -v b0="$busy0" -v b1="$busy1" -v s0="$steal0" -v s1="$steal1" -v t0="$total0" -v t1="$total1" \
	-v o0="$own0" -v o1="$own1" -v w="$wall" -v n="$(nproc)" -v l0="$load0" -v l1="$load1" 'BEGIN {
	hz = (t1 - t0) / (w * n); busy = (b1 - b0) / hz; own = o1 - o0; c = w * n
	printf "machine: %d CPUs, %.0f s of bench: %.0f%% busy (%.0f%% the bench, %.0f%% everything else), %.0f%% stolen by the host; load average %s at the start, %s at the end\n",
		n, w, 100 * busy / c, 100 * own / c, 100 * (busy - own) / c, 100 * (s1 - s0) / hz / c, l0, l1 }'
