/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the riscv64 port (and its tests): the hardware encodings it decodes and
 * programs that embedders do not use (G-stage PTE bits, CSR numbers, sstatus, hstatus and
 * hvip fields, instruction encodings). What embedders use is in <axv/arch/riscv64.h>.
 */
#ifndef AXV_PORT_RISCV64_RV64_HW_H
#define AXV_PORT_RISCV64_RV64_HW_H

#include <axv/arch/riscv64.h>

/* ---- G-stage PTE bits (Priv 4.3.1, 8.5.1) ------------------------------------------------ */

/** PTE bit V, valid (Priv 4.3.1, Figure 4.18). */
#define AXV_RV64_PTE_V (1ull << 0)
/** PTE bit R, readable. */
#define AXV_RV64_PTE_R (1ull << 1)
/** PTE bit W, writable. */
#define AXV_RV64_PTE_W (1ull << 2)
/** PTE bit X, executable. */
#define AXV_RV64_PTE_X (1ull << 3)
/** PTE bit U: G-stage leaves must have it (Priv 8.5.1: accesses are treated as U-mode). */
#define AXV_RV64_PTE_U (1ull << 4)
/** PTE bit G, global (not used in G-stage tables). */
#define AXV_RV64_PTE_G (1ull << 5)
/** PTE bit A, accessed. */
#define AXV_RV64_PTE_A (1ull << 6)
/** PTE bit D, dirty. */
#define AXV_RV64_PTE_D (1ull << 7)
/** PTE bits RSW [9:8], reserved for supervisor software; bit 8 marks a broken leaf. */
#define AXV_RV64_PTE_RSW0 (1ull << 8)
/** PPN field of a PTE, bits 53:10 (56-bit physical addresses, Priv 4.4.1): the format's
 *  oa_mask, with oa_shift 2 (the field holds pa >> 2 of a page-aligned pa). */
#define AXV_RV64_OA_MASK 0x003ffffffffffc00ull

/* ---- CSRs (Priv 2.2 Table 2.2 and 2.3, chapter 8.2) ------------------------------------ */

#define AXV_RV64_CSR_SSTATUS 0x100u    /**< sstatus */
#define AXV_RV64_CSR_SIE 0x104u        /**< sie */
#define AXV_RV64_CSR_STVEC 0x105u      /**< stvec */
#define AXV_RV64_CSR_SSCRATCH 0x140u   /**< sscratch */
#define AXV_RV64_CSR_SEPC 0x141u       /**< sepc */
#define AXV_RV64_CSR_SCAUSE 0x142u     /**< scause */
#define AXV_RV64_CSR_STVAL 0x143u      /**< stval */
#define AXV_RV64_CSR_SIP 0x144u        /**< sip */
#define AXV_RV64_CSR_SATP 0x180u       /**< satp */
#define AXV_RV64_CSR_VSSTATUS 0x200u   /**< vsstatus */
#define AXV_RV64_CSR_VSIE 0x204u       /**< vsie */
#define AXV_RV64_CSR_VSTVEC 0x205u     /**< vstvec */
#define AXV_RV64_CSR_VSSCRATCH 0x240u  /**< vsscratch */
#define AXV_RV64_CSR_VSEPC 0x241u      /**< vsepc */
#define AXV_RV64_CSR_VSCAUSE 0x242u    /**< vscause */
#define AXV_RV64_CSR_VSTVAL 0x243u     /**< vstval */
#define AXV_RV64_CSR_VSIP 0x244u       /**< vsip */
#define AXV_RV64_CSR_VSATP 0x280u      /**< vsatp */
#define AXV_RV64_CSR_HSTATUS 0x600u    /**< hstatus (Priv 8.2.1) */
#define AXV_RV64_CSR_HEDELEG 0x602u    /**< hedeleg (Priv 8.2.2) */
#define AXV_RV64_CSR_HIDELEG 0x603u    /**< hideleg (Priv 8.2.2) */
#define AXV_RV64_CSR_HIE 0x604u        /**< hie (Priv 8.2.3) */
#define AXV_RV64_CSR_HTIMEDELTA 0x605u /**< htimedelta (Priv 8.2.7) */
#define AXV_RV64_CSR_HCOUNTEREN 0x606u /**< hcounteren (Priv 8.2.5) */
#define AXV_RV64_CSR_HGEIE 0x607u      /**< hgeie (Priv 8.2.4) */
#define AXV_RV64_CSR_HTVAL 0x643u      /**< htval (Priv 8.2.8) */
#define AXV_RV64_CSR_HIP 0x644u        /**< hip (Priv 8.2.3) */
#define AXV_RV64_CSR_HVIP 0x645u       /**< hvip (Priv 8.2.3) */
#define AXV_RV64_CSR_HTINST 0x64au     /**< htinst (Priv 8.2.9) */
#define AXV_RV64_CSR_HGATP 0x680u      /**< hgatp (Priv 8.2.10) */
#define AXV_RV64_CSR_TIME 0xc01u       /**< time (Priv 2.2, Zicntr) */

#define AXV_RV64_SSTATUS_SIE (1ull << 1)      /**< sstatus.SIE (Priv 4.1.1) */
#define AXV_RV64_SSTATUS_SPIE (1ull << 5)     /**< sstatus.SPIE */
#define AXV_RV64_SSTATUS_SPP (1ull << 8)      /**< sstatus.SPP: the trap came from S (VS) */
#define AXV_RV64_SSTATUS_FS_MASK (3ull << 13) /**< sstatus.FS (Priv 3.1.6.6) */
#define AXV_RV64_SSTATUS_FS_INITIAL (1ull << 13) /**< FS = Initial */

#define AXV_RV64_HSTATUS_VSBE (1ull << 5)  /**< hstatus.VSBE: VS accesses big-endian (Priv 8.2.1) */
#define AXV_RV64_HSTATUS_GVA (1ull << 6)   /**< hstatus.GVA: stval holds a guest virtual address */
#define AXV_RV64_HSTATUS_SPV (1ull << 7)   /**< hstatus.SPV: the trap came from V = 1; sret enters V = 1 */
#define AXV_RV64_HSTATUS_SPVP (1ull << 8)  /**< hstatus.SPVP: the guest's privilege (1: VS) */
#define AXV_RV64_HSTATUS_HU (1ull << 9)    /**< hstatus.HU: U-mode may use HLV/HSV */
#define AXV_RV64_HSTATUS_VTVM (1ull << 20) /**< hstatus.VTVM: trap VS sfence.vma and satp */
#define AXV_RV64_HSTATUS_VTW (1ull << 21)  /**< hstatus.VTW: trap VS wfi (virtual instruction) */
#define AXV_RV64_HSTATUS_VTSR (1ull << 22) /**< hstatus.VTSR: trap VS sret */
#define AXV_RV64_HSTATUS_VSXL_64 (2ull << 32) /**< hstatus.VSXL = 2: VS-mode is RV64 */

/** hvip/hip/hie bit VSSIP (Priv 8.2.3): VS-level software interrupt. */
#define AXV_RV64_HVIP_VSSIP (1ull << 2)
/** hvip bit VSTIP: VS-level timer interrupt. */
#define AXV_RV64_HVIP_VSTIP (1ull << 6)
/** hvip bit VSEIP: VS-level external interrupt. */
#define AXV_RV64_HVIP_VSEIP (1ull << 10)

/** scause bit 63: the trap is an interrupt (Priv 4.1.9). */
#define AXV_RV64_SCAUSE_INTR (1ull << 63)

/* ---- instructions ---------------------------------------------------------------------- */

/** `hfence.gvma zero, zero` (Priv 8.3.2): 0x62000073. */
#define AXV_RV64_INSN_HFENCE_GVMA 0x62000073u
/** `hfence.vvma zero, zero` (Priv 8.3.2): 0x22000073. */
#define AXV_RV64_INSN_HFENCE_VVMA 0x22000073u
/** `wfi` (Priv 3.3.3): 0x10500073. */
#define AXV_RV64_INSN_WFI 0x10500073u

#endif
