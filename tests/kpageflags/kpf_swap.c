// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kpageflags and /proc/kpagecount of swap-cache pages.
 *
 * 1. Own swap file (helpers/swap: lock, journaled before swapon, type from
 *    /proc/swaps). Written anon pages are paged out with MADV_PAGEOUT; the
 *    builder proves it: pagemap PM_SWAP with our type on every page and the
 *    area's Used grew.
 * 2. Read every page back: the read fault maps the folio from the swap cache
 *    and keeps the swap slot (Used does not drop; content intact). Writeback
 *    is waited for (bounded), LRU batches drained.
 * 3. Whole KPF word: SWAPCACHE with ANON SWAPBACKED MMAP UPTODATE LRU; not
 *    dirty, not under writeback, not KSM; kpagecount 1.
 * 4. After swapoff (swapoff_build; proof: smaps Rss covers the range, Swap
 *    0): the pages are plain anon again: SWAPCACHE clear, DIRTY set
 *    (folio_free_swap() dirties the folio it drops from the swap cache: the
 *    only copy is now in memory), kpagecount 1.
 * Requirements: root, CONFIG_SWAP, a filesystem with swap file support.
 */
#include <sys/mman.h>

#include "pmc_test.h"
#include "lru.h"
#include "pagetype.h"
#include "state.h"
#include "swap.h"

#define NPAGES 16

#define WHY_REFAULT "workingset refault detection may activate a page read back from swap"

FIXTURE(kpf_swap) {
	struct swap_area s;
	struct region r;
};

FIXTURE_SETUP(kpf_swap)
{
	self->r.fd = -1;
	self->s.lock_fd = -1;
	REQUIRE_PFNS();
	BUILD(swap_setup(&self->s, SWAP_AREA_PAGES));
	BUILD(swap_out_build(&self->r, NPAGES, &self->s));
}

FIXTURE_TEARDOWN(kpf_swap)
{
	region_unmap(&self->r);
	swap_teardown(&self->s);
}

/* Every page of r: the whole KPF word ('set', ACTIVE and REFERENCED don't
 * care, the rest clear) and kpagecount 1. */
static void expect_pages(struct __test_metadata *_metadata, const struct region *r, uint64_t set)
{
	struct kpf_expect x = {
		.set = set, .any = KPF_ACTIVE | KPF_REFERENCED, .any_why = WHY_REFAULT,
	};
	struct kpage p[NPAGES];

	x.clear = KPF_CHECKED & ~x.set & ~x.any;
	kpf_idle_rule(&x);
	kpf_anon_ksm_rule(&x);
	ASSERT_EQ(0, kpage_of(r->addr, NPAGES, p));
	for (size_t i = 0; i < NPAGES; i++) {
		EXPECT_KPF(&x, p[i].flags, "page %zu", i);
		EXPECT_EQ(1ULL, (unsigned long long)p[i].count);
	}
}

TEST_F(kpf_swap, swapcache)
{
	BUILD(swap_cache_build(&self->r, &self->s));
	BUILD(lru_settle(&self->r));
	expect_pages(_metadata, &self->r,
		     KPF_SWAPCACHE | KPF_ANON | KPF_SWAPBACKED | KPF_MMAP | KPF_UPTODATE | KPF_LRU);
}

FIXTURE(kpf_swapoff) {
	struct swap_area s;
	struct region r;
};

FIXTURE_SETUP(kpf_swapoff)
{
	self->r.fd = -1;
	self->s.lock_fd = -1;
	REQUIRE_PFNS();
	BUILD(swap_setup(&self->s, SWAP_AREA_PAGES));
	BUILD(swapoff_build(&self->r, NPAGES, &self->s));
	BUILD(lru_settle(&self->r));
}

FIXTURE_TEARDOWN(kpf_swapoff)
{
	region_unmap(&self->r);
	swap_teardown(&self->s);
}

TEST_F(kpf_swapoff, anon_back)
{
	expect_pages(_metadata, &self->r,
		     KPF_ANON | KPF_SWAPBACKED | KPF_MMAP | KPF_UPTODATE | KPF_LRU | KPF_DIRTY);
}

PMC_MAIN
