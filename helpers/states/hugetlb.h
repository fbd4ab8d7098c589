/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hugetlb: reserve pages in the global pool, map them, give them back.
 *
 * The pool (/sys/kernel/mm/hugepages/hugepages-<N>kB/nr_hugepages) is global:
 * hugetlb_reserve() takes pmc_lock("hugetlb") for as long as the pages are
 * held, raises nr_hugepages through the knob journal (so a killed run is
 * restored), and proves free_hugepages reached the number asked for.
 * hugetlb_release() puts the old value back and unlocks. Sizes: whatever
 * hugetlb_size() (sizes.h) finds offered, where the kernel can assemble one.
 */
#ifndef PMC_HUGETLB_H
#define PMC_HUGETLB_H

#include <stdbool.h>
#include <stddef.h>

#include "sizes.h"
#include "state.h"

struct hugetlb_pool {
	size_t hpsize;		/* bytes */
	unsigned long n;	/* pages reserved for us */
	int lock_fd;		/* -1 when not held */
	char nr_path[128];
};

/* Reserve n pages of hpsize. NULL or a static reason ("hugetlb pages could
 * not be reserved", "hugetlb size not supported"). Takes the run's warm
 * pages of that size when there are enough of them (below). */
const char *hugetlb_reserve(struct hugetlb_pool *p, size_t hpsize, unsigned long n);

/*
 * Warm pages: a page is zeroed by the kernel on its first fault, and in a
 * VM the host backs guest memory on its first touch: 2-3 s for a 1 GiB
 * page on this machine's hypervisor, 0.05 s for one faulted before. A
 * page freed to the buddy allocator loses that (free page reporting hands
 * it back to the host); one kept in the hugetlb pool does not. For a full
 * run, run_tests.sh starts pmc-warm, which reserves one page of the PUD
 * size through the journal (pmc_lock "hugetlb" while it does), records
 * them in a marker file, faults it once in the background while other
 * programs run (pmc_lock "hugetlb-warm" meanwhile) and keeps it in the pool
 * until the run ends. hugetlb_reserve() of any size waits for the warming
 * (the kernel's fault mutexes: hugetlb.c, warm_pages()); of that size it
 * then uses the warm pages as they are when at least n of them are free:
 * nothing to write or restore, the same proofs after the write
 * (free_hugepages drops by n). hugetlb_warm_hold() is pmc-warm's
 * part: NULL or a reason; hugetlb_warm_drop() gives the pages back.
 */
const char *hugetlb_warm_hold(struct hugetlb_pool *p, size_t hpsize, unsigned long n);
void hugetlb_warm_drop(struct hugetlb_pool *p);
/* Give the pages back (nr_hugepages restored) and unlock. Idempotent. */
void hugetlb_release(struct hugetlb_pool *p);

/* MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB of n huge pages, written (every
 * base page) when 'write'.
 * Proof: free_hugepages dropped by n and smaps Private_Hugetlb +
 * Shared_Hugetlb cover the range with KernelPageSize hpsize (not pagemap,
 * whose PFN alignment and contiguity the tests assert, nor kpageflags); a
 * shortfall after an accepted write is state_broken (FAIL).
 * Not written: nothing to prove (an empty hugetlb mapping). */
const char *hugetlb_anon_build(struct region *r, size_t hpsize, size_t n, bool write);
/* A hugetlb memfd of pages of that size (MFD_HUGE_* from the size, not
 * the default), truncated to n pages: the fd, or -1. */
int hugetlb_memfd_open(size_t hpsize, size_t n);
/* memfd_create(MFD_HUGETLB) mapped MAP_SHARED or MAP_PRIVATE (map_flags),
 * n huge pages, written when 'write'. r->fd is the memfd.
 * Proof: as hugetlb_anon_build (free_hugepages and smaps *_Hugetlb). */
const char *hugetlb_memfd_build(struct region *r, size_t hpsize, size_t n,
				int map_flags, bool write);

/* Free pages in the pool of that size, -errno on error. */
long hugetlb_free_pages(size_t hpsize);

#endif
