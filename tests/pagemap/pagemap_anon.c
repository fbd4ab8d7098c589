// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap of anonymous memory, private and shared.
 *
 * Proves, for every page of the state:
 *  - private, untouched: the entry is all zero but for soft-dirty (set
 *    exactly when CONFIG_MEM_SOFT_DIRTY marks the fresh VMA);
 *  - private, read-faulted: every page maps the one shared zero page:
 *    present, NOT exclusive (the zero page has no mapcount), not file, the
 *    same PFN on every page, and kpagecount says 0 for it. Kernels whose
 *    read faults do not map the zero page (two read faults, two PFNs) SKIP;
 *  - private, written: present, exclusive, PFN shown to root and distinct
 *    per page, not file, not swapped, no uffd-wp, no guard, bits 59-60 zero;
 *  - private, written then MADV_DONTNEED: back to all zero;
 *  - private, written then mprotect(PROT_NONE): still present and exclusive
 *    with the same PFNs (PROT_NONE keeps the page mapped);
 *  - private, written then MADV_FREE (lazyfree, proven by smaps LazyFree):
 *    still present and exclusive until reclaim takes the pages (MADV_FREE
 *    only cleans and ages the PTEs and moves the folios to the file LRU;
 *    pagemap reports neither), kpagecount 1;
 *  - shared (MAP_SHARED|MAP_ANONYMOUS, i.e. shmem): untouched all zero;
 *    written: present, bit 61 set (shared anon reports as file), exclusive
 *    (mapped once: kpagecount 1 is the oracle).
 *  - soft-dirty: written pages after "4" > /proc/self/clear_refs: bit 55
 *    clear, and set again exactly on the pages written after it (SKIP
 *    without CONFIG_MEM_SOFT_DIRTY).
 * Requirements: none (the PFN part needs CAP_SYS_ADMIN and is checked as
 * hidden otherwise; the zero-page case needs it to detect the zero page).
 */
#include <sys/mman.h>

#include "pm_common.h"
#include "lru.h"
#include "state.h"

#define NPAGES 16

enum after { AFTER_NOTHING, AFTER_DONTNEED, AFTER_PROT_NONE, AFTER_LAZYFREE };

FIXTURE(anon) {
	struct region r;
	uint64_t pfn[NPAGES];
};

FIXTURE_VARIANT(anon) {
	enum anon_touch touch;
	enum after after;
};

FIXTURE_VARIANT_ADD(anon, untouched) { .touch = ANON_UNTOUCHED };
FIXTURE_VARIANT_ADD(anon, read) { .touch = ANON_READ };
FIXTURE_VARIANT_ADD(anon, written) { .touch = ANON_WRITTEN };
FIXTURE_VARIANT_ADD(anon, dontneed) { .touch = ANON_WRITTEN, .after = AFTER_DONTNEED };
FIXTURE_VARIANT_ADD(anon, prot_none) { .touch = ANON_WRITTEN, .after = AFTER_PROT_NONE };
FIXTURE_VARIANT_ADD(anon, lazyfree) { .touch = ANON_WRITTEN, .after = AFTER_LAZYFREE };

FIXTURE_SETUP(anon)
{
	self->r.fd = -1;
	if (variant->touch == ANON_READ) {
		int z = zero_page_in_use();

		REQUIRE(z >= 0, "mincore/smaps unreadable");
		REQUIRE(z == 1, "read faults do not map the zero page (mm_forbids_zeropage)");
	}
	if (variant->after == AFTER_LAZYFREE)
		BUILD(anon_lazyfree_build(&self->r, NPAGES));
	else
		BUILD(anon_build(&self->r, NPAGES, variant->touch));
	for (size_t i = 0; i < NPAGES; i++)
		self->pfn[i] = pfn_of(self->r.addr + i * page_size());
	if (variant->after == AFTER_DONTNEED)
		ASSERT_EQ(0, madvise(self->r.addr, self->r.len, MADV_DONTNEED));
	if (variant->after == AFTER_PROT_NONE)
		ASSERT_EQ(0, mprotect(self->r.addr, self->r.len, PROT_NONE));
}

FIXTURE_TEARDOWN(anon)
{
	region_unmap(&self->r);
}

TEST_F(anon, entry)
{
	uint64_t e[NPAGES];
	struct pm_expect x;

	if (variant->touch == ANON_UNTOUCHED || variant->after == AFTER_DONTNEED)
		x = pm_none();
	else if (variant->touch == ANON_READ)
		/* The zero page: one PFN for all, never "exclusively mapped". */
		x = pm_present(false, false, self->pfn[0]);
	else
		x = pm_present(false, true, 0);
	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++) {
		if (variant->touch == ANON_WRITTEN && variant->after == AFTER_PROT_NONE)
			x.pfn = self->pfn[i];	/* the same page as before mprotect */
		EXPECT_PM(&x, e[i], "page %zu", i);
	}
	if (!x.privileged || !(x.set & PM_PRESENT))
		return;
	/* Independent oracles: distinct pages of memory have distinct PFNs;
	 * the zero page has mapcount 0, a private page 1. */
	for (size_t i = 1; i < NPAGES && variant->touch == ANON_WRITTEN; i++)
		EXPECT_NE(pm_pfn(e[i - 1]), pm_pfn(e[i]));
	for (size_t i = 0; i < NPAGES; i++)
		EXPECT_EQ(variant->touch == ANON_READ ? 0 : 1, pm_mapcount(e[i]));
}

FIXTURE(shared_anon) {
	struct region r;
};

FIXTURE_VARIANT(shared_anon) {
	bool written;
};

FIXTURE_VARIANT_ADD(shared_anon, untouched) { .written = false };
FIXTURE_VARIANT_ADD(shared_anon, written) { .written = true };

FIXTURE_SETUP(shared_anon)
{
	self->r.fd = -1;
	if (variant->written) {
		BUILD(anon_shared_build(&self->r, NPAGES));
	} else {
		BUILD(region_map(&self->r, NPAGES * page_size(), 0, PROT_READ | PROT_WRITE,
				 MAP_SHARED, -1, 0));
	}
}

FIXTURE_TEARDOWN(shared_anon)
{
	region_unmap(&self->r);
}

TEST_F(shared_anon, entry)
{
	uint64_t e[NPAGES];
	struct pm_expect x = variant->written ? pm_present(true, true, 0) : pm_none();

	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++)
		EXPECT_PM(&x, e[i], "page %zu", i);
	/* Oracle for bit 56: the page is mapped once. */
	for (size_t i = 0; i < NPAGES && variant->written && x.privileged; i++)
		EXPECT_EQ(1, pm_mapcount(e[i]));
}

FIXTURE(soft_dirty) {
	struct region r;
};

FIXTURE_SETUP(soft_dirty)
{
	self->r.fd = -1;
	self->r.map_base = NULL;
	REQUIRE(pm_sd(), "needs CONFIG_MEM_SOFT_DIRTY");
	BUILD(anon_build(&self->r, NPAGES, ANON_WRITTEN));
	/* Per-process, not a global knob: clears soft-dirty of our ptes and
	 * VM_SOFTDIRTY of our VMAs. */
	ASSERT_EQ(0, pmc_write_file("/proc/self/clear_refs", "4"));
	for (size_t i = 0; i < NPAGES / 2; i++)
		self->r.addr[i * page_size()] ^= 1;
}

FIXTURE_TEARDOWN(soft_dirty)
{
	region_unmap(&self->r);
}

TEST_F(soft_dirty, after_clear_refs)
{
	uint64_t e[NPAGES];

	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++) {
		struct pm_expect x = pm_present(false, true, 0);

		x.set &= ~PM_SOFT_DIRTY;
		x.clear &= ~PM_SOFT_DIRTY;
		if (i < NPAGES / 2)
			x.set |= PM_SOFT_DIRTY;		/* written after clear_refs */
		else
			x.clear |= PM_SOFT_DIRTY;
		EXPECT_PM(&x, e[i], "page %zu", i);
	}
}

/* Interface additions this program pins (exported by --meta). */
PMC_TAG("anon.written.entry", "PM-EXCLUSIVE")
PMC_TAG("shared_anon.written.entry", "PM-FILE")

PMC_MAIN
