#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ci/state-diff.sh: prove the suite leaves the machine as it found it.
#
#   ci/state-diff.sh [--] CMD [ARG...]   snapshot, run CMD, snapshot, diff
#   ci/state-diff.sh --mode normal       ./run_tests.sh
#   ci/state-diff.sh --mode failing      ./run_tests.sh with a simulated broken
#                                        kernel (libpmcfault.so, PMC_FAULT) so
#                                        that tests FAIL mid-way
#   ci/state-diff.sh --mode killed [SECONDS]
#                                        start ./run_tests.sh, SIGKILL its whole
#                                        session once a KSM/swap/hugetlb program
#                                        runs (or after SECONDS, default 8), then
#                                        start the runner again (--restore)
#   ci/state-diff.sh --snapshot          print the snapshot only
#
# The snapshot: THP and mTHP knobs, khugepaged knobs, KSM knobs, hugepage
# pools per size, swap devices, /proc/sys/vm values, cgroups and mounts whose
# name contains "pmc", files in /tmp and the current directory named pmc*,
# and the number of knob-journal entries. Counters (scan statistics) are
# left out. Exit 0 when the snapshots are equal, 1 with the diff otherwise;
# the exit status of CMD itself is reported but does not decide.

set -u -o pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${PMC_CI_BUILD:-$ROOT/build}

snapshot() {
	local f
	for f in /sys/kernel/mm/transparent_hugepage/{enabled,defrag,use_zero_page,shmem_enabled} \
		/sys/kernel/mm/transparent_hugepage/hugepages-*/{enabled,shmem_enabled} \
		/sys/kernel/mm/transparent_hugepage/khugepaged/{defrag,max_ptes_none,max_ptes_swap,max_ptes_shared,pages_to_scan,scan_sleep_millisecs,alloc_sleep_millisecs} \
		/sys/kernel/mm/ksm/{run,pages_to_scan,sleep_millisecs,merge_across_nodes,use_zero_pages,max_page_sharing,stable_node_chains_prune_millisecs,smart_scan,advisor_mode,advisor_max_cpu,advisor_target_scan_time,pages_shared,pages_sharing} \
		/sys/kernel/mm/hugepages/*/{nr_hugepages,nr_overcommit_hugepages,resv_hugepages,surplus_hugepages}; do
		[[ -r $f ]] && printf '%s = %s\n' "$f" "$(tr '\n' ' ' <"$f" 2>/dev/null)"
	done
	for f in /proc/sys/vm/*; do
		case ${f##*/} in drop_caches | stat_refresh | compact_memory | stat_interval) continue ;; esac
		[[ -r $f && -f $f ]] && printf '%s = %s\n' "$f" "$(tr '\n\t' '  ' <"$f" 2>/dev/null)"
	done
	awk 'NR > 1 { print "swap " $1, $2, $3 }' /proc/swaps
	find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d -name '*pmc*' 2>/dev/null | sed 's/^/cgroup /'
	awk '$2 ~ /pmc/ { print "mount " $2 }' /proc/mounts
	find /tmp "$PWD" -maxdepth 1 -name 'pmc*' 2>/dev/null | sed 's/^/file /'
	[[ -x $BUILD/bin/pmc-journal ]] && echo "journal entries $("$BUILD/bin/pmc-journal" count)"
	return 0
}

# Pids of session $1.
session_pids() {
	local sid=$1 f st
	local -a fields
	for f in /proc/[0-9]*/stat; do
		read -r st 2>/dev/null <"$f" || continue
		fields=(${st##*) })
		[[ ${fields[3]:-} == "$sid" ]] && echo "${st%% *}"
	done
	return 0
}

# Pids of the test programs of this build (the runner starts each in a
# session of its own).
test_pids() {
	pgrep -f "^$BUILD/tests/" 2>/dev/null
	return 0
}

# SIGKILL every process of session $1 (the runner and all it started) and
# every test program, as a CI job timeout killing the whole job would; then
# wait (bounded) until they are gone, zombies included: a dying process still
# holds its memory (hugetlb pages) and still owns its journal entries.
kill_session() {
	local sid=$1 pid i
	for pid in $(session_pids "$sid") $(test_pids); do kill -KILL "$pid" 2>/dev/null; done
	for ((i = 0; i < 200; i++)); do
		[[ -z $(session_pids "$sid")$(test_pids) ]] && return 0
		sleep 0.05	# bounded wait for the kernel to reap
	done
	echo "state-diff: processes of the killed session survive: $(session_pids "$sid" | tr '\n' ' ')" >&2
}

compare() {
	local before=$1 after=$2
	if diff -u "$before" "$after" >"$before.diff"; then
		echo "state-diff: no difference ($(wc -l <"$before") values compared)"
		rm -f "$before" "$after" "$before.diff"
		return 0
	fi
	echo "state-diff: THE MACHINE WAS LEFT CHANGED:"
	cat "$before.diff"
	rm -f "$before" "$after" "$before.diff"
	return 1
}

mode=cmd
case ${1:-} in
--snapshot) snapshot; exit 0 ;;
--mode) mode=${2:?--mode needs normal, failing or killed}; shift 2 ;;
--) shift ;;
-h | --help) sed -n '3,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

before=$(mktemp /var/tmp/statediff.XXXXXX)
after=$(mktemp /var/tmp/statediff.XXXXXX)
snapshot >"$before"
rc=0
case $mode in
cmd)
	(($#)) || { echo "usage: ci/state-diff.sh [--mode normal|failing|killed] | [--] CMD..." >&2; exit 2; }
	"$@" || rc=$?
	;;
normal)
	"$ROOT/run_tests.sh" "$@" || rc=$?
	;;
failing)
	make -s -C "$ROOT" O="$BUILD" faultinject >&2 || { echo "state-diff: cannot build libpmcfault.so" >&2; exit 2; }
	PMC_FAULT=${PMC_FAULT:-pm-present-never} LD_PRELOAD=$BUILD/libpmcfault.so \
		"$ROOT/run_tests.sh" "$@" || rc=$?
	echo "state-diff: failing run exited $rc (expected non-zero)"
	((rc != 0)) || { echo "state-diff: the simulated fault did not fail the run" >&2; rc=1; }
	;;
killed)
	limit=${1:-30}
	# Build first so that the kill lands in a test, not in make.
	"$ROOT/run_tests.sh" --build-dir "$BUILD" --list >/dev/null || exit 2
	setsid "$ROOT/run_tests.sh" --build-dir "$BUILD" --no-build >/var/tmp/statediff-killed.log 2>&1 &
	sid=$!
	for ((i = 0; i < limit * 100; i++)); do
		# Kill while a KSM/swap/hugetlb program has global state changed
		# (journal entries exist: knobs, pools, swap files).
		if pgrep -f "^$BUILD/tests/[a-z_]+/${PMC_KILL_PROG:-[a-z_]*(ksm|swap|hugetlb)}" >/dev/null 2>&1 &&
			[[ $("$BUILD/bin/pmc-journal" count) -gt 0 ]]; then
			break
		fi
		sleep 0.01	# polling an outside process, bounded by $limit
	done
	echo "state-diff: journal entries at kill time: $("$BUILD/bin/pmc-journal" count)"
	kill_session "$sid"
	wait "$sid" 2>/dev/null
	"$ROOT/run_tests.sh" --build-dir "$BUILD" --no-build --restore || rc=$?
	rm -f /var/tmp/statediff-killed.log
	;;
esac
snapshot >"$after"
compare "$before" "$after"
