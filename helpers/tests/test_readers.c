// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the readers (helpers/io/readers.c): pmc_read_u64s on regular
 * temp files (whole items, end of file, a torn last item is -EIO, a
 * non-seekable fd is -ESPIPE), and the kernel's 8-byte rules on
 * /proc/self/pagemap (offset or size not a multiple of 8 → EINVAL; unmapped
 * page reads 0; past the top of the address space reads 0 items).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pmc_test.h"

static int temp_with(const void *data, size_t len)
{
	char path[] = "/tmp/pmc-unit-readers-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST(regular_file_items_and_eof)
{
	uint64_t in[3] = { 1, 0xdeadbeef, UINT64_MAX }, out[5] = { 0 };
	int fd = temp_with(in, sizeof(in));

	ASSERT_LE(0, fd);
	EXPECT_EQ(3, pmc_read_u64s(fd, 0, out, 5));
	EXPECT_EQ((uint64_t)1, out[0]);
	EXPECT_EQ(0xdeadbeef, out[1]);
	EXPECT_EQ(UINT64_MAX, out[2]);
	EXPECT_EQ(2, pmc_read_u64s(fd, 1, out, 5));
	EXPECT_EQ(0xdeadbeef, out[0]);
	EXPECT_EQ(0, pmc_read_u64s(fd, 3, out, 5));
	close(fd);
}

TEST(torn_item_is_eio)
{
	char in[20] = { 0 };
	uint64_t out[4];
	int fd = temp_with(in, sizeof(in));

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EIO, pmc_read_u64s(fd, 0, out, 4));
	close(fd);
}

TEST(pipe_is_espipe)
{
	uint64_t v = 7, out;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(8, write(p[1], &v, 8));
	EXPECT_EQ(-ESPIPE, pmc_read_u64s(p[0], 0, &out, 1));
	close(p[0]);
	close(p[1]);
}

TEST(pagemap_unaligned_offset_einval)
{
	int fd = pagemap_open(0);
	uint64_t buf[2];

	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, pread(fd, buf, 8, 4));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pread(fd, buf, 4, 0));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pread(fd, buf, 12, 8));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(pagemap_unmapped_reads_zero)
{
	size_t ps = PMC_PAGE_SIZE;
	char *p = mmap(NULL, 3 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t e = 1;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + ps, ps));
	ASSERT_EQ(0, pagemap_self(p + ps, 1, &e));
	EXPECT_EQ((uint64_t)0, e);
	munmap(p, 3 * ps);
}

TEST(pagemap_past_top_reads_nothing)
{
	int fd = pagemap_open(0);
	uint64_t e[2];

	ASSERT_LE(0, fd);
	/* Beyond any user address space (57-bit with 5-level paging). */
	EXPECT_EQ(0, pmc_read_u64s(fd, (UINT64_C(1) << 58) / PMC_PAGE_SIZE, e, 2));
	close(fd);
}

TEST(pagemap_self_after_fork_describes_child)
{
	size_t ps = PMC_PAGE_SIZE;
	char *p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, p);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint64_t e = 0;

		/* Parent never touched it; the child writes and must see it present. */
		p[0] = 1;
		_exit(pagemap_self(p, 1, &e) == 0 && (e & PM_PRESENT) ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	munmap(p, ps);
}

PMC_MAIN
