/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fresh memory cgroup of our own, for kpagecgroup.
 *
 * memcg_create() picks the hierarchy that has the memory controller:
 * cgroup v1 at /sys/fs/cgroup/memory, else a cgroup2 mount whose
 * cgroup.controllers lists "memory" (/sys/fs/cgroup/unified or
 * /sys/fs/cgroup; $PMC_CGROUP_ROOT overrides), journals the directory
 * (J_CGROUP) BEFORE mkdir, creates it and records its inode. The inode of
 * the directory is what /proc/kpagecgroup reports for pages charged to it
 * (page_cgroup_ino() → cgroup_ino() = the kernfs inode).
 * memcg_enter() moves a process in; memcg_destroy() moves tasks out and
 * rmdirs (journal_undo).
 */
#ifndef PMC_CGROUP_H
#define PMC_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct memcg {
	char root[PATH_MAX];	/* the hierarchy's root directory */
	char dir[PATH_MAX];	/* our cgroup, "" when none */
	uint64_t ino;		/* st_ino of dir */
	uint64_t root_ino;	/* st_ino of root */
	bool v2;
};

/* Find the memory hierarchy only (no mkdir). NULL or a static reason. */
const char *memcg_find(struct memcg *m);
/* memcg_find + a fresh child cgroup. NULL or a static reason. */
const char *memcg_create(struct memcg *m);
/* Move pid into dir (our cgroup, or the root when dir is NULL). */
const char *memcg_enter(struct memcg *m, pid_t pid, bool root);
void memcg_destroy(struct memcg *m);

#endif
