#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# The results engine's decisions on their own (helpers/report): fix verdicts
# with their relations, known-issue symptom rules, harness output parsing.

E=$BATS_TEST_DIRNAME/../../helpers/report

verdicts() {	# python snippet with C(name, result, *msgs), V(cat_lines, cases, tags)
	python3 - "$E" <<PY
import sys
sys.path.insert(0, sys.argv[1])
import os, tempfile
import pmcr_catalogue as cat
def C(name, result, *msgs):
    return {"name": name, "program": "a/p", "result": result, "reason": "\n".join(msgs),
            "checks": [("f.c:1", m) for m in msgs], "time": None}
def V(lines, cases, tags):
    fd, path = tempfile.mkstemp()
    os.write(fd, ("\n".join(lines) + "\n").encode()); os.close(fd)
    try:
        c = cat.load_fixes(path)
    finally:
        os.unlink(path)
    return {k: v["verdict"] for k, v in cat.verdicts(c, cases, [("a/p", g, {"id": i}) for g, i in tags]).items()}
H = "0" * 40
$1
PY
}

@test "verdicts: present, MISSING only with the symptom, unknown for another failure or an ERROR, n/a" {
	verdicts '
L = ["F\tfix\t%s\t6.1\t-\tbit\\s56\tfix" % H]
assert V(L, [C("a.x", "PASS")], [("x", "F")]) == {"F": "present"}
assert V(L, [C("a.x", "FAIL", "bit 56 set")], [("x", "F")]) == {"F": "MISSING"}
assert V(L, [C("a.x", "FAIL", "bit 56 set", "REFERENCED set")], [("x", "F")]) == {"F": "unknown"}
assert V(L, [C("a.x", "ERROR")], [("x", "F")]) == {"F": "unknown"}
assert V(L, [C("a.x", "SKIP")], [("x", "F")]) == {"F": "n/a"}
assert V(L, [], [("x", "F")]) == {"F": "n/a"}
'
}

@test "verdicts: regressed by a breaks= regression, not affected without the introducing change, requires= n/a" {
	verdicts '
L = ["F\tfix\t%s\t6.11\t-\tfrom\\shead\tthe fix" % H,
     "R\tregression\t%s\t6.15\tbreaks=F\tlost\\sidx\tthe regression" % H,
     "I\tfeature\t%s\t6.10\t-\t-\tthe change that brought the bug" % H,
     "G\tfix\t%s\t7.2\tintroduced=I\t-\tfix of a bug I brought" % H,
     "Q\tfix\t%s\t6.12\trequires=I\t-\tneeds I" % H]
tags = [("f", "F"), ("r", "R"), ("i", "I"), ("g", "G"), ("q", "Q")]
v = V(L, [C("a.f", "PASS"), C("a.r", "FAIL", "lost idx"), C("a.i", "FAIL", "no folio flags"),
          C("a.g", "PASS"), C("a.q", "PASS")], tags)
assert v == {"F": "regressed", "R": "present", "I": "MISSING", "G": "not affected", "Q": "n/a"}, v
v = V(L, [C("a.f", "FAIL", "from head"), C("a.r", "PASS"), C("a.i", "PASS"), C("a.g", "FAIL", "x"),
          C("a.q", "PASS")], tags)
assert v == {"F": "MISSING", "R": "not affected", "I": "present", "G": "MISSING", "Q": "present"}, v
# A regression that requires a feature nobody could establish (its case
# skipped, e.g. an unreadable kconfig) is n/a, and the fix it breaks reads
# MISSING from its own case, not "regressed" (PM-EXCL on 6.1).
L2 = ["F\tfix\t%s\t6.11\t-\tfrom\\shead\tthe fix" % H,
      "K\tfeature\t%s\t6.15\t-\t-\tthe kconfig" % H,
      "R\tregression\t%s\t6.15\tbreaks=F,requires=K\tfrom\\shead\tthe regression" % H]
t2 = [("f", "F"), ("r", "F"), ("r", "R"), ("k", "K")]
v = V(L2, [C("a.f", "FAIL", "from head"), C("a.r", "FAIL", "from head"), C("a.k", "SKIP")], t2)
assert v == {"F": "MISSING", "K": "n/a", "R": "n/a"}, v
v = V(L2, [C("a.f", "FAIL", "from head"), C("a.r", "FAIL", "from head"), C("a.k", "PASS")], t2)
assert v == {"F": "regressed", "K": "present", "R": "present"}, v
# A fix whose case passes while the change that brought the bug is undecided
# (its case skipped) is neither provably present nor not affected.
v = V(L, [C("a.f", "PASS"), C("a.r", "PASS"), C("a.i", "SKIP"), C("a.g", "PASS"), C("a.q", "PASS")], tags)
assert v["G"] == "unknown" and v["I"] == "n/a", v
'
}

@test "verdicts: a passing case of an [intermittent] deviation proves nothing (unknown)" {
	verdicts '
L = ["R\tregression\t%s\t6.19\t-\tbit\s56\tsometimes" % H]
fd, path = tempfile.mkstemp()
c = cat.load_fixes((os.write(fd, (L[0] + "\n").encode()), os.close(fd), path)[2])
os.unlink(path)
v = cat.verdicts(c, [C("a.x", "PASS")], [("a/p", "x", {"id": "R"})], {"a.x"})
assert v["R"]["verdict"] == "unknown" and "intermittent" in v["R"]["evidence"], v
v = cat.verdicts(c, [C("a.x", "FAIL", "bit 56 clear")], [("a/p", "x", {"id": "R"})], {"a.x"})
assert v["R"]["verdict"] == "present", v
'
}

@test "catalogue: bad lines are refused with the line number" {
	verdicts '
for bad in ["F\tfix\t%s\t6.1\t-\t-" % H, "F\tbugfix\t%s\t6.1\t-\t-\ts" % H, "F\tfix\t%s\t6.1\tbreaks\t-\ts" % H,
            "F\tfix\t%s\t6.1\t-\t(\ts" % H]:
    try:
        V([bad], [], [])
    except cat.CatalogueError as e:
        assert ":1:" in str(e), e
    else:
        raise AssertionError(bad)
try:
    V(["F\tfix\t%s\t6.1\t-\t-\ts" % H] * 2, [], [])
except cat.CatalogueError as e:
    assert "duplicate id F" in str(e)
else:
    raise AssertionError("duplicate")
'
}

@test "harness output: timeout and signal lines make an ERROR, informational lines are not failing checks" {
	python3 - "$E" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import pmcr_raw
out = pmcr_raw.parse_output("""TAP version 13
1..3
#  RUN           f.v.a ...
# info: 3 pages checked
# f.v.a: Test terminated by timeout
#          FAIL  f.v.a
not ok 1 f.v.a
#  RUN           f.v.b ...
# tests/x.c:10:b:pagemap page 0: missing(expected set)=present
# journal: restored knob /sys/x = 1
#          FAIL  f.v.b
not ok 2 f.v.b
#  RUN           f.v.c ...
#      SKIP      needs root
#            OK  f.v.c
ok 3 f.v.c # SKIP needs root
""")
assert out["f.v.a"]["result"] == "ERROR", out
assert out["f.v.b"]["result"] == "FAIL" and out["f.v.b"]["checks"] == [("tests/x.c:10", "pagemap page 0: missing(expected set)=present")], out
assert out["f.v.c"]["result"] == "SKIP" and out["f.v.c"]["reason"] == "needs root"
PY
}

@test "the shipped known-issues.txt and fixes.tsv load without a warning" {
	local root=$BATS_TEST_DIRNAME/../..
	run python3 - "$E" "$root" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[1])
import pmcr_catalogue as cat, pmcr_known as known
root = sys.argv[2]
fixes = os.path.join(root, "fixes.tsv")
c = cat.load_fixes(fixes)
entries = known.load(os.path.join(root, "known-issues.txt"), c)
assert entries, "no entry loaded"
print(len(entries), "entries")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *"known-issues:"* ]]
}
