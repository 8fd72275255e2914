/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest memory access by the hypervisor: copies between guest physical memory and host
 * buffers, across pages and areas, through lookup walks. Area permissions do not apply.
 */
#include "as.h"

/* Copy between guest memory and a host buffer: into @out (a read) when it is not NULL,
 * else from @in (a write). Pages not mapped read as zeros. A dry run only checks that every
 * backing page has a host mapping, so a failing copy copies nothing. */
static int copy(const struct axv_addrspace *as, uint64_t gpa, unsigned char *out,
		const unsigned char *in, size_t len, bool dry)
{
	struct pt_walk w;
	walk_init(&w, as, NULL);
	while (len) {
		size_t chunk = (size_t)min_u64(len, PAGE - (gpa & PAGE_MASK));
		if (pt_lookup(&w, as->root, gpa) != 0) {
			if (!dry && out)
				axv_memset(out, 0, chunk);
		} else {
			uint64_t off = gpa & (((uint64_t)1 << as->fmt->shift[w.level]) - 1);
			unsigned char *p = as->hal->mem->phys_to_virt(
				as->hal->ctx, oa_dec(as->fmt, w.entry) + off);
			if (!p)
				return AXV_EFAULT;
			if (!dry) {
				if (out)
					axv_memcpy(out, p, chunk);
				else
					axv_memcpy(p, in, chunk);
			}
		}
		gpa += chunk;
		if (out)
			out += chunk;
		else
			in += chunk;
		len -= chunk;
	}
	return 0;
}

/* [gpa, gpa + len) lies in the space and in areas. */
static int check_mem(const struct axv_addrspace *as, uint64_t gpa, size_t len)
{
	if (gpa + len < gpa || gpa < as->base || gpa + len > as->base + as->size)
		return AXV_ERANGE;
	return areas_tile(as, gpa, gpa + len) ? 0 : AXV_ENOENT;
}

/* The checks of a copy: in the space, in areas, every backing page mapped by the HAL. */
static int check_copy(const struct axv_addrspace *as, uint64_t gpa, unsigned char *out,
		      const unsigned char *in, size_t len)
{
	int rc = check_mem(as, gpa, len);
	return rc != 0 ? rc : copy(as, gpa, out, in, len, true);
}

int axv_addrspace_read(const struct axv_addrspace *as, axv_gpa_t gpa, void *buf, size_t len)
{
	if (!as || !as->hal || (!buf && len))
		return AXV_EINVAL;
	if (len == 0)
		return 0;
	int rc = check_copy(as, gpa, buf, NULL, len);
	return rc != 0 ? rc : copy(as, gpa, buf, NULL, len, false);
}

int axv_addrspace_write(struct axv_addrspace *as, axv_gpa_t gpa, const void *buf, size_t len)
{
	if (!as || !as->hal || (!buf && len))
		return AXV_EINVAL;
	if (len == 0)
		return 0;
	int rc = check_copy(as, gpa, NULL, buf, len);
	if (rc == 0) /* lazy pages get their frames first, all or nothing */
		rc = populate_range(as, gpa & ~PAGE_MASK, (gpa + len + PAGE_MASK) & ~PAGE_MASK, 0,
				    NULL);
	return rc != 0 ? rc : copy(as, gpa, NULL, buf, len, false);
}
