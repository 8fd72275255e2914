/*
 * The exit-cost benchmark's guest (scripts/bench-exit.sh), also a test of the suite 'qemu':
 * it times round trips of each exit kind with the virtual counter and checks every result.
 * It runs unchanged under the example hypervisor (libaxv) and under the floor
 * (bench/exit/floor.c), on 2 vcpus.
 *
 * Each kind runs BATCHES batches of n round trips; the figure is the best batch's mean in
 * nanoseconds (CNTVCT_EL0 ticks at CNTFRQ_EL0), printed as "exit.<kind>_ns <value>":
 *   hvc_null       HVC 0x1002, the example's null hypercall (returns 0)
 *   psci_version   HVC PSCI_VERSION (DEN 0022D.b 5.3: 1.0 here, 0x10000)
 *   sysreg_read    MRS OSLSR_EL1, trapped (MDCR_EL2.TDOSA) and emulated: the reset value
 *                  0xa (OSLM = 0b10, OSLK = 1; DDI 0487 "OSLSR_EL1")
 *   mmio_read      a 64-bit load of the test device's pattern (0x0a10_0000)
 *   mmio_write     a 64-bit store to its scratch register (read back afterwards)
 *   gicd_read      a load of GICD_TYPER (IHI 0069 12.9.38): ITLinesNumber 1 (32 SPIs)
 *   sgi_roundtrip  vcpu 0 sends SGI 2 to vcpu 1 (ICC_SGI1R_EL1), whose handler ends it
 *                  (EOI) and sends SGI 1 back; from the send to vcpu 0's handler having run
 *                  (vcpu 0 spins with interrupts unmasked, vcpu 1 waits in WFI)
 *   timer          virtual timer interrupt latency: CNTV_CVAL_EL0 programmed 50 us ahead,
 *                  vcpu 0 spins with interrupts unmasked; from the deadline to the first
 *                  instruction of the interrupt handler in C
 */
#include "guest.h"

#define HC_NULL 0x1002u
#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0xc4000003u
#define BATCHES 5
#define N_FAST 1000
#define N_SLOW 100
#define SGI_PONG 1 /* vcpu 1 -> vcpu 0 */
#define SGI_PING 2 /* vcpu 0 -> vcpu 1 */
#define VTIMER 27
#define GICR_SGI_BASE(cpu) (GICR + (cpu) * 0x20000ul + 0x10000)
#define TESTDEV_PATTERN 0x8182838485868788ull
#define GICD_TYPER_ITLINES 1 /* the example's 32 SPIs (config.h GUEST_SPIS): INTIDs to 63 */

static uint64_t frq;
static volatile uint64_t pongs, pings, spurious, vcpu1_up, stop;
static volatile uint64_t timer_fired, timer_at;

static inline uint64_t count(void)
{
	uint64_t v;
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static void send_sgi(uint64_t intid, unsigned cpu)
{
	/* ICC_SGI1R_EL1: INTID [27:24], Aff3/2/1 = 0, TargetList [15:0] (Aff0 = cpu). */
	SYSREG_WRITE(S3_0_C12_C11_5, (intid << 24) | (1u << cpu));
	__asm__ volatile("isb");
}

static void irq(struct frame *f)
{
	(void)f;
	uint64_t t = count();
	uint64_t intid = SYSREG_READ(S3_0_C12_C12_0) & 0xffffff; /* ICC_IAR1_EL1 */
	if (intid == VTIMER) {
		SYSREG_WRITE(cntv_ctl_el0, 0); /* quiet the timer before EOI */
		timer_at = t;
		timer_fired++;
	} else if (intid == SGI_PONG) {
		pongs++;
	} else if (intid == SGI_PING) {
		/* Ended before the pong goes: the next ping never finds this one active. */
		pings++;
		SYSREG_WRITE(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
		send_sgi(SGI_PONG, 0);
		return;
	} else if (intid < 1020) {
		spurious++;
	}
	if (intid < 1020)
		SYSREG_WRITE(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
}

/* vcpu 1: answer pings until told to stop, then CPU_OFF. */
void secondary_main(uint64_t ctx)
{
	(void)ctx;
	gic_cpu_init();
	*(volatile uint32_t *)(GICR_SGI_BASE(1) + 0x100) = 1u << SGI_PING; /* ISENABLER0 */
	vcpu1_up = 1;
	while (!stop) {
		__asm__ volatile("wfi");
		__asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
	}
	hvc6(PSCI_CPU_OFF, 0, 0, 0, 0, 0, 0);
	puts_("FAIL CPU_OFF returned\n");
}

/* ---- one function per kind: n round trips; returns the wrong results, adds the ticks ----- */

static uint64_t k_hvc_null(unsigned n, uint64_t *ticks)
{
	uint64_t bad = 0, t0 = count();
	for (unsigned i = 0; i < n; i++)
		bad += hvc6(HC_NULL, 0, 0, 0, 0, 0, 0) != 0;
	*ticks += count() - t0;
	return bad;
}

static uint64_t k_psci_version(unsigned n, uint64_t *ticks)
{
	uint64_t bad = 0, t0 = count();
	for (unsigned i = 0; i < n; i++)
		bad += hvc6(PSCI_VERSION, 0, 0, 0, 0, 0, 0) != 0x10000;
	*ticks += count() - t0;
	return bad;
}

static uint64_t k_sysreg_read(unsigned n, uint64_t *ticks)
{
	uint64_t bad = 0, t0 = count();
	for (unsigned i = 0; i < n; i++)
		bad += SYSREG_READ(oslsr_el1) != 0xa;
	*ticks += count() - t0;
	return bad;
}

static uint64_t k_mmio_read(unsigned n, uint64_t *ticks)
{
	volatile uint64_t *pattern = (volatile uint64_t *)TESTDEV;
	uint64_t bad = 0, t0 = count();
	for (unsigned i = 0; i < n; i++)
		bad += *pattern != TESTDEV_PATTERN;
	*ticks += count() - t0;
	return bad;
}

static uint64_t k_mmio_write(unsigned n, uint64_t *ticks)
{
	volatile uint64_t *scratch = (volatile uint64_t *)(TESTDEV + 8);
	uint64_t t0 = count();
	for (unsigned i = 0; i < n; i++)
		*scratch = 0x5a5a000000000000ull + i;
	*ticks += count() - t0;
	/* The last store arrived, as 8 bytes (the device's last-width register). */
	return (*scratch != 0x5a5a000000000000ull + n - 1) +
	       (*(volatile uint64_t *)(TESTDEV + 16) != 8);
}

static uint64_t k_gicd_read(unsigned n, uint64_t *ticks)
{
	volatile uint32_t *typer = (volatile uint32_t *)(GICD + 4);
	uint64_t bad = 0, t0 = count();
	for (unsigned i = 0; i < n; i++)
		bad += (*typer & 0x1f) != GICD_TYPER_ITLINES;
	*ticks += count() - t0;
	return bad;
}

static uint64_t k_sgi_roundtrip(unsigned n, uint64_t *ticks)
{
	uint64_t bad = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t before = pongs, t0 = count();
		send_sgi(SGI_PING, 1);
		__asm__ volatile("msr daifclr, #2" ::: "memory");
		while (pongs == before && count() - t0 < frq) /* at most a second */
			;
		__asm__ volatile("msr daifset, #2" ::: "memory");
		*ticks += count() - t0;
		if (pongs != before + 1)
			return bad + 1; /* lost: do not wait a second for each of the rest */
	}
	return bad;
}

static uint64_t k_timer(unsigned n, uint64_t *ticks)
{
	uint64_t bad = 0, ahead = frq / 20000; /* 50 us */
	for (unsigned i = 0; i < n; i++) {
		uint64_t before = timer_fired, start = count(), deadline = start + ahead;
		SYSREG_WRITE(cntv_cval_el0, deadline);
		SYSREG_WRITE(cntv_ctl_el0, 1); /* ENABLE, not masked */
		__asm__ volatile("isb\n\tmsr daifclr, #2" ::: "memory");
		while (timer_fired == before && count() - start < frq) /* at most a second */
			;
		__asm__ volatile("msr daifset, #2" ::: "memory");
		if (timer_fired != before + 1 || timer_at < deadline) {
			SYSREG_WRITE(cntv_ctl_el0, 0);
			return bad + 1;
		}
		*ticks += timer_at - deadline;
	}
	return bad;
}

/* ---- the harness ------------------------------------------------------------------------- */

static void measure(const char *kind, uint64_t (*fn)(unsigned, uint64_t *), unsigned n,
		    const char *what)
{
	uint64_t best = ~0ull, bad = 0;
	for (unsigned b = 0; b < BATCHES && bad == 0; b++) {
		uint64_t ticks = 0;
		bad += fn(n, &ticks);
		if (ticks < best)
			best = ticks;
	}
	/* tenths of a nanosecond per round trip */
	uint64_t ns10 = best * 10000000000ull / frq / n;
	printf_("exit.%s_ns %u.%u (best of %u batches of %u)\n", kind, ns10 / 10, ns10 % 10,
		(uint64_t)BATCHES, (uint64_t)n);
	check(what, bad == 0);
}

void guest_main(uint64_t dtb)
{
	(void)dtb;
	on_irq = irq;
	frq = SYSREG_READ(cntfrq_el0);
	gic_cpu_init();
	/* vcpu 0's redistributor: the pong SGI and the virtual timer PPI (priority, enable). */
	*(volatile uint8_t *)(GICR_SGI_BASE(0) + 0x400 + VTIMER) = 0xa0;
	*(volatile uint32_t *)(GICR_SGI_BASE(0) + 0x100) = (1u << SGI_PONG) | (1u << VTIMER);

	measure("hvc_null", k_hvc_null, N_FAST, "hvc_null: every null hypercall returned 0");
	measure("psci_version", k_psci_version, N_FAST,
		"psci_version: every PSCI_VERSION returned 1.0");
	measure("sysreg_read", k_sysreg_read, N_FAST,
		"sysreg_read: every OSLSR_EL1 read gave OSLM = 0b10, OSLK = 1");
	measure("mmio_read", k_mmio_read, N_FAST,
		"mmio_read: every load of the test device gave its pattern");
	measure("mmio_write", k_mmio_write, N_FAST,
		"mmio_write: the last store reached the test device's scratch, 8 bytes wide");
	measure("gicd_read", k_gicd_read, N_FAST,
		"gicd_read: every GICD_TYPER read gave ITLinesNumber 1");
	measure("timer", k_timer, N_SLOW,
		"timer: each deadline gave one interrupt, never early");

	uint64_t rc = hvc6(PSCI_CPU_ON, 1, (uint64_t)(uintptr_t)secondary_start, 0, 0, 0, 0);
	check("PSCI CPU_ON of vcpu 1 succeeded", rc == 0);
	uint64_t t0 = count();
	while (!vcpu1_up && count() - t0 < 10 * frq)
		;
	check("vcpu 1 came up", vcpu1_up == 1);
	measure("sgi_roundtrip", k_sgi_roundtrip, N_SLOW,
		"sgi_roundtrip: every ping was answered by one pong");
	check("vcpu 1 took every ping once", pings == (uint64_t)BATCHES * N_SLOW);
	stop = 1;
	send_sgi(SGI_PING, 1); /* wake it: it turns itself off */
	check("no other interrupt arrived", spurious == 0);
}
