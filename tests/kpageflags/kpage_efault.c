// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kpageflags, /proc/kpagecount, /proc/kpagecgroup into a user buffer
 * the kernel cannot write: EFAULT, for each file.
 *
 *  - efault.<file>.unwritable: the whole buffer is PROT_READ: EFAULT.
 *  - efault.<file>.straddling: 16 bytes whose second entry falls on a
 *    PROT_NONE page: EFAULT (the first entry may have been stored; the call
 *    fails as a whole).
 * The same read into writable memory returns the entries (the setup is
 * sound). PFN 1 is read: below any end of memory.
 * Requirements: root (the files are 0400); kpagecgroup: CONFIG_MEMCG.
 */
#include <fcntl.h>
#include <sys/mman.h>

#include "pmc_test.h"
#include "state.h"

FIXTURE(efault) {
	char *buf;		/* page 0 read-write, page 1 PROT_NONE, page 2 read-only */
	int fd;
};

FIXTURE_VARIANT(efault) {
	enum kpage_file f;
};

FIXTURE_VARIANT_ADD(efault, kpageflags) { .f = KPAGEFLAGS };
FIXTURE_VARIANT_ADD(efault, kpagecount) { .f = KPAGECOUNT };
FIXTURE_VARIANT_ADD(efault, kpagecgroup) { .f = KPAGECGROUP };

FIXTURE_SETUP(efault)
{
	long ps = (long)page_size();

	self->fd = -1;
	self->buf = MAP_FAILED;
	REQUIRE_ROOT();
	REQUIRE(pmc_exists(kpage_path(variant->f)), "file not present (CONFIG_MEMCG off)");
	self->fd = open(kpage_path(variant->f), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->buf = mmap(NULL, 3 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 0x5a, 3 * ps);
	ASSERT_EQ(0, mprotect(self->buf + ps, ps, PROT_NONE));
	ASSERT_EQ(0, mprotect(self->buf + 2 * ps, ps, PROT_READ));
	/* sound setup: the same read into writable memory works */
	ASSERT_EQ(16, pread(self->fd, self->buf, 16, 8));
}

FIXTURE_TEARDOWN(efault)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->buf != MAP_FAILED)
		munmap(self->buf, 3 * page_size());
}

TEST_F(efault, unwritable)
{
	char *ro = self->buf + 2 * page_size();

	errno = 0;
	EXPECT_EQ(-1, pread(self->fd, ro, 16, 8));
	EXPECT_EQ(EFAULT, errno);
	for (int i = 0; i < 16; i++)
		PMC_EXPECT(ro[i] == 0x5a, "byte %d of the read-only buffer changed", i);
}

TEST_F(efault, straddling)
{
	errno = 0;
	EXPECT_EQ(-1, pread(self->fd, self->buf + page_size() - 8, 16, 8));
	EXPECT_EQ(EFAULT, errno);
}

PMC_MAIN
