// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap of non-present entries that carry a PFN: hwpoison and migration
 * entries. The kernel encodes them in swap format: bit 62 set, bit 63 clear,
 * bits 0-4 an internal swap type (no swap area: don't care), bits 5-54 the
 * PFN of the page (for a privileged reader; 0 otherwise); the page is
 * anonymous (61 clear) and not mapped (56 clear); 57 clear (no uffd-wp).
 *
 *  - nonpresent.hwpoison: a written anon page poisoned by MADV_HWPOISON (in
 *    a child, which reads its entry from the SIGBUS handler when the
 *    kernel signals it): its entry is the hwpoison entry, offset =
 *    the PFN it had (read before, the oracle). PMC_DESTRUCTIVE=1 only.
 *  - nonpresent.migration_pte / migration_pmd: one thread migrates 512
 *    written base pages / one PMD-mapped THP between two NUMA nodes with
 *    move_pages(2) (the oracle: its per-page status says where each page
 *    went), while the test reads the range's pagemap over and over. Every
 *    read must show, on all pages, either a present page or a migration
 *    entry whose offset is a PFN (THP: consecutive over the 512 entries,
 *    starting at a PMD-aligned PFN), nothing else; a PAGEMAP_SCAN of the
 *    range in between (where the kernel has it) reports every page either
 *    PRESENT or SWAPPED (a migration entry), never both, never neither,
 *    and FILE on none.
 *  - nonpresent.migration_pmd_wp: the THP registered for async uffd-wp;
 *    before each read, UFFDIO_WRITEPROTECT off then a WP_MATCHING scan
 *    protects it again, whether it meets the PMD or its migration entry:
 *    every entry (present or migration) then reads bit 57.
 *    Catching an entry is a
 *    race the test runs until it won once (bounded: 400 migrations); never
 *    catching one is a SKIP (needs two CPUs running at once).
 * Requirements: root + CAP_SYS_ADMIN (PFNs); hwpoison: CONFIG_MEMORY_FAILURE;
 * migration: two online NUMA nodes; THP for the PMD case.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "pm_common.h"
#include "scan.h"
#include "uffd.h"
#include "state.h"
#include "thp.h"

#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE (1 << 1)
#endif

/* The non-present entry of an anon page that carries its PFN. */
static struct pm_expect pm_pfn_swap_entry(void)
{
	struct pm_expect x = pm_base();

	x.set |= PM_SWAP;
	x.clear |= PM_PRESENT | PM_FILE | PM_MMAP_EXCLUSIVE;
	x.low = PM_LOW_ANY;
	x.low_why = "internal swap type; the offset (the PFN) is checked apart";
	return x;
}

static off_t hw_off;		/* the page's offset in pagemap */
static uint64_t *hw_out;

/* After the poison (SIGBUS handler or plain return): the page's entry into
 * hw_out[1] (pread: async-signal-safe, does not touch the page), then exit. */
static void poisoned(int sig)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);

	(void)sig;
	if (fd < 0 || pread(fd, &hw_out[1], 8, hw_off) != 8)
		hw_out[3] = 1;
	_exit(0);
}

TEST(hwpoison)
{
	struct pm_expect x = pm_pfn_swap_entry();
	uint64_t *shared;
	int status;
	pid_t pid;

	REQUIRE_PFNS();
	REQUIRE(pmc_destructive_allowed(), "destructive tests not allowed");
	REQUIRE(pmc_kconfig("CONFIG_MEMORY_FAILURE") == 'y', "CONFIG_MEMORY_FAILURE off");
	shared = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	/* [0] PFN before, [1] entry after, [2] 1 = madvise refused, [3] 1 = read failed */
	memset(shared, 0, 4 * sizeof(*shared));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct region r = { .fd = -1 };
		struct sigaction sa = { .sa_handler = poisoned };

		if (anon_build(&r, 1, ANON_WRITTEN))
			_exit(3);
		shared[0] = pfn_of(r.addr);
		hw_off = (off_t)((uintptr_t)r.addr / page_size()) * 8;
		hw_out = shared;
		/* 6.12 signals the caller at once (MF_ACTION_REQUIRED): read
		 * the entry from the handler; older kernels just return */
		sigaction(SIGBUS, &sa, NULL);
		if (madvise(r.addr, page_size(), MADV_HWPOISON)) {
			shared[2] = 1;
			_exit(0);
		}
		poisoned(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status 0x%x", status);
	ASSERT_NE(0ULL, (unsigned long long)shared[0]);
	REQUIRE(!shared[2], "MADV_HWPOISON refused");
	ASSERT_EQ(0ULL, (unsigned long long)shared[3]);
	EXPECT_PM(&x, shared[1], "poisoned page (PFN was 0x%llx)", (unsigned long long)shared[0]);
	EXPECT_EQ((unsigned long long)shared[0], (unsigned long long)pm_swap_offset(shared[1]))
		TH_LOG("hwpoison entry offset must be the page's PFN");
	munmap(shared, page_size());
}

/* ---- migration ---- */
static int online_nodes(int *first, int *second)
{
	char buf[256];
	int a, b, n;

	if (pmc_read_file("/sys/devices/system/node/online", buf, sizeof(buf)) < 0)
		return 0;
	/* "0-1", "0,2", "0" */
	n = sscanf(buf, "%d%*[-,]%d", &a, &b);
	if (n < 2)
		return 1;
	*first = a;
	*second = b;
	return 2;
}

struct migrator {
	char *addr;
	size_t npages;		/* pages moved per call (1 for the THP: its head) */
	int nodes[2];
	atomic_int stop;
	atomic_long moves;
	long failed;		/* status < 0 seen (errno) */
};

static void *migrate_loop(void *p)
{
	struct migrator *m = p;
	void **pages = calloc(m->npages, sizeof(void *));
	int *node = calloc(m->npages, sizeof(int)), *status = calloc(m->npages, sizeof(int));

	if (!pages || !node || !status) {
		m->failed = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < m->npages; i++)
		pages[i] = m->addr + i * page_size();
	for (long k = 0; !atomic_load(&m->stop) && k < 400; k++) {
		for (size_t i = 0; i < m->npages; i++)
			node[i] = m->nodes[k & 1];
		if (syscall(SYS_move_pages, 0, m->npages, pages, node, status, MPOL_MF_MOVE) < 0) {
			m->failed = errno;
			break;
		}
		/* the oracle: every page is where it was sent */
		for (size_t i = 0; i < m->npages; i++)
			if (status[i] != node[i]) {
				m->failed = status[i] < 0 ? -status[i] : EXDEV;
				break;
			}
		if (m->failed)
			break;
		atomic_fetch_add(&m->moves, 1);
	}
	free(pages);
	free(node);
	free(status);
	return NULL;
}

/* One unfiltered scan of [addr, addr + n pages): PRESENT xor SWAPPED on
 * every page, FILE on none. */
static void scan_check(struct __test_metadata *_metadata, const char *addr, size_t n,
		       uint64_t *cats)
{
	char why[256];
	int r = scan_pages(addr, n, PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_FILE, cats,
			   why, sizeof(why));

	PMC_EXPECT(r == 0, "scan: %d %s", r, r == -EPROTO ? why : "");
	for (size_t i = 0; !r && i < n; i++) {
		uint64_t c = cats[i] & (PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_FILE);

		PMC_EXPECT(c == PAGE_IS_PRESENT || c == PAGE_IS_SWAPPED,
			   "scan page %zu categories 0x%llx", i, (unsigned long long)cats[i]);
	}
}

FIXTURE(nonpresent) {
	struct region r;
	struct uffd u;
	int fd;
};

FIXTURE_VARIANT(nonpresent) {
	bool thp;
	bool wp;	/* uffd-wp registered; each read follows a WP_MATCHING scan */
};

FIXTURE_VARIANT_ADD(nonpresent, migration_pte) { .thp = false };
FIXTURE_VARIANT_ADD(nonpresent, migration_pmd) { .thp = true };
FIXTURE_VARIANT_ADD(nonpresent, migration_pmd_wp) { .thp = true, .wp = true };

FIXTURE_SETUP(nonpresent)
{
	self->r.fd = -1;
	self->u.fd = -1;
	self->fd = -1;
	REQUIRE_PFNS();
	if (variant->thp)
		BUILD(thp_pmd_build(&self->r, 1));
	else
		BUILD(anon_build(&self->r, 512, ANON_WRITTEN));
	if (variant->wp) {
		SCAN_REQUIRE();
		BUILD(uffd_open(&self->u, UFFD_ASYNC_FEATURES));
		BUILD(uffd_register_wp(&self->u, self->r.addr, self->r.len));
		self->fd = pagemap_open(0);
		ASSERT_LE(0, self->fd);
	}
}

FIXTURE_TEARDOWN(nonpresent)
{
	if (self->fd >= 0)
		close(self->fd);
	uffd_close(&self->u);
	region_unmap(&self->r);
}

TEST_F(nonpresent, entries_during_migration)
{
	struct migrator m = { .addr = self->r.addr, .npages = variant->thp ? 1 : self->r.npages };
	size_t n = self->r.npages;
	uint64_t *e = calloc(n, 8);
	long reads = 0, caught = 0;
	struct pm_expect present = pm_present(false, true, 0), migr = pm_pfn_swap_entry();
	bool have_scan = pmc_have_pagemap_scan() == 1;
	uint64_t *cats = calloc(n, 8);
	pthread_t t;

	ASSERT_NE(NULL, e);
	ASSERT_NE(NULL, cats);
	if (variant->wp) {
		present.set |= PM_UFFD_WP;
		present.clear &= ~PM_UFFD_WP;
		migr.set |= PM_UFFD_WP;
		migr.clear &= ~PM_UFFD_WP;
	}
	REQUIRE(online_nodes(&m.nodes[0], &m.nodes[1]) == 2, "needs two NUMA nodes");
	ASSERT_EQ(0, pthread_create(&t, NULL, migrate_loop, &m));
	/* read until the migrator is done, or one entry was caught and a
	 * few more moves went by */
	while (atomic_load(&m.moves) < 400 && !m.failed) {
		bool any = false;

		if (variant->wp) {
			/* unprotect, then protect everything through the scan: it
			 * meets a present PMD or a migration entry, and either way
			 * every entry must read bit 57 afterwards (migration keeps it) */
			ASSERT_EQ(0, uffd_writeprotect(&self->u, self->r.addr, self->r.len, false));
			ASSERT_LE(0, scan(self->fd, self->r.addr, self->r.addr + self->r.len,
					  &(struct scan_query){ .flags = PM_SCAN_WP_MATCHING,
							.category_mask = PAGE_IS_WRITTEN,
							.return_mask = PAGE_IS_WRITTEN }, NULL, 0, NULL));
		}
		ASSERT_EQ(0, pagemap_self(self->r.addr, n, e));
		reads++;
		for (size_t i = 0; i < n; i++) {
			if (e[i] & PM_PRESENT) {
				EXPECT_PM(&present, e[i], "page %zu (read %ld)", i, reads);
				continue;
			}
			any = true;
			EXPECT_PM(&migr, e[i], "page %zu (read %ld)", i, reads);
			PMC_EXPECT(pm_swap_offset(e[i]) != 0, "page %zu migration entry without PFN", i);
			if (variant->thp)
				PMC_EXPECT(pm_swap_offset(e[i]) == pm_swap_offset(e[0]) + i &&
					   pm_swap_offset(e[0]) % n == 0,
					   "PMD migration entry page %zu offset 0x%llx, page 0 0x%llx", i,
					   (unsigned long long)pm_swap_offset(e[i]),
					   (unsigned long long)pm_swap_offset(e[0]));
		}
		if (variant->thp && any)
			/* one PMD entry: all 512 or none */
			for (size_t i = 0; i < n; i++)
				PMC_EXPECT(!(e[i] & PM_PRESENT), "page %zu present beside a PMD migration entry", i);
		caught += any;
		if (have_scan)
			scan_check(_metadata, self->r.addr, n, cats);
		if (caught && atomic_load(&m.moves) >= 8)
			break;
	}
	atomic_store(&m.stop, 1);
	pthread_join(t, NULL);
	free(e);
	free(cats);
	ASSERT_EQ(0, m.failed) TH_LOG("move_pages: %s", strerror((int)m.failed));
	ksft_print_msg("info: %ld reads, %ld with migration entries, %ld moves\n", reads, caught,
		       atomic_load(&m.moves));
	if (variant->thp)
		EXPECT_EQ(NULL, thp_prove_pmd(self->r.addr, "AnonHugePages"))
			TH_LOG("the THP was split, not migrated whole");
	REQUIRE(caught, "no migration entry caught while migrating");
}

PMC_MAIN
