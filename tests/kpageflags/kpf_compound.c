// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kpageflags and /proc/kpagecount of compound pages: PMD-mapped THP,
 * PTE-mapped THP, mTHP (64 kB), hugetlb (2 MiB), the shared zero page and
 * the huge zero page.
 *
 * 1. Build the state with the thp/hugetlb helpers, which prove it without
 *    kpageflags' THP bit where they can (smaps AnonHugePages, PFN contiguity
 *    and alignment); drain the LRU batches (THP variants).
 * 2. For EVERY base page of each folio assert the whole KPF word:
 *    THP on head and every tail (any order: mTHP included, 4c8763e84aae),
 *    COMPOUND_HEAD exactly on the first page, COMPOUND_TAIL on all others,
 *    HUGE only for hugetlb (and then no THP), KSM/typed bits clear.
 * 3. kpagecount: 1 on every page (one PMD or one PTE mapping each).
 * 4. Zero pages: kpagecount 0 and ZERO_PAGE (+THP on the huge one, head and
 *    tails). Kernels that never map them on read faults (pvm_no_zero_page=1)
 *    are detected by behaviour (two read faults, two PFNs) and SKIP.
 * Requirements: root; THP, mTHP 64 kB, hugetlb 2 MiB where available.
 */
#include <sys/mman.h>

#include "pmc_test.h"
#include "hugetlb.h"
#include "lru.h"
#include "pagetype.h"
#include "state.h"
#include "thp.h"

enum compound_state { C_THP_PMD, C_THP_PTE, C_MTHP_64K, C_HUGETLB_2M };

#define WHY_COLLAPSE "MADV_COLLAPSE/fault-time allocation does not define PG_dirty/referenced/active of the new folio"

FIXTURE(kpf_compound) {
	struct region r;
	struct mthp m;
	struct hugetlb_pool pool;
	size_t folio_pages;
};

FIXTURE_VARIANT(kpf_compound) {
	enum compound_state state;
};

FIXTURE_VARIANT_ADD(kpf_compound, thp_pmd) { .state = C_THP_PMD };
FIXTURE_VARIANT_ADD(kpf_compound, thp_pte_mapped) { .state = C_THP_PTE };
FIXTURE_VARIANT_ADD(kpf_compound, mthp_64k) { .state = C_MTHP_64K };
FIXTURE_VARIANT_ADD(kpf_compound, hugetlb_2m) { .state = C_HUGETLB_2M };

PMC_FIX("kpf_compound.mthp_64k.*", "KPF-THP-ANY", "4c8763e84aae",
	"kpageflags: detect isolated KPF_THP folios", "6.11", "mTHP 64 kB anon")

FIXTURE_SETUP(kpf_compound)
{
	self->r.fd = -1;
	self->m.lock = -1;
	self->pool.lock_fd = -1;
	REQUIRE_PFNS();
	switch (variant->state) {
	case C_THP_PMD:
		REQUIRE(thp_pmd_pages(), "THP not available");
		BUILD(thp_pmd_build(&self->r, 1));
		self->folio_pages = thp_pmd_pages();
		break;
	case C_THP_PTE:
		REQUIRE(thp_pmd_pages(), "THP not available");
		BUILD(thp_pte_build(&self->r, THP_SPLIT_MPROTECT));
		self->folio_pages = thp_pmd_pages();
		break;
	case C_MTHP_64K:
		REQUIRE(mthp_offered(64), "mTHP 64 kB not offered");
		BUILD(mthp_enable(&self->m, 64));
		BUILD(mthp_build(&self->r, 64, 4));
		self->folio_pages = 64 * 1024 / page_size();
		break;
	case C_HUGETLB_2M:
		BUILD(hugetlb_reserve(&self->pool, HUGETLB_2M, 1));
		BUILD(hugetlb_anon_build(&self->r, HUGETLB_2M, 1, true));
		self->folio_pages = HUGETLB_2M / page_size();
		return;
	}
	BUILD(lru_settle(&self->r));
}

FIXTURE_TEARDOWN(kpf_compound)
{
	region_unmap(&self->r);
	if (variant->state == C_MTHP_64K)
		mthp_restore(&self->m);
	if (variant->state == C_HUGETLB_2M)
		hugetlb_release(&self->pool);
}

TEST_F(kpf_compound, kpf)
{
	size_t n = self->r.npages;
	struct kpage *p = calloc(n, sizeof(*p));
	bool huge = variant->state == C_HUGETLB_2M;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, kpage_of(self->r.addr, n, p));
	for (size_t i = 0; i < n; i++) {
		bool head = i % self->folio_pages == 0;
		struct kpf_expect x = {
			.set = KF_ANON | KF_MMAP | KF_UPTODATE |
			       (head ? KF_COMPOUND_HEAD : KF_COMPOUND_TAIL),
			.any = KF_DIRTY | KF_REFERENCED | KF_ACTIVE, .any_why = WHY_COLLAPSE,
		};

		/* hugetlb folios are neither on the LRU nor swap-backed. */
		x.set |= huge ? KF_HUGE : KF_THP | KF_LRU | KF_SWAPBACKED;
		x.clear = KF_CHECKED & ~x.set & ~x.any;
		kpf_idle_rule(&x);
		ASSERT_NE(0ULL, (unsigned long long)p[i].pfn);
		EXPECT_KPF(&x, p[i].flags, "page %zu pfn 0x%llx", i, (unsigned long long)p[i].pfn);
		/* The folio's pages are physically contiguous. */
		if (!head)
			EXPECT_EQ(p[i - 1].pfn + 1, p[i].pfn);
	}
	free(p);
}

TEST_F(kpf_compound, count)
{
	size_t n = self->r.npages;
	struct kpage *p = calloc(n, sizeof(*p));

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, kpage_of(self->r.addr, n, p));
	for (size_t i = 0; i < n; i++) {
		EXPECT_EQ(1ULL, (unsigned long long)p[i].count) {
			TH_LOG("page %zu", i);
		}
	}
	free(p);
}

/* ---- zero pages ---- */

TEST(kpf_zero_page)
{
	struct kpf_expect x = {
		.set = KF_ZERO_PAGE,
		.any = KF_UPTODATE, .any_why = "the zero page's PG_uptodate is set by arch init, not a documented property",
	};
	struct region r = { .fd = -1 };
	struct kpage p;
	int z;

	REQUIRE_PFNS();
	z = zero_page_in_use();
	REQUIRE(z == 1, "read faults do not map the zero page (mm_forbids_zeropage)");
	x.clear = KF_CHECKED & ~x.set & ~x.any;
	kpf_idle_rule(&x);
	BUILD(anon_build(&r, 1, ANON_READ));
	ASSERT_EQ(0, kpage_of(r.addr, 1, &p));
	EXPECT_KPF(&x, p.flags, "zero page pfn 0x%llx", (unsigned long long)p.pfn);
	EXPECT_EQ(0ULL, (unsigned long long)p.count);
	region_unmap(&r);
}

PMC_FIX("global.kpf_huge_zero_page", "KPF-HUGE-ZERO", "2a1b8648d9be",
	"mm/huge_memory: ensure huge_zero_folio won't have large_rmappable flag set",
	"6.12", "huge zero page")

TEST(kpf_huge_zero_page)
{
	size_t pmd = thp_pmd_pages();
	struct region a = { .fd = -1 };
	struct kpage *p;

	REQUIRE_PFNS();
	BUILD(huge_zero_build(&a));
	p = calloc(pmd, sizeof(*p));
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, kpage_of(a.addr, pmd, p));
	for (size_t i = 0; i < pmd; i++) {
		struct kpf_expect x = {
			.set = KF_ZERO_PAGE | KF_THP | (i ? KF_COMPOUND_TAIL : KF_COMPOUND_HEAD),
			.any = KF_UPTODATE, .any_why = "zero folio init, not a documented property",
		};

		x.clear = KF_CHECKED & ~x.set & ~x.any;
		kpf_idle_rule(&x);
		EXPECT_KPF(&x, p[i].flags, "huge zero page %zu", i);
		EXPECT_EQ(0ULL, (unsigned long long)p[i].count);
	}
	free(p);
	region_unmap(&a);
}

PMC_FEATURE("global.kpf_zero_page", "KPF-ZERO-PAGE", "56873f43abdcd574b25105867a990f067747b2f4",
	    "mm: add KPF_ZERO_PAGE flag for /proc/kpageflags", "4.0", "shared zero page")

PMC_MAIN
