#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# coverage.sh: kernel code coverage of fs/proc/task_mmu.c and fs/proc/page.c
# reached by this suite and, for comparison, by the upstream pagemap_ioctl
# selftest, on a gcov-instrumented kernel run under QEMU.
#
#   ci/coverage.sh [options]
#
# Steps (each cached where it can be):
#  1. kernel: Debian's linux-source-6.12 tarball, `make allnoconfig` + the
#     committed fragment ci/coverage/x86_64.config (--arch arm64: the arm64
#     runner's ci/kconfig/arm64-base.config + arm64-4k.config, then
#     ci/coverage/arm64.config; cross-built with aarch64-linux-gnu-gcc), gcov profiling of
#     fs/proc/task_mmu.o and fs/proc/page.o only (two GCOV_PROFILE_<obj>
#     lines appended to the unpacked copy's fs/proc/Makefile; nothing of the
#     kernel is committed). Cached by fragment + source version + compiler.
#  2. the upstream selftest tools/testing/selftests/mm/pagemap_ioctl (+
#     vm_util.c) from the same source, built statically in the cache.
#  3. two guests through ci/vm-run.sh (one at a time): the whole suite, then
#     pagemap_ioctl alone. `--hook` with ci/guest/coverage-hook makes the
#     guest send the counters as they are after boot ("gcov-boot"), reset
#     them right before the programs run and send the .gcda files back on the
#     results port after them ("gcov").
#  4. gcov (JSON) over the .gcda + the build's .gcno: DIR/coverage.json (per
#     file and per function, lines and branches covered/total, per suite) and
#     DIR/coverage.md (the side-by-side table, the interface functions, the
#     annotated source of every line the suite does not reach), DIR/coverage.html
#     (the interface functions' whole source annotated with both runs' counts).
#     The boot snapshot is reported apart: only the lines of __init functions
#     it shows executed are credited, in rows that say so.
#
# Options
#   --arch A         x86_64 (default) or arm64 (cross-built, TCG guest)
#   --out DIR        output directory (default results/coverage, arm64:
#                    results/coverage-arm64)
#   --build-only     build the kernel (and the selftest), print the image path
#   --report-only    no guest: the report again from DIR's counters (DIR/suite,
#                    DIR/peer of an earlier run with the same kernel)
#   --record         also record the run's table for this arch in
#                    docs/kernel-coverage.json (`make docs` renders it into
#                    docs/kernel-coverage.md)
#   --jobs N         make -j for the kernel (default 2)
#   --suite-only | --peer-only   run one of the two guests
#   --timeout S      per guest (default 1500: TCG + gcov is slow)
#   --source TARBALL (default /usr/src/linux-source-6.12.tar.xz)
#   -v               guest console to stderr
# Environment: PMC_CACHE (default ~/.cache/pagemap-conformance); the kernel
# cache is $PMC_CACHE/coverage.
# Exit: 0 report written, 1 a guest run failed its suite (report still
# written), 2 setup/build error, 3 no coverage data came back.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PMC_CACHE:-$HOME/.cache/pagemap-conformance}/coverage
SOURCE=/usr/src/linux-source-6.12.tar.xz
ARCH=x86_64 OUT= JOBS=2 BUILD_ONLY=0 REPORT_ONLY=0 RECORD=0 RUN_SUITE=1 RUN_PEER=1 TIMEOUT=1500 VERBOSE=()
# What gets profiled: the objects of the interfaces under test.
PROFILED="task_mmu.o page.o"

die() { echo "coverage: error: $*" >&2; exit 2; }
info() { echo "coverage: $*" >&2; }
usage() { sed -n '/^# coverage.sh/,/^set -e/p' "$0" | sed -e 's/^# \{0,1\}//' -e '$d' >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--arch) ARCH=$2; shift ;;
	--out) OUT=$2; shift ;;
	--jobs) JOBS=$2; shift ;;
	--build-only) BUILD_ONLY=1 ;;
	--report-only) REPORT_ONLY=1 ;;
	--record) RECORD=1 ;;
	--suite-only) RUN_PEER=0 ;;
	--peer-only) RUN_SUITE=0 ;;
	--timeout) TIMEOUT=$2; shift ;;
	--source) SOURCE=$2; shift ;;
	-v) VERBOSE=(-v) ;;
	-h|--help) usage ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
	shift
done
# Per architecture: the config fragments (merged in this order over
# allnoconfig), make's arch arguments, the image, the compiler and its gcov.
case $ARCH in
x86_64)
	FRAGMENTS=("$ROOT/ci/coverage/x86_64.config")
	KARCH=() CC_T=gcc GCOV=gcov IMAGE=arch/x86/boot/bzImage TARGET=bzImage
	[ -n "$OUT" ] || OUT=$ROOT/results/coverage ;;
arm64)
	# the arm64 runner's kernel (ci/build-kernel.sh --pages 4k) + coverage
	FRAGMENTS=("$ROOT/ci/kconfig/arm64-base.config" "$ROOT/ci/kconfig/arm64-4k.config"
		"$ROOT/ci/coverage/arm64.config")
	KARCH=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) CC_T=aarch64-linux-gnu-gcc
	GCOV=aarch64-linux-gnu-gcov IMAGE=arch/arm64/boot/Image TARGET=Image
	[ -n "$OUT" ] || OUT=$ROOT/results/coverage-arm64 ;;
*) die "--arch takes x86_64 or arm64" ;;
esac
FRAGNAMES=$(for f in "${FRAGMENTS[@]}"; do printf ' + %s' "${f#"$ROOT"/}"; done)
[[ $JOBS =~ ^[1-9][0-9]*$ && $TIMEOUT =~ ^[0-9]+$ ]] || die "--jobs and --timeout take numbers"

# apt-get serialised by the shared apt lock (when flock exists)
apt_get() {
	if command -v flock >/dev/null; then
		DEBIAN_FRONTEND=noninteractive flock /tmp/pmc-apt.lock apt-get "$@"
	else
		DEBIAN_FRONTEND=noninteractive apt-get "$@"
	fi
}

need_tools() {
	local pkgs=() t
	for t in gcc:gcc make:make flex:flex bison:bison bc:bc perl:perl python3:python3 \
		xz:xz-utils cpio:cpio tar:tar; do
		command -v "${t%%:*}" >/dev/null || pkgs+=("${t#*:}")
	done
	if [ "$ARCH" = arm64 ]; then
		command -v aarch64-linux-gnu-gcc >/dev/null || pkgs+=(gcc-aarch64-linux-gnu)
	fi
	dpkg -s libelf-dev >/dev/null 2>&1 || pkgs+=(libelf-dev)
	dpkg -s libssl-dev >/dev/null 2>&1 || pkgs+=(libssl-dev)
	[ -r "$SOURCE" ] || [ "$SOURCE" != /usr/src/linux-source-6.12.tar.xz ] || pkgs+=(linux-source-6.12)
	[ ${#pkgs[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		die "missing tools: sudo apt-get install ${pkgs[*]}"
	fi
	info "installing ${pkgs[*]}"
	apt_get install -y -q "${pkgs[@]}" >&2 ||
		{ apt_get update -q >/dev/null 2>&1; apt_get install -y -q "${pkgs[@]}" >&2; } ||
		die "apt-get install ${pkgs[*]} failed"
}

# ---- 1. the instrumented kernel ----
# Key: the fragments, the tarball (size + name + Debian version when known),
# the compiler (the .gcno format follows gcc) and the profiled objects (the
# arm64 key also names the architecture; the x86 key is the one it always was).
source_version() {
	local v
	v=$(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null || true)
	echo "$(basename "$SOURCE") $(stat -c %s "$SOURCE") $v"
}

build_kernel() {
	[ -r "$SOURCE" ] || die "$SOURCE missing (apt-get install linux-source-6.12)"
	local key src top b
	key=$( { cat "${FRAGMENTS[@]}"; source_version; "$CC_T" --version | head -n 1; echo "$PROFILED"
		[ "$ARCH" = x86_64 ] || echo "$ARCH"; } | sha256sum | cut -c1-16)
	KDIR=$CACHE/kernel-$key
	KBUILD=$KDIR/build
	BZIMAGE=$KBUILD/$IMAGE
	if [ -s "$KDIR/done" ] && [ -r "$BZIMAGE" ]; then
		info "kernel cached: $KDIR"
		KSRC=$(cat "$KDIR/done")
		return 0
	fi
	mkdir -p "$KDIR"
	src=$CACHE/src-$(source_version | sha256sum | cut -c1-12)
	if [ ! -s "$src/.unpacked" ]; then
		info "unpacking $SOURCE into $src"
		rm -rf "$src" && mkdir -p "$src"
		tar -xJf "$SOURCE" -C "$src"
		top=$(ls -d "$src"/linux-source-* | head -n 1)
		[ -d "$top/fs/proc" ] || die "$SOURCE is not a kernel source tree"
		# The profiling switch: kbuild reads GCOV_PROFILE_<obj>.o from the
		# directory's Makefile (scripts/Makefile.lib).
		for b in $PROFILED; do
			printf 'GCOV_PROFILE_%s := y\n' "$b" >> "$top/fs/proc/Makefile"
		done
		echo "$top" > "$src/.unpacked"
	fi
	KSRC=$(cat "$src/.unpacked")
	info "configuring ($ARCH: allnoconfig$FRAGNAMES) in $KBUILD"
	mkdir -p "$KBUILD"
	make -s -C "$KSRC" O="$KBUILD" "${KARCH[@]}" allnoconfig >/dev/null
	"$KSRC/scripts/kconfig/merge_config.sh" -m -O "$KBUILD" "$KBUILD/.config" "${FRAGMENTS[@]}" >/dev/null
	make -s -C "$KSRC" O="$KBUILD" "${KARCH[@]}" olddefconfig >/dev/null
	# Every fragment line must survive olddefconfig (a dropped option is an
	# unmet dependency: say which, instead of a kernel missing a feature).
	local line bad=()
	while read -r line; do
		case $line in CONFIG_*=*) grep -qx "$line" "$KBUILD/.config" || bad+=("$line") ;; esac
	done < <(cat "${FRAGMENTS[@]}")
	[ ${#bad[@]} -eq 0 ] || die "options dropped by olddefconfig: ${bad[*]}"
	info "building $TARGET (make -j$JOBS; about 6 min on 2 free cores, 25 on a busy machine)"
	local t0=$SECONDS
	make -s -C "$KSRC" O="$KBUILD" "${KARCH[@]}" -j"$JOBS" "$TARGET" > "$KDIR/build.log" 2>&1 ||
		{ tail -n 20 "$KDIR/build.log" >&2; die "kernel build failed (log: $KDIR/build.log)"; }
	for b in $PROFILED; do
		ls "$KBUILD/fs/proc/${b%.o}.gcno" >/dev/null 2>&1 || die "fs/proc/${b%.o}.gcno missing: profiling not applied"
	done
	info "kernel built in $((SECONDS - t0)) s: $BZIMAGE"
	echo "$KSRC" > "$KDIR/done"
}

# ---- 2. the upstream selftest, from the same source ----
build_peer() {
	local d=$KDIR/peer st=$KSRC/tools/testing/selftests
	PEER=$d/pagemap_ioctl
	[ -x "$PEER" ] && return 0
	info "building the upstream pagemap_ioctl selftest"
	mkdir -p "$d"
	# uapi headers of this kernel (PAGEMAP_SCAN is newer than the host's)
	make -s -C "$KSRC" O="$d/hdr-build" "${KARCH[@]}" headers_install INSTALL_HDR_PATH="$d/usr" >/dev/null ||
		die "headers_install failed"
	# relative source names: the test creates files named after __FILE__
	# (in its working directory, /tmp in the guest)
	(cd "$st/mm" && "$CC_T" -static -O2 -D_GNU_SOURCE -U_FORTIFY_SOURCE -isystem "$d/usr/include" -I"$st" \
		-o "$PEER.tmp" pagemap_ioctl.c vm_util.c -lm -lpthread) > "$d/build.log" 2>&1 ||
		{ cat "$d/build.log" >&2; die "pagemap_ioctl build failed"; }
	mv "$PEER.tmp" "$PEER"
}

need_tools
build_kernel
# vm-run.sh gives the guest the config-<version> found next to the image
# (the tests' kconfig probe reads it)
cp "$KBUILD/.config" "$(dirname "$BZIMAGE")/config-$(cat "$KBUILD/include/config/kernel.release")"
build_peer
if [ "$BUILD_ONLY" = 1 ]; then
	echo "$BZIMAGE"
	exit 0
fi

# ---- 3. the guests ----
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pmc-coverage.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
# Guest shape: two NUMA nodes (THP migration by move_pages) and a balloon
# inflated by 64 MiB right after boot (its pages are PageOffline: KPF_OFFLINE).
QSOCK=$WORK/qmp.sock
QARGS=(--mem 2G --cpus 2 --numa 2
	--qemu-arg -device --qemu-arg virtio-balloon-pci
	--qemu-arg -qmp --qemu-arg "unix:$QSOCK,server=on,wait=off")

# Inflate the balloon through QMP as soon as QEMU listens (target 2 GiB - 64 MiB).
balloon() {
	python3 - "$QSOCK" <<'PY'
import json, socket, sys, time
for _ in range(600):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit(1)
f = s.makefile("rw")
f.readline()
for cmd in ({"execute": "qmp_capabilities"},
            {"execute": "balloon", "arguments": {"value": (2048 - 64) << 20}}):
    f.write(json.dumps(cmd) + "\n"); f.flush(); f.readline()
PY
}

# frame NAME RAW DEST: unpack the gcov frame NAME of results.raw into DEST
# (base64 of a gzipped tar of the counters tree); prints the .gcda count.
frame() {
	rm -rf "$3" && mkdir -p "$3"
	awk -v b="@@PMC:BEGIN $1 " -v e="@@PMC:END $1 " 'index($0, b) == 1 {on=1; next} index($0, e) == 1 {on=0} on' "$2" |
		tr -d '\r' | base64 -d 2>/dev/null | tar -xzf - -C "$3" 2>/dev/null || true
	find "$3" -name '*.gcda' | wc -l
}

# run LABEL [vm-run options]: one guest; leaves DIR/gcda/ with the .gcda
# files of the run and DIR/gcda-boot/ with the counters before the reset.
run_guest() {
	local label=$1 dir=$OUT/$1 rc=0; shift
	info "guest: $label"
	rm -f "$QSOCK"
	balloon & local bpid=$!
	"$ROOT/ci/vm-run.sh" "$BZIMAGE" --out "$dir" --timeout "$TIMEOUT" --prog-timeout 600 \
		"${QARGS[@]}" "$@" "${VERBOSE[@]}" || rc=$?
	kill "$bpid" 2>/dev/null || true
	wait "$bpid" 2>/dev/null || true
	local n nb
	n=$(frame gcov "$dir/results.raw" "$dir/gcda")
	nb=$(frame gcov-boot "$dir/results.raw" "$dir/gcda-boot")
	info "guest $label: vm-run exit $rc, $n .gcda files ($nb at boot, before the reset)"
	[ "$n" -gt 0 ] || { echo "coverage: error: no coverage data from the $label guest (see $dir/console.log)" >&2; exit 3; }
	echo "$rc" > "$dir/vm-run.rc"
}

HOOKDIR=$WORK/hook
mkdir -p "$HOOKDIR/peer"
cp "$ROOT/ci/guest/coverage-hook" "$HOOKDIR/run"
if [ "$REPORT_ONLY" = 0 ]; then
	[ "$RUN_SUITE" = 1 ] && run_guest suite --hook "$HOOKDIR"
	cp "$PEER" "$HOOKDIR/peer/"
	[ "$RUN_PEER" = 1 ] && run_guest peer --hook "$HOOKDIR" --only none/none --no-build
fi

# ---- 4. gcov + report ----
# gcov_json GCDA JSON: gcov's JSON of the profiled objects' counters
gcov_json() {
	local gcda=$1 json=$2 obj
	rm -rf "$json" && mkdir -p "$json"
	for b in $PROFILED; do
		obj=$(find "$gcda" -path "*/fs/proc/${b%.o}.gcda" | head -n 1)
		[ -n "$obj" ] || continue
		cp "$KBUILD/fs/proc/${b%.o}.gcno" "${obj%.gcda}.gcno"
		(cd "$json" && "$GCOV" --json-format -b -o "$(dirname "$obj")" "$KSRC/fs/proc/${b%.o}.c" >/dev/null)
	done
}
RUNS=() BOOTS=()
for l in suite peer; do
	[ -d "$OUT/$l/gcda" ] || continue
	gcov_json "$OUT/$l/gcda" "$OUT/$l/json"
	RUNS+=("$l=$OUT/$l/json")
	if [ -n "$(find "$OUT/$l/gcda-boot" -name '*.gcda' 2>/dev/null)" ]; then
		gcov_json "$OUT/$l/gcda-boot" "$OUT/$l/json-boot"
		BOOTS+=(--boot "$l=$OUT/$l/json-boot")
	fi
done
[ ${#RUNS[@]} -gt 0 ] || die "no run to report"
python3 "$ROOT/ci/coverage/report.py" --src "$KSRC" --out "$OUT" "${BOOTS[@]}" \
	--meta "kernel=$(cat "$OUT"/suite/kernel.txt 2>/dev/null || cat "$OUT"/peer/kernel.txt) $ARCH (gcov, allnoconfig$FRAGNAMES)" \
	--meta "source=$(source_version)" \
	--meta "suite results=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(", ".join("%s %d" % (k, s[k]) for k in ("pass", "fail", "skip", "xfail", "xpass", "error") if k in s))' "$OUT/suite/results.json" 2>/dev/null || echo -)" \
	--meta "peer results=$(grep -hs '^# Totals' "$OUT"/peer/peer/*.tap || echo -)" \
	"${RUNS[@]}"
info "wrote $OUT/coverage.json, $OUT/coverage.md and $OUT/coverage.html"
if [ "$RECORD" = 1 ]; then
	python3 "$ROOT/ci/coverage/report.py" record "$ARCH" "$OUT/coverage.json" "$ROOT/docs/kernel-coverage.json"
	info "recorded the $ARCH figures in docs/kernel-coverage.json: run make docs and commit both"
fi
# The suite's verdicts decide the exit status; the peer's are its own business.
RC=0
[ -r "$OUT/suite/vm-run.rc" ] && [ "$(cat "$OUT/suite/vm-run.rc")" != 0 ] && RC=1
exit $RC
