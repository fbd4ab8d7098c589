// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the knob journal (helpers/env/knobs.c), on a private state
 * directory and temp files standing in for sysfs knobs (the real sysfs is
 * never touched):
 *  - knob_write journals the old value (canonicalised: "always [madvise]
 *    never" → "madvise") and writes; knob_restore puts it back and drops the
 *    entry;
 *  - an entry whose owner is alive is left alone by journal_restore(false);
 *  - a dead owner's entry is adopted by the next writer of the knob;
 *  - a child that changed a knob and was SIGKILLed: journal_restore(false)
 *    restores it (what `run_tests.sh` does at start);
 *  - created resources (J_FILE) are undone the same way;
 *  - pmc_lock is exclusive and its wait is bounded.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pmc_test.h"

static char state_dir[] = "/tmp/pmc-unit-state-XXXXXX";

static void remove_state(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
	if (system(cmd))
		fprintf(stderr, "# could not remove %s\n", state_dir);
}

/* Before main: the journal must never be the real one. */
static void __attribute__((constructor)) private_state(void)
{
	if (!mkdtemp(state_dir))
		abort();
	setenv("PMC_STATE_DIR", state_dir, 1);
	atexit(remove_state);
}

static void make_knob(char *path, size_t len, const char *name, const char *value)
{
	snprintf(path, len, "%s/%s", state_dir, name);
	pmc_write_file(path, "");
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(value, f);
		fclose(f);
	}
}

/* The file starts with 'want' (pmc_write_file does not truncate, as sysfs). */
static bool starts_with(const char *path, const char *want)
{
	char buf[256];

	return !pmc_read_file(path, buf, sizeof(buf)) && !strncmp(buf, want, strlen(want));
}

TEST(canonical)
{
	char out[64];

	knob_canonical("always [madvise] never", out, sizeof(out));
	EXPECT_STREQ("madvise", out);
	knob_canonical("[always] inherit madvise never", out, sizeof(out));
	EXPECT_STREQ("always", out);
	knob_canonical("100", out, sizeof(out));
	EXPECT_STREQ("100", out);
}

TEST(write_saves_restore_puts_back)
{
	char knob[512];

	make_knob(knob, sizeof(knob), "enabled", "always [madvise] never\n");
	ASSERT_EQ(0, journal_count());
	ASSERT_EQ(0, knob_write(knob, "never"));
	EXPECT_TRUE(starts_with(knob, "never"));
	EXPECT_EQ(1, journal_count());
	/* A second write keeps the first saved value. */
	ASSERT_EQ(0, knob_write(knob, "always"));
	EXPECT_EQ(1, journal_count());
	EXPECT_EQ(0, knob_restore(knob));
	EXPECT_TRUE(starts_with(knob, "madvise"));
	EXPECT_EQ(0, journal_count());
}

TEST(live_owner_left_alone)
{
	char knob[512];

	make_knob(knob, sizeof(knob), "pages_to_scan", "100");
	ASSERT_EQ(0, knob_write(knob, "999"));
	EXPECT_EQ(0, journal_restore(false, NULL));
	EXPECT_TRUE(starts_with(knob, "999"));
	EXPECT_EQ(1, journal_restore(true, NULL));
	EXPECT_TRUE(starts_with(knob, "100"));
	EXPECT_EQ(0, journal_count());
}

/* A child that writes 'value' to 'knob' through the journal, then waits to
 * be killed. Returns its pid once the write is done, -1 on failure. */
static pid_t child_holding_knob(const char *knob, const char *value)
{
	int p[2];
	char c = 'e';
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		c = knob_write(knob, value) ? 'e' : 'k';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1 || c != 'k') {
		if (pid > 0)
			kill(pid, SIGKILL);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

TEST(killed_owner_restored)
{
	char knob[512];
	int status;
	pid_t pid;

	make_knob(knob, sizeof(knob), "run", "0");
	pid = child_holding_knob(knob, "1");
	ASSERT_LT(0, pid);
	EXPECT_TRUE(starts_with(knob, "1"));
	/* Owner alive: not ours to restore. */
	EXPECT_EQ(0, journal_restore(false, NULL));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(1, journal_restore(false, NULL));
	EXPECT_TRUE(starts_with(knob, "0"));
	EXPECT_EQ(0, journal_count());
}

/*
 * The next user of a knob whose owner was killed adopts the entry: the
 * original value stays the one saved, and a harness restoring dead owners'
 * entries no longer touches it (that race left KSM running after a kill).
 */
TEST(dead_owner_entry_adopted)
{
	char knob[512];
	int status;
	pid_t pid;

	make_knob(knob, sizeof(knob), "sleep_millisecs", "20");
	pid = child_holding_knob(knob, "0");
	ASSERT_LT(0, pid);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* We take the knob over before anyone restored it. */
	ASSERT_EQ(0, knob_write(knob, "5"));
	EXPECT_EQ(0, journal_restore(false, NULL));
	EXPECT_TRUE(starts_with(knob, "5"));
	EXPECT_EQ(0, knob_restore(knob));
	EXPECT_TRUE(starts_with(knob, "20"));
	EXPECT_EQ(0, journal_count());
}

TEST(created_file_undone)
{
	char path[512];
	int status;
	pid_t pid;

	make_knob(path, sizeof(path), "scratch", "x");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(journal_add(J_FILE, path) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(1, journal_restore(false, NULL));
	EXPECT_NE(0, access(path, F_OK));
}

TEST(lock_exclusive_bounded)
{
	int a = pmc_lock("unit", 1), b;

	ASSERT_LE(0, a);
	b = pmc_lock("unit", 0);
	EXPECT_EQ(-ETIMEDOUT, b);
	pmc_unlock(a);
	b = pmc_lock("unit", 0);
	EXPECT_LE(0, b);
	pmc_unlock(b);
}

PMC_MAIN
