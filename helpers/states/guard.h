/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guard regions (MADV_GUARD_INSTALL, 6.13; file-backed mappings 6.15):
 * pte markers that make access fault with SIGSEGV.
 */
#ifndef PMC_GUARD_H
#define PMC_GUARD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Install guard markers on npages pages at addr (any mapping).
 * MADV_GUARD_INSTALL refused with EINVAL: SKIP.
 * Proof: by behaviour, not pagemap bit 58 or the GUARD category: reading
 * each guarded page through the kernel (process_vm_readv on ourselves)
 * fails; one that still reads is state_broken.
 */
const char *guard_install(void *addr, size_t npages);
/* Remove them again (MADV_GUARD_REMOVE). 0 or -errno. */
int guard_remove(void *addr, size_t npages);
/* One page readable through the kernel (GUP)? */
bool page_readable_by_kernel(const void *addr);

#endif
