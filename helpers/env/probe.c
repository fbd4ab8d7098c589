// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "compat.h"
#include "entry.h"
#include "probe.h"
#include "readers.h"

int pmc_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	close(fd);
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

int pmc_read_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;
	int r = pmc_read_file(path, buf, sizeof(buf));

	if (r)
		return r;
	errno = 0;
	*v = strtoull(buf, &end, 0);
	return (errno || end == buf) ? -EINVAL : 0;
}

int pmc_write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), e = 0;
	size_t len = strlen(value);

	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		e = errno ? -errno : -EIO;
	close(fd);
	return e;
}

bool pmc_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Find "NAME=v" or "# NAME is not set" in an open stream. */
static char kconfig_scan(FILE *f, const char *name)
{
	char line[512];
	size_t nl = strlen(name);

	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, nl) && line[nl] == '=') {
			char v = line[nl + 1];
			return (v == 'y' || v == 'm') ? v : 'y'; /* strings/ints: set */
		}
		if (!strncmp(line, "# ", 2) && !strncmp(line + 2, name, nl) &&
		    !strncmp(line + 2 + nl, " is not set", 11))
			return 'n';
	}
	return 'n';
}

char pmc_kconfig_from(const char *path, const char *name)
{
	size_t pl = strlen(path);
	FILE *f;
	char r;
	bool gz = pl > 3 && !strcmp(path + pl - 3, ".gz");

	if (access(path, R_OK))
		return 0;
	if (gz) {
		char cmd[4200];
		/* gzip is in every base system; avoids a zlib dependency. */
		snprintf(cmd, sizeof(cmd), "gzip -dc '%s' 2>/dev/null", path);
		f = popen(cmd, "r");
	} else {
		f = fopen(path, "re");
	}
	if (!f)
		return 0;
	r = kconfig_scan(f, name);
	if (gz) {
		if (pclose(f) != 0 && r == 'n')
			return 0;	/* unreadable archive, not "unset" */
	} else {
		fclose(f);
	}
	return r;
}

static char kconfig_path[4096];

static const char *kconfig_find(void)
{
	struct utsname u;
	const char *env = getenv("KCONFIG_PATH");

	if (kconfig_path[0])
		return kconfig_path;
	if (env && !access(env, R_OK))
		snprintf(kconfig_path, sizeof(kconfig_path), "%s", env);
	else if (!access("/proc/config.gz", R_OK))
		snprintf(kconfig_path, sizeof(kconfig_path), "/proc/config.gz");
	else if (!uname(&u)) {
		snprintf(kconfig_path, sizeof(kconfig_path), "/boot/config-%s", u.release);
		if (access(kconfig_path, R_OK))
			kconfig_path[0] = 0;
	}
	return kconfig_path;
}

const char *pmc_kconfig_source(void)
{
	return kconfig_find();
}

char pmc_kconfig(const char *name)
{
	const char *p = kconfig_find();

	return p[0] ? pmc_kconfig_from(p, name) : 0;
}

bool pmc_is_root(void)
{
	return geteuid() == 0;
}

bool pmc_destructive_allowed(void)
{
	const char *v = getenv("PMC_DESTRUCTIVE");

	return v && !strcmp(v, "1");
}

/* A scan of one mapped page with the given masks; returns ioctl result or -errno. */
static int scan_probe(uint64_t mask)
{
	size_t ps = PMC_PAGE_SIZE;
	struct page_region r;
	struct pm_scan_arg a;
	int fd, ret;
	void *p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	fd = pagemap_open(0);
	if (fd < 0) {
		munmap(p, ps);
		return fd;
	}
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.start = (uintptr_t)p;
	a.end = (uintptr_t)p + ps;
	a.vec = (uintptr_t)&r;
	a.vec_len = 1;
	a.category_anyof_mask = mask;
	a.return_mask = mask;
	ret = ioctl(fd, PAGEMAP_SCAN, &a);
	if (ret < 0)
		ret = -errno;
	close(fd);
	munmap(p, ps);
	return ret;
}

bool pmc_release_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/* PAGEMAP_SCAN is in every kernel from 6.7 (52526ca7fdb9). */
bool pmc_pagemap_scan_expected(void)
{
	return pmc_release_at_least(6, 7);
}

int pmc_have_pagemap_scan(void)
{
	int r = scan_probe(PAGE_IS_PRESENT);

	if (r >= 0)
		return 1;
	if (r == -ENOTTY)
		return 0;
	return r;
}

uint64_t pmc_scan_categories_accepted(void)
{
	uint64_t ok = 0;

	if (pmc_have_pagemap_scan() != 1)
		return 0;
	for (unsigned b = 0; b < 64; b++)
		if (scan_probe(UINT64_C(1) << b) >= 0)
			ok |= UINT64_C(1) << b;
	return ok;
}

/*
 * What the kernel must know, decided without the ioctl under test: the
 * release that merged each category (a distribution backport only adds,
 * and pmc_scan_categories() takes accepted documented bits on top).
 */
uint64_t pmc_scan_categories_expected(void)
{
	uint64_t c = 0;

	if (pmc_pagemap_scan_expected())
		c |= PAGE_IS_WPALLOWED | PAGE_IS_WRITTEN | PAGE_IS_FILE | PAGE_IS_PRESENT |
		     PAGE_IS_SWAPPED | PAGE_IS_PFNZERO | PAGE_IS_HUGE;
	if (pmc_release_at_least(6, 8))	/* e6a9a2cbc13b */
		c |= PAGE_IS_SOFT_DIRTY;
	if (pmc_release_at_least(6, 16))	/* a516403787e0 */
		c |= PAGE_IS_GUARD;
	return c;
}

uint64_t pmc_scan_categories(void)
{
	uint64_t documented = (UINT64_C(1) << PMC_SCAN_NR_CATEGORIES) - 1;

	return pmc_scan_categories_expected() | (pmc_scan_categories_accepted() & documented);
}

int pmc_vma_flag(const void *addr, const char *flag)
{
	uintptr_t a = (uintptr_t)addr;
	char line[1024], pat[8];
	bool in = false;
	int r = -ENOENT;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -errno;
	snprintf(pat, sizeof(pat), " %s", flag);
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		/* Field lines never parse as "hex-hex": only VMA headers do. */
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2) {
			in = s <= a && a < e;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			r = strstr(line + 8, pat) != NULL;
			break;
		}
	}
	fclose(f);
	return r;
}

bool pmc_have_soft_dirty(void)
{
	char c = pmc_kconfig("CONFIG_MEM_SOFT_DIRTY");
	size_t ps = PMC_PAGE_SIZE;
	char *p;
	int r;

	if (c)
		return c == 'y';
	/* No config readable: ask smaps, not pagemap bit 55 (under test).
	 * Every new VMA is VM_SOFTDIRTY when tracking is compiled in, and
	 * smaps shows "sd" only then. */
	p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	r = pmc_vma_flag(p, "sd");
	munmap(p, ps);
	return r == 1;
}

uint64_t pmc_uffd_features(void)
{
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);

	if (fd < 0)
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return 0;
	}
	close(fd);
	return api.features;
}

bool pmc_have_guard_regions(void)
{
	size_t ps = PMC_PAGE_SIZE;
	void *p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok;

	if (p == MAP_FAILED)
		return false;
	ok = madvise(p, ps, MADV_GUARD_INSTALL) == 0;
	munmap(p, ps);
	return ok;
}

size_t pmc_thp_pmd_size(void)
{
	uint64_t v;

	if (pmc_read_u64("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", &v))
		return 0;
	return (size_t)v;
}
