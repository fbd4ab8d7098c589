#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-run.sh: run the whole suite inside a given kernel under QEMU and bring
# the results back through a second serial port (never from the console).
#
#   ci/vm-run.sh KERNEL [options]
#
# KERNEL is one of
#   /path/to/vmlinuz|bzImage|Image   a kernel image, x86-64 or arm64 (add --modules
#                                DIR for its modules; a "config" or "config-<release>"
#                                file beside it is its kernel config)
#   linux-image-6.1.0-NN-amd64   a Debian package: apt-get download + dpkg-deb -x,
#   linux-image-6.12.N+deb12-amd64   cached in $PMC_CACHE (~/.cache/pagemap-conformance);
#   linux-image-6.12.N+deb12-arm64[-16k][-unsigned], linux-image-6.1.0-NN-arm64 likewise
#   debian-6.1 | debian-6.12     the newest such package known to apt (x86-64)
#   debian-6.1-arm64 | debian-6.12-arm64 | debian-6.12-arm64-16k   the same, arm64
#   built-arm64-64k | built-arm64-16k   ci/build-kernel.sh's kernel (built once, cached)
#   host                         the running kernel (/boot/vmlinuz-$(uname -r))
# The architecture comes from the kernel image: arm64 guests run on
# qemu-system-aarch64 -M virt (TCG, -cpu neoverse-n1) with the suite
# cross-built (aarch64-linux-gnu-gcc, static) and an arm64 busybox.
#
# Options
#   --out DIR          results directory (default results/vm/<kernel>)
#   --mem SIZE         guest memory (default 2G)      --cpus N   (default 2)
#   --numa N           NUMA nodes, memory split evenly, CPUs spread over
#                      them (default 1: no NUMA topology; 2 lets the
#                      migration cases move pages between two nodes). A
#                      1 GiB hugetlb page needs 1 GiB free inside one node:
#                      --mem 6G gives each of two nodes 3 GiB
#   --timeout S        overall timeout, seconds (default 300)
#   --prog-timeout S   per test program (default: each program's in
#                      tests/programs.tsv)
#   --jobs N           test programs run at once in the guest (default 1;
#                      N>1 sends results at the end: a panic loses them all)
#   --thp always|madvise    transparent_hugepage= (default madvise)
#   --hugepages N      default-size hugepages reserved on the command line
#                      (default 16 with 4K pages, else 0: the default size is
#                      the PMD size, 32 MiB / 512 MiB with 16K / 64K pages)
#   --append "ARGS"    extra kernel command line
#   --accel auto|kvm|tcg    (default auto: kvm when /dev/kvm is usable and the
#                      host is not itself a VM, else tcg)
#   --tcg-threads single|multi  TCG vCPU threads (default single: multi races
#                      with the guest's kernel code patching, see below)
#   --modules DIR      lib/modules/<kver> of a kernel given by path
#   --only GLOB        run only programs matching GLOB (area/prog), repeatable
#   --no-build         use build-static/ as it is
#   --known FILE       known-issues file (default $KNOWN_ISSUES, else known-issues.txt)
#   --keep             keep the work directory (initramfs, disk image)
#   -v|--verbose       copy the guest console to stderr while it runs
#   --hook DIR         guest hook: DIR is copied to /pmc/hook and init runs
#                      /pmc/hook/run before|after the programs (fd 3 = results
#                      port; ci/coverage.sh uses it). --only may then select none.
#   --qemu-arg ARG     one more QEMU argument (repeatable)
#
# Output: DIR/results.json (kernel, features, summary, tests, fixes),
# DIR/results.tap, DIR/<area>/<prog>.{tap,rc,list,meta}, DIR/console.log.
# Exit: 0 all passed (XFAIL allowed), 1 a test failed, 3 ERROR (boot failure,
# panic, hang, missing results), 2 usage or setup error.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PMC_CACHE:-$HOME/.cache/pagemap-conformance}

die() { echo "vm-run: error: $*" >&2; exit 2; }
info() { echo "vm-run: $*" >&2; }
usage() { sed -n '/^# vm-run.sh/,/^set -e/p' "$0" | sed -e 's/^# \{0,1\}//' -e '$d' >&2; exit 2; }

MEM=2G CPUS=2 NUMA=1 JOBS=1 TCG_THREADS=single TIMEOUT=300 PROG_TIMEOUT= THP=madvise HUGEPAGES= APPEND=
ACCEL=auto MODDIR= OUT= BUILD=1 KEEP=0 VERBOSE=0 KNOWN= ONLY=() HOOK= QEMU_ARGS=()
KERNEL=

while [ $# -gt 0 ]; do
	case $1 in
	--out) OUT=$2; shift ;;
	--mem) MEM=$2; shift ;;
	--cpus) CPUS=$2; shift ;;
	--numa) NUMA=$2; shift ;;
	--timeout) TIMEOUT=$2; shift ;;
	--prog-timeout) PROG_TIMEOUT=$2; shift ;;
	--jobs) JOBS=$2; shift ;;
	--thp) THP=$2; shift ;;
	--hugepages) HUGEPAGES=$2; shift ;;
	--append) APPEND=$2; shift ;;
	--accel) ACCEL=$2; shift ;;
	--tcg-threads) TCG_THREADS=$2; shift ;;
	--modules) MODDIR=$2; shift ;;
	--only) ONLY+=("$2"); shift ;;
	--no-build) BUILD=0 ;;
	--known) KNOWN=$2; shift ;;
	--keep) KEEP=1 ;;
	-v|--verbose) VERBOSE=1 ;;
	--hook) HOOK=$2; shift ;;
	--qemu-arg) QEMU_ARGS+=("$2"); shift ;;
	-h|--help) usage ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) [ -z "$KERNEL" ] || die "one KERNEL only (use ci/matrix.sh for several)"; KERNEL=$1 ;;
	esac
	shift
done
[ -n "$KERNEL" ] || usage
case $THP in always|madvise|never) ;; *) die "--thp must be always, madvise or never" ;; esac
case $ACCEL in auto|kvm|tcg) ;; *) die "--accel must be auto, kvm or tcg" ;; esac
case $TCG_THREADS in single|multi) ;; *) die "--tcg-threads must be single or multi" ;; esac
[[ $JOBS =~ ^[1-9][0-9]*$ && $TIMEOUT =~ ^[0-9]+$ && $PROG_TIMEOUT =~ ^[0-9]*$ && $CPUS =~ ^[0-9]+$ && ${HUGEPAGES:-0} =~ ^[0-9]+$ && $NUMA =~ ^[1-9][0-9]*$ ]] ||
	die "--jobs, --timeout, --prog-timeout, --cpus, --hugepages and --numa take numbers"
# guest memory in MiB (QEMU's -m: a plain number is MiB)
[[ $MEM =~ ^[1-9][0-9]*[gGmM]?$ ]] || die "--mem takes a size in whole MiB or GiB (2G, 3072M)"
case $MEM in
*[gG]) MEM_MB=$(( ${MEM%[gG]} * 1024 )) ;;
*[mM]) MEM_MB=${MEM%[mM]} ;;
*) MEM_MB=$MEM ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pmc-vm.XXXXXX")
QPID=
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null || true
	if [ "$KEEP" = 1 ]; then info "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- host tools, installed on demand ----
apt_get() { # the shared machine's apt lock, when flock exists
	if command -v flock >/dev/null; then flock /tmp/pmc-apt.lock apt-get "$@"; else apt-get "$@"; fi
}

need_tools() {
	local missing=() pkgs=()
	case ${1:-common} in
	x86_64)
		command -v qemu-system-x86_64 >/dev/null || { missing+=(qemu-system-x86_64); pkgs+=(qemu-system-x86); }
		busybox_static >/dev/null || { missing+=(busybox-static); pkgs+=(busybox-static); }
		;;
	arm64)
		command -v qemu-system-aarch64 >/dev/null || { missing+=(qemu-system-aarch64); pkgs+=(qemu-system-arm); }
		command -v aarch64-linux-gnu-gcc >/dev/null || { missing+=(aarch64-linux-gnu-gcc); pkgs+=(gcc-aarch64-linux-gnu); }
		# the suite links libcap statically: the arm64 library, co-installed
		dpkg -s libcap-dev:arm64 >/dev/null 2>&1 || { missing+=(libcap-dev:arm64); pkgs+=(libcap-dev:arm64); }
		;;
	esac
	[ "${1:-common}" = common ] || { install_tools "${missing[*]}" "${pkgs[@]}"; return; }
	command -v cpio >/dev/null || { missing+=(cpio); pkgs+=(cpio); }
	command -v mkfs.ext4 >/dev/null || { missing+=(mkfs.ext4); pkgs+=(e2fsprogs); }
	command -v depmod >/dev/null || { missing+=(depmod); pkgs+=(kmod); }
	command -v python3 >/dev/null || { missing+=(python3); pkgs+=(python3); }
	install_tools "${missing[*]}" "${pkgs[@]}"
}

install_tools() { # "what is missing" package...
	local missing=$1; shift
	[ $# -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		die "missing $missing: install them with: sudo apt-get install $*"
	fi
	case " $* " in *:arm64\ *)
		if ! dpkg --print-foreign-architectures | grep -qx arm64; then
			info "dpkg --add-architecture arm64"
			dpkg --add-architecture arm64 && rm -f "$CACHE/.apt-updated"
		fi ;;
	esac
	info "installing $*"
	apt_update_once
	DEBIAN_FRONTEND=noninteractive apt_get install -y -q "$@" >&2 ||
		die "apt-get install $* failed"
}

# arm64 busybox: busybox-static:arm64 cannot be co-installed with the host's
# busybox-static (same paths), so its package is unpacked into the cache.
busybox_arm64() {
	local dir=$CACHE/busybox-arm64 deb
	if [ ! -x "$dir/bin/busybox" ]; then
		mkdir -p "$CACHE/debs"
		deb=$(ls "$CACHE"/debs/busybox-static_*_arm64.deb 2>/dev/null | head -n 1 || true)
		if [ -z "$deb" ]; then
			apt_update_once
			info "downloading busybox-static:arm64"
			(cd "$CACHE/debs" && apt-get download busybox-static:arm64 >&2 2>/dev/null) ||
				die "apt-get download busybox-static:arm64 failed (dpkg --add-architecture arm64; apt-get update)"
			deb=$(ls "$CACHE"/debs/busybox-static_*_arm64.deb | head -n 1)
		fi
		rm -rf "$dir" && mkdir -p "$dir.tmp" && dpkg-deb -x "$deb" "$dir.tmp" &&
			mv "$dir.tmp" "$dir" || die "dpkg-deb -x $deb failed"
	fi
	echo "$dir/bin/busybox"
}

busybox_static() {
	local b
	for b in /bin/busybox /usr/bin/busybox; do
		[ -x "$b" ] && file -L "$b" 2>/dev/null | grep -q 'statically linked' && { echo "$b"; return 0; }
		# without file(1): Debian's busybox-static is the one in /bin
		[ -x "$b" ] && ! command -v file >/dev/null && dpkg -s busybox-static >/dev/null 2>&1 &&
			{ echo "$b"; return 0; }
	done
	return 1
}

apt_update_once() {
	mkdir -p "$CACHE"
	[ -e "$CACHE/.apt-updated" ] && return 0
	[ "$(id -u)" = 0 ] || return 0
	info "apt-get update"
	apt_get update -q >/dev/null 2>&1 || info "apt-get update failed (continuing with the current lists)"
	touch "$CACHE/.apt-updated"
}

# ---- kernel resolution: sets KIMAGE, KMODS (may be empty), KCONFIG, KLABEL ----
newest_pkg() {
	apt-cache search --names-only "$1" 2>/dev/null | awk '{print $1}' | grep -E "$1" | sort -V | tail -n 1
}

resolve_debian() {
	local pkg=$1 dir deb tmp
	dir=$CACHE/kernels/$pkg
	if [ ! -d "$dir/boot" ]; then
		command -v apt-get >/dev/null || die "apt-get not available to fetch $pkg"
		mkdir -p "$CACHE/debs"
		deb=$(ls "$CACHE/debs/${pkg}"_*.deb 2>/dev/null | head -n 1 || true)
		if [ -z "$deb" ]; then
			apt_update_once
			apt-cache show "$pkg" >/dev/null 2>&1 || die "no Debian package $pkg (try: apt-cache search linux-image-6.1)"
			info "downloading $pkg"
			(cd "$CACHE/debs" && apt-get download "$pkg" >&2 2>/dev/null) || die "apt-get download $pkg failed"
			deb=$(ls "$CACHE/debs/${pkg}"_*.deb | head -n 1)
		fi
		info "unpacking $(basename "$deb")"
		tmp=$(mktemp -d "$CACHE/kernels/.unpack.XXXXXX" 2>/dev/null || { mkdir -p "$CACHE/kernels"; mktemp -d "$CACHE/kernels/.unpack.XXXXXX"; })
		dpkg-deb -x "$deb" "$tmp" || { rm -rf "$tmp"; die "dpkg-deb -x $deb failed"; }
		rm -rf "$dir" && mv "$tmp" "$dir"
	fi
	KIMAGE=$(ls "$dir"/boot/vmlinuz-* 2>/dev/null | head -n 1)
	[ -r "$KIMAGE" ] || die "$pkg has no boot/vmlinuz-*"
	KVER=${KIMAGE##*/vmlinuz-}
	KMODS=$dir/lib/modules/$KVER
	KCONFIG=$dir/boot/config-$KVER
	KLABEL=$KVER
	# Debian packages ship no modules.dep: generate it once (in the cache).
	if [ -d "$KMODS" ] && [ ! -s "$KMODS/modules.dep" ]; then
		depmod -b "$dir" "$KVER" 2>/dev/null || die "depmod for $KVER failed"
	fi
}

# x86 boot protocol: "HdrS" at 0x202, kernel_version pointer (+0x200) at 0x20e.
bzimage_version() {
	python3 - "$1" <<'PY'
import struct, sys
try:
    b = open(sys.argv[1], "rb").read(65536)
except OSError:
    sys.exit(1)
if len(b) < 0x210 or b[0x202:0x206] != b"HdrS":
    sys.exit(1)
off = struct.unpack_from("<H", b, 0x20e)[0] + 0x200
v = b[off:off + 256].split(b"\0")[0].decode("ascii", "replace").split(" ")
print(v[0] if v and v[0] else "")
PY
}

# arm64 Image header: magic "ARM\x64" at 0x38 (Documentation/arch/arm64/booting.rst).
image_is_arm64() {
	[ "$(od -An -c -j 56 -N 4 "$1" 2>/dev/null | tr -d ' ')" = 'ARMd' ]
}
# An uncompressed Image carries the banner "Linux version <release> ...".
arm64_version() {
	grep -a -m1 -o 'Linux version [^ ]*' "$1" 2>/dev/null | head -n 1 | cut -d' ' -f3
}

resolve_kernel() {
	local k=$1 pkg
	KMODS= KCONFIG= KVER=
	case $k in
	host)
		KVER=$(uname -r)
		KIMAGE=/boot/vmlinuz-$KVER
		[ -r "$KIMAGE" ] || die "host kernel image $KIMAGE is not readable (this machine does not expose its kernel; pass a vmlinuz path or a Debian package)"
		KMODS=/lib/modules/$KVER; [ -d "$KMODS" ] || KMODS=
		KCONFIG=/boot/config-$KVER; [ -r "$KCONFIG" ] || KCONFIG=
		KLABEL=host-$KVER
		;;
	debian-6.1|debian-6.12)
		apt_update_once
		if [ "$k" = debian-6.1 ]; then pkg=$(newest_pkg '^linux-image-6\.1\.0-[0-9]+-amd64$')
		else pkg=$(newest_pkg '^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64$'); fi
		[ -n "$pkg" ] || die "no package for $k in apt (apt-get update? sources?)"
		info "$k = $pkg"
		resolve_debian "$pkg"
		;;
	debian-6.1-arm64|debian-6.12-arm64|debian-6.12-arm64-16k)
		# dpkg must know arm64 for apt to list arm64 kernels
		dpkg --print-foreign-architectures | grep -qx arm64 || install_tools "arm64 packages" libcap-dev:arm64
		apt_update_once
		# signed or -unsigned: the same Image; the newest version wins
		case $k in
		debian-6.1-arm64) pkg=$(newest_pkg '^linux-image-6\.1\.0-[0-9]+-arm64(-unsigned)?$') ;;
		debian-6.12-arm64) pkg=$(newest_pkg '^linux-image-6\.12\.[0-9]+\+deb[0-9]+-arm64(-unsigned)?$') ;;
		*) pkg=$(newest_pkg '^linux-image-6\.12\.[0-9]+\+deb[0-9]+-arm64-16k(-unsigned)?$') ;;
		esac
		[ -n "$pkg" ] || die "no package for $k in apt (dpkg --add-architecture arm64? apt-get update?)"
		info "$k = $pkg"
		resolve_debian "$pkg"
		;;
	built-arm64-64k|built-arm64-16k)
		KIMAGE=$("$ROOT/ci/build-kernel.sh" --pages "${k#built-arm64-}" | tail -n 1) ||
			die "ci/build-kernel.sh --pages ${k#built-arm64-} failed"
		KVER=$(cat "$(dirname "$KIMAGE")/release")
		KCONFIG=$(dirname "$KIMAGE")/config
		KLABEL=$KVER
		;;
	linux-image-*)
		resolve_debian "$k"
		;;
	*)
		[ -e "$k" ] || die "kernel image $k does not exist"
		[ -f "$k" ] && [ -r "$k" ] || die "kernel image $k is not a readable file"
		KIMAGE=$(realpath "$k")
		if image_is_arm64 "$KIMAGE"; then
			KVER=$(arm64_version "$KIMAGE")
			[ -r "$(dirname "$KIMAGE")/release" ] && KVER=$(cat "$(dirname "$KIMAGE")/release")
		else
			KVER=$(bzimage_version "$KIMAGE") || die "$k is not an x86 Linux kernel image (no \"HdrS\" boot header) nor an arm64 Image (no \"ARM\\x64\" magic)"
		fi
		KLABEL=${KVER:-$(basename "$KIMAGE")}
		if [ -n "$MODDIR" ]; then
			[ -d "$MODDIR" ] || die "--modules $MODDIR is not a directory"
			KMODS=$(realpath "$MODDIR")
		fi
		local cfg
		for cfg in "$(dirname "$KIMAGE")/config-$KVER" "$(dirname "$KIMAGE")/config"; do
			[ -n "$KVER" ] && [ -r "$cfg" ] && { KCONFIG=$cfg; break; }
		done
		;;
	esac
	[ -z "$KVER" ] && KVER=$KLABEL
	if image_is_arm64 "$KIMAGE"; then ARCH=arm64; else ARCH=x86_64; fi
	return 0
}

# ---- modules the guest needs, deps first, decompressed ----
# zram (swap device), virtio_pci + virtio_blk + ext4 (scratch disk), crc32c
# (ext4's checksums, a soft dependency modules.dep does not list).
GUEST_MODULES="crc32c_generic crc32c_intel zram virtio_pci virtio_blk virtio_console ext4"
add_modules() {
	local dst=$1 m path order=$1/lib/modules/pmc.order seen=" "
	: > "$order"
	[ -n "$KMODS" ] && [ -r "$KMODS/modules.dep" ] || { info "no modules.dep: guest uses built-in drivers only"; return 0; }
	add_one() {
		local name=$1 line rel dep
		line=$(grep -E "(^|/)${name//_/[_-]}\.ko(\.xz|\.zst|\.gz)?:" "$KMODS/modules.dep" | head -n 1 || true)
		if [ -z "$line" ]; then
			grep -qE "(^|/)${name//_/[_-]}\.ko" "$KMODS/modules.builtin" 2>/dev/null || info "module $name not in this kernel"
			return 0
		fi
		rel=${line%%:*}
		case $seen in *" $rel "*) return 0 ;; esac
		for dep in ${line#*:}; do
			dep=$(basename "$dep"); dep=${dep%%.ko*}
			add_one "$dep"
		done
		case $seen in *" $rel "*) return 0 ;; esac
		seen="$seen$rel "
		mkdir -p "$dst/lib/modules/$(dirname "$rel")"
		local out=$dst/lib/modules/${rel%.ko*}.ko
		case $rel in
		*.xz) xz -dc "$KMODS/$rel" > "$out" ;;
		*.zst) zstd -qdc "$KMODS/$rel" > "$out" ;;
		*.gz) gzip -dc "$KMODS/$rel" > "$out" ;;
		*) cp "$KMODS/$rel" "$out" ;;
		esac
		echo "/lib/modules/${rel%.ko*}.ko" >> "$order"
	}
	for m in $GUEST_MODULES; do add_one "$m"; done
	# one zram device is enough
	sed -i 's|\(/zram\.ko\)$|\1 num_devices=1|' "$order"
}

# ---- main ----
need_tools
resolve_kernel "$KERNEL"
need_tools "$ARCH"
[ -n "$OUT" ] || OUT=$ROOT/results/vm/$KLABEL
info "kernel $KLABEL ($KIMAGE, $ARCH)"

# Per architecture: the suite's build, busybox, strip, QEMU and its devices.
if [ "$ARCH" = arm64 ]; then
	BUILD_DIR=build-static-arm64 MAKE_ARCH=(CROSS_COMPILE=aarch64-linux-gnu-)
	STRIP=aarch64-linux-gnu-strip
else
	BUILD_DIR=build-static MAKE_ARCH=()
	STRIP=strip
fi
if [ "$BUILD" = 1 ]; then
	info "building the suite statically (make ${MAKE_ARCH[*]} STATIC=1 O=$BUILD_DIR)"
	if ! make -C "$ROOT" -k -s "${MAKE_ARCH[@]}" STATIC=1 O="$BUILD_DIR" -j"$(nproc)" >"$WORK/build.log" 2>&1; then
		info "build had errors (programs that built still run):"
		grep -E 'error|Error' "$WORK/build.log" | head -n 5 >&2 || true
	fi
fi
BS=$ROOT/$BUILD_DIR
ls "$BS"/tests/*/* >/dev/null 2>&1 || die "no test programs in $BS/tests (build failed?)"
[ -x "$BS/bin/pmc-probe" ] || die "$BS/bin/pmc-probe missing (build failed?)"

# initramfs tree
IR=$WORK/initramfs
mkdir -p "$IR"/{bin,sbin,etc,proc,sys,dev,run,tmp,root,boot,lib/modules,pmc/bin,pmc/tests}
if [ "$ARCH" = arm64 ]; then cp "$(busybox_arm64)" "$IR/bin/busybox"; else cp "$(busybox_static)" "$IR/bin/busybox"; fi
cp "$ROOT/ci/guest/init" "$IR/init"; chmod 755 "$IR/init"
for b in "$BS"/bin/*; do $STRIP -g -o "$IR/pmc/bin/${b##*/}" "$b" 2>/dev/null || cp "$b" "$IR/pmc/bin/"; done
: > "$IR/pmc/programs.txt"
: > "$IR/pmc/timeouts.tsv"
# The programs of the registry (tests/programs.tsv: order and timeouts) that built.
while IFS=$'\t' read -r p t; do
	[ -n "$p" ] && [ "${p#\#}" = "$p" ] || continue
	b=$BS/tests/$p
	[ -f "$b" ] && [ -x "$b" ] || continue
	if [ ${#ONLY[@]} -gt 0 ]; then
		ok=0; for g in "${ONLY[@]}"; do [[ $p == $g ]] && ok=1; done
		[ $ok = 1 ] || continue
	fi
	mkdir -p "$IR/pmc/tests/${p%/*}"
	# debug info is most of a static binary: strip it, the guest unpacks faster
	$STRIP -g -o "$IR/pmc/tests/$p" "$b" 2>/dev/null || cp "$b" "$IR/pmc/tests/$p"
	# The case list and tags do not depend on the kernel: asked here when
	# this host runs the binary, instead of twice per program in the guest.
	if [ "$ARCH" = "$(uname -m | sed s/aarch64/arm64/)" ]; then
		"$b" --list >"$IR/pmc/tests/$p.list" 2>/dev/null && "$b" --meta >"$IR/pmc/tests/$p.meta" 2>/dev/null ||
			rm -f "$IR/pmc/tests/$p.list" "$IR/pmc/tests/$p.meta"
	fi
	echo "$p" >> "$IR/pmc/programs.txt"
	printf '%s\t%s\n' "$p" "$t" >> "$IR/pmc/timeouts.tsv"
done < "$ROOT/tests/programs.tsv"
[ -s "$IR/pmc/programs.txt" ] || [ -n "$HOOK" ] || die "no test program selected"
if [ -n "$HOOK" ]; then
	[ -x "$HOOK/run" ] || die "--hook $HOOK has no executable run"
	mkdir -p "$IR/pmc/hook" && cp -a "$HOOK/." "$IR/pmc/hook/"
fi
[ -n "$KCONFIG" ] && cp "$KCONFIG" "$IR/boot/config-$KVER"
add_modules "$IR"
# results port: the second 16550 on x86; the virt board has one PL011, so
# arm64 guests get a virtio console (hvc0) instead
if [ "$ARCH" = arm64 ]; then RESULTS_DEV=/dev/hvc0; else RESULTS_DEV=/dev/ttyS1; fi
cat > "$IR/etc/pmc.env" <<EOF
PMC_PROG_TIMEOUT=$PROG_TIMEOUT
PMC_JOBS=$JOBS
PMC_RESULTS_DEV=$RESULTS_DEV
EOF
# Uncompressed: under TCG, gunzipping ~45 MB made the guest kernel reach
# init 0.7-1 s later (boot to init 3.1-3.4 s now, 3.8-4.9 s gzip'ed).
(cd "$IR" && find . | cpio -o -H newc --quiet) > "$WORK/initramfs.cpio"

# scratch disk: ext4, sparse, for swap files and page-cache files
truncate -s 1G "$WORK/scratch.img"
mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 "$WORK/scratch.img" >/dev/null

case $ACCEL in
# Nested KVM (this host is itself a VM: "hypervisor" CPU flag) often hangs
# the guest early (seen in Firecracker): auto means KVM on bare metal only.
auto) if [ -r /dev/kvm ] && [ -w /dev/kvm ] && ! grep -qw hypervisor /proc/cpuinfo &&
	[ "$ARCH" = "$(uname -m | sed s/aarch64/arm64/)" ]; then ACCEL=kvm; else ACCEL=tcg; fi ;;
kvm) [ -w /dev/kvm ] || die "--accel kvm: /dev/kvm is not usable"
	[ "$ARCH" = "$(uname -m | sed s/aarch64/arm64/)" ] || die "--accel kvm: an $ARCH kernel on a $(uname -m) host runs under TCG only" ;;
esac
# Multi-threaded TCG runs the vCPUs in parallel; kernel code patching
# (static keys, alternatives: text_poke + int3) then races with the other
# vCPU and Debian 6.12 oopsed with "int3" in a kworker during boot (about 1 in
# 15 boots here). --tcg-threads single (the default) runs the vCPUs on one
# host thread: no such race, about the same speed for this mostly serial suite.
if [ "$ACCEL" = kvm ]; then CPU=host ACCEL_OPT=kvm; else CPU=max ACCEL_OPT=tcg,thread=$TCG_THREADS; fi

if [ "$ARCH" = arm64 ]; then
	# neoverse-n1: 4K/16K/64K granules, no pointer authentication (plain
	# "max" emulates PAuth and runs 2-5x slower under TCG). A kernel whose
	# granule the CPU lacks hangs silently: the wall-clock timeout ends it.
	QEMU=(qemu-system-aarch64 -M virt -cpu neoverse-n1)
	[ "$ACCEL" = kvm ] && QEMU=(qemu-system-aarch64 -M virt,gic-version=host -cpu host)
	CONSOLE=ttyAMA0
	QEMU_IO=(-serial "file:$WORK/console.log"
		-device virtio-serial-pci -chardev "file,id=pmcres,path=$WORK/results.raw"
		-device virtconsole,chardev=pmcres
		-drive "file=$WORK/scratch.img,format=raw,if=none,id=scratch,cache=unsafe"
		-device virtio-blk-pci,drive=scratch)
	# page size from the Image header flags (le64 at 0x18), bits 1-2: 1 4K, 2 16K, 3 64K
	case $(( $(od -An -tu8 -j 24 -N 8 "$KIMAGE" | tr -d ' ') >> 1 & 3 )) in
	2) KPAGE=16 ;; 3) KPAGE=64 ;; *) KPAGE=4 ;;
	esac
else
	QEMU=(qemu-system-x86_64 -cpu "$CPU")
	CONSOLE=ttyS0 KPAGE=4
	QEMU_IO=(-serial "file:$WORK/console.log" -serial "file:$WORK/results.raw"
		-drive "file=$WORK/scratch.img,format=raw,if=virtio,cache=unsafe")
fi
# The default hugetlb size is the PMD size: 2 MiB with 4K pages, 32 MiB with
# 16K, 512 MiB with 64K. Tests size their own pools; the boot-time pool is
# only for 4K kernels (16 x 2 MiB).
if [ -z "$HUGEPAGES" ]; then
	if [ "$KPAGE" = 4 ]; then HUGEPAGES=16; else HUGEPAGES=0; fi
fi
CMDLINE="console=$CONSOLE panic=-1 oops=panic loglevel=4 hugepages=$HUGEPAGES transparent_hugepage=$THP"
# NUMA nodes: node i gets an equal share of the memory (node 0 the rest)
# and the CPUs i, i+N, ... (none when CPUs < nodes: a memory-only node).
# Automatic NUMA balancing (on by default with two nodes) would make PTEs
# PROT_NONE and migrate pages under every other test: off.
NUMA_ARGS=()
if [ "$NUMA" -gt 1 ]; then
	for ((i = 0; i < NUMA; i++)); do
		size=$((MEM_MB / NUMA)); [ "$i" = 0 ] && size=$((size + MEM_MB % NUMA))
		cpus=
		for ((c = i; c < CPUS; c += NUMA)); do cpus+=",cpus=$c"; done
		NUMA_ARGS+=(-object "memory-backend-ram,id=pmcnode$i,size=${size}M"
			-numa "node,nodeid=$i$cpus,memdev=pmcnode$i")
	done
	CMDLINE="$CMDLINE numa_balancing=disable"
fi
[ -n "$APPEND" ] && CMDLINE="$CMDLINE $APPEND"

rm -rf "$OUT" && mkdir -p "$OUT"
: > "$WORK/console.log"; : > "$WORK/results.raw"
info "booting ($ACCEL_OPT, $MEM, $CPUS cpus, $NUMA NUMA node(s), timeout ${TIMEOUT}s): $CMDLINE"
START=$(date +%s%N)
set +e
timeout -k 5 "$TIMEOUT" "${QEMU[@]}" \
	-nodefaults -no-user-config -display none -no-reboot \
	-accel "$ACCEL_OPT" -m "${MEM_MB}M" -smp "$CPUS" "${NUMA_ARGS[@]}" \
	-kernel "$KIMAGE" -initrd "$WORK/initramfs.cpio" -append "$CMDLINE" \
	"${QEMU_IO[@]}" \
	-monitor none "${QEMU_ARGS[@]}" >"$WORK/qemu.log" 2>&1 &
QPID=$!
if [ "$VERBOSE" = 1 ]; then tail -n +1 -f "$WORK/console.log" --pid=$QPID >&2 & fi
wait $QPID
QRC=$?
QPID=
set -e
ELAPSED=$(awk -v a="$START" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
cp "$WORK/console.log" "$OUT/console.log"
cp "$WORK/results.raw" "$OUT/results.raw"
[ -s "$WORK/qemu.log" ] && cp "$WORK/qemu.log" "$OUT/qemu.log"
cp "$IR/pmc/programs.txt" "$OUT/programs.txt"

if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
	STATUS="timeout: no poweroff within ${TIMEOUT}s (hang)"
elif [ "$QRC" != 0 ]; then
	STATUS="qemu exited with status $QRC: $(head -c 300 "$WORK/qemu.log" | tr '\n' ' ')"
else
	STATUS=ok
fi
if grep -q 'Kernel panic' "$WORK/console.log"; then
	STATUS="kernel panic: $(grep -m1 'Kernel panic' "$WORK/console.log" | sed 's/^\[[^]]*\] //' | tr -d '\r' | cut -c1-200)"
fi
info "guest finished in ${ELAPSED}s ($STATUS)"
[ -z "$KNOWN" ] && KNOWN=${KNOWN_ISSUES:-}
[ -z "$KNOWN" ] && [ -r "$ROOT/known-issues.txt" ] && KNOWN=$ROOT/known-issues.txt
set +e
python3 "$ROOT/ci/lib/results.py" vm "$OUT" --status "$STATUS" --label "$KLABEL" \
	--elapsed "$ELAPSED" --accel "$ACCEL" ${KNOWN:+--known "$KNOWN"}
RC=$?
set -e
exit $RC
