// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap of KSM-merged anonymous memory (ksmd tuned for speed and put
 * back afterwards, see ksm.h).
 *
 * Proves, for every page of the state:
 *  - merged (pages_sharing grew, the identical pages share one PFN): each
 *    identical page present, anon (bit 61 clear: a KSM page is anon), NOT
 *    exclusive, PFN = the one KSM page, and kpagecount of it equals the
 *    number of merged pages; each distinct page present, exclusive, its own
 *    PFN, kpagecount 1;
 *  - after MADV_UNMERGEABLE: every page present, exclusive, distinct PFNs,
 *    kpagecount 1 (each got its own copy back).
 * Requirements: root, CAP_SYS_ADMIN (PFNs), KSM.
 */
#include <sys/mman.h>

#include "pm_common.h"
#include "ksm.h"

#define NPAGES 16
#define NSAME 8

FIXTURE(ksm_pages) {
	struct ksm_ctx k;
	struct region r;
};

FIXTURE_VARIANT(ksm_pages) {
	bool unmerge;
};

FIXTURE_VARIANT_ADD(ksm_pages, merged) { false };
FIXTURE_VARIANT_ADD(ksm_pages, unmerged) { true };

FIXTURE_SETUP(ksm_pages)
{
	self->r.fd = -1;
	self->r.map_base = NULL;
	self->k.lock_fd = -1;
	self->k.tuned = false;
	REQUIRE_ROOT();
	REQUIRE(pmc_have_cap(CAP_SYS_ADMIN), "needs CAP_SYS_ADMIN");
	BUILD(ksm_setup(&self->k));
	BUILD(ksm_merge_build(&self->r, NPAGES, NSAME));
	if (variant->unmerge)
		BUILD(ksm_unmerge(&self->r));
}

FIXTURE_TEARDOWN(ksm_pages)
{
	region_unmap(&self->r);
	ksm_teardown(&self->k);
}

TEST_F(ksm_pages, entry)
{
	uint64_t e[NPAGES];

	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++) {
		bool merged = !variant->unmerge && i < NSAME;
		struct pm_expect x = pm_present(false, !merged, merged ? pm_pfn(e[0]) : 0);

		EXPECT_PM(&x, e[i], "page %zu", i);
		EXPECT_EQ(merged ? NSAME : 1L, pm_mapcount(e[i]));
		for (size_t j = 0; j < i && !merged; j++)
			EXPECT_NE(pm_pfn(e[j]), pm_pfn(e[i]));
	}
}

PMC_MAIN
