// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <sys/mman.h>

#include "entry.h"
#include "probe.h"
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

/*
 * The walk is bound by the kernel's per-entry cost (stable_page_flags() +
 * put_user(), about 100 ns), so chunks are shared out between one worker
 * per CPU (at most KPAGE_WALKERS). Each chunk is read with the entry
 * before it, so the callback sees the previous PFN's flags in prev[0]...
 * flags[-1]: flags points one past the extra entry. Callbacks run under a
 * mutex, in any chunk order.
 */
#define KPAGE_WALKERS 4

struct walker {
	pthread_mutex_t lock;
	uint64_t next, nr;
	int64_t done;
	int err;
	bool stop;
	kpage_walk_fn fn;
	void *arg;
};

static void *walk_worker(void *p)
{
	struct walker *w = p;
	uint64_t *flags = malloc((KPAGE_CHUNK + 1) * sizeof(uint64_t));
	uint64_t *counts = malloc((KPAGE_CHUNK + 1) * sizeof(uint64_t));

	for (;;) {
		uint64_t pfn, want, from;
		ssize_t a, b;

		pthread_mutex_lock(&w->lock);
		if (w->stop || w->next >= w->nr || !flags || !counts) {
			if (!flags || !counts)
				w->err = -ENOMEM;
			pthread_mutex_unlock(&w->lock);
			break;
		}
		pfn = w->next;
		w->next += KPAGE_CHUNK;
		pthread_mutex_unlock(&w->lock);

		want = w->nr - pfn < KPAGE_CHUNK ? w->nr - pfn : KPAGE_CHUNK;
		from = pfn ? pfn - 1 : 0;
		flags[0] = counts[0] = 0;
		a = kpage_read(KPAGEFLAGS, from, flags + (pfn ? 0 : 1), want + (pfn ? 1 : 0));
		b = kpage_read(KPAGECOUNT, from, counts + (pfn ? 0 : 1), want + (pfn ? 1 : 0));
		pthread_mutex_lock(&w->lock);
		if (a < 0 || b < 0) {
			w->err = a < 0 ? (int)a : (int)b;
			w->stop = true;
		} else {
			if (a > b)
				a = b;
			if (pfn)
				a--;	/* the extra entry before the chunk */
			if (a > 0) {
				w->done += a;
				if (!w->fn(pfn, flags + 1, counts + 1, (size_t)a, w->arg))
					w->stop = true;
			}
		}
		pthread_mutex_unlock(&w->lock);
	}
	free(flags);
	free(counts);
	return NULL;
}

int64_t kpage_walk(uint64_t nr, kpage_walk_fn fn, void *arg)
{
	struct walker w = { .lock = PTHREAD_MUTEX_INITIALIZER, .nr = nr, .fn = fn, .arg = arg };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t t[KPAGE_WALKERS];
	int n = cpus < 1 ? 1 : cpus > KPAGE_WALKERS ? KPAGE_WALKERS : (int)cpus, started = 0;

	for (int i = 0; i < n; i++)
		if (!pthread_create(&t[started], NULL, walk_worker, &w))
			started++;
	if (!started)
		walk_worker(&w);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	return w.err ? w.err : w.done;
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
	uint64_t *flags = malloc(KPAGE_CHUNK * sizeof(uint64_t));
	int64_t nr = kpage_nr_pfns();

	/* kpageflags only: half the cost of a full walk. */
	for (uint64_t pfn = 0; flags && nr > 0 && pfn < (uint64_t)nr && a.found < max;
	     pfn += KPAGE_CHUNK) {
		ssize_t n = kpage_read(KPAGEFLAGS, pfn, flags, KPAGE_CHUNK);

		if (n <= 0)
			break;
		find_fn(pfn, flags, NULL, (size_t)n, &a);
	}
	free(flags);
	return a.found;
}

bool damon_running(void)
{
	const char *dir = "/sys/kernel/mm/damon/admin/kdamonds";
	char path[512], state[32];
	struct dirent *de;
	bool on = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!on && (de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/state", dir, de->d_name);
		on = !pmc_read_file(path, state, sizeof(state)) && !strcmp(state, "on");
	}
	closedir(d);
	return on;
}

void kpf_idle_rule(struct kpf_expect *x)
{
	if (!damon_running())
		return;
	x->clear &= ~KPF_IDLE;
	x->any |= KPF_IDLE;
	static char why[512];

	snprintf(why, sizeof(why), "%s%sIDLE: a running kdamond (DAMON paddr) marks sampled folios idle",
		 x->any_why ? x->any_why : "", x->any_why ? "; " : "");
	x->any_why = why;
}

bool kpf_ksm_on_plain_anon(void)
{
	static int known = -1;

	if (known < 0) {
		size_t ps = (size_t)sysconf(_SC_PAGESIZE);
		char *p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint64_t e = 0, f = 0;

		known = 0;
		if (p != MAP_FAILED) {
			p[0] = 1;
			if (!pagemap_self(p, 1, &e) && (e & PM_PRESENT) && pm_pfn(e) &&
			    !kpage_get(KPAGEFLAGS, pm_pfn(e), &f))
				known = (f & KPF_ANON) && (f & KPF_KSM);
			munmap(p, ps);
		}
	}
	return known;
}

void kpf_anon_ksm_rule(struct kpf_expect *x)
{
	static char why[768];

	if (!(x->set & KPF_ANON) || (x->set & KPF_KSM) || x->any_why == why || !kpf_ksm_on_plain_anon())
		return;
	x->clear &= ~KPF_KSM;
	x->any |= KPF_KSM;
	snprintf(why, sizeof(why), "%s%sKSM: this kernel reports KSM on every anonymous page "
		 "(missing 81401cebfc15, KPF-KSM-ANON; decided by kpf_ksm.unique_not_ksm)",
		 x->any_why ? x->any_why : "", x->any_why ? "; " : "");
	x->any_why = why;
}

bool mglru_enabled(void)
{
	char buf[32];

	return !pmc_read_file("/sys/kernel/mm/lru_gen/enabled", buf, sizeof(buf)) &&
	       strtoul(buf, NULL, 0) != 0;
}

void kpf_lru_age_rule(struct kpf_expect *x)
{
	static char why[768];
	uint64_t age = KPF_REFERENCED | KPF_ACTIVE;

	if (x->any_why == why || !mglru_enabled())
		return;
	x->set &= ~age;
	x->clear &= ~age;
	x->any |= age;
	snprintf(why, sizeof(why), "%s%sREFERENCED/ACTIVE: MGLRU is on, folios age by generations",
		 x->any_why ? x->any_why : "", x->any_why ? "; " : "");
	x->any_why = why;
}
