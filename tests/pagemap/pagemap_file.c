// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap of file-backed memory: a scratch file on a disk filesystem,
 * memfd (shmem), and a PMD-mapped file THP on a tmpfs huge=always mount.
 *
 * Proves, for every page of the state:
 *  - mapped, never accessed: all zero, although the page cache holds every
 *    page (pagemap describes page tables, not the page cache);
 *  - read through a private or shared mapping: present, bit 61 (file) set,
 *    exclusive (mapped once: kpagecount 1 is the oracle);
 *  - written through a shared mapping: the same, the page cache page;
 *  - written through a private mapping: a COW copy: present, bit 61 CLEAR,
 *    exclusive, and its PFN differs from the page cache page's PFN (seen
 *    through a second, shared mapping of the same file);
 *  - tmpfs huge=always, MAP_SHARED, PMD-mapped (smaps ShmemPmdMapped + PFN
 *    contiguity and alignment prove it): every entry of the PMD present, file,
 *    exclusive, PFN = first PFN + index (fix 3f9f022e975d: before 6.11 a
 *    PMD-mapped file THP lacked bit 61).
 * Requirements: a disk filesystem for the scratch file (else SKIP); root
 * for the tmpfs mount.
 */
#include <sys/mman.h>

#include "pm_common.h"
#include "file.h"
#include "thp.h"

#define NPAGES 16

enum backing { DISK, MEMFD };

FIXTURE(file) {
	struct region r;
};

FIXTURE_VARIANT(file) {
	enum backing backing;
	int flags;		/* MAP_PRIVATE or MAP_SHARED */
	enum file_touch touch;
};

FIXTURE_VARIANT_ADD(file, private_untouched) { DISK, MAP_PRIVATE, FILE_UNTOUCHED };
FIXTURE_VARIANT_ADD(file, private_read) { DISK, MAP_PRIVATE, FILE_READ };
FIXTURE_VARIANT_ADD(file, private_written) { DISK, MAP_PRIVATE, FILE_WRITTEN };
FIXTURE_VARIANT_ADD(file, shared_untouched) { DISK, MAP_SHARED, FILE_UNTOUCHED };
FIXTURE_VARIANT_ADD(file, shared_read) { DISK, MAP_SHARED, FILE_READ };
FIXTURE_VARIANT_ADD(file, shared_written) { DISK, MAP_SHARED, FILE_WRITTEN };
FIXTURE_VARIANT_ADD(file, memfd_shared_untouched) { MEMFD, MAP_SHARED, FILE_UNTOUCHED };
FIXTURE_VARIANT_ADD(file, memfd_shared_read) { MEMFD, MAP_SHARED, FILE_READ };
FIXTURE_VARIANT_ADD(file, memfd_shared_written) { MEMFD, MAP_SHARED, FILE_WRITTEN };
FIXTURE_VARIANT_ADD(file, memfd_private_read) { MEMFD, MAP_PRIVATE, FILE_READ };
FIXTURE_VARIANT_ADD(file, memfd_private_written) { MEMFD, MAP_PRIVATE, FILE_WRITTEN };

FIXTURE_SETUP(file)
{
	if (variant->backing == DISK)
		BUILD(file_build(&self->r, NPAGES, variant->flags, variant->touch));
	else
		BUILD(memfd_build(&self->r, NPAGES, variant->flags, variant->touch));
}

FIXTURE_TEARDOWN(file)
{
	region_unmap(&self->r);
}

TEST_F(file, entry)
{
	bool cow = variant->flags == MAP_PRIVATE && variant->touch == FILE_WRITTEN;
	uint64_t e[NPAGES], c[NPAGES];
	struct pm_expect x;
	char *cache;

	if (variant->touch == FILE_UNTOUCHED)
		x = pm_none();
	else
		x = pm_present(!cow, true, 0);
	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++)
		EXPECT_PM(&x, e[i], "page %zu", i);
	if (!x.privileged || variant->touch == FILE_UNTOUCHED)
		return;
	for (size_t i = 0; i < NPAGES; i++)
		EXPECT_EQ(1, pm_mapcount(e[i]));
	if (!cow)
		return;
	/* Oracle for "COW copy": the page cache page is another page. */
	cache = mmap(NULL, self->r.len, PROT_READ, MAP_SHARED, self->r.fd, 0);
	ASSERT_NE(MAP_FAILED, cache);
	madvise(cache, self->r.len, MADV_POPULATE_READ);
	ASSERT_EQ(0, pagemap_self(cache, NPAGES, c));
	for (size_t i = 0; i < NPAGES; i++) {
		struct pm_expect y = pm_present(true, true, 0);

		EXPECT_PM(&y, c[i], "page cache page %zu", i);
		EXPECT_NE(pm_pfn(c[i]), pm_pfn(e[i]));
	}
	munmap(cache, self->r.len);
}

FIXTURE(tmpfs_huge) {
	struct tmpfs_mount m;
	struct region r;
};

FIXTURE_SETUP(tmpfs_huge)
{
	self->r.fd = -1;
	self->r.map_base = NULL;
	self->m.dir[0] = 0;
	REQUIRE_ROOT();
	REQUIRE(thp_pmd_pages(), "THP not available");
	BUILD(tmpfs_huge_mount(&self->m));
	BUILD(tmpfs_huge_build(&self->r, &self->m, 1));
}

FIXTURE_TEARDOWN(tmpfs_huge)
{
	region_unmap(&self->r);
	tmpfs_huge_umount(&self->m);
}

PMC_TAG("tmpfs_huge.entry", "PMFILE-PMD")
TEST_F(tmpfs_huge, entry)
{
	size_t n = self->r.npages;
	uint64_t e[n];
	struct pm_expect x = pm_present(true, true, 0);

	ASSERT_EQ(0, pagemap_self(self->r.addr, n, e));
	for (size_t i = 0; i < n; i++) {
		x.pfn = x.privileged ? pm_pfn(e[0]) + i : 0;
		EXPECT_PM(&x, e[i], "page %zu", i);
	}
	for (size_t i = 0; i < n && x.privileged; i++)
		EXPECT_EQ(1, pm_mapcount(e[i]));
}

PMC_MAIN
