// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "thp.h"

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

static void warm_marker(size_t hpsize, char *out, size_t len)
{
	snprintf(out, len, "%s/hugetlb-warm-%zukB", pmc_state_dir(), hpsize >> 10);
}

/*
 * Warm pages of that size the run holds, once their warming is over.
 * A reservation of any size waits for the warming: a hugetlb fault takes
 * one of the kernel's hugetlb_fault_mutex_table mutexes, picked by hashing
 * (mapping, index) into 8 x CPUs (rounded up to a power of two) of them,
 * and the warm page's first fault holds its one while it zeroes 1 GiB
 * (seconds in a VM whose host backs the memory then). A 2 MiB fault that
 * hashes to the same mutex waited for all of it (measured: the 25th of 60
 * such faults beside a 3.07 s one waited 3.01 s; scan_wp_paths once took
 * 1.6 s instead of 0.03 s). Waiting here makes that wait the same in every
 * run, and the run order (tests/programs.tsv) puts the hugetlb programs
 * after the others, when the warming is normally over.
 */
static unsigned long warm_pages(size_t hpsize)
{
	char path[PATH_MAX];
	uint64_t n;
	int fd;

	warm_marker(hugetlb_size(HUGETLB_PUD), path, sizeof(path));
	if (!pmc_exists(path))
		return 0;
	/* Bounded: a warming that takes longer leaves us the plain way. */
	fd = pmc_lock("hugetlb-warm", 60);
	if (fd < 0)
		return 0;
	pmc_unlock(fd);
	warm_marker(hpsize, path, sizeof(path));
	return pmc_read_u64(path, &n) ? 0 : (unsigned long)n;
}

const char *hugetlb_reserve(struct hugetlb_pool *p, size_t hpsize, unsigned long n)
{
	unsigned long warm = warm_pages(hpsize);
	char val[32];
	uint64_t nr;
	long fr;

	memset(p, 0, sizeof(*p));
	p->lock_fd = -1;
	p->hpsize = hpsize;
	pool_path(hpsize, "nr_hugepages", p->nr_path, sizeof(p->nr_path));
	if (!pmc_exists(p->nr_path))
		return pmc_exists("/sys/kernel/mm/hugepages") ? "hugetlb page size not offered by this kernel" :
			"no hugetlb in this kernel (CONFIG_HUGETLBFS off)";
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
	/* The run's warm pages, free: ours as they are (hugetlb.h). */
	if (warm >= n && fr >= (long)n) {
		p->n = n;
		p->nr_path[0] = 0;	/* nothing to restore */
		return NULL;
	}
	/* Pages already free in the pool are someone's reservation or
	 * leftovers: we add ours on top and need n more free ones. */
	snprintf(val, sizeof(val), "%llu", (unsigned long long)(nr + n));
	if (knob_write(p->nr_path, val)) {
		hugetlb_release(p);
		return "hugetlb pool not writable";
	}
	p->n = n;
	/* alloc_contig_range() passes over a range whose pages are busy at
	 * that moment (pinned, or being migrated by another program: make
	 * mutate runs two at once, and once found no gigantic range): the
	 * pool is asked again, a bounded number of times, before the pages
	 * count as not reservable. knob_write() keeps the original value. */
	for (int tries = 1; tries < 3 && hugetlb_free_pages(hpsize) < fr + (long)n; tries++)
		if (knob_write(p->nr_path, val))
			break;
	if (hugetlb_free_pages(hpsize) < fr + (long)n) {
		hugetlb_release(p);
		/* The kernel has the size but found no free gigantic range. */
		return hpsize > pmd_size() ?
			"gigantic hugetlb page not reservable: memory too small or fragmented "
			"(in the VM give vm-run.sh a larger --mem)" :
			"hugetlb pages could not be reserved: memory too fragmented";
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

static int write_new(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), e = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) != (ssize_t)strlen(value))
		e = -EIO;
	close(fd);
	return e;
}

const char *hugetlb_warm_hold(struct hugetlb_pool *p, size_t hpsize, unsigned long n)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (__builtin_ctzl(hpsize) << MAP_HUGE_SHIFT);
	int warm_fd = pmc_lock("hugetlb-warm", 60);
	char path[PATH_MAX], val[32];
	const char *why;
	void *addr;

	memset(p, 0, sizeof(*p));
	p->lock_fd = -1;
	if (warm_fd < 0)
		return "hugetlb warm lock not obtained";
	why = hugetlb_reserve(p, hpsize, n);
	if (why) {
		pmc_unlock(warm_fd);
		return why;
	}
	warm_marker(hpsize, path, sizeof(path));
	snprintf(val, sizeof(val), "%lu\n", n);
	if (journal_add(J_FILE, path) || write_new(path, val)) {
		hugetlb_warm_drop(p);
		pmc_unlock(warm_fd);
		return "warm marker not writable";
	}
	/* The programs may use the pool's other sizes meanwhile; this size
	 * waits on the warm lock (warm_pages()). */
	pmc_unlock(p->lock_fd);
	p->lock_fd = -1;
	addr = mmap(NULL, n * hpsize, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (addr == MAP_FAILED) {
		hugetlb_warm_drop(p);
		pmc_unlock(warm_fd);
		return "warm hugetlb pages not mappable";
	}
	/* One read per page: the kernel zeroes all of it on the fault (a
	 * private hugetlb read fault allocates too: no zero page). Not a write:
	 * unmapping a dirty huge PTE marks the page dirty (set_page_dirty() in
	 * __unmap_hugepage_range()), nothing clears PG_dirty when the folio
	 * goes back to the pool, and the next user's kpageflags would read a
	 * stale DIRTY (kpf_compound.hugetlb_pud.kpf did). */
	for (unsigned long i = 0; i < n; i++)
		(void)((volatile char *)addr)[i * hpsize];
	munmap(addr, n * hpsize);
	pmc_unlock(warm_fd);
	return NULL;
}

void hugetlb_warm_drop(struct hugetlb_pool *p)
{
	char path[PATH_MAX];

	if (!p->hpsize)
		return;
	warm_marker(p->hpsize, path, sizeof(path));
	/* Marker first: from here on nobody counts on the pages. */
	journal_undo(path);
	if (p->lock_fd < 0)
		p->lock_fd = pmc_lock("hugetlb", 60);
	hugetlb_release(p);
	p->hpsize = 0;
}

static int size_log2(size_t v)
{
	return __builtin_ctzl(v);
}

/*
 * Proof: outside pagemap and kpageflags (the PFN, alignment and contiguity
 * are what the tests assert): after the write, the pool's free_hugepages
 * dropped by the huge pages of the range, and smaps counts the whole range
 * as hugetlb memory (Private_Hugetlb + Shared_Hugetlb) in a VMA whose
 * KernelPageSize is hpsize. A write the kernel took (no SIGBUS) that left
 * either count short is a broken state, not a missing capability.
 */
static const char *touch_and_prove(struct region *r, size_t hpsize, bool write)
{
	long free0 = hugetlb_free_pages(hpsize), free1, kps, priv, shared;
	size_t n = r->len / hpsize;
	const char *why = NULL;

	if (!write)
		return NULL;
	region_write(r);
	free1 = hugetlb_free_pages(hpsize);
	kps = smaps_kb(r->addr, r->len, "KernelPageSize");
	priv = smaps_kb(r->addr, r->len, "Private_Hugetlb");
	shared = smaps_kb(r->addr, r->len, "Shared_Hugetlb");
	if (free0 < 0 || free1 < 0 || kps < 0 || priv < 0 || shared < 0)
		why = "hugetlb pool or smaps unreadable";
	else if ((size_t)kps != hpsize / 1024)
		why = state_broken("hugetlb mapping at %p has smaps KernelPageSize %ld kB, want %zu kB",
				   (void *)r->addr, kps, hpsize / 1024);
	else if ((size_t)(priv + shared) != r->len / 1024)
		why = state_broken("%zu written hugetlb pages of %zu kB at %p: smaps Private_Hugetlb "
				   "%ld kB + Shared_Hugetlb %ld kB, want %zu kB in all",
				   n, hpsize / 1024, (void *)r->addr, priv, shared, r->len / 1024);
	/* Our pool lock keeps other users of this size out: exact. */
	else if (free0 - free1 != (long)n)
		why = state_broken("writing %zu hugetlb pages of %zu kB took %ld from free_hugepages "
				   "(%ld -> %ld)", n, hpsize / 1024, free0 - free1, free0, free1);
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

int hugetlb_memfd_open(size_t hpsize, size_t n)
{
	unsigned int mfd = MFD_CLOEXEC | MFD_HUGETLB | (size_log2(hpsize) << MFD_HUGE_SHIFT);
	int fd = memfd_create("pmc-hugetlb", mfd);

	if (fd >= 0 && ftruncate(fd, (off_t)(n * hpsize))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

const char *hugetlb_memfd_build(struct region *r, size_t hpsize, size_t n,
				int map_flags, bool write)
{
	int fd = hugetlb_memfd_open(hpsize, n);
	const char *why;

	if (fd < 0)
		return "hugetlb memfd refused";
	why = region_map(r, n * hpsize, 0, PROT_READ | PROT_WRITE, map_flags, fd, 0);
	if (why) {
		close(fd);
		return "hugetlb mapping refused";
	}
	return touch_and_prove(r, hpsize, write);
}
