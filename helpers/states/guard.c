// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "compat.h"
#include "guard.h"
#include "state.h"

bool page_readable_by_kernel(const void *addr)
{
	char buf[1];
	struct iovec local = { .iov_base = buf, .iov_len = 1 };
	struct iovec remote = { .iov_base = (void *)addr, .iov_len = 1 };

	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == 1;
}

const char *guard_install(void *addr, size_t npages)
{
	if (madvise(addr, npages * page_size(), MADV_GUARD_INSTALL))
		return errno == EINVAL ? "guard regions not supported" : "MADV_GUARD_INSTALL failed";
	for (size_t i = 0; i < npages; i++)
		if (page_readable_by_kernel((char *)addr + i * page_size()))
			return state_broken("MADV_GUARD_INSTALL accepted on %p (%zu pages) but "
					    "process_vm_readv still reads page %zu", addr, npages, i);
	return NULL;
}

int guard_remove(void *addr, size_t npages)
{
	return madvise(addr, npages * page_size(), MADV_GUARD_REMOVE) ? -errno : 0;
}
