// SPDX-License-Identifier: GPL-2.0
/*
 * PAGEMAP_SCAN argument validation: one test per field, each naming the
 * errno it expects.
 *
 * Proves, on a 4-page private anon mapping whose first two pages are written:
 *  - size: smaller, zero, larger with a non-zero tail and larger with a zero
 *    tail are all EINVAL (the kernel wants exactly sizeof(struct pm_scan_arg);
 *    there is no "zero tail is fine" extension rule: pinned);
 *  - flags / each of the four category masks: every bit the kernel does not
 *    know is EINVAL, one ioctl per bit;
 *  - start not page aligned: EINVAL; end not page aligned: accepted and
 *    rounded up (walk_end says the aligned end; the partial page is scanned);
 *  - end < start, start or end above the user address space: EFAULT;
 *  - vec NULL with vec_len > 0: EINVAL; vec with vec_len 0: 0, nothing
 *    written; vec_len = 1<<61 with a small vec: EFAULT (size overflow fix);
 *    vec read-only: EFAULT; the argument itself unreadable: EFAULT;
 *  - an unmapped range or an empty range: 0 regions, walk_end == end;
 *  - no uffd on the range: CHECK_WPASYNC is EPERM, WP_MATCHING is a no-op
 *    (0 regions, bit 57 stays clear, the pages stay writable);
 *  - a pagemap fd whose process is gone: ESRCH; a non-pagemap fd: ENOTTY;
 *  - the categories this kernel accepts are a prefix of the documented list
 *    (reported in the log).
 * Requirements: PAGEMAP_SCAN (ENOTTY: SKIP "PAGEMAP_SCAN not supported").
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "pmc_test.h"
#include "scan.h"
#include "state.h"

#define NPAGES	4
#define NVEC	8

FIXTURE(args) {
	struct region r;
	int fd;
	struct page_region vec[NVEC];
	struct pm_scan_arg a;	/* valid: whole region, full output */
	uint64_t known;		/* categories this kernel accepts */
};

FIXTURE_SETUP(args)
{
	self->fd = -1;
	self->r.fd = -1;
	SCAN_REQUIRE();
	BUILD(anon_build(&self->r, NPAGES, ANON_UNTOUCHED));
	self->r.addr[0] = 1;
	self->r.addr[page_size()] = 1;
	self->fd = pagemap_open(0);
	ASSERT_LE(0, self->fd);
	self->known = pmc_scan_categories();
	scan_arg_init(&self->a, self->r.addr, self->r.addr + self->r.len);
	self->a.vec = (uintptr_t)self->vec;
	self->a.vec_len = NVEC;
	self->a.category_mask = PAGE_IS_PRESENT;
	self->a.return_mask = PAGE_IS_PRESENT;
}

FIXTURE_TEARDOWN(args)
{
	if (self->fd >= 0)
		close(self->fd);
	region_unmap(&self->r);
}

/* The valid argument works: the baseline every bad-field test spoils. */
TEST_F(args, valid_baseline)
{
	ASSERT_EQ(1, scan_ioctl(self->fd, &self->a));
	EXPECT_EQ((uintptr_t)self->r.addr, self->vec[0].start);
	EXPECT_EQ((uintptr_t)self->r.addr + 2 * page_size(), self->vec[0].end);
	EXPECT_EQ((uint64_t)PAGE_IS_PRESENT, self->vec[0].categories);
	EXPECT_EQ((uintptr_t)self->r.addr + self->r.len, self->a.walk_end);
}

/* ---- size ---- */
TEST_F(args, size_smaller_einval)
{
	self->a.size = sizeof(self->a) - 8;
	EXPECT_EQ(-EINVAL, scan_ioctl(self->fd, &self->a));
}

TEST_F(args, size_zero_einval)
{
	self->a.size = 0;
	EXPECT_EQ(-EINVAL, scan_ioctl(self->fd, &self->a));
}

/* A larger struct whose tail holds a non-zero word. */
TEST_F(args, size_larger_nonzero_tail_einval)
{
	struct { struct pm_scan_arg a; uint64_t tail; } big = { self->a, 1 };

	big.a.size = sizeof(big);
	EXPECT_EQ(-EINVAL, scan_ioctl(self->fd, &big.a));
}

/* Pinned: 6.7..6.18 compare size for equality; a zero tail (the usual
 * "extensible struct" convention) is not accepted either. */
TEST_F(args, size_larger_zero_tail_einval)
{
	struct { struct pm_scan_arg a; uint64_t tail; } big = { self->a, 0 };

	big.a.size = sizeof(big);
	EXPECT_EQ(-EINVAL, scan_ioctl(self->fd, &big.a));
}

/* ---- flags and masks: every unknown bit, one at a time ---- */
TEST_F(args, flags_unknown_einval)
{
	const uint64_t known_flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC;

	for (unsigned b = 0; b < 64; b++) {
		if (known_flags & (UINT64_C(1) << b))
			continue;
		self->a.flags = UINT64_C(1) << b;
		EXPECT_EQ(-EINVAL, scan_ioctl(self->fd, &self->a)) TH_LOG("flag bit %u", b);
	}
}

enum mask_field { M_CATEGORY, M_INVERTED, M_ANYOF, M_RETURN };

static void unknown_mask_bits(struct __test_metadata *_metadata, int fd,
			      const struct pm_scan_arg *valid, uint64_t known,
			      enum mask_field f)
{
	ASSERT_NE(UINT64_C(0), known);
	for (unsigned b = 0; b < 64; b++) {
		struct pm_scan_arg a = *valid;
		uint64_t bit = UINT64_C(1) << b;

		if (known & bit)
			continue;
		switch (f) {
		case M_CATEGORY: a.category_mask = bit; break;
		case M_INVERTED: a.category_inverted = bit; break;
		case M_ANYOF: a.category_anyof_mask = bit; break;
		case M_RETURN: a.return_mask = bit; break;
		}
		EXPECT_EQ(-EINVAL, scan_ioctl(fd, &a)) TH_LOG("category bit %u", b);
	}
}

TEST_F(args, category_mask_unknown_bit_einval)
{
	unknown_mask_bits(_metadata, self->fd, &self->a, self->known, M_CATEGORY);
}

TEST_F(args, category_inverted_unknown_bit_einval)
{
	unknown_mask_bits(_metadata, self->fd, &self->a, self->known, M_INVERTED);
}

TEST_F(args, category_anyof_mask_unknown_bit_einval)
{
	unknown_mask_bits(_metadata, self->fd, &self->a, self->known, M_ANYOF);
}

TEST_F(args, return_mask_unknown_bit_einval)
{
	unknown_mask_bits(_metadata, self->fd, &self->a, self->known, M_RETURN);
}

/*
 * The accepted categories are the documented ones, in order, from bit 0:
 * 6.7 has 0..6, 6.8 adds SOFT_DIRTY (7), 6.16 GUARD (8). What the release
 * says the kernel has (pmc_scan_categories_expected, decided without the
 * ioctl) must be accepted; a bit beyond the documented ones is a category
 * no test would check: both FAIL.
 */
TEST_F(args, categories_known)
{
	uint64_t acc = pmc_scan_categories_accepted(), want = pmc_scan_categories_expected();
	char s[256], m[256];

	scan_format(acc, s, sizeof(s));
	pmc_info("categories accepted: %s", s);
	scan_format(want & ~acc, m, sizeof(m));
	PMC_EXPECT((want & ~acc) == 0, "categories this release must have were refused: %s "
		   "(accepted: %s)", m, s);
	EXPECT_EQ((uint64_t)SCAN_BASE_CATEGORIES, acc & SCAN_BASE_CATEGORIES);
	/* a prefix: no holes, nothing beyond the documented bits */
	EXPECT_EQ(UINT64_C(0), acc & (acc + 1));
	PMC_EXPECT(acc >> PMC_SCAN_NR_CATEGORIES == 0,
		   "undocumented categories accepted, no test checks them: 0x%llx",
		   (unsigned long long)(acc >> PMC_SCAN_NR_CATEGORIES << PMC_SCAN_NR_CATEGORIES));
}

/* ---- range ---- */
TEST_F(args, start_unaligned_einval)
{
	self->a.start += 1;
	EXPECT_EQ(-EINVAL, scan_ioctl(self->fd, &self->a));
}

/* Pinned: end is rounded up to the page, the partial page is scanned. */
TEST_F(args, end_unaligned_rounded_up)
{
	self->a.end = (uintptr_t)self->r.addr + page_size() + 1;
	ASSERT_EQ(1, scan_ioctl(self->fd, &self->a));
	EXPECT_EQ((uintptr_t)self->r.addr, self->vec[0].start);
	EXPECT_EQ((uintptr_t)self->r.addr + 2 * page_size(), self->vec[0].end);
	EXPECT_EQ((uintptr_t)self->r.addr + 2 * page_size(), self->a.walk_end);
}

/* end < start: the range length wraps and access_ok() refuses it. */
TEST_F(args, end_before_start_efault)
{
	self->a.end = self->a.start - page_size();
	EXPECT_EQ(-EFAULT, scan_ioctl(self->fd, &self->a));
}

/* A non-canonical/kernel address is above every user address space
 * (4- and 5-level paging alike). */
#define KERNEL_HALF	UINT64_C(0xffff800000000000)

TEST_F(args, start_beyond_address_space_efault)
{
	self->a.start = KERNEL_HALF;
	self->a.end = KERNEL_HALF + page_size();
	EXPECT_EQ(-EFAULT, scan_ioctl(self->fd, &self->a));
}

TEST_F(args, end_beyond_address_space_efault)
{
	self->a.end = KERNEL_HALF;
	EXPECT_EQ(-EFAULT, scan_ioctl(self->fd, &self->a));
}

TEST_F(args, empty_range_zero_regions)
{
	self->a.end = self->a.start;
	EXPECT_EQ(0L, scan_ioctl(self->fd, &self->a));
	EXPECT_EQ(self->a.start, self->a.walk_end);
}

/* Pinned: no VMA, nothing reported, the walk completes. */
TEST_F(args, unmapped_range_zero_regions)
{
	struct region hole;

	BUILD(anon_build(&hole, NPAGES, ANON_UNTOUCHED));
	region_unmap(&hole);	/* the range is now a hole in the address space */
	scan_arg_init(&self->a, hole.addr, hole.addr + NPAGES * page_size());
	self->a.vec = (uintptr_t)self->vec;
	self->a.vec_len = NVEC;
	self->a.return_mask = self->known;	/* no filter: any page would do */
	EXPECT_EQ(0L, scan_ioctl(self->fd, &self->a));
	EXPECT_EQ(self->a.end, self->a.walk_end);
}

/* ---- output buffer ---- */
TEST_F(args, vec_null_with_len_einval)
{
	self->a.vec = 0;
	EXPECT_EQ(-EINVAL, scan_ioctl(self->fd, &self->a));
}

/* Pinned: a buffer with no room is "no output": 0, nothing written. */
TEST_F(args, vec_with_len_zero_no_output)
{
	memset(self->vec, 0xa5, sizeof(self->vec));
	self->a.vec_len = 0;
	EXPECT_EQ(0L, scan_ioctl(self->fd, &self->a));
	for (size_t i = 0; i < sizeof(self->vec); i++) {
		ASSERT_EQ(0xa5, ((unsigned char *)self->vec)[i]) TH_LOG("byte %zu written", i);
	}
	EXPECT_EQ(self->a.end, self->a.walk_end);
}

PMC_TAG("args.vec_len_overflow_efault", "SCAN-VECLEN-OVF")
/* vec_len * sizeof(struct page_region) wraps to a small size without the
 * fix, so access_ok() passed for a huge vec_len. */
TEST_F(args, vec_len_overflow_efault)
{
	self->a.vec_len = UINT64_C(1) << 61;
	EXPECT_EQ(-EFAULT, scan_ioctl(self->fd, &self->a));
}

TEST_F(args, vec_readonly_efault)
{
	struct region ro;

	BUILD(anon_build(&ro, 1, ANON_WRITTEN));
	ASSERT_EQ(0, mprotect(ro.addr, ro.len, PROT_READ));
	self->a.vec = (uintptr_t)ro.addr;
	EXPECT_EQ(-EFAULT, scan_ioctl(self->fd, &self->a));
	region_unmap(&ro);
}

TEST_F(args, arg_unreadable_efault)
{
	struct region hole;

	BUILD(anon_build(&hole, 1, ANON_UNTOUCHED));
	region_unmap(&hole);
	EXPECT_EQ(-EFAULT, scan_ioctl(self->fd, (struct pm_scan_arg *)hole.addr));
}

/* ---- write-protect flags without userfaultfd ---- */
PMC_TAG("args.*without_uffd*", "SCAN-NOUFFD-VMA")
TEST_F(args, check_wpasync_without_uffd_eperm)
{
	self->a.flags = PM_SCAN_CHECK_WPASYNC;
	EXPECT_EQ(-EPERM, scan_ioctl(self->fd, &self->a));
	self->a.flags = PM_SCAN_CHECK_WPASYNC | PM_SCAN_WP_MATCHING;
	EXPECT_EQ(-EPERM, scan_ioctl(self->fd, &self->a));
}

/* The VMA is skipped silently: nothing reported, nothing protected. */
TEST_F(args, wp_matching_without_uffd_noop)
{
	uint64_t e[NPAGES];

	self->a.flags = PM_SCAN_WP_MATCHING;
	self->a.category_mask = PAGE_IS_WRITTEN;
	self->a.return_mask = PAGE_IS_WRITTEN;
	EXPECT_EQ(0L, scan_ioctl(self->fd, &self->a));
	EXPECT_EQ(self->a.end, self->a.walk_end);
	/* and with no output buffer at all */
	self->a.vec = 0;
	self->a.vec_len = 0;
	EXPECT_EQ(0L, scan_ioctl(self->fd, &self->a));
	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++) {
		EXPECT_EQ(UINT64_C(0), e[i] & PM_UFFD_WP) TH_LOG("page %zu has uffd-wp", i);
	}
	/* A protected page would block or fault here; it must just work. */
	for (size_t i = 0; i < NPAGES; i++)
		self->r.addr[i * page_size()] = 2;
}

/* ---- the file descriptor ---- */
TEST_F(args, not_pagemap_fd_enotty)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTTY, scan_ioctl(fd, &self->a));
	close(fd);
}

/* The fd outlives its process: the mm is gone, the scan says so. */
TEST_F(args, target_exited_esrch)
{
	int status, fd;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		pause();
		_exit(0);
	}
	fd = pagemap_open(pid);
	ASSERT_LE(0, fd);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(-ESRCH, scan_ioctl(fd, &self->a));
	close(fd);
}

PMC_TAG("args.valid_baseline", "PAGEMAP-SCAN")

PMC_MAIN
