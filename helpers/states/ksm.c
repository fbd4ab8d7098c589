// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "entry.h"
#include "knobs.h"
#include "ksm.h"
#include "probe.h"
#include "readers.h"

static const char *const ksm_knobs[] = {
	/* run is restored first by ksm_teardown(): keep it first here. */
	"run", "pages_to_scan", "sleep_millisecs", "smart_scan", "advisor_mode",
};

static void knob_path(const char *name, char *out, size_t len)
{
	snprintf(out, len, KSM_SYSFS "/%s", name);
}

long long ksm_stat(const char *name)
{
	char path[PATH_MAX];
	uint64_t v;

	knob_path(name, path, sizeof(path));
	if (pmc_read_u64(path, &v))
		return -1;
	return (long long)v;
}

static int ksm_knob(const char *name, const char *value, bool optional)
{
	char path[PATH_MAX];
	int r;

	knob_path(name, path, sizeof(path));
	if (optional && !pmc_exists(path))
		return 0;
	r = knob_write(path, value);
	return r;
}

const char *ksm_setup(struct ksm_ctx *k)
{
	k->lock_fd = -1;
	k->tuned = false;
	if (!pmc_is_root())
		return "needs root";
	if (!pmc_exists(KSM_SYSFS "/run"))
		return "KSM not available";
	k->lock_fd = pmc_lock("ksm", 30);
	if (k->lock_fd < 0)
		return "KSM lock busy";
	k->tuned = true;
	/* The advisor would retune pages_to_scan behind our back. */
	if (ksm_knob("advisor_mode", "none", true) ||
	    ksm_knob("pages_to_scan", "10000", false) ||
	    ksm_knob("sleep_millisecs", "0", false) ||
	    /* smart_scan skips pages that did not merge recently: a page
	     * written just before marking would wait extra rounds. */
	    ksm_knob("smart_scan", "0", true) ||
	    ksm_knob("run", "1", false)) {
		ksm_teardown(k);
		return "KSM knobs not writable";
	}
	return NULL;
}

void ksm_teardown(struct ksm_ctx *k)
{
	char path[PATH_MAX];

	if (k->tuned) {
		for (size_t i = 0; i < sizeof(ksm_knobs) / sizeof(*ksm_knobs); i++) {
			knob_path(ksm_knobs[i], path, sizeof(path));
			knob_restore(path);
		}
		k->tuned = false;
	}
	pmc_unlock(k->lock_fd);
	k->lock_fd = -1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Fill page i: the first nsame pages alike, the others unique. The alike
 * pages carry this process's pid and the time too: KSM merges across
 * processes, and another test's identical pages (still mapped while it
 * exits) would add their mappings to our KSM page's kpagecount. */
static void fill(struct region *r, size_t nsame)
{
	size_t ps = page_size();
	struct timespec ts;
	pid_t pid = getpid();

	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (size_t i = 0; i < r->npages; i++) {
		char *p = r->addr + i * ps;

		memset(p, 0x5a, ps);
		memcpy(p + 128, &pid, sizeof(pid));
		memcpy(p + 128 + sizeof(pid), &ts, sizeof(ts));
		if (i >= nsame) {
			/* Unique: page index and address in the content. */
			memcpy(p, &i, sizeof(i));
			memcpy(p + 64, &p, sizeof(p));
		}
	}
}

/*
 * Pages of this process that ksmd merged: /proc/self/ksm_merging_pages
 * (6.1+). Per process, so another process's KSM pages being torn down
 * meanwhile cannot hide ours (the global pages_sharing can: it drops when
 * ksmd reaps an exited mm). -1 when the file is absent.
 */
long long ksm_merging_pages(void)
{
	uint64_t v;

	if (pmc_read_u64("/proc/self/ksm_merging_pages", &v))
		return -1;
	return (long long)v;
}

const char *ksm_merge_build(struct region *r, size_t npages, size_t nsame)
{
	long long scans0, t0;
	const char *why;

	if (nsame < 2 || nsame > npages)
		return "KSM test needs two identical pages";
	if (ksm_merging_pages() < 0)
		return "no per-process ksm_merging_pages to prove the merge";
	why = region_map(r, npages * page_size(), 0, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE, -1, 0);
	if (why)
		return why;
	/* KSM merges base pages: keep this out of THPs. */
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	fill(r, nsame);
	scans0 = ksm_stat("full_scans");
	if (madvise(r->addr, r->len, MADV_MERGEABLE))
		return "MADV_MERGEABLE refused";
	/* Bounded polling: ksmd needs two passes over a page before it merges
	 * (checksum stable, then unstable-tree match). The proof is KSM's own
	 * per-process count (6.1+), not pagemap or kpageflags (under test):
	 * exactly the nsame identical pages merged, the unique ones not. */
	t0 = now_ms();
	for (;;) {
		long long scans = ksm_stat("full_scans") - scans0;
		long long own = ksm_merging_pages();

		if (own == (long long)nsame)
			return NULL;
		if (own > (long long)nsame)
			return state_broken("KSM merged %lld pages of %p, only %zu are identical",
					    own, (void *)r->addr, nsame);
		if (scans > KSM_MAX_SCANS)
			return state_broken("%lld full ksmd scans after MADV_MERGEABLE, "
					    "ksm_merging_pages %lld, want %zu", scans, own, nsame);
		if (now_ms() - t0 > KSM_TIMEOUT_MS)
			return "ksmd starved: too few full scans in time to merge";
		nanosleep(&(struct timespec){ .tv_nsec = 1000 * 1000 }, NULL);
	}
}

/*
 * Oracle (not pagemap, whose distinct PFNs and bit 56 the unmerged cases
 * assert): this process's ksm_merging_pages drops to 0 (6.1+). The COW
 * breaks are synchronous, the count follows when ksmd drops the stale
 * rmap items on its next pass: bounded polling like the merge. Before 6.1
 * the global pages_sharing is all there is, and other processes move it:
 * SKIP there.
 */
long long ksm_settle_merging(long long want)
{
	long long left, scans0 = ksm_stat("full_scans"), t0 = now_ms();

	while ((left = ksm_merging_pages()) >= 0 && left != want &&
	       ksm_stat("full_scans") - scans0 <= KSM_MAX_SCANS && now_ms() - t0 <= KSM_TIMEOUT_MS)
		nanosleep(&(struct timespec){ .tv_nsec = 1000 * 1000 }, NULL);
	return left;
}

const char *ksm_unmerge(struct region *r)
{
	long long left;

	if (madvise(r->addr, r->len, MADV_UNMERGEABLE))
		return "MADV_UNMERGEABLE refused";
	left = ksm_settle_merging(0);
	if (left < 0)
		return "no per-process ksm_merging_pages to prove the unmerge";
	if (left)
		return state_broken("MADV_UNMERGEABLE succeeded on %p (%zu pages) but "
				    "ksm_merging_pages is still %lld", (void *)r->addr, r->npages, left);
	return NULL;
}
