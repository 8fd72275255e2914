/* Devices of the x86_64 examples that a real x86 guest expects: a 16550 UART (the guest's
 * COM1) and a local APIC with its timer. They sit on the example's libaxv device bus. */
#ifndef EXAMPLE_DEVICES_H
#define EXAMPLE_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include <axv/bus.h>
#include <axv/exit.h>
#include <axv/vcpu.h>
#include <axv/virq.h>

extern const struct axv_device_ops uart_ops;
struct uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
};

extern const struct axv_device_ops lapic_ops;
struct lapic {
	struct axv_vcpu *vcpu;  /* where the timer's interrupt goes (axv_vcpu_inject()) */
	struct axv_virq *virq;  /* its interrupt state: in service = active, requested = pending */
	uint32_t id;            /* APIC ID (bits 31:24 of register 0x20) */
	uint32_t tpr, svr, ldr, dfr, esr, lvt_timer, lvt_lint0, lvt_lint1, lvt_error;
	uint32_t initial, divide; /* timer initial count, divide configuration */
	uint64_t start;           /* TSC when the count started */
	bool armed;               /* counting */
	uint64_t fired;           /* timer interrupts raised */
};
/* The TSC at which the armed timer reaches 0, or 0 when it is not armed. */
uint64_t lapic_deadline(const struct lapic *l);
/* Raise the timer's interrupt if its count reached 0 (call before each entry and when the
 * vcpu waits); returns true if it did. */
bool lapic_poll(struct lapic *l);
/* The IA32_APIC_BASE value of this local APIC (SDM Vol. 3A 12.4.4). */
uint64_t lapic_base_msr(void);

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif
