/* SPDX-License-Identifier: GPL-2.0 */
/*
 * File-backed states: private and shared mappings of a scratch file on a
 * disk filesystem, memfd (shmem), and a private tmpfs mount with
 * huge=always for PMD-mapped file THPs.
 *
 * The scratch file is created with O_TMPFILE (or unlinked at once), so a
 * killed test leaves nothing behind; the tmpfs mount is journaled
 * (J_MOUNT) and undone by tmpfs_huge_umount() or the journal.
 */
#ifndef PMC_FILE_H
#define PMC_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "state.h"

enum file_touch {
	FILE_UNTOUCHED,	/* mapped, never accessed (page cache holds the data) */
	FILE_READ,	/* every page read through the mapping */
	FILE_WRITTEN,	/* every page written through the mapping */
};

/*
 * A scratch file of npages pages whose data was written with write(), so
 * the page cache holds every page. On a disk filesystem (not tmpfs):
 * $PMC_SCRATCH_DIR, /var/tmp, /tmp. Returns the fd or -errno.
 */
int file_scratch(size_t npages);

/* mmap(map_flags = MAP_PRIVATE or MAP_SHARED) of a fresh scratch file,
 * touched as asked (MADV_NOHUGEPAGE: base pages).
 * Proof: after a read or write of every page, smaps Rss of the range is the
 * whole range (short: state_broken); not pagemap PRESENT/FILE, which the
 * tests assert. Untouched: nothing to prove (the page cache was filled by
 * write(), the mapping is empty). */
const char *file_build(struct region *r, size_t npages, int map_flags, enum file_touch t);
/* Same with a memfd (shmem) whose pages were written with write().
 * Proof: as file_build (smaps Rss). */
const char *memfd_build(struct region *r, size_t npages, int map_flags, enum file_touch t);

/* ---- tmpfs huge=always ---- */
struct tmpfs_mount {
	char dir[PATH_MAX];
	bool mounted;
};
/* Mount a private tmpfs with huge=always under the state directory. */
const char *tmpfs_huge_mount(struct tmpfs_mount *m);
void tmpfs_huge_umount(struct tmpfs_mount *m);
/*
 * A file of nr_pmd PMD sizes in that mount, mapped MAP_SHARED at a
 * PMD-aligned address and written.
 * Proof: smaps ShmemPmdMapped covers the whole range (short:
 * state_broken, unless vmstat thp_file_fallback moved: SKIP). PFN
 * contiguity and pagemap/kpageflags are the tests' assertions, not read
 * here.
 */
const char *tmpfs_huge_build(struct region *r, struct tmpfs_mount *m, size_t nr_pmd);

#endif
