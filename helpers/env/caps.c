// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"

bool pmc_have_cap(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t c = cap_get_proc();

	if (!c)
		return false;
	cap_get_flag(c, cap, CAP_EFFECTIVE, &v);
	cap_free(c);
	return v == CAP_SET;
}

int pmc_drop_cap(cap_value_t cap)
{
	cap_value_t list[1] = { cap };
	cap_t c = cap_get_proc();
	int r = 0;

	if (!c)
		return -errno;
	if (cap_set_flag(c, CAP_EFFECTIVE, 1, list, CAP_CLEAR) ||
	    cap_set_flag(c, CAP_PERMITTED, 1, list, CAP_CLEAR) ||
	    cap_set_flag(c, CAP_INHERITABLE, 1, list, CAP_CLEAR) ||
	    cap_set_proc(c))
		r = -errno;
	cap_free(c);
	/* Best effort: keeps an exec'd helper from regaining it. */
	prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	return r;
}

int pmc_run_as_uid(unsigned uid, int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (setgroups(0, NULL), setgid(uid) || setuid(uid))
			_exit(254);
		if (pmc_drop_cap(CAP_SYS_ADMIN) || pmc_have_cap(CAP_SYS_ADMIN))
			_exit(255);
		_exit(fn(arg) & 0xff);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}
