/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one decoder of pagemap entries and KPF words.
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

/* ---- /proc/PID/pagemap (Documentation/admin-guide/mm/pagemap.rst) ---- */
#define PM_PFN_BITS		55
#define PM_PFN_MASK		((UINT64_C(1) << PM_PFN_BITS) - 1)
#define PM_SWAP_TYPE_BITS	5
#define PM_SWAP_TYPE_MASK	((UINT64_C(1) << PM_SWAP_TYPE_BITS) - 1)
#define PM_SOFT_DIRTY		(UINT64_C(1) << 55)
#define PM_EXCLUSIVE		(UINT64_C(1) << 56)	/* 4.2 */
#define PM_UFFD_WP		(UINT64_C(1) << 57)	/* 5.13 */
#define PM_GUARD		(UINT64_C(1) << 58)	/* 6.15 */
#define PM_RSVD59		(UINT64_C(1) << 59)
#define PM_RSVD60		(UINT64_C(1) << 60)
#define PM_FILE			(UINT64_C(1) << 61)	/* file page or shared anon */
#define PM_SWAP			(UINT64_C(1) << 62)
#define PM_PRESENT		(UINT64_C(1) << 63)
#define PM_RESERVED		(PM_RSVD59 | PM_RSVD60)
/* Every flag bit the documentation defines (bits 55..63). */
#define PM_FLAG_BITS		(~PM_PFN_MASK)

static inline uint64_t pm_pfn(uint64_t e) { return e & PM_PFN_MASK; }
static inline unsigned pm_swap_type(uint64_t e) { return e & PM_SWAP_TYPE_MASK; }
static inline uint64_t pm_swap_offset(uint64_t e) { return (e & PM_PFN_MASK) >> PM_SWAP_TYPE_BITS; }

/* ---- /proc/kpageflags (include/uapi/linux/kernel-page-flags.h) ---- */
enum kpf_bit {
	KPF_LOCKED_B, KPF_ERROR_B, KPF_REFERENCED_B, KPF_UPTODATE_B, KPF_DIRTY_B,
	KPF_LRU_B, KPF_ACTIVE_B, KPF_SLAB_B, KPF_WRITEBACK_B, KPF_RECLAIM_B,
	KPF_BUDDY_B, KPF_MMAP_B, KPF_ANON_B, KPF_SWAPCACHE_B, KPF_SWAPBACKED_B,
	KPF_COMPOUND_HEAD_B, KPF_COMPOUND_TAIL_B, KPF_HUGE_B, KPF_UNEVICTABLE_B,
	KPF_HWPOISON_B, KPF_NOPAGE_B, KPF_KSM_B, KPF_THP_B, KPF_OFFLINE_B,
	KPF_ZERO_PAGE_B, KPF_IDLE_B, KPF_PGTABLE_B,
	KPF_NR_DOCUMENTED	/* 27: bits 0..26 */
};
#define KF(b)			(UINT64_C(1) << KPF_##b##_B)
#define KF_LOCKED		KF(LOCKED)
#define KF_ERROR		KF(ERROR)
#define KF_REFERENCED		KF(REFERENCED)
#define KF_UPTODATE		KF(UPTODATE)
#define KF_DIRTY		KF(DIRTY)
#define KF_LRU			KF(LRU)
#define KF_ACTIVE		KF(ACTIVE)
#define KF_SLAB			KF(SLAB)
#define KF_WRITEBACK		KF(WRITEBACK)
#define KF_RECLAIM		KF(RECLAIM)
#define KF_BUDDY		KF(BUDDY)
#define KF_MMAP			KF(MMAP)
#define KF_ANON			KF(ANON)
#define KF_SWAPCACHE		KF(SWAPCACHE)
#define KF_SWAPBACKED		KF(SWAPBACKED)
#define KF_COMPOUND_HEAD	KF(COMPOUND_HEAD)
#define KF_COMPOUND_TAIL	KF(COMPOUND_TAIL)
#define KF_HUGE			KF(HUGE)
#define KF_UNEVICTABLE		KF(UNEVICTABLE)
#define KF_HWPOISON		KF(HWPOISON)
#define KF_NOPAGE		KF(NOPAGE)
#define KF_KSM			KF(KSM)
#define KF_THP			KF(THP)
#define KF_OFFLINE		KF(OFFLINE)
#define KF_ZERO_PAGE		KF(ZERO_PAGE)
#define KF_IDLE			KF(IDLE)
#define KF_PGTABLE		KF(PGTABLE)
/* Bits 0..26 are documented; 27..31 are unassigned and must read zero;
 * 32..63 are kernel-internal (KPF_RESERVED, KPF_MLOCKED, ...) and vary
 * between releases, so no test asserts them. */
#define KF_DOCUMENTED		((UINT64_C(1) << KPF_NR_DOCUMENTED) - 1)
#define KF_UNASSIGNED		(((UINT64_C(1) << 32) - 1) & ~KF_DOCUMENTED)
#define KF_CHECKED		(KF_DOCUMENTED | KF_UNASSIGNED)

/* ---- names ---- */
const char *pm_bit_name(unsigned bit);		/* bits 55..63, else NULL */
const char *kpf_bit_name(unsigned bit);		/* bits 0..26, else NULL */
const char *scan_category_name(unsigned bit);	/* PAGE_IS_* bits, else NULL */

/* "present|excl|file pfn=0x1234" / "swap type=1 offset=0x20" / "none" */
size_t pm_format(uint64_t e, char *buf, size_t len);
/* "ANON|LRU|MMAP" (documented bits; bits >= 32 shown as +internal=0x...) */
size_t kpf_format(uint64_t f, char *buf, size_t len);
/* "PRESENT|WRITTEN" */
size_t scan_format(uint64_t categories, char *buf, size_t len);

/* ---- expectations ---- */
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

struct kpf_expect {
	uint64_t set, clear, any;
	const char *any_why;
};
bool kpf_match(const struct kpf_expect *x, uint64_t f, char *why, size_t len);

#endif /* PMC_ENTRY_H */
