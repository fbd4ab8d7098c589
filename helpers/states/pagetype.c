// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <sys/mman.h>
#include <time.h>

#include "entry.h"
#include "probe.h"
#include "pagetype.h"
#include "readers.h"

/* The three files for n consecutive PFNs from out[0].pfn: one read of each
 * (a gigantic page is 262144 PFNs). kpagecgroup unreadable (no memcg):
 * 0, as kpage.h says. */
static int kpage_run(struct kpage *out, size_t n)
{
	uint64_t *v = malloc(n * sizeof(*v));
	static const enum kpage_file files[] = { KPAGEFLAGS, KPAGECOUNT, KPAGECGROUP };
	int r = 0;

	if (!v)
		return -ENOMEM;
	for (size_t f = 0; f < 3 && !r; f++) {
		ssize_t got = kpage_read(files[f], out[0].pfn, v, n);

		if (got != (ssize_t)n && files[f] != KPAGECGROUP) {
			r = -EIO;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t x = got > (ssize_t)i ? v[i] : 0;

			if (files[f] == KPAGEFLAGS)
				out[i].flags = x;
			else if (files[f] == KPAGECOUNT)
				out[i].count = x;
			else
				out[i].cgroup = x;
		}
	}
	free(v);
	return r;
}

int kpage_of(const void *addr, size_t npages, struct kpage *out)
{
	uint64_t *e = malloc(npages * sizeof(*e));
	int r;

	if (!e)
		return -ENOMEM;
	r = pagemap_self(addr, npages, e);
	memset(out, 0, npages * sizeof(*out));
	for (size_t i = 0; !r && i < npages; i++)
		if ((e[i] & PM_PRESENT) && pm_pfn(e[i]))
			out[i].pfn = pm_pfn(e[i]);
	/* Runs of consecutive PFNs, each read at once. */
	for (size_t i = 0, j; !r && i < npages; i = j) {
		for (j = i + 1; j < npages && out[i].pfn && out[j].pfn == out[j - 1].pfn + 1; j++)
			;
		if (out[i].pfn)
			r = kpage_run(&out[i], j - i);
	}
	free(e);
	return r;
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
 * put_user(), about 100 ns), so chunks are shared out between one reader
 * per CPU (at most KPAGE_WALKERS), each reading a chunk of kpageflags and
 * the same chunk of kpagecount back to back.
 */
#define KPAGE_WALKERS 4

/*
 * The program-wide snapshot (pagetype.h): the flags and the counts of cap
 * PFNs in a room of its own (room_map()).
 */
#define SNAP_EMPTY	0
#define SNAP_READY	1
#define SNAP_MAX_BYTES	(UINT64_C(1) << 30)	/* 64M PFNs: 256 GiB of 4K pages */

struct snap_hdr {
	uint64_t state;		/* SNAP_EMPTY or SNAP_READY */
	uint64_t cap;		/* PFNs the mapping has room for */
	uint64_t nr;		/* PFNs read (when READY) */
	uint64_t read_ns;	/* how long reading them took */
	pid_t reader;		/* the case process that read them */
};

static struct snap_hdr *snap;

static size_t snap_hdr_len(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* One room in the MAP_SHARED mapping (snap: both files; fsnap, below:
 * kpageflags alone), made in the runner before the cases fork: a header
 * page, a leading 0 entry (flags[-1] of PFN 0), then 'files' arrays of cap
 * PFNs. Untouched until a case reads it: no memory before that. */
static int room_map(struct snap_hdr **room, unsigned int files)
{
	int64_t nr = kpage_nr_pfns();
	size_t len;
	void *p;

	if (*room)
		return 0;
	if (nr <= 0)
		return nr ? (int)nr : -ENODATA;
	if ((uint64_t)nr * files * sizeof(uint64_t) > SNAP_MAX_BYTES)
		return -E2BIG;
	len = snap_hdr_len() + ((size_t)nr * files + 1) * sizeof(uint64_t);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	*room = p;
	(*room)->cap = (uint64_t)nr;
	return 0;
}

static uint64_t *room_flags(struct snap_hdr *room)
{
	return (uint64_t *)((char *)room + snap_hdr_len()) + 1;
}

static uint64_t *snap_flags(void)
{
	return room_flags(snap);
}

static uint64_t *snap_counts(void)
{
	return snap_flags() + snap->cap;
}

int kpage_snapshot_share(void)
{
	return room_map(&snap, 2);
}

struct reader {
	pthread_mutex_t lock;
	uint64_t next, nr;
	int err;
	uint64_t *flags, *counts;	/* destination, indexed by PFN */
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The next chunk of [0, nr) to read (*want PFNs from the one returned), or
 * nr when none is left. Under the caller's lock. */
static uint64_t claim_chunk(uint64_t *next, uint64_t nr, uint64_t *want)
{
	uint64_t pfn = *next;

	if (pfn >= nr)
		return nr;
	*want = nr - pfn < KPAGE_CHUNK ? nr - pfn : KPAGE_CHUNK;
	*next += *want;
	return pfn;
}

static void *read_worker(void *p)
{
	struct reader *w = p;

	for (;;) {
		uint64_t pfn, want = 0;
		ssize_t a, b;

		pthread_mutex_lock(&w->lock);
		pfn = w->err ? w->nr : claim_chunk(&w->next, w->nr, &want);
		pthread_mutex_unlock(&w->lock);
		if (pfn >= w->nr)
			break;
		a = kpage_read(KPAGEFLAGS, pfn, w->flags + pfn, want);
		b = w->counts ? kpage_read(KPAGECOUNT, pfn, w->counts + pfn, want) : a;
		if (a < 0 || b < 0 || (uint64_t)a != want || (uint64_t)b != want) {
			pthread_mutex_lock(&w->lock);
			if (!w->err)
				w->err = a < 0 ? (int)a : b < 0 ? (int)b : -ENODATA;
			pthread_mutex_unlock(&w->lock);
		}
	}
	return NULL;
}

/* fn(arg) in one thread per CPU (at most KPAGE_WALKERS), or in the caller
 * when no thread starts; returns when all are done. */
static void run_per_cpu(void *(*fn)(void *), void *arg)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t t[KPAGE_WALKERS];
	int n = cpus < 1 ? 1 : cpus > KPAGE_WALKERS ? KPAGE_WALKERS : (int)cpus, started = 0;

	for (int i = 0; i < n; i++)
		if (!pthread_create(&t[started], NULL, fn, arg))
			started++;
	if (!started)
		fn(arg);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
}

/* Read PFNs [0, nr) of both files into flags[] and counts[] (kpageflags
 * alone when counts is NULL): 0 or -errno. */
static int read_all(uint64_t nr, uint64_t *flags, uint64_t *counts)
{
	struct reader w = { .lock = PTHREAD_MUTEX_INITIALIZER, .nr = nr,
			    .flags = flags, .counts = counts };

	run_per_cpu(read_worker, &w);
	return w.err;
}

/* Read every PFN into a room now: kpageflags, and kpagecount into counts
 * unless NULL. EMPTY while it is written, READY after: a case killed
 * meanwhile leaves no half-read room for the next one. 0, or -1 (memory
 * hot-added since the room was made, or a read failed: the callers
 * stream instead). */
static int room_read(struct snap_hdr *room, uint64_t *counts)
{
	int64_t nr = kpage_nr_pfns();
	double t0 = mono_s();

	__atomic_store_n(&room->state, SNAP_EMPTY, __ATOMIC_RELEASE);
	if (nr <= 0 || (uint64_t)nr > room->cap || read_all((uint64_t)nr, room_flags(room), counts))
		return -1;
	room->read_ns = (uint64_t)((mono_s() - t0) * 1e9);
	room->nr = (uint64_t)nr;
	room->reader = getpid();
	__atomic_store_n(&room->state, SNAP_READY, __ATOMIC_RELEASE);
	return 0;
}

const struct kpage_snapshot *kpage_snapshot(void)
{
	static struct kpage_snapshot s;

	if (!snap)
		return NULL;
	/* The cases run one at a time: an EMPTY snapshot is nobody's (a case
	 * killed while reading leaves it EMPTY, not READY). */
	if (snap->state != SNAP_READY && room_read(snap, snap_counts()))
		return NULL;
	s.nr = snap->nr;
	s.flags = snap_flags();
	s.counts = snap_counts();
	s.read_s = snap->read_ns / 1e9;
	s.read_here = snap->reader == getpid();
	return &s;
}

/* The streaming walk (no snapshot): each chunk is read with the entry
 * before it, so the callback sees the previous PFN's flags in flags[-1]. */
struct walker {
	pthread_mutex_t lock;
	uint64_t next, nr;
	int64_t done;
	int err;
	bool stop;
	bool flags_only;	/* no kpagecount: fn gets counts NULL */
	kpage_walk_fn fn;
	void *arg;
};

static void *walk_worker(void *p)
{
	struct walker *w = p;
	uint64_t *flags = malloc((KPAGE_CHUNK + 1) * sizeof(uint64_t));
	uint64_t *counts = w->flags_only ? flags : malloc((KPAGE_CHUNK + 1) * sizeof(uint64_t));

	for (;;) {
		uint64_t pfn, want = 0, from;
		ssize_t a, b;

		pthread_mutex_lock(&w->lock);
		if (!flags || !counts)
			w->err = -ENOMEM;
		pfn = w->stop || w->err ? w->nr : claim_chunk(&w->next, w->nr, &want);
		pthread_mutex_unlock(&w->lock);
		if (pfn >= w->nr)
			break;
		from = pfn ? pfn - 1 : 0;
		flags[0] = counts[0] = 0;
		a = kpage_read(KPAGEFLAGS, from, flags + (pfn ? 0 : 1), want + (pfn ? 1 : 0));
		b = w->flags_only ? a :
		    kpage_read(KPAGECOUNT, from, counts + (pfn ? 0 : 1), want + (pfn ? 1 : 0));
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
				if (!w->fn(pfn, flags + 1, w->flags_only ? NULL : counts + 1, (size_t)a,
					   w->arg))
					w->stop = true;
			}
		}
		pthread_mutex_unlock(&w->lock);
	}
	if (counts != flags)
		free(counts);
	free(flags);
	return NULL;
}

int64_t kpage_walk(uint64_t nr, kpage_walk_fn fn, void *arg)
{
	struct walker w = { .lock = PTHREAD_MUTEX_INITIALIZER, .nr = nr, .fn = fn, .arg = arg };
	const struct kpage_snapshot *s = kpage_snapshot();

	if (s && nr == s->nr) {
		int64_t done = 0;

		for (uint64_t pfn = 0; pfn < nr; pfn += KPAGE_CHUNK) {
			size_t k = nr - pfn < KPAGE_CHUNK ? (size_t)(nr - pfn) : KPAGE_CHUNK;

			done += (int64_t)k;
			if (!fn(pfn, s->flags + pfn, s->counts + pfn, k, arg))
				break;
		}
		return done;
	}
	run_per_cpu(walk_worker, &w);
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

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The program-wide room for kpageflags alone (kpage_find_share()), filled
 * by kpage_find_fresh(), searched by the kpage_find()s after it.
 */
static struct snap_hdr *fsnap;

int kpage_find_share(void)
{
	return room_map(&fsnap, 1);
}

static uint64_t *fsnap_flags(void)
{
	return room_flags(fsnap);
}

size_t kpage_find_fresh(uint64_t mask, uint64_t want, uint64_t *pfns, size_t max)
{
	struct find_arg a = { .mask = mask, .want = want, .pfns = pfns, .max = max };

	/* Read now, whatever an earlier case read. */
	if (!fsnap || room_read(fsnap, NULL))
		return kpage_find(mask, want, pfns, max);
	find_fn(0, fsnap_flags(), NULL, (size_t)fsnap->nr, &a);
	return a.found;
}

size_t kpage_find(uint64_t mask, uint64_t want, uint64_t *pfns, size_t max)
{
	struct find_arg a = { .mask = mask, .want = want, .pfns = pfns, .max = max };
	const struct kpage_snapshot *s = kpage_snapshot();
	struct walker w = { .lock = PTHREAD_MUTEX_INITIALIZER, .flags_only = true,
			    .fn = find_fn, .arg = &a };
	int64_t nr;

	if (s) {
		find_fn(0, s->flags, s->counts, (size_t)s->nr, &a);
		return a.found;
	}
	if (fsnap && __atomic_load_n(&fsnap->state, __ATOMIC_ACQUIRE) == SNAP_READY) {
		find_fn(0, fsnap_flags(), NULL, (size_t)fsnap->nr, &a);
		return a.found;
	}
	nr = kpage_nr_pfns();
	if (nr <= 0 || !max)
		return 0;
	/* kpageflags only (half the cost of a full walk), one reader per CPU;
	 * chunks finish in any order: the PFNs in ascending order. */
	w.nr = (uint64_t)nr;
	run_per_cpu(walk_worker, &w);
	qsort(pfns, a.found, sizeof(*pfns), cmp_u64);
	return a.found;
}

/* Asked once per process (each case runs in its own): the rules below are
 * applied per page, 262144 times for a gigantic page. */
bool damon_running(void)
{
	const char *dir = "/sys/kernel/mm/damon/admin/kdamonds";
	static int known = -1;
	char path[512], state[32];
	struct dirent *de;
	bool on = false;
	DIR *d;

	if (known >= 0)
		return known;
	d = opendir(dir);
	if (!d)
		return (known = false);
	while (!on && (de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/state", dir, de->d_name);
		on = !pmc_read_file(path, state, sizeof(state)) && !strcmp(state, "on");
	}
	closedir(d);
	return (known = on);
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
	static int known = -1;
	char buf[32];

	if (known < 0)
		known = !pmc_read_file("/sys/kernel/mm/lru_gen/enabled", buf, sizeof(buf)) &&
			strtoul(buf, NULL, 0) != 0;
	return known;
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
