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

/* static inline `uint64_t rd(void *ctx, uint32_t ecx)` and `void wr(void *ctx, uint32_t ecx,
 * uint64_t v)` over an instruction pair that reads or writes the 64-bit EDX:EAX of the
 * register ECX names (RDMSR / WRMSR, XGETBV / XSETBV). */
#define X86_ECX_EDX_EAX(rd, wr, rd_insn, wr_insn)                                              \
	static inline uint64_t rd(void *ctx, uint32_t ecx)                                      \
	{                                                                                        \
		(void)ctx;                                                                       \
		uint32_t lo, hi;                                                                 \
		/* NOLINTNEXTLINE(bugprone-macro-parentheses): an asm template is a literal */   \
		__asm__ volatile(rd_insn : "=a"(lo), "=d"(hi) : "c"(ecx));                       \
		return ((uint64_t)hi << 32) | lo;                                                \
	}                                                                                        \
	static inline void wr(void *ctx, uint32_t ecx, uint64_t v)                              \
	{                                                                                        \
		(void)ctx;                                                                       \
		/* NOLINTNEXTLINE(bugprone-macro-parentheses): an asm template is a literal */   \
		__asm__ volatile(wr_insn : : "c"(ecx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) \
				 : "memory");                                                    \
	}

X86_ECX_EDX_EAX(x86_host_rdmsr, x86_host_wrmsr, "rdmsr", "wrmsr")
X86_ECX_EDX_EAX(x86_host_xgetbv, x86_host_xsetbv, "xgetbv", "xsetbv")

/* NOLINTNEXTLINE(readability-non-const-parameter): written by the asm's outputs */
static inline void x86_host_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)ctx;
	__asm__ volatile("cpuid"
			 : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]), "=d"(out[3])
			 : "a"(leaf), "c"(sub));
}

#endif
