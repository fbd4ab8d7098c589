// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "entry.h"
#include "readers.h"
#include "uffd.h"

const char *uffd_open(struct uffd *u, uint64_t features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd;

	u->fd = -1;
	u->features = 0;
	/* USER_MODE_ONLY first: works with vm.unprivileged_userfaultfd=0 for
	 * non-root too; older kernels reject the flag, then retry without. */
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOSYS ? "userfaultfd not available" : "userfaultfd refused";
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return "userfaultfd features not offered";
	}
	if ((api.features & features) != features) {
		close(fd);
		return "userfaultfd features not offered";
	}
	u->fd = fd;
	u->features = api.features;
	return NULL;
}

void uffd_close(struct uffd *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
}

const char *uffd_register_wp(struct uffd *u, void *addr, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};

	if (ioctl(u->fd, UFFDIO_REGISTER, &reg))
		return "userfaultfd WP registration refused";
	return NULL;
}

int uffd_unregister(struct uffd *u, void *addr, size_t len)
{
	struct uffdio_range range = { .start = (uintptr_t)addr, .len = len };

	return ioctl(u->fd, UFFDIO_UNREGISTER, &range) ? -errno : 0;
}

int uffd_writeprotect(struct uffd *u, void *addr, size_t len, bool protect)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	return ioctl(u->fd, UFFDIO_WRITEPROTECT, &wp) ? -errno : 0;
}

long uffd_wp_count(const void *addr, size_t npages)
{
	uint64_t *e = calloc(npages ? npages : 1, sizeof(*e));
	long n = 0;
	int r;

	if (!e)
		return -ENOMEM;
	r = pagemap_self(addr, npages, e);
	if (r) {
		free(e);
		return r < 0 ? r : -EIO;
	}
	for (size_t i = 0; i < npages; i++)
		n += !!(e[i] & PM_UFFD_WP);
	free(e);
	return n;
}

static const char *arm_and_prove(struct uffd *u, struct region *r, bool all_pages)
{
	uint64_t *e;
	const char *why = NULL;

	why = uffd_register_wp(u, r->addr, r->len);
	if (why)
		return why;
	if (uffd_writeprotect(u, r->addr, r->len, true))
		return "userfaultfd write-protect refused";
	e = region_pagemap(r);
	if (!e)
		return "pagemap read failed";
	for (size_t i = 0; i < r->npages && !why; i++) {
		bool mapped = e[i] & (PM_PRESENT | PM_SWAP);

		if ((all_pages || mapped) && !(e[i] & PM_UFFD_WP))
			why = "userfaultfd write-protect not visible in pagemap";
	}
	free(e);
	return why;
}

const char *uffd_async_track(struct uffd *u, struct region *r, bool shmem_or_hugetlb)
{
	uint64_t f = shmem_or_hugetlb ? UFFD_ASYNC_ALL_FEATURES : UFFD_ASYNC_FEATURES;
	const char *why = uffd_open(u, f);

	if (why)
		return why;
	why = arm_and_prove(u, r, true);
	if (why)
		uffd_close(u);
	return why;
}

const char *uffd_sync_wp(struct uffd *u, struct region *r, uint64_t features,
			 bool shmem_or_hugetlb)
{
	const char *why;

	if (shmem_or_hugetlb)
		features |= UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
	why = uffd_open(u, features);
	if (why)
		return why;
	why = arm_and_prove(u, r, features & UFFD_FEATURE_WP_UNPOPULATED);
	if (why)
		uffd_close(u);
	return why;
}
