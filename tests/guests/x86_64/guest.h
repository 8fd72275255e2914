/* Shared by the x86_64 test guests: console through port 0xe9, checks, hypercalls, port and
 * MSR access. Each guest defines guest_main(). Addresses: examples/x86_64-svm/config.h. */
#ifndef TEST_GUEST_H
#define TEST_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "../../../examples/x86_64-common/x86_io.h"

#define PORT_DEBUGCON 0xe9
#define PORT_EXIT 0xf4
#define PORT_SCRATCH 0x510
#define PORT_SCRATCH_WIDTH 0x520
#define MSR_SCRATCH 0x40001000u
#define TESTDEV 0xd0000000ul
#define TESTDEV_WIDTH 0x100
#define LAZY_BASE 0x40000000ul

#define HC_WEIGHTED_SUM 0x1000
#define HC_LAZY_FAULTS 0x1001
#define HC_HALTS 0x1002
#define HC_EXPECT_SHUTDOWN 0x1003
#define HC_INJECT 0x1004
#define HC_HOST_TIMER 0x1005
#define HC_EXT_IRQS 0x1006
#define HC_LAST_NPF 0x1007
#define NPF_READ 1
#define NPF_WRITE 2

#define EXIT_PASS 0x10
#define EXIT_FAIL 0x11

void guest_main(void);
#include "print.h"
/* Print the DONE line (guest_done() also writes the result to the exit port). */
void guest_report(void);

/* Install @handler as the interrupt gate of vector @vec (the IDT is the guest's own). */
void idt_set(unsigned vec, void (*handler)(void));
/* True on an Intel cpu (VMX): hypercalls are VMCALL there, VMMCALL elsewhere. */
bool guest_on_intel(void);
/* A hypercall, with the instruction of the cpu (see guest_on_intel()). */
uint64_t vmmcall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
		 uint64_t a6);

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

#endif
