// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "fork.h"
#include "probe.h"
#include "readers.h"
#include "scan.h"
#include "state.h"

/* Sent by value: the child's copy of the parent's stack is the one of
 * fork() time, so pointers to the parent's locals would be stale there. */
struct call {
	int (*fn)(struct child *c, void *addr, size_t n);
	void *addr;
	size_t n;
};

static int write_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EPIPE;
		p = (const char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EPIPE;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

static void child_loop(struct child *c)
{
	struct call call;

	/* Do not outlive a killed test. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (!read_all(c->cmd, &call, sizeof(call))) {
		int r = call.fn(c, call.addr, call.n);

		if (write_all(c->ack, &r, sizeof(r)))
			break;
	}
	_exit(0);
}

const char *child_start(struct child *c)
{
	int cmd[2], ack[2];

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->cmd = c->ack = -1;
	c->shm = mmap(NULL, CHILD_SHM_ITEMS * sizeof(uint64_t), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->shm == MAP_FAILED) {
		c->shm = NULL;
		return "mmap failed";
	}
	if (pipe2(cmd, O_CLOEXEC))
		return "pipe failed";
	if (pipe2(ack, O_CLOEXEC)) {
		close(cmd[0]);
		close(cmd[1]);
		return "pipe failed";
	}
	c->pid = fork();
	if (c->pid < 0) {
		close(cmd[0]); close(cmd[1]); close(ack[0]); close(ack[1]);
		return "fork failed";
	}
	if (c->pid == 0) {
		close(cmd[1]);
		close(ack[0]);
		c->cmd = cmd[0];
		c->ack = ack[1];
		child_loop(c);
	}
	close(cmd[0]);
	close(ack[1]);
	c->cmd = cmd[1];
	c->ack = ack[0];
	return NULL;
}

int child_call(struct child *c, int (*fn)(struct child *c, void *addr, size_t n),
	       void *addr, size_t n)
{
	struct call call = { .fn = fn, .addr = addr, .n = n };
	int r;

	if (c->pid <= 0 || write_all(c->cmd, &call, sizeof(call)) ||
	    read_all(c->ack, &r, sizeof(r)))
		return -EPIPE;
	return r;
}

static int do_write(struct child *c, void *addr, size_t n)
{
	(void)c;
	for (size_t i = 0; i < n; i++)
		((volatile char *)addr)[i * page_size()] = (char)(0x80 + i);
	return 0;
}

int child_write(struct child *c, void *addr, size_t npages)
{
	return child_call(c, do_write, addr, npages);
}

static int do_munmap(struct child *c, void *addr, size_t len)
{
	(void)c;
	return munmap(addr, len) ? errno : 0;
}

int child_munmap(struct child *c, void *addr, size_t len)
{
	return child_call(c, do_munmap, addr, len);
}

static int do_pagemap(struct child *c, void *addr, size_t n)
{
	int r = pagemap_self(addr, n, c->shm);

	return r < 0 ? -r : 0;
}

/* Run fn in the child, which fills c->shm with npages u64; copy them out. */
static int child_fetch(struct child *c, int (*fn)(struct child *c, void *addr, size_t n),
		       const void *addr, size_t npages, uint64_t *out)
{
	int r;

	if (npages > CHILD_SHM_ITEMS)
		return -E2BIG;
	r = child_call(c, fn, (void *)addr, npages);
	if (r)
		return r < 0 ? r : -r;
	memcpy(out, c->shm, npages * sizeof(uint64_t));
	return 0;
}

int child_pagemap(struct child *c, const void *addr, size_t npages, uint64_t *out)
{
	return child_fetch(c, do_pagemap, addr, npages, out);
}

static int do_scan(struct child *c, void *addr, size_t n)
{
	char why[256];
	int r = scan_pages(addr, n, pmc_scan_categories(), c->shm, why, sizeof(why));

	return r < 0 ? -r : 0;
}

int child_scan(struct child *c, const void *addr, size_t npages, uint64_t *out)
{
	return child_fetch(c, do_scan, addr, npages, out);
}

void child_stop(struct child *c)
{
	int status;

	if (c->cmd >= 0)
		close(c->cmd);
	if (c->ack >= 0)
		close(c->ack);
	c->cmd = c->ack = -1;
	if (c->pid > 0)
		while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
			;
	c->pid = -1;
	if (c->shm)
		munmap(c->shm, CHILD_SHM_ITEMS * sizeof(uint64_t));
	c->shm = NULL;
}

static int c_drop_sys_admin(struct child *c, void *addr, size_t n)
{
	(void)c; (void)addr; (void)n;
	return pmc_drop_cap(CAP_SYS_ADMIN) || pmc_have_cap(CAP_SYS_ADMIN) ? 1 : 0;
}

int child_drop_sys_admin(struct child *c)
{
	return child_call(c, c_drop_sys_admin, NULL, 0);
}
