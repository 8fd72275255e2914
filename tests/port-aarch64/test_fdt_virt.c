/* The aarch64 guest devicetree built from a VM description (ports/aarch64/fdt_virt.c), read
 * back with libfdt: every node a Linux guest on QEMU's virt board relies on, with the
 * bindings' values, and the edges: Aff3 cpus, no initrd, no console, no PrimeCell, SMC,
 * every invalid description, every too-small buffer. */
#include <string.h>

#include <criterion/criterion.h>
#include <libfdt.h>

#include <axv/arch/aarch64_fdt.h>
#include <axv/err.h>

static uint8_t buf[65536] __attribute__((aligned(8)));

static const char *const pl011[] = {"arm,pl011", "arm,primecell"};
static const char *const pl031[] = {"arm,pl031", "arm,primecell"};
static const char *const virtio[] = {"virtio,mmio"};
static const uint64_t mpidr4[] = {0x80000000ull, 0x80000001ull, 0x80000100ull, 0x80010000ull};

static const struct axv_a64_fdt_device devs[] = {
	{"pl011", pl011, 2, AXV_A64_FDT_PRIMECELL | AXV_A64_FDT_UARTCLK, 0x09000000, 0x1000, 1},
	{"pl031", pl031, 2, AXV_A64_FDT_PRIMECELL, 0x09010000, 0x1000, 2},
	{"virtio_mmio", virtio, 1, AXV_A64_FDT_DMA_COHERENT, 0x0a000000, 0x200, 16},
	{"virtio_mmio", virtio, 1, AXV_A64_FDT_DMA_COHERENT, 0x0a000200, 0x200, 17},
};

static struct axv_a64_fdt_vm full(void)
{
	struct axv_a64_fdt_vm vm = {
		.model = "libaxv test VM",
		.mem = {{0x40000000, 0x10000000}, {0x100000000ull, 0x20000000}},
		.nmem = 2,
		.mpidr = mpidr4,
		.ncpus = 4,
		.cpu_compatible = "arm,cortex-a72",
		.gicd_base = 0x08000000,
		.gicr_base = 0x080a0000,
		.devices = devs,
		.ndevices = 4,
		.stdout_device = 0,
		.bootargs = "console=ttyAMA0 earlycon",
		.initrd_start = 0x48000000,
		.initrd_end = 0x48100000,
	};
	return vm;
}

static int node(const char *path)
{
	int n = fdt_path_offset(buf, path);
	cr_assert_geq(n, 0, "%s: %s", path, fdt_strerror(n));
	return n;
}

static const uint8_t *prop(const char *path, const char *name, int *len)
{
	const uint8_t *p = fdt_getprop(buf, node(path), name, len);
	cr_assert_not_null(p, "%s: no %s", path, name);
	return p;
}

static uint32_t cell(const char *path, const char *name, int i)
{
	int len;
	const uint8_t *p = prop(path, name, &len);
	cr_assert_leq((i + 1) * 4, len, "%s %s has %d bytes", path, name, len);
	return fdt32_ld((const fdt32_t *)(p + 4 * i));
}

static uint64_t cell64(const char *path, const char *name, int i)
{
	return (uint64_t)cell(path, name, 2 * i) << 32 | cell(path, name, 2 * i + 1);
}

Test(a64_fdt, a_full_vm_gives_what_linux_reads)
{
	struct axv_a64_fdt_vm vm = full();
	uint32_t size;
	cr_assert_eq(axv_a64_fdt_build(buf, sizeof(buf), &vm, &size), 0);
	cr_assert_eq(fdt_check_full(buf, size), 0, "%s", fdt_strerror(fdt_check_full(buf, size)));
	/* Root. */
	cr_expect_eq(cell("/", "#address-cells", 0), 2u);
	cr_expect_eq(cell("/", "#size-cells", 0), 2u);
	cr_expect_eq(fdt_node_check_compatible(buf, 0, "linux,dummy-virt"), 0);
	int len;
	cr_expect_str_eq((const char *)prop("/", "model", &len), "libaxv test VM");
	/* RAM. */
	cr_expect_eq(cell64("/memory@40000000", "reg", 0), 0x40000000ull);
	cr_expect_eq(cell64("/memory@40000000", "reg", 1), 0x10000000ull);
	cr_expect_eq(cell64("/memory@100000000", "reg", 0), 0x100000000ull);
	cr_expect_str_eq((const char *)prop("/memory@100000000", "device_type", &len), "memory");
	/* cpus: reg is the affinity (bit 31 of MPIDR, RES1, is not part of it). */
	cr_expect_eq(cell("/cpus", "#address-cells", 0), 1u);
	cr_expect_eq(cell("/cpus", "#size-cells", 0), 0u);
	cr_expect_eq(cell("/cpus/cpu@0", "reg", 0), 0u);
	cr_expect_eq(cell("/cpus/cpu@1", "reg", 0), 1u);
	cr_expect_eq(cell("/cpus/cpu@100", "reg", 0), 0x100u);
	cr_expect_eq(cell("/cpus/cpu@10000", "reg", 0), 0x10000u);
	cr_expect_str_eq((const char *)prop("/cpus/cpu@100", "enable-method", &len), "psci");
	cr_expect_str_eq((const char *)prop("/cpus/cpu@100", "device_type", &len), "cpu");
	int ncpu = 0;
	int sub;
	fdt_for_each_subnode(sub, buf, node("/cpus")) ncpu++;
	cr_expect_eq(ncpu, 4);
	/* PSCI. */
	cr_expect_eq(fdt_node_check_compatible(buf, node("/psci"), "arm,psci-0.2"), 0);
	cr_expect_str_eq((const char *)prop("/psci", "method", &len), "hvc");
	/* GICv3: the distributor and one 128 KiB redistributor frame per vcpu. */
	const char *gic = "/interrupt-controller@8000000";
	cr_expect_eq(fdt_node_check_compatible(buf, node(gic), "arm,gic-v3"), 0);
	cr_expect_eq(cell64(gic, "reg", 0), 0x08000000ull);
	cr_expect_eq(cell64(gic, "reg", 1), 0x10000ull);
	cr_expect_eq(cell64(gic, "reg", 2), 0x080a0000ull);
	cr_expect_eq(cell64(gic, "reg", 3), 4 * 0x20000ull);
	cr_expect_eq(cell(gic, "#interrupt-cells", 0), 3u);
	cr_expect_eq(cell(gic, "#redistributor-regions", 0), 1u);
	prop(gic, "interrupt-controller", &len);
	cr_expect_eq(len, 0);
	cr_expect_eq(cell(gic, "interrupts", 1), 9u, "maintenance PPI");
	cr_expect_eq(fdt_node_offset_by_phandle(buf, cell("/", "interrupt-parent", 0)), node(gic),
		     "interrupt-parent is the GIC");
	/* Timer: PPIs 13, 14, 11, 10, level-high. */
	const uint32_t ppis[] = {13, 14, 11, 10};
	for (int i = 0; i < 4; i++) {
		cr_expect_eq(cell("/timer", "interrupts", 3 * i), 1u);
		cr_expect_eq(cell("/timer", "interrupts", 3 * i + 1), ppis[i]);
		cr_expect_eq(cell("/timer", "interrupts", 3 * i + 2), 4u);
	}
	cr_expect_eq(fdt_node_check_compatible(buf, node("/timer"), "arm,armv8-timer"), 0);
	/* The bus clock and the PrimeCells that use it. */
	int clk = node("/apb-pclk");
	cr_expect_eq(cell("/apb-pclk", "clock-frequency", 0), 24000000u);
	cr_expect_eq(cell("/apb-pclk", "#clock-cells", 0), 0u);
	cr_expect_eq(fdt_node_offset_by_phandle(buf, cell("/pl011@9000000", "clocks", 0)), clk);
	cr_expect_eq(fdt_node_offset_by_phandle(buf, cell("/pl011@9000000", "clocks", 1)), clk);
	cr_expect_eq(fdt_stringlist_search(buf, node("/pl011@9000000"), "clock-names", "uartclk"), 0);
	cr_expect_eq(fdt_stringlist_search(buf, node("/pl011@9000000"), "clock-names", "apb_pclk"), 1);
	prop("/pl031@9010000", "clocks", &len);
	cr_expect_eq(len, 4, "one clock for the RTC");
	cr_expect_eq(fdt_stringlist_count(buf, node("/pl031@9010000"), "clock-names"), 1);
	cr_expect_eq(cell("/pl011@9000000", "interrupts", 0), 0u, "SPI");
	cr_expect_eq(cell("/pl011@9000000", "interrupts", 1), 1u);
	cr_expect_eq(cell64("/pl011@9000000", "reg", 1), 0x1000ull);
	/* virtio. */
	cr_expect_eq(cell("/virtio_mmio@a000200", "interrupts", 1), 17u);
	prop("/virtio_mmio@a000200", "dma-coherent", &len);
	cr_expect_eq(fdt_getprop(buf, node("/pl011@9000000"), "dma-coherent", &len), NULL);
	/* chosen. */
	cr_expect_str_eq((const char *)prop("/chosen", "bootargs", &len), "console=ttyAMA0 earlycon");
	const char *out = (const char *)prop("/chosen", "stdout-path", &len);
	cr_expect_eq(fdt_path_offset(buf, out), node("/pl011@9000000"), "stdout-path %s", out);
	cr_expect_eq(cell64("/chosen", "linux,initrd-start", 0), 0x48000000ull);
	cr_expect_eq(cell64("/chosen", "linux,initrd-end", 0), 0x48100000ull);
	cr_expect_eq(fdt_boot_cpuid_phys(buf), 0u);
}

Test(a64_fdt, aff3_cpus_take_two_address_cells)
{
	static const uint64_t mp[] = {0x80000000ull, 0x100000000ull | 0x80000003ull};
	struct axv_a64_fdt_vm vm = full();
	vm.mpidr = mp;
	vm.ncpus = 2;
	uint32_t size;
	cr_assert_eq(axv_a64_fdt_build(buf, sizeof(buf), &vm, &size), 0);
	cr_assert_eq(fdt_check_full(buf, size), 0);
	cr_expect_eq(cell("/cpus", "#address-cells", 0), 2u);
	cr_expect_eq(cell64("/cpus/cpu@100000003", "reg", 0), 0x100000003ull);
	cr_expect_eq(cell64("/cpus/cpu@0", "reg", 0), 0ull);
	cr_expect_eq(cell64("/interrupt-controller@8000000", "reg", 3), 2 * 0x20000ull);
}

Test(a64_fdt, what_is_not_given_is_not_in_the_tree)
{
	static const struct axv_a64_fdt_device only_virtio[] = {
		{"virtio_mmio", virtio, 1, 0, 0x0a000000, 0x200, AXV_A64_FDT_NO_IRQ},
	};
	struct axv_a64_fdt_vm vm = full();
	vm.model = NULL;
	vm.bootargs = NULL;
	vm.initrd_start = vm.initrd_end = 0x48000000;
	vm.stdout_device = AXV_A64_FDT_NO_IRQ;
	vm.devices = only_virtio;
	vm.ndevices = 1;
	vm.psci_smc = true;
	vm.ncpus = 1;
	vm.nmem = 1;
	uint32_t size;
	int len;
	cr_assert_eq(axv_a64_fdt_build(buf, sizeof(buf), &vm, &size), 0);
	cr_assert_eq(fdt_check_full(buf, size), 0);
	int chosen = node("/chosen");
	cr_expect_null(fdt_getprop(buf, chosen, "bootargs", &len));
	cr_expect_null(fdt_getprop(buf, chosen, "stdout-path", &len));
	cr_expect_null(fdt_getprop(buf, chosen, "linux,initrd-start", &len));
	cr_expect_null(fdt_getprop(buf, chosen, "linux,initrd-end", &len));
	cr_expect_null(fdt_getprop(buf, 0, "model", &len));
	cr_expect_lt(fdt_path_offset(buf, "/apb-pclk"), 0, "no PrimeCell, no bus clock");
	cr_expect_lt(fdt_path_offset(buf, "/memory@100000000"), 0);
	cr_expect_null(fdt_getprop(buf, node("/virtio_mmio@a000000"), "interrupts", &len));
	cr_expect_str_eq((const char *)prop("/psci", "method", &len), "smc");
	cr_expect_eq(cell64("/interrupt-controller@8000000", "reg", 3), 0x20000ull);
}

Test(a64_fdt, invalid_descriptions_are_refused)
{
	uint32_t size;
	struct axv_a64_fdt_vm vm = full();
	cr_expect_eq(axv_a64_fdt_build(NULL, sizeof(buf), &vm, &size), AXV_EINVAL);
	cr_expect_eq(axv_a64_fdt_build(buf, sizeof(buf), NULL, &size), AXV_EINVAL);
	cr_expect_eq(axv_a64_fdt_build(buf, sizeof(buf), &vm, NULL), AXV_EINVAL);
	cr_expect_eq(axv_a64_fdt_build(buf + 4, sizeof(buf) - 8, &vm, &size), AXV_EINVAL);
#define BAD(field_change, what)                                                            \
	do {                                                                               \
		struct axv_a64_fdt_vm b = full();                                          \
		field_change;                                                              \
		cr_expect_eq(axv_a64_fdt_build(buf, sizeof(buf), &b, &size), AXV_EINVAL,   \
			     what);                                                        \
	} while (0)
	BAD(b.nmem = 0, "no RAM");
	BAD(b.nmem = AXV_A64_FDT_MAX_MEM + 1, "too many RAM ranges");
	BAD(b.mem[1].size = 0, "an empty RAM range");
	BAD(b.ncpus = 0, "no vcpu");
	BAD(b.ncpus = AXV_A64_FDT_MAX_CPUS + 1, "too many vcpus");
	BAD(b.mpidr = NULL, "no MPIDRs");
	BAD(b.cpu_compatible = NULL, "no cpu compatible");
	BAD(b.devices = NULL, "devices missing");
	BAD(b.stdout_device = 4, "console out of range");
	BAD(b.initrd_end = b.initrd_start - 1, "initrd ends before it starts");
	static struct axv_a64_fdt_device d[4];
	memcpy(d, devs, sizeof(devs));
	d[2].size = 0;
	BAD(b.devices = d, "an empty device");
	memcpy(d, devs, sizeof(devs));
	d[2].ncompatible = 0;
	BAD(b.devices = d, "a device without compatible");
	memcpy(d, devs, sizeof(devs));
	d[2].name = "virtio mmio";
	BAD(b.devices = d, "a name the devicetree rules refuse");
	memcpy(d, devs, sizeof(devs));
	d[2].name = "";
	BAD(b.devices = d, "an empty name");
#undef BAD
}

Test(a64_fdt, a_buffer_too_small_is_no_space_and_enough_is_the_same_tree)
{
	static uint8_t ref[65536] __attribute__((aligned(8)));
	struct axv_a64_fdt_vm vm = full();
	uint32_t need, size;
	cr_assert_eq(axv_a64_fdt_build(ref, sizeof(ref), &vm, &need), 0);
	for (uint32_t cap = 64; cap < need + 8; cap += 4) {
		memset(buf, 0xa5, sizeof(buf));
		int rc = axv_a64_fdt_build(buf, cap, &vm, &size);
		if (cap < need) {
			cr_assert_eq(rc, AXV_ENOSPC, "cap %u gave %d", cap, rc);
		} else {
			cr_assert_eq(rc, 0, "cap %u", cap);
			cr_assert_eq(size, need);
			cr_assert_eq(memcmp(buf, ref, need), 0);
		}
		for (uint32_t i = cap; i < sizeof(buf); i++)
			cr_assert_eq(buf[i], 0xa5, "cap %u: byte %u past the buffer written", cap, i);
	}
}
