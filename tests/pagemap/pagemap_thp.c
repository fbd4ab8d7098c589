// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap of anonymous transparent huge pages: PMD-mapped, PTE-mapped, mTHP.
 *
 * Proves, for every page of the state:
 *  - PMD-mapped THP (MADV_HUGEPAGE + MADV_COLLAPSE; smaps AnonHugePages and
 *    PFN contiguity from a PMD-aligned PFN prove the mapping): all
 *    entries of the PMD (512 with 4K pages, 8192 with 64K) present,
 *    exclusive, not file, PFN = first PFN + index, and
 *    kpagecount 1 on every page;
 *  - PTE-mapped THP after mprotect() of one page (the PMD is split, the
 *    folio is not: vmstat thp_split_page unmoved): the same for every entry;
 *  - PTE-mapped THP after munmap() of the second half: the remaining half
 *    of the entries the same, the unmapped half all zero;
 *  - mTHP of each order the kernel offers (hugepages-<N>kB set to madvise
 *    for the test, restored after; the size's anon_fault_alloc counter
 *    proves the folios): every page present, exclusive, not file, PFN
 *    contiguous within a folio from a size-aligned PFN. Orders not offered
 *    SKIP;
 *  - the huge zero page (one read fault on a PMD-aligned MADV_HUGEPAGE
 *    range; huge_zero_build proves it by mincore resident + smaps Rss 0):
 *    every entry of the PMD present, NOT exclusive (the huge zero folio is
 *    never rmap-counted), NOT file (it is no page cache, and reads as the
 *    small zero page does), PFN = first PFN + index from a PMD-aligned PFN,
 *    kpagecount 0 on every page, and a second mapping built the same way
 *    shows the same PFNs (one huge zero folio for everyone).
 * Without CAP_SYS_ADMIN the flags are checked and the PFN field must be 0
 * (the builders' proofs need no PFN). Requirements: THP; root for the
 * mTHP knobs.
 */
#include <sys/mman.h>

#include "pm_common.h"
#include "state.h"
#include "thp.h"

static void expect_contiguous(struct __test_metadata *_metadata, const uint64_t *e,
			      size_t from, size_t n, size_t folio_pages)
{
	struct pm_expect x = pm_present(false, true, 0);

	for (size_t i = from; i < from + n; i++) {
		size_t head = i - i % folio_pages;

		/* Without CAP_SYS_ADMIN the PFN field must read 0 (pm_match
		 * checks that): contiguity, alignment and kpagecount are
		 * privileged facts. */
		x.pfn = x.privileged ? pm_pfn(e[head]) + (i - head) : 0;
		EXPECT_PM(&x, e[i], "page %zu", i);
		if (!x.privileged)
			continue;
		/* A folio starts at a PFN aligned to its size. */
		if (i == head)
			PMC_EXPECT(pm_pfn(e[head]) % folio_pages == 0,
				   "page %zu: folio head pfn %#llx not aligned to %zu pages", i,
				   (unsigned long long)pm_pfn(e[head]), folio_pages);
		EXPECT_EQ(1, pm_mapcount(e[i]));
	}
}

FIXTURE(thp) {
	struct region r;
	size_t pages;		/* PMD size in pages */
};

FIXTURE_VARIANT(thp) {
	int split;		/* -1: PMD-mapped, else enum thp_split */
};

FIXTURE_VARIANT_ADD(thp, pmd) { .split = -1 };
FIXTURE_VARIANT_ADD(thp, pte_mprotect) { .split = THP_SPLIT_MPROTECT };
FIXTURE_VARIANT_ADD(thp, pte_munmap) { .split = THP_SPLIT_MUNMAP };

FIXTURE_SETUP(thp)
{
	self->r.fd = -1;
	self->r.map_base = NULL;
	self->pages = thp_pmd_pages();
	if (!self->pages)
		SKIP(return, "%s", thp_absent_reason());
	if (variant->split < 0)
		BUILD(thp_pmd_build(&self->r, 1));
	else
		BUILD(thp_pte_build(&self->r, variant->split));
}

FIXTURE_TEARDOWN(thp)
{
	region_unmap(&self->r);
}

TEST_F(thp, entry)
{
	size_t n = self->pages;
	uint64_t e[n];
	struct pm_expect gone = pm_unmapped();

	ASSERT_EQ(0, pagemap_self(self->r.addr, n, e));
	expect_contiguous(_metadata, e, 0, self->r.npages, n);
	for (size_t i = self->r.npages; i < n; i++)
		EXPECT_PM(&gone, e[i], "unmapped page %zu", i);
}

FIXTURE(mthp) {
	struct mthp m;
	struct region r;
	size_t folio_pages, nfolios;
};

/* By folio order: anonymous mTHP starts at order 2 and stays below the
 * PMD order (9 with 4K pages: 16 kB..1 MiB; 11 with 16K; 13 with 64K). */
FIXTURE_VARIANT(mthp) {
	unsigned int order;
};

FIXTURE_VARIANT_ADD(mthp, order2) { 2 };
FIXTURE_VARIANT_ADD(mthp, order3) { 3 };
FIXTURE_VARIANT_ADD(mthp, order4) { 4 };
FIXTURE_VARIANT_ADD(mthp, order5) { 5 };
FIXTURE_VARIANT_ADD(mthp, order6) { 6 };
FIXTURE_VARIANT_ADD(mthp, order7) { 7 };
FIXTURE_VARIANT_ADD(mthp, order8) { 8 };
FIXTURE_VARIANT_ADD(mthp, order9) { 9 };
FIXTURE_VARIANT_ADD(mthp, order10) { 10 };
FIXTURE_VARIANT_ADD(mthp, order11) { 11 };
FIXTURE_VARIANT_ADD(mthp, order12) { 12 };

FIXTURE_SETUP(mthp)
{
	size_t fsz = page_size() << variant->order, kb = fsz >> 10;

	self->r.fd = -1;
	self->r.map_base = NULL;
	self->m.lock = -1;
	self->m.knob[0] = 0;
	REQUIRE_ROOT();
	if (!thp_pmd_pages())
		SKIP(return, "%s", thp_absent_reason());
	REQUIRE(mthp_offered(kb), "mTHP size not offered by this kernel");
	self->folio_pages = fsz / page_size();
	/* Up to 4 folios, always less than a PMD so no PMD THP fits. */
	self->nfolios = pmc_thp_pmd_size() / 2 / fsz;
	if (self->nfolios > 4)
		self->nfolios = 4;
	REQUIRE(self->nfolios, "mTHP size not below PMD size");
	BUILD(mthp_enable(&self->m, kb));
	BUILD(mthp_build(&self->r, kb, self->nfolios));
}

FIXTURE_TEARDOWN(mthp)
{
	region_unmap(&self->r);
	mthp_restore(&self->m);
}

TEST_F(mthp, entry)
{
	size_t n = self->r.npages;
	uint64_t e[n];

	ASSERT_EQ(0, pagemap_self(self->r.addr, n, e));
	expect_contiguous(_metadata, e, 0, n, self->folio_pages);
	/* Folio heads are size-aligned PFNs (0 when hidden: 0 is aligned). */
	for (size_t i = 0; i < n; i += self->folio_pages)
		EXPECT_EQ(0UL, pm_pfn(e[i]) % self->folio_pages);
}

TEST(huge_zero_page)
{
	size_t n = thp_pmd_pages();
	struct region a = { .fd = -1 }, b = { .fd = -1 };
	struct pm_expect x = pm_present(false, false, 0);
	uint64_t *e, *f;

	if (!n)
		SKIP(return, "%s", thp_absent_reason());
	e = calloc(n, 8);
	f = calloc(n, 8);
	ASSERT_NE(NULL, e);
	ASSERT_NE(NULL, f);
	BUILD(huge_zero_build(&a));
	BUILD(huge_zero_build(&b));
	ASSERT_EQ(0, pagemap_self(a.addr, n, e));
	ASSERT_EQ(0, pagemap_self(b.addr, n, f));
	for (size_t i = 0; i < n; i++) {
		/* Hidden without CAP_SYS_ADMIN: the PFN field must read 0. */
		x.pfn = x.privileged ? pm_pfn(e[0]) + i : 0;
		EXPECT_PM(&x, e[i], "huge zero page %zu", i);
		EXPECT_PM(&x, f[i], "huge zero page %zu, second mapping", i);
		if (x.privileged)
			EXPECT_EQ(0, pm_mapcount(e[i]));
	}
	if (x.privileged)
		PMC_EXPECT(pm_pfn(e[0]) % n == 0, "huge zero page pfn %#llx not aligned to %zu pages",
			   (unsigned long long)pm_pfn(e[0]), n);
	free(e);
	free(f);
	region_unmap(&a);
	region_unmap(&b);
}

PMC_MAIN
