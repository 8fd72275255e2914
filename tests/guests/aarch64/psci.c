/* PSCI 1.0 as Arm DEN 0022D.b specifies it, over HVC and SMC, with two vcpus (QEMU -smp 2):
 * every function the hypervisor implements, with valid, boundary and invalid arguments, and
 * every return value checked against the specification:
 *   5.3 PSCI_VERSION; 5.4 CPU_SUSPEND (original power_state format: reserved bits must be
 *   zero); 5.5 CPU_OFF; 5.6 CPU_ON (target_cpu: MPIDR affinity fields, other bits zero;
 *   INVALID_PARAMETERS, INVALID_ADDRESS for an entry point outside the guest's executable RAM,
 *   ALREADY_ON); 5.7 AFFINITY_INFO (ON, OFF, INVALID_PARAMETERS for a level above 3, a target
 *   with non-affinity bits or one that names no node; fields below lowest_affinity_level are
 *   ignored); 5.9 MIGRATE_INFO_TYPE; 5.16 PSCI_FEATURES (SUCCESS, or the CPU_SUSPEND feature
 *   flags, for every implemented function; NOT_SUPPORTED otherwise); SMC32 calls ignore the
 *   upper halves of their arguments (SMCCC, DEN 0028, 2.6 and 3.1). The runtime ends the guest
 *   with SYSTEM_OFF (5.11). */
#include "guest.h"

#define VERSION 0x84000000u
#define CPU_SUSPEND_32 0x84000001u
#define CPU_SUSPEND_64 0xc4000001u
#define CPU_OFF 0x84000002u
#define CPU_ON_32 0x84000003u
#define CPU_ON_64 0xc4000003u
#define AFFINITY_INFO_32 0x84000004u
#define AFFINITY_INFO_64 0xc4000004u
#define MIGRATE_32 0x84000005u
#define MIGRATE_64 0xc4000005u
#define MIGRATE_INFO_TYPE 0x84000006u
#define MIGRATE_INFO_UP_CPU_32 0x84000007u
#define MIGRATE_INFO_UP_CPU_64 0xc4000007u
#define SYSTEM_OFF 0x84000008u
#define SYSTEM_RESET 0x84000009u
#define FEATURES 0x8400000au

#define SUCCESS 0ull
#define NOT_SUPPORTED ((uint64_t)-1)
#define INVALID_PARAMETERS ((uint64_t)-2)
#define ALREADY_ON ((uint64_t)-4)
#define INVALID_ADDRESS ((uint64_t)-9)
#define AFF_ON 0ull
#define AFF_OFF 1ull

#define GUEST_RAM_END 0x50000000ull /* examples/aarch64-virt/config.h: 256 MiB at 1 GiB */
#define HI 0xffffffff00000000ull   /* junk for the upper half of SMC32 arguments */

typedef uint64_t (*conduit_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			       uint64_t);

static volatile uint64_t up, ctx_seen, go_off, wakes;

static uint64_t call(conduit_fn c, uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	/* x4-x6 hold junk: PSCI ignores them. */
	return c(fid, a1, a2, a3, 0x4444, 0x5555, 0x6666);
}

static void expect(const char *conduit, const char *what, uint64_t got, uint64_t want)
{
	if (got == want) {
		printf_("PASS %s: %s = %x\n", conduit, what, want);
		npass++;
	} else {
		printf_("FAIL %s: %s = %x, DEN 0022 says %x\n", conduit, what, got, want);
		nfail++;
	}
}

void secondary_main(uint64_t ctx)
{
	ctx_seen = ctx;
	up++;
	while (go_off < up)
		;
	hvc6(CPU_OFF, 0x1234, 0x5678, 0, 0, 0, 0); /* arguments are ignored */
	puts_("FAIL CPU_OFF returned\n");
}

static bool wait_state(uint64_t target, uint64_t state)
{
	for (unsigned i = 0; i < 1000000; i++)
		if (hvc6(AFFINITY_INFO_64, target, 0, 0, 0, 0, 0) == state)
			return true;
	return false;
}

static void irq(struct frame *f)
{
	(void)f;
	uint64_t intid = SYSREG_READ(S3_0_C12_C12_0) & 0xffffff; /* ICC_IAR1_EL1 */
	if (intid == 27) {
		SYSREG_WRITE(cntv_ctl_el0, 0);
		wakes++;
	}
	if (intid < 1020)
		SYSREG_WRITE(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
}

/* CPU_SUSPEND with the virtual timer armed (1 ms), its interrupt masked in PSTATE as Linux
 * calls it: a standby state returns SUCCESS once the interrupt wakes the vcpu; an invalid
 * power_state returns at once. Either way the timer's interrupt is then taken and counted. */
static uint64_t suspend(conduit_fn c, uint64_t fid, uint64_t state, uint64_t *woken,
		       bool fired)
{
	uint64_t before = wakes;
	SYSREG_WRITE(cntv_tval_el0, SYSREG_READ(cntfrq_el0) / 1000);
	SYSREG_WRITE(cntv_ctl_el0, 1);
	__asm__ volatile("isb");
	/* fired: wait until the timer condition is met (CNTV_CTL_EL0.ISTATUS), so the
	 * interrupt is already pending when the call is made (it must not sleep then). */
	for (unsigned i = 0; fired && i < 10000000 && !(SYSREG_READ(cntv_ctl_el0) & 4); i++)
		;
	uint64_t rc = call(c, fid, state, 0x40080000, 0);
	for (unsigned i = 0; i < 100000 && wakes == before; i++) {
		__asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
		if (wakes == before)
			__asm__ volatile("wfi");
	}
	*woken = wakes - before;
	return rc;
}

static void suspend_case(const char *cn, conduit_fn c, uint64_t fid, uint64_t state,
			 const char *what, uint64_t want, bool fired)
{
	uint64_t woken = 0;
	printf_("  CPU_SUSPEND_%s(%x)%s\n", fid == CPU_SUSPEND_32 ? "32" : "64", state,
		fired ? ", with the timer interrupt already pending" : "");
	expect(cn, what, suspend(c, fid, state, &woken, fired), want);
	expect(cn, "  ...the timer interrupt came once", woken, 1);
}

static void per_conduit(const char *cn, conduit_fn c)
{
	uint64_t entry = (uint64_t)(uintptr_t)secondary_start;

	expect(cn, "PSCI_VERSION", call(c, VERSION, 1, 2, 3), 0x10000);

	/* 5.16: every implemented function is SUCCESS (CPU_SUSPEND: its flags, 0 = original
	 * power_state format, no OS-initiated mode); anything else NOT_SUPPORTED. */
	static const uint32_t implemented[] = {
		VERSION,	  CPU_SUSPEND_32,   CPU_SUSPEND_64, CPU_OFF,	      CPU_ON_32,
		CPU_ON_64,	  AFFINITY_INFO_32, AFFINITY_INFO_64, MIGRATE_INFO_TYPE, SYSTEM_OFF,
		SYSTEM_RESET, FEATURES};
	for (unsigned i = 0; i < sizeof(implemented) / sizeof(implemented[0]); i++) {
		printf_("  FEATURES(%x)\n", (uint64_t)implemented[i]);
		expect(cn, "  ...implemented", call(c, FEATURES, implemented[i], 0, 0), SUCCESS);
	}
	static const uint64_t absent[] = {
		MIGRATE_32,  MIGRATE_64,  MIGRATE_INFO_UP_CPU_32, MIGRATE_INFO_UP_CPU_64,
		0xc4000000u, 0xc4000002u, 0xc4000006u,		  0xc4000008u,
		0xc400000au, 0x8400000bu, 0x8400000cu,		  0x8400000du,
		0xc400000eu, 0x8400000eu, 0x8400000fu,		  0x84000010u,
		0x84000012u, 0xc4000012u, 0x84000013u,		  0x8400001fu,
		0xc400001fu, 0x84000020u, 0x80000000u,		  0x1000u,
		0xffffffffu, 0u};
	for (unsigned i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		printf_("  FEATURES(%x)\n", absent[i]);
		expect(cn, "  ...NOT_SUPPORTED", call(c, FEATURES, absent[i], 0, 0), NOT_SUPPORTED);
	}
	expect(cn, "FEATURES(VERSION) with junk in the upper half (SMC32 call)",
	       call(c, FEATURES, HI | VERSION, 0, 0), SUCCESS);

	expect(cn, "MIGRATE_INFO_TYPE: no Trusted OS to migrate", call(c, MIGRATE_INFO_TYPE, 1, 2, 3),
	       2);
	expect(cn, "MIGRATE (not implemented)", call(c, MIGRATE_64, 1, 0, 0), NOT_SUPPORTED);
	expect(cn, "MIGRATE_INFO_UP_CPU (not implemented)", call(c, MIGRATE_INFO_UP_CPU_32, 0, 0, 0),
	       NOT_SUPPORTED);
	expect(cn, "an id in the PSCI range no function has", call(c, 0x84000015u, 0, 0, 0),
	       NOT_SUPPORTED);
	expect(cn, "VERSION has no SMC64 form", call(c, 0xc4000000u, 0, 0, 0), NOT_SUPPORTED);

	/* 5.7 AFFINITY_INFO: vcpu 0 (MPIDR 0) is on, vcpu 1 (MPIDR 1) is off. */
	for (int w = 0; w < 2; w++) {
		uint32_t f = w ? AFFINITY_INFO_64 : AFFINITY_INFO_32;
		const char *n = w ? "AFFINITY_INFO_64" : "AFFINITY_INFO_32";
		printf_("  %s:\n", n);
		expect(cn, "  (0, level 0): ON", call(c, f, 0, 0, 0), AFF_ON);
		expect(cn, "  (1, level 0): OFF", call(c, f, 1, 0, 0), AFF_OFF);
		expect(cn, "  (2, level 0): no such cpu", call(c, f, 2, 0, 0), INVALID_PARAMETERS);
		expect(cn, "  (0xff, level 0): no such cpu", call(c, f, 0xff, 0, 0),
		       INVALID_PARAMETERS);
		expect(cn, "  (bit 31 set, level 0): not an affinity", call(c, f, 1u << 31, 0, 0),
		       INVALID_PARAMETERS);
		expect(cn, "  (bit 24 set, level 0): not an affinity", call(c, f, 1u << 24, 0, 0),
		       INVALID_PARAMETERS);
		expect(cn, "  (0, level 1): cluster 0 is ON", call(c, f, 0, 1, 0), AFF_ON);
		expect(cn, "  (0xff, level 1): Aff0 ignored", call(c, f, 0xff, 1, 0), AFF_ON);
		expect(cn, "  (0x100, level 1): no cluster 1", call(c, f, 0x100, 1, 0),
		       INVALID_PARAMETERS);
		expect(cn, "  (0, level 2): ON", call(c, f, 0, 2, 0), AFF_ON);
		expect(cn, "  (0x10000, level 2): no such node", call(c, f, 0x10000, 2, 0),
		       INVALID_PARAMETERS);
		expect(cn, "  (0, level 3): ON", call(c, f, 0, 3, 0), AFF_ON);
		expect(cn, "  (0, level 4): no such level", call(c, f, 0, 4, 0), INVALID_PARAMETERS);
		expect(cn, "  (0, level 0xff): no such level", call(c, f, 0, 0xff, 0),
		       INVALID_PARAMETERS);
		expect(cn, "  (0, level 0xffffffff): no such level", call(c, f, 0, 0xffffffffu, 0),
		       INVALID_PARAMETERS);
	}
	expect(cn, "AFFINITY_INFO_64 (Aff3 = 1, level 0): no such cpu",
	       call(c, AFFINITY_INFO_64, 1ull << 32, 0, 0), INVALID_PARAMETERS);
	expect(cn, "AFFINITY_INFO_64 (Aff3 = 1, level 3): no such node",
	       call(c, AFFINITY_INFO_64, 1ull << 32, 3, 0), INVALID_PARAMETERS);
	expect(cn, "AFFINITY_INFO_64 (bit 40 set): not an affinity",
	       call(c, AFFINITY_INFO_64, 1ull << 40, 0, 0), INVALID_PARAMETERS);
	expect(cn, "AFFINITY_INFO_64 (level 1 << 32): no such level",
	       call(c, AFFINITY_INFO_64, 0, 1ull << 32, 0), INVALID_PARAMETERS);
	expect(cn, "AFFINITY_INFO_32 (1 with junk in the upper halves): OFF",
	       call(c, AFFINITY_INFO_32, HI | 1, HI, 0), AFF_OFF);

	/* 5.6 CPU_ON, refused without starting anything. */
	expect(cn, "CPU_ON_64 of this cpu: ALREADY_ON", call(c, CPU_ON_64, 0, entry, 0), ALREADY_ON);
	expect(cn, "CPU_ON_32 of this cpu: ALREADY_ON", call(c, CPU_ON_32, 0, entry, 0), ALREADY_ON);
	expect(cn, "CPU_ON_64 of cpu 2: no such cpu", call(c, CPU_ON_64, 2, entry, 0),
	       INVALID_PARAMETERS);
	expect(cn, "CPU_ON_64 of MPIDR 0x100: no such cpu", call(c, CPU_ON_64, 0x100, entry, 0),
	       INVALID_PARAMETERS);
	expect(cn, "CPU_ON_64 of Aff3 = 1: no such cpu", call(c, CPU_ON_64, 1ull << 32, entry, 0),
	       INVALID_PARAMETERS);
	expect(cn, "CPU_ON_64 with bit 31 set (MPIDR RES1): not an affinity",
	       call(c, CPU_ON_64, (1ull << 31) | 1, entry, 0), INVALID_PARAMETERS);
	expect(cn, "CPU_ON_64 with bit 40 set: not an affinity",
	       call(c, CPU_ON_64, (1ull << 40) | 1, entry, 0), INVALID_PARAMETERS);
	expect(cn, "CPU_ON_32 with bit 24 set: not an affinity",
	       call(c, CPU_ON_32, (1u << 24) | 1, entry, 0), INVALID_PARAMETERS);
	expect(cn, "CPU_ON of cpu 1 at an unbacked address: INVALID_ADDRESS",
	       call(c, CPU_ON_64, 1, UNMAPPED, 0), INVALID_ADDRESS);
	expect(cn, "CPU_ON of cpu 1 at 0: INVALID_ADDRESS", call(c, CPU_ON_64, 1, 0, 0),
	       INVALID_ADDRESS);
	expect(cn, "CPU_ON of cpu 1 at the end of RAM: INVALID_ADDRESS",
	       call(c, CPU_ON_64, 1, GUEST_RAM_END, 0), INVALID_ADDRESS);
	expect(cn, "CPU_ON of cpu 1 in the GIC: INVALID_ADDRESS", call(c, CPU_ON_32, 1, GICD, 0),
	       INVALID_ADDRESS);
	expect(cn, "CPU_ON of cpu 1 in non-executable RAM (the lazy region): INVALID_ADDRESS",
	       call(c, CPU_ON_64, 1, LAZY_BASE, 0), INVALID_ADDRESS);
	expect(cn, "CPU_ON_64 of cpu 1 beyond 4 GiB: INVALID_ADDRESS",
	       call(c, CPU_ON_64, 1, (1ull << 32) | entry, 0), INVALID_ADDRESS);
	expect(cn, "CPU_ON of this cpu at an unbacked address: INVALID_ADDRESS",
	       call(c, CPU_ON_64, 0, UNMAPPED, 0), INVALID_ADDRESS);
	expect(cn, "  ...and cpu 1 is still OFF", call(c, AFFINITY_INFO_64, 1, 0, 0), AFF_OFF);

	/* 5.4 CPU_SUSPEND: the original format's reserved bits [31:26] and [23:17]; every
	 * other power_state is a standby here (SMC32: the upper half is ignored). */
	suspend_case(cn, c, CPU_SUSPEND_32, 1u << 26, "  ...bit 26 set: INVALID_PARAMETERS",
		     INVALID_PARAMETERS, false);
	suspend_case(cn, c, CPU_SUSPEND_64, 1u << 31, "  ...bit 31 set: INVALID_PARAMETERS",
		     INVALID_PARAMETERS, false);
	suspend_case(cn, c, CPU_SUSPEND_32, 1u << 17, "  ...bit 17 set: INVALID_PARAMETERS",
		     INVALID_PARAMETERS, false);
	suspend_case(cn, c, CPU_SUSPEND_64, 1u << 23, "  ...bit 23 set: INVALID_PARAMETERS",
		     INVALID_PARAMETERS, false);
	suspend_case(cn, c, CPU_SUSPEND_32, HI, "  ...standby, upper half ignored: SUCCESS",
		     SUCCESS, false);
	suspend_case(cn, c, CPU_SUSPEND_64, 0x1234, "  ...standby with a StateID: SUCCESS",
		     SUCCESS, false);
	/* A wake-up event already pending: the call returns at once (as WFI completes). */
	suspend_case(cn, c, CPU_SUSPEND_32, 0, "  ...standby, woken already: SUCCESS", SUCCESS,
		     true);
	suspend_case(cn, c, CPU_SUSPEND_64, 0x10000, "  ...powerdown, woken already: SUCCESS",
		     SUCCESS, true);
}

/* Start vcpu 1, check it, and let it turn itself off again. */
static void cycle_cpu1(const char *cn, conduit_fn c, uint32_t fid, uint64_t entry_arg,
		       uint64_t ctx_arg, uint64_t ctx_want)
{
	uint64_t n = up;
	expect(cn, fid == CPU_ON_64 ? "CPU_ON_64 of cpu 1" : "CPU_ON_32 of cpu 1",
	       call(c, fid, 1, entry_arg, ctx_arg), SUCCESS);
	for (unsigned i = 0; i < 10000000 && up == n; i++)
		;
	expect(cn, "  ...cpu 1 came up", up, n + 1);
	expect(cn, "  ...with the context id in x0", ctx_seen, ctx_want);
	expect(cn, "  ...AFFINITY_INFO says ON", call(c, AFFINITY_INFO_32, 1, 0, 0), AFF_ON);
	expect(cn, "  ...a second CPU_ON is ALREADY_ON",
	       call(c, CPU_ON_64, 1, (uint64_t)(uintptr_t)secondary_start, 0), ALREADY_ON);
	go_off = up;
	expect(cn, "  ...CPU_OFF turns it off", wait_state(1, AFF_OFF), true);
}

void guest_main(uint64_t dtb)
{
	(void)dtb;
	on_irq = irq;
	gicr_enable_ppi(27, 0xa0);
	gic_cpu_init();

	per_conduit("HVC", hvc6);
	per_conduit("SMC", smc6);
	uint64_t entry = (uint64_t)(uintptr_t)secondary_start;
	cycle_cpu1("HVC", hvc6, CPU_ON_64, entry, 0x123456789abcull, 0x123456789abcull);
	cycle_cpu1("SMC", smc6, CPU_ON_32, HI | entry, HI | 0x5678, 0x5678);
	cycle_cpu1("SMC", smc6, CPU_ON_64, entry, 7, 7);
}
