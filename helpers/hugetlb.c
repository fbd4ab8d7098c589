// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "compat.h"
#include "entry.h"
#include "hugetlb.h"
#include "knobs.h"
#include "probe.h"
#include "readers.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif

static void pool_path(size_t hpsize, const char *file, char *out, size_t len)
{
	snprintf(out, len, "/sys/kernel/mm/hugepages/hugepages-%zukB/%s", hpsize >> 10, file);
}

long hugetlb_free_pages(size_t hpsize)
{
	char path[128];
	uint64_t v;
	int r;

	pool_path(hpsize, "free_hugepages", path, sizeof(path));
	r = pmc_read_u64(path, &v);
	return r ? r : (long)v;
}

const char *hugetlb_reserve(struct hugetlb_pool *p, size_t hpsize, unsigned long n)
{
	char val[32];
	uint64_t nr;
	long fr;

	memset(p, 0, sizeof(*p));
	p->lock_fd = -1;
	p->hpsize = hpsize;
	pool_path(hpsize, "nr_hugepages", p->nr_path, sizeof(p->nr_path));
	if (!pmc_exists(p->nr_path))
		return "hugetlb size not supported";
	p->lock_fd = pmc_lock("hugetlb", 60);
	if (p->lock_fd < 0) {
		p->lock_fd = -1;
		return "hugetlb pool lock not obtained";
	}
	if (pmc_read_u64(p->nr_path, &nr)) {
		hugetlb_release(p);
		return "hugetlb pool not readable";
	}
	fr = hugetlb_free_pages(hpsize);
	if (fr < 0) {
		hugetlb_release(p);
		return "hugetlb pool not readable";
	}
	/* Pages already free in the pool are someone's reservation or
	 * leftovers: we add ours on top and need n more free ones. */
	snprintf(val, sizeof(val), "%llu", (unsigned long long)(nr + n));
	if (knob_write(p->nr_path, val)) {
		hugetlb_release(p);
		return "hugetlb pool not writable";
	}
	p->n = n;
	if (hugetlb_free_pages(hpsize) < fr + (long)n) {
		hugetlb_release(p);
		return "hugetlb pages could not be reserved";
	}
	return NULL;
}

void hugetlb_release(struct hugetlb_pool *p)
{
	if (p->nr_path[0])
		knob_restore(p->nr_path);
	p->n = 0;
	if (p->lock_fd >= 0)
		pmc_unlock(p->lock_fd);
	p->lock_fd = -1;
}

static int size_log2(size_t v)
{
	return __builtin_ctzl(v);
}

/* Present everywhere; PFNs contiguous and aligned per huge page (root). */
static const char *prove(struct region *r, size_t hpsize, bool write)
{
	size_t ps = page_size(), per = hpsize / ps;
	uint64_t *e;
	const char *why = NULL;

	if (!write)
		return NULL;
	e = region_pagemap(r);
	if (!e)
		return "pagemap read failed";
	for (size_t i = 0; i < r->npages && !why; i++) {
		if (!(e[i] & PM_PRESENT))
			why = "hugetlb page not present after write";
		else if (pm_pfn(e[i]) && i % per == 0 && pm_pfn(e[i]) % per)
			why = "hugetlb page not aligned";
		else if (pm_pfn(e[i]) && i % per && pm_pfn(e[i]) != pm_pfn(e[i - 1]) + 1)
			why = "hugetlb page not contiguous";
	}
	free(e);
	return why;
}

/* The common end of every builder: write if asked, prove, unmap on failure. */
static const char *touch_and_prove(struct region *r, size_t hpsize, bool write)
{
	const char *why;

	if (write)
		region_write(r);
	why = prove(r, hpsize, write);
	if (why)
		region_unmap(r);
	return why;
}

const char *hugetlb_anon_build(struct region *r, size_t hpsize, size_t n, bool write)
{
	int flags = MAP_PRIVATE | MAP_HUGETLB | (size_log2(hpsize) << MAP_HUGE_SHIFT);
	const char *why;

	why = region_map(r, n * hpsize, 0, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (why)
		return "hugetlb mapping refused";
	return touch_and_prove(r, hpsize, write);
}

const char *hugetlb_memfd_build(struct region *r, size_t hpsize, size_t n,
				int map_flags, bool write)
{
	unsigned int mfd = MFD_CLOEXEC | MFD_HUGETLB | (size_log2(hpsize) << MFD_HUGE_SHIFT);
	int fd = memfd_create("pmc-hugetlb", mfd);
	const char *why;

	if (fd < 0)
		return "hugetlb memfd refused";
	if (ftruncate(fd, (off_t)(n * hpsize))) {
		close(fd);
		return "hugetlb memfd refused";
	}
	why = region_map(r, n * hpsize, 0, PROT_READ | PROT_WRITE, map_flags, fd, 0);
	if (why) {
		close(fd);
		return "hugetlb mapping refused";
	}
	return touch_and_prove(r, hpsize, write);
}
