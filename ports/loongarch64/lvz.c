/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LVZ runtime of the loongarch64 port: guest CSR save/restore, per-cpu enable, running a
 * guest context, and TLB maintenance of guest-physical mappings. Built only for LoongArch.
 *
 * References: LoongArch Reference Manual Vol. 1 (v1.10) 7.1 table 7-1 (CSR numbers), 7.4
 * (CRMD, PRMD, ECFG, ESTAT, EENTRY, PGDL), 4.2.4.7 INVTLB (op 0x15: every entry of a GID,
 * op 0x16: entries of a GID that map an address); LVZ: GSTAT, GCFG, GINTC, GCNTC, GTLBC and
 * the gcsr and gtlb instructions (encodings in lvz.h).
 */
#include <stddef.h>

#include <axv/arch/loongarch64.h>
#include <axv/err.h>

#include "lvz.h"
#include "la64_hw.h"

/* entry.S */
void axv_la64_enter(struct axv_la64_ctx *c);
extern const char axv_la64_exit_vector[];

/* entry.S addresses these by offset. */
_Static_assert(offsetof(struct axv_la64_ctx, gpr) == 0, "ctx layout");
_Static_assert(offsetof(struct axv_la64_ctx, pc) == 256, "ctx layout");
_Static_assert(offsetof(struct axv_la64_ctx, estat) == 264, "ctx layout");
_Static_assert(offsetof(struct axv_la64_ctx, badv) == 272, "ctx layout");
_Static_assert(offsetof(struct axv_la64_ctx, badi) == 280, "ctx layout");
_Static_assert(offsetof(struct axv_la64_ctx, host) == 288, "ctx layout");
_Static_assert(offsetof(struct axv_la64_cpu, cur) == 0, "cpu layout");

/* Every guest CSR of struct axv_la64_gcsr with its number (Vol. 1 table 7-1). */
#define GCSR_LIST(X)                                                                        \
	X(crmd, 0x0) X(prmd, 0x1) X(euen, 0x2) X(misc, 0x3) X(ecfg, 0x4) X(estat, 0x5)      \
	X(era, 0x6) X(badv, 0x7) X(badi, 0x8) X(eentry, 0xc) X(tlbidx, 0x10)                \
	X(tlbehi, 0x11) X(tlbelo0, 0x12) X(tlbelo1, 0x13) X(asid, 0x18) X(pgdl, 0x19)       \
	X(pgdh, 0x1a) X(pwctl0, 0x1c) X(pwctl1, 0x1d) X(stlbpgsize, 0x1e) X(rvacfg, 0x1f)   \
	X(cpuid, 0x20) X(ks[0], 0x30) X(ks[1], 0x31) X(ks[2], 0x32) X(ks[3], 0x33)          \
	X(ks[4], 0x34) X(ks[5], 0x35) X(ks[6], 0x36) X(ks[7], 0x37) X(ks[8], 0x38)          \
	X(tmid, 0x40) X(tcfg, 0x41) X(tval, 0x42) X(cntc, 0x43) X(llbctl, 0x60)             \
	X(tlbrentry, 0x88) X(tlbrbadv, 0x89) X(tlbrera, 0x8a) X(tlbrsave, 0x8b)             \
	X(tlbrelo0, 0x8c) X(tlbrelo1, 0x8d) X(tlbrehi, 0x8e) X(tlbrprmd, 0x8f)              \
	X(dmw[0], 0x180) X(dmw[1], 0x181) X(dmw[2], 0x182) X(dmw[3], 0x183)

/* Guest ESTAT.IS lines the root injects: SWI0-1 and PMI, TI, IPI (HWI0-7 come from GINTC). */
#define GESTAT_INJECT_MASK 0x1c03ull

void axv_la64_gcsr_save(struct axv_la64_gcsr *g)
{
#define SAVE(f, n) GCSR_READ(g->f, n);
	GCSR_LIST(SAVE)
#undef SAVE
}

void axv_la64_gcsr_restore(const struct axv_la64_gcsr *g)
{
#define RESTORE(f, n) GCSR_WRITE(g->f, n);
	GCSR_LIST(RESTORE)
#undef RESTORE
	/* gcsrwr writes only ESTAT's software bits; the injected lines need gcsrxchg. */
	/* cppcheck-suppress constStatement ; an asm statement (.word encoding) cppcheck cannot parse */
	GCSR_XCHG(g->estat, GESTAT_INJECT_MASK, AXV_LA64_CSR_ESTAT);
}

static uint32_t cpucfg(uint32_t word)
{
	uint64_t v, w = word;
	__asm__ volatile("cpucfg %0, %1" : "=r"(v) : "r"(w));
	return (uint32_t)v;
}

int axv_la64_cpu_enable(struct axv_la64_cpu *cpu)
{
	if (!cpu)
		return AXV_EINVAL;
	/* Vol. 1 2.2.10.5 CPUCFG: configuration word 2, bit 10 (LVZ) says whether the
	 * virtualization extension is implemented. Without it the LVZ instructions below raise
	 * INE (QEMU 7.2's la464 lets the csrrd/csrwr of GCFG, GSTAT, GINTC and GTLBC pass and
	 * faults at gtlbflush), so nothing is touched: no CSR, not *cpu, not KS4.
	 * tests/la64-runner checks this on qemu-system-loongarch64. */
	if (!(cpucfg(2) & AXV_LA64_CPUCFG2_LVZP))
		return AXV_ENOTSUP;
	uint64_t caps, gstat, gtlbc;
	CSR_READ(caps, AXV_LA64_CSR_GCFG);
	/* The guest owns its timer, exceptions and privileged instructions (TIT, TOE, TOP,
	 * TORU clear); cache operations it may not do safely trap (GCI = 2); the root's
	 * memory type wins when the cpu allows it (MATC = 1). */
	uint64_t gcfg = 0;
	if (caps & AXV_LA64_GCFG_GCIP_SECURE)
		gcfg |= AXV_LA64_GCFG_GCI_SECURE;
	if (caps & AXV_LA64_GCFG_MATP_ROOT)
		gcfg |= AXV_LA64_GCFG_MATC_ROOT;
	CSR_WRITE(gcfg, AXV_LA64_CSR_GCFG);
	CSR_WRITE(0, AXV_LA64_CSR_GSTAT);
	CSR_WRITE(0, AXV_LA64_CSR_GINTC);
	/* Root TLB instructions act on GTLBC.TGID; guest TLB instructions do not trap. */
	CSR_XCHG(AXV_LA64_GTLBC_USETGID, AXV_LA64_GTLBC_USETGID | AXV_LA64_GTLBC_TOTI,
		 AXV_LA64_CSR_GTLBC);
	lvz_gtlbflush();
	CSR_READ(gstat, AXV_LA64_CSR_GSTAT);
	CSR_READ(gtlbc, AXV_LA64_CSR_GTLBC);
	cpu->cur = NULL;
	cpu->gcfg = gcfg;
	cpu->gid_bits = (uint32_t)(gstat >> AXV_LA64_GSTAT_GIDBIT_SHIFT) & 0x3fu;
	cpu->gtlb_size = (uint32_t)(gtlbc & AXV_LA64_GTLBC_GMTLBSZ_MASK);
	cpu->enabled = true;
	CSR_WRITE((uint64_t)(uintptr_t)cpu, AXV_LA64_CSR_KS4); /* for bind and the exit vector */
	return 0;
}

struct axv_la64_cpu *axv_la64_this_cpu(void)
{
	uint64_t p;
	CSR_READ(p, AXV_LA64_CSR_KS4);
	/* NOLINTNEXTLINE(performance-no-int-to-ptr): KS4 holds the per-cpu pointer by design */
	return (struct axv_la64_cpu *)(uintptr_t)p;
}

int axv_la64_cpu_disable(struct axv_la64_cpu *cpu)
{
	if (!cpu)
		return AXV_EINVAL;
	CSR_WRITE(0, AXV_LA64_CSR_GCFG);
	CSR_WRITE(0, AXV_LA64_CSR_GSTAT);
	CSR_WRITE(0, AXV_LA64_CSR_GINTC);
	lvz_gtlbflush();
	CSR_WRITE(0, AXV_LA64_CSR_KS4);
	cpu->enabled = false;
	return 0;
}

int axv_la64_run(struct axv_la64_cpu *cpu, struct axv_la64_ctx *c)
{
	if (!cpu || !c)
		return AXV_EINVAL;
	if (!cpu->enabled)
		return AXV_ESTATE;
	uint64_t h_pgdl, h_eentry, h_ecfg, gid = c->gid & 0xffu;
	CSR_READ(h_pgdl, AXV_LA64_CSR_PGDL);
	CSR_READ(h_eentry, AXV_LA64_CSR_EENTRY);
	CSR_READ(h_ecfg, AXV_LA64_CSR_ECFG);

	axv_la64_gcsr_restore(&c->gcsr);
	CSR_WRITE(c->gintc, AXV_LA64_CSR_GINTC);
	CSR_WRITE(c->gcntc, AXV_LA64_CSR_GCNTC);
	CSR_XCHG(gid << AXV_LA64_GSTAT_GID_SHIFT, 0xffull << AXV_LA64_GSTAT_GID_SHIFT,
		 AXV_LA64_CSR_GSTAT);
	CSR_XCHG(gid << AXV_LA64_GTLBC_TGID_SHIFT, 0xffull << AXV_LA64_GTLBC_TGID_SHIFT,
		 AXV_LA64_CSR_GTLBC);
	CSR_WRITE(c->root, AXV_LA64_CSR_PGDL);
	/* One entry for every exception and interrupt while the guest runs. */
	CSR_XCHG(0, AXV_LA64_ECFG_VS_MASK, AXV_LA64_CSR_ECFG);
	CSR_WRITE((uint64_t)(uintptr_t)axv_la64_exit_vector, AXV_LA64_CSR_EENTRY);

	cpu->cur = c;
	axv_la64_enter(c); /* returns after the guest's next exception into the root */
	cpu->cur = NULL;

	CSR_WRITE(h_eentry, AXV_LA64_CSR_EENTRY);
	CSR_WRITE(h_ecfg, AXV_LA64_CSR_ECFG);
	CSR_WRITE(h_pgdl, AXV_LA64_CSR_PGDL);
	CSR_READ(c->gintc, AXV_LA64_CSR_GINTC);
	axv_la64_gcsr_save(&c->gcsr);
	c->gpr[0] = 0;
	return 0;
}

/* ---- TLB maintenance of guest-physical mappings ----------------------------------------- */

/* INVTLB ops (Vol. 1 4.2.4.7 with LVZ): 0x15 every entry of a guest id, 0x16 the entries
 * of a guest id that map the address in rk. rj carries the guest id where GSTAT has it,
 * bits [23:16] (as Linux's kvm_flush_tlb_gpa passes it). */
#define INVTLB_GID_ALL 0x15
#define INVTLB_GID_ADDR 0x16
/* Beyond this many page pairs one invalidation of the whole guest is cheaper. */
#define TLB_RANGE_PAIRS 32u

static void tlb_flush_all(void *ctx, uint64_t tag)
{
	(void)ctx;
	uint64_t gid = (tag & 0xffu) << AXV_LA64_GSTAT_GID_SHIFT;
	__asm__ volatile("dbar 0\n\tinvtlb %1, %0, $zero\n\tdbar 0"
			 :
			 : "r"(gid), "i"(INVTLB_GID_ALL)
			 : "memory");
}

static void tlb_flush_range(void *ctx, uint64_t tag, axv_gpa_t gpa, uint64_t size)
{
	/* A TLB entry maps an even/odd pair of 4 KiB pages: invalidate per 8 KiB. */
	uint64_t first = gpa & ~0x1fffull;
	uint64_t span = gpa - first + size; /* size is non-zero and does not wrap */
	uint64_t pairs = (span + 0x1fffu) >> 13;
	if (pairs > TLB_RANGE_PAIRS) {
		tlb_flush_all(ctx, tag);
		return;
	}
	uint64_t gid = (tag & 0xffu) << AXV_LA64_GSTAT_GID_SHIFT;
	__asm__ volatile("dbar 0" : : : "memory");
	for (uint64_t i = 0; i < pairs; i++) {
		uint64_t a = first + (i << 13);
		__asm__ volatile("invtlb %2, %0, %1"
				 :
				 : "r"(gid), "r"(a), "i"(INVTLB_GID_ADDR)
				 : "memory");
	}
	__asm__ volatile("dbar 0" : : : "memory");
}

const struct axv_hal_tlb_ops axv_la64_tlb_ops = {
	.flush_range = tlb_flush_range,
	.flush_all = tlb_flush_all,
};
