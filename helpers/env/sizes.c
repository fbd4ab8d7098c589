// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "probe.h"
#include "sizes.h"
#include "state.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

unsigned int size_order(size_t bytes)
{
	unsigned int o = 0;

	while (((size_t)page_size() << o) < bytes)
		o++;
	return o;
}

unsigned int page_shift(void)
{
	return (unsigned int)__builtin_ctzl(page_size());
}

size_t ptes_per_table(void)
{
	return page_size() / sizeof(uint64_t);
}

size_t pmd_size(void)
{
	size_t thp = pmc_thp_pmd_size();

	return thp ? thp : page_size() * ptes_per_table();
}

size_t pud_size(void)
{
	return pmd_size() * ptes_per_table();
}

const char *hugetlb_kind_name(enum hugetlb_kind kind)
{
	switch (kind) {
	case HUGETLB_CONT_PTE: return "cont-PTE";
	case HUGETLB_PMD: return "PMD";
	case HUGETLB_CONT_PMD: return "cont-PMD";
	case HUGETLB_PUD: return "PUD";
	}
	return "?";
}

size_t hugetlb_size(enum hugetlb_kind kind)
{
	DIR *d = opendir("/sys/kernel/mm/hugepages");
	size_t pmd = pmd_size(), pud = pud_size(), best = 0;
	struct dirent *de;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		unsigned long long kb;
		size_t sz;
		bool fits;

		if (sscanf(de->d_name, "hugepages-%llukB", &kb) != 1)
			continue;
		sz = (size_t)kb << 10;
		switch (kind) {
		case HUGETLB_CONT_PTE: fits = sz < pmd; break;
		case HUGETLB_PMD: fits = sz == pmd; break;
		case HUGETLB_CONT_PMD: fits = sz > pmd && sz < pud; break;
		case HUGETLB_PUD: fits = sz == pud; break;
		default: fits = false;
		}
		if (fits && sz > best)
			best = sz;
	}
	closedir(d);
	return best;
}

/* A one-page mapping at a fits below the top (mapped now, or taken). */
static int fits_below_top(uint64_t a)
{
	size_t ps = page_size();
	void *p = mmap((void *)(uintptr_t)a, ps, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return errno == EEXIST ? 1 : errno == ENOMEM ? 0 : -1;
	munmap(p, ps);
	/* Before 4.17 the flag is ignored and the address only a hint. */
	return p == (void *)(uintptr_t)a ? 1 : -1;
}

uint64_t user_va_end(void)
{
	static uint64_t end;
	uint64_t lo, hi;	/* page numbers: lo fits, hi does not */
	int r;

	if (end)
		return end;
	/* Start from a page every 64-bit user space has, below any top. */
	lo = (UINT64_C(1) << 32) >> page_shift();
	hi = (UINT64_C(1) << 63) >> page_shift();
	if (fits_below_top(lo << page_shift()) != 1 || fits_below_top(hi << page_shift()) != 0)
		return 0;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		r = fits_below_top(mid << page_shift());
		if (r < 0)
			return 0;
		if (r)
			lo = mid;
		else
			hi = mid;
	}
	end = hi << page_shift();
	return end;
}

long meminfo_kb(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

const char *mem_hint(const char *why, size_t bytes)
{
	static char buf[256];
	size_t gib = (size_t)1 << 30, total;
	long kb;

	if (!why)
		return NULL;
	kb = meminfo_kb("MemTotal");
	total = kb > 0 ? (size_t)kb << 10 : 0;
	/* Below an eighth of memory, memory is not what stood in the way. */
	if (!total || bytes < total / 8)
		return why;
	/* Four times the state plus 1 GiB, in whole GiB: runtime reservation
	 * needs free, aligned blocks of the page's size beside the guest's
	 * own memory (two 512 MiB hugetlb pages: refused at 4G, built at 5G
	 * in an arm64 64K guest). */
	snprintf(buf, sizeof(buf), "%s (in a VM: ci/vm-run.sh --mem %zuG)",
		 why, (4 * bytes + gib + gib - 1) / gib);
	return buf;
}
