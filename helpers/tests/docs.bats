#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Generated files and the state catalogue: the committed bats files,
# settings and docs/*.md are byte-identical to a fresh `make docs`
# (ci/render.py --check); every case of the programs' --list belongs to a
# state of tests/states.tsv or to tests/cases-not-states.tsv, and every cell
# of the catalogue is a case glob or a reason (ci/states.py); and both
# checkers reject each kind of problem they exist for.

load ../bats/common

STATES() { python3 "$PMC_ROOT/ci/states.py" "$@"; }

setup() {
	T=$BATS_TEST_TMPDIR
	printf 'a.f.v.entry\na.f.w.entry\nb.s.v.kpf\nb.rules.einval\n' >"$T/list"
	printf '!nopfn\tno page behind the address here\n' >"$T/states"
	printf 'st_v\tbuild_v()\tsmaps Rss\ta.f.v.*\tb.s.v.kpf\t!nopfn\t- no memcg chosen here\t- GAP: no scan case\n' >>"$T/states"
	printf 'st_w\tbuild_w()\tmincore\ta.f.w.entry\t!nopfn\t!nopfn\t!nopfn\t!nopfn\n' >>"$T/states"
	printf 'b.rules.*\tkpageflags\tEINVAL on unaligned reads\n' >"$T/rules"
}

lint() { run STATES --states "$T/states" --rules "$T/rules" --list "$T/list"; echo "$output"; }

@test "docs: committed generated files equal a fresh render (make docs)" {
	run python3 "$PMC_ROOT/ci/render.py" --check
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "docs: the render is deterministic and --check names a stale file" {
	cp -r "$PMC_ROOT/tests" "$PMC_ROOT/ci" "$PMC_ROOT/docs" "$PMC_ROOT/fixes.tsv" \
		"$PMC_ROOT/known-issues.txt" "$PMC_ROOT/settings" "$T/"
	python3 "$T/ci/render.py" --root "$T"
	python3 "$T/ci/render.py" --root "$T" --check
	cmp "$T/docs/coverage.md" "$PMC_ROOT/docs/coverage.md"
	printf 'x\tkpageflags\tsomething new\n' >>"$T/tests/cases-not-states.tsv"
	run python3 "$T/ci/render.py" --root "$T" --check
	[ "$status" -eq 1 ]
	[[ $output == *"docs/coverage.md: stale"* ]]
}

@test "docs: --results shows each cell's results" {
	printf '{"kernel": "k", "tests": [{"name": "scan_ioctl.state.guard.categories", "result": "PASS"}]}\n' >"$T/r.json"
	run python3 "$PMC_ROOT/ci/render.py" --results "$T/r.json"
	[ "$status" -eq 0 ]
	[[ $output == *"**PASS 1**"* ]]
	[[ $output == *"kernel k"* ]]
}

@test "states: the repository's catalogue classifies every case of the suite" {
	run STATES --build "$PMC_BUILD"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"cases each classified"* ]]
}

@test "states: a consistent fixture passes" {
	lint
	[ "$status" -eq 0 ]
}

@test "states: an empty cell, a bare dash, an undefined or unused reason key" {
	sed -i 's/\tb.s.v.kpf\t/\t\t/' "$T/states"
	lint
	[ "$status" -eq 1 ]
	[[ $output == *"st_v: kpageflags: empty cell"* ]]
	sed -i 's/\t\t!nopfn/\t-\t!nopfn/' "$T/states"
	lint
	[[ $output == *"st_v: kpageflags: '- reason' needs a reason"* ]]
	sed -i 's/!nopfn/!gone/g; 1s/!gone/!nopfn/' "$T/states"
	lint
	[[ $output == *"reason key '!gone' is not defined"* ]]
	[[ $output == *"reason key '!nopfn' is used by no cell"* ]]
}

@test "states: a new state an interface leaves unclassified fails" {
	printf 'st_new\tbuild_new()\tsmaps\ta.f.v.entry\tb.s.v.kpf\t!nopfn\t!nopfn\n' >>"$T/states"
	lint
	[ "$status" -eq 1 ]
	[[ $output == *"7 TAB-separated fields, want 8"* ]]
}

@test "states: a glob matching no case, a case of no list, a case in both lists" {
	sed -i 's/a\.f\.w\.entry/a.f.gone.entry/' "$T/states"
	lint
	[ "$status" -eq 1 ]
	[[ $output == *"'a.f.gone.entry' matches no case"* ]]
	[[ $output == *"a.f.w.entry: belongs to no state"* ]]
	printf 'a.f.v.entry\tpagemap\talso a rule\n' >>"$T/rules"
	lint
	[[ $output == *"a.f.v.entry: is a case of state st_v and of the rule"* ]]
}

@test "states: duplicate id, empty builder or proof, unknown interface of a rule" {
	sed -n 2p "$T/states" >>"$T/states"
	sed -i '3s/\tmincore\t/\t\t/' "$T/states"
	printf 'b.rules.*\tkpagefoo\tx\n' >>"$T/rules"
	lint
	[ "$status" -eq 1 ]
	[[ $output == *"duplicate state st_v"* ]]
	[[ $output == *"st_w: empty proof"* ]]
	[[ $output == *"interface 'kpagefoo'"* ]]
}
