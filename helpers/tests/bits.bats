#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The bit tables (helpers/core/bits.h): their rendering is current, their names
# and numbers are the kernel's, and a new pagemap bit is one row: the
# decoder, the default classification, the refusal of an expectation that
# leaves it unclassified, the fault rows and docs/bits.md follow from it.
# Nothing here touches kernel state.

load ../bats/common

setup() {
	T=$(mktemp -d)
	CC=${CC:-cc}
}

teardown() {
	rm -rf "$T"
}

@test "bits: docs/bits.md is what make docs/bits.md renders" {
	python3 "$PMC_ROOT/helpers/tools/bits-doc.py" >"$T/bits.md"
	diff -u "$PMC_ROOT/docs/bits.md" "$T/bits.md"
}

@test "bits: the KPF and scan rows match the build host's uapi headers" {
	python3 "$PMC_ROOT/helpers/tools/bits-doc.py" --uapi-check >"$T/uapi.c"
	$CC -std=gnu11 -fsyntax-only "$T/uapi.c"
}

# The kernel source the suite reads names from (6.12 in the cache), else
# PMC_KERNEL_SRC. Every PM_* flag, KPF_* and PAGE_IS_* it defines must be a
# row with the same bit (the table may know newer ones).
@test "bits: every flag the kernel source defines is a row with its bit" {
	local src=${PMC_KERNEL_SRC:-}
	[[ -n $src ]] || src=$(ls -d "$HOME"/.cache/pagemap-conformance/src/linux-source-*/ 2>/dev/null | tail -1)
	[[ -n $src && -r $src/fs/proc/task_mmu.c ]] || skip "no kernel source (PMC_KERNEL_SRC)"
	python3 "$PMC_ROOT/helpers/tools/bits-doc.py" --rows | cut -f2,3 | sort >"$T/rows"
	{
		sed -nE 's/^#define[[:space:]]+(PM_[A-Z_]+)[[:space:]]+BIT_ULL\(([0-9]+)\).*/\1\t\2/p' \
			"$src/fs/proc/task_mmu.c"
		sed -nE 's/^#define[[:space:]]+(KPF_[A-Z0-9_]+)[[:space:]]+([0-9]+).*/\1\t\2/p' \
			"$src/include/uapi/linux/kernel-page-flags.h" "$src/include/linux/kernel-page-flags.h"
		sed -nE 's/^#define[[:space:]]+(PAGE_IS_[A-Z_]+)[[:space:]]+\(1 << ([0-9]+)\).*/\1\t\2/p' \
			"$src/include/uapi/linux/fs.h"
	} | sort >"$T/kernel"
	[ "$(wc -l <"$T/kernel")" -gt 40 ]
	comm -23 "$T/kernel" "$T/rows" >"$T/missing"
	[ ! -s "$T/missing" ] || { echo "in $src, not rows:"; cat "$T/missing"; false; }
}

# A copy of the table and of what is generated from it; the only file the
# copy changes is bits.h.
copy_tree() {
	mkdir -p "$T/tree/helpers/core" "$T/tree/helpers/faultinject" "$T/tree/helpers/tools"
	cp "$PMC_ROOT"/helpers/core/{bits.h,entry.h,entry.c,compat.h} "$T/tree/helpers/core/"
	cp "$PMC_ROOT/helpers/faultinject/faultinject.c" "$T/tree/helpers/faultinject/"
	cp "$PMC_ROOT/helpers/tools/bits-doc.py" "$T/tree/helpers/tools/"
	cp "$PMC_ROOT/fixes.tsv" "$T/tree/"
	cp -r "$T/tree" "$T/orig"
}

# add_bit DFLT: a fake pagemap bit 59 (reserved today), default DFLT.
add_bit() {
	sed -i "s|^#define PM_FLAGS(X) \\\\\$|&\n\tX(PM_TEST_FAKE, 59, \"fake\", \"fake\", $1, \"-\", \"a bit for the self-test\") \\\\|" \
		"$T/tree/helpers/core/bits.h"
	grep -q 'X(PM_TEST_FAKE, 59' "$T/tree/helpers/core/bits.h"
	run diff -rq "$T/orig" "$T/tree"
	[ "$output" = "Files $T/orig/helpers/core/bits.h and $T/tree/helpers/core/bits.h differ" ]
}

# A present private anon page, classified as tests/pagemap/pm_common.h's
# pm_present() does: the tables' defaults, then what the state implies.
driver() {
	cat >"$T/driver.c" <<-'EOF'
	#include <stdio.h>
	#include "entry.h"

	int main(void)
	{
		struct pm_expect x = { .low = PM_LOW_ANY, .low_why = "not the point here" };
		char why[1024], buf[256];

		pm_expect_defaults(&x, false);
		x.set |= PM_PRESENT | PM_MMAP_EXCLUSIVE;
		x.clear |= PM_SWAP | PM_FILE;
		printf("name=%s\n", pm_bit_name(59));
		pm_format(PM_PRESENT | PM_TEST_FAKE, buf, sizeof(buf));
		printf("format=%s\n", buf);
		printf("reserved=%d\n", !!(PM_RESERVED & PM_TEST_FAKE));
		printf("clean=%d %s\n", pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE, why, sizeof(why)), why);
		printf("set=%d %s\n", pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE | PM_TEST_FAKE, why, sizeof(why)), why);
		return 0;
	}
	EOF
	local f="-std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I$T/tree/helpers/core"
	$CC $f -o "$T/driver" "$T/driver.c" "$T/tree/helpers/core/entry.c"
	$CC $f -fPIC -shared -o "$T/fault.so" "$T/tree/helpers/faultinject/faultinject.c" \
		"$T/tree/helpers/core/entry.c" -ldl
	run "$T/driver"
	echo "$output"
}

@test "bits: a new pagemap bit (default STATE) is named, and an expectation leaving it out is refused" {
	copy_tree
	add_bit STATE
	driver
	[ "$status" -eq 0 ]
	grep -qx 'name=fake' <<<"$output"
	grep -q '^format=0x8800000000000000 fake|present$' <<<"$output"
	grep -qx 'reserved=0' <<<"$output"
	# No expectation in the tree classifies it: every one is refused.
	grep -q '^clean=0 .*test bug.*unclassified=fake' <<<"$output"
	grep -q '^set=0 .*unclassified=fake' <<<"$output"
}

@test "bits: a new pagemap bit (default CLEAR) is asserted clear by every existing expectation" {
	copy_tree
	add_bit CLEAR
	driver
	[ "$status" -eq 0 ]
	grep -qx 'clean=1 ' <<<"$output"
	grep -q '^set=0 unexpected(expected clear)=fake ' <<<"$output"
}

@test "bits: a new pagemap bit gets its fault rows and its docs/bits.md line" {
	copy_tree
	add_bit STATE
	driver
	run env PMC_FAULT=list LD_PRELOAD="$T/fault.so" /bin/true
	[ "$status" -eq 0 ]
	grep -q '^pm-fake-never	' <<<"$output"
	grep -q '^pm-fake-on-present	' <<<"$output"
	! grep -q '^pm-bit59-' <<<"$output"
	grep -q '^pm-bit60-on-present	' <<<"$output"
	run python3 "$T/tree/helpers/tools/bits-doc.py" --bits "$T/tree/helpers/core/bits.h" --fixes "$T/tree/fixes.tsv"
	[ "$status" -eq 0 ]
	grep -q '^| 59 | `PM_TEST_FAKE` | fake | fake | the state decides (none) | - | a bit for the self-test |$' <<<"$output"
}
