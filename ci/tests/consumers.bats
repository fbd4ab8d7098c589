#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# The engine's outputs counted by the consumers kernel CI runs
# (ci/lib/consumers.py): the kernel's kunit_parser.py (from the kernel source
# tarball the build already uses, unpacked into the build dir at test time,
# never committed), Perl's TAP::Parser, LKFT's two kselftest parsers (their
# logic), a JUnit schema check (xmllint) and our own summary must classify
# every case alike.

C=$BATS_TEST_DIRNAME/../lib/consumers.py
S=$BATS_TEST_DIRNAME/synthetic

setup_file() {
	local k=${PMC_BUILD:-$BATS_TEST_DIRNAME/../../build}/kunit
	local tarball=${KSFT_SRC_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
	if [[ ! -r $k/kunit_parser.py ]]; then
		mkdir -p "$k"
		tar -xJf "$tarball" -C "$k" --strip-components=4 \
			linux-source-6.12/tools/testing/kunit/kunit_parser.py \
			linux-source-6.12/tools/testing/kunit/kunit_printer.py
	fi
	export KUNIT_DIR=$k
}

@test "synthetic run with every result kind: all consumers count each case alike" {
	run python3 "$C" "$S" --known "$S/known-issues.txt" --fixes "$S/fixes.tsv" --kunit "$KUNIT_DIR" \
		--out "$BATS_TEST_TMPDIR/out"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"consumers: all agree case by case"* ]]
	[[ $output == *"kunit      10 cases:   4 pass,   5 fail,   1 skip; parse errors 0"* ]]
	python3 - "$BATS_TEST_TMPDIR/out/run.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
t = {x["name"]: x["result"] for x in j["tests"]}
assert t == {"syn.a.v.pass": "PASS", "syn.a.v.fail": "FAIL", "syn.a.v.skip": "SKIP", "syn.a.v.xfail": "XFAIL",
             "syn.a.v.xpass": "XPASS", "syn.a.v.extra": "FAIL", "syn.a.v.intermittent": "XPASS",
             "syn.a.v.timeout": "ERROR", "syn.p2": "ERROR", "syn.b.crash": "ERROR"}, t
f = {x["id"]: x for x in j["fixes"]}
assert f["SYN-FIX"]["verdict"] == "MISSING" and "unexpected(expected clear)=KSM" in f["SYN-FIX"]["evidence"], f
assert f["SYN-FEATURE"]["verdict"] == "present" and f["SYN-NA"]["verdict"] == "n/a", f
PY
}

@test "KTAP: each case's diagnostics come before its own result line, none looks like a result" {
	python3 "$BATS_TEST_DIRNAME/../../helpers/report/pmc_report.py" report "$S" --known "$S/known-issues.txt" \
		--fixes "$S/fixes.tsv" --format tap >"$BATS_TEST_TMPDIR/t" || true
	# the failing line of a.v.extra sits between the result lines 5 and 6
	run awk '/^ok 5 /{a=1} /missing\(expected set\)=LRU/{if (a && !b) ok=1} /^not ok 6 /{b=1} END{exit !ok}' "$BATS_TEST_TMPDIR/t"
	[ "$status" -eq 0 ]
	! grep -E '^#+ *(not )?ok [0-9]' "$BATS_TEST_TMPDIR/t"
	grep -q '^ok 4 syn.a.v.xfail # XFAIL ' "$BATS_TEST_TMPDIR/t"
}
