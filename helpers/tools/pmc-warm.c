// SPDX-License-Identifier: GPL-2.0
/*
 * pmc-warm: hold warm hugetlb pages for one run of the suite (hugetlb.h).
 *   pmc-warm    reserve one page of the PUD hugetlb size (1 GiB with 4K
 *               pages) through the knob journal, fault it once, keep it in
 *               the pool until stdin closes, then give it back.
 * run_tests.sh starts it for a full run with a pipe on stdin, and closes
 * the pipe when the programs are done: a runner killed on the way closes
 * it too. Killed itself, it leaves journal entries of a dead owner, which
 * the next program or run restores. Prints one line: what it held (with
 * the time the first fault took) or why not; exits 0 either way (warm
 * pages only save time).
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "hugetlb.h"
#include "probe.h"
#include "sizes.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	size_t hpsize = hugetlb_size(HUGETLB_PUD);
	struct hugetlb_pool pool;
	const char *why;
	char buf[256];
	double t0;

	if (!pmc_is_root() || !hpsize) {
		printf("pmc-warm: nothing to hold (%s)\n", hpsize ? "not root" : "no PUD hugetlb size");
		return 0;
	}
	t0 = now_s();
	why = hugetlb_warm_hold(&pool, hpsize, 1);
	if (why) {
		printf("pmc-warm: no warm page: %s\n", why);
		return 0;
	}
	printf("pmc-warm: holding 1 warm hugetlb page of %zu kB, reserved and faulted in %.3f s\n",
	       hpsize >> 10, now_s() - t0);
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	hugetlb_warm_drop(&pool);
	return 0;
}
