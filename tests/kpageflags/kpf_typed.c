// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kpageflags + /proc/kpagecount of pages no user mapping reaches:
 * page tables (PGTABLE), free memory (BUDDY), slab (SLAB), logically
 * offline pages (OFFLINE), PFNs without a page (NOPAGE), and the page
 * states that need special kernel support (HWPOISON, IDLE).
 *
 * 1. Read every PFN of both files once per program (helpers/pagetype: the
 *    snapshot shared by the cases, read by the first case that needs it)
 *    and check each whole-memory invariant on all of it, each its own case
 *    (invariants.<name>.all_pfns) so one broken invariant never hides
 *    another: bits 27-31 zero; NOPAGE alone and count 0; BUDDY/SLAB/
 *    PGTABLE/OFFLINE mutually exclusive; typed pages have count 0 and are
 *    never MMAP/ANON/LRU/KSM/SWAPCACHE; COMPOUND_TAIL only after a head or
 *    tail; THP and HUGE only on compound pages; ZERO_PAGE count 0. Pages
 *    change under the walk, so a violation is re-read alone before it fails.
 * 2. kpf_reported.<type>.present: /proc/meminfo counts a megabyte of
 *    page tables / slab / free memory, so some PFN must carry the flag.
 * 3. For each typed state, EVERY page found (in the same snapshot, each
 *    re-read alone) is asserted with a whole KPF word; no page of the
 *    type -> SKIP (OFFLINE: no balloon inflated here).
 * 4. BUDDY on every page of a free block (kpf_buddy_every_page, with
 *    /proc/buddyinfo as the oracle).
 * 5. HWPOISON only with PMC_DESTRUCTIVE=1 and CONFIG_MEMORY_FAILURE (the
 *    page is lost; helpers/hwpoison proves the poison by a read that
 *    SIGBUSes); IDLE only where /sys/kernel/mm/page_idle exists.
 * Requirements: root.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pmc_test.h"
#include "hwpoison.h"
#include "lru.h"
#include "pagetype.h"
#include "sizes.h"
#include "state.h"

#define TYPED (KPF_BUDDY | KPF_SLAB | KPF_PGTABLE | KPF_OFFLINE)
#define USER (KPF_MMAP | KPF_ANON | KPF_LRU | KPF_KSM | KPF_SWAPCACHE)

/*
 * The whole-memory invariants, one case each, so that a kernel breaking one
 * (e.g. slab pages reading ANON) never hides a break of another.
 */
enum invariant {
	INV_UNASSIGNED,		/* bits 27-31 are never set */
	INV_NOPAGE_ALONE,	/* NOPAGE: no other bit, count 0 */
	INV_ONE_TYPE,		/* BUDDY/SLAB/PGTABLE/OFFLINE mutually exclusive */
	INV_TYPED_COUNT,	/* a page-typed page has kpagecount 0 */
	INV_TYPED_NOT_USER,	/* ... and is never MMAP/ANON/LRU/KSM/SWAPCACHE */
	INV_TAIL_AFTER_HEAD,	/* COMPOUND_TAIL only after a head or a tail */
	INV_THP_COMPOUND,	/* THP and HUGE only on compound pages */
	INV_ZERO_COUNT,		/* ZERO_PAGE has kpagecount 0 */
};
#define INV_COUNT (INV_ZERO_COUNT + 1)

/* The flags a page needs for violation() to find anything wrong with it
 * under each invariant: the walk skips the others (most PFNs) unread. An
 * invariant without an entry here (0) gets every page checked. */
static const uint64_t inv_needs[INV_COUNT] = {
	[INV_UNASSIGNED] = KPF_UNASSIGNED,
	[INV_NOPAGE_ALONE] = KPF_NOPAGE,
	[INV_ONE_TYPE] = TYPED,
	[INV_TYPED_COUNT] = TYPED,
	[INV_TYPED_NOT_USER] = TYPED,
	[INV_TAIL_AFTER_HEAD] = KPF_COMPOUND_TAIL,
	[INV_THP_COMPOUND] = KPF_THP | KPF_HUGE,
	[INV_ZERO_COUNT] = KPF_ZERO_PAGE,
};

struct walk {
	struct __test_metadata *_metadata;
	enum invariant inv;
	uint64_t nr_pfns;
	uint64_t found[32];		/* pages per documented bit */
	uint64_t violations;
};

/*
 * Re-read one PFN of both files, now. Thousands of times in a case on a
 * kernel that breaks an invariant on every slab page: the files stay open
 * in the case (root opened them; no case here drops privileges).
 */
static bool recheck(uint64_t pfn, uint64_t *f, uint64_t *c)
{
	static int ffd = -1, cfd = -1;

	if (ffd < 0)
		ffd = open(kpage_path(KPAGEFLAGS), O_RDONLY | O_CLOEXEC);
	if (cfd < 0)
		cfd = open(kpage_path(KPAGECOUNT), O_RDONLY | O_CLOEXEC);
	return ffd >= 0 && cfd >= 0 && pmc_read_u64s(ffd, pfn, f, 1) == 1 &&
	       pmc_read_u64s(cfd, pfn, c, 1) == 1;
}

/* The violation of invariant 'inv' by a page, or NULL. */
static const char *violation(enum invariant inv, uint64_t prev, uint64_t f, uint64_t c)
{
	int typed = !!(f & KPF_BUDDY) + !!(f & KPF_SLAB) + !!(f & KPF_PGTABLE) + !!(f & KPF_OFFLINE);

	switch (inv) {
	case INV_UNASSIGNED:
		return f & KPF_UNASSIGNED ? "unassigned bit 27-31 set" : NULL;
	case INV_NOPAGE_ALONE:
		return (f & KPF_NOPAGE) && ((f & KPF_CHECKED) != KPF_NOPAGE || c) ?
			"NOPAGE with other bits or a count" : NULL;
	case INV_ONE_TYPE:
		return typed > 1 ? "two page types at once" : NULL;
	case INV_TYPED_COUNT:
		return typed && c ? "typed page with a mapcount" : NULL;
	case INV_TYPED_NOT_USER:
		return typed && (f & USER) ? "typed page mapped or on the LRU" : NULL;
	case INV_TAIL_AFTER_HEAD:
		return (f & KPF_COMPOUND_TAIL) && !(prev & (KPF_COMPOUND_HEAD | KPF_COMPOUND_TAIL)) ?
			"COMPOUND_TAIL without a head before it" : NULL;
	case INV_THP_COMPOUND:
		return (f & (KPF_THP | KPF_HUGE)) && !(f & (KPF_COMPOUND_HEAD | KPF_COMPOUND_TAIL)) ?
			"THP/HUGE on a non-compound page" : NULL;
	case INV_ZERO_COUNT:
		return (f & KPF_ZERO_PAGE) && c ? "ZERO_PAGE with a mapcount" : NULL;
	}
	return NULL;
}

static bool walk_fn(uint64_t first, const uint64_t *flags, const uint64_t *counts,
		    size_t n, void *arg)
{
	struct walk *w = arg;
	struct __test_metadata *_metadata = w->_metadata;
	uint64_t needs = inv_needs[w->inv];

	for (size_t i = 0; i < n; i++) {
		uint64_t f = flags[i], prev = flags[(ssize_t)i - 1];

		if (f & (TYPED | KPF_NOPAGE | KPF_THP)) {
			w->found[KPF_BUDDY_B] += !!(f & KPF_BUDDY);
			w->found[KPF_SLAB_B] += !!(f & KPF_SLAB);
			w->found[KPF_PGTABLE_B] += !!(f & KPF_PGTABLE);
			w->found[KPF_OFFLINE_B] += !!(f & KPF_OFFLINE);
			w->found[KPF_NOPAGE_B] += !!(f & KPF_NOPAGE);
			w->found[KPF_THP_B] += !!(f & KPF_THP);
		}
		if ((!needs || (f & needs)) && violation(w->inv, prev, f, counts[i])) {
			uint64_t f2, c2, p2 = 0, pc;
			const char *why;

			/* Re-read the page (and its predecessor) alone. */
			if (!recheck(first + i, &f2, &c2) ||
			    (first + i && !recheck(first + i - 1, &p2, &pc)))
				continue;
			why = violation(w->inv, p2, f2, c2);
			if (why) {
				char buf[512];

				kpf_format(f2, buf, sizeof(buf));
				w->violations++;
				PMC_FAIL_CHECK("pfn 0x%llx: %s (%s, count %llu)",
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

/* Every case below needs all of memory: one read of both files in the
 * runner's shared mapping, before the harness forks the cases. Without it
 * (not root: the cases SKIP anyway) they walk the files themselves. */
static void __attribute__((constructor)) share_snapshot(void)
{
	kpage_snapshot_share();
}

FIXTURE(invariants) {
};

FIXTURE_VARIANT(invariants) {
	enum invariant inv;
};

FIXTURE_VARIANT_ADD(invariants, unassigned_bits) { INV_UNASSIGNED };
FIXTURE_VARIANT_ADD(invariants, nopage_alone) { INV_NOPAGE_ALONE };
FIXTURE_VARIANT_ADD(invariants, one_type) { INV_ONE_TYPE };
FIXTURE_VARIANT_ADD(invariants, typed_count_zero) { INV_TYPED_COUNT };
FIXTURE_VARIANT_ADD(invariants, typed_not_user) { INV_TYPED_NOT_USER };
FIXTURE_VARIANT_ADD(invariants, tail_after_head) { INV_TAIL_AFTER_HEAD };
FIXTURE_VARIANT_ADD(invariants, thp_huge_compound) { INV_THP_COMPOUND };
FIXTURE_VARIANT_ADD(invariants, zero_page_count) { INV_ZERO_COUNT };

FIXTURE_SETUP(invariants)
{
	REQUIRE_ROOT();
}

FIXTURE_TEARDOWN(invariants)
{
}

/* Slab pages read ANON (and KSM) since struct slab moved its fields over
 * the word at folio->mapping. */
PMC_TAG("invariants.typed_not_user.all_pfns", "SLAB-FIELDS-OVERLAY")

TEST_F(invariants, all_pfns)
{
	struct walk w = { ._metadata = _metadata, .inv = variant->inv };
	const struct kpage_snapshot *s;
	int64_t nr, done;
	double t0, dt;
	const char *how;

	nr = kpage_nr_pfns();
	ASSERT_LT(0, nr);
	t0 = now_s();
	s = kpage_snapshot();
	done = kpage_walk((uint64_t)nr, walk_fn, &w);
	dt = now_s() - t0;
	ASSERT_EQ(nr, done);
	/* The time to read both files: this case's walk, or the snapshot's
	 * read (by this case or an earlier one of this program). */
	how = !s || s->nr != (uint64_t)nr ? "walked by this case" :
	      s->read_here ? "read by this case" : "read by an earlier case";
	if (s && s->nr == (uint64_t)nr)
		dt = s->read_s;
	pmc_info("%lld PFNs (%.1f GiB) in %.3f s (%s), %llu violations: buddy %llu slab %llu pgtable %llu offline %llu nopage %llu thp %llu",
		 (long long)nr, nr * (double)page_size() / (1 << 30), dt, how,
		 (unsigned long long)w.violations,
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
	const char *meminfo;	/* /proc/meminfo's count of such pages, if any */
};

#define MAX_TYPED 4096

/*
 * Every typed variant: IDLE is clear (PG_idle is set through page_idle and
 * DAMON on LRU folios only, never on typed pages), and the rest of the
 * word is classified here.
 */
/* A page table of order > 0 (the PTI PGD pair) is one compound ptdesc whose
 * head carries the page type: a PGTABLE page is never a TAIL. Kernel page
 * tables carry PT_kernel (27bfafac65d8, 977870522af3: 6.19, 6.18.y), an
 * alias of PG_referenced, so REFERENCED varies with who owns the table. */
FIXTURE_VARIANT_ADD(kpf_typed, pgtable) {
	.type = KPF_PGTABLE, .any = KPF_COMPOUND_HEAD | KPF_REFERENCED,
	.why = "HEAD: page tables of order > 0 (PTI PGD pair) are compound; "
	       "REFERENCED: PT_kernel (kernel page tables, 27bfafac65d8 + 977870522af3, 6.19) "
	       "aliases PG_referenced",
	.none = "no page-table page found", .meminfo = "PageTables" };
/* SLUB keeps its own state in folio flags: slab_lock = PG_locked,
 * SL_partial = PG_workingset (not exported), SL_pfmemalloc = PG_active. */
FIXTURE_VARIANT_ADD(kpf_typed, slab) {
	.type = KPF_SLAB, .any = KPF_COMPOUND_HEAD | KPF_COMPOUND_TAIL | KPF_LOCKED | KPF_ACTIVE,
	.why = "slab order and SLUB's own use of PG_locked/PG_active",
	.none = "no slab page found", .meminfo = "Slab" };
/* Free page reporting (virtio-balloon) marks reported free pages with
 * PG_reported, which is PG_uptodate (include/linux/page-flags.h). */
FIXTURE_VARIANT_ADD(kpf_typed, buddy) {
	.type = KPF_BUDDY, .any = KPF_UPTODATE,
	.why = "PG_reported of free page reporting aliases PG_uptodate on free pages",
	.none = "no free page found", .meminfo = "MemFree" };
FIXTURE_VARIANT_ADD(kpf_typed, offline) {
	.type = KPF_OFFLINE, .any = KPF_COMPOUND_HEAD | KPF_COMPOUND_TAIL,
	.why = "offlined ranges may be compound",
	.none = "no offline page (no balloon inflated)" };
FIXTURE_VARIANT_ADD(kpf_typed, nopage) {
	.type = KPF_NOPAGE, .none = "no hole in the memory map" };

PMC_TAG("kpf_typed.pgtable.kpf", "KPF-PGTABLE")
PMC_TAG("kpf_typed.slab.kpf", "SLAB-FIELDS-OVERLAY")

FIXTURE_SETUP(kpf_typed)
{
	REQUIRE_ROOT();
	self->pfns = calloc(MAX_TYPED, sizeof(uint64_t));
	ASSERT_NE(NULL, self->pfns);
	self->n = kpage_find(variant->type, variant->type, self->pfns, MAX_TYPED);
}

FIXTURE_TEARDOWN(kpf_typed)
{
	free(self->pfns);
}

/*
 * The type is reported at all. Independent oracle: /proc/meminfo counts
 * these pages by other means (the allocators' own counters): a megabyte
 * of them and no PFN with the flag is a kpageflags bug, not a missing
 * state. Its own case, so that a deviation in the other bits of such pages
 * (a known issue of kpf_typed.*.kpf) never hides a type never reported.
 */
FIXTURE(kpf_reported) {
};

FIXTURE_VARIANT(kpf_reported) {
	uint64_t type;
	const char *meminfo;
};

FIXTURE_VARIANT_ADD(kpf_reported, pgtable) { KPF_PGTABLE, "PageTables" };
FIXTURE_VARIANT_ADD(kpf_reported, slab) { KPF_SLAB, "Slab" };
FIXTURE_VARIANT_ADD(kpf_reported, buddy) { KPF_BUDDY, "MemFree" };

PMC_TAG("kpf_reported.pgtable.present", "KPF-PGTABLE")

FIXTURE_SETUP(kpf_reported)
{
	REQUIRE_ROOT();
}

FIXTURE_TEARDOWN(kpf_reported)
{
}

TEST_F(kpf_reported, present)
{
	uint64_t pfn;
	size_t n;
	long kb;

	kb = meminfo_kb(variant->meminfo);
	ASSERT_LE(0, kb);
	REQUIRE(kb >= 1024, "too few such pages by /proc/meminfo");
	n = kpage_find(variant->type, variant->type, &pfn, 1);
	if (!n)
		PMC_FAIL_CHECK("/proc/meminfo %s: %ld kB, yet no PFN has the flag",
			       variant->meminfo, kb);
	else
		pmc_info("first such pfn 0x%llx, /proc/meminfo %s: %ld kB",
			 (unsigned long long)pfn, variant->meminfo, kb);
}

TEST_F(kpf_typed, kpf)
{
	struct kpf_expect x = {
		.set = variant->type, .any = variant->any, .any_why = variant->why,
	};
	size_t checked = 0, seen[32] = { 0 };

	x.clear = KPF_CHECKED & ~x.set & ~x.any;
	for (size_t i = 0; i < self->n; i++) {
		uint64_t f, c;

		/* Re-read: the page may have changed type since the walk. */
		if (!recheck(self->pfns[i], &f, &c) || !(f & variant->type))
			continue;
		checked++;
		for (unsigned int b = 0; b < 32; b++)
			seen[b] += (x.any & f) >> b & 1;
		EXPECT_KPF(&x, f, "pfn 0x%llx", (unsigned long long)self->pfns[i]);
		PMC_EXPECT(c == 0, "pfn 0x%llx: kpagecount %llu", (unsigned long long)self->pfns[i],
			   (unsigned long long)c);
	}
	/* None found while the allocator counts a megabyte of them: the
	 * pages exist and the flag is missing, a FAIL, never a SKIP. */
	if (!checked && variant->meminfo && meminfo_kb(variant->meminfo) >= 1024) {
		PMC_FAIL_CHECK("/proc/meminfo %s: %ld kB, yet no PFN reads the flag",
			       variant->meminfo, meminfo_kb(variant->meminfo));
		return;
	}
	if (!checked)
		SKIP(return, "%s", variant->none);
	/* The don't-care bits as seen: evidence for the reasons above. */
	for (unsigned int b = 0; b < 32; b++)
		if (x.any >> b & 1)
			pmc_info("%zu of %zu pages read %s (don't care)", seen[b], checked,
				 kpf_bit_name(b));
}

static long buddyinfo_blocks(unsigned int min_order)
{
	char line[512];
	long n = 0;
	FILE *f = fopen("/proc/buddyinfo", "re");

	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "zone");
		unsigned int order = 0;

		if (!p)
			continue;
		p += 4;
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')		/* the zone name */
			p++;
		for (char *end; ; p = end, order++) {
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			if (order >= min_order)
				n += v;
		}
	}
	if (f)
		fclose(f);
	return f ? n : -1;
}

/*
 * BUDDY is set on every page of a free block, not only its first page: the
 * kernel's behaviour since 4.6 (832fc1de01ae "/proc/kpageflags: return
 * KPF_BUDDY for "tail" buddy pages") and the documentation since 84a8d467cc42.
 * Neither is catalogued: the case passes on every kernel since 4.6, so it
 * cannot tell whether the documentation commit is in (a verdict on it would
 * be a guess), and 832fc1de01ae's full hash could not be verified here.
 * Independent oracle: /proc/buddyinfo counts the free blocks per order.
 * While it shows plenty of free blocks of order >= RUN_ORDER, some run of
 * 1 << RUN_ORDER pages aligned to its size must read BUDDY on every page.
 * With the old head-only rule no such run can exist: two free order-0
 * buddies always merge, so an aligned run of BUDDY pages would be that many
 * unmerged free blocks. RUN_ORDER is a buddy order, not a page size: any
 * order from 1 to the allocator's largest (10 on x86-64, 13 with arm64 64K
 * pages) would do; 9 is common and large enough.
 */
#define RUN_ORDER 9
TEST(kpf_buddy_every_page)
{
	const ssize_t run = (ssize_t)1 << RUN_ORDER;
	uint64_t *f = calloc(KPAGE_CHUNK, sizeof(*f));
	int64_t nr = kpage_nr_pfns();
	uint64_t blocks = 0;
	long free9;

	REQUIRE_ROOT();
	ASSERT_NE(NULL, f);
	ASSERT_LT(0, nr);
	free9 = buddyinfo_blocks(RUN_ORDER);
	ASSERT_LE(0, free9);
	/* A few such blocks may be allocated while we walk: want several. */
	REQUIRE(free9 >= 8, "too few free blocks of order 9 or more");
	for (uint64_t pfn = 0; pfn < (uint64_t)nr && !blocks; pfn += KPAGE_CHUNK) {
		ssize_t n = kpage_read(KPAGEFLAGS, pfn, f, KPAGE_CHUNK);

		for (ssize_t i = 0; i + run <= n && !blocks; i += run) {
			ssize_t j = 0;

			while (j < run && (f[i + j] & KPF_BUDDY))
				j++;
			blocks += j == run;
		}
	}
	free(f);
	if (!blocks)
		PMC_FAIL_CHECK("/proc/buddyinfo: %ld free blocks of order >= %d, yet no aligned run of %zd pages reads BUDDY on every page",
			       free9, RUN_ORDER, run);
}

/* hwpoison_build proves the poison by a read that SIGBUSes
 * (BUS_MCEERR_AR), not by this flag. */
TEST(kpf_hwpoison)
{
	struct region r = { .fd = -1 };
	uint64_t pfn = 0, f;

	REQUIRE_PFNS();
	BUILD(hwpoison_build(&r, &pfn));
	ASSERT_NE(0ULL, (unsigned long long)pfn);
	ASSERT_EQ(0, kpage_get(KPAGEFLAGS, pfn, &f));
	/* Only the poison itself is defined: memory_failure() decides what
	 * else the page keeps. */
	EXPECT_TRUE(!!(f & KPF_HWPOISON));
	EXPECT_FALSE(!!(f & KPF_UNASSIGNED));
	region_unmap(&r);
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
	EXPECT_TRUE(!!(f & KPF_IDLE));
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
	EXPECT_FALSE(!!(f & KPF_IDLE));
	region_unmap(&r);
}

PMC_MAIN
