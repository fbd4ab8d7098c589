// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fork.h"
#include "mlock.h"
#include "thp.h"

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

const char *mlock_build(struct region *r, size_t npages, enum mlock_how how, size_t written)
{
	const char *why = anon_build(r, npages, ANON_UNTOUCHED);
	size_t locked;
	long kb;
	int rc;

	if (why)
		return why;
	switch (how) {
	case LOCK_POPULATE:
		rc = mlock(r->addr, r->len);
		break;
	case LOCK_ONFAULT:
		rc = mlock2(r->addr, r->len, MLOCK_ONFAULT);
		break;
	case LOCKALL_ONFAULT:
	default:
		rc = mlockall(MCL_CURRENT | MCL_ONFAULT);
		break;
	}
	if (rc)
		return errno == EINVAL ? "lock on fault not supported" : "mlock refused";
	for (size_t i = 0; i < written && i < npages; i++)
		r->addr[i * page_size()] = (char)(i + 1);
	locked = how == LOCK_POPULATE ? npages : written;
	kb = smaps_kb(r->addr, r->len, "Locked");
	if (kb < 0)
		return "smaps unreadable";
	/* Oracle: smaps Locked (not pagemap/kpageflags MLOCKED, under test). */
	if ((size_t)kb != locked * page_size() / 1024)
		return state_broken("mlock accepted on %p (%zu pages, %zu touched) but smaps Locked "
				    "is %ld kB, want %zu kB", (void *)r->addr, npages, written, kb,
				    locked * page_size() / 1024);
	return NULL;
}

void mlock_teardown(struct region *r, enum mlock_how how)
{
	if (how == LOCKALL_ONFAULT)
		munlockall();
	else if (r->addr)
		munlock(r->addr, r->len);
	region_unmap(r);
}

static int child_locked_kb(struct child *c, void *addr, size_t len)
{
	long kb = smaps_kb(addr, len, "Locked");

	(void)c;
	return kb < 0 ? 1 << 30 : (int)kb;
}

const char *mlock_fork_build(struct region *r, struct child *c, size_t npages)
{
	const char *why = mlock_build(r, npages, LOCK_POPULATE, npages);
	int ckb;

	if (why)
		return why;
	why = child_start(c);
	if (why)
		return why;
	ckb = child_call(c, child_locked_kb, r->addr, r->len);
	if (ckb != 0)
		return state_broken("forked child of an mlock()ed range at %p: smaps Locked %d kB, "
				    "want 0 (VM_LOCKED is not inherited)", (void *)r->addr, ckb);
	return NULL;
}
