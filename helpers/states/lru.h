/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Getting folios out of the per-CPU LRU batches, deterministically.
 *
 * A folio just faulted in sits in the faulting CPU's lru_add batch: PG_lru
 * is not set yet (and KPF_LRU reads 0) until that batch is drained, which
 * happens "eventually". Sleeping is no answer. lru_drain_all() forces the
 * drain of every CPU's batches: move_pages(2) of one page to the node it is
 * already on. do_pages_move() starts with lru_cache_disable(), which drains
 * all CPUs synchronously (__lru_add_drain_all(true)), and a page already on
 * its target node is not migrated, so nothing else changes.
 *
 * lru_settle() checks the region is resident (mincore) and drains. It does
 * not look at KPF_LRU: that is what the tests assert (a page still off the
 * LRU after the drain is a FAIL, not a state that could not be built).
 */
#ifndef PMC_LRU_H
#define PMC_LRU_H

#include "state.h"

/* NULL or a static reason ("move_pages unavailable"). 'page' is any
 * present page of the caller. */
const char *lru_drain_all(void *page);
/* Every page of r resident (mincore), then drain all CPUs' batches.
 * Proof: mincore says every page is resident (a page that is not: SKIP);
 * KPF_LRU itself is never read here (see above). */
const char *lru_settle(struct region *r);
/*
 * Lazyfree anon: npages written private anon, settled on the LRU first
 * (folio_mark_lazyfree() moves only folios already on it), then MADV_FREE
 * and settled again. MADV_FREE refused: a static reason.
 * Proof: smaps LazyFree (anon, not swap-backed, clean) covers the whole
 * range, not kpageflags or pagemap; accepted but LazyFree short:
 * state_broken.
 */
const char *anon_lazyfree_build(struct region *r, size_t npages);

#endif
