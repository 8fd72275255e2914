/* SPDX-License-Identifier: Apache-2.0 */
/* axv_hal_check(): validate a HAL once, at an object's init. */
#include <axv/err.h>
#include <axv/hal.h>

int axv_hal_check(const struct axv_hal *hal, unsigned needs)
{
	if (!hal)
		return AXV_EINVAL;
	if (needs & ~(AXV_HAL_NEED_MEM | AXV_HAL_NEED_TLB | AXV_HAL_NEED_CPU | AXV_HAL_NEED_TIME))
		return AXV_EINVAL;
	if (needs & AXV_HAL_NEED_MEM) {
		const struct axv_hal_mem_ops *m = hal->mem;
		if (!m || !m->alloc_frames || !m->free_frames || !m->phys_to_virt ||
		    !m->virt_to_phys)
			return AXV_EINVAL;
	}
	if (needs & AXV_HAL_NEED_TLB) {
		const struct axv_hal_tlb_ops *t = hal->tlb;
		if (!t || !t->flush_range || !t->flush_all)
			return AXV_EINVAL;
	}
	if (needs & AXV_HAL_NEED_CPU) {
		const struct axv_hal_cpu_ops *c = hal->cpu;
		if (!c || !c->cpu_id || !c->send_ipi)
			return AXV_EINVAL;
	}
	if (needs & AXV_HAL_NEED_TIME) {
		if (!hal->cpu || !hal->cpu->now_ns)
			return AXV_EINVAL;
	}
	return 0;
}
