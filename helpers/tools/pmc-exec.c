// SPDX-License-Identifier: GPL-2.0
/*
 * pmc-exec: run one test program the way the bats glue records it
 * (helpers/bats/common.bash, pmc_run_program), in one process instead of
 * the setsid + timeout + env + FIFO + a bash loop per output line it took
 * before (about 20 ms a program, docs/speed.md).
 *
 *   pmc-exec [options] TAP TIMES RC -- PROG [ARG...]
 *     --timeout S        SIGTERM to the program's process group after S
 *                        seconds (0: none), as timeout(1) does;
 *     --kill-after K     SIGKILL K seconds after that (default 5);
 *     --sessions DIR     DIR/<session id> exists while the program runs, so
 *                        that the next start of a SIGKILLed runner finds
 *                        what it left (run_tests.sh reap_dead_runs);
 *     --setenv N=V, --unsetenv N   the program's environment (TMPDIR).
 *
 * The program runs in a session of its own (the harness runs each case in
 * a process group of its own, which outlives a harness killed by the
 * timeout: the session finds them), stdin /dev/null, stdout and stderr one
 * pipe. Each line it writes goes to TAP and the wall-clock time it was read
 * to TIMES (seconds.microseconds), a last line without a newline included.
 * When the program has exited, what is left of its session is SIGKILLed,
 * and the pipe is read to its end (a process that escaped the session and
 * holds it open stops the reading after 10 s). RC gets the exit status with
 * timeout(1)'s meaning: the program's own, 124 when the timeout hit, 128+N
 * when a signal N ended it otherwise.
 * Prints "FAILED PASSED": whether a "not ok" line and a non-SKIP "ok N" line
 * were seen (the glue's pass/fail/skip of the bats test).
 * Exit status: 0, or 2 when it could not run the program at all.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define DRAIN_MS 10000

static int sigpipe_fd[2] = { -1, -1 };

static void on_chld(int sig)
{
	int e = errno;

	(void)sig;
	if (write(sigpipe_fd[1], "c", 1) < 0) {
		/* full pipe: a wakeup is already pending */
	}
	errno = e;
}

static double mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* SIGKILL every process of session sid but the leader (already reaped). */
static void kill_session(pid_t sid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[64], st[1024], *p;
		int pid, session;
		char state;

		pid = atoi(e->d_name);
		if (pid <= 0 || pid == sid)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		p = pmc_read_file(path, st, sizeof(st)) ? NULL : strrchr(st, ')');
		/* ") state ppid pgrp session" */
		if (p && sscanf(p + 1, " %c %*d %*d %d", &state, &session) == 2 &&
		    session == sid && state != 'Z')
			kill(pid, SIGKILL);
	}
	closedir(d);
}

struct out {
	FILE *tap, *times;
	char line[65536];
	size_t len;
	bool failed, passed;
};

static void emit(struct out *o)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	o->line[o->len] = 0;
	fprintf(o->tap, "%s\n", o->line);
	fprintf(o->times, "%lld.%06ld\n", (long long)t.tv_sec, t.tv_nsec / 1000);
	if (!strncmp(o->line, "not ok ", 7))
		o->failed = true;
	else if (!strncmp(o->line, "ok ", 3) && o->line[3] >= '0' && o->line[3] <= '9' &&
		 !strstr(o->line, " # SKIP"))
		o->passed = true;
	o->len = 0;
}

/* Reads what is there; false at end of file. */
static bool take(struct out *o, int fd)
{
	char buf[16384];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			emit(o);
		else if (o->len < sizeof(o->line) - 1)
			o->line[o->len++] = buf[i];
	}
	return true;
}

static int usage(void)
{
	fprintf(stderr, "usage: pmc-exec [--timeout S] [--kill-after K] [--sessions DIR] "
			"[--setenv N=V] [--unsetenv N] TAP TIMES RC -- PROG [ARG...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	double timeout = 0, kill_after = 5, deadline, start, drain_end = 0;
	const char *sessions = NULL, *files[3];
	char session_file[4096] = "";
	struct out o = { 0 };
	int i, nf = 0, pfd[2], status = 0, rc, devnull;
	bool exited = false, open_pipe = true, termed = false, killed = false;
	struct sigaction sa = { 0 };
	pid_t pid;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			timeout = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--kill-after") && i + 1 < argc) {
			kill_after = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--sessions") && i + 1 < argc) {
			sessions = argv[++i];
		} else if (!strcmp(argv[i], "--setenv") && i + 1 < argc) {
			if (putenv(argv[++i]))
				return usage();
		} else if (!strcmp(argv[i], "--unsetenv") && i + 1 < argc) {
			unsetenv(argv[++i]);
		} else if (argv[i][0] == '-' || nf == 3) {
			return usage();
		} else {
			files[nf++] = argv[i];
		}
	}
	if (nf != 3 || i >= argc)
		return usage();
	o.tap = fopen(files[0], "we");
	o.times = fopen(files[1], "we");
	if (!o.tap || !o.times) {
		fprintf(stderr, "pmc-exec: cannot write %s / %s\n", files[0], files[1]);
		return 2;
	}
	if (pipe2(pfd, O_CLOEXEC) || pipe2(sigpipe_fd, O_CLOEXEC | O_NONBLOCK)) {
		perror("pmc-exec: pipe");
		return 2;
	}
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);

	start = mono();
	pid = fork();
	if (pid < 0) {
		perror("pmc-exec: fork");
		return 2;
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDONLY);
		setsid();
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(pfd[1], 1) < 0 || dup2(pfd[1], 2) < 0)
			_exit(126);
		signal(SIGCHLD, SIG_DFL);
		execv(argv[i], argv + i);
		fprintf(stderr, "pmc-exec: %s: %s\n", argv[i], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(pfd[1]);
	if (sessions) {
		int fd;

		snprintf(session_file, sizeof(session_file), "%s/%d", sessions, pid);
		fd = open(session_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}

	deadline = timeout > 0 ? start + timeout : 0;
	while (!exited || open_pipe) {
		struct pollfd p[2];
		int n = 0, ms = -1;
		double now = mono(), until = exited ? drain_end : deadline;
		char c;

		if (open_pipe)
			p[n++] = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
		if (!exited)
			p[n++] = (struct pollfd){ .fd = sigpipe_fd[0], .events = POLLIN };
		if (until)
			ms = until > now ? (int)((until - now) * 1000) + 1 : 0;
		if (poll(p, n, ms) < 0 && errno != EINTR)
			break;
		if (open_pipe && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			open_pipe = take(&o, pfd[0]);
		now = mono();
		if (exited) {
			if (open_pipe && now >= drain_end) {
				fprintf(o.tap, "# pmc-exec: the output pipe was still open %d s after the "
					       "program exited (a process outside its session holds it)\n",
					DRAIN_MS / 1000);
				break;
			}
			continue;
		}
		while (read(sigpipe_fd[0], &c, 1) == 1)
			;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			kill_session(pid);
			drain_end = mono() + DRAIN_MS / 1000.0;
		} else if (deadline && now >= deadline) {
			if (!termed) {
				/* timeout(1): TERM (and CONT) to the group, KILL later */
				termed = true;
				kill(-pid, SIGTERM);
				kill(-pid, SIGCONT);
				deadline = now + kill_after;
			} else {
				killed = true;
				kill(-pid, SIGKILL);
				deadline = 0;
			}
		}
	}
	if (o.len)
		emit(&o);

	if (killed)
		rc = 128 + SIGKILL;
	else if (termed)
		rc = 124;
	else if (WIFEXITED(status))
		rc = WEXITSTATUS(status);
	else
		rc = 128 + WTERMSIG(status);
	if (session_file[0])
		unlink(session_file);
	if (fclose(o.tap) | fclose(o.times)) {
		fprintf(stderr, "pmc-exec: writing %s / %s failed\n", files[0], files[1]);
		return 2;
	}
	{
		FILE *f = fopen(files[2], "we");

		if (!f || fprintf(f, "%d\n", rc) < 0 || fclose(f)) {
			fprintf(stderr, "pmc-exec: cannot write %s\n", files[2]);
			return 2;
		}
	}
	printf("%d %d\n", o.failed, o.passed);
	return 0;
}
