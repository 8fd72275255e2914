/*
 * aarch64-virt: a bare-metal hypervisor for QEMU's virt machine, built on libaxv.
 *
 * It boots at EL2, brings up its own HAL (a frame allocator over host RAM, an identity EL2
 * mapping, a PL011 console), builds one guest address space (RAM linearly mapped, a lazily
 * backed region), loads the guest image, DTB and optional initrd that QEMU's generic loader
 * put in host memory, and runs the guest's vcpu at EL1 through libaxv's vcpu, exit and irq
 * modules and the aarch64 port. Memory map and addresses: config.h.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <axv/addrspace.h>
#include <axv/arch/aarch64.h>
#include <axv/arch/aarch64_fdt.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>
#include <axv/percpu.h>
#include <axv/vcpu.h>
#include <axv/virq.h>
#include <axv/virtio.h>

#include "config.h"
#include "conmux.h"
#include "devices.h"
#include "fdt.h"
#include "platform.h"
#include "sched.h"
#include "vms.h"
#include <axv/arch/aarch64_hw.h>

void hyp_main(unsigned cpu);

#define HC_WEIGHTED_SUM 0x1000
#define HC_SYSREG_TRAPS 0x1001
#define HC_NULL 0x1002 /* returns 0 and does nothing else: the exit benchmark's null call */
/* Returns how many exits of reason a1 the fast path completed for the calling vcpu (answered
 * here, never on the fast path: tests/guests/aarch64/fastpath.c). */
#define HC_FAST_EXITS 0x1003
/* Returns 1 when the VM at index a1 of the table is powered off, 0 while it runs, -1 for no
 * such VM: how tests/guests/aarch64/isolate.c's victim knows the sweep is over. */
#define HC_VM_DOWN 0x1004
/* Returns how many times the calling VM has been started: 1 at the first boot, one more after
 * each PSCI SYSTEM_RESET (tests/guests/aarch64/reset.c). */
#define HC_VM_BOOTS 0x1005
#define VTIMER_INTID 27
/* The EL1 physical timer: the guest uses CNTP_* directly (CNTHCTL_EL2.EL1PCEN), its PPI is
 * hardware-linked like the virtual timer's. */
#define PTIMER_INTID 30
/* The EL2 physical timer (CNTHP_*_EL2), PPI 10 on QEMU virt: wakes a WFIT at its deadline. */
#define HYP_TIMER_INTID 26

/* The example is the embedder: its global state is its own (libaxv keeps none). */
static struct axv_pt_format s2fmt;        /* one stage-2 format, each VM its own tables */
static struct axv_a64_cpu a64cpu[MAX_CPUS];
static struct axv_percpu percpu[MAX_CPUS];
static unsigned nr_cpus = 1;              /* physical cpus that started */
static _Atomic unsigned cpus_up = 1;      /* physical cpus in hyp_main */
static _Atomic bool vm_ready;             /* cpu 0 built the vms */

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

/* A virtio device's interrupt line: an SPI of its VM's vGIC. */
struct vm_line {
	struct axv_vgic *gic;
	uint32_t intid;
};

/* One VM, built from its table entry (vms.h) by build_vm(): everything of it is here, so
 * nothing of one VM reaches another. */
struct vm {
	const struct vm_desc *d;
	unsigned index;                   /* in the table */
	unsigned nr_vcpus;
	unsigned pcpu[MAX_CPUS];          /* physical cpu of each vcpu */
	struct axv_addrspace as;
	struct spinlock as_lock;          /* the address space is shared by the VM's vcpus */
	struct axv_fault_env fault_env;   /* the address space under its lock, then the bus */
	struct axv_bus bus;
	struct axv_bus_entry bus_slots[16];
	struct axv_vcpu vcpu[MAX_CPUS];
	struct axv_a64_vcpu a64vcpu[MAX_CPUS];
	struct axv_virq virq[MAX_CPUS];
	struct axv_vgic vgic;
	struct axv_a64_psci psci;         /* the PSCI power state of each vcpu */
	struct axv_virtio_blk vblk;       /* virtio-blk over the disk QEMU's loader gave us */
	struct axv_virtio_console vcon;   /* virtio-console to the host console */
	struct vm_line vblk_line, vcon_line;
	struct vuart vuart;
	struct con_stream con;            /* its share of the host console (conmux.h) */
	struct vrtc vrtc;
	struct testdev testdev;
	struct exit_counts counts[MAX_CPUS]; /* by vcpu */
	/* The lifecycle (see "the lifecycle" below). */
	unsigned vmid;                    /* VTTBR_EL2.VMID of this boot (vmid_alloc()) */
	unsigned boots;                   /* 1 at the first start, +1 at each reset */
	uint64_t frames_before;           /* free pool frames before it was first created */
	_Atomic bool down;                /* stopping (off or reset): its vcpus leave the guest */
	_Atomic bool reset_req;           /* ... and it starts again from its image */
	_Atomic bool off;                 /* shut down and destroyed for good */
	_Atomic unsigned active;          /* physical cpus inside one of its vcpus */
	_Atomic bool settling;            /* one cpu claimed the teardown */
	/* Pause and resume (see "pause and resume" below). */
	_Atomic bool paused;              /* its vcpus stay out of the guest */
	_Atomic bool in_guest[MAX_CPUS];  /* vcpu i is inside axv_vcpu_run() (its cpu writes) */
	uint64_t paused_at;               /* physical count once every vcpu was out */
	_Atomic uint64_t voff_total;      /* virtual time held back by its pauses, in counts */
	uint64_t voff_applied[MAX_CPUS];  /* how much of it vcpu i's CNTVOFF_EL2 holds */
};

static struct vm vms[MAX_VMS];
static unsigned nr_vms;
static struct vm *pcpu_vm[MAX_CPUS];      /* the VM whose vcpu a physical cpu runs (or NULL) */
static unsigned pcpu_vcpu[MAX_CPUS];      /* and which of its vcpus */
static struct vm *rtc_vm;                 /* the VM the host's PL031 is passed to (or NULL) */
/* Timer PPIs a cpu took for a vcpu of a paused VM: left active, not injected, until that
 * vcpu (or another) runs on the cpu again (release_held()). */
static uint32_t held_ppis[MAX_CPUS];
static struct axv_vcpu *held_vcpu[MAX_CPUS];
/* Serialises host_input()'s delivery to the VMs' PL011s with a VM's teardown and rebuild. */
static struct spinlock vuart_life_lock;

static void bump(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static uint64_t total_reason(const struct vm *vm, enum axv_exit_reason r)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++)
		n += atomic_load_explicit(&vm->counts[i].reason[r], memory_order_relaxed);
	return n;
}

static _Noreturn void fatal(const char *what, int rc)
{
	con_printf("aarch64-virt: FATAL: %s: %s (%d) on cpu %u\n", what, axv_strerror(rc), rc,
		   this_cpu());
	platform_poweroff();
}

static void check(const char *what, int rc)
{
	if (rc != 0)
		fatal(what, rc);
}

/* A line of the hypervisor's log about @vm: "aarch64-virt: " and, with more than one VM,
 * the VM's name. */
static void vm_printf(const struct vm *vm, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (nr_vms > 1)
		con_printf("aarch64-virt: %s: ", vm->d->name);
	else
		con_puts("aarch64-virt: ");
	con_vprintf(fmt, ap);
	va_end(ap);
}

static void host_trap(void *arg, struct axv_a64_trap_frame *f)
{
	(void)arg;
	con_printf("aarch64-virt: FATAL: exception at EL2: kind %lu esr 0x%lx elr 0x%lx far 0x%lx\n",
		   f->kind, f->esr, f->elr, f->far);
	platform_poweroff();
}

/* ---- loading the guest ------------------------------------------------------------------------- */

static uint64_t le64(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* Where a VM's DTB and initrd go in its RAM: half way up (for 256 MiB of RAM, 128 MiB as
 * QEMU's -kernel puts them on virt), the initrd 2 MiB above the DTB. */
static uint64_t dtb_offset(const struct vm *vm)
{
	return vm->d->ram_size / 2;
}

static uint64_t initrd_offset(const struct vm *vm)
{
	return dtb_offset(vm) + 0x200000u;
}

/* Copy what QEMU's loader put in host memory into a VM's RAM, which is its linear map
 * ram_base -> ram_host (build_vm()), straight into its backing, 64 bytes per loop
 * iteration. Through axv_addrspace_write() and the word-at-a-time memcpy this copy of a
 * 32 MiB kernel took about 130 ms under QEMU TCG (guest RAM already touched), this loop about
 * 26 ms. Fatal unless the whole range is the VM's RAM. */
static void ram_copy(const struct vm *vm, axv_gpa_t gpa, const void *src, uint64_t len)
{
	const struct vm_desc *d = vm->d;
	if (gpa < d->ram_base || gpa - d->ram_base > d->ram_size ||
	    len > d->ram_size - (gpa - d->ram_base))
		fatal("copy into guest RAM: outside it", AXV_ERANGE);
	uint8_t *dst = (uint8_t *)(uintptr_t)(d->ram_host + (gpa - d->ram_base));
	const uint8_t *sp = src;
	if ((((uintptr_t)dst | (uintptr_t)sp) & 7) == 0) {
		for (; len >= 64; len -= 64, dst += 64, sp += 64) {
			const uint64_t *s8 = (const uint64_t *)(const void *)sp;
			uint64_t *d8 = (uint64_t *)(void *)dst;
			uint64_t a0 = s8[0], a1 = s8[1], a2 = s8[2], a3 = s8[3];
			uint64_t a4 = s8[4], a5 = s8[5], a6 = s8[6], a7 = s8[7];
			d8[0] = a0, d8[1] = a1, d8[2] = a2, d8[3] = a3;
			d8[4] = a4, d8[5] = a5, d8[6] = a6, d8[7] = a7;
		}
	}
	__builtin_memcpy(dst, sp, len);
}

/* What QEMU's -kernel accepts for a Linux-style boot (hw/arm/boot.c), loaded the same way:
 * an arm64 Image (Linux Documentation/arch/arm64/booting.rst: text_offset at 8, image_size
 * at 16, magic "ARM\x64" at 56) goes text_offset bytes above the 2 MiB aligned RAM base;
 * anything else is a raw binary, loaded at RAM base + 0x80000. The header's text_offset counts
 * only with a nonzero image_size (before Linux 3.17 both were 0 and the offset was 0x80000).
 * The size copied is the file's, from the word scripts/qemu.sh has QEMU's loader put at
 * GUEST_IMAGE_SIZE_ADDR; an Image without that word is taken to be image_size long. */
static axv_gpa_t load_image(struct vm *vm)
{
	const struct vm_src *s = &vm->d->src;
	const uint8_t *img = (const uint8_t *)(uintptr_t)s->image;
	uint64_t file = *(volatile uint32_t *)(uintptr_t)s->image_size;
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
	if (file > s->image_max || offset >= dtb_offset(vm) || need > dtb_offset(vm) - offset)
		fatal("guest image size", AXV_ERANGE);
	axv_gpa_t entry = vm->d->ram_base + offset;
	ram_copy(vm, entry, img, file);
	if (header)
		vm_printf(vm, "guest image: arm64 Image, text_offset 0x%lx, %lu KiB at 0x%lx\n",
			  offset, file >> 10, entry);
	else
		vm_printf(vm, "guest image: raw binary (no arm64 Image header), %lu KiB at 0x%lx, "
			      "where QEMU's -kernel puts one\n",
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

/* A VM's device tree, built from its table entry with libaxv's axv_a64_fdt_build() (QEMU
 * virt's layout, as this example presents it): its RAM, one cpu per vcpu (MPIDR = the
 * vcpu's index), PSCI over HVC, the vGIC with one redistributor per vcpu, the timer, the
 * devices the entry gives it (PL011, PL031, virtio), and /chosen (devicetree spec v0.4, 3.6;
 * Linux's booting.rst) with the command line (the entry's, else QEMU's -append, else
 * DEFAULT_BOOTARGS), stdout-path at the PL011, and linux,initrd-start/-end only with an
 * initrd (a guest may check start < end). The VMs are built one after the other: one buffer
 * serves them all. */
#define DEFAULT_BOOTARGS "console=ttyAMA0 earlycon=pl011,0x09000000 panic=-1"
static uint8_t guest_dtb[GUEST_DTB_MAX] __attribute__((aligned(8)));

static const char *const pl011_compat[] = {"arm,pl011", "arm,primecell"};
static const char *const pl031_compat[] = {"arm,pl031", "arm,primecell"};
static const char *const virtio_compat[] = {"virtio,mmio"};

static axv_gpa_t load_dtb_and_initrd(struct vm *vm)
{
	const struct vm_desc *d = vm->d;
	const struct vm_src *s = &d->src;
	struct axv_a64_fdt_device dev[4];
	uint32_t ndev = 0, console = AXV_A64_FDT_NO_IRQ;
	if (d->uart) {
		console = ndev;
		dev[ndev++] = (struct axv_a64_fdt_device){
			"pl011", pl011_compat, 2, AXV_A64_FDT_PRIMECELL | AXV_A64_FDT_UARTCLK,
			GUEST_UART_BASE, 0x1000, GUEST_UART_INTID - 32};
	}
	if (d->rtc)
		dev[ndev++] = (struct axv_a64_fdt_device){"pl031", pl031_compat, 2,
							  AXV_A64_FDT_PRIMECELL, GUEST_RTC_BASE,
							  0x1000, GUEST_RTC_INTID - 32};
	if (d->virtio) {
		/* virtio-mmio transports (virtio 1.2, 4.2.2): the block device (an absent disk
		 * is device id 0, which drivers ignore) and the console. */
		dev[ndev++] = (struct axv_a64_fdt_device){
			"virtio_mmio", virtio_compat, 1, AXV_A64_FDT_DMA_COHERENT,
			GUEST_VIRTIO_BLK_BASE, AXV_VIRTIO_MMIO_SIZE, GUEST_VIRTIO_BLK_INTID - 32};
		dev[ndev++] = (struct axv_a64_fdt_device){
			"virtio_mmio", virtio_compat, 1, AXV_A64_FDT_DMA_COHERENT,
			GUEST_VIRTIO_CON_BASE, AXV_VIRTIO_MMIO_SIZE, GUEST_VIRTIO_CON_INTID - 32};
	}
	uint64_t mpidr[MAX_CPUS];
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		mpidr[i] = i;
	struct axv_a64_fdt_vm t = {
		.model = "libaxv aarch64-virt guest",
		.mem = {{d->ram_base, d->ram_size}},
		.nmem = 1,
		.mpidr = mpidr,
		.ncpus = vm->nr_vcpus,
		.cpu_compatible = "arm,cortex-a72",
		.psci_smc = false,
		.gicd_base = GUEST_GICD_BASE,
		.gicr_base = GUEST_GICR_BASE,
		.devices = dev,
		.ndevices = ndev,
		.stdout_device = console,
	};
	uint32_t initrd_size = s->initrd_size ? *(volatile uint32_t *)(uintptr_t)s->initrd_size : 0;
	axv_gpa_t initrd = d->ram_base + initrd_offset(vm);
	if (initrd_size) {
		if (initrd_size > d->ram_size - initrd_offset(vm))
			fatal("initrd size", AXV_ERANGE);
		ram_copy(vm, initrd, (const void *)(uintptr_t)s->initrd, initrd_size);
		t.initrd_start = initrd;
		t.initrd_end = initrd + initrd_size;
		vm_printf(vm, "initrd %u KiB at 0x%lx\n", initrd_size >> 10, initrd);
	}
	uint32_t args_len = 0;
	t.bootargs = d->bootargs;
	if (!t.bootargs)
		t.bootargs = host_bootargs(&args_len);
	if (t.bootargs)
		vm_printf(vm, "guest command line%s: %s\n", d->bootargs ? "" : " (QEMU -append)",
			  t.bootargs);
	else
		t.bootargs = DEFAULT_BOOTARGS;
	uint32_t out;
	check("guest device tree", axv_a64_fdt_build(guest_dtb, sizeof(guest_dtb), &t, &out));
	axv_gpa_t at = d->ram_base + dtb_offset(vm);
	check("copy DTB", axv_addrspace_write(&vm->as, at, guest_dtb, out));
	return at;
}

/* ---- virtio devices ---------------------------------------------------------------------------- */

/* The VM whose virtio transport @mmio is. */
static struct vm *virtio_vm(void *mmio)
{
	for (unsigned i = 0; i < nr_vms; i++)
		if (mmio == &vms[i].vblk.mmio || mmio == &vms[i].vcon.mmio)
			return &vms[i];
	return NULL;
}

/* A virtio device is not locked by libaxv: its bus accesses are serialised here, under its
 * VM's address-space lock, since queue processing reads and writes guest memory. */
static int virtio_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	struct vm *vm = virtio_vm(ctx);
	spin_lock(&vm->as_lock);
	int rc = axv_virtio_mmio_ops.read(ctx, off, width, value);
	spin_unlock(&vm->as_lock);
	return rc;
}

static int virtio_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	struct vm *vm = virtio_vm(ctx);
	spin_lock(&vm->as_lock);
	int rc = axv_virtio_mmio_ops.write(ctx, off, width, value);
	spin_unlock(&vm->as_lock);
	return rc;
}

static const struct axv_device_ops virtio_locked_ops = {virtio_read, virtio_write};

/* The devices' interrupt lines are SPIs of their VM's virtual GIC (through the irq core). */
static void virtio_irq(void *ctx, bool level)
{
	const struct vm_line *l = ctx;
	axv_vgic_set_spi(l->gic, l->intid, level);
}

static void virtio_console_out(void *ctx, const uint8_t *buf, size_t len)
{
	struct vm *vm = ctx;
	for (size_t i = 0; i < len; i++)
		conmux_putc(&vm->con, (char)buf[i]);
}

static void add_virtio_devices(struct vm *vm)
{
	const struct vm_src *s = &vm->d->src;
	uint32_t disk = s->disk_size ? *(volatile uint32_t *)(uintptr_t)s->disk_size : 0;
	if (disk > GUEST_DISK_MAX)
		fatal("disk image size", AXV_ERANGE);
	vm->vblk_line = (struct vm_line){&vm->vgic, GUEST_VIRTIO_BLK_INTID};
	vm->vcon_line = (struct vm_line){&vm->vgic, GUEST_VIRTIO_CON_INTID};
	check("virtio-blk", axv_virtio_blk_init(&vm->vblk, &vm->as,
						(void *)(uintptr_t)s->disk, disk, true,
						"libaxv-test-disk", virtio_irq, &vm->vblk_line));
	check("virtio-console", axv_virtio_console_init(&vm->vcon, &vm->as, virtio_console_out,
							vm, virtio_irq, &vm->vcon_line));
	check("virtio-blk bus", axv_bus_register(&vm->bus, AXV_BUS_MMIO, GUEST_VIRTIO_BLK_BASE,
						 AXV_VIRTIO_MMIO_SIZE, &virtio_locked_ops,
						 &vm->vblk.mmio));
	check("virtio-console bus", axv_bus_register(&vm->bus, AXV_BUS_MMIO, GUEST_VIRTIO_CON_BASE,
						     AXV_VIRTIO_MMIO_SIZE, &virtio_locked_ops,
						     &vm->vcon.mmio));
	if (disk)
		vm_printf(vm, "virtio-blk disk %u KiB (read-only), virtio-console\n", disk >> 10);
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
	const struct vm *vm = ctx;
	struct axv_area_info a;
	return axv_addrspace_area_at(&vm->as, entry, &a) == 0 && (a.flags & AXV_MAP_EXEC);
}

static void as_lock_take(void *ctx)
{
	spin_lock(ctx);
}

static void as_lock_drop(void *ctx)
{
	spin_unlock(ctx);
}

/* Check a table entry and place its vcpus: each on a physical cpu QEMU started, in that
 * cpu's run queue (sched.h: a cpu with several vcpus runs them in turn); its VMID its own. */
static void place_vm(struct vm *vm, const struct vm_desc *d, unsigned index)
{
	vm->d = d;
	vm->index = index;
	vm->nr_vcpus = d->vcpus ? d->vcpus : nr_cpus;
	if (vm->nr_vcpus > MAX_CPUS || d->vmid == 0 || d->ram_size == 0)
		fatal("VM table entry", AXV_EINVAL);
	for (unsigned j = 0; j < index; j++)
		if (vms[j].d->vmid == d->vmid)
			fatal("VM table: a VMID used twice", AXV_EEXIST);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		unsigned cpu = d->vcpus ? d->pcpu[i] : i;
		if (cpu >= nr_cpus)
			fatal("VM table: a vcpu on a physical cpu QEMU did not start (-smp)",
			      AXV_ERANGE);
		if (!sched_add(cpu, vm, i, &vm->vcpu[i], &vm->a64vcpu[i].ctx))
			fatal("VM table: too many vcpus on one physical cpu", AXV_EBUSY);
		vm->pcpu[i] = cpu;
		if (!pcpu_vm[cpu]) {
			pcpu_vm[cpu] = vm;
			pcpu_vcpu[cpu] = i;
		}
	}
	if (d->rtc) {
		if (rtc_vm)
			fatal("VM table: the host RTC given to two VMs", AXV_EBUSY);
		rtc_vm = vm;
	}
	conmux_add(&vm->con, d->name, index, d->uart);
}

static unsigned vmid_alloc(const struct vm *vm, unsigned want);

static void build_vm(struct vm *vm)
{
	const struct vm_desc *d = vm->d;
	vm->vmid = vmid_alloc(vm, d->vmid);
	check("address space", axv_addrspace_init(&vm->as, &platform_hal, &s2fmt, 0, 1ull << 40,
						  (uint64_t)vm->vmid << 48));
	check("map guest RAM", axv_addrspace_map_linear(&vm->as, d->ram_base, d->ram_host,
							d->ram_size, AXV_MAP_RWX));
	if (d->lazy_size)
		check("map lazy region",
		      axv_addrspace_map_alloc(&vm->as, d->lazy_base, d->lazy_size,
					      AXV_MAP_READ | AXV_MAP_WRITE, false));
	/* Where a guest access fault may be backed: the address space (under its lock: the
	 * vcpus share it), then the devices. */
	vm->fault_env = (struct axv_fault_env){.as = &vm->as, .bus = &vm->bus,
					       .lock = as_lock_take, .unlock = as_lock_drop,
					       .lock_ctx = &vm->as_lock};

	const size_t cap[AXV_BUS_SPACE_COUNT] = {8 + MAX_CPUS, 0, 4};
	check("device bus", axv_bus_init(&vm->bus, vm->bus_slots, cap));
	spin_lock(&vuart_life_lock);
	vuart_init(&vm->vuart, GUEST_UART_INTID);
	vm->vuart.con = &vm->con;
	spin_unlock(&vuart_life_lock);
	if (d->uart)
		check("vuart", axv_bus_register(&vm->bus, AXV_BUS_MMIO, GUEST_UART_BASE, 0x1000,
						&vuart_ops, &vm->vuart));
	vm->vrtc.intid = GUEST_RTC_INTID;
	if (d->rtc)
		check("rtc", axv_bus_register(&vm->bus, AXV_BUS_MMIO, GUEST_RTC_BASE, 0x1000,
					      &vrtc_ops, &vm->vrtc));
	if (d->testdev)
		check("test device", axv_bus_register(&vm->bus, AXV_BUS_MMIO, GUEST_TESTDEV_BASE,
						      0x1000, &testdev_ops, &vm->testdev));
	/* No debug register device: the guest owns its debug registers and libaxv emulates the
	 * OS Lock group (axv_a64_debug_trap()); anything left reaches run_vcpu's RAZ/WI. */

	axv_gpa_t entry = load_image(vm);
	axv_gpa_t dtb = load_dtb_and_initrd(vm);
	struct axv_vcpu *vp[MAX_CPUS];
	struct axv_virq *qp[MAX_CPUS];
	uint64_t mpidr[MAX_CPUS];
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		check("virq", axv_virq_init(&vm->virq[i]));
		const struct axv_vcpu_config cfg = {
			.id = i,
			.hal = &platform_hal,
			.ops = &axv_a64_vcpu_ops,
			.port_ctx = &vm->a64vcpu[i],
			.virq = &vm->virq[i],
			.vic = &axv_a64_vic_ops,
			.vic_ctx = &vm->a64vcpu[i],
		};
		check("vcpu create", axv_vcpu_create(&vm->vcpu[i], &cfg));
		const struct axv_a64_vcpu_config a64 = {
			.mpidr = i,
			.x0 = i == 0 ? dtb : 0,
			.cntvoff = 0,
			.vmid = (uint16_t)vm->vmid,
			.hw_ppis = 1u << VTIMER_INTID | 1u << PTIMER_INTID,
		};
		check("vcpu setup", axv_vcpu_setup(&vm->vcpu[i], entry, axv_addrspace_root(&vm->as),
						   &a64));
		vm->voff_applied[i] = atomic_load(&vm->voff_total); /* a fresh start */
		/* The fast path: accesses to the devices on the bus (the test device, the UART,
		 * the vGIC's distributor and redistributors, virtio) are completed inside
		 * axv_vcpu_run() and never come back here; they are counted there. */
		check("fast path", axv_vcpu_set_fast_bus(&vm->vcpu[i], &vm->bus));
		/* And the hypercalls HC_WEIGHTED_SUM and HC_NULL; with a fast path the port also
		 * answers the PSCI calls it owns, and sends the guest's SGIs through the vGIC
		 * (axv_vgic_attach()) without this loop. HC_SYSREG_TRAPS stays here. */
		check("fast hypercalls", axv_vcpu_set_fast_hypercalls(&vm->vcpu[i], fast_hcalls,
								       sizeof(fast_hcalls) /
									       sizeof(fast_hcalls[0])));
		vp[i] = &vm->vcpu[i];
		qp[i] = &vm->virq[i];
		mpidr[i] = i;
	}
	check("vgic", axv_vgic_init(&vm->vgic, vp, qp, mpidr, vm->nr_vcpus, GUEST_SPIS));
	check("psci", axv_a64_psci_init(&vm->psci, mpidr, vm->nr_vcpus, guest_code, vm));
	for (unsigned i = 0; i < vm->nr_vcpus; i++) /* SPIs taken and ended through the vGIC */
		check("vgic attach", axv_vgic_attach(&vm->vgic, i, &vm->a64vcpu[i]));
	vm->testdev.gic = &vm->vgic;
	vm->vuart.gic = &vm->vgic;
	vm->vrtc.gic = &vm->vgic;
	if (d->virtio)
		add_virtio_devices(vm);
	check("vgic gicd", axv_bus_register(&vm->bus, AXV_BUS_MMIO, GUEST_GICD_BASE,
					    AXV_VGIC_GICD_SIZE, &axv_vgic_gicd_ops, &vm->vgic));
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		check("vgic gicr", axv_bus_register(&vm->bus, AXV_BUS_MMIO,
						    GUEST_GICR_BASE + i * AXV_VGIC_GICR_SIZE,
						    AXV_VGIC_GICR_SIZE, &axv_vgic_gicr_ops,
						    axv_vgic_redist_ctx(&vm->vgic, i)));
}

/* ---- running it ---------------------------------------------------------------------------------- */

/* The EL2 physical timer is the alarm of a halt with a deadline (a trapped WFIT: axv_exit's
 * halt.deadline, in the guest's virtual count) and of a time slice: alarm_arm() (sched.c). */

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

static void vm_command(const struct conmux_cmd *cmd);

/* Host console input (conmux.h). One VM: straight into its PL011's FIFO. Several: the
 * multiplexer reads it into the rings of the VMs (carrying out the pause and resume commands
 * it finds), then each VM's PL011 takes what its ring holds. The host line drops: drained,
 * or masked. */
static void host_input(void)
{
	if (!conmux_input()) { /* no VM takes input */
		host_uart_rx_irq(false);
		return;
	}
	struct conmux_cmd cmd;
	while (conmux_pump(&cmd))
		vm_command(&cmd);
	spin_lock(&vuart_life_lock);
	for (unsigned k = 0; k < nr_vms; k++)
		if (vms[k].d->uart && vms[k].vuart.con)
			vuart_host_rx(&vms[k].vuart);
	spin_unlock(&vuart_life_lock);
}

/* Whether @v is a vcpu of a paused VM. */
static bool vcpu_paused(const struct axv_vcpu *v)
{
	for (unsigned k = 0; k < nr_vms; k++)
		if (v >= vms[k].vcpu && v < vms[k].vcpu + MAX_CPUS)
			return atomic_load(&vms[k].paused);
	return false;
}

/* Take every pending physical interrupt on this cpu; route the guest's timers to its vcpu.
 * SGI 0 is the kick (a vcpu of this cpu got an interrupt, or its VM went down); PPI 25 the
 * GIC maintenance interrupt (list registers ran low, or the guest ended an SPI); both only
 * need the exit they caused. The host console's input goes to the VM that has it, the
 * host RTC's alarm to the VM it is passed to. Those taken on an IRQ exit are counted in @c
 * (NULL: not on an exit). */
static void host_irqs(struct axv_vcpu *v, struct exit_counts *c)
{
	for (;;) {
		uint32_t intid = axv_a64_gic_ack();
		if (intid >= 1020)
			return;
		axv_a64_gic_eoi(intid); /* priority drop; EOImode 1 keeps it active */
		if (c)
			bump(&c->kind[irq_kind(intid)]);
		if ((intid == VTIMER_INTID || intid == PTIMER_INTID) && v && vcpu_paused(v)) {
			/* Its VM is paused: the timer waits, active, until the vcpu runs again
			 * (release_held(): then it fires again if it still asserts). */
			unsigned cpu = this_cpu();
			held_ppis[cpu] |= 1u << intid;
			held_vcpu[cpu] = v;
		} else if ((intid == VTIMER_INTID || intid == PTIMER_INTID) && v) {
			/* Stays active until the guest's EOI deactivates it (HW list register), or
			 * libaxv withdraws it when the guest quiets the timer first. */
			int rc = axv_vcpu_inject(v, intid);
			if (rc != 0 && rc != AXV_EALREADY)
				fatal("inject timer", rc);
		} else if (intid == HOST_UART_INTID) {
			host_input();
			axv_a64_gic_deactivate(intid);
		} else if (intid == HOST_RTC_INTID) {
			if (rtc_vm)
				vrtc_host_irq(&rtc_vm->vrtc); /* masked until the guest clears its
							       * alarm */
			else
				gic_spi_enable(HOST_RTC_INTID, false);
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

/* Exits of a reason the fast path completed, over all vcpus of a VM. */
static uint64_t fast_exits(struct vm *vm, enum axv_exit_reason r)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		n += axv_vcpu_fast_exits(&vm->vcpu[i], r);
	return n;
}

static void hypercall(struct vm *vm, struct axv_vcpu *v, struct axv_exit *e,
		      struct exit_counts *c)
{
	uint64_t ret = (uint64_t)-1; /* SMCCC NOT_SUPPORTED */
	const uint64_t *a = e->hypercall.args;
	switch (e->hypercall.nr) {
	case HC_WEIGHTED_SUM:
		ret = a[0] + 2 * a[1] + 3 * a[2] + 4 * a[3] + 5 * a[4] + 6 * a[5];
		break;
	case HC_SYSREG_TRAPS: /* system register exits this embedder has handled for the VM */
		ret = total_reason(vm, AXV_EXIT_SYSREG_READ) +
		      total_reason(vm, AXV_EXIT_SYSREG_WRITE) +
		      fast_exits(vm, AXV_EXIT_SYSREG_READ) + fast_exits(vm, AXV_EXIT_SYSREG_WRITE);
		break;
	case HC_NULL:
		ret = 0;
		break;
	case HC_FAST_EXITS:
		ret = a[0] < AXV_EXIT_REASON_COUNT
			      ? axv_vcpu_fast_exits(v, (enum axv_exit_reason)a[0])
			      : (uint64_t)-1;
		break;
	case HC_VM_DOWN: /* off for good: a VM that resets is not down */
		ret = a[0] < nr_vms ? (uint64_t)atomic_load(&vms[a[0]].off) : (uint64_t)-1;
		break;
	case HC_VM_BOOTS:
		ret = vm->boots;
		break;
	case AXV_PSCI_AFFINITY_INFO_32:
	case AXV_PSCI_AFFINITY_INFO_64:
		ret = (uint64_t)axv_a64_psci_affinity_info(&vm->psci, a[0], a[1]);
		break;
	}
	enum kind k = K_HC_OTHER;
	if (e->hypercall.nr >= HC_WEIGHTED_SUM && e->hypercall.nr <= HC_VM_BOOTS)
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
static int64_t cpu_on(struct vm *vm, const struct axv_exit *e)
{
	uint32_t target;
	int64_t rc = axv_a64_psci_cpu_on(&vm->psci, e, &target);
	if (rc != AXV_PSCI_RET_SUCCESS)
		return rc;
	struct axv_vcpu *t = &vm->vcpu[target];
	if (axv_vcpu_set_entry(t, e->cpu_up.entry) != 0 ||
	    axv_vcpu_set_reg(t, 0, e->cpu_up.arg) != 0) {
		check("psci power off", axv_a64_psci_power_off(&vm->psci, target));
		return AXV_PSCI_RET_INTERNAL_FAILURE;
	}
	/* A cpu powered on by PSCI starts like the boot cpu: EL1h, DAIF masked, MMU off. */
	struct axv_a64_vcpu *tp = &vm->a64vcpu[target];
	tp->ctx.pstate = AXV_A64_PSTATE_EL1H_MASKED;
	tp->ctx.el1.sctlr_el1 = 0x30d00800u;
	tp->ctx.el1_dirty = AXV_A64_EL1_DIRTY_ALL;
	check("psci power on", axv_a64_psci_power_on(&vm->psci, target));
	gic_send_sgi(vm->pcpu[target], 0); /* wake its physical cpu */
	return AXV_PSCI_RET_SUCCESS;
}

/* Nobody backs this address: give the guest the synchronous external abort the hardware
 * would, an instruction abort for a fetch and a data abort otherwise. */
static void abort_guest(struct axv_a64_vcpu *p, bool fetch, bool write)
{
	check("inject abort", fetch ? axv_a64_inject_iabt(&p->ctx, p->ctx.far)
				    : axv_a64_inject_dabt(&p->ctx, p->ctx.far, write));
}

static enum kind mmio_kind(const struct vm *vm, axv_gpa_t a);

/* A guest access fault, decoded (ESR_EL2.ISV: an MMIO exit) or not (a nested page fault):
 * libaxv's resolver tries guest memory (a lazily backed page: the guest retries), then the
 * VM's device bus. Nobody backs it (or it is an undecoded access at a device, which this
 * port cannot decode): the guest gets a synchronous external abort. */
static void guest_access_fault(struct vm *vm, struct axv_vcpu *v, struct axv_a64_vcpu *p,
			       struct axv_exit *e, struct exit_counts *c)
{
	struct axv_fault f;
	check("fault", axv_exit_fault(e, &f));
	enum axv_resolved how = AXV_RESOLVED_MEMORY;
	int rc = axv_vcpu_resolve(v, &vm->fault_env, e, &how);
	if (rc == AXV_ENXIO || rc == AXV_EACCES || rc == AXV_ENOTSUP) {
		bump(&c->kind[f.decoded ? K_MMIO_UNBACKED : K_NPF_ABORT]);
		abort_guest(p, f.fetch, f.write);
		return;
	}
	check(f.decoded ? "mmio" : "nested page fault", rc);
	if (how == AXV_RESOLVED_MEMORY)
		bump(&c->kind[f.decoded ? K_MMIO_LAZY : K_NPF_LAZY]);
	else
		bump(&c->kind[mmio_kind(vm, f.addr)]);
}

/* Three lines: the VM's exits by reason (every reason the example handles; "other" would be
 * those it treats as fatal), each reason by kind (key=count, every key), and by vcpu. The
 * counts are copied first: the other vcpus may still run while this one prints. */
static void report(struct vm *vm)
{
	struct {
		uint64_t reason[AXV_EXIT_REASON_COUNT], kind[K_COUNT], vcpu[MAX_CPUS], total;
	} n = {{0}, {0}, {0}, 0};
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		for (unsigned r = 0; r < AXV_EXIT_REASON_COUNT; r++) {
			uint64_t x = atomic_load_explicit(&vm->counts[i].reason[r],
							  memory_order_relaxed);
			n.reason[r] += x;
			n.vcpu[i] += x;
			n.total += x;
		}
		for (unsigned k = 0; k < K_COUNT; k++)
			n.kind[k] += atomic_load_explicit(&vm->counts[i].kind[k],
							  memory_order_relaxed);
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
		fast += fast_exits(vm, (enum axv_exit_reason)r);
	vm_printf(vm, "%lu exits completed on the fast path (%lu mmio, %lu sysreg, %lu "
		      "hypercall)\n",
		  fast, fast_exits(vm, AXV_EXIT_MMIO_READ) + fast_exits(vm, AXV_EXIT_MMIO_WRITE),
		  fast_exits(vm, AXV_EXIT_SYSREG_READ) + fast_exits(vm, AXV_EXIT_SYSREG_WRITE),
		  fast_exits(vm, AXV_EXIT_HYPERCALL));
	vm_printf(vm, "guest powered off after %lu exits (%lu mmio, %lu sysreg, %lu "
		      "hypercall, %lu irq, %lu halt, %lu page fault, %lu nothing, %lu cpu up, %lu "
		      "cpu down, %lu system, %lu other)\n",
		  n.total, n.reason[AXV_EXIT_MMIO_READ] + n.reason[AXV_EXIT_MMIO_WRITE],
		  n.reason[AXV_EXIT_SYSREG_READ] + n.reason[AXV_EXIT_SYSREG_WRITE],
		  n.reason[AXV_EXIT_HYPERCALL], n.reason[AXV_EXIT_EXTERNAL_IRQ],
		  n.reason[AXV_EXIT_HALT], n.reason[AXV_EXIT_NESTED_PAGE_FAULT],
		  n.reason[AXV_EXIT_NOTHING], n.reason[AXV_EXIT_CPU_UP],
		  n.reason[AXV_EXIT_CPU_DOWN],
		  n.reason[AXV_EXIT_SYSTEM_DOWN] + n.reason[AXV_EXIT_SYSTEM_RESET], other);
	vm_printf(vm, "exits by kind:");
	for (unsigned k = 0; k < K_COUNT; k++)
		con_printf(" %s=%lu", kind_name[k], n.kind[k]);
	con_puts("\n");
	vm_printf(vm, "exits by vcpu:");
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		con_printf(" %u=%lu", i, n.vcpu[i]);
	con_puts("\n");
}

/* A guest turned its VM off (PSCI SYSTEM_OFF, DEN 0022D.b 5.10) or asked for a reset
 * (SYSTEM_RESET, 5.11): stop its vcpus (each leaves the guest at its next exit: a kick makes
 * one); the last cpu out tears it down and, for a reset, builds it again (vm_settle()). The
 * other VMs run on. */
static void vm_down(struct vm *vm, bool reset)
{
	bool was = false;
	if (!atomic_compare_exchange_strong(&vm->down, &was, true))
		return; /* another vcpu of it got there first */
	atomic_store(&vm->reset_req, reset);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		gic_send_sgi(vm->pcpu[i], 0);
}

/* ---- the lifecycle ------------------------------------------------------------------------------
 *
 * A VM is created and started at boot (build_vm(), PSCI on for its vcpu 0); a guest's
 * SYSTEM_OFF shuts it down and destroys it, its SYSTEM_RESET destroys it and creates it again
 * from its table entry and image: fresh vcpus, vGIC, virtual timers, PSCI states, devices and
 * address space, exactly as at its first start. Everything else keeps running: each VM has
 * its own objects, and only its own cpus wait for it. What the library gives (this example
 * being the embedder that decides when): axv_vcpu_destroy() for each vcpu (unbound first, by
 * its own cpu), axv_bus_destroy(), axv_addrspace_destroy() (every table and backing frame
 * back to the HAL, after one flush of the VMID's TLB entries); the caller-owned vGIC, virq,
 * PSCI and device storage is set up again by its init functions. Guest RAM given by the
 * table (a linear map) is not the pool's and is not cleared: a reset reloads the image over
 * it, as QEMU's own reset reloads -kernel.
 *
 * VMIDs: stage-2 TLB entries are tagged with the VMID, not with the tables they came from
 * (Arm ARM DDI 0487, chapter D8, the TLB and its maintenance: EL1&0 entries of a guest match
 * on the VMID in VTTBR_EL2), so a VMID given to new tables must hold none of the old ones. axv_addrspace_destroy() flushes the VMID
 * (TLBI VMALLS12E1IS with it in VTTBR_EL2); vmid_alloc() flushes once more any VMID it hands
 * out again, whoever freed it, so that reuse is safe however a VM went away. */
static uint64_t vmid_used[256 / 64], vmid_seen[256 / 64]; /* 8-bit VMIDs (VTCR_EL2.VS 0) */
static struct spinlock vmid_lock;

/* A VMID for @vm: @want if free, else the lowest free one; flushed if used before. */
static unsigned vmid_alloc(const struct vm *vm, unsigned want)
{
	spin_lock(&vmid_lock);
	unsigned id = want;
	if (id == 0 || id > 255 || (vmid_used[id / 64] >> (id % 64) & 1))
		for (id = 1; id < 256 && (vmid_used[id / 64] >> (id % 64) & 1); id++)
			;
	if (id == 256) {
		spin_unlock(&vmid_lock);
		fatal("no free VMID", AXV_ENOSPC);
	}
	bool reused = vmid_seen[id / 64] >> (id % 64) & 1;
	vmid_used[id / 64] |= 1ull << (id % 64);
	vmid_seen[id / 64] |= 1ull << (id % 64);
	spin_unlock(&vmid_lock);
	if (reused) {
		platform_hal.tlb->flush_all(platform_hal.ctx, (uint64_t)id << 48);
		vm_printf(vm, "VMID %u reused: its stage-2 TLB entries flushed before reuse\n", id);
	}
	return id;
}

static void vmid_free(unsigned id)
{
	spin_lock(&vmid_lock);
	vmid_used[id / 64] &= ~(1ull << (id % 64));
	spin_unlock(&vmid_lock);
}

/* Give back everything of @vm's current boot; its vcpus are unbound (no cpu runs them). The
 * per-boot storage is zeroed for the next build_vm(). Its exit counts stay (the report at
 * shutdown covers every boot). */
static void destroy_vm(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		check("vcpu destroy", axv_vcpu_destroy(&vm->vcpu[i]));
	check("bus destroy", axv_bus_destroy(&vm->bus));
	check("address space destroy", axv_addrspace_destroy(&vm->as));
	vmid_free(vm->vmid);
	__builtin_memset(&vm->as, 0, sizeof(vm->as));
	__builtin_memset(&vm->bus, 0, sizeof(vm->bus));
	__builtin_memset(vm->bus_slots, 0, sizeof(vm->bus_slots));
	__builtin_memset(vm->vcpu, 0, sizeof(vm->vcpu));
	__builtin_memset(vm->a64vcpu, 0, sizeof(vm->a64vcpu));
	__builtin_memset(vm->virq, 0, sizeof(vm->virq));
	__builtin_memset(&vm->vgic, 0, sizeof(vm->vgic));
	__builtin_memset(&vm->psci, 0, sizeof(vm->psci));
	__builtin_memset(&vm->vblk, 0, sizeof(vm->vblk));
	__builtin_memset(&vm->vcon, 0, sizeof(vm->vcon));
	spin_lock(&vuart_life_lock); /* host_input() may be filling it */
	__builtin_memset(&vm->vuart, 0, sizeof(vm->vuart));
	spin_unlock(&vuart_life_lock);
	__builtin_memset(&vm->vrtc, 0, sizeof(vm->vrtc));
	__builtin_memset(&vm->testdev, 0, sizeof(vm->testdev));
}

static struct spinlock build_lock;   /* build_vm() shares guest_dtb between VMs */
static _Atomic unsigned vms_down;    /* VMs shut down for good */

/* Called by each cpu that leaves a VM that is going down: the first to find no cpu inside
 * the VM any more tears it down (the others, and late ones, find it claimed), then shuts it
 * down for good or starts it again. */
static void vm_settle(struct vm *vm)
{
	if (atomic_load(&vm->active) != 0)
		return; /* a cpu is still inside: the last one out comes here again */
	bool was = false;
	if (!atomic_compare_exchange_strong(&vm->settling, &was, true))
		return;
	while (atomic_load(&vm->active) != 0) /* a cpu that saw it up just now, leaving */
		;
	bool reset = atomic_load(&vm->reset_req);
	if (!reset)
		report(vm);
	destroy_vm(vm);
	uint64_t now = frames_free_count();
	if (!reset) {
		vm_printf(vm, "shut down and destroyed after %u boot%s: %lu pool frames free, %lu "
			      "before it was created\n",
			  vm->boots, vm->boots > 1 ? "s" : "", now, vm->frames_before);
		atomic_store(&vm->off, true);
		conmux_gone(&vm->con); /* its input goes to another VM; none is kept for it */
		if (atomic_fetch_add(&vms_down, 1) + 1 == nr_vms)
			platform_poweroff();
		return; /* down and settling stay set: nothing runs it again */
	}
	vm->boots++;
	vm_printf(vm, "reset (boot %u): destroyed, %lu pool frames free; created again\n",
		  vm->boots, now);
	spin_lock(&build_lock);
	build_vm(vm);
	spin_unlock(&build_lock);
	check("psci boot vcpu", axv_a64_psci_power_on(&vm->psci, 0));
	atomic_store(&vm->reset_req, false);
	atomic_store(&vm->settling, false);
	atomic_store(&vm->down, false);
	gic_send_sgi(vm->pcpu[0], 0); /* wake the cpu of its boot vcpu */
}

/* ---- pause and resume ---------------------------------------------------------------------------
 *
 * Ctrl-A p n pauses VM n, Ctrl-A r n resumes it (conmux.h); the other VMs run on. A paused
 * VM's vcpus stay out of the guest: each leaves at its next exit (an SGI makes one) and waits
 * (a cpu of its own in WFI, a shared cpu runs the other vcpus of its queue), bound, with its
 * state, its device models and its memory left as they are, so a resume goes on where the
 * pause cut in. The pause is complete once no vcpu is inside axv_vcpu_run(): each vcpu's
 * cpu sets its in_guest flag before it looks at the paused flag and enters, the pauser sets
 * paused before it looks at the in_guest flags (both sequentially consistent: one of the two
 * sees the other).
 *
 * The guest's virtual time stops while it is paused, as QEMU does for KVM guests on arm64
 * (its default, without kvm-no-adjvtime): at the resume the pause's length is added to every
 * vcpu's CNTVOFF_EL2 (DDI 0487 D11.2.4: CNTVCT_EL0 = CNTPCT_EL0 - CNTVOFF_EL2), so the guest's
 * virtual counter goes on from where it stood when the last vcpu left, never backwards, and
 * its virtual timer's deadlines move with it; its kernel sees no lost time and no stall.
 * Each vcpu's own cpu adds the VM's total to its context before it enters (catch_up()). The
 * physical counter and the EL1 physical timer, which have no offset without FEAT_ECV, go on.
 * A timer PPI a cpu takes for a paused vcpu is left active and not injected (held); the
 * vcpu's next run first puts the new offset in the cpu and then deactivates it, so it fires
 * again only if the timer still asserts with the new offset. */

/* Vcpu i of @vm (on its own cpu, out of the guest): add the virtual time its VM held back
 * since it last looked to its CNTVOFF_EL2. Returns what was added. */
static uint64_t catch_up(struct vm *vm, unsigned i)
{
	uint64_t total = atomic_load(&vm->voff_total);
	uint64_t d = total - vm->voff_applied[i];
	if (d) {
		/* Into the cpu too when it holds the vcpu's timers: a blocked vcpu's virtual
		 * timer must not fire at the old offset's deadline (axv_a64_set_cntvoff()). */
		struct axv_a64_ctx *c = &vm->a64vcpu[i].ctx;
		axv_a64_set_cntvoff(&a64cpu[vm->pcpu[i]], c, c->cntvoff + d);
		vm->voff_applied[i] = total;
	}
	return d;
}

/* Before a vcpu runs on physical cpu @cpu (after catch_up(): the offset in the cpu is the new
 * one), or when vcpu @v, whose timers the cpu holds, may run again: the timer PPIs held there
 * go back to the GIC, to fire again if a timer still asserts. @v NULL: whoever held them. */
static void release_held(unsigned cpu, const struct axv_vcpu *v)
{
	if (!held_ppis[cpu] || (v && held_vcpu[cpu] != v))
		return;
	gic_ppi_deactivate(cpu, held_ppis[cpu]);
	held_ppis[cpu] = 0;
	held_vcpu[cpu] = NULL;
}

static void vm_pause(struct vm *vm)
{
	if (atomic_load(&vm->off) || atomic_load(&vm->down)) {
		vm_printf(vm, "not paused: it is shut down or going down\n");
		return;
	}
	bool was = false;
	if (!atomic_compare_exchange_strong(&vm->paused, &was, true)) {
		vm_printf(vm, "not paused: it is paused already\n");
		return;
	}
	(void)conmux_set_paused(&vm->con, true);
	uint64_t t0 = count_now();
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		gic_send_sgi(vm->pcpu[i], 0); /* out at the next exit: this one makes one */
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		/* An SGI makes it exit (HCR_EL2.IMO routes it to EL2 whatever the guest masks);
		 * sent again every millisecond, in case one was taken before the flag showed. */
		uint64_t next = count_now() + count_freq() / 1000;
		while (atomic_load(&vm->in_guest[i])) {
			if (count_now() >= next) {
				gic_send_sgi(vm->pcpu[i], 0);
				next = count_now() + count_freq() / 1000;
			}
			__asm__ volatile("yield");
		}
	}
	vm->paused_at = count_now();
	vm_printf(vm, "paused: its %u vcpu%s out of the guest after %lu us; its virtual time "
		      "stands still\n",
		  vm->nr_vcpus, vm->nr_vcpus > 1 ? "s" : "",
		  (vm->paused_at - t0) * 1000000 / count_freq());
}

static void vm_resume(struct vm *vm)
{
	if (!atomic_load(&vm->paused)) {
		vm_printf(vm, "not resumed: it is not paused\n");
		return;
	}
	if (atomic_load(&vm->down)) { /* its vcpus are being torn down (a reset): built paused */
		vm_printf(vm, "not resumed: it is going down; resume it once it is built again\n");
		return;
	}
	uint64_t held = count_now() - vm->paused_at;
	atomic_fetch_add(&vm->voff_total, held);
	unsigned dropped = conmux_set_paused(&vm->con, false);
	/* Said before its vcpus go on, so that no line of theirs comes before it. */
	vm_printf(vm, "resumed after %lu ms paused; its virtual counter held back by that "
		      "(CNTVOFF_EL2); %u input bytes typed for it dropped\n",
		  held * 1000 / count_freq(), dropped);
	atomic_store(&vm->paused, false);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		gic_send_sgi(vm->pcpu[i], 0); /* wake a cpu waiting for it */
}

/* A command from the host console (conmux_pump()). */
static void vm_command(const struct conmux_cmd *cmd)
{
	if (cmd->id >= nr_vms) {
		con_printf("aarch64-virt: no VM %u to %s\n", cmd->id,
			   cmd->verb == CONMUX_PAUSE ? "pause" : "resume");
		return;
	}
	if (cmd->verb == CONMUX_PAUSE)
		vm_pause(&vms[cmd->id]);
	else
		vm_resume(&vms[cmd->id]);
}

/* What a guest's MMIO access was for: the device at its address. */
static enum kind mmio_kind(const struct vm *vm, axv_gpa_t a)
{
	if (a - GUEST_UART_BASE < 0x1000)
		return K_MMIO_UART;
	if (a - GUEST_RTC_BASE < 0x1000)
		return K_MMIO_RTC;
	if (a - GUEST_GICD_BASE < AXV_VGIC_GICD_SIZE)
		return K_MMIO_GICD;
	if (a - GUEST_GICR_BASE < (uint64_t)vm->nr_vcpus * AXV_VGIC_GICR_SIZE)
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
	switch ((c->esr >> AXV_A64_ESR_EC_SHIFT) & AXV_A64_ESR_EC_MASK) {
	case AXV_A64_EC_HVC64:
	case AXV_A64_EC_SMC64:
		return K_NOTHING_PSCI;
	case AXV_A64_EC_WFX:
		return K_NOTHING_WAKE;
	default:
		return K_NOTHING_OTHER;
	}
}

/* Run vcpu i of @vm on this cpu until the guest turns it off (PSCI CPU_OFF) or its VM goes
 * down; on a cpu it shares (@s: its place in the run queue, else NULL) also until it blocks
 * (a halt with nothing to take: the scheduler runs another vcpu meanwhile, the vcpu stays
 * bound) or its time slice is over. */
static void run_vcpu(struct vm *vm, unsigned i, struct sched_vcpu *s)
{
	struct axv_vcpu *v = &vm->vcpu[i];
	struct axv_a64_vcpu *p = &vm->a64vcpu[i];
	struct exit_counts *c = &vm->counts[i];
	if (!s || axv_vcpu_state(v) == AXV_VCPU_FREE)
		check("bind", axv_vcpu_bind(v));
	bool has_deadline = false; /* the last halt was a WFIT: wake at deadline at the latest */
	uint64_t deadline = 0;     /* in physical count (CNTPCT_EL0) */
	for (;;) {
		if (atomic_load(&vm->down)) {
			/* A halted vcpu is Blocked, which cannot be unbound: the kick makes it
			 * Ready (0 from Ready too: an injection may have woken it already). */
			if (axv_vcpu_state(v) == AXV_VCPU_BLOCKED)
				check("kick", axv_vcpu_kick(v));
			check("unbind", axv_vcpu_unbind(v));
			if (held_vcpu[vm->pcpu[i]] == v) { /* the VM's end deactivates them */
				held_ppis[vm->pcpu[i]] = 0;
				held_vcpu[vm->pcpu[i]] = NULL;
			}
			return;
		}
		if (atomic_load(&vm->paused)) {
			if (s)
				return; /* stays bound; the run queue passes it over */
			while (atomic_load(&vm->paused) && !atomic_load(&vm->down)) {
				__asm__ volatile("wfi"); /* the resume's SGI ends it */
				host_irqs(v, NULL);
			}
			continue;
		}
		atomic_store(&vm->in_guest[i], true);
		/* A full barrier between the two (DMB ISH): the store must be seen before the
		 * load reads (a store-release and a load-acquire alone are ordered on hardware,
		 * RCsc, but not by every emulator). The pauser has its DSB (gic_send_sgi())
		 * between its store and its loads. */
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load(&vm->paused)) { /* paused meanwhile: out before it enters */
			atomic_store(&vm->in_guest[i], false);
			continue;
		}
		/* Only now: a whole pause and resume may have passed since the top of the loop,
		 * and the resume adds to the total before it clears paused. */
		uint64_t held = catch_up(vm, i);
		if (has_deadline)
			deadline += held; /* a WFIT's deadline is in the guest's virtual time */
		release_held(vm->pcpu[i], NULL);
		struct axv_exit e;
		int rc = axv_vcpu_run(v, &e);
		atomic_store(&vm->in_guest[i], false);
		if (rc == AXV_EAGAIN && s) { /* blocked: the cpu goes to another vcpu */
			s->has_deadline = has_deadline;
			s->deadline = deadline;
			return;
		}
		if (rc == AXV_EAGAIN) { /* blocked: sleep until an interrupt, or the deadline */
			while (axv_vcpu_state(v) == AXV_VCPU_BLOCKED && !atomic_load(&vm->down) &&
			       !atomic_load(&vm->paused)) {
				if (has_deadline && !alarm_arm(deadline)) {
					check("kick", axv_vcpu_kick(v)); /* the WFIT timed out */
					break;
				}
				__asm__ volatile("wfi");
				host_irqs(v, NULL);
			}
			if (has_deadline)
				alarm_disarm();
			if (!atomic_load(&vm->paused))
				has_deadline = false; /* else it still holds after the resume */
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
			hypercall(vm, v, &e, c);
			break;
		case AXV_EXIT_MMIO_READ:
		case AXV_EXIT_MMIO_WRITE:
		case AXV_EXIT_NESTED_PAGE_FAULT:
			guest_access_fault(vm, v, p, &e, c);
			break;
		case AXV_EXIT_SYSREG_WRITE:
			bump(&c->kind[sysreg_kind(e.access.addr)]);
			if (e.access.addr == ICC_SGI1R_EL1 || e.access.addr == ICC_ASGI1R_EL1 ||
			    e.access.addr == ICC_SGI0R_EL1) {
				axv_vgic_send_sgi(&vm->vgic, i, e.access.data);
				check("advance pc", axv_vcpu_advance_pc(v, e.insn_len));
				break;
			}
			/* fall through */
		case AXV_EXIT_SYSREG_READ:
			if (e.reason == AXV_EXIT_SYSREG_READ)
				bump(&c->kind[sysreg_kind(e.access.addr)]);
			rc = axv_vcpu_complete(v, &vm->bus, &e);
			if (rc == AXV_ENXIO) { /* not emulated: reads as zero, writes ignored */
				if (e.reason == AXV_EXIT_SYSREG_READ && e.access.reg != AXV_REG_NONE)
					check("sysreg raz", axv_vcpu_set_reg(v, e.access.reg, 0));
				check("advance pc", axv_vcpu_advance_pc(v, e.insn_len));
			} else {
				check("sysreg", rc);
			}
			break;
		case AXV_EXIT_SYSTEM_RESET:
		case AXV_EXIT_SYSTEM_DOWN:
			vm_down(vm, e.reason == AXV_EXIT_SYSTEM_RESET);
			break; /* its vcpus stop at the top of the loop */
		case AXV_EXIT_CPU_UP:
			check("psci", axv_vcpu_set_retval(v, (uint64_t)cpu_on(vm, &e)));
			check("advance pc", axv_vcpu_advance_pc(v, e.insn_len));
			break;
		case AXV_EXIT_CPU_DOWN:
			/* Off only once unbound: a CPU_ON may then set it up from another cpu. */
			check("unbind", axv_vcpu_unbind(v));
			check("psci power off", axv_a64_psci_power_off(&vm->psci, i));
			return;
		default:
			/* An exit this embedder cannot carry out (an SError, an external abort
			 * at stage 2, ...): the guest cannot go on, but it is this VM's end only;
			 * the other VMs run on (its teardown is a shutdown's). */
			vm_printf(vm, "vcpu %u: unhandled exit %s: raw 0x%lx info 0x%lx pc 0x%lx: "
				      "the VM is stopped\n",
				  i, axv_exit_name(e.reason), e.unhandled.raw, e.unhandled.info, e.pc);
			vm_down(vm, false);
			break;
		}
		if (s && sched_slice_over(s))
			return;
	}
}

static void vm_settle(struct vm *vm);

/* Whether this cpu may run vcpu i of @vm now: the VM is up and the guest has the vcpu on.
 * While it says yes the cpu counts in vm->active, so that a teardown waits for it; the
 * VM's down flag is read again after the count is taken (both sequentially consistent: a
 * teardown that sets down and then reads active sees this cpu, or this cpu sees down). */
static bool vm_enter(struct vm *vm, unsigned i)
{
	if (!vm || atomic_load(&vm->down))
		return false;
	atomic_fetch_add(&vm->active, 1);
	if (!atomic_load(&vm->down) && axv_a64_psci_state(&vm->psci, i) == AXV_PSCI_AFF_ON)
		return true;
	atomic_fetch_sub(&vm->active, 1);
	if (atomic_load(&vm->down))
		vm_settle(vm);
	return false;
}

/* A physical cpu: run its vcpu whenever the guest has it on and its VM is up; a cpu no VM
 * uses (or whose VM is down) only takes interrupts. */

/* The run queue's view of a vcpu (sched.h). On a shared cpu a vcpu stays bound between its
 * turns, so the cpu counts in vm->active from the vcpu's bind to its unbind (vm_enter() at
 * the first turn, the count dropped when a turn ends unbound): a teardown waits until each
 * of the VM's vcpus has had one more turn, in which run_vcpu() sees the VM down and
 * unbinds it. */
static bool sched_wants_cpu(void *ctx, unsigned i)
{
	struct vm *vm = ctx;
	struct axv_vcpu *v = &vm->vcpu[i];
	if (axv_vcpu_state(v) == AXV_VCPU_INVALID)
		return false; /* destroyed: its VM is shut down (or being built again) */
	if (atomic_load(&vm->paused) && !atomic_load(&vm->down))
		return false;
	if (!atomic_load(&vm->down)) {
		/* Its timers' wake times (sched.c) in the new virtual time, in the cpu too if it
		 * holds them; then what was held for it while paused may fire (a blocked vcpu
		 * whose registers the cpu holds wakes only by its timer's PPI). */
		(void)catch_up(vm, i);
		release_held(vm->pcpu[i], v);
	}
	if (axv_vcpu_state(v) == AXV_VCPU_FREE)
		return !atomic_load(&vm->down) &&
		       axv_a64_psci_state(&vm->psci, i) == AXV_PSCI_AFF_ON;
	if (atomic_load(&vm->down) && axv_vcpu_state(v) == AXV_VCPU_BLOCKED)
		(void)axv_vcpu_kick(v); /* Ready: its turn unbinds it */
	return true;
}

static void sched_run(struct sched_vcpu *s)
{
	struct vm *vm = s->vm;
	unsigned cpu = vm->pcpu[s->index];
	if (axv_vcpu_state(s->v) == AXV_VCPU_FREE && !vm_enter(vm, s->index))
		return;
	run_vcpu(vm, s->index, s);
	if (axv_vcpu_state(s->v) != AXV_VCPU_FREE)
		return; /* still bound: its count stays */
	if (atomic_load(&vm->down)) /* nothing of the gone vcpu stays active here */
		gic_ppi_deactivate(cpu, 1u << VTIMER_INTID | 1u << PTIMER_INTID);
	atomic_fetch_sub(&vm->active, 1);
	if (atomic_load(&vm->down))
		vm_settle(vm);
}

static void sched_irqs(struct axv_vcpu *loaded)
{
	host_irqs(loaded, NULL);
}

static bool sched_holds(const struct axv_a64_ctx *ctx)
{
	return a64cpu[this_cpu()].loaded == ctx;
}

static const struct sched_ops sched_ops = {sched_wants_cpu, sched_run, sched_irqs,
					   sched_holds};

static _Noreturn void cpu_loop(unsigned cpu)
{
	if (sched_vcpus(cpu) > 1)
		sched_loop(cpu, &sched_ops);
	struct vm *vm = pcpu_vm[cpu];
	unsigned i = pcpu_vcpu[cpu];
	for (;;) {
		while (!vm_enter(vm, i)) {
			__asm__ volatile("wfi");
			host_irqs(NULL, NULL);
		}
		run_vcpu(vm, i, NULL);
		if (atomic_load(&vm->down)) /* nothing of the gone vcpu stays active here */
			gic_ppi_deactivate(cpu, 1u << VTIMER_INTID | 1u << PTIMER_INTID);
		atomic_fetch_sub(&vm->active, 1);
		if (atomic_load(&vm->down))
			vm_settle(vm);
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
	/* Start every cpu QEMU has (-smp N); the VM table says which vcpu each runs. */
	while (nr_cpus < MAX_CPUS && platform_cpu_on(nr_cpus) == 0) {
		nr_cpus++;
		while (atomic_load(&cpus_up) < nr_cpus)
			;
	}
	unsigned n;
	const struct vm_desc *table = vm_table(&n);
	if (n == 0 || n > MAX_VMS)
		fatal("VM table size", AXV_ERANGE);
	nr_vms = n;
	conmux_init(n);
	for (unsigned k = 0; k < n; k++)
		place_vm(&vms[k], &table[k], k);
	for (unsigned k = 0; k < n; k++) {
		struct vm *vm = &vms[k];
		vm->frames_before = frames_free_count();
		vm->boots = 1;
		vm_printf(vm, "%lu pool frames free before it is created\n", vm->frames_before);
		build_vm(vm);
		vm_printf(vm, "guest RAM %lu MiB at 0x%lx, %u vcpu%s, stage-2 %s, %lu table "
			      "frames\n",
			  vm->d->ram_size >> 20, vm->d->ram_base, vm->nr_vcpus,
			  vm->nr_vcpus > 1 ? "s" : "", s2fmt.name,
			  (uint64_t)axv_addrspace_pt_frames(&vm->as));
	}
	/* The host's console input and RTC alarm interrupts come to this cpu. */
	host_uart_rx_init();
	host_input();
	gic_spi_route(HOST_RTC_INTID, 0);
	gic_spi_enable(HOST_RTC_INTID, rtc_vm != NULL);
	for (unsigned k = 0; k < n; k++)
		check("psci boot vcpu", axv_a64_psci_power_on(&vms[k].psci, 0));
	atomic_store(&vm_ready, true);
	__asm__ volatile("dsb ish\n\tsev");
	cpu_loop(0);
}
