/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sizes that differ between architectures and page sizes, read from the
 * running kernel, never assumed: base page, page-table levels, PMD and PUD
 * sizes, the hugetlb sizes offered and what each one is (cont-PTE, PMD,
 * cont-PMD, PUD), the mTHP orders and the top of the user address space.
 *
 *              x86-64    arm64 4K        arm64 16K       arm64 64K
 *   page       4K        4K              16K             64K
 *   PMD        2M        2M              32M             512M
 *   PUD        1G        1G              64G             4T (no level with VA 48)
 *   hugetlb    2M 1G     64K 2M 32M 1G   2M 32M 1G       2M 512M 16G
 * (the table is for the reader; nothing below uses its numbers.)
 */
#ifndef PMC_SIZES_H
#define PMC_SIZES_H

#include <stddef.h>
#include <stdint.h>

/* log2 of page_size(). */
unsigned int page_shift(void);
/* Entries in one page table: one page of 8-byte entries (x86-64, arm64). */
size_t ptes_per_table(void);
/* Bytes mapped by one PMD entry: THP's hpage_pmd_size when THP is there,
 * else page_size() * ptes_per_table(). */
size_t pmd_size(void);
/* Bytes mapped by one PUD entry: pmd_size() * ptes_per_table(). */
size_t pud_size(void);

/* The kinds of hugetlb page an architecture offers, by how it is mapped. */
enum hugetlb_kind {
	HUGETLB_CONT_PTE,	/* below PMD size: contiguous PTEs (arm64) */
	HUGETLB_PMD,		/* one PMD entry */
	HUGETLB_CONT_PMD,	/* between PMD and PUD size: contiguous PMDs (arm64) */
	HUGETLB_PUD,		/* one PUD entry (gigantic) */
};
/* The size of that kind this kernel offers (/sys/kernel/mm/hugepages), 0
 * when it offers none. CONT_PTE: the largest offered size below PMD size;
 * CONT_PMD: the largest between PMD and PUD size. */
size_t hugetlb_size(enum hugetlb_kind kind);
/* "cont-PTE", "PMD", "cont-PMD", "PUD". */
const char *hugetlb_kind_name(enum hugetlb_kind kind);

/* Folio order (log2 pages) of a size that is a power-of-two multiple of
 * the page size. */
unsigned int size_order(size_t bytes);

/*
 * The end of the user address space (mm->task_size, where pagemap ends):
 * the lowest page-aligned address A such that a one-page
 * mmap(MAP_FIXED_NOREPLACE) ending above A is refused with ENOMEM while
 * one ending at A is not. Found by bisection; 0 when the kernel does not
 * honour MAP_FIXED_NOREPLACE (before 4.17).
 */
uint64_t user_va_end(void);

/*
 * A builder's reason, extended when 'bytes' (the memory the state needs at
 * once) is a large share of this machine's memory: "<why> (in a VM:
 * ci/vm-run.sh --mem NG)", so a VM run says which --mem builds
 * the state. NULL stays NULL. The result is static: use it at once.
 */
const char *mem_hint(const char *why, size_t bytes);
/* A /proc/meminfo field ("Slab", "MemTotal", ...) in kB, -1 when absent. */
long meminfo_kb(const char *key);

#endif
