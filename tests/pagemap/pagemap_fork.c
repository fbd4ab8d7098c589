// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap across fork(): bit 56 (exclusively mapped) before and after copy
 * on write, in parent and child, for 4K anon pages and a PMD-mapped THP.
 *
 * Oracle: /proc/kpagecount. In every case, for every page of parent and
 * child: bit 56 is set exactly when kpagecount of that PFN is 1; and the
 * count itself is what the state implies (2 shared before COW, 1 after).
 *
 * Proves, for every page of the state:
 *  - 4K, before COW: parent and child map the same PFN, present, not file,
 *    bit 56 CLEAR in both, kpagecount 2;
 *  - 4K, after the child wrote every page: the child has new PFNs, the
 *    parent keeps its own, bit 56 SET in both, kpagecount 1;
 *  - 4K, after the parent wrote: the mirror image (the parent copies);
 *  - THP, before COW  (still PMD-mapped in the parent: smaps): all its
 *    pages, bit 56 clear in both, kpagecount 2;
 *  - THP, the child wrote page 0: the child's PMD is split and page 0 copied:
 *    parent page 0 exclusive (count 1), the other pages shared (count 2) in
 *    both; the child's page 0 a new exclusive page;
 *  - THP, the child unmapped the second half: parent pages 0..255 shared
 *    (count 2, bit 56 clear), 256..511 exclusive (count 1, bit 56 set),
 *    while the parent still maps the whole THP with its PMD.
 * PAGEMAP_SCAN in both (the scan tests): exact categories (HUGE where the
 * side maps the THP with a PMD, by smaps), the same answer as pagemap.
 * Kernels with CONFIG_NO_PAGE_MAPCOUNT document bit 56 per folio instead
 * (clear on every page of a large folio maybe mapped by another process,
 * and kpagecount is an average): the THP cases expect that there.
 *
 * Known deviation (6.15+ with CONFIG_PAGE_MAPCOUNT): for a PMD-mapped THP,
 * every entry gets the exclusivity of the folio's FIRST page ("page" where
 * "page + idx" was meant in pagemap_pmd_range_thp(), from "fs/proc/task_mmu:
 * remove per-page mapcount dependency for PM_MMAP_EXCLUSIVE
 * (CONFIG_NO_PAGE_MAPCOUNT)"): thp_child_wrote_one and
 * thp_child_unmapped_half FAIL there (see the known-issues file).
 * Requirements: CAP_SYS_ADMIN and root (PFNs, kpagecount); THP for the THP
 * cases.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "pm_common.h"
#include "fork.h"
#include "state.h"
#include "thp.h"

enum step { BEFORE_COW, CHILD_WROTE, PARENT_WROTE, CHILD_WROTE_ONE, CHILD_UNMAPPED_HALF };

/*
 * Check one side: whole entry with bit 56 as 'excl' says, the PFN as
 * 'pfn' says (0: any), and kpagecount agreeing with both.
 */
static void check(struct __test_metadata *_metadata, const char *who, const uint64_t *e,
		  size_t n, const bool *excl, const uint64_t *pfn, bool per_folio)
{
	for (size_t i = 0; i < n; i++) {
		struct pm_expect x = pm_present(false, excl[i], pfn ? pfn[i] : 0);
		long count = pm_mapcount(e[i]);

		EXPECT_PM(&x, e[i], "%s page %zu", who, i);
		if (per_folio)
			continue;	/* kpagecount is a folio average there */
		PMC_EXPECT(count == (excl[i] ? 1 : 2), "%s page %zu: kpagecount %ld", who, i, count);
		/* The rule itself, whatever the state: 56 <=> count 1. */
		PMC_EXPECT((count == 1) == !!(e[i] & PM_MMAP_EXCLUSIVE),
			   "%s page %zu: kpagecount %ld, bit 56 %d", who, i, count,
			   !!(e[i] & PM_MMAP_EXCLUSIVE));
	}
}

FIXTURE(fork) {
	struct region r;
	struct child c;
	size_t n;
	uint64_t *before;	/* parent PFNs before fork, n of them */
};

FIXTURE_VARIANT(fork) {
	bool thp;
	enum step step;
};

FIXTURE_VARIANT_ADD(fork, anon_before_cow) { false, BEFORE_COW };
FIXTURE_VARIANT_ADD(fork, anon_child_wrote) { false, CHILD_WROTE };
FIXTURE_VARIANT_ADD(fork, anon_parent_wrote) { false, PARENT_WROTE };
FIXTURE_VARIANT_ADD(fork, thp_before_cow) { true, BEFORE_COW };
FIXTURE_VARIANT_ADD(fork, thp_child_wrote_one) { true, CHILD_WROTE_ONE };
FIXTURE_VARIANT_ADD(fork, thp_child_unmapped_half) { true, CHILD_UNMAPPED_HALF };

FIXTURE_SETUP(fork)
{
	self->r.fd = -1;
	self->r.map_base = NULL;
	self->c.pid = -1;
	self->c.cmd = self->c.ack = -1;
	self->c.shm = NULL;
	self->before = NULL;
	REQUIRE_ROOT();
	REQUIRE(pmc_have_cap(CAP_SYS_ADMIN), "needs CAP_SYS_ADMIN");
	if (variant->thp) {
		REQUIRE(thp_pmd_pages(), "THP not available");
		BUILD(thp_pmd_build(&self->r, 1));
	} else {
		BUILD(anon_build(&self->r, 16, ANON_WRITTEN));
	}
	self->n = self->r.npages;
	self->before = calloc(self->n, sizeof(*self->before));
	ASSERT_NE(NULL, self->before);
	ASSERT_EQ(0, pagemap_self(self->r.addr, self->n, self->before));
	for (size_t i = 0; i < self->n; i++)
		self->before[i] = pm_pfn(self->before[i]);
	BUILD(child_start(&self->c));
	switch (variant->step) {
	case CHILD_WROTE:
		ASSERT_EQ(0, child_write(&self->c, self->r.addr, self->n));
		break;
	case PARENT_WROTE:
		for (size_t i = 0; i < self->n; i++)
			self->r.addr[i * page_size()] ^= 0x55;
		break;
	case CHILD_WROTE_ONE:
		ASSERT_EQ(0, child_write(&self->c, self->r.addr, 1));
		break;
	case CHILD_UNMAPPED_HALF:
		ASSERT_EQ(0, child_munmap(&self->c, self->r.addr + self->r.len / 2,
					  self->r.len / 2));
		break;
	case BEFORE_COW:
		break;
	}
	/* The parent's THP stays PMD-mapped through all of this. */
	if (variant->thp)
		BUILD(thp_prove_pmd(self->r.addr, "AnonHugePages"));
}

FIXTURE_TEARDOWN(fork)
{
	child_stop(&self->c);
	region_unmap(&self->r);
	free(self->before);
}

TEST_F(fork, entry)
{
	size_t n = self->n, half = n / 2;
	uint64_t p[n], c[n], cpfn[n];
	bool pex[n], cex[n];
	size_t cn = n;
	/* Bit 56 per folio (documented for CONFIG_NO_PAGE_MAPCOUNT): every
	 * page of the THP, which both processes still map, reads shared. */
	bool per_folio = variant->thp && pmc_kconfig("CONFIG_NO_PAGE_MAPCOUNT") == 'y';

	ASSERT_EQ(0, pagemap_self(self->r.addr, n, p));
	if (variant->step == CHILD_UNMAPPED_HALF)
		cn = half;
	ASSERT_EQ(0, child_pagemap(&self->c, self->r.addr, cn, c));
	/* Every step below sets both; gcc 12 cannot see that once the newest
	 * harness (no setjmp) lets it inline the test body. */
	memset(pex, 0, sizeof(pex));
	memset(cex, 0, sizeof(cex));
	for (size_t i = 0; i < n; i++) {
		cpfn[i] = self->before[i];	/* by default the shared page */
		switch (variant->step) {
		case BEFORE_COW:
			pex[i] = cex[i] = false;
			break;
		case CHILD_WROTE:
			pex[i] = cex[i] = true;
			cpfn[i] = 0;		/* a new page, checked below */
			break;
		case PARENT_WROTE:
			pex[i] = cex[i] = true;
			break;
		case CHILD_WROTE_ONE:
			pex[i] = cex[i] = i == 0;
			if (i == 0)
				cpfn[i] = 0;
			break;
		case CHILD_UNMAPPED_HALF:
			pex[i] = cex[i] = i >= half;
			break;
		}
		if (per_folio) {
			pex[i] = false;
			cex[i] = variant->step == CHILD_WROTE_ONE && i == 0;
		}
	}
	if (variant->step == PARENT_WROTE) {
		check(_metadata, "parent", p, n, pex, NULL, false);
		for (size_t i = 0; i < n; i++)
			EXPECT_NE(self->before[i], pm_pfn(p[i]));
	} else {
		check(_metadata, "parent", p, n, pex, self->before, per_folio);
	}
	check(_metadata, "child", c, cn, cex, cpfn, per_folio);
	for (size_t i = 0; i < cn; i++)
		if (!cpfn[i])
			EXPECT_NE(self->before[i], pm_pfn(c[i]));
}

static int child_anon_huge_kb(struct child *c, void *addr, size_t len)
{
	(void)c;
	return (int)smaps_kb(addr, len, "AnonHugePages");
}

/*
 * PAGEMAP_SCAN, parent and child: present, written (fork write-protects
 * the PTEs for COW, it does not uffd-wp them), anon (not FILE); HUGE where
 * the side maps the THP with a PMD: the parent always (proven in setup),
 * the child before COW (copy_huge_pmd() copies the PMD) but not after its
 * write (do_huge_pmd_wp_page() splits a shared THP's PMD) or its partial
 * munmap (split). The child's smaps AnonHugePages is the proof of that.
 */
TEST_F(fork, scan)
{
	size_t n = self->n, cn = variant->step == CHILD_UNMAPPED_HALF ? n / 2 : n;
	bool child_pmd = variant->thp && variant->step == BEFORE_COW;
	uint64_t p[n], c[n], pc[n], cc[n];
	struct scan_expect px[n], cx[n];
	int kb;

	SCAN_REQUIRE();
	SCAN_SELF(self->r.addr, n, pc);
	ASSERT_EQ(0, pagemap_self(self->r.addr, n, p));
	ASSERT_EQ(0, child_scan(&self->c, self->r.addr, cn, cc));
	ASSERT_EQ(0, child_pagemap(&self->c, self->r.addr, cn, c));
	if (variant->thp) {
		kb = child_call(&self->c, child_anon_huge_kb, self->r.addr, cn * page_size());
		ASSERT_EQ(child_pmd ? (int)(cn * page_size() / 1024) : 0, kb)
			TH_LOG("child's smaps AnonHugePages (the child's PMD %s)",
			       child_pmd ? "copied by fork" : "split");
	}
	for (size_t i = 0; i < n; i++) {
		px[i] = pm_scan(PAGE_IS_PRESENT | PAGE_IS_WRITTEN |
				(variant->thp ? PAGE_IS_HUGE : 0), 0, NULL);
		cx[i] = pm_scan(PAGE_IS_PRESENT | PAGE_IS_WRITTEN |
				(child_pmd ? PAGE_IS_HUGE : 0), 0, NULL);
	}
	EXPECT_SCAN_PAGES("parent", pc, px, p, n, false);
	EXPECT_SCAN_PAGES("child", cc, cx, c, cn, false);
}

PMC_TAG("fork.thp_child_*.entry", "PM-EXCL-PMD-PERPAGE")
/* The same cases show the 6.15 regression: with CONFIG_PAGE_MAPCOUNT every
 * entry of the PMD copies page 0's answer again (the "+ idx" was lost). */
PMC_TAG("fork.thp_child_*.entry", "PM-EXCL-NO-MAPCOUNT")

/*
 * The two answers above look the same from user space: before 2c1f057e5be6
 * and after eb16876971ea every entry of the PMD takes page 0's (the head's)
 * mapcount. What tells them apart is whether the kernel has the 6.15
 * mapcount series at all, which its configuration says independently of
 * pagemap: CONFIG_PAGE_MAPCOUNT / CONFIG_NO_PAGE_MAPCOUNT exist from
 * e63ee43e3eda on (the series eb16876971ea belongs to). The regression id
 * requires this one, so a pre-6.15 kernel's deviation reads as the fix
 * missing, a 6.15+ kernel's as the fix regressed.
 */
PMC_TAG("global.page_mapcount_kconfig", "PAGE-MAPCOUNT-KCONFIG")
TEST(page_mapcount_kconfig)
{
	char y = pmc_kconfig("CONFIG_PAGE_MAPCOUNT"), n = pmc_kconfig("CONFIG_NO_PAGE_MAPCOUNT");

	REQUIRE(y || n, "kernel configuration not readable");
	REQUIRE(y == 'y' || n == 'y', "kernel predates the per-page mapcount Kconfig");
	pmc_info("kernel config (%s): CONFIG_PAGE_MAPCOUNT=%c CONFIG_NO_PAGE_MAPCOUNT=%c",
		 pmc_kconfig_source(), y ? y : '-', n ? n : '-');
}

PMC_MAIN
