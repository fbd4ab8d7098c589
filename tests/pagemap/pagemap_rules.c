// SPDX-License-Identifier: GPL-2.0
/*
 * The interface rules of /proc/PID/pagemap, independent of memory states.
 *
 * Proves:
 *  - pfn_hidden: the same written pages read by root and by a child without
 *    CAP_SYS_ADMIN (its own fd): flags identical, bits 0-54 zero for the
 *    child, the PFN for root;
 *  - pfn_follows_opener: the PFN decision is taken with the credentials of
 *    the opener (file_ns_capable(file, ...)): an fd opened with
 *    CAP_SYS_ADMIN keeps showing PFNs to a child that dropped it;
 *  - einval: an offset that is not a multiple of 8, or a size that is not,
 *    fails with EINVAL (also after lseek to an unaligned offset); size 0
 *    reads 0 bytes;
 *  - unmapped: a hole between VMAs reads 0, soft-dirty included;
 *  - top: the entry of the last user page reads, a read at the first page
 *    past the top of the user address space (mm->task_size, found by
 *    MAP_FIXED_NOREPLACE bisection: user_va_end()) returns 0 bytes, a read
 *    across that boundary returns only the entries below it;
 *  - large_read: one pread() over written anon, a hole and a read file
 *    mapping returns every entry, each one right;
 *  - lseek: SEEK_SET and SEEK_CUR move the position and read() follows it
 *    8 bytes per entry; SEEK_END fails with EINVAL (mem_lseek);
 *  - fd_across_fork: an fd opened before fork() keeps describing the parent:
 *    the child writes a page the parent never touched; through the
 *    inherited fd the page is absent, through its own fresh open present;
 *  - other_process: root reads a child's pagemap; an unprivileged user
 *    (uid 65534, no CAP_SYS_ADMIN) cannot open a root process's pagemap
 *    (EACCES at open);
 *  - kernel_thread: /proc/2/pagemap (kthreadd, no mm) cannot be opened:
 *    ESRCH (pagemap_open() refuses a task without an mm);
 *  - everywhere: every entry of every VMA of this process has bits 58-60
 *    zero (no guard regions here).
 * Requirements: root (CAP_SYS_ADMIN; uid switch); top needs x86-64.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pm_common.h"
#include "file.h"
#include "fork.h"
#include "sizes.h"
#include "state.h"

#define NPAGES 16

/* One plain pread(), no retry loop: the rules are about single calls. */
/* read() through the file position until n bytes, end of file or an error:
 * a short read of whole entries is allowed, the position rule is what is
 * tested. */
static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return got ? (ssize_t)got : -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static ssize_t raw_pread(int fd, void *buf, size_t n, off_t off)
{
	return pread(fd, buf, n, off);
}

static off_t entry_off(const void *addr)
{
	return (off_t)((uintptr_t)addr / page_size() * sizeof(uint64_t));
}

FIXTURE(rules) {
	struct region r;
	uint64_t *shared;	/* results from children */
};

FIXTURE_SETUP(rules)
{
	self->r.fd = -1;
	self->r.map_base = NULL;
	self->shared = mmap(NULL, page_size() * 2, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->shared);
	/* No requirement here: most rules hold for any reader, and the
	 * privilege rules are checked from whichever side we run on. */
	BUILD(anon_build(&self->r, NPAGES, ANON_WRITTEN));
}

FIXTURE_TEARDOWN(rules)
{
	region_unmap(&self->r);
	munmap(self->shared, page_size() * 2);
}

/* ---- run in a controlled child (fork.h): arguments by value ---- */
static int c_open_self(struct child *c, void *addr, size_t n)
{
	(void)c; (void)addr; (void)n;
	return pagemap_open(0);
}

static int c_read_fd(struct child *c, void *addr, size_t fd)
{
	return pagemap_read((int)fd, addr, NPAGES, c->shm) ? 1 : 0;
}

/*
 * A child with its own copy of every page (written after fork, so the
 * pages are exclusive to it), then without CAP_SYS_ADMIN. Root reads the
 * same pages through /proc/<child>/pagemap.
 */
static void root_view(struct __test_metadata *_metadata, struct child *c,
		      const void *addr, uint64_t *out)
{
	int fd = pagemap_open(c->pid);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pagemap_read(fd, addr, NPAGES, out));
	close(fd);
}

/* Without CAP_SYS_ADMIN: our own pages, every flag right, bits 0-54 zero. */
static void pfn_hidden_from_here(struct __test_metadata *_metadata, const void *addr)
{
	struct pm_expect x = pm_present(false, true, 0);
	uint64_t e[NPAGES];

	ASSERT_FALSE(x.privileged);
	ASSERT_EQ(0, pagemap_self(addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++)
		EXPECT_PM(&x, e[i], "unprivileged reader, page %zu", i);
}

TEST_F(rules, pfn_hidden)
{
	uint64_t root[NPAGES], unpriv[NPAGES];
	struct pm_expect x = pm_present(false, true, 0);
	struct child c;

	if (!pmc_have_cap(CAP_SYS_ADMIN)) {
		pfn_hidden_from_here(_metadata, self->r.addr);
		return;
	}
	REQUIRE_ROOT();
	BUILD(child_start(&c));
	ASSERT_EQ(0, child_write(&c, self->r.addr, NPAGES));
	ASSERT_EQ(0, child_drop_sys_admin(&c));
	ASSERT_EQ(0, child_pagemap(&c, self->r.addr, NPAGES, unpriv));
	root_view(_metadata, &c, self->r.addr, root);
	child_stop(&c);
	for (size_t i = 0; i < NPAGES; i++) {
		x.privileged = true;
		EXPECT_PM(&x, root[i], "root, page %zu", i);
		x.privileged = false;
		EXPECT_PM(&x, unpriv[i], "unprivileged, page %zu", i);
		EXPECT_EQ(root[i] & PM_FLAG_BITS, unpriv[i] & PM_FLAG_BITS);
	}
}

TEST_F(rules, pfn_follows_opener)
{
	uint64_t root[NPAGES];
	struct pm_expect x = pm_present(false, true, 0);
	struct child c;
	int fd;

	REQUIRE_ROOT();
	REQUIRE(pmc_have_cap(CAP_SYS_ADMIN), "needs CAP_SYS_ADMIN");
	BUILD(child_start(&c));
	ASSERT_EQ(0, child_write(&c, self->r.addr, NPAGES));
	fd = child_call(&c, c_open_self, NULL, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, child_drop_sys_admin(&c));
	/* Read without CAP_SYS_ADMIN through the fd opened with it. */
	ASSERT_EQ(0, child_call(&c, c_read_fd, self->r.addr, (size_t)fd));
	root_view(_metadata, &c, self->r.addr, root);
	for (size_t i = 0; i < NPAGES; i++) {
		x.pfn = pm_pfn(root[i]);
		EXPECT_PM(&x, c.shm[i], "fd opened privileged, read unprivileged, page %zu", i);
	}
	child_stop(&c);
}

TEST_F(rules, einval)
{
	int fd = pagemap_open(0);
	off_t off = entry_off(self->r.addr);
	char buf[64];

	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, raw_pread(fd, buf, 8, off + 4));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, raw_pread(fd, buf, 12, off));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, raw_pread(fd, buf, 7, off));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, raw_pread(fd, buf, 0, off));
	EXPECT_EQ(8, raw_pread(fd, buf, 8, off));
	/* The same through the file position. */
	ASSERT_EQ(off + 1, lseek(fd, off + 1, SEEK_SET));
	errno = 0;
	EXPECT_EQ(-1, read(fd, buf, 8));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_F(rules, unmapped)
{
	struct region hole;
	struct pm_expect x = pm_unmapped();
	uint64_t e[NPAGES];
	char *addr;

	/* Reserve, then unmap: nothing is mapped there now. */
	BUILD(region_map(&hole, NPAGES * page_size(), 0, PROT_NONE, MAP_PRIVATE, -1, 0));
	addr = hole.addr;
	region_unmap(&hole);
	ASSERT_EQ(0, pagemap_self(addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++)
		EXPECT_PM(&x, e[i], "page %zu", i);
}

TEST_F(rules, top)
{
	uint64_t top = user_va_end(), e[4];
	off_t last = (off_t)(top / page_size() - 1) * 8;
	int fd;

	REQUIRE(top, "top of user address space not found (MAP_FIXED_NOREPLACE needs 4.17)");
	fd = pagemap_open(0);
	ASSERT_LE(0, fd);
	/* The last user page (not mapped here): one zero entry. */
	EXPECT_EQ(8, raw_pread(fd, e, 8, last));
	EXPECT_EQ(0UL, e[0]);
	/* The first page past the top: end of file. */
	EXPECT_EQ(0, raw_pread(fd, e, 8, last + 8));
	EXPECT_EQ(0, raw_pread(fd, e, 32, last + 8 * 100));
	/* Across the top: only the entries below it. */
	EXPECT_EQ(2, pmc_read_u64s(fd, (uint64_t)(last - 8) / 8, e, 4));
	close(fd);
}

TEST_F(rules, large_read)
{
	size_t n = 3 * NPAGES, ps = page_size();
	struct region all, file;
	uint64_t e[3 * NPAGES];
	struct pm_expect anon = pm_present(false, true, 0), gone = pm_unmapped();
	struct pm_expect cache = pm_present(true, true, 0);
	char *base;
	int fd;

	/* [written anon | hole | read file], adjacent, in one reservation. */
	BUILD(region_map(&all, n * ps, 0, PROT_NONE, MAP_PRIVATE | MAP_NORESERVE, -1, 0));
	base = all.addr;
	fd = file_scratch(NPAGES);
	REQUIRE(fd >= 0, "no disk filesystem for a scratch file");
	file.fd = fd;
	ASSERT_NE(MAP_FAILED, mmap(base, NPAGES * ps, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	ASSERT_EQ(0, munmap(base + NPAGES * ps, NPAGES * ps));
	ASSERT_NE(MAP_FAILED, mmap(base + 2 * NPAGES * ps, NPAGES * ps, PROT_READ,
				   MAP_SHARED | MAP_FIXED, fd, 0));
	madvise(base, NPAGES * ps, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < NPAGES; i++) {
		base[i * ps] = 1;
		(void)*(volatile char *)(base + (2 * NPAGES + i) * ps);
	}
	fd = pagemap_open(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ((ssize_t)n, pmc_read_u64s(fd, (uint64_t)entry_off(base) / 8, e, n));
	close(fd);
	for (size_t i = 0; i < n; i++)
		EXPECT_PM(i < NPAGES ? &anon : i < 2 * NPAGES ? &gone : &cache, e[i],
			  "page %zu", i);
	munmap(base, n * ps);
	close(file.fd);
}

TEST_F(rules, lseek)
{
	int fd = pagemap_open(0);
	off_t off = entry_off(self->r.addr);
	uint64_t e[2], want[NPAGES];

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, want));
	EXPECT_EQ(off, lseek(fd, off, SEEK_SET));
	EXPECT_EQ(16, read_full(fd, e, 16));
	EXPECT_EQ(want[0], e[0]);
	EXPECT_EQ(want[1], e[1]);
	/* read() advanced the position by 8 bytes per entry. */
	EXPECT_EQ(off + 16, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(off + 40, lseek(fd, 24, SEEK_CUR));
	EXPECT_EQ(8, read_full(fd, e, 8));
	EXPECT_EQ(want[5], e[0]);
	errno = 0;
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_END));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/* In the child: write the page, read it through the inherited fd and
 * through a fresh open of /proc/self/pagemap. */
static int child_write_and_look(struct child *c, void *addr, size_t fd)
{
	*(volatile char *)addr = 1;
	if (pagemap_read((int)fd, addr, 1, &c->shm[0]))
		return 1;
	if (pagemap_self(addr, 1, &c->shm[1]))
		return 2;
	return 0;
}

TEST_F(rules, fd_across_fork)
{
	struct region fresh;
	struct child c;
	struct pm_expect absent = pm_none(), present = pm_present(false, true, 0);
	int fd;

	BUILD(anon_build(&fresh, 1, ANON_UNTOUCHED));
	fd = pagemap_open(0);
	ASSERT_LE(0, fd);
	/* The fd must survive into the child: no O_CLOEXEC matters for fork. */
	BUILD(child_start(&c));
	EXPECT_EQ(0, child_call(&c, child_write_and_look, fresh.addr, (size_t)fd));
	EXPECT_PM(&absent, c.shm[0], "inherited fd (the parent's view)");
	EXPECT_PM(&present, c.shm[1], "child's own open");
	child_stop(&c);
	close(fd);
	region_unmap(&fresh);
}

static int child_write_page(struct child *c, void *addr, size_t n)
{
	(void)c;
	for (size_t i = 0; i < n; i++)
		((volatile char *)addr)[i * page_size()] = 2;
	return 0;
}

static pid_t g_target;

static int open_other(void *arg)
{
	int fd;

	(void)arg;
	fd = pagemap_open(g_target);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return -fd;
}

TEST_F(rules, other_process)
{
	struct region fresh;
	struct child c;
	struct pm_expect present = pm_present(false, true, 0);
	uint64_t e;
	int fd;

	/* Not root: we are the reader without ptrace access to a root process. */
	if (!pmc_is_root()) {
		REQUIRE(getuid() != 0, "needs a non-root uid or root");
		g_target = 1;
		EXPECT_EQ(EACCES, open_other(NULL));
		return;
	}
	BUILD(anon_build(&fresh, 1, ANON_UNTOUCHED));
	BUILD(child_start(&c));
	ASSERT_EQ(0, child_call(&c, child_write_page, fresh.addr, 1));
	/* Root (ptrace read access) reads the child's pagemap. */
	fd = pagemap_open(c.pid);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pagemap_read(fd, fresh.addr, 1, &e));
	EXPECT_PM(&present, e, "child's page read by root");
	close(fd);
	/* uid 65534 without CAP_SYS_ADMIN: no ptrace read access to a root process. */
	g_target = getpid();
	EXPECT_EQ(EACCES, pmc_run_as_uid(65534, open_other, NULL));
	child_stop(&c);
	region_unmap(&fresh);
}

TEST_F(rules, kernel_thread)
{
	char comm[64] = "";

	/* PID 2 is kthreadd wherever the kernel runs its own init order. */
	REQUIRE(pmc_read_file("/proc/2/comm", comm, sizeof(comm)) == 0 &&
		!strcmp(comm, "kthreadd"), "PID 2 is not kthreadd here");
	/* /proc/PID/pagemap is mode 0400 owned by the task's uid: another uid
	 * is refused by the VFS (EACCES) before the kernel looks for an mm. */
	if (!pmc_is_root()) {
		EXPECT_EQ(-EACCES, pagemap_open(2));
		return;
	}
	/* Root finds no mm. Two rules exist: newer kernels refuse the open
	 * (pagemap_open(): ESRCH, seen on 6.12 and 6.18); older ones (6.1)
	 * open it and every read returns 0 bytes. Either way no entry can
	 * ever be read: that is what is pinned, plus the exact errno. */
	int fd = pagemap_open(2);

	if (fd >= 0) {
		uint64_t e[4];

		EXPECT_EQ(0, pmc_read_u64s(fd, 0, e, 4));
		EXPECT_EQ(0, pmc_read_u64s(fd, 0x7fffffff, e, 4));
		close(fd);
	} else {
		EXPECT_EQ(-ESRCH, fd);
	}
}

TEST_F(rules, everywhere)
{
	char line[512];
	size_t checked = 0;
	FILE *f = fopen("/proc/self/maps", "re");
	int fd = pagemap_open(0);

	ASSERT_NE(NULL, f);
	ASSERT_LE(0, fd);
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, end;

		if (sscanf(line, "%lx-%lx", &s, &end) != 2)
			continue;
		for (unsigned long a = s; a < end; ) {
			uint64_t e[512];
			size_t n = (end - a) / page_size();
			ssize_t got;

			if (n > 512)
				n = 512;
			got = pmc_read_u64s(fd, a / page_size(), e, n);
			ASSERT_LE(0, got);
			if (got == 0)
				break;	/* above the top ([vsyscall]) */
			for (ssize_t i = 0; i < got; i++) {
				EXPECT_EQ(0UL, e[i] & (PM_GUARD_REGION | PM_RESERVED)) {
					TH_LOG("%#lx: %#llx", a + i * page_size(),
					       (unsigned long long)e[i]);
				}
			}
			checked += got;
			a += got * page_size();
		}
	}
	fclose(f);
	close(fd);
	EXPECT_LT(0UL, checked);
}

/* rules.pfn_hidden pins "pagemap: hide physical addresses from non-privileged
 * users" (1c90308e7a77, 4.2): not in fixes.tsv until its full hash is verified. */

PMC_MAIN
