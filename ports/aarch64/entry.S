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

/* ---- register sequences ------------------------------------------------------------------- */

/* \op (stp or ldp) the register pair \r\a, \r\b at \off from \base. */
.macro regpair op, r, a, b, base, off
	\op	\r\a, \r\b, [\base, #\off]
.endm

/* \op the pairs \r<n>, \r<n+1> for n = \first, \first + 2, ... below \last, at
 * \off + \size * (n - \first) from \base (in .altmacro mode: %() evaluates). */
.macro regpairs op, r, base, first, last, size, off
	regpair \op, \r, \first, %(\first + 1), \base, \off
	.if \first + 2 < \last
	regpairs \op, \r, \base, %(\first + 2), \last, \size, %(\off + 2 * \size)
	.endif
.endm

/* x2..x29 at their places in a block of general registers at \base (x<n> at 8 * n:
 * struct axv_a64_ctx's x[], the host trap frame). */
.macro gprs_x2_x29 op, base
	.altmacro
	regpairs \op, x, \base, 2, 29, 8, 16
	.noaltmacro
.endm

/* The host's callee-saved x19..x30 at \base (struct axv_a64_ctx's host[]). */
.macro host_callee op, base
	.altmacro
	regpairs \op, x, \base, 19, 30, 8, 0
	.noaltmacro
.endm

/* q0..q31 at \base (struct axv_a64_ctx's FP/SIMD registers). */
.macro fpsimd_q op, base
	.altmacro
	regpairs \op, q, \base, 0, 31, 16, 0
	.noaltmacro
.endm

/* ---- guest exit paths -------------------------------------------------------------------- */

.macro guest_exit kind
	stp	x0, x1, [sp, #-16]!
	mrs	x1, tpidr_el2			/* struct axv_a64_cpu */
	ldr	x0, [x1]			/* the running context */
	gprs_x2_x29 stp, x0
	str	x30, [x0, #240]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #CTX_X0]
	mov	x2, #\kind
	b	axv_a64_guest_exit
.endm

/* Load the guest's general registers from the context at x0 (x0 last). */
.macro load_guest_gprs
	gprs_x2_x29 ldp, x0
	ldr	x30, [x0, #240]
	ldp	x0, x1, [x0, #CTX_X0]
.endm

.macro host_trap kind
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x0, #\kind
	b	axv_a64_host_entry
.endm

/* The four entries of a vector table quarter (synchronous, IRQ, FIQ, SError: trap kinds
 * 0-3), 0x80 bytes apart (D1.10.2), each the macro \entry of its kind. */
.macro vectors4 entry
	.irp kind, 0, 1, 2, 3
	.balign 0x80
	\entry \kind
	.endr
.endm

	.balign	2048
	.global	axv_a64_vectors
	.type	axv_a64_vectors, %function
axv_a64_vectors:
	vectors4 host_trap		/* current EL with SP_EL0 */
	vectors4 host_trap		/* current EL with SP_ELx */
	vectors4 guest_exit		/* lower EL, AArch64 */
	vectors4 guest_exit		/* lower EL, AArch32 (not supported as guests: reported
					 * like AArch64 exits) */
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
	host_callee ldp, x3
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
	host_callee stp, x2
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
	gprs_x2_x29 stp, sp
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
	gprs_x2_x29 ldp, sp
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
	fpsimd_q stp, x1
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
	fpsimd_q ldp, x1
	add	x1, x0, #CTX_FPSR
	ldp	x2, x3, [x1]
	msr	fpsr, x2
	msr	fpcr, x3
	ret
	.size	axv_a64_fpsimd_restore, . - axv_a64_fpsimd_restore

	.section .note.GNU-stack, "", %progbits
