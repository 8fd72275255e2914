/*
 * aarch64-virt: a bare-metal hypervisor for QEMU's virt machine, built on libaxv.
 *
 * It boots at EL2, brings up its own HAL (a frame allocator over host RAM, an identity EL2
 * mapping, a PL011 console), builds one guest address space (RAM linearly mapped, a lazily
 * backed region), loads the guest image, DTB and optional initrd that QEMU's generic loader
 * put in host memory, and runs the guest's vcpu at EL1 through libaxv's vcpu, exit and irq
 * modules and the aarch64 port. Memory map and addresses: config.h.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <axv/addrspace.h>
#include <axv/arch/aarch64.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>
#include <axv/percpu.h>
#include <axv/vcpu.h>
#include <axv/virq.h>
#include <axv/virtio.h>

#include "config.h"
#include "devices.h"
#include "fdt.h"
#include "platform.h"
#include <axv/arch/aarch64_hw.h>

void hyp_main(unsigned cpu);

#define VMID 1
#define HC_WEIGHTED_SUM 0x1000
#define HC_SYSREG_TRAPS 0x1001
#define HC_NULL 0x1002 /* returns 0 and does nothing else: the exit benchmark's null call */
/* Returns how many exits of reason a1 the fast path completed for the calling vcpu (answered
 * here, never on the fast path: tests/guests/aarch64/fastpath.c). */
#define HC_FAST_EXITS 0x1003
#define VTIMER_INTID 27
/* The EL1 physical timer: the guest uses CNTP_* directly (CNTHCTL_EL2.EL1PCEN), its PPI is
 * hardware-linked like the virtual timer's. */
#define PTIMER_INTID 30
/* The EL2 physical timer (CNTHP_*_EL2), PPI 10 on QEMU virt: wakes a WFIT at its deadline. */
#define HYP_TIMER_INTID 26

/* The example is the embedder: its global state is its own (libaxv keeps none). */
static struct axv_pt_format s2fmt;
static struct axv_addrspace as;
static struct axv_bus bus;
static struct axv_bus_entry bus_slots[16];
static struct axv_a64_cpu a64cpu[MAX_CPUS];
static struct axv_percpu percpu[MAX_CPUS];
static struct axv_vcpu vcpu[MAX_CPUS];
static struct axv_a64_vcpu a64vcpu[MAX_CPUS];
static struct axv_virq virq[MAX_CPUS];
static struct axv_vgic vgic;
static unsigned nr_vcpus = 1;             /* one per physical cpu that started */
static _Atomic unsigned cpus_up = 1;      /* physical cpus in hyp_main */
static _Atomic bool vm_ready;             /* cpu 0 built the vm */
static struct axv_a64_psci psci;          /* the PSCI power state of each vcpu */
static struct spinlock as_lock;           /* the address space is shared by the vcpus */
static struct axv_virtio_blk vblk;        /* virtio-blk over the disk QEMU's loader gave us */
static struct axv_virtio_console vcon;    /* virtio-console to the host console */
static struct vuart vuart;
static struct vrtc vrtc;
static struct testdev testdev;

/* ---- exit counts ------------------------------------------------------------------------------
 *
 * Every exit the example sees, by reason and, within a reason, by what it was for: printed
 * when the guest powers off, so that optimisation is guided by what a real boot does. Each
 * vcpu has its own counters, written only by the cpu that runs it (one vcpu per physical
 * cpu), with relaxed atomics: no read-modify-write, and the cpu that reports may read them
 * while the others still run. Exits libaxv finishes inside axv_vcpu_run() (the OS Lock and
 * debug register accesses of axv_a64_run()) never reach the example and are not counted. */
enum kind {
	K_MMIO_UART, K_MMIO_RTC, K_MMIO_GICD, K_MMIO_GICR, K_MMIO_VIRTIO_BLK, K_MMIO_VIRTIO_CON,
	K_MMIO_TESTDEV, K_MMIO_LAZY, K_MMIO_UNBACKED,
	K_SYSREG_SGI, K_SYSREG_GIC, K_SYSREG_DEBUG, K_SYSREG_OTHER,
	K_HC_EXAMPLE, K_HC_PSCI, K_HC_OTHER,
	K_NOTHING_PSCI, K_NOTHING_WAKE, K_NOTHING_OTHER,
	K_HALT_WFI, K_HALT_WFIT,
	K_IRQ_VTIMER, K_IRQ_PTIMER, K_IRQ_KICK, K_IRQ_MAINT, K_IRQ_HYP_TIMER, K_IRQ_UART,
	K_IRQ_RTC, K_IRQ_OTHER,
	K_NPF_LAZY, K_NPF_ABORT,
	K_COUNT
};
static const char *const kind_name[K_COUNT] = {
	"mmio.uart", "mmio.rtc", "mmio.gicd", "mmio.gicr", "mmio.virtio-blk", "mmio.virtio-con",
	"mmio.testdev", "mmio.lazy-ram", "mmio.unbacked",
	"sysreg.sgi", "sysreg.gic", "sysreg.debug", "sysreg.other",
	"hypercall.example", "hypercall.psci", "hypercall.other",
	"nothing.psci", "nothing.wake", "nothing.other",
	"halt.wfi", "halt.wfit",
	"irq.vtimer", "irq.ptimer", "irq.kick", "irq.maintenance", "irq.hyp-timer", "irq.uart",
	"irq.rtc", "irq.other",
	"page-fault.lazy", "page-fault.abort",
};
struct exit_counts {
	_Atomic uint64_t reason[AXV_EXIT_REASON_COUNT];
	_Atomic uint64_t kind[K_COUNT];
};
static struct exit_counts counts[MAX_CPUS];

static void bump(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static uint64_t total_reason(enum axv_exit_reason r)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++)
		n += atomic_load_explicit(&counts[i].reason[r], memory_order_relaxed);
	return n;
}

static _Noreturn void fatal(const char *what, int rc)
{
	con_printf("aarch64-virt: FATAL: %s: %s (%d)\n", what, axv_strerror(rc), rc);
	platform_poweroff();
}

static void check(const char *what, int rc)
{
	if (rc != 0)
		fatal(what, rc);
}

static void host_trap(void *arg, struct axv_a64_trap_frame *f)
{
	(void)arg;
	con_printf("aarch64-virt: FATAL: exception at EL2: kind %lu esr 0x%lx elr 0x%lx far 0x%lx\n",
		   f->kind, f->esr, f->elr, f->far);
	platform_poweroff();
}

/* ---- loading the guest ------------------------------------------------------------------------- */

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint64_t le64(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* What QEMU's -kernel accepts for a Linux-style boot (hw/arm/boot.c), loaded the same way:
 * an arm64 Image (Linux Documentation/arch/arm64/booting.rst: text_offset at 8, image_size
 * at 16, magic "ARM\x64" at 56) goes text_offset bytes above the 2 MiB aligned RAM base;
 * anything else is a raw binary, loaded at RAM base + 0x80000. The header's text_offset counts
 * only with a nonzero image_size (before Linux 3.17 both were 0 and the offset was 0x80000).
 * The size copied is the file's, from the word scripts/qemu.sh has QEMU's loader put at
 * GUEST_IMAGE_SIZE_ADDR; an Image without that word is taken to be image_size long. */
/* Copy what QEMU's loader put in host memory into guest RAM, which is the linear map
 * GUEST_RAM_BASE -> GUEST_RAM_HOST (build_vm()), straight into its backing, 64 bytes per
 * loop iteration. Through axv_addrspace_write() and the word-at-a-time memcpy this copy of a
 * 32 MiB kernel took about 130 ms under QEMU TCG (guest RAM already touched), this loop about
 * 26 ms. Fatal unless the whole range is guest RAM. */
static void ram_copy(axv_gpa_t gpa, const void *src, uint64_t len)
{
	if (gpa < GUEST_RAM_BASE || gpa - GUEST_RAM_BASE > GUEST_RAM_SIZE ||
	    len > GUEST_RAM_SIZE - (gpa - GUEST_RAM_BASE))
		fatal("copy into guest RAM: outside it", AXV_ERANGE);
	uint8_t *d = (uint8_t *)(uintptr_t)(GUEST_RAM_HOST + (gpa - GUEST_RAM_BASE));
	const uint8_t *sp = src;
	if ((((uintptr_t)d | (uintptr_t)sp) & 7) == 0) {
		for (; len >= 64; len -= 64, d += 64, sp += 64) {
			const uint64_t *s8 = (const uint64_t *)(const void *)sp;
			uint64_t *d8 = (uint64_t *)(void *)d;
			uint64_t a0 = s8[0], a1 = s8[1], a2 = s8[2], a3 = s8[3];
			uint64_t a4 = s8[4], a5 = s8[5], a6 = s8[6], a7 = s8[7];
			d8[0] = a0, d8[1] = a1, d8[2] = a2, d8[3] = a3;
			d8[4] = a4, d8[5] = a5, d8[6] = a6, d8[7] = a7;
		}
	}
	__builtin_memcpy(d, sp, len);
}

static axv_gpa_t load_image(void)
{
	const uint8_t *img = (const uint8_t *)(uintptr_t)GUEST_IMAGE_ADDR;
	uint64_t file = *(volatile uint32_t *)(uintptr_t)GUEST_IMAGE_SIZE_ADDR;
	bool header = (file == 0 || file >= 64) && (le64(img + 56) & 0xffffffffu) == 0x644d5241u;
	uint64_t offset = GUEST_KERNEL_OFFSET, need = file;
	if (header) {
		uint64_t text_offset = le64(img + 8), image_size = le64(img + 16);
		if (image_size != 0)
			offset = text_offset;
		if (file == 0)
			file = image_size;
		if (file == 0)
			fatal("arm64 Image with image_size 0 and no size word", AXV_EINVAL);
		need = image_size > file ? image_size : file; /* the kernel's bss follows */
	} else if (file == 0) {
		fatal("guest image has no arm64 Image header, and no size word says how long the "
		      "raw image is (scripts/qemu.sh aarch64-hyp gives it)",
		      AXV_EINVAL);
	}
	if (file > GUEST_DTB_ADDR - GUEST_IMAGE_ADDR || offset >= GUEST_DTB_OFFSET ||
	    need > GUEST_DTB_OFFSET - offset)
		fatal("guest image size", AXV_ERANGE);
	axv_gpa_t entry = GUEST_RAM_BASE + offset;
	ram_copy(entry, img, file);
	if (header)
		con_printf("aarch64-virt: guest image: arm64 Image, text_offset 0x%lx, %lu KiB at "
			   "0x%lx\n",
			   offset, file >> 10, entry);
	else
		con_printf("aarch64-virt: guest image: raw binary (no arm64 Image header), %lu KiB "
			   "at 0x%lx, where QEMU's -kernel puts one\n",
			   file >> 10, entry);
	return entry;
}

/* The command line QEMU was given (-append): /chosen/bootargs of the DTB QEMU generated for
 * this hypervisor, a NUL-terminated string. NULL if there is none. */
static const char *host_bootargs(uint32_t *len)
{
	const void *fdt = (const void *)(uintptr_t)HOST_DTB_ADDR;
	uint32_t size;
	if (fdt_check(fdt, HYP_BASE - HOST_DTB_ADDR, &size) != 0)
		return NULL;
	const char *args = fdt_get(fdt, "chosen", "bootargs", len);
	if (!args || *len < 2 || args[*len - 1] != 0)
		return NULL;
	if (*len > GUEST_BOOTARGS_MAX)
		fatal("the command line (-append) is too long", AXV_ERANGE);
	return args;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* The guest's DTB is the one QEMU's loader put at GUEST_DTB_ADDR with its /chosen rebuilt
 * (devicetree spec v0.4, 3.6 /chosen; Linux's booting.rst): linux,initrd-start/-end with an
 * initrd and not at all without one (a guest may check start < end), and the command line
 * given at run time as bootargs when there is one (else the DTB's own stays). */
static uint8_t guest_dtb[GUEST_DTB_MAX] __attribute__((aligned(8)));

static axv_gpa_t load_dtb_and_initrd(void)
{
	const uint8_t *dtb = (const uint8_t *)(uintptr_t)GUEST_DTB_ADDR;
	if (be32(dtb) != FDT_MAGIC) {
		con_puts("aarch64-virt: no guest DTB loaded; x0 = 0\n");
		return 0;
	}
	uint32_t size;
	check("guest DTB", fdt_check(dtb, GUEST_IMAGE_SIZE_ADDR - GUEST_DTB_ADDR, &size));
	uint32_t initrd_size = *(volatile uint32_t *)(uintptr_t)GUEST_INITRD_SIZE_ADDR;
	axv_gpa_t initrd = GUEST_RAM_BASE + GUEST_INITRD_OFFSET;
	uint8_t start[8], end[8];
	struct fdt_edit edits[3] = {
		{"linux,initrd-start", NULL, 0},
		{"linux,initrd-end", NULL, 0},
	};
	size_t n = 2;
	if (initrd_size) {
		if (initrd_size > GUEST_RAM_SIZE - GUEST_INITRD_OFFSET)
			fatal("initrd size", AXV_ERANGE);
		ram_copy(initrd, (const void *)(uintptr_t)GUEST_INITRD_ADDR, initrd_size);
		put_be64(start, initrd);
		put_be64(end, initrd + initrd_size);
		edits[0] = (struct fdt_edit){"linux,initrd-start", start, 8};
		edits[1] = (struct fdt_edit){"linux,initrd-end", end, 8};
		con_printf("aarch64-virt: initrd %u KiB at 0x%lx\n", initrd_size >> 10, initrd);
	}
	uint32_t args_len = 0;
	const char *args = host_bootargs(&args_len);
	if (args) {
		edits[n++] = (struct fdt_edit){"bootargs", args, args_len};
		con_printf("aarch64-virt: guest command line (QEMU -append): %s\n", args);
	}
	uint32_t out;
	check("guest DTB /chosen",
	      fdt_copy_chosen(dtb, guest_dtb, sizeof(guest_dtb), edits, n, &out));
	axv_gpa_t at = GUEST_RAM_BASE + GUEST_DTB_OFFSET;
	check("copy DTB", axv_addrspace_write(&as, at, guest_dtb, out));
	return at;
}

/* ---- virtio devices ---------------------------------------------------------------------------- */

/* A virtio device is not locked by libaxv: its bus accesses are serialised here, under the
 * address-space lock, since queue processing reads and writes guest memory. */
static int virtio_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	spin_lock(&as_lock);
	int rc = axv_virtio_mmio_ops.read(ctx, off, width, value);
	spin_unlock(&as_lock);
	return rc;
}

static int virtio_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	spin_lock(&as_lock);
	int rc = axv_virtio_mmio_ops.write(ctx, off, width, value);
	spin_unlock(&as_lock);
	return rc;
}

static const struct axv_device_ops virtio_locked_ops = {virtio_read, virtio_write};

/* The devices' interrupt lines are SPIs of the virtual GIC (through the core irq module). */
static void virtio_irq(void *ctx, bool level)
{
	axv_vgic_set_spi(&vgic, (uint32_t)(uintptr_t)ctx, level);
}

static void virtio_console_out(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		con_putc((char)buf[i]);
}

static void add_virtio_devices(void)
{
	uint32_t disk = *(volatile uint32_t *)(uintptr_t)GUEST_DISK_SIZE_ADDR;
	if (disk > GUEST_DISK_MAX)
		fatal("disk image size", AXV_ERANGE);
	check("virtio-blk", axv_virtio_blk_init(&vblk, &as, (void *)(uintptr_t)GUEST_DISK_ADDR, disk,
						true, "libaxv-test-disk", virtio_irq,
						(void *)(uintptr_t)GUEST_VIRTIO_BLK_INTID));
	check("virtio-console", axv_virtio_console_init(&vcon, &as, virtio_console_out, NULL,
							virtio_irq,
							(void *)(uintptr_t)GUEST_VIRTIO_CON_INTID));
	check("virtio-blk bus", axv_bus_register(&bus, AXV_BUS_MMIO, GUEST_VIRTIO_BLK_BASE,
						 AXV_VIRTIO_MMIO_SIZE, &virtio_locked_ops,
						 &vblk.mmio));
	check("virtio-console bus", axv_bus_register(&bus, AXV_BUS_MMIO, GUEST_VIRTIO_CON_BASE,
						     AXV_VIRTIO_MMIO_SIZE, &virtio_locked_ops,
						     &vcon.mmio));
	if (disk)
		con_printf("aarch64-virt: virtio-blk disk %u KiB (read-only), virtio-console\n",
			   disk >> 10);
}

/* ---- the vm ----------------------------------------------------------------------------------- */

static uint64_t vtcr_for(const struct axv_pt_format *fmt)
{
	unsigned t0sz = 0, sl0 = 0;
	check("stage-2 VTCR fields", axv_s2_vtcr_fields(fmt, &t0sz, &sl0));
	/* VTCR_EL2 (DDI 0487 D17.2.172): T0SZ [5:0], SL0 [7:6], IRGN0/ORGN0 write-back [11:8],
	 * SH0 inner shareable [13:12], TG0 4 KiB [15:14] = 0, PS 40-bit [18:16], RES1 bit 31. */
	return t0sz | (uint64_t)sl0 << 6 | 1u << 8 | 1u << 10 | 3u << 12 | 2u << 16 | 1ull << 31;
}

/* The example's hypercalls that need nothing of the exit loop, answered on the fast path
 * (axv_vcpu_set_fast_hypercalls()): inside axv_vcpu_run(), without coming back here. */
static int fast_hypercall(void *ctx, const struct axv_exit *e, uint64_t *ret)
{
	(void)ctx;
	const uint64_t *a = e->hypercall.args;
	switch (e->hypercall.nr) {
	case HC_WEIGHTED_SUM:
		*ret = a[0] + 2 * a[1] + 3 * a[2] + 4 * a[3] + 5 * a[4] + 6 * a[5];
		return 0;
	case HC_NULL:
		*ret = 0;
		return 0;
	default:
		return AXV_ENOENT; /* not one of these: the exit loop's (nothing changed) */
	}
}

/* Looked up in order: the commonest call first. */
static const struct axv_hcall fast_hcalls[] = {
	{.first = HC_NULL, .last = HC_NULL, .call = fast_hypercall},
	{.first = HC_WEIGHTED_SUM, .last = HC_WEIGHTED_SUM, .call = fast_hypercall},
};

/* PSCI CPU_ON's memory check (DEN 0022D.b 5.6.2, INVALID_ADDRESS): may a vcpu start at
 * this address? Only inside an area of the guest's address space mapped executable (guest
 * RAM; not the non-executable lazy region, not a device, not a hole). The areas do not
 * change once the vcpus run, so reading them needs no lock. */
static bool guest_code(void *ctx, axv_gpa_t entry)
{
	(void)ctx;
	size_t n = axv_addrspace_area_count(&as);
	for (size_t i = 0; i < n; i++) {
		struct axv_area_info a;
		if (axv_addrspace_area(&as, i, &a) == 0 && entry - a.gpa < a.size)
			return (a.flags & AXV_MAP_EXEC) != 0;
	}
	return false;
}

static void build_vm(void)
{
	check("stage-2 format", axv_s2_format_init(&s2fmt, 40));
	check("address space", axv_addrspace_init(&as, &platform_hal, &s2fmt, 0, 1ull << 40,
						  (uint64_t)VMID << 48));
	check("map guest RAM", axv_addrspace_map_linear(&as, GUEST_RAM_BASE, GUEST_RAM_HOST,
							GUEST_RAM_SIZE, AXV_MAP_RWX));
	check("map lazy region", axv_addrspace_map_alloc(&as, GUEST_LAZY_BASE, GUEST_LAZY_SIZE,
							 AXV_MAP_READ | AXV_MAP_WRITE, false));

	const size_t cap[AXV_BUS_SPACE_COUNT] = {8 + MAX_CPUS, 0, 4};
	check("device bus", axv_bus_init(&bus, bus_slots, cap));
	vuart_init(&vuart, GUEST_UART_INTID);
	check("vuart", axv_bus_register(&bus, AXV_BUS_MMIO, GUEST_UART_BASE, 0x1000, &vuart_ops,
					&vuart));
	vrtc.intid = GUEST_RTC_INTID;
	check("rtc", axv_bus_register(&bus, AXV_BUS_MMIO, GUEST_RTC_BASE, 0x1000, &vrtc_ops,
				      &vrtc));
	check("test device", axv_bus_register(&bus, AXV_BUS_MMIO, GUEST_TESTDEV_BASE, 0x1000,
					      &testdev_ops, &testdev));
	/* No debug register device: the guest owns its debug registers and libaxv emulates the
	 * OS Lock group (axv_a64_debug_trap()); anything left reaches run_vcpu's RAZ/WI. */

	axv_gpa_t entry = load_image();
	axv_gpa_t dtb = load_dtb_and_initrd();
	struct axv_vcpu *vp[MAX_CPUS];
	struct axv_virq *qp[MAX_CPUS];
	uint64_t mpidr[MAX_CPUS];
	for (unsigned i = 0; i < nr_vcpus; i++) {
		check("virq", axv_virq_init(&virq[i]));
		const struct axv_vcpu_config cfg = {
			.id = i,
			.hal = &platform_hal,
			.ops = &axv_a64_vcpu_ops,
			.port_ctx = &a64vcpu[i],
			.virq = &virq[i],
			.vic = &axv_a64_vic_ops,
			.vic_ctx = &a64vcpu[i],
		};
		check("vcpu create", axv_vcpu_create(&vcpu[i], &cfg));
		const struct axv_a64_vcpu_config a64 = {
			.mpidr = i,
			.x0 = i == 0 ? dtb : 0,
			.cntvoff = 0,
			.vmid = VMID,
			.hw_ppis = 1u << VTIMER_INTID | 1u << PTIMER_INTID,
		};
		check("vcpu setup", axv_vcpu_setup(&vcpu[i], entry, axv_addrspace_root(&as), &a64));
		/* The fast path: accesses to the devices on the bus (the test device, the UART,
		 * the vGIC's distributor and redistributors, virtio) are completed inside
		 * axv_vcpu_run() and never come back here; they are counted there. */
		check("fast path", axv_vcpu_set_fast_bus(&vcpu[i], &bus));
		/* And the hypercalls HC_WEIGHTED_SUM and HC_NULL; with a fast path the port also
		 * answers the PSCI calls it owns, and sends the guest's SGIs through the vGIC
		 * (axv_vgic_attach()) without this loop. HC_SYSREG_TRAPS stays here. */
		check("fast hypercalls", axv_vcpu_set_fast_hypercalls(&vcpu[i], fast_hcalls,
								       sizeof(fast_hcalls) /
									       sizeof(fast_hcalls[0])));
		vp[i] = &vcpu[i];
		qp[i] = &virq[i];
		mpidr[i] = i;
	}
	check("vgic", axv_vgic_init(&vgic, vp, qp, mpidr, nr_vcpus, GUEST_SPIS));
	check("psci", axv_a64_psci_init(&psci, mpidr, nr_vcpus, guest_code, NULL));
	for (unsigned i = 0; i < nr_vcpus; i++) /* SPIs taken and ended through the vGIC */
		check("vgic attach", axv_vgic_attach(&vgic, i, &a64vcpu[i]));
	testdev.gic = &vgic;
	vuart.gic = &vgic;
	vrtc.gic = &vgic;
	add_virtio_devices();
	check("vgic gicd", axv_bus_register(&bus, AXV_BUS_MMIO, GUEST_GICD_BASE, AXV_VGIC_GICD_SIZE,
					    &axv_vgic_gicd_ops, &vgic));
	for (unsigned i = 0; i < nr_vcpus; i++)
		check("vgic gicr", axv_bus_register(&bus, AXV_BUS_MMIO,
						    GUEST_GICR_BASE + i * AXV_VGIC_GICR_SIZE,
						    AXV_VGIC_GICR_SIZE, &axv_vgic_gicr_ops,
						    axv_vgic_redist_ctx(&vgic, i)));
}

/* ---- running it ---------------------------------------------------------------------------------- */

/* The EL2 physical timer as the alarm of a halt with a deadline (a trapped WFIT: axv_exit's
 * halt.deadline, in the guest's virtual count). The guest's CNTVCT_EL0 is CNTPCT_EL0 minus
 * CNTVOFF_EL2, so the deadline in physical count is the guest's plus the vcpu's CNTVOFF.
 * Returns false when that count is already reached (wake now), else arms the timer: its
 * interrupt ends the WFI below at the deadline. */
static bool alarm_arm(uint64_t phys_deadline)
{
	uint64_t now;
	__asm__ volatile("isb\n\tmrs %0, cntpct_el0" : "=r"(now));
	if (now >= phys_deadline)
		return false;
	/* CNTHP_CTL_EL2: ENABLE (0), IMASK (1) clear: the interrupt fires once
	 * CNTPCT_EL0 >= CNTHP_CVAL_EL2. */
	__asm__ volatile("msr cnthp_cval_el2, %0\n\tmsr cnthp_ctl_el2, %1\n\tisb"
			 :
			 : "r"(phys_deadline), "r"(1ull)
			 : "memory");
	return true;
}

static void alarm_disarm(void)
{
	__asm__ volatile("msr cnthp_ctl_el2, xzr\n\tisb" : : : "memory");
}

/* What a host interrupt was, for the exit counts. */
static enum kind irq_kind(uint32_t intid)
{
	switch (intid) {
	case VTIMER_INTID:
		return K_IRQ_VTIMER;
	case PTIMER_INTID:
		return K_IRQ_PTIMER;
	case 0:
		return K_IRQ_KICK;
	case AXV_A64_GIC_MAINT_INTID:
		return K_IRQ_MAINT;
	case HYP_TIMER_INTID:
		return K_IRQ_HYP_TIMER;
	case HOST_UART_INTID:
		return K_IRQ_UART;
	case HOST_RTC_INTID:
		return K_IRQ_RTC;
	default:
		return K_IRQ_OTHER;
	}
}

/* Take every pending physical interrupt on this cpu; route the guest's timers to its vcpu.
 * SGI 0 is the kick (a vcpu of this cpu got an interrupt); PPI 25 the GIC maintenance
 * interrupt (list registers ran low, or the guest ended an SPI); both only need the exit
 * they caused. Those taken on an IRQ exit are counted in @c (NULL: not on an exit). */
static void host_irqs(struct axv_vcpu *v, struct exit_counts *c)
{
	for (;;) {
		uint32_t intid = axv_a64_gic_ack();
		if (intid >= 1020)
			return;
		axv_a64_gic_eoi(intid); /* priority drop; EOImode 1 keeps it active */
		if (c)
			bump(&c->kind[irq_kind(intid)]);
		if ((intid == VTIMER_INTID || intid == PTIMER_INTID) && v) {
			/* Stays active until the guest's EOI deactivates it (HW list register), or
			 * libaxv withdraws it when the guest quiets the timer first. */
			int rc = axv_vcpu_inject(v, intid);
			if (rc != 0 && rc != AXV_EALREADY)
				fatal("inject timer", rc);
		} else if (intid == HOST_UART_INTID) {
			vuart_host_rx(&vuart); /* the host line drops: drained, or masked */
			axv_a64_gic_deactivate(intid);
		} else if (intid == HOST_RTC_INTID) {
			vrtc_host_irq(&vrtc); /* masked until the guest clears its alarm */
			axv_a64_gic_deactivate(intid);
		} else {
			if (intid == AXV_A64_GIC_MAINT_INTID)
				axv_a64_gic_maintenance(); /* the refill happens at re-entry */
			if (intid == HYP_TIMER_INTID)
				alarm_disarm(); /* level: drop it before deactivating; the halt
						 * loop sees the deadline passed */
			axv_a64_gic_deactivate(intid);
		}
	}
}

/* Exits of a reason the fast path completed, over all vcpus. */
static uint64_t fast_exits(enum axv_exit_reason r)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < nr_vcpus; i++)
		n += axv_vcpu_fast_exits(&vcpu[i], r);
	return n;
}

static void hypercall(struct axv_vcpu *v, struct axv_exit *e, struct exit_counts *c)
{
	uint64_t ret = (uint64_t)-1; /* SMCCC NOT_SUPPORTED */
	const uint64_t *a = e->hypercall.args;
	switch (e->hypercall.nr) {
	case HC_WEIGHTED_SUM:
		ret = a[0] + 2 * a[1] + 3 * a[2] + 4 * a[3] + 5 * a[4] + 6 * a[5];
		break;
	case HC_SYSREG_TRAPS: /* system register exits this embedder has handled */
		ret = total_reason(AXV_EXIT_SYSREG_READ) + total_reason(AXV_EXIT_SYSREG_WRITE) +
		      fast_exits(AXV_EXIT_SYSREG_READ) + fast_exits(AXV_EXIT_SYSREG_WRITE);
		break;
	case HC_NULL:
		ret = 0;
		break;
	case HC_FAST_EXITS:
		ret = a[0] < AXV_EXIT_REASON_COUNT
			      ? axv_vcpu_fast_exits(v, (enum axv_exit_reason)a[0])
			      : (uint64_t)-1;
		break;
	case AXV_PSCI_AFFINITY_INFO_32:
	case AXV_PSCI_AFFINITY_INFO_64:
		ret = (uint64_t)axv_a64_psci_affinity_info(&psci, a[0], a[1]);
		break;
	}
	enum kind k = K_HC_OTHER;
	if (e->hypercall.nr >= HC_WEIGHTED_SUM && e->hypercall.nr <= HC_FAST_EXITS)
		k = K_HC_EXAMPLE;
	else if (e->hypercall.nr == AXV_PSCI_AFFINITY_INFO_32 ||
		 e->hypercall.nr == AXV_PSCI_AFFINITY_INFO_64)
		k = K_HC_PSCI;
	bump(&c->kind[k]);
	check("set return value", axv_vcpu_set_retval(v, ret));
	check("advance pc", axv_vcpu_advance_pc(v, e->insn_len));
}

/* PSCI CPU_ON from a guest: the port checks the target, the entry point (guest_code) and
 * the target's state; then start the target vcpu at entry with x0 = context id. */
static int64_t cpu_on(const struct axv_exit *e)
{
	uint32_t target;
	int64_t rc = axv_a64_psci_cpu_on(&psci, e, &target);
	if (rc != AXV_PSCI_RET_SUCCESS)
		return rc;
	struct axv_vcpu *t = &vcpu[target];
	if (axv_vcpu_set_entry(t, e->cpu_up.entry) != 0 ||
	    axv_vcpu_set_reg(t, 0, e->cpu_up.arg) != 0) {
		check("psci power off", axv_a64_psci_power_off(&psci, target));
		return AXV_PSCI_RET_INTERNAL_FAILURE;
	}
	/* A cpu powered on by PSCI starts like the boot cpu: EL1h, DAIF masked, MMU off. */
	a64vcpu[target].ctx.pstate = AXV_A64_PSTATE_EL1H_MASKED;
	a64vcpu[target].ctx.el1.sctlr_el1 = 0x30d00800u;
	a64vcpu[target].ctx.el1_dirty = AXV_A64_EL1_DIRTY_ALL;
	check("psci power on", axv_a64_psci_power_on(&psci, target));
	gic_send_sgi(target, 0); /* wake its physical cpu */
	return AXV_PSCI_RET_SUCCESS;
}

/* Nobody backs this address: give the guest the synchronous external abort the hardware
 * would, an instruction abort for a fetch and a data abort otherwise. */
static void abort_guest(struct axv_a64_vcpu *p, bool fetch, bool write)
{
	check("inject abort", fetch ? axv_a64_inject_iabt(&p->ctx, p->ctx.far)
				    : axv_a64_inject_dabt(&p->ctx, p->ctx.far, write));
}

static enum kind mmio_kind(axv_gpa_t a);

static void as_lock_take(void *ctx)
{
	spin_lock(ctx);
}

static void as_lock_drop(void *ctx)
{
	spin_unlock(ctx);
}

/* Where a guest access fault may be backed: the address space (under its lock: the vcpus
 * share it), then the devices. */
static const struct axv_fault_env fault_env = {.as = &as, .bus = &bus, .lock = as_lock_take,
					       .unlock = as_lock_drop, .lock_ctx = &as_lock};

/* A guest access fault, decoded (ESR_EL2.ISV: an MMIO exit) or not (a nested page fault):
 * libaxv's resolver tries guest memory (a lazily backed page: the guest retries), then the
 * device bus. Nobody backs it (or it is an undecoded access at a device, which this port
 * cannot decode): the guest gets a synchronous external abort. */
static void guest_access_fault(struct axv_vcpu *v, struct axv_a64_vcpu *p, struct axv_exit *e,
			       struct exit_counts *c)
{
	const bool decoded = e->reason != AXV_EXIT_NESTED_PAGE_FAULT;
	const bool write = decoded ? e->reason == AXV_EXIT_MMIO_WRITE
				   : e->npf.access == AXV_MAP_WRITE;
	const bool fetch = !decoded && (e->npf.flags & AXV_NPF_FETCH);
	const axv_gpa_t addr = decoded ? e->access.addr : e->npf.addr;
	enum axv_resolved how = AXV_RESOLVED_MEMORY;
	int rc = axv_vcpu_resolve(v, &fault_env, e, &how);
	if (rc == AXV_ENXIO || rc == AXV_EACCES || rc == AXV_ENOTSUP) {
		bump(&c->kind[decoded ? K_MMIO_UNBACKED : K_NPF_ABORT]);
		abort_guest(p, fetch, write);
		return;
	}
	check(decoded ? "mmio" : "nested page fault", rc);
	if (how == AXV_RESOLVED_MEMORY)
		bump(&c->kind[decoded ? K_MMIO_LAZY : K_NPF_LAZY]);
	else
		bump(&c->kind[mmio_kind(addr)]);
}

/* Three lines: the exits by reason (every reason the example handles; "other" would be
 * those it treats as fatal), each reason by kind (key=count, every key), and by vcpu. The
 * counts are copied first: the other vcpus may still run while this one prints. */
static _Noreturn void report_and_poweroff(void)
{
	struct {
		uint64_t reason[AXV_EXIT_REASON_COUNT], kind[K_COUNT], vcpu[MAX_CPUS], total;
	} n = {{0}, {0}, {0}, 0};
	for (unsigned i = 0; i < nr_vcpus; i++) {
		for (unsigned r = 0; r < AXV_EXIT_REASON_COUNT; r++) {
			uint64_t x = atomic_load_explicit(&counts[i].reason[r], memory_order_relaxed);
			n.reason[r] += x;
			n.vcpu[i] += x;
			n.total += x;
		}
		for (unsigned k = 0; k < K_COUNT; k++)
			n.kind[k] += atomic_load_explicit(&counts[i].kind[k], memory_order_relaxed);
	}
	static const enum axv_exit_reason shown[] = {
		AXV_EXIT_MMIO_READ, AXV_EXIT_MMIO_WRITE, AXV_EXIT_SYSREG_READ,
		AXV_EXIT_SYSREG_WRITE, AXV_EXIT_HYPERCALL, AXV_EXIT_EXTERNAL_IRQ, AXV_EXIT_HALT,
		AXV_EXIT_NESTED_PAGE_FAULT, AXV_EXIT_NOTHING, AXV_EXIT_CPU_UP, AXV_EXIT_CPU_DOWN,
		AXV_EXIT_SYSTEM_DOWN, AXV_EXIT_SYSTEM_RESET,
	};
	uint64_t other = n.total;
	for (unsigned k = 0; k < sizeof(shown) / sizeof(shown[0]); k++)
		other -= n.reason[shown[k]];
	uint64_t fast = 0;
	for (unsigned r = 0; r < AXV_EXIT_REASON_COUNT; r++)
		fast += fast_exits((enum axv_exit_reason)r);
	con_printf("aarch64-virt: %lu exits completed on the fast path (%lu mmio, %lu sysreg, "
		   "%lu hypercall)\n",
		   fast, fast_exits(AXV_EXIT_MMIO_READ) + fast_exits(AXV_EXIT_MMIO_WRITE),
		   fast_exits(AXV_EXIT_SYSREG_READ) + fast_exits(AXV_EXIT_SYSREG_WRITE),
		   fast_exits(AXV_EXIT_HYPERCALL));
	con_printf("aarch64-virt: guest powered off after %lu exits (%lu mmio, %lu sysreg, %lu "
		   "hypercall, %lu irq, %lu halt, %lu page fault, %lu nothing, %lu cpu up, %lu "
		   "cpu down, %lu system, %lu other)\n",
		   n.total, n.reason[AXV_EXIT_MMIO_READ] + n.reason[AXV_EXIT_MMIO_WRITE],
		   n.reason[AXV_EXIT_SYSREG_READ] + n.reason[AXV_EXIT_SYSREG_WRITE],
		   n.reason[AXV_EXIT_HYPERCALL], n.reason[AXV_EXIT_EXTERNAL_IRQ],
		   n.reason[AXV_EXIT_HALT], n.reason[AXV_EXIT_NESTED_PAGE_FAULT],
		   n.reason[AXV_EXIT_NOTHING], n.reason[AXV_EXIT_CPU_UP], n.reason[AXV_EXIT_CPU_DOWN],
		   n.reason[AXV_EXIT_SYSTEM_DOWN] + n.reason[AXV_EXIT_SYSTEM_RESET], other);
	con_puts("aarch64-virt: exits by kind:");
	for (unsigned k = 0; k < K_COUNT; k++)
		con_printf(" %s=%lu", kind_name[k], n.kind[k]);
	con_puts("\naarch64-virt: exits by vcpu:");
	for (unsigned i = 0; i < nr_vcpus; i++)
		con_printf(" %u=%lu", i, n.vcpu[i]);
	con_puts("\n");
	platform_poweroff();
}

/* What a guest's MMIO access was for: the device at its address. */
static enum kind mmio_kind(axv_gpa_t a)
{
	if (a - GUEST_UART_BASE < 0x1000)
		return K_MMIO_UART;
	if (a - GUEST_RTC_BASE < 0x1000)
		return K_MMIO_RTC;
	if (a - GUEST_GICD_BASE < AXV_VGIC_GICD_SIZE)
		return K_MMIO_GICD;
	if (a - GUEST_GICR_BASE < (uint64_t)nr_vcpus * AXV_VGIC_GICR_SIZE)
		return K_MMIO_GICR;
	if (a - GUEST_VIRTIO_BLK_BASE < AXV_VIRTIO_MMIO_SIZE)
		return K_MMIO_VIRTIO_BLK;
	if (a - GUEST_VIRTIO_CON_BASE < AXV_VIRTIO_MMIO_SIZE)
		return K_MMIO_VIRTIO_CON;
	return K_MMIO_TESTDEV; /* the only other device on the bus */
}

#define ICC_SGI1R_EL1 AXV_A64_SYSREG(3, 0, 12, 11, 5)
#define ICC_ASGI1R_EL1 AXV_A64_SYSREG(3, 0, 12, 11, 6)
#define ICC_SGI0R_EL1 AXV_A64_SYSREG(3, 0, 12, 11, 7)

/* A system register access by class: the SGI registers, the rest of the GIC CPU interface
 * (op0 3, op1 0, CRn 12), the debug registers (op0 2) and anything else. */
static enum kind sysreg_kind(uint64_t id)
{
	if (id == ICC_SGI1R_EL1 || id == ICC_ASGI1R_EL1 || id == ICC_SGI0R_EL1)
		return K_SYSREG_SGI;
	uint64_t op0 = (id >> AXV_A64_SYS_OP0_SHIFT) & 3, op1 = (id >> AXV_A64_SYS_OP1_SHIFT) & 7;
	uint64_t crn = (id >> AXV_A64_SYS_CRN_SHIFT) & 15;
	if (op0 == 3 && op1 == 0 && crn == 12)
		return K_SYSREG_GIC;
	return op0 == 2 ? K_SYSREG_DEBUG : K_SYSREG_OTHER;
}

/* An exit with nothing left to do: a PSCI call the port answered in place (an HVC or SMC),
 * a wait that ends at once (a WFI with an interrupt already pending, a WFE), or else. */
static enum kind nothing_kind(const struct axv_a64_ctx *c)
{
	if (c->trap != AXV_A64_TRAP_SYNC)
		return K_NOTHING_OTHER;
	switch ((c->esr >> AXV_A64_ESR_EC_SHIFT) & 0x3f) {
	case AXV_A64_EC_HVC64:
	case AXV_A64_EC_SMC64:
		return K_NOTHING_PSCI;
	case AXV_A64_EC_WFX:
		return K_NOTHING_WAKE;
	default:
		return K_NOTHING_OTHER;
	}
}

/* Run vcpu i on this cpu until the guest turns it off (PSCI CPU_OFF). */
static void run_vcpu(unsigned i)
{
	struct axv_vcpu *v = &vcpu[i];
	struct axv_a64_vcpu *p = &a64vcpu[i];
	struct exit_counts *c = &counts[i];
	check("bind", axv_vcpu_bind(v));
	bool has_deadline = false; /* the last halt was a WFIT: wake at deadline at the latest */
	uint64_t deadline = 0;     /* in physical count (CNTPCT_EL0) */
	for (;;) {
		struct axv_exit e;
		int rc = axv_vcpu_run(v, &e);
		if (rc == AXV_EAGAIN) { /* blocked: sleep until an interrupt, or the deadline */
			while (axv_vcpu_state(v) == AXV_VCPU_BLOCKED) {
				if (has_deadline && !alarm_arm(deadline)) {
					check("kick", axv_vcpu_kick(v)); /* the WFIT timed out */
					break;
				}
				__asm__ volatile("wfi");
				host_irqs(v, NULL);
			}
			if (has_deadline)
				alarm_disarm();
			has_deadline = false;
			continue;
		}
		check("run", rc);
		bump(&c->reason[e.reason]);
		has_deadline = e.reason == AXV_EXIT_HALT && e.halt.has_deadline;
		if (has_deadline)
			deadline = e.halt.deadline + p->ctx.cntvoff; /* guest virtual -> physical */
		switch (e.reason) {
		case AXV_EXIT_NOTHING:
			bump(&c->kind[nothing_kind(&p->ctx)]);
			break;
		case AXV_EXIT_HALT:
			bump(&c->kind[has_deadline ? K_HALT_WFIT : K_HALT_WFI]);
			break;
		case AXV_EXIT_EXTERNAL_IRQ:
			host_irqs(v, c);
			break;
		case AXV_EXIT_HYPERCALL:
			hypercall(v, &e, c);
			break;
		case AXV_EXIT_MMIO_READ:
		case AXV_EXIT_MMIO_WRITE:
		case AXV_EXIT_NESTED_PAGE_FAULT:
			guest_access_fault(v, p, &e, c);
			break;
		case AXV_EXIT_SYSREG_WRITE:
			bump(&c->kind[sysreg_kind(e.access.addr)]);
			if (e.access.addr == ICC_SGI1R_EL1 || e.access.addr == ICC_ASGI1R_EL1 ||
			    e.access.addr == ICC_SGI0R_EL1) {
				axv_vgic_send_sgi(&vgic, i, e.access.data);
				check("advance pc", axv_vcpu_advance_pc(v, e.insn_len));
				break;
			}
			/* fall through */
		case AXV_EXIT_SYSREG_READ:
			if (e.reason == AXV_EXIT_SYSREG_READ)
				bump(&c->kind[sysreg_kind(e.access.addr)]);
			rc = axv_vcpu_complete(v, &bus, &e);
			if (rc == AXV_ENXIO) { /* not emulated: reads as zero, writes ignored */
				if (e.reason == AXV_EXIT_SYSREG_READ && e.access.reg != AXV_REG_NONE)
					check("sysreg raz", axv_vcpu_set_reg(v, e.access.reg, 0));
				check("advance pc", axv_vcpu_advance_pc(v, e.insn_len));
			} else {
				check("sysreg", rc);
			}
			break;
		case AXV_EXIT_SYSTEM_DOWN:
			report_and_poweroff();
		case AXV_EXIT_SYSTEM_RESET:
			con_puts("aarch64-virt: guest asked for a reset; this example powers off\n");
			report_and_poweroff();
		case AXV_EXIT_CPU_UP:
			check("psci", axv_vcpu_set_retval(v, (uint64_t)cpu_on(&e)));
			check("advance pc", axv_vcpu_advance_pc(v, e.insn_len));
			break;
		case AXV_EXIT_CPU_DOWN:
			/* Off only once unbound: a CPU_ON may then set it up from another cpu. */
			check("unbind", axv_vcpu_unbind(v));
			check("psci power off", axv_a64_psci_power_off(&psci, i));
			return;
		default:
			con_printf("aarch64-virt: FATAL: vcpu %u: unhandled exit %s: raw 0x%lx info "
				   "0x%lx pc 0x%lx\n",
				   i, axv_exit_name(e.reason), e.unhandled.raw, e.unhandled.info, e.pc);
			platform_poweroff();
		}
	}
}

/* A physical cpu: run its vcpu whenever the guest has it on. */
static _Noreturn void cpu_loop(unsigned cpu)
{
	for (;;) {
		while (axv_a64_psci_state(&psci, cpu) != AXV_PSCI_AFF_ON) {
			__asm__ volatile("wfi");
			host_irqs(NULL, NULL);
		}
		run_vcpu(cpu);
	}
}

static void cpu_enable(unsigned cpu)
{
	mmu_enable_el2();
	a64cpu[cpu].vtcr = vtcr_for(&s2fmt);
	a64cpu[cpu].host_trap = host_trap;
	a64cpu[cpu].host_trap_arg = NULL;
	check("percpu init", axv_percpu_init(&percpu[cpu], cpu, &axv_a64_percpu_ops, &a64cpu[cpu]));
	check("percpu enable", axv_percpu_enable(&percpu[cpu]));
	gic_init_cpu(cpu);
}

void hyp_main(unsigned cpu)
{
	if (cpu != 0) {
		/* A secondary physical cpu, started by cpu 0 below. */
		cpu_enable(cpu);
		atomic_fetch_add(&cpus_up, 1);
		while (!atomic_load(&vm_ready))
			__asm__ volatile("wfe");
		cpu_loop(cpu);
	}
	mmu_enable_el2();
	con_puts("aarch64-virt: libaxv example hypervisor at EL2\n");
	frames_init();
	gic_init_dist();
	check("stage-2 format", axv_s2_format_init(&s2fmt, 40));
	cpu_enable(0);
	/* One vcpu per physical cpu: start every cpu QEMU has (-smp N). */
	while (nr_vcpus < MAX_CPUS && platform_cpu_on(nr_vcpus) == 0) {
		nr_vcpus++;
		while (atomic_load(&cpus_up) < nr_vcpus)
			;
	}
	build_vm();
	/* The host's console input and RTC alarm interrupts come to this cpu. */
	host_uart_rx_init();
	vuart_host_rx(&vuart);
	gic_spi_route(HOST_RTC_INTID, 0);
	gic_spi_enable(HOST_RTC_INTID, true);
	con_printf("aarch64-virt: guest RAM %lu MiB at 0x%lx, %u vcpu%s, stage-2 %s, %lu table "
		   "frames\n",
		   GUEST_RAM_SIZE >> 20, GUEST_RAM_BASE, nr_vcpus, nr_vcpus > 1 ? "s" : "",
		   s2fmt.name, (uint64_t)axv_addrspace_pt_frames(&as));
	check("psci boot vcpu", axv_a64_psci_power_on(&psci, 0));
	atomic_store(&vm_ready, true);
	__asm__ volatile("dsb ish\n\tsev");
	cpu_loop(0);
}
