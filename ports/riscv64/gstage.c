/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The G-stage table the hardware walks (hgatp), derived from the engine's table one leaf at
 * a time. The engine's entries hold the output address in place; a hardware PTE holds it as
 * a PPN in bits 53:10 (Priv 4.4.1), so the engine's table cannot be hgatp's root itself.
 *
 * Invariant: every valid derived leaf equals axv_rv64_pte_from_entry() of the engine's leaf
 * at the same place, at the same level, as it was at some time since the last flush of a
 * range holding it. The engine calls the HAL's tlb hook, once per change, with a range
 * covering every entry it changed (lib/addrspace, "Rules every mutating call follows"), and
 * the embedder's hook calls axv_rv64_gstage_flush(), which clears the derived leaves there.
 * fill and flush hold the table's lock around their walks, so a fill that read an engine leaf
 * before the engine broke it wrote its copy before the flush cleared it.
 *
 * Derived table pages (levels below the root) are kept until axv_rv64_gstage_destroy().
 */
#include <axv/arch/riscv64.h>
#include <stdatomic.h>
#include <axv/err.h>

#include "../../lib/core/mem.h"

#define PAGE 4096u

static void lock(struct axv_rv64_gstage *gs)
{
	while (atomic_exchange_explicit(&gs->lock, 1u, memory_order_acquire))
		;
}

static void unlock(struct axv_rv64_gstage *gs)
{
	atomic_store_explicit(&gs->lock, 0u, memory_order_release);
}

static uint64_t *va(const struct axv_rv64_gstage *gs, axv_hpa_t pa)
{
	return gs->hal->mem->phys_to_virt(gs->hal->ctx, pa);
}

/* Hardware entry -> address of the next-level table or of the leaf (Priv 4.4.1). */
static axv_hpa_t hw_pa(uint64_t pte)
{
	return ((pte >> 10) & ((1ull << 44) - 1)) << 12;
}

static bool hw_leaf(uint64_t pte)
{
	return (pte & (AXV_RV64_PTE_R | AXV_RV64_PTE_W | AXV_RV64_PTE_X)) != 0;
}

static unsigned index_of(const struct axv_pt_format *f, unsigned l, axv_gpa_t gpa)
{
	return (unsigned)((gpa >> f->shift[l]) & ((1ull << f->index_bits[l]) - 1));
}

int axv_rv64_gstage_init(struct axv_rv64_gstage *gs, const struct axv_hal *hal,
			 const struct axv_pt_format *fmt, axv_hpa_t src_root, uint32_t vmid)
{
	if (!gs || !fmt || axv_hal_check(hal, AXV_HAL_NEED_MEM) != 0 ||
	    (fmt->levels != AXV_RV64_SV39X4 && fmt->levels != AXV_RV64_SV48X4) ||
	    fmt->oa_mask != AXV_RV64_OA_MASK || fmt->root_frames != 4 || (src_root & 0x3fffu) ||
	    vmid >= (1u << 14))
		return AXV_EINVAL;
	axv_hpa_t root;
	int rc = hal->mem->alloc_frames(hal->ctx, 4, 4, &root);
	if (rc != 0)
		return rc < 0 ? rc : AXV_ENOMEM;
	uint64_t hgatp;
	void *p = hal->mem->phys_to_virt(hal->ctx, root);
	if ((root & 0x3fffu) || !p || axv_rv64_hgatp(fmt->levels, root, vmid, &hgatp) != 0) {
		hal->mem->free_frames(hal->ctx, root, 4);
		return AXV_EFAULT;
	}
	axv_memset(p, 0, (size_t)4 * PAGE);
	gs->hal = hal;
	gs->fmt = fmt;
	gs->src_root = src_root;
	gs->root = root;
	gs->vmid = vmid;
	gs->hgatp = hgatp;
	gs->tables = 0;
	atomic_store_explicit(&gs->lock, 0u, memory_order_relaxed);
	return 0;
}

uint64_t axv_rv64_gstage_hgatp(const struct axv_rv64_gstage *gs)
{
	return gs ? gs->hgatp : 0;
}

static bool allows(uint64_t e, axv_map_flags_t access)
{
	if ((access & AXV_MAP_READ) && !(e & AXV_RV64_PTE_R))
		return false;
	if ((access & AXV_MAP_WRITE) && !(e & AXV_RV64_PTE_W))
		return false;
	if ((access & AXV_MAP_EXEC) && !(e & AXV_RV64_PTE_X))
		return false;
	return true;
}

static int fill_locked(struct axv_rv64_gstage *gs, axv_gpa_t gpa, axv_map_flags_t access)
{
	const struct axv_pt_format *f = gs->fmt;
	unsigned last = f->levels - 1u;
	/* Pass 1: the engine's leaf for gpa, and its level. */
	const uint64_t *src = va(gs, gs->src_root);
	if (!src)
		return AXV_EFAULT;
	uint64_t leaf = 0;
	unsigned level = 0;
	for (unsigned l = 0;; l++) {
		uint64_t e = __atomic_load_n(&src[index_of(f, l, gpa)], __ATOMIC_ACQUIRE);
		if (e == f->empty[l] || !(e & AXV_RV64_PTE_V))
			return AXV_ENOENT; /* empty, or a leaf the engine has broken */
		if (l == last || (e & f->block_mask) == f->block_val) {
			if (!f->leaf_ok[l])
				return AXV_ENOENT;
			if (!allows(e, access))
				return AXV_EACCES;
			leaf = e;
			level = l;
			break;
		}
		src = va(gs, e & f->oa_mask);
		if (!src)
			return AXV_EFAULT;
	}
	/* Pass 2: the derived tables down to that level; the missing ones are all taken
	 * before any is linked, so running out of frames changes nothing. */
	uint64_t *dst = va(gs, gs->root);
	if (!dst)
		return AXV_EFAULT;
	unsigned l = 0;
	for (; l < level; l++) {
		uint64_t d = __atomic_load_n(&dst[index_of(f, l, gpa)], __ATOMIC_ACQUIRE);
		/* (A derived leaf where the engine now has a table cannot be: the engine
		 * flushed the range when it split the block; replacing it is still right.) */
		if (!(d & AXV_RV64_PTE_V) || hw_leaf(d))
			break;
		dst = va(gs, hw_pa(d));
		if (!dst)
			return AXV_EFAULT;
	}
	axv_hpa_t fresh[AXV_PT_MAX_LEVELS];
	unsigned need = level - l;
	for (unsigned k = 0; k < need; k++) {
		int rc = gs->hal->mem->alloc_frames(gs->hal->ctx, 1, 1, &fresh[k]);
		uint64_t *tv = rc == 0 ? va(gs, fresh[k]) : NULL;
		if (rc == 0 && (!tv || (fresh[k] & (PAGE - 1)) || (fresh[k] >> 56))) {
			gs->hal->mem->free_frames(gs->hal->ctx, fresh[k], 1);
			rc = AXV_EFAULT;
		}
		if (rc != 0) {
			while (k-- > 0)
				gs->hal->mem->free_frames(gs->hal->ctx, fresh[k], 1);
			return rc < 0 ? rc : AXV_ENOMEM;
		}
		axv_memset(tv, 0, PAGE);
	}
	/* Link from the bottom up, so the hardware never sees a half-built path. */
	for (unsigned k = need; k-- > 0;) {
		uint64_t *tv = va(gs, fresh[k]);
		if (k + 1 < need)
			tv[index_of(f, l + k + 1, gpa)] = (fresh[k + 1] >> 2) | AXV_RV64_PTE_V;
	}
	if (need > 0) {
		uint64_t *bottom = va(gs, fresh[need - 1]);
		bottom[index_of(f, level, gpa)] = axv_rv64_pte_from_entry(leaf);
		__atomic_store_n(&dst[index_of(f, l, gpa)], (fresh[0] >> 2) | AXV_RV64_PTE_V,
				 __ATOMIC_RELEASE);
		gs->tables += need;
	} else {
		__atomic_store_n(&dst[index_of(f, level, gpa)], axv_rv64_pte_from_entry(leaf),
				 __ATOMIC_RELEASE);
	}
	return 0;
}

int axv_rv64_gstage_fill(struct axv_rv64_gstage *gs, axv_gpa_t gpa, axv_map_flags_t access)
{
	if (!gs || !gs->hal || access == 0 || (access & ~(axv_map_flags_t)AXV_MAP_RWX))
		return AXV_EINVAL;
	if (gpa >> gs->fmt->ia_bits)
		return AXV_ERANGE;
	lock(gs);
	int rc = fill_locked(gs, gpa, access);
	unlock(gs);
	return rc;
}

/* Clear every derived leaf of table @p t (level @p l, covering [base, base + span)) that
 * overlaps [s, e] (inclusive end). One call per level, depth <= AXV_PT_MAX_LEVELS; t is
 * written through __atomic_store_n, which clang-tidy does not count as a write. */
/* NOLINTNEXTLINE(misc-no-recursion,readability-non-const-parameter) */
static void clear_range(struct axv_rv64_gstage *gs, unsigned l, uint64_t *t, axv_gpa_t base,
			axv_gpa_t s, axv_gpa_t e)
{
	const struct axv_pt_format *f = gs->fmt;
	uint64_t step = 1ull << f->shift[l];
	unsigned n = 1u << f->index_bits[l];
	unsigned first = s > base ? (unsigned)((s - base) >> f->shift[l]) : 0;
	for (unsigned i = first; i < n; i++) {
		axv_gpa_t lo = base + (uint64_t)i * step, hi = lo + step - 1;
		if (lo > e)
			break;
		uint64_t d = __atomic_load_n(&t[i], __ATOMIC_ACQUIRE);
		if (!(d & AXV_RV64_PTE_V))
			continue;
		if (hw_leaf(d) || l + 1u >= f->levels) {
			__atomic_store_n(&t[i], 0, __ATOMIC_RELEASE);
			continue;
		}
		uint64_t *c = va(gs, hw_pa(d));
		if (c)
			clear_range(gs, l + 1u, c, lo, s > lo ? s : lo, e < hi ? e : hi);
	}
}

void axv_rv64_gstage_flush(struct axv_rv64_gstage *gs, axv_gpa_t gpa, uint64_t size)
{
	if (!gs || !gs->hal || size == 0)
		return;
	uint64_t top = 1ull << gs->fmt->ia_bits;
	if (gpa >= top)
		return;
	axv_gpa_t end = (size > top - gpa) ? top - 1 : gpa + size - 1;
	lock(gs);
	uint64_t *root = va(gs, gs->root);
	if (root)
		clear_range(gs, 0, root, 0, gpa, end);
	/* Priv 8.3.2: HFENCE.GVMA orders the table writes before later G-stage walks and
	 * drops cached translations; by address (gpa >> 2 in rs1) for a few pages. */
	if (size <= (uint64_t)16 * PAGE) {
		for (axv_gpa_t a = gpa & ~(axv_gpa_t)(PAGE - 1); a <= end; a += PAGE)
			axv_rv64_hfence_gvma(gs->vmid, a);
	} else {
		axv_rv64_hfence_gvma(gs->vmid, AXV_GPA_ALL);
	}
	unlock(gs);
}

/* NOLINTNEXTLINE(misc-no-recursion): one call per level, depth <= AXV_PT_MAX_LEVELS */
static void free_tables(struct axv_rv64_gstage *gs, unsigned l, uint64_t *t)
{
	const struct axv_pt_format *f = gs->fmt;
	unsigned n = 1u << f->index_bits[l];
	for (unsigned i = 0; i < n; i++) {
		uint64_t d = t[i];
		if (!(d & AXV_RV64_PTE_V) || hw_leaf(d) || l + 1u >= f->levels)
			continue;
		uint64_t *c = va(gs, hw_pa(d));
		if (c)
			free_tables(gs, l + 1u, c);
		gs->hal->mem->free_frames(gs->hal->ctx, hw_pa(d), 1);
		t[i] = 0;
		gs->tables--;
	}
}

void axv_rv64_gstage_destroy(struct axv_rv64_gstage *gs)
{
	if (!gs || !gs->hal)
		return;
	uint64_t *root = va(gs, gs->root);
	if (root)
		free_tables(gs, 0, root);
	gs->hal->mem->free_frames(gs->hal->ctx, gs->root, 4);
	gs->hal = NULL;
}

#if !defined(__riscv)
/* Other builds (the host tests, the fuzz harness) have no G-stage TLB to fence. */
void axv_rv64_hfence_gvma(uint32_t vmid, axv_gpa_t gpa)
{
	(void)vmid;
	(void)gpa;
}

void axv_rv64_hfence_vvma_all(void)
{
}
#endif
