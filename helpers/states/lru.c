// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "entry.h"
#include "lru.h"
#include "readers.h"
#include "thp.h"

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
	size_t n = r->npages;
	unsigned char vec[n];
	const char *why;

	/* Resident by mincore (not pagemap: the interface under test). */
	if (mincore(r->addr, r->len, vec))
		return "mincore refused";
	for (size_t i = 0; i < n; i++)
		if (!(vec[i] & 1))
			return "page not present";
	why = lru_drain_all(r->addr);
	return why;
}

const char *anon_lazyfree_build(struct region *r, size_t npages)
{
	const char *why = anon_build(r, npages, ANON_WRITTEN);
	long kb;

	if (!why)
		why = lru_settle(r);
	if (why)
		return why;
	if (madvise(r->addr, r->len, MADV_FREE))
		return "MADV_FREE refused";
	why = lru_settle(r);
	if (why)
		return why;
	kb = smaps_kb(r->addr, r->len, "LazyFree");
	if (kb < 0)
		return "smaps unreadable";
	if ((size_t)kb * 1024 != r->len)
		return state_broken("MADV_FREE accepted on %p (%zu kB written) but smaps LazyFree is %ld kB",
				    r->addr, r->len / 1024, kb);
	return NULL;
}
