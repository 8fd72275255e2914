/* Self-hosted debug inside the guest (Arm ARM DDI 0487, chapter D2 "AArch64 Self-hosted
 * Debug"): the guest reads how many breakpoints and watchpoints it has, clears the OS Lock,
 * sets one hardware breakpoint and one watchpoint and single-steps three instructions (one of
 * them an MMIO store the hypervisor emulates), checking ESR_EL1, FAR_EL1 and ELR_EL1 of each
 * debug exception. With MDCR_EL2.TDE = 0 these exceptions are taken to EL1, the guest's own
 * vectors (D2.2 "Routing debug exceptions"). */
#include "guest.h"

/* MDSCR_EL1 (D2.3): SS [0], KDE [13], MDE [15]. */
#define MDSCR_SS (1ull << 0)
#define MDSCR_KDE (1ull << 13)
#define MDSCR_MDE (1ull << 15)
/* DBGBCR<n>_EL1: E, PMC = 0b11 (EL1 and EL0), BAS = 0b1111, unlinked address match. */
#define BCR_EL1_ADDR 0x1e7ull
/* DBGWCR<n>_EL1: E, PAC = 0b11, LSC = 0b10 (stores), BAS = 0xff (8 bytes). */
#define WCR_EL1_STORE8 0x1ff7ull
/* SPSR_ELx.SS, bit 21 (D2.11.4). */
#define SPSR_SS (1ull << 21)
/* The fault status code of every debug exception (breakpoint, watchpoint, step). */
#define FSC_DEBUG 0x22u

#define EC_BKPT_CUR 0x31u
#define EC_STEP_CUR 0x33u
#define EC_WPT_CUR 0x35u
#define EC_BRK 0x3cu
#define BRK_STEP 0x5e   /* brk immediate that starts the step test */
#define BRK_PLAIN 0x77  /* brk immediate that is only stepped over */

/* Code the tests aim at, in assembly so that its addresses are exact. bp_target(x) = x + 1.
 * step_code(addr, v) stores v + 1 to addr (an MMIO store) and returns v + 2; the BRK before
 * step_1 starts the single step. */
__asm__(".text\n"
	".balign 16\n"
	".global bp_target\n"
	"bp_target:\n"
	"	add x0, x0, #1\n"
	"	ret\n"
	".global step_code\n"
	"step_code:\n"
	"	brk #0x5e\n"
	".global step_1\n"
	"step_1:\n"
	"	add x2, x1, #1\n"
	"	str x2, [x0]\n"
	"	add x2, x2, #1\n"
	".global step_end\n"
	"step_end:\n"
	"	mov x0, x2\n"
	"	ret\n"
	".global brk_plain\n"
	"brk_plain:\n"
	"	brk #0x77\n"
	"	ret\n");
uint64_t bp_target(uint64_t x);
uint64_t step_code(uint64_t addr, uint64_t v);
void brk_plain(void);
extern const char step_1[], step_end[];

struct hit {
	uint64_t esr, far, elr;
};

static volatile unsigned nbkpt, nwpt, nstep, nbrk, nother;
static volatile struct hit bkpt, wpt, brk, step[4];
static volatile unsigned steps_wanted;
static volatile uint64_t watched __attribute__((aligned(8)));

static void on_debug(struct frame *f, uint64_t esr, uint64_t far)
{
	(void)f;
	uint64_t elr = SYSREG_READ(elr_el1);
	struct hit h = {esr, far, elr};
	switch ((unsigned)(esr >> 26)) {
	case EC_BKPT_CUR:
		bkpt.esr = h.esr, bkpt.far = h.far, bkpt.elr = h.elr;
		nbkpt++;
		SYSREG_WRITE(dbgbcr0_el1, 0); /* so that the return executes the instruction */
		break;
	case EC_WPT_CUR:
		wpt.esr = h.esr, wpt.far = h.far, wpt.elr = h.elr;
		nwpt++;
		SYSREG_WRITE(dbgwcr0_el1, 0); /* the store is retried and now completes */
		break;
	case EC_STEP_CUR:
		if (nstep < 4)
			step[nstep].esr = h.esr, step[nstep].far = h.far, step[nstep].elr = h.elr;
		nstep++;
		if (nstep < steps_wanted) {
			SYSREG_WRITE(spsr_el1, SYSREG_READ(spsr_el1) | SPSR_SS);
		} else {
			SYSREG_WRITE(spsr_el1, SYSREG_READ(spsr_el1) & ~SPSR_SS);
			SYSREG_WRITE(mdscr_el1, SYSREG_READ(mdscr_el1) & ~MDSCR_SS);
		}
		break;
	case EC_BRK:
		brk.esr = h.esr, brk.far = h.far, brk.elr = h.elr;
		nbrk++;
		SYSREG_WRITE(elr_el1, elr + 4);
		if ((esr & 0xffff) == BRK_STEP) {
			/* Start stepping at the next instruction: the ERET copies SPSR_EL1.SS to
			 * PSTATE.SS since this handler runs with debug exceptions masked and the
			 * target has them enabled (D2.11.4, table D2-19). */
			SYSREG_WRITE(mdscr_el1, SYSREG_READ(mdscr_el1) | MDSCR_SS);
			SYSREG_WRITE(spsr_el1, SYSREG_READ(spsr_el1) | SPSR_SS);
		}
		break;
	default:
		nother++;
		printf_("FAIL unexpected exception esr %x far %x elr %x\n", esr, far, elr);
		psci_system_off();
	}
}

static bool is_debug_esr(uint64_t esr, unsigned ec)
{
	/* EC, IL = 1 (32-bit instruction), fault status code 0b100010 "debug exception". */
	return (esr >> 26) == ec && (esr & (1u << 25)) && (esr & 0x3f) == FSC_DEBUG;
}

void guest_main(uint64_t dtb)
{
	(void)dtb;
	on_sync = on_debug;

	/* ID_AA64DFR0_EL1: BRPs [15:12] and WRPs [23:20] hold the counts minus one. */
	uint64_t dfr0 = SYSREG_READ(id_aa64dfr0_el1);
	unsigned brps = (unsigned)((dfr0 >> 12) & 0xf) + 1, wrps = (unsigned)((dfr0 >> 20) & 0xf) + 1;
	printf_("ID_AA64DFR0_EL1 %x: %u breakpoints, %u watchpoints\n", dfr0, (uint64_t)brps,
		(uint64_t)wrps);
	check("ID_AA64DFR0_EL1: 6 breakpoints and 4 watchpoints (cortex-a72)",
	      brps == 6 && wrps == 4);

	/* OSLSR_EL1: OSLM = 0b10 (bits 3 and 0), OSLK [1] is 1 after a cold reset. */
	uint64_t oslsr = SYSREG_READ(oslsr_el1);
	check("OSLSR_EL1 at reset: OS Lock implemented and locked", oslsr == 0xa);
	SYSREG_WRITE(oslar_el1, 0);
	__asm__ volatile("isb");
	check("OSLAR_EL1 = 0 unlocks the OS Lock (OSLSR_EL1 = 0b1000)",
	      SYSREG_READ(oslsr_el1) == 0x8);

	/* The registers hold what the guest writes, also across an exit to the hypervisor. */
	SYSREG_WRITE(dbgbvr1_el1, 0x40123450ull);
	SYSREG_WRITE(dbgbcr1_el1, 0x1e6ull); /* disabled */
	SYSREG_WRITE(dbgwvr3_el1, 0x40abcde8ull);
	SYSREG_WRITE(dbgwcr3_el1, 0x1ff6ull); /* disabled */
	check("DBGBVR1/DBGBCR1/DBGWVR3/DBGWCR3 read back what was written",
	      SYSREG_READ(dbgbvr1_el1) == 0x40123450ull && SYSREG_READ(dbgbcr1_el1) == 0x1e6ull &&
		      SYSREG_READ(dbgwvr3_el1) == 0x40abcde8ull &&
		      SYSREG_READ(dbgwcr3_el1) == 0x1ff6ull);
	hvc6(HC_WEIGHTED_SUM, 0, 0, 0, 0, 0, 0);
	check("... and still hold it after an exit to the hypervisor",
	      SYSREG_READ(dbgbvr1_el1) == 0x40123450ull && SYSREG_READ(dbgwcr3_el1) == 0x1ff6ull);
	SYSREG_WRITE(dbgbvr1_el1, 0);
	SYSREG_WRITE(dbgbcr1_el1, 0);
	SYSREG_WRITE(dbgwvr3_el1, 0);
	SYSREG_WRITE(dbgwcr3_el1, 0);

	/* Enable debug exceptions at EL1 (D2.3.1): MDSCR_EL1.KDE and MDE, PSTATE.D = 0. */
	SYSREG_WRITE(mdscr_el1, MDSCR_KDE | MDSCR_MDE);
	__asm__ volatile("isb\n\tmsr daifclr, #8\n\tisb" ::: "memory");

	/* One hardware breakpoint. */
	SYSREG_WRITE(dbgbvr0_el1, (uint64_t)(uintptr_t)bp_target);
	SYSREG_WRITE(dbgbcr0_el1, BCR_EL1_ADDR);
	__asm__ volatile("isb");
	uint64_t r = bp_target(41);
	check("the breakpoint is taken once, to EL1", nbkpt == 1);
	check("ESR_EL1: breakpoint from the current EL (EC 0x31), debug FSC 0x22",
	      is_debug_esr(bkpt.esr, EC_BKPT_CUR));
	check("ELR_EL1 is the breakpointed instruction (FAR is UNKNOWN for breakpoints)",
	      bkpt.elr == (uint64_t)(uintptr_t)bp_target);
	check("the instruction runs after the handler returns", r == 42);

	/* One watchpoint, on stores to an aligned doubleword. */
	uint64_t waddr = (uint64_t)(uintptr_t)&watched;
	SYSREG_WRITE(dbgwvr0_el1, waddr);
	SYSREG_WRITE(dbgwcr0_el1, WCR_EL1_STORE8);
	__asm__ volatile("isb");
	uint64_t st_pc;
	__asm__ volatile("adr %0, 1f\n1:\tstr %1, [%2]"
			 : "=&r"(st_pc)
			 : "r"(0x5a5aull), "r"(waddr)
			 : "memory");
	check("the watchpoint is taken once, to EL1", nwpt == 1);
	check("ESR_EL1: watchpoint from the current EL (EC 0x35), WnR = 1, debug FSC 0x22",
	      is_debug_esr(wpt.esr, EC_WPT_CUR) && (wpt.esr & (1u << 6)));
	check("FAR_EL1 holds the watched address", wpt.far == waddr);
	check("ELR_EL1 is the store", wpt.elr == st_pc);
	check("the store completes once the handler returns", watched == 0x5a5a);

	/* Single step three instructions; the second is an MMIO store the hypervisor emulates. */
	steps_wanted = 3;
	r = step_code(TESTDEV + 8, 0x100);
	uint64_t s1 = (uint64_t)(uintptr_t)step_1;
	printf_("steps: %u, at %x %x %x (step_1 %x)\n", (uint64_t)nstep, step[0].elr, step[1].elr,
		step[2].elr, s1);
	check("three software step exceptions, one per instruction", nstep == 3);
	check("ESR_EL1: software step from the current EL (EC 0x33), debug FSC 0x22",
	      is_debug_esr(step[0].esr, EC_STEP_CUR) && is_debug_esr(step[1].esr, EC_STEP_CUR) &&
		      is_debug_esr(step[2].esr, EC_STEP_CUR));
	check("step 1 stops after the first instruction", step[0].elr == s1 + 4);
	check("step 2 stops right after the emulated MMIO store", step[1].elr == s1 + 8);
	check("step 3 stops after the third instruction",
	      step[2].elr == s1 + 12 && step[2].elr == (uint64_t)(uintptr_t)step_end);
	check("the stepped code computed its result", r == 0x102);
	check("the stepped MMIO store reached the device",
	      *(volatile uint64_t *)(TESTDEV + 8) == 0x101);

	/* The OS Lock disables breakpoints but not BRK (D2.4). */
	SYSREG_WRITE(oslar_el1, 1);
	__asm__ volatile("isb");
	check("OSLAR_EL1 = 1 locks the OS Lock", SYSREG_READ(oslsr_el1) == 0xa);
	SYSREG_WRITE(dbgbcr0_el1, BCR_EL1_ADDR);
	SYSREG_WRITE(dbgwvr2_el1, 0x40001238ull);
	__asm__ volatile("isb");
	check("while locked, the debug registers read back what the guest wrote",
	      SYSREG_READ(mdscr_el1) == (MDSCR_KDE | MDSCR_MDE) &&
		      SYSREG_READ(dbgbcr0_el1) == BCR_EL1_ADDR &&
		      SYSREG_READ(dbgbvr0_el1) == (uint64_t)(uintptr_t)bp_target &&
		      SYSREG_READ(dbgwvr2_el1) == 0x40001238ull);
	unsigned before = nbkpt, brks = nbrk;
	r = bp_target(1);
	check("while locked the breakpoint is not taken", nbkpt == before && r == 2);
	brk_plain();
	check("while locked BRK still is (EC 0x3c, ISS = the immediate)",
	      nbrk == brks + 1 && (brk.esr >> 26) == EC_BRK && (brk.esr & 0xffff) == BRK_PLAIN);
	SYSREG_WRITE(oslar_el1, 0);
	__asm__ volatile("isb");
	r = bp_target(2);
	check("unlocked again the breakpoint is taken", nbkpt == before + 1 && r == 3);

	__asm__ volatile("msr daifset, #8\n\tisb" ::: "memory");
	SYSREG_WRITE(dbgbcr0_el1, 0);
	SYSREG_WRITE(dbgwcr0_el1, 0);
	SYSREG_WRITE(dbgwvr2_el1, 0);
	SYSREG_WRITE(mdscr_el1, 0);
	check("no other exception was taken", nother == 0);
	on_sync = 0;
}
