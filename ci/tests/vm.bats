#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the VM result pipeline without QEMU: ci/lib/results.py fed with
# results-port streams the guest init would write (complete, cut by a panic,
# empty), known-issues, fix verdicts, the matrix; and vm-run.sh's refusal of
# bad kernels before anything boots.

R=$BATS_TEST_DIRNAME/../lib/results.py
VM=$BATS_TEST_DIRNAME/../vm-run.sh

setup() {
	D=$BATS_TEST_TMPDIR/out
	mkdir -p "$D"
	printf 'pagemap/prog_a\npagemap/prog_b\n' > "$D/programs.txt"
	export PMC_FIXES=$BATS_TEST_TMPDIR/fixes.tsv
	{
		printf 'FIX-1\tfix\t%s\t6.9\t-\tmissing\\(expected\tset\\)\ts1\n' 0123456789ab0123456789ab0123456789ab0123 | sed 's/expected\tset/expected set/'
		printf 'FIX-2\tfix\t%s\t6.10\t-\t-\ts2\n' 1123456789ab0123456789ab0123456789ab0123
		printf 'FEAT-3\tfeature\t%s\t6.7\t-\t-\ts3\n' 2123456789ab0123456789ab0123456789ab0123
	} > "$PMC_FIXES"
}

frames_a() {
	cat <<'EOF'
@@PMC:BEGIN list pagemap/prog_a
f.v.pass
f.v.fail
f.v.skip
@@PMC:END list pagemap/prog_a 0
@@PMC:BEGIN meta pagemap/prog_a
{"test":"f.v.fail","id":"FIX-1"}
{"test":"f.v.pass","id":"FIX-2"}
{"test":"f.v.skip","id":"FEAT-3"}
@@PMC:END meta pagemap/prog_a 0
@@PMC:BEGIN tap pagemap/prog_a
TAP version 13
1..3
#  RUN           f.v.pass ...
#            OK  f.v.pass
ok 1 f.v.pass
#  RUN           f.v.fail ...
# prog_a.c:10:fail:pagemap page 0: missing(expected set)=present
#            FAIL  f.v.fail
not ok 2 f.v.fail
#  RUN           f.v.skip ...
#      SKIP      needs something
#            OK  f.v.skip
ok 3 f.v.skip # SKIP needs something
# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0

@@PMC:END tap pagemap/prog_a 1
EOF
}

frames_b_complete() {
	cat <<'EOF'
@@PMC:BEGIN list pagemap/prog_b
g.one
g.two
@@PMC:END list pagemap/prog_b 0
@@PMC:BEGIN tap pagemap/prog_b
ok 1 g.one
@@PMC:END tap pagemap/prog_b 137
EOF
}

@test "complete run: PASS/FAIL/SKIP, killed program -> ERROR, fixes, exit 3" {
	{ echo "@@PMC:HELLO 6.1.0-test"; echo '@@PMC:BEGIN probe -'
	  echo '{"kernel":"6.1.0-test","features":{"pagemap_scan":{"present":false,"detail":""}}}'
	  echo '@@PMC:END probe - 0'; frames_a; frames_b_complete; echo "@@PMC:DONE 2"; } > "$D/results.raw"
	run python3 "$R" vm "$D"
	[ "$status" -eq 3 ]
	run python3 - "$D/results.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
res = {t["name"]: (t["result"], t["reason"]) for t in r["tests"]}
assert r["kernel"] == "6.1.0-test", r["kernel"]
assert r["features"]["pagemap_scan"]["present"] is False
assert res["pagemap.f.v.pass"][0] == "PASS"
assert res["pagemap.f.v.fail"] == ("FAIL", "# prog_a.c:10:fail:pagemap page 0: missing(expected set)=present"), res["pagemap.f.v.fail"]
assert res["pagemap.f.v.skip"] == ("SKIP", "needs something")
assert res["pagemap.g.one"][0] == "PASS"
assert res["pagemap.g.two"][0] == "ERROR" and "timed out" in res["pagemap.g.two"][1]
assert r["summary"] == {"passed": 2, "failed": 2, "skipped": 1, "pass": 2, "fail": 1, "skip": 1, "xfail": 0, "xpass": 0, "error": 1}, r["summary"]
fx = {f["id"]: f for f in r["fixes"]}
assert fx["FIX-1"]["verdict"] == "MISSING" and "missing(expected set)" in fx["FIX-1"]["evidence"]
assert fx["FIX-2"]["verdict"] == "present"
assert fx["FEAT-3"]["verdict"] == "n/a" and fx["FEAT-3"]["evidence"] == "SKIP: needs something"
EOF
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -s "$D/pagemap/prog_a.tap" ] && [ "$(cat "$D/pagemap/prog_a.rc")" = 1 ]
	grep -q '^not ok .* pagemap.f.v.fail$' "$D/results.tap"
}

@test "panic inside a program: finished programs keep results, the rest is ERROR" {
	{ echo "@@PMC:HELLO 6.12.0-test"; frames_a
	  printf '@@PMC:BEGIN list pagemap/prog_b\ng.one\ng.two\n@@PMC:END list pagemap/prog_b 0\n@@PMC:BEGIN tap pagemap/prog_b\nok 1 g.one\n'; } > "$D/results.raw"
	run python3 "$R" vm "$D" --status "kernel panic: Kernel panic - not syncing: Fatal exception"
	[ "$status" -eq 3 ]
	run python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
res = {t["name"]: t for t in r["tests"]}
assert res["pagemap.f.v.pass"]["result"] == "PASS"
assert res["pagemap.g.one"]["result"] == "PASS"
assert res["pagemap.g.two"]["result"] == "ERROR" and "kernel panic" in res["pagemap.g.two"]["reason"]
assert res["vm.guest"]["result"] == "ERROR"' "$D/results.json"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "guest never reported: every program ERROR, never a pass" {
	: > "$D/results.raw"
	run python3 "$R" vm "$D" --status "timeout: no poweroff within 300s (hang)"
	[ "$status" -eq 3 ]
	run python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["summary"]["passed"] == 0 and r["summary"]["error"] == 3, r["summary"]
assert all("guest never reported" in t["reason"] for t in r["tests"])' "$D/results.json"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "guest reported but no DONE frame: ERROR even if every program ended" {
	{ echo "@@PMC:HELLO 6.12.0-test"; frames_a; frames_b_complete; } > "$D/results.raw"
	run python3 "$R" vm "$D"
	[ "$status" -eq 3 ]
	grep -q 'guest stopped before reporting all programs' "$D/results.json"
}

@test "known issues: FAIL -> XFAIL, PASS -> XPASS, release and feature conditions" {
	{ echo "@@PMC:HELLO 6.1.0-test"; echo '@@PMC:BEGIN probe -'
	  echo '{"kernel":"6.1.0-test","features":{"soft_dirty":{"present":true,"detail":""}}}'
	  echo '@@PMC:END probe - 0'; frames_a; echo "@@PMC:DONE 1"; } > "$D/results.raw"
	printf 'pagemap/prog_a\n' > "$D/programs.txt"
	cat > "$D/known.txt" <<'EOF'
# comment
pagemap.f.v.fail release=6.1.* missing\(expected known deviation (evidence)
pagemap.f.v.pass feature=soft_dirty . stale entry (PASS: the symptom is not looked at)
pagemap.f.v.skip * . skips are left alone
EOF
	run python3 "$R" vm "$D" --known "$D/known.txt"
	[ "$status" -eq 0 ]
	run python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
res = {t["name"]: t for t in r["tests"]}
assert res["pagemap.f.v.fail"]["result"] == "XFAIL" and "missing(expected set)=present" in res["pagemap.f.v.fail"]["reason"]
assert res["pagemap.f.v.pass"]["result"] == "XPASS"
assert res["pagemap.f.v.skip"]["result"] == "SKIP"' "$D/results.json"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	sed -i 's/release=6.1.\*/release=6.12.*/; s/feature=soft_dirty/nofeature=soft_dirty/' "$D/known.txt"
	run python3 "$R" vm "$D" --known "$D/known.txt"
	[ "$status" -eq 1 ]
}

@test "matrix: kernels as columns, differences, fix verdicts, missing input is an ERROR column" {
	{ echo "@@PMC:HELLO 6.1.0-test"; frames_a; echo "@@PMC:DONE 1"; } > "$D/results.raw"
	printf 'pagemap/prog_a\n' > "$D/programs.txt"
	python3 "$R" vm "$D" >/dev/null || true
	run python3 "$R" matrix "$BATS_TEST_TMPDIR/m" "k1=$D/results.json" "k2=$BATS_TEST_TMPDIR/none.json"
	[ "$status" -eq 3 ]
	grep -q '^| pagemap.f.v.fail | FAIL \[1\] | — | FIX-1 0123456789ab |$' "$BATS_TEST_TMPDIR/m/matrix.md"
	grep -q '^| FIX-1 | fix | 0123456789ab | 6.9 | s1 | MISSING \[[0-9]*\] | — |$' "$BATS_TEST_TMPDIR/m/matrix.md"
	grep -q 'title="# prog_a.c:10' "$BATS_TEST_TMPDIR/m/matrix.html"
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$BATS_TEST_TMPDIR/m/matrix.json"
}

@test "vm-run: bad kernel path, non-kernel file, unknown option fail fast with status 2" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu not installed"
	run "$VM" /nonexistent/vmlinuz --no-build
	[ "$status" -eq 2 ] && [[ $output == *"does not exist"* ]]
	echo junk > "$BATS_TEST_TMPDIR/notakernel"
	run "$VM" "$BATS_TEST_TMPDIR/notakernel" --no-build
	[ "$status" -eq 2 ] && [[ $output == *"not an x86 Linux kernel image"* ]]
	run "$VM" /nonexistent --bogus
	[ "$status" -eq 2 ]
	run "$VM" /nonexistent --thp sometimes
	[ "$status" -eq 2 ]
	run "$VM" /nonexistent --numa 0
	[ "$status" -eq 2 ] && [[ $output == *"--numa take numbers"* ]]
	run "$VM" /nonexistent --mem 1.5G
	[ "$status" -eq 2 ] && [[ $output == *"--mem takes a size"* ]]
}

@test "the same raw results through the host path and the VM path give identical JSON" {
	cat > "$D/known.txt" <<'EOF'
pagemap.f.v.fail missing=FIX-1 - the fix is missing
pagemap.g.one * . [intermittent] flips
EOF
	{ echo "@@PMC:HELLO 6.1.0-test"; echo '@@PMC:BEGIN probe -'
	  echo '{"kernel":"6.1.0-test","features":{"soft_dirty":{"present":true,"detail":""}}}'
	  echo '@@PMC:END probe - 0'; frames_a; frames_b_complete; echo "@@PMC:DONE 2"; } > "$D/results.raw"
	# host layout of the same raw results, as run_tests.sh writes it
	H=$BATS_TEST_TMPDIR/host
	mkdir -p "$H/pagemap"
	cp "$D/programs.txt" "$H/"
	echo 6.1.0-test > "$H/kernel.txt"
	echo '{"kernel":"6.1.0-test","features":{"soft_dirty":{"present":true,"detail":""}}}' > "$H/features.json"
	frames_a | sed -n '/BEGIN list/,/END list/p' | sed '1d;$d' > "$H/pagemap/prog_a.list"
	frames_a | sed -n '/BEGIN meta/,/END meta/p' | sed '1d;$d' > "$H/pagemap/prog_a.meta"
	frames_a | sed -n '/BEGIN tap/,/END tap/p' | sed '1d;$d' > "$H/pagemap/prog_a.tap"
	echo 1 > "$H/pagemap/prog_a.rc"
	printf 'g.one\ng.two\n' > "$H/pagemap/prog_b.list"
	echo 'ok 1 g.one' > "$H/pagemap/prog_b.tap"
	echo 137 > "$H/pagemap/prog_b.rc"
	run python3 "$R" vm "$D" --known "$D/known.txt"
	[ "$status" -eq 3 ]
	KNOWN_ISSUES=$D/known.txt run "$BATS_TEST_DIRNAME/../../run_tests.sh" --report-from "$H" --json "$H/results.json"
	echo "$output"
	[ "$status" -eq 1 ]
	run python3 - "$D/results.json" "$H/results.json" <<'EOF'
import json, sys
vm, host = (json.load(open(f)) for f in sys.argv[1:])
vm.pop("run")
assert vm == host, json.dumps([vm, host], indent=1)
t = {x["name"]: x["result"] for x in host["tests"]}
assert t == {"pagemap.f.v.pass": "PASS", "pagemap.f.v.fail": "XFAIL", "pagemap.f.v.skip": "SKIP",
             "pagemap.g.one": "XPASS", "pagemap.g.two": "ERROR"}, t
EOF
	echo "$output"
	[ "$status" -eq 0 ]
}
