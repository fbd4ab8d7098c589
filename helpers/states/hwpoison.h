/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A poisoned page (MADV_HWPOISON): memory_failure() unmaps the page and
 * puts a hwpoison entry (a swap-format pte carrying the PFN) in its place;
 * the page is lost for good, hence PMC_DESTRUCTIVE=1 (the VM runner) only.
 */
#ifndef PMC_HWPOISON_H
#define PMC_HWPOISON_H

#include <stdint.h>

#include "state.h"

/*
 * One private anon page, written, then poisoned with MADV_HWPOISON; *pfn
 * (may be NULL) gets the PFN it had, read before the poison (0 when PFNs
 * are hidden). Not allowed (PMC_DESTRUCTIVE unset), CONFIG_MEMORY_FAILURE
 * off, or MADV_HWPOISON refused: SKIP. A SIGBUS the kernel sends during the
 * madvise (6.x kills the caller at once, MF_ACTION_REQUIRED) is caught.
 * Proof: by behaviour, not pagemap, kpage* or PAGEMAP_SCAN: a read of the
 * page afterwards must raise SIGBUS with si_code BUS_MCEERR_AR at the
 * page's address (the fault met the hwpoison entry: do_swap_page() ->
 * VM_FAULT_HWPOISON); no signal, or another code or address, is
 * state_broken.
 */
const char *hwpoison_build(struct region *r, uint64_t *pfn);

#endif
