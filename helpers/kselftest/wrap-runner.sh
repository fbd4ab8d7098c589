#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# wrap-runner.sh RUNNER: make an installed run_kselftest.sh exit non-zero
# when a program fails (a top-level "not ok" line), as upstream's runner does
# since it gained --no-error-on-fail; the 6.12 one always exits 0, and
# LKFT/KernelCI wrappers and plain CI jobs read the exit status.
#
# The stock script stays as it is: a trampoline is inserted after its
# shebang line. On its first run it runs the script again with the same
# arguments, passes the output through unchanged, and returns the inner
# status if that is non-zero (usage errors), else 1 if any program failed
# (0 with upstream's -f/--no-error-on-fail, which it takes away from the
# arguments the 6.12 runner would refuse).
# Idempotent: a runner that has the trampoline is left alone.
set -eu
runner=$1
[ -r "$runner" ] || { echo "wrap-runner: $runner: not readable" >&2; exit 2; }
grep -q '^# pagemap-conformance:' "$runner" && exit 0
tmp=$runner.tmp.$$
{
	head -n 1 "$runner"
	cat <<'TRAMPOLINE'
# pagemap-conformance: exit 1 when a program fails (added at install time).
if [ -z "${PMC_KSFT_INNER:-}" ]; then
	PMC_KSFT_INNER=1; export PMC_KSFT_INNER
	pmc_on_fail=1	# upstream's -f/--no-error-on-fail turns it off
	for pmc_a in "$@"; do
		shift
		case $pmc_a in
		-f|--no-error-on-fail) pmc_on_fail=0 ;;
		*) set -- "$@" "$pmc_a" ;;
		esac
	done
	pmc_rc=$(mktemp) || exit 2
	{ /bin/sh "$0" "$@"; echo $? > "$pmc_rc"; } |
		awk '{ print; fflush() } /^not ok [0-9]+ / { f = 1 } END { exit f }'
	pmc_failed=$?
	read -r pmc_inner < "$pmc_rc" || pmc_inner=2
	rm -f "$pmc_rc"
	[ "$pmc_inner" -ne 0 ] && exit "$pmc_inner"
	[ "$pmc_on_fail" = 1 ] && exit "$pmc_failed"
	exit 0
fi
TRAMPOLINE
	tail -n +2 "$runner"
} > "$tmp"
chmod 755 "$tmp"
mv "$tmp" "$runner"
