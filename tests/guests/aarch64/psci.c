/* PSCI over HVC and SMC: VERSION, FEATURES, MIGRATE_INFO_TYPE, an unknown function; the
 * runtime then ends the guest with SYSTEM_OFF by SMC (QEMU exits with status 0). */
#include "guest.h"

void guest_main(uint64_t dtb)
{
	(void)dtb;
	check("PSCI_VERSION over HVC is 1.0", hvc6(0x84000000u, 0, 0, 0, 0, 0, 0) == 0x10000);
	check("PSCI_VERSION over SMC is 1.0", smc6(0x84000000u, 0, 0, 0, 0, 0, 0) == 0x10000);
	check("FEATURES(CPU_ON) is supported", hvc6(0x8400000au, 0xc4000003u, 0, 0, 0, 0, 0) == 0);
	check("FEATURES(SYSTEM_OFF) is supported",
	      smc6(0x8400000au, 0x84000008u, 0, 0, 0, 0, 0) == 0);
	check("FEATURES(SYSTEM_SUSPEND) is not supported",
	      hvc6(0x8400000au, 0xc400000eu, 0, 0, 0, 0, 0) == (uint64_t)-1);
	check("MIGRATE_INFO_TYPE says no trusted OS", hvc6(0x84000006u, 0, 0, 0, 0, 0, 0) == 2);
	check("an unknown PSCI function is NOT_SUPPORTED",
	      smc6(0x84000017u, 0, 0, 0, 0, 0, 0) == (uint64_t)-1);
	check("AFFINITY_INFO of this cpu says ON", hvc6(0xc4000004u, 0, 0, 0, 0, 0, 0) == 0);
}
