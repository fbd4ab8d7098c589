#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Mutation run: prove the suite catches broken kernels.
#
# For every fault of libpmcfault.so's catalogue, run the test programs that
# can observe it (those that touch the perturbed interface, learned from a
# traced baseline run) with the fault injected, and classify it from the
# results engine's verdicts (helpers/report/pmc_report.py, raw results, no
# known issues) against the baseline's:
#   killed    some case PASS -> FAIL (an assertion; ERROR = crash/timeout
#             never kills)
#   masked    some case that did not SKIP in the baseline SKIPs: a broken
#             kernel must FAIL, never SKIP. Fails the run like a survivor,
#             even when another case killed the fault.
#   survived  neither (unless ci/mutate-unobservable.txt explains why this
#             machine cannot observe it).
# Controls (harmless perturbations) must neither kill nor mask anything.
# Cases of [intermittent] known issues flip on their own: they are ignored.
#
#   ci/mutate.sh [-j N] [-o DIR] [FAULT...]
# Output: the kill matrix on stdout and in DIR/report.md (default results/mutate).
# Exit 1 when a fault survived or was masked, or a control failed.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${PMC_BUILD:-$here/build}
out=$here/results/mutate
jobs=$(nproc)
# PMC_TIMEOUT, else each program's timeout in tests/programs.tsv
per_prog_timeout=${PMC_TIMEOUT:-}

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

# run_one FAULT PROG: run PROG under FAULT into runs/FAULT, the engine's raw
# layout (PROG.list, .tap, .rc; PROG.trace for the interfaces it touched)
run_one() {
	local fault=$1 prog=$2 dir="$out/runs/$1"
	mkdir -p "$dir/$(dirname "$prog")"
	"$build/tests/$prog" --list >"$dir/$prog.list"
	PMC_FAULT=$fault PMC_FAULT_TRACE=$dir/$prog.trace LD_PRELOAD=$lib \
		timeout --kill-after=5 "${per_prog_timeout:-$(awk -v p="$prog" '$1 == p { print $2 }' "$here/tests/programs.tsv")}" "$build/tests/$prog" \
		>"$dir/$prog.tap" 2>&1
	echo $? >"$dir/$prog.rc"
}
# engine FAULT PROG...: the engine's per-case results of that run
engine() {
	local dir="$out/runs/$1"
	shift
	printf '%s\n' "$@" >"$dir/programs.txt"
	python3 "$here/helpers/report/pmc_report.py" report "$dir" --format none --json "$dir/results.json" || true
}
export -f run_one
export out lib build per_prog_timeout here

# Baseline with the library loaded and no fault: learn interfaces and results.
printf '%s\n' "${progs[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one none {}'
engine none "${progs[@]}"

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
	*) echo any ;;	# a fault of a new family: every program may see it
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
known=${KNOWN_ISSUES:-$here/known-issues.txt}

# classify FAULT: "kind<TAB>cases" from the engine's results of the run
# against the baseline's. kind: killed masked crash none
classify() {
	python3 - "$out/runs/none/results.json" "$out/runs/$1/results.json" "$known" <<'PY'
import fnmatch, json, sys
base = {t["name"]: t["result"] for t in json.load(open(sys.argv[1]))["tests"]}
try:
    run = {t["name"]: t["result"] for t in json.load(open(sys.argv[2]))["tests"]}
except (OSError, ValueError):
    run = {}
globs = []
try:
    for line in open(sys.argv[3]):
        if "[intermittent]" in line and not line.startswith("#"):
            globs.append(line.split()[0])
except OSError:
    pass
kills, masks, crashes = [], [], []
for name, res in run.items():
    if any(fnmatch.fnmatchcase(name, g) for g in globs):
        continue
    b = base.get(name)
    if res == "SKIP" and b not in (None, "SKIP"):
        masks.append(name)
    elif b == "PASS" and res == "FAIL":
        kills.append(name)
    elif b == "PASS" and res == "ERROR":
        crashes.append(name + "(crash/timeout)")
kind = "masked" if masks else "killed" if kills else "crash" if crashes else "none"
print(kind + "\t" + " ".join((masks and ["masked:"] + masks) + kills + crashes))
PY
}

killed=0 total=0 survivors=() explained=() controls_bad=() masked=()
start=$(date +%s)
for f in "${faults[@]}"; do
	mapfile -t ps < <(progs_for "$(iface_of "$f")")
	mkdir -p "$out/runs/$f"
	if [ ${#ps[@]} -gt 0 ]; then
		printf '%s\n' "${ps[@]}" | xargs -P "$jobs" -I{} bash -c "run_one '$f' {}"
	fi
	engine "$f" "${ps[@]}"
	IFS=$'\t' read -r kind cases < <(classify "$f")
	read -ra kills <<<"$cases"
	shown="${kills[*]:0:3}$([ ${#kills[@]} -gt 3 ] && echo " (+$(( ${#kills[@]} - 3 )))")"
	case $f in
	ctl-*)
		[ "$kind" = none ] || controls_bad+=("$f")
		echo "| $f (control) | ${#ps[@]} | $shown | $([ "$kind" = none ] && echo 'survived: ok' || echo "FAILED CONTROL ($kind)") |" >>"$report"
		continue ;;
	esac
	total=$((total + 1))
	if [ "$kind" = killed ]; then
		killed=$((killed + 1))
		echo "| $f | ${#ps[@]} | $shown | killed |" >>"$report"
	elif [ "$kind" = masked ]; then
		masked+=("$f")
		echo "| $f | ${#ps[@]} | $shown | MASKED (a case SKIPs under the fault) |" >>"$report"
	elif [[ -n ${unobservable[$f]:-} ]]; then
		explained+=("$f")
		echo "| $f | ${#ps[@]} |  | unobservable here: ${unobservable[$f]} |" >>"$report"
	else
		survivors+=("$f")
		echo "| $f | ${#ps[@]} | $shown | SURVIVED${cases:+ ($kind)} |" >>"$report"
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
	[ ${#masked[@]} -eq 0 ] || echo "Masked faults (a case SKIPs instead of FAILing): ${masked[*]}"
	[ ${#controls_bad[@]} -eq 0 ] && echo "Controls: all passed." || echo "Controls FAILED: ${controls_bad[*]}"
} >>"$report"
cat "$report"
"$build/bin/pmc-journal" restore >/dev/null 2>&1
[ ${#controls_bad[@]} -eq 0 ] && [ ${#survivors[@]} -eq 0 ] && [ ${#masked[@]} -eq 0 ]
