/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host instructions both x86 backends execute (vmx_hw.c, svm_cpu.c): RDMSR, WRMSR,
 * CPUID, XGETBV, XSETBV as inline assembly (x86_64 builds only). Each takes an unused `ctx`
 * first, so that it is also the native hook of struct axv_vmx_hw (rdmsr, wrmsr, cpuid,
 * xgetbv, xsetbv) and of the SVM vcpu config's cpuid (axv_svm_host_cpuid()).
 *
 * References: Intel SDM Vol. 2 instruction pages RDMSR, WRMSR, CPUID, XGETBV, XSETBV (a
 * 64-bit value in EDX:EAX, the MSR / XCR number in ECX); AMD64 APM Vol. 3 likewise.
 */
#ifndef AXV_PORT_X86_HOST_INSN_H
#define AXV_PORT_X86_HOST_INSN_H

#include <stdint.h>

static inline uint64_t x86_edx_eax(uint32_t hi, uint32_t lo)
{
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t x86_host_rdmsr(void *ctx, uint32_t msr)
{
	(void)ctx;
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return x86_edx_eax(hi, lo);
}

static inline void x86_host_wrmsr(void *ctx, uint32_t msr, uint64_t v)
{
	(void)ctx;
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

/* NOLINTNEXTLINE(readability-non-const-parameter): written by the asm's outputs */
static inline void x86_host_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)ctx;
	__asm__ volatile("cpuid"
			 : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]), "=d"(out[3])
			 : "a"(leaf), "c"(sub));
}

static inline uint64_t x86_host_xgetbv(void *ctx, uint32_t xcr)
{
	(void)ctx;
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return x86_edx_eax(hi, lo);
}

static inline void x86_host_xsetbv(void *ctx, uint32_t xcr, uint64_t v)
{
	(void)ctx;
	__asm__ volatile("xsetbv" : : "c"(xcr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

#endif
