/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State builders: each builds one memory state and proves it was built.
 *
 * Convention: a builder returns NULL when the state exists and was proven,
 * or a static reason ("THP collapse refused") that the test turns into a
 * SKIP through BUILD(). Builders never exit the process and never assert;
 * the test asserts. What a builder changes globally goes through the knob
 * journal (knobs.h) and is undone by the matching *_teardown.
 */
#ifndef PMC_STATE_H
#define PMC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* In a TEST_F/FIXTURE_SETUP: SKIP when the builder could not build. */
#define BUILD(expr) do { \
	const char *__why = (expr); \
	if (__why) \
		SKIP(return, "%s", __why); \
} while (0)

struct region {
	char *addr;
	size_t len;		/* bytes */
	size_t npages;		/* base pages */
	int fd;			/* backing file/memfd, -1 for anon */
	char *map_base;		/* what to munmap (may differ from addr when aligned) */
	size_t map_len;
};

size_t page_size(void);

/* mmap 'len' bytes aligned to 'align' (0 = page); anon when fd < 0. */
const char *region_map(struct region *r, size_t len, size_t align, int prot,
		       int flags, int fd, off_t off);
void region_unmap(struct region *r);

/* The pagemap entries of every page of r, in a malloc'd array (free it),
 * or NULL when they could not be read. */
uint64_t *region_pagemap(const struct region *r);

/* Touch every page: write a distinct byte / read one byte. */
void region_write(struct region *r);
void region_read(struct region *r);

/* ---- anon ---- */
enum anon_touch { ANON_UNTOUCHED, ANON_READ, ANON_WRITTEN };
/* Private anonymous memory, npages, touched as asked (MAP_PRIVATE). */
const char *anon_build(struct region *r, size_t npages, enum anon_touch t);
/* Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS), written. */
const char *anon_shared_build(struct region *r, size_t npages);
/*
 * Does a read fault map the shared zero page here? Probed by behaviour:
 * two read faults in two mappings land on the same PFN (needs the PFN, so
 * CAP_SYS_ADMIN). 1 yes, 0 no, -errno unknown.
 */
int zero_page_in_use(void);

/* The PFN behind one page of the caller (needs CAP_SYS_ADMIN), 0 if none. */
uint64_t pfn_of(const void *addr);

#endif
