// SPDX-License-Identifier: GPL-2.0
/*
 * libpmcfault.so: simulate a broken kernel.
 *
 * LD_PRELOADed under the suite, it tracks the file descriptors opened on
 * /proc/PID/pagemap, /proc/kpageflags, /proc/kpagecount and
 * /proc/kpagecgroup and perturbs what read()/pread() (and their fortified
 * variants) return there and what the PAGEMAP_SCAN ioctl returns, according
 * to one fault named by $PMC_FAULT. `PMC_FAULT=list` prints the catalogue.
 * $PMC_FAULT_TRACE=FILE appends "<interface>" for every tracked open, so the
 * mutation runner knows which programs can observe which faults.
 *
 * Each fault models a real kernel bug class: a bit never set, a bit set
 * where it must not be, a bit on the wrong kind of entry, an off-by-one
 * field, a leaked PFN, a miscounted page, a missing or overlong region, a
 * wrong walk_end, an argument silently ignored, a wrong errno.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "../core/compat.h"
#include "../core/entry.h"

enum iface { IF_NONE, IF_PAGEMAP, IF_KPAGEFLAGS, IF_KPAGECOUNT, IF_KPAGECGROUP };
static const char *const iface_names[] = { "none", "pagemap", "kpageflags", "kpagecount", "kpagecgroup" };

#define MAX_FDS 4096
static unsigned char fd_iface[MAX_FDS];
static pid_t fd_pid[MAX_FDS];	/* the process a pagemap fd describes */

/* ---- the catalogue ---- */
enum kind {
	F_NONE,
	F_CTL_SHORT,		/* control: valid short reads (multiples of 8) */
	/* pagemap, per entry */
	F_PM_CLEAR,		/* bit never set */
	F_PM_SET_PRESENT,	/* bit set on present entries */
	F_PM_SET_SWAP,		/* bit set on swap entries */
	F_PM_SET_NONE,		/* bit set on empty entries */
	F_PM_PFN_PLUS1,		/* PFN off by one */
	F_PM_PFN_ZERO,		/* PFN dropped for a privileged reader */
	F_PM_PFN_LEAK,		/* PFN shown to an unprivileged reader */
	F_PM_SWAP_TYPE,		/* swap type off by one */
	F_PM_SWAP_OFFSET,	/* swap offset off by one */
	F_PM_SWAP_LEAK,		/* swap offset shown to an unprivileged reader */
	F_PM_EINVAL_OK,		/* EINVAL turned into success */
	F_PM_EINVAL_ERRNO,	/* EINVAL turned into EFAULT */
	F_PM_EOF_DATA,		/* 0 bytes past the end turned into zero entries */
	/* kpage*, per item */
	F_KPF_CLEAR,
	F_KPF_SET,
	F_KPC_PLUS1,
	F_KPC_MINUS1,
	F_KPCG_PLUS1,
	F_KPCG_ZERO,
	F_KP_EINVAL_OK,
	/* PAGEMAP_SCAN */
	F_SC_DROP_LAST,		/* a region missing */
	F_SC_LONG_FIRST,	/* a region too long */
	F_SC_CAT_ADD,		/* wrong categories: one added */
	F_SC_CAT_DROP,		/* wrong categories: one dropped */
	F_SC_WALKEND,		/* walk_end off by a page */
	F_SC_IGN_MAXPAGES,
	F_SC_IGN_CATMASK,
	F_SC_IGN_INVERTED,
	F_SC_IGN_ANYOF,
	F_SC_IGN_RETMASK,
	F_SC_IGN_WP,		/* WP_MATCHING silently ignored */
	F_SC_EINVAL_OK,		/* EINVAL turned into success */
	F_SC_ERRNO_SWAP,	/* EINVAL<->EFAULT, EPERM->EINVAL */
	/* one state family only: the kernel is right everywhere else */
	F_FAM_PM_CLEAR_HUGETLB,	/* pagemap bit dropped on hugetlb entries only */
	F_FAM_PM_PFN_PMD_THP,	/* PFN off by one in VMAs with PMD-mapped THPs only */
	F_FAM_KPF_THP_MTHP,	/* KPF_THP dropped on folios smaller than a PMD only */
	F_FAM_SC_WRITTEN_SHMEM,	/* WRITTEN inverted on shmem mappings only */
	F_FAM_KPCG_ZERO_PGTABLE, /* kpagecgroup 0 on page-table pages only */
	F_SC_REFUSE_CAT,	/* a category refused (EINVAL) in any mask */
	F_SC_ENOTTY,		/* the ioctl missing (ENOTTY) */
};

struct fault {
	const char *name;
	enum kind kind;
	uint64_t arg;
	const char *what;
};

static const struct fault catalogue[] = {
	{ "none", F_NONE, 0, "control: library loaded, nothing perturbed" },
	{ "ctl-short-reads", F_CTL_SHORT, 0, "control: reads return at most 8..24 bytes at a time" },
	{ "pm-pfn-plus1", F_PM_PFN_PLUS1, 0, "PFN off by one" },
	{ "pm-pfn-zero", F_PM_PFN_ZERO, 0, "PFN hidden from a privileged reader" },
	{ "pm-pfn-leak", F_PM_PFN_LEAK, 0, "PFN shown to a reader without CAP_SYS_ADMIN" },
	{ "pm-swap-type-plus1", F_PM_SWAP_TYPE, 0, "swap type off by one" },
	{ "pm-swap-offset-plus1", F_PM_SWAP_OFFSET, 0, "swap offset off by one" },
	{ "pm-swap-leak", F_PM_SWAP_LEAK, 0, "swap offset shown to a reader without CAP_SYS_ADMIN" },
	{ "pm-einval-success", F_PM_EINVAL_OK, 0, "pagemap EINVAL turned into success" },
	{ "pm-einval-efault", F_PM_EINVAL_ERRNO, 0, "pagemap EINVAL turned into EFAULT" },
	{ "pm-eof-data", F_PM_EOF_DATA, 0, "reads past the address space return zero entries" },
	{ "kpc-plus1", F_KPC_PLUS1, 0, "kpagecount off by one (up)" },
	{ "kpc-minus1", F_KPC_MINUS1, 0, "kpagecount off by one (down)" },
	{ "kpcg-plus1", F_KPCG_PLUS1, 0, "kpagecgroup inode off by one" },
	{ "kpcg-zero", F_KPCG_ZERO, 0, "kpagecgroup always 0" },
	{ "kp-einval-success", F_KP_EINVAL_OK, 0, "kpage* EINVAL turned into success" },
	{ "scan-drop-last", F_SC_DROP_LAST, 0, "last region missing" },
	{ "scan-long-first", F_SC_LONG_FIRST, 0, "first region one page too long" },
	{ "scan-walkend-plus1", F_SC_WALKEND, 0, "walk_end one page too far" },
	{ "scan-ignore-max-pages", F_SC_IGN_MAXPAGES, 0, "max_pages ignored" },
	{ "scan-ignore-category-mask", F_SC_IGN_CATMASK, 0, "category_mask ignored" },
	{ "scan-ignore-inverted", F_SC_IGN_INVERTED, 0, "category_inverted ignored" },
	{ "scan-ignore-anyof", F_SC_IGN_ANYOF, 0, "category_anyof_mask ignored" },
	{ "scan-ignore-return-mask", F_SC_IGN_RETMASK, 0, "return_mask ignored (all accepted categories)" },
	{ "scan-ignore-wp-matching", F_SC_IGN_WP, 0, "PM_SCAN_WP_MATCHING ignored" },
	{ "scan-einval-success", F_SC_EINVAL_OK, 0, "EINVAL turned into success" },
	{ "scan-errno-swap", F_SC_ERRNO_SWAP, 0, "EINVAL<->EFAULT, EPERM->EINVAL" },
	{ "pm-uffdwp-never-hugetlb", F_FAM_PM_CLEAR_HUGETLB, PM_UFFD_WP,
	  "bit 57 never set on hugetlb entries (right elsewhere)" },
	{ "pm-excl-never-hugetlb", F_FAM_PM_CLEAR_HUGETLB, PM_MMAP_EXCLUSIVE,
	  "bit 56 never set on hugetlb entries (right elsewhere)" },
	{ "pm-pfn-plus1-pmd-thp", F_FAM_PM_PFN_PMD_THP, 0,
	  "PFN off by one in mappings holding PMD-mapped THPs (right elsewhere)" },
	{ "kpf-thp-never-mthp", F_FAM_KPF_THP_MTHP, 0,
	  "KPF_THP never set on mTHP folios (smaller than a PMD; right on PMD THPs)" },
	{ "kpcg-zero-pgtable", F_FAM_KPCG_ZERO_PGTABLE, 0,
	  "kpagecgroup 0 on page-table pages (their kmem charge unseen; right on user pages)" },
	{ "scan-enotty", F_SC_ENOTTY, 0, "PAGEMAP_SCAN missing (ENOTTY), as on a kernel before 6.7" },
	{ "scan-written-inverted-shmem", F_FAM_SC_WRITTEN_SHMEM, 0,
	  "PAGEMAP_SCAN WRITTEN inverted on shmem mappings (right elsewhere)" },
};
#define NCAT (sizeof(catalogue) / sizeof(*catalogue))

/*
 * Per pagemap flag bit: pm-<slug>-<where>, for every row of PM_FLAGS
 * (bits.h: its slug) and every reserved bit (bitN). A bit is never set
 * (named bits), or set where it must not be: on present entries, on swap
 * entries, on empty entries (but not on the kind of entry it defines).
 */
static const struct {
	const char *where;
	enum kind kind;
	const char *what;
	uint64_t except;	/* bits this row does not apply to */
} pm_bit_faults[] = {
	{ "never", F_PM_CLEAR, "never set", ~PM_NAMED },
	{ "on-present", F_PM_SET_PRESENT, "set on every present entry", PM_PRESENT },
	{ "on-swap", F_PM_SET_SWAP, "set on every swap entry", PM_SWAP },
	{ "on-none", F_PM_SET_NONE, "set on every empty entry", 0 },
};
#define NPMF (sizeof(pm_bit_faults) / sizeof(*pm_bit_faults))

#define PMC_X_SLUG(name, bit, label, slug, ...)	[bit] = slug,
static const char *const pm_slugs[64] = { PM_FLAGS(PMC_X_SLUG) };

/* The slug of a flag bit: its row's, else bitN. */
static const char *pm_slug(unsigned bit, char *buf, size_t len)
{
	if (pm_slugs[bit])
		return pm_slugs[bit];
	snprintf(buf, len, "bit%u", bit);
	return buf;
}

static const struct fault *active;
static struct fault param;	/* kpf-clear:BIT, kpf-set:BIT, scan-cat-add:CAT ... */
static char param_name[64];
static bool privileged;

static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static ssize_t (*real_pread64)(int, void *, size_t, off64_t);
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);

static int kpf_by_name(const char *n)
{
	for (unsigned b = 0; b < KPF_NR_DOCUMENTED; b++)
		if (!strcmp(kpf_bit_name(b), n))
			return (int)b;
	return -1;
}

static int cat_by_name(const char *n)
{
	for (unsigned b = 0; b < PMC_SCAN_NR_CATEGORIES; b++)
		if (!strcmp(scan_category_name(b), n))
			return (int)b;
	return -1;
}

static void list_catalogue(void)
{
	char b[16];

	for (unsigned i = 0; i < NCAT; i++)
		printf("%s\t%s\n", catalogue[i].name, catalogue[i].what);
	for (unsigned k = 0; k < NPMF; k++)
		for (unsigned bit = 63; bit >= PM_PFRAME_BITS; bit--)
			if (!(pm_bit_faults[k].except >> bit & 1))
				printf("pm-%s-%s\tpagemap bit %u (%s) %s\n", pm_slug(bit, b, sizeof(b)),
				       pm_bit_faults[k].where, bit, pm_bit_name(bit) ? pm_bit_name(bit) : "reserved",
				       pm_bit_faults[k].what);
	for (unsigned b = 0; b < KPF_NR_DOCUMENTED; b++) {
		printf("kpf-clear:%s\tKPF_%s never set\n", kpf_bit_name(b), kpf_bit_name(b));
		printf("kpf-set:%s\tKPF_%s set on every page\n", kpf_bit_name(b), kpf_bit_name(b));
	}
	for (unsigned b = 0; b < PMC_SCAN_NR_CATEGORIES; b++) {
		printf("scan-cat-add:%s\t%s added to every region\n", scan_category_name(b), scan_category_name(b));
		printf("scan-cat-drop:%s\t%s dropped from every region\n", scan_category_name(b), scan_category_name(b));
		printf("scan-cat-refuse:%s\t%s refused (EINVAL) in any mask\n", scan_category_name(b), scan_category_name(b));
	}
}

static bool cap_sys_admin(void)
{
	char line[256];
	bool r = false;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7)) {
			r = (strtoull(line + 7, NULL, 16) >> 21) & 1; /* CAP_SYS_ADMIN */
			break;
		}
	fclose(f);
	return r;
}

__attribute__((constructor)) static void fi_init(void)
{
	const char *f = getenv("PMC_FAULT");

	real_read = dlsym(RTLD_NEXT, "read");
	real_pread = dlsym(RTLD_NEXT, "pread");
	real_pread64 = dlsym(RTLD_NEXT, "pread64");
	real_open = dlsym(RTLD_NEXT, "open");
	real_open64 = dlsym(RTLD_NEXT, "open64");
	real_openat = dlsym(RTLD_NEXT, "openat");
	real_close = dlsym(RTLD_NEXT, "close");
	real_ioctl = dlsym(RTLD_NEXT, "ioctl");
	if (!f || !*f)
		return;
	if (!strcmp(f, "list")) {
		list_catalogue();
		exit(0);
	}
	for (unsigned i = 0; i < NCAT; i++)
		if (!strcmp(catalogue[i].name, f))
			active = &catalogue[i];
	for (unsigned k = 0; !active && k < NPMF; k++)
		for (unsigned bit = 63; !active && bit >= PM_PFRAME_BITS; bit--) {
			char b[16], n[64];

			snprintf(n, sizeof(n), "pm-%s-%s", pm_slug(bit, b, sizeof(b)), pm_bit_faults[k].where);
			if ((pm_bit_faults[k].except >> bit & 1) || strcmp(n, f))
				continue;
			snprintf(param_name, sizeof(param_name), "%s", f);
			param = (struct fault){ param_name, pm_bit_faults[k].kind, UINT64_C(1) << bit,
						pm_bit_faults[k].what };
			active = &param;
		}
	if (!active) {
		const char *colon = strchr(f, ':');
		int b = -1;

		snprintf(param_name, sizeof(param_name), "%s", f);
		param.name = param_name;
		param.what = "parametric";
		if (colon && !strncmp(f, "kpf-clear:", 10) && (b = kpf_by_name(colon + 1)) >= 0)
			param.kind = F_KPF_CLEAR;
		else if (colon && !strncmp(f, "kpf-set:", 8) && (b = kpf_by_name(colon + 1)) >= 0)
			param.kind = F_KPF_SET;
		else if (colon && !strncmp(f, "scan-cat-add:", 13) && (b = cat_by_name(colon + 1)) >= 0)
			param.kind = F_SC_CAT_ADD;
		else if (colon && !strncmp(f, "scan-cat-drop:", 14) && (b = cat_by_name(colon + 1)) >= 0)
			param.kind = F_SC_CAT_DROP;
		else if (colon && !strncmp(f, "scan-cat-refuse:", 16) && (b = cat_by_name(colon + 1)) >= 0)
			param.kind = F_SC_REFUSE_CAT;
		if (b < 0) {
			fprintf(stderr, "libpmcfault: unknown fault '%s' (PMC_FAULT=list)\n", f);
			exit(99);
		}
		param.arg = UINT64_C(1) << b;
		active = &param;
	}
}

static enum iface iface_of_path(const char *path)
{
	const char *base;

	if (!path || strncmp(path, "/proc/", 6))
		return IF_NONE;
	if (!strcmp(path, "/proc/kpageflags"))
		return IF_KPAGEFLAGS;
	if (!strcmp(path, "/proc/kpagecount"))
		return IF_KPAGECOUNT;
	if (!strcmp(path, "/proc/kpagecgroup"))
		return IF_KPAGECGROUP;
	base = strrchr(path, '/');
	if (base && !strcmp(base, "/pagemap"))
		return IF_PAGEMAP;
	return IF_NONE;
}

/* Which interfaces a program touches: the mutation runner only runs the
 * programs that can observe a fault. */
static void trace_line(const char *what)
{
	const char *trace = getenv("PMC_FAULT_TRACE");
	int t;

	if (!trace || !*trace)
		return;
	t = real_open(trace, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (t >= 0) {
		dprintf(t, "%s\n", what);
		real_close(t);
	}
}

static void track(int fd, const char *path)
{
	enum iface i = iface_of_path(path);

	if (fd < 0 || fd >= MAX_FDS)
		return;
	fd_iface[fd] = (unsigned char)i;
	if (i == IF_PAGEMAP)
		fd_pid[fd] = strncmp(path + 6, "self/", 5) && strncmp(path + 6, "thread-self/", 12) ?
			     (pid_t)atoi(path + 6) : getpid();
	if (i != IF_NONE)
		trace_line(iface_names[i]);
	if (i == IF_PAGEMAP)
		privileged = cap_sys_admin();
}

static enum iface fd_kind(int fd)
{
	return fd >= 0 && fd < MAX_FDS ? (enum iface)fd_iface[fd] : IF_NONE;
}

/* ---- state families: which VMA an address is in, what folio a PFN is in ---- */
struct vma {
	uint64_t start, end;
	long kps_kb;		/* KernelPageSize */
	long pmd_kb;		/* AnonHugePages + ShmemPmdMapped + FilePmdMapped */
	bool shmem;
};
#define MAX_VMAS 512
static struct vma vmas[MAX_VMAS];
static int nvmas;

static bool on_tmpfs(const char *path)
{
	char dir[512], *slash;
	struct statfs sf;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return false;
	*slash = 0;
	return !statfs(dir, &sf) && sf.f_type == TMPFS_MAGIC;
}

/* Parse /proc/PID/smaps (read with the real calls: not tracked). */
static void load_vmas(pid_t pid)
{
	static char buf[1 << 21];
	char path[64], *line, *save = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	nvmas = 0;
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	fd = real_open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while (len < sizeof(buf) - 1 && (n = real_read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	real_close(fd);
	buf[len] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long s, e;
		long v;
		struct vma *m = nvmas ? &vmas[nvmas - 1] : NULL;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2) {
			char *p = strchr(line, '/');

			if (nvmas == MAX_VMAS)
				break;
			m = &vmas[nvmas++];
			memset(m, 0, sizeof(*m));
			m->start = s;
			m->end = e;
			if (p) {
				char *d = strstr(p, " (deleted)");

				if (d)
					*d = 0;
				m->shmem = !strncmp(p, "/memfd:", 7) || !strncmp(p, "/dev/zero", 9) ||
					   !strncmp(p, "/SYSV", 5) || on_tmpfs(p);
			}
			continue;
		}
		if (!m)
			continue;
		if (sscanf(line, "KernelPageSize: %ld", &v) == 1)
			m->kps_kb = v;
		else if (sscanf(line, "AnonHugePages: %ld", &v) == 1 ||
			 sscanf(line, "ShmemPmdMapped: %ld", &v) == 1 ||
			 sscanf(line, "FilePmdMapped: %ld", &v) == 1)
			m->pmd_kb += v;
	}
	/* hugetlb memfds are "/memfd:" too: not shmem. */
	for (int k = 0; k < nvmas; k++)
		if (vmas[k].kps_kb > 4)
			vmas[k].shmem = false;
}

static const struct vma *vma_at(uint64_t addr)
{
	for (int k = 0; k < nvmas; k++)
		if (vmas[k].start <= addr && addr < vmas[k].end)
			return &vmas[k];
	return NULL;
}

/* Pages in the compound folio holding pfn (1 for a base page), from the
 * real kpageflags. */
static uint64_t folio_pages(int fd, uint64_t pfn)
{
	uint64_t f, head = pfn, n = 1;

	for (;;) {
		if (real_pread(fd, &f, 8, (off_t)(head * 8)) != 8)
			return 1;
		if (!(f & KPF_COMPOUND_TAIL) || !head || pfn - head > 1 << 18)
			break;
		head--;
	}
	if (!(f & KPF_COMPOUND_HEAD))
		return 1;
	while (real_pread(fd, &f, 8, (off_t)((head + n) * 8)) == 8 && (f & KPF_COMPOUND_TAIL) &&
	       n < 1 << 18)
		n++;
	return n;
}

/* The page at pfn is a page table (its kpageflags read beside the
 * program's). */
static bool pfn_is_pgtable(uint64_t pfn)
{
	static int fd = -2;
	uint64_t f;

	if (fd == -2)
		fd = real_open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	return fd >= 0 && real_pread(fd, &f, 8, (off_t)(pfn * 8)) == 8 && (f & KPF_PGTABLE);
}

static uint64_t pmd_pages(void)
{
	static uint64_t v;
	char b[32];
	int fd;
	ssize_t n;

	if (v)
		return v;
	fd = real_open("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return v = 512;
	n = real_read(fd, b, sizeof(b) - 1);
	real_close(fd);
	b[n > 0 ? n : 0] = 0;
	v = strtoull(b, NULL, 10) / (uint64_t)sysconf(_SC_PAGESIZE);
	return v ? v : (v = 512);
}

/* ---- perturbation of read results ---- */
static uint64_t perturb_pm(uint64_t e, uint64_t addr)
{
	bool present = e & PM_PRESENT, swap = e & PM_SWAP;
	const struct vma *m;

	switch (active->kind) {
	case F_FAM_PM_CLEAR_HUGETLB:
		m = vma_at(addr);
		return m && m->kps_kb > 4 ? e & ~active->arg : e;
	case F_FAM_PM_PFN_PMD_THP:
		m = vma_at(addr);
		return m && m->pmd_kb && present && pm_pfn(e) ?
		       (e & ~PM_PFRAME_MASK) | ((pm_pfn(e) + 1) & PM_PFRAME_MASK) : e;
	case F_PM_CLEAR:
		return e & ~active->arg;
	case F_PM_SET_PRESENT:
		return present ? e | active->arg : e;
	case F_PM_SET_SWAP:
		return swap ? e | active->arg : e;
	case F_PM_SET_NONE:
		return !present && !swap ? e | active->arg : e;
	case F_PM_PFN_PLUS1:
		return present && pm_pfn(e) ? (e & ~PM_PFRAME_MASK) | ((pm_pfn(e) + 1) & PM_PFRAME_MASK) : e;
	case F_PM_PFN_ZERO:
		return present && privileged ? e & ~PM_PFRAME_MASK : e;
	case F_PM_PFN_LEAK:
		return present && !privileged ? e | 0x1234 : e;
	case F_PM_SWAP_TYPE:
		return swap && !(e & PM_GUARD_REGION) && privileged ? (e & ~PM_SWAP_TYPE_MASK) | ((pm_swap_type(e) + 1) & PM_SWAP_TYPE_MASK) : e;
	case F_PM_SWAP_OFFSET:
		return swap && !(e & PM_GUARD_REGION) && privileged ? e + (UINT64_C(1) << PM_SWAP_TYPE_BITS) : e;
	case F_PM_SWAP_LEAK:
		return swap && !privileged ? e | (UINT64_C(0x42) << PM_SWAP_TYPE_BITS) : e;
	default:
		return e;
	}
}

static uint64_t perturb_kp(int fd, enum iface i, uint64_t v, uint64_t pfn)
{
	switch (active->kind) {
	case F_FAM_KPF_THP_MTHP:
		return i == IF_KPAGEFLAGS && (v & KPF_THP) && !(v & KPF_HUGE) &&
		       folio_pages(fd, pfn) < pmd_pages() ? v & ~KPF_THP : v;
	case F_KPF_CLEAR:
		return i == IF_KPAGEFLAGS ? v & ~active->arg : v;
	case F_KPF_SET:
		return i == IF_KPAGEFLAGS ? v | active->arg : v;
	case F_KPC_PLUS1:
		return i == IF_KPAGECOUNT ? v + 1 : v;
	case F_KPC_MINUS1:
		return i == IF_KPAGECOUNT && v ? v - 1 : v;
	case F_KPCG_PLUS1:
		return i == IF_KPAGECGROUP && v ? v + 1 : v;
	case F_KPCG_ZERO:
		return i == IF_KPAGECGROUP ? 0 : v;
	case F_FAM_KPCG_ZERO_PGTABLE:
		return i == IF_KPAGECGROUP && v && pfn_is_pgtable(pfn) ? 0 : v;
	default:
		return v;
	}
}

/* Apply the active fault to a finished read of 'n' bytes at byte offset 'off'. */
static ssize_t after_read(int fd, void *buf, size_t count, off_t off, ssize_t n, int err)
{
	enum iface i = fd_kind(fd);
	uint64_t *w = buf;

	if (!active || i == IF_NONE)
		return errno = err, n;
	if (n < 0) {
		if (err == EINVAL && ((i == IF_PAGEMAP && active->kind == F_PM_EINVAL_OK) ||
				      (i != IF_PAGEMAP && active->kind == F_KP_EINVAL_OK))) {
			memset(buf, 0, count);
			return (ssize_t)count;
		}
		if (err == EINVAL && i == IF_PAGEMAP && active->kind == F_PM_EINVAL_ERRNO)
			err = EFAULT;
		errno = err;
		return n;
	}
	if (n == 0 && count >= 8 && i == IF_PAGEMAP && active->kind == F_PM_EOF_DATA) {
		memset(buf, 0, count & ~(size_t)7);
		return (ssize_t)(count & ~(size_t)7);
	}
	/* Only whole, aligned entries are perturbed. */
	if (off % 8 || n % 8)
		return n;
	if (i == IF_PAGEMAP && (active->kind == F_FAM_PM_CLEAR_HUGETLB ||
				active->kind == F_FAM_PM_PFN_PMD_THP))
		load_vmas(fd_pid[fd]);
	for (ssize_t k = 0; k < n / 8; k++) {
		uint64_t item = (uint64_t)off / 8 + (uint64_t)k;

		w[k] = i == IF_PAGEMAP ? perturb_pm(w[k], item * (uint64_t)sysconf(_SC_PAGESIZE)) :
					 perturb_kp(fd, i, w[k], item);
	}
	return n;
}

/* The control: a valid short read (whole entries) is always allowed. */
static size_t shorten(int fd, size_t count, off_t off)
{
	static unsigned turn;

	if (!active || active->kind != F_CTL_SHORT || fd_kind(fd) == IF_NONE ||
	    off % 8 || count % 8 || count <= 8)
		return count;
	turn = (turn + 1) % 3;
	return count < 8 * (turn + 1) ? count : 8 * (turn + 1);
}

ssize_t pread(int fd, void *buf, size_t count, off_t off)
{
	ssize_t n = real_pread(fd, buf, shorten(fd, count, off), off);

	return after_read(fd, buf, count, off, n, errno);
}

ssize_t pread64(int fd, void *buf, size_t count, off64_t off)
{
	ssize_t n = real_pread64(fd, buf, shorten(fd, count, off), off);

	return after_read(fd, buf, count, off, n, errno);
}

ssize_t read(int fd, void *buf, size_t count)
{
	off_t off = fd_kind(fd) != IF_NONE ? lseek(fd, 0, SEEK_CUR) : 0;
	ssize_t n = real_read(fd, buf, shorten(fd, count, off));

	return after_read(fd, buf, count, off, n, errno);
}

ssize_t __pread_chk(int fd, void *buf, size_t count, off_t off, size_t buflen)
{
	(void)buflen;
	return pread(fd, buf, count, off);
}

ssize_t __pread64_chk(int fd, void *buf, size_t count, off64_t off, size_t buflen)
{
	(void)buflen;
	return pread64(fd, buf, count, off);
}

ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen)
{
	(void)buflen;
	return read(fd, buf, count);
}

static int mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	int fd, mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	fd = real_open(path, flags, mode);
	track(fd, path);
	return fd;
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	int fd, mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	fd = real_open64(path, flags, mode);
	track(fd, path);
	return fd;
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	int fd, mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	fd = real_openat(dirfd, path, flags, mode);
	track(fd, path);
	return fd;
}

int close(int fd)
{
	if (fd >= 0 && fd < MAX_FDS)
		fd_iface[fd] = IF_NONE;
	return real_close(fd);
}

/* ---- PAGEMAP_SCAN ---- */
static int scan(int fd, struct pm_scan_arg *user)
{
	struct pm_scan_arg a;
	struct page_region *vec;
	int ret, err;
	bool sized = user && user->size == sizeof(*user);

	if (!sized)
		return real_ioctl(fd, PAGEMAP_SCAN, user);
	a = *user;
	switch (active->kind) {
	case F_SC_IGN_MAXPAGES: a.max_pages = 0; break;
	case F_SC_IGN_CATMASK: a.category_mask = 0; break;
	case F_SC_IGN_INVERTED: a.category_inverted = 0; break;
	case F_SC_IGN_ANYOF: a.category_anyof_mask = 0; break;
	case F_SC_IGN_RETMASK:
		if (a.return_mask)
			a.return_mask = PAGE_IS_WPALLOWED | PAGE_IS_WRITTEN | PAGE_IS_FILE |
					PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_PFNZERO |
					PAGE_IS_HUGE | PAGE_IS_GUARD;
		break;
	case F_SC_IGN_WP: a.flags &= ~(uint64_t)PM_SCAN_WP_MATCHING; break;
	case F_SC_ENOTTY:
		errno = ENOTTY;
		return -1;
	case F_SC_REFUSE_CAT:
		if ((a.category_mask | a.category_inverted | a.category_anyof_mask |
		     a.return_mask) & active->arg) {
			errno = EINVAL;
			return -1;
		}
		break;
	default: break;
	}
	ret = real_ioctl(fd, PAGEMAP_SCAN, &a);
	err = errno;
	/* The kernel's walk_end goes back to the caller's struct either way. */
	user->walk_end = a.walk_end;
	vec = (struct page_region *)(uintptr_t)a.vec;
	if (ret < 0) {
		if (err == EINVAL && active->kind == F_SC_EINVAL_OK)
			return 0;
		if (active->kind == F_SC_ERRNO_SWAP)
			err = err == EINVAL ? EFAULT : err == EFAULT ? EINVAL : err == EPERM ? EINVAL : err;
		errno = err;
		return ret;
	}
	switch (active->kind) {
	case F_SC_DROP_LAST:
		if (ret > 0)
			ret--;
		break;
	case F_SC_LONG_FIRST:
		if (ret > 0)
			vec[0].end += (uint64_t)sysconf(_SC_PAGESIZE);
		break;
	case F_SC_CAT_ADD:
		for (int k = 0; k < ret; k++)
			vec[k].categories |= active->arg;
		break;
	case F_SC_CAT_DROP:
		for (int k = 0; k < ret; k++)
			vec[k].categories &= ~active->arg;
		break;
	case F_SC_WALKEND:
		user->walk_end += (uint64_t)sysconf(_SC_PAGESIZE);
		break;
	case F_FAM_SC_WRITTEN_SHMEM:
		if (!(a.return_mask & PAGE_IS_WRITTEN))
			break;
		load_vmas(fd_pid[fd]);
		for (int k = 0; k < ret; k++) {
			const struct vma *m = vma_at(vec[k].start);

			if (m && m->shmem)
				vec[k].categories ^= PAGE_IS_WRITTEN;
		}
		break;
	default:
		break;
	}
	errno = err;
	return ret;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req == PAGEMAP_SCAN && fd_kind(fd) == IF_PAGEMAP) {
		trace_line("scan");
		if (active)
			return scan(fd, arg);
	}
	return real_ioctl(fd, req, arg);
}
