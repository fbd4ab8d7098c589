// SPDX-License-Identifier: GPL-2.0
/*
 * PAGEMAP_SCAN at the edges: user memory the kernel cannot read or write,
 * and mappings the walk must skip.
 *
 *  - edges.arg_unreadable: the argument pointer is unmapped: EFAULT.
 *  - edges.arg_readonly: the argument is valid but read-only: the scan runs,
 *    writing walk_end back fails: EFAULT (and the vector was filled: the
 *    output regions are written before walk_end).
 *  - edges.vec_unwritable: vec points to PROT_READ memory (access_ok passes,
 *    the copy out fails): EFAULT, the memory unchanged.
 *  - edges.pfnmap_skipped: a VM_PFNMAP mapping (smaps VmFlags "pf", e.g.
 *    [vvar]) is never reported, whatever the masks: 0 regions, walk_end =
 *    end; pagemap still describes it (it is mapped), so the skip is the
 *    scan's own rule (task_mmu.c pagemap_scan_test_walk()).
 * Requirements: PAGEMAP_SCAN; a VM_PFNMAP mapping in the process for the
 * last one (SKIP when none).
 */
#include <stdio.h>
#include <sys/mman.h>

#include "pmc_test.h"
#include "scan.h"
#include "state.h"

FIXTURE(edges) {
	struct region r;
	int fd;
};

FIXTURE_SETUP(edges)
{
	self->r.fd = -1;
	self->fd = -1;
	SCAN_REQUIRE();
	BUILD(anon_build(&self->r, 4, ANON_WRITTEN));
	self->fd = pagemap_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(edges)
{
	if (self->fd >= 0)
		close(self->fd);
	region_unmap(&self->r);
}

/* A page with the given protection, filled from src (len bytes). */
static void *page_with(const void *src, size_t len, int prot)
{
	void *p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, src, len);
	if (mprotect(p, page_size(), prot)) {
		munmap(p, page_size());
		return NULL;
	}
	return p;
}

TEST_F(edges, arg_unreadable)
{
	void *p = page_with("", 1, PROT_NONE);

	ASSERT_NE(NULL, p);
	EXPECT_EQ(-EFAULT, scan_ioctl(self->fd, p));
	munmap(p, page_size());
}

TEST_F(edges, arg_readonly)
{
	struct page_region *v = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct pm_scan_arg arg, *ro;

	ASSERT_NE(MAP_FAILED, v);
	scan_arg_init(&arg, self->r.addr, self->r.addr + self->r.len);
	arg.vec = (uintptr_t)v;
	arg.vec_len = 4;
	arg.category_mask = PAGE_IS_PRESENT;
	arg.return_mask = PAGE_IS_PRESENT;
	ro = page_with(&arg, sizeof(arg), PROT_READ);
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, scan_ioctl(self->fd, ro));
	/* the one region was copied out before walk_end */
	EXPECT_EQ((uintptr_t)self->r.addr, v[0].start);
	EXPECT_EQ((uintptr_t)self->r.addr + self->r.len, v[0].end);
	EXPECT_EQ((uint64_t)PAGE_IS_PRESENT, v[0].categories);
	munmap(ro, page_size());
	munmap(v, page_size());
}

TEST_F(edges, vec_unwritable)
{
	static const char zero[64];
	struct pm_scan_arg arg;
	char *v = page_with(zero, sizeof(zero), PROT_READ);

	ASSERT_NE(NULL, v);
	scan_arg_init(&arg, self->r.addr, self->r.addr + self->r.len);
	arg.vec = (uintptr_t)v;
	arg.vec_len = 2;
	arg.category_mask = PAGE_IS_PRESENT;
	arg.return_mask = PAGE_IS_PRESENT;
	EXPECT_EQ(-EFAULT, scan_ioctl(self->fd, &arg));
	EXPECT_EQ(0, memcmp(v, zero, sizeof(zero)));
	munmap(v, page_size());
}

/* The first VMA of this process with VM_PFNMAP (smaps "VmFlags: ... pf"). */
static bool find_pfnmap(uintptr_t *start, uintptr_t *end)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	uintptr_t s = 0, e = 0, a, b;
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		/* field lines may start with hex digits ("AnonHugePages:"): keep
		 * only a whole "start-end " pair */
		if (sscanf(line, "%lx-%lx ", &a, &b) == 2) {
			s = a;
			e = b;
			continue;
		}
		if (!strncmp(line, "VmFlags:", 8) && strstr(line, " pf"))
			found = true;
	}
	fclose(f);
	*start = s;
	*end = e;
	return found;
}

TEST_F(edges, pfnmap_skipped)
{
	struct page_region v[4];
	uintptr_t s, e;
	uint64_t we = 0, pm;
	long n;

	REQUIRE(find_pfnmap(&s, &e), "no VM_PFNMAP mapping in the process");
	/* no filter, every category returned */
	n = scan(self->fd, (void *)s, (void *)e,
		 &(struct scan_query){ .return_mask = pmc_scan_categories() }, v, 4, &we);
	EXPECT_EQ(0, n);
	EXPECT_EQ(e, we);
	/* a filter that a present page would match does not change that */
	n = scan(self->fd, (void *)s, (void *)e,
		 &(struct scan_query){ .category_inverted = PAGE_IS_PRESENT | PAGE_IS_WRITTEN,
				       .return_mask = PAGE_IS_PRESENT }, v, 4, &we);
	EXPECT_EQ(0, n);
	/* pagemap reads the mapping (a whole entry, whatever it holds) */
	EXPECT_EQ(0, pagemap_self((void *)s, 1, &pm));
}

PMC_MAIN
