// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "knobs.h"
#include "probe.h"

#define CGROUP_SUPER_MAGIC	0x27e0eb
#define CGROUP2_SUPER_MAGIC	0x63677270

static bool fs_is(const char *dir, long magic)
{
	struct statfs s;

	return !statfs(dir, &s) && s.f_type == magic;
}

static bool v2_has_memory(const char *dir)
{
	char path[PATH_MAX + 32], buf[1024];

	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	if (pmc_read_file(path, buf, sizeof(buf)))
		return false;
	for (char *t = strtok(buf, " "); t; t = strtok(NULL, " "))
		if (!strcmp(t, "memory"))
			return true;
	return false;
}

const char *memcg_find(struct memcg *m)
{
	const char *env = getenv("PMC_CGROUP_ROOT");
	const char *v2[] = { env, "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	struct stat st;

	memset(m, 0, sizeof(*m));
	if (pmc_kconfig("CONFIG_MEMCG") == 'n')
		return "CONFIG_MEMCG off";
	if (!pmc_is_root())
		return "needs root";
	if (env && *env && fs_is(env, CGROUP_SUPER_MAGIC)) {
		snprintf(m->root, sizeof(m->root), "%s", env);
	} else if (fs_is("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC)) {
		snprintf(m->root, sizeof(m->root), "/sys/fs/cgroup/memory");
	} else {
		for (size_t i = 0; i < sizeof(v2) / sizeof(*v2); i++)
			if (v2[i] && *v2[i] && fs_is(v2[i], CGROUP2_SUPER_MAGIC) &&
			    v2_has_memory(v2[i])) {
				snprintf(m->root, sizeof(m->root), "%s", v2[i]);
				m->v2 = true;
				break;
			}
	}
	if (!m->root[0])
		return "no memory cgroup hierarchy mounted";
	if (stat(m->root, &st))
		return "memory cgroup root unreadable";
	m->root_ino = st.st_ino;
	return NULL;
}

const char *memcg_create(struct memcg *m)
{
	const char *why = memcg_find(m);
	char ctl[PATH_MAX + 32];
	struct stat st;

	if (why)
		return why;
	if (m->v2) {
		/* Children of the root get the controller only when the root's
		 * subtree_control enables it. */
		char buf[1024];

		snprintf(ctl, sizeof(ctl), "%s/cgroup.subtree_control", m->root);
		if (pmc_read_file(ctl, buf, sizeof(buf)) || !strstr(buf, "memory"))
			return "memory controller not enabled for children";
	}
	snprintf(m->dir, sizeof(m->dir), "%s/pmc-memcg.%d", m->root, (int)getpid());
	if (journal_add(J_CGROUP, m->dir)) {
		m->dir[0] = 0;
		return "journal not writable";
	}
	if (mkdir(m->dir, 0755) || stat(m->dir, &st)) {
		journal_forget(m->dir);
		m->dir[0] = 0;
		return "cannot create a memory cgroup";
	}
	m->ino = st.st_ino;
	return NULL;
}

const char *memcg_enter(struct memcg *m, pid_t pid, bool root)
{
	char path[PATH_MAX + 32], val[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", root ? m->root : m->dir);
	snprintf(val, sizeof(val), "%d", (int)pid);
	if (pmc_write_file(path, val))
		return "cannot move a process into the cgroup";
	return NULL;
}

void memcg_destroy(struct memcg *m)
{
	if (m->dir[0]) {
		journal_undo(m->dir);
		m->dir[0] = 0;
	}
}
