/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EL2 vector table and the guest world switch.
 *
 * axv_a64_enter(ctx) saves the host's callee-saved registers in ctx->host, loads the guest's
 * general registers, SP_EL0, ELR_EL2 and SPSR_EL2 from ctx and ERETs. An exception from the
 * guest (lower EL) lands in the vector table, which stores every guest general register and
 * the syndrome registers (ESR_EL2, FAR_EL2, HPFAR_EL2) in the context found through
 * TPIDR_EL2 (struct axv_a64_cpu, whose first member is the running context), restores the
 * host registers and returns the trap kind from axv_a64_enter. EL1 system registers and
 * FP/SIMD are switched in C / by axv_a64_fpsimd_save/restore.
 *
 * Exceptions taken at EL2 itself go to axv_a64_host_trap(frame) with a frame of the host's
 * registers, then ERET (the handler may change the frame's ELR/SPSR).
 *
 * References: DDI 0487 D1.10.2 (vector offsets), C5 (system registers).
 */

/* struct axv_a64_ctx offsets (checked by _Static_assert in el2.c) */
#define CTX_X0 0
#define CTX_SP_EL0 248
#define CTX_PC 256
#define CTX_ESR 272
#define CTX_HPFAR 288
#define CTX_FPSIMD 304
#define CTX_FPSR 816
#define CTX_HOST 832

/* struct axv_a64_cpu offsets (checked in el2.c) */
#define CPU_VEC_HOOK 104

/* host trap frame: x0..x30, elr, spsr, esr, far, kind (36 x 8 bytes, rounded to 288) */
#define FRAME_SIZE 304

	.text

/* ---- guest exit paths -------------------------------------------------------------------- */

.macro guest_exit kind
	stp	x0, x1, [sp, #-16]!
	mrs	x1, tpidr_el2			/* struct axv_a64_cpu */
	ldr	x0, [x1]			/* the running context */
	stp	x2, x3, [x0, #16]
	stp	x4, x5, [x0, #32]
	stp	x6, x7, [x0, #48]
	stp	x8, x9, [x0, #64]
	stp	x10, x11, [x0, #80]
	stp	x12, x13, [x0, #96]
	stp	x14, x15, [x0, #112]
	stp	x16, x17, [x0, #128]
	stp	x18, x19, [x0, #144]
	stp	x20, x21, [x0, #160]
	stp	x22, x23, [x0, #176]
	stp	x24, x25, [x0, #192]
	stp	x26, x27, [x0, #208]
	stp	x28, x29, [x0, #224]
	str	x30, [x0, #240]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #CTX_X0]
	mov	x2, #\kind
	b	axv_a64_guest_exit
.endm

/* Load the guest's general registers from the context at x0 (x0 last). */
.macro load_guest_gprs
	ldp	x2, x3, [x0, #16]
	ldp	x4, x5, [x0, #32]
	ldp	x6, x7, [x0, #48]
	ldp	x8, x9, [x0, #64]
	ldp	x10, x11, [x0, #80]
	ldp	x12, x13, [x0, #96]
	ldp	x14, x15, [x0, #112]
	ldp	x16, x17, [x0, #128]
	ldp	x18, x19, [x0, #144]
	ldp	x20, x21, [x0, #160]
	ldp	x22, x23, [x0, #176]
	ldp	x24, x25, [x0, #192]
	ldp	x26, x27, [x0, #208]
	ldp	x28, x29, [x0, #224]
	ldr	x30, [x0, #240]
	ldp	x0, x1, [x0, #CTX_X0]
.endm

.macro host_trap kind
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x0, #\kind
	b	axv_a64_host_entry
.endm

	.balign	2048
	.global	axv_a64_vectors
	.type	axv_a64_vectors, %function
axv_a64_vectors:
	/* current EL with SP_EL0 */
	.balign 0x80
	host_trap 0
	.balign 0x80
	host_trap 1
	.balign 0x80
	host_trap 2
	.balign 0x80
	host_trap 3
	/* current EL with SP_ELx */
	.balign 0x80
	host_trap 0
	.balign 0x80
	host_trap 1
	.balign 0x80
	host_trap 2
	.balign 0x80
	host_trap 3
	/* lower EL, AArch64 */
	.balign 0x80
	guest_exit 0
	.balign 0x80
	guest_exit 1
	.balign 0x80
	guest_exit 2
	.balign 0x80
	guest_exit 3
	/* lower EL, AArch32 (not supported as guests: reported like AArch64 exits) */
	.balign 0x80
	guest_exit 0
	.balign 0x80
	guest_exit 1
	.balign 0x80
	guest_exit 2
	.balign 0x80
	guest_exit 3
	.size	axv_a64_vectors, . - axv_a64_vectors

/* x0 = context (guest general registers stored), x1 = this cpu (struct axv_a64_cpu),
 * x2 = trap kind. The syndrome, ELR_EL2 and SPSR_EL2 go to the context. A synchronous exit
 * of a run with a vector hook is offered to it here first (run_el2.h a64_vec_fn, on the
 * host's stack: SP_EL2 is the host's since axv_a64_enter()); when the hook completed it the
 * guest is entered again from here: no system register is written unless the hook moved
 * the pc or changed PSTATE (then ELR_EL2 / SPSR_EL2), and SP_EL0 and the host's registers
 * are not touched. The guest's x19-x21 serve as scratch: they are in the context. */
	.type	axv_a64_guest_exit, %function
axv_a64_guest_exit:
	mrs	x20, elr_el2			/* kept in x20, x21 for the comparison below */
	mrs	x21, spsr_el2
	stp	x20, x21, [x0, #CTX_PC]
	mrs	x3, esr_el2
	mrs	x4, far_el2
	stp	x3, x4, [x0, #CTX_ESR]
	mrs	x3, hpfar_el2
	stp	x3, x2, [x0, #CTX_HPFAR]	/* hpfar, trap */
	cbnz	x2, 2f				/* interrupts and SErrors leave */
	ldr	x3, [x1, #CPU_VEC_HOOK]
	cbz	x3, 2f
	mov	x19, x0
	mov	x0, x1
	mov	x1, x19
	blr	x3				/* cpu->vec_hook(cpu, ctx): 1 = enter again */
	cbz	x0, 1f
	ldp	x2, x3, [x19, #CTX_PC]
	cmp	x2, x20
	ccmp	x3, x21, #0, eq			/* Z: neither pc nor PSTATE changed */
	b.ne	5f
4:	mov	x0, x19
	load_guest_gprs
	eret
	dsb	nsh				/* no speculation past ERET */
	isb
5:	cmp	x2, x20				/* each MSR ends QEMU's translation block: */
	b.eq	3f				/* only what changed is written */
	msr	elr_el2, x2
3:	cmp	x3, x21
	b.eq	4b
	msr	spsr_el2, x3
	b	4b
1:	mov	x0, x19
	mov	x2, #0				/* AXV_A64_TRAP_SYNC */
2:	mrs	x3, sp_el0
	str	x3, [x0, #CTX_SP_EL0]
	add	x3, x0, #CTX_HOST
	ldp	x19, x20, [x3, #0]
	ldp	x21, x22, [x3, #16]
	ldp	x23, x24, [x3, #32]
	ldp	x25, x26, [x3, #48]
	ldp	x27, x28, [x3, #64]
	ldp	x29, x30, [x3, #80]
	ldr	x4, [x3, #96]
	mov	sp, x4
	mov	x0, x2
	ret
	.size	axv_a64_guest_exit, . - axv_a64_guest_exit

/* uint64_t axv_a64_enter(struct axv_a64_ctx *ctx): run the guest until it exits. */
	.global	axv_a64_enter
	.type	axv_a64_enter, %function
axv_a64_enter:
	add	x2, x0, #CTX_HOST
	stp	x19, x20, [x2, #0]
	stp	x21, x22, [x2, #16]
	stp	x23, x24, [x2, #32]
	stp	x25, x26, [x2, #48]
	stp	x27, x28, [x2, #64]
	stp	x29, x30, [x2, #80]
	mov	x3, sp
	str	x3, [x2, #96]
	ldr	x2, [x0, #CTX_SP_EL0]
	msr	sp_el0, x2
	ldp	x2, x3, [x0, #CTX_PC]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	load_guest_gprs
	eret
	dsb	nsh				/* no speculation past ERET */
	isb
	.size	axv_a64_enter, . - axv_a64_enter

/* ---- exceptions at EL2 ------------------------------------------------------------------- */

/* sp -> frame with x0, x1 stored; x0 = kind */
	.type	axv_a64_host_entry, %function
axv_a64_host_entry:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	mrs	x1, elr_el2
	stp	x30, x1, [sp, #240]
	mrs	x1, spsr_el2
	mrs	x2, esr_el2
	stp	x1, x2, [sp, #256]
	mrs	x1, far_el2
	stp	x1, x0, [sp, #272]		/* far, kind */
	mov	x0, sp
	bl	axv_a64_host_trap
	ldp	x1, x2, [sp, #248]		/* elr, spsr */
	msr	elr_el2, x1
	msr	spsr_el2, x2
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	add	sp, sp, #FRAME_SIZE
	eret
	.size	axv_a64_host_entry, . - axv_a64_host_entry

/* ---- FP/SIMD ------------------------------------------------------------------------------ */

/* void axv_a64_fpsimd_save(struct axv_a64_ctx *ctx) */
	.global	axv_a64_fpsimd_save
	.type	axv_a64_fpsimd_save, %function
axv_a64_fpsimd_save:
	add	x1, x0, #CTX_FPSIMD
	stp	q0, q1, [x1, #0]
	stp	q2, q3, [x1, #32]
	stp	q4, q5, [x1, #64]
	stp	q6, q7, [x1, #96]
	stp	q8, q9, [x1, #128]
	stp	q10, q11, [x1, #160]
	stp	q12, q13, [x1, #192]
	stp	q14, q15, [x1, #224]
	stp	q16, q17, [x1, #256]
	stp	q18, q19, [x1, #288]
	stp	q20, q21, [x1, #320]
	stp	q22, q23, [x1, #352]
	stp	q24, q25, [x1, #384]
	stp	q26, q27, [x1, #416]
	stp	q28, q29, [x1, #448]
	stp	q30, q31, [x1, #480]
	mrs	x2, fpsr
	mrs	x3, fpcr
	add	x1, x0, #CTX_FPSR
	stp	x2, x3, [x1]
	ret
	.size	axv_a64_fpsimd_save, . - axv_a64_fpsimd_save

/* void axv_a64_fpsimd_restore(const struct axv_a64_ctx *ctx) */
	.global	axv_a64_fpsimd_restore
	.type	axv_a64_fpsimd_restore, %function
axv_a64_fpsimd_restore:
	add	x1, x0, #CTX_FPSIMD
	ldp	q0, q1, [x1, #0]
	ldp	q2, q3, [x1, #32]
	ldp	q4, q5, [x1, #64]
	ldp	q6, q7, [x1, #96]
	ldp	q8, q9, [x1, #128]
	ldp	q10, q11, [x1, #160]
	ldp	q12, q13, [x1, #192]
	ldp	q14, q15, [x1, #224]
	ldp	q16, q17, [x1, #256]
	ldp	q18, q19, [x1, #288]
	ldp	q20, q21, [x1, #320]
	ldp	q22, q23, [x1, #352]
	ldp	q24, q25, [x1, #384]
	ldp	q26, q27, [x1, #416]
	ldp	q28, q29, [x1, #448]
	ldp	q30, q31, [x1, #480]
	add	x1, x0, #CTX_FPSR
	ldp	x2, x3, [x1]
	msr	fpsr, x2
	msr	fpcr, x3
	ret
	.size	axv_a64_fpsimd_restore, . - axv_a64_fpsimd_restore

	.section .note.GNU-stack, "", %progbits
