/* SPDX-License-Identifier: GPL-2.0 */
/*
 * THE bit tables: every flag the suite knows, once, in the kernel's names
 * and bit numbers. Everything else is generated from these rows: the masks
 * and bit numbers (entry.h), the decoder's names (entry.c), the default
 * classification (pm_expect_defaults(), scan_expect_defaults()), the
 * scan <-> pagemap cross-check (scan_agrees_with_pagemap()), the
 * fault-injection rows (helpers/faultinject/faultinject.c) and
 * docs/bits.md (`make docs/bits.md`, helpers/tools/bits-doc.sh).
 *
 * This header holds the tables only (no includes, no definitions), so that
 * a translation unit can also include the kernel's uapi headers and check
 * the rows against them (helpers/tests/test_bits.c).
 *
 * Columns (a row is X(...) or K(...)):
 *   name     the kernel's macro name, exactly (PM_MMAP_EXCLUSIVE, KPF_THP,
 *            PAGE_IS_GUARD)
 *   bit      the bit number in the word the kernel reports
 *   label    pagemap only: the decoder's short name, as failure messages,
 *            known-issues.txt and fixes.tsv symptoms quote it (KPF and scan
 *            labels are the name without its KPF_ / PAGE_IS_ prefix)
 *   slug     pagemap only: the fault-injection name part (pm-<slug>-never)
 *   dflt     the default classification of the bit in an expectation that
 *            does not mention it:
 *              STATE       none: every expectation must classify it, or it
 *                          matches nothing (a test bug)
 *              CLEAR       clear: only the states that say so set it
 *              SOFT_DIRTY  set exactly when the kernel tracks soft-dirty
 *                          (CONFIG_MEM_SOFT_DIRTY: a fresh VMA carries
 *                          VM_SOFTDIRTY), else clear
 *   since    the fixes.tsv id of the change that added the bit (its
 *            release comes from there), or - (older than anything pinned)
 *   twin     scan only: the pagemap bit with the same meaning, or NO_TWIN
 *   rel      scan only: how the twin is compared page by page
 *              SAME        category == pagemap bit
 *              NOT_ARMED   category == !pagemap bit where uffd-wp is
 *                          registered on the range (WRITTEN vs UFFD_WP)
 *              UNCOMPARED  named, not cross-checked (the reason is in doc)
 *              NONE        no twin
 *   doc      one line for docs/bits.md: what the kernel documents
 *
 * Adding a pagemap bit: one PM_FLAGS row here; then a builder that makes
 * the state setting it and a test asserting it (3 files). docs/bits.md
 * shows the walk-through; helpers/tests/bits.bats proves it on a copy.
 */
#ifndef PMC_BITS_H
#define PMC_BITS_H

/* ---- /proc/PID/pagemap: fs/proc/task_mmu.c, Documentation/admin-guide/mm/pagemap.rst
 * Bits 0-54 are the PFN (PM_PFRAME_BITS) or, with PM_SWAP, the swap type
 * (bits 0-4, MAX_SWAPFILES_SHIFT) and offset (5-54). Flag bits 55-63 that
 * no row names (59, 60 today) are reserved: documented zero. */
#define PM_FLAGS(X) \
	X(PM_SOFT_DIRTY,	55, "soft-dirty", "softdirty", SOFT_DIRTY, "-", \
	  "pte is soft-dirty (Documentation/admin-guide/mm/soft-dirty.rst); a VMA flag too (VM_SOFTDIRTY)") \
	X(PM_MMAP_EXCLUSIVE,	56, "exclusive", "excl", STATE, "PM-EXCLUSIVE", \
	  "page exclusively mapped") \
	X(PM_UFFD_WP,		57, "uffd-wp", "uffdwp", CLEAR, "PM-UFFD-WP", \
	  "pte is uffd-wp write-protected (Documentation/admin-guide/mm/userfaultfd.rst)") \
	X(PM_GUARD_REGION,	58, "guard", "guard", CLEAR, "GUARD-BIT", \
	  "guard region (MADV_GUARD_INSTALL marker)") \
	X(PM_FILE,		61, "file", "file", STATE, "PM-FILE", \
	  "page is file-page or shared-anon") \
	X(PM_SWAP,		62, "swap", "swap", STATE, "-", \
	  "page swapped (or a swap-format pte: migration, uffd-wp or guard marker)") \
	X(PM_PRESENT,		63, "present", "present", STATE, "-", \
	  "page present")

/* ---- /proc/kpageflags: include/uapi/linux/kernel-page-flags.h,
 * Documentation/admin-guide/mm/pagemap.rst. Bits 0..26 are documented
 * (every expectation classifies them; tests default them to clear:
 * KPF_CHECKED & ~set & ~any); 27..31 are unassigned and must read zero. */
#define KPF_FLAGS(X) \
	X(KPF_LOCKED,		0,  "-", "page is being locked for exclusive access, e.g. by undergoing read/write IO") \
	X(KPF_ERROR,		1,  "-", "IO error occurred (now unused)") \
	X(KPF_REFERENCED,	2,  "-", "page has been referenced since last LRU list enqueue/requeue") \
	X(KPF_UPTODATE,		3,  "-", "page has up-to-date data") \
	X(KPF_DIRTY,		4,  "-", "page has been written to, hence contains new data") \
	X(KPF_LRU,		5,  "-", "page is in one of the LRU lists") \
	X(KPF_ACTIVE,		6,  "-", "page is in the active LRU list") \
	X(KPF_SLAB,		7,  "-", "page is managed by the SLAB/SLUB kernel memory allocator") \
	X(KPF_WRITEBACK,	8,  "-", "page is being synced to disk") \
	X(KPF_RECLAIM,		9,  "-", "page will be reclaimed soon after its pageout IO completed") \
	X(KPF_BUDDY,		10, "-", "a free memory block managed by the buddy system allocator") \
	X(KPF_MMAP,		11, "-", "a memory mapped page") \
	X(KPF_ANON,		12, "-", "a memory mapped page that is not part of a file") \
	X(KPF_SWAPCACHE,	13, "-", "page is mapped to swap space, i.e. has an associated swap entry") \
	X(KPF_SWAPBACKED,	14, "-", "page is backed by swap/RAM") \
	X(KPF_COMPOUND_HEAD,	15, "-", "head page of a compound page") \
	X(KPF_COMPOUND_TAIL,	16, "-", "tail page of a compound page") \
	X(KPF_HUGE,		17, "-", "this is an integral part of a HugeTLB page") \
	X(KPF_UNEVICTABLE,	18, "-", "page is in the unevictable (non-)LRU list") \
	X(KPF_HWPOISON,		19, "-", "hardware detected memory corruption on this page") \
	X(KPF_NOPAGE,		20, "-", "no page frame exists at the requested address") \
	X(KPF_KSM,		21, "-", "identical memory pages dynamically shared between one or more processes") \
	X(KPF_THP,		22, "-", "contiguous pages which construct THP of any size and mapped by any granularity") \
	X(KPF_OFFLINE,		23, "-", "the page is logically offline") \
	X(KPF_ZERO_PAGE,	24, "KPF-ZERO-PAGE", "zero page for pfn_zero or huge_zero page") \
	X(KPF_IDLE,		25, "-", "the page has not been accessed since it was marked idle") \
	X(KPF_PGTABLE,		26, "KPF-PGTABLE", "the page is in use as a page table")

/* Kernel-internal bits 32.. (include/linux/kernel-page-flags.h, 6.12):
 * "subject to change, never rely on them". Named for the documentation
 * only; no test asserts them and the decoder prints them as +internal=. */
#define KPF_INTERNAL_FLAGS(X) \
	X(KPF_RESERVED,		32, "-", "PG_reserved") \
	X(KPF_MLOCKED,		33, "-", "PG_mlocked") \
	X(KPF_OWNER_2,		34, "-", "PG_owner_2 (KPF_MAPPEDTODISK, PG_mappedtodisk, in older releases)") \
	X(KPF_PRIVATE,		35, "-", "PG_private") \
	X(KPF_PRIVATE_2,	36, "-", "PG_private_2") \
	X(KPF_OWNER_PRIVATE,	37, "-", "PG_owner_priv_1") \
	X(KPF_ARCH,		38, "-", "PG_arch_1") \
	X(KPF_SOFTDIRTY,	40, "-", "PG_soft_dirty (39, KPF_UNCACHED, is gone in 6.12)") \
	X(KPF_ARCH_2,		41, "-", "PG_arch_2") \
	X(KPF_ARCH_3,		42, "-", "PG_arch_3")

/* ---- PAGEMAP_SCAN categories: include/uapi/linux/fs.h PAGE_IS_*,
 * Documentation/admin-guide/mm/pagemap.rst. Newer than the build host's
 * uapi headers: helpers/core/compat.h spells the value out (entry.c checks it
 * against the row). */
#define SCAN_CATEGORIES(X) \
	X(PAGE_IS_WPALLOWED,	0, CLEAR, "PAGEMAP-SCAN", NO_TWIN, NONE, \
	  "the page is in a range registered for async uffd-wp (UFFD_FEATURE_WP_ASYNC)") \
	X(PAGE_IS_WRITTEN,	1, STATE, "PAGEMAP-SCAN", PM_UFFD_WP, NOT_ARMED, \
	  "written since write-protected: uffd-wp clear where uffd-wp is registered") \
	X(PAGE_IS_FILE,		2, STATE, "PAGEMAP-SCAN", PM_FILE, SAME, \
	  "file-backed or shared (not an anon folio)") \
	X(PAGE_IS_PRESENT,	3, STATE, "PAGEMAP-SCAN", PM_PRESENT, SAME, \
	  "page present") \
	X(PAGE_IS_SWAPPED,	4, STATE, "PAGEMAP-SCAN", PM_SWAP, SAME, \
	  "page swapped (any swap-format pte: uffd-wp and guard markers too)") \
	X(PAGE_IS_PFNZERO,	5, CLEAR, "PAGEMAP-SCAN", NO_TWIN, NONE, \
	  "the zero page or the huge zero page is mapped") \
	X(PAGE_IS_HUGE,		6, STATE, "PAGEMAP-SCAN", NO_TWIN, NONE, \
	  "mapped by a huge (PMD / hugetlb) entry") \
	X(PAGE_IS_SOFT_DIRTY,	7, SOFT_DIRTY, "SCAN-SOFT-DIRTY", PM_SOFT_DIRTY, UNCOMPARED, \
	  "soft-dirty (pte or VM_SOFTDIRTY); not cross-checked with bit 55 yet: no case proves they agree on every state") \
	X(PAGE_IS_GUARD,	8, CLEAR, "SCAN-GUARD", PM_GUARD_REGION, SAME, \
	  "guard region marker")

#endif /* PMC_BITS_H */
