/* Shared by the aarch64 test guests: console through the emulated PL011, checks,
 * hypercalls, PSCI, exception hooks. Each guest defines guest_main(). */
#ifndef TEST_GUEST_H
#define TEST_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#define UART 0x09000000ul
#define TESTDEV 0x0a100000ul
#define LAZY_BASE 0x80000000ul
#define UNMAPPED 0x0c000000ul
#define GICD 0x08000000ul
#define GICR 0x080a0000ul

/* Hypercalls the example hypervisor implements (examples/aarch64-virt/main.c). */
#define HC_WEIGHTED_SUM 0x1000 /* returns a1 + 2 a2 + ... + 6 a6 */
#define HC_SYSREG_TRAPS 0x1001 /* returns the number of system register exits handled so far */

struct frame {
	uint64_t x[19];
	uint64_t lr;
	uint64_t pad[14];
};

void guest_main(uint64_t dtb);
#include "print.h"

uint64_t hvc6(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
	      uint64_t a6);
uint64_t smc6(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
	      uint64_t a6);
void psci_system_off(void);
void secondary_start(void);
void secondary_main(uint64_t ctx);
void gic_cpu_init(void);
/* Through vcpu 0's redistributor, as an OS would: PPI intid's priority, then its enable
 * (GICR SGI_base at +0x10000: IPRIORITYR at 0x400, ISENABLER0 at 0x100; IHI 0069 12.11). */
void gicr_enable_ppi(uint32_t intid, uint8_t prio);
/* That redistributor's GICR_ISENABLER0. */
uint32_t gicr_isenabler0(void);

/* For guests that also run directly at EL1 on QEMU's virt machine (scripts/qemu.sh
 * aarch64-el1), where the GIC is QEMU's own and PSCI is reached through HVC only. */
/* A property of the root node (node "") or of a child of it, in a flattened devicetree; NULL
 * if absent. */
const void *dtb_prop(uint64_t dtb, const char *node, const char *name, uint32_t *len);
/* The DTB is the one the example hypervisor gives its guests (its /model names libaxv). */
bool dtb_is_libaxv(uint64_t dtb);
/* The decimal value of KEY=N in /chosen/bootargs, or dflt. */
uint64_t bootarg_u64(uint64_t dtb, const char *key, uint64_t dflt);
/* The GIC as an OS brings it up on cpu @cpu: distributor (ARE, Group 1 on), this cpu's
 * redistributor awake, SGIs and PPIs in Group 1, SPIs 32-63 in Group 1, CPU interface on. The
 * virtual GIC accepts the same writes. */
void gic_init_os(unsigned cpu);
/* Redistributor SGI_base of cpu @cpu. */
#define GICR_SGI(cpu) (GICR + 0x20000ul * (cpu) + 0x10000ul)
/* Print the DONE line and power off through PSCI over HVC (both settings accept it). */
_Noreturn void power_off_hvc(void);

/* Hooks the vectors call; a guest installs its own by setting these. */
extern void (*on_sync)(struct frame *f, uint64_t esr, uint64_t far);
extern void (*on_irq)(struct frame *f);

#define SYSREG_READ(name)                                                                  \
	({                                                                                 \
		uint64_t v_;                                                               \
		__asm__ volatile("mrs %0, " #name : "=r"(v_));                             \
		v_;                                                                        \
	})
#define SYSREG_WRITE(name, v) __asm__ volatile("msr " #name ", %0" : : "r"((uint64_t)(v)))

/* The virtual and physical counters (CNTVCT_EL0, CNTPCT_EL0; the ISB keeps the read in
 * order) and this vcpu's number (MPIDR_EL1.Aff0, as the example numbers its vcpus). */
#define COUNTER_READ(name)                                                                 \
	({                                                                                 \
		__asm__ volatile("isb" ::: "memory");                                      \
		SYSREG_READ(name);                                                         \
	})
static inline uint64_t cntvct(void) { return COUNTER_READ(cntvct_el0); }
static inline uint64_t cntpct(void) { return COUNTER_READ(cntpct_el0); }

static inline unsigned vcpu_index(void)
{
	return (unsigned)(SYSREG_READ(mpidr_el1) & 0xff);
}

#endif
