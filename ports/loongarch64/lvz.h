/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: root CSR access and the LVZ instructions as inline assembly (LoongArch only).
 *
 * The LVZ instructions' encodings (LVZ extension; as binutils' loongarch-opc.c and Linux
 * arch/loongarch use them):
 *   gcsrrd   rd, csr       0x05000000 | csr << 10 | 0 << 5  | rd
 *   gcsrwr   rd, csr       0x05000000 | csr << 10 | 1 << 5  | rd
 *   gcsrxchg rd, rj, csr   0x05000000 | csr << 10 | rj << 5 | rd   (rj >= 2)
 *   gtlbfill               0x06483401
 *   gtlbflush              0x06482401
 * LLVM 19's assembler (the cross build, cross/loongarch64.ini) knows gcsrrd, gcsrwr,
 * gcsrxchg and gtlbflush: they are written as mnemonics. It does not know gtlbfill, and
 * LLVM 16's (the compile-only check, cross/loongarch64-clang16.ini) knows none of them:
 * those are emitted with .word, with the data register pinned, since a .word cannot name
 * the compiler's choice of register: rd is $t0 (r12) and the gcsrxchg mask is $t1 (r13).
 * The LVZ_* encodings below are what the .word path emits; tests/la64-runner checks on the
 * cpu that the assembler's mnemonics produce the same words.
 */
#ifndef AXV_PORT_LA64_LVZ_H
#define AXV_PORT_LA64_LVZ_H

#include <axv/arch/loongarch64.h>
#include "la64_hw.h"

#define LVZ_T0 12u /* $t0 */
#define LVZ_T1 13u /* $t1 */

#define LVZ_GCSRRD(csr) (AXV_LA64_INSN_GCSR_OP | ((uint32_t)(csr) << 10) | LVZ_T0)
#define LVZ_GCSRWR(csr) (AXV_LA64_INSN_GCSR_OP | ((uint32_t)(csr) << 10) | (1u << 5) | LVZ_T0)
#define LVZ_GCSRXCHG(csr)                                                                   \
	(AXV_LA64_INSN_GCSR_OP | ((uint32_t)(csr) << 10) | (LVZ_T1 << 5) | LVZ_T0)

#if defined(__clang__) && __clang_major__ < 19
#define AXV_LA64_LVZ_WORDS 1 /* the assembler lacks the gcsr and gtlbflush mnemonics */
#else
#define AXV_LA64_LVZ_WORDS 0
#endif

/* Each LVZ access below is one instruction on either path, with its data register pinned
 * to $t0 (and gcsrxchg's mask to $t1, never r0 or r1: those encodings are gcsrrd and
 * gcsrwr): the .word path emits the LVZ_* word (operand 1 or 2), the mnemonic path the same
 * instruction by name (the CSR number, the last operand). */
#if AXV_LA64_LVZ_WORDS
#define LVZ_INSN(word, mnemonic) word
#else
#define LVZ_INSN(word, mnemonic) mnemonic
#endif

/* dst = guest CSR csr (gcsrrd $t0, csr). csr must be a constant. */
#define GCSR_READ(dst, csr)                                                                 \
	do {                                                                                \
		register uint64_t t0_ __asm__("$t0");                                       \
		__asm__ volatile(LVZ_INSN(".word %1", "gcsrrd %0, %2")                      \
				 : "=r"(t0_)                                                \
				 : "i"(LVZ_GCSRRD(csr)), "i"(csr));                         \
		(dst) = t0_;                                                                \
	} while (0)

/* guest CSR csr = src (gcsrwr $t0, csr; $t0 receives the old value). */
#define GCSR_WRITE(src, csr)                                                                \
	do {                                                                                \
		register uint64_t t0_ __asm__("$t0") = (src);                               \
		__asm__ volatile(LVZ_INSN(".word %1", "gcsrwr %0, %2")                      \
				 : "+r"(t0_)                                                \
				 : "i"(LVZ_GCSRWR(csr)), "i"(csr)                           \
				 : "memory");                                               \
	} while (0)

/* guest CSR csr = (csr & ~mask) | (val & mask) (gcsrxchg $t0, $t1, csr). */
#define GCSR_XCHG(val, mask, csr)                                                           \
	do {                                                                                \
		register uint64_t t0_ __asm__("$t0") = (val);                               \
		register uint64_t t1_ __asm__("$t1") = (mask);                              \
		__asm__ volatile(LVZ_INSN(".word %2", "gcsrxchg %0, %1, %3")                \
				 : "+r"(t0_)                                                \
				 : "r"(t1_), "i"(LVZ_GCSRXCHG(csr)), "i"(csr)               \
				 : "memory");                                               \
	} while (0)

/* gtlbflush: invalidate every guest TLB entry (LVZ; 0x06482401). */
static inline void lvz_gtlbflush(void)
{
	__asm__ volatile(LVZ_INSN(".word 0x06482401 /* gtlbflush */", "gtlbflush") ::: "memory");
}

/* Root CSRs: the assembler knows these. */
#define CSR_READ(dst, csr) __asm__ volatile("csrrd %0, %1" : "=r"(dst) : "i"(csr))
#define CSR_WRITE(src, csr)                                                                 \
	do {                                                                                \
		uint64_t v_ = (src);                                                        \
		__asm__ volatile("csrwr %0, %1" : "+r"(v_) : "i"(csr) : "memory");          \
	} while (0)
#define CSR_XCHG(val, mask, csr)                                                            \
	do {                                                                                \
		uint64_t v_ = (val);                                                        \
		__asm__ volatile("csrxchg %0, %1, %2"                                       \
				 : "+r"(v_)                                                 \
				 : "r"((uint64_t)(mask)), "i"(csr)                          \
				 : "memory");                                               \
	} while (0)

/* gtlbfill: write the guest TLB entry described by the guest TLBEHI/TLBELO0/TLBELO1/TLBIDX
 * CSRs at a random position (LVZ; 0x06483401; no LLVM 19 mnemonic). */
static inline void lvz_gtlbfill(void)
{
	__asm__ volatile(".word 0x06483401 /* gtlbfill */" ::: "memory");
}

#endif
