/* riscv64 test guest entry (VS-mode, translation off): a0 = hart id, a1 = the DTB (hart 0)
 * or the HSM opaque value (a hart started with SBI hart_start). */
	.section .text.head
	.globl _head
_head:
	.option push
	.option norelax
	la gp, _head
	.option pop
	la t0, trap_entry
	csrw stvec, t0
	bnez a0, 2f
	la t0, __bss_start
	la t1, __bss_end
1:	bgeu t0, t1, 3f
	sd zero, 0(t0)
	addi t0, t0, 8
	j 1b
3:	la sp, __stack_top
	call guest_start
4:	j 4b
2:	la sp, __stack2_top
	call secondary_main
5:	wfi
	j 5b

/* Every trap: save the registers in a frame on the stack, call trap_dispatch, return. */
	.balign 4
trap_entry:
	addi sp, sp, -272
	sd x1, 8(sp)
	sd x3, 24(sp)
	sd x4, 32(sp)
	sd x5, 40(sp)
	sd x6, 48(sp)
	sd x7, 56(sp)
	sd x8, 64(sp)
	sd x9, 72(sp)
	sd x10, 80(sp)
	sd x11, 88(sp)
	sd x12, 96(sp)
	sd x13, 104(sp)
	sd x14, 112(sp)
	sd x15, 120(sp)
	sd x16, 128(sp)
	sd x17, 136(sp)
	sd x18, 144(sp)
	sd x19, 152(sp)
	sd x20, 160(sp)
	sd x21, 168(sp)
	sd x22, 176(sp)
	sd x23, 184(sp)
	sd x24, 192(sp)
	sd x25, 200(sp)
	sd x26, 208(sp)
	sd x27, 216(sp)
	sd x28, 224(sp)
	sd x29, 232(sp)
	sd x30, 240(sp)
	sd x31, 248(sp)
	addi t0, sp, 272
	sd t0, 16(sp)
	csrr t0, sepc
	sd t0, 0(sp)
	csrr t0, sstatus
	sd t0, 256(sp)
	mv a0, sp
	csrr a1, scause
	csrr a2, stval
	call trap_dispatch
	ld t0, 0(sp)
	csrw sepc, t0
	ld x1, 8(sp)
	ld x3, 24(sp)
	ld x4, 32(sp)
	ld x5, 40(sp)
	ld x6, 48(sp)
	ld x7, 56(sp)
	ld x8, 64(sp)
	ld x9, 72(sp)
	ld x10, 80(sp)
	ld x11, 88(sp)
	ld x12, 96(sp)
	ld x13, 104(sp)
	ld x14, 112(sp)
	ld x15, 120(sp)
	ld x16, 128(sp)
	ld x17, 136(sp)
	ld x18, 144(sp)
	ld x19, 152(sp)
	ld x20, 160(sp)
	ld x21, 168(sp)
	ld x22, 176(sp)
	ld x23, 184(sp)
	ld x24, 192(sp)
	ld x25, 200(sp)
	ld x26, 208(sp)
	ld x27, 216(sp)
	ld x28, 224(sp)
	ld x29, 232(sp)
	ld x30, 240(sp)
	ld x31, 248(sp)
	addi sp, sp, 272
	sret
