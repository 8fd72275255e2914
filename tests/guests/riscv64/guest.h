/* Shared by the riscv64 test guests (VS-mode under the example hypervisor): console through
 * the emulated 16550, checks, SBI calls, trap hooks. Each guest defines guest_main(). */
#ifndef TEST_GUEST_H
#define TEST_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "../../../examples/riscv64-virt/sbi_ecall.h"

#define UART 0x10000000ul
#define TESTDEV 0x10100000ul
#define LAZY_BASE 0xc0000000ul
#define UNMAPPED 0x0e000000ul

/* SBI (SBI 1.0.0) extension ids and libaxv's test extension (examples/riscv64-virt). */
#define SBI_BASE 0x10
#define SBI_TIME 0x54494d45
#define SBI_IPI 0x735049
#define SBI_RFENCE 0x52464e43
#define SBI_HSM 0x48534d
#define SBI_SRST 0x53525354
#define SBI_DBCN 0x4442434e
#define SBI_AXV 0x0a415856

struct sbiret sbi(unsigned long eid, unsigned long fid, unsigned long a0, unsigned long a1,
		  unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);

/* The registers the trap entry saved; x[0] holds sepc (x0 needs no saving). */
struct frame {
	uint64_t x[32];
	uint64_t sstatus;
	uint64_t pad;
};

void guest_main(uint64_t hartid, uint64_t dtb);
void secondary_main(uint64_t hartid, uint64_t opaque);
_Noreturn void power_off(void);
#include "print.h"

/* Hooks the trap entry calls; exceptions go to on_exc (which must move f->x[0], sepc, past
 * the faulting instruction), interrupts to on_irq. */
extern void (*on_exc)(struct frame *f, uint64_t scause, uint64_t stval);
extern void (*on_irq)(struct frame *f, uint64_t code);

#define CSR_READ(csr)                                                                      \
	({                                                                                 \
		uint64_t v_;                                                               \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_)::"memory");                    \
		v_;                                                                        \
	})
#define CSR_WRITE(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"r"((uint64_t)(v)) : "memory")
#define CSR_SET(csr, v) __asm__ volatile("csrs " #csr ", %0" ::"r"((uint64_t)(v)) : "memory")
#define CSR_CLEAR(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"r"((uint64_t)(v)) : "memory")

/* Raise an interrupt n times, each time waiting (a bounded spin) until *count, which the
 * handler increments, says it was taken: true if it was taken exactly once every time. */
bool each_taken_once(uint64_t n, void (*raise)(void), volatile uint64_t *count);

#endif
