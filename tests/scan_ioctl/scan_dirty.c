// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty tracking with uffd async write-protection and PAGEMAP_SCAN, the flow
 * the documentation describes:
 *  1. userfaultfd with UFFD_FEATURE_WP_ASYNC | WP_UNPOPULATED (+
 *     WP_HUGETLBFS_SHMEM for shmem/hugetlb), register the range in WP mode;
 *  2. arm it with PAGEMAP_SCAN PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC
 *     and no output buffer (after UFFDIO_WRITEPROTECT did the same in the
 *     builder): every page reads bit 57;
 *  3. write a pattern (every third page);
 *  4. a WRITTEN scan reports exactly the written pages (THP/hugetlb: the
 *     written pages and at most the rest of their huge page, which the
 *     documentation allows), and pagemap's bit 57 agrees page by page;
 *  5. WP_MATCHING | CHECK_WPASYNC with an output buffer returns the same
 *     regions and re-arms: a second WRITTEN scan reports nothing and every
 *     page reads bit 57 again.
 * States: anon 4K untouched (markers) and populated, THP PMD whole, THP
 * partial (WP_MATCHING over half a THP splits it; then exact per page),
 * shmem (memfd), file (a disk file: WP_ASYNC-only registration accepts any
 * memory type),
 * PMD-size hugetlb (populated).
 * threads_no_lost_writes: a thread writes each of 512 pages once while the
 * main thread repeatedly collects-and-rearms; the union of what the scans
 * reported is exactly the set of written pages (no write lost, none
 * invented). Bounded by the writer's work; no sleeps.
 * Requirements: PAGEMAP_SCAN, userfaultfd WP_ASYNC + WP_UNPOPULATED; THP,
 * hugetlb pages (root) per state.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "pmc_test.h"
#include "file.h"
#include "hugetlb.h"
#include "scan.h"
#include "state.h"
#include "thp.h"
#include "uffd.h"

enum kind { K_ANON, K_ANON_POPULATED, K_THP, K_THP_PARTIAL, K_SHMEM, K_FILE, K_HUGETLB };

FIXTURE(dirty) {
	struct region r;
	struct uffd u;
	struct hugetlb_pool pool;
	int fd;
	size_t gran;		/* pages written together (huge page), 1 for base pages */
	char *lo;		/* the tracked part of r (THP partial: first half) */
	size_t n;		/* its pages */
};

FIXTURE_VARIANT(dirty) {
	enum kind k;
};

FIXTURE_VARIANT_ADD(dirty, anon_4k) { .k = K_ANON };
FIXTURE_VARIANT_ADD(dirty, anon_4k_populated) { .k = K_ANON_POPULATED };
FIXTURE_VARIANT_ADD(dirty, thp_whole) { .k = K_THP };
FIXTURE_VARIANT_ADD(dirty, thp_partial) { .k = K_THP_PARTIAL };
FIXTURE_VARIANT_ADD(dirty, shmem) { .k = K_SHMEM };
FIXTURE_VARIANT_ADD(dirty, file) { .k = K_FILE };
FIXTURE_VARIANT_ADD(dirty, hugetlb_pmd) { .k = K_HUGETLB };

static const struct scan_query q_written = {
	.category_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN,
};
static const struct scan_query q_rearm = {
	.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
	.category_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN,
};

FIXTURE_SETUP(dirty)
{
	bool shared = variant->k == K_SHMEM || variant->k == K_FILE || variant->k == K_HUGETLB;
	struct page_region none[1];
	uint64_t we;

	self->fd = -1;
	self->r.fd = -1;
	self->u.fd = -1;
	self->pool.lock_fd = -1;
	self->gran = 1;
	SCAN_REQUIRE();
	switch (variant->k) {
	case K_ANON:
		BUILD(anon_build(&self->r, 64, ANON_UNTOUCHED));
		break;
	case K_ANON_POPULATED:
		BUILD(anon_build(&self->r, 64, ANON_WRITTEN));
		break;
	case K_THP:
	case K_THP_PARTIAL:
		BUILD(thp_pmd_build(&self->r, 1));
		self->gran = variant->k == K_THP ? self->r.npages : 1;
		break;
	case K_SHMEM:
		BUILD(memfd_build(&self->r, 64, MAP_SHARED, FILE_WRITTEN));
		break;
	case K_FILE:
		BUILD(file_build(&self->r, 64, MAP_SHARED, FILE_WRITTEN));
		break;
	case K_HUGETLB:
		BUILD(mem_hint(hugetlb_reserve(&self->pool, hugetlb_size(HUGETLB_PMD), 2),
			       2 * hugetlb_size(HUGETLB_PMD)));
		/* populated: WP_MATCHING over hugetlb holes is the SCAN-HUGETLB-HOLE case */
		BUILD(hugetlb_memfd_build(&self->r, hugetlb_size(HUGETLB_PMD), 2, MAP_SHARED, true));
		self->gran = hugetlb_size(HUGETLB_PMD) / page_size();
		break;
	}
	BUILD(uffd_async_track(&self->u, &self->r, shared));
	self->fd = pagemap_open(0);
	ASSERT_LE(0, self->fd);
	self->lo = self->r.addr;
	self->n = self->r.npages;
	if (variant->k == K_THP_PARTIAL) {
		/* dirty the whole THP, then re-arm the first half only: splits the PMD */
		region_write(&self->r);
		self->n = self->r.npages / 2;
		ASSERT_EQ(0, scan(self->fd, self->lo, self->lo + self->n * page_size(), &q_rearm,
				  NULL, 0, &we));
		ASSERT_EQ((long)self->n, uffd_wp_count(self->r.addr, self->r.npages))
			TH_LOG("only the re-armed half must be protected");
		ASSERT_EQ(0, smaps_kb(self->r.addr, self->r.len, "AnonHugePages"))
			TH_LOG("partial WP did not split the PMD");
	}
	/* step 2: arm through the scan too; nothing to report, nothing left unarmed */
	ASSERT_EQ(0, scan(self->fd, self->lo, self->lo + self->n * page_size(), &q_rearm,
			  none, 0, &we));
	ASSERT_EQ((long)self->n, uffd_wp_count(self->lo, self->n));
}

FIXTURE_TEARDOWN(dirty)
{
	if (self->fd >= 0)
		close(self->fd);
	uffd_close(&self->u);
	region_unmap(&self->r);
	hugetlb_release(&self->pool);
}

/* The pattern: every third page; hugetlb: the first page of every third
 * huge page (one write dirties the whole huge page). */
static bool writes(enum kind k, size_t i, size_t gran)
{
	if (k == K_HUGETLB)
		return i % gran == 0 && (i / gran) % 3 == 0;
	return i % 3 == 0;
}

TEST_F(dirty, flow)
{
	size_t ps = page_size(), n = self->n, gran = self->gran, bad = 0;
	struct page_region *v = calloc(n, sizeof(*v));
	uint64_t *cats = calloc(n, sizeof(*cats)), *pm = calloc(n, sizeof(*pm)), we;
	char *end = self->lo + n * ps;
	char why[1024];
	long got;

	ASSERT_TRUE(v && cats && pm);
	for (size_t i = 0; i < n; i++)
		if (writes(variant->k, i, gran))
			self->lo[i * ps] = 7;
	got = scan(self->fd, self->lo, end, &q_written, v, n, &we);
	ASSERT_LE(0, got);
	ASSERT_EQ(0, scan_expand(v, got, self->lo, n, cats, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, pagemap_self(self->lo, n, pm));
	for (size_t i = 0; i < n && bad < 8; i++) {
		bool w = cats[i] == PAGE_IS_WRITTEN, unit = false, ok;

		/* a huge page is one unit: written if any page of it was */
		for (size_t j = i - i % gran; j < i - i % gran + gran; j++)
			unit |= writes(variant->k, j, gran);
		if (variant->k == K_THP)	/* the written pages, maybe their whole THP */
			ok = (!writes(variant->k, i, gran) || w) && (unit || !w);
		else				/* exact (hugetlb: per huge page) */
			ok = w == unit;
		if (!ok) {
			TH_LOG("page %zu: WRITTEN %d, written %d, its huge page written %d", i, w,
			       writes(variant->k, i, gran), unit);
			bad++;
		}
		if (w != !(pm[i] & PM_UFFD_WP)) {
			TH_LOG("page %zu: WRITTEN %d but pagemap bit 57 %d", i, w,
			       !!(pm[i] & PM_UFFD_WP));
			bad++;
		}
	}
	EXPECT_EQ(0u, bad);

	/* step 5: collect and re-arm in one call: the same regions */
	if (true) {
		struct page_region *v2 = calloc(n, sizeof(*v2));
		long got2;

		ASSERT_TRUE(v2 != NULL);
		got2 = scan(self->fd, self->lo, end, &q_rearm, v2, n, &we);
		EXPECT_TRUE(scan_regions_equal(v, got, v2, got2, self->lo, why, sizeof(why)))
			TH_LOG("%s", why);
		EXPECT_EQ((uintptr_t)end, we);
		EXPECT_EQ(0, scan(self->fd, self->lo, end, &q_written, v2, n, &we));
		EXPECT_EQ((long)n, uffd_wp_count(self->lo, n));
		free(v2);
	}
	free(v);
	free(cats);
	free(pm);
}

/* ---- threads writing during the scans ---- */
#define TPAGES 512

struct writer {
	char *base;
	atomic_int done;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;

	for (size_t i = 0; i < TPAGES; i++)
		if (i % 5 != 1)		/* every page but one in five */
			w->base[i * page_size()] = 3;
	atomic_store(&w->done, 1);
	return NULL;
}

FIXTURE(threads) {
	struct region r;
	struct uffd u;
	int fd;
};

FIXTURE_SETUP(threads)
{
	self->fd = -1;
	self->r.fd = -1;
	self->u.fd = -1;
	SCAN_REQUIRE();
	BUILD(anon_build(&self->r, TPAGES, ANON_UNTOUCHED));
	BUILD(uffd_async_track(&self->u, &self->r, false));
	self->fd = pagemap_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(threads)
{
	if (self->fd >= 0)
		close(self->fd);
	uffd_close(&self->u);
	region_unmap(&self->r);
}

TEST_F(threads, no_lost_writes)
{
	struct writer w = { .base = self->r.addr };
	struct page_region v[TPAGES];
	uint64_t cats[TPAGES], we;
	unsigned char seen[TPAGES] = { 0 };
	char *end = self->r.addr + self->r.len;
	char why[512];
	pthread_t t;
	bool last = false;
	long scans = 0;

	atomic_init(&w.done, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, writer_fn, &w));
	/* collect-and-rearm until one full pass after the writer finished */
	while (!last) {
		long got;

		last = atomic_load(&w.done);
		got = scan(self->fd, self->r.addr, end, &q_rearm, v, TPAGES, &we);
		ASSERT_LE(0, got) TH_LOG("scan: %s", strerror((int)-got));
		ASSERT_EQ(0, scan_expand(v, got, self->r.addr, TPAGES, cats, why, sizeof(why)))
			TH_LOG("%s", why);
		for (size_t i = 0; i < TPAGES; i++)
			seen[i] |= cats[i] == PAGE_IS_WRITTEN;
		scans++;
	}
	pthread_join(t, NULL);
	pmc_info("%ld scans while writing", scans);
	for (size_t i = 0; i < TPAGES; i++) {
		EXPECT_EQ(i % 5 != 1, seen[i]) TH_LOG("page %zu", i);
	}
	EXPECT_EQ(TPAGES, uffd_wp_count(self->r.addr, TPAGES));
}

PMC_TAG("dirty.anon_4k.flow", "UFFD-WP-ASYNC")

PMC_MAIN
