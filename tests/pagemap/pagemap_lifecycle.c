// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap after a state is undone (issue 13.7): the bits must go when the
 * state goes, and stay where the state is inherited.
 *
 * Proves, for every page of the state:
 *  - uffd-wp (sync, written anon) then UFFDIO_WRITEPROTECT off, then
 *    UFFDIO_UNREGISTER, then close() of the userfaultfd, then mremap() of
 *    the armed range (no UFFD_FEATURE_EVENT_REMAP): bit 57 clear, present,
 *    exclusive. Proof of "no longer protected": a thread's write returns
 *    with no userfaultfd message; the VMA's smaps VmFlags lose "uw" where
 *    the registration goes.
 *  - uffd-wp armed, then fork(): without UFFD_FEATURE_EVENT_FORK the child
 *    has no registration (VmFlags, no "uw") and bit 57 clear; with it the
 *    child's VMA is registered ("uw") and bit 57 set. Parent and child map
 *    the same pages: present, exclusive clear, parent bit 57 set.
 *  - guard region on written anon, then mremap() of the whole range: the
 *    markers move with it (bit 62 + 58 at the new address; proof:
 *    process_vm_readv refuses those pages), the neighbours stay written.
 *  - KSM merged pages, then one written (COW of the KSM page): that page is
 *    present + exclusive (a private copy), the others still merged
 *    (exclusive clear). Proof: ksm_merging_pages drops by one.
 *  - swapped-out anon, then swapoff: present, exclusive, no swap bit.
 *    Proof: smaps Swap 0 and Rss the whole range, bytes read back.
 *  - PTE-mapped THP (mprotect of one page) collapsed back by MADV_COLLAPSE
 *    after restoring the protection: PMD-mapped (smaps AnonHugePages),
 *    present, exclusive, PFNs contiguous from a PMD-aligned PFN.
 *  - mlock()ed written anon, then fork(): the child does not inherit the
 *    lock (smaps Locked 0 in the child) and maps the parent's pages: both
 *    read present, exclusive clear, same PFN.
 * Each state also through PAGEMAP_SCAN (the scan tests; in the forked
 * child too): exact categories, and the same answer as pagemap page by page.
 * Requirements: userfaultfd WP, guard regions (6.13), KSM, a swap file,
 * THP, as each state needs; PAGEMAP_SCAN for the scan tests; else SKIP.
 */
#include <pthread.h>
#include <poll.h>
#include <sys/mman.h>

#include "pm_common.h"
#include "fork.h"
#include "guard.h"
#include "ksm.h"
#include "mlock.h"
#include "scan.h"
#include "state.h"
#include "swap.h"
#include "thp.h"
#include "uffd.h"

#define NPAGES 8

/* ---- uffd-wp lifecycle ---- */
enum ulife { UL_WP_OFF, UL_UNREGISTERED, UL_CLOSED, UL_MREMAPPED, UL_FORK, UL_FORK_EVENT };

FIXTURE(uffd_life) {
	struct region r;
	struct uffd u;
	struct child c;
	int child_uffd;		/* the fork event's new userfaultfd, -1 if none */
};

FIXTURE_VARIANT(uffd_life) {
	enum ulife how;
};

FIXTURE_VARIANT_ADD(uffd_life, wp_off) { UL_WP_OFF };
FIXTURE_VARIANT_ADD(uffd_life, unregistered) { UL_UNREGISTERED };
FIXTURE_VARIANT_ADD(uffd_life, closed) { UL_CLOSED };
FIXTURE_VARIANT_ADD(uffd_life, mremapped) { UL_MREMAPPED };
FIXTURE_VARIANT_ADD(uffd_life, fork_child) { UL_FORK };
FIXTURE_VARIANT_ADD(uffd_life, fork_child_event_fork) { UL_FORK_EVENT };

struct fork_reader {
	int uffd;
	int newfd;	/* msg.arg.fork.ufd, -1 when none came */
};

/* With EVENT_FORK, fork() waits until the monitor read the event: a thread
 * of ours reads it meanwhile (bounded). */
static void *read_fork_event(void *arg)
{
	struct fork_reader *fr = arg;
	struct pollfd p = { .fd = fr->uffd, .events = POLLIN };
	struct uffd_msg msg;

	fr->newfd = -1;
	if (poll(&p, 1, 10000) == 1 && read(fr->uffd, &msg, sizeof(msg)) == sizeof(msg) &&
	    msg.event == UFFD_EVENT_FORK)
		fr->newfd = (int)msg.arg.fork.ufd;
	return NULL;
}

static int child_vma_uw(struct child *c, void *addr, size_t n)
{
	(void)c;
	(void)n;
	return pmc_vma_flag(addr, "uw");
}

FIXTURE_SETUP(uffd_life)
{
	bool event = variant->how == UL_FORK_EVENT;
	struct fork_reader fr = { .uffd = -1, .newfd = -1 };
	pthread_t t;
	char *dst;

	self->r.fd = -1;
	self->r.map_base = NULL;
	self->u.fd = -1;
	self->c.pid = -1;
	self->child_uffd = -1;
	BUILD(anon_build(&self->r, NPAGES, ANON_WRITTEN));
	BUILD(uffd_sync_wp(&self->u, &self->r, event ? UFFD_FEATURE_EVENT_FORK : 0, false));
	switch (variant->how) {
	case UL_WP_OFF:
		ASSERT_EQ(0, uffd_writeprotect(&self->u, self->r.addr, self->r.len, false));
		break;
	case UL_UNREGISTERED:
		ASSERT_EQ(0, uffd_unregister(&self->u, self->r.addr, self->r.len));
		break;
	case UL_CLOSED:
		uffd_close(&self->u);
		break;
	case UL_MREMAPPED:
		/* A fresh reservation as target: the move is a real move. */
		dst = mmap(NULL, self->r.len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, dst);
		dst = mremap(self->r.addr, self->r.len, self->r.len, MREMAP_MAYMOVE | MREMAP_FIXED,
			     dst);
		ASSERT_NE(MAP_FAILED, dst);
		munmap(self->r.map_base, self->r.map_len);	/* nothing left there */
		self->r.addr = self->r.map_base = dst;
		self->r.map_len = self->r.len;
		break;
	case UL_FORK:
	case UL_FORK_EVENT:
		if (event) {
			fr.uffd = self->u.fd;
			ASSERT_EQ(0, pthread_create(&t, NULL, read_fork_event, &fr));
		}
		BUILD(child_start(&self->c));
		if (event) {
			pthread_join(t, NULL);
			ASSERT_LE(0, fr.newfd) TH_LOG("UFFD_EVENT_FORK not delivered");
			self->child_uffd = fr.newfd;
		}
		break;
	}
	/* Independent proof of what the registration became. */
	if (variant->how == UL_UNREGISTERED || variant->how == UL_CLOSED ||
	    variant->how == UL_MREMAPPED) {
		int uw = pmc_vma_flag(self->r.addr, "uw");

		if (uw != 0)
			BUILD(state_broken("userfaultfd registration undone but smaps VmFlags of "
					   "%p %s", (void *)self->r.addr,
					   uw > 0 ? "still show \"uw\"" : "unreadable"));
	}
	if (variant->how == UL_FORK || variant->how == UL_FORK_EVENT) {
		int uw = child_call(&self->c, child_vma_uw, self->r.addr, 0);

		if (uw != (event ? 1 : 0))
			BUILD(state_broken("forked child's VMA at %p: smaps \"uw\" %d, want %d "
					   "(UFFD_FEATURE_EVENT_FORK %s)", (void *)self->r.addr, uw,
					   event, event ? "on" : "off"));
	} else {
		/* A write of the same byte returns: nothing protects the page. */
		BUILD(uffd_prove_unprotected(&self->u, &self->r, NPAGES - 1));
	}
}

FIXTURE_TEARDOWN(uffd_life)
{
	if (self->c.pid > 0)
		child_stop(&self->c);
	if (self->child_uffd >= 0)
		close(self->child_uffd);
	uffd_close(&self->u);
	region_unmap(&self->r);
}

TEST_F(uffd_life, entry)
{
	bool fork = variant->how == UL_FORK || variant->how == UL_FORK_EVENT;
	uint64_t e[NPAGES], ce[NPAGES];

	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	if (fork)
		ASSERT_EQ(0, child_pagemap(&self->c, self->r.addr, NPAGES, ce));
	for (size_t i = 0; i < NPAGES; i++) {
		/* After fork the pages are shared: not exclusive. */
		struct pm_expect x = pm_present(false, !fork, 0);

		if (fork) {
			struct pm_expect cx = pm_present(false, false, pm_pfn(e[i]));

			x.clear &= ~PM_UFFD_WP;
			x.set |= PM_UFFD_WP;	/* the parent stays armed */
			if (variant->how == UL_FORK_EVENT) {
				cx.clear &= ~PM_UFFD_WP;
				cx.set |= PM_UFFD_WP;
			}
			EXPECT_PM(&cx, ce[i], "child page %zu", i);
		}
		EXPECT_PM(&x, e[i], "page %zu", i);
	}
}

/* PAGEMAP_SCAN: present, WRITTEN exactly where the pages stay protected
 * (the parent after fork keeps its bits; the child only with EVENT_FORK:
 * without it copy_present_pte() drops the child's uffd-wp bits); sync WP
 * is never WPALLOWED. Same answer as pagemap page by page. */
TEST_F(uffd_life, scan)
{
	bool fork = variant->how == UL_FORK || variant->how == UL_FORK_EVENT;
	bool event = variant->how == UL_FORK_EVENT;
	/* still registered: WRITTEN <-> !57 is checked against pagemap */
	bool armed = fork || variant->how == UL_WP_OFF;
	uint64_t e[NPAGES], cats[NPAGES], ce[NPAGES], ccats[NPAGES];
	struct scan_expect x[NPAGES], cx[NPAGES];

	SCAN_REQUIRE();
	SCAN_SELF(self->r.addr, NPAGES, cats);
	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++) {
		x[i] = pm_scan(PAGE_IS_PRESENT | (fork ? 0 : PAGE_IS_WRITTEN), 0, NULL);
		cx[i] = pm_scan(PAGE_IS_PRESENT | (event ? 0 : PAGE_IS_WRITTEN), 0, NULL);
	}
	EXPECT_SCAN_PAGES("parent", cats, x, e, NPAGES, armed);
	if (!fork)
		return;
	ASSERT_EQ(0, child_scan(&self->c, self->r.addr, NPAGES, ccats));
	ASSERT_EQ(0, child_pagemap(&self->c, self->r.addr, NPAGES, ce));
	EXPECT_SCAN_PAGES("child", ccats, cx, ce, NPAGES, event);
}

/* ---- guard markers across mremap ---- */
#define GFIRST 2
#define GN 4

FIXTURE(guard_life) {
	struct region r;
};

FIXTURE_SETUP(guard_life)
{
	char *dst;

	self->r.fd = -1;
	self->r.map_base = NULL;
	REQUIRE(pmc_have_guard_regions(), "no guard regions in this kernel (MADV_GUARD_INSTALL refused)");
	BUILD(anon_build(&self->r, NPAGES, ANON_WRITTEN));
	BUILD(guard_install(self->r.addr + GFIRST * page_size(), GN));
	dst = mmap(NULL, self->r.len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, dst);
	dst = mremap(self->r.addr, self->r.len, self->r.len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	ASSERT_NE(MAP_FAILED, dst);
	munmap(self->r.map_base, self->r.map_len);
	self->r.addr = self->r.map_base = dst;
	self->r.map_len = self->r.len;
	/* Proof: the kernel still refuses the guarded pages, reads the rest. */
	for (size_t i = 0; i < NPAGES; i++) {
		bool g = i >= GFIRST && i < GFIRST + GN;

		if (page_readable_by_kernel(dst + i * page_size()) == g)
			BUILD(state_broken("after mremap, page %zu at %p is %sreadable by "
					   "process_vm_readv (guarded: %d)", i, (void *)dst,
					   g ? "" : "not ", g));
	}
}

FIXTURE_TEARDOWN(guard_life)
{
	region_unmap(&self->r);
}

TEST_F(guard_life, mremapped)
{
	uint64_t e[NPAGES];
	struct pm_expect g = pm_base(), around = pm_present(false, true, 0);

	g.set |= PM_SWAP | PM_GUARD_REGION;
	g.clear = (g.clear | PM_PRESENT | PM_FILE | PM_MMAP_EXCLUSIVE | PM_UFFD_WP) & ~PM_GUARD_REGION;
	g.low = pm_base().privileged ? PM_LOW_ANY : PM_LOW_ZERO;
	g.low_why = "pte marker: bits 0-54 hold the marker's internal swap-entry encoding";
	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++) {
		bool guarded = i >= GFIRST && i < GFIRST + GN;

		EXPECT_PM(guarded ? &g : &around, e[i], "page %zu", i);
	}
}

/* PAGEMAP_SCAN: the moved markers are GUARD + SWAPPED (swap-format PTEs,
 * never uffd-wp: WRITTEN), the neighbours present written anon. */
TEST_F(guard_life, scan)
{
	uint64_t e[NPAGES], cats[NPAGES];
	struct scan_expect x[NPAGES];

	SCAN_REQUIRE();
	REQUIRE(pmc_scan_categories() & PAGE_IS_GUARD, "PAGEMAP_SCAN has no guard category");
	SCAN_SELF(self->r.addr, NPAGES, cats);
	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++)
		x[i] = pm_scan(i >= GFIRST && i < GFIRST + GN ?
			       PAGE_IS_GUARD | PAGE_IS_SWAPPED | PAGE_IS_WRITTEN :
			       PAGE_IS_PRESENT | PAGE_IS_WRITTEN, 0, NULL);
	EXPECT_SCAN_PAGES("", cats, x, e, NPAGES, false);
}

/* One answer for a whole range: n pages of 'set' (pm_scan), and pagemap
 * agreeing. */
static void expect_scan_all(struct __test_metadata *_metadata, const struct region *r,
			    size_t n, uint64_t set)
{
	uint64_t e[n], cats[n];
	struct scan_expect x[n];

	SCAN_SELF(r->addr, n, cats);
	ASSERT_EQ(0, pagemap_self(r->addr, n, e));
	for (size_t i = 0; i < n; i++)
		x[i] = pm_scan(set, 0, NULL);
	EXPECT_SCAN_PAGES("", cats, x, e, n, false);
}

/* ---- KSM page written after the merge (COW) ---- */
#define KSM_NPAGES 8
#define KSM_NSAME 4

FIXTURE(ksm_life) {
	struct ksm_ctx k;
	struct region r;
};

FIXTURE_SETUP(ksm_life)
{
	long long before, after;

	self->r.fd = -1;
	self->r.map_base = NULL;
	self->k.lock_fd = -1;
	self->k.tuned = false;
	REQUIRE_ROOT();
	BUILD(ksm_setup(&self->k));
	BUILD(ksm_merge_build(&self->r, KSM_NPAGES, KSM_NSAME));
	before = ksm_merging_pages();
	REQUIRE(before >= 0, "no per-process ksm_merging_pages to prove the COW");
	/* New content: the COW of the KSM page, and ksmd cannot merge it back. */
	self->r.addr[0] ^= 1;
	after = ksm_settle_merging(before - 1);
	if (after != before - 1)
		BUILD(state_broken("write to a merged KSM page: ksm_merging_pages %lld -> %lld, "
				   "want one less", before, after));
}

FIXTURE_TEARDOWN(ksm_life)
{
	region_unmap(&self->r);
	ksm_teardown(&self->k);
}

TEST_F(ksm_life, cow_written)
{
	uint64_t e[KSM_NPAGES];

	ASSERT_EQ(0, pagemap_self(self->r.addr, KSM_NPAGES, e));
	for (size_t i = 0; i < KSM_NPAGES; i++) {
		bool merged = i > 0 && i < KSM_NSAME;
		struct pm_expect x = pm_present(false, !merged, merged ? pm_pfn(e[1]) : 0);

		EXPECT_PM(&x, e[i], "page %zu", i);
		if (x.privileged && i > 0)
			PMC_EXPECT(pm_pfn(e[0]) != pm_pfn(e[i]),
				   "page 0 (written) still maps pfn %#llx of page %zu",
				   (unsigned long long)pm_pfn(e[0]), i);
	}
}

/* PAGEMAP_SCAN: the private copy and the KSM pages are all anon (a KSM
 * page's mapping is PAGE_MAPPING_ANON | _KSM): present, written, not FILE. */
TEST_F(ksm_life, scan)
{
	SCAN_REQUIRE();
	expect_scan_all(_metadata, &self->r, KSM_NPAGES, PAGE_IS_PRESENT | PAGE_IS_WRITTEN);
}

/* ---- swapped anon after swapoff ---- */
FIXTURE(swapoff_life) {
	struct region r;
	struct swap_area s;
};

FIXTURE_SETUP(swapoff_life)
{
	/* swap_setup initialises s, anon_build r: nothing to reset here. */
	BUILD(swap_setup(&self->s, 4 * NPAGES + 16));
	BUILD(swapoff_build(&self->r, NPAGES, &self->s));
}

FIXTURE_TEARDOWN(swapoff_life)
{
	region_unmap(&self->r);
	swap_teardown(&self->s);
}

TEST_F(swapoff_life, entry)
{
	uint64_t e[NPAGES];
	struct pm_expect x = pm_present(false, true, 0);

	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++)
		EXPECT_PM(&x, e[i], "page %zu", i);
	for (size_t i = 0; i < NPAGES; i++)
		EXPECT_EQ((char)(i + 1), self->r.addr[i * page_size()]);
}

/* PAGEMAP_SCAN: unuse_pte() maps the page back: present, not SWAPPED. */
TEST_F(swapoff_life, scan)
{
	SCAN_REQUIRE();
	expect_scan_all(_metadata, &self->r, NPAGES, PAGE_IS_PRESENT | PAGE_IS_WRITTEN);
}

/* ---- PTE-mapped THP collapsed back ---- */
FIXTURE(thp_life) {
	struct region r;
};

FIXTURE_SETUP(thp_life)
{
	long kb;

	self->r.fd = -1;
	self->r.map_base = NULL;
	if (!thp_pmd_pages())
		SKIP(return, "%s", thp_absent_reason());
	BUILD(thp_pte_build(&self->r, THP_SPLIT_MPROTECT));
	ASSERT_EQ(0, mprotect(self->r.addr, page_size(), PROT_READ | PROT_WRITE));
	REQUIRE(madvise(self->r.addr, self->r.len, MADV_COLLAPSE) == 0,
		"MADV_COLLAPSE refused: no free PMD-sized folio");
	kb = smaps_kb(self->r.addr, self->r.len, "AnonHugePages");
	if (kb != (long)(self->r.len / 1024))
		BUILD(state_broken("MADV_COLLAPSE succeeded but smaps AnonHugePages is %ld kB, "
				   "want %zu", kb, self->r.len / 1024));
}

FIXTURE_TEARDOWN(thp_life)
{
	region_unmap(&self->r);
}

TEST_F(thp_life, collapsed_again)
{
	size_t n = self->r.npages;
	uint64_t e[n];
	struct pm_expect x = pm_present(false, true, 0);

	ASSERT_EQ(0, pagemap_self(self->r.addr, n, e));
	for (size_t i = 0; i < n; i++) {
		x.pfn = x.privileged ? pm_pfn(e[0]) + i : 0;
		EXPECT_PM(&x, e[i], "page %zu", i);
	}
	if (x.privileged)
		PMC_EXPECT(pm_pfn(e[0]) % n == 0, "PMD THP head pfn %#llx not aligned to %zu pages",
			   (unsigned long long)pm_pfn(e[0]), n);
}

/* PAGEMAP_SCAN: PMD-mapped again, so HUGE on every page. */
TEST_F(thp_life, scan)
{
	SCAN_REQUIRE();
	expect_scan_all(_metadata, &self->r, self->r.npages,
			PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_HUGE);
}

/* ---- mlock()ed pages across fork ---- */
FIXTURE(mlock_life) {
	struct region r;
	struct child c;
};

FIXTURE_SETUP(mlock_life)
{
	self->r.fd = -1;
	self->r.map_base = NULL;
	self->c.pid = -1;
	BUILD(mlock_fork_build(&self->r, &self->c, NPAGES));
}

FIXTURE_TEARDOWN(mlock_life)
{
	if (self->c.pid > 0)
		child_stop(&self->c);
	mlock_teardown(&self->r, LOCK_POPULATE);
}

TEST_F(mlock_life, fork_child)
{
	uint64_t e[NPAGES], ce[NPAGES];

	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	ASSERT_EQ(0, child_pagemap(&self->c, self->r.addr, NPAGES, ce));
	for (size_t i = 0; i < NPAGES; i++) {
		struct pm_expect x = pm_present(false, false, 0);
		struct pm_expect cx = pm_present(false, false, pm_pfn(e[i]));

		EXPECT_PM(&x, e[i], "parent page %zu", i);
		EXPECT_PM(&cx, ce[i], "child page %zu", i);
	}
}

/* PAGEMAP_SCAN, parent and child: the COW-shared pages are present and
 * written (fork write-protects the PTEs, it does not uffd-wp them). */
TEST_F(mlock_life, scan)
{
	uint64_t ce[NPAGES], ccats[NPAGES];
	struct scan_expect x[NPAGES];

	SCAN_REQUIRE();
	expect_scan_all(_metadata, &self->r, NPAGES, PAGE_IS_PRESENT | PAGE_IS_WRITTEN);
	ASSERT_EQ(0, child_scan(&self->c, self->r.addr, NPAGES, ccats));
	ASSERT_EQ(0, child_pagemap(&self->c, self->r.addr, NPAGES, ce));
	for (size_t i = 0; i < NPAGES; i++)
		x[i] = pm_scan(PAGE_IS_PRESENT | PAGE_IS_WRITTEN, 0, NULL);
	EXPECT_SCAN_PAGES("child", ccats, x, ce, NPAGES, false);
}

PMC_MAIN
