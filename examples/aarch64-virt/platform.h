/* The example's own platform code: console, EL2 MMU, host GIC, frame allocator (its HAL). */
#ifndef EXAMPLE_PLATFORM_H
#define EXAMPLE_PLATFORM_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <axv/hal.h>

#include "console.h"

void mmu_enable_el2(void);

/* One byte on the host console (the PL011), as it is: conmux.c's output. The hypervisor's own
 * log goes through con_putc() (console.h), which hands it to the multiplexer. */
void host_con_putc(char c);

/* The physical cpu running this code (MPIDR_EL1.Aff0; QEMU virt numbers its cpus 0..n-1). */
unsigned this_cpu(void);

/* A test-and-set spinlock for the example's shared state (frames, console, address space). */
struct spinlock {
	_Atomic unsigned v;
};
void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);

/* The physical counter (CNTPCT_EL0, read after an ISB) and its frequency (CNTFRQ_EL0). */
static inline uint64_t count_now(void)
{
	uint64_t t;
	__asm__ volatile("isb\n\tmrs %0, cntpct_el0" : "=r"(t));
	return t;
}

static inline uint64_t count_freq(void)
{
	uint64_t f;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	return f;
}

/* Start physical cpu @cpu (MPIDR Aff0) at secondary_entry with x0 = cpu; 0 or PSCI error. */
int64_t platform_cpu_on(unsigned cpu);
void gic_init_dist(void);
void gic_init_cpu(unsigned cpu);
void gic_send_sgi(unsigned target_cpu, unsigned sgi);
/* Clear the active state of the PPIs in @mask (bit n: INTID n) on physical cpu @cpu. */
void gic_ppi_deactivate(unsigned cpu, uint32_t mask);
/* A host SPI: Group 1, routed to physical cpu @cpu (set up once, by cpu 0), then enabled or
 * disabled (from any cpu). */
void gic_spi_route(uint32_t intid, unsigned cpu);
void gic_spi_enable(uint32_t intid, bool on);

/* The host console's receive side: the receiver on, its interrupt routed to cpu 0; the next
 * byte received (or -1); its receive interrupts on or off (UARTIMSC). */
void host_uart_rx_init(void);
int host_uart_getc(void);
void host_uart_rx_irq(bool on);

/* PSCI calls to the machine's firmware (QEMU's built-in, by SMC). */
int64_t psci_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3);
_Noreturn void platform_poweroff(void);

/* The HAL: frames from libaxv's frame pool (axv/frame_pool.h) under a spinlock, identity
 * phys <-> virt, cpu id from MPIDR, SGI as IPI. */
extern const struct axv_hal platform_hal;
void frames_init(void);
uint64_t frames_free_count(void);

static inline uint64_t mmio_read32(uint64_t a)
{
	return *(volatile uint32_t *)(uintptr_t)a;
}
static inline void mmio_write32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)a = v;
}
static inline void mmio_write8(uint64_t a, uint8_t v)
{
	*(volatile uint8_t *)(uintptr_t)a = v;
}

#endif
