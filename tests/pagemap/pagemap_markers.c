// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap of pte markers and write-protection: guard regions and
 * userfaultfd-wp (sync, async, WP_UNPOPULATED markers, zapped shmem).
 *
 * Proves, for every page of the state:
 *  - guard region (MADV_GUARD_INSTALL; proven by the kernel refusing to
 *    read the pages, process_vm_readv -> EFAULT) on written anon, untouched
 *    anon and shmem: bit 62 (swap) + bit 58 (guard) set; present, file,
 *    exclusive and uffd-wp clear; bits 0-54 hidden (0) from an unprivileged
 *    reader. For root they carry the marker's internal encoding (the "swap
 *    type/offset" of a pte marker), which is no swap slot: don't care. The
 *    unguarded neighbours are untouched written pages with bit 58 clear;
 *    after MADV_GUARD_REMOVE the guarded pages read all zero, and
 *    PAGEMAP_SCAN reports them as holes (no GUARD, SWAPPED or PRESENT);
 *  - sync uffd-wp on written anon: present, exclusive, bit 57 set;
 *  - async uffd-wp (WP_ASYNC) on written anon, then half the pages written
 *    again: those have bit 57 clear, the others still set, all present;
 *  - WP_UNPOPULATED on never-touched anon: every page a marker: bit 62 +
 *    bit 57, not present (low bits as for guard markers);
 *  - uffd-wp on written shmem, then MADV_DONTNEED: the zapped ptes keep a
 *    uffd-wp marker: bit 62 + bit 57, not present, not file;
 *  - sync uffd-wp on a written 2 MiB private hugetlb page: every base page
 *    present, exclusive, bit 57 set, PFN = first + index.
 * Requirements: guard regions (6.13; shmem 6.15) and userfaultfd WP with the
 * features used, else SKIP.
 */
#include <sys/mman.h>

#include "pm_common.h"
#include "file.h"
#include "guard.h"
#include "hugetlb.h"
#include "state.h"
#include "uffd.h"

#define NPAGES 8
#define GFIRST 2	/* guarded pages [GFIRST, GFIRST + GN) */
#define GN 4

/* A pte marker: swapped, not present; bits 0-54 are the marker's encoding. */
static struct pm_expect pm_marker(uint64_t marker_bit)
{
	struct pm_expect x = pm_base();

	x.set |= PM_SWAP | marker_bit;
	x.clear &= ~marker_bit;
	x.clear |= PM_PRESENT | PM_FILE | PM_MMAP_EXCLUSIVE;
	if (x.privileged) {
		x.low = PM_LOW_ANY;
		x.low_why = "pte marker: bits 0-54 hold the marker's internal swap-entry encoding, no swap slot";
	} else {
		x.low = PM_LOW_ZERO;
	}
	return x;
}

enum gkind { G_ANON_WRITTEN, G_ANON_UNTOUCHED, G_SHMEM };

FIXTURE(guard) {
	struct region r;
};

FIXTURE_VARIANT(guard) {
	enum gkind kind;
};

FIXTURE_VARIANT_ADD(guard, anon_written) { G_ANON_WRITTEN };
FIXTURE_VARIANT_ADD(guard, anon_untouched) { G_ANON_UNTOUCHED };
FIXTURE_VARIANT_ADD(guard, shmem) { G_SHMEM };

FIXTURE_SETUP(guard)
{
	const char *why;

	self->r.fd = -1;
	self->r.map_base = NULL;
	REQUIRE(pmc_have_guard_regions(), "no guard regions in this kernel (MADV_GUARD_INSTALL refused)");
	if (variant->kind == G_SHMEM)
		BUILD(memfd_build(&self->r, NPAGES, MAP_SHARED, FILE_WRITTEN));
	else
		BUILD(anon_build(&self->r, NPAGES, variant->kind == G_ANON_WRITTEN ?
				 ANON_WRITTEN : ANON_UNTOUCHED));
	why = guard_install(self->r.addr + GFIRST * page_size(), GN);
	/* A refusal on shmem is a kernel without file-backed guards (6.15);
	 * an accepted install that does not guard stays a failure. */
	if (why && !state_is_broken(why) && variant->kind == G_SHMEM)
		why = "guard regions on file mappings not supported";
	BUILD(why);
}

FIXTURE_TEARDOWN(guard)
{
	region_unmap(&self->r);
}

PMC_TAG("guard.*", "GUARD-BIT")
TEST_F(guard, entry)
{
	uint64_t e[NPAGES];
	bool shm = variant->kind == G_SHMEM;
	struct pm_expect g = pm_marker(PM_GUARD_REGION);
	struct pm_expect around = variant->kind == G_ANON_UNTOUCHED ? pm_none() :
				  pm_present(shm, true, 0);

	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++) {
		bool guarded = i >= GFIRST && i < GFIRST + GN;

		EXPECT_PM(guarded ? &g : &around, e[i], "page %zu", i);
	}
}

TEST_F(guard, removed)
{
	uint64_t e[NPAGES];
	struct pm_expect none = pm_none();

	ASSERT_EQ(0, guard_remove(self->r.addr + GFIRST * page_size(), GN));
	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = GFIRST; i < GFIRST + GN; i++)
		EXPECT_PM(&none, e[i], "page %zu", i);
}

/* PAGEMAP_SCAN after MADV_GUARD_REMOVE: the zapped markers leave pte_none
 * (no GUARD, no SWAPPED, nothing present); the neighbours as built. */
TEST_F(guard, removed_scan)
{
	uint64_t e[NPAGES], cats[NPAGES];
	struct scan_expect x[NPAGES];
	struct scan_expect hole = pm_scan(0, PAGE_IS_WRITTEN, SCAN_UNARMED_HOLE);
	struct scan_expect around = variant->kind == G_ANON_UNTOUCHED ? hole :
		pm_scan(PAGE_IS_PRESENT | PAGE_IS_WRITTEN |
			(variant->kind == G_SHMEM ? PAGE_IS_FILE : 0), 0, NULL);

	SCAN_REQUIRE();
	ASSERT_EQ(0, guard_remove(self->r.addr + GFIRST * page_size(), GN));
	SCAN_SELF(self->r.addr, NPAGES, cats);
	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++)
		x[i] = i >= GFIRST && i < GFIRST + GN ? hole : around;
	EXPECT_SCAN_PAGES("", cats, x, e, NPAGES, false);
}

enum ukind { U_SYNC, U_ASYNC_HALF_WRITTEN, U_UNPOPULATED, U_SHMEM_ZAPPED, U_HUGETLB };

FIXTURE(uffd_wp) {
	struct region r;
	struct uffd u;
	struct hugetlb_pool pool;
};

FIXTURE_VARIANT(uffd_wp) {
	enum ukind kind;
};

FIXTURE_VARIANT_ADD(uffd_wp, sync) { U_SYNC };
FIXTURE_VARIANT_ADD(uffd_wp, async_half_written) { U_ASYNC_HALF_WRITTEN };
FIXTURE_VARIANT_ADD(uffd_wp, unpopulated) { U_UNPOPULATED };
FIXTURE_VARIANT_ADD(uffd_wp, shmem_zapped) { U_SHMEM_ZAPPED };
FIXTURE_VARIANT_ADD(uffd_wp, hugetlb_pmd) { U_HUGETLB };

FIXTURE_SETUP(uffd_wp)
{
	self->r.fd = -1;
	self->r.map_base = NULL;
	self->u.fd = -1;
	self->pool.lock_fd = -1;
	self->pool.nr_path[0] = 0;
	switch (variant->kind) {
	case U_HUGETLB:
		REQUIRE_ROOT();
		BUILD(hugetlb_reserve(&self->pool, hugetlb_size(HUGETLB_PMD), 1));
		BUILD(hugetlb_anon_build(&self->r, hugetlb_size(HUGETLB_PMD), 1, true));
		BUILD(uffd_sync_wp(&self->u, &self->r, 0, true));
		break;
	case U_SYNC:
		BUILD(anon_build(&self->r, NPAGES, ANON_WRITTEN));
		BUILD(uffd_sync_wp(&self->u, &self->r, 0, false));
		break;
	case U_ASYNC_HALF_WRITTEN:
		BUILD(anon_build(&self->r, NPAGES, ANON_WRITTEN));
		BUILD(uffd_async_track(&self->u, &self->r, false));
		for (size_t i = 0; i < NPAGES / 2; i++)
			self->r.addr[i * page_size()] ^= 1;
		break;
	case U_UNPOPULATED:
		BUILD(anon_build(&self->r, NPAGES, ANON_UNTOUCHED));
		BUILD(uffd_sync_wp(&self->u, &self->r, UFFD_FEATURE_WP_UNPOPULATED, false));
		break;
	case U_SHMEM_ZAPPED:
		BUILD(memfd_build(&self->r, NPAGES, MAP_SHARED, FILE_WRITTEN));
		BUILD(uffd_sync_wp(&self->u, &self->r, 0, true));
		ASSERT_EQ(0, madvise(self->r.addr, self->r.len, MADV_DONTNEED));
		break;
	}
}

FIXTURE_TEARDOWN(uffd_wp)
{
	uffd_close(&self->u);
	region_unmap(&self->r);
	hugetlb_release(&self->pool);
}

TEST_F(uffd_wp, entry)
{
	size_t n = self->r.npages;
	uint64_t e[n];

	ASSERT_EQ(0, pagemap_self(self->r.addr, n, e));
	for (size_t i = 0; i < n; i++) {
		struct pm_expect x;

		switch (variant->kind) {
		case U_HUGETLB:
			/* private hugetlb anon, armed: not file, exclusive, bit 57,
			 * PFN = the huge page's first PFN + i */
			x = pm_present(false, true, 0);
			x.pfn = x.privileged ? pm_pfn(e[0]) + i : 0;
			x.clear &= ~PM_UFFD_WP;
			x.set |= PM_UFFD_WP;
			break;
		case U_UNPOPULATED:
		case U_SHMEM_ZAPPED:
			x = pm_marker(PM_UFFD_WP);
			break;
		case U_ASYNC_HALF_WRITTEN:
			x = pm_present(false, true, 0);
			if (i >= NPAGES / 2) {
				x.clear &= ~PM_UFFD_WP;
				x.set |= PM_UFFD_WP;
			}
			break;
		case U_SYNC:
		default:
			x = pm_present(false, true, 0);
			x.clear &= ~PM_UFFD_WP;
			x.set |= PM_UFFD_WP;
			break;
		}
		EXPECT_PM(&x, e[i], "page %zu", i);
	}
}

PMC_TAG("uffd_wp.sync.entry", "PM-UFFD-WP")
PMC_TAG("uffd_wp.unpopulated.entry", "UFFD-WP-UNPOPULATED")

PMC_MAIN
