#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Mutation run: prove the suite catches broken kernels.
#
# For every fault of libpmcfault.so's catalogue, run the test programs that
# can observe it (those that touch the perturbed interface, learned from a
# traced baseline run) with the fault injected, and record which test cases
# turned from PASS to FAIL. A fault is "killed" when at least one case fails
# by an assertion (a decoded "# file:line:" line), not by a crash or a
# timeout. Controls (harmless perturbations) must kill nothing.
#
#   ci/mutate.sh [-j N] [-o DIR] [FAULT...]
# Output: the kill matrix on stdout and in DIR/report.md (default results/mutate).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${PMC_BUILD:-$here/build}
out=$here/results/mutate
jobs=$(nproc)
per_prog_timeout=${PMC_TIMEOUT:-120}

while [ $# -gt 0 ]; do
	case $1 in
	-j) jobs=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	-h|--help) sed -n '3,15p' "$0"; exit 0 ;;
	-*) echo "mutate: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
lib=$build/libpmcfault.so
[ -r "$lib" ] || { echo "mutate: $lib missing: run 'make mutate'" >&2; exit 2; }
[ "$(id -u)" = 0 ] || echo "mutate: warning: not root: most faults cannot be observed" >&2
mkdir -p "$out" || exit 2
rm -rf "$out/runs"; mkdir -p "$out/runs"
"$build/bin/pmc-journal" restore >/dev/null 2>&1

mapfile -t progs < <(cd "$build/tests" && ls -d */* 2>/dev/null | sort)
[ ${#progs[@]} -gt 0 ] || { echo "mutate: no test programs under $build/tests" >&2; exit 2; }

# run_one FAULT PROG: run PROG under FAULT, TAP to runs/FAULT/PROG.tap
run_one() {
	local fault=$1 prog=$2 dir="$out/runs/$1"
	mkdir -p "$dir/$(dirname "$prog")"
	PMC_FAULT=$fault PMC_FAULT_TRACE=$dir/$prog.trace LD_PRELOAD=$lib \
		timeout --kill-after=5 "$per_prog_timeout" "$build/tests/$prog" \
		>"$dir/$prog.tap" 2>&1
	echo $? >"$dir/$prog.rc"
}
export -f run_one
export out lib build per_prog_timeout

# Baseline with the library loaded and no fault: learn interfaces and results.
printf '%s\n' "${progs[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one none {}'

# Which programs can see a fault: by the interface its name perturbs.
iface_of() {
	case $1 in
	ctl-*|none) echo any ;;
	pm-*) echo pagemap ;;
	kpf-*) echo kpageflags ;;
	kpcg-*) echo kpagecgroup ;;
	kpc-*) echo kpagecount ;;
	kp-*) echo kpage ;;
	scan-*) echo scan ;;
	esac
}
progs_for() {
	local want=$1 p t
	for p in "${progs[@]}"; do
		t=$out/runs/none/$p.trace
		case $want in
		any) echo "$p" ;;
		kpage) grep -qE '^kpage' "$t" 2>/dev/null && echo "$p" ;;
		*) grep -qx "$want" "$t" 2>/dev/null && echo "$p" ;;
		esac
	done
}

# Case results of one run: "name RESULT" lines (RESULT PASS/FAIL/SKIP).
cases() {
	sed -nE 's/^ok [0-9]+ ([^ ]+) # (SKIP|skip).*/\1 SKIP/p; t; s/^ok [0-9]+ ([^ ]+).*/\1 PASS/p; s/^not ok [0-9]+ ([^ ]+).*/\1 FAIL/p' "$1" 2>/dev/null
}

# The output of one case: from its "RUN name" line to its result line.
case_block() {
	awk -v n="$2" '$0 ~ "RUN +" n " " {on=1} on {print} on && $0 ~ "^(not )?ok [0-9]+ " n "( |$)" {exit}' "$1"
}

mapfile -t faults < <(if [ $# -gt 0 ]; then printf '%s\n' "$@"; else
	PMC_FAULT=list LD_PRELOAD=$lib /bin/true | cut -f1 | grep -vx none; fi)

report=$out/report.md
{
	echo "# Mutation run $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -r)"
	echo
	echo "| fault | programs run | killed by (first 3 cases) | kind |"
	echo "|---|---|---|---|"
} >"$report"
# Reasons a fault cannot be observed on this machine (shown, counted apart).
declare -A unobservable=()
while IFS=$'\t' read -r name why; do
	[[ -z $name || $name == \#* ]] || unobservable[$name]=$why
done <"$here/ci/mutate-unobservable.txt"

# Cases of documented intermittent kernel deviations flip on their own:
# they can neither kill a fault nor fail a control.
intermittent=()
while read -r glob _ _ reason; do	# <glob> <conditions> <symptom> <reason>
	[[ $reason == "[intermittent]"* ]] && intermittent+=("$glob")
done < <(grep -v '^#' "${KNOWN_ISSUES:-$here/known-issues.txt}" 2>/dev/null)
is_intermittent() {
	local g
	for g in "${intermittent[@]}"; do
		# shellcheck disable=SC2053
		[[ $1 == $g ]] && return 0
	done
	return 1
}

killed=0 total=0 survivors=() explained=() controls_bad=()
start=$(date +%s)
for f in "${faults[@]}"; do
	mapfile -t ps < <(progs_for "$(iface_of "$f")")
	if [ ${#ps[@]} -gt 0 ]; then
		printf '%s\n' "${ps[@]}" | xargs -P "$jobs" -I{} bash -c "run_one '$f' {}"
	fi
	kills=() kind=assertion
	for p in "${ps[@]}"; do
		area=${p%%/*}
		while read -r name res; do
			base=$(cases "$out/runs/none/$p.tap" | awk -v n="$name" '$1==n{print $2}')
			[ "$base" = PASS ] && [ "$res" = FAIL ] || continue
			is_intermittent "$area.$name" && continue
			# Killed by an assertion only if the case's own block holds a
			# decoded check line ("# file:line:test:...").
			if case_block "$out/runs/$f/$p.tap" "$name" | grep -qE "^# [^ ]+:[0-9]+:"; then
				kills+=("$area.$name")
			else
				kills+=("$area.$name(crash/timeout)"); kind=crash
			fi
		done < <(cases "$out/runs/$f/$p.tap")
		# A program that died before reporting is a crash, never a kill.
		rc=$(cat "$out/runs/$f/$p.rc" 2>/dev/null)
		{ [ "$rc" = 124 ] || [ "$rc" = 137 ]; } && kind=timeout
	done
	case $f in
	ctl-*)
		[ ${#kills[@]} -eq 0 ] || controls_bad+=("$f")
		echo "| $f (control) | ${#ps[@]} | ${kills[*]:0:3} | $([ ${#kills[@]} -eq 0 ] && echo 'survived: ok' || echo 'FAILED CONTROL') |" >>"$report"
		continue ;;
	esac
	total=$((total + 1))
	if [ ${#kills[@]} -gt 0 ] && [ "$kind" = assertion ]; then
		killed=$((killed + 1))
		echo "| $f | ${#ps[@]} | ${kills[*]:0:3}$([ ${#kills[@]} -gt 3 ] && echo " (+$(( ${#kills[@]} - 3 )))") | $kind |" >>"$report"
	elif [[ -n ${unobservable[$f]:-} ]]; then
		explained+=("$f")
		echo "| $f | ${#ps[@]} |  | unobservable here: ${unobservable[$f]} |" >>"$report"
	else
		survivors+=("$f")
		echo "| $f | ${#ps[@]} | ${kills[*]:0:3} | SURVIVED${kills:+ ($kind)} |" >>"$report"
	fi
done
elapsed=$(( $(date +%s) - start ))
rate=$(awk -v k=$killed -v t=$total 'BEGIN{printf "%.1f", t ? 100*k/t : 0}')
observable=$((total - ${#explained[@]}))
orate=$(awk -v k=$killed -v t=$observable 'BEGIN{printf "%.1f", t ? 100*k/t : 0}')
{
	echo
	echo "Kill rate: $killed/$total faults ($rate%); of the faults observable here: $killed/$observable ($orate%); ${elapsed}s."
	[ ${#explained[@]} -eq 0 ] || echo "Unobservable here (ci/mutate-unobservable.txt): ${explained[*]}"
	[ ${#survivors[@]} -eq 0 ] || echo "Surviving faults: ${survivors[*]}"
	[ ${#controls_bad[@]} -eq 0 ] && echo "Controls: all passed." || echo "Controls FAILED: ${controls_bad[*]}"
} >>"$report"
cat "$report"
"$build/bin/pmc-journal" restore >/dev/null 2>&1
[ ${#controls_bad[@]} -eq 0 ]
