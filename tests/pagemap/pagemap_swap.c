// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap of swapped-out memory, on a swap file of the test's own.
 *
 * Proves, for every page of the state:
 *  - swapped out (MADV_PAGEOUT; /proc/swaps Used grew, see swap.h): bit 62
 *    set, present/file/exclusive/uffd-wp clear, bits 0-4 = the swap type,
 *    which equals our area's index in /proc/swaps, bits 5-54 = an offset
 *    inside the area (0 < offset < size); no two pages share a slot. A
 *    child without CAP_SYS_ADMIN sees the same flags with bits 0-54 zero
 *    (swap entries are hidden like PFNs, since 4.18);
 *  - swap cache (read back, slot kept): present, exclusive, not swapped;
 *  - shmem paged out (smaps "Swap" covers the range): the documented
 *    exception: the pte is cleared, so the entry is all zero (not bit 62).
 * Requirements: root, swap support, a filesystem for the swap file.
 */
#include <sys/mman.h>

#include "pm_common.h"
#include "file.h"
#include "fork.h"
#include "swap.h"
#include "thp.h"

#define NPAGES 16

enum skind { SWAPPED, SWAP_CACHE, SHMEM_SWAPPED };

FIXTURE(swapped) {
	struct swap_area s;
	struct region r;
};

FIXTURE_VARIANT(swapped) {
	enum skind kind;
};

FIXTURE_VARIANT_ADD(swapped, anon) { SWAPPED };
FIXTURE_VARIANT_ADD(swapped, swap_cache) { SWAP_CACHE };
FIXTURE_VARIANT_ADD(swapped, shmem_swapped) { SHMEM_SWAPPED };

FIXTURE_SETUP(swapped)
{
	self->r.fd = -1;
	self->r.map_base = NULL;
	self->s.on = false;
	self->s.lock_fd = -1;
	self->s.path[0] = 0;
	REQUIRE_ROOT();
	BUILD(swap_setup(&self->s, SWAP_AREA_PAGES));
	if (variant->kind == SHMEM_SWAPPED) {
		BUILD(memfd_build(&self->r, NPAGES, MAP_SHARED, FILE_WRITTEN));
		REQUIRE(madvise(self->r.addr, self->r.len, MADV_PAGEOUT) == 0,
			"MADV_PAGEOUT not supported");
		/* Proof from smaps: shmem swap of the mapped range. */
		REQUIRE(smaps_kb(self->r.addr, self->r.len, "Swap") == (long)(self->r.len / 1024),
			"shmem pages not swapped out");
		return;
	}
	BUILD(swap_out_build(&self->r, NPAGES, &self->s));
	if (variant->kind == SWAP_CACHE)
		BUILD(swap_cache_build(&self->r, &self->s));
}

FIXTURE_TEARDOWN(swapped)
{
	region_unmap(&self->r);
	swap_teardown(&self->s);
}

static int c_drop_admin(struct child *c, void *addr, size_t n)
{
	(void)c; (void)addr; (void)n;
	return pmc_drop_cap(CAP_SYS_ADMIN) || pmc_have_cap(CAP_SYS_ADMIN) ? 1 : 0;
}

TEST_F(swapped, entry)
{
	uint64_t e[NPAGES], u[NPAGES];
	struct pm_expect x;
	struct child c;

	if (variant->kind == SWAP_CACHE) {
		x = pm_present(false, true, 0);
	} else if (variant->kind == SHMEM_SWAPPED) {
		x = pm_none();
	} else {
		x = pm_base();
		x.set |= PM_SWAP;
		x.clear |= PM_PRESENT | PM_FILE | PM_EXCLUSIVE;
		x.low = PM_LOW_SWAP;
		x.swap_type = (unsigned)self->s.type;
		x.swap_pages = self->s.pages;
	}
	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++)
		EXPECT_PM(&x, e[i], "page %zu", i);
	if (variant->kind != SWAPPED)
		return;
	/* One slot per page. */
	for (size_t i = 0; i < NPAGES; i++)
		for (size_t j = 0; j < i; j++)
			EXPECT_NE(pm_swap_offset(e[i]), pm_swap_offset(e[j]));
	/* Hidden from a reader without CAP_SYS_ADMIN: a child (its ptes are
	 * copies of the same swap entries) reads its own pagemap. */
	BUILD(child_start(&c));
	ASSERT_EQ(0, child_call(&c, c_drop_admin, NULL, 0));
	ASSERT_EQ(0, child_pagemap(&c, self->r.addr, NPAGES, u));
	child_stop(&c);
	x.privileged = false;
	for (size_t i = 0; i < NPAGES; i++) {
		EXPECT_PM(&x, u[i], "unprivileged, page %zu", i);
		EXPECT_EQ(e[i] & PM_FLAG_BITS, u[i] & PM_FLAG_BITS);
	}
}

PMC_MAIN
