# SPDX-License-Identifier: GPL-2.0
#
# bats glue: one @test per C test program.
#
#   load ../../helpers/bats/common
#   @test "pagemap_anon" { pmc_run_program pagemap/pagemap_anon 120; }
#
# (the area bats files are generated from tests/programs.tsv: make docs)
#
# pmc_run_program AREA/PROG TIMEOUT
#   - runs $PMC_BUILD/tests/AREA/PROG under timeout(1) (bats 1.8.2's
#     BATS_TEST_TIMEOUT does not kill): $PMC_TIMEOUT s when set (a run's
#     --timeout), else TIMEOUT (the registry's), then SIGKILL
#     5 s later, in a session of its own (registered in $PMC_WORK/sessions
#     so that the next start can kill what a SIGKILLed run left);
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
# The loops below (one step per /proc entry, per output line, per case
# name) run in subshells that drop the trap first (`trap - DEBUG` there is
# local to the subshell): pmc_session_pids and pmc_stamp are subshell
# functions for that reason.

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

# stdin -> $1 (the lines) and $2 (one wall-clock time per line).
pmc_stamp() (
	trap - DEBUG
	local line
	exec 3>"$1" 4>"$2"
	while IFS= read -r line || [[ -n $line ]]; do
		printf '%s\n' "$line" >&3
		printf '%s\n' "${EPOCHREALTIME/,/.}" >&4
	done
	exec 3>&- 4>&-
)

pmc_run_program() {
	local area=${1%%/*} prog=${1##*/}
	local bin="$PMC_BUILD/tests/$area/$prog"
	local results=${RESULTS_DIR:-${BATS_RUN_TMPDIR:-/tmp}/pmc-results}
	local dir="$results/$area" rc=0 fifo stamper sid
	local timeout=${PMC_TIMEOUT:-${2:-}}
	local -a names=() tmpenv=()

	[[ $timeout =~ ^[1-9][0-9]*$ ]] || { echo "# $1: no timeout (pmc_run_program AREA/PROG SECONDS)" >&2; return 1; }
	[[ -x $bin ]] || { echo "# $bin: not built (run make)" >&2; return 1; }
	[[ -d $dir ]] || mkdir -p "$dir"
	fifo=$dir/.$prog.fifo.$BASHPID
	if [[ ${PMC_LISTED:-} == 1 && -e $dir/$prog.list ]]; then
		# run_tests.sh wrote PROG.list (filter applied) and PROG.meta.
		rm -f "$dir/$prog".{tap,rc,times} "$fifo"
		mapfile -t names <"$dir/$prog.list"
	else
		rm -f "$dir/$prog".{list,meta,tap,rc,times} "$fifo"
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
		skip "no case selected by the filter"
	fi

	# The runner points TMPDIR at its scratch dir for bats; the program
	# gets the caller's.
	case ${PMC_TMPDIR_SET-x} in
	1) tmpenv=(env "TMPDIR=$PMC_TMPDIR_ORIG") ;;
	'') tmpenv=(env -u TMPDIR) ;;
	esac

	mkfifo "$fifo"
	pmc_stamp "$dir/$prog.tap" "$dir/$prog.times" <"$fifo" &
	stamper=$!
	# In its own session: the harness runs each case in a child of its own
	# process group, which outlives a harness killed by the timeout; the
	# session finds them.
	"${tmpenv[@]}" setsid -w timeout --kill-after=5 "$timeout" "$bin" "${names[@]}" \
		>"$fifo" 2>&1 </dev/null &
	sid=$!
	[[ -n ${PMC_WORK:-} ]] && : >"$PMC_WORK/sessions/$sid"
	wait "$sid" || rc=$?
	pmc_kill_session "$sid"
	# The stamper ends when the last writer closes the FIFO; a process that
	# escaped the session must not hang the run (bounded poll, then stop:
	# 1 ms, then twice as long each time up to 50 ms, 10 s in all).
	# The naps are timed reads on a pipe nobody writes to: no sleep(1)
	# process per step.
	local ms=1 waited=0 nap t
	exec {nap}<> <(:)
	while kill -0 "$stamper" 2>/dev/null && ((waited < 10000)); do
		printf -v t '0.%03d' "$ms"
		read -r -t "$t" -u "$nap" _ || true
		((waited += ms, ms = ms * 2 > 50 ? 50 : ms * 2))
	done
	exec {nap}<&-
	kill "$stamper" 2>/dev/null || true
	wait "$stamper" || true
	rm -f "$fifo" ${PMC_WORK:+"$PMC_WORK/sessions/$sid"}
	# A harness killed by the timeout (or a signal) never ran its teardowns:
	# undo what its dead cases left (entries of live owners, e.g. --jobs
	# peers, stay). One that exited (0 pass, 1 fail, 4 skip: the kselftest
	# codes) restored its journal at exit.
	if ((rc > 4)) && [[ -x $PMC_BUILD/bin/pmc-journal ]]; then
		"$PMC_BUILD/bin/pmc-journal" restore 2>&1 | sed 's/^/# journal: /' >>"$dir/$prog.tap" || true
	fi
	echo "$rc" >"$dir/$prog.rc"

	# "failed passed": a case failed, a case passed (one pass over the TAP).
	local seen
	seen=$(awk '/^not ok / { f = 1 } /^ok [0-9]+ / && !/ # SKIP/ { p = 1 } END { print f + 0, p + 0 }' \
		"$dir/$prog.tap")
	if ((rc != 0 && rc != 4)) || [[ $seen == 1* ]]; then
		# bats shows this output for a failed test.
		grep -E '^(not ok |# [^ ]+:[0-9]+:)' "$dir/$prog.tap" >&2
		echo "# $area/$prog exited with status $rc" >&2
		return 1
	fi
	if [[ $seen != *1 ]]; then
		skip "every case skipped"
	fi
	return 0
}
