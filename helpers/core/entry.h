/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one decoder of pagemap entries, KPF words and scan categories.
 *
 * The bits themselves are the rows of helpers/core/bits.h, in the kernel's
 * names; this header makes the masks from them (PM_PRESENT, KPF_ANON and
 * KPF_ANON_B, PMC_SCAN_CATEGORIES), the decoder names them, and classify()
 * is the one rule every expectation is matched by.
 *
 * Tests, reports and tools all name bits through this header, and every
 * comparison of a whole entry goes through pm_match()/kpf_match() so that a
 * failure always prints both words decoded bit by bit.
 *
 * An expectation must classify every documented bit as required set,
 * required clear or "don't care" with a reason: an expectation that leaves a
 * documented bit unclassified does not match anything. That is what makes a
 * PASS mean "every documented bit was checked".
 */
#ifndef PMC_ENTRY_H
#define PMC_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bits.h"
#include "compat.h"

/* ---- /proc/PID/pagemap (fs/proc/task_mmu.c): masks, as the kernel's ---- */
#define PM_PFRAME_BITS		55
#define PM_PFRAME_MASK		((UINT64_C(1) << PM_PFRAME_BITS) - 1)
#define PM_SWAP_TYPE_BITS	5	/* MAX_SWAPFILES_SHIFT */
#define PM_SWAP_TYPE_MASK	((UINT64_C(1) << PM_SWAP_TYPE_BITS) - 1)
#define PMC_X_MASK(name, bit, ...)	name = UINT64_C(1) << (bit),
enum pm_flag_mask { PM_FLAGS(PMC_X_MASK) };
#define PMC_X_OR(name, ...)		| name
/* Every flag bit (55..63) and the ones no row names (documented zero). */
#define PM_FLAG_BITS		(~PM_PFRAME_MASK)
#define PM_NAMED		(0 PM_FLAGS(PMC_X_OR))
#define PM_RESERVED		(PM_FLAG_BITS & ~PM_NAMED)
/* The default classification (bits.h, column dflt). */
#define PMC_X_DFLT_CLEAR(name, bit, label, slug, dflt, ...)	| (PMC_DFLT_##dflt == PMC_DFLT_CLEAR ? name : 0)
#define PMC_X_DFLT_SD(name, bit, label, slug, dflt, ...)	| (PMC_DFLT_##dflt == PMC_DFLT_SOFT_DIRTY ? name : 0)
enum pmc_dflt { PMC_DFLT_STATE, PMC_DFLT_CLEAR, PMC_DFLT_SOFT_DIRTY };
#define PM_DFLT_CLEAR		(PM_RESERVED PM_FLAGS(PMC_X_DFLT_CLEAR))
#define PM_DFLT_SOFT_DIRTY	(0 PM_FLAGS(PMC_X_DFLT_SD))

static inline uint64_t pm_pfn(uint64_t e) { return e & PM_PFRAME_MASK; }
static inline unsigned pm_swap_type(uint64_t e) { return e & PM_SWAP_TYPE_MASK; }
static inline uint64_t pm_swap_offset(uint64_t e) { return (e & PM_PFRAME_MASK) >> PM_SWAP_TYPE_BITS; }

/* ---- /proc/kpageflags: KPF_<X> is the mask (as in the kernel's
 * tools/testing/selftests/mm/vm_util.h), KPF_<X>_B the bit number (what
 * include/uapi/linux/kernel-page-flags.h calls KPF_<X>). The masks are
 * enum constants, hence int like the uapi's PAGE_IS_*: compared whole with
 * a uint64_t in EXPECT_EQ they need a (uint64_t) cast (-Wsign-compare). ---- */
#define PMC_X_BITNO(name, bit, ...)	name##_B = (bit),
enum kpf_bit { KPF_FLAGS(PMC_X_BITNO) };
enum kpf_flag_mask { KPF_FLAGS(PMC_X_MASK) };
#define PMC_X_COUNT(...)		+ 1
/* Bits 0..KPF_NR_DOCUMENTED-1 are documented (the rows are contiguous);
 * up to 31 unassigned and must read zero; 32..63 are kernel-internal
 * (KPF_INTERNAL_FLAGS) and vary between releases, so no test asserts them. */
enum { KPF_NR_DOCUMENTED = 0 KPF_FLAGS(PMC_X_COUNT) };
#define KPF_DOCUMENTED		(0 KPF_FLAGS(PMC_X_OR))
#define KPF_UNASSIGNED		(((UINT64_C(1) << 32) - 1) & ~KPF_DOCUMENTED)
#define KPF_CHECKED		(KPF_DOCUMENTED | KPF_UNASSIGNED)

/* ---- PAGEMAP_SCAN categories (PAGE_IS_*: <linux/fs.h> or compat.h) ---- */
enum { PMC_SCAN_NR_CATEGORIES = 0 SCAN_CATEGORIES(PMC_X_COUNT) };
#define PMC_SCAN_CATEGORIES	((uint64_t)(0 SCAN_CATEGORIES(PMC_X_OR)))
#define PMC_X_SDFLT_CLEAR(name, bit, dflt, ...)	| (PMC_DFLT_##dflt == PMC_DFLT_CLEAR ? (uint64_t)name : 0)
#define PMC_X_SDFLT_SD(name, bit, dflt, ...)	| (PMC_DFLT_##dflt == PMC_DFLT_SOFT_DIRTY ? (uint64_t)name : 0)
#define SCAN_DFLT_CLEAR		((uint64_t)(0 SCAN_CATEGORIES(PMC_X_SDFLT_CLEAR)))
#define SCAN_DFLT_SOFT_DIRTY	((uint64_t)(0 SCAN_CATEGORIES(PMC_X_SDFLT_SD)))
/* A scan category without a pagemap twin (bits.h, column twin). */
#define NO_TWIN			0

/* ---- names (bits.h: pagemap labels, KPF and scan names without prefix) ---- */
const char *pm_bit_name(unsigned bit);		/* named bits 55..63, else NULL */
const char *kpf_bit_name(unsigned bit);		/* bits 0..KPF_NR_DOCUMENTED-1, else NULL */
const char *scan_category_name(unsigned bit);	/* PAGE_IS_* bits, else NULL */

/* "present|excl|file pfn=0x1234" / "swap type=1 offset=0x20" / "none" */
size_t pm_format(uint64_t e, char *buf, size_t len);
/* "ANON|LRU|MMAP" (documented bits; bits >= 32 shown as +internal=0x...) */
size_t kpf_format(uint64_t f, char *buf, size_t len);
/* "PRESENT|WRITTEN" */
size_t scan_format(uint64_t categories, char *buf, size_t len);

/* ---- expectations ---- */
/*
 * classify(): the one rule for flag words (pagemap bits 55..63, KPF bits
 * 0..31, scan categories). Every bit of 'universe' must be classified
 * exactly once (set, clear, or any with a reason); bits outside it are not
 * examined. The matchers (pm_match, kpf_match, scan_match) format the
 * verdict, each in its interface's words.
 */
struct pmc_verdict {
	uint64_t unclassified;	/* test bug: in the universe, in none of set/clear/any */
	uint64_t conflicting;	/* test bug: in two of set/clear/any */
	bool unexplained;	/* test bug: any without any_why */
	uint64_t missing;	/* required set, read clear */
	uint64_t unexpected;	/* required clear, read set */
};
struct pmc_verdict classify(uint64_t universe, uint64_t set, uint64_t clear, uint64_t any,
			    const char *any_why, uint64_t v);
/* The default classification (bits.h, column dflt) of the bits of
 * 'universe' an expectation leaves unclassified: dflt_clear ones clear,
 * dflt_soft_dirty ones set when soft_dirty, else clear. */
void classify_defaults(uint64_t universe, uint64_t dflt_clear, uint64_t dflt_soft_dirty,
		       bool soft_dirty, uint64_t *set, uint64_t *clear, uint64_t any);
static inline bool pmc_verdict_ok(const struct pmc_verdict *r)
{
	return !r->unclassified && !r->conflicting && !r->unexplained &&
	       !r->missing && !r->unexpected;
}

enum pm_low_rule {
	PM_LOW_UNSET = 0,	/* not classified: never matches */
	PM_LOW_ZERO,		/* bits 0..54 must be 0 */
	PM_LOW_PFN,		/* PFN: non-zero (== pfn if pfn != 0) for a privileged reader, 0 otherwise */
	PM_LOW_SWAP,		/* swap type == swap_type, 0 < offset < swap_pages; all 0 if unprivileged */
	PM_LOW_ANY,		/* don't care; low_why says why */
};

struct pm_expect {
	uint64_t set;		/* flag bits required set */
	uint64_t clear;		/* flag bits required clear */
	uint64_t any;		/* flag bits declared don't care ... */
	const char *any_why;	/* ... and why */
	enum pm_low_rule low;
	bool privileged;	/* the reader had CAP_SYS_ADMIN (PFN/swap shown) */
	uint64_t pfn;		/* PM_LOW_PFN: exact PFN, 0 = any non-zero */
	unsigned swap_type;	/* PM_LOW_SWAP */
	uint64_t swap_pages;	/* PM_LOW_SWAP: size of the swap area in pages */
	const char *low_why;	/* PM_LOW_ANY */
};

/* True when 'e' satisfies 'x'. Otherwise 'why' explains (decoded expected
 * vs actual, differing bits by name). */
bool pm_match(const struct pm_expect *x, uint64_t e, char *why, size_t len);

/* The tables' default classification (bits.h, column dflt) of the flag
 * bits x leaves unclassified: CLEAR bits (and the reserved ones) clear,
 * SOFT_DIRTY bits set when soft_dirty (the kernel tracks soft-dirty), else
 * clear; STATE bits stay for the state to classify. */
void pm_expect_defaults(struct pm_expect *x, bool soft_dirty);

struct kpf_expect {
	uint64_t set, clear, any;
	const char *any_why;
};
bool kpf_match(const struct kpf_expect *x, uint64_t f, char *why, size_t len);

#endif /* PMC_ENTRY_H */
