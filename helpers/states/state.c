// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "entry.h"
#include "readers.h"
#include "probe.h"
#include "state.h"
#include "thp.h"

static char state_evidence[2048];

const char *state_broken(const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(state_evidence, sizeof(state_evidence), "state not observable: ");

	va_start(ap, fmt);
	vsnprintf(state_evidence + n, sizeof(state_evidence) - (size_t)n, fmt, ap);
	va_end(ap);
	return state_evidence;
}

bool state_is_broken(const char *why)
{
	return why == state_evidence;
}

size_t page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

const char *region_map(struct region *r, size_t len, size_t align, int prot,
		       int flags, int fd, off_t off)
{
	size_t over = align > page_size() ? align : 0;
	char *p;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	if (fd < 0)
		flags |= MAP_ANONYMOUS;
	/* Alignment: reserve len + align, then map over the aligned part. */
	p = mmap(NULL, len + over, over ? PROT_NONE : prot,
		 over ? (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE) : flags,
		 over ? -1 : fd, over ? 0 : off);
	if (p == MAP_FAILED)
		return "mmap failed";
	r->map_base = p;
	r->map_len = len + over;
	if (over) {
		char *a = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
		if (mmap(a, len, prot, flags | MAP_FIXED, fd, off) == MAP_FAILED) {
			munmap(p, len + over);
			r->map_base = NULL;
			return "mmap failed";
		}
		p = a;
	}
	r->addr = p;
	r->len = len;
	r->npages = len / page_size();
	return NULL;
}

void region_unmap(struct region *r)
{
	if (r->map_base)
		munmap(r->map_base, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
	r->map_base = NULL;
	r->addr = NULL;
	r->fd = -1;
}

uint64_t *region_pagemap(const struct region *r)
{
	uint64_t *e = calloc(r->npages, sizeof(*e));

	if (e && pagemap_self(r->addr, r->npages, e)) {
		free(e);
		e = NULL;
	}
	return e;
}

void region_write(struct region *r)
{
	for (size_t i = 0; i < r->npages; i++)
		r->addr[i * page_size()] = (char)(i + 1);
}

void region_read(struct region *r)
{
	volatile char sink;

	for (size_t i = 0; i < r->npages; i++)
		sink = ((volatile char *)r->addr)[i * page_size()];
	(void)sink;
}

const char *anon_build(struct region *r, size_t npages, enum anon_touch t)
{
	const char *why = region_map(r, npages * page_size(), 0,
				     PROT_READ | PROT_WRITE, MAP_PRIVATE, -1, 0);

	if (why)
		return why;
	/* A THP would change every entry's meaning: keep these base pages. */
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	if (t == ANON_READ)
		region_read(r);
	else if (t == ANON_WRITTEN)
		region_write(r);
	return NULL;
}

const char *anon_shared_build(struct region *r, size_t npages)
{
	const char *why = region_map(r, npages * page_size(), 0,
				     PROT_READ | PROT_WRITE, MAP_SHARED, -1, 0);

	if (why)
		return why;
	region_write(r);
	return NULL;
}

uint64_t pfn_of(const void *addr)
{
	uint64_t e = 0;

	if (pagemap_self(addr, 1, &e) || !(e & PM_PRESENT))
		return 0;
	return pm_pfn(e);
}

/* Resident pages (mincore) of [addr, +npages) and smaps Rss in kB. */
static int resident(const void *addr, size_t npages, size_t *res, long *rss_kb)
{
	unsigned char *v = calloc(npages, 1);

	if (!v)
		return -ENOMEM;
	if (mincore((void *)addr, npages * page_size(), v)) {
		free(v);
		return -errno;
	}
	*res = 0;
	for (size_t i = 0; i < npages; i++)
		*res += v[i] & 1;
	free(v);
	*rss_kb = smaps_kb(addr, npages * page_size(), "Rss");
	return *rss_kb < 0 ? (int)*rss_kb : 0;
}

/*
 * Oracle (no pagemap, no kpageflags, no PFN: works without CAP_SYS_ADMIN):
 * after a read fault the page is mapped (mincore says resident) yet smaps
 * counts no Rss for it: vm_normal_page() is NULL only for the zero page.
 * A private copy would count 4 kB.
 */
int zero_page_in_use(void)
{
	struct region a;
	size_t res;
	long rss;
	int r;

	if (anon_build(&a, 1, ANON_READ))
		return -ENOMEM;
	r = resident(a.addr, 1, &res, &rss);
	if (!r)
		r = res == 1 && rss == 0;
	region_unmap(&a);
	return r;
}

#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage"

/*
 * One PMD-aligned, PMD-sized MADV_HUGEPAGE area, one byte read. Oracle (not
 * pagemap/kpageflags/PAGEMAP_SCAN, which all three areas assert): mincore
 * reports all PMD pages resident after that single read fault (a 4 kB zero
 * page would make one resident) while smaps counts no Rss (the huge zero
 * folio is not a normal page). Refusals and a fallback counted by the
 * kernel (thp_fault_fallback) SKIP; anything else is state_broken.
 */
const char *huge_zero_build(struct region *r)
{
	size_t pmd = pmc_thp_pmd_size(), res;
	long long fb0 = vmstat_get("thp_fault_fallback");
	char knob[64];
	long rss;
	int ret;

	if (!pmd)
		return thp_absent_reason();
	if (!pmc_read_file(THP_SYSFS "/use_zero_page", knob, sizeof(knob)) && !strcmp(knob, "0"))
		return "huge zero page disabled (transparent_hugepage use_zero_page off)";
	if (!pmc_read_file(THP_SYSFS "/enabled", knob, sizeof(knob)) && strstr(knob, "[never]"))
		return "THP disabled (transparent_hugepage enabled is never)";
	/* mm_forbids_zeropage() stops the huge zero page as well as the small
	 * one: a read fault would allocate a real THP, not a broken state. */
	if (zero_page_in_use() == 0)
		return "read faults do not map the zero page (mm_forbids_zeropage)";
	if (region_map(r, pmd, pmd, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1, 0))
		return "mmap failed";
	if (madvise(r->addr, pmd, MADV_HUGEPAGE)) {
		region_unmap(r);
		return "MADV_HUGEPAGE refused";
	}
	(void)*(volatile char *)r->addr;
	ret = resident(r->addr, r->npages, &res, &rss);
	if (ret) {
		region_unmap(r);
		return "mincore/smaps unreadable";
	}
	if (res == r->npages && rss == 0)
		return NULL;
	region_unmap(r);
	if (vmstat_get("thp_fault_fallback") > fb0)
		return "huge zero page could not be allocated (thp_fault_fallback)";
	return state_broken("read fault in a PMD-aligned MADV_HUGEPAGE area: mincore %zu of %zu "
			    "pages resident, smaps Rss %ld kB; the huge zero page gives all "
			    "resident and 0 kB", res, r->npages, rss);
}
