// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kpageflags + /proc/kpagecount of pages no user mapping reaches:
 * page tables (PGTABLE), free memory (BUDDY), slab (SLAB), logically
 * offline pages (OFFLINE), PFNs without a page (NOPAGE), and the page
 * states that need special kernel support (HWPOISON, IDLE).
 *
 * 1. Walk every PFN in 64K-entry chunks of both files (helpers/pagetype)
 *    and check the whole-memory invariants: bits 27-31 zero; NOPAGE alone
 *    and count 0; BUDDY/SLAB/PGTABLE/OFFLINE mutually exclusive, count 0,
 *    never MMAP/ANON/LRU; COMPOUND_TAIL only after a head or tail; THP and
 *    HUGE only on compound pages; ZERO_PAGE count 0. Pages change under
 *    the walk, so a violation is re-read alone before it fails. The walk
 *    must take well under a second for the whole of memory: measured.
 * 2. For each typed state, EVERY page found is asserted with a whole KPF
 *    word; no page of the type → SKIP (OFFLINE: no balloon inflated here).
 * 3. HWPOISON only with PMC_DESTRUCTIVE=1 and CONFIG_MEMORY_FAILURE (the
 *    page is lost); IDLE only where /sys/kernel/mm/page_idle exists.
 * Requirements: root.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pmc_test.h"
#include "lru.h"
#include "pagetype.h"
#include "state.h"

#define TYPED (KF_BUDDY | KF_SLAB | KF_PGTABLE | KF_OFFLINE)
#define USER (KF_MMAP | KF_ANON | KF_LRU | KF_KSM | KF_SWAPCACHE)

struct walk {
	struct __test_metadata *_metadata;
	uint64_t nr_pfns;
	uint64_t found[32];		/* pages per documented bit */
	uint64_t violations;
};

static bool recheck(uint64_t pfn, uint64_t *f, uint64_t *c)
{
	return !kpage_get(KPAGEFLAGS, pfn, f) && !kpage_get(KPAGECOUNT, pfn, c);
}

/* A violation message, unless the page changed meanwhile. */
static const char *violation(uint64_t prev, uint64_t f, uint64_t c)
{
	int typed = !!(f & KF_BUDDY) + !!(f & KF_SLAB) + !!(f & KF_PGTABLE) + !!(f & KF_OFFLINE);

	if (f & KF_UNASSIGNED)
		return "unassigned bit 27-31 set";
	if ((f & KF_NOPAGE) && ((f & KF_CHECKED) != KF_NOPAGE || c))
		return "NOPAGE with other bits or a count";
	if (typed > 1)
		return "two page types at once";
	if (typed && (c || (f & USER)))
		return "page-typed page mapped or on the LRU";
	if ((f & KF_COMPOUND_TAIL) && !(prev & (KF_COMPOUND_HEAD | KF_COMPOUND_TAIL)))
		return "COMPOUND_TAIL without a head before it";
	if ((f & (KF_THP | KF_HUGE)) && !(f & (KF_COMPOUND_HEAD | KF_COMPOUND_TAIL)))
		return "THP/HUGE on a non-compound page";
	if ((f & KF_ZERO_PAGE) && c)
		return "ZERO_PAGE with a mapcount";
	return NULL;
}

static bool walk_fn(uint64_t first, const uint64_t *flags, const uint64_t *counts,
		    size_t n, void *arg)
{
	struct walk *w = arg;
	struct __test_metadata *_metadata = w->_metadata;

	for (size_t i = 0; i < n; i++) {
		uint64_t f = flags[i], prev = flags[(ssize_t)i - 1];

		if (f & (TYPED | KF_NOPAGE | KF_THP)) {
			w->found[KPF_BUDDY_B] += !!(f & KF_BUDDY);
			w->found[KPF_SLAB_B] += !!(f & KF_SLAB);
			w->found[KPF_PGTABLE_B] += !!(f & KF_PGTABLE);
			w->found[KPF_OFFLINE_B] += !!(f & KF_OFFLINE);
			w->found[KPF_NOPAGE_B] += !!(f & KF_NOPAGE);
			w->found[KPF_THP_B] += !!(f & KF_THP);
		}
		if (violation(prev, f, counts[i])) {
			uint64_t f2, c2, p2 = 0, pc;
			const char *why;

			/* Re-read the page (and its predecessor) alone. */
			if (!recheck(first + i, &f2, &c2) ||
			    (first + i && !recheck(first + i - 1, &p2, &pc)))
				continue;
			why = violation(p2, f2, c2);
			if (why) {
				char buf[512];

				kpf_format(f2, buf, sizeof(buf));
				if (w->violations++ < 10)
					TH_LOG("pfn 0x%llx: %s (%s, count %llu)",
					       (unsigned long long)(first + i), why, buf,
					       (unsigned long long)c2);
			}
		}
	}
	return true;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST(kpf_invariants_all_pfns)
{
	struct walk w = { ._metadata = _metadata };
	int64_t nr, done;
	double t0, dt;

	REQUIRE_ROOT();
	nr = kpage_nr_pfns();
	ASSERT_LT(0, nr);
	t0 = now_s();
	done = kpage_walk((uint64_t)nr, walk_fn, &w);
	dt = now_s() - t0;
	ASSERT_EQ(nr, done);
	EXPECT_EQ(0ULL, (unsigned long long)w.violations);
	TH_LOG("%lld PFNs (%.1f GiB) in %.3f s: buddy %llu slab %llu pgtable %llu offline %llu nopage %llu thp %llu",
	       (long long)nr, nr * (double)page_size() / (1 << 30), dt,
	       (unsigned long long)w.found[KPF_BUDDY_B], (unsigned long long)w.found[KPF_SLAB_B],
	       (unsigned long long)w.found[KPF_PGTABLE_B], (unsigned long long)w.found[KPF_OFFLINE_B],
	       (unsigned long long)w.found[KPF_NOPAGE_B], (unsigned long long)w.found[KPF_THP_B]);
	/* Speed is measured by ci/bench-kpage.sh, not asserted here: a timed
	 * assertion fails under emulation (TCG) and load, not on a kernel bug. */
}

/* ---- each page type, every page of it ---- */

FIXTURE(kpf_typed) {
	uint64_t *pfns;
	size_t n;
};

FIXTURE_VARIANT(kpf_typed) {
	uint64_t type;		/* the bit that selects the pages */
	uint64_t any;		/* don't care ... */
	const char *why;	/* ... because */
	const char *none;	/* SKIP reason when no page has the type */
	const char *meminfo;	/* /proc/meminfo field counting such pages */
};

#define MAX_TYPED 4096

FIXTURE_VARIANT_ADD(kpf_typed, pgtable) {
	.type = KF_PGTABLE, .any = KF_COMPOUND_HEAD | KF_COMPOUND_TAIL,
	.why = "page tables of order > 0 (PTI PGD pair) may be compound",
	.none = "no page-table page found", .meminfo = "PageTables" };
/* SLUB keeps its own state in folio flags: slab_lock = PG_locked,
 * SL_partial = PG_workingset (not exported), SL_pfmemalloc = PG_active. */
FIXTURE_VARIANT_ADD(kpf_typed, slab) {
	.type = KF_SLAB, .any = KF_COMPOUND_HEAD | KF_COMPOUND_TAIL | KF_LOCKED | KF_ACTIVE,
	.why = "slab order and SLUB's own use of PG_locked/PG_active",
	.none = "no slab page found", .meminfo = "Slab" };
/* Free page reporting (virtio-balloon) marks reported free pages with
 * PG_reported, which is PG_uptodate (include/linux/page-flags.h). */
FIXTURE_VARIANT_ADD(kpf_typed, buddy) {
	.type = KF_BUDDY, .any = KF_UPTODATE,
	.why = "PG_reported of free page reporting aliases PG_uptodate on free pages",
	.none = "no free page found", .meminfo = "MemFree" };
FIXTURE_VARIANT_ADD(kpf_typed, offline) {
	.type = KF_OFFLINE, .any = KF_COMPOUND_HEAD | KF_COMPOUND_TAIL,
	.why = "offlined ranges may be compound",
	.none = "no offline page (no balloon inflated)" };
FIXTURE_VARIANT_ADD(kpf_typed, nopage) {
	.type = KF_NOPAGE, .none = "no hole in the memory map" };

static long meminfo_kb(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

FIXTURE_SETUP(kpf_typed)
{
	REQUIRE_ROOT();
	self->pfns = calloc(MAX_TYPED, sizeof(uint64_t));
	ASSERT_NE(NULL, self->pfns);
	self->n = kpage_find(variant->type, variant->type, self->pfns, MAX_TYPED);
	/* Independent oracle: /proc/meminfo counts these pages by other means
	 * (the allocators' own counters): megabytes of them and no PFN with
	 * the flag is a kpageflags bug, not a missing state. */
	if (!self->n && variant->meminfo && meminfo_kb(variant->meminfo) >= 1024) {
		TH_LOG("/proc/meminfo %s: %ld kB, yet no PFN has the flag",
		       variant->meminfo, meminfo_kb(variant->meminfo));
		ASSERT_NE(0UL, self->n);
	}
	if (!self->n)
		SKIP(return, "%s", variant->none);
}

FIXTURE_TEARDOWN(kpf_typed)
{
	free(self->pfns);
}

TEST_F(kpf_typed, kpf)
{
	struct kpf_expect x = {
		.set = variant->type, .any = variant->any, .any_why = variant->why,
	};
	size_t checked = 0;

	x.clear = KF_CHECKED & ~x.set & ~x.any;
	kpf_idle_rule(&x);
	for (size_t i = 0; i < self->n; i++) {
		uint64_t f, c;

		/* Re-read: the page may have changed type since the walk. */
		if (!recheck(self->pfns[i], &f, &c) || !(f & variant->type))
			continue;
		checked++;
		EXPECT_KPF(&x, f, "pfn 0x%llx", (unsigned long long)self->pfns[i]);
		EXPECT_EQ(0ULL, (unsigned long long)c) {
			TH_LOG("pfn 0x%llx count", (unsigned long long)self->pfns[i]);
		}
	}
	if (!checked)
		SKIP(return, "%s", variant->none);
}

/*
 * Documentation: "BUDDY ... the BUDDY flag set for and _only_ for the first
 * page" of a free block. Free blocks of order >= 1 are found as runs of
 * BUDDY pages starting at a PFN aligned to the run's power-of-two size; with
 * the documented rule, the second page of an order-1+ block reads without
 * BUDDY. The kernel's stable_page_flags() also reports BUDDY for any page
 * with refcount 0 inside a free block (is_free_buddy_page()). A run of
 * 1 << RUN_ORDER aligned BUDDY pages can only be one block with that rule.
 * RUN_ORDER is a buddy order, not a page size: any order from 1 to the
 * allocator's largest (10 on x86-64, 13 with arm64 64K pages) would do; 9
 * is common and large enough that chance runs of order-0 blocks are ruled
 * out by buddy merging.
 */
#define RUN_ORDER 9
TEST(kpf_buddy_head_only)
{
	const ssize_t run = (ssize_t)1 << RUN_ORDER;
	uint64_t *f = calloc(KPAGE_CHUNK, sizeof(*f));
	int64_t nr = kpage_nr_pfns();
	uint64_t tails = 0, blocks = 0;

	REQUIRE_ROOT();
	ASSERT_NE(NULL, f);
	/* An aligned run entirely BUDDY: per the documentation that would be
	 * 'run' order-0 blocks — which buddy merging makes impossible: two
	 * free buddies of the same order always merge. */
	for (uint64_t pfn = 0; pfn < (uint64_t)nr && blocks < 16; pfn += KPAGE_CHUNK) {
		ssize_t n = kpage_read(KPAGEFLAGS, pfn, f, KPAGE_CHUNK);

		for (ssize_t i = 0; i + run <= n; i += run) {
			ssize_t j = 0;

			while (j < run && (f[i + j] & KF_BUDDY))
				j++;
			if (j == run) {
				blocks++;
				tails += run - 1;
			}
		}
	}
	free(f);
	REQUIRE(blocks, "no free block of order 9 found");
	/* Expected by the documentation: no BUDDY on the tails. */
	EXPECT_EQ(0ULL, (unsigned long long)tails) {
		TH_LOG("%llu aligned order-%d free runs show BUDDY on every page",
		       (unsigned long long)blocks, RUN_ORDER);
	}
}

/*
 * Poison a page of a child: since 6.x memory_failure() on a page mapped by
 * the caller may SIGBUS it (MF_ACTION_REQUIRED), so the child does the
 * madvise and may die of it; the PFN is what we look up afterwards.
 */
TEST(kpf_hwpoison)
{
	uint64_t *shared, f;
	int status;
	pid_t pid;

	REQUIRE_ROOT();
	REQUIRE(pmc_have_cap(CAP_SYS_ADMIN), "needs CAP_SYS_ADMIN");
	REQUIRE(pmc_destructive_allowed(), "destructive tests not allowed");
	REQUIRE(pmc_kconfig("CONFIG_MEMORY_FAILURE") == 'y', "CONFIG_MEMORY_FAILURE off");
	shared = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	shared[0] = shared[1] = 0;	/* [0] the PFN, [1] 1 = madvise refused */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct region r = { .fd = -1 };

		if (anon_build(&r, 1, ANON_WRITTEN))
			_exit(3);
		shared[0] = pfn_of(r.addr);
		if (madvise(r.addr, page_size(), MADV_HWPOISON))
			shared[1] = 1;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* Exit or SIGBUS: both are memory_failure()'s choice. */
	ASSERT_TRUE(WIFEXITED(status) ? WEXITSTATUS(status) == 0 : WTERMSIG(status) == SIGBUS);
	ASSERT_NE(0ULL, (unsigned long long)shared[0]);
	REQUIRE(!shared[1], "MADV_HWPOISON refused");
	ASSERT_EQ(0, kpage_get(KPAGEFLAGS, shared[0], &f));
	/* Only the poison itself is defined: memory_failure() decides what
	 * else the page keeps. */
	EXPECT_TRUE(!!(f & KF_HWPOISON));
	EXPECT_FALSE(!!(f & KF_UNASSIGNED));
	munmap(shared, page_size());
}

TEST(kpf_idle)
{
	const char *bitmap = "/sys/kernel/mm/page_idle/bitmap";
	struct region r = { .fd = -1 };
	uint64_t pfn, bits, f;
	int fd;

	REQUIRE_ROOT();
	REQUIRE(pmc_exists(bitmap), "no page_idle");
	BUILD(anon_build(&r, 1, ANON_WRITTEN));
	/* page_idle marks LRU folios only (page_idle_get_folio()): a page
	 * still in its CPU's lru_add batch would be skipped silently. With
	 * 64K pages a process faults so few pages that the batch does not
	 * fill and drain by itself (seen on arm64 64K). */
	BUILD(lru_settle(&r));
	pfn = pfn_of(r.addr);
	ASSERT_NE(0ULL, (unsigned long long)pfn);
	/* Marking a page idle is per-page tracking state, not a knob: nothing
	 * to restore (any access clears it). */
	fd = open(bitmap, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	bits = UINT64_C(1) << (pfn % 64);
	ASSERT_EQ(8, pwrite(fd, &bits, 8, (pfn / 64) * 8));
	close(fd);
	ASSERT_EQ(0, kpage_get(KPAGEFLAGS, pfn, &f));
	EXPECT_TRUE(!!(f & KF_IDLE));
	/* page_idle clears the PTE's Accessed bit without a TLB flush
	 * (ptep_clear_young_notify()), and the CPU sets it again only when it
	 * walks the page table: an access through a translation cached before
	 * the mark is invisible to the kernel. x86 with PTI flushes on every
	 * syscall; arm64 keeps the entry (seen on arm64 64K, IDLE still set
	 * after the write). mprotect() flushes the range's TLB entries, so the
	 * write below reaches the page table. */
	ASSERT_EQ(0, mprotect(r.addr, page_size(), PROT_READ));
	ASSERT_EQ(0, mprotect(r.addr, page_size(), PROT_READ | PROT_WRITE));
	r.addr[0]++;
	/* The access is seen through the PTE young bit when the flag is read. */
	fd = open(bitmap, O_RDONLY | O_CLOEXEC);
	ASSERT_EQ(8, pread(fd, &bits, 8, (pfn / 64) * 8));
	close(fd);
	ASSERT_EQ(0, kpage_get(KPAGEFLAGS, pfn, &f));
	EXPECT_FALSE(!!(f & KF_IDLE));
	region_unmap(&r);
}

PMC_FEATURE("kpf_typed.pgtable.kpf", "KPF-PGTABLE", "1d40a5ea01d53251c23c7be541d3f4a656cfc537",
	    "mm: mark pages in use for page tables", "4.18", "page-table pages")

PMC_MAIN
