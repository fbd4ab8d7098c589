#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The build and kselftest glue: the programs' options (PMC_MAIN over the
# stock harness runner), the Makefile's guards, emit_tests and install.
# Nothing here touches kernel state: the programs run are the unit tests.

load ../bats/common

setup() {
	T=$(mktemp -d)
	BIN=$PMC_BUILD/unit/test_entry
	[[ -x $BIN ]] || { echo "$BIN not built (make unit)" >&2; return 1; }
}

teardown() {
	rm -rf "$T"
}

@test "programs: --list prints fixture.variant.test names" {
	run "$BIN" --list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 1 ]
	! grep -vqE '^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+){1,2}$' <<<"$output"
}

@test "programs: stock -l and -h exit 4 (kselftest SKIP), an unknown option 1" {
	run "$BIN" -l
	[ "$status" -eq 4 ]
	[[ $output == *"FIXTURE"*"VARIANT"*"TEST"* ]]
	run "$BIN" -h
	[ "$status" -eq 4 ]
	[[ $output == *"-r name  run specified test"* ]]
	run "$BIN" -Z
	[ "$status" -eq 1 ]
}

@test "programs: -r NAME, case names and -t select cases" {
	local a b t
	a=$("$BIN" --list | sed -n 1p)
	b=$("$BIN" --list | sed -n 2p)
	run "$BIN" -r "$a"
	[ "$status" -eq 0 ]
	[[ $output == *$'\n1..1\n'* ]]
	grep -qx "ok 1 $a" <<<"$output"
	run "$BIN" "$a" "$b"
	[ "$status" -eq 0 ]
	[[ $output == *$'\n1..2\n'* ]]
	t=${a##*.}
	run "$BIN" -t "$t"
	[ "$status" -eq 0 ]
	grep -q "^ok 1 .*\.$t\$" <<<"$output"
	! grep -q '^ok 2 ' <<<"$output"
}

@test "make: an empty O= is refused; clean leaves a directory without a build alone" {
	run make -s -C "$PMC_ROOT" O= all
	[ "$status" -eq 2 ]
	[[ $output == *"empty build directory"* ]]
	mkdir -p "$T/foreign/tests"
	touch "$T/foreign/keep" "$T/foreign/tests/keep"
	run make -s -C "$PMC_ROOT" O="$T/foreign" clean
	[ "$status" -eq 0 ]
	[ -e "$T/foreign/keep" ] && [ -e "$T/foreign/tests/keep" ]
}

@test "make emit_tests: one COLLECTION:prog line per test program, nothing else" {
	local n
	n=$(ls "$PMC_ROOT"/tests/*/*.c | wc -l)
	run make -s --no-print-directory -C "$PMC_ROOT" O="$PMC_BUILD" COLLECTION=x emit_tests
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq "$n" ]
	! grep -vqE '^x:[a-z0-9_]+$' <<<"$output"
}

@test "make install: list merged, runner exits 1 when a program fails" {
	local ks=$T/ks
	mkdir -p "$ks"
	echo "other:prog" >"$ks/kselftest-list.txt"
	run make -s -C "$PMC_ROOT" O="$PMC_BUILD" install INSTALL_PATH="$ks"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx "other:prog" "$ks/kselftest-list.txt"
	[ "$(grep -c '^pagemap-conformance:' "$ks/kselftest-list.txt")" -eq "$(ls "$PMC_ROOT"/tests/*/*.c | wc -l)" ]
	[ -x "$ks/pagemap-conformance/pagemap_anon" ] && [ -r "$ks/pagemap-conformance/settings" ]
	# The runner itself, on two fake programs.
	mkdir -p "$ks/fake"
	printf '#!/bin/sh\nexit 0\n' >"$ks/fake/pass"
	printf '#!/bin/sh\nexit 1\n' >"$ks/fake/fail"
	chmod +x "$ks/fake/pass" "$ks/fake/fail"
	printf 'fake:pass\nfake:fail\n' >>"$ks/kselftest-list.txt"
	run "$ks/run_kselftest.sh" -t fake:pass
	[ "$status" -eq 0 ]
	grep -q '^ok 1 selftests: fake: pass' <<<"$output"
	run "$ks/run_kselftest.sh" -t fake:fail
	[ "$status" -eq 1 ]
	grep -q '^not ok 1 selftests: fake: fail' <<<"$output"
	run "$ks/run_kselftest.sh" -f -t fake:fail
	[ "$status" -eq 0 ]
	run "$ks/run_kselftest.sh" -l
	[ "$status" -eq 0 ]
	# Installing again keeps one trampoline and the foreign lines.
	run make -s -C "$PMC_ROOT" O="$PMC_BUILD" install INSTALL_PATH="$ks"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^# pagemap-conformance:' "$ks/run_kselftest.sh")" -eq 1 ]
	grep -qx "fake:fail" "$ks/kselftest-list.txt"
}

@test "every test program answers the stock -l and -h (exit 4) and --list" {
	local b n=0
	for b in "$PMC_BUILD"/tests/*/*; do
		[[ -x $b && -f $b ]] || continue
		n=$((n + 1))
		run "$b" -l
		[ "$status" -eq 4 ] || { echo "$b -l: $status"; return 1; }
		run "$b" -h
		[ "$status" -eq 4 ] || { echo "$b -h: $status"; return 1; }
		run "$b" --list
		[ "$status" -eq 0 ] && [ "${#lines[@]}" -gt 0 ]
	done
	[ "$n" -eq "$(ls "$PMC_ROOT"/tests/*/*.c | wc -l)" ]
}
