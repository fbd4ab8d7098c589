// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "compat.h"
#include "file.h"
#include "knobs.h"
#include "probe.h"
#include "thp.h"

#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif

static int fill(int fd, size_t npages)
{
	size_t ps = page_size();
	char buf[ps];

	for (size_t i = 0; i < npages; i++) {
		memset(buf, 'a' + (int)(i % 26), ps);
		if (pwrite(fd, buf, ps, (off_t)(i * ps)) != (ssize_t)ps)
			return -EIO;
	}
	return 0;
}

static int scratch_in(const char *dir)
{
	struct statfs st;
	char path[PATH_MAX];
	int fd;

	if (!dir || statfs(dir, &st) || st.f_type == TMPFS_MAGIC)
		return -ENOENT;
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "%s/pmc-scratch-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

int file_scratch(size_t npages)
{
	const char *dirs[] = { getenv("PMC_SCRATCH_DIR"), "/var/tmp", "/tmp" };
	int fd = -ENOENT;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs) && fd < 0; i++)
		fd = scratch_in(dirs[i]);
	if (fd < 0)
		return fd;
	if (fill(fd, npages)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/* Map fd and touch every page as asked.
 * Proof: smaps Rss covers the range after a read or a write of every page
 * (the VMA's resident set, not pagemap). */
static const char *map_and_touch(struct region *r, int fd, size_t npages, int map_flags,
				 enum file_touch t)
{
	const char *why = region_map(r, npages * page_size(), 0, PROT_READ | PROT_WRITE,
				     map_flags, fd, 0);

	if (why) {
		close(fd);
		r->fd = -1;
		return why;
	}
	/* Base pages only: a file THP would change what every entry means. */
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	if (t == FILE_READ)
		region_read(r);
	else if (t == FILE_WRITTEN)
		region_write(r);
	/* Proof from another source: the VMA's resident set. */
	if (t != FILE_UNTOUCHED) {
		long rss = smaps_kb(r->addr, r->len, "Rss");

		if (rss != (long)(r->len / 1024))
			return state_broken("every page of the file mapping at %p touched, but smaps "
					    "Rss is %ld kB, want %zu kB", (void *)r->addr, rss,
					    r->len / 1024);
	}
	return NULL;
}

const char *file_build(struct region *r, size_t npages, int map_flags, enum file_touch t)
{
	int fd = file_scratch(npages);

	r->fd = -1;
	r->map_base = NULL;
	if (fd < 0)
		return "no disk filesystem for a scratch file";
	return map_and_touch(r, fd, npages, map_flags, t);
}

const char *memfd_build(struct region *r, size_t npages, int map_flags, enum file_touch t)
{
	int fd = memfd_create("pmc-memfd", MFD_CLOEXEC);

	r->fd = -1;
	r->map_base = NULL;
	if (fd < 0)
		return "memfd_create not available";
	if (fill(fd, npages)) {
		close(fd);
		return "memfd write failed";
	}
	return map_and_touch(r, fd, npages, map_flags, t);
}

const char *tmpfs_huge_mount(struct tmpfs_mount *m)
{
	char opts[64];

	m->mounted = false;
	snprintf(m->dir, sizeof(m->dir), "%s", pmc_state_dir());
	mkdir(m->dir, 0755);
	snprintf(m->dir, sizeof(m->dir), "%s/tmpfs-XXXXXX", pmc_state_dir());
	if (!mkdtemp(m->dir)) {
		m->dir[0] = 0;
		return "cannot create a mount point";
	}
	if (journal_add(J_MOUNT, m->dir)) {
		rmdir(m->dir);
		m->dir[0] = 0;
		return "knob journal not writable";
	}
	snprintf(opts, sizeof(opts), "huge=always,size=%zuk,mode=0700",
		 4 * pmc_thp_pmd_size() / 1024);
	if (mount("pmc-tmpfs", m->dir, "tmpfs", MS_NOSUID | MS_NODEV, opts)) {
		int e = errno;

		journal_undo(m->dir);
		m->dir[0] = 0;
		if (!pmc_thp_pmd_size())
			return thp_absent_reason();
		return e == EPERM ? "mounting tmpfs needs CAP_SYS_ADMIN" :
			"tmpfs refuses huge=always (no shmem THP in this kernel)";
	}
	m->mounted = true;
	return NULL;
}

void tmpfs_huge_umount(struct tmpfs_mount *m)
{
	if (m->dir[0])
		journal_undo(m->dir);
	m->dir[0] = 0;
	m->mounted = false;
}

/*
 * Whether a page-cache (tmpfs) folio may be as large as 'bytes'. Page-cache
 * folios stop at MAX_PAGECACHE_ORDER (11 with the default XArray chunk): a
 * PMD of 64K pages (order 13) is out of reach for tmpfs by design. Since
 * 6.11 sysfs says which orders file THPs may take: a hugepages-<N>kB
 * directory has shmem_enabled exactly for those (THP_ORDERS_ALL_FILE_DEFAULT).
 * Without any such knob (older kernels) nothing says no.
 */
static bool file_thp_size_possible(size_t bytes)
{
	char path[128];
	glob_t g;
	bool knobs;

	snprintf(path, sizeof(path), "/sys/kernel/mm/transparent_hugepage/hugepages-%zukB/shmem_enabled",
		 bytes / 1024);
	if (pmc_exists(path))
		return true;
	knobs = glob("/sys/kernel/mm/transparent_hugepage/hugepages-*kB/shmem_enabled", 0, NULL, &g) == 0;
	globfree(&g);
	return !knobs;
}

const char *tmpfs_huge_build(struct region *r, struct tmpfs_mount *m, size_t nr_pmd)
{
	size_t pmd = pmc_thp_pmd_size();
	char path[PATH_MAX + 16];
	long long fb0;
	const char *why;
	long kb;
	int fd;

	r->fd = -1;
	r->map_base = NULL;
	if (!pmd)
		return thp_absent_reason();
	if (!m->mounted)
		return "tmpfs huge=always not mounted";
	if (!file_thp_size_possible(pmd))
		return "no PMD-size page-cache folio with this page size (MAX_PAGECACHE_ORDER)";
	snprintf(path, sizeof(path), "%s/f", m->dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return "cannot create a tmpfs file";
	unlink(path);
	if (ftruncate(fd, (off_t)(nr_pmd * pmd))) {
		close(fd);
		return "tmpfs file too large";
	}
	why = region_map(r, nr_pmd * pmd, pmd, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (why) {
		close(fd);
		r->fd = -1;
		return why;
	}
	fb0 = vmstat_get("thp_file_fallback");
	region_write(r);
	/* smaps is the proof; PFN contiguity is the tests' oracle. A fallback
	 * the kernel counted (no free PMD-sized folio) is not a bug. */
	kb = smaps_kb(r->addr, r->len, "ShmemPmdMapped");
	if (kb != (long)(r->len / 1024)) {
		if (vmstat_get("thp_file_fallback") > fb0)
			return "no free PMD-sized folio for the tmpfs file (thp_file_fallback)";
		return state_broken("tmpfs huge=always file written at %p: smaps ShmemPmdMapped %ld kB, "
				    "want %zu kB", (void *)r->addr, kb, r->len / 1024);
	}
	return NULL;
}
