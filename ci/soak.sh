#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ci/soak.sh N [run_tests.sh options]: run the full suite N times and report
# every case whose result changed between runs (flakiness). Exit 1 if any did.
# Example under load: stress-ng --cpu 2 --vm 1 --vm-bytes 2G & ci/soak.sh 20

set -u -o pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:?usage: ci/soak.sh N [run_tests.sh options]}
shift
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "soak: N must be a positive integer" >&2; exit 2; }
dir=$(mktemp -d /var/tmp/soak.XXXXXX)
trap 'rm -rf "$dir"' EXIT

"$ROOT/run_tests.sh" --list "$@" >/dev/null || exit 2	# builds once, checks options
for ((i = 1; i <= n; i++)); do
	"$ROOT/run_tests.sh" --no-build --json "$dir/run$i.json" "$@" >"$dir/run$i.log" 2>&1
	printf 'run %d/%d: %s\n' "$i" "$n" "$(tail -1 "$dir/run$i.log")"
	# name result, one per line
	sed -nE 's/^  \{"name": "([^"]+)", "program": "[^"]*", "result": "([A-Z]+)".*/\1 \2/p' \
		"$dir/run$i.json" | sort >"$dir/res$i"
done
awk '{ r[$1] = r[$1] " " $2; seen[$1 " " $2] = 1 }
	END {
		bad = 0
		for (t in r) {
			n = split(r[t], a, " ")
			for (i = 2; i <= n; i++)
				if (a[i] != a[1]) { print "CHANGED " t ":" r[t]; bad++; break }
		}
		if (bad == 0) print "soak: no case changed its result"
		exit bad > 0
	}' "$dir"/res*
