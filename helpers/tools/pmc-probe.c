// SPDX-License-Identifier: GPL-2.0
/*
 * pmc-probe: what this kernel supports, probed by behaviour.
 *   pmc-probe           text, one "feature: yes|no" line each
 *   pmc-probe --json    one JSON object
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "compat.h"
#include "entry.h"
#include "probe.h"

struct feature {
	const char *name;
	int yes;		/* 1 yes, 0 no, -1 unknown */
	char detail[256];
};

static struct feature feats[64];
static int nfeats;

static struct feature *add(const char *name, int yes)
{
	struct feature *f = &feats[nfeats++];

	f->name = name;
	f->yes = yes;
	f->detail[0] = 0;
	return f;
}

static int kc(const char *name)
{
	char c = pmc_kconfig(name);

	return c ? (c == 'y' || c == 'm') : -1;
}

static void list_dir(const char *dir, const char *prefix, char *out, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t pos = 0;

	out[0] = 0;
	if (!d)
		return;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)) && pos < len - 1)
			pos += snprintf(out + pos, len - pos, "%s%s", pos ? " " : "",
					de->d_name + strlen(prefix));
	closedir(d);
}

int main(int argc, char **argv)
{
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	struct utsname u;
	uint64_t cats, uffd;
	struct feature *f;
	char buf[512];
	int scan;

	uname(&u);
	add("root", pmc_is_root());
	add("kpageflags", pmc_exists("/proc/kpageflags"));
	add("kpagecount", pmc_exists("/proc/kpagecount"));
	add("kpagecgroup", pmc_exists("/proc/kpagecgroup"));
	scan = pmc_have_pagemap_scan();
	add("pagemap_scan", scan == 1 ? 1 : scan == 0 ? 0 : -1);
	cats = pmc_scan_categories_accepted();
	f = add("pagemap_scan_categories", scan == 1);
	scan_format(cats, f->detail, sizeof(f->detail));
	add("scan_soft_dirty", !!(cats & PAGE_IS_SOFT_DIRTY));
	add("scan_guard", !!(cats & PAGE_IS_GUARD));
	add("soft_dirty", pmc_have_soft_dirty());
	add("idle_page_tracking", pmc_exists("/sys/kernel/mm/page_idle/bitmap"));
	uffd = pmc_uffd_features();
	f = add("userfaultfd", uffd != 0);
	snprintf(f->detail, sizeof(f->detail), "features=0x%" PRIx64, uffd);
	add("uffd_wp_async", !!(uffd & UFFD_FEATURE_WP_ASYNC));
	add("uffd_wp_unpopulated", !!(uffd & UFFD_FEATURE_WP_UNPOPULATED));
	add("uffd_wp_shmem_hugetlbfs", !!(uffd & UFFD_FEATURE_WP_HUGETLBFS_SHMEM));
	add("guard_regions", pmc_have_guard_regions());
	f = add("thp", pmc_thp_pmd_size() != 0);
	if (!pmc_read_file("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)))
		snprintf(f->detail, sizeof(f->detail), "enabled: %s", buf);
	f = add("mthp", pmc_exists("/sys/kernel/mm/transparent_hugepage/hugepages-64kB"));
	list_dir("/sys/kernel/mm/transparent_hugepage", "hugepages-", f->detail, sizeof(f->detail));
	f = add("hugetlb", pmc_exists("/sys/kernel/mm/hugepages"));
	list_dir("/sys/kernel/mm/hugepages", "hugepages-", f->detail, sizeof(f->detail));
	add("ksm", pmc_exists("/sys/kernel/mm/ksm/run"));
	add("swap", kc("CONFIG_SWAP") != 0 && pmc_exists("/proc/swaps"));
	add("memcg", kc("CONFIG_MEMCG") == 1 || pmc_exists("/sys/fs/cgroup/memory") ||
		     pmc_exists("/sys/fs/cgroup/cgroup.controllers"));
	add("memory_failure", kc("CONFIG_MEMORY_FAILURE"));
	f = add("kconfig", pmc_kconfig_source()[0] != 0);
	snprintf(f->detail, sizeof(f->detail), "%s", pmc_kconfig_source());

	if (json) {
		printf("{\"kernel\":\"%s\",\"machine\":\"%s\",\"features\":{", u.release, u.machine);
		for (int i = 0; i < nfeats; i++)
			printf("%s\"%s\":{\"present\":%s,\"detail\":\"%s\"}", i ? "," : "",
			       feats[i].name,
			       feats[i].yes > 0 ? "true" : feats[i].yes == 0 ? "false" : "null",
			       feats[i].detail);
		printf("}}\n");
		return 0;
	}
	printf("kernel: %s %s\n", u.release, u.machine);
	for (int i = 0; i < nfeats; i++)
		printf("%-26s %-7s %s\n", feats[i].name,
		       feats[i].yes > 0 ? "yes" : feats[i].yes == 0 ? "no" : "unknown",
		       feats[i].detail);
	return 0;
}
