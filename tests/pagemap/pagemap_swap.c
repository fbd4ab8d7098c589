// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap of swapped-out memory, on a swap file of the test's own.
 *
 * Proves, for every page of the state:
 *  - swapped out (MADV_PAGEOUT; /proc/swaps Used grew, see swap.h): bit 62
 *    set, present/file/exclusive/uffd-wp clear, bits 0-4 = the swap type,
 *    which equals our area's index in /proc/swaps, bits 5-54 = an offset
 *    inside the area (0 < offset < size); no two pages share a slot, and
 *    the swap file's page at that offset holds that page's data (the
 *    offset oracle: a swap file's slot N is its page N). A
 *    child without CAP_SYS_ADMIN sees the same flags with bits 0-54 zero
 *    (swap entries are hidden like PFNs, since 4.18);
 *  - swap cache (read back, slot kept): present, exclusive, not swapped;
 *  - shmem paged out (smaps "Swap" covers the range): the documented
 *    exception: the pte is cleared, so the entry is all zero (not bit 62).
 * Requirements: root, swap support, a filesystem for the swap file.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

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

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * The slot the entry names holds the page's data: region_write() put byte
 * i+1 at the start of page i. The write to the swap file may still be in
 * flight after MADV_PAGEOUT returns: bounded poll, 2 s.
 */
static void expect_slot_holds_page(struct __test_metadata *_metadata,
				   const struct swap_area *s, const uint64_t *e, size_t n)
{
	char *buf = aligned_alloc(page_size(), page_size());
	long long t0 = ms_now();

	ASSERT_NE(NULL, buf);
	for (size_t i = 0; i < n; i++) {
		int r;

		while ((r = swap_slot_read(s, pm_swap_offset(e[i]), buf)) == 0 &&
		       buf[0] != (char)(i + 1) && ms_now() - t0 < 2000)
			nanosleep(&(struct timespec){ .tv_nsec = 1000 * 1000 }, NULL);
		ASSERT_EQ(0, r);
		PMC_EXPECT(buf[0] == (char)(i + 1),
			   "page %zu: swap slot %#llx holds page data %d, not %d (after 2 s)",
			   i, (unsigned long long)pm_swap_offset(e[i]), buf[0], (int)(i + 1));
	}
	free(buf);
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
		x.clear |= PM_PRESENT | PM_FILE | PM_MMAP_EXCLUSIVE;
		x.low = PM_LOW_SWAP;
		x.swap_type = (unsigned)self->s.type;
		x.swap_pages = self->s.pages;
	}
	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++)
		EXPECT_PM(&x, e[i], "page %zu", i);
	if (variant->kind != SWAPPED)
		return;
	/* One slot per page, holding that page. */
	for (size_t i = 0; i < NPAGES; i++)
		for (size_t j = 0; j < i; j++)
			EXPECT_NE(pm_swap_offset(e[i]), pm_swap_offset(e[j]));
	expect_slot_holds_page(_metadata, &self->s, e, NPAGES);
	/* Hidden from a reader without CAP_SYS_ADMIN: a child (its ptes are
	 * copies of the same swap entries) reads its own pagemap. */
	BUILD(child_start(&c));
	ASSERT_EQ(0, child_drop_sys_admin(&c));
	ASSERT_EQ(0, child_pagemap(&c, self->r.addr, NPAGES, u));
	child_stop(&c);
	x.privileged = false;
	for (size_t i = 0; i < NPAGES; i++) {
		EXPECT_PM(&x, u[i], "unprivileged, page %zu", i);
		EXPECT_EQ(e[i] & PM_FLAG_BITS, u[i] & PM_FLAG_BITS);
	}
}

PMC_MAIN
