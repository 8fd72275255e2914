/* Test guest entry: a Linux arm64 Image header (Documentation/arch/arm64/booting.rst), so the
 * example hypervisor loads these guests exactly as it loads Linux. Entered at EL1h, MMU off,
 * x0 = DTB. Built with -DRAW_IMAGE there is no header: a raw binary, which QEMU's -kernel
 * (and the example hypervisor) load at RAM base + 0x80000, where guest.ld links it. */
#include "../../../examples/aarch64-virt/a64_entry.h"

	.section .text.head, "ax"
	.global	_head
_head:
	b	start			/* code0 */
#ifndef RAW_IMAGE
	.word	0			/* code1 */
	.quad	0x80000			/* text_offset */
	.quad	_end - _head		/* image_size */
	.quad	0x2			/* flags: little endian, 4K pages */
	.quad	0, 0, 0			/* res2-4 */
	.ascii	"ARM\x64"		/* magic */
	.word	0			/* res5 */
#endif

start:
	mov	x19, x0			/* DTB */
	ldr	x1, =__stack_top
	mov	sp, x1
	ldr	x1, =guest_vectors
	msr	vbar_el1, x1
	isb
	ZERO_BSS
	mov	x0, x19
	bl	guest_main
	bl	psci_system_off
3:	b	3b

/* A secondary vcpu started by PSCI CPU_ON: x0 = context id. */
	.global	secondary_start
secondary_start:
	ldr	x1, =__stack2_top
	mov	sp, x1
	ldr	x1, =guest_vectors
	msr	vbar_el1, x1
	isb
	bl	secondary_main
4:	b	4b

/* EL1 vectors: synchronous exceptions and IRQs from the current EL go to C. */
.macro vec handler
	.balign	0x80
	sub	sp, sp, #272
	PAIRS	stp, 0, x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17, \
		x18, x30
	mov	x0, sp
	bl	\handler
	b	vec_return
.endm

	.text
	.balign	2048
	.global	guest_vectors
guest_vectors:
	vec	guest_unexpected	/* current EL, SP_EL0 */
	vec	guest_unexpected
	vec	guest_unexpected
	vec	guest_unexpected
	vec	guest_sync		/* current EL, SP_ELx: sync */
	vec	guest_irq		/* IRQ */
	vec	guest_unexpected	/* FIQ */
	vec	guest_unexpected	/* SError */

vec_return:
	PAIRS	ldp, 0, x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17, \
		x18, x30
	add	sp, sp, #272
	eret

	.section .note.GNU-stack, "", %progbits
