// SPDX-License-Identifier: GPL-2.0
/*
 * PM_SCAN_WP_MATCHING on every kind of entry the walk can meet, each with
 * pagemap bit 57 (and smaps for the PMD mapping) as the independent proof of
 * what was write-protected. Every range is registered for async uffd-wp
 * (WP_ASYNC | WP_UNPOPULATED) and never protected before the scan, so the
 * scan itself does the protecting.
 *
 *  - wp.thp_whole / thp_whole_novec: a written, PMD-mapped THP, WP over the
 *    whole PMD (with and without an output buffer): one region of 512 pages
 *    WRITTEN|HUGE is reported, the PMD stays a PMD (smaps AnonHugePages, PFNs
 *    contiguous) and all 512 entries read bit 57; a WRITTEN scan then reports
 *    nothing; one write makes exactly that page WRITTEN again.
 *  - wp.anon_hole: three never-touched PMD-aligned PMDs (no page table, a
 *    hole for the walk): WP reports them all WRITTEN (an unpopulated range of
 *    a uffd-wp VMA counts as written) and installs a marker on every page
 *    (bits 62 + 57, not present).
 *  - wp.generic_loop: 8 written 4 KiB pages, pages 4-5 protected beforehand;
 *    WP matching any of WRITTEN|PRESENT (the generic per-page loop): regions
 *    [0,4) WRITTEN|PRESENT, [4,6) PRESENT, [6,8) WRITTEN|PRESENT, every page
 *    protected afterwards, nothing else changed (PFNs, flags).
 *  - wp.bounce_refill: 2 * (P + P/8) pages, P = entries of one page table
 *    (the size of the kernel's bounce buffer, PAGEMAP_WALK_SIZE >>
 *    PAGE_SHIFT), never touched, all protected (uffd-wp markers), then the
 *    even ones written: a WRITTEN scan with room for every page reports all
 *    P + P/8 regions (more than the bounce buffer holds: it walks on after
 *    a flush) and walk_end is the end.
 *  - wp.swapped: 8 written pages swapped out (builder's proof: smaps Swap,
 *    /proc/swaps Used) and only then registered, so their swap entries carry
 *    no uffd-wp bit: WP of WRITTEN reports all 8 WRITTEN (not present), and
 *    afterwards every entry is the same swap entry (type, offset, bit 62)
 *    with bit 57 added and nothing else changed; a WRITTEN scan then reports
 *    nothing; reading page 0 back maps it with the protection kept (bit 57 on
 *    the present entry) and it is still not WRITTEN.
 *  - wp.fast_path_full: 8 pages protected, pages 0 2 4 6 rewritten; WP on the
 *    written-only fast path (masks == WRITTEN) with room for 2 regions: it
 *    returns [0,1) [2,3), walk_end = page 4, and protects pages 0 and 2 only.
 *  - global.thp_max_pages_one_thp: two PMD THPs, max_pages = 512: one region
 *    (the first THP), walk_end = the second THP's start.
 *  - hugetlb.partial_range / partial_max_pages: a written 2 MiB hugetlb page,
 *    WP over its first half (range end, or max_pages = 256): a huge page
 *    cannot be protected in part, so the scan reports nothing, walk_end = the
 *    huge page's start, and no page reads bit 57; WP over the whole page then
 *    protects all 512; WP of WRITTEN pages again reports nothing; WP again
 *    without a filter reports it PRESENT only.
 *  - hugetlb.partial_after_whole: two pages, WP over page 0 and half of page
 *    1: one region (page 0), walk_end = page 1, only page 0 protected.
 *  - hugetlb.max_pages_one_page: two pages, WP with max_pages = 512: the
 *    same answer (page 1 does not fit at all).
 *  - hugetlb.hole: a never-touched hugetlb memfd alone in a 1 GiB-aligned
 *    slot (no page table at all: a hole for the walk), WP with no category
 *    filter: the range is reported not present, and every page reads bit 57
 *    (a uffd-wp marker on each huge entry). A kernel without the
 *    SCAN-HUGETLB-HOLE fix deadlocks there: PMC_DESTRUCTIVE=1 only, in a
 *    child bounded by a timeout (the child registers: fork drops uffd).
 * Requirements: PAGEMAP_SCAN, userfaultfd WP_ASYNC + WP_UNPOPULATED
 * (+ WP_HUGETLBFS_SHMEM for hugetlb); THP; swap (root); hugetlb 2 MiB pages
 * (root).
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "pmc_test.h"
#include "hugetlb.h"
#include "scan.h"
#include "state.h"
#include "swap.h"
#include "thp.h"
#include "uffd.h"

static const struct scan_query q_written = {
	.category_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN,
};

/* Pages of r whose entry has bit 57 set, as a bitmap of the first 64 pages. */
/* The write-protect left the folio where it was: PFNs contiguous from an
 * aligned first PFN (pagemap, the other interface of this program). A reader
 * without CAP_SYS_ADMIN is shown no PFN: then every PFN field must be 0. */
static bool pfns_contiguous_aligned(const void *addr, size_t npages)
{
	bool hidden = !pmc_have_cap(CAP_SYS_ADMIN);
	uint64_t e[npages];

	if (pagemap_self(addr, npages, e))
		return false;
	for (size_t i = 0; i < npages; i++) {
		if (!(e[i] & PM_PRESENT))
			return false;
		if (hidden ? pm_pfn(e[i]) != 0 : !pm_pfn(e[i]) || pm_pfn(e[i]) != pm_pfn(e[0]) + i)
			return false;
	}
	return hidden || pm_pfn(e[0]) % npages == 0;
}

static uint64_t wp_bitmap(const char *addr, size_t npages)
{
	uint64_t e[64], m = 0;

	if (npages > 64 || pagemap_self(addr, npages, e))
		return ~UINT64_C(0);
	for (size_t i = 0; i < npages; i++)
		if (e[i] & PM_UFFD_WP)
			m |= UINT64_C(1) << i;
	return m;
}

/* Expect regions v[0..n) == want[0..nwant) (offsets in pages from base). */
#define EXPECT_REGIONS(base, want, nwant, v, n) do { \
	char __why[512]; \
	EXPECT_TRUE(scan_regions_equal((want), (nwant), (v), (n), (base), __why, sizeof(__why))) \
		TH_LOG("%s", __why); \
} while (0)

/* Every entry of the n (<= 8) pages at a is its entry in before[] with bit 57
 * added: the write-protect changed nothing else (PFN or swap entry, flags). */
#define EXPECT_ONLY_WP_ADDED(a, n, before) do { \
	uint64_t __after[8]; \
	ASSERT_GE((size_t)8, (size_t)(n)); \
	ASSERT_EQ(0, pagemap_self((a), (n), __after)); \
	for (size_t __i = 0; __i < (n); __i++) \
		PMC_EXPECT(((before)[__i] | PM_UFFD_WP) == __after[__i], \
			   "page %zu: 0x%llx became 0x%llx (only bit 57 may change)", __i, \
			   (unsigned long long)(before)[__i], (unsigned long long)__after[__i]); \
} while (0)

static struct page_region pr(const char *base, size_t from, size_t to, uint64_t cats)
{
	return (struct page_region){ (uintptr_t)base + from * page_size(),
				     (uintptr_t)base + to * page_size(), cats };
}

/* ------------------------------------------------------------ anon / THP */
enum wkind { W_THP, W_THP_NOVEC, W_HOLE, W_GENERIC, W_FAST_FULL, W_REFILL, W_SWAPPED };

FIXTURE(wp) {
	struct region r;
	struct uffd u;
	struct swap_area swap;
	int fd;
};

FIXTURE_VARIANT(wp) {
	enum wkind k;
};

FIXTURE_VARIANT_ADD(wp, thp_whole) { .k = W_THP };
FIXTURE_VARIANT_ADD(wp, thp_whole_novec) { .k = W_THP_NOVEC };
FIXTURE_VARIANT_ADD(wp, anon_hole) { .k = W_HOLE };
FIXTURE_VARIANT_ADD(wp, generic_loop) { .k = W_GENERIC };
FIXTURE_VARIANT_ADD(wp, fast_path_full) { .k = W_FAST_FULL };
FIXTURE_VARIANT_ADD(wp, bounce_refill) { .k = W_REFILL };
FIXTURE_VARIANT_ADD(wp, swapped) { .k = W_SWAPPED };

FIXTURE_SETUP(wp)
{
	size_t pmd = thp_pmd_pages() * page_size();

	self->fd = -1;
	self->r.fd = -1;
	self->u.fd = -1;
	self->swap.lock_fd = -1;
	SCAN_REQUIRE();
	switch (variant->k) {
	case W_THP:
	case W_THP_NOVEC:
		BUILD(thp_pmd_build(&self->r, 1));
		break;
	case W_HOLE:
		REQUIRE(pmd, "THP not supported");
		BUILD(region_map(&self->r, 3 * pmd, pmd, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
		/* never touched: the walk meets no page table here */
		ASSERT_EQ(0, madvise(self->r.addr, self->r.len, MADV_NOHUGEPAGE));
		break;
	case W_GENERIC:
	case W_FAST_FULL:
		BUILD(anon_build(&self->r, 8, ANON_WRITTEN));
		break;
	case W_REFILL:
		/* odd pages stay markers: half the memory (P/2 MiB with 64K pages) */
		BUILD(anon_build(&self->r, 2 * (ptes_per_table() + ptes_per_table() / 8),
				 ANON_UNTOUCHED));
		break;
	case W_SWAPPED:
		/* swapped out before the registration: no uffd-wp bit in the entries */
		REQUIRE_ROOT();
		BUILD(swap_setup(&self->swap, SWAP_AREA_PAGES));
		BUILD(swap_out_build(&self->r, 8, &self->swap));
		break;
	}
	BUILD(uffd_open(&self->u, UFFD_ASYNC_FEATURES));
	BUILD(uffd_register_wp(&self->u, self->r.addr, self->r.len));
	/* registration alone protects nothing */
	ASSERT_EQ(0, uffd_wp_count(self->r.addr, self->r.npages));
	self->fd = pagemap_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(wp)
{
	if (self->fd >= 0)
		close(self->fd);
	uffd_close(&self->u);
	region_unmap(&self->r);
	if (self->swap.on)
		swap_teardown(&self->swap);
}

TEST_F(wp, protect)
{
	const struct scan_query q_wp = {
		.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
		.category_mask = PAGE_IS_WRITTEN,
		.return_mask = PAGE_IS_WRITTEN | PAGE_IS_HUGE | PAGE_IS_PRESENT,
	};
	char *a = self->r.addr, *end = a + self->r.len;
	size_t n = self->r.npages;
	struct page_region v[8], want[2];
	uint64_t we = 0;
	long got;

	switch (variant->k) {
	case W_THP:
	case W_THP_NOVEC: {
		uint64_t *e;

		got = scan(self->fd, a, end, &q_wp, variant->k == W_THP ? v : NULL,
			   variant->k == W_THP ? 8 : 0, &we);
		if (variant->k == W_THP) {
			want[0] = pr(a, 0, n, PAGE_IS_WRITTEN | PAGE_IS_HUGE | PAGE_IS_PRESENT);
			ASSERT_LE(0, got);
			EXPECT_REGIONS(a, want, 1, v, got);
		} else {
			EXPECT_EQ(0, got);
		}
		EXPECT_EQ((uintptr_t)end, we);
		/* protected as one PMD: not split */
		EXPECT_EQ(NULL, thp_prove_pmd(a, "AnonHugePages"))
			TH_LOG("WP of a whole PMD-mapped THP split it");
		EXPECT_TRUE(pfns_contiguous_aligned(a, n));
		EXPECT_EQ((long)n, uffd_wp_count(a, n));
		e = region_pagemap(&self->r);
		ASSERT_NE(NULL, e);
		for (size_t i = 0; i < n; i++)
			PMC_EXPECT((e[i] & (PM_PRESENT | PM_UFFD_WP | PM_SWAP)) == (PM_PRESENT | PM_UFFD_WP),
				   "page %zu entry 0x%llx", i, (unsigned long long)e[i]);
		free(e);
		EXPECT_EQ(0, scan(self->fd, a, end, &q_written, v, 8, NULL));
		/* WP again without a filter: reported, not written, nothing changes */
		got = scan(self->fd, a, end, &(struct scan_query){ .flags = q_wp.flags,
			   .return_mask = q_wp.return_mask }, v, 8, &we);
		want[0] = pr(a, 0, n, PAGE_IS_HUGE | PAGE_IS_PRESENT);
		ASSERT_LE(0, got);
		EXPECT_REGIONS(a, want, 1, v, got);
		EXPECT_EQ(NULL, thp_prove_pmd(a, "AnonHugePages"));
		EXPECT_EQ((long)n, uffd_wp_count(a, n));
		/* an async fault resolves the write: that one page is WRITTEN */
		a[3 * page_size()] = 1;
		got = scan(self->fd, a, end, &q_written, v, 8, NULL);
		want[0] = pr(a, 3, 4, PAGE_IS_WRITTEN);
		ASSERT_LE(0, got);
		EXPECT_REGIONS(a, want, 1, v, got);
		break;
	}
	case W_HOLE: {
		uint64_t *e;

		got = scan(self->fd, a, end, &q_wp, v, 8, &we);
		want[0] = pr(a, 0, n, PAGE_IS_WRITTEN);
		ASSERT_LE(0, got);
		EXPECT_REGIONS(a, want, 1, v, got);
		EXPECT_EQ((uintptr_t)end, we);
		e = region_pagemap(&self->r);
		ASSERT_NE(NULL, e);
		/* a uffd-wp marker: swap format, not present */
		for (size_t i = 0; i < n; i++)
			PMC_EXPECT((e[i] & (PM_PRESENT | PM_UFFD_WP | PM_SWAP | PM_FILE | PM_MMAP_EXCLUSIVE)) ==
				   (PM_UFFD_WP | PM_SWAP), "page %zu entry 0x%llx", i,
				   (unsigned long long)e[i]);
		free(e);
		EXPECT_EQ(0, scan(self->fd, a, end, &q_written, v, 8, NULL));
		break;
	}
	case W_GENERIC: {
		/* every page matches: protected ones are reported, not re-protected */
		const struct scan_query q_any = {
			.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
			.category_anyof_mask = PAGE_IS_WRITTEN | PAGE_IS_PRESENT,
			.return_mask = PAGE_IS_WRITTEN | PAGE_IS_PRESENT,
		};
		struct page_region want3[3];
		uint64_t before[8];

		ASSERT_EQ(0, uffd_writeprotect(&self->u, a + 4 * page_size(), 2 * page_size(), true));
		ASSERT_EQ(UINT64_C(0x30), wp_bitmap(a, n));
		ASSERT_EQ(0, pagemap_self(a, n, before));
		got = scan(self->fd, a, end, &q_any, v, 8, &we);
		want3[0] = pr(a, 0, 4, PAGE_IS_WRITTEN | PAGE_IS_PRESENT);
		want3[1] = pr(a, 4, 6, PAGE_IS_PRESENT);
		want3[2] = pr(a, 6, 8, PAGE_IS_WRITTEN | PAGE_IS_PRESENT);
		ASSERT_LE(0, got);
		EXPECT_REGIONS(a, want3, 3, v, got);
		EXPECT_EQ((uintptr_t)end, we);
		EXPECT_EQ(UINT64_C(0xff), wp_bitmap(a, n));
		EXPECT_ONLY_WP_ADDED(a, n, before);
		EXPECT_EQ(0, scan(self->fd, a, end, &q_written, v, 8, NULL));
		break;
	}
	case W_FAST_FULL: {
		const struct scan_query q_fast_wp = {
			.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
			.category_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN,
		};

		ASSERT_EQ(0, uffd_writeprotect(&self->u, a, self->r.len, true));
		for (size_t i = 0; i < n; i += 2)
			a[i * page_size()] = 2;
		ASSERT_EQ(UINT64_C(0xaa), wp_bitmap(a, n));
		got = scan(self->fd, a, end, &q_fast_wp, v, 2, &we);
		want[0] = pr(a, 0, 1, PAGE_IS_WRITTEN);
		want[1] = pr(a, 2, 3, PAGE_IS_WRITTEN);
		ASSERT_LE(0, got);
		EXPECT_REGIONS(a, want, 2, v, got);
		EXPECT_EQ((uintptr_t)a + 4 * page_size(), we)
			TH_LOG("walk_end must be the first page that did not fit");
		/* protected what it reported, nothing beyond walk_end */
		EXPECT_EQ(UINT64_C(0xaf), wp_bitmap(a, n));
		break;
	}
	case W_REFILL: {
		struct page_region *big = calloc(n, sizeof(*big));
		long bad = 0;

		ASSERT_NE(NULL, big);
		ASSERT_EQ(0, uffd_writeprotect(&self->u, a, self->r.len, true));
		for (size_t i = 0; i < n; i += 2)
			a[i * page_size()] = 3;
		got = scan(self->fd, a, end, &q_written, big, n, &we);
		EXPECT_EQ((long)n / 2, got);
		for (long i = 0; i < got && i < (long)n; i++)
			if (big[i].start != (uintptr_t)a + 2 * i * page_size() ||
			    big[i].end != big[i].start + page_size() || big[i].categories != PAGE_IS_WRITTEN)
				bad++;
		EXPECT_EQ(0, bad) TH_LOG("regions must be the even pages, one each");
		/* uapi fs.h: "walk_end == end informs that the scan completed" */
		EXPECT_EQ((uintptr_t)end, we) TH_LOG("all %ld regions reported, yet walk_end is page %ld of %zu",
						      got, (long)((we - (uintptr_t)a) / page_size()), n);
		free(big);
		break;
	}
	case W_SWAPPED: {
		/* the swap-entry arm of make_uffd_wp_pte() */
		uint64_t before[8], e0;
		volatile char *c = a;

		ASSERT_EQ(0, pagemap_self(a, n, before));
		for (size_t i = 0; i < n; i++)
			PMC_EXPECT((before[i] & (PM_PRESENT | PM_SWAP | PM_UFFD_WP)) == PM_SWAP,
				   "page %zu entry 0x%llx before the scan", i, (unsigned long long)before[i]);
		got = scan(self->fd, a, end, &q_wp, v, 8, &we);
		want[0] = pr(a, 0, n, PAGE_IS_WRITTEN);
		ASSERT_LE(0, got);
		EXPECT_REGIONS(a, want, 1, v, got);
		EXPECT_EQ((uintptr_t)end, we);
		EXPECT_ONLY_WP_ADDED(a, n, before);	/* the same swap entry */
		EXPECT_EQ(0, scan(self->fd, a, end, &q_written, v, 8, NULL));
		/* a read fault maps the page back: do_swap_page() carries the
		 * swap entry's uffd-wp bit over to the PTE */
		(void)c[0];
		ASSERT_EQ(0, pagemap_self(a, 1, &e0));
		EXPECT_EQ(PM_PRESENT | PM_UFFD_WP, e0 & (PM_PRESENT | PM_SWAP | PM_UFFD_WP))
			TH_LOG("page 0 after a read fault: 0x%llx", (unsigned long long)e0);
		EXPECT_EQ(0, scan(self->fd, a, end, &q_written, v, 8, NULL));
		break;
	}
	}
}

/*
 * max_pages = one THP over two PMD-mapped THPs: the first is reported
 * whole; the second does not fit at all (found_pages is already max_pages)
 * and the walk stops at its start.
 */
TEST(thp_max_pages_one_thp)
{
	struct region r = { .fd = -1 };
	struct page_region v[4], want[1];
	uint64_t we = 0;
	size_t hp = thp_pmd_pages();
	long got;
	int fd;

	SCAN_REQUIRE();
	BUILD(thp_pmd_build(&r, 2));
	fd = pagemap_open(0);
	ASSERT_LE(0, fd);
	got = scan(fd, r.addr, r.addr + r.len, &(struct scan_query){ .max_pages = hp,
		   .return_mask = PAGE_IS_HUGE | PAGE_IS_PRESENT }, v, 4, &we);
	want[0] = pr(r.addr, 0, hp, PAGE_IS_HUGE | PAGE_IS_PRESENT);
	ASSERT_LE(0, got);
	EXPECT_REGIONS(r.addr, want, 1, v, got);
	EXPECT_EQ((uintptr_t)r.addr + hp * page_size(), we);
	close(fd);
	region_unmap(&r);
}

/* ------------------------------------------------------------ hugetlb */
enum hkind { H_PARTIAL, H_PARTIAL_MAX, H_AFTER_WHOLE, H_MAX_ONE, H_HOLE };

FIXTURE(hugetlb) {
	struct region r;
	struct uffd u;
	struct hugetlb_pool pool;
	int fd;
};

FIXTURE_VARIANT(hugetlb) {
	enum hkind k;
};

FIXTURE_VARIANT_ADD(hugetlb, partial_range) { .k = H_PARTIAL };
FIXTURE_VARIANT_ADD(hugetlb, partial_max_pages) { .k = H_PARTIAL_MAX };
FIXTURE_VARIANT_ADD(hugetlb, partial_after_whole) { .k = H_AFTER_WHOLE };
FIXTURE_VARIANT_ADD(hugetlb, max_pages_one_page) { .k = H_MAX_ONE };
FIXTURE_VARIANT_ADD(hugetlb, hole) { .k = H_HOLE };

FIXTURE_SETUP(hugetlb)
{
	self->fd = -1;
	self->r.fd = -1;
	self->u.fd = -1;
	self->pool.lock_fd = -1;
	SCAN_REQUIRE();
	REQUIRE_ROOT();
	if (variant->k == H_HOLE)
		REQUIRE(pmc_destructive_allowed(), "may hang a buggy kernel: VM only");
	BUILD(hugetlb_reserve(&self->pool, hugetlb_size(HUGETLB_PMD), variant->k == H_AFTER_WHOLE || variant->k == H_MAX_ONE ? 2 : 1));
	if (variant->k == H_HOLE) {
		int fd = hugetlb_memfd_open(hugetlb_size(HUGETLB_PMD), 1);

		REQUIRE(fd >= 0, "hugetlb memfd refused");
		/* Alone in a PUD-sized slot that lies wholly inside a
		 * reservation of three, so no other mapping shares its PUD: no page
		 * table covers it, and the walk meets a hole. */
		self->r.map_len = 3 * pud_size();
		self->r.map_base = mmap(NULL, self->r.map_len, PROT_NONE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		ASSERT_NE(MAP_FAILED, self->r.map_base);
		self->r.addr = (char *)(((uintptr_t)self->r.map_base + pud_size() - 1) &
					~(uintptr_t)(pud_size() - 1));
		self->r.fd = fd;
		self->r.len = hugetlb_size(HUGETLB_PMD);
		self->r.npages = hugetlb_size(HUGETLB_PMD) / page_size();
		ASSERT_EQ(self->r.addr, mmap(self->r.addr, hugetlb_size(HUGETLB_PMD), PROT_READ | PROT_WRITE,
					     MAP_SHARED | MAP_FIXED, fd, 0));
	} else {
		BUILD(hugetlb_memfd_build(&self->r, hugetlb_size(HUGETLB_PMD),
					  variant->k == H_AFTER_WHOLE || variant->k == H_MAX_ONE ? 2 : 1,
					  MAP_SHARED, true));
	}
	self->fd = pagemap_open(0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, uffd_wp_count(self->r.addr, self->r.npages));
	if (variant->k == H_HOLE)
		return;	/* registered by the child that scans */
	BUILD(uffd_open(&self->u, UFFD_ASYNC_ALL_FEATURES));
	BUILD(uffd_register_wp(&self->u, self->r.addr, self->r.len));
}

FIXTURE_TEARDOWN(hugetlb)
{
	if (self->fd >= 0)
		close(self->fd);
	uffd_close(&self->u);
	region_unmap(&self->r);	/* closes the memfd */
	hugetlb_release(&self->pool);
}

/* What the child saw over the hole (a shared page). */
struct hole_result {
	long n;				/* regions, or -errno */
	struct page_region v;		/* the first */
	uint64_t walk_end;
	long bad;			/* pages whose entry is not a uffd-wp marker */
	long n2;			/* then a plain scan: regions, or -errno */
	uint64_t cats2;			/* its first region's categories */
	uint64_t first_bad;		/* that entry */
};

/* In a child: its own uffd registration (fork drops it) and its own pagemap
 * fd (one opened before fork describes the parent), then the scan and the
 * child's own entries (the markers are in its page tables). */
static int hole_scan(struct region *r, struct hole_result *res)
{
	const struct scan_query q = {
		.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_WPALLOWED,
	};
	struct page_region v[4];
	struct uffd u;
	uint64_t *e;
	int fd = pagemap_open(0);

	if (fd < 0 || uffd_open(&u, UFFD_ASYNC_ALL_FEATURES) || uffd_register_wp(&u, r->addr, r->len))
		return 3;
	res->n = scan(fd, r->addr, r->addr + r->len, &q, v, 4, &res->walk_end);
	if (res->n > 0)
		res->v = v[0];
	/* the markers seen by a scan that does not protect */
	res->n2 = scan(fd, r->addr, r->addr + r->len,
		       &(struct scan_query){ .return_mask = pmc_scan_categories() }, v, 4, NULL);
	if (res->n2 > 0)
		res->cats2 = v[0].categories;
	e = region_pagemap(r);
	if (!e)
		return 4;
	for (size_t i = 0; i < r->npages; i++) {
		/* bit 62: the 4 KiB marker reads it, hugetlb's path does not; not pinned */
		if ((e[i] & (PM_PRESENT | PM_UFFD_WP | PM_FILE | PM_MMAP_EXCLUSIVE)) != PM_UFFD_WP ||
		    pm_pfn(e[i])) {
			if (!res->bad++)
				res->first_bad = e[i];
		}
	}
	return 0;
}

/* Run hole_scan in a child, waiting for SIGCHLD at most timeout_s seconds.
 * Returns its exit status, 256 + signal, or -ETIMEDOUT (child left behind:
 * a kernel deadlock is unkillable). */
static int hole_scan_bounded(struct region *r, struct hole_result *res, int timeout_s)
{
	struct timespec ts = { .tv_sec = timeout_s };
	sigset_t set, old;
	int status;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(hole_scan(r, res));
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (sigtimedwait(&set, NULL, &ts) < 0 && errno == EAGAIN) {
			kill(pid, SIGKILL);
			sigprocmask(SIG_SETMASK, &old, NULL);
			return -ETIMEDOUT;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 256 + WTERMSIG(status);
}

TEST_F(hugetlb, protect)
{
	char *a = self->r.addr, *end = a + self->r.len;
	const size_t half = self->r.npages / 2;
	const struct scan_query q_wp = {
		.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
		.category_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN,
		.max_pages = variant->k == H_PARTIAL_MAX ? half : 0,
	};
	struct page_region v[4], want[1];
	uint64_t we = 0;
	long got;

	if (variant->k == H_HOLE) {
		struct hole_result *res = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
					       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		int st;

		ASSERT_NE(MAP_FAILED, res);
		st = hole_scan_bounded(&self->r, res, 10);
		ASSERT_NE(-ETIMEDOUT, st) TH_LOG("WP_MATCHING over a hugetlb hole hung");
		ASSERT_EQ(0, st) TH_LOG("3: uffd setup, 4: pagemap read, >255: signal");
		/* one region, not present, not written (hugetlb: pagemap_hugetlb_category),
		 * in a WP-allowed VMA, and the walk went to the end */
		want[0] = pr(a, 0, self->r.npages, PAGE_IS_WPALLOWED);
		EXPECT_REGIONS(a, want, 1, &res->v, res->n);
		EXPECT_EQ((uintptr_t)end, res->walk_end);
		EXPECT_EQ(0, res->bad) TH_LOG("%ld pages are no uffd-wp marker, first entry 0x%llx",
					       res->bad, (unsigned long long)res->first_bad);
		/* protected (not WRITTEN) and not present; SWAPPED: the 4 KiB marker
		 * reads it and pagemap's bit 62 does not here, not pinned */
		EXPECT_EQ(1, res->n2);
		EXPECT_EQ((uint64_t)PAGE_IS_HUGE, res->cats2 & (PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_HUGE))
			TH_LOG("marker categories 0x%llx", (unsigned long long)res->cats2);
		ksft_print_msg("info: hugetlb uffd-wp marker: scan categories 0x%llx\n",
			       (unsigned long long)res->cats2);
		munmap(res, page_size());
		return;
	}
	if (variant->k == H_MAX_ONE || variant->k == H_AFTER_WHOLE) {
		/* Two pages. H_AFTER_WHOLE: WP over page 0 and half of page 1: the
		 * half is taken back out of the region page 0 started. H_MAX_ONE:
		 * WP with max_pages = one huge page: page 1 does not fit at all.
		 * Either way page 0 is reported and protected, the walk stops at
		 * page 1, which stays unprotected. */
		size_t hp = hugetlb_size(HUGETLB_PMD) / page_size();

		got = scan(self->fd, a, variant->k == H_AFTER_WHOLE ? a + (hp + hp / 2) * page_size() : end,
			   &(struct scan_query){ .flags = q_wp.flags, .category_mask = PAGE_IS_WRITTEN,
						 .return_mask = PAGE_IS_WRITTEN,
						 .max_pages = variant->k == H_MAX_ONE ? hp : 0 }, v, 4, &we);
		want[0] = pr(a, 0, hp, PAGE_IS_WRITTEN);
		ASSERT_LE(0, got);
		EXPECT_REGIONS(a, want, 1, v, got);
		EXPECT_EQ((uintptr_t)a + hugetlb_size(HUGETLB_PMD), we);
		EXPECT_EQ((long)hp, uffd_wp_count(a, hp));
		EXPECT_EQ(0, uffd_wp_count(a + hugetlb_size(HUGETLB_PMD), hp));
		return;
	}
	got = scan(self->fd, a, variant->k == H_PARTIAL ? a + half * page_size() : end,
		   &q_wp, v, 4, &we);
	EXPECT_EQ(0, got) TH_LOG("part of a huge page cannot be protected: nothing to report");
	EXPECT_EQ((uintptr_t)a, we) TH_LOG("walk_end must be the huge page's start");
	EXPECT_EQ(0, uffd_wp_count(a, self->r.npages));
	/* the whole page can */
	got = scan(self->fd, a, end, &(struct scan_query){ .flags = q_wp.flags,
		   .category_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN }, v, 4, &we);
	want[0] = pr(a, 0, self->r.npages, PAGE_IS_WRITTEN);
	ASSERT_LE(0, got);
	EXPECT_REGIONS(a, want, 1, v, got);
	EXPECT_EQ((long)self->r.npages, uffd_wp_count(a, self->r.npages));
	/* WP of written pages again: nothing written, nothing reported */
	EXPECT_EQ(0, scan(self->fd, a, end, &q_wp, v, 4, &we));
	EXPECT_EQ((uintptr_t)end, we);
	/* WP again without a filter: reported present, not written; unchanged */
	got = scan(self->fd, a, end, &(struct scan_query){ .flags = q_wp.flags,
		   .return_mask = PAGE_IS_WRITTEN | PAGE_IS_PRESENT }, v, 4, &we);
	want[0] = pr(a, 0, self->r.npages, PAGE_IS_PRESENT);
	ASSERT_LE(0, got);
	EXPECT_REGIONS(a, want, 1, v, got);
	EXPECT_EQ((long)self->r.npages, uffd_wp_count(a, self->r.npages));
}

PMC_MAIN
