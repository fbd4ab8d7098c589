#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh: the one entry point of pagemap-conformance.
#
#  1. checks the dependencies (installs them with apt-get when root on Debian,
#     otherwise prints the exact command and exits 2);
#  2. restores knobs a killed earlier run left changed (pmc-journal restore);
#  3. builds (make O=build);
#  4. runs the bats files tests/*/*.bats: one @test per C program, each run
#     under timeout(1) by helpers/bats/common.bash;
#  5. aggregates the per-case results (helpers/bats/report.awk), applies
#     known-issues.txt and prints/writes the reports.
#
# Exit status: 0 iff no case failed (FAIL or ERROR; XFAIL and XPASS do not
# fail); 1 when some failed; 2 for usage, dependency or build errors.
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
  --timeout S          per-program timeout in seconds (default 120)
  --kernel-info        print what this kernel supports (--json: as JSON)
  --fixes              print the upstream fix report (present/MISSING/n/a);
                       exit 0 unless --strict and a fix is MISSING
  --strict             with --fixes: exit 1 when a fix is MISSING
  --restore            only undo knobs/resources left by a killed run
  --self-test          install the dependencies, then run the project's own
                       tests (make check)
  --build-dir DIR      build directory (default: build)
  --results DIR        where per-program TAP/logs go (default: BUILD/results)
  --no-build           use the existing build (do not run make)
  -h, --help           this text

Environment: PMC_TIMEOUT (as --timeout), PMC_STATE_DIR (knob journal and
locks), KSFT_DIR (kselftest headers from a kernel tree), KNOWN_ISSUES (file,
default known-issues.txt), PMC_SUITE_DIR (directory of the area bats files,
default tests; used by the self-tests).
EOF
}

die() {
	echo "$ME: $*" >&2
	exit 2
}
note() { echo "$ME: $*" >&2; }

# ------------------------------------------------------------------ options
LIST=0 FILTER= TAP=0 JUNIT= JSON= JSON_STDOUT=0 JOBS=1 KINFO=0 FIXES=0 STRICT=0
RESTORE_ONLY=0 SELFTEST=0 NOBUILD=0 BUILD=build RESULTS= TIMEOUT=${PMC_TIMEOUT:-120}
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
	--fixes) FIXES=1 ;;
	--strict) STRICT=1 ;;
	--restore) RESTORE_ONLY=1 ;;
	--self-test) SELFTEST=1 ;;
	--build-dir) need_arg "$@"; BUILD=$2; shift ;;
	--build-dir=*) BUILD=${1#*=} ;;
	--results) need_arg "$@"; RESULTS=$2; shift ;;
	--results=*) RESULTS=${1#*=} ;;
	--no-build) NOBUILD=1 ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
	shift
done

[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs needs a positive integer, not '$JOBS'"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "--timeout needs a positive number of seconds, not '$TIMEOUT'"
((STRICT == 0 || FIXES == 1)) || die "--strict only makes sense with --fixes"
((JSON_STDOUT == 0 || KINFO == 1)) || die "option --json needs a FILE argument (see --help)"
if ((HAVE_FILTER)); then
	[[ -n $FILTER ]] || die "--filter needs a non-empty regular expression"
	# [[ =~ ]] returns 2 for an invalid ERE.
	[[ x =~ $FILTER ]]
	(($? != 2)) || die "--filter: invalid regular expression '$FILTER'"
fi

# An output file must be creatable before anything runs; nothing is left
# behind when it is not.
check_output() {
	local f=$1 opt=$2 dir
	[[ -d $f ]] && die "$opt: '$f' is a directory"
	dir=$(dirname -- "$f")
	[[ -d $dir ]] || die "$opt: directory '$dir' does not exist"
	[[ -w $dir ]] || die "$opt: directory '$dir' is not writable"
	[[ ! -e $f || -w $f ]] || die "$opt: '$f' is not writable"
}
[[ -n $JUNIT ]] && check_output "$JUNIT" --junit
[[ -n $JSON ]] && check_output "$JSON" --json

[[ $BUILD = /* ]] || BUILD=$PWD/$BUILD
SUITE=${PMC_SUITE_DIR:-$PMC_ROOT/tests}
KNOWN=${KNOWN_ISSUES:-$PMC_ROOT/known-issues.txt}
is_root() { [[ $(id -u) == 0 ]]; }

# Unprivileged runs cannot write /run: keep the journal and locks private.
if ! is_root && [[ -z ${PMC_STATE_DIR:-} ]]; then
	export PMC_STATE_DIR=${XDG_RUNTIME_DIR:-/tmp}/pagemap-conformance-$(id -u)
fi

# ------------------------------------------------------------ dependencies
# package → how to tell it is installed
check_deps() {
	local -a missing=()
	command -v gcc >/dev/null || missing+=(gcc)
	command -v make >/dev/null || missing+=(make)
	command -v bats >/dev/null || missing+=(bats)
	[[ -r /usr/lib/bats/bats-assert/load.bash ]] || missing+=(bats-assert)
	[[ -r /usr/lib/bats/bats-support/load.bash ]] || missing+=(bats-support)
	[[ -r /usr/include/sys/capability.h ]] || missing+=(libcap-dev)
	command -v xz >/dev/null || missing+=(xz-utils)
	if [[ -z ${KSFT_DIR:-} && ! -r /usr/src/linux-source-6.12.tar.xz ]] &&
		! [[ -r $BUILD/ksft/kselftest.h && -r $BUILD/ksft/kselftest_harness.h ]]; then
		missing+=(linux-source-6.12)
	fi
	((SELFTEST)) && ! command -v python3 >/dev/null && missing+=(python3)
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

check_deps
restore_journal
((RESTORE_ONLY)) && { note "journal restore done"; exit 0; }

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
# Units: "bats-file <TAB> @test-name <TAB> area/prog", in file order.
declare -a U_FILE=() U_TEST=() U_PROG=()
for bf in "$SUITE"/*/*.bats; do
	while IFS=$'\t' read -r t p; do
		U_FILE+=("$bf")
		U_TEST+=("$t")
		U_PROG+=("$p")
	done < <(sed -nE 's/^@test "([^"]+)".*pmc_run_program[[:space:]]+([A-Za-z0-9_./-]+).*/\1\t\2/p' "$bf")
done
((${#U_PROG[@]})) || die "no test program listed in $SUITE/*/*.bats"

# Built programs that no bats file lists would silently never run.
for bin in "$BUILD"/tests/*/*; do
	[[ -x $bin && -f $bin ]] || continue
	p=${bin#"$BUILD"/tests/}
	[[ " ${U_PROG[*]} " == *" $p "* ]] || note "warning: $p is built but not listed in any bats file"
done

# Scratch space inside the build dir (not /tmp: a runner killed with SIGKILL
# cannot clean up; the next one removes work dirs of dead runners).
for w in "$BUILD"/.work.*; do
	kill -0 "${w##*.}" 2>/dev/null || rm -rf "$w"
done
WORK=$BUILD/.work.$$
rm -rf "$WORK"
mkdir -p "$WORK" || die "cannot create $WORK"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'note "interrupted"; cleanup; "$BUILD/bin/pmc-journal" restore >&2 2>/dev/null; trap - EXIT; exit 130' INT TERM

# Case lists (asked cases per program) and tags.
: >"$WORK/meta.tsv"
declare -a U_N=()
total=0
for i in "${!U_PROG[@]}"; do
	p=${U_PROG[i]} area=${U_PROG[i]%%/*}
	bin=$BUILD/tests/$p
	cf=$WORK/cases.$i
	: >"$cf"
	if [[ -x $bin ]]; then
		while read -r n; do
			[[ -z $FILTER || $area.$n =~ $FILTER ]] && echo "$n" >>"$cf"
		done < <("$bin" --list)
		"$bin" --meta | awk -v mode=meta -v prog="$p" -v catalogue="$PMC_ROOT/fixes.tsv" -f "$PMC_ROOT/helpers/bats/report.awk" >>"$WORK/meta.tsv"
	else
		# Listed but not built: one ERROR record, unless filtered out.
		[[ -z $FILTER || $area.${p##*/} =~ $FILTER ]] && echo "${p##*/}" >"$cf.missing"
	fi
	U_N[i]=$(wc -l <"$cf")
	[[ -e $cf.missing ]] && U_N[i]=1
	total=$((total + U_N[i]))
done

if ((LIST)); then
	for i in "${!U_PROG[@]}"; do
		sed "s/^/${U_PROG[i]%%/*}./" "$WORK/cases.$i"
	done
	exit 0
fi
((total > 0)) || die "no test case matches --filter '$FILTER' (see --list)"

# ------------------------------------------------------------ run
[[ -n $RESULTS ]] || RESULTS=$BUILD/results
[[ $RESULTS = /* ]] || RESULTS=$PWD/$RESULTS
mkdir -p "$RESULTS" || die "cannot create results directory '$RESULTS'"
for i in "${!U_PROG[@]}"; do
	d=$RESULTS/${U_PROG[i]%%/*}
	rm -f "$d/${U_PROG[i]##*/}".{cases,log,tap,rc,tsv}
done
rm -rf "$RESULTS/bats"
mkdir -p "$RESULTS/bats"

export PMC_BUILD=$BUILD RESULTS_DIR=$RESULTS PMC_FILTER=$FILTER PMC_TIMEOUT=$TIMEOUT
((TAP)) || echo "pagemap-conformance on $(uname -r): $total cases in $(printf '%s\n' "${U_N[@]}" | grep -vc '^0$') programs" >&2
START=$(date +%s.%N)

if ((JOBS == 1)); then
	# One bats invocation per area file: programs run one after the other.
	declare -A seen=()
	for i in "${!U_PROG[@]}"; do
		f=${U_FILE[i]}
		[[ -n ${seen[$f]:-} ]] && continue
		want=0
		for j in "${!U_PROG[@]}"; do
			[[ ${U_FILE[j]} == "$f" ]] && ((U_N[j] > 0)) && want=1
		done
		seen[$f]=1
		((want)) || continue
		bats --tap "$f" >"$RESULTS/bats/$(basename "$f" .bats).log" 2>&1
	done
else
	# One bats invocation per program, up to JOBS at once. Tests that need
	# global state serialise on pmc_lock inside the programs.
	for i in "${!U_PROG[@]}"; do
		((U_N[i] > 0)) || continue
		while (($(jobs -rp | wc -l) >= JOBS)); do wait -n; done
		bats --tap -f "^${U_TEST[i]}\$" "${U_FILE[i]}" \
			>"$RESULTS/bats/${U_PROG[i]//\//.}.log" 2>&1 &
		PIDS+=($!)
	done
	wait
	PIDS=()
fi
END=$(date +%s.%N)
# Anything a dead program left behind (normally nothing).
"$BUILD/bin/pmc-journal" restore 2>&1 | sed 's/^/journal: /' >&2 || true

# ------------------------------------------------------------ aggregate
: >"$WORK/raw.tsv"
for i in "${!U_PROG[@]}"; do
	((U_N[i] > 0)) || continue
	p=${U_PROG[i]} area=${p%%/*}
	tsv=$RESULTS/$area/${p##*/}.tsv
	if [[ -e $WORK/cases.$i.missing ]]; then
		printf '%s.%s\t%s\tERROR\t# program not built\n' "$area" "${p##*/}" "$p" >>"$WORK/raw.tsv"
	elif [[ -s $tsv ]]; then
		cat "$tsv" >>"$WORK/raw.tsv"
	else
		# bats never ran the program (bats error, renamed @test ...).
		sed "s|.*|$area.&\t$p\tERROR\t# the program was not run (see $RESULTS/bats)|" \
			"$WORK/cases.$i" >>"$WORK/raw.tsv"
	fi
done

"$BUILD/bin/pmc-probe" 2>/dev/null | awk 'NR > 1 { print $1 "\t" $2 }' >"$WORK/features.tsv"
if [[ ! -r $KNOWN ]]; then
	: >"$WORK/known"
	KNOWN=$WORK/known
fi
awk -v mode=apply -v release="$(uname -r)" -v kfile="$KNOWN" -v ffile="$WORK/features.tsv" \
	-f "$PMC_ROOT/helpers/bats/report.awk" "$KNOWN" "$WORK/features.tsv" "$WORK/raw.tsv" \
	>"$WORK/records.tsv" || die "known-issues could not be applied"
cp "$WORK/records.tsv" "$RESULTS/records.tsv"
cp "$WORK/meta.tsv" "$RESULTS/meta.tsv"

report() {
	awk -v mode="$1" -v mfile="$WORK/meta.tsv" -v filtered="$HAVE_FILTER" "${@:2}" -f "$PMC_ROOT/helpers/bats/report.awk" \
		"$WORK/meta.tsv" "$WORK/records.tsv"
}

if [[ -n $JUNIT ]]; then
	awk -v mode=junit -f "$PMC_ROOT/helpers/bats/report.awk" "$WORK/records.tsv" >"$JUNIT.tmp.$$" &&
		mv "$JUNIT.tmp.$$" "$JUNIT" || { rm -f "$JUNIT.tmp.$$"; die "--junit: cannot write '$JUNIT'"; }
fi
if [[ -n $JSON ]]; then
	probe=$("$BUILD/bin/pmc-probe" --json 2>/dev/null)
	feats=${probe#*\"features\":}
	feats=${feats%\}}
	[[ $feats == \{* ]] || feats="{}"
	report json -v kernel="$(uname -r)" -v features="$feats" >"$JSON.tmp.$$" &&
		mv "$JSON.tmp.$$" "$JSON" || { rm -f "$JSON.tmp.$$"; die "--json: cannot write '$JSON'"; }
fi

failed=$(awk -F'\t' '$3 == "FAIL" || $3 == "ERROR"' "$WORK/records.tsv" | wc -l)
if ((FIXES)); then
	report fixes
	missing=$(report fixes | grep -c '^  MISSING ' || true)
	((STRICT && missing > 0)) && exit 1
	exit 0
fi
if ((TAP)); then
	awk -v mode=tap -f "$PMC_ROOT/helpers/bats/report.awk" "$WORK/records.tsv"
else
	awk -v s="$START" -v e="$END" 'BEGIN { printf "wall time: %.1f s\n", e - s }' >&2
	report human
fi
((failed == 0))
