/* Issue 17's fast path, checked from the guest: each exit kind the library can finish
 * (hypercalls of the example's fast table, the PSCI calls the port answers, MMIO to devices
 * on the fast bus, vGIC distributor and redistributor registers, SGI writes) gives the right
 * result, and is completed on the fast path: the example's hypercall HC_FAST_EXITS (answered
 * by the example itself, never on the fast path) says how many exits of a reason the fast
 * path completed for this vcpu. Also: what must not take the fast path does not (a hypercall
 * the example answers in its exit loop), an SGI to itself sent on the fast path arrives once,
 * a vGIC read while a list register holds an acknowledged interrupt (which takes the full
 * way, with the list registers read back) shows it active, and a timer PPI's pending bit
 * follows its timer's output on the fast path too. */
#include "guest.h"

#define HC_NULL 0x1002
#define HC_FAST_EXITS 0x1003 /* a1: an exit reason; the fast path's count of it, this vcpu */
#define PSCI_VERSION 0x84000000u
#define PSCI_FEATURES 0x8400000au
#define PSCI_NOT_SUPPORTED ((uint64_t)-1)
/* enum axv_exit_reason */
#define R_HYPERCALL 1
#define R_MMIO_READ 2
#define R_MMIO_WRITE 3
#define R_SYSREG_WRITE 5
#define N 100u
#define SGI_SELF 3u
#define VTIMER 27u
#define TESTDEV_PATTERN 0x8182838485868788ull

static volatile uint64_t sgi_seen, other_seen;
static volatile uint32_t active_in_handler, pending_in_handler;

static uint64_t fast(unsigned reason)
{
	return hvc6(HC_FAST_EXITS, reason, 0, 0, 0, 0, 0);
}

static void irq(struct frame *f)
{
	(void)f;
	uint64_t intid = SYSREG_READ(S3_0_C12_C12_0) & 0xffffff; /* ICC_IAR1_EL1 */
	if (intid >= 1020)
		return;
	if (intid == SGI_SELF) {
		sgi_seen++;
		/* Acknowledged, not yet ended: its list register holds it active. The
		 * redistributor reads it so (IHI 0069 12.11.2 GICR_ISACTIVER0, 12.11.7
		 * GICR_ISPENDR0). */
		active_in_handler = *(volatile uint32_t *)(GICR_SGI(0) + 0x300);
		pending_in_handler = *(volatile uint32_t *)(GICR_SGI(0) + 0x200);
	} else {
		other_seen++;
	}
	SYSREG_WRITE(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
}

void guest_main(uint64_t dtb)
{
	(void)dtb;
	on_irq = irq;
	gic_cpu_init();

	/* Hypercalls of the example's fast table (HC_NULL, HC_WEIGHTED_SUM). */
	uint64_t h0 = fast(R_HYPERCALL), bad = 0;
	for (unsigned i = 0; i < N; i++)
		bad += hvc6(HC_NULL, i, 0, 0, 0, 0, 0) != 0;
	check("the null hypercall returned 0 each time", bad == 0);
	check("... every one completed on the fast path", fast(R_HYPERCALL) - h0 == N);
	h0 = fast(R_HYPERCALL);
	check("HC_WEIGHTED_SUM on the fast path: 1 + 2*2 + 3*3 + 4*4 + 5*5 + 6*6 = 91",
	      hvc6(HC_WEIGHTED_SUM, 1, 2, 3, 4, 5, 6) == 91);
	check("... completed on the fast path", fast(R_HYPERCALL) - h0 == 1);
	h0 = fast(R_HYPERCALL);
	(void)hvc6(HC_SYSREG_TRAPS, 0, 0, 0, 0, 0, 0);
	check("a hypercall the example answers in its loop is not on the fast path",
	      fast(R_HYPERCALL) == h0);

	/* PSCI calls the port answers (DEN 0022D.b 5.3 VERSION, 5.16 FEATURES), HVC and SMC. */
	h0 = fast(R_HYPERCALL);
	bad = 0;
	for (unsigned i = 0; i < N; i++)
		bad += hvc6(PSCI_VERSION, 0, 0, 0, 0, 0, 0) != 0x10000;
	check("PSCI_VERSION over HVC gave 1.0 each time", bad == 0);
	check("PSCI_FEATURES(PSCI_VERSION) over SMC: SUCCESS",
	      smc6(PSCI_FEATURES, PSCI_VERSION, 0, 0, 0, 0, 0) == 0);
	check("PSCI_FEATURES of an unknown function: NOT_SUPPORTED",
	      hvc6(PSCI_FEATURES, 0x8400001fu, 0, 0, 0, 0, 0) == PSCI_NOT_SUPPORTED);
	check("... all completed on the fast path", fast(R_HYPERCALL) - h0 == N + 2);

	/* MMIO to the test device on the fast bus: its pattern, its scratch register. (The
	 * counts are taken before anything is printed: the console is MMIO too.) */
	uint64_t r0 = fast(R_MMIO_READ), w0 = fast(R_MMIO_WRITE);
	volatile uint64_t *pattern = (volatile uint64_t *)TESTDEV;
	volatile uint64_t *scratch = (volatile uint64_t *)(TESTDEV + 8);
	bad = 0;
	for (unsigned i = 0; i < N; i++) {
		bad += *pattern != TESTDEV_PATTERN;
		*scratch = 0x5a00 + i;
	}
	uint64_t last = *scratch;
	uint64_t reads = fast(R_MMIO_READ) - r0, writes = fast(R_MMIO_WRITE) - w0;
	check("the test device's pattern each time", bad == 0);
	check("the last store reached the scratch register", last == 0x5a00 + N - 1);
	check("... reads on the fast path", reads == N + 1);
	check("... writes on the fast path", writes == N);

	/* The zero register as the access's register (SRT = 31, DDI 0487 D17.2.37): a load
	 * into XZR discards the value, a store of WZR/XZR writes zero. Both on the fast path;
	 * nothing else changes: SP_EL0 (which follows x30 in the hypervisor's saved registers)
	 * keeps its value. */
	uint64_t sp0 = 0x5eed0000cafe0000ull, sp0_after;
	SYSREG_WRITE(sp_el0, sp0);
	*scratch = 0x77;
	r0 = fast(R_MMIO_READ);
	w0 = fast(R_MMIO_WRITE);
	__asm__ volatile("ldr xzr, [%0]\n\tldr wzr, [%0]\n\tstr wzr, [%1]"
			 :
			 : "r"(pattern), "r"(scratch)
			 : "memory");
	sp0_after = SYSREG_READ(sp_el0);
	reads = fast(R_MMIO_READ) - r0;
	writes = fast(R_MMIO_WRITE) - w0;
	check("loads into XZR / WZR and a store of WZR on the fast path", reads == 2 && writes == 1);
	check("... the store of WZR wrote zero", *scratch == 0);
	check("... SP_EL0 unchanged", sp0_after == sp0);

	/* vGIC registers: GICD_TYPER (ITLinesNumber 1: 32 SPIs), GICR_TYPER (Last, vcpu 0),
	 * GICR_IPRIORITYR written and read back, GICR_ISENABLER0 written. */
	r0 = fast(R_MMIO_READ);
	w0 = fast(R_MMIO_WRITE);
	uint32_t typer = *(volatile uint32_t *)(GICD + 4);
	uint64_t rtyper = *(volatile uint64_t *)(GICR + 8);
	volatile uint8_t *prio = (volatile uint8_t *)(GICR_SGI(0) + 0x400 + SGI_SELF);
	*prio = 0x80;
	uint8_t prio_back = *prio;
	*(volatile uint32_t *)(GICR_SGI(0) + 0x100) = 1u << SGI_SELF; /* GICR_ISENABLER0 */
	reads = fast(R_MMIO_READ) - r0;
	writes = fast(R_MMIO_WRITE) - w0;
	check("GICD_TYPER: ITLinesNumber 1", (typer & 0x1f) == 1);
	check("GICR_TYPER of vcpu 0: Last, Processor_Number 0", (rtyper & 0xffff10) == 0x10);
	check("GICR_IPRIORITYR of the SGI reads back", prio_back == 0x80);
	check("... vGIC reads on the fast path", reads == 3);
	check("... vGIC writes on the fast path", writes == 2);

	/* An SGI to itself: ICC_SGI1R_EL1 (IHI 0069 12.2.22), TargetList bit 0, sent by the
	 * vGIC on the fast path; it arrives once, and in the handler the acknowledged SGI reads
	 * as active and not pending. */
	uint64_t s0 = fast(R_SYSREG_WRITE);
	SYSREG_WRITE(S3_0_C12_C11_5, ((uint64_t)SGI_SELF << 24) | 1u);
	__asm__ volatile("isb");
	for (unsigned i = 0; sgi_seen == 0 && i < 1000000; i++)
		__asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
	check("the SGI to itself arrived once", sgi_seen == 1 && other_seen == 0);
	check("... the SGI write was completed on the fast path", fast(R_SYSREG_WRITE) - s0 == 1);
	check("in its handler the SGI read active (GICR_ISACTIVER0)",
	      (active_in_handler >> SGI_SELF) & 1u);
	check("... and not pending (GICR_ISPENDR0)", !((pending_in_handler >> SGI_SELF) & 1u));
	check("after its end it is no longer active",
	      !((*(volatile uint32_t *)(GICR_SGI(0) + 0x300) >> SGI_SELF) & 1u));

	/* Another round of SGIs: each arrives exactly once. */
	s0 = fast(R_SYSREG_WRITE);
	for (unsigned i = 0; i < 10; i++) {
		uint64_t before = sgi_seen;
		SYSREG_WRITE(S3_0_C12_C11_5, ((uint64_t)SGI_SELF << 24) | 1u);
		__asm__ volatile("isb");
		for (unsigned k = 0; sgi_seen == before && k < 1000000; k++)
			__asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
	}
	check("ten more SGIs to itself, each once", sgi_seen == 11 && other_seen == 0);
	check("... all sent on the fast path", fast(R_SYSREG_WRITE) - s0 == 10);

	/* The virtual timer's PPI, disabled at the redistributor so that it stays queued: its
	 * pending bit is its timer's output (IHI 0069 4.1.2: a level-sensitive interrupt is
	 * pending while asserted). Deadline already passed: asserted, and the physical PPI
	 * makes an exit at once. Then the guest disables the timer, with no exit: the output
	 * falls, and the next read must say so (GICR_ISPENDR0 12.11.7). */
	volatile uint32_t *ispendr0 = (volatile uint32_t *)(GICR_SGI(0) + 0x200);
	*(volatile uint32_t *)(GICR_SGI(0) + 0x180) = 1u << VTIMER; /* GICR_ICENABLER0 */
	SYSREG_WRITE(cntv_cval_el0, 0);
	SYSREG_WRITE(cntv_ctl_el0, 1); /* ENABLE, not masked: ISTATUS = 1 */
	__asm__ volatile("isb");
	for (volatile unsigned i = 0; i < 10000; i++) /* the physical PPI's exit comes */
		;
	uint32_t high = *ispendr0;
	SYSREG_WRITE(cntv_ctl_el0, 0); /* the output falls, without an exit */
	__asm__ volatile("isb");
	uint32_t low = *ispendr0, low_again = *ispendr0;
	check("the asserted timer PPI reads pending", (high >> VTIMER) & 1u);
	check("once the guest disabled its timer it reads not pending",
	      !((low >> VTIMER) & 1u) && !((low_again >> VTIMER) & 1u));
	check("no interrupt was taken meanwhile", sgi_seen == 11 && other_seen == 0);
}
