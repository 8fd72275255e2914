/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The aarch64 port behind the core vcpu module: struct axv_vcpu_ops over an axv_a64_vcpu
 * (EL2 world switch + ESR decoding) and struct axv_percpu_ops over axv_a64_cpu_enable().
 * The list-register controller is in lr.c.
 *
 * References: IHI 0069 (GICv3) 12.4.6 ICH_LR<n>_EL2, 12.4.3 ICH_ELRSR_EL2; DDI 0487 D17.2.
 */
#include <axv/arch/aarch64.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/percpu.h>

#include "axv_mem.h"
#include "debug_el2.h"
#include "run_el2.h"
#include "sysreg.h"
#include "vgic_lr.h"
#include "a64_hw.h"


/* ---- the virtual CPU interface of this cpu, one vcpu's at a time --------------------------------
 *
 * The list registers, ICH_VMCR_EL2 (the guest's priority mask, group enables and binary
 * points, which its ICC_PMR_EL1, ICC_IGRPEN1_EL1, ICC_BPR1_EL1 accesses reach without a trap)
 * and the active priority registers ICH_AP0R<n>/ICH_AP1R<n>_EL2 are one set per physical cpu
 * (IHI 0069 12.4), and what they hold is one vcpu's interrupt state: with two vcpus on a cpu,
 * left in place, the second would take the first's pending interrupts, run at its running
 * priority and under its priority mask. So the set is switched lazily, like the EL1
 * registers (cpu->loaded): the first time a vcpu other than the one whose set the cpu holds
 * (cpu->gic_owner) touches the list registers or runs, the holder's set is saved into its
 * struct axv_a64_gic_if and the vcpu's loaded. One vcpu per cpu never pays for it. */

/* ICH_AP0R<n>/ICH_AP1R<n>_EL2 implemented: 1, 2 or 4 for 5, 6 or 7 priority bits (IHI 0069
 * 12.4.1: n > 0 only with ICH_VTR_EL2.PRIbits 5 or 6). */
static unsigned nr_aprs(const struct axv_a64_cpu *cpu)
{
	return cpu->pri_bits >= 7 ? 4 : cpu->pri_bits == 6 ? 2 : 1;
}

/* A hardware-linked list register (HW = 1, IHI 0069 12.4.6: a timer PPI whose physical
 * interrupt stays active until the guest's end of the virtual one deactivates it) cannot leave
 * the cpu as it is: while the physical PPI is active it cannot be signalled again (4.1.2), so
 * the timer of the next vcpu run on this cpu would stay silent until this vcpu runs again and
 * ends it, and for ever behind a guest that never ends it (one VM's guest holding up another
 * VM's timer). So the copy that leaves becomes a software interrupt in the same state, and the
 * physical one is deactivated now (ICC_DIR_EL1, the host having taken it with EOImode 1); the
 * guest's end then ends only the virtual one. If the timer still asserts once this vcpu's
 * registers are back, its PPI is signalled and taken again, and lr.c's sync gives the list
 * register its link back (the new activation is then the guest's to end, and the next
 * departure undoes the link again). KVM keeps the physical active state with the vcpu
 * instead (GICR_ISACTIVER0), which needs the redistributor this port does not reach. */
static uint64_t lr_unlink(uint64_t lr)
{
	if (!(lr & AXV_A64_LR_HW) || (lr >> AXV_A64_LR_STATE_SHIFT) == 0)
		return lr; /* software, or ended: the guest's end deactivated the physical one */
	axv_a64_gic_deactivate((uint32_t)(lr >> AXV_A64_LR_PINTID_SHIFT) & 0x1fffu);
	return lr & ~(AXV_A64_LR_HW | (0x1fffull << AXV_A64_LR_PINTID_SHIFT));
}

/* Save the cpu's set into @v's copy, hardware links undone (lr_unlink()). The list registers
 * @v uses (v->lr.nr, at most 16) are the only ones any vcpu on the cpu writes. */
static void gic_if_save(struct axv_a64_cpu *cpu, struct axv_a64_vcpu *v)
{
	struct axv_a64_gic_if *g = &v->gic_if;
	for (unsigned n = 0; n < v->lr.nr; n++)
		g->lr[n] = lr_unlink(axv_a64_gic_read_lr(n));
	g->vmcr = rd_ich_vmcr_el2();
	g->hcr = cpu->ich_hcr_cur;
	unsigned na = nr_aprs(cpu);
	g->ap0r[0] = (uint32_t)rd_ich_ap0r0_el2();
	g->ap1r[0] = (uint32_t)rd_ich_ap1r0_el2();
	if (na > 1) {
		g->ap0r[1] = (uint32_t)rd_ich_ap0r1_el2();
		g->ap1r[1] = (uint32_t)rd_ich_ap1r1_el2();
	}
	if (na > 2) {
		g->ap0r[2] = (uint32_t)rd_ich_ap0r2_el2();
		g->ap0r[3] = (uint32_t)rd_ich_ap0r3_el2();
		g->ap1r[2] = (uint32_t)rd_ich_ap1r2_el2();
		g->ap1r[3] = (uint32_t)rd_ich_ap1r3_el2();
	}
}

/* Load @v's copy into the cpu's set (a vcpu's copy is all zero, an empty interface, before
 * it first ran). */
static void gic_if_load(struct axv_a64_cpu *cpu, const struct axv_a64_vcpu *v)
{
	const struct axv_a64_gic_if *g = &v->gic_if;
	for (unsigned n = 0; n < v->lr.nr; n++)
		axv_a64_gic_write_lr(n, g->lr[n]);
	wr_ich_vmcr_el2(g->vmcr);
	unsigned na = nr_aprs(cpu);
	wr_ich_ap0r0_el2(g->ap0r[0]);
	wr_ich_ap1r0_el2(g->ap1r[0]);
	if (na > 1) {
		wr_ich_ap0r1_el2(g->ap0r[1]);
		wr_ich_ap1r1_el2(g->ap1r[1]);
	}
	if (na > 2) {
		wr_ich_ap0r2_el2(g->ap0r[2]);
		wr_ich_ap0r3_el2(g->ap0r[3]);
		wr_ich_ap1r2_el2(g->ap1r[2]);
		wr_ich_ap1r3_el2(g->ap1r[3]);
	}
	cpu->ich_hcr_cur = ~0ull; /* written below whatever it was, with an ISB */
	axv_a64_gic_write_hcr(g->hcr | AXV_A64_ICH_HCR_EN);
}

/* Make this cpu's virtual CPU interface @v's. */
static void gic_if_own(struct axv_a64_vcpu *v)
{
	struct axv_a64_cpu *cpu = v->cpu;
	if (!cpu || cpu->gic_owner == v)
		return;
	if (cpu->gic_owner)
		gic_if_save(cpu, cpu->gic_owner);
	gic_if_load(cpu, v);
	cpu->gic_owner = v;
}

/* Give the interface up (@v leaves the cpu): its set saved, the cpu's emptied. */
static void gic_if_release(struct axv_a64_vcpu *v)
{
	struct axv_a64_cpu *cpu = v->cpu;
	if (!cpu || cpu->gic_owner != v)
		return;
	gic_if_save(cpu, v);
	for (unsigned n = 0; n < v->lr.nr; n++)
		axv_a64_gic_write_lr(n, 0);
	wr_ich_vmcr_el2(0);
	wr_ich_ap0r0_el2(0);
	wr_ich_ap1r0_el2(0);
	if (nr_aprs(cpu) > 1) {
		wr_ich_ap0r1_el2(0);
		wr_ich_ap1r1_el2(0);
	}
	if (nr_aprs(cpu) > 2) {
		wr_ich_ap0r2_el2(0);
		wr_ich_ap0r3_el2(0);
		wr_ich_ap1r2_el2(0);
		wr_ich_ap1r3_el2(0);
	}
	axv_a64_gic_write_hcr(AXV_A64_ICH_HCR_EN); /* with an ISB */
	cpu->gic_owner = NULL;
}

static uint64_t hw_read(void *ctx, unsigned n)
{
	gic_if_own(ctx);
	return axv_a64_gic_read_lr(n);
}

static void hw_write(void *ctx, unsigned n, uint64_t v)
{
	gic_if_own(ctx);
	axv_a64_gic_write_lr(n, v);
}

static uint32_t hw_empty(void *ctx)
{
	gic_if_own(ctx);
	return axv_a64_gic_empty_lrs();
}

static void hw_hcr(void *ctx, uint64_t v)
{
	gic_if_own(ctx);
	axv_a64_gic_write_hcr(v);
}

static void hw_deactivate(void *ctx, uint32_t pintid)
{
	(void)ctx;
	axv_a64_gic_deactivate(pintid);
}

static const struct axv_a64_lr_ops hw_lr_ops = {hw_read, hw_write, hw_empty, hw_hcr,
						hw_deactivate};

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
	v->lr.ops = NULL;
	v->lr.ctx = NULL;
	v->lr.nr = 0;
	v->root = 0;
	v->gic = NULL; /* axv_vgic_attach() comes after create */
	v->gic_idx = 0;
	for (unsigned i = 0; i < 16; i++)
		v->lr_id[i] = AXV_A64_LR_FREE;
	v->lr_busy = 0;
	axv_memset(&v->gic_if, 0, sizeof(v->gic_if));
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
	v->ctx.el1_dirty = AXV_A64_EL1_DIRTY_ALL;
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
	struct axv_a64_cpu *cpu = a64_this_cpu();
	if (!cpu || !cpu->host_trap)
		return AXV_ESTATE; /* this cpu was not enabled */
	v->cpu = cpu;
	v->lr.ops = &hw_lr_ops;
	v->lr.ctx = v; /* the hooks switch the cpu's interface to it first */
	v->lr.nr = cpu->nr_lrs > 16 ? 16 : cpu->nr_lrs;
	return 0;
}

static int op_unbind(void *ctx)
{
	struct axv_a64_vcpu *v = V(ctx);
	struct axv_a64_cpu *cpu = v->cpu;
	/* The guest's timers are this cpu's EL1 timers: quiet them, so that they do not
	 * interrupt the host (or another vcpu) for a vcpu that is gone. Their values stay in
	 * the context (saved at the last exit) and the next run here loads a context whole. */
	if (cpu && cpu == a64_this_cpu()) {
		gic_if_release(v);
		a64_s1_forget(cpu, &v->ctx);
		/* Only when the cpu holds them: else they are another vcpu's, which goes on. */
		if (cpu->loaded == &v->ctx) {
			axv_a64_ctx_sync(&v->ctx); /* the lazy switch ends here: the vcpu leaves */
			wr_cntv_ctl_el0(0);
			wr_cntp_ctl_el0(0);
			isb();
			cpu->loaded = NULL;
		}
	}
	v->cpu = NULL;
	return 0;
}

static int op_run(void *ctx, struct axv_exit *exit)
{
	struct axv_a64_vcpu *v = V(ctx);
	if (!v->cpu)
		return AXV_ESTATE;
	gic_if_own(v);
	int rc = axv_a64_run(v->cpu, &v->ctx);
	if (rc != 0)
		return rc;
	rc = axv_a64_decode_exit(&v->ctx, exit);
	/* An interrupt already in a list register is a wake-up event: a halt (a WFI that
	 * trapped all the same, a PSCI CPU_SUSPEND, which always traps) returns at once, as
	 * WFI completes and CPU_SUSPEND returns SUCCESS (DEN 0022D.b 5.4) on one. The core
	 * sees only what is still queued and would block the vcpu for ever. */
	if (rc == 0 && exit->reason == AXV_EXIT_HALT && axv_a64_lr_pending(v))
		exit->reason = AXV_EXIT_NOTHING;
	return rc;
}

/* ---- the fast path inside the EL2 run loop (struct axv_vcpu_fast) ------------------------------
 *
 * Exits the library can finish are offered to the core's fast path from inside the EL2 loop
 * (a64_run_early()), so that the guest goes back in without the epilogue, the return
 * through axv_vcpu_run(), the interrupt flush and the list-register read-back. Skipping the
 * last two is invisible when:
 *  - the exit is a call (HVC, SMC) or an SGI register write: neither reads the vcpu's
 *    interrupt state; an interrupt the completion injects (an SGI to itself, say) finds the
 *    vcpu Running and sends an IPI, which brings the guest back out right after the entry
 *    (IHI 0069 4.1: a physical interrupt routed to EL2 by HCR_EL2.IMO is taken whatever the
 *    guest's PSTATE), and then the flush delivers it;
 *  - the exit is an access (MMIO, system register) and no list register holds an interrupt
 *    of this vcpu (lr_busy): the vGIC's register reads (which look at what list registers
 *    hold) are then exact as at any exit, the timer lines included (see early_exit()).
 * Anything else leaves the loop and takes the full path. */

#define ICC_SGI1R_EL1 AXV_A64_SYSREG(3, 0, 12, 11, 5)
#define ICC_ASGI1R_EL1 AXV_A64_SYSREG(3, 0, 12, 11, 6)
#define ICC_SGI0R_EL1 AXV_A64_SYSREG(3, 0, 12, 11, 7)

struct early {
	struct axv_a64_vcpu *v;
	struct axv_exit *exit;
	const struct axv_vcpu_fast *fast;
	struct axv_exit_target target; /* over v->ctx */
	bool decoded; /* exit holds the decoded exit of the context's last trap */
};

/* No list register holds an interrupt of this vcpu (one word: this runs at every access
 * exit). */
static inline bool lr_idle(const struct axv_a64_vcpu *v)
{
	return v->lr_busy == 0;
}

/* The exit was completed and counted, but the owner asked for control: the run returns
 * NOTHING (struct axv_vcpu_fast). */
static bool leave_nothing(struct early *a, const struct axv_a64_ctx *c)
{
	(void)axv_a64_decode_exit((struct axv_a64_ctx *)c, a->exit);
	a->exit->reason = AXV_EXIT_NOTHING;
	a->exit->insn_len = 0;
	a->decoded = true;
	return false;
}

/* The exit was taken on by the direct path below and not completed (a handler declined, a
 * device failed): tell the core, and return it decoded, to the embedder. */
static bool leave_not_done(struct early *a, struct axv_a64_ctx *c, int rc)
{
	a->fast->not_done(a->fast->core, rc);
	a->decoded = axv_a64_decode_exit(c, a->exit) == 0;
	return false;
}

/* A null-ish hypercall of the fast table, answered without the decoder and the core's
 * generic completion: the handler gets the call as the decoder would give it (x0 the
 * number, x1-x6 the arguments, the HVC's immediate: decode_call()), its value goes to x0.
 * ELR_EL2 already points past an HVC (DDI 0487 D1.10.1, "preferred exception return
 * address" of an exception-generating instruction), so the pc stays; the HVC is complete,
 * so a software step of it is complete too (PSTATE.SS was already written 0 into SPSR_EL2
 * at the exception, D2.11.5). Returns -1: not the direct path's (nothing done), else as
 * early_exit(). */
static inline __attribute__((always_inline)) int direct_hvc(struct early *a, struct axv_a64_ctx *c)
{
	const struct axv_vcpu_fast *f = a->fast;
	uint64_t nr = c->x[0];
	if (!f->nr_hcalls || a64_psci_id(nr))
		return -1;
	const struct axv_hcall *h = axv_vcpu_fast_hcall(f, nr);
	if (!h)
		return -1;
	struct axv_exit *e = a->exit;
	e->reason = AXV_EXIT_HYPERCALL;
	e->insn_len = 0;
	e->pc = c->pc;
	e->gen = 0;
	e->hypercall.nr = nr;
	for (unsigned i = 0; i < 6; i++)
		e->hypercall.args[i] = c->x[1 + i];
	e->hypercall.imm = (uint16_t)(c->esr & 0xffffu);
	e->hypercall.smc = false;
	uint64_t ret = 0;
	if (h->call(h->ctx, e, &ret) != 0)
		return leave_not_done(a, c, 0);
	c->x[0] = ret;
	return axv_vcpu_fast_done(f, AXV_EXIT_HYPERCALL) ? 1 : leave_nothing(a, c);
}

/* A data abort on a device of the fast bus, with a syndrome the decoder would emulate
 * (decode_dabt(): a stage-2 translation, access flag or permission fault, ISV = 1, not on a
 * stage-1 walk, not cache maintenance, FAR valid, no 64-bit access through a W register;
 * DDI 0487 D17.2.37, ISS encoding for a Data Abort: ISV [24], SAS [23:22], SSE [21],
 * SRT [20:16], SF [15], FnV [10], CM [8], S1PTW [7], WnR [6], DFSC [5:0]; the IPA from
 * HPFAR_EL2.FIPA and FAR_EL2 [11:0], D17.2.48), completed with one bus lookup and the
 * device call, as axv_exit_complete() completes it: a read's value is cut to the access
 * width, sign-extended with SSE below the register width, cut to the register width (W
 * registers: the upper half zero), and written unless the register is XZR; a write hands
 * the device the low bytes. Then the pc moves past the instruction, 4 bytes (only taken
 * with ESR_EL2.IL = 1, a 32-bit instruction; D17.2.37 IL [25]), which also completes a
 * software step of it (SPSR_EL2.SS cleared, D2.11.5: axv_a64_advance_pc()). Returns -1:
 * not the direct path's (nothing done). */
static inline __attribute__((always_inline)) int direct_dabt(struct early *a, struct axv_a64_ctx *c)
{
	const struct axv_vcpu_fast *f = a->fast;
	uint32_t iss = (uint32_t)c->esr;
	uint32_t type = iss & AXV_A64_FSC_TYPE_MASK;
	if (!f->bus || (iss & (AXV_A64_ESR_IL | AXV_A64_DABT_ISV | AXV_A64_DABT_S1PTW |
			       AXV_A64_DABT_CM | AXV_A64_DABT_FNV)) !=
			       (AXV_A64_ESR_IL | AXV_A64_DABT_ISV) ||
	    (type != AXV_A64_FSC_TRANS && type != AXV_A64_FSC_ACCESS && type != AXV_A64_FSC_PERM))
		return -1;
	unsigned width = 1u << ((iss >> AXV_A64_DABT_SAS_SHIFT) & 3u);
	unsigned reg_width = (iss & AXV_A64_DABT_SF) ? 8u : 4u;
	if (width > reg_width)
		return -1; /* decode_dabt() reports it */
	uint64_t ipa = (((c->hpfar >> 4) & 0xffffffffffull) << 12) | (c->far & 0xfffu);
	const struct axv_bus_entry *d = axv_bus_find(f->bus, AXV_BUS_MMIO, ipa);
	bool write = (iss & AXV_A64_DABT_WNR) != 0;
	/* The whole access in the device's range (axv_bus_read()'s claim), and the operation
	 * there; anything else takes the generic way, which reports it as the core does. */
	if (!d)
		return leave_not_done(a, c, 0); /* unclaimed: the embedder's (fast_work()) */
	if (ipa + (width - 1u) > d->last || ipa + (width - 1u) < ipa ||
	    (write ? d->ops->write == NULL : d->ops->read == NULL))
		return -1;
	unsigned srt = (iss >> AXV_A64_DABT_SRT_SHIFT) & 31u;
	int rc;
	if (write) {
		uint64_t v = srt == 31 ? 0 : c->x[srt];
		rc = d->ops->write(d->ctx, ipa - d->base, (uint8_t)width, axv_access_trunc(v, width));
		if (rc != 0)
			return leave_not_done(a, c, rc > 0 ? AXV_EIO : rc);
	} else {
		uint64_t v = 0;
		rc = d->ops->read(d->ctx, ipa - d->base, (uint8_t)width, &v);
		if (rc != 0)
			return leave_not_done(a, c, rc > 0 ? AXV_EIO : rc);
		/* The load's value as axv_exit_complete() computes it (one definition). */
		v = axv_access_load(v, width, reg_width, (iss & AXV_A64_DABT_SSE) != 0);
		if (srt != 31)
			c->x[srt] = v;
	}
	c->pc += 4;
	c->pstate &= ~AXV_A64_PSTATE_SS;
	return axv_vcpu_fast_done(f, write ? AXV_EXIT_MMIO_WRITE : AXV_EXIT_MMIO_READ)
		       ? 1
		       : leave_nothing(a, c);
}

/* An exit the port finished itself (a PSCI call decode.c answered, an SGI the vGIC sent):
 * counted, and entered again unless the owner asked for control (struct axv_vcpu_fast's
 * complete() with done, without the call). */
static inline bool port_done(struct early *a, struct axv_exit *e)
{
	if (axv_vcpu_fast_done(a->fast, e->reason))
		return true;
	e->reason = AXV_EXIT_NOTHING;
	return false;
}

static bool early_exit(void *arg, struct axv_a64_ctx *c)
{
	struct early *a = arg;
	struct axv_a64_vcpu *v = a->v;
	struct axv_exit *e = a->exit;
	a->decoded = false;
	if (c->trap != AXV_A64_TRAP_SYNC)
		return false; /* interrupts are the embedder's */
	uint32_t ec = (uint32_t)(c->esr >> AXV_A64_ESR_EC_SHIFT) & AXV_A64_ESR_EC_MASK;
	bool call = ec == AXV_A64_EC_HVC64 || ec == AXV_A64_EC_SMC64;
	if (!call && ec != AXV_A64_EC_SYS64 && ec != AXV_A64_EC_DABT_LOW)
		return false;
	if (axv_a64_decode_exit(c, e) != 0)
		return false;
	a->decoded = true;
	switch (e->reason) {
	case AXV_EXIT_NOTHING:
		/* A call decode.c answered in place (PSCI VERSION, FEATURES, ...). */
		if (!call)
			return false;
		e->reason = AXV_EXIT_HYPERCALL; /* what it was, for the counts */
		return port_done(a, e);
	case AXV_EXIT_HYPERCALL:
		return a->fast->complete(a->fast->core, e, false, &a->target);
	case AXV_EXIT_SYSREG_WRITE:
		if (v->gic && (e->access.addr == ICC_SGI1R_EL1 || e->access.addr == ICC_ASGI1R_EL1 ||
			       e->access.addr == ICC_SGI0R_EL1)) {
			/* The vGIC sends it (axv_vgic_send_sgi(): IHI 0069 12.2.22 ICC_SGI1R_EL1). */
			(void)axv_vgic_send_sgi(v->gic, v->gic_idx, e->access.data);
			axv_a64_advance_pc(c, e->insn_len);
			e->insn_len = 0;
			return port_done(a, e);
		}
		/* fall through */
	case AXV_EXIT_SYSREG_READ:
	case AXV_EXIT_MMIO_READ:
	case AXV_EXIT_MMIO_WRITE:
		/* The vGIC's reads of this vcpu's timer PPIs go by the timer lines seen at the
		 * last exit, and a timer PPI queued while its line was high is withdrawn by the
		 * read-back once the line is low (lr.c). A line seen low cannot have risen since
		 * without an exit: its physical PPI, inactive, would have interrupted the guest
		 * (HCR_EL2.IMO), and while it is active its virtual one is queued or in a list
		 * register. A line seen high may have fallen (the guest reprograms or disables its
		 * timer without trapping): then the full way looks again. */
		if (!lr_idle(v) || (v->gic && axv_a64_lr_timers_high(v)))
			return false;
		return a->fast->complete(a->fast->core, e, false, &a->target);
	default:
		return false;
	}
}

/* The vector hook (a64_vec_fn): early_exit() from the vector table, before the guest's
 * frame is left. */
static uint64_t vec_exit(struct axv_a64_cpu *cpu, struct axv_a64_ctx *c)
{
	struct early *a = cpu->vec_arg;
	uint32_t ec = (uint32_t)(c->esr >> AXV_A64_ESR_EC_SHIFT) & AXV_A64_ESR_EC_MASK;
	/* The commonest exits first, without the decoder (direct_hvc(), direct_dabt()): they
	 * change nothing an entry loads (a64_needs_loop() stays false), and an access only
	 * moves the pc (ELR_EL2) and may clear PSTATE.SS (SPSR_EL2). */
	int direct = -1;
	if (ec == AXV_A64_EC_HVC64) {
		direct = direct_hvc(a, c);
	} else if (ec == AXV_A64_EC_DABT_LOW) {
		struct axv_a64_vcpu *v = a->v;
		if (lr_idle(v) && !(v->gic && axv_a64_lr_timers_high(v))) /* see early_exit() */
			direct = direct_dabt(a, c);
	} else if (a64_debug_sys(c)) {
		/* The library's own emulation (OS Lock, debug registers), before any hook; one it
		 * does not emulate goes back to the run loop, which offers it as usual. */
		return a64_vec_debug(cpu, c) ? 1 : 0;
	}
	if (direct > 0)
		return 1;
	bool go = direct == 0 ? false : early_exit(a, c);
	if (go && !a64_needs_loop(cpu, c))
		return 1;
	cpu->vec_held = go ? A64_VEC_GO : A64_VEC_LEAVE;
	return 0;
}

static int op_run_fast(void *ctx, struct axv_exit *exit, const struct axv_vcpu_fast *fast)
{
	struct axv_a64_vcpu *v = V(ctx);
	if (!v->cpu)
		return AXV_ESTATE;
	gic_if_own(v);
	struct early a = {.v = v, .exit = exit, .fast = fast, .decoded = false,
			  /* completions on the fast path: the context directly */
			  .target = axv_a64_ctx_target(&v->ctx)};
	int rc = a64_run_early(v->cpu, &v->ctx, early_exit, vec_exit, &a);
	if (rc != 0)
		return rc;
	if (!a.decoded) /* else the hook decoded it (and may have finished it: NOTHING) */
		rc = axv_a64_decode_exit(&v->ctx, exit);
	/* As op_run: an interrupt already in a list register is a wake-up event. */
	if (rc == 0 && exit->reason == AXV_EXIT_HALT && axv_a64_lr_pending(v))
		exit->reason = AXV_EXIT_NOTHING;
	return rc;
}

AXV_VCPU_REG_HOOKS(op, struct axv_a64_vcpu, ctx, axv_a64_get_reg, axv_a64_set_reg)

/* The decoder sets insn_len exactly: 4 for a trapped instruction, 0 where ELR_EL2 already
 * points past it (HVC) or the access is retried. Completing an instruction also completes a
 * software step of it (axv_a64_advance_pc()). */
static int op_advance_pc(void *ctx, uint8_t insn_len)
{
	return axv_a64_advance_pc(&V(ctx)->ctx, insn_len);
}

const struct axv_vcpu_ops axv_a64_vcpu_ops = {
	AXV_VCPU_OPS_HOOKS(op),
	.retval_reg = AXV_VCPU_RETVAL_REG(0), /* x0 (SMCCC) */
	.run_fast = op_run_fast,
};

/* ---- per-cpu enable ------------------------------------------------------------------------------ */

static int pc_enable(struct axv_a64_cpu *cpu)
{
	return axv_a64_cpu_enable(cpu, cpu->vtcr, cpu->host_trap, cpu->host_trap_arg);
}

static int pc_disable(struct axv_a64_cpu *cpu)
{
	if (cpu->loaded)
		axv_a64_ctx_sync(cpu->loaded); /* the guest's registers go back to its context */
	if (cpu->gic_owner) { /* and its virtual CPU interface to its vcpu */
		gic_if_save(cpu, cpu->gic_owner);
		cpu->gic_owner = NULL;
	}
	a64_debug_cpu_release(cpu); /* no guest breakpoint may fire in the host */
	wr_ich_hcr_el2(0);
	cpu->ich_hcr_cur = 0;
	wr_hcr_el2(1ull << 31);
	isb();
	cpu->loaded = NULL;
	cpu->hcr_cur = 1ull << 31;
	return 0;
}

AXV_PERCPU_OPS_DEFINE(axv_a64_percpu_ops, struct axv_a64_cpu, pc_enable, pc_disable);
