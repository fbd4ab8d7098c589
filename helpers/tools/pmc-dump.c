// SPDX-License-Identifier: GPL-2.0
/*
 * pmc-dump: decode what the kernel says about a process's pages, with the
 * same decoder the tests use.
 *
 *   pmc-dump PID                 every mapping of PID (summary per VMA)
 *   pmc-dump PID ADDR [NPAGES]   one line per page: pagemap entry decoded,
 *                                and for present pages (as root) the KPF
 *                                word, kpagecount and kpagecgroup
 *   pmc-dump --pfn PFN [N]       kpageflags/kpagecount/kpagecgroup of PFNs
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "entry.h"
#include "readers.h"

static void dump_pfn(uint64_t pfn)
{
	uint64_t f = 0, c = 0, g = 0;
	char buf[400];

	if (kpage_get(KPAGEFLAGS, pfn, &f))
		return;
	kpage_get(KPAGECOUNT, pfn, &c);
	kpage_get(KPAGECGROUP, pfn, &g);
	kpf_format(f, buf, sizeof(buf));
	printf("  kpf=%s count=%" PRIu64 " cgroup=%" PRIu64, buf, c, g);
}

static int dump_range(int fd, uint64_t addr, uint64_t npages)
{
	uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE), e[512];
	char buf[200];

	for (uint64_t done = 0; done < npages;) {
		size_t n = npages - done > 512 ? 512 : (size_t)(npages - done);
		int r = pagemap_read(fd, (void *)(uintptr_t)(addr + done * ps), n, e);

		if (r) {
			fprintf(stderr, "pmc-dump: read: %s\n", strerror(-r));
			return 1;
		}
		for (size_t i = 0; i < n; i++) {
			pm_format(e[i], buf, sizeof(buf));
			printf("0x%012" PRIx64 " %s", addr + (done + i) * ps, buf);
			if ((e[i] & PM_PRESENT) && pm_pfn(e[i]))
				dump_pfn(pm_pfn(e[i]));
			printf("\n");
		}
		done += n;
	}
	return 0;
}

/* One line per VMA: how many pages are present/swapped/file/exclusive. */
static int dump_maps(int pid, int fd)
{
	uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE), e[512];
	char path[64], line[512];
	FILE *maps;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = fopen(path, "re");
	if (!maps) {
		perror(path);
		return 1;
	}
	printf("%-33s %8s %8s %8s %8s %8s %8s  %s\n", "range", "pages", "present",
	       "swap", "file", "excl", "uffd-wp", "mapping");
	while (fgets(line, sizeof(line), maps)) {
		uint64_t lo, hi, n[6] = { 0 };
		char name[256] = "";

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %*s %*s %*s %255[^\n]", &lo, &hi, name) < 2)
			continue;
		for (uint64_t a = lo; a < hi;) {
			size_t k = (hi - a) / ps > 512 ? 512 : (size_t)((hi - a) / ps);
			if (pagemap_read(fd, (void *)(uintptr_t)a, k, e))
				break;
			for (size_t i = 0; i < k; i++) {
				n[0]++;
				n[1] += !!(e[i] & PM_PRESENT);
				n[2] += !!(e[i] & PM_SWAP);
				n[3] += !!(e[i] & PM_FILE);
				n[4] += !!(e[i] & PM_MMAP_EXCLUSIVE);
				n[5] += !!(e[i] & PM_UFFD_WP);
			}
			a += k * ps;
		}
		printf("%016" PRIx64 "-%016" PRIx64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64
		       " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "  %s\n",
		       lo, hi, n[0], n[1], n[2], n[3], n[4], n[5], name);
	}
	fclose(maps);
	return 0;
}

int main(int argc, char **argv)
{
	int fd, pid, r;

	if (argc >= 3 && !strcmp(argv[1], "--pfn")) {
		uint64_t pfn = strtoull(argv[2], NULL, 0), n = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
		for (uint64_t i = 0; i < n; i++) {
			printf("pfn 0x%" PRIx64, pfn + i);
			dump_pfn(pfn + i);
			printf("\n");
		}
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: pmc-dump PID [ADDR [NPAGES]] | pmc-dump --pfn PFN [N]\n");
		return 2;
	}
	pid = atoi(argv[1]);
	fd = pagemap_open(pid);
	if (fd < 0) {
		fprintf(stderr, "pmc-dump: /proc/%d/pagemap: %s\n", pid, strerror(-fd));
		return 1;
	}
	if (argc == 2)
		r = dump_maps(pid, fd);
	else
		r = dump_range(fd, strtoull(argv[2], NULL, 0), argc > 3 ? strtoull(argv[3], NULL, 0) : 1);
	close(fd);
	return r;
}
