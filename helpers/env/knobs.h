/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The knob journal: leave the machine as we found it.
 *
 * Before any sysfs/procfs value is changed, its current value is written to
 * a journal entry (one file per knob under $PMC_STATE_DIR/journal, default
 * /run/pagemap-conformance). Entries also record resources the suite
 * creates: swap files, cgroups, scratch files, mounts. An entry is removed
 * once the original state is back.
 *
 * Restoration happens in the test's teardown (knob_restore), after each test
 * case and at program exit for entries whose owner died (a test killed by
 * its timeout), and for a runner killed with SIGKILL at the next
 * run_tests.sh start (`pmc-journal restore`, i.e. run_tests.sh --restore).
 *
 * Global resources (KSM, swap, hugepage pools, THP knobs) are also guarded by
 * an exclusive lock so that parallel test programs serialise instead of
 * racing: pmc_lock("ksm") before changing them.
 */
#ifndef PMC_KNOBS_H
#define PMC_KNOBS_H

#include <stdbool.h>
#include <stddef.h>

enum journal_kind {
	J_KNOB,		/* restore the saved value into the file */
	J_SWAP,		/* swapoff + unlink */
	J_CGROUP,	/* rmdir (after moving tasks to the parent) */
	J_FILE,		/* unlink */
	J_MOUNT,	/* umount + rmdir */
};

const char *pmc_state_dir(void);

/* Save the knob's value (first change only) and write 'value'. 0 or -errno. */
int knob_write(const char *path, const char *value);
/* Put one knob back and drop its entry. 0 if there was nothing to do. */
int knob_restore(const char *path);

/* Record / forget a created resource. */
int journal_add(enum journal_kind kind, const char *path);
int journal_forget(const char *path);
/* Undo one entry now (knob value back, swapoff, rmdir, ...) and drop it. */
int journal_undo(const char *path);

/* Undo entries whose owner process is gone (all of them if 'all').
 * Returns the number undone, or -errno; 'log' gets one line per entry. */
int journal_restore(bool all, void (*log)(const char *line));
/* Number of entries (any owner). */
int journal_count(void);

/* Exclusive lock on a named global resource; held until pmc_unlock or exit.
 * Blocks up to timeout_s seconds; returns fd or -errno (-ETIMEDOUT). */
int pmc_lock(const char *resource, int timeout_s);
void pmc_unlock(int fd);

/* The value to save from a knob read: "always [madvise] never" -> "madvise". */
void knob_canonical(const char *raw, char *out, size_t len);

#endif
