// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "readers.h"

ssize_t pmc_read_u64s(int fd, uint64_t first, uint64_t *out, size_t n)
{
	size_t want = n * sizeof(uint64_t), got = 0;
	off_t off = (off_t)(first * sizeof(uint64_t));

	while (got < want) {
		ssize_t r = pread(fd, (char *)out + got, want - got, off + (off_t)got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	/* The kernel only ever returns whole entries; a torn entry would be a
	 * kernel bug the caller must see, so it is reported, not rounded. */
	if (got % sizeof(uint64_t))
		return -EIO;
	return (ssize_t)(got / sizeof(uint64_t));
}

int pagemap_open(pid_t pid)
{
	char path[64];
	int fd;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/pagemap");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int pagemap_read(int fd, const void *addr, size_t npages, uint64_t *out)
{
	ssize_t r = pmc_read_u64s(fd, (uintptr_t)addr / PMC_PAGE_SIZE, out, npages);

	if (r < 0)
		return (int)r;
	return (size_t)r == npages ? 0 : -ENODATA;
}

int pagemap_self(const void *addr, size_t npages, uint64_t *out)
{
	int fd = pagemap_open(0), r;

	if (fd < 0)
		return fd;
	r = pagemap_read(fd, addr, npages, out);
	close(fd);
	return r;
}

const char *kpage_path(enum kpage_file f)
{
	switch (f) {
	case KPAGEFLAGS:
		return "/proc/kpageflags";
	case KPAGECOUNT:
		return "/proc/kpagecount";
	case KPAGECGROUP:
	default:
		return "/proc/kpagecgroup";
	}
}

ssize_t kpage_read(enum kpage_file f, uint64_t pfn, uint64_t *out, size_t n)
{
	int fd = open(kpage_path(f), O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = pmc_read_u64s(fd, pfn, out, n);
	close(fd);
	return r;
}

int kpage_get(enum kpage_file f, uint64_t pfn, uint64_t *out)
{
	ssize_t r = kpage_read(f, pfn, out, 1);

	if (r < 0)
		return (int)r;
	return r == 1 ? 0 : -ENODATA;
}
