/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Start code of the loongarch64 test image (tests/la64-runner), for QEMU's loongarch `virt`
 * board booted with -kernel IMAGE.elf: QEMU 7.2 loads the ELF and starts the cpu at its
 * entry in direct address mode (CRMD.DA = 1, PG = 0, PLV0, interrupts off; LoongArch
 * Reference Manual Vol. 1 v1.10, 5.2 "Direct address translation mode" and 7.4.1 CRMD),
 * so the image is linked at its physical address (link.ld).
 *
 * _start: stack, .bss cleared, EENTRY = rt_vector with ECFG.VS = 0 (every exception and
 * interrupt at EENTRY, Vol. 1 7.4.4 and 7.4.10), then rt_main(), then power off.
 * rt_vector: hands ESTAT, ERA and BADV to rt_exception() (runner.c), which fails the
 *            running test and longjmps out of it (same privilege level: nothing to undo).
 * rt_setjmp/rt_longjmp: the callee-saved registers of the LoongArch psABI
 *            (ra, sp, fp, s0-s8).
 */
#define CSR_ECFG 0x4
#define CSR_ESTAT 0x5
#define CSR_ERA 0x6
#define CSR_BADV 0x7
#define CSR_EENTRY 0xc

	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	la.pcrel	$sp, rt_stack_top
	la.pcrel	$t0, __bss_start
	la.pcrel	$t1, __bss_end
1:	bgeu	$t0, $t1, 2f
	st.d	$zero, $t0, 0
	addi.d	$t0, $t0, 8
	b	1b
2:	ori	$t0, $zero, 0
	li.d	$t1, 0x70000		/* ECFG.VS [18:16] = 0 */
	csrxchg	$t0, $t1, CSR_ECFG
	la.pcrel	$t0, rt_vector
	csrwr	$t0, CSR_EENTRY
	move	$fp, $zero
	bl	rt_main
	bl	rt_poweroff
3:	idle	0
	b	3b
	.size _start, . - _start

	.text
	.balign 4096			/* EENTRY holds bits [63:12] (Vol. 1 7.4.10) */
	.globl rt_vector
	.type rt_vector, @function
rt_vector:
	csrrd	$a0, CSR_ESTAT
	csrrd	$a1, CSR_ERA
	csrrd	$a2, CSR_BADV
	addi.d	$sp, $sp, -64		/* the faulting code's stack, below what it used */
	bl	rt_exception		/* does not return */
4:	idle	0
	b	4b
	.size rt_vector, . - rt_vector

/* op (st.d or ld.d) on the registers a jump buffer at $a0 keeps: ra, sp, fp, s0-s8 (the
 * callee-saved registers of the LoongArch ELF psABI), 8 bytes each in that order. */
.macro JMPBUF op
	.set	off, 0
	.irp	r, $ra, $sp, $fp, $s0, $s1, $s2, $s3, $s4, $s5, $s6, $s7, $s8
	\op	\r, $a0, off
	.set	off, off + 8
	.endr
.endm

	.globl rt_setjmp
	.type rt_setjmp, @function
rt_setjmp:
	JMPBUF	st.d
	move	$a0, $zero
	jr	$ra
	.size rt_setjmp, . - rt_setjmp

	.globl rt_longjmp
	.type rt_longjmp, @function
rt_longjmp:
	JMPBUF	ld.d
	ori	$a0, $zero, 1
	jr	$ra
	.size rt_longjmp, . - rt_longjmp

	.bss
	.balign 16
	.space 65536
	.globl rt_stack_top
rt_stack_top:
