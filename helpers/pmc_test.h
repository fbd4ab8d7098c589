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
#pragma GCC diagnostic ignored "-Wclobbered"

#define PMC_FAIL_CHECK() do { \
	_metadata->exit_code = KSFT_FAIL; \
	_metadata->trigger = 1; \
} while (0)

/*
 * A whole-entry check over the pages of a THP can fail once per page: the first
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
}

static bool pmc_selected(int argc, char **argv, const char *name)
{
	bool any = false;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		any = true;
		if (!strcmp(argv[i], name))
			return true;
	}
	return !any;
}

/* Every process forked from here on (test cases, their children) dies with
 * its parent: a harness killed by run_kselftest.sh's timeout must not leave
 * test processes holding memory, locks or a swap file. */
static void pmc_die_with_parent(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static int pmc_main(int argc, char **argv)
{
	struct __fixture_variant_metadata no_variant = { .name = "", };
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	struct __test_results *results;
	struct __test_metadata *t;
	unsigned int count = 0, failed = 0;
	char name[1024];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--meta")) {
			pmc_print_meta();
			return 0;
		}
		if (!strcmp(argv[i], "--list")) {
			for (f = __fixture_list; f; f = f->next)
				for (v = f->variant ?: &no_variant; v; v = v->next)
					for (t = f->tests; t; t = t->next) {
						pmc_full_name(f, v, t, name, sizeof(name));
						printf("%s\n", name);
					}
			return 0;
		}
		if (argv[i][0] == '-') {
			fprintf(stderr, "usage: %s [--list | --meta | TEST...]\n", argv[0]);
			return 2;
		}
	}
	for (f = __fixture_list; f; f = f->next)
		for (v = f->variant ?: &no_variant; v; v = v->next)
			for (t = f->tests; t; t = t->next) {
				pmc_full_name(f, v, t, name, sizeof(name));
				count += pmc_selected(argc, argv, name);
			}

	pthread_atfork(NULL, NULL, pmc_die_with_parent);
	results = mmap(NULL, sizeof(*results), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ksft_print_header();
	ksft_set_plan(count);
	for (f = __fixture_list; f; f = f->next)
		for (v = f->variant ?: &no_variant; v; v = v->next)
			for (t = f->tests; t; t = t->next) {
				pmc_full_name(f, v, t, name, sizeof(name));
				if (!pmc_selected(argc, argv, name))
					continue;
				t->results = results;
				__run_test(f, v, t);
				t->results = NULL;
				if (!__test_passed(t))
					failed++;
				/* A test killed by its timeout never ran its teardown. */
				journal_restore(false, pmc_log_restore);
			}
	munmap(results, sizeof(*results));
	ksft_exit(failed == 0);
	return KSFT_FAIL;
}

#define PMC_MAIN \
	int main(int argc, char **argv) \
	{ \
		return pmc_main(argc, argv); \
	}

#endif /* PMC_TEST_H */
