/* The interrupt lifecycle with two vcpus: no interrupt is lost or parked.
 *
 *  - An SGI raised again at a vcpu while its previous instance is active there (the guest
 *    acknowledged it and has not ended it) is delivered right after the EOI, with nothing
 *    else making the vcpu exit (IHI 0069 4.1.2: active and pending becomes pending at the
 *    deactivation); likewise an SPI pended again through GICD_ISPENDR, an edge SPI whose
 *    device line rises again, and a level SPI whose line is still high at the EOI (4.1: a
 *    level-sensitive interrupt is pending while asserted).
 *  - Two vcpus ping-pong SGIs (pingpong=N on the command line, 100000 by default): vcpu 0
 *    sends PING, vcpu 1's handler answers PONG; vcpu 0 waits in WFI a bounded time (5 s, a
 *    virtual timer watchdog) for each answer, so a lost SGI is a FAIL naming the round, not
 *    a hang. Four phases: between PINGs vcpu 1 sleeps in WFI (it exits) or spins with
 *    interrupts unmasked (nothing makes it exit), and it ends each PING at once or only after
 *    a delay, so that the next PING arrives while the last one is still active. The average
 *    round trip of each phase is printed. (vcpu 0 does not spin: under TCG on a loaded
 *    machine two spinning vcpu threads measure the host's scheduler, not the GIC.)
 *  - An SPI pended at vcpu 1 while vcpu 1 has interrupts masked reads pending, not active,
 *    in GICD_ISPENDR/ISACTIVER; vcpu 1 then turns off without ever taking it, and routed to
 *    vcpu 0 the SPI is delivered there (it was never acknowledged, so it is still pending).
 *
 * The same image also runs directly at EL1 on QEMU (scripts/qemu.sh aarch64-el1 IMAGE
 * --smp 2), against QEMU's own GICv3: the parts that need the example's test device are
 * skipped there. That is the reference the round trip is compared with. */
#include "guest.h"

#define SGI_PING 1   /* vcpu 0 -> vcpu 1 */
#define SGI_PONG 2   /* vcpu 1 -> vcpu 0 */
#define SGI_AGAIN 3  /* vcpu 0 to itself, raised again while active */
#define SPI_DEV 40   /* edge; the test device's line rises again while it is active */
#define SPI_LEVEL 41 /* level; the test device's line is still high at the first EOI */
#define SPI_PEND 42  /* edge; pended again through GICD_ISPENDR while active */
#define SPI_FLIGHT 43 /* pended at vcpu 1 while it is masked, then routed to vcpu 0 */
#define VTIMER 27    /* vcpu 0's watchdog */

enum { CMD_WFI, CMD_SPIN, CMD_MASKED, CMD_OFF };

static volatile uint64_t pings, pongs, timed_out, unexpected, unexpected_id;
static volatile uint64_t again, again_pend, again_act, spi_pend_n, spi_pend_state;
static volatile uint64_t dev_n, level_n, flight_n;
static volatile uint32_t cmd1, vcpu1_ready, vcpu1_masked, pong_delay;
static bool hyp;

static inline uint64_t now(void)
{
	uint64_t v;
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v));
	return v;
}

static uint64_t freq(void)
{
	return SYSREG_READ(cntfrq_el0);
}

static inline void send_sgi(uint64_t intid, unsigned cpu)
{
	/* ICC_SGI1R_EL1: INTID [27:24], Aff1 [23:16] = 0, TargetList [15:0]. */
	SYSREG_WRITE(S3_0_C12_C11_5, (intid << 24) | (1u << cpu));
	__asm__ volatile("isb" ::: "memory");
}

static inline uint32_t rd32(uint64_t a)
{
	return *(volatile uint32_t *)a;
}

static inline void wr32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

static void spin(unsigned n)
{
	for (volatile unsigned i = 0; i < n; i++)
		;
}

static void testdev_line(uint64_t intid)
{
	*(volatile uint64_t *)(TESTDEV + 24) = intid;
}

static uint32_t spi_bit(uint32_t id)
{
	return 1u << (id % 32);
}

static void irq(struct frame *f)
{
	(void)f;
	uint64_t id = SYSREG_READ(S3_0_C12_C12_0) & 0xffffff; /* ICC_IAR1_EL1 */
	if (id >= 1020)
		return;
	unsigned cpu = (unsigned)(SYSREG_READ(mpidr_el1) & 0xff);
	if (cpu == 1 && id == SGI_PING) {
		pings++;
		send_sgi(SGI_PONG, 0);
		if (pong_delay)
			spin(pong_delay); /* still active when the next PING comes */
	} else if (cpu == 0 && id == SGI_PONG) {
		pongs++;
	} else if (cpu == 0 && id == SGI_AGAIN) {
		if (++again == 1) {
			send_sgi(SGI_AGAIN, 0);
			again_pend = rd32(GICR_SGI(0) + 0x200) >> SGI_AGAIN & 1; /* GICR_ISPENDR0 */
			again_act = rd32(GICR_SGI(0) + 0x300) >> SGI_AGAIN & 1;  /* GICR_ISACTIVER0 */
		}
	} else if (cpu == 0 && id == SPI_PEND) {
		if (++spi_pend_n == 1) {
			wr32(GICD + 0x204, spi_bit(SPI_PEND)); /* GICD_ISPENDR1 */
			spi_pend_state = (rd32(GICD + 0x204) & spi_bit(SPI_PEND) ? 1 : 0) |
					 (rd32(GICD + 0x304) & spi_bit(SPI_PEND) ? 2 : 0);
		}
	} else if (cpu == 0 && id == SPI_DEV) {
		if (++dev_n == 1)
			testdev_line(SPI_DEV); /* low, then high again: a second edge */
		else
			testdev_line(0);
	} else if (cpu == 0 && id == SPI_LEVEL) {
		if (++level_n >= 2)
			testdev_line(0); /* the first time the line stays high over the EOI */
	} else if (cpu == 0 && id == SPI_FLIGHT) {
		flight_n++;
	} else if (cpu == 0 && id == VTIMER) {
		timed_out = 1;
		SYSREG_WRITE(cntv_ctl_el0, 0);
		__asm__ volatile("isb");
	} else {
		unexpected++;
		unexpected_id = id | (uint64_t)cpu << 32;
	}
	SYSREG_WRITE(S3_0_C12_C12_1, id); /* ICC_EOIR1_EL1 */
}

/* ---- vcpu 1: answers PINGs; masks, or turns off, when told -------------------------------- */

void secondary_main(uint64_t ctx)
{
	(void)ctx;
	gic_init_os(1);
	wr32(GICR_SGI(1) + 0x400, 0xa0a0a0a0u); /* IPRIORITYR0: SGIs 0-3 */
	wr32(GICR_SGI(1) + 0x100, 1u << SGI_PING);
	vcpu1_ready = 1;
	__asm__ volatile("msr daifclr, #2" ::: "memory");
	for (;;) {
		uint32_t c = cmd1;
		if (c == CMD_WFI) {
			__asm__ volatile("wfi" ::: "memory");
		} else if (c == CMD_MASKED || c == CMD_OFF) {
			__asm__ volatile("msr daifset, #2" ::: "memory");
			vcpu1_masked = 1;
			while (cmd1 != CMD_OFF)
				;
			hvc6(0x84000002u, 0, 0, 0, 0, 0, 0); /* PSCI CPU_OFF, never taking SPI_FLIGHT */
		}
		/* CMD_SPIN: interrupts unmasked, nothing that exits */
	}
}

/* ---- vcpu 0 ------------------------------------------------------------------------------ */

static void watchdog(uint64_t ticks)
{
	SYSREG_WRITE(cntv_cval_el0, now() + ticks);
	SYSREG_WRITE(cntv_ctl_el0, 1);
	__asm__ volatile("isb");
}

/* Wait up to @ms for *v >= want with interrupts unmasked, spinning on memory only. */
static bool wait_for(volatile uint64_t *v, uint64_t want, uint64_t ms)
{
	uint64_t end = now() + freq() * ms / 1000;
	__asm__ volatile("msr daifclr, #2" ::: "memory");
	while (*v < want && now() < end)
		;
	__asm__ volatile("msr daifset, #2" ::: "memory");
	return *v >= want;
}

static void spi_setup(uint32_t id, bool edge, uint64_t route)
{
	volatile uint32_t *icfgr = (volatile uint32_t *)(GICD + 0xc00 + 4 * (id / 16));
	uint32_t bit = 2u << (2 * (id % 16)); /* Int_config[1]: 1 edge, 0 level */
	*icfgr = edge ? *icfgr | bit : *icfgr & ~bit;
	*(volatile uint8_t *)(GICD + 0x400 + id) = 0x80;          /* GICD_IPRIORITYR */
	*(volatile uint64_t *)(GICD + 0x6000 + 8 * id) = route;   /* GICD_IROUTER: Aff0 */
	wr32(GICD + 0x100 + 4 * (id / 32), spi_bit(id));           /* GICD_ISENABLER */
}

static void test_sgi_again(void)
{
	again = 0;
	send_sgi(SGI_AGAIN, 0);
	bool twice = wait_for(&again, 2, 200);
	check("an SGI raised again while active is delivered again after its EOI", twice &&
											   again == 2);
	check("raised again while active, it reads pending and active (GICR_ISPENDR0, "
	      "GICR_ISACTIVER0)",
	      again_pend == 1 && again_act == 1);
}

static void test_spi_again(void)
{
	spi_setup(SPI_PEND, true, 0);
	wr32(GICD + 0x204, spi_bit(SPI_PEND)); /* GICD_ISPENDR1 */
	bool twice = wait_for(&spi_pend_n, 2, 200);
	check("an SPI pended again (GICD_ISPENDR) while active is delivered again after its EOI",
	      twice && spi_pend_n == 2);
	check("pended again while active, it reads pending and active (GICD_ISPENDR, "
	      "GICD_ISACTIVER)",
	      spi_pend_state == 3);
	if (!hyp)
		return;
	spi_setup(SPI_DEV, true, 0);
	testdev_line(SPI_DEV);
	twice = wait_for(&dev_n, 2, 200);
	check("an edge SPI whose device line rises again while active is delivered again", twice &&
												dev_n == 2);
	spi_setup(SPI_LEVEL, false, 0);
	testdev_line(SPI_LEVEL);
	twice = wait_for(&level_n, 2, 200);
	(void)wait_for(&level_n, 3, 50);
	check("a level SPI whose line is still high at its EOI is delivered again, once",
	      twice && level_n == 2);
}

static uint64_t pingpong_phase(uint64_t n, bool spin1, unsigned delay, uint64_t *lost_round)
{
	cmd1 = spin1 ? CMD_SPIN : CMD_WFI;
	pong_delay = delay;
	uint64_t t0 = now(), limit = freq() * 5;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t want = pongs + 1;
		watchdog(limit);
		send_sgi(SGI_PING, 1);
		/* Masked check, then WFI: a PONG pending while masked still ends the WFI. */
		while (pongs < want && !timed_out) {
			__asm__ volatile("wfi" ::: "memory");
			__asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
		}
		if (pongs < want) {
			*lost_round = i + 1;
			break;
		}
	}
	SYSREG_WRITE(cntv_ctl_el0, 0);
	return now() - t0;
}

static void test_pingpong(uint64_t total)
{
	static const struct {
		bool spin1;
		unsigned delay;
		const char *what;
	} phase[4] = {
		{false, 0, "vcpu 1 in WFI, PING ended at once"},
		{true, 0, "vcpu 1 spinning, PING ended at once"},
		{false, 400, "vcpu 1 in WFI, PING ended late"},
		{true, 400, "vcpu 1 spinning, PING ended late"},
	};
	uint64_t per = total / 4;
	bool ok = true;
	for (int p = 0; p < 4 && ok && per; p++) {
		uint64_t lost = 0, pings0 = pings, pongs0 = pongs;
		uint64_t ticks = pingpong_phase(per, phase[p].spin1, phase[p].delay, &lost);
		if (lost) {
			printf_("FAIL pingpong (%s): round %u of %u: no PONG within 5 s (vcpu 1 got %u "
				"PINGs, vcpu 0 %u PONGs this phase): an SGI was lost\n",
				phase[p].what, lost, per, pings - pings0, pongs - pongs0);
			nfail++;
			ok = false;
			break;
		}
		printf_("pingpong (%s): %u round trips, %u ns each on average\n", phase[p].what,
			per, ticks * 1000000000ull / freq() / (per ? per : 1));
	}
	check("ping-pong: every SGI answered", ok && pings == pongs && pongs == per * 4);
}

static void test_in_flight(void)
{
	spi_setup(SPI_FLIGHT, true, 1); /* to vcpu 1 */
	cmd1 = CMD_MASKED;
	send_sgi(SGI_PING, 1); /* wakes vcpu 1 if it sleeps in WFI: it then masks */
	uint64_t end = now() + freq();
	while (!vcpu1_masked && now() < end)
		;
	check("vcpu 1 masked its interrupts", vcpu1_masked);
	wr32(GICD + 0x204, spi_bit(SPI_FLIGHT)); /* GICD_ISPENDR1 */
	/* vcpu 1 runs on, masked: the SPI reaches its CPU interface but is never acknowledged. */
	bool pend = true, act = false;
	for (int k = 0; k < 20; k++) {
		uint64_t t = now() + freq() / 200;
		while (now() < t)
			;
		pend = pend && (rd32(GICD + 0x204) & spi_bit(SPI_FLIGHT));
		act = act || (rd32(GICD + 0x304) & spi_bit(SPI_FLIGHT));
	}
	check("an SPI at a vcpu that has not acknowledged it reads pending, not active", pend &&
											   !act);
	cmd1 = CMD_OFF;
	uint64_t state = 0;
	end = now() + 5 * freq();
	while ((state = hvc6(0xc4000004u, 1, 0, 0, 0, 0, 0)) != 1 && now() < end)
		;
	check("vcpu 1 turned off (AFFINITY_INFO)", state == 1);
	*(volatile uint64_t *)(GICD + 0x6000 + 8 * SPI_FLIGHT) = 0; /* to vcpu 0 */
	bool got = wait_for(&flight_n, 1, 500);
	check("never acknowledged by vcpu 1, the SPI is delivered at vcpu 0 once routed there",
	      got && flight_n == 1);
}

void guest_main(uint64_t dtb)
{
	on_irq = irq;
	hyp = dtb_is_libaxv(dtb);
	uint64_t n = bootarg_u64(dtb, "pingpong", 100000);
	printf_("irqlife: %s, %u ping-pong round trips\n",
		hyp ? "under the example hypervisor" : "bare QEMU at EL1", n);
	gic_init_os(0);
	wr32(GICR_SGI(0) + 0x400, 0xa0a0a0a0u);       /* IPRIORITYR0: SGIs 0-3 */
	*(volatile uint8_t *)(GICR_SGI(0) + 0x400 + VTIMER) = 0x90;
	wr32(GICR_SGI(0) + 0x100, 1u << SGI_PONG | 1u << SGI_AGAIN | 1u << VTIMER);

	uint64_t rc = hvc6(0xc4000003u, 1, (uint64_t)(uintptr_t)secondary_start, 0, 0, 0, 0);
	check("vcpu 1 started (PSCI CPU_ON)", rc == 0);
	uint64_t end = now() + 5 * freq();
	while (!vcpu1_ready && now() < end)
		;

	test_sgi_again();
	test_spi_again();
	test_pingpong(n);
	test_in_flight();
	check("no unexpected interrupt", unexpected == 0);
	if (unexpected)
		printf_("unexpected: %u, the last INTID %u on vcpu %u\n", unexpected,
			unexpected_id & 0xffffffff, unexpected_id >> 32);
	power_off_hvc();
}
