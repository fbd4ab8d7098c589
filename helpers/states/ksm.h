/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KSM-merged anonymous memory.
 *
 * ksm_setup() takes the "ksm" lock and tunes ksmd through the knob journal
 * (run=1, pages_to_scan high, sleep_millisecs 0, smart_scan off,
 * merge_across_nodes / use_zero_pages left alone); ksm_teardown() puts every
 * knob back (run first, so ksmd stops before the rest changes).
 *
 * ksm_merge_build() maps npages of private anon memory, fills the first
 * 'nsame' pages with identical content and the rest with distinct content,
 * marks it MADV_MERGEABLE and polls ksmd's full_scans with a bound until the
 * identical pages are merged. Proof (not pagemap or kpageflags, which the
 * KSM cases assert): /proc/self/ksm_merging_pages reaches exactly nsame.
 * More merged, or none after KSM_MAX_SCANS full scans: state_broken (FAIL);
 * fewer scans in KSM_TIMEOUT_MS: SKIP (ksmd starved). Kernels without the
 * per-process count (before 6.1) SKIP. No PFN needed.
 */
#ifndef PMC_KSM_H
#define PMC_KSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

struct ksm_ctx {
	int lock_fd;
	bool tuned;
};

#define KSM_SYSFS "/sys/kernel/mm/ksm"
/* Bound on waiting for ksmd, in full scans and in milliseconds. */
#define KSM_MAX_SCANS	64
/* ksmd is a kthread at normal priority: under a CPU hog a pass can take
 * seconds. Bounded below the harness' 30 s per test case. */
#define KSM_TIMEOUT_MS	20000

/* Lock + tune + start ksmd. NULL or a static reason. */
const char *ksm_setup(struct ksm_ctx *k);
/* Knobs back (run to its original value first), unlock. Idempotent. */
void ksm_teardown(struct ksm_ctx *k);

/* Build and prove: pages [0, nsame) merged into one KSM page, pages
 * [nsame, npages) with unique content (not merged).
 * Proof: /proc/self/ksm_merging_pages reaches exactly nsame (see above);
 * not pagemap PFNs/bit 56 or KPF_KSM, which the KSM cases assert. */
const char *ksm_merge_build(struct region *r, size_t npages, size_t nsame);
/* MADV_UNMERGEABLE: every page gets its own copy back. NULL, a reason, or
 * state_broken.
 * Proof: this process's ksm_merging_pages settles to 0 (bounded polling:
 * ksm_settle_merging); not pagemap's distinct PFNs or bit 56, which the
 * unmerged cases assert. Still merged: state_broken; no per-process count
 * (before 6.1): SKIP. */
const char *ksm_unmerge(struct region *r);
/* /proc/self/ksm_merging_pages (6.1+): pages of this process that KSM
 * merged; -1 when the file is absent. */
long long ksm_merging_pages(void);
/* Wait (bounded by KSM_MAX_SCANS / KSM_TIMEOUT_MS) until ksm_merging_pages
 * reads 'want': a COW break or unmerge is synchronous, the count follows
 * when ksmd drops the stale rmap items. Returns the last value read. */
long long ksm_settle_merging(long long want);

/* /sys/kernel/mm/ksm/<name> as a number, or -1. */
long long ksm_stat(const char *name);

#endif
