# SPDX-License-Identifier: GPL-2.0
#
# bats glue: one @test per C test program.
#
#   load ../../helpers/bats/common
#   @test "pagemap_anon" { pmc_run_program pagemap/pagemap_anon; }
#
# pmc_run_program AREA/PROG
#   - runs $PMC_BUILD/tests/AREA/PROG under timeout(1) (bats 1.8.2's
#     BATS_TEST_TIMEOUT does not kill): ${PMC_TIMEOUT:-120} s, then SIGKILL
#     5 s later;
#   - passes the selected case names (from `PROG --list`, full names
#     AREA.fixture.variant.test matched against the ERE $PMC_FILTER);
#     no case selected → the bats test is skipped and nothing is recorded;
#   - saves into $RESULTS_DIR/AREA/: PROG.cases (asked), PROG.log (stdout +
#     stderr, interleaved), PROG.tap (the TAP lines of it), PROG.rc (exit
#     status), PROG.tsv (per-case results, see tap2cases.awk);
#   - fails iff a case failed, the program crashed or timed out (a case it
#     never reported is an ERROR), skips iff every case skipped.
#
# Defaults make a bats file runnable on its own: `bats tests/pagemap`.

PMC_ROOT=${PMC_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PMC_BUILD=${PMC_BUILD:-$PMC_ROOT/build}

# SIGKILL what is left of session $1 (test children of a killed harness).
pmc_kill_session() {
	local sid=$1 f st pid
	local -a fields
	for f in /proc/[0-9]*/stat; do
		read -r st <"$f" 2>/dev/null || continue
		pid=${st%% *}
		fields=(${st##*) })	# state ppid pgrp session ...
		[[ ${fields[3]:-} == "$sid" && $pid != "$sid" ]] && kill -KILL "$pid" 2>/dev/null
	done
	return 0
}

pmc_run_program() {
	local area=${1%%/*} prog=${1##*/}
	local bin="$PMC_BUILD/tests/$area/$prog"
	local results=${RESULTS_DIR:-${BATS_RUN_TMPDIR:-/tmp}/pmc-results}
	local dir="$results/$area" rc=0 n total failed skipped
	local -a names=()

	[[ -x $bin ]] || { echo "# $bin: not built (run make)" >&2; return 1; }
	mkdir -p "$dir"
	rm -f "$dir/$prog".{cases,log,tap,rc,tsv}

	mapfile -t names < <("$bin" --list | while read -r n; do
		if [[ -z ${PMC_FILTER:-} ]] || [[ $area.$n =~ $PMC_FILTER ]]; then
			printf '%s\n' "$n"
		fi
	done)
	if ((${#names[@]} == 0)); then
		skip "no case selected by the filter"
	fi
	printf '%s\n' "${names[@]}" >"$dir/$prog.cases"

	# In its own session: the harness runs each case in a child of its own
	# process group, which outlives a harness killed by the timeout; the
	# session finds them.
	setsid -w timeout --kill-after=5 "${PMC_TIMEOUT:-120}" "$bin" "${names[@]}" \
		>"$dir/$prog.log" 2>&1 </dev/null &
	local sid=$!
	wait "$sid" || rc=$?
	pmc_kill_session "$sid"
	# A harness killed by the timeout never ran its teardowns: undo what its
	# dead cases left (entries of live owners, e.g. --jobs peers, stay).
	if ((rc != 0)) && [[ -x $PMC_BUILD/bin/pmc-journal ]]; then
		"$PMC_BUILD/bin/pmc-journal" restore 2>&1 | sed 's/^/# journal: /' >>"$dir/$prog.log" || true
	fi
	echo "$rc" >"$dir/$prog.rc"
	grep -E '^(TAP version|1\.\.|(not )?ok [0-9]|#)' "$dir/$prog.log" >"$dir/$prog.tap" || true
	awk -v area="$area" -v prog="$prog" -v rc="$rc" \
		-f "$PMC_ROOT/helpers/bats/tap2cases.awk" \
		"$dir/$prog.cases" "$dir/$prog.log" >"$dir/$prog.tsv"

	total=$(wc -l <"$dir/$prog.tsv")
	failed=$(awk -F'\t' '$3 == "FAIL" || $3 == "ERROR"' "$dir/$prog.tsv" | wc -l)
	skipped=$(awk -F'\t' '$3 == "SKIP"' "$dir/$prog.tsv" | wc -l)
	if ((failed > 0)); then
		# bats shows this output for a failed test.
		awk -F'\t' '$3 == "FAIL" || $3 == "ERROR" {
			n = split($4, l, "\037"); print $3 " " $1
			for (i = 1; i <= n; i++) print "    " l[i] }' "$dir/$prog.tsv" >&2
		return 1
	fi
	if ((rc != 0 && rc != 4)); then
		# Every asked case reported, yet the program failed (exit after
		# the last case): treat as a crash.
		echo "# $area/$prog exited with status $rc" >&2
		return 1
	fi
	if ((total > 0 && skipped == total)); then
		skip "$(awk -F'\t' 'NR == 1 { print $4 }' "$dir/$prog.tsv")"
	fi
	return 0
}
