/* SPDX-License-Identifier: GPL-2.0 */
/*
 * userfaultfd write-protection: the state behind pagemap bit 57 and the
 * PAGEMAP_SCAN categories WPALLOWED / WRITTEN.
 *
 * Two modes:
 *  - sync WP: UFFDIO_REGISTER_MODE_WP + UFFDIO_WRITEPROTECT; a write to a
 *    protected page would block on the uffd (tests never write there);
 *  - async WP (UFFD_FEATURE_WP_ASYNC, 6.7): a write to a protected page is
 *    resolved by the kernel, which drops the protection: bit 57 clear means
 *    "written since armed". With WP_UNPOPULATED (6.4) arming also puts
 *    markers on never-touched pages, so they read as protected too.
 *
 * Opening uses syscall(SYS_userfaultfd): it is not one of the proc files the
 * readers rule covers (no interposition needed). Builders return NULL, a
 * static reason (-> SKIP: refused) or state_broken (-> FAIL: accepted but
 * not protecting) and never exit.
 */
#ifndef PMC_UFFD_H
#define PMC_UFFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "state.h"

struct uffd {
	int fd;			/* -1 when closed */
	uint64_t features;	/* what UFFDIO_API granted */
};

/* What async dirty tracking needs, and what it needs on shmem/hugetlb. */
#define UFFD_ASYNC_FEATURES \
	(UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED)
#define UFFD_ASYNC_ALL_FEATURES \
	(UFFD_ASYNC_FEATURES | UFFD_FEATURE_WP_HUGETLBFS_SHMEM)

/* Open a userfaultfd and negotiate exactly 'features' (all must be
 * granted). NULL or a static reason. */
const char *uffd_open(struct uffd *u, uint64_t features);
void uffd_close(struct uffd *u);

/* UFFDIO_REGISTER the range in WP mode (the range must be whole VMAs or
 * parts of them, page aligned; hugetlb: huge-page aligned). */
const char *uffd_register_wp(struct uffd *u, void *addr, size_t len);
/* UFFDIO_UNREGISTER. 0 or -errno. */
int uffd_unregister(struct uffd *u, void *addr, size_t len);
/* UFFDIO_WRITEPROTECT: protect (true) or unprotect (false). 0 or -errno. */
int uffd_writeprotect(struct uffd *u, void *addr, size_t len, bool protect);

/*
 * Async dirty tracking on region r: open with WP_ASYNC|WP_UNPOPULATED
 * (+WP_HUGETLBFS_SHMEM when 'shmem_or_hugetlb'), register WP, protect the
 * whole range with UFFDIO_WRITEPROTECT. On failure the uffd is closed.
 * Proof: smaps VmFlags "uw"; on a populated anonymous range of base
 * pages, the fault counter: a write to the first populated page raises
 * ru_minflt (the async WP fault, which the kernel resolves itself without
 * a message) while the same write to an unarmed present page does not;
 * that page is then protected again. Then PAGEMAP_SCAN reads every page
 * WRITTEN clear and WPALLOWED set (6.7+; 6.4-6.6: the accepted ioctls).
 * Never pagemap bit 57, which the pagemap cases assert. Unpopulated
 * (WP_UNPOPULATED markers), huge-mapped and file ranges have no fault to
 * count: there the scan, whose two categories the scan cases assert too,
 * is the only per-page oracle; a wrong answer is state_broken (FAIL),
 * never a SKIP.
 */
const char *uffd_async_track(struct uffd *u, struct region *r, bool shmem_or_hugetlb);

/* Sync WP on region r (populated or not): register + protect.
 * features: extra features to ask for (0 or e.g. WP_UNPOPULATED).
 * Proof: smaps VmFlags "uw" and a WP fault delivered for a thread's write
 * to the first populated page (mincore), which is then re-armed; with no
 * populated page (WP_UNPOPULATED markers) PAGEMAP_SCAN WRITTEN clear where
 * the ioctl exists. Never pagemap bit 57. */
const char *uffd_sync_wp(struct uffd *u, struct region *r, uint64_t features,
			 bool shmem_or_hugetlb);

/* Lifecycle proof that page k of r is no longer write-protected (u->fd
 * may be -1: closed). NULL, a reason, or state_broken when the page is
 * still protected.
 * Proof: independent of pagemap and PAGEMAP_SCAN: a thread writes page k
 * (the byte already there) and the write returns within 10 s without a
 * userfaultfd message. */
const char *uffd_prove_unprotected(struct uffd *u, struct region *r, size_t k);

/* Count of pages in [addr, addr+n pages) whose pagemap entry has bit 57:
 * an independent view of what is armed. -errno on read failure. */
long uffd_wp_count(const void *addr, size_t npages);

#endif
