/* Trapped system-register accesses: MDSCR_EL1 (debug, trapped by MDCR_EL2.TDA) is emulated
 * by the hypervisor's system-register device. */
#include "guest.h"

void guest_main(uint64_t dtb)
{
	(void)dtb;
	uint64_t before = hvc6(HC_SYSREG_TRAPS, 0, 0, 0, 0, 0, 0);
	SYSREG_WRITE(mdscr_el1, 0x1000);
	uint64_t v = SYSREG_READ(mdscr_el1);
	uint64_t after = hvc6(HC_SYSREG_TRAPS, 0, 0, 0, 0, 0, 0);
	check("msr/mrs mdscr_el1 round-trips through the emulated register", v == 0x1000);
	check("both accesses trapped to the hypervisor", after - before == 2);
	SYSREG_WRITE(mdscr_el1, 0);
	check("a write of zero reads back zero", SYSREG_READ(mdscr_el1) == 0);
}
