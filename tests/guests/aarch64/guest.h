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

#endif
