// SPDX-License-Identifier: GPL-2.0
/*
 * Soft-dirty (bit 55) of huge mappings and holes across "4" >
 * /proc/self/clear_refs (Documentation/admin-guide/mm/soft-dirty.rst: the
 * write clears the bit on every page and VMA of the process; a later write
 * sets it again).
 *
 *  - soft_dirty_huge.thp: a written PMD-mapped THP reads 55 on all 512
 *    entries; after clear_refs all 512 read 55 clear and the THP is still
 *    PMD-mapped (smaps AnonHugePages, PFNs unchanged: clear_refs cleared the
 *    PMD, it did not split it); one write sets 55 on all 512 again (one PMD
 *    entry), still PMD-mapped.
 *  - soft_dirty_huge.hugetlb: a written 2 MiB hugetlb page: 55 set before,
 *    clear on all 512 entries after clear_refs (the VMA flag is cleared;
 *    whether a later write sets it again is not documented for hugetlb:
 *    not checked).
 *  - soft_dirty_huge.hole: the never-touched pages of a mapping read only
 *    55 before clear_refs and all zero after it; a fresh mapping made after
 *    clear_refs reads 55 again.
 * Requirements: CONFIG_MEM_SOFT_DIRTY (SKIP otherwise: the VM runs it); THP;
 * hugetlb 2 MiB pages (root).
 */
#include <sys/mman.h>

#include "pm_common.h"
#include "hugetlb.h"
#include "state.h"
#include "thp.h"

enum kind { SD_THP, SD_HUGETLB, SD_HOLE };

FIXTURE(soft_dirty_huge) {
	struct region r;
	struct hugetlb_pool pool;
};

FIXTURE_VARIANT(soft_dirty_huge) {
	enum kind k;
};

FIXTURE_VARIANT_ADD(soft_dirty_huge, thp) { .k = SD_THP };
FIXTURE_VARIANT_ADD(soft_dirty_huge, hugetlb) { .k = SD_HUGETLB };
FIXTURE_VARIANT_ADD(soft_dirty_huge, hole) { .k = SD_HOLE };

FIXTURE_SETUP(soft_dirty_huge)
{
	self->r.fd = -1;
	self->pool.lock_fd = -1;
	REQUIRE(pm_sd(), "CONFIG_MEM_SOFT_DIRTY off");
	switch (variant->k) {
	case SD_THP:
		BUILD(thp_pmd_build(&self->r, 1));
		break;
	case SD_HUGETLB:
		REQUIRE_ROOT();
		BUILD(hugetlb_reserve(&self->pool, hugetlb_size(HUGETLB_PMD), 1));
		BUILD(hugetlb_anon_build(&self->r, hugetlb_size(HUGETLB_PMD), 1, true));
		break;
	case SD_HOLE:
		BUILD(anon_build(&self->r, 16, ANON_UNTOUCHED));
		break;
	}
}

FIXTURE_TEARDOWN(soft_dirty_huge)
{
	region_unmap(&self->r);
	hugetlb_release(&self->pool);
}

/* Every entry: bit 55 == sd, all other bits as in 'before' (the state is
 * unchanged apart from soft-dirty). */
static void expect_sd(struct __test_metadata *_metadata, const uint64_t *before,
		      const uint64_t *e, size_t n, bool sd, const char *when)
{
	for (size_t i = 0; i < n; i++)
		PMC_EXPECT(e[i] == ((before[i] & ~PM_SOFT_DIRTY) | (sd ? PM_SOFT_DIRTY : 0)),
			   "%s: page %zu entry 0x%llx, before clear_refs 0x%llx, soft-dirty %s expected",
			   when, i, (unsigned long long)e[i], (unsigned long long)before[i],
			   sd ? "set" : "clear");
}

TEST_F(soft_dirty_huge, clear_refs)
{
	size_t n = self->r.npages;
	uint64_t *before = region_pagemap(&self->r), *e;
	struct region fresh = { .fd = -1 };

	ASSERT_NE(NULL, before);
	for (size_t i = 0; i < n; i++) {
		PMC_EXPECT(before[i] & PM_SOFT_DIRTY, "page %zu before clear_refs: 0x%llx", i,
			   (unsigned long long)before[i]);
		if (variant->k == SD_HOLE)
			PMC_EXPECT(before[i] == PM_SOFT_DIRTY, "hole page %zu: 0x%llx", i,
				   (unsigned long long)before[i]);
		else
			PMC_EXPECT(before[i] & PM_PRESENT, "page %zu not present", i);
	}
	ASSERT_EQ(0, pmc_write_file("/proc/self/clear_refs", "4"));
	e = region_pagemap(&self->r);
	ASSERT_NE(NULL, e);
	expect_sd(_metadata, before, e, n, false, "after clear_refs");
	free(e);
	switch (variant->k) {
	case SD_THP:
		EXPECT_EQ(NULL, thp_prove_pmd(self->r.addr, "AnonHugePages"))
			TH_LOG("clear_refs split the THP");
		self->r.addr[5 * page_size()] = 1;
		e = region_pagemap(&self->r);
		ASSERT_NE(NULL, e);
		/* one PMD entry: one write dirties all 512 */
		expect_sd(_metadata, before, e, n, true, "after one write");
		free(e);
		EXPECT_EQ(NULL, thp_prove_pmd(self->r.addr, "AnonHugePages"))
			TH_LOG("the write split the THP");
		break;
	case SD_HOLE:
		BUILD(anon_build(&fresh, 4, ANON_UNTOUCHED));
		e = region_pagemap(&fresh);
		ASSERT_NE(NULL, e);
		for (size_t i = 0; i < fresh.npages; i++)
			PMC_EXPECT(e[i] == PM_SOFT_DIRTY, "new mapping page %zu: 0x%llx", i,
				   (unsigned long long)e[i]);
		free(e);
		region_unmap(&fresh);
		break;
	case SD_HUGETLB:
		break;
	}
	free(before);
}

PMC_MAIN
