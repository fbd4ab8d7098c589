// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap of mlocked anonymous memory.
 *
 * pagemap has no "locked" bit: locking must not change any entry, and lock
 * on fault must not populate.
 *
 * Proves, for every page of the state (smaps "Locked" proves the lock):
 *  - mlock(): every page present (mlock populates), exclusive, anon, PFNs
 *    distinct;
 *  - mlock2(MLOCK_ONFAULT) and mlockall(MCL_CURRENT | MCL_ONFAULT) with the
 *    first pages written: those present and exclusive, the untouched ones
 *    still all zero (not present).
 * Requirements: mlock allowed (root or RLIMIT_MEMLOCK), else SKIP.
 */
#include <sys/mman.h>

#include "pm_common.h"
#include "mlock.h"

#define NPAGES 16
#define WRITTEN 5

FIXTURE(locked) {
	struct region r;
};

FIXTURE_VARIANT(locked) {
	enum mlock_how how;
};

FIXTURE_VARIANT_ADD(locked, populate) { LOCK_POPULATE };
FIXTURE_VARIANT_ADD(locked, onfault) { LOCK_ONFAULT };
FIXTURE_VARIANT_ADD(locked, mlockall_onfault) { LOCKALL_ONFAULT };

FIXTURE_SETUP(locked)
{
	self->r.fd = -1;
	self->r.map_base = NULL;
	BUILD(mlock_build(&self->r, NPAGES, variant->how, WRITTEN));
}

FIXTURE_TEARDOWN(locked)
{
	mlock_teardown(&self->r, variant->how);
}

TEST_F(locked, entry)
{
	uint64_t e[NPAGES];
	struct pm_expect present = pm_present(false, true, 0), none = pm_none();

	ASSERT_EQ(0, pagemap_self(self->r.addr, NPAGES, e));
	for (size_t i = 0; i < NPAGES; i++) {
		bool in = variant->how == LOCK_POPULATE || i < WRITTEN;

		EXPECT_PM(in ? &present : &none, e[i], "page %zu", i);
	}
	for (size_t i = 1; i < NPAGES && present.privileged; i++)
		if (e[i] & e[i - 1] & PM_PRESENT)
			EXPECT_NE(pm_pfn(e[i - 1]), pm_pfn(e[i]));
}

PMC_MAIN
