/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Translation, and the translation cache that makes it one load of a cache entry and one
 * of the leaf entry. A miss is a lookup walk (pt_lookup()) that refills the entry.
 *
 * One entry per leaf table: entry i caches region r = gpa >> tc_shift when r % 512 == i.
 * Layout: bit 0 valid, bits 11:1 the tag r / 512 (so regions below 2^(tc_shift + 20) only),
 * bits 51:12 the leaf table's physical address, bits 57:52 the flags of the one area that
 * covers the whole region and bit 58 set when there is such an area. Entries are read and
 * written as whole 64-bit words (relaxed atomics): concurrent translations may fill the same
 * entry, always with the same value while no mutating call runs (the API forbids that).
 */
#include "as.h"

/* The word's layout is in axv/addrspace.h (AXV_AS_TC_*): the hit path is inline there. */
#define TC_VALID AXV_AS_TC_VALID
#define TC_TAG_BITS 11u
#define TC_PA_MASK AXV_AS_TC_PA_MASK
#define TC_FLAGS_SHIFT AXV_AS_TC_FLAGS_SHIFT
#define TC_EXACT AXV_AS_TC_EXACT

/* Only a cache a translation filled is cleared: a run of mutating calls with no
 * translation between them (mapping a guest's memory at boot) clears nothing. */
void tc_clear(struct axv_addrspace *as)
{
	if (as->tc_used) {
		axv_memset(as->tcache, 0, sizeof(as->tcache));
		as->tc_used = 0;
	}
}

/* A translation by a lookup walk; on the constant-offset path it fills the cache entry of
 * the leaf table it went through. */
static int translate_miss(const struct axv_addrspace *as, axv_gpa_t gpa, axv_hpa_t *hpa,
			  axv_map_flags_t *flags, uint64_t *left)
{
	if (!as->hal)
		return AXV_EINVAL;
	if (gpa - as->base >= as->size) /* below base wraps to a huge value */
		return AXV_ERANGE;
	const struct axv_pt_format *f = as->fmt;
	struct pt_walk w;
	walk_init(&w, as, NULL); /* a lookup walk writes nothing but w */
	int rc = pt_lookup(&w, as->root, gpa);
	if (rc != 0)
		return rc;
	const struct area *v = areas(as);
	const struct area *a = &v[area_find(v, as->nareas, gpa)];
	uint64_t r = as->tc_shift ? gpa >> as->tc_shift : 0, tag = r >> 9;
	if (as->linear && as->tc_shift && (tag >> TC_TAG_BITS) == 0 &&
	    w.level == (unsigned)f->levels - 1u) {
		uint64_t rs = r << as->tc_shift, re = rs + ((uint64_t)1 << as->tc_shift);
		uint64_t c = (((uint64_t)(uintptr_t)w.table - as->va_off) & TC_PA_MASK) |
			     (tag << 1) | TC_VALID;
		if (a->start <= rs && aend(a) >= re)
			c |= TC_EXACT | ((uint64_t)(a->flags & AXV_MAP_ALL) << TC_FLAGS_SHIFT);
		/* NOLINTNEXTLINE(performance-no-int-to-ptr): the cache is mutable inside a const space */
		uint64_t *slot = (uint64_t *)(uintptr_t)&as->tcache[r & (AXV_AS_TCACHE - 1)];
		__atomic_store_n(slot, c, __ATOMIC_RELAXED);
		/* NOLINTNEXTLINE(performance-no-int-to-ptr): as above */
		uint8_t *used = (uint8_t *)(uintptr_t)&as->tc_used;
		if (!__atomic_load_n(used, __ATOMIC_RELAXED))
			__atomic_store_n(used, 1, __ATOMIC_RELAXED);
	}
	uint64_t lsz = (uint64_t)1 << f->shift[w.level], off = gpa & (lsz - 1);
	if (hpa)
		*hpa = oa_dec(f, w.entry) + off;
	if (left)
		*left = lsz - off;
	if (flags)
		*flags = a->flags;
	return 0;
}

/* The cache's hit path is axv_addrspace_translate(), inline in axv/addrspace.h. It makes no
 * range or HAL check: an entry is only filled here, for a region one area covers whole
 * (TC_EXACT), and areas lie inside the space; the cache is emptied by
 * axv_addrspace_destroy() (and is zero in a space never initialised), so a hit means an
 * initialised space and an address inside it. The tag comparison also rejects regions above
 * the tag's reach (their tag, shifted, exceeds the 12 bits compared). A space without a
 * cache (tc_shift 0) or with tables off the constant offset never fills an entry, so the hit
 * path uses the one region size a cache has (AXV_AS_TC_SHIFT). An empty leaf entry has no
 * valid bit (axv_pt_format_check()), so the valid test alone tells a hole. Everything else,
 * errors included, is this miss path's. */
int axv_addrspace_translate_walk(const struct axv_addrspace *as, axv_gpa_t gpa, axv_hpa_t *hpa,
				 axv_map_flags_t *flags, uint64_t *left)
{
	if (!as)
		return AXV_EINVAL;
	return translate_miss(as, gpa, hpa, flags, left);
}
