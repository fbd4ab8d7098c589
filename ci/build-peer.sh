#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ci/build-peer.sh [--src TARBALL] [--out DIR] [--static] [--cross PREFIX]
#
# Builds the upstream peer of this suite, the mm selftest pagemap_ioctl, from
# the same kernel source tarball the suite takes its kselftest headers from
# (default /usr/src/linux-source-6.12.tar.xz), and prints the binary's path.
# The peer needs the uapi headers of its own release (PAGEMAP_SCAN, WP_ASYNC,
# MFD_NOEXEC_SEAL are newer than Debian 12's linux-libc-dev): the four it uses
# are passed through the tree's own scripts/headers_install.sh, as
# `make headers_install` would, into a private include directory. Nothing is
# written into the repository; the result is cached by tarball, compiler and
# flags under $PMC_CACHE (default ~/.cache/pagemap-conformance)/peer.
set -euo pipefail

SRC=/usr/src/linux-source-6.12.tar.xz OUT= STATIC=0 CROSS=
while (($#)); do
	case $1 in
	--src) SRC=$2; shift ;;
	--out) OUT=$2; shift ;;
	--static) STATIC=1 ;;
	--cross) CROSS=$2; shift ;;
	-h|--help) sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "build-peer: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
[[ -r $SRC ]] || { echo "build-peer: $SRC missing (apt-get install linux-source-6.12)" >&2; exit 2; }
CC=${CROSS}gcc
command -v "$CC" >/dev/null || { echo "build-peer: $CC not found" >&2; exit 2; }

key=$(printf '%s\n' "$(stat -c '%n %s %Y' "$SRC")" "$CC $STATIC" | sha1sum | cut -c1-12)
CACHE=${PMC_CACHE:-$HOME/.cache/pagemap-conformance}
OUT=${OUT:-$CACHE/peer/$key}
bin=$OUT/pagemap_ioctl
if [[ -x $bin ]]; then
	echo "$bin"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Debian: linux-source-X.Y.tar.xz holds linux-source-X.Y/ (listing it would cost 20 s).
top=$(basename "$SRC" .tar.xz)
st=$top/tools/testing/selftests
uapi=(fs userfaultfd memfd)
uapi_src=()
for h in "${uapi[@]}"; do uapi_src+=("$top/include/uapi/linux/$h.h"); done
tar -xJf "$SRC" -C "$work" "$st/kselftest.h" \
	"$st/mm/pagemap_ioctl.c" "$st/mm/vm_util.c" "$st/mm/vm_util.h" \
	"$st/mm/thp_settings.c" "$st/mm/thp_settings.h" \
	"$top/scripts/headers_install.sh" "$top/scripts/unifdef.c" \
	"${uapi_src[@]}"
# The tree's uapi headers are taken as `make headers_install` exports them.
( cd "$work/$top" && gcc -O2 -o scripts/unifdef scripts/unifdef.c &&
  mkdir -p "$work/include/linux" &&
  for h in "${uapi[@]}"; do
	  sh scripts/headers_install.sh "include/uapi/linux/$h.h" "$work/include/linux/$h.h"
  done ) >&2
mkdir -p "$OUT"
flags=(-O2 -isystem "$work/include")
((STATIC)) && flags+=(-static)
( cd "$work/$st/mm" &&
  "$CC" "${flags[@]}" -o "$bin.tmp" pagemap_ioctl.c vm_util.c thp_settings.c -lm -lpthread ) >&2
mv "$bin.tmp" "$bin"
echo "$bin"
