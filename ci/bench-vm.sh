#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-vm.sh: time boot + full suite + report for each kernel under TCG.
#
#   ci/bench-vm.sh [--limit S] [KERNEL...] [-- VM-RUN-OPTIONS...]   (default debian-6.12, 90 s)
#   ci/bench-vm.sh --limit 60 debian-6.1-arm64 debian-6.12-arm64 debian-6.12-arm64-16k built-arm64-64k
#
# The static build (cross for arm64), the kernel download or build are done
# first and not timed (they are cached between runs); the timed part is
# exactly what a matrix column costs: initramfs + QEMU boot + every test
# program + results.json + the one-kernel matrix report. Prints one line per
# kernel and appends it to results/bench-vm.txt. Exit 1 when a kernel's
# total exceeds the limit.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KERNELS=()
LIMIT=90
OPTS=()
while [ $# -gt 0 ]; do
	case $1 in
	--limit) LIMIT=$2; shift ;;
	--) shift; OPTS=("$@"); break ;;
	-h|--help) sed -n '/^# bench-vm.sh/,/^set -u/p' "$0" | sed -e 's/^# \{0,1\}//' -e '$d'; exit 0 ;;
	-*) echo "bench: unknown option $1 (vm-run options go after --)" >&2; exit 2 ;;
	*) KERNELS+=("$1") ;;
	esac
	shift
done
[ ${#KERNELS[@]} -gt 0 ] || KERNELS=(debian-6.12)

over=0
for KERNEL in "${KERNELS[@]}"; do
	OUT=$ROOT/results/bench/$(basename "$KERNEL")
	echo "bench: $KERNEL: untimed preparation (static build, kernel fetch or build)" >&2
	# builds the suite for the kernel's architecture, resolves and caches the
	# kernel, then stops at the empty program selection (no guest boot)
	"$ROOT/ci/vm-run.sh" "$KERNEL" --only 'none/none' --out "$OUT" >/dev/null 2>&1

	t0=$(date +%s%N)
	"$ROOT/ci/vm-run.sh" "$KERNEL" --no-build --accel tcg --out "$OUT" "${OPTS[@]}"
	rc=$?
	t1=$(date +%s%N)
	python3 "$ROOT/ci/lib/results.py" matrix "$OUT/matrix" "$(basename "$KERNEL")=$OUT/results.json" >/dev/null
	t2=$(date +%s%N)

	guest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("run",{}).get("elapsed_s","?"))' \
		"$OUT/results.json" 2>/dev/null || echo "?")
	total=$(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	vm=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	kernel=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernel"])' "$OUT/results.json" 2>/dev/null)
	progs=$(wc -l < "$OUT/programs.txt" 2>/dev/null || echo 0)
	line="$(date -u +%FT%TZ) kernel=$kernel tcg programs=$progs guest=${guest}s vm-run=${vm}s total=${total}s limit=${LIMIT}s vm-run-status=$rc"
	echo "$line"
	mkdir -p "$ROOT/results" && echo "$line" >> "$ROOT/results/bench-vm.txt"
	awk -v t="$total" -v l="$LIMIT" 'BEGIN { exit !(t <= l) }' || { echo "bench: $KERNEL over the ${LIMIT}s budget" >&2; over=1; }
done
exit $over
