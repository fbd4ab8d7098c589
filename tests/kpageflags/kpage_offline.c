// SPDX-License-Identifier: GPL-2.0
/*
 * The kpage* files over PFNs whose memory is offline (memory hotplug): such
 * a PFN has no usable struct page, so the documented answers are those of a
 * hole: kpageflags NOPAGE and nothing else, kpagecount 0, kpagecgroup 0.
 *
 *  - offline.block: the highest memory block the kernel agrees to offline
 *    (/sys/devices/system/memory/memoryN/state, through the knob journal:
 *    put back online in teardown, or at the next run when killed) is read
 *    whole in all three files; /sys's "offline" and the block's PFN range
 *    (phys_index x block_size_bytes) are the oracle. Before offlining, the
 *    same PFNs read no NOPAGE (they were memory).
 * Requirements: root; PMC_DESTRUCTIVE=1 (takes memory away from the
 * machine for the duration); CONFIG_MEMORY_HOTREMOVE (a block that can be
 * offlined: SKIP when none of the last few agrees).
 */
#include <dirent.h>
#include <stdlib.h>

#include "pmc_test.h"
#include "state.h"

#define MEMDIR "/sys/devices/system/memory"

FIXTURE(offline) {
	char state[128];	/* the block's state file, "" when none offlined */
};

FIXTURE_SETUP(offline)
{
	self->state[0] = 0;
	REQUIRE_ROOT();
	REQUIRE(pmc_destructive_allowed(), "destructive tests not allowed");
	REQUIRE(pmc_exists(MEMDIR "/block_size_bytes"), "no memory hotplug");
}

FIXTURE_TEARDOWN(offline)
{
	if (self->state[0])
		knob_restore(self->state);
}

/* Memory block numbers, highest first (n at most max). */
static int blocks_desc(long *ids, int max)
{
	DIR *d = opendir(MEMDIR);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "memory", 6) && de->d_name[6] >= '0' && de->d_name[6] <= '9') {
			long id = strtol(de->d_name + 6, NULL, 10);
			int i = n < max ? n++ : max - 1;

			if (i == max - 1 && n == max && id < ids[i])
				continue;
			while (i > 0 && ids[i - 1] < id) {
				ids[i] = ids[i - 1];
				i--;
			}
			ids[i] = id;
		}
	closedir(d);
	return n;
}

TEST_F(offline, block)
{
	char buf[64], path[128];
	uint64_t bs, first, npfn, *f, *c, *g;
	long ids[8], chosen = -1;
	int n = blocks_desc(ids, 8);
	bool have_cg = pmc_exists(kpage_path(KPAGECGROUP));

	ASSERT_EQ(0, pmc_read_file(MEMDIR "/block_size_bytes", buf, sizeof(buf)));
	bs = strtoull(buf, NULL, 16);
	ASSERT_NE(0ULL, (unsigned long long)bs);
	npfn = bs / page_size();
	f = calloc(npfn, 8);
	c = calloc(npfn, 8);
	g = calloc(npfn, 8);
	ASSERT_TRUE(f && c && g);
	for (int i = 0; i < n && !self->state[0]; i++) {
		snprintf(path, sizeof(path), MEMDIR "/memory%ld/state", ids[i]);
		if (pmc_read_file(path, buf, sizeof(buf)) < 0 || strncmp(buf, "online", 6))
			continue;
		first = (uint64_t)ids[i] * npfn;
		/* memory before: no NOPAGE anywhere in the block */
		ASSERT_EQ((ssize_t)npfn, kpage_read(KPAGEFLAGS, first, f, npfn));
		for (uint64_t k = 0; k < npfn; k++)
			PMC_EXPECT(!(f[k] & KPF_NOPAGE), "pfn 0x%llx NOPAGE while online",
				   (unsigned long long)(first + k));
		if (knob_write(path, "offline") == 0) {
			snprintf(self->state, sizeof(self->state), "%s", path);
			chosen = ids[i];
		} else if (pmc_read_file(path, buf, sizeof(buf)) == 0 && !strncmp(buf, "online", 6)) {
			/* refused (unmovable pages) and rolled back: nothing to
			 * restore, and writing "online" to an online block is
			 * EINVAL, which would leave the entry behind */
			journal_forget(path);
		} else {
			knob_restore(path);
		}
	}
	REQUIRE(self->state[0], "no memory block could be offlined");
	ASSERT_EQ(0, pmc_read_file(self->state, buf, sizeof(buf)));
	ASSERT_EQ(0, strncmp(buf, "offline", 7)) TH_LOG("state reads %s", buf);
	first = (uint64_t)chosen * npfn;
	ASSERT_EQ((ssize_t)npfn, kpage_read(KPAGEFLAGS, first, f, npfn));
	ASSERT_EQ((ssize_t)npfn, kpage_read(KPAGECOUNT, first, c, npfn));
	if (have_cg)
		ASSERT_EQ((ssize_t)npfn, kpage_read(KPAGECGROUP, first, g, npfn));
	for (uint64_t k = 0; k < npfn; k++) {
		PMC_EXPECT(f[k] == KPF_NOPAGE, "pfn 0x%llx kpageflags 0x%llx, NOPAGE alone expected",
			   (unsigned long long)(first + k), (unsigned long long)f[k]);
		PMC_EXPECT(c[k] == 0, "pfn 0x%llx kpagecount %llu", (unsigned long long)(first + k),
			   (unsigned long long)c[k]);
		PMC_EXPECT(g[k] == 0, "pfn 0x%llx kpagecgroup %llu", (unsigned long long)(first + k),
			   (unsigned long long)g[k]);
	}
	free(f);
	free(c);
	free(g);
}

PMC_MAIN
