/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Page-table formats: the consistency check every format passes at axv_addrspace_init(),
 * and mapping flags as entry bits (an attribute template once per call).
 */
#include <axv/err.h>

#include "pt.h"
#include "pt_level.h"

#define PAGE AXV_FRAME_SIZE

bool pt_flags_ok(axv_map_flags_t flags)
{
	if (flags & ~AXV_MAP_ALL)
		return false;
	if (!(flags & AXV_MAP_READ))
		return false;
	if ((flags & AXV_MAP_DEVICE) && (flags & AXV_MAP_UNCACHED))
		return false;
	return true;
}

uint64_t pt_attrs(const struct axv_pt_format *f, axv_map_flags_t flags)
{
	uint64_t a = f->attr_base;
	a |= (flags & AXV_MAP_READ) ? f->attr_read : f->attr_noread;
	a |= (flags & AXV_MAP_WRITE) ? f->attr_write : f->attr_nowrite;
	a |= (flags & AXV_MAP_EXEC) ? f->attr_exec : f->attr_noexec;
	if (flags & AXV_MAP_DEVICE)
		a |= f->mem_device;
	else if (flags & AXV_MAP_UNCACHED)
		a |= f->mem_uncached;
	else
		a |= f->mem_normal;
	return a;
}

/* Zero is a valid value: an entry is told apart from an empty one by comparison with
 * empty[l] alone, so no real entry may equal it. Every leaf any flags can describe has a
 * valid bit and no empty entry has one; a broken leaf (valid bits cleared, broken_bits set)
 * differs from every empty entry because broken_bits is a bit no other field uses. */
static int check_encodings(const struct axv_pt_format *f)
{
	uint64_t others = f->valid_mask | f->oa_mask | f->table_bits | f->page_bits |
			  f->block_bits | f->block_mask | f->attr_base | f->attr_read |
			  f->attr_noread | f->attr_write | f->attr_nowrite | f->attr_exec |
			  f->attr_noexec | f->mem_normal | f->mem_device | f->mem_uncached;
	if (f->broken_bits == 0 || (f->broken_bits & others) != 0)
		return AXV_EINVAL;
	for (unsigned l = 0; l <= last(f); l++)
		if ((f->empty[l] & (f->valid_mask | f->broken_bits)) != 0)
			return AXV_EINVAL;
	static const axv_map_flags_t mem[3] = {0, AXV_MAP_DEVICE, AXV_MAP_UNCACHED};
	for (unsigned i = 0; i < 12; i++) {
		axv_map_flags_t fl = AXV_MAP_READ | mem[i % 3];
		fl |= (i / 3 & 1) ? AXV_MAP_WRITE : 0;
		fl |= (i / 3 & 2) ? AXV_MAP_EXEC : 0;
		uint64_t a = pt_attrs(f, fl);
		if (!((a | f->page_bits) & f->valid_mask) || !((a | f->block_bits) & f->valid_mask))
			return AXV_EINVAL;
	}
	return 0;
}

int axv_pt_format_check(const struct axv_pt_format *f)
{
	if (!f || f->levels < 2 || f->levels > AXV_PT_MAX_LEVELS)
		return AXV_EINVAL;
	unsigned l = last(f);
	if (f->shift[l] != AXV_FRAME_SHIFT || !f->leaf_ok[l])
		return AXV_EINVAL;
	for (unsigned i = 0; i < l; i++) {
		if (f->shift[i] != f->shift[i + 1] + f->index_bits[i + 1])
			return AXV_EINVAL;
		if (f->leaf_ok[i] && !f->leaf_ok[i + 1])
			return AXV_EINVAL; /* splitting a block needs leaves below it */
	}
	for (unsigned i = 1; i <= l; i++)
		if (f->index_bits[i] != 9)
			return AXV_EINVAL;
	if (f->index_bits[0] < 1 || f->index_bits[0] > 13 || f->ia_bits > 60 ||
	    f->ia_bits != f->shift[0] + f->index_bits[0])
		return AXV_EINVAL;
	size_t root = f->index_bits[0] > 9 ? (size_t)1 << (f->index_bits[0] - 9) : 1;
	if (f->root_frames != root)
		return AXV_EINVAL;
	if (f->valid_mask == 0 || f->block_mask == 0)
		return AXV_EINVAL;
	/* Output addresses: an entry holds (pa >> oa_shift) & oa_mask. Every page-aligned
	 * address must encode and decode exactly, so the decoded mask is page-aligned and the
	 * shift loses no mask bit; a shift above the page shift could not encode a 4 KiB step
	 * as a whole entry bit. RISC-V needs 2 (Priv 4.4.1: PPN = pa >> 12 in bits 53:10). */
	if (f->oa_mask == 0 || f->oa_shift > AXV_FRAME_SHIFT ||
	    ((f->oa_mask << f->oa_shift) >> f->oa_shift) != f->oa_mask ||
	    ((f->oa_mask << f->oa_shift) & (PAGE - 1)))
		return AXV_EINVAL;
	/* A table entry must not look like a block, and a block must be valid when made. */
	if ((f->table_bits & f->block_mask) == f->block_val)
		return AXV_EINVAL;
	if (((f->block_bits | f->attr_base) & f->block_mask) != f->block_val)
		return AXV_EINVAL;
	return check_encodings(f);
}

uint64_t axv_pt_leaf_entry(const struct axv_pt_format *f, unsigned level, axv_hpa_t pa,
			   axv_map_flags_t flags)
{
	uint64_t a = pt_attrs(f, flags);
	return oa_enc(f, pa) | a | (level >= last(f) ? f->page_bits : f->block_bits);
}

uint64_t axv_pt_table_entry(const struct axv_pt_format *f, axv_hpa_t pa)
{
	return oa_enc(f, pa) | f->table_bits;
}
