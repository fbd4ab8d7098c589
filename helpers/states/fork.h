/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fork(): a child that stays alive under the test's control.
 *
 * The child is a fork of the test process, so it maps the same pages (copy
 * on write for private memory). It waits on a pipe for a function to run in
 * its own address space, runs it and reports the result; a shared buffer
 * carries data (e.g. the child's own pagemap entries) back to the parent.
 * Nothing here exits the parent; the child exits when the pipe closes.
 */
#ifndef PMC_FORK_H
#define PMC_FORK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* u64 items in the shared buffer: the entries of a PMD THP with 64K pages
 * (8192) fit; child_pagemap() refuses more. */
#define CHILD_SHM_ITEMS 16384

struct child {
	pid_t pid;
	int cmd;		/* parent -> child */
	int ack;		/* child -> parent */
	uint64_t *shm;		/* CHILD_SHM_ITEMS u64, MAP_SHARED */
};

/* Fork the child. NULL or a static reason. */
const char *child_start(struct child *c);
/* Run fn(c, addr, n) in the child (the arguments travel by value: never
 * pass a pointer to the parent's locals); returns fn's result (>= 0), or
 * -errno when the child is gone. */
int child_call(struct child *c, int (*fn)(struct child *c, void *addr, size_t n),
	       void *addr, size_t n);
/* Ready-made calls. */
int child_write(struct child *c, void *addr, size_t npages);	/* write a byte per page */
int child_munmap(struct child *c, void *addr, size_t len);
/* The child drops CAP_SYS_ADMIN for good (checked): 0, or non-zero. */
int child_drop_sys_admin(struct child *c);
/* The child's own pagemap entries for npages from addr (npages <= CHILD_SHM_ITEMS). */
int child_pagemap(struct child *c, const void *addr, size_t npages, uint64_t *out);
/* The child's own PAGEMAP_SCAN categories (every category the kernel knows,
 * scan_pages) for npages from addr: 0, or -errno (-EPROTO: malformed). */
int child_scan(struct child *c, const void *addr, size_t npages, uint64_t *out);
/* Close the pipes, reap the child. */
void child_stop(struct child *c);

#endif
