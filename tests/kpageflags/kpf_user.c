// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kpageflags and /proc/kpagecount of the pages behind ordinary user
 * mappings: private anon, shared anon, memfd (shmem), private and shared
 * file mappings, mlocked and munlocked anon, lazily freed anon (MADV_FREE),
 * private anon shared with a forked child (before copy on write).
 *
 * For every variant:
 *  1. build the state (helpers: state, file), then drain every CPU's LRU
 *     batches (lru_settle: move_pages to the same node) so PG_lru is set
 *     deterministically (KPF_LRU is then asserted, not assumed);
 *  2. look up each page's PFN in pagemap and assert the WHOLE KPF word
 *     (bits 0-26 each set/clear/don't-care-with-reason, 27-31 zero):
 *     anon: ANON SWAPBACKED MMAP UPTODATE LRU; shmem: SWAPBACKED without
 *     ANON; page cache: MMAP UPTODATE without ANON/SWAPBACKED; lazyfree
 *     anon: ANON without SWAPBACKED (the only such page); KSM, THP,
 *     typed bits and the rest clear everywhere;
 *  3. kpagecount is 1 on every page (mapped once), 2 on the pages a forked
 *     child maps too;
 *  4. page cache: DIRTY after a write through the mapping, clear after
 *     fsync; mlock: UNEVICTABLE set, and clear again after munlock;
 *  5. page cache aging: REFERENCED after one read(), ACTIVE (REFERENCED
 *     clear) after a second read through another open file.
 * Requirements: root and CAP_SYS_ADMIN (PFNs, kpage files).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pmc_test.h"
#include "file.h"
#include "fork.h"
#include "lru.h"
#include "pagetype.h"
#include "state.h"
#include "thp.h"

#define NPAGES 16

enum user_state {
	S_ANON_PRIVATE, S_ANON_SHARED, S_MEMFD, S_FILE_SHARED, S_FILE_PRIVATE_READ,
	S_FILE_PRIVATE_COW, S_MLOCKED, S_MUNLOCKED, S_ANON_LAZYFREE,
};

/* Page-cache use history: folio_mark_accessed() sets PG_referenced on the
 * first use and activates on the second. The builders fill a file with
 * write() and map it: shmem's write path marks the folio accessed once
 * (shmem_get_folio(SGP_WRITE)): a memfd page is REFERENCED, not ACTIVE; a
 * disk file's write path and the mapping's faults do not (the fault sets the
 * PTE young bit, not the folio's flag): REFERENCED and ACTIVE clear. On the
 * classic LRU; kpf_lru_age_rule() for MGLRU. */

FIXTURE(kpf_user) {
	struct region r;
	struct child c;
};

FIXTURE_VARIANT(kpf_user) {
	enum user_state state;
	uint64_t set;		/* required set; everything else documented is clear ... */
	uint64_t any;		/* ... except these */
	const char *why;
	bool fork;		/* then fork a child that maps the pages too */
};

#define ANON_BITS (KPF_ANON | KPF_SWAPBACKED | KPF_MMAP | KPF_UPTODATE | KPF_LRU)
#define SHMEM_BITS (KPF_SWAPBACKED | KPF_MMAP | KPF_UPTODATE | KPF_LRU)
#define CACHE_BITS (KPF_MMAP | KPF_UPTODATE | KPF_LRU)

/* Anon dirtiness lives in the PTE: PG_dirty is set only when the PTE is torn
 * down (unmap, reclaim), never while the page is mapped like this. */
FIXTURE_VARIANT_ADD(kpf_user, anon_private) {
	.state = S_ANON_PRIVATE, .set = ANON_BITS };
/* Shared anon and memfd are shmem: swap-backed, not anon; a written shmem
 * folio is dirty (nothing to write it back to but swap). */
FIXTURE_VARIANT_ADD(kpf_user, anon_shared) {
	.state = S_ANON_SHARED, .set = SHMEM_BITS | KPF_DIRTY };
FIXTURE_VARIANT_ADD(kpf_user, memfd) {
	.state = S_MEMFD, .set = SHMEM_BITS | KPF_DIRTY | KPF_REFERENCED };
/* Shared file mapping, fsynced: clean page cache. */
FIXTURE_VARIANT_ADD(kpf_user, file_shared) {
	.state = S_FILE_SHARED, .set = CACHE_BITS };
FIXTURE_VARIANT_ADD(kpf_user, file_private_read) {
	.state = S_FILE_PRIVATE_READ, .set = CACHE_BITS };
/* Written private file mapping: the pages are the anon COW copies. */
FIXTURE_VARIANT_ADD(kpf_user, file_private_cow) {
	.state = S_FILE_PRIVATE_COW, .set = ANON_BITS };
/* mlock() populates through GUP with FOLL_TOUCH: folio_mark_accessed() sets
 * PG_referenced; PG_dirty stays clear as for any mapped anon page. munlock()
 * moves the folio back to the LRU and keeps PG_referenced. */
FIXTURE_VARIANT_ADD(kpf_user, mlocked) {
	.state = S_MLOCKED, .set = ANON_BITS | KPF_UNEVICTABLE | KPF_REFERENCED };
FIXTURE_VARIANT_ADD(kpf_user, munlocked) {
	.state = S_MUNLOCKED, .set = ANON_BITS | KPF_REFERENCED };
/* fork() maps the same folios in the child (copy_present_pte() write-
 * protects both PTEs and clears PG_anon_exclusive, which kpageflags does
 * not export): the folio flags of anon_private; kpagecount 2. */
FIXTURE_VARIANT_ADD(kpf_user, anon_forked) {
	.state = S_ANON_PRIVATE, .set = ANON_BITS, .fork = true };
/* MADV_FREE of written private anon: madvise_free_pte_range() cleans the
 * PTEs and the folio (PG_dirty), folio_mark_lazyfree() then clears
 * PG_swapbacked, PG_active and PG_referenced and moves the folio to the
 * inactive file LRU (lru_lazyfree): still mapped, anon, on the LRU, but no
 * longer swap-backed. Until reclaim takes it (no memory pressure here). */
FIXTURE_VARIANT_ADD(kpf_user, anon_lazyfree) {
	.state = S_ANON_LAZYFREE, .set = KPF_ANON | KPF_MMAP | KPF_UPTODATE | KPF_LRU };

/*
 * Build state s on NPAGES pages.
 * Proof: the helpers' own (anon_build, anon_shared_build: none, the access
 * pattern; file_build, memfd_build: smaps Rss); for the mlock states smaps
 * Locked covers the range after mlock() and reads 0 after munlock() (not
 * KPF_UNEVICTABLE/MLOCKED, which the cases assert): else state_broken.
 */
static const char *build(struct region *r, enum user_state s)
{
	const char *why = NULL;

	switch (s) {
	case S_ANON_PRIVATE:
		return anon_build(r, NPAGES, ANON_WRITTEN);
	case S_ANON_SHARED:
		return anon_shared_build(r, NPAGES);
	case S_MEMFD:
		return memfd_build(r, NPAGES, MAP_SHARED, FILE_READ);
	case S_FILE_SHARED:
		why = file_build(r, NPAGES, MAP_SHARED, FILE_READ);
		if (!why && fsync(r->fd))
			why = "fsync failed";
		return why;
	case S_FILE_PRIVATE_READ:
		why = file_build(r, NPAGES, MAP_PRIVATE, FILE_READ);
		if (!why && fsync(r->fd))
			why = "fsync failed";
		return why;
	case S_FILE_PRIVATE_COW:
		return file_build(r, NPAGES, MAP_PRIVATE, FILE_WRITTEN);
	case S_MLOCKED:
	case S_MUNLOCKED:
		why = anon_build(r, NPAGES, ANON_WRITTEN);
		if (!why && mlock(r->addr, r->len))
			why = "mlock refused";
		if (!why && s == S_MUNLOCKED && munlock(r->addr, r->len))
			why = "munlock refused";
		if (!why) {
			long want = s == S_MLOCKED ? (long)(r->len / 1024) : 0;
			long kb = smaps_kb(r->addr, r->len, "Locked");

			if (kb != want)
				why = state_broken("%s accepted on %p: smaps Locked %ld kB, want %ld kB",
						   s == S_MLOCKED ? "mlock" : "munlock",
						   (void *)r->addr, kb, want);
		}
		return why;
	case S_ANON_LAZYFREE:
		return anon_lazyfree_build(r, NPAGES);
	}
	return "unknown state";
}

FIXTURE_SETUP(kpf_user)
{
	self->r.fd = -1;
	REQUIRE_PFNS();
	self->c.pid = -1;
	BUILD(build(&self->r, variant->state));
	BUILD(lru_settle(&self->r));
	if (variant->fork)
		BUILD(child_start(&self->c));	/* proof: the child answers (fork.h) */
}

FIXTURE_TEARDOWN(kpf_user)
{
	if (self->c.pid > 0)
		child_stop(&self->c);
	region_unmap(&self->r);
}

static struct kpf_expect expect_of(const FIXTURE_VARIANT(kpf_user) *v)
{
	struct kpf_expect x = {
		.set = v->set, .any = v->any, .any_why = v->why,
	};

	x.clear = KPF_CHECKED & ~x.set & ~x.any;
	kpf_idle_rule(&x);
	kpf_anon_ksm_rule(&x);
	kpf_lru_age_rule(&x);
	return x;
}

TEST_F(kpf_user, kpf)
{
	struct kpage p[NPAGES];
	struct kpf_expect x = expect_of(variant);

	ASSERT_EQ(0, kpage_of(self->r.addr, NPAGES, p));
	for (size_t i = 0; i < NPAGES; i++) {
		ASSERT_NE(0ULL, (unsigned long long)p[i].pfn);
		EXPECT_KPF(&x, p[i].flags, "page %zu pfn 0x%llx", i, (unsigned long long)p[i].pfn);
	}
}

TEST_F(kpf_user, count)
{
	struct kpage p[NPAGES];

	ASSERT_EQ(0, kpage_of(self->r.addr, NPAGES, p));
	for (size_t i = 0; i < NPAGES; i++) {
		EXPECT_EQ(variant->fork ? 2ULL : 1ULL, (unsigned long long)p[i].count) {
			TH_LOG("page %zu", i);
		}
	}
}

/* Page cache: DIRTY follows writes through a shared mapping and writeback. */
TEST(kpf_cache_dirty_then_fsync)
{
	/* Writes through the mapping dirty the PTE (and, on writeback, the
	 * folio): they never mark it accessed. */
	FIXTURE_VARIANT(kpf_user) v = { .state = S_FILE_SHARED, .set = CACHE_BITS };
	struct kpf_expect x = expect_of(&v);
	struct kpage p[NPAGES];
	struct region r = { .fd = -1 };

	REQUIRE_PFNS();
	BUILD(build(&r, S_FILE_SHARED));
	BUILD(lru_settle(&r));
	ASSERT_EQ(0, kpage_of(r.addr, NPAGES, p));
	for (size_t i = 0; i < NPAGES; i++)
		EXPECT_KPF(&x, p[i].flags, "clean page %zu", i);
	region_write(&r);
	x.set |= KPF_DIRTY;
	x.clear &= ~KPF_DIRTY;
	ASSERT_EQ(0, kpage_of(r.addr, NPAGES, p));
	for (size_t i = 0; i < NPAGES; i++)
		EXPECT_KPF(&x, p[i].flags, "written page %zu", i);
	/* fsync waits for writeback: clean and not under writeback after it. */
	ASSERT_EQ(0, fsync(r.fd));
	x = expect_of(&v);
	ASSERT_EQ(0, kpage_of(r.addr, NPAGES, p));
	for (size_t i = 0; i < NPAGES; i++)
		EXPECT_KPF(&x, p[i].flags, "fsynced page %zu", i);
	region_unmap(&r);
}

/*
 * Page-cache aging, provoked deterministically (classic LRU): a page read
 * through read() is folio_mark_accessed() once -> REFERENCED, not ACTIVE;
 * read again through a second open file (fresh readahead state, so the
 * "same folio as the last read" shortcut does not apply) -> activated:
 * ACTIVE, REFERENCED cleared (after the LRU batches drain). Mapping the page
 * to learn its PFN sets the pte young bit, not the page flags.
 * MGLRU ages by generations instead: SKIP there.
 */
TEST(kpf_cache_referenced_then_active)
{
	struct kpf_expect x = { .set = CACHE_BITS | KPF_REFERENCED };
	size_t ps = page_size();
	struct kpage p;
	char buf[64], *map;
	int fd, fd2;

	REQUIRE_PFNS();
	REQUIRE(!mglru_enabled(), "MGLRU ages pages by generations");
	fd = file_scratch(1);
	REQUIRE(fd >= 0, "no disk filesystem for a scratch file");
	/* Out of the page cache (clean, unmapped), then one read. */
	ASSERT_EQ(0, fsync(fd));
	ASSERT_EQ(0, posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
	ASSERT_EQ(1, pread(fd, buf, 1, 0));
	map = mmap(NULL, ps, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	(void)*(volatile char *)map;
	ASSERT_EQ(NULL, lru_drain_all(map));
	ASSERT_EQ(0, kpage_of(map, 1, &p));
	x.clear = KPF_CHECKED & ~x.set;
	kpf_idle_rule(&x);
	EXPECT_KPF(&x, p.flags, "page cache read once");
	/* The second access, through another open file. */
	/* A new open file description of the same (unlinked) file. */
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd);
	fd2 = open(buf, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(1, pread(fd2, buf, 1, 0));
	ASSERT_EQ(NULL, lru_drain_all(map));
	ASSERT_EQ(0, kpage_of(map, 1, &p));
	x.set = (x.set & ~KPF_REFERENCED) | KPF_ACTIVE;
	x.clear = KPF_CHECKED & ~x.set & ~x.any;
	EXPECT_KPF(&x, p.flags, "page cache read twice");
	munmap(map, ps);
	close(fd2);
	close(fd);
}

PMC_MAIN
