#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh: cross-build an arm64 kernel Image with a page size Debian
# does not ship (64K; 16K and 4K too) from Debian's linux-source-6.12, for
# ci/vm-run.sh.
#
#   ci/build-kernel.sh [--pages 64k|16k|4k] [--jobs N] [--source TARBALL] [--force]
#
# Config: `make allnoconfig` with KCONFIG_ALLCONFIG = ci/kconfig/arm64-base.config
# + ci/kconfig/arm64-<pages>.config; every option the fragments set is checked
# in the result (a dropped dependency is an error, not a silent SKIP later).
# Cache: $PMC_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/pagemap-conformance)
#   src/<source version>/            the unpacked tarball (shared by all builds)
#   kernels/built-arm64-<pages>-<source version>-<fragment hash>/
#        Image  config  release  build.log
# keyed by the fragments' content and the source package version: the same
# inputs never build twice. On a fresh Debian 12 (as root) the build tools and
# linux-source-6.12 are installed first.
#
# Prints the Image path as the last line of stdout. Exit 0 built or cached,
# 1 build failed, 2 usage or setup error.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PMC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pagemap-conformance}
PAGES=64k JOBS=2 FORCE=0
TARBALL=/usr/src/linux-source-6.12.tar.xz
CROSS=aarch64-linux-gnu-

die() { echo "build-kernel: error: $*" >&2; exit 2; }
info() { echo "build-kernel: $*" >&2; }

while [ $# -gt 0 ]; do
	case $1 in
	--pages) PAGES=$2; shift ;;
	--jobs) JOBS=$2; shift ;;
	--source) TARBALL=$2; shift ;;
	--force) FORCE=1 ;;
	-h|--help) sed -n '/^# build-kernel.sh/,/^set -e/p' "$0" | sed -e 's/^# \{0,1\}//' -e '$d' >&2; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
	shift
done
case $PAGES in 4k|16k|64k) ;; *) die "--pages must be 4k, 16k or 64k" ;; esac
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs takes a number"
BASE=$ROOT/ci/kconfig/arm64-base.config
FRAG=$ROOT/ci/kconfig/arm64-$PAGES.config
[ -r "$BASE" ] && [ -r "$FRAG" ] || die "missing $BASE or $FRAG"

# ---- tools: apt-get (serialised by the shared apt lock when flock exists) ----
apt_get() {
	if command -v flock >/dev/null; then flock /tmp/pmc-apt.lock apt-get "$@"; else apt-get "$@"; fi
}
need=() pkgs=()
command -v "${CROSS}gcc" >/dev/null || { need+=("${CROSS}gcc"); pkgs+=(gcc-aarch64-linux-gnu); }
command -v gcc >/dev/null || { need+=(gcc); pkgs+=(gcc); }
command -v make >/dev/null || { need+=(make); pkgs+=(make); }
command -v flex >/dev/null || { need+=(flex); pkgs+=(flex); }
command -v bison >/dev/null || { need+=(bison); pkgs+=(bison); }
command -v bc >/dev/null || { need+=(bc); pkgs+=(bc); }
command -v xz >/dev/null || { need+=(xz); pkgs+=(xz-utils); }
[ -e /usr/include/openssl/ssl.h ] || { need+=(openssl/ssl.h); pkgs+=(libssl-dev); }
[ -e /usr/include/gelf.h ] || { need+=(gelf.h); pkgs+=(libelf-dev); }
[ -r "$TARBALL" ] || [ "$TARBALL" != /usr/src/linux-source-6.12.tar.xz ] || { need+=("$TARBALL"); pkgs+=(linux-source-6.12); }
if [ ${#pkgs[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
		die "missing ${need[*]}: install them with: sudo apt-get install ${pkgs[*]}"
	info "installing ${pkgs[*]}"
	apt_get update -q >/dev/null 2>&1 || info "apt-get update failed (continuing with the current lists)"
	DEBIAN_FRONTEND=noninteractive apt_get install -y -q "${pkgs[@]}" >&2 || die "apt-get install ${pkgs[*]} failed"
fi
[ -r "$TARBALL" ] || die "kernel source $TARBALL missing"

# ---- cache key: source version + both fragments ----
SRCVER=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
[ "$TARBALL" = /usr/src/linux-source-6.12.tar.xz ] && [ -n "$SRCVER" ] ||
	SRCVER=$(stat -c '%s-%Y' "$TARBALL")
SRCVER=${SRCVER//[^A-Za-z0-9.+-]/_}
HASH=$(cat "$BASE" "$FRAG" | sha256sum | cut -c1-12)
OUT=$CACHE/kernels/built-arm64-$PAGES-$SRCVER-$HASH
mkdir -p "$CACHE/kernels" "$CACHE/src"

exec 9>"$OUT.lock"
flock 9	# one build per key at a time; a second caller waits, then finds it cached
if [ "$FORCE" = 0 ] && [ -s "$OUT/Image" ] && [ -s "$OUT/release" ]; then
	info "cached: $OUT ($(cat "$OUT/release"))"
	echo "$OUT/Image"
	exit 0
fi

t0=$(date +%s)
SRC=$CACHE/src/linux-source-6.12-$SRCVER
if [ ! -e "$SRC/.pmc-unpacked" ]; then
	info "unpacking $TARBALL into $SRC"
	rm -rf "$SRC" "$SRC.tmp" && mkdir -p "$SRC.tmp"
	# Documentation is a fifth of the tree; the build reads only its Kconfig
	# (two doc-warning options), which an empty file replaces.
	tar -xJf "$TARBALL" -C "$SRC.tmp" --strip-components=1 --exclude='*/Documentation' ||
		{ rm -rf "$SRC.tmp"; die "unpacking $TARBALL failed"; }
	mkdir -p "$SRC.tmp/Documentation" && : > "$SRC.tmp/Documentation/Kconfig"
	mv "$SRC.tmp" "$SRC" && touch "$SRC/.pmc-unpacked"
fi
t1=$(date +%s)

BUILD=$CACHE/kbuild/arm64-$PAGES-$SRCVER-$HASH
mkdir -p "$BUILD"
cat "$BASE" "$FRAG" > "$BUILD/fragment.config"
KMAKE=(make -C "$SRC" O="$BUILD" ARCH=arm64 CROSS_COMPILE="$CROSS" -j"$JOBS")
LOG=$BUILD/build.log
info "configuring (allnoconfig + $(basename "$BASE") + $(basename "$FRAG"))"
KCONFIG_ALLCONFIG=$BUILD/fragment.config "${KMAKE[@]}" allnoconfig >"$LOG" 2>&1 ||
	{ tail -n 20 "$LOG" >&2; die "allnoconfig failed (log: $LOG)"; }
# Every option the fragments set must have survived Kconfig's dependencies.
lost=$(grep -hE '^CONFIG_[A-Z0-9_]+=' "$BUILD/fragment.config" | while IFS= read -r l; do
	grep -qxF "$l" "$BUILD/.config" || echo "$l (got: $(grep -E "^(# )?${l%%=*}[= ]" "$BUILD/.config" || echo absent))"
done)
[ -z "$lost" ] || die "options the fragment sets did not survive Kconfig:"$'\n'"$lost"
info "building Image with -j$JOBS (log: $LOG)"
if ! "${KMAKE[@]}" Image >>"$LOG" 2>&1; then
	tail -n 30 "$LOG" >&2
	echo "build-kernel: error: make Image failed (log: $LOG)" >&2
	exit 1
fi
t2=$(date +%s)
rm -rf "$OUT.tmp" && mkdir -p "$OUT.tmp"
cp "$BUILD/arch/arm64/boot/Image" "$OUT.tmp/Image"
cp "$BUILD/.config" "$OUT.tmp/config"
cp "$LOG" "$OUT.tmp/build.log"
"${KMAKE[@]}" -s kernelrelease > "$OUT.tmp/release"
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
info "built $(cat "$OUT/release") in $((t2 - t0)) s (unpack $((t1 - t0)) s, config+build $((t2 - t1)) s)"
echo "unpack_s=$((t1 - t0)) build_s=$((t2 - t1)) jobs=$JOBS" > "$OUT/timing"
echo "$OUT/Image"
