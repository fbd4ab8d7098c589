#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Tests of run_tests.sh itself, on a fake suite (shell scripts that speak the
# test programs' protocol: --list, --meta, TAP) so that every outcome is
# under control: PASS, FAIL with diff lines, SKIP, timeout, known issues,
# fixes verdicts, output formats, bad input, --jobs, SIGKILL + restore.
# The knob of the kill test is a temp file, the journal a temp dir: the real
# sysfs is never touched.

load ../bats/common

setup() {
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/build/tests/fake" "$T/build/tests/fake2" "$T/suite/fake" "$T/suite/fake2" "$T/state"
	ln -s "$PMC_BUILD/bin" "$T/build/bin"
	fake_prog "$T/build/tests/fake/mixed" f.v.pass f.v.fail f.v.skip
	fake_prog "$T/build/tests/fake2/other" g.a.pass g.b.pass g.c.skip
	# (printf: bats rewrites lines of this file that start with @test)
	printf 'load %s\n@test "%s" { pmc_run_program %s 120; }\n' \
		"$PMC_ROOT/helpers/bats/common" mixed fake/mixed >"$T/suite/fake/fake.bats"
	printf 'load %s\n@test "%s" { pmc_run_program %s 120; }\n' \
		"$PMC_ROOT/helpers/bats/common" other fake2/other >"$T/suite/fake2/fake2.bats"
	export PMC_STATE_DIR=$T/state PMC_SUITE_DIR=$T/suite KNOWN_ISSUES=$T/known PMC_FIXES=$T/fixes.tsv
	: >"$T/known"
	{
		printf 'FAKE-OK\tfix\t%s\t6.1\t-\t-\tfake: ok\n' 0123456789abcdef0123456789abcdef01234567
		printf 'FAKE-BAD\tfix\t%s\t6.2\t-\tmissing\\(expected set\\)\tfake: "bad"\n' ba9876543210ba9876543210ba9876543210ba98
		printf 'FAKE-NA\tfeature\t%s\t6.3\t-\t-\tfake: n/a\n' 00000000000000000000000000000000000000aa
	} >"$T/fixes.tsv"
}

# fake_prog PATH CASE... : each case behaves after its last component
# (pass, fail, skip, hang, hold = journal a knob and wait to be killed).
fake_prog() {
	local path=$1
	shift
	cat >"$path" <<EOP
#!/bin/bash
all=($*)
meta() {
	echo '{"test":"f.v.pass","id":"FAKE-OK"}'
	echo '{"test":"f.v.fail*","id":"FAKE-BAD"}'
	echo '{"test":"f.v.sk*","id":"FAKE-NA"}'
}
case \${1:-} in
--list) printf '%s\n' "\${all[@]}"; [[ \${2:-} != --meta ]] || meta; exit 0 ;;
--meta) meta; exit 0 ;;
esac
names=("\$@"); ((\$#)) || names=("\${all[@]}")
echo "TAP version 13"; echo "1..\${#names[@]}"; i=0
for n in "\${names[@]}"; do
	i=\$((i + 1)); echo "#  RUN           \$n ..."
	case \$n in
	*.pass) echo "#            OK  \$n"; echo "ok \$i \$n" ;;
	*.fail) echo "# fake.c:10:fail:pagemap page 0: missing(expected set)=present | got 0x0 none & <x>" >&2
		echo "#          FAIL  \$n"; echo "not ok \$i \$n" ;;
	*.fail2) echo "# fake.c:10:fail2:pagemap page 0: missing(expected set)=present" >&2
		echo "# fake.c:12:fail2:pagemap page 1: unexpected(expected clear)=file" >&2
		echo "#          FAIL  \$n"; echo "not ok \$i \$n" ;;
	*.crash) echo "# fake.c:10:crash:pagemap page 0: missing(expected set)=present" >&2
		echo "# \${n##*.}: Test terminated unexpectedly by signal 11" >&2
		echo "#          FAIL  \$n"; echo "not ok \$i \$n" ;;
	*.skip) echo "ok \$i \$n # SKIP needs root" ;;
	*.hang) exec sleep 60 ;;
	*.hold) "\$PMC_BUILD/bin/pmc-journal" set "\$PMC_KNOB" changed; exec sleep 60 ;;
	esac
done
EOP
	chmod +x "$path"
}

rt() {
	"$PMC_ROOT/run_tests.sh" --no-build --build-dir "$T/build" --results "$T/res" "$@"
}

@test "--help prints usage and exits 0" {
	run rt --help
	[ "$status" -eq 0 ]
	[[ $output == *"usage: ./run_tests.sh"* ]]
	[[ $output == *"--filter REGEX"* ]]
}

@test "unknown option: message, exit 2, nothing created" {
	run rt --bogus
	[ "$status" -eq 2 ]
	[[ $output == *"unknown option '--bogus'"* ]]
	[ ! -e "$T/res" ]
}

@test "bad values: --jobs, --timeout, --filter regex, missing arguments" {
	run rt --jobs 0
	[ "$status" -eq 2 ]
	run rt --timeout x
	[ "$status" -eq 2 ]
	run rt --filter '('
	[ "$status" -eq 2 ]
	[[ $output == *"invalid regular expression"* ]]
	run rt --junit
	[ "$status" -eq 2 ]
	[ ! -e "$T/res" ]
}

@test "unwritable output path: message, exit 2, nothing left behind" {
	run rt --json "$T/nodir/r.json"
	[ "$status" -eq 2 ]
	[[ $output == *"does not exist"* ]]
	mkdir "$T/ro" && chmod 0555 "$T/ro"
	if [[ $(id -u) != 0 ]]; then
		run rt --junit "$T/ro/j.xml"
		[ "$status" -eq 2 ]
	fi
	run rt --junit "$T"
	[ "$status" -eq 2 ]
	[[ $output == *"is a directory"* ]]
	[ ! -e "$T/res" ]
	[ -z "$(ls "$T/ro")" ]
}

@test "filter matching nothing: message, exit 2, nothing run" {
	run rt --filter 'no-such-case'
	[ "$status" -eq 2 ]
	[[ $output == *"no test case matches"* ]]
	[ ! -e "$T/res" ]
}

@test "--list prints full names" {
	run rt --list
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "fake.f.v.pass" ]
	[ "${#lines[@]}" -eq 6 ]
	run rt --list --filter '^fake2\.'
	[ "${#lines[@]}" -eq 3 ]
}

@test "a failing case fails the run and shows its diff lines; counts" {
	run rt
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"FAIL fake/mixed"*"1 passed, 1 failed, 1 skipped"* ]]
	[[ $output == *"FAIL fake.f.v.fail"* ]]
	[[ $output == *"missing(expected set)=present"* ]]
	[ "${lines[-1]}" = "3 passed, 1 failed, 2 skipped" ]
	[ -s "$T/res/fake/mixed.tap" ]
	[ -s "$T/res/fake/mixed.times" ]
}

@test "--filter restricts the run to matching cases" {
	run rt --filter 'pass$'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "3 passed, 0 failed, 0 skipped" ]
	[ "$(cat "$T/res/fake/mixed.list")" = "f.v.pass" ]
}

@test "known issue: FAIL becomes XFAIL (exit 0), stale entry shows XPASS" {
	cat >"$T/known" <<'EOF'
# comment
fake.f.v.fail * missing fake deviation, evidence: observed none expected present
fake2.g.a.* * . stale entry
fake2.g.b.pass release=no-such-release* . never applies
fake2.g.b.* * . [intermittent] seen in some runs only
EOF
	run rt
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"XFAIL fake.f.v.fail: known issue: fake deviation"* ]]
	[[ $output == *"XPASS fake2.g.a.pass"*"stale entry"* ]]
	[[ $output == *"XPASS fake2.g.b.pass: known issue: [intermittent]"* ]]
	[ "${lines[-1]}" = "4 passed, 0 failed, 2 skipped" ]
}

@test "known issue conditions: feature= / nofeature= follow pmc-probe" {
	echo "fake.f.v.fail feature=no-such-feature . never applies" >"$T/known"
	run rt --filter fail
	[ "$status" -eq 1 ]
	echo "fake.f.v.fail nofeature=no-such-feature . applies" >"$T/known"
	run rt --filter fail
	[ "$status" -eq 0 ]
	[[ $output == *"XFAIL fake.f.v.fail"* ]]
}

@test "--tap is valid TAP 13 with uppercase SKIP" {
	run rt --tap
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "TAP version 13" ]
	[ "${lines[1]}" = "1..6" ]
	local n=0 l
	for l in "${lines[@]:2}"; do
		[[ $l == \#* ]] && continue
		n=$((n + 1))
		[[ $l =~ ^(not\ )?ok\ $n\ [A-Za-z0-9_.-]+(\ \#\ (SKIP|XFAIL|XPASS)\ .*)?$ ]] || { echo "bad: $l"; return 1; }
	done
	[ "$n" -eq 6 ]
	[[ $output == *"ok 3 fake.f.v.skip # SKIP needs root"* ]]
	# KTAP attaches diagnostics to the NEXT result: they come before it.
	[[ $output == *"missing(expected set)=present"*"not ok 2 fake.f.v.fail"* ]]
	[[ $output != *"not ok 2 fake.f.v.fail"*"missing(expected set)"* ]]
}

@test "--junit writes valid XML, one testcase per case, escaped" {
	run rt --junit "$T/j.xml"
	[ "$status" -eq 1 ]
	python3 - "$T/j.xml" <<'EOF'
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
cases = r.findall(".//testcase")
assert len(cases) == 6, len(cases)
f = [c for c in cases if c.find("failure") is not None]
assert len(f) == 1 and f[0].get("classname") == "fake.mixed", f
assert "& <x>" in f[0].find("failure").text
assert len([c for c in cases if c.find("skipped") is not None]) == 2
EOF
}

@test "--json follows the contract; fixes verdicts present/MISSING/n/a" {
	run rt --json "$T/r.json"
	[ "$status" -eq 1 ]
	python3 - "$T/r.json" <<'EOF'
import sys, json
j = json.load(open(sys.argv[1]))
assert set(j) == {"kernel", "features", "summary", "tests", "fixes"}, j.keys()
assert j["summary"] == {"passed": 3, "failed": 1, "skipped": 2, "pass": 3, "fail": 1, "skip": 2, "xfail": 0, "xpass": 0, "error": 0}, j["summary"]
t = {x["name"]: x for x in j["tests"]}
assert t["fake.f.v.fail"]["result"] == "FAIL" and "expected set" in t["fake.f.v.fail"]["reason"]
assert t["fake.f.v.skip"]["reason"] == "needs root"
assert t["fake.f.v.pass"]["program"] == "fake/mixed"
f = {x["id"]: x for x in j["fixes"]}
assert f["FAKE-OK"]["verdict"] == "present", f
assert f["FAKE-BAD"]["verdict"] == "MISSING" and "expected set" in f["FAKE-BAD"]["evidence"], f
assert f["FAKE-BAD"]["subject"] == 'fake: "bad"'
assert f["FAKE-NA"]["verdict"] == "n/a" and f["FAKE-NA"]["evidence"] == "SKIP: needs root", f
assert f["FAKE-OK"]["tests"] == ["fake.f.v.pass"]
EOF
}

@test "--fixes reports, exits 0; --fixes --strict exits 1 on MISSING" {
	run rt --fixes
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"MISSING      FAKE-BAD"* ]]
	[[ $output == *"present      FAKE-OK"* ]]
	run rt --fixes --strict
	[ "$status" -eq 1 ]
	run rt --fixes --strict --filter 'pass$'
	[ "$status" -eq 0 ]
}

@test "a program that hangs is killed by the timeout: its cases are ERROR" {
	fake_prog "$T/build/tests/fake/mixed" f.v.pass f.v.hang f.v.skip
	SECONDS=0
	run rt --timeout 1 --json "$T/r.json"
	echo "$output"
	[ "$status" -eq 1 ]
	((SECONDS < 30))
	[[ $output == *"ERROR fake.f.v.hang"*"timed out"* ]]
	python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert j['summary']['error'] == 2, j['summary']" "$T/r.json"
}

@test "--jobs 2 gives the same per-case results as serial" {
	run rt --json "$T/serial.json"
	run rt --jobs 2 --json "$T/jobs.json"
	python3 - "$T/serial.json" "$T/jobs.json" <<'EOF'
import json, sys
a, b = ([(t["name"], t["result"], t["reason"]) for t in json.load(open(f))["tests"]] for f in sys.argv[1:])
assert a == b, (a, b)
EOF
}

@test "kill -9 of the runner mid-test: the next start restores the knob" {
	fake_prog "$T/build/tests/fake/mixed" f.v.pass f.v.hold
	echo original >"$T/knob"
	export PMC_KNOB=$T/knob
	setsid "$PMC_ROOT/run_tests.sh" --no-build --build-dir "$T/build" --results "$T/res" \
		--filter '^fake\.' >"$T/out" 2>&1 &
	local pid=$! i
	for ((i = 0; i < 300; i++)); do
		grep -q changed "$T/knob" && break
		sleep 0.05	# bounded poll of an outside process
	done
	grep -q changed "$T/knob"
	kill -9 -- -"$pid"
	wait "$pid" || true
	grep -q changed "$T/knob"
	run rt --restore
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"restored knob $T/knob = original"* ]]
	grep -q '^original' "$T/knob"
	[ "$("$PMC_BUILD/bin/pmc-journal" count)" -eq 0 ]
	# the killed run's scratch dir (bats' run dirs are inside) is gone,
	# and so is the program it left running
	[ -z "$(ls -d "$T"/build/.work.* 2>/dev/null)" ]
	! pgrep -f "$T/build/tests/fake/mixed" >/dev/null
}

@test "symptom-matched known issues: all failing lines covered -> XFAIL, an extra line -> FAIL, ERROR never XFAIL" {
	fake_prog "$T/build/tests/fake/mixed" f.v.pass f.v.fail f.v.fail2 f.v.crash
	cat >"$T/known" <<'EOF'
fake.f.v.fail* * missing\(expected\sset\) page 0 misses a bit (observed present only, expected ...)
fake.f.v.crash * missing\(expected\sset\) even a crash is not excused
EOF
	run rt --filter '^fake\.' --json "$T/r.json"
	echo "$output"
	[ "$status" -eq 1 ]
	python3 - "$T/r.json" <<'EOF'
import json, sys
t = {x["name"]: x for x in json.load(open(sys.argv[1]))["tests"]}
assert t["fake.f.v.fail"]["result"] == "XFAIL", t["fake.f.v.fail"]
assert t["fake.f.v.fail"]["known"].startswith("page 0 misses a bit")
assert "missing(expected set)=present" in t["fake.f.v.fail"]["reason"]
assert t["fake.f.v.fail2"]["result"] == "FAIL", t["fake.f.v.fail2"]
assert "not covered" in t["fake.f.v.fail2"]["reason"] and "unexpected(expected clear)=file" in t["fake.f.v.fail2"]["reason"]
assert t["fake.f.v.crash"]["result"] == "ERROR", t["fake.f.v.crash"]
EOF
}

@test "known issue conditions: missing=ID follows the fix verdict, symptom '-' is the catalogue's" {
	echo "fake.f.v.fail missing=FAKE-BAD - the fix is missing" >"$T/known"
	run rt --filter 'fail$'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"XFAIL fake.f.v.fail: known issue: the fix is missing"* ]]
	echo "fake.f.v.fail missing=FAKE-OK - FAKE-OK passes: never applies" >"$T/known"
	run rt --filter 'fail$|pass$'
	[ "$status" -eq 1 ]
	echo "fake.f.v.fail missing=NO-SUCH-ID - unknown id" >"$T/known"
	run rt --filter 'fail$'
	[ "$status" -eq 1 ]
	[[ $output == *"unknown condition or catalogue id: NO-SUCH-ID"* ]]
}

@test "--list with a filter matching nothing exits 2; a run where every case SKIPs exits 4" {
	run rt --list --filter 'no-such-case'
	[ "$status" -eq 2 ]
	run rt --filter 'skip$'
	echo "$output"
	[ "$status" -eq 4 ]
	[ "${lines[-1]}" = "0 passed, 0 failed, 2 skipped" ]
}

@test "an output path that cannot be opened stops the run before anything runs (root too)" {
	run rt --junit /proc/pmc-no-such.xml
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"cannot write '/proc/pmc-no-such.xml'"* ]]
	[ ! -e "$T/res" ]
	# a file the check created is removed again when a later check fails
	run rt --json "$T/ok.json" --junit /proc/pmc-no-such.xml
	[ "$status" -eq 2 ]
	[ ! -e "$T/ok.json" ]
}

@test "two runs at once in one build directory: the second stops with a clear message" {
	fake_prog "$T/build/tests/fake/mixed" f.v.pass f.v.hang
	rt --timeout 20 --filter '^fake\.' >"$T/first" 2>&1 &
	local pid=$! i
	for ((i = 0; i < 300; i++)); do
		[[ -s $T/res/fake/mixed.list ]] && break
		sleep 0.05	# bounded poll of an outside process
	done
	run rt --filter '^fake2\.'
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"another run_tests.sh"*"is using"* ]]
	kill -TERM "$pid"
	wait "$pid" || true
}

@test "--report-from re-reports raw results made elsewhere: the same JSON" {
	run rt --json "$T/a.json"
	cp -r "$T/res" "$T/copy"
	run "$PMC_ROOT/run_tests.sh" --report-from "$T/copy" --json "$T/b.json"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ ${lines[-1]} == "3 passed, 1 failed, 2 skipped" ]]
	cmp "$T/a.json" "$T/b.json"
}

@test "--no-build needs no compiler on the machine under test" {
	mkdir "$T/path"
	local f
	for f in /usr/bin/* /usr/sbin/*; do
		case ${f##*/} in gcc*|cc|c89*|c99*|make|*-gcc*|clang*) continue ;; esac
		ln -sf "$f" "$T/path/"
	done
	PATH=$T/path run rt --filter 'pass$'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *"missing packages"* ]]
}

@test "a program listed in a bats file but not built is an ERROR" {
	echo '@test "ghost" { pmc_run_program fake/ghost 120; }' >>"$T/suite/fake/fake.bats"
	run rt
	[ "$status" -eq 1 ]
	[[ $output == *"ERROR fake.ghost"* ]]
}

# ---- the real tree ----

@test "real suite: --list names are unique and match ^[A-Za-z0-9_.-]+\$" {
	unset PMC_SUITE_DIR
	run "$PMC_ROOT/run_tests.sh" --no-build --build-dir "$PMC_BUILD" --list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 0 ]
	! printf '%s\n' "${lines[@]}" | grep -vE '^[A-Za-z0-9_.-]+$'
	[ -z "$(printf '%s\n' "${lines[@]}" | sort | uniq -d)" ]
}

@test "real suite: every tests/*/*.c program is in the registry and its area bats file" {
	local f area prog
	for f in "$PMC_ROOT"/tests/*/*.c; do
		area=$(basename "$(dirname "$f")")
		prog=$(basename "$f" .c)
		grep -qE "^$area/$prog"$'\t'"[0-9]+\$" "$PMC_ROOT/tests/programs.tsv" ||
			{ echo "not in tests/programs.tsv: $area/$prog"; return 1; }
		grep -qE "pmc_run_program $area/$prog [0-9]+;" "$PMC_ROOT/tests/$area/$area.bats" ||
			{ echo "not listed: $area/$prog"; return 1; }
	done
}

@test "real suite: every PMC_TAG glob matches a case of its program" {
	local bin pat re n
	for bin in "$PMC_BUILD"/tests/*/*; do
		while IFS= read -r pat; do
			re=$(sed 's/[.]/\\./g; s/\*/.*/g; s/?/./g' <<<"$pat")
			n=$("$bin" --list | grep -cE "^$re\$" || true)
			((n > 0)) || { echo "${bin#"$PMC_BUILD"/tests/}: tag '$pat' matches no case"; return 1; }
		done < <("$bin" --meta | sed -nE 's/^\{"test": ?"([^"]*)".*/\1/p')
	done
}
