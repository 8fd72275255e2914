/* SPDX-License-Identifier: Apache-2.0 */
/* Per-cpu hardware enable, reference counted: the first enable and the last disable reach
 * the port. The count is atomic so other cpus may read it; changes are serialised by the
 * caller (they run on the cpu itself). */
#include <stdatomic.h>

#include <axv/err.h>
#include <axv/percpu.h>
#include <axv/vcpu.h>

int axv_percpu_init(struct axv_percpu *p, uint32_t cpu, const struct axv_percpu_ops *ops,
		    void *ctx)
{
	if (!p || !ops || !ops->hardware_enable || !ops->hardware_disable)
		return AXV_EINVAL;
	atomic_init(&p->refs, 0);
	p->cpu = cpu;
	p->ops = ops;
	p->ctx = ctx;
	return 0;
}

int axv_percpu_enable(struct axv_percpu *p)
{
	if (!p || !p->ops)
		return AXV_EINVAL;
	uint32_t r = atomic_load(&p->refs);
	if (r == UINT32_MAX)
		return AXV_EOVERFLOW;
	if (r == 0) {
		int rc = p->ops->hardware_enable(p->ctx);
		if (rc != 0)
			return rc < 0 ? rc : AXV_EIO;
	}
	atomic_store(&p->refs, r + 1);
	return 0;
}

int axv_percpu_disable(struct axv_percpu *p)
{
	if (!p || !p->ops)
		return AXV_EINVAL;
	uint32_t r = atomic_load(&p->refs);
	if (r == 0)
		return AXV_ESTATE;
	if (r == 1) {
		int rc = p->ops->hardware_disable(p->ctx);
		if (rc != 0)
			return rc < 0 ? rc : AXV_EIO;
	}
	atomic_store(&p->refs, r - 1);
	return 0;
}

bool axv_percpu_enabled(const struct axv_percpu *p)
{
	return p && atomic_load((_Atomic uint32_t *)&p->refs) != 0;
}
