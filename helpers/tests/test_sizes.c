// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the size derivation (helpers/env/sizes.c) on the running kernel,
 * read-only: the page-table geometry is consistent (a PMD maps a table of
 * pages, a PUD a table of PMDs); every hugetlb kind found is offered and
 * sits where its kind says; orders invert shifts; user_va_end() is where a
 * one-page mapping stops fitting (the last page fits, the end does not);
 * mem_hint() keeps NULL and small states' reasons, names --mem otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "pmc_test.h"
#include "sizes.h"
#include "state.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

TEST(table_geometry)
{
	EXPECT_EQ(page_size(), (size_t)1 << page_shift());
	EXPECT_EQ(page_size() / 8, ptes_per_table());
	EXPECT_EQ(0UL, pmd_size() % (page_size() * ptes_per_table()));
	EXPECT_EQ(pmd_size() * ptes_per_table(), pud_size());
	EXPECT_EQ(0U, size_order(page_size()));
	EXPECT_EQ(4U, size_order(page_size() << 4));
}

TEST(hugetlb_kinds)
{
	enum hugetlb_kind k;
	char path[96];

	for (k = HUGETLB_CONT_PTE; k <= HUGETLB_PUD; k++) {
		size_t s = hugetlb_size(k);

		if (!s)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB", s >> 10);
		EXPECT_EQ(0, access(path, F_OK)) TH_LOG("%s size %zu", hugetlb_kind_name(k), s);
		if (k == HUGETLB_CONT_PTE) {
			EXPECT_LT(s, pmd_size());
		} else if (k == HUGETLB_PMD) {
			EXPECT_EQ(s, pmd_size());
		} else if (k == HUGETLB_CONT_PMD) {
			EXPECT_GT(s, pmd_size());
			EXPECT_LT(s, pud_size());
		} else {
			EXPECT_EQ(s, pud_size());
		}
	}
}

TEST(va_end_is_the_mmap_limit)
{
	uint64_t end = user_va_end();
	size_t ps = page_size();
	void *p;

	ASSERT_NE(0ULL, (unsigned long long)end);
	EXPECT_EQ(0ULL, (unsigned long long)(end % ps));
	/* The last page fits (or is taken), the page at the end does not. */
	p = mmap((void *)(uintptr_t)(end - ps), ps, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	EXPECT_TRUE(p != MAP_FAILED || errno == EEXIST);
	if (p != MAP_FAILED)
		munmap(p, ps);
	p = mmap((void *)(uintptr_t)end, ps, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	EXPECT_TRUE(p == MAP_FAILED);
	EXPECT_EQ(ENOMEM, errno);
}

TEST(mem_hint_names_mem)
{
	EXPECT_TRUE(mem_hint(NULL, (size_t)1 << 40) == NULL);
	EXPECT_STREQ("why", mem_hint("why", page_size()));
	EXPECT_TRUE(strstr(mem_hint("why", (size_t)1 << 40), "ci/vm-run.sh --mem ") != NULL);
}

PMC_MAIN
