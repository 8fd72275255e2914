/* SPDX-License-Identifier: Apache-2.0 */
/*
 * riscv64 world switch and trap-safe probes (HS-mode). Privileged Architecture 1.12:
 *  - 8.2.1 hstatus.SPV = 1 with sstatus.SPP = 1: sret enters VS-mode (8.6.4, "Transitions
 *    between virtualization modes"); a trap from V = 1 to HS-mode sets V = 0 and uses stvec.
 *  - 4.1.6 sscratch holds the context pointer while the guest runs; the exit vector swaps it
 *    with a0 (csrrw), so no guest register is lost.
 *  - 8.3.1 HLVX.HU reads a halfword of guest memory as an instruction fetch would (VS-stage
 *    and G-stage, execute permission), encoded with .4byte since GCC 12 does not accept
 *    the H extension in -march.
 * Guest state lives in struct axv_rv64_ctx (include/axv/arch/riscv64.h): x[32] at 0, the
 * host's callee-saved registers at CTX_HOST (checked by a _Static_assert in hs.c).
 */
#define CTX_HOST 392
#define CSR_SSCRATCH 0x140
#define CSR_STVEC 0x105
#define CSR_SEPC 0x141
#define CSR_HSTATUS 0x600

	.option norvc
	.text

/* void axv_rv64_world_switch(struct axv_rv64_ctx *c): sepc, sstatus, hstatus, hgatp, the VS
 * CSRs and hvip are already loaded by the caller (hs.c); returns after the guest traps. */
	.globl axv_rv64_world_switch
	.type axv_rv64_world_switch, @function
	.balign 4
axv_rv64_world_switch:
	sd ra, (CTX_HOST + 0)(a0)
	sd sp, (CTX_HOST + 8)(a0)
	sd gp, (CTX_HOST + 16)(a0)
	sd tp, (CTX_HOST + 24)(a0)
	sd s0, (CTX_HOST + 32)(a0)
	sd s1, (CTX_HOST + 40)(a0)
	sd s2, (CTX_HOST + 48)(a0)
	sd s3, (CTX_HOST + 56)(a0)
	sd s4, (CTX_HOST + 64)(a0)
	sd s5, (CTX_HOST + 72)(a0)
	sd s6, (CTX_HOST + 80)(a0)
	sd s7, (CTX_HOST + 88)(a0)
	sd s8, (CTX_HOST + 96)(a0)
	sd s9, (CTX_HOST + 104)(a0)
	sd s10, (CTX_HOST + 112)(a0)
	sd s11, (CTX_HOST + 120)(a0)
	la t0, axv_rv64_guest_exit
	csrw CSR_STVEC, t0
	csrw CSR_SSCRATCH, a0
	ld x1, 8(a0)
	ld x2, 16(a0)
	ld x3, 24(a0)
	ld x4, 32(a0)
	ld x5, 40(a0)
	ld x6, 48(a0)
	ld x7, 56(a0)
	ld x8, 64(a0)
	ld x9, 72(a0)
	ld x11, 88(a0)
	ld x12, 96(a0)
	ld x13, 104(a0)
	ld x14, 112(a0)
	ld x15, 120(a0)
	ld x16, 128(a0)
	ld x17, 136(a0)
	ld x18, 144(a0)
	ld x19, 152(a0)
	ld x20, 160(a0)
	ld x21, 168(a0)
	ld x22, 176(a0)
	ld x23, 184(a0)
	ld x24, 192(a0)
	ld x25, 200(a0)
	ld x26, 208(a0)
	ld x27, 216(a0)
	ld x28, 224(a0)
	ld x29, 232(a0)
	ld x30, 240(a0)
	ld x31, 248(a0)
	ld x10, 80(a0)
	sret
	.size axv_rv64_world_switch, . - axv_rv64_world_switch

/* The exit vector (stvec while the guest runs; direct mode, 4-byte aligned). */
	.balign 4
axv_rv64_guest_exit:
	csrrw a0, CSR_SSCRATCH, a0
	sd x1, 8(a0)
	sd x2, 16(a0)
	sd x3, 24(a0)
	sd x4, 32(a0)
	sd x5, 40(a0)
	sd x6, 48(a0)
	sd x7, 56(a0)
	sd x8, 64(a0)
	sd x9, 72(a0)
	sd x11, 88(a0)
	sd x12, 96(a0)
	sd x13, 104(a0)
	sd x14, 112(a0)
	sd x15, 120(a0)
	sd x16, 128(a0)
	sd x17, 136(a0)
	sd x18, 144(a0)
	sd x19, 152(a0)
	sd x20, 160(a0)
	sd x21, 168(a0)
	sd x22, 176(a0)
	sd x23, 184(a0)
	sd x24, 192(a0)
	sd x25, 200(a0)
	sd x26, 208(a0)
	sd x27, 216(a0)
	sd x28, 224(a0)
	sd x29, 232(a0)
	sd x30, 240(a0)
	sd x31, 248(a0)
	csrr t0, CSR_SSCRATCH
	sd t0, 80(a0)
	sd zero, 0(a0)
	ld ra, (CTX_HOST + 0)(a0)
	ld sp, (CTX_HOST + 8)(a0)
	ld gp, (CTX_HOST + 16)(a0)
	ld tp, (CTX_HOST + 24)(a0)
	ld s0, (CTX_HOST + 32)(a0)
	ld s1, (CTX_HOST + 40)(a0)
	ld s2, (CTX_HOST + 48)(a0)
	ld s3, (CTX_HOST + 56)(a0)
	ld s4, (CTX_HOST + 64)(a0)
	ld s5, (CTX_HOST + 72)(a0)
	ld s6, (CTX_HOST + 80)(a0)
	ld s7, (CTX_HOST + 88)(a0)
	ld s8, (CTX_HOST + 96)(a0)
	ld s9, (CTX_HOST + 104)(a0)
	ld s10, (CTX_HOST + 112)(a0)
	ld s11, (CTX_HOST + 120)(a0)
	ret

/* A trap taken by one of the probes below: skip the 4-byte instruction, note it in t2. */
	.balign 4
axv_rv64_probe_trap:
	csrr t3, CSR_SEPC
	addi t3, t3, 4
	csrw CSR_SEPC, t3
	li t2, 1
	sret

/* int axv_rv64_probe_hstatus(uint64_t *value): 0 and *value = hstatus, or 1 if reading
 * hstatus traps (no H extension: an illegal-instruction exception, Priv 2.1). */
	.globl axv_rv64_probe_hstatus
	.type axv_rv64_probe_hstatus, @function
	.balign 4
axv_rv64_probe_hstatus:
	la t0, axv_rv64_probe_trap
	csrrw t1, CSR_STVEC, t0
	li t2, 0
	csrr t4, CSR_HSTATUS
	csrw CSR_STVEC, t1
	bnez t2, 1f
	sd t4, 0(a0)
1:	mv a0, t2
	ret
	.size axv_rv64_probe_hstatus, . - axv_rv64_probe_hstatus

/* int axv_rv64_hlvx_hu(uint64_t gva, uint16_t *half): 0, or 1 if the read traps. */
	.globl axv_rv64_hlvx_hu
	.type axv_rv64_hlvx_hu, @function
	.balign 4
axv_rv64_hlvx_hu:
	la t0, axv_rv64_probe_trap
	csrrw t1, CSR_STVEC, t0
	li t2, 0
	.4byte 0x64354673 /* hlvx.hu a2, (a0) */
	csrw CSR_STVEC, t1
	bnez t2, 1f
	sh a2, 0(a1)
1:	mv a0, t2
	ret
	.size axv_rv64_hlvx_hu, . - axv_rv64_hlvx_hu

/* void axv_rv64_hfence_gvma_asm(uint64_t gpa_shr2, uint64_t vmid, int all) */
	.globl axv_rv64_hfence_gvma_asm
	.type axv_rv64_hfence_gvma_asm, @function
	.balign 4
axv_rv64_hfence_gvma_asm:
	bnez a2, 1f
	.4byte 0x62b50073 /* hfence.gvma a0, a1 (Priv 8.3.2: rs1 = gpa >> 2, rs2 = vmid) */
	ret
1:	.4byte 0x62b00073 /* hfence.gvma zero, a1: every address of the VMID */
	ret
	.size axv_rv64_hfence_gvma_asm, . - axv_rv64_hfence_gvma_asm

	.globl axv_rv64_hfence_vvma_all
	.type axv_rv64_hfence_vvma_all, @function
	.balign 4
axv_rv64_hfence_vvma_all:
	.4byte 0x22000073 /* hfence.vvma zero, zero (for the VMID in hgatp) */
	ret
	.size axv_rv64_hfence_vvma_all, . - axv_rv64_hfence_vvma_all

/* void axv_rv64_fp_save(struct axv_rv64_fp *fp), void axv_rv64_fp_restore(const ... *fp):
 * f0-f31 and fcsr (Unprivileged ISA 11.2, 12.3), with sstatus.FS (bits 14:13) set to Dirty
 * around the accesses and then given back (Priv 3.1.6.6). D instructions are enabled for
 * these two functions only: the rest of the port is built without F/D. */
	.option push
	.option arch, +d
/* sstatus.FS to Dirty for the accesses (t0 = the FS mask, t1 = sstatus before) ... */
.macro fs_dirty
	li t0, (3 << 13)
	csrrs t1, sstatus, t0
.endm
/* ... and FS given back as it was. */
.macro fs_restore
	csrc sstatus, t0
	and t1, t1, t0
	csrs sstatus, t1
.endm
/* \op (fsd or fld) f0-f31 at 8 * n (a0): struct axv_rv64_fp's f[]. */
.macro fp_regs op
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	\op f\n, (8 * \n)(a0)
	.endr
.endm
	.globl axv_rv64_fp_save
	.type axv_rv64_fp_save, @function
	.balign 4
axv_rv64_fp_save:
	fs_dirty
	fp_regs fsd
	frcsr t2
	sd t2, 256(a0)
	fs_restore
	ret
	.size axv_rv64_fp_save, . - axv_rv64_fp_save

	.globl axv_rv64_fp_restore
	.type axv_rv64_fp_restore, @function
	.balign 4
axv_rv64_fp_restore:
	fs_dirty
	fp_regs fld
	ld t2, 256(a0)
	fscsr t2
	fs_restore
	ret
	.size axv_rv64_fp_restore, . - axv_rv64_fp_restore
	.option pop
