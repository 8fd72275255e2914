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
#include <axv/err.h>
#include <axv/exit.h>
#include <axv/irq.h>
#include <axv/vcpu.h>
#include <axv/virtio.h>

#include "config.h"
#include "devices.h"
#include "platform.h"

void hyp_main(unsigned cpu);

#define VMID 1
#define HC_WEIGHTED_SUM 0x1000
#define HC_SYSREG_TRAPS 0x1001
#define VTIMER_INTID 27

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
static _Atomic bool vcpu_on[MAX_CPUS];    /* guest PSCI state of each vcpu */
static struct spinlock as_lock;           /* the address space is shared by the vcpus */
static struct axv_virtio_blk vblk;        /* virtio-blk over the disk QEMU's loader gave us */
static struct axv_virtio_console vcon;    /* virtio-console to the host console */
static struct vuart vuart;
static struct testdev testdev;
static struct dbgregs dbgregs;
static _Atomic uint64_t exits[AXV_EXIT_REASON_COUNT];

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

/* Linux arm64 Image header (Documentation/arch/arm64/booting.rst): text_offset at 8,
 * image_size at 16, magic "ARM\x64" at 56. */
static axv_gpa_t load_image(void)
{
	const uint8_t *img = (const uint8_t *)(uintptr_t)GUEST_IMAGE_ADDR;
	if (le64(img + 56) != 0x644d5241ull && (le64(img + 56) & 0xffffffffu) != 0x644d5241u)
		fatal("guest image has no arm64 Image header", AXV_EINVAL);
	uint64_t text_offset = le64(img + 8), size = le64(img + 16);
	if (size == 0 || size > GUEST_DTB_OFFSET - text_offset)
		fatal("guest image size", AXV_ERANGE);
	axv_gpa_t entry = GUEST_RAM_BASE + text_offset;
	check("copy guest image", axv_addrspace_write(&as, entry, img, size));
	con_printf("aarch64-virt: guest image %lu KiB at 0x%lx\n", size >> 10, entry);
	return entry;
}

/* Overwrite a property's value in place (same length), e.g. the placeholder
 * linux,initrd-start / -end cells of the committed DTS (devicetree spec v0.4, 5.4). */
static bool fdt_set_u64(uint8_t *fdt, const char *name, uint64_t v)
{
	uint32_t off_struct = be32(fdt + 8), off_strings = be32(fdt + 12);
	uint32_t size_struct = be32(fdt + 36);
	uint8_t *p = fdt + off_struct, *end = p + size_struct;
	while (p + 4 <= end) {
		uint32_t tok = be32(p);
		p += 4;
		if (tok == 1) { /* FDT_BEGIN_NODE: name, NUL, padding */
			while (p < end && *p)
				p++;
			p = fdt + ((p + 1 - fdt + 3) & ~3u);
		} else if (tok == 3) { /* FDT_PROP: len, nameoff, value */
			uint32_t len = be32(p), nameoff = be32(p + 4);
			const char *pn = (const char *)fdt + off_strings + nameoff;
			const char *q = name;
			while (*q && *q == *pn)
				q++, pn++;
			if (*q == 0 && *pn == 0 && len == 8) {
				for (int i = 0; i < 8; i++)
					p[8 + i] = (uint8_t)(v >> (56 - 8 * i));
				return true;
			}
			p = fdt + ((p + 8 + len - fdt + 3) & ~3u);
		} else if (tok == 9) { /* FDT_END */
			break;
		}
	}
	return false;
}

static axv_gpa_t load_dtb_and_initrd(void)
{
	uint8_t *dtb = (uint8_t *)(uintptr_t)GUEST_DTB_ADDR;
	if (be32(dtb) != 0xd00dfeedu) {
		con_puts("aarch64-virt: no guest DTB loaded; x0 = 0\n");
		return 0;
	}
	uint32_t dtb_size = be32(dtb + 4);
	uint32_t initrd_size = *(volatile uint32_t *)(uintptr_t)GUEST_INITRD_SIZE_ADDR;
	axv_gpa_t initrd = GUEST_RAM_BASE + GUEST_INITRD_OFFSET;
	if (initrd_size) {
		if (initrd_size > GUEST_RAM_SIZE - GUEST_INITRD_OFFSET)
			fatal("initrd size", AXV_ERANGE);
		check("copy initrd", axv_addrspace_write(&as, initrd,
							  (const void *)(uintptr_t)GUEST_INITRD_ADDR,
							  initrd_size));
		if (!fdt_set_u64(dtb, "linux,initrd-start", initrd) ||
		    !fdt_set_u64(dtb, "linux,initrd-end", initrd + initrd_size))
			fatal("the guest DTB has no linux,initrd placeholders", AXV_ENOENT);
		con_printf("aarch64-virt: initrd %u KiB at 0x%lx\n", initrd_size >> 10, initrd);
	}
	axv_gpa_t at = GUEST_RAM_BASE + GUEST_DTB_OFFSET;
	check("copy DTB", axv_addrspace_write(&as, at, dtb, dtb_size));
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

static void build_vm(void)
{
	check("stage-2 format", axv_s2_format_init(&s2fmt, 40));
	check("address space", axv_addrspace_init(&as, &platform_hal, &s2fmt, 0, 1ull << 40,
						  (uint64_t)VMID << 48));
	check("map guest RAM", axv_addrspace_map_linear(&as, GUEST_RAM_BASE, GUEST_RAM_HOST,
							GUEST_RAM_SIZE, AXV_MAP_RWX));
	check("map lazy region", axv_addrspace_map_alloc(&as, GUEST_LAZY_BASE, GUEST_LAZY_SIZE,
							 AXV_MAP_READ | AXV_MAP_WRITE, false));

	const size_t cap[AXV_BUS_SPACE_COUNT] = {6 + MAX_CPUS, 0, 4};
	check("device bus", axv_bus_init(&bus, bus_slots, cap));
	check("vuart", axv_bus_register(&bus, AXV_BUS_MMIO, GUEST_UART_BASE, 0x1000, &vuart_ops,
					&vuart));
	check("test device", axv_bus_register(&bus, AXV_BUS_MMIO, GUEST_TESTDEV_BASE, 0x1000,
					      &testdev_ops, &testdev));
	/* Every op0 = 2 register id (debug and OS lock registers). */
	check("debug registers",
	      axv_bus_register(&bus, AXV_BUS_SYSREG, AXV_A64_SYSREG(2, 0, 0, 0, 0),
			       AXV_A64_SYSREG(3, 0, 0, 0, 0) - AXV_A64_SYSREG(2, 0, 0, 0, 0),
			       &dbgregs_ops, &dbgregs));

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
			.hw_ppis = 1u << VTIMER_INTID,
		};
		check("vcpu setup", axv_vcpu_setup(&vcpu[i], entry, axv_addrspace_root(&as), &a64));
		vp[i] = &vcpu[i];
		qp[i] = &virq[i];
		mpidr[i] = i;
	}
	check("vgic", axv_vgic_init(&vgic, vp, qp, mpidr, nr_vcpus, GUEST_SPIS));
	for (unsigned i = 0; i < nr_vcpus; i++) /* SPIs taken and ended through the vGIC */
		check("vgic attach", axv_vgic_attach(&vgic, i, &a64vcpu[i]));
	testdev.gic = &vgic;
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

/* Take every pending physical interrupt on this cpu; route the virtual timer to its vcpu.
 * SGI 0 is the kick (a vcpu of this cpu got an interrupt); PPI 25 the GIC maintenance
 * interrupt (list registers ran low); both only need the exit they caused. */
static void host_irqs(struct axv_vcpu *v)
{
	for (;;) {
		uint32_t intid = axv_a64_gic_ack();
		if (intid >= 1020)
			return;
		axv_a64_gic_eoi(intid); /* priority drop; EOImode 1 keeps it active */
		if (intid == VTIMER_INTID && v) {
			/* Stays active until the guest's EOI deactivates it (HW list register). */
			int rc = axv_vcpu_inject(v, VTIMER_INTID);
			if (rc != 0 && rc != AXV_EALREADY)
				fatal("inject timer", rc);
		} else {
			if (intid == AXV_A64_GIC_MAINT_INTID)
				axv_a64_gic_maintenance(); /* the refill happens at re-entry */
			axv_a64_gic_deactivate(intid);
		}
	}
}

static uint64_t psci_affinity_info(uint64_t target)
{
	if ((target & AXV_A64_MPIDR_AFF_MASK) >= nr_vcpus)
		return (uint64_t)AXV_PSCI_RET_INVALID_PARAMETERS;
	return atomic_load(&vcpu_on[target & 0xff]) ? 0 : 1; /* ON : OFF */
}

static void hypercall(struct axv_vcpu *v, struct axv_exit *e)
{
	uint64_t ret = (uint64_t)-1; /* SMCCC NOT_SUPPORTED */
	const uint64_t *a = e->hypercall.args;
	switch (e->hypercall.nr) {
	case HC_WEIGHTED_SUM:
		ret = a[0] + 2 * a[1] + 3 * a[2] + 4 * a[3] + 5 * a[4] + 6 * a[5];
		break;
	case HC_SYSREG_TRAPS:
		ret = dbgregs.traps;
		break;
	case AXV_PSCI_AFFINITY_INFO_32:
	case AXV_PSCI_AFFINITY_INFO_64:
		ret = psci_affinity_info(a[0]);
		break;
	}
	check("set return value", axv_vcpu_set_retval(v, ret));
	check("advance pc", axv_vcpu_advance_pc(v, e->insn_len));
}

/* PSCI CPU_ON from a guest: start the target vcpu at entry with x0 = context id. */
static int64_t cpu_on(const struct axv_exit *e)
{
	uint64_t target = e->cpu_up.target;
	if (target >= nr_vcpus)
		return AXV_PSCI_RET_INVALID_PARAMETERS;
	struct axv_vcpu *t = &vcpu[target];
	if (atomic_load(&vcpu_on[target]))
		return AXV_PSCI_RET_ALREADY_ON;
	if (axv_vcpu_set_entry(t, e->cpu_up.entry) != 0 ||
	    axv_vcpu_set_reg(t, 0, e->cpu_up.arg) != 0)
		return AXV_PSCI_RET_INTERNAL_FAILURE;
	/* A cpu powered on by PSCI starts like the boot cpu: EL1h, DAIF masked, MMU off. */
	a64vcpu[target].ctx.pstate = AXV_A64_PSTATE_EL1H_MASKED;
	a64vcpu[target].ctx.el1.sctlr_el1 = 0x30d00800u;
	a64vcpu[target].ctx.el1_dirty = AXV_A64_EL1_DIRTY_ALL;
	atomic_store(&vcpu_on[target], true);
	gic_send_sgi((unsigned)target, 0); /* wake its physical cpu */
	return AXV_PSCI_RET_SUCCESS;
}

/* Nobody backs this address: give the guest a synchronous external abort. */
static void abort_guest(struct axv_a64_vcpu *p, bool write)
{
	check("inject abort", axv_a64_inject_dabt(&p->ctx, p->ctx.far, write));
}

static int fault_in(axv_gpa_t gpa, axv_map_flags_t access)
{
	spin_lock(&as_lock);
	int rc = axv_addrspace_handle_fault(&as, gpa, access);
	spin_unlock(&as_lock);
	return rc;
}

static _Noreturn void report_and_poweroff(void)
{
	uint64_t total = 0;
	for (unsigned r = 0; r < AXV_EXIT_REASON_COUNT; r++)
		total += exits[r];
	con_printf("aarch64-virt: guest powered off after %lu exits (%lu mmio, %lu sysreg, %lu "
		   "hypercall, %lu irq, %lu halt, %lu page fault)\n",
		   total, exits[AXV_EXIT_MMIO_READ] + exits[AXV_EXIT_MMIO_WRITE],
		   exits[AXV_EXIT_SYSREG_READ] + exits[AXV_EXIT_SYSREG_WRITE],
		   (uint64_t)exits[AXV_EXIT_HYPERCALL], (uint64_t)exits[AXV_EXIT_EXTERNAL_IRQ],
		   (uint64_t)exits[AXV_EXIT_HALT], (uint64_t)exits[AXV_EXIT_NESTED_PAGE_FAULT]);
	platform_poweroff();
}

#define ICC_SGI1R_EL1 AXV_A64_SYSREG(3, 0, 12, 11, 5)
#define ICC_ASGI1R_EL1 AXV_A64_SYSREG(3, 0, 12, 11, 6)
#define ICC_SGI0R_EL1 AXV_A64_SYSREG(3, 0, 12, 11, 7)

/* Run vcpu i on this cpu until the guest turns it off (PSCI CPU_OFF). */
static void run_vcpu(unsigned i)
{
	struct axv_vcpu *v = &vcpu[i];
	struct axv_a64_vcpu *p = &a64vcpu[i];
	check("bind", axv_vcpu_bind(v));
	for (;;) {
		struct axv_exit e;
		int rc = axv_vcpu_run(v, &e);
		if (rc == AXV_EAGAIN) { /* blocked: sleep until an interrupt arrives */
			while (axv_vcpu_state(v) == AXV_VCPU_BLOCKED) {
				__asm__ volatile("wfi");
				host_irqs(v);
			}
			continue;
		}
		check("run", rc);
		exits[e.reason]++;
		switch (e.reason) {
		case AXV_EXIT_NOTHING:
		case AXV_EXIT_HALT:
			break;
		case AXV_EXIT_EXTERNAL_IRQ:
			host_irqs(v);
			break;
		case AXV_EXIT_HYPERCALL:
			hypercall(v, &e);
			break;
		case AXV_EXIT_MMIO_READ:
		case AXV_EXIT_MMIO_WRITE: {
			bool write = e.reason == AXV_EXIT_MMIO_WRITE;
			/* RAM first: a lazily backed page is faulted in and the access retried. */
			if (fault_in(e.access.addr, write ? AXV_MAP_WRITE : AXV_MAP_READ) == 0)
				break;
			rc = axv_vcpu_complete(v, &bus, &e);
			if (rc == AXV_ENXIO || rc == AXV_EACCES)
				abort_guest(p, write);
			else
				check("mmio", rc);
			break;
		}
		case AXV_EXIT_SYSREG_WRITE:
			if (e.access.addr == ICC_SGI1R_EL1 || e.access.addr == ICC_ASGI1R_EL1 ||
			    e.access.addr == ICC_SGI0R_EL1) {
				axv_vgic_send_sgi(&vgic, i, e.access.data);
				check("advance pc", axv_vcpu_advance_pc(v, e.insn_len));
				break;
			}
			/* fall through */
		case AXV_EXIT_SYSREG_READ:
			rc = axv_vcpu_complete(v, &bus, &e);
			if (rc == AXV_ENXIO) { /* not emulated: reads as zero, writes ignored */
				if (e.reason == AXV_EXIT_SYSREG_READ && e.access.reg != AXV_REG_NONE)
					check("sysreg raz", axv_vcpu_set_reg(v, e.access.reg, 0));
				check("advance pc", axv_vcpu_advance_pc(v, e.insn_len));
			} else {
				check("sysreg", rc);
			}
			break;
		case AXV_EXIT_NESTED_PAGE_FAULT:
			rc = fault_in(e.npf.addr, e.npf.access);
			if (rc == AXV_ENOENT || rc == AXV_EACCES)
				abort_guest(p, e.npf.access == AXV_MAP_WRITE);
			else
				check("nested page fault", rc);
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
			atomic_store(&vcpu_on[i], false);
			check("unbind", axv_vcpu_unbind(v));
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
		while (!atomic_load(&vcpu_on[cpu])) {
			__asm__ volatile("wfi");
			host_irqs(NULL);
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
	con_printf("aarch64-virt: guest RAM %lu MiB at 0x%lx, %u vcpu%s, stage-2 %s, %lu table "
		   "frames\n",
		   GUEST_RAM_SIZE >> 20, GUEST_RAM_BASE, nr_vcpus, nr_vcpus > 1 ? "s" : "",
		   s2fmt.name, (uint64_t)axv_addrspace_pt_frames(&as));
	atomic_store(&vcpu_on[0], true);
	atomic_store(&vm_ready, true);
	__asm__ volatile("dsb ish\n\tsev");
	cpu_loop(0);
}
