/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transparent huge pages: PMD-mapped, PTE-mapped and multi-size (mTHP).
 *
 * Every builder proves what it built with a source other than pagemap:
 *  - PMD-mapped: smaps "AnonHugePages" (or "ShmemPmdMapped"/"FilePmdMapped")
 *    covers the range, and the PFNs are contiguous from a PMD-aligned PFN;
 *  - PTE-mapped: smaps shows no PMD mapping while /proc/kpageflags still
 *    shows one compound THP (head, then tails) behind the range;
 *  - mTHP: each folio's PFNs are contiguous and size-aligned and kpageflags
 *    shows head + tails of a THP.
 * PFNs and kpageflags need CAP_SYS_ADMIN: without it the builders SKIP.
 */
#ifndef PMC_THP_H
#define PMC_THP_H

#include <stdbool.h>
#include <stddef.h>

#include "state.h"

/* PMD size in base pages (from hpage_pmd_size), 0 when THP is unavailable. */
size_t thp_pmd_pages(void);

/*
 * One "Key:" field of /proc/self/smaps, in kB, summed over the VMAs that
 * intersect [addr, addr+len). -errno when smaps cannot be read.
 */
long smaps_kb(const void *addr, size_t len, const char *key);

/* The PFNs of npages pages from addr are contiguous, and the first is a
 * multiple of npages (npages a power of two). */
bool pfns_contiguous_aligned(const void *addr, size_t npages);

/* kpageflags say the npages PFNs from the one behind addr form exactly one
 * compound THP: COMPOUND_HEAD|THP on the first, COMPOUND_TAIL|THP on the
 * others, and the next PFN is no tail of it. Only addr must be mapped. */
bool pfns_one_thp(const void *addr, size_t npages);

/*
 * PMD-mapped anonymous THP: nr_pmd PMD-sized, PMD-aligned folios,
 * MADV_HUGEPAGE, every page written, then MADV_COLLAPSE. Proven by smaps
 * AnonHugePages == whole range (not by pagemap or kpageflags: those are
 * under test; PFN contiguity and alignment are the tests' oracle).
 */
const char *thp_pmd_build(struct region *r, size_t nr_pmd);
/* Proof for one PMD range of any mapping: 'smaps_key' is AnonHugePages,
 * ShmemPmdMapped or FilePmdMapped. */
const char *thp_prove_pmd(const void *addr, const char *smaps_key);

/*
 * PTE-mapped THP: one PMD THP built as above, then its PMD mapping split
 * while the folio stays whole:
 *  THP_SPLIT_MPROTECT: the first page becomes PROT_READ (all pages mapped);
 *  THP_SPLIT_MUNMAP:   the second half is unmapped (r describes the first
 *                      half only afterwards).
 */
enum thp_split { THP_SPLIT_MPROTECT, THP_SPLIT_MUNMAP };
const char *thp_pte_build(struct region *r, enum thp_split how);

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
 * MADV_HUGEPAGE region smaller than a PMD, written. Proven per folio by PFN
 * contiguity + alignment and kpageflags head/tails of a THP.
 */
const char *mthp_build(struct region *r, size_t kb, size_t nfolios);

#endif
