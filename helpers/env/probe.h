/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Feature probes, by behaviour: an ioctl's errno, a sysfs file's presence,
 * the kernel's own config. Never by version number: distributions backport.
 */
#ifndef PMC_PROBE_H
#define PMC_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Small file helpers: 0 or -errno. Trailing newline stripped. */
int pmc_read_file(const char *path, char *buf, size_t len);
int pmc_read_u64(const char *path, uint64_t *v);
int pmc_write_file(const char *path, const char *value);
bool pmc_exists(const char *path);

/*
 * Kernel config lookup, like LTP: $KCONFIG_PATH, /proc/config.gz,
 * /boot/config-$(uname -r). Returns 'y', 'm', 'n' (explicitly unset or
 * absent from a config that was found) or 0 when no config can be read.
 */
char pmc_kconfig(const char *name);
/* Where the config came from ("" when none was found). */
const char *pmc_kconfig_source(void);
/* Parse one config file (plain text or gzip); exposed for unit tests. */
char pmc_kconfig_from(const char *path, const char *name);

bool pmc_is_root(void);
/* Running under the VM runner, or explicitly allowed to do destructive
 * things (hwpoison, tests that hang a buggy kernel): PMC_DESTRUCTIVE=1. */
bool pmc_destructive_allowed(void);

/* uname release is at least major.minor (last resort: for interfaces whose
 * presence cannot be probed except through the interface under test). */
bool pmc_release_at_least(int major, int minor);
/* PAGEMAP_SCAN: 1 present, 0 absent (ENOTTY), -errno when unsure. */
int pmc_have_pagemap_scan(void);
/* The kernel must have PAGEMAP_SCAN (6.7+): ENOTTY there is a FAIL. */
bool pmc_pagemap_scan_expected(void);
/* Categories (PAGE_IS_* mask) the ioctl accepts one by one (the probe). */
uint64_t pmc_scan_categories_accepted(void);
/* Categories this kernel must know, by release (not by the ioctl). */
uint64_t pmc_scan_categories_expected(void);
/* What the tests check: expected, plus accepted documented categories
 * (backports). A category expected but refused makes every scan with it
 * fail (EINVAL): a FAIL, never an unchecked bit. */
uint64_t pmc_scan_categories(void);
/* smaps VmFlags of the caller's VMA holding addr contain the two-letter
 * mnemonic 'flag' ("uw", "sd", ...): 1, 0, or -errno (no such VMA). */
int pmc_vma_flag(const void *addr, const char *flag);
/* CONFIG_MEM_SOFT_DIRTY: the kernel config, else smaps VmFlags "sd" on a
 * fresh VMA (never pagemap bit 55, which is under test). */
bool pmc_have_soft_dirty(void);
/* userfaultfd features the kernel offers (UFFDIO_API), 0 when unusable. */
uint64_t pmc_uffd_features(void);
/* MADV_GUARD_INSTALL accepted (6.13+). */
bool pmc_have_guard_regions(void);
/* PMD size of THP, 0 when THP is unavailable. */
size_t pmc_thp_pmd_size(void);

#endif
