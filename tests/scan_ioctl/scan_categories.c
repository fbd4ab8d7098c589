// SPDX-License-Identifier: GPL-2.0
/*
 * PAGEMAP_SCAN categories, exactly, for every memory state; and the scan
 * against pagemap for the same range.
 *
 * For each state (one variant each) the builder makes the state and proves
 * it (see the helpers). Then:
 *  - categories: one unfiltered scan (return_mask = every category the
 *    kernel knows, vec large enough for one region per page) must report
 *    every page, in well-formed regions (sorted, aligned, adjacent regions
 *    with equal categories merged), and each page's categories must be
 *    exactly the expected ones: every known category classified as set,
 *    clear or "any" with a reason;
 *  - agrees_with_pagemap: the same scan and one pagemap read agree page by
 *    page: PRESENT<->63, SWAPPED<->62, FILE<->61, GUARD<->58, and
 *    WRITTEN<->!57 where uffd-wp is registered.
 * States: private anon untouched / written / read (zero page) / huge zero
 * page, shared anon, private file read / written, shared file, memfd,
 * file untouched, THP PMD and PTE-mapped, tmpfs huge=always PMD, hugetlb
 * private anon and shared memfd, swapped, swap cache, guard, uffd async WP
 * (armed untouched, armed written, armed present, re-armed), uffd sync WP,
 * soft-dirty (clear_refs then write), KSM merged / unmerged, mlocked,
 * private memfd read / written, swapped-out shmem, PROT_NONE anon,
 * lazyfree (MADV_FREE) anon, mTHP (order 4, PTE-mapped), a poisoned page
 * (MADV_HWPOISON).
 * Requirements: PAGEMAP_SCAN; per state its feature (THP, hugetlb pages,
 * swap, guard regions, userfaultfd WP_ASYNC, soft-dirty, the zero pages
 * being used on read faults, KSM, mlock, MADV_FREE, mTHP) else SKIP with a static reason. Root for the
 * states that need PFNs or global knobs; the poisoned page PMC_DESTRUCTIVE=1
 * and CONFIG_MEMORY_FAILURE (the page is lost: the VM runner).
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "pmc_test.h"
#include "file.h"
#include "guard.h"
#include "hugetlb.h"
#include "hwpoison.h"
#include "ksm.h"
#include "lru.h"
#include "mlock.h"
#include "scan.h"
#include "state.h"
#include "swap.h"
#include "thp.h"
#include "uffd.h"

#define NPAGES	16

enum state {
	S_ANON_UNTOUCHED, S_ANON_WRITTEN, S_ANON_ZERO, S_HUGE_ZERO, S_ANON_SHARED,
	S_FILE_PRIVATE_READ, S_FILE_PRIVATE_WRITTEN, S_FILE_SHARED_WRITTEN,
	S_FILE_UNTOUCHED, S_MEMFD_SHARED, S_THP_PMD, S_THP_PTE, S_TMPFS_PMD,
	S_HUGETLB_PRIVATE, S_HUGETLB_SHARED, S_SWAPPED, S_SWAPCACHE, S_GUARD,
	S_UFFD_ARMED_UNTOUCHED, S_UFFD_ARMED_WRITTEN, S_UFFD_ARMED_PRESENT,
	S_UFFD_SYNC_WP, S_SOFT_DIRTY, S_KSM_MERGED, S_KSM_UNMERGED, S_MLOCKED,
	S_MEMFD_PRIVATE_READ, S_MEMFD_PRIVATE_WRITTEN, S_SHMEM_SWAPPED, S_PROT_NONE,
	S_LAZYFREE, S_MTHP, S_HWPOISON,
};

#define KSM_NSAME	(NPAGES / 2)
#define MTHP_ORDER	4

FIXTURE(state) {
	struct region r;
	struct uffd u;
	struct swap_area swap;
	struct hugetlb_pool pool;
	struct tmpfs_mount mnt;
	struct ksm_ctx k;
	struct mthp m;
	bool locked;		/* mlock_build: munlock in teardown */
	bool armed;		/* uffd-wp registered: WRITTEN <-> !57 */
	uint64_t known;
	uint64_t *cats, *pm;
};

FIXTURE_VARIANT(state) {
	enum state s;
	uint64_t set, clear, any;
	const char *any_why;
};


/* SOFT_DIRTY is classified in setup by the table's default
 * (VM_SOFTDIRTY / CONFIG_MEM_SOFT_DIRTY). */
#define V(name, st, s_, a_, why) \
	FIXTURE_VARIANT_ADD(state, name) { \
		.s = st, .set = (s_), .any = (a_), .any_why = why, \
		.clear = PMC_SCAN_CATEGORIES & ~(s_) & ~(a_) & ~SCAN_DFLT_SOFT_DIRTY, \
	}

V(anon_untouched, S_ANON_UNTOUCHED, 0, PAGE_IS_WRITTEN, SCAN_UNARMED_HOLE);
V(anon_written, S_ANON_WRITTEN, PAGE_IS_PRESENT | PAGE_IS_WRITTEN, 0, NULL);
V(anon_zero_page, S_ANON_ZERO, PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_PFNZERO, 0, NULL);
V(huge_zero_page, S_HUGE_ZERO,
  PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_PFNZERO | PAGE_IS_HUGE, 0, NULL);
/* shared anon is shmem: not an anon folio, hence FILE (and pagemap 61) */
V(anon_shared, S_ANON_SHARED, PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_FILE, 0, NULL);
V(file_private_read, S_FILE_PRIVATE_READ,
  PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_FILE, 0, NULL);
/* written private file pages are COWed anon copies: not FILE */
V(file_private_written, S_FILE_PRIVATE_WRITTEN, PAGE_IS_PRESENT | PAGE_IS_WRITTEN, 0, NULL);
V(file_shared_written, S_FILE_SHARED_WRITTEN,
  PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_FILE, 0, NULL);
/* no PTE: FILE comes from the folio, so an unmapped page is not FILE */
V(file_untouched, S_FILE_UNTOUCHED, 0, PAGE_IS_WRITTEN, SCAN_UNARMED_HOLE);
V(memfd_shared, S_MEMFD_SHARED, PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_FILE, 0, NULL);
V(thp_pmd, S_THP_PMD, PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_HUGE, 0, NULL);
/* HUGE means "mapped by a huge entry": a PTE-mapped THP is not HUGE */
V(thp_pte_mapped, S_THP_PTE, PAGE_IS_PRESENT | PAGE_IS_WRITTEN, 0, NULL);
V(tmpfs_huge_pmd, S_TMPFS_PMD,
  PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_FILE | PAGE_IS_HUGE, 0, NULL);
V(swapped, S_SWAPPED, PAGE_IS_SWAPPED | PAGE_IS_WRITTEN, 0, NULL);
V(swapcache, S_SWAPCACHE, PAGE_IS_PRESENT | PAGE_IS_WRITTEN, 0, NULL);
/* a guard marker is a swap-format pte (pagemap reads 62 too), never
 * uffd-wp protected */
V(guard, S_GUARD, PAGE_IS_GUARD | PAGE_IS_SWAPPED | PAGE_IS_WRITTEN, 0, NULL);
/* WP_UNPOPULATED puts a uffd-wp marker (swap-format, pagemap 62+57) */
V(uffd_armed_untouched, S_UFFD_ARMED_UNTOUCHED, PAGE_IS_WPALLOWED | PAGE_IS_SWAPPED, 0, NULL);
V(uffd_armed_written, S_UFFD_ARMED_WRITTEN,
  PAGE_IS_WPALLOWED | PAGE_IS_PRESENT | PAGE_IS_WRITTEN, 0, NULL);
V(uffd_armed_present, S_UFFD_ARMED_PRESENT, PAGE_IS_WPALLOWED | PAGE_IS_PRESENT, 0, NULL);
/* sync WP: protected, but not async, so not WPALLOWED */
V(uffd_sync_wp, S_UFFD_SYNC_WP, PAGE_IS_PRESENT, 0, NULL);
V(soft_dirty, S_SOFT_DIRTY, PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_SOFT_DIRTY, 0, NULL);
/* A KSM page is anon (PAGE_MAPPING_KSM includes PAGE_MAPPING_ANON): not
 * FILE; its PTE is write-protected by KSM, not uffd-wp: WRITTEN. Pages
 * [0, KSM_NSAME) merged, the rest unique: the same categories. */
V(ksm_merged, S_KSM_MERGED, PAGE_IS_PRESENT | PAGE_IS_WRITTEN, 0, NULL);
V(ksm_unmerged, S_KSM_UNMERGED, PAGE_IS_PRESENT | PAGE_IS_WRITTEN, 0, NULL);
/* VM_LOCKED changes no category */
V(mlocked, S_MLOCKED, PAGE_IS_PRESENT | PAGE_IS_WRITTEN, 0, NULL);
/* read: the memfd's page cache folios (FILE); written: anon COW copies */
V(memfd_private_read, S_MEMFD_PRIVATE_READ,
  PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_FILE, 0, NULL);
V(memfd_private_written, S_MEMFD_PRIVATE_WRITTEN, PAGE_IS_PRESENT | PAGE_IS_WRITTEN, 0, NULL);
/* shmem swap-out unmaps the folio (the PTE reads none) and keeps the swap
 * entry in the page cache, which the page walk never reads: not SWAPPED,
 * not PRESENT, and no folio to call FILE. */
V(shmem_swapped, S_SHMEM_SWAPPED, 0, PAGE_IS_WRITTEN, SCAN_UNARMED_HOLE);
/* a PROT_NONE PTE is still pte_present() (_PAGE_PROTNONE) */
V(prot_none, S_PROT_NONE, PAGE_IS_PRESENT | PAGE_IS_WRITTEN, 0, NULL);
/* MADV_FREE clears the PTE's dirty and young bits, not uffd-wp, and keeps
 * the folio anon */
V(lazyfree, S_LAZYFREE, PAGE_IS_PRESENT | PAGE_IS_WRITTEN, 0, NULL);
/* The hugetlb states last: their reservation waits for the run's warm
 * gigantic page to be faulted (hugetlb.c, warm_pages()), by when the
 * states above are done (tests/programs.tsv). */
V(hugetlb_private, S_HUGETLB_PRIVATE, PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_HUGE, 0, NULL);
V(hugetlb_shared, S_HUGETLB_SHARED,
  PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_HUGE | PAGE_IS_FILE, 0, NULL);
/* HUGE is "mapped by a PMD (or hugetlb) entry": an mTHP is PTE-mapped */
V(mthp_order4, S_MTHP, PAGE_IS_PRESENT | PAGE_IS_WRITTEN, 0, NULL);
/* memory_failure() replaces the PTE with a hwpoison entry, a swap-format
 * pte (is_swap_pte(): SWAPPED, as pagemap 62) without the uffd-wp bit
 * (WRITTEN); the entry's folio is the poisoned one, which stays an anon
 * folio (not FILE); nothing is mapped (not PRESENT, not PFNZERO). */
V(hwpoison, S_HWPOISON, PAGE_IS_SWAPPED | PAGE_IS_WRITTEN, 0, NULL);

/*
 * Build state s.
 * Proof: each state's helper's own (see its header); the zero page state
 * first asks zero_page_in_use() (mincore and smaps, no PFN); the PMD hole
 * (anon untouched) needs none: an untouched PMD-aligned mapping alone in
 * its PMD has no page table. Soft-dirty: none beyond clear_refs and the
 * writes being accepted (the category is what the case asserts; smaps
 * "sd" says only that tracking exists).
 */
static const char *build(struct __test_metadata *_metadata, FIXTURE_DATA(state) *self,
			 enum state s)
{
	const char *why;

	switch (s) {
	case S_ANON_UNTOUCHED:
		/* PMD-aligned and alone in its PMD: no page table can exist */
		why = region_map(&self->r, pmd_size(), pmd_size(),
				 PROT_READ | PROT_WRITE, MAP_PRIVATE, -1, 0);
		if (!why)
			madvise(self->r.addr, self->r.len, MADV_NOHUGEPAGE);
		return why;
	case S_ANON_WRITTEN:
		return anon_build(&self->r, NPAGES, ANON_WRITTEN);
	case S_ANON_ZERO: {
		int z = zero_page_in_use();

		if (z < 0)
			return "mincore/smaps unreadable";
		if (!z)
			return "read faults do not map the zero page (mm_forbids_zeropage)";
		return anon_build(&self->r, NPAGES, ANON_READ);
	}
	case S_HUGE_ZERO:
		return huge_zero_build(&self->r);
	case S_ANON_SHARED:
		return anon_shared_build(&self->r, NPAGES);
	case S_FILE_PRIVATE_READ:
		return file_build(&self->r, NPAGES, MAP_PRIVATE, FILE_READ);
	case S_FILE_PRIVATE_WRITTEN:
		return file_build(&self->r, NPAGES, MAP_PRIVATE, FILE_WRITTEN);
	case S_FILE_SHARED_WRITTEN:
		return file_build(&self->r, NPAGES, MAP_SHARED, FILE_WRITTEN);
	case S_FILE_UNTOUCHED:
		return file_build(&self->r, NPAGES, MAP_SHARED, FILE_UNTOUCHED);
	case S_MEMFD_SHARED:
		return memfd_build(&self->r, NPAGES, MAP_SHARED, FILE_WRITTEN);
	case S_THP_PMD:
		return thp_pmd_build(&self->r, 1);
	case S_THP_PTE:
		return thp_pte_build(&self->r, THP_SPLIT_MPROTECT);
	case S_TMPFS_PMD:
		why = tmpfs_huge_mount(&self->mnt);
		return why ?: tmpfs_huge_build(&self->r, &self->mnt, 1);
	case S_HUGETLB_PRIVATE:
		why = mem_hint(hugetlb_reserve(&self->pool, hugetlb_size(HUGETLB_PMD), 1),
			       hugetlb_size(HUGETLB_PMD));
		return why ?: hugetlb_anon_build(&self->r, hugetlb_size(HUGETLB_PMD), 1, true);
	case S_HUGETLB_SHARED:
		why = mem_hint(hugetlb_reserve(&self->pool, hugetlb_size(HUGETLB_PMD), 1),
			       hugetlb_size(HUGETLB_PMD));
		return why ?: hugetlb_memfd_build(&self->r, hugetlb_size(HUGETLB_PMD), 1, MAP_SHARED, true);
	case S_SWAPPED:
	case S_SWAPCACHE:
		why = swap_setup(&self->swap, SWAP_AREA_PAGES);
		if (!why)
			why = swap_out_build(&self->r, NPAGES, &self->swap);
		if (!why && s == S_SWAPCACHE)
			why = swap_cache_build(&self->r, &self->swap);
		return why;
	case S_GUARD:
		if (!(self->known & PAGE_IS_GUARD))
			return "PAGEMAP_SCAN has no guard category";
		why = anon_build(&self->r, NPAGES, ANON_WRITTEN);
		return why ?: guard_install(self->r.addr, NPAGES);
	case S_UFFD_ARMED_UNTOUCHED:
	case S_UFFD_ARMED_WRITTEN:
	case S_UFFD_ARMED_PRESENT:
		why = anon_build(&self->r, NPAGES,
				 s == S_UFFD_ARMED_UNTOUCHED ? ANON_UNTOUCHED : ANON_WRITTEN);
		why = why ?: uffd_async_track(&self->u, &self->r, false);
		if (!why && s == S_UFFD_ARMED_WRITTEN)
			region_write(&self->r);	/* async: the kernel drops the protection */
		self->armed = true;
		return why;
	case S_UFFD_SYNC_WP:
		why = anon_build(&self->r, NPAGES, ANON_WRITTEN);
		why = why ?: uffd_sync_wp(&self->u, &self->r, 0, false);
		self->armed = true;
		return why;
	case S_SOFT_DIRTY:
		if (!pmc_have_soft_dirty())
			return "soft-dirty not configured";
		why = anon_build(&self->r, NPAGES, ANON_WRITTEN);
		if (!why && pmc_write_file("/proc/self/clear_refs", "4"))
			why = "clear_refs refused";
		if (!why)
			region_write(&self->r);
		return why;
	case S_KSM_MERGED:
	case S_KSM_UNMERGED:
		why = ksm_setup(&self->k);
		why = why ?: ksm_merge_build(&self->r, NPAGES, KSM_NSAME);
		if (!why && s == S_KSM_UNMERGED)
			why = ksm_unmerge(&self->r);
		return why;
	case S_MLOCKED:
		why = mlock_build(&self->r, NPAGES, LOCK_POPULATE, NPAGES);
		self->locked = !why;
		return why;
	case S_MEMFD_PRIVATE_READ:
		return memfd_build(&self->r, NPAGES, MAP_PRIVATE, FILE_READ);
	case S_MEMFD_PRIVATE_WRITTEN:
		return memfd_build(&self->r, NPAGES, MAP_PRIVATE, FILE_WRITTEN);
	case S_SHMEM_SWAPPED:
		why = swap_setup(&self->swap, SWAP_AREA_PAGES);
		why = why ?: memfd_build(&self->r, NPAGES, MAP_SHARED, FILE_WRITTEN);
		return why ?: swap_out(&self->r, &self->swap);
	case S_PROT_NONE:
		why = anon_build(&self->r, NPAGES, ANON_WRITTEN);
		if (!why && mprotect(self->r.addr, self->r.len, PROT_NONE))
			why = "mprotect(PROT_NONE) refused";
		return why;
	case S_LAZYFREE:
		return anon_lazyfree_build(&self->r, NPAGES);
	case S_MTHP: {
		size_t kb = (page_size() << MTHP_ORDER) >> 10;

		if (!mthp_offered(kb))
			return "mTHP of order 4 not offered";
		why = mthp_enable(&self->m, kb);
		return why ?: mthp_build(&self->r, kb, NPAGES >> MTHP_ORDER);
	}
	case S_HWPOISON:
		return hwpoison_build(&self->r, NULL);
	}
	return "unknown state";
}

FIXTURE_SETUP(state)
{
	self->r.fd = -1;
	self->u.fd = -1;
	self->pool.lock_fd = -1;
	self->swap.lock_fd = -1;
	self->k.lock_fd = -1;
	self->m.lock = -1;
	SCAN_REQUIRE();
	self->known = pmc_scan_categories();
	BUILD(build(_metadata, self, variant->s));
	self->cats = calloc(self->r.npages, sizeof(uint64_t));
	self->pm = calloc(self->r.npages, sizeof(uint64_t));
	ASSERT_TRUE(self->cats && self->pm);
}

FIXTURE_TEARDOWN(state)
{
	uffd_close(&self->u);
	if (self->locked)
		mlock_teardown(&self->r, LOCK_POPULATE);
	region_unmap(&self->r);
	ksm_teardown(&self->k);
	mthp_restore(&self->m);
	if (self->swap.on)
		swap_teardown(&self->swap);
	if (self->mnt.mounted)
		tmpfs_huge_umount(&self->mnt);
	hugetlb_release(&self->pool);
	free(self->cats);
	free(self->pm);
}

TEST_F(state, categories)
{
	struct scan_expect x = {
		.set = variant->set, .clear = variant->clear,
		.any = variant->any, .any_why = variant->any_why,
	};
	char why[512];

	/* Fresh VMAs are VM_SOFTDIRTY when soft-dirty tracking is built in. */
	scan_expect_defaults(&x, self->known, pmc_have_soft_dirty());
	ASSERT_EQ(0, scan_pages(self->r.addr, self->r.npages, self->known, self->cats,
				why, sizeof(why))) TH_LOG("%s", why);
	for (size_t i = 0; i < self->r.npages; i++) {
		if (!scan_match(&x, self->cats[i], self->known, why, sizeof(why))) {
			PMC_FAIL_CHECK("page %zu: %s", i, why);
		}
	}
}

TEST_F(state, agrees_with_pagemap)
{
	char why[512];

	ASSERT_EQ(0, scan_pages(self->r.addr, self->r.npages, self->known, self->cats,
				why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, pagemap_self(self->r.addr, self->r.npages, self->pm));
	for (size_t i = 0; i < self->r.npages; i++) {
		if (!scan_agrees_with_pagemap(self->cats[i], self->pm[i], self->armed,
					      self->known, why, sizeof(why))) {
			PMC_FAIL_CHECK("page %zu: %s", i, why);
		}
	}
}

PMC_TAG("state.huge_zero_page.categories", "PFNZERO-HUGE")
PMC_TAG("state.guard.*", "SCAN-GUARD")
PMC_TAG("state.soft_dirty.*", "SCAN-SOFT-DIRTY")

PMC_MAIN
