/* A program that uses only the frame and address-space modules (with the frame pool as its
 * HAL and a format of its own), linked against libaxv_frame.a, libaxv_addrspace.a and
 * libaxv_core.a with --gc-sections. tests/scripts/check-pick.sh shows with nm that no vcpu,
 * exit, bus or virq symbol is in it. It also runs: map, translate, unmap. */
#include <stdint.h>

#include <axv/addrspace.h>
#include <axv/frame_pool.h>

#define FRAMES 64
static unsigned char region[FRAMES * AXV_FRAME_SIZE] __attribute__((aligned(4096)));

/* An EPT-shaped 4-level format, as plain data (no port library is linked). */
static const struct axv_pt_format fmt = {
	.name = "pick", .levels = 4, .ia_bits = 48, .root_frames = 1,
	.shift = {39, 30, 21, 12}, .index_bits = {9, 9, 9, 9},
	.leaf_ok = {false, true, true, true},
	.oa_mask = 0x000ffffffffff000ull, .valid_mask = 7, .broken_bits = 1u << 11, .table_bits = 7,
	.block_bits = 1u << 7, .block_mask = 1u << 7, .block_val = 1u << 7,
	.attr_read = 1, .attr_write = 2, .attr_exec = 4,
};

int main(void)
{
	static struct axv_frame_pool pool;
	static struct axv_addrspace as;
	if (axv_frame_pool_init(&pool, 0x80000000ull, region, sizeof(region), 0, 0) != 0)
		return 1;
	const struct axv_hal hal = {.ctx = &pool, .mem = &axv_frame_pool_mem_ops};
	if (axv_addrspace_init(&as, &hal, &fmt, 0, 1ull << 32, 1) != 0)
		return 2;
	axv_hpa_t hpa = 0;
	if (axv_addrspace_map_alloc(&as, 0x10000, 0x4000, AXV_MAP_RWX, true) != 0 ||
	    axv_addrspace_translate(&as, 0x11234, &hpa, 0, 0) != 0 || (hpa & 0xfff) != 0x234)
		return 3;
	if (axv_addrspace_unmap(&as, 0x10000, 0x4000) != 0 || axv_addrspace_destroy(&as) != 0)
		return 4;
	return axv_frame_pool_free_frames(&pool) == axv_frame_pool_total_frames(&pool) ? 0 : 5;
}
