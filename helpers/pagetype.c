// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "pagetype.h"
#include "readers.h"

int kpage_of(const void *addr, size_t npages, struct kpage *out)
{
	uint64_t e[npages];
	int r = pagemap_self(addr, npages, e);

	if (r)
		return r;
	memset(out, 0, npages * sizeof(*out));
	for (size_t i = 0; i < npages; i++) {
		if (!(e[i] & PM_PRESENT) || !pm_pfn(e[i]))
			continue;
		out[i].pfn = pm_pfn(e[i]);
		if (kpage_get(KPAGEFLAGS, out[i].pfn, &out[i].flags) ||
		    kpage_get(KPAGECOUNT, out[i].pfn, &out[i].count))
			return -EIO;
		if (kpage_get(KPAGECGROUP, out[i].pfn, &out[i].cgroup))
			out[i].cgroup = 0;
	}
	return 0;
}

int64_t kpage_nr_pfns(void)
{
	uint64_t v, lo = 0, hi = 1;

	/* Exponential then binary search for the end of the file. */
	for (;;) {
		ssize_t n = kpage_read(KPAGEFLAGS, hi, &v, 1);

		if (n < 0)
			return n;
		if (n == 0)
			break;
		lo = hi;
		hi *= 2;
		if (hi > (UINT64_C(1) << 52))
			return -ERANGE;
	}
	/* lo has an entry (or is 0), hi has none. */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		ssize_t n = kpage_read(KPAGEFLAGS, mid, &v, 1);

		if (n < 0)
			return n;
		if (n)
			lo = mid;
		else
			hi = mid;
	}
	return (int64_t)hi;
}

uint64_t zoneinfo_max_pfn(void)
{
	char line[256];
	uint64_t max = 0, spanned = 0;
	FILE *f = fopen("/proc/zoneinfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, " spanned %llu", &v) == 1)
			spanned = v;
		else if (sscanf(line, " start_pfn: %llu", &v) == 1 && spanned &&
			 v + spanned > max)
			max = v + spanned;
	}
	fclose(f);
	return max;
}

int64_t kpage_walk(uint64_t nr, kpage_walk_fn fn, void *arg)
{
	uint64_t *flags = malloc(KPAGE_CHUNK * sizeof(uint64_t));
	uint64_t *counts = malloc(KPAGE_CHUNK * sizeof(uint64_t));
	int64_t done = 0;

	if (!flags || !counts) {
		free(flags);
		free(counts);
		return -ENOMEM;
	}
	for (uint64_t pfn = 0; pfn < nr; pfn += KPAGE_CHUNK) {
		size_t want = nr - pfn < KPAGE_CHUNK ? nr - pfn : KPAGE_CHUNK;
		ssize_t a = kpage_read(KPAGEFLAGS, pfn, flags, want);
		ssize_t b = kpage_read(KPAGECOUNT, pfn, counts, want);

		if (a < 0 || b < 0) {
			done = a < 0 ? a : b;
			break;
		}
		if ((size_t)a > (size_t)b)
			a = b;
		done += a;
		if (!a || !fn(pfn, flags, counts, (size_t)a, arg))
			break;
	}
	free(flags);
	free(counts);
	return done;
}

struct find_arg {
	uint64_t mask, want, *pfns;
	size_t max, found;
};

static bool find_fn(uint64_t first, const uint64_t *flags, const uint64_t *counts,
		    size_t n, void *arg)
{
	struct find_arg *a = arg;

	(void)counts;
	for (size_t i = 0; i < n && a->found < a->max; i++)
		if ((flags[i] & a->mask) == a->want)
			a->pfns[a->found++] = first + i;
	return a->found < a->max;
}

size_t kpage_find(uint64_t mask, uint64_t want, uint64_t *pfns, size_t max)
{
	struct find_arg a = { .mask = mask, .want = want, .pfns = pfns, .max = max };
	int64_t nr = kpage_nr_pfns();

	if (nr <= 0)
		return 0;
	kpage_walk((uint64_t)nr, find_fn, &a);
	return a.found;
}
