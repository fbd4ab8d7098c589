// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kpageflags and /proc/kpagecount of KSM-merged pages.
 *
 * 1. Tune ksmd (helpers/ksm: lock, knobs journaled, run=1) and build a
 *    mergeable region: NSAME identical pages + NUNIQUE unique ones. The
 *    builder proves the merge independently of kpageflags and pagemap:
 *    ksmd counts exactly NSAME pages merged (/proc/self/ksm_merging_pages).
 * 2. Merged page: the whole KPF word with KSM and ANON set (a KSM page is
 *    an anon page whose mapping carries PAGE_MAPPING_KSM), kpagecount ==
 *    NSAME (one mapping per virtual page).
 * 3. The unique pages of the same mergeable VMA: KSM clear, count 1.
 * 4. After MADV_UNMERGEABLE every page has its own copy: KSM clear, count 1.
 * Requirements: root, KSM (CONFIG_KSM); ksmd knobs put back in teardown.
 */
#include <sys/mman.h>

#include "pmc_test.h"
#include "ksm.h"
#include "lru.h"
#include "pagetype.h"
#include "state.h"

#define NSAME	8
#define NUNIQUE	8
#define NPAGES	(NSAME + NUNIQUE)

#define ANON_BITS (KPF_ANON | KPF_SWAPBACKED | KPF_MMAP | KPF_UPTODATE | KPF_LRU)

FIXTURE(kpf_ksm) {
	struct ksm_ctx k;
	struct region r;
};

FIXTURE_SETUP(kpf_ksm)
{
	self->r.fd = -1;
	self->k.lock_fd = -1;
	REQUIRE_PFNS();
	BUILD(ksm_setup(&self->k));
	BUILD(ksm_merge_build(&self->r, NPAGES, NSAME));
	BUILD(lru_settle(&self->r));
}

FIXTURE_TEARDOWN(kpf_ksm)
{
	region_unmap(&self->r);
	ksm_teardown(&self->k);
}

/*
 * The merged KSM page is DIRTY and REFERENCED: write_protect_page() moves
 * the PTE's dirty bit to the folio before merging, and the merge marks the
 * KSM page accessed. A unique page of the same VMA (never merged) and the
 * private copies made by unmerging are ordinary mapped anon pages: their
 * dirtiness lives in the PTE, PG_dirty and PG_referenced are clear.
 */
static struct kpf_expect expect(uint64_t set)
{
	struct kpf_expect x = { .set = set };

	x.clear = KPF_CHECKED & ~x.set;
	kpf_idle_rule(&x);
	kpf_lru_age_rule(&x);
	return x;
}

TEST_F(kpf_ksm, merged)
{
	struct kpf_expect x = expect(ANON_BITS | KPF_KSM | KPF_DIRTY | KPF_REFERENCED);
	struct kpage p[NPAGES];

	ASSERT_EQ(0, kpage_of(self->r.addr, NPAGES, p));
	for (size_t i = 0; i < NSAME; i++) {
		EXPECT_KPF(&x, p[i].flags, "merged page %zu", i);
		EXPECT_EQ((unsigned long long)NSAME, (unsigned long long)p[i].count);
	}
}

TEST_F(kpf_ksm, unique_not_ksm)
{
	struct kpf_expect x = expect(ANON_BITS);
	struct kpage p[NPAGES];

	ASSERT_EQ(0, kpage_of(self->r.addr, NPAGES, p));
	for (size_t i = NSAME; i < NPAGES; i++) {
		EXPECT_KPF(&x, p[i].flags, "unique page %zu", i);
		EXPECT_EQ(1ULL, (unsigned long long)p[i].count);
	}
}

TEST_F(kpf_ksm, unmerged)
{
	struct kpf_expect x = expect(ANON_BITS);
	struct kpage p[NPAGES];

	/* KSM on plain anon is pinned by unique_not_ksm alone. */
	kpf_anon_ksm_rule(&x);
	BUILD(ksm_unmerge(&self->r));
	BUILD(lru_settle(&self->r));
	ASSERT_EQ(0, kpage_of(self->r.addr, NPAGES, p));
	for (size_t i = 0; i < NPAGES; i++) {
		EXPECT_KPF(&x, p[i].flags, "unmerged page %zu", i);
		EXPECT_EQ(1ULL, (unsigned long long)p[i].count);
	}
}

/* KSM must be clear on an anonymous page that was never merged: 6.10's
 * stable_page_flags() rewrite (dee3d0bef2b0) tested "mapping & KSM" and
 * flagged every anonymous page. */
PMC_TAG("kpf_ksm.unique_not_ksm", "KPF-KSM-ANON")

PMC_MAIN
