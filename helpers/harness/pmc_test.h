/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Glue between kselftest_harness.h and the suite.
 *
 * Include this instead of kselftest_harness.h. It adds:
 *  - EXPECT_PM / EXPECT_KPF: whole-entry comparisons that print both words
 *    decoded by name when they differ;
 *  - REQUIRE(cond, "static reason"): a requirement turned into a SKIP;
 *  - PMC_TAG: the fixes.tsv id a test pins, declared next to the test and
 *    exported as JSON by `prog --meta`;
 *  - PMC_FAIL_CHECK / pmc_info: failing-check lines and informational lines;
 *  - PMC_MAIN: the program's main. `prog --list` prints full test names,
 *    `prog --meta` the tags, `prog [NAME...]` runs all or the named tests.
 *    Between test cases it undoes journal entries left by a test that was
 *    killed (timeout), so one test's leftovers never leak into the next.
 */
#ifndef PMC_TEST_H
#define PMC_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
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

/*
 * Informational output of a test: "# info: ...". Never the "# FILE:LINE:
 * TEST:" form, which is reserved for failing checks: the results engine
 * matches known-issue symptoms against exactly those lines.
 */
#define pmc_info(fmt, ...) ksft_print_msg("info: " fmt "\n", ##__VA_ARGS__)

/*
 * Failing checks. A whole-entry check over the pages of a THP can fail once
 * per page: the first PMC_MAX_DIFF_LINES failing checks of a case are printed
 * in full; after that a failing check is printed only when its shape (site
 * + message up to " | got", with numbers and hex removed) was not printed
 * yet, so every distinct kind of failure of a case appears at least once.
 * Each case runs in its own process: the counters start at zero per case.
 */
#define PMC_MAX_DIFF_LINES 16
#define PMC_MAX_SHAPES 256
static unsigned int pmc_mismatches, pmc_nshapes, pmc_hidden;
static uint64_t pmc_shapes[PMC_MAX_SHAPES];

static inline uint64_t pmc_fnv(uint64_t h, char c)
{
	return (h ^ (unsigned char)c) * UINT64_C(0x100000001b3);
}

/* The shape of a failing check: where it is and what kind of difference. */
static inline uint64_t pmc_shape(const char *file, int line, const char *msg)
{
	const char *end = strstr(msg, " | got");
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (const char *c = file; *c; c++)
		h = pmc_fnv(h, *c);
	h = pmc_fnv(h, ':');
	h = pmc_fnv(h, (char)line);
	h = pmc_fnv(h, (char)(line >> 8));
	for (const char *c = msg; *c && (!end || c < end); c++) {
		if (c[0] == '0' && c[1] == 'x') {
			c++;
			while (c[1] && strchr("0123456789abcdefABCDEF", c[1]))
				c++;
			continue;
		}
		if (*c >= '0' && *c <= '9')
			continue;
		h = pmc_fnv(h, *c);
	}
	return h;
}

static inline bool pmc_shape_is_new(uint64_t h)
{
	for (unsigned int i = 0; i < pmc_nshapes; i++)
		if (pmc_shapes[i] == h)
			return false;
	if (pmc_nshapes < PMC_MAX_SHAPES)
		pmc_shapes[pmc_nshapes++] = h;
	return true;
}

/* One failing check: mark the case FAIL and print its line (see above).
 * Does not touch _metadata->trigger: that flag runs the optional handler
 * block of the *next* stock EXPECT, which would then print a failure line
 * for a check that passed. */
static inline void pmc_fail_check(struct __test_metadata *_metadata, const char *file, int line,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static inline void pmc_fail_check(struct __test_metadata *_metadata, const char *file, int line,
			   const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	bool fresh;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fresh = pmc_shape_is_new(pmc_shape(file, line, msg));
	_metadata->exit_code = KSFT_FAIL;
	if (++pmc_mismatches <= PMC_MAX_DIFF_LINES || fresh)
		fprintf(TH_LOG_STREAM, "# %s:%d:%s:%s\n", file, line, _metadata->name, msg);
	else if (!pmc_hidden++)
		pmc_info("further failing checks of this case not shown: each repeats a kind printed above");
}

/*
 * PMC_CHECK_LOG=FILE appends one line "fixture.test" per whole-entry check
 * executed (EXPECT_PM, EXPECT_KPF, PMC_EXPECT): how many assertions a run
 * really made, for comparing runs (README: measuring coverage).
 */
static inline void pmc_count_check(struct __test_metadata *_metadata)
{
	static int fd = -2;

	if (fd == -2) {
		const char *path = getenv("PMC_CHECK_LOG");

		fd = path && *path ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -1;
	}
	if (fd >= 0)
		dprintf(fd, "%s.%s\n", _metadata->fixture ? _metadata->fixture->name : "global",
			_metadata->name);
}

/* A failing check that the caller has already described in its own words. */
#define PMC_FAIL_CHECK(fmt, ...) \
	pmc_fail_check(_metadata, __FILE__, __LINE__, fmt, ##__VA_ARGS__)

/* EXPECT with a formatted, capped message: PMC_EXPECT(a == b, "page %zu", i) */
#define PMC_EXPECT(cond, fmt, ...) do { \
	pmc_count_check(_metadata); \
	if (!(cond)) \
		PMC_FAIL_CHECK("expected %s: " fmt, #cond, ##__VA_ARGS__); \
} while (0)

/* EXPECT_PM(&expect, entry, "page %zu", i) */
#define EXPECT_PM(x, e, fmt, ...) do { \
	char __why[1536]; \
	uint64_t __e = (e); \
	pmc_count_check(_metadata); \
	if (!pm_match((x), __e, __why, sizeof(__why))) \
		PMC_FAIL_CHECK("pagemap " fmt ": %s", ##__VA_ARGS__, __why); \
} while (0)

#define EXPECT_KPF(x, f, fmt, ...) do { \
	char __why[1536]; \
	uint64_t __f = (f); \
	pmc_count_check(_metadata); \
	if (!kpf_match((x), __f, __why, sizeof(__why))) \
		PMC_FAIL_CHECK("kpageflags " fmt ": %s", ##__VA_ARGS__, __why); \
} while (0)

/*
 * A requirement: SKIP with a static reason (no numbers, no paths). After a
 * failed check the case stays FAIL: the harness' SKIP() would overwrite the
 * exit code, and a kernel that already answered wrongly must not read as
 * "capability absent".
 */
#define REQUIRE(cond, reason) do { \
	if (!(cond)) { \
		if (_metadata->exit_code == KSFT_FAIL) { \
			pmc_info("not checked further: %s", reason); \
			return; \
		} \
		SKIP(return, reason); \
	} \
} while (0)

#define REQUIRE_ROOT() REQUIRE(pmc_is_root(), "needs root")
/* Looking a page up in /proc/kpage* needs its PFN: root and CAP_SYS_ADMIN. */
#define REQUIRE_PFNS() do { \
	REQUIRE_ROOT(); \
	REQUIRE(pmc_have_cap(CAP_SYS_ADMIN), "needs CAP_SYS_ADMIN"); \
} while (0)

/*
 * ---- tags: which catalogue id a test pins ----
 * PMC_TAG("fixture.variant.test-glob", "ID"): the cases matching the glob
 * pin the fix/feature/regression ID of fixes.tsv (repo root), where its
 * commit, subject, release and symptom live. `make check` rejects a tag
 * naming no catalogue line.
 */
struct pmc_tag {
	const char *test;	/* fnmatch pattern over "fixture.variant.test" */
	const char *id;		/* fixes.tsv id, e.g. PMFILE-PMD */
	struct pmc_tag *next;
};
static struct pmc_tag *pmc_tags;

#define __PMC_TAG(line, pattern, id_) \
	static struct pmc_tag __pmc_tag_##line = { .test = pattern, .id = id_ }; \
	static void __attribute__((constructor)) __pmc_tag_reg_##line(void) \
	{ \
		__pmc_tag_##line.next = pmc_tags; \
		pmc_tags = &__pmc_tag_##line; \
	}
#define __PMC_TAG2(line, ...) __PMC_TAG(line, __VA_ARGS__)
#define PMC_TAG(pattern, id) __PMC_TAG2(__LINE__, pattern, id)

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
		printf("{\"test\": ");
		pmc_json_str(g->test);
		printf(", \"id\": ");
		pmc_json_str(g->id);
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
 *   --list --meta   both in one run, the names first (a tag line starts
 *                   with '{', a name never does);
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
	bool names_only = false, want_list = false, want_meta = false;
	int n = 0;

	if (!args)
		return KSFT_FAIL;
	args[n++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!names_only && !strcmp(a, "--meta")) {
			want_meta = true;
		} else if (!names_only && !strcmp(a, "--list")) {
			want_list = true;
		} else if (!names_only && !strcmp(a, "--")) {
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

	if (want_list || want_meta) {
		if (want_list)
			pmc_print_list();
		if (want_meta)
			pmc_print_meta();
		return KSFT_PASS;
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
