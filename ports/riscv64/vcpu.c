/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The riscv64 port behind the core vcpu and irq modules: struct axv_vcpu_ops over
 * axv_rv64_enter() with SBI answered inside run (the hardware walks the engine's G-stage
 * table, hgatp of the config), struct
 * axv_percpu_ops over axv_rv64_cpu_enable(), and hvip as the virtual interrupt controller
 * (Privileged Architecture 1.12, 8.2.3: hvip.VSSIP, VSTIP, VSEIP are the guest's SSIP, STIP,
 * SEIP in its sip). Plain C over the HS runtime of hs.c.
 */
#include <axv/arch/riscv64.h>
#include <axv/percpu.h>
#include <stdatomic.h>
#include <axv/err.h>
#include "rv64_hw.h"

/* VSSIP, VSTIP, VSEIP (hvip bits 2, 6, 10) as the guest's sie bits SSIE, STIE, SEIE. */
#define HVIP_VS_MASK_AS_SIE ((AXV_RV64_HVIP_VSSIP | AXV_RV64_HVIP_VSTIP | AXV_RV64_HVIP_VSEIP) >> 1)

static struct axv_rv64_vcpu *V(void *ctx)
{
	return ctx;
}

static int op_create(void *ctx, uint32_t id)
{
	struct axv_rv64_vcpu *v = V(ctx);
	axv_rv64_ctx_reset(&v->ctx, 0, id, 0);
	v->ctx.hgatp = 0;
	v->cpu = NULL;
	v->sbi_impl_id = 0;
	v->hartid = id;
	v->a1 = 0;
	v->gfaults = 0;
	v->gfault_gpa = 0;
	v->gfence_due = 0;
	v->delivered = 0;
	v->this_cpu = NULL;
	v->this_cpu_ctx = NULL;
	atomic_store_explicit(&v->vvma_flush, 0u, memory_order_relaxed);
	atomic_store_explicit(&v->ext_level, 0u, memory_order_relaxed);
	return 0;
}

static int op_setup(void *ctx, const void *config)
{
	struct axv_rv64_vcpu *v = V(ctx);
	const struct axv_rv64_vcpu_config *cfg = config;
	/* Priv 8.2.10: hgatp.MODE 8 is Sv39x4, 9 Sv48x4. */
	if (!cfg || !cfg->this_cpu || ((cfg->hgatp >> 60) != 8 && (cfg->hgatp >> 60) != 9))
		return AXV_EINVAL;
	v->this_cpu = cfg->this_cpu;
	v->this_cpu_ctx = cfg->this_cpu_ctx;
	v->hartid = cfg->hartid;
	v->a1 = cfg->a1;
	v->sbi_impl_id = cfg->sbi_impl_id;
	uint64_t pc = v->ctx.pc;
	axv_rv64_ctx_reset(&v->ctx, pc, v->hartid, v->a1);
	v->ctx.hgatp = cfg->hgatp;
	return 0;
}

static int op_set_entry(void *ctx, axv_gpa_t entry)
{
	if (entry & 1u)
		return AXV_EINVAL; /* IALIGN is 16 with C (Vol. I 1.5) */
	V(ctx)->ctx.pc = entry;
	return 0;
}

static int op_set_nested_root(void *ctx, axv_hpa_t root)
{
	/* The engine's root is the one hgatp points at (its PPN, bits 43:0, Priv 8.2.10):
	 * it must be the one setup's hgatp names, 16 KiB aligned (8.5.1). */
	struct axv_rv64_vcpu *v = V(ctx);
	if (root & 0x3fffu)
		return AXV_EINVAL;
	if (v->ctx.hgatp && ((v->ctx.hgatp & ((1ull << 44) - 1)) << 12) != root)
		return AXV_EINVAL;
	return 0;
}

static int op_bind(void *ctx)
{
	struct axv_rv64_vcpu *v = V(ctx);
	struct axv_rv64_cpu *cpu = v->this_cpu ? v->this_cpu(v->this_cpu_ctx) : NULL;
	if (!cpu || !cpu->enabled)
		return AXV_ESTATE;
	V(ctx)->cpu = cpu;
	/* Another hart may have run this guest: its VS-stage translations there are stale
	 * here only if this hart ran it before; fence them anyway (Priv 8.3.2). */
	V(ctx)->ctx.entry_flags |= AXV_RV64_ENTRY_VVMA;
	return 0;
}

static int op_unbind(void *ctx)
{
	V(ctx)->cpu = NULL;
	return 0;
}

static axv_map_flags_t fault_access(uint64_t code)
{
	switch (code) {
	case AXV_RV64_EXC_INSN_GUEST_PAGE: return AXV_MAP_EXEC;
	case AXV_RV64_EXC_LOAD_GUEST_PAGE: return AXV_MAP_READ;
	case AXV_RV64_EXC_STORE_GUEST_PAGE: return AXV_MAP_WRITE;
	default: return 0;
	}
}

static int op_run(void *ctx, struct axv_exit *exit)
{
	struct axv_rv64_vcpu *v = V(ctx);
	if (!v->cpu || !v->ctx.hgatp)
		return AXV_ESTATE;
	const struct axv_rv64_fetch fetch = {axv_rv64_fetch16, &v->ctx};
	for (;;) {
		if (atomic_exchange_explicit(&v->vvma_flush, 0u, memory_order_acq_rel))
			v->ctx.entry_flags |= AXV_RV64_ENTRY_VVMA;
		/* The external line (a PLIC context): VSEIP follows it, unless the vic holds
		 * an injected external interrupt there. */
		if (atomic_load_explicit(&v->ext_level, memory_order_acquire))
			v->ctx.hvip |= AXV_RV64_HVIP_VSEIP;
		else if (!(v->delivered & (1u << AXV_RV64_VIRQ_EXT)))
			v->ctx.hvip &= ~AXV_RV64_HVIP_VSEIP;
		if (v->gfence_due) {
			/* The embedder may have made the faulting leaf valid (a lazy page): a
			 * store making a PTE valid reaches this hart's G-stage walks only after an
			 * HFENCE.GVMA (Priv 4.2.1, 8.3.2; VMID in hgatp bits 57:44, 8.2.10). */
			axv_rv64_hfence_gvma((uint32_t)(v->ctx.hgatp >> 44) & 0x3fffu, v->gfault_gpa);
			v->gfence_due = 0;
		}
		int rc = axv_rv64_enter(v->cpu, &v->ctx);
		if (rc != 0)
			return rc;
		axv_map_flags_t acc = (v->ctx.scause & AXV_RV64_SCAUSE_INTR)
					      ? 0
					      : fault_access(v->ctx.scause);
		if (acc) {
			/* Priv 8.2.8: the guest physical address is htval << 2 | stval[1:0]. */
			axv_gpa_t gpa = (v->ctx.htval << 2) | (v->ctx.stval & 3u);
			v->gfault_gpa = gpa;
			v->gfence_due = 1;
			v->gfaults++;
		}
		axv_rv64_decode_exit(&v->ctx, &fetch, exit);
		if (exit->reason == AXV_EXIT_HYPERCALL) {
			int a = axv_rv64_sbi(&v->ctx, exit, v->sbi_impl_id);
			if (a == AXV_SBI_DONE)
				continue;
		} else if (exit->reason == AXV_EXIT_HALT) {
			/* wfi: resume after it once woken (Priv 8.6.1: a VS wfi under VTW = 1
			 * traps before it executes). */
			v->ctx.pc += exit->insn_len;
			exit->insn_len = 0;
		}
		/* Priv 3.3.3: wfi (and SBI's retentive suspend, SBI 9.4) resumes when an
		 * interrupt enabled in the guest's sie is pending, whatever its sstatus.SIE. One
		 * the vic already put into hvip is active for the core, which would block the
		 * vcpu on it: the wait ends here at once instead. (vsie bit n enables hvip bit
		 * n + 1, 8.2.3.) */
		if (exit->reason == AXV_EXIT_HALT &&
		    ((v->ctx.hvip >> 1) & v->ctx.vs.vsie & HVIP_VS_MASK_AS_SIE))
			continue;
		return 0;
	}
}

AXV_VCPU_REG_HOOKS(op, struct axv_rv64_vcpu, ctx, axv_rv64_get_reg, axv_rv64_set_reg)

static int op_advance_pc(void *ctx, uint8_t insn_len)
{
	struct axv_rv64_vcpu *v = V(ctx);
	if (insn_len != 0 && insn_len != 2 && insn_len != 4)
		return AXV_EINVAL;
	if (insn_len == 0) {
		/* The instruction at the pc: its low two bits give its length (Vol. I 1.5). */
		uint16_t h;
		if (axv_rv64_fetch16(&v->ctx, v->ctx.pc, &h) != 0)
			return AXV_EFAULT;
		insn_len = (h & 3u) == 3u ? 4 : 2;
	}
	v->ctx.pc += insn_len;
	return 0;
}

const struct axv_vcpu_ops axv_rv64_vcpu_ops = {
	AXV_VCPU_OPS_HOOKS(op),
	.retval_reg = AXV_VCPU_RETVAL_REG(AXV_RV64_REG_A0),
};

AXV_PERCPU_OPS_DEFINE(axv_rv64_percpu_ops, struct axv_rv64_cpu, axv_rv64_cpu_enable,
		      axv_rv64_cpu_disable);

void axv_rv64_request_vvma_flush(struct axv_rv64_vcpu *v)
{
	if (v)
		atomic_store_explicit(&v->vvma_flush, 1u, memory_order_release);
}

/* ---- hvip as the interrupt controller ---- */

static uint64_t hvip_bit(uint32_t id)
{
	switch (id) {
	case AXV_RV64_VIRQ_SOFT: return AXV_RV64_HVIP_VSSIP;
	case AXV_RV64_VIRQ_TIMER: return AXV_RV64_HVIP_VSTIP;
	case AXV_RV64_VIRQ_EXT: return AXV_RV64_HVIP_VSEIP;
	default: return 0;
	}
}

static int vic_deliver(void *ctx, uint32_t id, uint8_t prio)
{
	struct axv_rv64_vcpu *v = ctx;
	(void)prio; /* the guest's sie and the fixed priorities of Priv 4.1.3 decide */
	uint64_t bit = hvip_bit(id);
	if (!v || !bit)
		return AXV_EINVAL;
	v->ctx.hvip |= bit;
	v->delivered |= 1u << id;
	return 0;
}

static void vic_sync(void *ctx, struct axv_virq *virq)
{
	struct axv_rv64_vcpu *v = ctx;
	if (!v)
		return;
	for (uint32_t id = 0; id < 32; id++) {
		if (!(v->delivered & (1u << id)))
			continue;
		if (v->ctx.hvip & hvip_bit(id))
			continue; /* still raised */
		axv_virq_eoi(virq, id);
		v->delivered &= ~(1u << id);
	}
}

/* After every exit, before the core decides whether a halt blocks: an id whose hvip bit the
 * guest cleared (SSIP, Priv 8.2.3) or the embedder lowered is ended now, so one pended again
 * meanwhile is deliverable and wakes the halt. */
static void vic_on_exit(void *ctx, struct axv_virq *virq)
{
	vic_sync(ctx, virq);
}

const struct axv_vic_ops axv_rv64_vic_ops = {
	.deliver = vic_deliver,
	.sync = vic_sync,
	.on_exit = vic_on_exit,
};

int axv_rv64_irq_lower(struct axv_rv64_vcpu *v, struct axv_virq *virq, uint32_t id)
{
	uint64_t bit = hvip_bit(id);
	if (!v || !virq || !bit)
		return AXV_EINVAL;
	v->ctx.hvip &= ~bit;
	axv_virq_unpend(virq, id);
	return 0;
}

void axv_rv64_set_ext_level(struct axv_rv64_vcpu *v, bool level)
{
	if (v)
		atomic_store_explicit(&v->ext_level, level ? 1u : 0u, memory_order_release);
}
