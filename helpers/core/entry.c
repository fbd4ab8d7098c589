// SPDX-License-Identifier: GPL-2.0
/* The one decoder of pagemap entries, KPF words and scan categories. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "entry.h"

/* Names from the tables (bits.h). */
#define PMC_X_PM_NAME(name, bit, label, ...)	[bit] = label,
static const char *const pm_names[64] = { PM_FLAGS(PMC_X_PM_NAME) };

/* KPF_LOCKED -> "LOCKED", PAGE_IS_WRITTEN -> "WRITTEN" */
#define PMC_X_KPF_NAME(name, bit, ...)		[bit] = &#name[sizeof("KPF_") - 1],
static const char *const kpf_names[KPF_NR_DOCUMENTED] = { KPF_FLAGS(PMC_X_KPF_NAME) };

#define PMC_X_SCAN_NAME(name, bit, ...)	[bit] = &#name[sizeof("PAGE_IS_") - 1],
static const char *const scan_names[PMC_SCAN_NR_CATEGORIES] = { SCAN_CATEGORIES(PMC_X_SCAN_NAME) };

/* The rows are what they say: KPF and scan rows contiguous from bit 0 (the
 * name arrays are sized by the row count), every PAGE_IS_* (the build
 * host's <linux/fs.h> or compat.h) equal to its row's bit, pagemap rows
 * in the flag bits. */
#define PMC_X_KPF_DENSE(name, bit, ...) \
	_Static_assert((bit) < KPF_NR_DOCUMENTED, #name ": KPF rows must be contiguous from bit 0");
KPF_FLAGS(PMC_X_KPF_DENSE)
#define PMC_X_SCAN_CHECK(name, bit, ...) \
	_Static_assert((bit) < PMC_SCAN_NR_CATEGORIES, #name ": scan rows must be contiguous from bit 0"); \
	_Static_assert((name) == (1ULL << (bit)), #name " differs from its row in bits.h");
SCAN_CATEGORIES(PMC_X_SCAN_CHECK)
#define PMC_X_PM_CHECK(name, bit, ...) \
	_Static_assert((bit) >= PM_PFRAME_BITS && (bit) < 64, #name ": not a flag bit");
PM_FLAGS(PMC_X_PM_CHECK)

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

struct pmc_verdict classify(uint64_t universe, uint64_t set, uint64_t clear, uint64_t any,
			    const char *any_why, uint64_t v)
{
	struct pmc_verdict r = {
		.unclassified = universe & ~(set | clear | any),
		.conflicting = universe & ((set & clear) | (set & any) | (clear & any)),
		.unexplained = any && !any_why,
		.missing = universe & set & ~v,
		.unexpected = universe & clear & v,
	};

	return r;
}

/* The pagemap / KPF wording of a verdict: how each classified bit differs. */
static bool flags_report(struct sbuf *b, const struct pmc_verdict *r,
			 const char *(*name)(unsigned))
{
	if (r->unclassified || r->conflicting) {
		sb_add(b, "[test bug: expectation must classify every documented bit exactly once; unclassified=");
		sb_bits(b, r->unclassified, 0, 64, name);
		sb_add(b, " conflicting=");
		sb_bits(b, r->conflicting, 0, 64, name);
		sb_add(b, "] ");
	}
	if (r->unexplained)
		sb_add(b, "[test bug: don't-care bits without a reason] ");
	if (r->missing) {
		sb_add(b, "missing(expected set)=");
		sb_bits(b, r->missing, 0, 64, name);
		sb_add(b, " ");
	}
	if (r->unexpected) {
		sb_add(b, "unexpected(expected clear)=");
		sb_bits(b, r->unexpected, 0, 64, name);
		sb_add(b, " ");
	}
	return pmc_verdict_ok(r);
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
	struct pmc_verdict r;
	char got[160];
	bool ok;

	if (len)
		why[0] = 0;
	r = classify(PM_FLAG_BITS, x->set, x->clear, x->any, x->any_why, e);
	ok = flags_report(&b, &r, pm_bit_name);
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
	struct pmc_verdict r;
	char got[400];
	bool ok;

	if (len)
		why[0] = 0;
	r = classify(KPF_CHECKED, x->set, x->clear, x->any, x->any_why, f);
	ok = flags_report(&b, &r, kpf_bit_name);
	if (!ok) {
		kpf_format(f, got, sizeof(got));
		sb_add(&b, "| got %s", got);
	}
	return ok;
}

void classify_defaults(uint64_t universe, uint64_t dflt_clear, uint64_t dflt_soft_dirty,
		       bool soft_dirty, uint64_t *set, uint64_t *clear, uint64_t any)
{
	uint64_t open = universe & ~(*set | *clear | any);

	*clear |= open & dflt_clear;
	if (soft_dirty)
		*set |= open & dflt_soft_dirty;
	else
		*clear |= open & dflt_soft_dirty;
}

void pm_expect_defaults(struct pm_expect *x, bool soft_dirty)
{
	classify_defaults(PM_FLAG_BITS, PM_DFLT_CLEAR, PM_DFLT_SOFT_DIRTY, soft_dirty,
			  &x->set, &x->clear, x->any);
}
