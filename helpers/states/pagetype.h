/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Physical pages: what kpageflags/kpagecount/kpagecgroup say about the
 * pages behind a virtual range, a fast walk over every PFN, and finders of
 * page-typed pages (PGTABLE, BUDDY, SLAB, OFFLINE) and PFNs without a page
 * (NOPAGE: holes in the memory map).
 *
 * The walk reads kpageflags and kpagecount in big chunks (KPAGE_CHUNK
 * entries per pread), once per program when it shares a snapshot, and
 * hands them to a callback. Pages change under the
 * walk (other processes allocate and free): each chunk of the two files is
 * read back to back, and callers only assert invariants that a page keeps
 * while it stays in one state, and re-read a single PFN before failing.
 */
#ifndef PMC_PAGETYPE_H
#define PMC_PAGETYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KPAGE_CHUNK	65536	/* entries per pread: 512 KiB per file */

struct kpage {
	uint64_t pfn;		/* 0 when not present */
	uint64_t flags;
	uint64_t count;
	uint64_t cgroup;	/* 0 when kpagecgroup is unavailable */
};

/* The physical pages behind npages virtual pages of the caller. 0 or
 * -errno. Pages not present get pfn 0 and the rest 0. */
int kpage_of(const void *addr, size_t npages, struct kpage *out);

/* Number of PFNs the kpage files describe: probed by reading (the file
 * ends there: reads return 0 bytes). >0, or -errno. */
int64_t kpage_nr_pfns(void);
/* The end of the highest zone in /proc/zoneinfo (start_pfn + spanned). */
uint64_t zoneinfo_max_pfn(void);

/*
 * One read of both files over every PFN, shared by all the cases of a
 * program: reading them costs the kernel about 100 ns per entry (0.5 s for
 * 24 GiB on two CPUs), the same for every reader, so a program whose cases
 * each need the whole of memory reads it once. kselftest_harness forks a
 * process per case: kpage_snapshot_share() maps the (untouched) room for it
 * MAP_SHARED and must run in the runner before the cases fork (a
 * constructor of the test program). The first case that calls
 * kpage_snapshot() reads it (chunks of both files back to back, one reader
 * per CPU), the later ones get the same snapshot; a case killed while
 * reading leaves it unread for the next. A snapshot is as old as the first
 * case that read it: callers re-read a PFN alone before failing on it.
 * Without the shared room (not root, more than 64M PFNs) kpage_snapshot()
 * is NULL and kpage_walk()/kpage_find() stream the files as they go.
 */
struct kpage_snapshot {
	uint64_t nr;			/* PFNs: [0, nr) */
	const uint64_t *flags;		/* flags[-1] is 0 */
	const uint64_t *counts;
	double read_s;			/* what reading both files took */
	bool read_here;			/* read by this case, not an earlier one */
};
int kpage_snapshot_share(void);
const struct kpage_snapshot *kpage_snapshot(void);

/* Walk [0, nr) in chunks; fn gets parallel arrays for n PFNs from 'first',
 * and flags[-1] is the flags of PFN first - 1 (0 for PFN 0). From the
 * program's snapshot when there is one of nr PFNs, in PFN order; else one
 * reader thread per CPU, calls serialised but in no particular chunk order.
 * fn returns false to stop. Returns PFNs visited or -errno. */
typedef bool (*kpage_walk_fn)(uint64_t first, const uint64_t *flags,
			      const uint64_t *counts, size_t n, void *arg);
int64_t kpage_walk(uint64_t nr, kpage_walk_fn fn, void *arg);

/* Up to max PFNs whose flags match (flags & mask) == want, in ascending
 * order, from the program's snapshot when there is one (the lowest), else
 * from its kpageflags room once filled (below), else by a walk of one
 * reader per CPU (any max of them). Returns the number found. */
size_t kpage_find(uint64_t mask, uint64_t want, uint64_t *pfns, size_t max);

/*
 * A program whose cases search kpageflags alone, one of them for pages
 * that must be read after it built them (kpage_count: the page tables of
 * cgroup_pgtable) and the others for pages of a kind that any moment of
 * the run has (slab pages, PFNs without a page): kpage_find_share() (a
 * constructor, as kpage_snapshot_share()) maps a shared room for the
 * flags; kpage_find_fresh() reads every PFN's flags now into it (one
 * reader per CPU) and searches them; every kpage_find() after it in the
 * program searches that read instead of reading all of kpageflags again.
 * Callers re-read a PFN alone before they rely on it. Without the room,
 * kpage_find_fresh() is kpage_find().
 */
int kpage_find_share(void);
size_t kpage_find_fresh(uint64_t mask, uint64_t want, uint64_t *pfns, size_t max);

/*
 * PG_idle (KPF_IDLE) is also set by DAMON's physical-address monitoring:
 * a running kdamond marks the folios it samples idle, at random. True when
 * a kdamond is on (DAMON sysfs), in which case KPF_IDLE is out of any
 * test's control. kpf_idle_rule() moves KPF_IDLE of x from "clear" to
 * "don't care" (with the reason) in that case only.
 */
bool damon_running(void);
struct kpf_expect;
void kpf_idle_rule(struct kpf_expect *x);

/*
 * KPF_KSM on plain anonymous pages: from 6.10's stable_page_flags()
 * (dee3d0bef2b0) until 81401cebfc15 every anonymous page reads KSM. That
 * deviation is decided ONCE, by its own pinning case
 * (kpageflags.kpf_ksm.unique_not_ksm). Every other case takes the bit from
 * this probed fact: a fresh private anonymous page, never mergeable, read
 * once per process. kpf_anon_ksm_rule() moves KPF_KSM of an anon
 * expectation (ANON required, KSM not) from "clear" to "don't care" (with
 * the reason) on such a kernel only, so those cases keep asserting every
 * other bit.
 */
bool kpf_ksm_on_plain_anon(void);
void kpf_anon_ksm_rule(struct kpf_expect *x);

/*
 * The multi-generational LRU (/sys/kernel/mm/lru_gen/enabled non-zero) ages
 * folios by generations: PG_referenced/PG_active then follow lru_gen's
 * bookkeeping, not the classic active/inactive lists the tests pin.
 * kpf_lru_age_rule() makes REFERENCED and ACTIVE of x don't-care (with the
 * reason) when MGLRU is on, and leaves x alone on the classic LRU.
 */
bool mglru_enabled(void);
void kpf_lru_age_rule(struct kpf_expect *x);

#endif
