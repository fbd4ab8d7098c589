// SPDX-License-Identifier: GPL-2.0
/* The one decoder of pagemap entries, KPF words and scan categories. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "entry.h"

static const char *const pm_names[64] = {
	[55] = "soft-dirty", [56] = "exclusive", [57] = "uffd-wp",
	[58] = "guard", [59] = "bit59", [60] = "bit60", [61] = "file",
	[62] = "swap", [63] = "present",
};

static const char *const kpf_names[KPF_NR_DOCUMENTED] = {
	"LOCKED", "ERROR", "REFERENCED", "UPTODATE", "DIRTY", "LRU", "ACTIVE",
	"SLAB", "WRITEBACK", "RECLAIM", "BUDDY", "MMAP", "ANON", "SWAPCACHE",
	"SWAPBACKED", "COMPOUND_HEAD", "COMPOUND_TAIL", "HUGE", "UNEVICTABLE",
	"HWPOISON", "NOPAGE", "KSM", "THP", "OFFLINE", "ZERO_PAGE", "IDLE",
	"PGTABLE",
};

static const char *const scan_names[PMC_SCAN_NR_CATEGORIES] = {
	"WPALLOWED", "WRITTEN", "FILE", "PRESENT", "SWAPPED", "PFNZERO",
	"HUGE", "SOFT_DIRTY", "GUARD",
};

const char *pm_bit_name(unsigned bit)
{
	return bit < 64 ? pm_names[bit] : NULL;
}

const char *kpf_bit_name(unsigned bit)
{
	return bit < KPF_NR_DOCUMENTED ? kpf_names[bit] : NULL;
}

const char *scan_category_name(unsigned bit)
{
	return bit < PMC_SCAN_NR_CATEGORIES ? scan_names[bit] : NULL;
}

/* Bounded appender: never overruns, always NUL-terminates. */
struct sbuf {
	char *p;
	size_t len, pos;
};

static void sb_add(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!b->len || b->pos >= b->len - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->pos, b->len - b->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->pos += (size_t)n < b->len - b->pos ? (size_t)n : b->len - b->pos - 1;
}

/* Names of the set bits of 'v' in [lo, hi), joined by '|'. */
static void sb_bits(struct sbuf *b, uint64_t v, unsigned lo, unsigned hi,
		    const char *(*name)(unsigned))
{
	bool first = true;

	for (unsigned i = lo; i < hi; i++) {
		if (!(v >> i & 1))
			continue;
		const char *n = name(i);
		if (n)
			sb_add(b, "%s%s", first ? "" : "|", n);
		else
			sb_add(b, "%sbit%u", first ? "" : "|", i);
		first = false;
	}
	if (first)
		sb_add(b, "none");
}

size_t pm_format(uint64_t e, char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0 };

	if (len)
		buf[0] = 0;
	sb_add(&b, "0x%016" PRIx64 " ", e);
	sb_bits(&b, e & PM_FLAG_BITS, 55, 64, pm_bit_name);
	if (e & PM_SWAP)
		sb_add(&b, " type=%u offset=0x%" PRIx64, pm_swap_type(e), pm_swap_offset(e));
	else if (pm_pfn(e))
		sb_add(&b, " pfn=0x%" PRIx64, pm_pfn(e));
	return b.pos;
}

size_t kpf_format(uint64_t f, char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0 };

	if (len)
		buf[0] = 0;
	sb_bits(&b, f & ((UINT64_C(1) << 32) - 1), 0, 32, kpf_bit_name);
	if (f >> 32)
		sb_add(&b, " +internal=0x%" PRIx64, f >> 32);
	return b.pos;
}

size_t scan_format(uint64_t c, char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0 };

	if (len)
		buf[0] = 0;
	sb_bits(&b, c, 0, 64, scan_category_name);
	return b.pos;
}

/* Report how each classified flag bit differs; the common tail of both matchers. */
static bool flags_match(struct sbuf *b, uint64_t set, uint64_t clear, uint64_t any,
			const char *any_why, uint64_t universe, uint64_t v,
			const char *(*name)(unsigned))
{
	uint64_t unclassified = universe & ~(set | clear | any);
	uint64_t conflict = (set & clear) | (set & any) | (clear & any);
	uint64_t missing = set & ~v, extra = clear & v;
	bool ok = true;

	if (unclassified || conflict) {
		sb_add(b, "[test bug: expectation must classify every documented bit exactly once; unclassified=");
		sb_bits(b, unclassified, 0, 64, name);
		sb_add(b, " conflicting=");
		sb_bits(b, conflict, 0, 64, name);
		sb_add(b, "] ");
		ok = false;
	}
	if (any && !any_why) {
		sb_add(b, "[test bug: don't-care bits without a reason] ");
		ok = false;
	}
	if (missing) {
		sb_add(b, "missing(expected set)=");
		sb_bits(b, missing, 0, 64, name);
		sb_add(b, " ");
		ok = false;
	}
	if (extra) {
		sb_add(b, "unexpected(expected clear)=");
		sb_bits(b, extra, 0, 64, name);
		sb_add(b, " ");
		ok = false;
	}
	return ok;
}

static bool pm_low_match(struct sbuf *b, const struct pm_expect *x, uint64_t e)
{
	uint64_t low = pm_pfn(e);

	switch (x->low) {
	case PM_LOW_ZERO:
		if (low) {
			sb_add(b, "bits 0-54 expected 0, got 0x%" PRIx64 " ", low);
			return false;
		}
		return true;
	case PM_LOW_PFN:
		if (!x->privileged) {
			if (low) {
				sb_add(b, "PFN must be hidden from a reader without CAP_SYS_ADMIN, got 0x%" PRIx64 " ", low);
				return false;
			}
			return true;
		}
		if (!low || (x->pfn && low != x->pfn)) {
			sb_add(b, "PFN expected %s0x%" PRIx64 ", got 0x%" PRIx64 " ",
			       x->pfn ? "" : "non-zero, not ", x->pfn, low);
			return false;
		}
		return true;
	case PM_LOW_SWAP:
		if (!x->privileged) {
			if (low) {
				sb_add(b, "swap type/offset must be hidden from a reader without CAP_SYS_ADMIN, got 0x%" PRIx64 " ", low);
				return false;
			}
			return true;
		}
		if (pm_swap_type(e) != x->swap_type || !pm_swap_offset(e) ||
		    (x->swap_pages && pm_swap_offset(e) >= x->swap_pages)) {
			sb_add(b, "swap expected type=%u offset in [1,%" PRIu64 "), got type=%u offset=0x%" PRIx64 " ",
			       x->swap_type, x->swap_pages, pm_swap_type(e), pm_swap_offset(e));
			return false;
		}
		return true;
	case PM_LOW_ANY:
		if (!x->low_why) {
			sb_add(b, "[test bug: bits 0-54 don't care without a reason] ");
			return false;
		}
		return true;
	case PM_LOW_UNSET:
	default:
		sb_add(b, "[test bug: bits 0-54 not classified] ");
		return false;
	}
}

bool pm_match(const struct pm_expect *x, uint64_t e, char *why, size_t len)
{
	struct sbuf b = { why, len, 0 };
	char got[160];
	bool ok;

	if (len)
		why[0] = 0;
	ok = flags_match(&b, x->set, x->clear, x->any, x->any_why, PM_FLAG_BITS,
			 e, pm_bit_name);
	ok = pm_low_match(&b, x, e) && ok;
	if (!ok) {
		pm_format(e, got, sizeof(got));
		sb_add(&b, "| got %s | want set ", got);
		sb_bits(&b, x->set, 55, 64, pm_bit_name);
		sb_add(&b, " clear ");
		sb_bits(&b, x->clear, 55, 64, pm_bit_name);
	}
	return ok;
}

bool kpf_match(const struct kpf_expect *x, uint64_t f, char *why, size_t len)
{
	struct sbuf b = { why, len, 0 };
	char got[400];
	bool ok;

	if (len)
		why[0] = 0;
	ok = flags_match(&b, x->set, x->clear, x->any, x->any_why, KF_CHECKED,
			 f & KF_CHECKED, kpf_bit_name);
	if (!ok) {
		kpf_format(f, got, sizeof(got));
		sb_add(&b, "| got %s", got);
	}
	return ok;
}
