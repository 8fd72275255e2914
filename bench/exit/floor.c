/*
 * floor-el2: the floor of the exit-cost benchmark (scripts/bench-exit.sh).
 *
 * A minimal EL2 program for QEMU's virt machine, built only for the benchmark and using no
 * part of libaxv. It runs the benchmark guest (bench/exit/guest.c) at EL1 and answers each of
 * its exits in place, at EL2, then returns to it: the vector saves the guest's general
 * registers on the EL2 stack, floor_sync() answers, the registers come back, ERET. No EL1
 * system register, FP/SIMD, timer or GIC state is saved or switched, there is no vcpu, no
 * exit structure, no device bus and no virtual GIC: what is left is the cost of the trap
 * itself under QEMU, plus a switch on the syndrome. What each figure of the floor means:
 *
 *   hvc_null, psci_version   HVC, answered with a constant (0; PSCI 1.0) in x0.
 *   sysreg_read              MRS OSLSR_EL1, trapped by MDCR_EL2.TDOSA, answered with the
 *                            reset value (OSLM = 0b10, OSLK = 1: 0xa).
 *   mmio_read, mmio_write    a load or store to the test device at 0x0a10_0000 (not mapped
 *                            at stage 2): the data abort's syndrome gives the register and
 *                            width (ISV = 1), the device is a switch on the address.
 *   gicd_read                a load from the distributor at 0x0800_0000 (not mapped): the
 *                            value comes from a four-entry table (the identification
 *                            registers of the example's vGIC with its 32 SPIs).
 *   sgi_roundtrip, timer     no exit at all: the guest has the machine's own GIC CPU
 *                            interface (HCR_EL2.IMO/FMO clear, ICC_SRE_EL2.Enable set) and
 *                            redistributors (mapped at stage 2), so SGIs and the virtual
 *                            timer's PPI are delivered by QEMU's GICv3 straight to EL1 and
 *                            WFI is not trapped: these are bare QEMU's figures at EL1.
 *
 * Memory: stage 2 is an identity map of the guest's 2 MiB of RAM at 0x4000_0000 (the guest,
 * an arm64 Image, runs at 0x4008_0000: QEMU's generic loader puts it at 0x5000_0000 with its
 * size in the word at 0x540f_fff0, as scripts/qemu.sh's aarch64-hyp machine does for the
 * example, and the floor copies it), the UART (0x0900_0000, passed through) and the
 * redistributors; the distributor and the test device are left unmapped so their accesses
 * trap. The guest's PSCI CPU_ON, CPU_OFF and SYSTEM_OFF become the same calls to QEMU's
 * firmware (SMC), so vcpu n is physical cpu n.
 *
 * References: DDI 0487 D17.2 (HCR_EL2, MDCR_EL2, VTCR_EL2, VTTBR_EL2, ESR_EL2 and the ISS
 * encodings of D17.2.37, HPFAR_EL2), D8.3 (translation table descriptors, stage 2 attributes);
 * IHI 0069 (GICv3: GICD_CTLR, GICR_WAKER, GICR_IGROUPR0, ICC_SRE_EL2); DEN 0022 (PSCI).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART 0x09000000ull
#define GICD 0x08000000ull
#define GICR 0x080a0000ull
#define GICR_STRIDE 0x20000ull
#define TESTDEV 0x0a100000ull
#define GUEST_IMAGE 0x50000000ull      /* scripts/qemu.sh aarch64-hyp: the guest image */
#define GUEST_IMAGE_SIZE 0x540ffff0ull /* ... and its size in a 32-bit word */
#define GUEST_RAM 0x40000000ull        /* identity: one 2 MiB block at stage 2 */
#define GUEST_RAM_SIZE 0x200000ull
#define GUEST_ENTRY 0x40080000ull      /* RAM + 0x80000, where QEMU's -kernel puts an Image */
#define NR_CPUS 2

#define HC_NULL 0x1002u /* the example's null hypercall (examples/aarch64-virt/main.c) */
#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON_32 0x84000003u
#define PSCI_CPU_ON_64 0xc4000003u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_VERSION_1_0 0x10000u
#define PSCI_NOT_SUPPORTED ((uint64_t)-1)
#define PSCI_INVALID_PARAMETERS ((uint64_t)-2)
#define PSCI_ALREADY_ON ((uint64_t)-4)

void floor_main(unsigned cpu);
void floor_sync(uint64_t *x);
void floor_bad(uint64_t kind);
uint64_t floor_stack_top(unsigned cpu);
_Noreturn void floor_enter(uint64_t pc, uint64_t x0, uint64_t sp);
void floor_secondary_entry(void);
extern const char floor_vectors[];

#define RD(reg)                                                                            \
	({                                                                                 \
		uint64_t v_;                                                               \
		__asm__ volatile("mrs %0, " #reg : "=r"(v_));                              \
		v_;                                                                        \
	})
#define WR(reg, v) __asm__ volatile("msr " #reg ", %0" : : "r"((uint64_t)(v)) : "memory")

static inline uint32_t rd32(uint64_t a)
{
	return *(volatile uint32_t *)(uintptr_t)a;
}

static inline void wr32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)a = v;
}

/* ---- console (PL011: DR at 0, FR at 0x18, FR.TXFF bit 5) and the way out ---------------- */

static void putc_(char c)
{
	if (c == '\n')
		putc_('\r');
	while (rd32(UART + 0x18) & (1u << 5))
		;
	wr32(UART, (uint8_t)c);
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void puthex(uint64_t v)
{
	puts_("0x");
	for (int i = 60; i >= 0; i -= 4)
		putc_("0123456789abcdef"[(v >> i) & 0xf]);
}

static uint64_t psci_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fid;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x0;
}

static _Noreturn void poweroff(void)
{
	psci_smc(PSCI_SYSTEM_OFF, 0, 0, 0); /* QEMU exits with status 0 */
	for (;;)
		__asm__ volatile("wfi");
}

static _Noreturn void fatal(const char *what, uint64_t v)
{
	puts_("floor-el2: FATAL: ");
	puts_(what);
	puts_(" ");
	puthex(v);
	puts_("\n");
	poweroff();
}

void floor_bad(uint64_t kind)
{
	puts_("floor-el2: FATAL: exception at EL2, vector ");
	puthex(kind);
	puts_(" esr ");
	puthex(RD(esr_el2));
	puts_(" elr ");
	puthex(RD(elr_el2));
	puts_(" far ");
	puthex(RD(far_el2));
	puts_("\n");
	poweroff();
}

/* ---- EL2's own identity map: 0-1 GiB device, 1-2 GiB normal write-back (D8.3) ----------- */

static uint64_t el2_l1[512] __attribute__((aligned(4096)));

static void mmu_tables_el2(void)
{
	/* Level 1 blocks: [1:0] = 0b01, AttrIndx [4:2], SH [9:8] inner, AF [10], XN [54]. */
	el2_l1[0] = 0x00000000ull | 1 | (0u << 2) | (1ull << 10) | (1ull << 54);
	el2_l1[1] = 0x40000000ull | 1 | (1u << 2) | (3u << 8) | (1ull << 10);
}

static void mmu_enable_el2(void)
{
	/* MAIR_EL2: attr0 Device-nGnRnE, attr1 Normal write-back. TCR_EL2: T0SZ 25 (39 bits,
	 * level 1 start), walks inner/outer write-back inner shareable, TG0 4 KiB, PS 40 bits,
	 * RES1 bits 23 and 31. SCTLR_EL2: RES1 bits, M, C, I. */
	WR(mair_el2, 0xff00ull);
	WR(tcr_el2, 25 | (1u << 8) | (1u << 10) | (3u << 12) | (2u << 16) | (1u << 23) | (1ull << 31));
	WR(ttbr0_el2, (uint64_t)(uintptr_t)el2_l1);
	__asm__ volatile("isb\n\ttlbi alle2\n\tdsb ish\n\tisb" : : : "memory");
	WR(sctlr_el2, 0x30c50830ull | 1 | (1u << 2) | (1u << 12));
	__asm__ volatile("isb" : : : "memory");
}

/* ---- stage 2: identity map of what the guest may touch directly (D8.3, stage 2) --------- */

/* Descriptor bits: [1:0] 0b01 block / 0b11 table or page; MemAttr [5:2] (0b1111 Normal
 * write-back, 0b0001 Device-nGnRE); S2AP [7:6] = 0b11 read/write; SH [9:8] = 0b11 inner
 * shareable; AF [10]; XN [54]. */
#define S2_TABLE 3ull
#define S2_NORMAL ((0xfull << 2) | (3ull << 6) | (3ull << 8) | (1ull << 10))
#define S2_DEVICE ((0x1ull << 2) | (3ull << 6) | (1ull << 10) | (1ull << 54))

static uint64_t s2_l1[512] __attribute__((aligned(4096)));
static uint64_t s2_l2_low[512] __attribute__((aligned(4096))); /* 0 - 1 GiB */
static uint64_t s2_l2_ram[512] __attribute__((aligned(4096))); /* 1 - 2 GiB */
static uint64_t s2_l3_gic[512] __attribute__((aligned(4096))); /* 0x0800_0000 + 2 MiB */

static void stage2_build(void)
{
	s2_l1[0] = (uint64_t)(uintptr_t)s2_l2_low | S2_TABLE;
	s2_l1[1] = (uint64_t)(uintptr_t)s2_l2_ram | S2_TABLE;
	s2_l2_ram[0] = GUEST_RAM | 1 | S2_NORMAL;                   /* guest RAM, 2 MiB */
	s2_l2_low[UART >> 21] = UART | 1 | S2_DEVICE;               /* UART (and its 2 MiB) */
	s2_l2_low[GICD >> 21] = (uint64_t)(uintptr_t)s2_l3_gic | S2_TABLE;
	for (uint64_t a = GICR; a < GICR + NR_CPUS * GICR_STRIDE; a += 0x1000)
		s2_l3_gic[(a >> 12) & 511] = a | 3 | S2_DEVICE;     /* the redistributors */
	/* GICD (0x0800_0000) and the test device (0x0a10_0000) stay unmapped: they trap. */
	__asm__ volatile("dsb ishst" : : : "memory");
}

/* VTCR_EL2 (D17.2.172): T0SZ 25 (39-bit IPA), SL0 1 (level 1 start), IRGN0/ORGN0 write-back,
 * SH0 inner shareable, TG0 4 KiB, PS 40 bits, RES1 bit 31. */
#define VTCR (25u | (1u << 6) | (1u << 8) | (1u << 10) | (3u << 12) | (2u << 16) | (1ull << 31))
/* HCR_EL2 (D17.2.48): VM (0), TSC (19: the guest's SMC traps, for SYSTEM_OFF), RW (31).
 * IMO, FMO, AMO and TWI clear: interrupts go to EL1 and WFI runs natively. */
#define HCR ((1ull << 0) | (1ull << 19) | (1ull << 31))
/* MDCR_EL2: TDOSA (10) traps the OS Lock registers, HPMN [4:0] gives EL1 every counter. */
#define MDCR_TDOSA (1ull << 10)

/* ---- the machine's GICv3, handed to EL1 (IHI 0069) -------------------------------------- */

static void gic_init(void)
{
	/* GICD_CTLR: single security state on QEMU virt without EL3 (DS = 1): ARE (4) and
	 * EnableGrp1 (1); wait for RWP (31). */
	wr32(GICD, (1u << 4) | (1u << 1));
	while (rd32(GICD) & (1u << 31))
		;
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		uint64_t rd = GICR + cpu * GICR_STRIDE;
		wr32(rd + 0x14, rd32(rd + 0x14) & ~(1u << 1)); /* GICR_WAKER.ProcessorSleep */
		while (rd32(rd + 0x14) & (1u << 2))            /* ChildrenAsleep */
			;
		wr32(rd + 0x10000 + 0x80, 0xffffffffu); /* GICR_IGROUPR0: SGIs, PPIs Group 1 */
		if (rd32(rd + 0x8) & (1u << 4)) /* GICR_TYPER.Last: QEMU has no more cpus */
			break;
	}
}

/* ---- exits ------------------------------------------------------------------------------- */

static uint64_t testdev_scratch, testdev_width;
static volatile uint64_t secondary_pc, secondary_arg;
static volatile bool secondary_on;

/* The distributor's registers the guest may read, as the example's vGIC with 32 SPIs shows
 * them (ports/aarch64/vgic.c); everything else reads as zero, writes are ignored. */
static const struct {
	uint32_t off, value;
} gicd_table[] = {
	{0x0000, (1u << 6) | (1u << 4) | (1u << 1)}, /* GICD_CTLR: DS, ARE, EnableGrp1 */
	{0x0004, 1u | (9u << 19)},                   /* GICD_TYPER: ITLinesNumber 1, IDbits 9 */
	{0x0008, 0x43bu},                            /* GICD_IIDR: Arm */
	{0xffe8, 0x30u},                             /* GICD_PIDR2: ArchRev 3 */
};

static uint64_t mmio_read(uint64_t ipa)
{
	switch (ipa) {
	case TESTDEV + 0:
		return 0x8182838485868788ull;
	case TESTDEV + 8:
		return testdev_scratch;
	case TESTDEV + 16:
		return testdev_width;
	}
	if (ipa - GICD < 0x10000) {
		for (size_t i = 0; i < sizeof(gicd_table) / sizeof(gicd_table[0]); i++)
			if (gicd_table[i].off == ipa - GICD)
				return gicd_table[i].value;
		return 0;
	}
	fatal("guest read of an unmapped address", ipa);
}

static void mmio_write(uint64_t ipa, unsigned width, uint64_t v)
{
	if (ipa == TESTDEV + 8) {
		testdev_scratch = v;
		testdev_width = width;
	} else if (ipa - GICD >= 0x10000) {
		fatal("guest write to an unmapped address", ipa);
	}
}

/* A data abort with a valid syndrome (ESR_EL2 ISS for data aborts: ISV [24], SAS [23:22],
 * SRT [20:16], SF [15], WnR [6]); the IPA from HPFAR_EL2.FIPA [43:4] (IPA [51:12]) and the
 * low 12 bits of FAR_EL2. Register 31 is XZR. */
static void data_abort(uint64_t *x, uint64_t esr)
{
	if (!(esr & (1u << 24)))
		fatal("data abort without a syndrome, esr", esr);
	unsigned srt = (esr >> 16) & 31, width = 1u << ((esr >> 22) & 3);
	uint64_t ipa = ((RD(hpfar_el2) >> 4) & 0xffffffffffull) << 12 | (RD(far_el2) & 0xfff);
	if (esr & (1u << 6)) {
		uint64_t v = srt == 31 ? 0 : x[srt];
		mmio_write(ipa, width, width == 8 ? v : v & ((1ull << (8 * width)) - 1));
	} else {
		uint64_t v = mmio_read(ipa);
		if (srt != 31)
			x[srt] = width == 8 ? v : v & ((1ull << (8 * width)) - 1);
	}
}

/* A trapped MRS/MSR (ISS: Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], Rt [9:5],
 * CRm [4:1], Direction [0] = 1 for a read). OSLSR_EL1 (2, 0, c1, c1, 4) reads its reset
 * value; the other OS Lock registers TDOSA traps read as zero and ignore writes. */
#define SYS_ID_MASK 0x3ffc1eu
#define SYS_OSLSR ((2u << 20) | (4u << 17) | (0u << 14) | (1u << 10) | (1u << 1))

static void sysreg(uint64_t *x, uint64_t esr)
{
	unsigned rt = (esr >> 5) & 31;
	if ((esr & 1) && rt != 31)
		x[rt] = (esr & SYS_ID_MASK) == SYS_OSLSR ? 0xa : 0;
}

static void call(uint64_t *x)
{
	switch (x[0]) {
	case HC_NULL:
		x[0] = 0;
		return;
	case PSCI_VERSION:
		x[0] = PSCI_VERSION_1_0;
		return;
	case PSCI_CPU_ON_32:
	case PSCI_CPU_ON_64:
		if (x[1] != 1) {
			x[0] = PSCI_INVALID_PARAMETERS;
		} else if (secondary_on) {
			x[0] = PSCI_ALREADY_ON;
		} else {
			secondary_pc = x[2];
			secondary_arg = x[3];
			secondary_on = true;
			__asm__ volatile("dsb ish" : : : "memory");
			x[0] = psci_smc(PSCI_CPU_ON_64, 1,
					(uint64_t)(uintptr_t)floor_secondary_entry, 1);
		}
		return;
	case PSCI_CPU_OFF:
		secondary_on = false;
		__asm__ volatile("dsb ish" : : : "memory");
		psci_smc(PSCI_CPU_OFF, 0, 0, 0);
		fatal("CPU_OFF returned", 0);
	case PSCI_SYSTEM_OFF:
		poweroff();
	default:
		x[0] = PSCI_NOT_SUPPORTED;
		return;
	}
}

static void skip_insn(void)
{
	WR(elr_el2, RD(elr_el2) + 4);
}

/* Every exit of the guest: ESR_EL2.EC [31:26]. An HVC's preferred return is the next
 * instruction; a trapped SMC, MRS/MSR or data abort returns to the instruction itself. */
void floor_sync(uint64_t *x)
{
	uint64_t esr = RD(esr_el2);
	switch ((esr >> 26) & 0x3f) {
	case 0x16: /* HVC */
		call(x);
		return;
	case 0x17: /* SMC */
		call(x);
		skip_insn();
		return;
	case 0x18: /* MSR, MRS */
		sysreg(x, esr);
		skip_insn();
		return;
	case 0x24: /* data abort from EL1 */
		data_abort(x, esr);
		skip_insn();
		return;
	default:
		fatal("unexpected exit, esr", esr);
	}
}

/* ---- start-up ---------------------------------------------------------------------------- */

static void cpu_init(void)
{
	WR(vbar_el2, (uint64_t)(uintptr_t)floor_vectors);
	WR(hcr_el2, HCR);
	WR(cptr_el2, 0x33ffull);   /* RES1 bits; TFP clear: FP/SIMD not trapped */
	WR(cnthctl_el2, 3);        /* EL1PCTEN, EL1PCEN */
	WR(cntvoff_el2, 0);
	WR(mdcr_el2, MDCR_TDOSA | ((RD(pmcr_el0) >> 11) & 0x1f));
	WR(vpidr_el2, RD(midr_el1));
	WR(vmpidr_el2, RD(mpidr_el1));
	WR(vtcr_el2, VTCR);
	WR(vttbr_el2, (uint64_t)(uintptr_t)s2_l1); /* VMID 0 */
	WR(S3_4_C12_C9_5, 0xf);    /* ICC_SRE_EL2: SRE, DFB, DIB, Enable (EL1 has ICC_*) */
	WR(S3_4_C12_C11_0, 0);     /* ICH_HCR_EL2: no virtual CPU interface */
	WR(sctlr_el1, 0x30d00800u); /* RES1 bits, MMU and caches off */
	WR(cpacr_el1, 3u << 20);   /* FPEN: FP/SIMD not trapped at EL1 */
	__asm__ volatile("isb\n\ttlbi alle1\n\tdsb ish\n\tisb" : : : "memory");
}

/* The guest image QEMU's loader put at GUEST_IMAGE goes to GUEST_ENTRY; an arm64 Image
 * header's image_size (offset 16, with "ARM\x64" at 56) says how much RAM it needs. */
static void load_guest(void)
{
	uint32_t size = rd32(GUEST_IMAGE_SIZE);
	const uint64_t *img = (const uint64_t *)(uintptr_t)GUEST_IMAGE;
	uint64_t need = size;
	if (size >= 64 && (uint32_t)img[7] == 0x644d5241u && img[2] > need)
		need = img[2];
	if (size == 0 || need > GUEST_RAM + GUEST_RAM_SIZE - GUEST_ENTRY)
		fatal("guest image size", need);
	uint64_t *dst = (uint64_t *)(uintptr_t)GUEST_ENTRY;
	for (uint64_t i = 0; i < (size + 7) / 8; i++)
		dst[i] = img[i];
	/* The guest starts with its MMU off (non-cacheable): clean the copy to the point of
	 * coherency, then drop stale instructions. */
	for (uint64_t a = GUEST_ENTRY; a < GUEST_ENTRY + size; a += 64)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb ish\n\tic iallu\n\tdsb ish\n\tisb" : : : "memory");
}

void floor_main(unsigned cpu)
{
	WR(vbar_el2, (uint64_t)(uintptr_t)floor_vectors);
	if (cpu == 0)
		mmu_tables_el2();
	mmu_enable_el2();
	if (cpu == 0) {
		puts_("floor-el2: the exit benchmark's floor at EL2 (no libaxv): exits answered in "
		      "place, the machine's GIC and timer given to EL1\n");
		load_guest();
		stage2_build();
		gic_init();
		cpu_init();
		floor_enter(GUEST_ENTRY, 0, floor_stack_top(0));
	}
	cpu_init();
	__asm__ volatile("dsb ish" : : : "memory");
	floor_enter(secondary_pc, secondary_arg, floor_stack_top(cpu));
}
