/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transparent huge pages: PMD-mapped, PTE-mapped and multi-size (mTHP).
 *
 * Every builder proves what it built with a source other than pagemap,
 * kpageflags and PAGEMAP_SCAN (the interfaces under test):
 *  - PMD-mapped: smaps "AnonHugePages" (or "ShmemPmdMapped"/"FilePmdMapped")
 *    covers the range after MADV_COLLAPSE succeeded;
 *  - PTE-mapped: smaps shows no PMD mapping left while /proc/vmstat
 *    thp_split_page did not move (the folio is whole);
 *  - mTHP: the size's stats/anon_fault_alloc grew by the folios (6.10+;
 *    older kernels SKIP: no independent proof).
 * None needs a PFN: they run without CAP_SYS_ADMIN too.
 */
#ifndef PMC_THP_H
#define PMC_THP_H

#include <stdbool.h>
#include <stddef.h>

#include "state.h"

/* Why THP cannot be used here, naming the cause (kernel config, or the
 * enabled knob): the SKIP reason of every THP builder. */
const char *thp_absent_reason(void);
/* A counter of /proc/vmstat, -1 when absent. */
long long vmstat_get(const char *name);
/* PMD size in base pages (from hpage_pmd_size), 0 when THP is unavailable. */
size_t thp_pmd_pages(void);

/*
 * One "Key:" field of /proc/self/smaps, in kB, summed over the VMAs that
 * intersect [addr, addr+len). -errno when smaps cannot be read.
 */
long smaps_kb(const void *addr, size_t len, const char *key);

/*
 * PMD-mapped anonymous THP: nr_pmd PMD-sized, PMD-aligned folios,
 * MADV_HUGEPAGE, every page written, then MADV_COLLAPSE.
 * Proof: smaps AnonHugePages == whole range (not pagemap or kpageflags:
 * those are under test). MADV_COLLAPSE refused: SKIP; accepted but
 * AnonHugePages short: state_broken.
 */
const char *thp_pmd_build(struct region *r, size_t nr_pmd);
/* Proof for one PMD range of any mapping: 'smaps_key' is AnonHugePages,
 * ShmemPmdMapped or FilePmdMapped; NULL, or a reason (SKIP).
 * Proof: smaps 'smaps_key' covers the PMD. */
const char *thp_prove_pmd(const void *addr, const char *smaps_key);

enum thp_split { THP_SPLIT_MPROTECT, THP_SPLIT_MUNMAP };
/*
 * PTE-mapped THP: one PMD THP built as above, then its PMD mapping split
 * while the folio stays whole:
 *  THP_SPLIT_MPROTECT: the first page becomes PROT_READ (all pages mapped);
 *  THP_SPLIT_MUNMAP:   the second half is unmapped (r describes the first
 *                      half only afterwards).
 * Proof: smaps AnonHugePages drops to 0 (no PMD mapping left: else
 * state_broken) while vmstat thp_split_page does not move (the folio is
 * whole: thp_not_split_since); not kpageflags HEAD/TAIL/THP, which
 * kpf_compound asserts, nor pagemap.
 */
const char *thp_pte_build(struct region *r, enum thp_split how);
/* No THP folio was split since vmstat_get("thp_split_page") read split0:
 * the independent proof that a folio stayed whole. NULL or a reason (the
 * counter is global: a split elsewhere makes it unprovable, SKIP). */
const char *thp_not_split_since(long long split0);

/* ---- mTHP: hugepages-<kb>kB/enabled ---- */
struct mthp {
	size_t kb;
	int lock;		/* pmc_lock("thp") fd, -1 when not held */
	char knob[160];
};
/* Is hugepages-<kb>kB offered by this kernel? */
bool mthp_offered(size_t kb);
/* Take the "thp" lock and set hugepages-<kb>kB/enabled to "madvise"
 * through the knob journal. mthp_restore() undoes both. */
const char *mthp_enable(struct mthp *m, size_t kb);
void mthp_restore(struct mthp *m);
/*
 * nfolios anonymous folios of kb each (mthp_enable first): a kb-aligned
 * MADV_HUGEPAGE region smaller than a PMD, written.
 * Proof: the size's stats/anon_fault_alloc grew by nfolios (a fallback
 * counted in anon_fault_fallback: SKIP; no growth otherwise:
 * state_broken); no per-size counter (before 6.10): SKIP, as PFNs and
 * kpageflags are what the tests assert.
 */
const char *mthp_build(struct region *r, size_t kb, size_t nfolios);

#endif
