/* SPDX-License-Identifier: Apache-2.0 */
/*
 * axv_vcpu_resolve(): the one place that decides what backs a guest access fault, the guest's
 * memory (the address space) or a device (the bus). In a file of its own so that an embedder
 * that never calls it does not link the address-space module.
 */
#include <axv/addrspace.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>
#include <axv/vcpu.h>

#include "vcpu_priv.h"

static void env_lock(const struct axv_fault_env *env)
{
	if (env->lock)
		env->lock(env->lock_ctx);
}

static void env_unlock(const struct axv_fault_env *env)
{
	if (env->unlock)
		env->unlock(env->lock_ctx);
}

/* The address space's view: 0 memory backs it (the guest retries), 1 not memory (go on to
 * the devices), or a negative error. */
static int try_memory(const struct axv_fault_env *env, axv_gpa_t gpa, axv_map_flags_t access)
{
	if (!env->as)
		return 1;
	env_lock(env);
	int rc = axv_addrspace_handle_fault(env->as, gpa, access);
	env_unlock(env);
	/* No area there (ENOENT), or outside the space altogether (ERANGE): not memory. */
	if (rc == AXV_ENOENT || rc == AXV_ERANGE)
		return 1;
	return rc;
}

/* An undecoded fault a device holds: let the port decode the instruction into an access. */
static int decode(struct axv_vcpu *v, const struct axv_fault_env *env,
		  const struct axv_fault *f, struct axv_exit *exit)
{
	if (f->fetch)
		return AXV_ENXIO; /* a fetch from a device: nothing to execute there */
	if (f->walk)
		return AXV_ENXIO; /* the guest's page tables in device space: no operand access */
	if (!env->bus || !axv_bus_find(env->bus, AXV_BUS_MMIO, f->addr))
		return AXV_ENXIO; /* unbacked: no instruction fetch for it */
	if (!v->ops->decode)
		return AXV_ENOTSUP;
	const axv_gpa_t gpa = f->addr;
	const struct axv_exit before = *exit;
	env_lock(env);
	int rc = v->ops->decode(v->port_ctx, exit);
	env_unlock(env);
	if (rc == 0 && (exit->reason != AXV_EXIT_MMIO_READ && exit->reason != AXV_EXIT_MMIO_WRITE))
		rc = AXV_EIO; /* a port bug: not an access */
	if (rc == 0 && exit->access.addr != gpa)
		rc = AXV_EIO;
	if (rc != 0) {
		*exit = before; /* a failed decode leaves the report as it was */
		return rc > 0 ? AXV_EIO : rc;
	}
	exit->gen = before.gen;
	exit->pc = before.pc;
	return 0;
}

int axv_vcpu_resolve(struct axv_vcpu *v, const struct axv_fault_env *env,
		     struct axv_exit *exit, enum axv_resolved *how)
{
	int rc = axv_vcpu_exit_usable(v, exit);
	if (rc != 0)
		return rc;
	if (!env || !env->lock != !env->unlock)
		return AXV_EINVAL;
	struct axv_fault f;
	if (axv_exit_fault(exit, &f) != 0)
		return AXV_EINVAL; /* not a guest access fault */
	rc = try_memory(env, f.addr, f.access);
	if (rc <= 0) {
		if (rc == 0 && how)
			*how = AXV_RESOLVED_MEMORY;
		return rc;
	}
	if (!f.decoded) {
		rc = decode(v, env, &f, exit);
		if (rc != 0)
			return rc;
	}
	if (!env->bus)
		return AXV_ENXIO;
	rc = axv_vcpu_complete(v, env->bus, exit);
	if (rc == 0 && how)
		*how = AXV_RESOLVED_DEVICE;
	return rc;
}
