// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap of non-present entries that carry a PFN: hwpoison and migration
 * entries. The kernel encodes them in swap format: bit 62 set, bit 63 clear,
 * bits 0-4 an internal swap type (no swap area: don't care), bits 5-54 the
 * PFN of the page (for a privileged reader; 0 otherwise); the page is
 * anonymous (61 clear) and not mapped (56 clear); 57 clear (no uffd-wp).
 *
 *  - global.hwpoison: a written anon page poisoned by MADV_HWPOISON
 *    (helpers/hwpoison: a read of it then SIGBUSes with BUS_MCEERR_AR):
 *    its entry is the hwpoison entry, offset = the PFN it had (read
 *    before, the oracle). PMC_DESTRUCTIVE=1 only.
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
 *  - nonpresent.*.scan_during_migration: the same migration, observed by
 *    unfiltered PAGEMAP_SCANs instead of pagemap: every page of every scan
 *    is either the present page (PRESENT) or its migration entry
 *    (SWAPPED, not PRESENT/FILE/PFNZERO), with every category the kernel
 *    knows classified: WRITTEN unless write-protected (wp variant:
 *    WPALLOWED, WRITTEN clear: the entry keeps the pte's uffd-wp bit),
 *    HUGE on the THP's PMD and on its PMD migration entry (all 512 pages).
 *    Catching an entry is a
 *    race the test runs until it won once (bounded: 400 migrations); never
 *    catching one is a SKIP (needs two CPUs running at once).
 * Requirements: root + CAP_SYS_ADMIN (PFNs); hwpoison: CONFIG_MEMORY_FAILURE;
 * migration: two online NUMA nodes; THP for the PMD case; PAGEMAP_SCAN for
 * the scan cases.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "pm_common.h"
#include "hwpoison.h"
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

/* memory_failure() replaced the PTE with a hwpoison entry (proven by
 * hwpoison_build: a read SIGBUSes with BUS_MCEERR_AR), offset = the PFN. */
TEST(hwpoison)
{
	struct pm_expect x = pm_pfn_swap_entry();
	struct region r = { .fd = -1 };
	uint64_t pfn = 0, e;

	REQUIRE_PFNS();
	BUILD(hwpoison_build(&r, &pfn));
	ASSERT_NE(0ULL, (unsigned long long)pfn);
	ASSERT_EQ(0, pagemap_self(r.addr, 1, &e));
	EXPECT_PM(&x, e, "poisoned page (PFN was 0x%llx)", (unsigned long long)pfn);
	EXPECT_EQ((unsigned long long)pfn, (unsigned long long)pm_swap_offset(e))
		TH_LOG("hwpoison entry offset must be the page's PFN");
	region_unmap(&r);
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
	uint64_t known;		/* scan categories of this kernel */
	uint64_t *buf, *cats;	/* pagemap entries, scan categories: a page each */
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
	self->buf = calloc(self->r.npages, 8);
	self->cats = calloc(self->r.npages, 8);
	ASSERT_TRUE(self->buf && self->cats);
}

FIXTURE_TEARDOWN(nonpresent)
{
	if (self->fd >= 0)
		close(self->fd);
	uffd_close(&self->u);
	region_unmap(&self->r);
	free(self->buf);
	free(self->cats);
}

/* What one observation of the range under migration saw. */
struct observed {
	bool caught;		/* a migration entry */
};

/* One look at the range while it migrates: read it through the interface
 * under test, assert every page, say whether a migration entry was seen. */
typedef struct observed (*observe_fn)(struct __test_metadata *_metadata,
				      FIXTURE_DATA(nonpresent) *self,
				      const FIXTURE_VARIANT(nonpresent) *variant, long round);

/*
 * Migrate the range back and forth in a thread (move_pages' per-page status
 * is the oracle that the pages moved) while 'look' observes it, until the
 * migrator is done, or an entry was caught and a few more moves went by
 * (or 10 s did: one move of 512 pages takes seconds under TCG on arm64);
 * 20 s without a catch ends the race too.
 * In the wp variant every look follows UFFDIO_WRITEPROTECT off and a
 * WP_MATCHING scan that protects the range again, whether the scan meets a
 * present PMD or its migration entry (migration keeps the uffd-wp bit).
 * Never catching an entry is a SKIP (a race: needs two CPUs at once).
 */
static void run_migration(struct __test_metadata *_metadata, FIXTURE_DATA(nonpresent) *self,
			  const FIXTURE_VARIANT(nonpresent) *variant, observe_fn look)
{
	struct migrator m = { .addr = self->r.addr, .npages = variant->thp ? 1 : self->r.npages };
	long rounds = 0, caught = 0;
	struct timespec t0, now;
	pthread_t t;

	REQUIRE(online_nodes(&m.nodes[0], &m.nodes[1]) == 2, "needs two NUMA nodes");
	ASSERT_EQ(0, clock_gettime(CLOCK_MONOTONIC, &t0));
	ASSERT_EQ(0, pthread_create(&t, NULL, migrate_loop, &m));
	while (atomic_load(&m.moves) < 400 && !m.failed) {
		if (variant->wp) {
			ASSERT_EQ(0, uffd_writeprotect(&self->u, self->r.addr, self->r.len, false));
			ASSERT_LE(0, scan(self->fd, self->r.addr, self->r.addr + self->r.len,
					  &(struct scan_query){ .flags = PM_SCAN_WP_MATCHING,
							.category_mask = PAGE_IS_WRITTEN,
							.return_mask = PAGE_IS_WRITTEN }, NULL, 0, NULL));
		}
		rounds++;
		caught += look(_metadata, self, variant, rounds).caught;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (caught && (atomic_load(&m.moves) >= 8 || now.tv_sec - t0.tv_sec >= 10))
			break;
		if (now.tv_sec - t0.tv_sec >= 20)
			break;	/* the harness's timeout is 30 s */
	}
	atomic_store(&m.stop, 1);
	pthread_join(t, NULL);
	ASSERT_EQ(0, m.failed) TH_LOG("move_pages: %s", strerror((int)m.failed));
	ksft_print_msg("info: %ld looks, %ld with migration entries, %ld moves\n", rounds, caught,
		       atomic_load(&m.moves));
	if (variant->thp)
		EXPECT_EQ(NULL, thp_prove_pmd(self->r.addr, "AnonHugePages"))
			TH_LOG("the THP was split, not migrated whole");
	REQUIRE(caught, "no migration entry caught while migrating");
}

/* pagemap: present, or a migration entry carrying a PFN (THP: consecutive,
 * from a PMD-aligned PFN, on all 512 entries); then a scan in between. */
static struct observed look_pagemap(struct __test_metadata *_metadata,
				    FIXTURE_DATA(nonpresent) *self,
				    const FIXTURE_VARIANT(nonpresent) *variant, long round)
{
	struct pm_expect present = pm_present(false, true, 0), migr = pm_pfn_swap_entry();
	size_t n = self->r.npages;
	uint64_t *e = self->buf;
	bool any = false;

	if (variant->wp) {
		present.set |= PM_UFFD_WP;
		present.clear &= ~PM_UFFD_WP;
		migr.set |= PM_UFFD_WP;
		migr.clear &= ~PM_UFFD_WP;
	}
	if (pagemap_self(self->r.addr, n, e)) {
		PMC_FAIL_CHECK("pagemap read failed: %s", strerror(errno));
		return (struct observed){ false };
	}
	for (size_t i = 0; i < n; i++) {
		if (e[i] & PM_PRESENT) {
			EXPECT_PM(&present, e[i], "page %zu (read %ld)", i, round);
			continue;
		}
		any = true;
		EXPECT_PM(&migr, e[i], "page %zu (read %ld)", i, round);
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
	if (pmc_have_pagemap_scan() == 1)
		scan_check(_metadata, self->r.addr, n, self->cats);
	return (struct observed){ any };
}

TEST_F(nonpresent, entries_during_migration)
{
	run_migration(_metadata, self, variant, look_pagemap);
}

/*
 * PAGEMAP_SCAN, unfiltered (every category the kernel knows): each page is
 * either the present page or its migration entry, with every category
 * classified. A migration entry is a swap-format pte or PMD
 * (pagemap_page_category() / pagemap_thp_category(): !present -> SWAPPED)
 * whose uffd-wp bit set_pte_at() copied from the PTE it replaced
 * (try_to_migrate_one(): WRITTEN exactly when not write-protected); its
 * folio is the anon one being moved (not FILE); nothing is mapped (not
 * PRESENT, not PFNZERO); a PMD entry stays HUGE (pmd_trans_huge_lock()
 * takes swap PMDs); WPALLOWED comes from the VMA (async uffd-wp).
 */
static struct observed look_scan(struct __test_metadata *_metadata,
				 FIXTURE_DATA(nonpresent) *self,
				 const FIXTURE_VARIANT(nonpresent) *variant, long round)
{
	uint64_t common = (variant->wp ? PAGE_IS_WPALLOWED : PAGE_IS_WRITTEN) |
			  (variant->thp ? PAGE_IS_HUGE : 0);
	struct scan_expect present = { .set = common | PAGE_IS_PRESENT },
			   migr = { .set = common | PAGE_IS_SWAPPED };
	size_t n = self->r.npages;
	char why[512];
	bool any = false;
	int r;

	present.clear = PMC_SCAN_CATEGORIES & ~present.set & ~SCAN_DFLT_SOFT_DIRTY;
	migr.clear = PMC_SCAN_CATEGORIES & ~migr.set & ~SCAN_DFLT_SOFT_DIRTY;
	/* fresh VMAs are VM_SOFTDIRTY where soft-dirty is built in */
	scan_expect_defaults(&present, self->known, pmc_have_soft_dirty());
	scan_expect_defaults(&migr, self->known, pmc_have_soft_dirty());
	r = scan_pages(self->r.addr, n, self->known, self->cats, why, sizeof(why));
	if (r) {
		PMC_FAIL_CHECK("scan %ld: %d %s", round, r, r == -EPROTO ? why : "");
		return (struct observed){ false };
	}
	for (size_t i = 0; i < n; i++) {
		bool p = self->cats[i] & PAGE_IS_PRESENT;

		any |= !p;
		if (!scan_match(p ? &present : &migr, self->cats[i], self->known, why, sizeof(why)))
			PMC_FAIL_CHECK("scan %ld page %zu (%s): %s", round, i,
				       p ? "present" : "migration entry", why);
	}
	if (variant->thp && any)
		/* one PMD entry: all 512 or none */
		for (size_t i = 0; i < n; i++)
			PMC_EXPECT(!(self->cats[i] & PAGE_IS_PRESENT),
				   "scan %ld page %zu present beside a PMD migration entry", round, i);
	return (struct observed){ any };
}

TEST_F(nonpresent, scan_during_migration)
{
	SCAN_REQUIRE();
	self->known = pmc_scan_categories();
	run_migration(_metadata, self, variant, look_scan);
}

PMC_MAIN
