#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ci/bench-kpage.sh [RUNS]: time the all-PFN read of /proc/kpageflags +
# /proc/kpagecount (kpf_typed's snapshot, read by its first case alone:
# 64K-entry preads of both files, one thread per CPU) and, for reference,
# one plain sequential read of each file with dd (the kernel's own cost per
# entry). Run it under the host lock (flock /tmp/pmc-host.lock).
# Prints the median of RUNS (default 5) walks in seconds and GiB/s.
set -u -o pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-5}
[ "$(id -u)" = 0 ] || { echo "bench-kpage: needs root" >&2; exit 2; }
bin=$ROOT/build/tests/kpageflags/kpf_typed
[ -x "$bin" ] || make -C "$ROOT" -s >/dev/null || exit 2
times=()
for ((i = 0; i < runs; i++)); do
	line=$("$bin" invariants.unassigned_bits.all_pfns 2>&1 | grep -m1 -E 'PFNs \([0-9.]+ GiB\) in')
	t=$(sed -nE 's/.* in ([0-9.]+) s[ ,:(].*/\1/p' <<<"$line")
	gib=$(sed -nE 's/.*PFNs \(([0-9.]+) GiB\).*/\1/p' <<<"$line")
	[ -n "$t" ] && times+=("$t")
done
[ ${#times[@]} -gt 0 ] || { echo "bench-kpage: no timing line from $bin" >&2; exit 1; }
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
echo "all-PFN walk (kpageflags+kpagecount, $gib GiB of PFNs, $(nproc) threads): median ${median} s of ${#times[@]} runs (${times[*]}), $(awk -v g="$gib" -v t="$median" 'BEGIN{printf "%.1f", g/t}') GiB/s"
for f in kpageflags kpagecount; do
	s=$(date +%s.%N)
	dd if=/proc/$f of=/dev/null bs=512K 2>/dev/null
	e=$(date +%s.%N)
	echo "dd of /proc/$f alone: $(awk -v s="$s" -v e="$e" 'BEGIN{printf "%.2f", e-s}') s"
done
