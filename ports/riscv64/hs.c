/* SPDX-License-Identifier: Apache-2.0 */
/*
 * riscv64 HS-mode hardware: H-extension detection and the hypervisor CSRs of a hart, the
 * CSR half of the world switch around entry.S, and the fences. Runs only on riscv64.
 * CSRs are named by number (Privileged Architecture 1.12, Table 2.2-2.3) since GCC 12 does
 * not accept the H extension in -march.
 */
#include <axv/arch/riscv64.h>
#include <axv/err.h>

#include <stddef.h>
#include "rv64_hw.h"

_Static_assert(offsetof(struct axv_rv64_ctx, x) == 0, "entry.S: x[] at 0");
_Static_assert(offsetof(struct axv_rv64_ctx, host) == 392, "entry.S: CTX_HOST");
_Static_assert(offsetof(struct axv_rv64_fp, fcsr) == 256, "entry.S: fcsr at 256");

#define csr_read(csr)                                                   \
	({                                                              \
		uint64_t v_;                                            \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_)::"memory"); \
		v_;                                                     \
	})
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"r"((uint64_t)(val)) : "memory")

/* entry.S */
void axv_rv64_world_switch(struct axv_rv64_ctx *c);
int axv_rv64_probe_hstatus(uint64_t *value);
int axv_rv64_hlvx_hu(uint64_t gva, uint16_t *half);
void axv_rv64_hfence_gvma_asm(uint64_t gpa_shr2, uint64_t vmid, int all);

/* Priv 8.2.2 hedeleg: instruction address misaligned (0), illegal instruction (2),
 * breakpoint (3), ecall from VU (8), instruction (12), load (13) and store (15) page faults go
 * to the guest's own handler, as on a machine without a hypervisor (an instruction VS-mode
 * may not run because of virtualization is a virtual-instruction exception instead, 8.6.1).
 * The guest-page faults, virtual instructions and VS ecalls stay in HS-mode. */
#define HEDELEG_GUEST                                                                        \
	((1u << 0) | (1u << 2) | (1u << 3) | (1u << 8) | (1u << 12) | (1u << 13) | (1u << 15))
/* Priv 8.2.2 hideleg: VSSIP (2), VSTIP (6), VSEIP (10) are taken by the guest in VS-mode. */
#define HIDELEG_GUEST (AXV_RV64_HVIP_VSSIP | AXV_RV64_HVIP_VSTIP | AXV_RV64_HVIP_VSEIP)
/* Priv 8.2.5 hcounteren: CY (0), TM (1), IR (2) readable by the guest. */
#define HCOUNTEREN_GUEST 0x7u
#define HGATP_VMID_SHIFT 44
#define HGATP_VMID_MASK 0x3fffull

int axv_rv64_cpu_enable(struct axv_rv64_cpu *cpu)
{
	if (!cpu)
		return AXV_EINVAL;
	uint64_t hstatus;
	/* misa is M-mode only (Priv 3.1.1) and SBI 1.0 has no call for it: try hstatus. */
	if (axv_rv64_probe_hstatus(&hstatus) != 0)
		return AXV_ENOTSUP;
	csr_write(0x602, HEDELEG_GUEST);   /* hedeleg */
	csr_write(0x603, HIDELEG_GUEST);   /* hideleg */
	csr_write(0x606, HCOUNTEREN_GUEST); /* hcounteren */
	csr_write(0x605, 0);               /* htimedelta: guest time = host time */
	csr_write(0x645, 0);               /* hvip */
	csr_write(0x604, 0);               /* hie: no VS or guest-external interrupt for HS */
	csr_write(0x607, 0);               /* hgeie */
	/* Priv 8.2.10: VMIDLEN is found by writing ones to hgatp.VMID (MODE Bare). */
	csr_write(0x680, HGATP_VMID_MASK << HGATP_VMID_SHIFT);
	uint64_t vmid = (csr_read(0x680) >> HGATP_VMID_SHIFT) & HGATP_VMID_MASK;
	csr_write(0x680, 0);
	unsigned n = 0;
	while (vmid & 1u) {
		n++;
		vmid >>= 1;
	}
	cpu->vmid_bits = n;
	cpu->host_stvec = csr_read(0x105);
	cpu->enabled = true;
	/* Priv 8.3.2: no stale G-stage or VS-stage translation from earlier users. */
	__asm__ volatile(".4byte 0x62000073" ::: "memory"); /* hfence.gvma zero, zero */
	return 0;
}

int axv_rv64_cpu_disable(struct axv_rv64_cpu *cpu)
{
	if (!cpu || !cpu->enabled)
		return AXV_ESTATE;
	csr_write(0x602, 0);
	csr_write(0x603, 0);
	csr_write(0x645, 0);
	csr_write(0x680, 0);
	__asm__ volatile(".4byte 0x62000073" ::: "memory");
	cpu->enabled = false;
	return 0;
}

int axv_rv64_enter(struct axv_rv64_cpu *cpu, struct axv_rv64_ctx *c)
{
	if (!cpu || !cpu->enabled || !c)
		return AXV_ESTATE;
	uint64_t host_sstatus = csr_read(0x100);
	uint64_t host_stvec = csr_read(0x105);
	csr_write(0x680, c->hgatp);
	if (c->entry_flags & AXV_RV64_ENTRY_VVMA) {
		axv_rv64_hfence_vvma_all(); /* for the VMID just written to hgatp */
		c->entry_flags &= ~AXV_RV64_ENTRY_VVMA;
	}
	csr_write(0x200, c->vs.vsstatus);
	csr_write(0x204, c->vs.vsie);
	csr_write(0x205, c->vs.vstvec);
	csr_write(0x240, c->vs.vsscratch);
	csr_write(0x241, c->vs.vsepc);
	csr_write(0x242, c->vs.vscause);
	csr_write(0x243, c->vs.vstval);
	csr_write(0x280, c->vs.vsatp);
	csr_write(0x645, c->hvip);
	csr_write(0x600, c->hstatus);
	/* sret: SPP = 1 (to S, made VS by hstatus.SPV), SPIE = 0, the guest's FS. */
	csr_write(0x100, (host_sstatus & ~(AXV_RV64_SSTATUS_SPP | AXV_RV64_SSTATUS_SPIE |
					  AXV_RV64_SSTATUS_SIE | AXV_RV64_SSTATUS_FS_MASK)) |
				 (c->sstatus & (AXV_RV64_SSTATUS_SPP | AXV_RV64_SSTATUS_FS_MASK)));
	csr_write(0x141, c->pc);
	axv_rv64_world_switch(c);
	c->pc = csr_read(0x141);
	c->scause = csr_read(0x142);
	c->stval = csr_read(0x143);
	c->htval = csr_read(0x643);
	c->htinst = csr_read(0x64a);
	c->hstatus_exit = csr_read(0x600);
	/* The guest's privilege at the trap (Priv 8.2.1, 4.1.1): sstatus.SPP says VS (1) or VU
	 * (0), hstatus.SPVP the same for HLV/HSV; the next entry returns there. */
	c->sstatus = (c->sstatus & ~AXV_RV64_SSTATUS_SPP) | (csr_read(0x100) & AXV_RV64_SSTATUS_SPP);
	c->hstatus = (c->hstatus & ~AXV_RV64_HSTATUS_SPVP) | (c->hstatus_exit & AXV_RV64_HSTATUS_SPVP);
	/* hvip.VSSIP is the guest's sip.SSIP (Priv 8.2.3): the guest may have cleared it. */
	c->hvip = csr_read(0x645);
	c->vs.vsstatus = csr_read(0x200);
	c->vs.vsie = csr_read(0x204);
	c->vs.vstvec = csr_read(0x205);
	c->vs.vsscratch = csr_read(0x240);
	c->vs.vsepc = csr_read(0x241);
	c->vs.vscause = csr_read(0x242);
	c->vs.vstval = csr_read(0x243);
	c->vs.vsatp = csr_read(0x280);
	csr_write(0x105, host_stvec);
	csr_write(0x100, host_sstatus);
	return 0;
}

int axv_rv64_fetch16(void *ctx, uint64_t gva, uint16_t *half)
{
	(void)ctx; /* hgatp, vsatp and hstatus.SPVP are still the guest's after its exit */
	if (!half)
		return AXV_EINVAL;
	return axv_rv64_hlvx_hu(gva, half) == 0 ? 0 : AXV_EFAULT;
}

void axv_rv64_hfence_gvma(uint32_t vmid, axv_gpa_t gpa)
{
	if (gpa == AXV_GPA_ALL)
		axv_rv64_hfence_gvma_asm(0, vmid, 1);
	else
		axv_rv64_hfence_gvma_asm(gpa >> 2, vmid, 0);
}
