// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the decoder (helpers/core/entry.c): bit names, pm_format /
 * kpf_format, and the matching rules that make a PASS mean "every documented
 * bit was checked": set / clear / don't-care, an unclassified or doubly
 * classified bit is a test bug, the PFN-hidden rule for unprivileged
 * readers, the swap type/offset rule, and kpf_match over bits 0..31.
 */
#include "pmc_test.h"
#include "scan.h"

#define ALL_PM_FLAGS	(PM_SOFT_DIRTY | PM_MMAP_EXCLUSIVE | PM_UFFD_WP | PM_GUARD_REGION | \
			 PM_RESERVED | PM_FILE | PM_SWAP | PM_PRESENT)

TEST(pm_names)
{
	EXPECT_STREQ("soft-dirty", pm_bit_name(55));
	EXPECT_STREQ("exclusive", pm_bit_name(56));
	EXPECT_STREQ("uffd-wp", pm_bit_name(57));
	EXPECT_STREQ("guard", pm_bit_name(58));
	EXPECT_STREQ("file", pm_bit_name(61));
	EXPECT_STREQ("swap", pm_bit_name(62));
	EXPECT_STREQ("present", pm_bit_name(63));
	EXPECT_EQ(NULL, pm_bit_name(54));
	EXPECT_EQ(NULL, pm_bit_name(64));
}

TEST(kpf_names)
{
	EXPECT_STREQ("LOCKED", kpf_bit_name(0));
	EXPECT_STREQ("ANON", kpf_bit_name(KPF_ANON_B));
	EXPECT_STREQ("THP", kpf_bit_name(KPF_THP_B));
	EXPECT_STREQ("PGTABLE", kpf_bit_name(26));
	EXPECT_EQ(NULL, kpf_bit_name(27));
}

TEST(pm_format_present)
{
	char buf[160];

	pm_format(PM_PRESENT | PM_MMAP_EXCLUSIVE | 0x1234, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "exclusive|present pfn=0x1234")) TH_LOG("%s", buf);
	pm_format(0, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "none")) TH_LOG("%s", buf);
}

TEST(pm_format_swap)
{
	char buf[160];

	pm_format(PM_SWAP | (UINT64_C(5) << PM_SWAP_TYPE_BITS) | 1, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "swap type=1 offset=0x5")) TH_LOG("%s", buf);
}

TEST(pm_format_truncates_safely)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	pm_format(ALL_PM_FLAGS | 1, buf, sizeof(buf));
	EXPECT_EQ(0, buf[sizeof(buf) - 1]);
}

TEST(kpf_format_names_and_internal)
{
	char buf[400];

	kpf_format(KPF_ANON | KPF_LRU, buf, sizeof(buf));
	EXPECT_STREQ("LRU|ANON", buf);
	kpf_format(KPF_THP | (UINT64_C(1) << 40), buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "THP +internal=0x100")) TH_LOG("%s", buf);
	kpf_format(UINT64_C(1) << 27, buf, sizeof(buf));
	EXPECT_STREQ("bit27", buf);
}

/* A written private anon page, fully classified. */
static struct pm_expect anon_written(bool privileged)
{
	return (struct pm_expect){
		.set = PM_PRESENT | PM_MMAP_EXCLUSIVE,
		.clear = PM_SOFT_DIRTY | PM_UFFD_WP | PM_GUARD_REGION | PM_RESERVED | PM_FILE | PM_SWAP,
		.low = PM_LOW_PFN,
		.privileged = privileged,
	};
}

TEST(pm_match_set_and_clear)
{
	struct pm_expect x = anon_written(true);
	char why[1536];

	EXPECT_TRUE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE | 0x42, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_FALSE(pm_match(&x, PM_PRESENT | 0x42, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "missing(expected set)=exclusive")) TH_LOG("%s", why);
	EXPECT_FALSE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE | PM_FILE | 0x42, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "unexpected(expected clear)=file")) TH_LOG("%s", why);
	/* The failure text carries the decoded actual entry. */
	EXPECT_NE(NULL, strstr(why, "got ")) TH_LOG("%s", why);
}

TEST(pm_match_any_needs_reason)
{
	struct pm_expect x = anon_written(true);
	char why[1536];

	x.clear &= ~PM_SOFT_DIRTY;
	x.any = PM_SOFT_DIRTY;
	EXPECT_FALSE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE | 1, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "test bug")) TH_LOG("%s", why);
	x.any_why = "soft-dirty depends on clear_refs history";
	EXPECT_TRUE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE | 1, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_TRUE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE | PM_SOFT_DIRTY | 1, why, sizeof(why)))
		TH_LOG("%s", why);
}

TEST(pm_match_unclassified_bit_is_test_bug)
{
	struct pm_expect x = anon_written(true);
	char why[1536];

	x.clear &= ~PM_GUARD_REGION;	/* bit 58 left out: must never match */
	EXPECT_FALSE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE | 1, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "test bug")) TH_LOG("%s", why);
	EXPECT_NE(NULL, strstr(why, "unclassified=guard")) TH_LOG("%s", why);
}

TEST(pm_match_conflict_is_test_bug)
{
	struct pm_expect x = anon_written(true);
	char why[1536];

	x.clear |= PM_PRESENT;	/* both set and clear */
	EXPECT_FALSE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE | 1, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "conflicting=present")) TH_LOG("%s", why);
}

TEST(pm_match_low_unset_is_test_bug)
{
	struct pm_expect x = anon_written(true);
	char why[1536];

	x.low = PM_LOW_UNSET;
	EXPECT_FALSE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE | 1, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "not classified")) TH_LOG("%s", why);
	x.low = PM_LOW_ANY;
	EXPECT_FALSE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE | 1, why, sizeof(why)));
	x.low_why = "PFN irrelevant here";
	EXPECT_TRUE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE | 1, why, sizeof(why))) TH_LOG("%s", why);
}

TEST(pm_match_pfn_hidden_rule)
{
	struct pm_expect x = anon_written(false);
	char why[1536];

	/* Unprivileged reader: the PFN must read 0. */
	EXPECT_TRUE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_FALSE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE | 0x99, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "hidden")) TH_LOG("%s", why);
	/* Privileged reader: non-zero, and exact when .pfn is given. */
	x = anon_written(true);
	EXPECT_FALSE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE, why, sizeof(why)));
	x.pfn = 0x99;
	EXPECT_TRUE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE | 0x99, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_FALSE(pm_match(&x, PM_PRESENT | PM_MMAP_EXCLUSIVE | 0x98, why, sizeof(why)));
}

static uint64_t swap_entry(unsigned type, uint64_t off)
{
	return PM_SWAP | (off << PM_SWAP_TYPE_BITS) | type;
}

TEST(pm_match_swap_rule)
{
	struct pm_expect x = {
		.set = PM_SWAP,
		.clear = PM_PRESENT | PM_SOFT_DIRTY | PM_UFFD_WP | PM_GUARD_REGION | PM_RESERVED | PM_FILE,
		.any = PM_MMAP_EXCLUSIVE, .any_why = "exclusive is not reported for swap entries on old kernels",
		.low = PM_LOW_SWAP, .privileged = true, .swap_type = 1, .swap_pages = 100,
	};
	char why[1536];

	EXPECT_TRUE(pm_match(&x, swap_entry(1, 5), why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_FALSE(pm_match(&x, swap_entry(2, 5), why, sizeof(why)));
	EXPECT_FALSE(pm_match(&x, swap_entry(1, 0), why, sizeof(why)));
	EXPECT_FALSE(pm_match(&x, swap_entry(1, 100), why, sizeof(why)));
	/* Unprivileged: type and offset hidden. */
	x.privileged = false;
	EXPECT_TRUE(pm_match(&x, PM_SWAP, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_FALSE(pm_match(&x, swap_entry(1, 5), why, sizeof(why)));
}

TEST(kpf_match_rules)
{
	struct kpf_expect x = {
		.set = KPF_ANON | KPF_LRU | KPF_MMAP,
		.clear = KPF_CHECKED & ~(KPF_ANON | KPF_LRU | KPF_MMAP | KPF_REFERENCED | KPF_ACTIVE),
		.any = KPF_REFERENCED | KPF_ACTIVE, .any_why = "aging state",
	};
	char why[1536];

	EXPECT_TRUE(kpf_match(&x, KPF_ANON | KPF_LRU | KPF_MMAP, why, sizeof(why))) TH_LOG("%s", why);
	/* Kernel-internal bits >= 32 are never asserted. */
	EXPECT_TRUE(kpf_match(&x, KPF_ANON | KPF_LRU | KPF_MMAP | KPF_ACTIVE | (UINT64_C(1) << 40),
			      why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_FALSE(kpf_match(&x, KPF_ANON | KPF_MMAP, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "missing(expected set)=LRU")) TH_LOG("%s", why);
	/* Unassigned bits 27..31 must read zero. */
	EXPECT_FALSE(kpf_match(&x, KPF_ANON | KPF_LRU | KPF_MMAP | (UINT64_C(1) << 28), why, sizeof(why)));
	/* Leaving a documented bit out is a test bug. */
	x.clear &= ~KPF_KSM;
	EXPECT_FALSE(kpf_match(&x, KPF_ANON | KPF_LRU | KPF_MMAP, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "unclassified=KSM")) TH_LOG("%s", why);
}

/* The default classification comes from the rows' dflt column. */
TEST(defaults_from_the_table)
{
	struct pm_expect x = { .set = PM_UFFD_WP };
	struct scan_expect y = { .set = PAGE_IS_PRESENT };

	EXPECT_EQ(PM_GUARD_REGION | PM_RESERVED | PM_UFFD_WP, PM_DFLT_CLEAR);
	EXPECT_EQ((uint64_t)PM_SOFT_DIRTY, PM_DFLT_SOFT_DIRTY);
	pm_expect_defaults(&x, true);
	EXPECT_EQ(PM_SOFT_DIRTY | PM_UFFD_WP, x.set);
	EXPECT_EQ(PM_GUARD_REGION | PM_RESERVED, x.clear);
	/* STATE bits are left for the state. */
	EXPECT_EQ((uint64_t)0, x.any);
	scan_expect_defaults(&y, PMC_SCAN_CATEGORIES, false);
	EXPECT_EQ((uint64_t)PAGE_IS_PRESENT, y.set);
	EXPECT_EQ((uint64_t)(PAGE_IS_WPALLOWED | PAGE_IS_PFNZERO | PAGE_IS_SOFT_DIRTY | PAGE_IS_GUARD),
		  y.clear);
}

/* scan_match: classify() over the categories the kernel knows. */
TEST(scan_match_rules)
{
	uint64_t known = PMC_SCAN_CATEGORIES & ~(uint64_t)PAGE_IS_GUARD;
	struct scan_expect x = {
		.set = PAGE_IS_PRESENT | PAGE_IS_WRITTEN,
		.clear = known & ~(uint64_t)(PAGE_IS_PRESENT | PAGE_IS_WRITTEN),
	};
	char why[512];

	EXPECT_TRUE(scan_match(&x, PAGE_IS_PRESENT | PAGE_IS_WRITTEN, known, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_FALSE(scan_match(&x, PAGE_IS_WRITTEN, known, why, sizeof(why)));
	EXPECT_STREQ("got WRITTEN; wrong: PRESENT", why);
	EXPECT_FALSE(scan_match(&x, PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_GUARD, known,
				why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "beyond the known ones")) TH_LOG("%s", why);
	x.clear &= ~(uint64_t)PAGE_IS_HUGE;
	EXPECT_FALSE(scan_match(&x, PAGE_IS_PRESENT | PAGE_IS_WRITTEN, known, why, sizeof(why)));
	EXPECT_STREQ("test bug: categories not classified: HUGE", why);
}

PMC_MAIN
