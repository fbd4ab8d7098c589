// SPDX-License-Identifier: GPL-2.0
/*
 * Regression tests for upstream PAGEMAP_SCAN fixes (SPEC.md fix catalog);
 * each test carries PMC_TAG with its fixes.tsv id (hash, subject, symptom there).
 *
 *  - vecbuf_null_partial_thp (SCAN-VECBUF-NULL): WP_MATCHING with no output
 *    buffer over half of a written, uffd-wp registered (PMD-mapped) THP
 *    splits it and backs out the partial THP;
 *    without the fix that dereferences the NULL bounce buffer (oops; the
 *    harness' per-test process contains it). The scan returns 0 and exactly
 *    the first half ends up protected.
 *  - swapped_wp_not_written (SCAN-SWAP-UFFDWP): armed pages swapped out read
 *    bits 62+57 and are not WRITTEN on the fast path (mask == return ==
 *    WRITTEN) nor on the generic path.
 *  - zapped_ptes_written (SCAN-WRITTEN-NONE): armed, written, MADV_DONTNEED:
 *    pte_none in a uffd-wp VMA is WRITTEN on both paths, and WP_MATCHING
 *    re-arms it (bit 57 back).
 *  - zapped_thp_hole_written (SCAN-WRITTEN-PMD-HOLE): an armed THP zapped
 *    whole leaves a PMD hole: WRITTEN reports every page on both paths.
 *  - hugetlb_hole_wp_returns (SCAN-HUGETLB-HOLE): WP_MATCHING over an
 *    unpopulated, registered hugetlb memfd placed alone in the range of one
 *    PUD entry (so no page table exists and the walk calls ->pte_hole(),
 *    the path the fix changed) must return (a buggy kernel hangs the thread
 *    unkillably: only with PMC_DESTRUCTIVE=1, in a child with a timeout) and
 *    leave every page protected (the fix installs markers in the hole).
 *  - no_wp_flag_no_protect (SCAN-NOUFFD-WP): a scan without
 *    PM_SCAN_WP_MATCHING and without an output buffer over written, tracked
 *    pages is a pure query: nothing gets write-protected.
 *  - gigantic_wp (SCAN-GIGANTIC-WP): WP_MATCHING over a written PUD-size
 *    hugetlb page (1 GiB with 4K pages) protects it (bit 57 on every page).
 * Requirements: PAGEMAP_SCAN, userfaultfd WP_ASYNC + WP_UNPOPULATED; THP;
 * swap (root); PMD- and PUD-size hugetlb pages (root).
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "pmc_test.h"
#include "hugetlb.h"
#include "scan.h"
#include "state.h"
#include "swap.h"
#include "thp.h"
#include "uffd.h"

static const struct scan_query q_fast = {
	.category_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN,
};
static const struct scan_query q_generic = {
	.category_anyof_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN,
};
static const struct scan_query q_wp = {
	.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
	.category_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN,
};

/* Pages reported WRITTEN by query q over r (one region expected). */
static long written_pages(int fd, struct region *r, const struct scan_query *q)
{
	struct page_region v[8];
	long n = scan(fd, r->addr, r->addr + r->len, q, v, 8, NULL), pages = 0;

	if (n < 0)
		return n;
	for (long i = 0; i < n; i++)
		pages += (long)((v[i].end - v[i].start) / page_size());
	return pages;
}

/*
 * Run fn in a child; wait up to timeout_s. Returns the child's exit status
 * (0..255), 256 + signal when killed, -ETIMEDOUT when still running (the
 * child is then left: a kernel hang is unkillable).
 */
static int run_child_bounded(int (*fn)(void *), void *arg, int timeout_s)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(fn(arg));
	for (long ms = 0; ms <= timeout_s * 1000L; ms += 10) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 256 + WTERMSIG(status);
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	kill(pid, SIGKILL);
	return -ETIMEDOUT;
}

FIXTURE(fixes) {
	struct region r;
	struct uffd u;
	struct swap_area swap;
	struct hugetlb_pool pool;
	int fd;
};

FIXTURE_SETUP(fixes)
{
	self->fd = -1;
	self->r.fd = -1;
	self->u.fd = -1;
	self->pool.lock_fd = -1;
	self->swap.lock_fd = -1;
	SCAN_REQUIRE();
	REQUIRE((pmc_uffd_features() & UFFD_ASYNC_FEATURES) == UFFD_ASYNC_FEATURES,
		"userfaultfd features not offered");
	self->fd = pagemap_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(fixes)
{
	if (self->fd >= 0)
		close(self->fd);
	uffd_close(&self->u);
	region_unmap(&self->r);
	if (self->swap.on)
		swap_teardown(&self->swap);
	hugetlb_release(&self->pool);
}

/* ---- SCAN-VECBUF-NULL ---- */
struct half_arg {
	int fd;
	struct region *r;
};

static int wp_first_half_no_buffer(void *p)
{
	struct half_arg *a = p;
	uint64_t we;

	return scan(a->fd, a->r->addr, a->r->addr + a->r->len / 2, &q_wp, NULL, 0, &we) == 0 ? 0 : 1;
}

PMC_TAG("fixes.vecbuf_null_partial_thp", "SCAN-VECBUF-NULL")
TEST_F(fixes, vecbuf_null_partial_thp)
{
	struct half_arg a = { self->fd, &self->r };
	size_t half;

	BUILD(thp_pmd_build(&self->r, 1));	/* written */
	/* registered, never protected: a PMD-mapped THP that reads WRITTEN
	 * (a write fault on a protected PMD would split it) */
	BUILD(uffd_open(&self->u, UFFD_ASYNC_FEATURES));
	BUILD(uffd_register_wp(&self->u, self->r.addr, self->r.len));
	ASSERT_EQ(0, uffd_wp_count(self->r.addr, self->r.npages));
	REQUIRE(smaps_kb(self->r.addr, self->r.len, "AnonHugePages") == (long)(self->r.len >> 10),
		"THP not PMD-mapped");
	half = self->r.npages / 2;
	/* The harness runs each test in its own child process: an oops kills
	 * only that process and the test reports it. (A fork() here would not
	 * do: without UFFD_FEATURE_EVENT_FORK the child loses the registration.) */
	ASSERT_EQ(0, wp_first_half_no_buffer(&a));
	EXPECT_EQ((long)half, uffd_wp_count(self->r.addr, half));
	EXPECT_EQ(0, uffd_wp_count(self->r.addr + half * page_size(), half));
}

/* ---- SCAN-SWAP-UFFDWP ---- */
PMC_TAG("fixes.swapped_wp_not_written", "SCAN-SWAP-UFFDWP")
TEST_F(fixes, swapped_wp_not_written)
{
	uint64_t e[16];

	REQUIRE_ROOT();
	BUILD(swap_setup(&self->swap, SWAP_AREA_PAGES));
	BUILD(anon_build(&self->r, 16, ANON_WRITTEN));
	BUILD(uffd_async_track(&self->u, &self->r, false));
	BUILD(swap_out(&self->r, &self->swap));
	ASSERT_EQ(0, pagemap_self(self->r.addr, 16, e));
	for (size_t i = 0; i < 16; i++) {
		EXPECT_EQ(PM_SWAP | PM_UFFD_WP, e[i] & (PM_SWAP | PM_UFFD_WP | PM_PRESENT))
			TH_LOG("page %zu", i);
	}
	EXPECT_EQ(0, written_pages(self->fd, &self->r, &q_fast));
	EXPECT_EQ(0, written_pages(self->fd, &self->r, &q_generic));
}

/* ---- SCAN-WRITTEN-NONE ---- */
PMC_TAG("fixes.zapped_ptes_written", "SCAN-WRITTEN-NONE")
TEST_F(fixes, zapped_ptes_written)
{
	uint64_t we;

	BUILD(anon_build(&self->r, 16, ANON_UNTOUCHED));
	BUILD(uffd_async_track(&self->u, &self->r, false));
	region_write(&self->r);
	ASSERT_EQ(0, madvise(self->r.addr, self->r.len, MADV_DONTNEED));
	ASSERT_EQ(0, uffd_wp_count(self->r.addr, 16));
	EXPECT_EQ(16, written_pages(self->fd, &self->r, &q_fast));
	EXPECT_EQ(16, written_pages(self->fd, &self->r, &q_generic));
	/* and WP_MATCHING re-arms them */
	EXPECT_EQ(0, scan(self->fd, self->r.addr, self->r.addr + self->r.len, &q_wp, NULL, 0, &we));
	EXPECT_EQ(16, uffd_wp_count(self->r.addr, 16));
}

/* ---- SCAN-WRITTEN-PMD-HOLE ---- */
PMC_TAG("fixes.zapped_thp_hole_written", "SCAN-WRITTEN-PMD-HOLE")
TEST_F(fixes, zapped_thp_hole_written)
{
	BUILD(thp_pmd_build(&self->r, 1));
	BUILD(uffd_async_track(&self->u, &self->r, false));
	ASSERT_EQ(0, madvise(self->r.addr, self->r.len, MADV_DONTNEED));
	ASSERT_EQ(0, uffd_wp_count(self->r.addr, self->r.npages));
	EXPECT_EQ((long)self->r.npages, written_pages(self->fd, &self->r, &q_fast));
	EXPECT_EQ((long)self->r.npages, written_pages(self->fd, &self->r, &q_generic));
}

/* ---- SCAN-HUGETLB-HOLE ---- */

/*
 * walk_hugetlb_range() calls ->pte_hole() only where hugetlb_walk() finds no
 * page table at all: for PMD-size pages, where the PUD entry is empty. So the
 * memfd is mapped at the start of a PUD-size-aligned range that lies wholly
 * inside a PROT_NONE reservation of two PUD sizes (untouched: it allocates no
 * page table); a mapping sharing its PUD range with any populated memory
 * would reach ->hugetlb_entry() instead and never exercise the fix.
 * Proof: none: the mapping is never touched, and the placement above is
 * what leaves it without a page table (nothing the test asserts).
 */
static const char *hugetlb_memfd_alone(struct region *r, size_t hpsize, size_t n)
{
	size_t span = pud_size(), len = n * hpsize;
	/* MFD_HUGE_SHIFT == MAP_HUGE_SHIFT: log2 of the huge page size */
	unsigned int shift = page_shift() + size_order(hpsize);
	int fd = memfd_create("pmc-hugetlb-hole", MFD_CLOEXEC | MFD_HUGETLB | (shift << MAP_HUGE_SHIFT));
	char *p, *a;

	if (fd < 0)
		return "hugetlb memfd refused";
	if (ftruncate(fd, (off_t)len)) {
		close(fd);
		return "hugetlb memfd refused";
	}
	p = mmap(NULL, 2 * span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	a = (char *)(((uintptr_t)p + span - 1) & ~(uintptr_t)(span - 1));
	if (p == MAP_FAILED ||
	    mmap(a, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
		if (p != MAP_FAILED)
			munmap(p, 2 * span);
		close(fd);
		return "hugetlb mapping refused";
	}
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->addr = a;
	r->len = len;
	r->npages = len / page_size();
	r->map_base = p;
	r->map_len = 2 * span;
	return NULL;
}

struct hole_arg {
	int fd;
	struct region *r;
};

/*
 * The hole must also be "interesting" for the WP to be attempted: a hugetlb
 * hole is never WRITTEN (only non-hugetlb uffd-wp holes are), so the usual
 * category_mask = WRITTEN query returns before the write-protect on fixed
 * and unfixed kernels alike. WPALLOWED is the VMA's own category (async
 * uffd-wp with markers): the hole matches it.
 */
static const struct scan_query q_wp_allowed = {
	.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
	.category_mask = PAGE_IS_WPALLOWED, .return_mask = PAGE_IS_WPALLOWED,
};

/* In the child: its own uffd and registration (a fork does not inherit
 * them), then the WP scan over the hole; 0 when it returned 0 and every
 * page ends up protected. */
static int wp_hole(void *p)
{
	struct hole_arg *a = p;
	struct uffd u;
	uint64_t we;
	int fd = pagemap_open(0);

	if (fd < 0 || uffd_open(&u, UFFD_ASYNC_ALL_FEATURES) ||
	    uffd_register_wp(&u, a->r->addr, a->r->len))
		return 3;
	if (scan(fd, a->r->addr, a->r->addr + a->r->len, &q_wp_allowed, NULL, 0, &we))
		return 1;
	return uffd_wp_count(a->r->addr, a->r->npages) == (long)a->r->npages ? 0 : 2;
}

PMC_TAG("fixes.hugetlb_hole_wp_returns", "SCAN-HUGETLB-HOLE")
TEST_F(fixes, hugetlb_hole_wp_returns)
{
	struct hole_arg a = { self->fd, &self->r };
	int st;

	REQUIRE(pmc_destructive_allowed(), "may hang a buggy kernel: VM only");
	REQUIRE_ROOT();
	/* One huge page: the fix installs the marker through huge_pte_alloc(),
	 * so a second huge page in the same PMD table is no longer a hole but
	 * a none entry, which ->hugetlb_entry() leaves alone (not WRITTEN). */
	BUILD(mem_hint(hugetlb_reserve(&self->pool, hugetlb_size(HUGETLB_PMD), 1),
		       hugetlb_size(HUGETLB_PMD)));
	BUILD(hugetlb_memfd_alone(&self->r, hugetlb_size(HUGETLB_PMD), 1));
	/* registered in the child, never protected: no page table, a hole */
	st = run_child_bounded(wp_hole, &a, 10);
	ASSERT_NE(-ETIMEDOUT, st) TH_LOG("WP_MATCHING over a hugetlb hole hung");
	EXPECT_EQ(0, st) TH_LOG("1: scan failed, 2: pages left unprotected, 3: setup, >255: signal");
}

/* ---- SCAN-NOUFFD-WP ---- */
PMC_TAG("fixes.no_wp_flag_no_protect", "SCAN-NOUFFD-WP")
TEST_F(fixes, no_wp_flag_no_protect)
{
	uint64_t we;

	BUILD(anon_build(&self->r, 16, ANON_UNTOUCHED));
	BUILD(uffd_async_track(&self->u, &self->r, false));
	region_write(&self->r);
	ASSERT_EQ(0, uffd_wp_count(self->r.addr, 16));
	/* no PM_SCAN_WP_MATCHING, no output buffer: a query, nothing to do */
	EXPECT_EQ(0, scan(self->fd, self->r.addr, self->r.addr + self->r.len, &q_fast, NULL, 0, &we));
	EXPECT_EQ(0, uffd_wp_count(self->r.addr, 16));
}

/* ---- SCAN-GIGANTIC-WP ---- */
PMC_TAG("fixes.gigantic_wp", "SCAN-GIGANTIC-WP")
TEST_F(fixes, gigantic_wp)
{
	uint64_t we, e;

	REQUIRE_ROOT();
	REQUIRE(hugetlb_size(HUGETLB_PUD), "no PUD hugetlb size offered by this kernel");
	BUILD(mem_hint(hugetlb_reserve(&self->pool, hugetlb_size(HUGETLB_PUD), 1),
		       hugetlb_size(HUGETLB_PUD)));
	BUILD(hugetlb_memfd_build(&self->r, hugetlb_size(HUGETLB_PUD), 1, MAP_SHARED, false));
	self->r.addr[0] = 1;	/* one write populates the whole gigantic page */
	ASSERT_EQ(0, pagemap_self(self->r.addr, 1, &e));
	ASSERT_NE(UINT64_C(0), e & PM_PRESENT);
	BUILD(uffd_open(&self->u, UFFD_ASYNC_ALL_FEATURES));
	BUILD(uffd_register_wp(&self->u, self->r.addr, self->r.len));
	ASSERT_EQ(0, uffd_wp_count(self->r.addr, self->r.npages));
	EXPECT_EQ(0, scan(self->fd, self->r.addr, self->r.addr + self->r.len, &q_wp, NULL, 0, &we));
	EXPECT_EQ((uintptr_t)self->r.addr + self->r.len, we)
		TH_LOG("walk_end stopped early: the gigantic page was backed out");
	EXPECT_EQ((long)self->r.npages, uffd_wp_count(self->r.addr, self->r.npages));
}

PMC_MAIN
