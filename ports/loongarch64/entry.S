/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest entry and exit of the loongarch64 port (LoongArch only).
 *
 * axv_la64_enter(ctx): saves the host's callee-saved registers in ctx->host (the caller has
 * made ctx the current context of the struct axv_la64_cpu that KS4 points to), sets PRMD.PIE (host interrupts leave the guest) and PPLV 0, GSTAT.PVM (so ERTN
 * returns to guest mode, LVZ GSTAT bit 1), ERA = ctx->pc, loads the guest's r1-r31 and
 * enters the guest with ERTN (Vol. 1 4.2.6.1).
 *
 * axv_la64_exit_vector: EENTRY while a guest runs (lvz.c sets ECFG.VS = 0, so every
 * exception and interrupt comes here; EENTRY needs 4 KiB alignment, Vol. 1 7.4.10). It saves
 * the guest's registers, ERA, ESTAT, BADV and BADI into the context, clears GSTAT.PVM and
 * returns to axv_la64_enter's caller with the host's registers.
 *
 * Context offsets (checked by _Static_assert in lvz.c): gpr 0, pc 256, estat 264, badv 272,
 * badi 280, host 288.
 */
#define CTX_PC 256
#define CTX_ESTAT 264
#define CTX_BADV 272
#define CTX_BADI 280
#define CTX_HOST 288

#define CSR_PRMD 0x1
#define CSR_ESTAT 0x5
#define CSR_ERA 0x6
#define CSR_BADV 0x7
#define CSR_BADI 0x8
#define CSR_KS4 0x34
#define CSR_KS5 0x35
#define CSR_GSTAT 0x50

	.text
	.globl axv_la64_enter
	.type axv_la64_enter, @function
	.balign 8
axv_la64_enter:
	st.d	$ra, $a0, CTX_HOST + 0
	st.d	$tp, $a0, CTX_HOST + 8
	st.d	$sp, $a0, CTX_HOST + 16
	st.d	$r21, $a0, CTX_HOST + 24
	st.d	$fp, $a0, CTX_HOST + 32
	st.d	$s0, $a0, CTX_HOST + 40
	st.d	$s1, $a0, CTX_HOST + 48
	st.d	$s2, $a0, CTX_HOST + 56
	st.d	$s3, $a0, CTX_HOST + 64
	st.d	$s4, $a0, CTX_HOST + 72
	st.d	$s5, $a0, CTX_HOST + 80
	st.d	$s6, $a0, CTX_HOST + 88
	st.d	$s7, $a0, CTX_HOST + 96
	st.d	$s8, $a0, CTX_HOST + 104

	ori	$t0, $zero, 0x4			/* PRMD: PIE = 1, PPLV = 0 */
	ori	$t1, $zero, 0x7
	csrxchg	$t0, $t1, CSR_PRMD
	ori	$t0, $zero, 0x2			/* GSTAT.PVM = 1 */
	csrxchg	$t0, $t0, CSR_GSTAT
	ld.d	$t0, $a0, CTX_PC
	csrwr	$t0, CSR_ERA

	ld.d	$r1, $a0, 8
	ld.d	$r2, $a0, 16
	ld.d	$r3, $a0, 24
	ld.d	$r5, $a0, 40
	ld.d	$r6, $a0, 48
	ld.d	$r7, $a0, 56
	ld.d	$r8, $a0, 64
	ld.d	$r9, $a0, 72
	ld.d	$r10, $a0, 80
	ld.d	$r11, $a0, 88
	ld.d	$r12, $a0, 96
	ld.d	$r13, $a0, 104
	ld.d	$r14, $a0, 112
	ld.d	$r15, $a0, 120
	ld.d	$r16, $a0, 128
	ld.d	$r17, $a0, 136
	ld.d	$r18, $a0, 144
	ld.d	$r19, $a0, 152
	ld.d	$r20, $a0, 160
	ld.d	$r21, $a0, 168
	ld.d	$r22, $a0, 176
	ld.d	$r23, $a0, 184
	ld.d	$r24, $a0, 192
	ld.d	$r25, $a0, 200
	ld.d	$r26, $a0, 208
	ld.d	$r27, $a0, 216
	ld.d	$r28, $a0, 224
	ld.d	$r29, $a0, 232
	ld.d	$r30, $a0, 240
	ld.d	$r31, $a0, 248
	ld.d	$r4, $a0, 32
	ertn
	.size axv_la64_enter, . - axv_la64_enter

	.balign 4096
	.globl axv_la64_exit_vector
	.type axv_la64_exit_vector, @function
axv_la64_exit_vector:
	csrwr	$a0, CSR_KS5			/* KS5 = guest a0 */
	csrrd	$a0, CSR_KS4			/* a0 = this cpu's struct axv_la64_cpu */
	ld.d	$a0, $a0, 0			/* a0 = cpu->cur, the context */
	st.d	$r1, $a0, 8
	st.d	$r2, $a0, 16
	st.d	$r3, $a0, 24
	st.d	$r5, $a0, 40
	st.d	$r6, $a0, 48
	st.d	$r7, $a0, 56
	st.d	$r8, $a0, 64
	st.d	$r9, $a0, 72
	st.d	$r10, $a0, 80
	st.d	$r11, $a0, 88
	st.d	$r12, $a0, 96
	st.d	$r13, $a0, 104
	st.d	$r14, $a0, 112
	st.d	$r15, $a0, 120
	st.d	$r16, $a0, 128
	st.d	$r17, $a0, 136
	st.d	$r18, $a0, 144
	st.d	$r19, $a0, 152
	st.d	$r20, $a0, 160
	st.d	$r21, $a0, 168
	st.d	$r22, $a0, 176
	st.d	$r23, $a0, 184
	st.d	$r24, $a0, 192
	st.d	$r25, $a0, 200
	st.d	$r26, $a0, 208
	st.d	$r27, $a0, 216
	st.d	$r28, $a0, 224
	st.d	$r29, $a0, 232
	st.d	$r30, $a0, 240
	st.d	$r31, $a0, 248
	csrrd	$t0, CSR_KS5
	st.d	$t0, $a0, 32
	st.d	$zero, $a0, 0
	csrrd	$t0, CSR_ERA
	st.d	$t0, $a0, CTX_PC
	csrrd	$t0, CSR_ESTAT
	st.d	$t0, $a0, CTX_ESTAT
	csrrd	$t0, CSR_BADV
	st.d	$t0, $a0, CTX_BADV
	csrrd	$t0, CSR_BADI
	st.d	$t0, $a0, CTX_BADI
	ori	$t1, $zero, 0x2			/* GSTAT.PVM = 0: back in the root for good */
	csrxchg	$zero, $t1, CSR_GSTAT

	ld.d	$ra, $a0, CTX_HOST + 0
	ld.d	$tp, $a0, CTX_HOST + 8
	ld.d	$sp, $a0, CTX_HOST + 16
	ld.d	$r21, $a0, CTX_HOST + 24
	ld.d	$fp, $a0, CTX_HOST + 32
	ld.d	$s0, $a0, CTX_HOST + 40
	ld.d	$s1, $a0, CTX_HOST + 48
	ld.d	$s2, $a0, CTX_HOST + 56
	ld.d	$s3, $a0, CTX_HOST + 64
	ld.d	$s4, $a0, CTX_HOST + 72
	ld.d	$s5, $a0, CTX_HOST + 80
	ld.d	$s6, $a0, CTX_HOST + 88
	ld.d	$s7, $a0, CTX_HOST + 96
	ld.d	$s8, $a0, CTX_HOST + 104
	jirl	$zero, $ra, 0			/* return from axv_la64_enter */
	.size axv_la64_exit_vector, . - axv_la64_exit_vector
