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
#include "state.h"

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

int zero_page_in_use(void)
{
	struct region a, b;
	uint64_t pa, pb;
	int r;

	if (anon_build(&a, 1, ANON_READ))
		return -ENOMEM;
	if (anon_build(&b, 1, ANON_READ)) {
		region_unmap(&a);
		return -ENOMEM;
	}
	pa = pfn_of(a.addr);
	pb = pfn_of(b.addr);
	r = (!pa || !pb) ? -EPERM : pa == pb;
	region_unmap(&a);
	region_unmap(&b);
	return r;
}
