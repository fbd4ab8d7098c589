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
 * Install guard markers on npages pages at addr (any mapping). Proven by
 * behaviour: reading the range through the kernel (process_vm_readv on
 * ourselves) fails with EFAULT on every guarded page, while the pages
 * around it stay readable.
 */
const char *guard_install(void *addr, size_t npages);
/* Remove them again (MADV_GUARD_REMOVE). 0 or -errno. */
int guard_remove(void *addr, size_t npages);
/* One page readable through the kernel (GUP)? */
bool page_readable_by_kernel(const void *addr);

#endif
