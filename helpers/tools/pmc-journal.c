// SPDX-License-Identifier: GPL-2.0
/*
 * pmc-journal: inspect and replay the knob journal.
 *   pmc-journal restore      undo entries whose owner is gone (runner start)
 *   pmc-journal restore-all  undo every entry (nothing of ours runs)
 *   pmc-journal count        number of entries
 *   pmc-journal set PATH VALUE   journal then write (used by shell helpers)
 *   pmc-journal add KIND PATH    record a created resource (swap|cgroup|file|mount)
 *   pmc-journal undo PATH        undo one entry now
 */
#include <stdio.h>
#include <string.h>

#include "knobs.h"

static void log_line(const char *line)
{
	printf("%s\n", line);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int r;

	if (!strcmp(cmd, "restore") || !strcmp(cmd, "restore-all")) {
		r = journal_restore(!strcmp(cmd, "restore-all"), log_line);
		return r < 0 ? 1 : 0;
	}
	if (!strcmp(cmd, "count")) {
		printf("%d\n", journal_count());
		return 0;
	}
	if (!strcmp(cmd, "set") && argc == 4) {
		r = knob_write(argv[2], argv[3]);
		if (r)
			fprintf(stderr, "pmc-journal: %s: %s\n", argv[2], strerror(-r));
		return !!r;
	}
	if (!strcmp(cmd, "add") && argc == 4) {
		static const char *const kinds[] = { "knob", "swap", "cgroup", "file", "mount" };
		for (unsigned k = 0; k < sizeof(kinds) / sizeof(*kinds); k++)
			if (!strcmp(argv[2], kinds[k]))
				return !!journal_add((enum journal_kind)k, argv[3]);
	}
	if (!strcmp(cmd, "undo") && argc == 3)
		return !!journal_undo(argv[2]);
	fprintf(stderr, "usage: pmc-journal restore|restore-all|count|set PATH VALUE|add KIND PATH|undo PATH\n");
	return 2;
}
