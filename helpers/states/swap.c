// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <time.h>
#include <unistd.h>

#include "entry.h"
#include "knobs.h"
#include "lru.h"
#include "probe.h"
#include "readers.h"
#include "swap.h"
#include "thp.h"

#define SWAP_MAGIC	"SWAPSPACE2"
#define SWAP_MAGIC_LEN	10
/* Offsets in the header page (include/linux/swap.h, union swap_header). */
#define SWAP_HDR_VERSION	1024
#define SWAP_HDR_LAST_PAGE	1028
#define SWAP_HDR_NR_BAD		1032
#define SWAP_HDR_UUID		1036

const char *swap_dir(void)
{
	const char *d = getenv("PMC_SWAP_DIR");

	if (!d || !*d)
		d = getenv("PMC_SCRATCH_DIR");
	/* Not /tmp: it may be tmpfs, which has no swap file support. */
	return d && *d ? d : "/var/tmp";
}

int swap_write_header(int fd, uint64_t pages)
{
	size_t ps = page_size();
	unsigned char *h = calloc(1, ps);
	uint32_t version = 1, last = (uint32_t)(pages - 1), bad = 0;
	int r = 0;

	if (!h)
		return -ENOMEM;
	memcpy(h + SWAP_HDR_VERSION, &version, 4);
	memcpy(h + SWAP_HDR_LAST_PAGE, &last, 4);
	memcpy(h + SWAP_HDR_NR_BAD, &bad, 4);
	/* Any non-zero uuid; the kernel does not interpret it. */
	for (int i = 0; i < 16; i++)
		h[SWAP_HDR_UUID + i] = (unsigned char)(0x50 + i);
	memcpy(h + ps - SWAP_MAGIC_LEN, SWAP_MAGIC, SWAP_MAGIC_LEN);
	if (pwrite(fd, h, ps, 0) != (ssize_t)ps)
		r = errno ? -errno : -EIO;
	free(h);
	return r;
}

/* Zero-fill: swapon rejects files with holes. */
static int fill_zeros(int fd, size_t bytes)
{
	static char zero[1 << 16];

	for (size_t off = 0; off < bytes; off += sizeof(zero))
		if (pwrite(fd, zero, sizeof(zero), off) != (ssize_t)sizeof(zero))
			return -errno;
	return 0;
}

/* Our line number among the active areas of /proc/swaps, -1 if absent. */
static int swap_line(const char *path, long long *used_kb)
{
	char line[PATH_MAX + 128], name[PATH_MAX];
	FILE *f = fopen("/proc/swaps", "re");
	int n = -1, idx = 0;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {	/* header */
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		long long size, used;
		char type[32];

		if (sscanf(line, "%4095s %31s %lld %lld", name, type, &size, &used) == 4 &&
		    !strcmp(name, path)) {
			n = idx;
			if (used_kb)
				*used_kb = used;
			break;
		}
		idx++;
	}
	fclose(f);
	return n;
}

long long swap_used_kb(const struct swap_area *s)
{
	long long used = -1;

	if (swap_line(s->path, &used) < 0)
		return -1;
	return used;
}

const char *swap_setup(struct swap_area *s, size_t pages)
{
	size_t bytes = pages * page_size();
	int fd, r;

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	s->type = -1;
	if (!pmc_is_root())
		return "needs root";
	if (pmc_kconfig("CONFIG_SWAP") == 'n')
		return "CONFIG_SWAP off";
	s->lock_fd = pmc_lock("swap", 30);
	if (s->lock_fd < 0)
		return "swap lock busy";
	snprintf(s->path, sizeof(s->path), "%s/pmc-swap.%d", swap_dir(), (int)getpid());
	/* Journal first: a run killed after swapon still gets swapoff + unlink. */
	if (journal_add(J_SWAP, s->path)) {
		swap_teardown(s);
		return "journal not writable";
	}
	fd = open(s->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		swap_teardown(s);
		return "cannot create swap file";
	}
	/* Written blocks, not fallocate's unwritten extents: reads of an
	 * unwritten extent return zeros whatever swap wrote below, and the
	 * tests read slots back through the file (swap_slot_read). */
	r = fill_zeros(fd, bytes);
	if (!r)
		r = swap_write_header(fd, pages);
	if (!r && fsync(fd))
		r = -errno;
	close(fd);
	if (r) {
		swap_teardown(s);
		return "cannot write swap file";
	}
	if (swapon(s->path, 0)) {
		/* e.g. a filesystem without swap file support (tmpfs, btrfs CoW) */
		swap_teardown(s);
		return "swapon refused";
	}
	s->on = true;
	s->pages = pages - 1;
	s->type = swap_line(s->path, NULL);
	if (s->type < 0) {
		swap_teardown(s);
		return "swap area not listed";
	}
	return NULL;
}

void swap_teardown(struct swap_area *s)
{
	if (s->path[0]) {
		/* swapoff + unlink, and the journal entry goes with it. */
		journal_undo(s->path);
		journal_forget(s->path);
		s->path[0] = 0;
	}
	s->on = false;
	pmc_unlock(s->lock_fd);
	s->lock_fd = -1;
}

/*
 * Proof of the swap-out from sources other than pagemap (the interface under
 * test): smaps counts the region's swap entries, /proc/swaps the slots in
 * our area. A pagemap bug must show as a FAIL of the test, not as a builder
 * that could not prove its state.
 */
static bool all_swapped(struct region *r)
{
	return smaps_kb(r->addr, r->len, "Swap") == (long)(r->len / 1024);
}

const char *swap_out(struct region *r, struct swap_area *s)
{
	long long used0 = swap_used_kb(s), used;

	if (used0 < 0)
		return "swap area not listed";
	/* MADV_PAGEOUT drains only this CPU's LRU batches; a page still in
	 * another CPU's batch cannot be isolated and is skipped (seen once on
	 * 6.1 arm64 under TCG after three tries): every CPU's batches are
	 * drained first (lru_drain_all; where move_pages is missing, the
	 * retries alone). Bounded. */
	for (int tries = 0; tries < 3 && !all_swapped(r); tries++) {
		(void)lru_drain_all(r->addr);
		if (madvise(r->addr, r->len, MADV_PAGEOUT))
			return "MADV_PAGEOUT refused";
	}
	if (!all_swapped(r))
		return "MADV_PAGEOUT did not swap the pages out";
	used = swap_used_kb(s);
	if (used - used0 < (long long)(r->npages * page_size() / 1024))
		return "swap usage did not grow";
	return NULL;
}

int swap_slot_read(const struct swap_area *s, uint64_t offset, void *buf)
{
	int fd = open(s->path, O_RDONLY | O_DIRECT | O_CLOEXEC), r = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, buf, page_size(), (off_t)(offset * page_size()));
	if (n != (ssize_t)page_size())
		r = n < 0 ? -errno : -EIO;
	close(fd);
	return r;
}

const char *swap_out_build(struct region *r, size_t npages, struct swap_area *s)
{
	const char *why = anon_build(r, npages, ANON_WRITTEN);

	if (why)
		return why;
	return swap_out(r, s);
}

const char *swapoff_build(struct region *r, size_t npages, struct swap_area *s)
{
	const char *why = swap_out_build(r, npages, s);
	long rss, swp;

	if (why)
		return why;
	swap_teardown(s);	/* swapoff: every page comes back */
	rss = smaps_kb(r->addr, r->len, "Rss");
	swp = smaps_kb(r->addr, r->len, "Swap");
	if (rss != (long)(r->len / 1024) || swp != 0)
		return state_broken("after swapoff smaps Rss %ld kB Swap %ld kB, want %zu and 0",
				    rss, swp, r->len / 1024);
	return NULL;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Oracle (not pagemap, whose PRESENT/PFN the swap-cache cases assert): the
 * bytes read back are ours, smaps counts the whole range as Rss again and
 * no Swap, while /proc/swaps keeps the slots (the swap cache holds them).
 * The kernel freeing the slots on swap-in (vm_swap_full, SWP_SYNCHRONOUS_IO
 * devices) is its choice: SKIP.
 */
const char *swap_cache_build(struct region *r, struct swap_area *s)
{
	long long used0 = swap_used_kb(s), t0;
	uint64_t e[r->npages];
	long rss, swp;

	for (size_t i = 0; i < r->npages; i++)
		if (((volatile char *)r->addr)[i * page_size()] != (char)(i + 1))
			return state_broken("swapped-out page %zu of %p read back 0x%02x, want 0x%02x",
					    i, (void *)r->addr,
					    (unsigned char)r->addr[i * page_size()],
					    (unsigned char)(i + 1));
	rss = smaps_kb(r->addr, r->len, "Rss");
	swp = smaps_kb(r->addr, r->len, "Swap");
	if (rss < 0 || swp < 0)
		return "smaps unreadable";
	if ((size_t)rss != r->len / 1024 || swp != 0)
		return state_broken("every page of %p read back, but smaps Rss %ld kB Swap %ld kB "
				    "(want %zu and 0)", (void *)r->addr, rss, swp, r->len / 1024);
	/* The slots are kept: the swap cache still holds them. */
	if (swap_used_kb(s) < used0)
		return "swap slots freed on swapin (swap cache not kept)";
	/* Bounded wait for the write to the swap file to end (the page may
	 * have been read back while still under writeback). This is a wait,
	 * not the proof: it needs the PFN (privileged readers only), and a
	 * page still under writeback after 2 s is reported, not skipped. */
	if (pagemap_self(r->addr, r->npages, e))
		return "pagemap unreadable";
	t0 = now_ms();
	for (size_t i = 0; i < r->npages; i++) {
		uint64_t f = 0;

		while (pm_pfn(e[i]) && !kpage_get(KPAGEFLAGS, pm_pfn(e[i]), &f) &&
		       (f & KPF_WRITEBACK)) {
			if (now_ms() - t0 > 2000)
				return state_broken("page %zu (pfn 0x%llx) still under writeback 2 s "
						    "after swap-in: kpageflags 0x%llx", i,
						    (unsigned long long)pm_pfn(e[i]),
						    (unsigned long long)f);
			nanosleep(&(struct timespec){ .tv_nsec = 1000 * 1000 }, NULL);
		}
	}
	return NULL;
}
