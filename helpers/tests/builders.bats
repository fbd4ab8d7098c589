#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Every state builder's contract comment names its proof (ci/check-builders.py);
# and the check finds each kind of builder it exists for.

load ../bats/common

LINT() { python3 "$PMC_ROOT/ci/check-builders.py" "$@"; }

setup() {
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/helpers" "$T/tests/area"
	# an exported builder, its contract in the header
	printf '%s\n' '/* Build x.' ' * Proof: smaps Rss. */' 'const char *x_build(struct region *r);' \
		>"$T/helpers/x.h"
	printf '%s\n' 'const char *x_build(struct region *r)' '{' '	return NULL;' '}' >"$T/helpers/x.c"
	# a local builder of a test program, its contract before the definition
	printf '%s\n' '/* Proof: mincore. */' 'static const char *build(int s)' '{' '	return NULL;' '}' \
		>"$T/tests/area/prog.c"
}

@test "builders: every builder of the repository states its proof" {
	run LINT
	echo "$output"
	[ "$status" -eq 0 ]
	run LINT --list
	# the builders issue 13 named are among those found
	for b in arm_and_prove touch_and_prove thp_pte_build ksm_unmerge swap_cache_build huge_zero_build; do
		grep -q ": $b: Proof:" <<<"$output" || { echo "$b not found"; false; }
	done
}

@test "builders: a consistent tree passes" {
	run LINT --root "$T"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "builders: an exported builder without a Proof: line fails" {
	printf '%s\n' '/* Build x. */' 'const char *x_build(struct region *r);' >"$T/helpers/x.h"
	run LINT --root "$T"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"builder x_build"* ]]
}

@test "builders: a local builder without a Proof: line fails" {
	printf '%s\n' '/* Build. */' 'static const char *build(int s)' '{' '	return NULL;' '}' \
		>"$T/tests/area/prog.c"
	run LINT --root "$T"
	[ "$status" -eq 1 ]
	[[ $output == *"builder build"* ]]
}

@test "builders: a function answering state_broken() is a builder" {
	printf '%s\n' 'static const char *settle(void *p)' '{' '	return state_broken("x %p", p);' '}' \
		>>"$T/tests/area/prog.c"
	run LINT --root "$T"
	[ "$status" -eq 1 ]
	[[ $output == *"builder settle"* ]]
}

@test "builders: a function taking the region it builds is a builder" {
	printf '%s\n' 'const char *y_prove(struct region *r)' '{' '	return NULL;' '}' >>"$T/helpers/x.c"
	run LINT --root "$T"
	[ "$status" -eq 1 ]
	[[ $output == *"builder y_prove"* ]]
}
