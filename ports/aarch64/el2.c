/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EL2 runtime of the aarch64 port: per-cpu enable, running a guest context (switching the
 * EL1 system registers, FP/SIMD, timer offset and stage-2 root), stage-2 TLB maintenance and
 * GICv3 CPU interface access. Built only for aarch64 targets.
 *
 * References: DDI 0487 D17.2 (HCR_EL2, CPTR_EL2, CNTHCTL_EL2, MDCR_EL2, VTCR_EL2, VTTBR_EL2),
 * C5.5 (TLBI IPAS2E1IS, VMALLE1IS, VMALLS12E1IS); IHI 0069 12.5 (ICH_*, ICC_*).
 */
#include <stddef.h>

#include <axv/arch/aarch64.h>
#include <axv/err.h>

#include "debug_el2.h"
#include "run_el2.h"
#include "sysreg.h"
#include "a64_hw.h"

/* Assembly (entry.S). */
uint64_t axv_a64_enter(struct axv_a64_ctx *c);
void axv_a64_fpsimd_save(struct axv_a64_ctx *c);
void axv_a64_fpsimd_restore(const struct axv_a64_ctx *c);
void axv_a64_host_trap(struct axv_a64_trap_frame *f);
extern const char axv_a64_vectors[];

/* entry.S addresses these by offset. */
_Static_assert(offsetof(struct axv_a64_ctx, sp_el0) == 248, "ctx layout");
_Static_assert(offsetof(struct axv_a64_ctx, pc) == 256, "ctx layout");
_Static_assert(offsetof(struct axv_a64_ctx, esr) == 272, "ctx layout");
_Static_assert(offsetof(struct axv_a64_ctx, hpfar) == 288, "ctx layout");
_Static_assert(offsetof(struct axv_a64_ctx, trap) == 296, "ctx layout");
_Static_assert(offsetof(struct axv_a64_ctx, fpsimd) == 304, "ctx layout");
_Static_assert(offsetof(struct axv_a64_ctx, fpsr) == 816, "ctx layout");
_Static_assert(offsetof(struct axv_a64_ctx, host) == 832, "ctx layout");
_Static_assert(offsetof(struct axv_a64_cpu, cur) == 0, "cpu layout");
_Static_assert(offsetof(struct axv_a64_cpu, vec_hook) == 104, "cpu layout");
_Static_assert(sizeof(struct axv_a64_trap_frame) == 288, "frame layout");

/* HCR_EL2 while the host runs: AArch64 EL1, physical IRQ/FIQ/SError routed to EL2. */
#define HCR_HOST ((1ull << 31) | (1ull << 5) | (1ull << 4) | (1ull << 3))
/* CPTR_EL2 (E2H = 0): RES1 [13:12] and [9:0]; TFP (bit 10) clear: FP/SIMD not trapped. */
#define CPTR_EL2_NO_TRAPS 0x33ffull
/* CNTHCTL_EL2: EL1PCTEN (0), EL1PCEN (1): EL1 reads the physical counter and timer. */
#define CNTHCTL_EL1_ACCESS 0x3ull
/* MDCR_EL2 (DDI 0487, register description "MDCR_EL2"): HPMN [4:0]; TPMCR (5) and TPM (6)
 * clear, PMU accesses are not trapped; TDE (8) clear, debug exceptions from EL1 and EL0 go to
 * EL1 (D2.2); TDA (9) traps the breakpoint, watchpoint and other debug registers; TDOSA (10)
 * OSLAR_EL1, OSLSR_EL1, OSDLR_EL1 and DBGPRCR_EL1; TDRA (11) MDRAR_EL1. */
#define MDCR_HPMN_MASK 0x1full
#define MDCR_TDA (1ull << 9)
#define MDCR_TDOSA (1ull << 10)
#define MDCR_TDRA (1ull << 11)
/* ICC_SRE_EL2: SRE (0), DFB (1), DIB (2), Enable (3: EL1 may use ICC_SRE_EL1). */
#define ICC_SRE_EL2_ALL 0xfull

void axv_a64_host_trap(struct axv_a64_trap_frame *f)
{
	struct axv_a64_cpu *cpu = a64_this_cpu();
	cpu->host_trap(cpu->host_trap_arg, f);
}

int axv_a64_cpu_enable(struct axv_a64_cpu *cpu, uint64_t vtcr, axv_a64_host_trap_fn host_trap,
		       void *arg)
{
	if (!cpu || !host_trap)
		return AXV_EINVAL;
	if (((rd_currentel() >> 2) & 3) != 2)
		return AXV_ENOTSUP;
	cpu->cur = NULL;
	cpu->vec_hook = NULL;
	cpu->vec_arg = NULL;
	cpu->vec_held = A64_VEC_NONE;
	cpu->host_trap = host_trap;
	cpu->host_trap_arg = arg;
	cpu->vtcr = vtcr;
	wr_tpidr_el2((uint64_t)(uintptr_t)cpu);
	wr_vbar_el2((uint64_t)(uintptr_t)axv_a64_vectors);
	wr_hcr_el2(HCR_HOST);
	wr_cptr_el2(CPTR_EL2_NO_TRAPS);
	wr_cnthctl_el2(CNTHCTL_EL1_ACCESS);
	wr_cntvoff_el2(0);
	cpu->loaded = NULL;
	cpu->gic_owner = NULL; /* the list registers are emptied below */
	for (unsigned i = 0; i < AXV_A64_S1_LAST; i++)
		cpu->s1_last[i] = (struct axv_a64_s1_last){NULL, 0}; /* unknown: flush first */
	cpu->hcr_cur = HCR_HOST;
	cpu->vttbr_cur = rd_vttbr_el2();
	cpu->cntvoff_cur = 0;
	uint64_t hpmn = (rd_pmcr_el0() >> 11) & MDCR_HPMN_MASK; /* PMCR_EL0.N [15:11] */
	cpu->mdcr_guest = MDCR_TDRA | MDCR_TDOSA | hpmn;
	cpu->mdcr_cur = cpu->mdcr_guest | MDCR_TDA;
	wr_mdcr_el2(cpu->mdcr_cur);
	a64_debug_cpu_init(cpu);
	wr_vtcr_el2(vtcr);
	wr_icc_sre_el2(ICC_SRE_EL2_ALL);
	isb();
	uint64_t vtr = rd_ich_vtr_el2();
	cpu->nr_lrs = (uint32_t)(vtr & 0x1f) + 1;
	cpu->pri_bits = (uint32_t)((vtr >> 29) & 7) + 1;
	for (unsigned i = 0; i < cpu->nr_lrs; i++)
		axv_a64_gic_write_lr(i, 0);
	wr_ich_vmcr_el2(0);
	wr_ich_hcr_el2(1); /* En */
	cpu->ich_hcr_cur = 1;
	isb();
	return 0;
}

static void el1_restore(const struct axv_a64_el1 *r)
{
	wr_sctlr_el1(r->sctlr_el1);
	wr_actlr_el1(r->actlr_el1);
	wr_cpacr_el1(r->cpacr_el1);
	wr_ttbr0_el1(r->ttbr0_el1);
	wr_ttbr1_el1(r->ttbr1_el1);
	wr_tcr_el1(r->tcr_el1);
	wr_mair_el1(r->mair_el1);
	wr_amair_el1(r->amair_el1);
	wr_vbar_el1(r->vbar_el1);
	wr_contextidr_el1(r->contextidr_el1);
	wr_tpidr_el0(r->tpidr_el0);
	wr_tpidrro_el0(r->tpidrro_el0);
	wr_tpidr_el1(r->tpidr_el1);
	wr_esr_el1(r->esr_el1);
	wr_far_el1(r->far_el1);
	wr_afsr0_el1(r->afsr0_el1);
	wr_afsr1_el1(r->afsr1_el1);
	wr_par_el1(r->par_el1);
	wr_csselr_el1(r->csselr_el1);
	wr_cntkctl_el1(r->cntkctl_el1);
	wr_cntv_cval_el0(r->cntv_cval_el0);
	wr_cntv_ctl_el0(r->cntv_ctl_el0);
	wr_cntp_cval_el0(r->cntp_cval_el0);
	wr_cntp_ctl_el0(r->cntp_ctl_el0);
	wr_sp_el1(r->sp_el1);
	wr_elr_el1(r->elr_el1);
	wr_spsr_el1(r->spsr_el1);
	wr_vmpidr_el2(r->vmpidr_el2);
}

static void el1_save(struct axv_a64_el1 *r)
{
	r->sctlr_el1 = rd_sctlr_el1();
	r->actlr_el1 = rd_actlr_el1();
	r->cpacr_el1 = rd_cpacr_el1();
	r->ttbr0_el1 = rd_ttbr0_el1();
	r->ttbr1_el1 = rd_ttbr1_el1();
	r->tcr_el1 = rd_tcr_el1();
	r->mair_el1 = rd_mair_el1();
	r->amair_el1 = rd_amair_el1();
	r->vbar_el1 = rd_vbar_el1();
	r->contextidr_el1 = rd_contextidr_el1();
	r->tpidr_el0 = rd_tpidr_el0();
	r->tpidrro_el0 = rd_tpidrro_el0();
	r->tpidr_el1 = rd_tpidr_el1();
	r->esr_el1 = rd_esr_el1();
	r->far_el1 = rd_far_el1();
	r->afsr0_el1 = rd_afsr0_el1();
	r->afsr1_el1 = rd_afsr1_el1();
	r->par_el1 = rd_par_el1();
	r->csselr_el1 = rd_csselr_el1();
	r->cntkctl_el1 = rd_cntkctl_el1();
	r->cntv_ctl_el0 = rd_cntv_ctl_el0(); /* ISTATUS as of now: the timer's line */
	r->cntv_cval_el0 = rd_cntv_cval_el0();
	r->cntp_ctl_el0 = rd_cntp_ctl_el0();
	r->cntp_cval_el0 = rd_cntp_cval_el0();
	r->sp_el1 = rd_sp_el1();
	r->elr_el1 = rd_elr_el1();
	r->spsr_el1 = rd_spsr_el1();
}

static void el1_restore_exc(const struct axv_a64_el1 *r)
{
	wr_esr_el1(r->esr_el1);
	wr_far_el1(r->far_el1);
	wr_elr_el1(r->elr_el1);
	wr_spsr_el1(r->spsr_el1);
}

/* The lazy half of the world switch (axv_a64_ctx_sync()): write back what the cpu holds of
 * the context, newer than its copies since the last exit. Only on the cpu that holds it: any
 * other cpu's registers are not the guest's. A copy marked dirty is the caller's and is
 * kept: all of it for AXV_A64_EL1_DIRTY_ALL, the exception registers for _EXC. */
static void lazy_save(struct axv_a64_ctx *c)
{
	struct axv_a64_cpu *cpu = a64_this_cpu();
	c->hw_sync = NULL;
	if (!cpu || cpu->loaded != c || (c->el1_dirty & AXV_A64_EL1_DIRTY_ALL))
		return;
	axv_a64_fpsimd_save(c);
	struct axv_a64_el1 keep = c->el1;
	el1_save(&c->el1);
	if (c->el1_dirty & AXV_A64_EL1_DIRTY_EXC) {
		c->el1.esr_el1 = keep.esr_el1;
		c->el1.far_el1 = keep.far_el1;
		c->el1.elr_el1 = keep.elr_el1;
		c->el1.spsr_el1 = keep.spsr_el1;
	}
}

/* An exit the library finishes itself: a debug register access (axv_a64_debug_trap()). The
 * guest locking takes back registers it had and turns debug off in MDSCR_EL1; unlocking loads
 * what it wrote meanwhile; an emulated access while locked may change MDSCR_EL1 or
 * MDCCINT_EL1; a hand-over only changes the next MDCR_EL2.TDA. */
static bool debug_exit(struct axv_a64_cpu *cpu, struct axv_a64_ctx *c)
{
	struct axv_a64_debug *d = &c->dbg;
	bool was_locked = axv_a64_debug_os_locked(d);
	if (axv_a64_debug_trap(c) != 0)
		return false;
	bool locked = axv_a64_debug_os_locked(d);
	if (locked && !was_locked && d->live) {
		a64_debug_save(cpu, d);
		d->live = 0;
	}
	if (!locked && was_locked)
		a64_debug_load(cpu, d);
	else if (locked)
		a64_debug_load_ctl(d);
	return true;
}

/* MDCR_EL2 for the guest: TDA clear once it touched its debug registers this run. */
static inline void mdcr_update(struct axv_a64_cpu *cpu, const struct axv_a64_ctx *c)
{
	uint64_t mdcr = cpu->mdcr_guest | (c->dbg.live ? 0 : MDCR_TDA);
	if (cpu->mdcr_cur != mdcr) {
		wr_mdcr_el2(mdcr);
		cpu->mdcr_cur = mdcr;
	}
}

bool a64_vec_debug(struct axv_a64_cpu *cpu, struct axv_a64_ctx *c)
{
	if (!debug_exit(cpu, c))
		return false;
	mdcr_update(cpu, c);
	isb(); /* debug registers or MDCR_EL2 written: synchronised before the re-entry */
	return true;
}

void axv_a64_set_cntvoff(struct axv_a64_cpu *cpu, struct axv_a64_ctx *c, uint64_t off)
{
	if (!c)
		return;
	c->cntvoff = off;
	/* Only this cpu's register: another cpu's is written by that cpu's next run. */
	if (cpu && cpu == a64_this_cpu() && cpu->loaded == c && cpu->cntvoff_cur != off) {
		wr_cntvoff_el2(off);
		isb();
		cpu->cntvoff_cur = off;
	}
}

int axv_a64_run(struct axv_a64_cpu *cpu, struct axv_a64_ctx *c)
{
	return a64_run_early(cpu, c, NULL, NULL, NULL);
}

/* Must the cpu's stage-1 TLB entries of @c's VMID go before @c runs? Yes unless @c is the
 * context of that VMID that ran here last. The TLBs tag entries by VMID and ASID, not by vcpu
 * (DDI 0487, D8.14: "TLB maintenance", entries of one VMID are shared by everything that runs
 * with it on the PE), while the guest believes each vcpu a PE of its own with its own TLB:
 * it may give one ASID, or one virtual address of its kernel, different translations on two
 * vcpus (per-cpu ASIDs, per-cpu mappings) and maintain them with local TLBIs only. Two of its
 * vcpus taking turns on one cpu would then hit each other's entries. HCR_EL2.FB (broadcast
 * the guest's TLBIs) does not help there: nothing is invalidated, the entries are simply
 * shared; this flush on a change of context is what KVM does (last_vcpu_ran). An unknown
 * VMID (never ran here, or its slot reused) counts as changed. A vcpu that moves to another
 * cpu is unbound first, which forgets it here (a64_s1_forget()), so that its return
 * also flushes what its guest's local TLBIs on the other cpu did not reach. */
static bool s1_changed(struct axv_a64_cpu *cpu, const struct axv_a64_ctx *c)
{
	uint16_t vmid = (uint16_t)(c->vttbr >> 48);
	struct axv_a64_s1_last *e = &cpu->s1_last[vmid % AXV_A64_S1_LAST];
	if (e->ctx == c && e->vmid == vmid)
		return false;
	e->ctx = c;
	e->vmid = vmid;
	return true;
}

void a64_s1_forget(struct axv_a64_cpu *cpu, const struct axv_a64_ctx *c)
{
	for (unsigned i = 0; i < AXV_A64_S1_LAST; i++)
		if (cpu->s1_last[i].ctx == c)
			cpu->s1_last[i].ctx = NULL;
}

int a64_run_early(struct axv_a64_cpu *cpu, struct axv_a64_ctx *c, a64_early_fn early,
		  a64_vec_fn vec, void *arg)
{
	if (!cpu || !c)
		return AXV_EINVAL;
	/* System register writes before this run (list registers, ...) and in it are made
	 * visible to the guest by an ISB before the entry. The ERET is not relied on: with
	 * FEAT_ExS and SCTLR_EL2.EOS = 0 it is no context synchronization event (DDI 0487,
	 * "Context synchronization event"). Re-entries that wrote nothing skip it. */
	bool sync = true, s1_flush = false;
again:
	if (cpu->loaded != c || (c->el1_dirty & AXV_A64_EL1_DIRTY_ALL)) {
		s1_flush = s1_changed(cpu, c);
		/* The full switch: the context that ran here last gives its state back first. */
		if (cpu->loaded && cpu->loaded != c)
			axv_a64_ctx_sync(cpu->loaded);
		c->hw_sync = NULL; /* the copies are what the cpu holds from here */
		el1_restore(&c->el1);
		axv_a64_fpsimd_restore(c);
		c->dbg.live = 0;
		a64_debug_load(cpu, &c->dbg);
		cpu->loaded = c;
		sync = true;
	} else if (c->el1_dirty & AXV_A64_EL1_DIRTY_EXC) {
		el1_restore_exc(&c->el1);
		sync = true;
	}
	/* Otherwise the cpu still holds this context's EL1 and FP/SIMD registers as the guest
	 * left them (no host code between runs uses FP/SIMD, axv_a64_ctx_sync()). */
	c->el1_dirty = 0;
	uint64_t hcr = c->hcr ? c->hcr : AXV_A64_HCR_GUEST;
	if (cpu->hcr_cur != hcr) {
		wr_hcr_el2(hcr);
		cpu->hcr_cur = hcr;
		sync = true;
	}
	if (cpu->vttbr_cur != c->vttbr) {
		wr_vttbr_el2(c->vttbr);
		cpu->vttbr_cur = c->vttbr;
		sync = true;
	}
	if (s1_flush) {
		/* With VTTBR_EL2 the context's (ISB) and HCR_EL2.TGE 0, TLBI VMALLE1 drops this
		 * PE's stage-1 entries of its VMID (stage 1+2 combined included), IC IALLU its
		 * instruction cache, as a local TLBI and IC of the guest's own would. */
		__asm__ volatile("isb\n\tdsb nshst\n\ttlbi vmalle1\n\tic iallu\n\tdsb nsh"
				 :
				 :
				 : "memory");
		s1_flush = false;
		sync = true;
	}
	if (cpu->cntvoff_cur != c->cntvoff) {
		wr_cntvoff_el2(c->cntvoff);
		cpu->cntvoff_cur = c->cntvoff;
		sync = true;
	}
	cpu->cur = c;
	/* The vector table offers synchronous exits to @vec before leaving the guest's frame
	 * (a64_vec_fn); the loop below gets the rest. From the entry on the cpu holds newer
	 * EL1 and FP/SIMD values than the context: the hooks may sync them. */
	cpu->vec_hook = early ? vec : NULL;
	cpu->vec_arg = arg;
	cpu->vec_held = A64_VEC_NONE;
	if (early)
		c->hw_sync = lazy_save;
	for (;;) {
		/* The guest has its debug registers (TDA clear) once it touched them this run. */
		uint64_t mdcr_was = cpu->mdcr_cur;
		mdcr_update(cpu, c);
		if (cpu->mdcr_cur != mdcr_was)
			sync = true;
		if (sync)
			isb();
		sync = false;
		c->trap = axv_a64_enter(c);
		/* Library code in between uses no FP/SIMD register (-mgeneral-regs-only). A debug
		 * register access may load debug registers: synchronised before the re-entry. */
		if (a64_debug_sys(c) && debug_exit(cpu, c)) {
			sync = true;
			continue;
		}
		if (!early)
			break;
		/* The early hook may read the context's EL1 registers: they are in the cpu. */
		c->hw_sync = lazy_save;
		uint32_t held = cpu->vec_held;
		cpu->vec_held = A64_VEC_NONE;
		if (held == A64_VEC_LEAVE || (held == A64_VEC_NONE && !early(arg, c)))
			break;
		/* Completed: the guest goes on. The hook may have changed what the entry loads
		 * (an injected exception's EL1 registers): the checks above see to it. */
		if (a64_needs_loop(cpu, c))
			goto again;
	}
	cpu->vec_hook = NULL;
	/* The lazy switch: EL1 and FP/SIMD stay in the cpu (axv_a64_ctx_sync() writes them
	 * back); only the timers' controls are read now, their ISTATUS being the timer lines
	 * the list-register controller needs at every exit. */
	c->el1.cntv_ctl_el0 = rd_cntv_ctl_el0();
	c->el1.cntp_ctl_el0 = rd_cntp_ctl_el0();
	c->hw_sync = lazy_save;
	if (c->dbg.live) {
		a64_debug_save(cpu, &c->dbg);
		c->dbg.live = 0;
	}
	return 0;
}

/* ---- stage-2 TLB maintenance ---------------------------------------------------------------- */

/* Beyond this many pages one VMALLS12E1IS is cheaper than per-IPA invalidation. */
#define TLBI_RANGE_PAGES 64u

static void with_vmid(uint64_t vttbr, uint64_t *saved)
{
	*saved = rd_vttbr_el2();
	wr_vttbr_el2(vttbr);
	isb();
}

static void tlb_flush_range(void *ctx, uint64_t tag, axv_gpa_t gpa, uint64_t size)
{
	(void)ctx;
	uint64_t saved;
	with_vmid(tag, &saved);
	__asm__ volatile("dsb ishst" : : : "memory");
	uint64_t pages = (size + 0xfffu) >> 12;
	if (pages > TLBI_RANGE_PAGES) {
		__asm__ volatile("tlbi vmalls12e1is" : : : "memory");
	} else {
		/* TLBI IPAS2E1IS takes IPA[47:12] in Xt[35:0]; stage-1 entries built from the
		 * old translation are dropped by VMALLE1IS afterwards (D5.10.2). */
		for (uint64_t i = 0; i < pages; i++) {
			uint64_t arg = ((gpa >> 12) + i) & 0xfffffffffull;
			__asm__ volatile("tlbi ipas2e1is, %0" : : "r"(arg) : "memory");
		}
		__asm__ volatile("dsb ish\n\ttlbi vmalle1is" : : : "memory");
	}
	__asm__ volatile("dsb ish" : : : "memory");
	isb();
	wr_vttbr_el2(saved);
	isb();
}

static void tlb_flush_all(void *ctx, uint64_t tag)
{
	(void)ctx;
	uint64_t saved;
	with_vmid(tag, &saved);
	__asm__ volatile("dsb ishst\n\ttlbi vmalls12e1is\n\tdsb ish" : : : "memory");
	isb();
	wr_vttbr_el2(saved);
	isb();
}

const struct axv_hal_tlb_ops axv_a64_tlb_ops = {
	.flush_range = tlb_flush_range,
	.flush_all = tlb_flush_all,
};

/* ---- GICv3 CPU interface -------------------------------------------------------------------- */

uint32_t axv_a64_gic_ack(void)
{
	uint32_t intid = (uint32_t)rd_icc_iar1_el1() & 0xffffffu;
	__asm__ volatile("dsb sy" : : : "memory");
	return intid;
}

void axv_a64_gic_eoi(uint32_t intid)
{
	wr_icc_eoir1_el1(intid);
	isb();
}

void axv_a64_gic_deactivate(uint32_t intid)
{
	wr_icc_dir_el1(intid);
	isb();
}

#define LR_CASE(n, crm, op2) SYSREG_CASE(n, "S3_4_C12_" #crm "_" #op2)

static uint64_t lr_access(unsigned n, bool write, uint64_t v)
{
	switch (n) {
		LR_CASE(0, C12, 0)
		LR_CASE(1, C12, 1)
		LR_CASE(2, C12, 2)
		LR_CASE(3, C12, 3)
		LR_CASE(4, C12, 4)
		LR_CASE(5, C12, 5)
		LR_CASE(6, C12, 6)
		LR_CASE(7, C12, 7)
		LR_CASE(8, C13, 0)
		LR_CASE(9, C13, 1)
		LR_CASE(10, C13, 2)
		LR_CASE(11, C13, 3)
		LR_CASE(12, C13, 4)
		LR_CASE(13, C13, 5)
		LR_CASE(14, C13, 6)
		LR_CASE(15, C13, 7)
	default:
		return 0;
	}
	return v;
}

uint64_t axv_a64_gic_read_lr(unsigned n)
{
	struct axv_a64_cpu *cpu = a64_this_cpu();
	if (!cpu || n >= cpu->nr_lrs)
		return 0;
	return lr_access(n, false, 0);
}

void axv_a64_gic_write_lr(unsigned n, uint64_t v)
{
	struct axv_a64_cpu *cpu = a64_this_cpu();
	if (!cpu || n >= cpu->nr_lrs)
		return;
	lr_access(n, true, v);
}

uint32_t axv_a64_gic_empty_lrs(void)
{
	return (uint32_t)rd_ich_elrsr_el2();
}

uint32_t axv_a64_gic_misr(void)
{
	return (uint32_t)rd_ich_misr_el2();
}

void axv_a64_gic_write_hcr(uint64_t v)
{
	struct axv_a64_cpu *cpu = a64_this_cpu();
	if (cpu) {
		if (cpu->ich_hcr_cur == v)
			return;
		cpu->ich_hcr_cur = v;
	}
	wr_ich_hcr_el2(v);
	isb();
}

void axv_a64_gic_maintenance(void)
{
	struct axv_a64_cpu *cpu = a64_this_cpu();
	if (cpu)
		cpu->ich_hcr_cur = AXV_A64_ICH_HCR_EN;
	wr_ich_hcr_el2(AXV_A64_ICH_HCR_EN);
	isb();
}
