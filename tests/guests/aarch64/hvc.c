/* A hypercall with six arguments and a return value; then the guest's own state across many
 * exits of every kind the library completes (the lazy world switch keeps the EL1 system
 * registers and FP/SIMD in the cpu between exits: they must come back exactly), and the
 * round-trip time of each kind, printed (never asserted). */
#include "guest.h"

#define ROUNDS 2000u

static uint64_t now(void)
{
	__asm__ volatile("isb" : : : "memory");
	return SYSREG_READ(cntvct_el0);
}

static uint64_t ns(uint64_t ticks)
{
	uint64_t frq = SYSREG_READ(cntfrq_el0);
	return frq ? ticks * 1000000000ull / frq / ROUNDS : 0;
}

/* Distinct values in v8..v15 (both halves), FPSR and FPCR. The guest is built with
 * -mgeneral-regs-only, so nothing but this code touches them. */
static void fp_fill(uint64_t seed)
{
	__asm__ volatile("fmov d8, %0\n\tfmov v8.d[1], %1\n\t"
			 "fmov d9, %1\n\tfmov v9.d[1], %0\n\t"
			 "fmov d15, %0\n\tfmov v15.d[1], %1\n\t"
			 "msr fpsr, %2\n\tmsr fpcr, %3"
			 :
			 : "r"(seed), "r"(~seed), "r"((uint64_t)0x8000009fu), "r"((uint64_t)0x3c00000u)
			 : "v8", "v9", "v15");
}

static bool fp_same(uint64_t seed)
{
	uint64_t a, b, c, d, e, f, sr, cr;
	__asm__ volatile("fmov %0, d8\n\tfmov %1, v8.d[1]\n\t"
			 "fmov %2, d9\n\tfmov %3, v9.d[1]\n\t"
			 "fmov %4, d15\n\tfmov %5, v15.d[1]\n\t"
			 "mrs %6, fpsr\n\tmrs %7, fpcr"
			 : "=r"(a), "=r"(b), "=r"(c), "=r"(d), "=r"(e), "=r"(f), "=r"(sr), "=r"(cr));
	return a == seed && b == ~seed && c == ~seed && d == seed && e == seed && f == ~seed &&
	       sr == 0x8000009fu && cr == 0x3c00000u;
}

static void el1_fill(uint64_t seed)
{
	SYSREG_WRITE(tpidr_el1, seed);
	SYSREG_WRITE(tpidrro_el0, seed + 1);
	SYSREG_WRITE(tpidr_el0, seed + 2);
	SYSREG_WRITE(contextidr_el1, (seed + 3) & 0xffffffffu);
	SYSREG_WRITE(far_el1, seed + 4);
	SYSREG_WRITE(afsr0_el1, 0);
	SYSREG_WRITE(par_el1, (seed + 5) & 0xfffffffff000ull);
}

static bool el1_same(uint64_t seed)
{
	return SYSREG_READ(tpidr_el1) == seed && SYSREG_READ(tpidrro_el0) == seed + 1 &&
	       SYSREG_READ(tpidr_el0) == seed + 2 &&
	       SYSREG_READ(contextidr_el1) == ((seed + 3) & 0xffffffffu) &&
	       SYSREG_READ(far_el1) == seed + 4 &&
	       SYSREG_READ(par_el1) == ((seed + 5) & 0xfffffffff000ull);
}

static uint64_t psci_version(void)
{
	return hvc6(0x84000000u, 0, 0, 0, 0, 0, 0);
}

static volatile uint32_t *const gicd_typer = (volatile uint32_t *)(GICD + 4);
static volatile uint64_t *const testdev = (volatile uint64_t *)TESTDEV;

void guest_main(uint64_t dtb)
{
	(void)dtb;
	uint64_t r = hvc6(HC_WEIGHTED_SUM, 1, 10, 100, 1000, 10000, 100000);
	check("hvc with six arguments returns their weighted sum",
	      r == 1 + 2 * 10 + 3 * 100 + 4 * 1000 + 5 * 10000 + 6 * 100000);
	r = hvc6(HC_WEIGHTED_SUM, ~0ull, 0, 0, 0, 0, 1);
	check("hvc arguments are 64-bit", r == 5);
	check("unknown hypercalls return -1 (NOT_SUPPORTED)",
	      hvc6(0x7777, 0, 0, 0, 0, 0, 0) == (uint64_t)-1);

	uint64_t seed = 0x0123456789abcdefull;
	fp_fill(seed);
	el1_fill(seed);
	uint64_t t0 = now();
	bool ok = true;
	for (unsigned i = 0; i < ROUNDS; i++)
		ok &= hvc6(0x7777, 0, 0, 0, 0, 0, 0) == (uint64_t)-1;
	uint64_t t1 = now();
	for (unsigned i = 0; i < ROUNDS; i++)
		ok &= psci_version() == 0x10000;
	uint64_t t2 = now();
	for (unsigned i = 0; i < ROUNDS; i++)
		ok &= testdev[0] == 0x8182838485868788ull;
	uint64_t t3 = now();
	uint32_t typer = *gicd_typer;
	for (unsigned i = 0; i < ROUNDS; i++)
		ok &= *gicd_typer == typer;
	uint64_t t4 = now();
	for (unsigned i = 0; i < ROUNDS; i++) {
		testdev[1] = i;
		ok &= testdev[1] == i;
	}
	uint64_t t5 = now();
	check("2000 exits of each kind answer right", ok);
	check("FP/SIMD registers, FPSR and FPCR survive the exits", fp_same(seed));
	check("EL1 system registers survive the exits", el1_same(seed));
	/* Changed between exits, the new values are the ones that stay. */
	seed = 0xfedcba9876543210ull;
	fp_fill(seed);
	el1_fill(seed);
	for (unsigned i = 0; i < 16; i++)
		(void)hvc6(0x7777, 0, 0, 0, 0, 0, 0);
	check("changed FP/SIMD registers survive the exits", fp_same(seed));
	check("changed EL1 system registers survive the exits", el1_same(seed));
	printf_("exit.hvc_ns %u\n", ns(t1 - t0));
	printf_("exit.psci_version_ns %u\n", ns(t2 - t1));
	printf_("exit.mmio_read_ns %u\n", ns(t3 - t2));
	printf_("exit.gicd_read_ns %u\n", ns(t4 - t3));
	printf_("exit.mmio_write_read_ns %u\n", ns(t5 - t4) / 2);
}
