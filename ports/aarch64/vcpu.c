/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The aarch64 port behind the core vcpu and irq modules: struct axv_vcpu_ops over an
 * axv_a64_vcpu (EL2 world switch + ESR decoding), struct axv_vic_ops over the GICv3 list
 * registers, and struct axv_percpu_ops over axv_a64_cpu_enable().
 *
 * References: IHI 0069 (GICv3) 12.4.6 ICH_LR<n>_EL2, 12.4.3 ICH_ELRSR_EL2; DDI 0487 D17.2.
 */
#include <axv/arch/aarch64.h>
#include <axv/err.h>

#include "sysreg.h"

/* ---- vcpu ops -------------------------------------------------------------------------------- */

static struct axv_a64_vcpu *V(void *ctx)
{
	return ctx;
}

static int op_create(void *ctx, uint32_t id)
{
	struct axv_a64_vcpu *v = V(ctx);
	axv_a64_ctx_init(&v->ctx, 0, 0, id);
	v->id = id;
	v->cpu = NULL;
	v->hw_ppis = 0;
	v->vmid = 0;
	v->root = 0;
	for (unsigned i = 0; i < 16; i++)
		v->lr_id[i] = AXV_A64_LR_FREE;
	return 0;
}

static void update_vttbr(struct axv_a64_vcpu *v)
{
	/* VTTBR_EL2: VMID [63:48] (8 or 16 bits), BADDR [47:1] (DDI 0487 D17.2.171). */
	v->ctx.vttbr = ((uint64_t)v->vmid << 48) | (v->root & 0x0000fffffffffffeull);
}

static int op_setup(void *ctx, const void *config)
{
	struct axv_a64_vcpu *v = V(ctx);
	const struct axv_a64_vcpu_config *cfg = config;
	if (!cfg)
		return AXV_EINVAL;
	v->ctx.x[0] = cfg->x0;
	v->ctx.el1.vmpidr_el2 = (cfg->mpidr & AXV_A64_MPIDR_AFF_MASK) | (1ull << 31);
	v->ctx.cntvoff = cfg->cntvoff;
	v->ctx.hcr = AXV_A64_HCR_GUEST;
	v->hw_ppis = cfg->hw_ppis;
	v->vmid = cfg->vmid;
	update_vttbr(v);
	return 0;
}

static int op_set_entry(void *ctx, axv_gpa_t entry)
{
	V(ctx)->ctx.pc = entry;
	return 0;
}

static int op_set_nested_root(void *ctx, axv_hpa_t root)
{
	struct axv_a64_vcpu *v = V(ctx);
	if (root & 0xfffu)
		return AXV_EINVAL;
	v->root = root;
	update_vttbr(v);
	return 0;
}

static int op_bind(void *ctx)
{
	struct axv_a64_vcpu *v = V(ctx);
	struct axv_a64_cpu *cpu = (struct axv_a64_cpu *)(uintptr_t)rd_tpidr_el2();
	if (!cpu || !cpu->host_trap)
		return AXV_ESTATE; /* this cpu was not enabled */
	v->cpu = cpu;
	return 0;
}

static int op_unbind(void *ctx)
{
	V(ctx)->cpu = NULL;
	return 0;
}

static int op_run(void *ctx, struct axv_exit *exit)
{
	struct axv_a64_vcpu *v = V(ctx);
	if (!v->cpu)
		return AXV_ESTATE;
	int rc = axv_a64_run(v->cpu, &v->ctx);
	if (rc != 0)
		return rc;
	return axv_a64_decode_exit(&v->ctx, exit);
}

static int op_get_reg(void *ctx, unsigned reg, uint64_t *value)
{
	return axv_a64_get_reg(&V(ctx)->ctx, reg, value);
}

static int op_set_reg(void *ctx, unsigned reg, uint64_t value)
{
	return axv_a64_set_reg(&V(ctx)->ctx, reg, value);
}

static int op_set_retval(void *ctx, uint64_t value)
{
	V(ctx)->ctx.x[0] = value;
	return 0;
}

/* The decoder sets insn_len exactly: 4 for a trapped instruction, 0 where ELR_EL2 already
 * points past it (HVC) or the access is retried. */
static int op_advance_pc(void *ctx, uint8_t insn_len)
{
	V(ctx)->ctx.pc += insn_len;
	return 0;
}

const struct axv_vcpu_ops axv_a64_vcpu_ops = {
	.create = op_create,
	.setup = op_setup,
	.set_entry = op_set_entry,
	.set_nested_root = op_set_nested_root,
	.bind = op_bind,
	.unbind = op_unbind,
	.run = op_run,
	.get_reg = op_get_reg,
	.set_reg = op_set_reg,
	.set_retval = op_set_retval,
	.inject = NULL,
	.advance_pc = op_advance_pc,
	.destroy = NULL,
};

/* ---- list registers as the virtual interrupt controller --------------------------------------- */

static int vic_deliver(void *ctx, uint32_t id, uint8_t prio)
{
	struct axv_a64_vcpu *v = V(ctx);
	if (!v->cpu || id >= 1020) /* 1020-1023 are special INTIDs */
		return AXV_EINVAL;
	uint32_t mask = v->cpu->nr_lrs >= 32 ? ~0u : (1u << v->cpu->nr_lrs) - 1;
	uint32_t empty = axv_a64_gic_empty_lrs() & mask;
	for (unsigned n = 0; n < v->cpu->nr_lrs; n++)
		if (v->lr_id[n] != AXV_A64_LR_FREE)
			empty &= ~(1u << n); /* ours until sync has seen it finish */
	if (!empty)
		return AXV_ENOSPC;
	unsigned n = (unsigned)__builtin_ctz(empty);
	uint64_t lr = AXV_A64_LR_PENDING | AXV_A64_LR_GROUP1 |
		      ((uint64_t)prio << AXV_A64_LR_PRIO_SHIFT) | id;
	if (id < 32 && (v->hw_ppis & (1u << id)))
		lr |= AXV_A64_LR_HW | ((uint64_t)id << AXV_A64_LR_PINTID_SHIFT);
	axv_a64_gic_write_lr(n, lr);
	v->lr_id[n] = id;
	return 0;
}

static void vic_sync(void *ctx, struct axv_virq *virq)
{
	struct axv_a64_vcpu *v = V(ctx);
	if (!v->cpu)
		return;
	for (unsigned n = 0; n < v->cpu->nr_lrs; n++) {
		if (v->lr_id[n] == AXV_A64_LR_FREE)
			continue;
		uint64_t lr = axv_a64_gic_read_lr(n);
		if ((lr >> AXV_A64_LR_STATE_SHIFT) != 0)
			continue; /* still pending or active in the guest */
		axv_virq_eoi(virq, v->lr_id[n]);
		v->lr_id[n] = AXV_A64_LR_FREE;
	}
}

const struct axv_vic_ops axv_a64_vic_ops = {
	.deliver = vic_deliver,
	.sync = vic_sync,
};

/* ---- per-cpu enable ------------------------------------------------------------------------------ */

static int pc_enable(void *ctx)
{
	struct axv_a64_cpu *cpu = ctx;
	return axv_a64_cpu_enable(cpu, cpu->vtcr, cpu->host_trap, cpu->host_trap_arg);
}

static int pc_disable(void *ctx)
{
	(void)ctx;
	wr_ich_hcr_el2(0);
	wr_hcr_el2(1ull << 31);
	isb();
	return 0;
}

const struct axv_percpu_ops axv_a64_percpu_ops = {
	.hardware_enable = pc_enable,
	.hardware_disable = pc_disable,
};
