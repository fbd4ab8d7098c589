/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Swapped-out and swap-cache anonymous memory, on a swap file of our own.
 *
 * swap_setup() takes the "swap" lock, creates a swap file on the root
 * filesystem (fallocate, or zeros when fallocate is refused; the swap header
 * is written here in C: no mkswap needed), journals it (J_SWAP) BEFORE
 * swapon, turns it on and finds its type. swap_teardown() does swapoff +
 * unlink and drops the journal entry.
 *
 * The type: the kernel gives a new area the lowest free index of
 * swap_info[] (alloc_swap_info()), and /proc/swaps lists areas in index
 * order (swap_start()/swap_next()). Every index below ours is therefore in
 * use, so our type is the number of active areas listed before our line.
 * That needs no other area to be swapped off meanwhile: the lock.
 *
 * swap_out_build() writes npages of private anon memory, MADV_PAGEOUT
 * (synchronous reclaim of exactly these pages) and proves every page went
 * without pagemap (whose bit 62, type and offset the tests assert): smaps
 * Swap covers the whole range, and the area's Used column in /proc/swaps
 * grew by at least npages pages.
 *
 * swap_cache_build() then reads every page back: a read fault maps the page
 * from the swap cache and keeps the swap slot (the swap is far from half
 * full, VMA not locked). Proven by: the bytes read back are ours, smaps Rss
 * covers the range with Swap 0, and Used did not drop. Writeback of the
 * slot is then waited for (bounded, by KPF_WRITEBACK where PFNs are
 * visible: a wait, not the proof; still under writeback after 2 s is
 * state_broken, never a SKIP).
 */
#ifndef PMC_SWAP_H
#define PMC_SWAP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

struct swap_area {
	char path[PATH_MAX];
	int lock_fd;
	int type;		/* the index pagemap reports in bits 0-4 */
	uint64_t pages;		/* usable slots (header's last_page) */
	bool on;
};

/* Default size: small (fast to create), far from half full for our tests. */
#define SWAP_AREA_PAGES	2048

/* Directory for the swap file: $PMC_SWAP_DIR, $PMC_SCRATCH_DIR or /var/tmp
 * (root fs). A swap device ($PMC_SWAP_DEV) is not used: the journal's
 * J_SWAP undo unlinks its path. */
const char *swap_dir(void);

const char *swap_setup(struct swap_area *s, size_t pages);
void swap_teardown(struct swap_area *s);

/* The Used column (KiB) of our line in /proc/swaps, -1 if not listed. */
long long swap_used_kb(const struct swap_area *s);

/* Written private anon, paged out and proven (see above).
 * Proof: as swap_out (smaps Swap, /proc/swaps Used). */
const char *swap_out_build(struct region *r, size_t npages, struct swap_area *s);
/* MADV_PAGEOUT an existing region and prove it (pages must be anon).
 * Proof: smaps Swap covers the range and /proc/swaps Used grew by it;
 * pages the reclaim left behind (MADV_PAGEOUT is best effort) or Used not
 * grown: SKIP. */
const char *swap_out(struct region *r, struct swap_area *s);
/* After swap_out_build: read back, keep the swap entries (swap cache).
 * Proof: content read back, smaps Rss full and Swap 0, /proc/swaps Used
 * kept (see above); not pagemap PRESENT/PFN or KPF_SWAPCACHE, which the
 * swap-cache cases assert. Slots freed on swap-in: SKIP. */
const char *swap_cache_build(struct region *r, struct swap_area *s);
/* swap_out_build, then swapoff (swap_teardown): every page comes back.
 * Proof: smaps Rss covers the range and Swap is 0 (state_broken if not). */
const char *swapoff_build(struct region *r, size_t npages, struct swap_area *s);

/* Read slot 'offset' of our swap file (one page, O_DIRECT: the swap-out
 * bypasses the file's page cache) into the page-aligned 'buf'. 0 or -errno.
 * A swap file's slot N is page N of the file (swap extents keep file order):
 * an oracle for the offset pagemap reports, independent of the kernel. */
int swap_slot_read(const struct swap_area *s, uint64_t offset, void *buf);

/* Write a version-1 swap header for 'pages' pages into fd. 0 or -errno. */
int swap_write_header(int fd, uint64_t pages);

#endif
