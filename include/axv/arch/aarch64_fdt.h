/**
 * @file aarch64_fdt.h
 * @brief The aarch64 port's guest devicetree: a whole tree for a guest on a QEMU-virt-like
 *        board (GICv3, generic timer, PSCI, MMIO devices), built from a description of the
 *        VM with the devicetree writer (axv/fdt.h). Optional: links the fdt module.
 */
#ifndef AXV_ARCH_AARCH64_FDT_H
#define AXV_ARCH_AARCH64_FDT_H

#include <axv/fdt.h>
#include <axv/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_a64_fdt aarch64 guest devicetree
 * @ingroup axv_fdt
 * @brief One call turns a VM's description into the tree its Linux (or any devicetree
 *        guest) boots with.
 *
 * The tree has the root (`#address-cells = #size-cells = 2`, `interrupt-parent` = the
 * GIC), one `memory@` node per RAM range, `/cpus` with one `cpu@` node per vcpu whose `reg`
 * is the vcpu's MPIDR affinity (Aff3..Aff0, Arm ARM D19.2.90 "MPIDR_EL1"; 2 address cells
 * when an Aff3 field is used, else 1) and `enable-method = "psci"`, `/psci` (PSCI 1.0 with
 * 0.2 as fallback, conduit HVC or SMC; binding `arm,psci`), the GICv3 distributor and one
 * 128 KiB redistributor frame per vcpu (binding `arm,gic-v3`: a single redistributor
 * region of `ncpus * 0x20000` bytes, `#interrupt-cells = 3`, the maintenance interrupt PPI
 * 9), the generic timer (binding `arm,armv8-timer`: secure, non-secure, virtual and
 * hypervisor PPIs 13, 14, 11, 10, level-high), a fixed 24 MHz `apb-pclk` clock when a
 * device needs it, one node per MMIO device, and `/chosen` with `bootargs`, `stdout-path`
 * and `linux,initrd-start`/`-end` each only when given.
 *
 * Context: any; nothing blocks or allocates (the caller's buffer holds the tree).
 * @{
 */

/** Most RAM ranges of a description. */
#define AXV_A64_FDT_MAX_MEM 8u
/** Most vcpus of a description. */
#define AXV_A64_FDT_MAX_CPUS 512u
/** Device flag: an Arm PrimeCell (`arm,primecell`): gets `clocks = <&apb_pclk>` and
 *  `clock-names = "apb_pclk"` (the AMBA bus driver needs the bus clock). */
#define AXV_A64_FDT_PRIMECELL 0x1u
/** Device flag: a PL011 UART: with #AXV_A64_FDT_PRIMECELL, its clocks are the UART clock and
 *  the bus clock (`clock-names = "uartclk", "apb_pclk"`, binding `arm,pl011`). */
#define AXV_A64_FDT_UARTCLK 0x2u
/** Device flag: the device's DMA is cache-coherent (`dma-coherent`): virtio devices
 *  emulated by the hypervisor, which reads guest memory through the cache. */
#define AXV_A64_FDT_DMA_COHERENT 0x4u
/** No interrupt for a device. */
#define AXV_A64_FDT_NO_IRQ 0xffffffffu

/** @brief One MMIO device of the guest. */
struct axv_a64_fdt_device {
	/** Node name without the unit address, e.g. "pl011" or "virtio_mmio"; the unit
	 *  address (the base, in hexadecimal) is added. */
	const char *name;
	const char *const *compatible; /**< compatible strings, most specific first */
	uint32_t ncompatible;          /**< how many, at least 1 */
	uint32_t flags;                /**< AXV_A64_FDT_* device flags */
	axv_gpa_t base;                /**< guest-physical base of its registers */
	uint64_t size;                 /**< bytes of its registers, not 0 */
	/** Its interrupt: a shared peripheral interrupt number (INTID - 32, level-high), or
	 *  #AXV_A64_FDT_NO_IRQ. */
	uint32_t spi;
};

/** @brief A guest RAM range. */
struct axv_a64_fdt_mem {
	axv_gpa_t base; /**< guest-physical base */
	uint64_t size;  /**< bytes, not 0 */
};

/** @brief What the guest's tree describes. Caller storage, read during the call only. */
struct axv_a64_fdt_vm {
	const char *model;                      /**< the root's `model`; NULL: none */
	struct axv_a64_fdt_mem mem[AXV_A64_FDT_MAX_MEM]; /**< RAM ranges */
	uint32_t nmem;                          /**< how many, 1 to #AXV_A64_FDT_MAX_MEM */
	const uint64_t *mpidr;                  /**< each vcpu's MPIDR_EL1 (affinity fields used) */
	uint32_t ncpus;                         /**< vcpus, 1 to #AXV_A64_FDT_MAX_CPUS */
	const char *cpu_compatible;             /**< the cpus' `compatible`, e.g. "arm,cortex-a72" */
	bool psci_smc;                          /**< PSCI conduit: SMC (true) or HVC (false) */
	axv_gpa_t gicd_base;                    /**< GICv3 distributor (64 KiB) */
	axv_gpa_t gicr_base;                    /**< first redistributor; one 128 KiB frame per vcpu */
	const struct axv_a64_fdt_device *devices; /**< MMIO devices; may be NULL when none */
	uint32_t ndevices;                      /**< how many */
	/** Index in @ref devices of the console for `stdout-path`, or #AXV_A64_FDT_NO_IRQ for
	 *  none. */
	uint32_t stdout_device;
	const char *bootargs;                   /**< the kernel command line; NULL: none */
	axv_gpa_t initrd_start;                 /**< initrd start; with @ref initrd_end */
	axv_gpa_t initrd_end;                   /**< initrd end (exclusive); equal to the start: none */
};

/**
 * @brief Write the guest's devicetree blob for a VM description.
 * @param buf       8-byte aligned caller memory for the blob
 * @param cap       its size in bytes
 * @param vm        the description
 * @param[out] size the blob's size in bytes
 * @return 0; #AXV_EINVAL for a NULL argument, no RAM or more than #AXV_A64_FDT_MAX_MEM
 *         ranges, a zero-size range or device, no vcpu or more than #AXV_A64_FDT_MAX_CPUS,
 *         a device without a name or compatible string, a name the devicetree rules refuse,
 *         a @p stdout_device out of range, an initrd that ends before it starts, or a
 *         misaligned @p buf; #AXV_ENOSPC when the tree does not fit in @p cap bytes (the
 *         buffer then holds no valid blob)
 * @note Context: any; does not block.
 */
int axv_a64_fdt_build(void *buf, size_t cap, const struct axv_a64_fdt_vm *vm, uint32_t *size);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_ARCH_AARCH64_FDT_H */
