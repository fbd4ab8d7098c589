#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Mutation run: prove the suite catches broken kernels.
#
# For every fault of libpmcfault.so's catalogue, run the whole suite (every
# test program, each in its own process) with the fault injected, and
# classify it twice from the results engine's verdicts
# (helpers/report/pmc_report.py, raw results, no known issues) against the
# baseline's: over the cases of the area the fault perturbs alone (pm-* ->
# pagemap, kpf-/kpc-/kpcg-/kp-* -> kpageflags, scan-* -> scan_ioctl; the
# programs of an area do not depend on the others, so its cases of the suite
# run are the area's own run) and over the whole suite:
#   killed    some case PASS -> FAIL (an assertion; ERROR = crash/timeout
#             never kills)
#   masked    some case that did not SKIP in the baseline SKIPs: a broken
#             kernel must FAIL, never SKIP. Fails the run like a survivor,
#             even when another case killed the fault.
#   survived  neither (unless ci/mutate-unobservable.txt explains why this
#             machine cannot observe it).
# A fault counts as killed only when both its area and the suite kill it and
# neither masks it. Controls (harmless perturbations) must neither kill nor
# mask anything in the suite. Cases of [intermittent] known issues flip on
# their own: they are ignored.
# The baseline and each fault's batch run under the host lock
# ($PMC_HOST_LOCK, /tmp/pmc-host.lock), the knob journal restored inside it,
# so other runs on the machine can take turns between two faults. Run under
# a `flock` of that lock already (an ancestor holds it), or with
# PMC_HOST_LOCK= (empty), it takes no lock of its own.
#
#   ci/mutate.sh [-j N (default 2)] [-o DIR] [--reclassify] [FAULT...]
# --reclassify: run nothing, classify the runs already in DIR/runs again
# (e.g. after ci/mutate-unobservable.txt or known-issues.txt changed).
# Output: the kill matrix on stdout and in DIR/report.md (default results/mutate).
# Exit 1 when a fault survived or was masked, or a control failed.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${PMC_BUILD:-$here/build}
out=$here/results/mutate
jobs=2
reclassify=
# PMC_TIMEOUT, else each program's timeout in tests/programs.tsv
per_prog_timeout=${PMC_TIMEOUT:-}
lock=${PMC_HOST_LOCK-/tmp/pmc-host.lock}

while [ $# -gt 0 ]; do
	case $1 in
	-j) jobs=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	--reclassify) reclassify=1; shift ;;
	-h|--help) sed -n '3,35p' "$0"; exit 0 ;;
	-*) echo "mutate: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
lib=$build/libpmcfault.so
[ -r "$lib" ] || { echo "mutate: $lib missing: run 'make mutate'" >&2; exit 2; }
[ "$(id -u)" = 0 ] || echo "mutate: warning: not root: most faults cannot be observed" >&2
# An ancestor holding the lock (`flock LOCK ci/mutate.sh`) would deadlock
# with a flock of our own: /proc/locks names the holder's pid.
held_by_ancestor() {
	local ino pid holders
	ino=$(stat -c %i "$1" 2>/dev/null) || return 1
	holders=" $(awk -v ino=":$ino" '$2 != "->" && substr($6, length($6) - length(ino) + 1) == ino { print $5 }' /proc/locks | tr '\n' ' ')"
	pid=$$
	while [ "$pid" -gt 1 ] 2>/dev/null; do
		[[ $holders == *" $pid "* ]] && return 0
		pid=$(awk '{ print $4 }' "/proc/$pid/stat" 2>/dev/null) || return 1
	done
	return 1
}
if [ -n "$lock" ] && held_by_ancestor "$lock"; then
	echo "mutate: $lock is held by a caller: no lock per fault" >&2
	lock=
fi
[ -z "$lock" ] || command -v flock >/dev/null || { echo "mutate: flock missing (util-linux)" >&2; exit 2; }
mkdir -p "$out" || exit 2
[ -n "$reclassify" ] || { rm -rf "$out/runs"; mkdir -p "$out/runs"; }

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
# locked_batch FAULT: the whole suite under FAULT, -j jobs; run holding the
# host lock, the knob journal restored before the lock is given back.
locked_batch() {
	printf '%s\n' "${progs[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$1" "$2"' _ "$1" {}
	"$build/bin/pmc-journal" restore >/dev/null 2>&1
}
batch() {
	[ -z "$reclassify" ] || [ ! -d "$out/runs/$1" ] || return 0
	mkdir -p "$out/runs/$1"
	if [ -n "$lock" ]; then
		PROGS="${progs[*]}" flock "$lock" bash -c 'progs=($PROGS); locked_batch "$1"' _ "$1"
	else
		PROGS="${progs[*]}" bash -c 'progs=($PROGS); locked_batch "$1"' _ "$1"
	fi
	printf '%s\n' "${progs[@]}" >"$out/runs/$1/programs.txt"
	python3 "$here/helpers/report/pmc_report.py" report "$out/runs/$1" --format none \
		--json "$out/runs/$1/results.json" || true
}
export -f run_one locked_batch
export out lib build per_prog_timeout jobs here

start=$(date +%s)
# Baseline with the library loaded and no fault.
${lock:+flock "$lock"} "$build/bin/pmc-journal" restore >/dev/null 2>&1
batch none
base_s=$(( $(date +%s) - start ))

# The test area a fault perturbs (its cases must kill it on their own);
# none for controls and faults of a new family (the suite must).
area_of() {
	case $1 in
	pm-*) echo pagemap ;;
	kpf-*|kpcg-*|kpc-*|kp-*) echo kpageflags ;;
	scan-*) echo scan_ioctl ;;
	*) echo "" ;;
	esac
}

mapfile -t faults < <(if [ $# -gt 0 ]; then printf '%s\n' "$@"; else
	PMC_FAULT=list LD_PRELOAD=$lib /bin/true | cut -f1 | grep -vx none; fi)

report=$out/report.md
{
	echo "# Mutation run $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -r), whole suite (${#progs[@]} programs) per fault, -j $jobs"
	echo
	echo "| fault | area | in the area alone (first 3 cases) | in the whole suite (first 3 cases) | kind |"
	echo "|---|---|---|---|---|"
} >"$report"
# Reasons a fault cannot be observed on this machine (shown, counted apart).
declare -A unobservable=()
while IFS=$'\t' read -r name why; do
	[[ -z $name || $name == \#* ]] || unobservable[$name]=$why
done <"$here/ci/mutate-unobservable.txt"

# Cases of documented intermittent kernel deviations flip on their own:
# they can neither kill a fault nor fail a control.
known=${KNOWN_ISSUES:-$here/known-issues.txt}

# classify FAULT [AREA]: "kind<TAB>cases" from the engine's results of the
# run against the baseline's, over the cases of AREA (all when empty).
# kind: killed masked crash none; cases: the masked ones first.
classify() {
	python3 - "$out/runs/none/results.json" "$out/runs/$1/results.json" "$known" "${2:-}" <<'PY'
import fnmatch, json, sys
base = {t["name"]: t["result"] for t in json.load(open(sys.argv[1]))["tests"]}
try:
    run = {t["name"]: t["result"] for t in json.load(open(sys.argv[2]))["tests"]}
except (OSError, ValueError):
    run = {}
area = sys.argv[4]
globs = []
try:
    for line in open(sys.argv[3]):
        if "[intermittent]" in line and not line.startswith("#"):
            globs.append(line.split()[0])
except OSError:
    pass
kills, masks, crashes = [], [], []
for name, res in run.items():
    if area and not name.startswith(area + "."):
        continue
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
print(kind + "\t" + " ".join(masks + kills + crashes))
PY
}
# first3 CASES...: the first three, and how many more
first3() {
	echo "$*" | awk '{ for (i = 1; i <= NF && i <= 3; i++) printf "%s%s", (i > 1 ? " " : ""), $i;
		if (NF > 3) printf " (+%d)", NF - 3 }'
}

killed=0 total=0 survivors=() explained=() controls_bad=() masked=()
for f in "${faults[@]}"; do
	batch "$f"
	area=$(area_of "$f")
	IFS=$'\t' read -r skind scases < <(classify "$f")
	if [ -n "$area" ]; then
		IFS=$'\t' read -r akind acases < <(classify "$f" "$area")
	else
		akind=$skind acases=
	fi
	acol="$akind: $(first3 $acases)" scol="$skind: $(first3 $scases)"
	[ -n "$area" ] || acol="-"
	case $f in
	ctl-*)
		[ "$skind" = none ] || controls_bad+=("$f")
		echo "| $f (control) | - | - | $scol | $([ "$skind" = none ] && echo 'survived: ok' || echo "FAILED CONTROL ($skind)") |" >>"$report"
		continue ;;
	esac
	total=$((total + 1))
	if [ "$akind" = masked ] || [ "$skind" = masked ]; then
		masked+=("$f")
		kind="MASKED (a case SKIPs under the fault)"
	elif [ "$akind" = killed ] && [ "$skind" = killed ]; then
		killed=$((killed + 1))
		kind=killed
	elif [[ -n ${unobservable[$f]:-} ]]; then
		explained+=("$f")
		kind="unobservable here: ${unobservable[$f]}"
	else
		survivors+=("$f")
		kind="SURVIVED$([ "$skind" = killed ] && echo " its area (killed only by another area)")"
	fi
	echo "| $f | ${area:--} | $acol | $scol | $kind |" >>"$report"
done
elapsed=$(( $(date +%s) - start ))
rate=$(awk -v k=$killed -v t=$total 'BEGIN{printf "%.1f", t ? 100*k/t : 0}')
observable=$((total - ${#explained[@]}))
orate=$(awk -v k=$killed -v t=$observable 'BEGIN{printf "%.1f", t ? 100*k/t : 0}')
{
	echo
	echo "Kill rate: $killed/$total faults ($rate%); of the faults observable here: $killed/$observable ($orate%); killed = by a FAIL in its area alone and in the whole suite."
	echo "Masked: ${#masked[@]}; survived: ${#survivors[@]}; unobservable here: ${#explained[@]}; ${elapsed}s (baseline ${base_s}s)."
	[ ${#explained[@]} -eq 0 ] || echo "Unobservable here (ci/mutate-unobservable.txt): ${explained[*]}"
	[ ${#survivors[@]} -eq 0 ] || echo "Surviving faults: ${survivors[*]}"
	[ ${#masked[@]} -eq 0 ] || echo "Masked faults (a case SKIPs instead of FAILing): ${masked[*]}"
	[ ${#controls_bad[@]} -eq 0 ] && echo "Controls: all passed." || echo "Controls FAILED: ${controls_bad[*]}"
} >>"$report"
cat "$report"
[ ${#controls_bad[@]} -eq 0 ] && [ ${#survivors[@]} -eq 0 ] && [ ${#masked[@]} -eq 0 ]
