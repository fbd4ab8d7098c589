// SPDX-License-Identifier: GPL-2.0
/*
 * PAGEMAP_SCAN output control: vec_len, max_pages, walk_end, merging, and
 * the scan without an output buffer.
 *
 * Layout: 16 pages of private anon memory, even pages written, odd pages
 * untouched; scanned with return_mask PRESENT, so the full answer is 16
 * alternating regions (PRESENT, none, PRESENT, ...) — proven first
 * (full_list), then every limited scan is compared with the reference model
 * (scan_model) of the same limits:
 *  - vec_len N < regions: exactly N regions, walk_end = start of region N+1;
 *    a follow-up scan from walk_end continues exactly, and the pieces make
 *    the full list; vec_len == regions: all, walk_end == end;
 *  - max_pages: a region is cut inside (walk_end inside a region of
 *    matching pages), pages are counted only when reported, follow-ups from
 *    walk_end continue exactly;
 *  - merging: two adjacent VMAs (different protections) with equal
 *    categories make one region; a VMA boundary with different categories
 *    splits;
 *  - WP_MATCHING without an output buffer (uffd async range): returns 0,
 *    writes nothing, and re-protects every written page (bit 57 back,
 *    WRITTEN gone).
 * Requirements: PAGEMAP_SCAN; userfaultfd WP_ASYNC for the last test.
 */
#include "pmc_test.h"
#include "scan.h"
#include "state.h"
#include "uffd.h"

#define NPAGES	16

FIXTURE(output) {
	struct region r;
	int fd;
	uint64_t cats[NPAGES];
	struct scan_query q;
	char *end;
};

FIXTURE_SETUP(output)
{
	char why[512];

	self->fd = -1;
	self->r.fd = -1;
	SCAN_REQUIRE();
	BUILD(anon_build(&self->r, NPAGES, ANON_UNTOUCHED));
	for (size_t i = 0; i < NPAGES; i += 2)
		self->r.addr[i * page_size()] = 1;
	self->end = self->r.addr + self->r.len;
	self->fd = pagemap_open(0);
	ASSERT_LE(0, self->fd);
	self->q.return_mask = PAGE_IS_PRESENT;
	ASSERT_EQ(0, scan_pages(self->r.addr, NPAGES, PAGE_IS_PRESENT, self->cats,
				why, sizeof(why))) TH_LOG("%s", why);
}

FIXTURE_TEARDOWN(output)
{
	if (self->fd >= 0)
		close(self->fd);
	region_unmap(&self->r);
}

/* Scan from 'from' with limits, compare with the model of the same scan. */
static void check_limited(struct __test_metadata *_metadata, FIXTURE_DATA(output) *self,
			  char *from, size_t vec_len, uint64_t max_pages,
			  uint64_t *walk_end, long *nout, struct page_region *got)
{
	struct page_region want[NPAGES];
	struct scan_query q = self->q;
	size_t first = (size_t)(from - self->r.addr) / page_size();
	uint64_t we_want;
	long nwant;
	char why[2048];

	q.max_pages = max_pages;
	nwant = scan_model(self->cats + first, NPAGES - first, from, &q, want, vec_len, &we_want);
	*nout = scan(self->fd, from, self->end, &q, got, vec_len, walk_end);
	ASSERT_LE(0, *nout) TH_LOG("scan: %s", strerror((int)-*nout));
	EXPECT_TRUE(scan_regions_equal(want, nwant, got, *nout, self->r.addr, why, sizeof(why)))
		TH_LOG("from page %zu vec_len %zu max_pages %llu: %s", first, vec_len,
		       (unsigned long long)max_pages, why);
	EXPECT_EQ(we_want, *walk_end) TH_LOG("walk_end");
}

TEST_F(output, full_list)
{
	for (size_t i = 0; i < NPAGES; i++) {
		EXPECT_EQ(i % 2 ? UINT64_C(0) : (uint64_t)PAGE_IS_PRESENT, self->cats[i])
			TH_LOG("page %zu", i);
	}
}

TEST_F(output, vec_len_stops_at_first_region_not_fitting)
{
	struct page_region got[NPAGES];
	uint64_t we;
	long n;

	check_limited(_metadata, self, self->r.addr, 3, 0, &we, &n, got);
	EXPECT_EQ(3, n);
	EXPECT_EQ((uintptr_t)self->r.addr + 3 * page_size(), we);
}

TEST_F(output, vec_len_exact_fit_walks_to_end)
{
	struct page_region got[NPAGES];
	uint64_t we;
	long n;

	check_limited(_metadata, self, self->r.addr, NPAGES, 0, &we, &n, got);
	EXPECT_EQ(NPAGES, n);
	EXPECT_EQ((uintptr_t)self->end, we);
}

/* Follow-ups from walk_end with a small buffer rebuild the full list. */
TEST_F(output, vec_len_follow_up_continues_exactly)
{
	struct page_region all[NPAGES], got[NPAGES];
	char *from = self->r.addr;
	long total = 0, n;
	uint64_t we;

	for (int rounds = 0; from < self->end; rounds++) {
		ASSERT_LT(rounds, NPAGES) TH_LOG("walk_end does not advance");
		check_limited(_metadata, self, from, 3, 0, &we, &n, got);
		ASSERT_GT(n, 0);
		ASSERT_LE(total + n, NPAGES);
		memcpy(all + total, got, n * sizeof(*got));
		total += n;
		from = (char *)(uintptr_t)we;
	}
	EXPECT_EQ(NPAGES, total);
	for (long i = 0; i < total; i++) {
		EXPECT_EQ((uintptr_t)self->r.addr + i * page_size(), all[i].start);
		EXPECT_EQ(all[i].start + page_size(), all[i].end);
	}
}

/* max_pages cuts inside a region of matching pages. */
TEST_F(output, max_pages_cuts_region)
{
	struct page_region got[NPAGES];
	uint64_t we;
	long n;

	/* written pages made contiguous: one 16-page PRESENT region */
	region_write(&self->r);
	for (size_t i = 0; i < NPAGES; i++)
		self->cats[i] = PAGE_IS_PRESENT;
	check_limited(_metadata, self, self->r.addr, NPAGES, 5, &we, &n, got);
	ASSERT_EQ(1, n);
	EXPECT_EQ((uintptr_t)self->r.addr + 5 * page_size(), got[0].end);
	EXPECT_EQ((uintptr_t)self->r.addr + 5 * page_size(), we);
	/* follow-up from inside the region */
	check_limited(_metadata, self, (char *)(uintptr_t)we, NPAGES, 5, &we, &n, got);
	ASSERT_EQ(1, n);
	EXPECT_EQ((uintptr_t)self->r.addr + 5 * page_size(), got[0].start);
	EXPECT_EQ((uintptr_t)self->r.addr + 10 * page_size(), got[0].end);
}

/* Only reported pages count: PRESENT pages 0, 2, 4 with max_pages 3. */
TEST_F(output, max_pages_counts_reported_pages)
{
	struct page_region got[NPAGES];
	uint64_t we;
	long n;

	self->q.category_mask = PAGE_IS_PRESENT;
	check_limited(_metadata, self, self->r.addr, NPAGES, 3, &we, &n, got);
	EXPECT_EQ(3, n);
	check_limited(_metadata, self, (char *)(uintptr_t)we, NPAGES, 3, &we, &n, got);
	EXPECT_EQ(3, n);
	EXPECT_EQ((uintptr_t)self->r.addr + 6 * page_size(), got[0].start);
}

/* max_pages and vec_len together: whichever stops first. */
TEST_F(output, max_pages_and_vec_len)
{
	struct page_region got[NPAGES];
	uint64_t we;
	long n;

	check_limited(_metadata, self, self->r.addr, 4, 6, &we, &n, got);
	check_limited(_metadata, self, self->r.addr, 6, 4, &we, &n, got);
}

/* Two VMAs (PROT_READ|WRITE and PROT_READ) with equal categories: one region. */
TEST_F(output, merged_across_vmas)
{
	struct page_region got[NPAGES];
	uint64_t we;
	long n;

	region_write(&self->r);
	ASSERT_EQ(0, mprotect(self->r.addr + self->r.len / 2, self->r.len / 2, PROT_READ));
	n = scan(self->fd, self->r.addr, self->end, &self->q, got, NPAGES, &we);
	ASSERT_EQ(1, n) TH_LOG("adjacent VMAs with equal categories not merged");
	EXPECT_EQ((uintptr_t)self->r.addr, got[0].start);
	EXPECT_EQ((uintptr_t)self->end, got[0].end);
	EXPECT_EQ((uint64_t)PAGE_IS_PRESENT, got[0].categories);
}

/* A VMA boundary where the category changes: two regions. */
TEST_F(output, split_at_vma_with_other_categories)
{
	struct page_region got[NPAGES];
	struct scan_query q = { .return_mask = PAGE_IS_PRESENT | PAGE_IS_FILE };
	char *mid = self->r.addr + self->r.len / 2;
	uint64_t we;
	long n;

	region_write(&self->r);
	/* second half becomes shared anon (shmem: FILE), written */
	ASSERT_EQ(mid, mmap(mid, self->r.len / 2, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	memset(mid, 1, self->r.len / 2);
	n = scan(self->fd, self->r.addr, self->end, &q, got, NPAGES, &we);
	ASSERT_EQ(2, n);
	EXPECT_EQ((uintptr_t)mid, got[0].end);
	EXPECT_EQ((uint64_t)PAGE_IS_PRESENT, got[0].categories);
	EXPECT_EQ((uintptr_t)mid, got[1].start);
	EXPECT_EQ((uint64_t)(PAGE_IS_PRESENT | PAGE_IS_FILE), got[1].categories);
}

/* WP_MATCHING without an output buffer still write-protects. */
TEST_F(output, wp_matching_no_output_buffer)
{
	struct scan_query wp = {
		.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
		.category_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN,
	};
	struct scan_query written = { .category_mask = PAGE_IS_WRITTEN,
				      .return_mask = PAGE_IS_WRITTEN };
	struct page_region got[NPAGES];
	struct uffd u;
	uint64_t we;
	long n;

	BUILD(uffd_async_track(&u, &self->r, false));
	region_write(&self->r);
	ASSERT_EQ(0, uffd_wp_count(self->r.addr, NPAGES));
	EXPECT_EQ(0, scan(self->fd, self->r.addr, self->end, &wp, NULL, 0, &we));
	EXPECT_EQ((uintptr_t)self->end, we);
	EXPECT_EQ(NPAGES, uffd_wp_count(self->r.addr, NPAGES));
	n = scan(self->fd, self->r.addr, self->end, &written, got, NPAGES, &we);
	EXPECT_EQ(0, n);
	uffd_close(&u);
}

PMC_MAIN
