#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The C unit tests of the helpers (built by `make unit` into $PMC_BUILD/unit).

load ../bats/common

run_unit() {
	local bin=$PMC_BUILD/unit/$1
	[[ -x $bin ]] || { echo "$bin not built (make unit)" >&2; return 1; }
	run timeout --kill-after=5 60 "$bin"
	echo "$output"
	[[ $status -eq 0 ]]
	! grep -q '^not ok' <<<"$output"
	grep -q '^ok ' <<<"$output"
}

@test "unit: decoder (test_entry)" { run_unit test_entry; }
@test "unit: readers (test_readers)" { run_unit test_readers; }
@test "unit: knob journal (test_knobs)" { run_unit test_knobs; }
@test "unit: kconfig lookup (test_kconfig)" { run_unit test_kconfig; }
@test "unit: sizes from the running kernel (test_sizes)" { run_unit test_sizes; }

@test "every unit program has a line in unit.bats" {
	local f name
	for f in "$PMC_ROOT"/helpers/tests/*.c; do
		name=$(basename "$f" .c)
		grep -q "run_unit $name;" "$BATS_TEST_FILENAME" || { echo "missing: $name"; return 1; }
	done
}
