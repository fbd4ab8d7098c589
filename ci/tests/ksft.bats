#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# The kselftest route: the installed collection's per-program wrapper
# (helpers/report/pmc-ksft-wrap) reports through the same engine as
# run_tests.sh: same case names, same XFAIL/ERROR, kselftest exit codes.
# A fake program stands in for a test program (nothing touches the kernel).

ROOT=$BATS_TEST_DIRNAME/../..

setup() {
	I=$BATS_TEST_TMPDIR/inst
	mkdir -p "$I/fake/.pmc" "$I/pmc" "$I/bin"
	cp "$ROOT/helpers/report/pmc-ksft-wrap" "$I/fake/mixed"
	ln -s "$ROOT/helpers/report" "$I/pmc/report"
	cat >"$I/fake/.pmc/mixed" <<'EOP'
#!/bin/bash
all=(f.v.pass f.v.fail f.v.skip f.v.hang)
case ${1:-} in
--list) printf '%s\n' "${all[@]}"; exit 0 ;;
--meta) echo '{"test":"f.v.fail","id":"FAKE-BAD"}'; exit 0 ;;
-l) echo "harness option -l"; exit 0 ;;
esac
names=("$@"); (($#)) || names=("${all[@]}")
echo "TAP version 13"; echo "1..${#names[@]}"; i=0
for n in "${names[@]}"; do
	i=$((i + 1)); echo "#  RUN           $n ..."
	case $n in
	*.pass) echo "ok $i $n" ;;
	*.fail) echo "# fake.c:10:fail:pagemap page 0: missing(expected set)=present"; echo "not ok $i $n" ;;
	*.skip) echo "ok $i $n # SKIP needs root" ;;
	*.hang) exit 1 ;;
	esac
done
EOP
	chmod +x "$I/fake/.pmc/mixed"
	printf 'FAKE-BAD\tfix\t%s\t6.2\t-\tmissing\\(expected\\sset\\)\tfake: bad\n' ba9876543210ba9876543210ba9876543210ba98 >"$I/pmc/fixes.tsv"
	echo 'fake.f.v.fail missing=FAKE-BAD - the fix is missing here' >"$I/pmc/known-issues.txt"
}

@test "wrapper: run_tests.sh's case names, XFAIL by symptom, ERROR for an unreported case, fix verdicts" {
	run "$I/fake/mixed"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ok 1 fake.f.v.pass"* ]]
	[[ $output == *"ok 2 fake.f.v.fail # XFAIL the fix is missing here"* ]]
	[[ $output == *"ok 3 fake.f.v.skip # SKIP needs root"* ]]
	[[ $output == *"not ok 4 fake.f.v.hang"* ]]
	[[ $output == *"#   MISSING      FAKE-BAD"* ]]
}

@test "wrapper: named cases only, kselftest exit codes 0 and 4, harness options go to the program" {
	run "$I/fake/mixed" f.v.pass f.v.fail
	[ "$status" -eq 0 ]
	run "$I/fake/mixed" f.v.skip
	[ "$status" -eq 4 ]
	run "$I/fake/mixed" -l
	[ "$output" = "harness option -l" ]
}

@test "wrapper in a flat kselftest collection: the area comes from programs.txt" {
	local F=$BATS_TEST_TMPDIR/coll
	mkdir -p "$F/.pmc"
	cp -r "$I/pmc" "$F/pmc"
	cp "$I/fake/mixed" "$F/mixed"
	cp "$I/fake/.pmc/mixed" "$F/.pmc/mixed"
	printf 'other/prog\nfake/mixed\n' >"$F/programs.txt"
	run "$F/mixed" f.v.pass f.v.fail
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok 1 fake.f.v.pass"* ]]
	[[ $output == *"ok 2 fake.f.v.fail # XFAIL the fix is missing here"* ]]
}
