/* SPDX-License-Identifier: GPL-2.0 */
/* Capabilities (libcap): run a function with CAP_SYS_ADMIN dropped. */
#ifndef PMC_CAPS_H
#define PMC_CAPS_H

#include <stdbool.h>
#include <sys/capability.h>

bool pmc_have_cap(cap_value_t cap);
/* Drop 'cap' from the effective, permitted and inheritable sets of the
 * calling process (and its bounding set when allowed). 0 or -errno. */
int pmc_drop_cap(cap_value_t cap);
/*
 * Fork; in the child switch to uid/gid 'uid' (a user with no privileges),
 * drop CAP_SYS_ADMIN and run fn(arg), whose return value becomes the
 * child's exit status. Returns that status (0..255), -errno when the child
 * could not be run, or -ECHILD when it died by a signal. (A long-lived child
 * that drops the capability: child_drop_sys_admin() in fork.h.)
 */
int pmc_run_as_uid(unsigned uid, int (*fn)(void *), void *arg);

#endif
