/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Readers of the u64-per-item files: /proc/PID/pagemap, /proc/kpageflags,
 * /proc/kpagecount, /proc/kpagecgroup.
 *
 * Rule: every access to these files in the suite goes through these
 * functions, with plain libc open()/pread()/ioctl() — never syscall() — so
 * the fault-injection library can interpose on them.
 *
 * Functions return a count or -errno; nothing here exits the process.
 */
#ifndef PMC_READERS_H
#define PMC_READERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PMC_PAGE_SIZE	((size_t)sysconf(_SC_PAGESIZE))

/* Read up to n u64 items starting at item index 'first' (byte offset
 * first*8). Loops over short reads and EINTR. Returns the number of items
 * read (less than n only at end of file) or -errno. */
ssize_t pmc_read_u64s(int fd, uint64_t first, uint64_t *out, size_t n);

/* open("/proc/<pid>/pagemap") (pid 0 = self); returns fd or -errno. */
int pagemap_open(pid_t pid);
/* The entries for npages pages starting at the page containing addr. */
int pagemap_read(int fd, const void *addr, size_t npages, uint64_t *out);
/* Convenience for the calling process: one entry, 0 on error with *err set.
 * Opens /proc/self/pagemap each time so that it always describes the
 * caller, also after fork(). */
int pagemap_self(const void *addr, size_t npages, uint64_t *out);

enum kpage_file { KPAGEFLAGS, KPAGECOUNT, KPAGECGROUP };
const char *kpage_path(enum kpage_file f);
/* n items for PFNs [pfn, pfn+n); returns items read or -errno. */
ssize_t kpage_read(enum kpage_file f, uint64_t pfn, uint64_t *out, size_t n);
/* One item; returns 0 or -errno. */
int kpage_get(enum kpage_file f, uint64_t pfn, uint64_t *out);

#endif
