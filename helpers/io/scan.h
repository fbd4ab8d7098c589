/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PAGEMAP_SCAN wrapper, and the comparison of its answer with pagemap.
 *
 * scan_ioctl() is the only place in the suite that issues the ioctl (plain
 * libc ioctl() on a pagemap fd, so the fault-injection library can
 * interpose). scan() builds the struct pm_scan_arg from named fields and
 * calls scan_ioctl(); tests of bad arguments fill a pm_scan_arg themselves
 * (scan_arg_init() gives a valid one to spoil one field of).
 *
 * A region list is checked for shape (sorted, page aligned, non-empty,
 * inside the range) and expanded to one category word per page, so tests
 * compare the scan with pagemap page by page.
 */
#ifndef PMC_SCAN_H
#define PMC_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "entry.h"
#include "probe.h"

/*
 * In FIXTURE_SETUP/TEST: SKIP when the kernel has no PAGEMAP_SCAN (ENOTTY)
 * and is older than 6.7; ENOTTY on 6.7+, or any other answer of the probe
 * than "present", is a failure, not a SKIP.
 */
#define SCAN_REQUIRE() do { \
	int __s = pmc_have_pagemap_scan(); \
	REQUIRE(__s != 0 || pmc_pagemap_scan_expected(), \
		"no PAGEMAP_SCAN in this kernel"); \
	ASSERT_NE(0, __s) TH_LOG("PAGEMAP_SCAN ioctl: ENOTTY on a 6.7+ kernel"); \
	ASSERT_EQ(1, __s) TH_LOG("PAGEMAP_SCAN probe failed: %s", strerror(-__s)); \
} while (0)

/* Categories every 6.7+ kernel knows (bits 0..6). */
#define SCAN_BASE_CATEGORIES \
	(PAGE_IS_WPALLOWED | PAGE_IS_WRITTEN | PAGE_IS_FILE | PAGE_IS_PRESENT | \
	 PAGE_IS_SWAPPED | PAGE_IS_PFNZERO | PAGE_IS_HUGE)

struct scan_query {
	uint64_t flags;			/* PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC */
	uint64_t category_mask;		/* all required */
	uint64_t category_inverted;	/* these match when clear */
	uint64_t category_anyof_mask;	/* at least one required */
	uint64_t return_mask;		/* reported bits */
	uint64_t max_pages;		/* 0 = no limit */
};

/* The ioctl itself: returns the ioctl's value (regions written, >= 0) or
 * -errno. 'arg' is passed as is (walk_end is written back by the kernel). */
long scan_ioctl(int pagemap_fd, struct pm_scan_arg *arg);

/* A valid argument: size set, range [start, end), no output. */
void scan_arg_init(struct pm_scan_arg *arg, const void *start, const void *end);

/* Scan [start, end) of the process behind pagemap_fd with query q into vec
 * (vec_len entries; vec may be NULL with vec_len 0). walk_end (may be NULL)
 * receives the kernel's walk_end. Returns regions or -errno. */
long scan(int pagemap_fd, const void *start, const void *end, const struct scan_query *q,
	  struct page_region *vec, size_t vec_len, uint64_t *walk_end);

/* Report every page with every category the kernel knows (no filter):
 * the categories of each page into cats[npages] (pages the scan did not
 * report get SCAN_NOT_REPORTED). Own pagemap fd. 0, or -errno, or
 * -EPROTO when the region list is malformed (why says how). */
#define SCAN_NOT_REPORTED	(UINT64_C(1) << 63)
int scan_pages(const void *start, size_t npages, uint64_t return_mask, uint64_t *cats,
	       char *why, size_t why_len);

/*
 * Expand regions v[0..n) over [start, start + npages pages) into cats[]
 * (SCAN_NOT_REPORTED where no region covers a page). Checks the shape:
 * start < end, page aligned, inside the range, ascending, not overlapping;
 * and 'merged': adjacent regions never carry equal categories (the kernel
 * merges them). Returns 0, or -EPROTO with why filled.
 */
int scan_expand(const struct page_region *v, long n, const void *start, size_t npages,
		uint64_t *cats, char *why, size_t why_len);

/* "[0x..+3 PRESENT|WRITTEN] [..]" (offsets in pages from base). */
size_t scan_regions_format(const struct page_region *v, long n, const void *base,
			   char *buf, size_t len);

/*
 * Cross-check one page: the scan categories (all known returned, no filter)
 * against the pagemap entry, for every category whose twin bits.h compares:
 * SAME (PRESENT<->63, SWAPPED<->62: pte markers, uffd-wp and guard, are
 * swap-format entries and both report them; FILE<->61, GUARD<->58) and
 * NOT_ARMED (WRITTEN<->!57 when 'armed': uffd-wp registered on the range).
 * Returns true when they agree; otherwise 'why' names the first
 * disagreeing pair.
 */
bool scan_agrees_with_pagemap(uint64_t cats, uint64_t entry, bool armed,
			      uint64_t known, char *why, size_t why_len);

/*
 * Reference model of the documented semantics: from the categories of each
 * page (cats[npages], as an unfiltered scan reported them) compute what a
 * scan with query q (masks, return_mask, max_pages) and an output buffer of
 * out_len entries must answer: the regions (returned count) and walk_end.
 * A page matches when, with category_inverted applied, it has every bit of
 * category_mask and (if set) one of category_anyof_mask; it is reported
 * with cats & return_mask; adjacent reported pages with equal values make
 * one region; the walk stops at the first page that does not fit (buffer
 * full, or max_pages reached) and walk_end is that page's address.
 */
long scan_model(const uint64_t *cats, size_t npages, const void *start,
		const struct scan_query *q, struct page_region *out, size_t out_len,
		uint64_t *walk_end);

/* Compare two region lists; false with why filled when they differ. */
bool scan_regions_equal(const struct page_region *want, long nwant,
			const struct page_region *got, long ngot, const void *base,
			char *why, size_t why_len);

/*
 * The expected categories of a page: every category the kernel knows must
 * be required set, required clear or declared "any" with a reason, or the
 * expectation matches nothing (a test bug), as with pm_expect: classify()
 * over the universe 'known'.
 */
struct scan_expect {
	uint64_t set, clear, any;
	const char *any_why;
};
/* The "any" reason of WRITTEN on a page without a PTE and without uffd-wp:
 * the kernel answers WRITTEN by whether a page table happens to exist
 * (pte_none inside one is "written", a PMD hole is not, and kernels differ
 * on the generic path); "written since write-protected" has no meaning
 * without uffd-wp. */
#define SCAN_UNARMED_HOLE "WRITTEN has no meaning for an unpopulated page without uffd-wp"
/* True when cats satisfies x for the categories in 'known'. */
bool scan_match(const struct scan_expect *x, uint64_t cats, uint64_t known,
		char *why, size_t why_len);
/* The tables' default classification (bits.h, column dflt) of the known
 * categories x leaves unclassified, as pm_expect_defaults(). */
void scan_expect_defaults(struct scan_expect *x, uint64_t known, bool soft_dirty);

#endif
