/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State builders: each builds one memory state and proves it was built.
 *
 * Three outcomes (issue 13.1):
 *  - NULL: the state exists, proven by an oracle independent of the
 *    field the tests assert (each builder's comment names its oracle);
 *  - a static reason ("no THP in this kernel"): the capability is absent,
 *    i.e. the kernel refused the setup before anything was built, or a
 *    probed config/feature says so -> SKIP through BUILD();
 *  - state_broken(...): the kernel accepted the setup but the state is not
 *    observable as it must be -> BUILD() FAILs the case with the decoded
 *    evidence in a failing-check line.
 * Builders never exit the process and never assert; the test asserts.
 * What a builder changes globally goes through the knob journal (knobs.h)
 * and is undone by the matching *_teardown.
 */
#ifndef PMC_STATE_H
#define PMC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Evidence that a state the kernel accepted is not there: printf-style,
 * formatted into one static buffer (each case runs in its own process; a
 * builder returns it at once). Returns that buffer.
 */
const char *state_broken(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Is 'why' a state_broken() answer (FAIL) rather than a reason (SKIP)? */
bool state_is_broken(const char *why);

/* In a TEST_F/FIXTURE_SETUP: FAIL with the evidence when the builder found
 * the state broken, SKIP when it could not build. */
#define BUILD(expr) do { \
	const char *__why = (expr); \
	if (__why && state_is_broken(__why)) { \
		__TH_LOG("%s", __why); \
		_metadata->exit_code = KSFT_FAIL; \
		return; \
	} \
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

/* mmap 'len' bytes aligned to 'align' (0 = page); anon when fd < 0.
 * Proof: none needed: an empty mapping is what mmap's success gives (the
 * builders that touch it prove what they touched). */
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
/* Private anonymous memory, npages, touched as asked (MAP_PRIVATE,
 * MADV_NOHUGEPAGE: base pages).
 * Proof: none: the state is the access pattern itself (mmap succeeded, the
 * CPU's loads/stores returned); residency, PFNs and flags are what the
 * tests assert, so nothing of them is read back here. */
const char *anon_build(struct region *r, size_t npages, enum anon_touch t);
/* Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS), written.
 * Proof: none, as anon_build. */
const char *anon_shared_build(struct region *r, size_t npages);
/*
 * Does a read fault map the shared zero page here? Probed by behaviour
 * without pagemap or PFNs: mincore resident, smaps Rss 0. 1 yes, 0 no
 * (mm_forbids_zeropage), -errno unknown.
 */
int zero_page_in_use(void);
/* The huge zero page: one PMD-sized, PMD-aligned MADV_HUGEPAGE area mapped
 * by a single read fault. NULL, reason, or state_broken.
 * Proof: mincore reports every page of the PMD resident after that one
 * read fault while smaps counts 0 kB Rss (the huge zero folio is not a
 * normal page); not pagemap, kpageflags or PAGEMAP_SCAN, which all assert
 * it. A fallback counted in vmstat thp_fault_fallback, use_zero_page off
 * or THP "never", or read faults not mapping the zero page at all
 * (zero_page_in_use() 0): SKIP. */
const char *huge_zero_build(struct region *r);

/* The PFN behind one page of the caller (needs CAP_SYS_ADMIN), 0 if none. */
uint64_t pfn_of(const void *addr);

#endif
