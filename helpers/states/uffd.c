// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "entry.h"
#include "probe.h"
#include "readers.h"
#include "scan.h"
#include "thp.h"
#include "uffd.h"

const char *uffd_open(struct uffd *u, uint64_t features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd;

	u->fd = -1;
	u->features = 0;
	/* USER_MODE_ONLY first: works with vm.unprivileged_userfaultfd=0 for
	 * non-root too; older kernels reject the flag, then retry without. */
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOSYS ? "userfaultfd not available" : "userfaultfd refused";
	if (ioctl(fd, UFFDIO_API, &api)) {
		int e = errno;

		close(fd);
		/* EVENT_FORK is refused without CAP_SYS_PTRACE (3c1c24d91ffd). */
		return e == EPERM ? "userfaultfd feature needs CAP_SYS_PTRACE (EVENT_FORK)" :
			"userfaultfd features not offered by this kernel";
	}
	if ((api.features & features) != features) {
		close(fd);
		return "userfaultfd features not offered by this kernel";
	}
	u->fd = fd;
	u->features = api.features;
	return NULL;
}

void uffd_close(struct uffd *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
}

const char *uffd_register_wp(struct uffd *u, void *addr, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};

	if (ioctl(u->fd, UFFDIO_REGISTER, &reg))
		return "userfaultfd WP registration refused";
	return NULL;
}

int uffd_unregister(struct uffd *u, void *addr, size_t len)
{
	struct uffdio_range range = { .start = (uintptr_t)addr, .len = len };

	return ioctl(u->fd, UFFDIO_UNREGISTER, &range) ? -errno : 0;
}

int uffd_writeprotect(struct uffd *u, void *addr, size_t len, bool protect)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	return ioctl(u->fd, UFFDIO_WRITEPROTECT, &wp) ? -errno : 0;
}

long uffd_wp_count(const void *addr, size_t npages)
{
	uint64_t *e = calloc(npages ? npages : 1, sizeof(*e));
	long n = 0;
	int r;

	if (!e)
		return -ENOMEM;
	r = pagemap_self(addr, npages, e);
	if (r) {
		free(e);
		return r < 0 ? r : -EIO;
	}
	for (size_t i = 0; i < npages; i++)
		n += !!(e[i] & PM_UFFD_WP);
	free(e);
	return n;
}

struct wp_writer {
	volatile char *p;
};

static void *wp_write(void *arg)
{
	struct wp_writer *w = arg;

	/* The same byte back: the page's content does not change. */
	*w->p = *w->p;
	return NULL;
}

/*
 * Oracle 1 (sync mode, a populated page).
 * Proof: fault delivery. A thread writes page k; the kernel must block it
 * and deliver a UFFD_EVENT_PAGEFAULT with UFFD_PAGEFAULT_FLAG_WP for that
 * range. Then the whole range is
 * unprotected (which wakes the writer) and protected again, so every page
 * is back in the armed state (the write stored the byte already there).
 */
static const char *prove_by_fault(struct uffd *u, struct region *r, size_t k)
{
	struct wp_writer w = { .p = (volatile char *)r->addr + k * page_size() };
	struct pollfd pfd = { .fd = u->fd, .events = POLLIN };
	struct uffd_msg msg;
	const char *why = NULL;
	pthread_t t;
	ssize_t n = 0;
	int pr;

	if (pthread_create(&t, NULL, wp_write, &w))
		return "thread creation failed";
	/* A bound, not a sleep: the message is normally there at once. */
	pr = poll(&pfd, 1, 10000);
	if (pr == 1)
		n = read(u->fd, &msg, sizeof(msg));
	if (pr != 1 || n != (ssize_t)sizeof(msg))
		why = state_broken("UFFDIO_WRITEPROTECT accepted on [%p, +%zu pages) but a write "
				   "to page %zu delivered no userfaultfd message within 10 s (poll %d, read %zd)",
				   (void *)r->addr, r->npages, k, pr, n);
	else if (msg.event != UFFD_EVENT_PAGEFAULT ||
		 !(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) ||
		 msg.arg.pagefault.address < (uintptr_t)r->addr ||
		 msg.arg.pagefault.address >= (uintptr_t)r->addr + r->len)
		why = state_broken("write to write-protected page %zu of %p delivered event 0x%x "
				   "flags 0x%llx address 0x%llx, want PAGEFAULT with FLAG_WP inside the range",
				   k, (void *)r->addr, msg.event,
				   (unsigned long long)msg.arg.pagefault.flags,
				   (unsigned long long)msg.arg.pagefault.address);
	/* Unprotect (wakes the writer whatever happened), then re-arm. */
	if (uffd_writeprotect(u, r->addr, r->len, false)) {
		pthread_join(t, NULL);	/* cannot happen: the range is registered */
		return why ?: state_broken("UFFDIO_WRITEPROTECT off refused: %s", strerror(errno));
	}
	pthread_join(t, NULL);
	if (uffd_writeprotect(u, r->addr, r->len, true))
		return why ?: state_broken("UFFDIO_WRITEPROTECT re-arm refused: %s", strerror(errno));
	return why;
}

struct wp_writer_done {
	volatile char *p;
	int done;		/* write end of a pipe: one byte when the write returned */
};

static void *wp_write_signal(void *arg)
{
	struct wp_writer_done *w = arg;
	char c = 1;

	*w->p = *w->p;
	if (write(w->done, &c, 1) != 1)
		return NULL;
	return NULL;
}

const char *uffd_prove_unprotected(struct uffd *u, struct region *r, size_t k)
{
	struct wp_writer_done w = { .p = (volatile char *)r->addr + k * page_size() };
	struct pollfd pfd[2];
	const char *why = NULL;
	int pipefd[2], pr;
	pthread_t t;

	if (pipe2(pipefd, O_CLOEXEC))
		return "pipe failed";
	w.done = pipefd[1];
	if (pthread_create(&t, NULL, wp_write_signal, &w)) {
		close(pipefd[0]);
		close(pipefd[1]);
		return "thread creation failed";
	}
	pfd[0] = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = u->fd, .events = POLLIN };	/* -1: ignored */
	/* Whichever comes first: the write returning, or a WP fault message. */
	pr = poll(pfd, 2, 10000);
	if (pr <= 0 || !(pfd[0].revents & POLLIN)) {
		why = state_broken("write to page %zu of %p %s: the page is still write-protected",
				   k, (void *)r->addr, pr <= 0 ? "did not return within 10 s" :
				   "raised a userfaultfd message");
		/* Let the writer go before joining it. */
		if (u->fd >= 0)
			uffd_writeprotect(u, r->addr, r->len, false);
	}
	pthread_join(t, NULL);
	close(pipefd[0]);
	close(pipefd[1]);
	return why;
}

/*
 * Oracle 2 (async mode, or no populated page).
 * Proof: PAGEMAP_SCAN. Every page that must be armed reads WRITTEN clear
 * (and WPALLOWED set in async mode). Used only where the ioctl exists (6.7+, probed).
 */
static const char *prove_by_scan(struct region *r, const bool *must, bool async)
{
	uint64_t *c = calloc(r->npages, sizeof(*c));
	const char *why = NULL;
	char err[256];
	int ret;

	if (!c)
		return "out of memory";
	ret = scan_pages(r->addr, r->npages, PAGE_IS_WPALLOWED | PAGE_IS_WRITTEN, c,
			 err, sizeof(err));
	if (ret)
		why = state_broken("PAGEMAP_SCAN over an armed range failed: %s",
				   ret == -EPROTO ? err : strerror(-ret));
	for (size_t i = 0; i < r->npages && !why; i++) {
		if (!must[i])
			continue;
		if ((c[i] & PAGE_IS_WRITTEN) || (async && !(c[i] & PAGE_IS_WPALLOWED)))
			why = state_broken("UFFDIO_WRITEPROTECT accepted but PAGEMAP_SCAN reports page "
					   "%zu of %p with categories 0x%llx (want WRITTEN clear%s)",
					   i, (void *)r->addr, (unsigned long long)c[i],
					   async ? ", WPALLOWED set" : "");
	}
	free(c);
	return why;
}

/* Minor faults this thread took while writing one byte of p (the same
 * value back), -1 when the counter is unreadable. */
static long write_minflt(char *addr)
{
	volatile char *p = addr;
	struct rusage a, b;

	if (getrusage(RUSAGE_THREAD, &a))
		return -1;
	*p = *p;
	if (getrusage(RUSAGE_THREAD, &b))
		return -1;
	return b.ru_minflt - a.ru_minflt;
}

/*
 * Oracle 3 (async mode, a populated base page of an anonymous mapping).
 * Proof: the fault counter, neither pagemap nor PAGEMAP_SCAN. The kernel
 * resolves an async WP fault itself (do_wp_page() drops the pte's uffd-wp
 * bit, no message), but it is still a fault: a write to the armed page k
 * must raise ru_minflt, while a write to an unarmed, present, writable
 * page (the control, a page of its own) raises nothing. Page k is then
 * protected again (UFFDIO_WRITEPROTECT on that page alone), so the range
 * keeps the state the tests assert. A control that faults, or a page
 * mapped by a huge entry (the async fault splits a PMD), leaves the proof
 * to the scan (NULL here). File mappings too: a clean page-cache page
 * is write-protected for dirty tracking whether armed or not.
 */
static const char *prove_by_minflt(struct uffd *u, struct region *r, size_t k)
{
	char *a = r->addr + k * page_size();
	struct region ctl = { .fd = -1 };
	long ctl_f, armed_f, huge;

	huge = smaps_kb(a, page_size(), "AnonHugePages") + smaps_kb(a, page_size(), "ShmemPmdMapped");
	if (r->fd >= 0 || huge != 0 ||
	    smaps_kb(a, page_size(), "KernelPageSize") != (long)(page_size() >> 10))
		return NULL;
	if (anon_build(&ctl, 1, ANON_WRITTEN))
		return NULL;
	ctl_f = write_minflt(ctl.addr);
	region_unmap(&ctl);
	if (ctl_f != 0)
		return NULL;
	armed_f = write_minflt(a);
	if (uffd_writeprotect(u, a, page_size(), true))
		return state_broken("UFFDIO_WRITEPROTECT re-arm of page %zu of %p refused: %s",
				    k, (void *)r->addr, strerror(errno));
	if (armed_f < 1)
		return state_broken("UFFDIO_WRITEPROTECT (async) accepted on %p, yet a write to its "
				    "populated page %zu took %ld minor faults (want >= 1: the WP fault; "
				    "the same write to an unarmed present page took %ld)",
				    (void *)r->addr, k, armed_f, ctl_f);
	return NULL;
}

/*
 * Register + protect, then prove the arming.
 * Proof: without pagemap bit 57 (which the pagemap tests assert): smaps
 * VmFlags "uw" shows the VMA registered for WP; then fault delivery on a populated page in sync mode (works on
 * every kernel); in async mode the minor fault a write to a populated
 * base page takes (prove_by_minflt), then PAGEMAP_SCAN for every page
 * (async mode and WP_UNPOPULATED markers, 6.7+). Which pages must be armed: with all_pages every page, else the
 * populated ones (mincore, not pagemap, says which). A refusal of the
 * registration or protection is a SKIP; the kernel accepting both while an
 * oracle disagrees is state_broken (FAIL).
 */
static const char *arm_and_prove(struct uffd *u, struct region *r, bool all_pages, bool async)
{
	unsigned char *inc = calloc(r->npages, 1);
	bool *must = calloc(r->npages, sizeof(*must));
	size_t first = SIZE_MAX, nmust = 0;
	const char *why;
	int uw;

	if (!inc || !must) {
		free(inc);
		free(must);
		return "out of memory";
	}
	why = uffd_register_wp(u, r->addr, r->len);
	if (!why && uffd_writeprotect(u, r->addr, r->len, true))
		why = "userfaultfd write-protect refused";
	if (!why && mincore(r->addr, r->len, inc))
		why = "mincore failed";
	for (size_t i = 0; !why && i < r->npages; i++) {
		must[i] = all_pages || (inc[i] & 1);
		nmust += must[i];
		if ((inc[i] & 1) && first == SIZE_MAX)
			first = i;
	}
	uw = why ? 1 : pmc_vma_flag(r->addr, "uw");
	if (!why && uw == 0)
		why = state_broken("UFFDIO_REGISTER (WP) accepted on %p but smaps VmFlags lack \"uw\"",
				   (void *)r->addr);
	if (!why && nmust) {
		if (!async && first != SIZE_MAX)
			why = prove_by_fault(u, r, first);
		else if (first != SIZE_MAX)
			why = prove_by_minflt(u, r, first);
		if (!why && (async || first == SIZE_MAX) && pmc_have_pagemap_scan() == 1)
			why = prove_by_scan(r, must, async);
		/* else (6.4-6.6, markers only): registration and the accepted
		 * ioctls are the proof. */
	}
	free(inc);
	free(must);
	return why;
}

const char *uffd_async_track(struct uffd *u, struct region *r, bool shmem_or_hugetlb)
{
	uint64_t f = shmem_or_hugetlb ? UFFD_ASYNC_ALL_FEATURES : UFFD_ASYNC_FEATURES;
	const char *why = uffd_open(u, f);

	if (why)
		return why;
	why = arm_and_prove(u, r, true, true);
	if (why)
		uffd_close(u);
	return why;
}

const char *uffd_sync_wp(struct uffd *u, struct region *r, uint64_t features,
			 bool shmem_or_hugetlb)
{
	const char *why;

	if (shmem_or_hugetlb)
		features |= UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
	why = uffd_open(u, features);
	if (why)
		return why;
	why = arm_and_prove(u, r, features & UFFD_FEATURE_WP_UNPOPULATED, false);
	if (why)
		uffd_close(u);
	return why;
}
