/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Glue between kselftest_harness.h and the suite.
 *
 * Include this instead of kselftest_harness.h. It adds:
 *  - EXPECT_PM / EXPECT_KPF: whole-entry comparisons that print both words
 *    decoded by name when they differ;
 *  - REQUIRE(cond, "static reason"): a requirement turned into a SKIP;
 *  - PMC_FIX / PMC_FEATURE: the upstream commit a test pins, declared next to
 *    the test and exported as JSON by `prog --meta`;
 *  - PMC_MAIN: the program's main. `prog --list` prints full test names,
 *    `prog --meta` the tags, `prog [NAME...]` runs all or the named tests.
 *    Between test cases it undoes journal entries left by a test that was
 *    killed (timeout), so one test's leftovers never leak into the next.
 */
#ifndef PMC_TEST_H
#define PMC_TEST_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>

/* The harness is built with -Wextra here: its own definitions trip
 * unused-parameter/unused-function, and its TEST_F expansion -Wclobbered. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-function"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#include "caps.h"
#include "compat.h"
#include "entry.h"
#include "knobs.h"
#include "probe.h"
#include "readers.h"

/* TEST_F/FIXTURE bodies do not use every parameter, and the harness'
 * setjmp-based expansion trips -Wclobbered in every test file. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wclobbered"
#endif

#define PMC_FAIL_CHECK() do { \
	_metadata->exit_code = KSFT_FAIL; \
	_metadata->trigger = 1; \
} while (0)

/*
 * A whole-entry check over 512 pages of a THP can fail 512 times: the first
 * PMC_MAX_DIFF_LINES mismatches of a test case are printed in full, then one
 * line says that the rest are not shown. Each test case runs in its own
 * process, so the counter starts at zero for every case.
 */
#define PMC_MAX_DIFF_LINES 16
static unsigned int pmc_mismatches;
static inline bool pmc_mismatch_printable(void)
{
	if (++pmc_mismatches == PMC_MAX_DIFF_LINES + 1)
		fprintf(TH_LOG_STREAM, "# ... further mismatches of this case not shown\n");
	return pmc_mismatches <= PMC_MAX_DIFF_LINES;
}

/* EXPECT with a formatted, capped message: PMC_EXPECT(a == b, "page %zu", i) */
#define PMC_EXPECT(cond, fmt, ...) do { \
	if (!(cond)) { \
		if (pmc_mismatch_printable()) \
			__TH_LOG("expected %s: " fmt, #cond, ##__VA_ARGS__); \
		PMC_FAIL_CHECK(); \
	} \
} while (0)

/* EXPECT_PM(&expect, entry, "page %zu", i) */
#define EXPECT_PM(x, e, fmt, ...) do { \
	char __why[1536]; \
	uint64_t __e = (e); \
	if (!pm_match((x), __e, __why, sizeof(__why))) { \
		if (pmc_mismatch_printable()) \
			__TH_LOG("pagemap " fmt ": %s", ##__VA_ARGS__, __why); \
		PMC_FAIL_CHECK(); \
	} \
} while (0)

#define EXPECT_KPF(x, f, fmt, ...) do { \
	char __why[1536]; \
	uint64_t __f = (f); \
	if (!kpf_match((x), __f, __why, sizeof(__why))) { \
		if (pmc_mismatch_printable()) \
			__TH_LOG("kpageflags " fmt ": %s", ##__VA_ARGS__, __why); \
		PMC_FAIL_CHECK(); \
	} \
} while (0)

/* A requirement: SKIP with a static reason (no numbers, no paths). */
#define REQUIRE(cond, reason) do { \
	if (!(cond)) \
		SKIP(return, reason); \
} while (0)

#define REQUIRE_ROOT() REQUIRE(pmc_is_root(), "needs root")
/* Looking a page up in /proc/kpage* needs its PFN: root and CAP_SYS_ADMIN. */
#define REQUIRE_PFNS() do { \
	REQUIRE_ROOT(); \
	REQUIRE(pmc_have_cap(CAP_SYS_ADMIN), "needs CAP_SYS_ADMIN"); \
} while (0)

/* ---- tags: which upstream change a test pins ---- */
struct pmc_tag {
	const char *test;	/* fnmatch pattern over "fixture.variant.test" */
	const char *kind;	/* "fix" or "feature" */
	const char *id;		/* catalog id, e.g. PMFILE-PMD */
	const char *commit;	/* upstream hash (12+ hex), "" if not merged */
	const char *subject;	/* upstream commit subject */
	const char *release;	/* first mainline release, e.g. "6.11" */
	const char *state;	/* memory state the test needs */
	struct pmc_tag *next;
};
static struct pmc_tag *pmc_tags;

#define __PMC_TAG(line, kind_, pattern, id_, commit_, subject_, release_, state_) \
	static struct pmc_tag __pmc_tag_##line = { \
		.test = pattern, .kind = kind_, .id = id_, .commit = commit_, \
		.subject = subject_, .release = release_, .state = state_ }; \
	static void __attribute__((constructor)) __pmc_tag_reg_##line(void) \
	{ \
		__pmc_tag_##line.next = pmc_tags; \
		pmc_tags = &__pmc_tag_##line; \
	}
#define __PMC_TAG2(line, ...) __PMC_TAG(line, __VA_ARGS__)
/* PMC_FIX("fixture.variant.test", "ID", "hash", "subject", "6.11", "state") */
#define PMC_FIX(...) __PMC_TAG2(__LINE__, "fix", __VA_ARGS__)
#define PMC_FEATURE(...) __PMC_TAG2(__LINE__, "feature", __VA_ARGS__)

static void pmc_json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void pmc_full_name(struct __fixture_metadata *f, struct __fixture_variant_metadata *v,
			  struct __test_metadata *t, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s.%s", f->name, v->name[0] ? "." : "", v->name, t->name);
}

static void pmc_print_meta(void)
{
	for (struct pmc_tag *g = pmc_tags; g; g = g->next) {
		printf("{\"test\":");
		pmc_json_str(g->test);
		printf(",\"kind\":");
		pmc_json_str(g->kind);
		printf(",\"id\":");
		pmc_json_str(g->id);
		printf(",\"commit\":");
		pmc_json_str(g->commit);
		printf(",\"subject\":");
		pmc_json_str(g->subject);
		printf(",\"release\":");
		pmc_json_str(g->release);
		printf(",\"state\":");
		pmc_json_str(g->state);
		printf("}\n");
	}
}

static void pmc_log_restore(const char *line)
{
	printf("# journal: %s\n", line);
	fflush(stdout);
}

/*
 * PMC_MAIN: main() over the stock runner, test_harness_run(), so the suite
 * builds and runs against any kselftest_harness.h from 6.12 on. All stock
 * options work (-h -l, -r/-f/-F/-v/-V/-t/-T filters); the suite adds:
 *   --list          full case names, fixture.variant.test, one a line;
 *   --meta          the tags (which upstream change a case pins), JSON;
 *   NAME...         run only these cases (the stock "-r NAME");
 * and, while the cases run:
 *   - a journal restore in the runner before each case and at exit: a case
 *     killed by its timeout never ran its teardown, and its leftovers must
 *     not leak into the next case (nor outlive the program);
 *   - die-with-parent for every process forked from the runner.
 */
static pid_t pmc_runner_pid;

/* pthread_atfork "prepare" handler: runs before every fork(); only the
 * runner's forks start a case (the cases' own forks run in their children). */
static void pmc_before_case(void)
{
	if (getpid() == pmc_runner_pid)
		journal_restore(false, pmc_log_restore);
}

static void pmc_after_run(void)
{
	if (getpid() == pmc_runner_pid)
		journal_restore(false, pmc_log_restore);
}

/* Every process forked from here on (test cases, their children) dies with
 * its parent: a harness killed by run_kselftest.sh's timeout must not leave
 * test processes holding memory, locks or a swap file. */
static void pmc_die_with_parent(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void pmc_print_list(void)
{
	struct __fixture_variant_metadata no_variant = { .name = "", };
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	char name[1024];

	for (f = __fixture_list; f; f = f->next)
		for (v = f->variant ?: &no_variant; v; v = v->next)
			for (t = f->tests; t; t = t->next) {
				pmc_full_name(f, v, t, name, sizeof(name));
				printf("%s\n", name);
			}
}

/* The stock options that take an argument (getopt "F:f:V:v:t:T:r:"). */
static bool pmc_stock_opt_has_arg(const char *a)
{
	return a[0] == '-' && a[1] && strchr("FfVvtTr", a[1]) && !a[2];
}

static int pmc_main(int argc, char **argv)
{
	char **args = calloc(2 * (size_t)argc + 1, sizeof(*args));
	bool names_only = false;
	int n = 0;

	if (!args)
		return KSFT_FAIL;
	args[n++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!names_only && !strcmp(a, "--meta")) {
			pmc_print_meta();
			return KSFT_PASS;
		}
		if (!names_only && !strcmp(a, "--list")) {
			pmc_print_list();
			return KSFT_PASS;
		}
		if (!names_only && !strcmp(a, "--")) {
			names_only = true;
		} else if (names_only || a[0] != '-') {
			/* A case name: the stock runner's "-r NAME". */
			args[n++] = "-r";
			args[n++] = argv[i];
		} else if (!strcmp(a, "--help")) {
			args[n++] = "-h";
		} else {
			args[n++] = argv[i];
			if (pmc_stock_opt_has_arg(a) && i + 1 < argc)
				args[n++] = argv[++i];
		}
	}

	pmc_runner_pid = getpid();
	pthread_atfork(pmc_before_case, NULL, pmc_die_with_parent);
	atexit(pmc_after_run);
	return test_harness_run(n, args);
}

#define PMC_MAIN \
	int main(int argc, char **argv) \
	{ \
		return pmc_main(argc, argv); \
	}

#endif /* PMC_TEST_H */
