/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The loongarch64 port behind the core vcpu module: struct axv_vcpu_ops over an
 * axv_la64_vcpu (LVZ world switch + ESTAT decoding) and struct axv_percpu_ops over
 * axv_la64_cpu_enable(). The GINTC interrupt controller is in vic.c. Plain C over the LVZ
 * runtime of lvz.c (axv_la64_run, axv_la64_this_cpu, axv_la64_cpu_enable/disable), which
 * the host tests replace with a scripted guest.
 */
#include <axv/arch/loongarch64.h>
#include <axv/err.h>
#include <axv/percpu.h>

static struct axv_la64_vcpu *V(void *ctx)
{
	return ctx;
}

static int op_create(void *ctx, uint32_t id)
{
	struct axv_la64_vcpu *v = V(ctx);
	axv_la64_ctx_init(&v->ctx, 0, id);
	v->cpu = NULL;
	v->id = id;
	v->delivered = 0;
	return 0;
}

static int op_setup(void *ctx, const void *config)
{
	struct axv_la64_vcpu *v = V(ctx);
	const struct axv_la64_vcpu_config *cfg = config;
	/* GID 0 is the root's own TLB tag. */
	if (!cfg || cfg->gid == 0 || cfg->gid > 0xffu || (cfg->nr_cpucfg && !cfg->cpucfg))
		return AXV_EINVAL;
	v->ctx.gid = cfg->gid;
	v->ctx.gpr[AXV_LA64_REG_A0] = cfg->a0;
	v->ctx.gpr[AXV_LA64_REG_A0 + 1] = cfg->a1;
	v->ctx.gpr[AXV_LA64_REG_A0 + 2] = cfg->a2;
	v->ctx.cpucfg = cfg->cpucfg;
	v->ctx.nr_cpucfg = cfg->nr_cpucfg;
	v->ctx.csr_ops = cfg->csr_ops;
	v->ctx.csr_ctx = cfg->csr_ctx;
	return 0;
}

static int op_set_entry(void *ctx, axv_gpa_t entry)
{
	if (entry & 3u)
		return AXV_EINVAL; /* instructions are 4-byte aligned */
	V(ctx)->ctx.pc = entry;
	return 0;
}

static int op_set_nested_root(void *ctx, axv_hpa_t root)
{
	if (root & 0xfffu)
		return AXV_EINVAL;
	V(ctx)->ctx.root = root;
	return 0;
}

static int op_bind(void *ctx)
{
	struct axv_la64_cpu *cpu = axv_la64_this_cpu();
	if (!cpu || !cpu->enabled)
		return AXV_ESTATE; /* this cpu was not enabled */
	V(ctx)->cpu = cpu;
	return 0;
}

static int op_unbind(void *ctx)
{
	V(ctx)->cpu = NULL;
	return 0;
}

static int op_run(void *ctx, struct axv_exit *exit)
{
	struct axv_la64_vcpu *v = V(ctx);
	if (!v->cpu)
		return AXV_ESTATE;
	int rc = axv_la64_run(v->cpu, &v->ctx);
	if (rc != 0)
		return rc;
	return axv_la64_decode_exit(&v->ctx, exit);
}

AXV_VCPU_REG_HOOKS(op, struct axv_la64_vcpu, ctx, axv_la64_get_reg, axv_la64_set_reg)

static int op_advance_pc(void *ctx, uint8_t insn_len)
{
	/* The decoder sets insn_len exactly: 4 for an instruction that completes, 0 for one
	 * the guest retries (a fault), which moves nothing, as on aarch64. */
	V(ctx)->ctx.pc += insn_len;
	return 0;
}

const struct axv_vcpu_ops axv_la64_vcpu_ops = {
	AXV_VCPU_OPS_HOOKS(op),
	.retval_reg = AXV_VCPU_RETVAL_REG(AXV_LA64_REG_A0),
};

AXV_PERCPU_OPS_DEFINE(axv_la64_percpu_ops, struct axv_la64_cpu, axv_la64_cpu_enable,
		      axv_la64_cpu_disable);
