// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "compat.h"
#include "knobs.h"
#include "probe.h"
#include "readers.h"
#include "sizes.h"
#include "thp.h"

#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage"

const char *thp_absent_reason(void)
{
	char mode[128];

	if (!pmc_exists(THP_SYSFS))
		return "no THP in this kernel (CONFIG_TRANSPARENT_HUGEPAGE off)";
	if (!pmc_read_file(THP_SYSFS "/enabled", mode, sizeof(mode)) && strstr(mode, "[never]"))
		return "THP disabled (transparent_hugepage enabled is never)";
	return "THP PMD size not readable (hpage_pmd_size)";
}

size_t thp_pmd_pages(void)
{
	return pmc_thp_pmd_size() / page_size();
}

long smaps_kb(const void *addr, size_t len, const char *key)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + len;
	size_t klen = strlen(key);
	bool in = false;
	char line[512];
	long sum = 0;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		long v;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2) {
			in = s < hi && e > lo;
			continue;
		}
		if (in && !strncmp(line, key, klen) && line[klen] == ':' &&
		    sscanf(line + klen + 1, "%ld", &v) == 1)
			sum += v;
	}
	fclose(f);
	return sum;
}

const char *thp_prove_pmd(const void *addr, const char *smaps_key)
{
	size_t pmd_pages = thp_pmd_pages();
	long kb = smaps_kb(addr, pmd_pages * page_size(), smaps_key);

	if (kb < 0)
		return "smaps unreadable";
	if ((size_t)kb < pmd_pages * page_size() / 1024)
		return "THP not PMD-mapped";
	return NULL;
}

const char *thp_pmd_build(struct region *r, size_t nr_pmd)
{
	size_t pmd = pmc_thp_pmd_size();
	const char *why;
	long kb;

	if (!pmd)
		return thp_absent_reason();
	why = region_map(r, nr_pmd * pmd, pmd, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1, 0);
	if (why)
		return why;
	if (madvise(r->addr, r->len, MADV_HUGEPAGE))
		return "MADV_HUGEPAGE refused";
	region_write(r);
	/* A 512 MiB PMD (arm64 64K pages) may not fit the machine. */
	if (madvise(r->addr, r->len, MADV_COLLAPSE))
		return errno == EINVAL ? "MADV_COLLAPSE not in this kernel" :
			mem_hint("MADV_COLLAPSE refused: no free PMD-sized folio", r->len);
	kb = smaps_kb(r->addr, r->len, "AnonHugePages");
	if (kb < 0)
		return "smaps unreadable";
	if ((size_t)kb != r->len / 1024)
		return state_broken("MADV_COLLAPSE succeeded on %p (%zu kB) but smaps AnonHugePages "
				    "is %ld kB", (void *)r->addr, r->len / 1024, kb);
	return NULL;
}

long long vmstat_get(const char *name)
{
	size_t nl = strlen(name);
	char line[256];
	long long v = -1;
	FILE *f = fopen("/proc/vmstat", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, nl) && line[nl] == ' ') {
			v = strtoll(line + nl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/*
 * Oracle (not kpageflags, whose HEAD/TAIL/THP bits kpf_compound asserts,
 * nor pagemap): smaps AnonHugePages drops to 0 (no PMD mapping left) while
 * /proc/vmstat thp_split_page does not move (no folio was split). The
 * counter is global: when another task split a THP meanwhile the proof is
 * out of reach and the builder SKIPs rather than guess.
 */
const char *thp_pte_build(struct region *r, enum thp_split how)
{
	size_t pages = thp_pmd_pages(), ps = page_size();
	const char *why = thp_pmd_build(r, 1);
	long long split0 = vmstat_get("thp_split_page");
	char *base = r->addr;
	long kb;

	if (why)
		return why;
	if (how == THP_SPLIT_MPROTECT) {
		if (mprotect(base, ps, PROT_READ))
			return "mprotect failed";
	} else {
		if (munmap(base + r->len / 2, r->len / 2))
			return "munmap failed";
		/* region_unmap unmaps map_base..map_len: a hole inside is fine. */
		r->len /= 2;
		r->npages /= 2;
	}
	kb = smaps_kb(base, pages * ps, "AnonHugePages");
	if (kb != 0)
		return state_broken("THP at %p still PMD-mapped after %s: smaps AnonHugePages %ld kB",
				    (void *)base, how == THP_SPLIT_MPROTECT ? "mprotect of one page" :
				    "munmap of half", kb);
	return thp_not_split_since(split0);
}

const char *thp_not_split_since(long long split0)
{
	long long split1 = vmstat_get("thp_split_page");

	if (split0 < 0 || split1 < 0)
		return "no thp_split_page counter in vmstat";
	if (split1 != split0)
		return "a THP split elsewhere moved thp_split_page: folio state not provable";
	return NULL;
}

bool mthp_offered(size_t kb)
{
	char path[160];

	snprintf(path, sizeof(path), THP_SYSFS "/hugepages-%zukB/enabled", kb);
	return pmc_exists(path);
}

const char *mthp_enable(struct mthp *m, size_t kb)
{
	m->kb = kb;
	m->lock = -1;
	m->knob[0] = 0;
	if (!mthp_offered(kb))
		return "mTHP size not offered";
	m->lock = pmc_lock("thp", 30);
	if (m->lock < 0)
		return "THP lock not available";
	snprintf(m->knob, sizeof(m->knob), THP_SYSFS "/hugepages-%zukB/enabled", kb);
	if (knob_write(m->knob, "madvise"))
		return "mTHP knob not writable";
	return NULL;
}

void mthp_restore(struct mthp *m)
{
	if (m->knob[0])
		knob_restore(m->knob);
	m->knob[0] = 0;
	pmc_unlock(m->lock);
	m->lock = -1;
}

/* A per-size counter (6.10+), -1 when the kernel has none. */
static long long mthp_stat(size_t kb, const char *name)
{
	char path[160];
	uint64_t v;

	snprintf(path, sizeof(path), THP_SYSFS "/hugepages-%zukB/stats/%s", kb, name);
	return pmc_read_u64(path, &v) ? -1 : (long long)v;
}

const char *mthp_build(struct region *r, size_t kb, size_t nfolios)
{
	size_t fsz = kb * 1024, fpages = fsz / page_size();
	long long before = mthp_stat(kb, "anon_fault_alloc"), after;
	long long fb0 = mthp_stat(kb, "anon_fault_fallback");
	const char *why;

	if (fsz * nfolios >= pmc_thp_pmd_size())
		return "mTHP region would fit a PMD";
	why = region_map(r, nfolios * fsz, fsz, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1, 0);
	if (why)
		return why;
	if (madvise(r->addr, r->len, MADV_HUGEPAGE))
		return "MADV_HUGEPAGE refused";
	region_write(r);
	/* Proof outside pagemap/kpageflags: the size's fault counter grew by
	 * our folios (other tasks can only add to it: the knob is ours while we
	 * hold the thp lock, and only madvised areas use it). */
	after = mthp_stat(kb, "anon_fault_alloc");
	if (before >= 0 && after >= 0 && after - before < (long long)nfolios &&
	    mthp_stat(kb, "anon_fault_fallback") > fb0)
		return "mTHP allocation fell back: no free folio of that size";
	if (before >= 0 && after >= 0)
		return after - before >= (long long)nfolios ? NULL :
			state_broken("%zu kB mTHP enabled (madvise), %zu aligned MADV_HUGEPAGE folios "
				     "written, but hugepages-%zukB/stats/anon_fault_alloc grew by %lld",
				     kb, nfolios, kb, after - before);
	/* 6.8/6.9 have mTHP but no per-size counter: PFNs and kpageflags are
	 * what the tests assert, so there is no independent proof. */
	(void)fpages;
	return "no per-size mTHP fault counter (anon_fault_alloc) to prove the folio size";
}
