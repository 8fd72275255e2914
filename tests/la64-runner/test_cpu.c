/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The loongarch64 port on a LoongArch cpu without LVZ (QEMU 7.2's la464 model): what the
 * LVZ runtime (ports/loongarch64/lvz.c) does when the virtualization extension is absent,
 * and that the LVZ instructions the assembler now writes from mnemonics are the encodings
 * the port documents (lvz.h's LVZ_* words, the .word path of clang-16).
 *
 * LoongArch Reference Manual Vol. 1 v1.10, 2.2.10.5 CPUCFG: configuration word 2, bit 10
 * LVZ ("virtualization extension implemented"), bits [13:11] LVZ_VER. Without LVZ the
 * LVZ instructions (gcsrrd, gcsrwr, gcsrxchg, gtlbflush, ...) raise the instruction
 * non-existent exception INE (Ecode 0xd, Vol. 1 7.4.6 table 7-8).
 */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/arch/loongarch64.h>
#include <axv/err.h>
#include <axv/percpu.h>
#include <axv/vcpu.h>

#include "../../ports/loongarch64/lvz.h"
#include "la64_hw.h"

static uint32_t cpucfg_word(uint32_t w)
{
	uint64_t v, i = w;
	__asm__ volatile("cpucfg %0, %1" : "=r"(v) : "r"(i));
	return (uint32_t)v;
}

static uint64_t ks4(void)
{
	uint64_t v;
	CSR_READ(v, AXV_LA64_CSR_KS4);
	return v;
}

static void no_lvz(void)
{
	CSR_WRITE(0, AXV_LA64_CSR_KS4); /* no cpu enabled yet */
	cr_assert_eq(cpucfg_word(2) & AXV_LA64_CPUCFG2_LVZP, 0,
		     "these tests need a cpu without LVZ (QEMU 7.2's la464)");
}

TestSuite(la64_cpu, .init = no_lvz);

Test(la64_cpu, cpu_enable_without_lvz_is_enotsup,
     .description = "axv_la64_cpu_enable() on a cpu without LVZ returns AXV_ENOTSUP")
{
	struct axv_la64_cpu cpu, before;
	memset(&cpu, 0x5a, sizeof(cpu));
	memcpy(&before, &cpu, sizeof(cpu));
	cr_expect_eq(axv_la64_cpu_enable(&cpu), AXV_ENOTSUP);
	cr_expect_eq(memcmp(&cpu, &before, sizeof(cpu)), 0, "the cpu state is untouched");
	cr_expect_eq(ks4(), 0, "KS4 does not point to it");
	cr_expect_null(axv_la64_this_cpu());
	cr_expect_eq(axv_la64_cpu_enable(NULL), AXV_EINVAL);
}

Test(la64_cpu, percpu_enable_without_lvz_is_enotsup,
     .description = "axv_percpu_enable() over axv_la64_percpu_ops returns AXV_ENOTSUP")
{
	struct axv_la64_cpu cpu;
	struct axv_percpu pc;
	memset(&cpu, 0, sizeof(cpu));
	cr_assert_eq(axv_percpu_init(&pc, 0, &axv_la64_percpu_ops, &cpu), 0);
	cr_expect_eq(axv_percpu_enable(&pc), AXV_ENOTSUP);
	cr_expect_not(axv_percpu_enabled(&pc), "the count stays 0");
	cr_expect_not(cpu.enabled);
	cr_expect_eq(axv_percpu_disable(&pc), AXV_ESTATE);
	cr_expect_eq(ks4(), 0);
}

Test(la64_cpu, nothing_runs_on_a_cpu_that_was_not_enabled)
{
	struct axv_la64_cpu cpu;
	struct axv_la64_ctx c;
	memset(&cpu, 0, sizeof(cpu));
	cr_expect_eq(axv_la64_cpu_enable(&cpu), AXV_ENOTSUP);
	axv_la64_ctx_init(&c, 0x1c000000, 0);
	cr_expect_eq(axv_la64_run(&cpu, &c), AXV_ESTATE, "no guest entry without LVZ");
	cr_expect_eq(axv_la64_run(NULL, &c), AXV_EINVAL);
	/* A vcpu of the port cannot bind here: axv_la64_this_cpu() is NULL. */
	struct axv_la64_vcpu v;
	cr_expect_eq(axv_la64_vcpu_ops.create(&v, 0), 0);
	cr_expect_eq(axv_la64_vcpu_ops.bind(&v), AXV_ESTATE);
}

/* The assembler's words for the LVZ mnemonics, with the registers the .word path pins
 * ($t0 = r12 data, $t1 = r13 mask). In a data section: read, never executed. */
__asm__(".pushsection .rodata.la64_lvz_words, \"a\"\n"
	".balign 4\n"
	"la64_lvz_words:\n"
	"gcsrrd $t0, 0x5\n"
	"gcsrwr $t0, 0x5\n"
	"gcsrxchg $t0, $t1, 0x5\n"
	"gcsrrd $t0, 0x183\n"
	"gcsrwr $t0, 0x41\n"
	"gcsrxchg $t0, $t1, 0x50\n"
	"gtlbflush\n"
	".popsection\n");
extern const uint32_t la64_lvz_words[];

Test(la64_cpu, lvz_mnemonics_are_the_documented_encodings,
     .description = "LLVM 19's gcsrrd/gcsrwr/gcsrxchg/gtlbflush words equal lvz.h's LVZ_* encodings")
{
	cr_expect_eq(la64_lvz_words[0], LVZ_GCSRRD(AXV_LA64_CSR_ESTAT));
	cr_expect_eq(la64_lvz_words[1], LVZ_GCSRWR(AXV_LA64_CSR_ESTAT));
	cr_expect_eq(la64_lvz_words[2], LVZ_GCSRXCHG(AXV_LA64_CSR_ESTAT));
	cr_expect_eq(la64_lvz_words[3], LVZ_GCSRRD(0x183));
	cr_expect_eq(la64_lvz_words[4], LVZ_GCSRWR(AXV_LA64_CSR_TCFG));
	cr_expect_eq(la64_lvz_words[5], LVZ_GCSRXCHG(0x50));
	cr_expect_eq(la64_lvz_words[6], 0x06482401u, "gtlbflush");
}

/* The port's compiled axv_la64_gcsr_save: one gcsrrd (rj = 0, any rd) of every guest CSR
 * of struct axv_la64_gcsr, up to its return (jirl $zero, $ra, 0). */
Test(la64_cpu, gcsr_save_reads_every_guest_csr_with_gcsrrd)
{
	static const uint32_t csrs[] = {0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0xc,
					0x10, 0x11, 0x12, 0x13, 0x18, 0x19, 0x1a, 0x1c, 0x1d,
					0x1e, 0x1f, 0x20, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35,
					0x36, 0x37, 0x38, 0x40, 0x41, 0x42, 0x43, 0x60, 0x88,
					0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x180, 0x181,
					0x182, 0x183};
	const uint32_t *code = (const uint32_t *)(const void *)axv_la64_gcsr_save;
	unsigned found[sizeof(csrs) / sizeof(csrs[0])] = {0};
	unsigned n = 0;
	for (; n < 4096 && code[n] != 0x4c000020u; n++) {
		uint32_t w = code[n];
		if ((w & 0xff0003e0u) != AXV_LA64_INSN_GCSR_OP)
			continue; /* not gcsrrd */
		for (unsigned i = 0; i < sizeof(csrs) / sizeof(csrs[0]); i++)
			if (((w >> 10) & 0x3fffu) == csrs[i])
				found[i]++;
	}
	cr_assert_lt(n, 4096u, "no return found");
	for (unsigned i = 0; i < sizeof(csrs) / sizeof(csrs[0]); i++)
		cr_expect_eq(found[i], 1u, "gcsrrd of CSR 0x%x", csrs[i]);
}
