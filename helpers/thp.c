// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "caps.h"
#include "compat.h"
#include "entry.h"
#include "knobs.h"
#include "probe.h"
#include "readers.h"
#include "sizes.h"
#include "thp.h"

#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage"

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

bool pfns_contiguous_aligned(const void *addr, size_t npages)
{
	uint64_t e[npages];

	if (pagemap_self(addr, npages, e))
		return false;
	for (size_t i = 0; i < npages; i++)
		if (!(e[i] & PM_PRESENT) || !pm_pfn(e[i]) || pm_pfn(e[i]) != pm_pfn(e[0]) + i)
			return false;
	return pm_pfn(e[0]) % npages == 0;
}

bool pfns_one_thp(const void *addr, size_t npages)
{
	uint64_t e[1], f[npages];
	uint64_t pfn;

	if (pagemap_self(addr, 1, e) || !(pfn = pm_pfn(e[0])))
		return false;
	if (kpage_read(KPAGEFLAGS, pfn, f, npages) != (ssize_t)npages)
		return false;
	for (size_t i = 0; i < npages; i++) {
		uint64_t want = KF_THP | (i ? KF_COMPOUND_TAIL : KF_COMPOUND_HEAD);
		uint64_t other = i ? KF_COMPOUND_HEAD : KF_COMPOUND_TAIL;

		if ((f[i] & want) != want || (f[i] & other))
			return false;
	}
	/* The page after the range must not be a tail of the same, larger folio. */
	if (kpage_read(KPAGEFLAGS, pfn + npages, f, 1) == 1 && (f[0] & KF_COMPOUND_TAIL))
		return false;
	return true;
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
		return "THP not available";
	why = region_map(r, nr_pmd * pmd, pmd, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1, 0);
	if (why)
		return why;
	if (madvise(r->addr, r->len, MADV_HUGEPAGE))
		return "MADV_HUGEPAGE refused";
	region_write(r);
	/* A 512 MiB PMD (arm64 64K pages) may not fit the machine. */
	if (madvise(r->addr, r->len, MADV_COLLAPSE))
		return mem_hint("THP PMD collapse refused", r->len);
	kb = smaps_kb(r->addr, r->len, "AnonHugePages");
	if (kb < 0)
		return "smaps unreadable";
	if ((size_t)kb != r->len / 1024)
		return "THP not PMD-mapped";
	return NULL;
}

const char *thp_pte_build(struct region *r, enum thp_split how)
{
	size_t pages = thp_pmd_pages(), ps = page_size();
	const char *why = thp_pmd_build(r, 1);
	char *base = r->addr;

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
	if (smaps_kb(base, pages * ps, "AnonHugePages") != 0)
		return "THP still PMD-mapped";
	/* The whole folio, also the unmapped half: still one compound THP. */
	if (!pfns_one_thp(base, pages))
		return "THP folio was split";
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

/* The per-size fault counter (6.10+), -1 when the kernel has none. */
static long long mthp_fault_alloc(size_t kb)
{
	char path[160];
	uint64_t v;

	snprintf(path, sizeof(path), THP_SYSFS "/hugepages-%zukB/stats/anon_fault_alloc", kb);
	return pmc_read_u64(path, &v) ? -1 : (long long)v;
}

const char *mthp_build(struct region *r, size_t kb, size_t nfolios)
{
	size_t fsz = kb * 1024, fpages = fsz / page_size();
	long long before = mthp_fault_alloc(kb), after;
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
	after = mthp_fault_alloc(kb);
	if (before >= 0 && after >= 0)
		return after - before >= (long long)nfolios ? NULL : "mTHP not allocated";
	/* Older kernels have no counter: PFNs and kpageflags are the proof. */
	if (!pmc_have_cap(CAP_SYS_ADMIN) || !pmc_is_root())
		return "needs root and CAP_SYS_ADMIN to prove an mTHP";
	for (size_t i = 0; i < nfolios; i++) {
		char *a = r->addr + i * fsz;

		if (!pfns_contiguous_aligned(a, fpages) || !pfns_one_thp(a, fpages))
			return "mTHP not allocated";
	}
	return NULL;
}
