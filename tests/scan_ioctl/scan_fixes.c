// SPDX-License-Identifier: GPL-2.0
/*
 * Regression tests for upstream PAGEMAP_SCAN fixes (SPEC.md fix catalog);
 * each test carries PMC_FIX with the subject and hash.
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
 *    unpopulated, registered hugetlb memfd must return (a buggy kernel hangs
 *    the thread unkillably: only with PMC_DESTRUCTIVE=1, in a child with a
 *    timeout) and leave every page protected.
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

PMC_FIX("fixes.vecbuf_null_partial_thp", "SCAN-VECBUF-NULL",
	"28aa29986dde79e8466bc87569141291053833f5",
	"fs/proc/task_mmu: check p->vec_buf for NULL", "6.17", "uffd-wp THP, written")
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
PMC_FIX("fixes.swapped_wp_not_written", "SCAN-SWAP-UFFDWP",
	"2c7ad9a590d1a99ec59c7d90cef41e2b296944c4",
	"fs/proc/task_mmu: fix uffd-wp confusion in pagemap_scan_pmd_entry()", "6.9",
	"uffd-wp anon swapped out")
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
PMC_FIX("fixes.zapped_ptes_written", "SCAN-WRITTEN-NONE",
	"07b4377bdbe74a3ec0c8da5849d014f70e003384",
	"fs/proc/task_mmu: fix PAGEMAP_SCAN written state for unpopulated ptes", "7.2",
	"uffd-wp anon, written then MADV_DONTNEED")
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
PMC_FIX("fixes.zapped_thp_hole_written", "SCAN-WRITTEN-PMD-HOLE",
	"40de8160ca7f67d14619ee0351ce5d68fc4a237a",
	"fs/proc/task_mmu: fix PAGEMAP_SCAN written state for PMD holes", "7.2",
	"uffd-wp THP zapped whole")
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
struct hole_arg {
	int fd;
	struct region *r;
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
	if (scan(fd, a->r->addr, a->r->addr + a->r->len, &q_wp, NULL, 0, &we))
		return 1;
	return uffd_wp_count(a->r->addr, a->r->npages) == (long)a->r->npages ? 0 : 2;
}

PMC_FIX("fixes.hugetlb_hole_wp_returns", "SCAN-HUGETLB-HOLE",
	"e92d92bbafb264dc0518d52b846a3c07ed8d523f",
	"fs/proc/task_mmu: fix hugetlb self-deadlock in pagemap_scan_pte_hole()", "7.2",
	"uffd-wp hugetlb memfd, unpopulated")
TEST_F(fixes, hugetlb_hole_wp_returns)
{
	struct hole_arg a = { self->fd, &self->r };
	int st;

	REQUIRE(pmc_destructive_allowed(), "may hang a buggy kernel: VM only");
	REQUIRE_ROOT();
	BUILD(mem_hint(hugetlb_reserve(&self->pool, hugetlb_size(HUGETLB_PMD), 2),
		       2 * hugetlb_size(HUGETLB_PMD)));
	BUILD(hugetlb_memfd_build(&self->r, hugetlb_size(HUGETLB_PMD), 2, MAP_SHARED, false));
	/* registered in the child, never protected: no page table, a hole */
	st = run_child_bounded(wp_hole, &a, 10);
	ASSERT_NE(-ETIMEDOUT, st) TH_LOG("WP_MATCHING over a hugetlb hole hung");
	EXPECT_EQ(0, st) TH_LOG("1: scan failed, 2: pages left unprotected, 3: setup, >255: signal");
}

/* ---- SCAN-GIGANTIC-WP ---- */
PMC_FIX("fixes.gigantic_wp", "SCAN-GIGANTIC-WP",
	"1b074e3270e1c061c829150c742eb83bad4dddd1",
	"fs/proc/task_mmu: use huge_page_size() in pagemap_scan_hugetlb_entry()", "7.2",
	"uffd-wp PUD-size hugetlb, written")
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
