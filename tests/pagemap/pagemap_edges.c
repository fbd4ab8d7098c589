// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap reads at the edges of the interface.
 *
 *  - edges.exited_process: a pagemap fd of a child that has since exited and
 *    been reaped reads 0 bytes (no mm left: EOF), and PAGEMAP_SCAN on it
 *    fails with ESRCH; the fd itself stays valid (close succeeds).
 *  - edges.offset_beyond_any_address: offsets whose page number exceeds
 *    what an address can hold (entry 1 << 53 and the largest aligned
 *    offset) read 0 bytes, like reads past the top of user space.
 *  - edges.bad_buffer: a read of present entries into an unmapped buffer, and
 *    into a buffer whose second half is PROT_NONE, fails with EFAULT.
 *  - hidden.thp / hidden.hugetlb: without CAP_SYS_ADMIN the PFN of a
 *    PMD-mapped THP and of a 2 MiB hugetlb page reads 0 on all 512 entries
 *    while every flag bit equals what the privileged fd read (the capability
 *    is dropped in the test's own process after opening the privileged fd:
 *    the opener's credentials decide).
 *  - shared.hugetlb_twice: one hugetlb page mapped twice (MAP_SHARED memfd):
 *    bit 56 reads 0 in both mappings (kpagecount 2 is the oracle); after one
 *    mapping goes, bit 56 reads 1 (kpagecount 1).
 * Requirements: root for the hugetlb pool and PFNs; THP; PAGEMAP_SCAN for
 * the ESRCH check (else that one check is left out, logged).
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include "pm_common.h"
#include "hugetlb.h"
#include "scan.h"
#include "state.h"
#include "thp.h"

TEST(exited_process)
{
	struct pm_scan_arg arg;
	uint64_t e = 0;
	int pipefd[2], fd, status;
	char c;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(pipefd[1]);
		/* alive until the parent closes the pipe */
		_exit(read(pipefd[0], &c, 1) == 0 ? 0 : 1);
	}
	close(pipefd[0]);
	fd = pagemap_open(pid);
	ASSERT_LE(0, fd);
	/* while alive: page 0 of its stack area reads a whole entry */
	ASSERT_EQ(8, pread(fd, &e, 8, 0));
	close(pipefd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(0, pread(fd, &e, 8, 0)) TH_LOG("pagemap of a reaped process must read EOF");
	EXPECT_EQ(0, pread(fd, &e, 8, (off_t)((uintptr_t)&e / page_size()) * 8));
	if (pmc_have_pagemap_scan() == 1) {
		scan_arg_init(&arg, (void *)page_size(), (void *)(2 * page_size()));
		EXPECT_EQ(-ESRCH, scan_ioctl(fd, &arg));
	} else {
		ksft_print_msg("info: no PAGEMAP_SCAN: ESRCH not checked\n");
	}
	EXPECT_EQ(0, close(fd));
}

TEST(offset_beyond_any_address)
{
	uint64_t e[2] = { 1, 1 };
	int fd = pagemap_open(0);

	ASSERT_LE(0, fd);
	/* page number 1 << 53: beyond ULONG_MAX >> PAGE_SHIFT on 64-bit */
	EXPECT_EQ(0, pread(fd, e, 16, (off_t)1 << 56));
	/* the largest aligned offset that read(2) accepts (pos + count fits) */
	EXPECT_EQ(0, pread(fd, e, 8, (INT64_MAX - 15) & ~(off_t)7));
	EXPECT_EQ(1ULL, (unsigned long long)e[0]) TH_LOG("nothing may be written on EOF");
	close(fd);
}

TEST(bad_buffer)
{
	long ps = (long)page_size();
	char *buf = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *mine = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	off_t off;
	int fd = pagemap_open(0);

	ASSERT_LE(0, fd);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(MAP_FAILED, mine);
	mine[0] = 1;
	off = (off_t)((uintptr_t)mine / ps) * 8;
	ASSERT_EQ(0, mprotect(buf + ps, ps, PROT_NONE));
	/* wholly unwritable */
	errno = 0;
	EXPECT_EQ(-1, pread(fd, buf + ps, 8, off));
	EXPECT_EQ(EFAULT, errno);
	/* first entry fits, the second falls on PROT_NONE */
	errno = 0;
	EXPECT_EQ(-1, pread(fd, buf + ps - 8, 16, off));
	EXPECT_EQ(EFAULT, errno);
	/* the same read into good memory works (the setup is sound) */
	EXPECT_EQ(16, pread(fd, buf, 16, off));
	close(fd);
	munmap(buf, 2 * ps);
	munmap(mine, ps);
}

/* ---- PFN hidden on huge mappings ---- */
FIXTURE(hidden) {
	struct region r;
	struct hugetlb_pool pool;
};

FIXTURE_VARIANT(hidden) {
	bool hugetlb;
};

FIXTURE_VARIANT_ADD(hidden, thp) { .hugetlb = false };
FIXTURE_VARIANT_ADD(hidden, hugetlb) { .hugetlb = true };

FIXTURE_SETUP(hidden)
{
	self->r.fd = -1;
	self->pool.lock_fd = -1;
	REQUIRE_PFNS();
	if (variant->hugetlb) {
		BUILD(hugetlb_reserve(&self->pool, hugetlb_size(HUGETLB_PMD), 1));
		BUILD(hugetlb_anon_build(&self->r, hugetlb_size(HUGETLB_PMD), 1, true));
	} else {
		BUILD(thp_pmd_build(&self->r, 1));
	}
}

FIXTURE_TEARDOWN(hidden)
{
	region_unmap(&self->r);
	hugetlb_release(&self->pool);
}

TEST_F(hidden, pfn_zero_flags_equal)
{
	size_t n = self->r.npages;
	uint64_t *priv = calloc(n, 8), *unpriv = calloc(n, 8);
	int fd = pagemap_open(0), ufd;

	ASSERT_NE(NULL, priv);
	ASSERT_NE(NULL, unpriv);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pagemap_read(fd, self->r.addr, n, priv));
	/* this test's process only (each case runs in its own) */
	ASSERT_EQ(0, pmc_drop_cap(CAP_SYS_ADMIN));
	ASSERT_FALSE(pmc_have_cap(CAP_SYS_ADMIN));
	ufd = pagemap_open(0);
	ASSERT_LE(0, ufd);
	ASSERT_EQ(0, pagemap_read(ufd, self->r.addr, n, unpriv));
	/* the privileged fd still shows the PFNs: the opener's credentials decide */
	ASSERT_EQ(0, pagemap_read(fd, self->r.addr, 1, priv));
	for (size_t i = 0; i < n; i++) {
		PMC_EXPECT((priv[i] & PM_PRESENT) && pm_pfn(priv[i]) == pm_pfn(priv[0]) + i,
			   "privileged page %zu: 0x%llx", i, (unsigned long long)priv[i]);
		PMC_EXPECT(pm_pfn(unpriv[i]) == 0, "unprivileged page %zu: PFN 0x%llx shown", i,
			   (unsigned long long)pm_pfn(unpriv[i]));
		PMC_EXPECT((priv[i] & ~PM_PFRAME_MASK) == (unpriv[i] & ~PM_PFRAME_MASK),
			   "page %zu flags differ: privileged 0x%llx unprivileged 0x%llx", i,
			   (unsigned long long)priv[i], (unsigned long long)unpriv[i]);
	}
	close(fd);
	close(ufd);
	free(priv);
	free(unpriv);
}

/* ---- a hugetlb page mapped twice ---- */
TEST(hugetlb_twice)
{
	struct hugetlb_pool pool = { .lock_fd = -1 };
	struct region r = { .fd = -1 };
	size_t n = hugetlb_size(HUGETLB_PMD) / page_size();
	uint64_t *a = calloc(n, 8), *b = calloc(n, 8), cnt, pfn0;
	struct pm_expect shared = pm_present(true, false, 0), excl = pm_present(true, true, 0);
	char *second;

	REQUIRE_PFNS();
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	BUILD(hugetlb_reserve(&pool, hugetlb_size(HUGETLB_PMD), 1));
	BUILD(hugetlb_memfd_build(&r, hugetlb_size(HUGETLB_PMD), 1, MAP_SHARED, true));
	second = mmap(NULL, hugetlb_size(HUGETLB_PMD), PROT_READ, MAP_SHARED, r.fd, 0);
	ASSERT_NE(MAP_FAILED, second);
	ASSERT_EQ(r.addr[0], second[0]);	/* fault the second mapping in */
	ASSERT_EQ(0, pagemap_self(r.addr, n, a));
	ASSERT_EQ(0, pagemap_self(second, n, b));
	ASSERT_EQ(0, kpage_get(KPAGECOUNT, pm_pfn(a[0]), &cnt));
	ASSERT_EQ(2ULL, (unsigned long long)cnt) TH_LOG("oracle: the page is mapped twice");
	pfn0 = pm_pfn(a[0]);
	for (size_t i = 0; i < n; i++) {
		shared.pfn = pfn0 + i;
		EXPECT_PM(&shared, a[i], "first mapping page %zu", i);
		EXPECT_PM(&shared, b[i], "second mapping page %zu", i);
	}
	ASSERT_EQ(0, munmap(second, hugetlb_size(HUGETLB_PMD)));
	ASSERT_EQ(0, kpage_get(KPAGECOUNT, pfn0, &cnt));
	ASSERT_EQ(1ULL, (unsigned long long)cnt);
	ASSERT_EQ(0, pagemap_self(r.addr, n, a));
	for (size_t i = 0; i < n; i++) {
		excl.pfn = pfn0 + i;
		EXPECT_PM(&excl, a[i], "sole mapping page %zu", i);
	}
	region_unmap(&r);
	hugetlb_release(&pool);
	free(a);
	free(b);
}

PMC_MAIN
