// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <time.h>
#include <unistd.h>

#include "knobs.h"
#include "probe.h"

static const char *const kind_names[] = {
	[J_KNOB] = "knob", [J_SWAP] = "swap", [J_CGROUP] = "cgroup",
	[J_FILE] = "file", [J_MOUNT] = "mount",
};

const char *pmc_state_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("PMC_STATE_DIR");

	if (!dir[0])
		snprintf(dir, sizeof(dir), "%s", env && *env ? env : "/run/pagemap-conformance");
	return dir;
}

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Entry file name: the path with '/' -> '%'. */
static void entry_path(const char *path, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/journal/", pmc_state_dir());

	for (const char *s = path; *s && (size_t)n < len - 1; s++)
		out[n++] = *s == '/' ? '%' : *s;
	out[n] = 0;
}

/* Start time (clock ticks since boot) of a process: tells a reused PID apart. */
static unsigned long long proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long st = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pmc_read_file(path, buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* Field 22 counted from after the comm: state is field 3. */
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		st = strtoull(p + 1, NULL, 10);
	return st;
}

/* Process state letter from /proc/PID/stat ('Z' zombie, 'X' dead), 0 if gone. */
static char proc_state(pid_t pid)
{
	char path[64], buf[1024], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pmc_read_file(path, buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* A killed owner that is not reaped yet is a zombie: it will never put its
 * knobs back, so its entries are restorable at once. */
static bool owner_alive(pid_t pid, unsigned long long start)
{
	char st;

	if (pid <= 0 || (kill(pid, 0) && errno == ESRCH))
		return false;
	st = proc_state(pid);
	if (!st || st == 'Z' || st == 'X')
		return false;
	return proc_start(pid) == start;
}

struct entry {
	enum journal_kind kind;
	pid_t owner;
	unsigned long long start;
	char path[PATH_MAX];
	char value[4096];
};

static int entry_write(const struct entry *e)
{
	char file[PATH_MAX + 64], tmp[PATH_MAX + 80];
	FILE *f;
	int r;

	r = mkdir_p(pmc_state_dir());
	if (!r) {
		snprintf(tmp, sizeof(tmp), "%s/journal", pmc_state_dir());
		r = mkdir_p(tmp);
	}
	if (r)
		return r;
	entry_path(e->path, file, sizeof(file));
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", file, (int)getpid());
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "kind=%s\nowner=%d %llu\npath=%s\nvalue=%s\n",
		kind_names[e->kind], (int)e->owner, e->start, e->path, e->value);
	/* Durable before the knob changes: a crash between the two must leave
	 * the journal describing the original value. */
	if (fflush(f) || fsync(fileno(f))) {
		r = -errno;
		fclose(f);
		unlink(tmp);
		return r;
	}
	fclose(f);
	if (rename(tmp, file))
		return -errno;
	return 0;
}

static int entry_read(const char *file, struct entry *e)
{
	char line[PATH_MAX + 32];
	FILE *f = fopen(file, "re");

	if (!f)
		return -errno;
	memset(e, 0, sizeof(*e));
	e->kind = J_KNOB;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "kind=", 5)) {
			for (unsigned k = 0; k < sizeof(kind_names) / sizeof(*kind_names); k++)
				if (!strcmp(line + 5, kind_names[k]))
					e->kind = k;
		} else if (!strncmp(line, "owner=", 6)) {
			int pid = 0;
			sscanf(line + 6, "%d %llu", &pid, &e->start);
			e->owner = pid;
		} else if (!strncmp(line, "path=", 5)) {
			snprintf(e->path, sizeof(e->path), "%s", line + 5);
		} else if (!strncmp(line, "value=", 6)) {
			snprintf(e->value, sizeof(e->value), "%s", line + 6);
		}
	}
	fclose(f);
	return e->path[0] ? 0 : -EINVAL;
}

void knob_canonical(const char *raw, char *out, size_t len)
{
	const char *open = strchr(raw, '['), *close = open ? strchr(open, ']') : NULL;

	if (open && close && close > open + 1) {
		size_t n = (size_t)(close - open - 1);
		if (n >= len)
			n = len - 1;
		memcpy(out, open + 1, n);
		out[n] = 0;
	} else {
		snprintf(out, len, "%s", raw);
	}
}

/*
 * One lock over the journal: a change (check entry, save, write the knob)
 * and an undo (check owner, restore, drop entry) are atomic with respect to
 * each other across processes. Without it a harness restoring a killed
 * test's entry could interleave with the next owner's write and leave the
 * knob changed with no entry (seen: KSM left running after a kill -9).
 */
static int journal_lock(void)
{
	char path[PATH_MAX + 32];
	int fd;

	if (mkdir_p(pmc_state_dir()))
		return -1;
	snprintf(path, sizeof(path), "%s/journal.lock", pmc_state_dir());
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		while (flock(fd, LOCK_EX) && errno == EINTR)
			;
	return fd;
}

static void journal_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int journal_add(enum journal_kind kind, const char *path)
{
	struct entry e = { .kind = kind, .owner = getpid() };
	int lk = journal_lock(), r;

	e.start = proc_start(e.owner);
	snprintf(e.path, sizeof(e.path), "%s", path);
	r = entry_write(&e);
	journal_unlock(lk);
	return r;
}

int journal_forget(const char *path)
{
	char file[PATH_MAX + 64];
	int lk = journal_lock(), r = 0;

	entry_path(path, file, sizeof(file));
	if (unlink(file) && errno != ENOENT)
		r = -errno;
	journal_unlock(lk);
	return r;
}

int knob_write(const char *path, const char *value)
{
	char file[PATH_MAX + 64];
	struct entry e;
	int lk = journal_lock(), r = 0;

	entry_path(path, file, sizeof(file));
	if (entry_read(file, &e) == 0) {
		/* The original value is already saved. A dead owner's entry is
		 * adopted, so that nobody restores it under our feet. */
		if (!owner_alive(e.owner, e.start)) {
			e.owner = getpid();
			e.start = proc_start(e.owner);
			r = entry_write(&e);
		}
	} else {
		char raw[4096];

		memset(&e, 0, sizeof(e));
		e.kind = J_KNOB;
		e.owner = getpid();
		r = pmc_read_file(path, raw, sizeof(raw));
		if (!r) {
			e.start = proc_start(e.owner);
			snprintf(e.path, sizeof(e.path), "%s", path);
			knob_canonical(raw, e.value, sizeof(e.value));
			r = entry_write(&e);
		}
	}
	if (!r)
		r = pmc_write_file(path, value);
	journal_unlock(lk);
	return r;
}

/* Move every task of a cgroup to its parent so that rmdir succeeds. */
static void cgroup_evacuate(const char *dir)
{
	char procs[PATH_MAX + 32], parent[PATH_MAX], line[32];
	FILE *f;
	char *slash;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (!slash)
		return;
	*slash = 0;
	strcat(parent, "/cgroup.procs");
	f = fopen(procs, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		pmc_write_file(parent, line);
	}
	fclose(f);
}

static int entry_undo(const struct entry *e)
{
	int r = 0;

	switch (e->kind) {
	case J_KNOB:
		r = pmc_write_file(e->path, e->value);
		if (r == -ENOENT)
			r = 0;	/* the knob went away with its module */
		break;
	case J_SWAP:
		if (swapoff(e->path) && errno != EINVAL && errno != ENOENT)
			r = -errno;
		if (unlink(e->path) && errno != ENOENT && !r)
			r = -errno;
		break;
	case J_CGROUP:
		cgroup_evacuate(e->path);
		/* Tasks just killed may linger a moment as zombies in the group:
		 * bounded retry, not a sleep for synchronisation. */
		for (int i = 0; i < 200; i++) {
			if (!rmdir(e->path) || errno == ENOENT) {
				r = 0;
				break;
			}
			r = -errno;
			if (errno != EBUSY)
				break;
			cgroup_evacuate(e->path);
			nanosleep(&(struct timespec){ .tv_nsec = 5 * 1000 * 1000 }, NULL);
		}
		break;
	case J_FILE:
		if (unlink(e->path) && errno != ENOENT)
			r = -errno;
		break;
	case J_MOUNT:
		if (umount2(e->path, MNT_DETACH) && errno != EINVAL && errno != ENOENT)
			r = -errno;
		if (rmdir(e->path) && errno != ENOENT && !r)
			r = -errno;
		break;
	}
	return r;
}

int journal_undo(const char *path)
{
	char file[PATH_MAX + 64];
	struct entry e;
	int lk = journal_lock(), r = 0;

	entry_path(path, file, sizeof(file));
	if (entry_read(file, &e) == 0) {
		r = entry_undo(&e);
		if (!r)
			unlink(file);
	}
	journal_unlock(lk);
	return r;
}

int knob_restore(const char *path)
{
	return journal_undo(path);
}

/* Undo order: knobs last, so that e.g. a swap file is off before any
 * knob that made swapping happen is put back, and cgroups are emptied first. */
static const enum journal_kind undo_order[] = { J_CGROUP, J_SWAP, J_MOUNT, J_FILE, J_KNOB };

int journal_restore(bool all, void (*log)(const char *line))
{
	char dir[PATH_MAX + 16], file[PATH_MAX * 2], line[PATH_MAX * 2];
	int done = 0, err = 0, lk;

	snprintf(dir, sizeof(dir), "%s/journal", pmc_state_dir());
	if (access(dir, F_OK))
		return 0;
	lk = journal_lock();
	for (unsigned pass = 0; pass < sizeof(undo_order) / sizeof(*undo_order); pass++) {
		DIR *d = opendir(dir);
		struct dirent *de;

		if (!d) {
			err = errno == ENOENT ? 0 : -errno;
			break;
		}
		while ((de = readdir(d))) {
			struct entry e;
			int r;

			if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp."))
				continue;
			snprintf(file, sizeof(file), "%s/%s", dir, de->d_name);
			if (entry_read(file, &e) || e.kind != undo_order[pass])
				continue;
			if (!all && owner_alive(e.owner, e.start))
				continue;
			r = entry_undo(&e);
			if (!r) {
				unlink(file);
				done++;
			} else {
				err = r;
			}
			if (log) {
				snprintf(line, sizeof(line), "%s %s %s%s%s: %s",
					 r ? "FAILED to restore" : "restored",
					 kind_names[e.kind], e.path,
					 e.kind == J_KNOB ? " = " : "",
					 e.kind == J_KNOB ? e.value : "",
					 r ? strerror(-r) : "ok");
				log(line);
			}
		}
		closedir(d);
	}
	journal_unlock(lk);
	return err ? err : done;
}

int journal_count(void)
{
	char dir[PATH_MAX + 16];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/journal", pmc_state_dir());
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && !strstr(de->d_name, ".tmp."))
			n++;
	closedir(d);
	return n;
}

int pmc_lock(const char *resource, int timeout_s)
{
	char path[PATH_MAX + 64];
	int fd, r;

	snprintf(path, sizeof(path), "%s/locks", pmc_state_dir());
	r = mkdir_p(path);
	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/locks/%s.lock", pmc_state_dir(), resource);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* Bounded wait: another test program holds the resource. */
	for (long ms = 0; ; ms += 10) {
		if (!flock(fd, LOCK_EX | LOCK_NB))
			return fd;
		if (errno != EWOULDBLOCK || ms >= timeout_s * 1000L) {
			r = errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
			close(fd);
			return r;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
}

void pmc_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
