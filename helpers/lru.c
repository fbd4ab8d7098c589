// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "entry.h"
#include "lru.h"
#include "readers.h"

/* glibc has no wrapper without libnuma; this is not a proc-file access. */
static long sys_move_pages(int pid, unsigned long count, void **pages,
			   const int *nodes, int *status, int flags)
{
	return syscall(SYS_move_pages, pid, count, pages, nodes, status, flags);
}

const char *lru_drain_all(void *page)
{
	int node = -1, status = -1;

	/* nodes == NULL: only ask where the page is (no drain there). */
	if (sys_move_pages(0, 1, &page, NULL, &node, 0))
		return "move_pages unavailable";
	if (node < 0)
		return "page not present";
	if (sys_move_pages(0, 1, &page, &node, &status, 0))
		return "move_pages unavailable";
	if (status != node)
		return "page moved unexpectedly";
	return NULL;
}

const char *lru_settle(struct region *r)
{
	const char *why = lru_drain_all(r->addr);
	uint64_t e[r->npages];

	if (why)
		return why;
	if (pagemap_self(r->addr, r->npages, e))
		return "pagemap unreadable";
	for (size_t i = 0; i < r->npages; i++) {
		uint64_t f;

		if (!(e[i] & PM_PRESENT) || kpage_get(KPAGEFLAGS, pm_pfn(e[i]), &f))
			return "page not present";
		if (!(f & KF_LRU))
			return "page still outside the LRU after drain";
	}
	return NULL;
}
