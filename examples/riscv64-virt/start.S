/* Entry from OpenSBI in HS-mode (SBI 1.0, 4 "Binary encoding"; OpenSBI's fw_jump/dynamic:
 * a0 = hart id, a1 = devicetree). Secondary harts come through SBI HSM hart_start with
 * a1 = opaque = their slot (SBI 9.1). Each slot has a 32 KiB stack; tp holds the slot (the
 * HAL's cpu_id). Interrupts stay masked in HS-mode (sstatus.SIE = 0). */
	.option norvc
	.section .text.entry
	.globl _start
_start:
	/* Only the first hart here boots. OpenSBI 1.1's hart_start publishes the target's
	 * START_PENDING state before its next address and argument, so a hart still on its way
	 * to its HSM wait (its warm boot) can leave at the cold boot's address, this one, with
	 * a0 = its hart id and a1 the boot devicetree: it goes to its slot instead. */
	la t0, boot_claimed
	li t1, 1
	amoswap.w.aqrl t1, t1, (t0)
	bnez t1, stale_secondary
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

/* A secondary hart at the primary entry: its slot from hart_slot[a0] (slot + 1, written by
 * hyp_main before any hart is started; 0: not one of ours, which waits for good). */
stale_secondary:
	li t0, 64
	bgeu a0, t0, 6f
	la t0, hart_slot
	add t0, t0, a0
	fence rw, rw
	lbu a1, 0(t0)
	beqz a1, 6f
	addi a1, a1, -1
	j secondary_entry
6:	wfi
	j 6b

/* An unexpected trap in HS-mode: report and power off (main.c). */
	.balign 4
host_trap:
	csrr a0, scause
	csrr a1, sepc
	csrr a2, stval
	call host_panic
5:	j 5b

	.section .data
	.balign 4
boot_claimed: /* set by the first hart at _start; in .data: _start clears .bss */
	.word 0
