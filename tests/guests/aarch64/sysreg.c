/* Debug system registers are the guest's own: MDSCR_EL1 and the OS Lock status are handled
 * inside libaxv (the registers are switched with the vcpu, the OS Lock group is emulated), so
 * they work without a single system register exit reaching the embedder. */
#include "guest.h"

void guest_main(uint64_t dtb)
{
	(void)dtb;
	uint64_t before = hvc6(HC_SYSREG_TRAPS, 0, 0, 0, 0, 0, 0);
	SYSREG_WRITE(mdscr_el1, 0x1000);
	uint64_t v = SYSREG_READ(mdscr_el1);
	uint64_t oslsr = SYSREG_READ(oslsr_el1);
	uint64_t after = hvc6(HC_SYSREG_TRAPS, 0, 0, 0, 0, 0, 0);
	check("msr/mrs mdscr_el1 round-trips", v == 0x1000);
	check("OSLSR_EL1 reads OSLM = 0b10 and the OS Lock's reset state (locked)", oslsr == 0xa);
	check("no system register exit reached the embedder", after == before);
	SYSREG_WRITE(mdscr_el1, 0);
	check("a write of zero reads back zero", SYSREG_READ(mdscr_el1) == 0);
	SYSREG_WRITE(oslar_el1, 0);
	__asm__ volatile("isb");
	SYSREG_WRITE(mdscr_el1, 0x1000);
	check("unlocked, mdscr_el1 still round-trips", SYSREG_READ(mdscr_el1) == 0x1000);
	SYSREG_WRITE(mdscr_el1, 0);
	check("... and still without an exit to the embedder",
	      hvc6(HC_SYSREG_TRAPS, 0, 0, 0, 0, 0, 0) == before);
}
