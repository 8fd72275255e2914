/* The reset loop of tests/guests/aarch64/run-reset.sh (aarch64-virt-2vm.elf, in vm-b while
 * Linux runs in vm-a): every boot asks the example hypervisor which boot of its VM this is
 * (hypercall 0x1005: 1 the first time), checks that the VM is as freshly created, dirties
 * what a reset must undo, and ends boots 1 to 10 in PSCI SYSTEM_RESET (DEN 0022D.b 5.11,
 * which does not return) and boot 11 in SYSTEM_OFF.
 *
 * "As freshly created": the image's data as linked (the image is loaded again: a variable
 * this guest changes must read its initial value), the vGIC's distributor disabled with
 * SPI 48 disabled (IHI 0069 12.9, the distributor register map: GICD_CTLR's enables and
 * GICD_ISENABLER<n> reset to 0), the virtual timer disabled (Arm ARM DDI 0487, CNTV_CTL_EL0:
 * ENABLE resets to an UNKNOWN value, but a freshly created vcpu has it 0, and so must a reset
 * one).
 * Boot 1 records what it saw in RAM outside its image (RAM survives a reset; the image
 * region is reloaded), every later boot compares. */
#include "guest.h"

#define HC_VM_BOOTS 0x1005
#define BOOTS 11
#define PSCI_SYSTEM_RESET 0x84000009u
#define GICD_CTLR_OFF 0x0
#define GICD_ISENABLER1 0x104
#define SPI48_BIT (1u << (48 - 32))

/* Kept across boots: 16 MiB into RAM, above the image, below the DTB (half way up). */
struct record {
	uint64_t magic, ctlr, isenabler1, cntv_ctl, boots_seen;
};
#define RECORD ((volatile struct record *)0x41000000ul)
#define MAGIC 0x7265736574ul /* "reset" */

static volatile uint64_t linked = 0x1234abcdul; /* .data: changed below, reloaded by a reset */

static uint32_t gicd(uint32_t off)
{
	return *(volatile uint32_t *)(GICD + off);
}

void guest_main(uint64_t dtb)
{
	(void)dtb;
	uint64_t boot = hvc6(HC_VM_BOOTS, 0, 0, 0, 0, 0, 0);
	uint64_t ctlr = gicd(GICD_CTLR_OFF), en = gicd(GICD_ISENABLER1) & SPI48_BIT;
	uint64_t cntv = SYSREG_READ(cntv_ctl_el0) & 1;
	printf_("guest: boot %u: GICD_CTLR 0x%x, SPI 48 enabled %u, CNTV_CTL_EL0.ENABLE %u\n",
		boot, ctlr, en, cntv);
	check("the hypervisor counts this VM's boots (1 to 11)", boot >= 1 && boot <= BOOTS);
	check("the image is loaded again: its data as linked", linked == 0x1234abcdul);
	if (boot == 1) {
		RECORD->magic = MAGIC;
		RECORD->ctlr = ctlr;
		RECORD->isenabler1 = en;
		RECORD->cntv_ctl = cntv;
		RECORD->boots_seen = 0;
		check("a new VM: distributor and SPI 48 disabled, virtual timer off",
		      (ctlr & 3) == 0 && en == 0 && cntv == 0);
	} else {
		check("RAM outside the image survives the reset (boot 1's record)",
		      RECORD->magic == MAGIC && RECORD->boots_seen == boot - 1);
		check("after a reset the vGIC and the virtual timer are as boot 1 found them",
		      RECORD->ctlr == ctlr && RECORD->isenabler1 == en && RECORD->cntv_ctl == cntv);
	}
	RECORD->boots_seen = boot;
	/* Dirty what the reset must undo. */
	linked = boot;
	*(volatile uint32_t *)(GICD + GICD_CTLR_OFF) = 0x3; /* EnableGrp0 | EnableGrp1 */
	*(volatile uint32_t *)(GICD + GICD_ISENABLER1) = SPI48_BIT;
	check("the distributor took the writes",
	      (gicd(GICD_CTLR_OFF) & 3) == 3 && (gicd(GICD_ISENABLER1) & SPI48_BIT));
	SYSREG_WRITE(cntv_cval_el0, ~0ul); /* enabled, never firing */
	SYSREG_WRITE(cntv_ctl_el0, 1);
	__asm__ volatile("isb");
	if (boot < BOOTS) {
		printf_("guest: boot %u: PSCI SYSTEM_RESET\n", boot);
		hvc6(PSCI_SYSTEM_RESET, 0, 0, 0, 0, 0, 0);
		check("PSCI SYSTEM_RESET does not return", false);
		return;
	}
	printf_("guest: boot %u: the last, PSCI SYSTEM_OFF\n", boot);
}
