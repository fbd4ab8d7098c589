// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "compat.h"
#include "hwpoison.h"
#include "probe.h"

static sigjmp_buf hw_jump;
static volatile sig_atomic_t hw_code;
static void *volatile hw_addr;

static void hw_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	hw_code = si->si_code;
	hw_addr = si->si_addr;
	siglongjmp(hw_jump, 1);
}

const char *hwpoison_build(struct region *r, uint64_t *pfn)
{
	struct sigaction sa = { .sa_sigaction = hw_sigbus, .sa_flags = SA_SIGINFO }, old;
	volatile int rc = 0, err = 0;
	const char *why;

	if (!pmc_destructive_allowed())
		return "destructive tests not allowed";
	if (pmc_kconfig("CONFIG_MEMORY_FAILURE") != 'y')
		return "CONFIG_MEMORY_FAILURE off";
	why = anon_build(r, 1, ANON_WRITTEN);
	if (why)
		return why;
	if (pfn)
		*pfn = pfn_of(r->addr);
	if (sigaction(SIGBUS, &sa, &old))
		return "sigaction(SIGBUS) refused";
	/* the poison: the kernel may SIGBUS us before madvise returns */
	if (!sigsetjmp(hw_jump, 1)) {
		rc = madvise(r->addr, page_size(), MADV_HWPOISON);
		err = errno;
	}
	if (rc) {
		sigaction(SIGBUS, &old, NULL);
		return err == EPERM ? "MADV_HWPOISON needs CAP_SYS_ADMIN" : "MADV_HWPOISON refused";
	}
	/* the proof: a read meets the hwpoison entry */
	hw_code = 0;
	hw_addr = NULL;
	if (!sigsetjmp(hw_jump, 1))
		(void)*(volatile char *)r->addr;
	sigaction(SIGBUS, &old, NULL);
	if (hw_code != BUS_MCEERR_AR || hw_addr != r->addr)
		return state_broken("MADV_HWPOISON accepted on %p, yet a read of the page %s (si_code %d, si_addr %p; BUS_MCEERR_AR is %d)",
				    r->addr, hw_code ? "raised another SIGBUS" : "raised no SIGBUS",
				    (int)hw_code, hw_addr, BUS_MCEERR_AR);
	return NULL;
}
