// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kpageflags and /proc/kpagecount of compound pages: PMD-mapped THP,
 * PTE-mapped THP, mTHP of order 4 (64 kB with 4K pages, 1 MiB with 64K),
 * hugetlb of every size offered (PMD: 2 MiB with 4K pages; PUD, and
 * arm64's cont-PTE and cont-PMD sizes where offered), a PMD-mapped shmem THP (tmpfs
 * huge=always), a PMD-mapped THP shared with a forked child, the shared
 * zero page and the huge zero page.
 *
 * 1. Build the state with the thp/hugetlb helpers, which prove it without
 *    kpageflags' THP bit where they can (smaps AnonHugePages, PFN contiguity
 *    and alignment); drain the LRU batches (THP variants).
 * 2. For EVERY base page of each folio assert the whole KPF word:
 *    THP on head and every tail (any order: mTHP included, 4c8763e84aae),
 *    COMPOUND_HEAD exactly on the first page, COMPOUND_TAIL on all others,
 *    HUGE only for hugetlb (and then no THP), KSM/typed bits clear.
 * 3. kpagecount: 1 on every page (one PMD or one PTE mapping each); 2 on
 *    the THP a forked child maps too.
 * 4. Zero pages: kpagecount 0 and ZERO_PAGE (+THP on the huge one, head and
 *    tails). Kernels that never map them on read faults (pvm_no_zero_page=1)
 *    are detected by behaviour (two read faults, two PFNs) and SKIP.
 * Requirements: root; THP, mTHP order 4, each hugetlb size where offered
 * and a page of it can be reserved (else SKIP).
 */
#include <sys/mman.h>

#include "pmc_test.h"
#include "file.h"
#include "fork.h"
#include "hugetlb.h"
#include "lru.h"
#include "pagetype.h"
#include "state.h"
#include "thp.h"

enum compound_state { C_THP_PMD, C_THP_PTE, C_MTHP, C_HUGETLB, C_TMPFS_PMD, C_THP_FORKED };

/* The mTHP order: 64 kB with 4K pages, below the PMD order on every page size. */
#define MTHP_ORDER 4

/* A THP or mTHP faulted in whole and still mapped by its PMD / PTEs keeps
 * its dirtiness in the page table entries, like any mapped anon page, and
 * a fault does not mark it accessed: DIRTY, REFERENCED, ACTIVE clear on
 * the classic LRU (kpf_lru_age_rule() for MGLRU). */

FIXTURE(kpf_compound) {
	struct region r;
	struct mthp m;
	struct hugetlb_pool pool;
	struct tmpfs_mount mnt;
	struct child c;
	size_t folio_pages;
};

FIXTURE_VARIANT(kpf_compound) {
	enum compound_state state;
	enum hugetlb_kind hsize;	/* C_HUGETLB */
};

FIXTURE_VARIANT_ADD(kpf_compound, thp_pmd) { .state = C_THP_PMD };
FIXTURE_VARIANT_ADD(kpf_compound, thp_pte_mapped) { .state = C_THP_PTE };
FIXTURE_VARIANT_ADD(kpf_compound, mthp_order4) { .state = C_MTHP };
FIXTURE_VARIANT_ADD(kpf_compound, hugetlb_pmd) { .state = C_HUGETLB, .hsize = HUGETLB_PMD };
FIXTURE_VARIANT_ADD(kpf_compound, hugetlb_pud) { .state = C_HUGETLB, .hsize = HUGETLB_PUD };
FIXTURE_VARIANT_ADD(kpf_compound, hugetlb_cont_pte) {
	.state = C_HUGETLB, .hsize = HUGETLB_CONT_PTE };
FIXTURE_VARIANT_ADD(kpf_compound, hugetlb_cont_pmd) {
	.state = C_HUGETLB, .hsize = HUGETLB_CONT_PMD };
FIXTURE_VARIANT_ADD(kpf_compound, tmpfs_huge_pmd) { .state = C_TMPFS_PMD };
FIXTURE_VARIANT_ADD(kpf_compound, thp_pmd_forked) { .state = C_THP_FORKED };

PMC_TAG("kpf_compound.mthp_order4.*", "KPF-THP-ANY")
/* Tails report the folio's flags since the folio-based stable_page_flags();
 * before it a tail page reported its own (mostly empty) page flags. */
PMC_TAG("kpf_compound.thp_pmd.kpf", "KPF-FOLIO-FLAGS")
PMC_TAG("kpf_compound.thp_pte_mapped.kpf", "KPF-FOLIO-FLAGS")
PMC_TAG("kpf_compound.hugetlb_*.kpf", "KPF-FOLIO-FLAGS")
PMC_TAG("kpf_compound.tmpfs_huge_pmd.kpf", "KPF-FOLIO-FLAGS")
PMC_TAG("kpf_compound.thp_pmd_forked.kpf", "KPF-FOLIO-FLAGS")

FIXTURE_SETUP(kpf_compound)
{
	size_t kb, hs;

	self->r.fd = -1;
	self->m.lock = -1;
	self->pool.lock_fd = -1;
	self->c.pid = -1;
	REQUIRE_PFNS();
	switch (variant->state) {
	case C_THP_PMD:
	case C_THP_FORKED:
		REQUIRE(thp_pmd_pages(), "THP not available");
		BUILD(thp_pmd_build(&self->r, 1));
		self->folio_pages = thp_pmd_pages();
		break;
	case C_TMPFS_PMD:
		REQUIRE(thp_pmd_pages(), "THP not available");
		BUILD(tmpfs_huge_mount(&self->mnt));
		BUILD(tmpfs_huge_build(&self->r, &self->mnt, 1));
		self->folio_pages = thp_pmd_pages();
		break;
	case C_THP_PTE:
		REQUIRE(thp_pmd_pages(), "THP not available");
		BUILD(thp_pte_build(&self->r, THP_SPLIT_MPROTECT));
		self->folio_pages = thp_pmd_pages();
		break;
	case C_MTHP:
		kb = (page_size() << MTHP_ORDER) >> 10;
		REQUIRE(mthp_offered(kb), "mTHP of order 4 not offered");
		BUILD(mthp_enable(&self->m, kb));
		BUILD(mthp_build(&self->r, kb, 4));
		self->folio_pages = (size_t)1 << MTHP_ORDER;
		break;
	case C_HUGETLB:
		hs = hugetlb_size(variant->hsize);
		if (!hs)
			SKIP(return, "no %s hugetlb size offered by this kernel",
			     hugetlb_kind_name(variant->hsize));
		BUILD(mem_hint(hugetlb_reserve(&self->pool, hs, 1), hs));
		BUILD(hugetlb_anon_build(&self->r, hs, 1, true));
		self->folio_pages = hs / page_size();
		return;
	}
	BUILD(lru_settle(&self->r));
	if (variant->state == C_THP_FORKED) {
		/* fork() copies the PMD (copy_huge_pmd()): the child answers
		 * (fork.h), the parent's smaps still shows the PMD mapping. */
		BUILD(child_start(&self->c));
		BUILD(thp_prove_pmd(self->r.addr, "AnonHugePages"));
	}
}

FIXTURE_TEARDOWN(kpf_compound)
{
	if (self->c.pid > 0)
		child_stop(&self->c);
	region_unmap(&self->r);
	if (self->mnt.mounted)
		tmpfs_huge_umount(&self->mnt);
	if (variant->state == C_MTHP)
		mthp_restore(&self->m);
	if (variant->state == C_HUGETLB)
		hugetlb_release(&self->pool);
}

TEST_F(kpf_compound, kpf)
{
	size_t n = self->r.npages;
	struct kpage *p = calloc(n, sizeof(*p));
	bool huge = variant->state == C_HUGETLB;
	bool shmem = variant->state == C_TMPFS_PMD;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, kpage_of(self->r.addr, n, p));
	for (size_t i = 0; i < n; i++) {
		bool head = i % self->folio_pages == 0;
		struct kpf_expect x = {
			.set = (shmem ? 0 : KPF_ANON) | KPF_MMAP | KPF_UPTODATE |
			       (head ? KPF_COMPOUND_HEAD : KPF_COMPOUND_TAIL),
		};

		/* hugetlb folios are neither on the LRU nor swap-backed and
		 * never aged: REFERENCED/ACTIVE clear. DIRTY depends on the
		 * pool page's past: unmapping a dirty huge PTE marks the folio
		 * dirty (set_page_dirty() in __unmap_hugepage_range()), and a
		 * folio freed to the hugetlb pool keeps PG_dirty until it goes
		 * back to the buddy allocator, so the next private owner may
		 * read DIRTY (Debian 6.1, 2-node guest: 1 run in 2). */
		if (huge) {
			x.set |= KPF_HUGE;
			x.any |= KPF_DIRTY;
			x.any_why = "DIRTY: a hugetlb pool folio keeps the PG_dirty a previous owner's unmap "
				    "of a dirty huge PTE set (__unmap_hugepage_range())";
		} else {
			x.set |= KPF_THP | KPF_LRU | KPF_SWAPBACKED;
		}
		/* Splitting the PMD copies its dirty bit into PG_dirty
		 * (__split_huge_pmd_locked): a PTE-mapped THP is DIRTY. */
		if (variant->state == C_THP_PTE)
			x.set |= KPF_DIRTY;
		/* A shmem folio written through a shared mapping is dirtied by
		 * the write fault (fault_dirty_shared_page()): swap is the only
		 * place to write it back to. */
		if (shmem)
			x.set |= KPF_DIRTY;
		x.clear = KPF_CHECKED & ~x.set & ~x.any;
		kpf_idle_rule(&x);
		kpf_anon_ksm_rule(&x);
		if (!huge)
			kpf_lru_age_rule(&x);
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
	/* the forked child maps the THP with its own copy of the PMD */
	for (size_t i = 0; i < n; i++) {
		EXPECT_EQ(variant->state == C_THP_FORKED ? 2ULL : 1ULL,
			  (unsigned long long)p[i].count) {
			TH_LOG("page %zu", i);
		}
	}
	free(p);
}

/* ---- zero pages ---- */

TEST(kpf_zero_page)
{
	struct kpf_expect x = {
		.set = KPF_ZERO_PAGE,
		/* REFERENCED: the zero page is shared by every process, and any
		 * GUP with FOLL_TOUCH through a zero-page mapping (mlock's
		 * population, a /proc/PID/mem read) calls mark_page_accessed()
		 * on it (follow_page_pte()): each such call elsewhere on the
		 * machine sets or clears its PG_referenced (seen under
		 * stress-ng, 1 run in 20). */
		.any = KPF_UPTODATE | KPF_REFERENCED,
		.any_why = "UPTODATE: the zero page's PG_uptodate is set by arch init, not a documented "
			   "property; REFERENCED: toggled by any process's FOLL_TOUCH GUP through a "
			   "zero-page mapping (mark_page_accessed() in follow_page_pte())",
	};
	struct region r = { .fd = -1 };
	struct kpage p;
	int z;

	REQUIRE_PFNS();
	z = zero_page_in_use();
	REQUIRE(z == 1, "read faults do not map the zero page (mm_forbids_zeropage)");
	x.clear = KPF_CHECKED & ~x.set & ~x.any;
	kpf_idle_rule(&x);
	BUILD(anon_build(&r, 1, ANON_READ));
	ASSERT_EQ(0, kpage_of(r.addr, 1, &p));
	EXPECT_KPF(&x, p.flags, "zero page pfn 0x%llx", (unsigned long long)p.pfn);
	EXPECT_EQ(0ULL, (unsigned long long)p.count);
	region_unmap(&r);
}

PMC_TAG("global.kpf_huge_zero_page", "KPF-HUGE-ZERO")

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
			.set = KPF_ZERO_PAGE | KPF_THP | (i ? KPF_COMPOUND_TAIL : KPF_COMPOUND_HEAD),
			.any = KPF_UPTODATE, .any_why = "zero folio init, not a documented property",
		};

		x.clear = KPF_CHECKED & ~x.set & ~x.any;
		kpf_idle_rule(&x);
		EXPECT_KPF(&x, p[i].flags, "huge zero page %zu", i);
		EXPECT_EQ(0ULL, (unsigned long long)p[i].count);
	}
	free(p);
	region_unmap(&a);
}

PMC_TAG("global.kpf_zero_page", "KPF-ZERO-PAGE")

PMC_MAIN
