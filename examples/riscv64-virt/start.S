/* Entry from OpenSBI in HS-mode (SBI 1.0, 4 "Binary encoding"; OpenSBI's fw_jump/dynamic:
 * a0 = hart id, a1 = devicetree). Secondary harts come through SBI HSM hart_start with
 * a1 = opaque = their slot (SBI 9.1). Each slot has a 32 KiB stack; tp holds the slot (the
 * HAL's cpu_id). Interrupts stay masked in HS-mode (sstatus.SIE = 0). */
	.option norvc
	.section .text.entry
	.globl _start
_start:
	csrw sie, zero
	csrci sstatus, 2
	la t0, __bss_start
	la t1, __bss_end
1:	bgeu t0, t1, 2f
	sd zero, 0(t0)
	addi t0, t0, 8
	j 1b
2:	li tp, 0
	la sp, __stacks
	li t0, 0x8000
	add sp, sp, t0
	la t0, host_trap
	csrw stvec, t0
	call hyp_main
3:	wfi
	j 3b

	.globl secondary_entry
	.balign 4
secondary_entry:
	csrw sie, zero
	csrci sstatus, 2
	mv tp, a1
	la sp, __stacks
	li t0, 0x8000
	addi t1, a1, 1
	mul t0, t0, t1
	add sp, sp, t0
	la t0, host_trap
	csrw stvec, t0
	call secondary_main
4:	wfi
	j 4b

/* An unexpected trap in HS-mode: report and power off (main.c). */
	.balign 4
host_trap:
	csrr a0, scause
	csrr a1, sepc
	csrr a2, stval
	call host_panic
5:	j 5b
