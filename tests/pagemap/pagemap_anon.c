// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap of private anonymous memory.
 *
 * Proves, for every page of the state:
 *  - untouched: the entry is all zero but for soft-dirty (set exactly when
 *    CONFIG_MEM_SOFT_DIRTY marks the fresh VMA);
 *  - written: present, exclusive, PFN shown to root and distinct per page,
 *    not file, not swapped, no uffd-wp, no guard, bits 59-60 zero.
 * Requirements: none (the PFN part needs CAP_SYS_ADMIN and is checked as
 * hidden otherwise).
 */
#include "pmc_test.h"
#include "caps.h"
#include "state.h"

#define NPAGES 16

FIXTURE(anon) {
	struct region r;
};

FIXTURE_VARIANT(anon) {
	enum anon_touch touch;
};

FIXTURE_VARIANT_ADD(anon, untouched) { .touch = ANON_UNTOUCHED };
FIXTURE_VARIANT_ADD(anon, written) { .touch = ANON_WRITTEN };

FIXTURE_SETUP(anon)
{
	self->r.fd = -1;
	BUILD(anon_build(&self->r, NPAGES, variant->touch));
}

FIXTURE_TEARDOWN(anon)
{
	region_unmap(&self->r);
}

TEST_F(anon, entry)
{
	uint64_t e[NPAGES];
	bool sd = pmc_have_soft_dirty();
	struct pm_expect x = {
		.clear = PM_UFFD_WP | PM_GUARD | PM_RESERVED | PM_FILE | PM_SWAP,
		.privileged = pmc_have_cap(CAP_SYS_ADMIN),
	};

	/* A fresh VMA is soft-dirty as a whole when tracking is compiled in. */
	if (sd)
		x.set |= PM_SOFT_DIRTY;
	else
		x.clear |= PM_SOFT_DIRTY;
	if (variant->touch == ANON_WRITTEN) {
		x.set |= PM_PRESENT | PM_EXCLUSIVE;
		x.low = PM_LOW_PFN;
	} else {
		x.clear |= PM_PRESENT | PM_EXCLUSIVE;
		x.low = PM_LOW_ZERO;
	}
	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++)
		EXPECT_PM(&x, e[i], "page %zu", i);
	/* Independent oracle: distinct pages of memory have distinct PFNs. */
	if (variant->touch == ANON_WRITTEN && x.privileged)
		for (size_t i = 1; i < NPAGES; i++)
			EXPECT_NE(pm_pfn(e[i - 1]), pm_pfn(e[i]));
}

PMC_MAIN
