# SPDX-License-Identifier: GPL-2.0
#
# bats glue: one @test per C test program (the area files), or one per
# stretch of programs (run_tests.sh's run file: pmc_run_programs).
#
#   load ../../helpers/bats/common
#   @test "pagemap_anon" { pmc_run_program pagemap/pagemap_anon 120; }
#
# (the area bats files are generated from tests/programs.tsv: make docs)
#
# pmc_run_program AREA/PROG TIMEOUT (and pmc_run_programs, below, for several)
#   - runs $PMC_BUILD/tests/AREA/PROG through $PMC_BUILD/bin/pmc-exec
#     (helpers/tools/pmc-exec.c; bats 1.8.2's BATS_TEST_TIMEOUT does not
#     kill): timeout(1)'s SIGTERM after $PMC_TIMEOUT s when set (a run's
#     --timeout), else TIMEOUT (the registry's), then SIGKILL 5 s later, in
#     a session of its own (registered in $PMC_WORK/sessions so that the
#     next start can kill what a SIGKILLed run left);
#   - passes the selected case names (from `PROG --list`, full names
#     AREA.fixture.variant.test matched against the ERE $PMC_FILTER);
#     no case selected → the bats test is skipped and nothing is recorded;
#   - writes the raw results into $RESULTS_DIR/AREA/ (the layout the results
#     engine reads, helpers/report/pmcr_raw.py): PROG.list (asked), PROG.meta,
#     PROG.tap (stdout + stderr, interleaved), PROG.times (the wall-clock
#     time of each line of PROG.tap), PROG.rc (exit status);
#   - fails iff the program reported a failure, crashed or timed out; skips
#     iff every case it reported skipped. The verdicts themselves (known
#     issues, ERROR for unreported cases, ...) are the engine's.
#
# Defaults make a bats file runnable on its own: `bats tests/pagemap`.
#
# Speed: bats runs a test with functrace (set -T) and a DEBUG trap that
# records every command for its failure report, about 100 us per command.
# The loops below (one step per /proc entry, per case name) run in
# subshells that drop the trap first (`trap - DEBUG` there is local to the
# subshell): pmc_session_pids is a subshell function for that reason; the
# loop over the program's output lines is pmc-exec's, in C.

PMC_ROOT=${PMC_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PMC_BUILD=${PMC_BUILD:-$PMC_ROOT/build}

# Processes of session $1 (test children of a killed harness included).
pmc_session_pids() (
	trap - DEBUG
	local sid=$1 f st pid
	local -a fields
	for f in /proc/[0-9]*/stat; do
		{ read -r st <"$f"; } 2>/dev/null || continue
		pid=${st%% *}
		fields=(${st##*) })	# state ppid pgrp session ...
		[[ ${fields[3]:-} == "$sid" && ${fields[0]} != Z ]] && echo "$pid"
	done
	return 0
)
pmc_session_alive() { [[ -n $(pmc_session_pids "$1") ]]; }

# SIGKILL what is left of session $1 (its leader excepted).
pmc_kill_session() {
	local pid
	for pid in $(pmc_session_pids "$1"); do
		[[ $pid != "$1" ]] && kill -KILL "$pid" 2>/dev/null
	done
	return 0
}

# pmc_run_one AREA/PROG TIMEOUT: pmc_run_program without bats' skip (which
# ends the whole @test): returns 0 (a case passed, none failed), 1 (failed,
# crashed or timed out) or 4 (nothing passed: PMC_SKIP_WHY says why).
pmc_run_one() {
	local area=${1%%/*} prog=${1##*/}
	local bin="$PMC_BUILD/tests/$area/$prog"
	local results=${RESULTS_DIR:-${BATS_RUN_TMPDIR:-/tmp}/pmc-results}
	local dir="$results/$area" rc=0 seen
	local timeout=${PMC_TIMEOUT:-${2:-}}
	local -a names=() tmpenv=()

	[[ $timeout =~ ^[1-9][0-9]*$ ]] || { echo "# $1: no timeout (pmc_run_program AREA/PROG SECONDS)" >&2; return 1; }
	[[ -x $bin ]] || { echo "# $bin: not built (run make)" >&2; return 1; }
	[[ -d $dir ]] || mkdir -p "$dir"
	if [[ ${PMC_LISTED:-} == 1 && -e $dir/$prog.list ]]; then
		# run_tests.sh wrote PROG.list (filter applied) and PROG.meta, and
		# removed the rest of an earlier run's files.
		mapfile -t names <"$dir/$prog.list"
	else
		rm -f "$dir/$prog".{list,meta,tap,rc,times}
		mapfile -t names < <(trap - DEBUG; "$bin" --list | while read -r n; do
			if [[ -z ${PMC_FILTER:-} ]] || [[ $area.$n =~ $PMC_FILTER ]]; then
				printf '%s\n' "$n"
			fi
		done)
		((${#names[@]} == 0)) || printf '%s\n' "${names[@]}" >"$dir/$prog.list"
		"$bin" --meta >"$dir/$prog.meta" 2>/dev/null
	fi
	if ((${#names[@]} == 0)); then
		rm -f "$dir/$prog".{list,meta}
		PMC_SKIP_WHY="no case selected by the filter"
		return 4
	fi

	# The runner points TMPDIR at its scratch dir for bats; the program
	# gets the caller's.
	case ${PMC_TMPDIR_SET-x} in
	1) tmpenv=(--setenv "TMPDIR=$PMC_TMPDIR_ORIG") ;;
	'') tmpenv=(--unsetenv TMPDIR) ;;
	esac

	# pmc-exec: its own session, the timeout, the TAP lines and their
	# times, the exit status; prints whether a case failed and one passed.
	seen=$("$PMC_BUILD/bin/pmc-exec" --timeout "$timeout" --kill-after 5 \
		${PMC_WORK:+--sessions "$PMC_WORK/sessions"} "${tmpenv[@]}" \
		"$dir/$prog.tap" "$dir/$prog.times" "$dir/$prog.rc" -- "$bin" "${names[@]}") ||
		{ echo "# $bin: pmc-exec could not run it" >&2; return 1; }
	read -r rc <"$dir/$prog.rc"
	# A harness killed by the timeout (or a signal) never ran its teardowns:
	# undo what its dead cases left (entries of live owners, e.g. --jobs
	# peers, stay). One that exited (0 pass, 1 fail, 4 skip: the kselftest
	# codes) restored its journal at exit.
	if ((rc > 4)) && [[ -x $PMC_BUILD/bin/pmc-journal ]]; then
		"$PMC_BUILD/bin/pmc-journal" restore 2>&1 | sed 's/^/# journal: /' >>"$dir/$prog.tap" || true
	fi
	# seen: "FAILED PASSED", whether a case failed and one passed.
	if ((rc != 0 && rc != 4)) || [[ $seen == 1* ]]; then
		# bats shows this output for a failed test.
		grep -E '^(not ok |# [^ ]+:[0-9]+:)' "$dir/$prog.tap" >&2
		echo "# $area/$prog exited with status $rc" >&2
		return 1
	fi
	if [[ $seen != *1 ]]; then
		PMC_SKIP_WHY="every case skipped"
		return 4
	fi
	return 0
}

pmc_run_program() {
	local r=0

	pmc_run_one "$@" || r=$?
	if ((r == 4)); then
		skip "$PMC_SKIP_WHY"
	fi
	return "$r"
}

# pmc_run_programs AREA/PROG TIMEOUT [AREA/PROG TIMEOUT]...: one bats test
# for several programs, run one after the other (run_tests.sh's run file:
# bats takes ~25 ms to start a test). Fails iff one of them failed, skips
# iff none passed.
pmc_run_programs() {
	local r=0

	# The loop in a subshell without bats' DEBUG trap (see Speed above):
	# 1 a program failed, 4 none passed, 0 otherwise.
	(
		trap - DEBUG
		failed=0 passed=0
		while (($# >= 2)); do
			r=0
			pmc_run_one "$1" "$2" || r=$?
			if ((r == 0)); then
				passed=$((passed + 1))
			elif ((r != 4)); then
				failed=$((failed + 1))
			fi
			shift 2
		done
		if ((failed)); then
			echo "# $failed program(s) failed" >&2
			exit 1
		fi
		((passed)) || exit 4
		exit 0
	) || r=$?
	if ((r == 4)); then
		skip "no case passed"
	fi
	return "$r"
}
