// SPDX-License-Identifier: GPL-2.0
/*
 * PAGEMAP_SCAN mask semantics: category_mask, category_inverted,
 * category_anyof_mask, return_mask, and the documentation's examples.
 *
 * Steps:
 *  1. Build 8 pages of private anon memory with four known page states,
 *     two pages each, under uffd async WP (so every category is defined):
 *       0-1 written before arming  -> WPALLOWED|PRESENT
 *       2-3 written after arming   -> WPALLOWED|PRESENT|WRITTEN
 *       4-5 never touched (marker) -> WPALLOWED|SWAPPED
 *       6-7 written after arming   -> WPALLOWED|PRESENT|WRITTEN
 *     (plus SOFT_DIRTY on all when soft-dirty tracking is built in).
 *  2. state_table: an unfiltered scan reports exactly that table, page by
 *     page (the input of the model is proven, not assumed).
 *  3. matches_model (one variant per query): the kernel's regions and
 *     walk_end equal the documented semantics computed by scan_model():
 *     a page matches when (cats ^ inverted) has all of category_mask and one
 *     of category_anyof_mask (if any); it is reported as cats & return_mask
 *     (not inverted); equal adjacent values merge into one region.
 * Requirements: PAGEMAP_SCAN, userfaultfd WP_ASYNC + WP_UNPOPULATED.
 */
#include "pmc_test.h"
#include "scan.h"
#include "state.h"
#include "uffd.h"

#define NPAGES	8

static const uint64_t table[NPAGES] = {
	PAGE_IS_WPALLOWED | PAGE_IS_PRESENT,
	PAGE_IS_WPALLOWED | PAGE_IS_PRESENT,
	PAGE_IS_WPALLOWED | PAGE_IS_PRESENT | PAGE_IS_WRITTEN,
	PAGE_IS_WPALLOWED | PAGE_IS_PRESENT | PAGE_IS_WRITTEN,
	PAGE_IS_WPALLOWED | PAGE_IS_SWAPPED,
	PAGE_IS_WPALLOWED | PAGE_IS_SWAPPED,
	PAGE_IS_WPALLOWED | PAGE_IS_PRESENT | PAGE_IS_WRITTEN,
	PAGE_IS_WPALLOWED | PAGE_IS_PRESENT | PAGE_IS_WRITTEN,
};

FIXTURE(masks) {
	struct region r;
	struct uffd u;
	int fd;
	uint64_t known;
};

FIXTURE_VARIANT(masks) {
	struct scan_query q;
};

#define ALL (SCAN_BASE_CATEGORIES)
#define Q(name, ...) FIXTURE_VARIANT_ADD(masks, name) { .q = { __VA_ARGS__ } }

Q(no_filter, .return_mask = ALL);
Q(written_required, .category_mask = PAGE_IS_WRITTEN, .return_mask = ALL);
Q(present_and_written_required, .category_mask = PAGE_IS_PRESENT | PAGE_IS_WRITTEN,
  .return_mask = ALL);
/* all required, one missing everywhere: nothing matches */
Q(huge_required_none, .category_mask = PAGE_IS_HUGE | PAGE_IS_PRESENT, .return_mask = ALL);
Q(not_written, .category_mask = PAGE_IS_WRITTEN, .category_inverted = PAGE_IS_WRITTEN,
  .return_mask = ALL);
/* inverted alone changes nothing: it only flips the bits being tested */
Q(inverted_without_mask, .category_inverted = PAGE_IS_PRESENT, .return_mask = ALL);
Q(anyof_swapped_or_written, .category_anyof_mask = PAGE_IS_SWAPPED | PAGE_IS_WRITTEN,
  .return_mask = ALL);
Q(anyof_inverted_not_present, .category_anyof_mask = PAGE_IS_PRESENT,
  .category_inverted = PAGE_IS_PRESENT, .return_mask = ALL);
Q(mask_and_anyof, .category_mask = PAGE_IS_WPALLOWED,
  .category_anyof_mask = PAGE_IS_SWAPPED | PAGE_IS_WRITTEN, .return_mask = ALL);
/* merging on the masked value: 0-3 and 6-7 report PRESENT only */
Q(return_present_only, .return_mask = PAGE_IS_PRESENT);
Q(return_written_only, .category_anyof_mask = PAGE_IS_PRESENT, .return_mask = PAGE_IS_WRITTEN);
/* a zero return_mask is accepted: matching pages reported with no category */
Q(return_nothing, .category_mask = PAGE_IS_PRESENT, .return_mask = 0);
/* the PAGE_IS_WRITTEN fast path (mask == return == WRITTEN) and the
 * generic path asking the same question must agree */
Q(written_fast_path, .category_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN);
Q(written_generic_path, .category_anyof_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN);
/* Documentation example: "written, file backed, not swapped and either
 * present or huge" as literally given (FILE is not in it). */
Q(doc_example_written_not_swapped, .category_mask = PAGE_IS_WRITTEN | PAGE_IS_SWAPPED,
  .category_inverted = PAGE_IS_SWAPPED, .category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_HUGE,
  .return_mask = PAGE_IS_WRITTEN | PAGE_IS_SWAPPED | PAGE_IS_PRESENT | PAGE_IS_HUGE);

FIXTURE_SETUP(masks)
{
	size_t ps = page_size();

	self->fd = -1;
	self->r.fd = -1;
	self->u.fd = -1;
	SCAN_REQUIRE();
	self->known = pmc_scan_categories();
	BUILD(anon_build(&self->r, NPAGES, ANON_UNTOUCHED));
	self->r.addr[0] = 1;
	self->r.addr[ps] = 1;
	BUILD(uffd_async_track(&self->u, &self->r, false));
	for (size_t i = 2; i < NPAGES; i++)
		if (table[i] & PAGE_IS_WRITTEN)
			self->r.addr[i * ps] = 1;
	self->fd = pagemap_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(masks)
{
	if (self->fd >= 0)
		close(self->fd);
	uffd_close(&self->u);
	region_unmap(&self->r);
}

TEST_F(masks, state_table)
{
	uint64_t cats[NPAGES], sd = pmc_have_soft_dirty() ? PAGE_IS_SOFT_DIRTY : 0;
	char why[512], w[128], g[128];

	ASSERT_EQ(0, scan_pages(self->r.addr, NPAGES, self->known, cats, why, sizeof(why)))
		TH_LOG("%s", why);
	for (size_t i = 0; i < NPAGES; i++) {
		if (cats[i] != (table[i] | sd)) {
			scan_format(table[i] | sd, w, sizeof(w));
			scan_format(cats[i], g, sizeof(g));
			PMC_FAIL_CHECK("page %zu: want %s got %s", i, w, g);
		}
	}
}

TEST_F(masks, matches_model)
{
	struct page_region want[NPAGES], got[NPAGES];
	uint64_t cats[NPAGES], we_want, we_got;
	char why[2048];
	long nwant, ngot;

	ASSERT_EQ(0, scan_pages(self->r.addr, NPAGES, self->known, cats, why, sizeof(why)))
		TH_LOG("%s", why);
	nwant = scan_model(cats, NPAGES, self->r.addr, &variant->q, want, NPAGES, &we_want);
	ngot = scan(self->fd, self->r.addr, self->r.addr + self->r.len, &variant->q,
		    got, NPAGES, &we_got);
	ASSERT_LE(0, ngot) TH_LOG("scan: %s", strerror((int)-ngot));
	EXPECT_TRUE(scan_regions_equal(want, nwant, got, ngot, self->r.addr, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_EQ(we_want, we_got);
}

PMC_MAIN
