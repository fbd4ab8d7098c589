/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Expectations shared by the pagemap programs. Each returns a whole-entry
 * expectation: every documented bit classified, so a test only adds what
 * its state implies.
 *
 * Soft-dirty: every VMA these tests create is fresh (VM_SOFTDIRTY), so bit
 * 55 is set on every entry, present or not, exactly when
 * CONFIG_MEM_SOFT_DIRTY is on; the clear_refs path is tested elsewhere.
 */
#ifndef PMC_PM_COMMON_H
#define PMC_PM_COMMON_H

#include "pmc_test.h"
#include "caps.h"
#include "scan.h"

static inline bool pm_sd(void)
{
	static int sd = -1;

	if (sd < 0)
		sd = pmc_have_soft_dirty();
	return sd;
}

/* The tables' defaults (helpers/core/bits.h): bits that no state in these
 * programs sets unless it says so clear (guard outside guard regions,
 * 59-60, uffd-wp outside uffd tests), soft-dirty as above; the rest for
 * the state to classify. */
static inline struct pm_expect pm_base(void)
{
	struct pm_expect x = {
		.privileged = pmc_have_cap(CAP_SYS_ADMIN),
	};

	pm_expect_defaults(&x, pm_sd());
	return x;
}

/* Nothing mapped: all zero (but soft-dirty). */
static inline struct pm_expect pm_none(void)
{
	struct pm_expect x = pm_base();

	x.clear |= PM_PRESENT | PM_SWAP | PM_FILE | PM_MMAP_EXCLUSIVE;
	x.low = PM_LOW_ZERO;
	return x;
}

/* No VMA at all: every bit zero, soft-dirty too (it is a VMA flag). */
static inline struct pm_expect pm_unmapped(void)
{
	struct pm_expect x = {
		.clear = PM_FLAG_BITS,
		.low = PM_LOW_ZERO,
		.privileged = pmc_have_cap(CAP_SYS_ADMIN),
	};

	return x;
}

/* A present page: file (bit 61) and exclusive (bit 56) as given; the PFN
 * shown to a privileged reader (== pfn when pfn != 0), hidden otherwise. */
static inline struct pm_expect pm_present(bool file, bool excl, uint64_t pfn)
{
	struct pm_expect x = pm_base();

	x.set |= PM_PRESENT;
	x.clear |= PM_SWAP;
	if (file)
		x.set |= PM_FILE;
	else
		x.clear |= PM_FILE;
	if (excl)
		x.set |= PM_MMAP_EXCLUSIVE;
	else
		x.clear |= PM_MMAP_EXCLUSIVE;
	x.low = PM_LOW_PFN;
	x.pfn = pfn;
	return x;
}

/*
 * PAGEMAP_SCAN's view of a state these programs build: exactly 'set' (and
 * SOFT_DIRTY where soft-dirty is built in: every VMA here is fresh or a
 * copy of one, VM_SOFTDIRTY, which the scan reports for every page), 'any'
 * with its reason, every other category clear.
 */
static inline struct scan_expect pm_scan(uint64_t set, uint64_t any, const char *any_why)
{
	struct scan_expect x = { .set = set, .any = any, .any_why = any_why };

	if (pm_sd())
		x.set |= PAGE_IS_SOFT_DIRTY;
	x.clear = (SCAN_BASE_CATEGORIES | PAGE_IS_SOFT_DIRTY | PAGE_IS_GUARD) & ~x.set & ~x.any;
	return x;
}

/* Check the categories cats[i] of page i (scan_pages / child_scan, every
 * known category returned) against x[i], and against the pagemap entry e[i]
 * of the same page (scan_agrees_with_pagemap; armed: uffd-wp registered). */
#define EXPECT_SCAN_PAGES(who, cats, x, e, n, armed) do { \
	uint64_t __known = pmc_scan_categories(); \
	char __why[512]; \
	for (size_t __i = 0; __i < (n); __i++) { \
		pmc_count_check(_metadata); \
		if (!scan_match(&(x)[__i], (cats)[__i], __known, __why, sizeof(__why))) \
			PMC_FAIL_CHECK("%s page %zu: PAGEMAP_SCAN %s", who, __i, __why); \
		pmc_count_check(_metadata); \
		if (!scan_agrees_with_pagemap((cats)[__i], (e)[__i], armed, __known, \
					      __why, sizeof(__why))) \
			PMC_FAIL_CHECK("%s page %zu: %s", who, __i, __why); \
	} \
} while (0)

/* This process' categories of n pages from addr into cats[n]. */
#define SCAN_SELF(addr, n, cats) do { \
	char __w[256]; \
	ASSERT_EQ(0, scan_pages(addr, n, pmc_scan_categories(), cats, __w, sizeof(__w))) \
		TH_LOG("%s", __w); \
} while (0)

/* kpagecount of the page behind a pagemap entry (needs root); -1 if unknown. */
static inline long pm_mapcount(uint64_t e)
{
	uint64_t n;

	if (!(e & PM_PRESENT) || !pm_pfn(e) || kpage_get(KPAGECOUNT, pm_pfn(e), &n))
		return -1;
	return (long)n;
}

#endif
