#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# matrix.sh: run the suite on several kernels and write one comparison report.
#
#   ci/matrix.sh [--out DIR] [--no-html] KERNEL... [-- VM-RUN-OPTIONS...]
#
# KERNEL: anything ci/vm-run.sh accepts (debian-6.1, debian-6.12, a package
# name, a vmlinuz path, host), `native` for ./run_tests.sh on this machine,
# or LABEL=FILE.json to add a results file made elsewhere (same contract).
# Kernels run one after the other (TCG guests compete for the same cores).
# Options after `--` go to every vm-run.sh (e.g. -- --mem 3G --thp always).
#
# Writes DIR (default results/matrix): matrix.md, matrix.json, matrix.html
# (tests as rows, kernels as columns; reasons as footnotes / hover), a
# per-kernel features table, the fix catalog per kernel, and each run's
# results under DIR/runs/<label>/.
# Exit: 0 all passed, 1 a FAIL, 3 an ERROR in some kernel, 2 usage.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/results/matrix
HTML=1
KERNELS=()
VMOPTS=()

while [ $# -gt 0 ]; do
	case $1 in
	--out) OUT=$2; shift ;;
	--no-html) HTML=0 ;;
	--) shift; VMOPTS=("$@"); break ;;
	-h|--help) sed -n '/^# matrix.sh/,/^set -u/p' "$0" | sed -e 's/^# \{0,1\}//' -e '$d'; exit 0 ;;
	-*) echo "matrix: unknown option $1 (vm-run options go after --)" >&2; exit 2 ;;
	*) KERNELS+=("$1") ;;
	esac
	shift
done
[ ${#KERNELS[@]} -gt 0 ] || { echo "usage: ci/matrix.sh [--out DIR] KERNEL... [-- VM-RUN-OPTIONS]" >&2; exit 2; }

mkdir -p "$OUT/runs"
SPECS=()
built=0
for k in "${KERNELS[@]}"; do
	label=$(basename "$k")
	dir=$OUT/runs/$label
	start=$(date +%s)
	if [[ $k == *=*.json ]]; then
		# LABEL=FILE.json: a run made elsewhere (e.g. CI's host run)
		label=${k%%=*}
		SPECS+=("$label=${k#*=}")
		continue
	elif [ "$k" = native ]; then
		echo "matrix: native: ./run_tests.sh on $(uname -r)" >&2
		rm -rf "$dir" && mkdir -p "$dir"
		"$ROOT/run_tests.sh" --json "$dir/results.json" --results "$dir/programs" >"$dir/summary.txt" 2>&1
		rc=$?
		[ -s "$dir/results.json" ] || echo "matrix: native run wrote no JSON (status $rc): see $dir/summary.txt" >&2
	else
		nb=()
		[ "$built" = 1 ] && nb=(--no-build)
		"$ROOT/ci/vm-run.sh" "$k" --out "$dir" "${nb[@]}" "${VMOPTS[@]}"
		rc=$?
		[ "$rc" != 2 ] && built=1
		if [ "$rc" = 2 ] && [ ! -s "$dir/results.json" ]; then
			# setup error (bad kernel, no package): still a column, as ERROR
			mkdir -p "$dir"
			printf '{"kernel":"%s","features":null,"summary":{"passed":0,"failed":0,"skipped":0,"xfail":0,"xpass":0,"error":1},"tests":[{"name":"vm.guest","program":"","result":"ERROR","reason":"vm-run setup failed (see the log above)"}],"fixes":[]}\n' \
				"$label" > "$dir/results.json"
		fi
	fi
	echo "matrix: $label done in $(( $(date +%s) - start ))s (status $rc)" >&2
	SPECS+=("$label=$dir/results.json")
done

python3 "$ROOT/ci/lib/results.py" matrix "$OUT" "${SPECS[@]}"
rc=$?
[ "$HTML" = 1 ] || rm -f "$OUT/matrix.html"
exit $rc
