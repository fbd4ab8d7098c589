/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mlocked memory: mlock() (populates), mlock2(MLOCK_ONFAULT) and
 * mlockall(MCL_CURRENT | MCL_ONFAULT) (lock only what gets faulted).
 */
#ifndef PMC_MLOCK_H
#define PMC_MLOCK_H

#include <stddef.h>

#include "state.h"

enum mlock_how {
	LOCK_POPULATE,		/* mlock(): every page faulted in and locked */
	LOCK_ONFAULT,		/* mlock2(MLOCK_ONFAULT) on the region */
	LOCKALL_ONFAULT,	/* mlockall(MCL_CURRENT | MCL_ONFAULT) */
};

/*
 * npages of private anonymous memory, locked as asked, then pages
 * [0, written) written. The lock call refused: SKIP.
 * Proof: smaps "Locked" of the region equals the resident pages that must
 * be locked (all for LOCK_POPULATE, the written ones otherwise); not
 * kpageflags UNEVICTABLE/MLOCKED or pagemap, which the tests assert.
 * Short: state_broken.
 */
const char *mlock_build(struct region *r, size_t npages, enum mlock_how how, size_t written);
struct child;
/* mlock_build(LOCK_POPULATE, all written), then fork the child c (fork.h).
 * Proof: the parent's smaps Locked covers the range (mlock_build), the
 * child's reads 0 (fork does not inherit VM_LOCKED). Tear down with
 * child_stop() then mlock_teardown(LOCK_POPULATE). */
const char *mlock_fork_build(struct region *r, struct child *c, size_t npages);
/* munlock / munlockall as built, then unmap. */
void mlock_teardown(struct region *r, enum mlock_how how);

#endif
