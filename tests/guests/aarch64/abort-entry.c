/* Aborts the hypervisor injects for accesses to guest addresses with nothing behind them,
 * checked register by register against the architecture's exception entry, as bare hardware
 * (or QEMU without a hypervisor) delivers a synchronous external abort:
 *   - DDI 0487 D1.10 "Exception entry" (AArch64): ELR_EL1 = the faulting instruction,
 *     SPSR_EL1 = PSTATE at the fault, PSTATE.{D,A,I,F} = 1, PSTATE.SP = 1 (EL1h), NZCV and DIT
 *     kept, PAN set when SCTLR_EL1.SPAN is 0, SSBS = SCTLR_EL1.DSSBS, UAO/IL/SS/BTYPE cleared;
 *   - D1.10.2 "Exception vectors": +0x000 current EL with SP_EL0, +0x200 current EL with
 *     SP_ELx, +0x400 lower EL using AArch64;
 *   - ESR_EL1 (D17.2.36): EC 0x21/0x20 instruction abort from EL1/EL0, 0x25/0x24 data abort;
 *     IL = 1; ISV = 0 (no instruction syndrome, as QEMU and KVM report it at EL1); WnR
 *     for stores; FnV = 0 (FAR valid); EA = 0; S1PTW = 0; DFSC/IFSC = 0b010000
 *     (synchronous external abort, not on a table walk); FAR_EL1 = the faulting address.
 * Cases: fetch, LDR (an access with syndrome: an MMIO exit), STR, LDP and STP (no syndrome:
 * nested page faults), from EL1h, EL1t and EL0. PAN, SSBS and DIT are checked where the cpu
 * implements them (ID registers). */
#include "guest.h"

#define ESR_IL (1ull << 25)
#define ESR_WNR (1ull << 6)
#define FSC_SEA 0x10ull
#define M_EL0T 0x0ull
#define M_EL1T 0x4ull
#define M_EL1H 0x5ull
#define DAIF_ALL 0x3c0ull
#define PSTATE_PAN (1ull << 22)
#define PSTATE_UAO (1ull << 23)
#define PSTATE_DIT (1ull << 24)
#define PSTATE_SSBS (1ull << 12)
#define PSTATE_BTYPE_BLR (2ull << 10) /* BTYPE after a BLR (FEAT_BTI) */
#define SCTLR_SPAN (1ull << 23)
#define SCTLR_DSSBS (1ull << 44)

/* What the handler saw. */
struct rec {
	uint64_t taken, vec, esr, far, elr, spsr;
	uint64_t nzcv, daif, currentel, spsel, pan, ssbs, dit, uao;
	uint64_t pc; /* x2 at the fault: where the access routine says the fault must be */
};
static volatile struct rec r;
static volatile bool ret_to_lr; /* a fetch: resume at x30, not past the faulting pc */
static bool has_pan, has_uao, has_dit, has_ssbs, has_bti;

/* Saved by the vector stubs below: x0-x30, then NZCV and DAIF read first thing. */
struct xframe {
	uint64_t x[31];
	uint64_t nzcv, daif, pad;
};

void xhandler(struct xframe *f, uint64_t vec);
uint64_t do_ldr(uint64_t addr, uint64_t nzcv);
uint64_t do_str(uint64_t addr, uint64_t nzcv);
uint64_t do_ldp(uint64_t addr, uint64_t nzcv);
uint64_t do_stp(uint64_t addr, uint64_t nzcv);
uint64_t do_fetch(uint64_t addr, uint64_t nzcv);
typedef uint64_t (*access_fn)(uint64_t addr, uint64_t nzcv);
void on_sp_el0(access_fn fn, uint64_t addr, uint64_t nzcv);
void run_el0(access_fn fn, uint64_t addr, uint64_t nzcv);
extern char xvectors[], el0_back[], el0_stack_top[], guest_vectors[];

/* Each access routine: x0 = address, x1 = NZCV; x2 = the pc the fault must report; the
 * faulting instruction comes right after NZCV is set. */
__asm__(".text\n"
	".balign 4\n"
	".global do_ldr\n"
	"do_ldr: adr x2, 1f\n msr nzcv, x1\n1: ldr x3, [x0]\n ret\n"
	".global do_str\n"
	"do_str: adr x2, 1f\n msr nzcv, x1\n1: str x1, [x0]\n ret\n"
	".global do_ldp\n"
	"do_ldp: adr x2, 1f\n msr nzcv, x1\n1: ldp x3, x4, [x0]\n ret\n"
	".global do_stp\n"
	"do_stp: adr x2, 1f\n msr nzcv, x1\n1: stp x1, x1, [x0]\n ret\n"
	".global do_fetch\n"
	"do_fetch: stp x29, x30, [sp, #-16]!\n mov x2, x0\n msr nzcv, x1\n blr x0\n"
	" ldp x29, x30, [sp], #16\n ret\n"
	/* Run an access routine with SP_EL0 selected (EL1t). SP_EL0 gets its own area below,
	 * so the handler's frame on SP_EL1 does not overlap what the routine pushes. */
	".global on_sp_el0\n"
	"on_sp_el0: stp x29, x30, [sp, #-16]!\n mov x9, sp\n sub x10, x9, #4096\n"
	" msr sp_el0, x10\n msr spsel, #0\n mov x9, x0\n mov x0, x1\n mov x1, x2\n blr x9\n"
	" msr spsel, #1\n ldp x29, x30, [sp], #16\n ret\n"
	/* Run an access routine at EL0 (DAIF masked there too); any exception from EL0 comes
	 * back to el0_back at EL1h (see xhandler). */
	".global run_el0\n"
	"run_el0: stp x29, x30, [sp, #-96]!\n stp x19, x20, [sp, #16]\n stp x21, x22, [sp, #32]\n"
	" stp x23, x24, [sp, #48]\n stp x25, x26, [sp, #64]\n stp x27, x28, [sp, #80]\n"
	" mov x9, sp\n ldr x10, =el1_sp\n str x9, [x10]\n ldr x9, =el0_stack_top\n"
	" msr sp_el0, x9\n msr elr_el1, x0\n mov x9, #0x3c0\n msr spsr_el1, x9\n"
	" mov x0, x1\n mov x1, x2\n ldr x30, =el0_done\n eret\n"
	"el0_done: svc #0\n b el0_done\n"
	".global el0_back\n"
	"el0_back: ldr x9, =el1_sp\n ldr x9, [x9]\n mov sp, x9\n"
	" ldp x19, x20, [sp, #16]\n ldp x21, x22, [sp, #32]\n ldp x23, x24, [sp, #48]\n"
	" ldp x25, x26, [sp, #64]\n ldp x27, x28, [sp, #80]\n ldp x29, x30, [sp], #96\n ret\n"
	".ltorg\n"
	/* The vector table: each entry saves x0/x1, NZCV and DAIF as the handler found them. */
	".macro xvec off\n"
	" .balign 0x80\n"
	" sub sp, sp, #272\n stp x0, x1, [sp, #0]\n mrs x0, nzcv\n mrs x1, daif\n"
	" stp x0, x1, [sp, #248]\n mov x1, #\\off\n b xcommon\n"
	".endm\n"
	".balign 2048\n"
	".global xvectors\n"
	"xvectors:\n"
	" xvec 0x000\n xvec 0x080\n xvec 0x100\n xvec 0x180\n"
	" xvec 0x200\n xvec 0x280\n xvec 0x300\n xvec 0x380\n"
	" xvec 0x400\n xvec 0x480\n xvec 0x500\n xvec 0x580\n"
	" xvec 0x600\n xvec 0x680\n xvec 0x700\n xvec 0x780\n"
	"xcommon:\n"
	" stp x2, x3, [sp, #16]\n stp x4, x5, [sp, #32]\n stp x6, x7, [sp, #48]\n"
	" stp x8, x9, [sp, #64]\n stp x10, x11, [sp, #80]\n stp x12, x13, [sp, #96]\n"
	" stp x14, x15, [sp, #112]\n stp x16, x17, [sp, #128]\n stp x18, x19, [sp, #144]\n"
	" stp x20, x21, [sp, #160]\n stp x22, x23, [sp, #176]\n stp x24, x25, [sp, #192]\n"
	" stp x26, x27, [sp, #208]\n stp x28, x29, [sp, #224]\n str x30, [sp, #240]\n"
	" mov x0, sp\n bl xhandler\n"
	" ldp x0, x1, [sp, #0]\n ldp x2, x3, [sp, #16]\n ldp x4, x5, [sp, #32]\n"
	" ldp x6, x7, [sp, #48]\n ldp x8, x9, [sp, #64]\n ldp x10, x11, [sp, #80]\n"
	" ldp x12, x13, [sp, #96]\n ldp x14, x15, [sp, #112]\n ldp x16, x17, [sp, #128]\n"
	" ldp x18, x19, [sp, #144]\n ldp x20, x21, [sp, #160]\n ldp x22, x23, [sp, #176]\n"
	" ldp x24, x25, [sp, #192]\n ldp x26, x27, [sp, #208]\n ldp x28, x29, [sp, #224]\n"
	" ldr x30, [sp, #240]\n add sp, sp, #272\n eret\n"
	".data\n"
	".balign 16\n"
	"el1_sp: .quad 0\n"
	".bss\n"
	".balign 16\n"
	"el0_stack: .skip 4096\n"
	"el0_stack_top:\n"
	".text\n");

void xhandler(struct xframe *f, uint64_t vec)
{
	r.taken++;
	r.vec = vec;
	r.esr = SYSREG_READ(esr_el1);
	r.far = SYSREG_READ(far_el1);
	r.elr = SYSREG_READ(elr_el1);
	r.spsr = SYSREG_READ(spsr_el1);
	r.nzcv = f->nzcv;
	r.daif = f->daif;
	r.currentel = SYSREG_READ(currentel);
	r.spsel = SYSREG_READ(spsel);
	r.pan = has_pan ? SYSREG_READ(S3_0_C4_C2_3) : 0;
	r.uao = has_uao ? SYSREG_READ(S3_0_C4_C2_4) : 0;
	r.dit = has_dit ? SYSREG_READ(S3_3_C4_C2_5) : 0;
	r.ssbs = has_ssbs ? SYSREG_READ(S3_3_C4_C2_6) : 0;
	r.pc = f->x[2];
	if ((vec & 0x180) != 0)
		return; /* IRQ, FIQ, SError: nothing to step over (none is expected) */
	if (vec >= 0x400) {
		/* From EL0: back to run_el0's caller at EL1h, interrupts masked. */
		SYSREG_WRITE(elr_el1, (uint64_t)(uintptr_t)el0_back);
		SYSREG_WRITE(spsr_el1, DAIF_ALL | M_EL1H);
		return;
	}
	SYSREG_WRITE(elr_el1, ret_to_lr ? f->x[30] : r.elr + 4);
}

static const char *const kind_name[] = {"fetch", "LDR", "STR", "LDP", "STP"};
static const access_fn kind_fn[] = {do_fetch, do_ldr, do_str, do_ldp, do_stp};

static uint64_t pstate_extras(void)
{
	uint64_t v = 0;
	if (has_pan)
		v |= SYSREG_READ(S3_0_C4_C2_3);
	if (has_uao)
		v |= SYSREG_READ(S3_0_C4_C2_4);
	if (has_dit)
		v |= SYSREG_READ(S3_3_C4_C2_5);
	if (has_ssbs)
		v |= SYSREG_READ(S3_3_C4_C2_6);
	return v;
}

static void check_eq(const char *what, const char *field, uint64_t got, uint64_t want)
{
	bool ok = got == want;
	if (ok) {
		printf_("PASS %s: %s = %x\n", what, field, want);
		npass++;
	} else {
		printf_("FAIL %s: %s = %x, the architecture says %x\n", what, field, got, want);
		nfail++;
	}
}

/* mode: M_EL1H, M_EL1T or M_EL0T. */
static void one(unsigned kind, uint64_t mode, uint64_t addr, uint64_t nzcv, uint64_t daif)
{
	char what[64];
	const char *el = mode == M_EL1H ? "EL1h" : mode == M_EL1T ? "EL1t" : "EL0";
	unsigned n = 0;
	for (const char *const *p = (const char *const[]){kind_name[kind], " from ", el, 0}; *p;
	     p++)
		for (const char *c = *p; *c && n < sizeof(what) - 1; c++)
			what[n++] = *c;
	what[n] = 0;
	bool fetch = kind == 0, store = kind == 2 || kind == 4;
	uint64_t extras = mode == M_EL0T ? 0 : pstate_extras();
	r.taken = 0;
	ret_to_lr = fetch;
	uint64_t spsr_want;
	if (mode == M_EL0T) {
		spsr_want = nzcv | DAIF_ALL | M_EL0T;
		run_el0(kind_fn[kind], addr, nzcv);
	} else {
		uint64_t saved = SYSREG_READ(daif);
		SYSREG_WRITE(daif, daif);
		spsr_want = nzcv | daif | mode | extras;
		if (mode == M_EL1T)
			on_sp_el0(kind_fn[kind], addr, nzcv);
		else
			kind_fn[kind](addr, nzcv);
		SYSREG_WRITE(daif, saved);
	}
	ret_to_lr = false;
	/* A fetch faults on the target of a BLR, which has set PSTATE.BTYPE: SPSR_EL1 keeps it
	 * (D1.10 and the BTI rules: BTYPE is saved in SPSR_ELx, then cleared). */
	if (fetch && has_bti)
		spsr_want |= PSTATE_BTYPE_BLR;
	bool lower = mode == M_EL0T;
	uint64_t ec = fetch ? (lower ? 0x20 : 0x21) : (lower ? 0x24 : 0x25);
	check_eq(what, "exceptions taken", r.taken, 1);
	check_eq(what, "vector offset", r.vec, mode == M_EL0T ? 0x400 : mode == M_EL1T ? 0 : 0x200);
	check_eq(what, "ESR_EL1.EC", r.esr >> 26, ec);
	check_eq(what, "ESR_EL1", r.esr, (ec << 26) | ESR_IL | (store ? ESR_WNR : 0) | FSC_SEA);
	check_eq(what, "FAR_EL1", r.far, addr);
	check_eq(what, "ELR_EL1", r.elr, r.pc);
	check_eq(what, "SPSR_EL1", r.spsr, spsr_want);
	check_eq(what, "PSTATE.NZCV in the handler", r.nzcv, nzcv);
	check_eq(what, "PSTATE.DAIF in the handler", r.daif, DAIF_ALL);
	check_eq(what, "CurrentEL in the handler", r.currentel, 1u << 2);
	check_eq(what, "PSTATE.SP in the handler", r.spsel, 1);
	if (has_uao)
		check_eq(what, "PSTATE.UAO in the handler", r.uao, 0);
	if (has_dit)
		check_eq(what, "PSTATE.DIT kept", r.dit, spsr_want & PSTATE_DIT);
	if (has_pan) {
		uint64_t span = SYSREG_READ(sctlr_el1) & SCTLR_SPAN;
		check_eq(what, "PSTATE.PAN (kept, or set when SCTLR_EL1.SPAN = 0)", r.pan,
			 span ? spsr_want & PSTATE_PAN : PSTATE_PAN);
	}
	if (has_ssbs) {
		uint64_t dssbs = SYSREG_READ(sctlr_el1) & SCTLR_DSSBS;
		check_eq(what, "PSTATE.SSBS = SCTLR_EL1.DSSBS", r.ssbs, dssbs ? PSTATE_SSBS : 0);
	}
}

static void set_sctlr(uint64_t set, uint64_t clear)
{
	SYSREG_WRITE(sctlr_el1, (SYSREG_READ(sctlr_el1) | set) & ~clear);
	__asm__ volatile("isb");
}

void guest_main(uint64_t dtb)
{
	(void)dtb;
	uint64_t mmfr1 = SYSREG_READ(id_aa64mmfr1_el1), mmfr2 = SYSREG_READ(id_aa64mmfr2_el1);
	uint64_t pfr0 = SYSREG_READ(id_aa64pfr0_el1), pfr1 = SYSREG_READ(id_aa64pfr1_el1);
	has_pan = ((mmfr1 >> 20) & 0xf) != 0;
	has_uao = ((mmfr2 >> 4) & 0xf) != 0;
	has_dit = ((pfr0 >> 48) & 0xf) != 0;
	has_ssbs = ((pfr1 >> 4) & 0xf) >= 2; /* FEAT_SSBS2: PSTATE.SSBS readable with MRS */
	has_bti = (pfr1 & 0xf) != 0;
	printf_("cpu: PAN %u UAO %u DIT %u SSBS %u BTI %u\n", (uint64_t)has_pan,
		(uint64_t)has_uao, (uint64_t)has_dit, (uint64_t)has_ssbs, (uint64_t)has_bti);
	SYSREG_WRITE(vbar_el1, (uint64_t)(uintptr_t)xvectors);
	__asm__ volatile("isb");

	const uint64_t nzcv[] = {0x9ull << 28, 0x6ull << 28, 0xaull << 28, 0x5ull << 28,
				 0xfull << 28};
	for (unsigned k = 0; k < 5; k++) {
		uint64_t a = UNMAPPED + 0x100 + 0x40 * k;
		one(k, M_EL1H, a, nzcv[k], k & 1 ? 0x280 : DAIF_ALL);
		one(k, M_EL1T, a + 0x1000, nzcv[4 - k], k & 1 ? DAIF_ALL : 0x140);
		one(k, M_EL0T, a + 0x2000, nzcv[k], 0);
	}

	/* PSTATE fields the entry sets from SCTLR_EL1 or keeps (where implemented). */
	if (has_pan) {
		set_sctlr(0, SCTLR_SPAN); /* SPAN = 0: PAN set on entry */
		SYSREG_WRITE(S3_0_C4_C2_3, 0);
		one(1, M_EL1H, UNMAPPED + 0x3000, 0, DAIF_ALL);
		set_sctlr(SCTLR_SPAN, 0); /* SPAN = 1: PAN kept */
		SYSREG_WRITE(S3_0_C4_C2_3, PSTATE_PAN);
		one(2, M_EL1H, UNMAPPED + 0x3040, 0, DAIF_ALL);
		SYSREG_WRITE(S3_0_C4_C2_3, 0);
		one(3, M_EL1H, UNMAPPED + 0x3080, 0, DAIF_ALL);
	}
	if (has_ssbs) {
		set_sctlr(SCTLR_DSSBS, 0);
		SYSREG_WRITE(S3_3_C4_C2_6, 0);
		one(1, M_EL1H, UNMAPPED + 0x4000, 0, DAIF_ALL);
		set_sctlr(0, SCTLR_DSSBS);
		SYSREG_WRITE(S3_3_C4_C2_6, PSTATE_SSBS);
		one(0, M_EL1H, UNMAPPED + 0x4040, 0, DAIF_ALL);
		SYSREG_WRITE(S3_3_C4_C2_6, 0);
	}
	if (has_dit) {
		SYSREG_WRITE(S3_3_C4_C2_5, PSTATE_DIT);
		one(4, M_EL1H, UNMAPPED + 0x5000, 0, DAIF_ALL);
		SYSREG_WRITE(S3_3_C4_C2_5, 0);
	}
	SYSREG_WRITE(vbar_el1, (uint64_t)(uintptr_t)guest_vectors);
	__asm__ volatile("isb");
}
