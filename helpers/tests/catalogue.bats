#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The fix catalogue (fixes.tsv), the tests' PMC_TAG lines and
# known-issues.txt agree (ci/check-catalogue.py); and the lint itself
# rejects each kind of inconsistency it exists for.

load ../bats/common

LINT() { python3 "$PMC_ROOT/ci/check-catalogue.py" "$@"; }

H1=0123456789abcdef0123456789abcdef01234567
H2=89abcdef0123456789abcdef0123456789abcdef

setup() {
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/tests/area"
	printf '%s\n' '#include "pmc_test.h"' 'PMC_TAG("f.v.t", "FIX-A")' 'PMC_TAG("f.*", "FEAT-B")' \
		>"$T/tests/area/prog.c"
	printf 'FIX-A\tfix\t%s\t6.11\tintroduced=FEAT-B\tmissing\\(expected set\\)=file\tsubject a\n' "$H1" >"$T/fixes.tsv"
	printf 'FEAT-B\tfeature\t%s\t6.7\t-\t-\tsubject b\n' "$H2" >>"$T/fixes.tsv"
	echo 'area.f.v.t missing=FIX-A - the reason' >"$T/known"
}

lint_tmp() { run LINT --catalogue "$T/fixes.tsv" --known "$T/known" --tests "$T/tests"; echo "$output"; }

@test "catalogue: the repository's fixes.tsv, tags and known-issues.txt agree" {
	run LINT
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "catalogue: a consistent fixture passes" {
	lint_tmp
	[ "$status" -eq 0 ]
}

@test "catalogue: duplicate id" {
	printf 'FEAT-B\tfeature\t%s\t6.8\t-\t-\tagain\n' "${H2%??}ff" >>"$T/fixes.tsv"
	lint_tmp
	[ "$status" -eq 1 ]
	[[ $output == *"duplicate id FEAT-B"* ]]
}

@test "catalogue: an id with two commits, a hash that is not 40 hex, one commit under two ids" {
	sed -i "s/\t$H1\t/\t$H1,$H2\t/" "$T/fixes.tsv"
	lint_tmp
	[ "$status" -eq 1 ]
	[[ $output == *"FIX-A has two commits"* ]]
	sed -i "s/\t$H1,$H2\t/\t0123456789ab\t/" "$T/fixes.tsv"
	lint_tmp
	[ "$status" -eq 1 ]
	[[ $output == *"not a full 40-digit"* ]]
	sed -i "s/\t0123456789ab\t/\t$H2\t/" "$T/fixes.tsv"
	lint_tmp
	[ "$status" -eq 1 ]
	[[ $output == *"is already id"* ]]
}

@test "catalogue: a tag naming no catalogue line, a line no test pins, an old-style tag" {
	echo 'PMC_TAG("f.v.u", "NO-SUCH")' >>"$T/tests/area/prog.c"
	lint_tmp
	[ "$status" -eq 1 ]
	[[ $output == *'"NO-SUCH"): no such id'* ]]
	sed -i '/FEAT-B/d' "$T/tests/area/prog.c"
	lint_tmp
	[[ $output == *"FEAT-B is pinned by no test"* ]]
	echo 'PMC_FIX("f.v.t", "FIX-A", "abc", "s", "6.1", "x")' >>"$T/tests/area/prog.c"
	lint_tmp
	[[ $output == *"PMC_FIX: tests tag ids only"* ]]
}

@test "catalogue: relations name known ids of the right kind; symptoms are regexes" {
	sed -i 's/introduced=FEAT-B/breaks=FEAT-B/' "$T/fixes.tsv"
	lint_tmp
	[ "$status" -eq 1 ]
	[[ $output == *"breaks= only on a regression"* ]]
	sed -i 's/breaks=FEAT-B/introduced=GONE/; s/missing\\(expected set\\)=file/(unclosed/' "$T/fixes.tsv"
	lint_tmp
	[[ $output == *"introduced names unknown id GONE"* ]]
	[[ $output == *"FIX-A: symptom is not a valid regular expression"* ]]
}

@test "catalogue: known-issues entries name known ids and carry a symptom" {
	echo 'area.f.v.t missing=NOPE - reason' >>"$T/known"
	echo 'area.f.v.t regressed=FIX-A - reason' >>"$T/known"
	echo 'area.f.v.t release=6.1.* - reason' >>"$T/known"
	echo 'area.f.v.t * only-three-fields' >>"$T/known"
	lint_tmp
	[ "$status" -eq 1 ]
	[[ $output == *"missing=NOPE: no such id"* ]]
	[[ $output == *"regressed=FIX-A is a fix, not a regression"* ]]
	[[ $output == *"symptom '-' needs a missing=/regressed= condition"* ]]
	[[ $output == *"want '<case-glob> <conditions> <symptom> <reason ...>'"* ]]
}
