// SPDX-License-Identifier: Apache-2.0
/*
 * The guest devicetree of a QEMU-virt-like aarch64 VM, from its description.
 *
 * Bindings followed (Linux Documentation/devicetree/bindings, the de-facto specification of
 * these nodes): arm/cpus.yaml (cpu reg = MPIDR affinity), arm/psci.yaml,
 * interrupt-controller/arm,gic-v3.yaml (interrupt specifier: type 0 = SPI, 1 = PPI; number;
 * flags 4 = level-high), timer/arm,arch_timer.yaml (PPIs in the order secure physical,
 * non-secure physical, virtual, hypervisor), clock/fixed-clock.yaml, serial/pl011.yaml,
 * rtc/arm,pl031.yaml, virtio/mmio.yaml; chosen.yaml for /chosen. The layout and numbers are
 * what QEMU's virt board gives a guest (hw/arm/virt.c), so the same kernel boots either way.
 */
#include <axv/arch/aarch64_fdt.h>
#include <axv/err.h>

#define IRQ_SPI 0u
#define IRQ_PPI 1u
#define IRQ_LEVEL_HIGH 4u
#define GICD_SIZE 0x10000ull
#define GICR_FRAME 0x20000ull /* RD_base + SGI_base, 64 KiB each (GICv3 12.10) */
#define GIC_MAINT_PPI 9u      /* INTID 25, as QEMU virt wires it */
#define PHANDLE_GIC 1u
#define PHANDLE_CLK 2u
#define APB_PCLK_HZ 24000000u

/* "name@hex" into out (at least 64 bytes); name has at most 31 characters (check()). */
static void unit_name(char *out, const char *name, uint64_t addr)
{
	unsigned n = 0;
	for (; name[n] != '\0'; n++)
		out[n] = name[n];
	out[n++] = '@';
	int shift = 60;
	while (shift > 0 && ((addr >> shift) & 0xf) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		out[n++] = "0123456789abcdef"[(addr >> shift) & 0xf];
	out[n] = '\0';
}

static int check(const struct axv_a64_fdt_vm *vm)
{
	if (vm->nmem == 0 || vm->nmem > AXV_A64_FDT_MAX_MEM || vm->ncpus == 0 ||
	    vm->ncpus > AXV_A64_FDT_MAX_CPUS || !vm->mpidr || !vm->cpu_compatible ||
	    (vm->ndevices && !vm->devices) || vm->initrd_end < vm->initrd_start ||
	    (vm->stdout_device != AXV_A64_FDT_NO_IRQ && vm->stdout_device >= vm->ndevices))
		return AXV_EINVAL;
	for (uint32_t i = 0; i < vm->nmem; i++)
		if (vm->mem[i].size == 0)
			return AXV_EINVAL;
	for (uint32_t i = 0; i < vm->ndevices; i++) {
		const struct axv_a64_fdt_device *d = &vm->devices[i];
		if (!d->name || !d->compatible || d->ncompatible == 0 || d->size == 0)
			return AXV_EINVAL;
		unsigned n = 0;
		while (n <= 31 && d->name[n] != '\0')
			n++;
		if (n == 0 || n > 31)
			return AXV_EINVAL;
	}
	return 0;
}

static bool wants_clock(const struct axv_a64_fdt_vm *vm)
{
	for (uint32_t i = 0; i < vm->ndevices; i++)
		if (vm->devices[i].flags & AXV_A64_FDT_PRIMECELL)
			return true;
	return false;
}

/* Each step runs only while the previous ones succeeded. */
#define DO(x)                                                                              \
	do {                                                                               \
		if (rc == 0)                                                               \
			rc = (x);                                                          \
	} while (0)

static int cpus(struct axv_fdt *f, const struct axv_a64_fdt_vm *vm)
{
	/* MPIDR_EL1 (Arm ARM D19.2.90): Aff0 7:0, Aff1 15:8, Aff2 23:16, Aff3 39:32. */
	const uint64_t aff = 0xff00ffffffull;
	bool aff3 = false;
	for (uint32_t i = 0; i < vm->ncpus; i++)
		aff3 |= ((vm->mpidr[i] >> 32) & 0xff) != 0;
	int rc = axv_fdt_begin_node(f, "cpus");
	DO(axv_fdt_prop_u32(f, "#address-cells", aff3 ? 2 : 1));
	DO(axv_fdt_prop_u32(f, "#size-cells", 0));
	for (uint32_t i = 0; i < vm->ncpus && rc == 0; i++) {
		char name[64];
		uint64_t reg = vm->mpidr[i] & aff;
		unit_name(name, "cpu", reg);
		DO(axv_fdt_begin_node(f, name));
		DO(axv_fdt_prop_string(f, "device_type", "cpu"));
		DO(axv_fdt_prop_string(f, "compatible", vm->cpu_compatible));
		if (aff3)
			DO(axv_fdt_prop_u64(f, "reg", reg));
		else
			DO(axv_fdt_prop_u32(f, "reg", (uint32_t)reg));
		DO(axv_fdt_prop_string(f, "enable-method", "psci"));
		DO(axv_fdt_end_node(f));
	}
	DO(axv_fdt_end_node(f));
	return rc;
}

static int gic_timer_psci(struct axv_fdt *f, const struct axv_a64_fdt_vm *vm)
{
	static const char *const psci[] = {"arm,psci-1.0", "arm,psci-0.2"};
	char name[64];
	int rc = axv_fdt_begin_node(f, "psci");
	DO(axv_fdt_prop_strings(f, "compatible", psci, 2));
	DO(axv_fdt_prop_string(f, "method", vm->psci_smc ? "smc" : "hvc"));
	DO(axv_fdt_end_node(f));

	const uint64_t reg[] = {vm->gicd_base, GICD_SIZE, vm->gicr_base,
				(uint64_t)vm->ncpus * GICR_FRAME};
	const uint32_t maint[] = {IRQ_PPI, GIC_MAINT_PPI, IRQ_LEVEL_HIGH};
	unit_name(name, "interrupt-controller", vm->gicd_base);
	DO(axv_fdt_begin_node(f, name));
	DO(axv_fdt_prop_string(f, "compatible", "arm,gic-v3"));
	DO(axv_fdt_prop_u32(f, "#interrupt-cells", 3));
	DO(axv_fdt_prop(f, "interrupt-controller", NULL, 0));
	DO(axv_fdt_prop_u64s(f, "reg", reg, 4));
	DO(axv_fdt_prop_u32(f, "#redistributor-regions", 1));
	DO(axv_fdt_prop_cells(f, "interrupts", maint, 3));
	DO(axv_fdt_prop_u32(f, "phandle", PHANDLE_GIC));
	DO(axv_fdt_end_node(f));

	/* Secure physical, non-secure physical, virtual, hypervisor: INTIDs 29, 30, 27, 26. */
	const uint32_t timer[] = {IRQ_PPI, 13, IRQ_LEVEL_HIGH, IRQ_PPI, 14, IRQ_LEVEL_HIGH,
				  IRQ_PPI, 11, IRQ_LEVEL_HIGH, IRQ_PPI, 10, IRQ_LEVEL_HIGH};
	DO(axv_fdt_begin_node(f, "timer"));
	DO(axv_fdt_prop_string(f, "compatible", "arm,armv8-timer"));
	DO(axv_fdt_prop_cells(f, "interrupts", timer, 12));
	DO(axv_fdt_prop(f, "always-on", NULL, 0));
	DO(axv_fdt_end_node(f));

	if (wants_clock(vm)) {
		DO(axv_fdt_begin_node(f, "apb-pclk"));
		DO(axv_fdt_prop_string(f, "compatible", "fixed-clock"));
		DO(axv_fdt_prop_u32(f, "#clock-cells", 0));
		DO(axv_fdt_prop_u32(f, "clock-frequency", APB_PCLK_HZ));
		DO(axv_fdt_prop_string(f, "clock-output-names", "clk24mhz"));
		DO(axv_fdt_prop_u32(f, "phandle", PHANDLE_CLK));
		DO(axv_fdt_end_node(f));
	}
	return rc;
}

static int device(struct axv_fdt *f, const struct axv_a64_fdt_device *d)
{
	static const char *const uart_clocks[] = {"uartclk", "apb_pclk"};
	char name[64];
	unit_name(name, d->name, d->base);
	const uint64_t reg[] = {d->base, d->size};
	const uint32_t clocks[] = {PHANDLE_CLK, PHANDLE_CLK};
	int rc = axv_fdt_begin_node(f, name);
	DO(axv_fdt_prop_strings(f, "compatible", d->compatible, d->ncompatible));
	DO(axv_fdt_prop_u64s(f, "reg", reg, 2));
	if (d->spi != AXV_A64_FDT_NO_IRQ) {
		const uint32_t irq[] = {IRQ_SPI, d->spi, IRQ_LEVEL_HIGH};
		DO(axv_fdt_prop_cells(f, "interrupts", irq, 3));
	}
	if (d->flags & AXV_A64_FDT_PRIMECELL) {
		bool uart = (d->flags & AXV_A64_FDT_UARTCLK) != 0;
		DO(axv_fdt_prop_cells(f, "clocks", clocks, uart ? 2 : 1));
		DO(axv_fdt_prop_strings(f, "clock-names", uart ? uart_clocks : uart_clocks + 1,
					uart ? 2 : 1));
	}
	if (d->flags & AXV_A64_FDT_DMA_COHERENT)
		DO(axv_fdt_prop(f, "dma-coherent", NULL, 0));
	DO(axv_fdt_end_node(f));
	return rc;
}

int axv_a64_fdt_build(void *buf, size_t cap, const struct axv_a64_fdt_vm *vm, uint32_t *size)
{
	if (!buf || !vm || !size || check(vm) != 0)
		return AXV_EINVAL;
	struct axv_fdt f;
	int rc = axv_fdt_init(&f, buf, cap, (uint32_t)(vm->mpidr[0] & 0xffffff));
	if (rc != 0)
		return rc;
	DO(axv_fdt_begin_node(&f, ""));
	DO(axv_fdt_prop_string(&f, "compatible", "linux,dummy-virt"));
	if (vm->model)
		DO(axv_fdt_prop_string(&f, "model", vm->model));
	DO(axv_fdt_prop_u32(&f, "#address-cells", 2));
	DO(axv_fdt_prop_u32(&f, "#size-cells", 2));
	DO(axv_fdt_prop_u32(&f, "interrupt-parent", PHANDLE_GIC));

	DO(axv_fdt_begin_node(&f, "chosen"));
	if (vm->bootargs)
		DO(axv_fdt_prop_string(&f, "bootargs", vm->bootargs));
	if (vm->stdout_device != AXV_A64_FDT_NO_IRQ) {
		char path[72];
		path[0] = '/';
		const struct axv_a64_fdt_device *d = &vm->devices[vm->stdout_device];
		unit_name(path + 1, d->name, d->base);
		DO(axv_fdt_prop_string(&f, "stdout-path", path));
	}
	if (vm->initrd_end > vm->initrd_start) {
		DO(axv_fdt_prop_u64(&f, "linux,initrd-start", vm->initrd_start));
		DO(axv_fdt_prop_u64(&f, "linux,initrd-end", vm->initrd_end));
	}
	DO(axv_fdt_end_node(&f));

	for (uint32_t i = 0; i < vm->nmem; i++) {
		char name[64];
		const uint64_t reg[] = {vm->mem[i].base, vm->mem[i].size};
		unit_name(name, "memory", vm->mem[i].base);
		DO(axv_fdt_begin_node(&f, name));
		DO(axv_fdt_prop_string(&f, "device_type", "memory"));
		DO(axv_fdt_prop_u64s(&f, "reg", reg, 2));
		DO(axv_fdt_end_node(&f));
	}
	DO(cpus(&f, vm));
	DO(gic_timer_psci(&f, vm));
	for (uint32_t i = 0; i < vm->ndevices; i++)
		DO(device(&f, &vm->devices[i]));
	DO(axv_fdt_end_node(&f));
	DO(axv_fdt_finish(&f, size));
	return rc;
}
