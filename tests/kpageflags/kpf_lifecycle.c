// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kpageflags and /proc/kpagecount after a state is undone or
 * inherited (issue 13.7).
 *
 *  - KSM: NSAME identical pages merged (proof: ksm_merging_pages), then
 *    page 0 written with new content (COW of the KSM page; proof:
 *    ksm_merging_pages drops by one once ksmd dropped the stale item).
 *    Page 0 is a private anon page: KSM clear, count 1. Pages 1..NSAME-1
 *    still share the KSM page: KSM set, count NSAME - 1. The unique pages:
 *    KSM clear, count 1.
 *  - mlock across fork: mlock()ed written anon, then fork(). The child
 *    does not inherit VM_LOCKED (proof: its smaps Locked is 0) but maps the
 *    same pages; the parent's lock keeps them unevictable: UNEVICTABLE set,
 *    count 2.
 * Requirements: root, CAP_SYS_ADMIN (PFNs), KSM for the first.
 */
#include <sys/mman.h>

#include "pmc_test.h"
#include "fork.h"
#include "ksm.h"
#include "mlock.h"
#include "lru.h"
#include "pagetype.h"
#include "state.h"

#define NSAME	4
#define NPAGES	8

#define ANON_BITS (KPF_ANON | KPF_SWAPBACKED | KPF_MMAP | KPF_UPTODATE | KPF_LRU)
#define WHY_AGE "anon dirtiness and access live in the PTE; the folio flags depend on the " \
		"fault path that made the page (KSM merge, COW copy), not on this state"

static struct kpf_expect expect(uint64_t set)
{
	struct kpf_expect x = {
		.set = set, .any = KPF_DIRTY | KPF_REFERENCED, .any_why = WHY_AGE,
	};

	x.clear = KPF_CHECKED & ~x.set & ~x.any;
	kpf_idle_rule(&x);
	kpf_anon_ksm_rule(&x);
	return x;
}

FIXTURE(ksm_cow) {
	struct ksm_ctx k;
	struct region r;
};

FIXTURE_SETUP(ksm_cow)
{
	long long left;

	self->r.fd = -1;
	self->k.lock_fd = -1;
	REQUIRE_PFNS();
	BUILD(ksm_setup(&self->k));
	BUILD(ksm_merge_build(&self->r, NPAGES, NSAME));
	self->r.addr[0] ^= 1;	/* new content: ksmd cannot merge it back */
	left = ksm_settle_merging(NSAME - 1);
	if (left != NSAME - 1)
		BUILD(state_broken("write to a merged KSM page: ksm_merging_pages %lld, want %d",
				   left, NSAME - 1));
	BUILD(lru_settle(&self->r));
}

FIXTURE_TEARDOWN(ksm_cow)
{
	region_unmap(&self->r);
	ksm_teardown(&self->k);
}

TEST_F(ksm_cow, written_page_leaves_ksm)
{
	struct kpf_expect ksm = expect(ANON_BITS | KPF_KSM), anon = expect(ANON_BITS);
	struct kpage p[NPAGES];

	ASSERT_EQ(0, kpage_of(self->r.addr, NPAGES, p));
	for (size_t i = 0; i < NPAGES; i++) {
		bool merged = i > 0 && i < NSAME;

		EXPECT_KPF(merged ? &ksm : &anon, p[i].flags, "page %zu", i);
		EXPECT_EQ(merged ? (unsigned long long)(NSAME - 1) : 1ULL,
			  (unsigned long long)p[i].count) {
			TH_LOG("page %zu", i);
		}
	}
}

FIXTURE(mlock_fork) {
	struct region r;
	struct child c;
};

FIXTURE_SETUP(mlock_fork)
{
	self->r.fd = -1;
	self->r.map_base = NULL;
	self->c.pid = -1;
	REQUIRE_PFNS();
	BUILD(mlock_fork_build(&self->r, &self->c, NPAGES));
	BUILD(lru_settle(&self->r));
}

FIXTURE_TEARDOWN(mlock_fork)
{
	if (self->c.pid > 0)
		child_stop(&self->c);
	mlock_teardown(&self->r, LOCK_POPULATE);
}

TEST_F(mlock_fork, parent_lock_kept)
{
	struct kpf_expect x = expect(ANON_BITS | KPF_UNEVICTABLE);
	struct kpage p[NPAGES];

	ASSERT_EQ(0, kpage_of(self->r.addr, NPAGES, p));
	for (size_t i = 0; i < NPAGES; i++) {
		EXPECT_KPF(&x, p[i].flags, "page %zu", i);
		EXPECT_EQ(2ULL, (unsigned long long)p[i].count) {
			TH_LOG("page %zu", i);
		}
	}
}

PMC_MAIN
