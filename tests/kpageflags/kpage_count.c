// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kpagecount against independent oracles, /proc/kpagecgroup against
 * the memcg directory inode, and the file rules of all three kpage files.
 *
 * kpagecount (mapcount per PFN):
 *  - private anon: 1; after fork() before COW: 2 on every page (the child
 *    maps the same PFNs); after the child writes (COW): 1 again;
 *  - one memfd page range mapped N times by this process: N;
 *  - a PMD-mapped THP after fork(), the child unmapping its second half:
 *    2 on the pages both still map, 1 on the pages only the parent maps;
 *  - a page poisoned by MADV_HWPOISON (helpers/hwpoison: a read of it
 *    SIGBUSes with BUS_MCEERR_AR, the proof that its only mapping is now
 *    the hwpoison entry): 0 at the PFN it had (read before the poison).
 * kpagecgroup: a child moved into a fresh memcg (helpers/cgroup) faults
 *    pages: each reads the inode of that cgroup's directory; moved to the
 *    hierarchy's root, new pages read the root directory's inode. A slab
 *    page reads 0: its memcg_data holds the per-object charge vector
 *    (MEMCG_DATA_OBJEXTS, OBJCGS before 6.10), for which
 *    page_cgroup_ino() finds no memcg; a PFN without a page (NOPAGE) reads
 *    0 (pfn_to_online_page() is NULL). A page table reads the memcg of the
 *    process it maps (kmem-charged), counted against memory.stat.
 * File rules: mode 0400 root-owned; open as uid 65534 → EACCES; EINVAL on
 *    an offset or size not a multiple of 8; 0 bytes at the end (the PFN
 *    count, probed, is at least the highest zone end in /proc/zoneinfo);
 *    a large read returns every entry.
 * Requirements: root; THP for the THP case; CONFIG_MEMCG for kpagecgroup;
 * the poisoned page PMC_DESTRUCTIVE=1 (the VM runner) and
 * CONFIG_MEMORY_FAILURE.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pmc_test.h"
#include "caps.h"
#include "cgroup.h"
#include "file.h"
#include "fork.h"
#include "hwpoison.h"
#include "pagetype.h"
#include "sizes.h"
#include "state.h"
#include "thp.h"

#define NPAGES 16

/* cgroup_pgtable reads all of kpageflags once its page tables exist; the
 * all-PFN searches of cgroup_zero after it reuse that read (pagetype.h,
 * kpage_find_share()) instead of reading all of it again. */
static void __attribute__((constructor)) share_flags(void)
{
	kpage_find_share();
}

static void expect_counts(struct __test_metadata *_metadata, const void *addr, size_t n,
			  uint64_t want, const char *what)
{
	struct kpage *p = calloc(n, sizeof(*p));

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, kpage_of(addr, n, p));
	for (size_t i = 0; i < n; i++) {
		ASSERT_NE(0ULL, (unsigned long long)p[i].pfn);
		EXPECT_EQ((unsigned long long)want, (unsigned long long)p[i].count) {
			TH_LOG("%s: page %zu", what, i);
		}
	}
	free(p);
}

TEST(count_fork_cow)
{
	struct region r = { .fd = -1 };
	struct child c;

	REQUIRE_PFNS();
	BUILD(anon_build(&r, NPAGES, ANON_WRITTEN));
	expect_counts(_metadata, r.addr, NPAGES, 1, "private");
	BUILD(child_start(&c));
	expect_counts(_metadata, r.addr, NPAGES, 2, "after fork");
	ASSERT_LE(0, child_write(&c, r.addr, NPAGES));
	expect_counts(_metadata, r.addr, NPAGES, 1, "after the child's COW");
	child_stop(&c);
	region_unmap(&r);
}

#define NMAPS 3

TEST(count_shared_mapped_n_times)
{
	struct region r = { .fd = -1 };
	char *extra[NMAPS - 1];

	REQUIRE_PFNS();
	BUILD(memfd_build(&r, NPAGES, MAP_SHARED, FILE_WRITTEN));
	for (int i = 0; i < NMAPS - 1; i++) {
		extra[i] = mmap(NULL, r.len, PROT_READ, MAP_SHARED | MAP_POPULATE, r.fd, 0);
		ASSERT_NE(MAP_FAILED, extra[i]);
	}
	/* Oracle: the same PFNs behind every mapping. */
	for (size_t p = 0; p < NPAGES; p++)
		EXPECT_EQ(pfn_of(r.addr + p * page_size()), pfn_of(extra[0] + p * page_size()));
	expect_counts(_metadata, r.addr, NPAGES, NMAPS, "memfd mapped N times");
	for (int i = 0; i < NMAPS - 1; i++)
		munmap(extra[i], r.len);
	expect_counts(_metadata, r.addr, NPAGES, 1, "mapped once again");
	region_unmap(&r);
}

TEST(count_thp_partial_unmap_in_child)
{
	struct region r = { .fd = -1 };
	size_t pmd = thp_pmd_pages(), half;
	long long split0;
	struct child c;

	REQUIRE_PFNS();
	REQUIRE(pmd, "THP not available");
	BUILD(thp_pmd_build(&r, 1));
	half = pmd / 2;
	BUILD(child_start(&c));
	expect_counts(_metadata, r.addr, pmd, 2, "THP after fork");
	split0 = vmstat_get("thp_split_page");
	ASSERT_LE(0, child_munmap(&c, r.addr + half * page_size(), half * page_size()));
	/* The folio stays whole (the parent still maps it by PMD): vmstat,
	 * not pagemap PFNs, is the proof. */
	BUILD(thp_not_split_since(split0));
	expect_counts(_metadata, r.addr, half, 2, "first half: parent PMD + child PTEs");
	expect_counts(_metadata, r.addr + half * page_size(), half, 1, "second half: parent only");
	child_stop(&c);
	region_unmap(&r);
}

/*
 * memory_failure() unmaps the poisoned page from every process (here: ours,
 * its only mapper) and keeps the page off the allocator for good: nothing
 * maps that PFN again, so its mapcount is 0.
 */
TEST(count_hwpoison)
{
	struct region r = { .fd = -1 };
	uint64_t pfn = 0, n = ~0ULL;

	REQUIRE_PFNS();
	BUILD(hwpoison_build(&r, &pfn));
	ASSERT_NE(0ULL, (unsigned long long)pfn);
	ASSERT_EQ(0, kpage_get(KPAGECOUNT, pfn, &n));
	EXPECT_EQ(0ULL, (unsigned long long)n)
		TH_LOG("kpagecount of the poisoned PFN 0x%llx: its only mapping is the hwpoison entry",
		       (unsigned long long)pfn);
	region_unmap(&r);
}

/* ---- kpagecgroup ---- */

/* In the child: map + write fresh pages (charged at fault time to the
 * child's memcg) and return their pagemap entries through c->shm. */
static int child_fault(struct child *c, void *addr, size_t npages)
{
	struct region r;

	(void)addr;
	if (anon_build(&r, npages, ANON_WRITTEN))
		return -1;
	if (pagemap_self(r.addr, npages, c->shm))
		return -1;
	return 0;	/* the mapping stays for the child's lifetime */
}

/* A fresh memcg with a child of ours in it: NULL, or why not (nothing
 * left behind then). */
static const char *child_in_fresh_memcg(struct memcg *m, struct child *c)
{
	const char *why = memcg_create(m);

	if (why)
		return why;
	why = child_start(c);
	if (!why)
		why = memcg_enter(m, c->pid, false);
	if (why) {
		if (c->pid > 0)
			child_stop(c);
		memcg_destroy(m);
	}
	return why;
}

static void expect_cgroup(struct __test_metadata *_metadata, struct child *c,
			  size_t n, uint64_t ino, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t cg = 0;

		ASSERT_TRUE(!!(c->shm[i] & PM_PRESENT));
		ASSERT_EQ(0, kpage_get(KPAGECGROUP, pm_pfn(c->shm[i]), &cg));
		EXPECT_EQ((unsigned long long)ino, (unsigned long long)cg) {
			TH_LOG("%s: page %zu", what, i);
		}
	}
}

TEST(cgroup_fresh_and_root)
{
	struct memcg m;
	struct child c;

	REQUIRE_PFNS();
	REQUIRE(pmc_exists("/proc/kpagecgroup"), "CONFIG_MEMCG off");
	BUILD(child_in_fresh_memcg(&m, &c));
	ASSERT_EQ(0, child_call(&c, child_fault, NULL, NPAGES));
	expect_cgroup(_metadata, &c, NPAGES, m.ino, "fresh memcg");
	/* The root memcg: pages faulted after moving there. */
	ASSERT_EQ(NULL, memcg_enter(&m, c.pid, true));
	ASSERT_EQ(0, child_call(&c, child_fault, NULL, NPAGES));
	expect_cgroup(_metadata, &c, NPAGES, m.root_ino, "root memcg");
	child_stop(&c);
	memcg_destroy(&m);
}

/*
 * Page tables are charged to the memcg of the process they map
 * (GFP_PGTABLE_USER has __GFP_ACCOUNT): a PGTABLE page's kpagecgroup is
 * that memcg's inode, from the kmem charge in its memcg_data.
 * The child, moved into a fresh memcg, faults one page in each of nt
 * PMD-sized ranges (no THP: one new PTE table each). Independent oracle:
 * the memcg's memory.stat "pagetables". Every PGTABLE PFN that reads our
 * inode is counted: exactly pagetables / page size of them (cgroup v2),
 * and at least the nt PTE tables. Reading memory.stat folds in the per-CPU
 * counters only once more updates than MEMCG_CHARGE_BATCH (64) per online
 * CPU are pending: nt and the child's updates after its tables are sized
 * so that they are (child_tables()). cgroup v1 counts kernel memory as a
 * whole (memory.kmem.usage_in_bytes, a page counter): at least nt tables'
 * worth, and an upper bound of the PGTABLE pages that read our inode.
 */
static int child_tables(struct child *c, void *addr, size_t nt)
{
	size_t pmd = pmd_size();
	char *base = mmap(NULL, (nt + 1) * pmd, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *p;

	(void)c;
	(void)addr;
	if (base == MAP_FAILED)
		return -1;
	p = (char *)(((uintptr_t)base + pmd - 1) & ~(uintptr_t)(pmd - 1));
	if (madvise(p, nt * pmd, MADV_NOHUGEPAGE) && errno != EINVAL)
		return -1;
	for (size_t i = 0; i < nt; i++)
		p[i * pmd] = 1;
	/* Then other counters move, inside the first table: memory.stat's
	 * reader flushes once a threshold of updates is pending, and any
	 * flush after the last table has its count; so either the periodic
	 * flush ran meanwhile, or these updates make the reader's flush. */
	for (size_t i = 0; i < 2 * nt; i++) {
		p[page_size()] = 1;
		if (madvise(p + page_size(), page_size(), MADV_DONTNEED))
			return -1;
	}
	return 0;	/* the mapping stays for the child's lifetime */
}

/* PGTABLE PFNs looked at: 8 GiB of page tables, far more than a test
 * machine has (malloc'd, touched only as far as found). */
#define PGTABLE_MAX ((size_t)1 << 21)

/* A number from a file of the cgroup: "pagetables" of memory.stat (v2), or
 * the whole of a one-number file (key NULL); -1 when absent. */
static long long memcg_number(const struct memcg *m, const char *file, const char *key)
{
	char path[PATH_MAX + 32], buf[8192], *l;
	size_t k = key ? strlen(key) : 0;

	snprintf(path, sizeof(path), "%s/%s", m->dir, file);
	if (pmc_read_file(path, buf, sizeof(buf)))
		return -1;
	if (!key)
		return strtoll(buf, NULL, 10);
	for (l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, k) && l[k] == ' ')
			return strtoll(l + k + 1, NULL, 10);
	return -1;
}

TEST(cgroup_pgtable)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = (size_t)(cpus > 0 ? cpus : 1) * 128 + 256, mine = 0, ps = page_size();
	uint64_t *pfns;
	size_t npfn;
	long long tables, kmem = -1;
	struct memcg m;
	struct child c;
	uint64_t cg;

	REQUIRE_PFNS();
	REQUIRE(pmc_exists("/proc/kpagecgroup"), "CONFIG_MEMCG off");
	if (nt > 32768)
		nt = 32768;
	BUILD(child_in_fresh_memcg(&m, &c));
	ASSERT_EQ(0, child_call(&c, child_tables, NULL, nt));
	/* The oracle: v2 counts the memcg's page tables; v1 only its kernel
	 * memory as a whole, which they are part of. */
	tables = m.v2 ? memcg_number(&m, "memory.stat", "pagetables") : -1;
	if (!m.v2)
		kmem = memcg_number(&m, "memory.kmem.usage_in_bytes", NULL);
	if (tables == 0 || (!m.v2 && kmem >= 0 && kmem < (long long)(nt * ps))) {
		child_stop(&c);
		memcg_destroy(&m);
		/* cgroup.memory=nokmem, or no kmem accounting in this kernel. */
		SKIP(return, "page tables are not charged to memory cgroups");
	}
	if (tables < 0 && kmem < 0) {
		child_stop(&c);
		memcg_destroy(&m);
		SKIP(return, "the memory cgroup reports neither pagetables nor kernel memory");
	}
	pfns = malloc(PGTABLE_MAX * sizeof(*pfns));
	ASSERT_NE(NULL, pfns);
	/* All of kpageflags, read now that the tables exist; the searches of
	 * cgroup_zero below reuse the read. */
	npfn = kpage_find_fresh(KPF_PGTABLE, KPF_PGTABLE, pfns, PGTABLE_MAX);
	ASSERT_LT(npfn, PGTABLE_MAX) TH_LOG("more PGTABLE pages than the %zu looked at", PGTABLE_MAX);
	for (size_t i = 0; i < npfn; i++) {
		uint64_t f;

		ASSERT_EQ(0, kpage_get(KPAGECGROUP, pfns[i], &cg));
		if (cg != m.ino)
			continue;
		/* Read again: a table freed meanwhile is no longer ours. */
		ASSERT_EQ(0, kpage_get(KPAGEFLAGS, pfns[i], &f));
		mine += !!(f & KPF_PGTABLE);
	}
	pmc_info("%zu PTE tables built; %zu of %zu PGTABLE pages read the memcg's inode; "
		 "memory.stat pagetables %lld kB, kmem usage %lld kB", nt, mine, npfn,
		 tables < 0 ? -1 : tables >> 10, kmem < 0 ? -1 : kmem >> 10);
	if (tables > 0)
		PMC_EXPECT(mine == (size_t)tables / ps,
			   "PGTABLE pages reading the memcg's inode: %zu; memory.stat pagetables: "
			   "%lld pages", mine, tables / (long long)ps);
	if (kmem >= 0)
		PMC_EXPECT(mine <= (size_t)kmem / ps,
			   "PGTABLE pages reading the memcg's inode: %zu; the memcg's kernel memory: "
			   "%lld pages", mine, kmem / (long long)ps);
	PMC_EXPECT(mine >= nt, "PGTABLE pages reading the memcg's inode: %zu; PTE tables built: %zu",
		   mine, nt);
	free(pfns);
	child_stop(&c);
	memcg_destroy(&m);
}

#define NFIND 64

/* Pages no memcg owns: up to NFIND PFNs of the kind found by the all-PFN
 * walk; each one still of that kind after kpagecgroup was read reads 0. */
FIXTURE(cgroup_zero) {
	uint64_t pfns[NFIND];
	size_t n;
};

FIXTURE_VARIANT(cgroup_zero) {
	uint64_t bit;
	const char *absent;
	const char *meminfo;	/* /proc/meminfo's count of such pages, if any */
};

FIXTURE_VARIANT_ADD(cgroup_zero, slab) { KPF_SLAB, "no slab page found by the PFN walk", "Slab" };
FIXTURE_VARIANT_ADD(cgroup_zero, nopage) {
	KPF_NOPAGE, "no PFN without a page (memory hole) below the end of the highest zone", NULL };

FIXTURE_SETUP(cgroup_zero)
{
	long kb;

	REQUIRE_PFNS();
	REQUIRE(pmc_exists("/proc/kpagecgroup"), "CONFIG_MEMCG off");
	self->n = kpage_find(variant->bit, variant->bit, self->pfns, NFIND);
	if (self->n)
		return;
	/* None found while the allocator counts a megabyte of them: the
	 * pages exist and kpageflags misses them, a FAIL (as kpf_typed's). */
	kb = variant->meminfo ? meminfo_kb(variant->meminfo) : -1;
	if (kb >= 1024) {
		PMC_FAIL_CHECK("/proc/meminfo %s: %ld kB, yet no PFN has the flag", variant->meminfo, kb);
		return;
	}
	SKIP(return, "%s", variant->absent);
}

FIXTURE_TEARDOWN(cgroup_zero)
{
}

TEST_F(cgroup_zero, kpagecgroup)
{
	uint64_t cg, f;
	size_t checked = 0;

	for (size_t i = 0; i < self->n; i++) {
		ASSERT_EQ(0, kpage_get(KPAGECGROUP, self->pfns[i], &cg));
		ASSERT_EQ(0, kpage_get(KPAGEFLAGS, self->pfns[i], &f));
		if (!(f & variant->bit))
			continue;	/* freed and reused meanwhile */
		checked++;
		EXPECT_EQ(0ULL, (unsigned long long)cg) {
			TH_LOG("pfn 0x%llx: kpagecgroup %llu", (unsigned long long)self->pfns[i],
			       (unsigned long long)cg);
		}
	}
	ASSERT_LT((size_t)0, checked) TH_LOG("every page found changed under the walk");
}

/* ---- file rules ---- */

FIXTURE(kpage_file) {
	enum kpage_file f;
};

FIXTURE_VARIANT(kpage_file) {
	enum kpage_file f;
};
FIXTURE_VARIANT_ADD(kpage_file, kpageflags) { .f = KPAGEFLAGS };
FIXTURE_VARIANT_ADD(kpage_file, kpagecount) { .f = KPAGECOUNT };
FIXTURE_VARIANT_ADD(kpage_file, kpagecgroup) { .f = KPAGECGROUP };

/* No root needed here: mode and refusal are checked from both sides;
 * the tests that read the files require root themselves. */
FIXTURE_SETUP(kpage_file)
{
	if (variant->f == KPAGECGROUP)
		REQUIRE(pmc_exists("/proc/kpagecgroup"), "CONFIG_MEMCG off");
}

FIXTURE_TEARDOWN(kpage_file)
{
}

TEST_F(kpage_file, mode_root_only)
{
	struct stat st;

	ASSERT_EQ(0, stat(kpage_path(variant->f), &st));
	EXPECT_EQ(0400u, st.st_mode & 07777);
	EXPECT_EQ(0u, st.st_uid);
}

static int open_as_nobody(void *arg)
{
	int fd = open(kpage_path(*(enum kpage_file *)arg), O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == EACCES ? 1 : 2;
}

TEST_F(kpage_file, open_unprivileged_eacces)
{
	enum kpage_file f = variant->f;

	/* Root checks through uid 65534; anyone else is that reader already. */
	if (pmc_is_root()) {
		EXPECT_EQ(1, pmc_run_as_uid(65534, open_as_nobody, &f));
	} else {
		EXPECT_EQ(1, open_as_nobody(&f));
	}
}

TEST_F(kpage_file, unaligned_einval)
{
	uint64_t buf[2];
	int fd;

	REQUIRE_ROOT();
	fd = open(kpage_path(variant->f), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, pread(fd, buf, 8, 4));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pread(fd, buf, 7, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pread(fd, buf, 12, 8));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/* Memory hotplug block size in pages (a multiple of the sparsemem section
 * the kpage files are rounded up to), 0 when not exported. */
static uint64_t memory_block_pages(void)
{
	char buf[64];

	if (pmc_read_file("/sys/devices/system/memory/block_size_bytes", buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 16) / page_size();
}

/*
 * Where the files end, from an independent source: /proc/zoneinfo's highest
 * zone end (zmax). Every PFN below it has an entry; the kernel rounds the
 * end up to a sparsemem section (get_max_dump_pfn()), which is at most a
 * memory block: nothing at or beyond zmax rounded up to a block. (Bisecting
 * the file for its end and reading there again would prove nothing.)
 */
TEST_F(kpage_file, end_and_large_reads)
{
	uint64_t zmax, blk, hi, v, *buf;
	size_t big = 1 << 17;
	ssize_t n;

	REQUIRE_ROOT();
	zmax = zoneinfo_max_pfn();
	ASSERT_LT(0ULL, (unsigned long long)zmax);
	blk = memory_block_pages();
	hi = blk ? (zmax + blk - 1) / blk * blk : zmax + (UINT64_C(1) << 30);
	/* the straddling read below (only with a block size) needs up to the
	 * block boundary; without one, hi is merely far beyond the end */
	buf = calloc(blk && hi - zmax + 4 > big ? hi - zmax + 4 : big, sizeof(uint64_t));
	ASSERT_NE(NULL, buf);

	EXPECT_EQ(1, kpage_read(variant->f, zmax - 1, &v, 1));
	EXPECT_EQ(0, kpage_read(variant->f, hi, &v, 1));
	EXPECT_EQ(0, kpage_read(variant->f, hi + 12345, &v, 1));
	if (blk) {
		/* A read straddling the end is cut there: at least the last
		 * zone page, at most up to the block boundary. */
		n = kpage_read(variant->f, zmax - 1, buf, hi - zmax + 4);
		PMC_EXPECT(n >= 1 && (uint64_t)n <= hi - zmax + 1,
			   "read of %llu entries from the last zone PFN 0x%llx returned %zd",
			   (unsigned long long)(hi - zmax + 4), (unsigned long long)(zmax - 1), n);
	}
	/* One large read returns every entry asked for: 128K entries, or all
	 * there are (a 2 GiB arm64 guest with 64K pages has 49152 PFNs). */
	if (big > zmax)
		big = (size_t)zmax;
	EXPECT_EQ((ssize_t)big, kpage_read(variant->f, 0, buf, big));
	free(buf);
}

PMC_MAIN
