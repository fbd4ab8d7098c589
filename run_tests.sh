#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh: the one entry point of pagemap-conformance.
#
#  1. checks the dependencies (installs them with apt-get when root on Debian,
#     otherwise prints the exact command and exits 2);
#  2. restores knobs a killed earlier run left changed (pmc-journal restore);
#  3. builds (make O=build);
#  4. runs the programs the bats files tests/*/*.bats list (one @test per C
#     program), in tests/programs.tsv's order, each in a session of its own
#     under its timeout (helpers/bats/common.bash, pmc-exec): one bats
#     invocation on a run file made from them (one @test per stretch of
#     programs of one area), or one per program with --jobs N;
#  5. hands the raw results (one directory, the layout of
#     helpers/report/pmcr_raw.py) to the results engine
#     (helpers/report/pmc_report.py: cases, known-issues.txt, fix verdicts
#     from fixes.tsv, summary / TAP / JUnit / JSON).
#
# Exit status: 0 iff no case failed (FAIL or ERROR; XFAIL and XPASS do not
# fail); 1 when some failed; 4 when every case SKIPped (kselftest's skip
# code); 2 for usage, dependency, build or lock errors.
# See README.md for the options, formats and the counting rules.

set -u -o pipefail
shopt -s nullglob

PMC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PMC_ROOT
ME=run_tests.sh

usage() {
	cat <<EOF
usage: ./run_tests.sh [options]

Runs the pagemap-conformance suite on the running kernel.

  --list               print every test case name (area.fixture.variant.test)
  --filter REGEX       run only the cases whose full name matches the ERE
  --tap                print TAP 13 (one line per case) instead of the summary
  --junit FILE         also write JUnit XML (one testcase per case)
  --json FILE          also write the JSON report (see README)
  --jobs N             run up to N test programs at once (default 1)
  --timeout S          per-program timeout in seconds (default: each
                       program's in tests/programs.tsv)
  --kernel-info        print what this kernel supports (--json: as JSON)
  --fixes              print the upstream fix report (present/MISSING/n/a);
                       exit 0 unless --strict and a fix is MISSING
  --strict             with --fixes: exit 1 when a fix is MISSING
  --restore            only undo knobs/resources left by a killed run
  --self-test          install the dependencies, then run the project's own
                       tests (make check)
  --build-dir DIR      build directory (default: build)
  --results DIR        where the raw per-program results go (default:
                       BUILD/results); one run at a time per directory
  --report-from DIR    only report raw results made elsewhere (a VM, another
                       machine, an earlier run); with --tap/--json/--junit/--fixes
  --no-build           use the existing build (no compiler needed)
  -h, --help           this text

Exit status: 0 no case failed, 1 a FAIL or ERROR, 4 every case skipped,
2 usage, dependency, build, lock or output-path errors.

Environment: PMC_TIMEOUT (as --timeout), PMC_STATE_DIR (knob journal and
locks), KSFT_DIR (kselftest headers from a kernel tree), KNOWN_ISSUES (file,
default known-issues.txt), PMC_FIXES (fix catalogue, default fixes.tsv),
PMC_SUITE_DIR (directory of the area bats files, default tests; used by the
self-tests).
EOF
}

CREATED=()
drop_created() { ((${#CREATED[@]} == 0)) || rm -f -- "${CREATED[@]}"; CREATED=(); }
die() {
	echo "$ME: $*" >&2
	drop_created
	exit 2
}
note() { echo "$ME: $*" >&2; }

# ------------------------------------------------------------------ options
FIXES_MODE=0 LIST=0 FILTER= TAP=0 JUNIT= JSON= JSON_STDOUT=0 JOBS=1 KINFO=0 STRICT=0
RESTORE_ONLY=0 SELFTEST=0 NOBUILD=0 BUILD=build RESULTS= TIMEOUT=${PMC_TIMEOUT:-} REPORT_FROM=
HAVE_FILTER=0

need_arg() { [[ $# -ge 2 && -n $2 ]] || die "option $1 needs an argument (see --help)"; }
while (($#)); do
	case $1 in
	--list) LIST=1 ;;
	--filter) need_arg "$@"; FILTER=$2; HAVE_FILTER=1; shift ;;
	--filter=*) FILTER=${1#*=}; HAVE_FILTER=1 ;;
	--tap) TAP=1 ;;
	--junit) need_arg "$@"; JUNIT=$2; shift ;;
	--junit=*) JUNIT=${1#*=} ;;
	--json)
		if [[ $# -ge 2 && -n $2 && $2 != -* ]]; then JSON=$2; shift; else JSON_STDOUT=1; fi ;;
	--json=*) JSON=${1#*=} ;;
	--jobs|-j) need_arg "$@"; JOBS=$2; shift ;;
	--jobs=*) JOBS=${1#*=} ;;
	--timeout) need_arg "$@"; TIMEOUT=$2; shift ;;
	--timeout=*) TIMEOUT=${1#*=} ;;
	--kernel-info) KINFO=1 ;;
	--fixes) FIXES_MODE=1 ;;
	--strict) STRICT=1 ;;
	--restore) RESTORE_ONLY=1 ;;
	--self-test) SELFTEST=1 ;;
	--build-dir) need_arg "$@"; BUILD=$2; shift ;;
	--build-dir=*) BUILD=${1#*=} ;;
	--results) need_arg "$@"; RESULTS=$2; shift ;;
	--results=*) RESULTS=${1#*=} ;;
	--no-build) NOBUILD=1 ;;
	--report-from) need_arg "$@"; REPORT_FROM=$2; shift ;;
	--report-from=*) REPORT_FROM=${1#*=} ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
	shift
done

[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs needs a positive integer, not '$JOBS'"
[[ -z $TIMEOUT || $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "--timeout needs a positive number of seconds, not '$TIMEOUT'"
((STRICT == 0 || FIXES_MODE == 1)) || die "--strict only makes sense with --fixes"
((JSON_STDOUT == 0 || KINFO == 1)) || die "option --json needs a FILE argument (see --help)"
if ((HAVE_FILTER)); then
	[[ -n $FILTER ]] || die "--filter needs a non-empty regular expression"
	# [[ =~ ]] returns 2 for an invalid ERE.
	[[ x =~ $FILTER ]]
	(($? != 2)) || die "--filter: invalid regular expression '$FILTER'"
fi

# An output file is opened before anything runs (a permission check is not
# enough: root passes it for /proc/x.xml); one that cannot be is an error,
# and a file created by the check is removed again when the run stops early.
check_output() {
	local f=$1 opt=$2 dir
	[[ -d $f ]] && die "$opt: '$f' is a directory"
	dir=$(dirname -- "$f")
	[[ -d $dir ]] || die "$opt: directory '$dir' does not exist"
	[[ -e $f ]] || CREATED+=("$f")
	{ : >>"$f"; } 2>/dev/null || { [[ -e $f ]] || CREATED=("${CREATED[@]/"$f"}"); die "$opt: cannot write '$f'"; }
}
[[ -n $JUNIT ]] && check_output "$JUNIT" --junit
[[ -n $JSON ]] && check_output "$JSON" --json

[[ $BUILD = /* ]] || BUILD=$PWD/$BUILD
SUITE=${PMC_SUITE_DIR:-$PMC_ROOT/tests}
KNOWN=${KNOWN_ISSUES:-$PMC_ROOT/known-issues.txt}
FIXES=${PMC_FIXES:-$PMC_ROOT/fixes.tsv}
ENGINE=$PMC_ROOT/helpers/report/pmc_report.py
is_root() { [[ $(id -u) == 0 ]]; }

# Unprivileged runs cannot write /run: keep the journal and locks private.
if ! is_root && [[ -z ${PMC_STATE_DIR:-} ]]; then
	export PMC_STATE_DIR=${XDG_RUNTIME_DIR:-/tmp}/pagemap-conformance-$(id -u)
fi

# ------------------------------------------------------------ dependencies
# package → how to tell it is installed
check_deps() {
	local -a missing=()
	command -v python3 >/dev/null || missing+=(python3)
	if [[ -z $REPORT_FROM ]]; then
		command -v bats >/dev/null || missing+=(bats)
		[[ -r /usr/lib/bats/bats-assert/load.bash ]] || missing+=(bats-assert)
		[[ -r /usr/lib/bats/bats-support/load.bash ]] || missing+=(bats-support)
	fi
	# The machine under test needs no compiler with --no-build.
	if ((NOBUILD == 0)) && [[ -z $REPORT_FROM ]] || ((SELFTEST)); then
		command -v gcc >/dev/null || missing+=(gcc)
		command -v make >/dev/null || missing+=(make)
		[[ -r /usr/include/sys/capability.h ]] || missing+=(libcap-dev)
		command -v xz >/dev/null || missing+=(xz-utils)
		if [[ -z ${KSFT_DIR:-} && ! -r /usr/src/linux-source-6.12.tar.xz ]] &&
			! [[ -r $BUILD/ksft/kselftest.h && -r $BUILD/ksft/kselftest_harness.h ]]; then
			missing+=(linux-source-6.12)
		fi
	fi
	((${#missing[@]})) || return 0

	local cmd="apt-get update && apt-get install -y ${missing[*]}"
	if is_root && [[ -r /etc/debian_version ]] && command -v apt-get >/dev/null; then
		note "installing missing packages: ${missing[*]}"
		apt-get update -q >&2 ||
			die "'apt-get update' failed; run: $cmd"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 ||
			die "'apt-get install' failed; run: $cmd"
		return 0
	fi
	echo "$ME: missing packages: ${missing[*]}" >&2
	if is_root; then
		echo "$ME: install them with: $cmd" >&2
	else
		echo "$ME: install them as root with: sudo sh -c '$cmd'" >&2
	fi
	exit 2
}

# ------------------------------------------------------------ build, restore
make_quiet() {
	local log rc=0
	log=$(mktemp)
	make -C "$PMC_ROOT" -j"$(nproc)" O="$BUILD" "$@" >"$log" 2>&1 || rc=$?
	if ((rc)); then
		cat "$log" >&2
		rm -f "$log"
		die "build failed (make $*)"
	fi
	rm -f "$log"
}

restore_journal() {
	local out rc=0
	if ((NOBUILD == 0)); then
		make_quiet "$BUILD/bin/pmc-journal"
	fi
	[[ -x $BUILD/bin/pmc-journal ]] || die "$BUILD/bin/pmc-journal missing (build first)"
	out=$("$BUILD/bin/pmc-journal" restore 2>&1) || rc=$?
	if [[ -n $out ]]; then
		echo "$out" | sed 's/^/journal: /' >&2
	fi
	((rc == 0)) || note "warning: the knob journal could not be fully restored"
	return 0
}

# The results engine over a raw results directory (layout: pmcr_raw.py).
run_engine() {
	local dir=$1
	local -a a=(report "$dir")
	[[ -r $KNOWN ]] && a+=(--known "$KNOWN")
	[[ -r $FIXES ]] && a+=(--fixes "$FIXES")
	((HAVE_FILTER)) && a+=(--filtered)
	[[ -n $JSON ]] && a+=(--json "$JSON")
	[[ -n $JUNIT ]] && a+=(--junit "$JUNIT")
	if ((FIXES_MODE)); then
		a+=(--format fixes)
		((STRICT)) && a+=(--strict)
	elif ((TAP)); then
		a+=(--format tap)
	fi
	python3 "$ENGINE" "${a[@]}"
}

if [[ -n $REPORT_FROM ]]; then
	[[ -d $REPORT_FROM ]] || die "--report-from: '$REPORT_FROM' is not a directory"
	check_deps
	run_engine "$REPORT_FROM"
	exit $?
fi

check_deps

if ((SELFTEST)); then
	# The project's own tests: unit tests of the helpers and bats tests of
	# this runner. The TAP is shown, then the count line.
	out=$(mktemp)
	rc=0
	make -C "$PMC_ROOT" -j"$(nproc)" O="$BUILD" all unit >&2 || die "build failed"
	make -C "$PMC_ROOT" --no-print-directory O="$BUILD" check | tee "$out" || rc=$?
	p=$(grep -cE '^ok [0-9]+ ' "$out" | head -1)
	s=$(grep -cE '^ok [0-9]+ .*# [Ss][Kk][Ii][Pp]' "$out" | head -1)
	f=$(grep -cE '^not ok [0-9]+ ' "$out" | head -1)
	rm -f "$out"
	echo "self-test: $((p - s)) passed, $f failed, $s skipped"
	echo "$((p - s)) passed, $f failed, $s skipped"
	((rc == 0 && f == 0))
	exit $?
fi

# ------------------------------------------------------------ one run at a time
# Two runs in one build directory would mix their raw results (and builds):
# the second one stops with a clear message instead.
mkdir -p "$BUILD" || die "cannot create build directory '$BUILD'"
exec {LOCKFD}>>"$BUILD/.run.lock" || die "cannot open $BUILD/.run.lock"
if ! flock -n "$LOCKFD"; then
	die "another run_tests.sh (pid $(cat "$BUILD/.run.pid" 2>/dev/null || echo '?')) is using $BUILD: wait for it, or give this run its own --build-dir"
fi
echo $$ >"$BUILD/.run.pid"

# A run killed with SIGKILL leaves its scratch dir (bats' own run dirs are
# inside it) and may leave test programs still exiting, each in a session of
# its own (listed in WORK/sessions). They are killed and waited for before
# the journal is restored: an entry of a live owner is never undone.
# shellcheck source=helpers/bats/common.bash
source "$PMC_ROOT/helpers/bats/common.bash"
reap_dead_runs() {
	local w s i alive
	for w in "$BUILD"/.work.*; do
		[[ -d $w ]] || continue
		kill -0 "${w##*.}" 2>/dev/null && [[ ${w##*.} != "$$" ]] && continue
		for ((i = 0; i < 600; i++)); do
			alive=0
			for s in "$w"/sessions/*; do
				s=${s##*/}
				if pmc_session_alive "$s"; then
					alive=1
					kill -KILL -- "-$s" 2>/dev/null
					pmc_kill_session "$s"
				fi
			done
			((alive)) || break
			sleep 0.05	# bounded poll: the kernel is tearing them down
		done
		((alive)) && note "warning: processes of a killed run in $w are still exiting"
		rm -rf "$w"
	done
}
reap_dead_runs
restore_journal
((RESTORE_ONLY)) && { note "journal restore done"; exit 0; }

if ((NOBUILD == 0)); then
	make_quiet all
fi

if ((KINFO)); then
	if ((JSON_STDOUT)); then
		"$BUILD/bin/pmc-probe" --json
	elif [[ -n $JSON ]]; then
		"$BUILD/bin/pmc-probe" --json >"$JSON.tmp.$$" && mv "$JSON.tmp.$$" "$JSON"
		"$BUILD/bin/pmc-probe"
	else
		"$BUILD/bin/pmc-probe"
	fi
	exit $?
fi

# ------------------------------------------------------------ discover
# Units: "bats-file <TAB> @test-name <TAB> area/prog <TAB> timeout", in
# file order.
declare -a U_FILE=() U_TEST=() U_PROG=() U_TIMEOUT=()
for bf in "$SUITE"/*/*.bats; do
	while IFS=$'\t' read -r t p to; do
		U_FILE+=("$bf")
		U_TEST+=("$t")
		U_PROG+=("$p")
		U_TIMEOUT+=("$to")
	done < <(sed -nE 's/^@test "([^"]+)".*pmc_run_program[[:space:]]+([A-Za-z0-9_./-]+)[[:space:]]*([0-9]*).*/\1\t\2\t\3/p' "$bf")
done
((${#U_PROG[@]})) || die "no test program listed in $SUITE/*/*.bats"

# Run order: the registry's (tests/programs.tsv), which puts the programs
# that fault the run's warm gigantic page last, when pmc-warm has had the
# rest of the run to fault it in; units it does not list keep the bats
# files' order after them. (Another suite, PMC_SUITE_DIR, has none.)
if [[ -r $SUITE/programs.tsv ]]; then
	declare -A RANK=()
	r=0
	while IFS=$'\t' read -r p _; do
		[[ -z $p || $p == \#* ]] && continue
		RANK[$p]=$((r++))
	done <"$SUITE/programs.tsv"
	order=$(for i in "${!U_PROG[@]}"; do
		printf '%d\t%d\n' "${RANK[${U_PROG[i]}]:-$((100000 + i))}" "$i"
	done | sort -n -k1,1 | cut -f2)
	declare -a O_FILE=() O_TEST=() O_PROG=() O_TIMEOUT=()
	for i in $order; do
		O_FILE+=("${U_FILE[i]}") O_TEST+=("${U_TEST[i]}") O_PROG+=("${U_PROG[i]}")
		O_TIMEOUT+=("${U_TIMEOUT[i]}")
	done
	U_FILE=("${O_FILE[@]}") U_TEST=("${O_TEST[@]}") U_PROG=("${O_PROG[@]}")
	U_TIMEOUT=("${O_TIMEOUT[@]}")
	unset O_FILE O_TEST O_PROG O_TIMEOUT RANK
fi

# Built programs that no bats file lists would silently never run.
for bin in "$BUILD"/tests/*/*; do
	[[ -x $bin && -f $bin ]] || continue
	p=${bin#"$BUILD"/tests/}
	[[ " ${U_PROG[*]} " == *" $p "* ]] || note "warning: $p is built but not listed in any bats file"
done

# Scratch space inside the build dir (not /tmp: a runner killed with SIGKILL
# cannot clean up; the next start removes it, see reap_dead_runs).
WORK=$BUILD/.work.$$
rm -rf "$WORK"
mkdir -p "$WORK/sessions" "$WORK/tmp" || die "cannot create $WORK"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'note "interrupted"; cleanup; "$BUILD/bin/pmc-journal" restore >&2 2>/dev/null; trap - EXIT; exit 130' INT TERM

# A full run keeps a warm 1 GiB hugetlb page for its programs (pmc-warm,
# helpers/states/hugetlb.h): faulted once in the background while the first
# programs run, instead of in pagemap_hugetlb, where its first fault costs
# 2-3 s in a VM whose host backs the memory then. It starts before the
# case listing, which its reservation (~0.1 s) overlaps. Its stdin is a pipe
# closed when the programs are done (or this runner dies); the programs
# do not inherit it. A filtered run faults the page where a case needs it;
# another suite (PMC_SUITE_DIR: the self-tests' fake one) gets none.
WARM_PID=
if ((LIST == 0 && HAVE_FILTER == 0)) && is_root && [[ $SUITE == "$PMC_ROOT/tests" && -x $BUILD/bin/pmc-warm ]]; then
	exec {WARMFD}> >(exec "$BUILD/bin/pmc-warm" >"$WORK/warm.log" 2>&1 {LOCKFD}>&-)
	WARM_PID=$!
else
	exec {WARMFD}>/dev/null
fi

# Asked cases per program.
declare -a U_N=()
total=0
for i in "${!U_PROG[@]}"; do
	p=${U_PROG[i]} area=${U_PROG[i]%%/*}
	bin=$BUILD/tests/$p
	cf=$WORK/cases.$i
	names=() tags=()
	if [[ -x $bin ]]; then
		# One run for both (pmc_test.h): the names, then the tag lines.
		while IFS= read -r n; do
			if [[ $n == \{* ]]; then
				tags+=("$n")
			elif [[ -z $FILTER || $area.$n =~ $FILTER ]]; then
				names+=("$n")
			fi
		done < <("$bin" --list --meta {WARMFD}>&-)
	else
		# Listed but not built: one ERROR record, unless filtered out.
		[[ -z $FILTER || $area.${p##*/} =~ $FILTER ]] && echo "${p##*/}" >"$cf.missing"
	fi
	{ ((${#names[@]} == 0)) || printf '%s\n' "${names[@]}"; } >"$cf"
	{ ((${#tags[@]} == 0)) || printf '%s\n' "${tags[@]}"; } >"$cf.meta"
	U_N[i]=${#names[@]}
	[[ -e $cf.missing ]] && U_N[i]=1
	total=$((total + U_N[i]))
done
((total > 0)) || die "no test case matches --filter '$FILTER' (see --list)"

if ((LIST)); then
	for i in "${!U_PROG[@]}"; do
		sed "s/^/${U_PROG[i]%%/*}./" "$WORK/cases.$i"
	done
	exit 0
fi

# ------------------------------------------------------------ raw results
# The one raw layout (helpers/report/pmcr_raw.py): what is run, the cases
# asked, the tags; the programs add .tap/.rc/.times (common.bash).
[[ -n $RESULTS ]] || RESULTS=$BUILD/results
[[ $RESULTS = /* ]] || RESULTS=$PWD/$RESULTS
mkdir -p "$RESULTS" || die "cannot create results directory '$RESULTS'"
exec {RLOCKFD}>>"$RESULTS/.run.lock" || die "cannot open $RESULTS/.run.lock"
flock -n "$RLOCKFD" || die "another run_tests.sh is writing $RESULTS: wait for it, or pass --results DIR"
stale=()
for i in "${!U_PROG[@]}"; do
	stale+=("$RESULTS/${U_PROG[i]}".{list,meta,tap,rc,times,missing,cases,log,tsv})
done
rm -f "${stale[@]}"
rm -rf "$RESULTS/bats"
rm -f "$RESULTS"/{programs.txt,kernel.txt,features.json,status.txt,records.tsv,meta.tsv,warm.log}
mkdir -p "$RESULTS/bats"
: >"$RESULTS/programs.txt"
# cp without a process per file (62 of them per run).
copy_lines() {
	local -a l
	mapfile -t l <"$1"
	{ ((${#l[@]} == 0)) || printf '%s\n' "${l[@]}"; } >"$2"
}
for i in "${!U_PROG[@]}"; do
	((U_N[i] > 0)) || continue
	p=${U_PROG[i]}
	[[ -d $RESULTS/${p%%/*} ]] || mkdir -p "$RESULTS/${p%%/*}"
	echo "$p" >>"$RESULTS/programs.txt"
	if [[ -e $WORK/cases.$i.missing ]]; then
		: >"$RESULTS/$p.missing"
	else
		copy_lines "$WORK/cases.$i" "$RESULTS/$p.list"
		copy_lines "$WORK/cases.$i.meta" "$RESULTS/$p.meta"
	fi
done
uname -r >"$RESULTS/kernel.txt"
"$BUILD/bin/pmc-probe" --json >"$RESULTS/features.json" 2>/dev/null || echo '{}' >"$RESULTS/features.json"
# The kernel config, decompressed once for the run: a program's every
# pmc_kconfig() lookup in /proc/config.gz runs gzip (~180 a run, 0.5 s of
# CPU here). KCONFIG_PATH is the lookup's first place (helpers/env/probe.h);
# one the caller set stays.
if [[ -z ${KCONFIG_PATH:-} && -r /proc/config.gz ]] &&
	gzip -dc /proc/config.gz >"$WORK/kconfig" 2>/dev/null; then
	export KCONFIG_PATH=$WORK/kconfig	# not *.gz: that suffix means gzip
fi

# ------------------------------------------------------------ run
# PMC_LISTED: PROG.list and PROG.meta are written above (pmc_run_program
# takes them instead of asking the program again).
export PMC_BUILD=$BUILD RESULTS_DIR=$RESULTS PMC_FILTER=$FILTER PMC_TIMEOUT=$TIMEOUT PMC_WORK=$WORK \
	PMC_LISTED=1
# bats makes its run directories under TMPDIR: inside WORK, so that a killed
# run leaves none behind; the programs get the caller's TMPDIR back.
export PMC_TMPDIR_SET=${TMPDIR+1} PMC_TMPDIR_ORIG=${TMPDIR-}
((TAP)) || echo "pagemap-conformance on $(uname -r): $total cases in $(printf '%s\n' "${U_N[@]}" | grep -vc '^0$') programs" >&2
START=$(date +%s.%N)

if [[ -n $WARM_PID ]]; then
	# The programs start once pmc-warm has reserved its page and put its
	# marker down (or said why it holds nothing; bounded, 10 s): a program
	# that reserved a gigantic page of its own beside it would pay the
	# first fault that the warm page is there to save, twice.
	for ((w = 0; w < 1000; w++)); do
		compgen -G "${PMC_STATE_DIR:-/run/pagemap-conformance}/hugetlb-warm-*" >/dev/null && break
		[[ -s $WORK/warm.log ]] && break
		sleep 0.01
	done
	((w < 1000)) || note "pmc-warm put no marker down in 10 s: the programs may reserve their own gigantic pages"
fi

if ((JOBS == 1)); then
	# One bats invocation, on a run file made here from the units in run
	# order: one @test per stretch of consecutive programs of one area,
	# which runs them one after the other (pmc_run_programs). bats takes
	# ~25 ms to start a test, 0.8 s a run with a test per program
	# (docs/speed.md); the area files' per-program tests stay for --jobs and
	# for running an area file alone.
	runfile=$WORK/run.bats
	{
		echo "load $PMC_ROOT/helpers/bats/common"
		last= names= args=
		for i in "${!U_PROG[@]}"; do
			((U_N[i] > 0)) || continue
			a=${U_PROG[i]%%/*}
			if [[ -n $last && $a != "$last" ]]; then
				printf '@test "%s:%s" { pmc_run_programs%s; }\n' "$last" "$names" "$args"
				names= args=
			fi
			last=$a names+=" ${U_TEST[i]}" args+=" ${U_PROG[i]} ${U_TIMEOUT[i]:-0}"
		done
		printf '@test "%s:%s" { pmc_run_programs%s; }\n' "$last" "$names" "$args"
	} >"$runfile"
	TMPDIR=$WORK/tmp bats --tap "$runfile" \
		>"$RESULTS/bats/run.log" 2>&1 {LOCKFD}>&- {RLOCKFD}>&- {WARMFD}>&-
else
	# One bats invocation per program, up to JOBS at once. Tests that need
	# global state serialise on pmc_lock inside the programs.
	for i in "${!U_PROG[@]}"; do
		((U_N[i] > 0)) || continue
		while (($(jobs -rp | wc -l) >= JOBS)); do wait -n; done
		TMPDIR=$WORK/tmp bats --tap -f "^${U_TEST[i]}\$" "${U_FILE[i]}" \
			>"$RESULTS/bats/${U_PROG[i]//\//.}.log" 2>&1 {LOCKFD}>&- {RLOCKFD}>&- {WARMFD}>&- &
		PIDS+=($!)
	done
	# The programs' jobs by pid: a bare `wait` also waits for pmc-warm's
	# process substitution, which ends only when WARMFD closes below.
	wait "${PIDS[@]}"
	PIDS=()
fi
END=$(date +%s.%N)
exec {WARMFD}>&-
[[ -z $WARM_PID ]] || { wait "$WARM_PID"; copy_lines "$WORK/warm.log" "$RESULTS/warm.log"; }
# Anything a dead program left behind (normally nothing).
"$BUILD/bin/pmc-journal" restore 2>&1 | sed 's/^/journal: /' >&2 || true

# ------------------------------------------------------------ report
if ((TAP == 0 && FIXES_MODE == 0)); then
	awk -v s="$START" -v e="$END" 'BEGIN { printf "wall time: %.1f s\n", e - s }' >&2
fi
CREATED=()
run_engine "$RESULTS"
