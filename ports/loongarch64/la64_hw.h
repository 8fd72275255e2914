/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the loongarch64 port (and its tests): the hardware encodings it decodes and
 * programs that embedders do not use (CSR numbers, CRMD/PRMD/ECFG/ESTAT fields, exception
 * codes, LVZ host CSR fields, instruction encodings). What embedders use is in
 * <axv/arch/loongarch64.h>: the interrupt lines, the sysreg ids of sysreg exits, register
 * numbers.
 */
#ifndef AXV_PORT_LOONGARCH64_LA64_HW_H
#define AXV_PORT_LOONGARCH64_LA64_HW_H

#include <axv/arch/loongarch64.h>

/** @name CSR numbers (Vol. 1 7.1 table 7-1 "CSR list"; LVZ host CSRs GTLBC..GCNTC)
 * @{ */
#define AXV_LA64_CSR_CRMD 0x0u        /**< current mode information */
#define AXV_LA64_CSR_PRMD 0x1u        /**< pre-exception mode information */
#define AXV_LA64_CSR_EUEN 0x2u        /**< extended component unit enable */
#define AXV_LA64_CSR_MISC 0x3u        /**< miscellaneous control */
#define AXV_LA64_CSR_ECFG 0x4u        /**< exception configuration */
#define AXV_LA64_CSR_ESTAT 0x5u       /**< exception status */
#define AXV_LA64_CSR_ERA 0x6u         /**< exception return address */
#define AXV_LA64_CSR_BADV 0x7u        /**< bad virtual address */
#define AXV_LA64_CSR_BADI 0x8u        /**< bad instruction */
#define AXV_LA64_CSR_EENTRY 0xcu      /**< exception entry base address */
#define AXV_LA64_CSR_TLBIDX 0x10u     /**< TLB index */
#define AXV_LA64_CSR_TLBEHI 0x11u     /**< TLB entry high */
#define AXV_LA64_CSR_TLBELO0 0x12u    /**< TLB entry low 0 */
#define AXV_LA64_CSR_TLBELO1 0x13u    /**< TLB entry low 1 */
#define AXV_LA64_CSR_GTLBC 0x15u      /**< LVZ: guest TLB control (host only) */
#define AXV_LA64_CSR_TRGP 0x16u       /**< LVZ: TLBRD read guest information (host only) */
#define AXV_LA64_CSR_ASID 0x18u       /**< address space identifier */
#define AXV_LA64_CSR_PGDL 0x19u       /**< page table base, lower half */
#define AXV_LA64_CSR_PGDH 0x1au       /**< page table base, upper half */
#define AXV_LA64_CSR_PGD 0x1bu        /**< page table base (read only) */
#define AXV_LA64_CSR_PWCTL0 0x1cu     /**< page walk control, lower half */
#define AXV_LA64_CSR_PWCTL1 0x1du     /**< page walk control, upper half */
#define AXV_LA64_CSR_STLBPGSIZE 0x1eu /**< STLB page size */
#define AXV_LA64_CSR_RVACFG 0x1fu     /**< reduced virtual address configuration */
#define AXV_LA64_CSR_CPUID 0x20u      /**< processor number */
#define AXV_LA64_CSR_PRCFG1 0x21u     /**< privileged resource configuration 1 */
#define AXV_LA64_CSR_PRCFG2 0x22u     /**< privileged resource configuration 2 */
#define AXV_LA64_CSR_PRCFG3 0x23u     /**< privileged resource configuration 3 */
#define AXV_LA64_CSR_KS0 0x30u        /**< data save register 0 (KS0 to KS8 are 0x30 to 0x38) */
#define AXV_LA64_CSR_KS4 0x34u        /**< KS4: the port keeps this cpu's `struct axv_la64_cpu` here */
#define AXV_LA64_CSR_KS5 0x35u        /**< KS5: the port's scratch register at guest exit */
#define AXV_LA64_CSR_TMID 0x40u       /**< timer identifier */
#define AXV_LA64_CSR_TCFG 0x41u       /**< timer configuration */
#define AXV_LA64_CSR_TVAL 0x42u       /**< timer value */
#define AXV_LA64_CSR_CNTC 0x43u       /**< counter compensation */
#define AXV_LA64_CSR_TICLR 0x44u      /**< timer interrupt clear */
#define AXV_LA64_CSR_GSTAT 0x50u      /**< LVZ: guest status (host only) */
#define AXV_LA64_CSR_GCFG 0x51u       /**< LVZ: guest configuration (host only) */
#define AXV_LA64_CSR_GINTC 0x52u      /**< LVZ: guest interrupt control (host only) */
#define AXV_LA64_CSR_GCNTC 0x53u      /**< LVZ: guest counter compensation (host only) */
#define AXV_LA64_CSR_LLBCTL 0x60u     /**< LLBit control */
#define AXV_LA64_CSR_TLBRENTRY 0x88u  /**< TLB refill exception entry */
#define AXV_LA64_CSR_TLBRBADV 0x89u   /**< TLB refill bad virtual address */
#define AXV_LA64_CSR_TLBRERA 0x8au    /**< TLB refill exception return address */
#define AXV_LA64_CSR_TLBRSAVE 0x8bu   /**< TLB refill data save */
#define AXV_LA64_CSR_TLBRELO0 0x8cu   /**< TLB refill entry low 0 */
#define AXV_LA64_CSR_TLBRELO1 0x8du   /**< TLB refill entry low 1 */
#define AXV_LA64_CSR_TLBREHI 0x8eu    /**< TLB refill entry high */
#define AXV_LA64_CSR_TLBRPRMD 0x8fu   /**< TLB refill pre-exception mode */
#define AXV_LA64_CSR_DMW0 0x180u      /**< direct mapping window 0 (DMW0 to DMW3 are 0x180 to 0x183) */
/** @} */

/** @name CRMD, PRMD and ECFG fields (Vol. 1 7.4.1, 7.4.2, 7.4.5)
 * @{ */
#define AXV_LA64_CRMD_PLV_MASK 0x3u   /**< current privilege level [1:0] */
#define AXV_LA64_CRMD_IE (1u << 2)    /**< global interrupt enable */
#define AXV_LA64_CRMD_DA (1u << 3)    /**< direct address translation mode */
#define AXV_LA64_CRMD_PG (1u << 4)    /**< mapped address translation mode */
#define AXV_LA64_PRMD_PIE (1u << 2)   /**< previous interrupt enable */
#define AXV_LA64_ECFG_VS_MASK (7u << 16) /**< vector spacing [18:16]; 0 = one entry for all */
/** @} */

/** @name ESTAT fields (Vol. 1 7.4.6)
 * @{ */
#define AXV_LA64_ESTAT_IS_MASK 0x1fffu      /**< IS [12:0]: pending interrupt lines */
#define AXV_LA64_ESTAT_ECODE_SHIFT 16u      /**< Ecode [21:16] */
#define AXV_LA64_ESTAT_ECODE_MASK 0x3fu     /**< Ecode width mask */
#define AXV_LA64_ESTAT_ESUBCODE_SHIFT 22u   /**< EsubCode [30:22] */
#define AXV_LA64_ESTAT_ESUBCODE_MASK 0x1ffu /**< EsubCode width mask */
/** @} */

/** @name Exception codes, ESTAT.Ecode (Vol. 1 table 7-8; LVZ adds 22 to 24)
 * @{ */
#define AXV_LA64_ECODE_INT 0x0u    /**< interrupt (ESTAT.IS says which) */
#define AXV_LA64_ECODE_PIL 0x1u    /**< page invalid exception for load */
#define AXV_LA64_ECODE_PIS 0x2u    /**< page invalid exception for store */
#define AXV_LA64_ECODE_PIF 0x3u    /**< page invalid exception for fetch */
#define AXV_LA64_ECODE_PME 0x4u    /**< page modification exception */
#define AXV_LA64_ECODE_PNR 0x5u    /**< page non-readable exception */
#define AXV_LA64_ECODE_PNX 0x6u    /**< page non-executable exception */
#define AXV_LA64_ECODE_PPI 0x7u    /**< page privilege level illegal exception */
#define AXV_LA64_ECODE_ADE 0x8u    /**< address error (EsubCode 0 ADEF, 1 ADEM) */
#define AXV_LA64_ECODE_ALE 0x9u    /**< address alignment fault */
#define AXV_LA64_ECODE_BCE 0xau    /**< bound check exception */
#define AXV_LA64_ECODE_SYS 0xbu    /**< system call */
#define AXV_LA64_ECODE_BRK 0xcu    /**< breakpoint */
#define AXV_LA64_ECODE_INE 0xdu    /**< instruction non-defined */
#define AXV_LA64_ECODE_IPE 0xeu    /**< instruction privilege error */
#define AXV_LA64_ECODE_FPD 0xfu    /**< floating-point instruction disable */
#define AXV_LA64_ECODE_SXD 0x10u   /**< 128-bit vector (LSX) disable */
#define AXV_LA64_ECODE_ASXD 0x11u  /**< 256-bit vector (LASX) disable */
#define AXV_LA64_ECODE_FPE 0x12u   /**< floating-point error (EsubCode 0 FPE, 1 VFPE) */
#define AXV_LA64_ECODE_WPE 0x13u   /**< watchpoint (EsubCode 0 WPEF, 1 WPEM) */
#define AXV_LA64_ECODE_BTD 0x14u   /**< binary translation disable */
#define AXV_LA64_ECODE_BTE 0x15u   /**< binary translation exception */
#define AXV_LA64_ECODE_GSPR 0x16u  /**< LVZ: guest sensitive privileged resource */
#define AXV_LA64_ECODE_HVC 0x17u   /**< LVZ: hypervisor call (hvcl) */
#define AXV_LA64_ECODE_GCM 0x18u   /**< LVZ: guest CSR modified (EsubCode 0 GCSC, 1 GCHC) */
/** @} */

/** @name LVZ host CSR fields: GSTAT, GCFG, GINTC, GTLBC
 * @{ */
#define AXV_LA64_GSTAT_VM (1u << 0)        /**< GSTAT.VM: the cpu is in guest mode */
#define AXV_LA64_GSTAT_PVM (1u << 1)       /**< GSTAT.PVM: ERTN enters guest mode */
#define AXV_LA64_GSTAT_GIDBIT_SHIFT 4u     /**< GSTAT.GIDBIT [9:4]: implemented GID bits */
#define AXV_LA64_GSTAT_GID_SHIFT 16u       /**< GSTAT.GID [23:16]: id of the running guest */
#define AXV_LA64_GCFG_MATP_ROOT (1u << 1)  /**< GCFG.MATP: root control of MAT is supported */
#define AXV_LA64_GCFG_MATC_ROOT (1u << 4)  /**< GCFG.MATC [5:4] = 1: root controls memory types */
#define AXV_LA64_GCFG_SITP (1u << 6)       /**< GCFG.SITP: SIT is supported */
#define AXV_LA64_GCFG_SIT (1u << 7)        /**< GCFG.SIT: trap software-interrupt-setting writes */
#define AXV_LA64_GCFG_TITP (1u << 8)       /**< GCFG.TITP: TIT is supported */
#define AXV_LA64_GCFG_TIT (1u << 9)        /**< GCFG.TIT: trap timer CSR accesses */
#define AXV_LA64_GCFG_TOEP (1u << 10)      /**< GCFG.TOEP: TOE is supported */
#define AXV_LA64_GCFG_TOE (1u << 11)       /**< GCFG.TOE: trap on every guest exception */
#define AXV_LA64_GCFG_TOPP (1u << 12)      /**< GCFG.TOPP: TOP is supported */
#define AXV_LA64_GCFG_TOP (1u << 13)       /**< GCFG.TOP: trap every privileged instruction */
#define AXV_LA64_GCFG_TORUP (1u << 14)     /**< GCFG.TORUP: TORU is supported */
#define AXV_LA64_GCFG_TORU (1u << 15)      /**< GCFG.TORU: trap on root-unimplemented CSRs */
#define AXV_LA64_GCFG_GCIP_SECURE (1u << 18) /**< GCFG.GCIP[2]: GCI = 2 is supported */
#define AXV_LA64_GCFG_GCI_SECURE (2u << 20)  /**< GCFG.GCI [21:20] = 2: trap unsafe CACOP */
#define AXV_LA64_GINTC_VIP_MASK 0xffu      /**< GINTC.VIP [7:0]: HWI0-7 injected into the guest */
#define AXV_LA64_GINTC_PIP_SHIFT 8u        /**< GINTC.PIP [15:8]: HWI0-7 passed through */
#define AXV_LA64_GINTC_HC_SHIFT 16u        /**< GINTC.HC [23:16]: pass-through lines cleared by root */
#define AXV_LA64_GTLBC_GMTLBSZ_MASK 0x3fu  /**< GTLBC.GMTLBSZ [5:0]: guest MTLB entries */
#define AXV_LA64_GTLBC_USETGID (1u << 12)  /**< GTLBC.USETGID: root TLB ops use TGID */
#define AXV_LA64_GTLBC_TOTI (1u << 13)     /**< GTLBC.TOTI: trap guest TLB instructions */
#define AXV_LA64_GTLBC_TGID_SHIFT 16u      /**< GTLBC.TGID [23:16] */
#define AXV_LA64_CPUCFG2_LVZP (1u << 10)   /**< CPUCFG word 2 bit 10: LVZ is implemented */
/** @} */

/** @name Instruction encodings (Vol. 1 2.2 formats, 4.2 privileged instructions, LVZ)
 *
 * Fields: rd [4:0], rj [9:5], rk [14:10], csr [23:10], si12 [21:10], si14 [23:10],
 * code/level [14:0]. Each `*_OP` is the instruction with every operand field zero and each
 * `*_MASK` covers the opcode bits.
 * @{ */
#define AXV_LA64_INSN_CSR_MASK 0xff000000u      /**< csrrd/csrwr/csrxchg: opcode [31:24] */
#define AXV_LA64_INSN_CSR_OP 0x04000000u        /**< csrrd (rj 0), csrwr (rj 1), csrxchg (rj >= 2) */
#define AXV_LA64_INSN_GCSR_OP 0x05000000u       /**< LVZ gcsrrd (rj 0), gcsrwr (rj 1), gcsrxchg */
#define AXV_LA64_INSN_CPUCFG_MASK 0xfffffc00u   /**< cpucfg rd, rj: opcode [31:10] */
#define AXV_LA64_INSN_CPUCFG_OP 0x00006c00u     /**< cpucfg rd, rj */
#define AXV_LA64_INSN_IOCSR_MASK 0xfffffc00u    /**< iocsr{rd,wr}.{b,h,w,d}: opcode [31:10] */
#define AXV_LA64_INSN_IOCSRRD_B 0x06480000u     /**< iocsrrd.b rd, rj (.h +0x400, .w +0x800, .d +0xc00) */
#define AXV_LA64_INSN_IOCSRWR_B 0x06481000u     /**< iocsrwr.b rd, rj (.h +0x400, .w +0x800, .d +0xc00) */
#define AXV_LA64_INSN_IDLE_MASK 0xffff8000u     /**< idle level: opcode [31:15] */
#define AXV_LA64_INSN_IDLE_OP 0x06488000u       /**< idle level */
#define AXV_LA64_INSN_CACOP_MASK 0xffc00000u    /**< cacop code, rj, si12: opcode [31:22] */
#define AXV_LA64_INSN_CACOP_OP 0x06000000u      /**< cacop code, rj, si12 */
#define AXV_LA64_INSN_HVCL_MASK 0xffff8000u     /**< hvcl code: opcode [31:15] */
#define AXV_LA64_INSN_HVCL_OP 0x002b8000u       /**< LVZ hvcl code */
#define AXV_LA64_INSN_ERTN 0x06483800u          /**< ertn */
#define AXV_LA64_INSN_GTLBFILL 0x06483401u      /**< LVZ gtlbfill */
#define AXV_LA64_INSN_GTLBFLUSH 0x06482401u     /**< LVZ gtlbflush */
/** @} */

/** @name Load and store encodings decoded for MMIO (Vol. 1 2.2.7 "Common memory access instructions")
 * @{ */
#define AXV_LA64_INSN_LDST12_MASK 0xffc00000u /**< ld/st with si12: opcode [31:22] */
#define AXV_LA64_INSN_LD_B 0x28000000u        /**< ld.b rd, rj, si12 */
#define AXV_LA64_INSN_LD_H 0x28400000u        /**< ld.h */
#define AXV_LA64_INSN_LD_W 0x28800000u        /**< ld.w */
#define AXV_LA64_INSN_LD_D 0x28c00000u        /**< ld.d */
#define AXV_LA64_INSN_ST_B 0x29000000u        /**< st.b rd, rj, si12 */
#define AXV_LA64_INSN_ST_H 0x29400000u        /**< st.h */
#define AXV_LA64_INSN_ST_W 0x29800000u        /**< st.w */
#define AXV_LA64_INSN_ST_D 0x29c00000u        /**< st.d */
#define AXV_LA64_INSN_LD_BU 0x2a000000u       /**< ld.bu */
#define AXV_LA64_INSN_LD_HU 0x2a400000u       /**< ld.hu */
#define AXV_LA64_INSN_LD_WU 0x2a800000u       /**< ld.wu */
#define AXV_LA64_INSN_LDPTR_MASK 0xff000000u  /**< ldptr/stptr with si14: opcode [31:24] */
#define AXV_LA64_INSN_LDPTR_W 0x24000000u     /**< ldptr.w rd, rj, si14 */
#define AXV_LA64_INSN_STPTR_W 0x25000000u     /**< stptr.w */
#define AXV_LA64_INSN_LDPTR_D 0x26000000u     /**< ldptr.d */
#define AXV_LA64_INSN_STPTR_D 0x27000000u     /**< stptr.d */
#define AXV_LA64_INSN_LDX_MASK 0xffff8000u    /**< indexed ldx/stx: opcode [31:15] */
#define AXV_LA64_INSN_LDX_B 0x38000000u       /**< ldx.b rd, rj, rk */
#define AXV_LA64_INSN_LDX_H 0x38040000u       /**< ldx.h */
#define AXV_LA64_INSN_LDX_W 0x38080000u       /**< ldx.w */
#define AXV_LA64_INSN_LDX_D 0x380c0000u       /**< ldx.d */
#define AXV_LA64_INSN_STX_B 0x38100000u       /**< stx.b rd, rj, rk */
#define AXV_LA64_INSN_STX_H 0x38140000u       /**< stx.h */
#define AXV_LA64_INSN_STX_W 0x38180000u       /**< stx.w */
#define AXV_LA64_INSN_STX_D 0x381c0000u       /**< stx.d */
#define AXV_LA64_INSN_LDX_BU 0x38200000u      /**< ldx.bu */
#define AXV_LA64_INSN_LDX_HU 0x38240000u      /**< ldx.hu */
#define AXV_LA64_INSN_LDX_WU 0x38280000u      /**< ldx.wu */
/** @} */

#endif
