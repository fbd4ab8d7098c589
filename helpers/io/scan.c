// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "entry.h"
#include "readers.h"
#include "scan.h"

long scan_ioctl(int pagemap_fd, struct pm_scan_arg *arg)
{
	long r = ioctl(pagemap_fd, PAGEMAP_SCAN, arg);

	return r < 0 ? -errno : r;
}

void scan_arg_init(struct pm_scan_arg *arg, const void *start, const void *end)
{
	memset(arg, 0, sizeof(*arg));
	arg->size = sizeof(*arg);
	arg->start = (uintptr_t)start;
	arg->end = (uintptr_t)end;
}

long scan(int pagemap_fd, const void *start, const void *end, const struct scan_query *q,
	  struct page_region *vec, size_t vec_len, uint64_t *walk_end)
{
	struct pm_scan_arg a;
	long r;

	scan_arg_init(&a, start, end);
	a.flags = q->flags;
	a.category_mask = q->category_mask;
	a.category_inverted = q->category_inverted;
	a.category_anyof_mask = q->category_anyof_mask;
	a.return_mask = q->return_mask;
	a.max_pages = q->max_pages;
	a.vec = (uintptr_t)vec;
	a.vec_len = vec_len;
	r = scan_ioctl(pagemap_fd, &a);
	if (walk_end)
		*walk_end = a.walk_end;
	return r;
}

size_t scan_regions_format(const struct page_region *v, long n, const void *base,
			   char *buf, size_t len)
{
	size_t pos = 0, ps = PMC_PAGE_SIZE;

	if (len)
		buf[0] = 0;
	for (long i = 0; i < n && pos < len; i++) {
		char c[128];
		long off = ((long)v[i].start - (long)(uintptr_t)base) / (long)ps;

		scan_format(v[i].categories, c, sizeof(c));
		pos += snprintf(buf + pos, len - pos, "%s[%+ld +%llu %s]", i ? " " : "", off,
				(unsigned long long)((v[i].end - v[i].start) / ps), c[0] ? c : "-");
	}
	return pos;
}

int scan_expand(const struct page_region *v, long n, const void *start, size_t npages,
		uint64_t *cats, char *why, size_t why_len)
{
	uintptr_t lo = (uintptr_t)start, ps = PMC_PAGE_SIZE, hi = lo + npages * ps;

	for (size_t i = 0; i < npages; i++)
		cats[i] = SCAN_NOT_REPORTED;
	for (long i = 0; i < n; i++) {
		const struct page_region *r = &v[i];

		if (r->start >= r->end || r->start % ps || r->end % ps ||
		    r->start < lo || r->end > hi) {
			snprintf(why, why_len, "region %ld [0x%llx,0x%llx) empty, unaligned or outside [0x%lx,0x%lx)",
				 i, (unsigned long long)r->start, (unsigned long long)r->end,
				 (unsigned long)lo, (unsigned long)hi);
			return -EPROTO;
		}
		if (i && r->start < v[i - 1].end) {
			snprintf(why, why_len, "region %ld overlaps or precedes region %ld", i, i - 1);
			return -EPROTO;
		}
		if (i && r->start == v[i - 1].end && r->categories == v[i - 1].categories) {
			snprintf(why, why_len, "regions %ld and %ld adjacent with equal categories: not merged",
				 i - 1, i);
			return -EPROTO;
		}
		for (uintptr_t a = r->start; a < r->end; a += ps)
			cats[(a - lo) / ps] = r->categories;
	}
	return 0;
}

int scan_pages(const void *start, size_t npages, uint64_t return_mask, uint64_t *cats,
	       char *why, size_t why_len)
{
	struct scan_query q = { .return_mask = return_mask };
	struct page_region *v = calloc(npages ? npages : 1, sizeof(*v));
	uint64_t walk_end = 0;
	const char *end = (const char *)start + npages * PMC_PAGE_SIZE;
	int fd = pagemap_open(0);
	long n;

	if (!v || fd < 0) {
		free(v);
		if (fd >= 0)
			close(fd);
		snprintf(why, why_len, "no memory or pagemap not opened");
		return fd < 0 ? fd : -ENOMEM;
	}
	n = scan(fd, start, end, &q, v, npages, &walk_end);
	close(fd);
	if (n < 0) {
		free(v);
		snprintf(why, why_len, "PAGEMAP_SCAN failed: %s", strerror((int)-n));
		return (int)n;
	}
	if (walk_end != (uintptr_t)end) {
		free(v);
		snprintf(why, why_len, "walk_end 0x%llx != end %p with room for every page",
			 (unsigned long long)walk_end, (const void *)end);
		return -EPROTO;
	}
	n = scan_expand(v, n, start, npages, cats, why, why_len);
	free(v);
	return (int)n;
}

/* The scan <-> pagemap pairs: every category with a compared twin (bits.h). */
enum twin_rel { TWIN_NONE, TWIN_SAME, TWIN_NOT_ARMED, TWIN_UNCOMPARED };
#define PMC_X_PAIR(name, bit, dflt, since, twin, rel, ...) \
	{ (uint64_t)(name), (uint64_t)(twin), TWIN_##rel },
static const struct {
	uint64_t cat, bit;
	enum twin_rel rel;
} pairs[] = { SCAN_CATEGORIES(PMC_X_PAIR) };
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

bool scan_agrees_with_pagemap(uint64_t cats, uint64_t entry, bool armed,
			      uint64_t known, char *why, size_t why_len)
{
	size_t order[ARRAY_LEN(pairs)], n = 0;

	/* SAME pairs from pagemap bit 63 down, then NOT_ARMED */
	for (int bit = 63; bit >= 0; bit--)
		for (size_t i = 0; i < ARRAY_LEN(pairs); i++)
			if (pairs[i].rel == TWIN_SAME && pairs[i].bit == UINT64_C(1) << bit)
				order[n++] = i;
	for (size_t i = 0; i < ARRAY_LEN(pairs); i++)
		if (pairs[i].rel == TWIN_NOT_ARMED)
			order[n++] = i;
	if (cats == SCAN_NOT_REPORTED) {
		snprintf(why, why_len, "page not reported by the scan");
		return false;
	}
	/* The first disagreement is reported. */
	for (size_t k = 0; k < n; k++) {
		size_t i = order[k];
		bool c = cats & pairs[i].cat, b = entry & pairs[i].bit;

		if (!(known & pairs[i].cat) || (pairs[i].rel == TWIN_NOT_ARMED && !armed))
			continue;
		if (pairs[i].rel == TWIN_NOT_ARMED ? c == b : c != b) {
			char cs[160], es[160];

			scan_format(cats, cs, sizeof(cs));
			pm_format(entry, es, sizeof(es));
			snprintf(why, why_len, "%s disagrees with pagemap bit %s: scan %s, pagemap %s",
				 scan_category_name(__builtin_ctzll(pairs[i].cat)),
				 pm_bit_name(__builtin_ctzll(pairs[i].bit)), cs, es);
			return false;
		}
	}
	return true;
}

bool scan_match(const struct scan_expect *x, uint64_t cats, uint64_t known,
		char *why, size_t why_len)
{
	struct pmc_verdict r = classify(known, x->set, x->clear, x->any, x->any_why, cats);
	char got[160], bad[160];

	if (cats == SCAN_NOT_REPORTED) {
		snprintf(why, why_len, "page not reported by the scan");
		return false;
	}
	if (r.unclassified || r.conflicting || r.unexplained) {
		scan_format(r.unclassified, bad, sizeof(bad));
		snprintf(why, why_len, "test bug: categories not classified: %s%s%s", bad,
			 r.unexplained ? " (any without a reason)" : "",
			 r.conflicting ? " (classified twice)" : "");
		return false;
	}
	if (cats & ~known) {
		snprintf(why, why_len, "categories beyond the known ones: 0x%llx",
			 (unsigned long long)(cats & ~known));
		return false;
	}
	if (pmc_verdict_ok(&r))
		return true;
	scan_format(cats, got, sizeof(got));
	scan_format(r.missing | r.unexpected, bad, sizeof(bad));
	snprintf(why, why_len, "got %s; wrong: %s", got[0] ? got : "-", bad);
	return false;
}

void scan_expect_defaults(struct scan_expect *x, uint64_t known, bool soft_dirty)
{
	classify_defaults(known, SCAN_DFLT_CLEAR, SCAN_DFLT_SOFT_DIRTY, soft_dirty,
			  &x->set, &x->clear, x->any);
}

long scan_model(const uint64_t *cats, size_t npages, const void *start,
		const struct scan_query *q, struct page_region *out, size_t out_len,
		uint64_t *walk_end)
{
	uintptr_t base = (uintptr_t)start, ps = PMC_PAGE_SIZE;
	uint64_t max = q->max_pages ? q->max_pages : UINT64_MAX, found = 0;
	long n = 0;

	*walk_end = base + npages * ps;
	for (size_t i = 0; i < npages; i++) {
		uint64_t c = cats[i] ^ q->category_inverted, val = cats[i] & q->return_mask;
		uintptr_t a = base + i * ps;

		if ((c & q->category_mask) != q->category_mask)
			continue;
		if (q->category_anyof_mask && !(c & q->category_anyof_mask))
			continue;
		if (found == max) {
			*walk_end = a;
			break;
		}
		if (n && out[n - 1].end == a && out[n - 1].categories == val) {
			out[n - 1].end = a + ps;
		} else {
			if ((size_t)n == out_len) {
				*walk_end = a;
				break;
			}
			out[n].start = a;
			out[n].end = a + ps;
			out[n].categories = val;
			n++;
		}
		found++;
	}
	return n;
}

bool scan_regions_equal(const struct page_region *want, long nwant,
			const struct page_region *got, long ngot, const void *base,
			char *why, size_t why_len)
{
	bool same = nwant == ngot;

	for (long i = 0; same && i < nwant; i++)
		same = want[i].start == got[i].start && want[i].end == got[i].end &&
		       want[i].categories == got[i].categories;
	if (!same) {
		char w[1024], g[1024];

		scan_regions_format(want, nwant, base, w, sizeof(w));
		scan_regions_format(got, ngot < 0 ? 0 : ngot, base, g, sizeof(g));
		snprintf(why, why_len, "want %ld regions %s; got %ld regions %s", nwant, w, ngot, g);
	}
	return same;
}
