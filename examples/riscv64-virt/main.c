/* riscv64-virt: the libaxv example hypervisor for QEMU's virt machine, in HS-mode after
 * OpenSBI. One guest, one vcpu per host hart (vcpu i on slot i), guest RAM a linear range of
 * host RAM, a lazily backed range, an emulated 16550 transmitter and a test device on the
 * device bus, SBI for the guest (the port's answers plus TIME, IPI, RFENCE, HSM, SRST, DBCN
 * here), and a devicetree written with libaxv's fdt module.
 *
 * Host services come from OpenSBI (SBI 1.0): the console is the virt board's NS16550A at
 * 0x10000000, the timer is SBI TIME, IPIs are SBI IPI, secondary harts start with SBI HSM,
 * remote G-stage fences are SBI RFENCE remote_hfence_gvma_vmid, power-off is SBI SRST. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <axv/addrspace.h>
#include <axv/arch/riscv64.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>
#include <axv/fdt.h>
#include <axv/frame_pool.h>
#include <axv/percpu.h>
#include <axv/vcpu.h>
#include <axv/virq.h>

#include "console.h"
#include "hal_identity.h"
#include "sbi_ecall.h"

/* ---- memory map (host physical; -m 1G: RAM 0x80000000-0xbfffffff) --------------------- */
#define HOST_UART 0x10000000ul            /* NS16550A: THR 0, LSR 5 (THRE bit 5) */
#define FRAME_POOL_BASE 0x81000000ul      /* 224 MiB of frames for libaxv */
#define FRAME_POOL_SIZE 0x0e000000ul
#define INFO_WORDS 0x8ffff000ul           /* guest size at +0, initrd size at +8 (qemu.sh) */
#define GUEST_RAM_HPA 0x90000000ul
#define GUEST_RAM_GPA 0x80000000ul
#define GUEST_RAM_SIZE 0x20000000ul       /* 512 MiB */
#define GUEST_ENTRY_GPA 0x80200000ul      /* the image is loaded here by QEMU */
#define GUEST_INITRD_GPA 0x98000000ul
#define GUEST_DTB_GPA 0x9f000000ul
#define GUEST_UART_GPA 0x10000000ul       /* an emulated 16550 transmitter */
#define GUEST_TESTDEV_GPA 0x10100000ul    /* the test device */
#define GUEST_PLIC_GPA 0x0c000000ul       /* the virtual PLIC (QEMU virt's address) */
#define PLIC_SOURCES 31u
#define TESTDEV_IRQ 1u                    /* the test device's PLIC source */
#define GUEST_LAZY_GPA 0xc0000000ul       /* backed on first touch */
#define GUEST_LAZY_SIZE 0x00100000ul
#define GUEST_VMID 1u
#define MAX_SLOTS 8u
/* The G-stage format: Sv39x4 (3), or Sv48x4 (4) in the riscv64-virt-sv48 build. */
#ifndef GSTAGE_LEVELS
#define GSTAGE_LEVELS AXV_RV64_SV39X4
#endif

static uint64_t hpa_of(uint64_t gpa)
{
	return gpa - GUEST_RAM_GPA + GUEST_RAM_HPA;
}

/* ---- SBI calls to OpenSBI (sbi_ecall.h) ------------------------------------------------- */
static struct sbiret sbi_call(unsigned long eid, unsigned long fid, unsigned long a0,
			      unsigned long a1, unsigned long a2, unsigned long a3,
			      unsigned long a4)
{
	return sbi_ecall(eid, fid, a0, a1, a2, a3, a4, 0);
}

static void host_set_timer(uint64_t t)
{
	sbi_call(AXV_SBI_EXT_TIME, 0, t, 0, 0, 0, 0);
}

_Noreturn static void power_off(bool failure)
{
	/* SBI 10.1: system_reset(SHUTDOWN, NO_REASON or SYSTEM_FAILURE) */
	sbi_call(AXV_SBI_EXT_SRST, 0, 0, failure ? 1 : 0, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

/* ---- console ----------------------------------------------------------------------------- */
static atomic_uint con_lock;

/* A spin lock on an atomic_uint (void *: also the resolver's lock hooks, fault_env). */
static void lock(void *l)
{
	while (atomic_exchange_explicit((atomic_uint *)l, 1, memory_order_acquire))
		;
}

static void unlock(void *l)
{
	atomic_store_explicit((atomic_uint *)l, 0, memory_order_release);
}

static void uart_putc(char c)
{
	volatile uint8_t *u = (volatile uint8_t *)HOST_UART;
	while (!(u[5] & (1u << 5)))
		;
	u[0] = (uint8_t)c;
}

void con_putc(char c)
{
	lock(&con_lock);
	if (c == '\n')
		uart_putc('\r');
	uart_putc(c);
	unlock(&con_lock);
}

void host_panic(uint64_t scause, uint64_t sepc, uint64_t stval);
void host_panic(uint64_t scause, uint64_t sepc, uint64_t stval)
{
	con_printf("riscv64-virt: FATAL: host trap scause 0x%lx sepc 0x%lx stval 0x%lx\n",
		   scause, sepc, stval);
	power_off(true);
}

_Noreturn static void fatal(const char *what, int rc)
{
	con_printf("riscv64-virt: FATAL: %s: %d\n", what, rc);
	power_off(true);
}

static void check(const char *what, int rc)
{
	if (rc != 0)
		fatal(what, rc);
}

/* ---- the HAL ------------------------------------------------------------------------------ */
static struct axv_frame_pool pool;
static atomic_uint pool_lock, as_lock;

static int hal_alloc(void *ctx, size_t count, size_t align, axv_hpa_t *pa)
{
	(void)ctx;
	lock(&pool_lock);
	int rc = axv_frame_pool_alloc(&pool, count, align, pa);
	unlock(&pool_lock);
	return rc;
}

static void hal_free(void *ctx, axv_hpa_t pa, size_t count)
{
	(void)ctx;
	lock(&pool_lock);
	axv_frame_pool_free(&pool, pa, count);
	unlock(&pool_lock);
}

static const struct axv_hal_mem_ops mem_ops = {hal_alloc, hal_free, hal_identity_p2v,
						hal_identity_v2p};

struct slot {
	uint64_t hartid;                 /* host hart */
	struct axv_rv64_cpu cpu;
	struct axv_percpu percpu;
	atomic_bool running;             /* the host hart runs its vcpu loop */
};
static struct slot slots[MAX_SLOTS];
static unsigned nslots;
/* Host hart id -> slot + 1, for a secondary hart that comes in at the primary entry
 * (start.S); written before any hart is started. */
uint8_t hart_slot[64];
static uint64_t hgatp; /* axv_rv64_hgatp() of the engine's root: the hardware walks it */

static uint32_t hal_cpu_id(void *ctx)
{
	(void)ctx;
	uint64_t tp;
	__asm__ volatile("mv %0, tp" : "=r"(tp));
	return (uint32_t)tp;
}

static void hal_send_ipi(void *ctx, uint32_t cpu)
{
	(void)ctx;
	if (cpu < nslots)
		sbi_call(AXV_SBI_EXT_IPI, 0, 1ul, slots[cpu].hartid, 0, 0, 0);
}

static const struct axv_hal_cpu_ops cpu_ops = {hal_cpu_id, hal_send_ipi, NULL};

/* The engine changed its table, which is the G-stage table the hardware walks: HFENCE.GVMA
 * for the guest's VMID here (Priv 8.3.2; by address for a few pages, else all of them),
 * then the other harts that run the guest fence too (SBI 8.7 remote_hfence_gvma_vmid). */
static void tlb_range(void *ctx, uint64_t tag, axv_gpa_t gpa, uint64_t size)
{
	(void)ctx;
	(void)tag;
	if (size != 0 && size <= 16 * 4096ull && gpa + size > gpa) {
		for (axv_gpa_t a = gpa & ~0xfffull; a < gpa + size; a += 4096)
			axv_rv64_hfence_gvma(GUEST_VMID, a);
	} else {
		axv_rv64_hfence_gvma(GUEST_VMID, AXV_GPA_ALL);
	}
	uint32_t me = hal_cpu_id(NULL);
	for (unsigned i = 0; i < nslots; i++)
		if (i != me && atomic_load(&slots[i].running))
			sbi_call(AXV_SBI_EXT_RFENCE, 3, 1ul, slots[i].hartid, 0, 0, GUEST_VMID);
}

static void tlb_all(void *ctx, uint64_t tag)
{
	tlb_range(ctx, tag, 0, ~0ull);
}

static const struct axv_hal_tlb_ops tlb_ops = {tlb_range, tlb_all};
static const struct axv_hal hal = {NULL, &mem_ops, &tlb_ops, &cpu_ops, NULL};

static struct axv_rv64_cpu *this_cpu(void *ctx)
{
	(void)ctx;
	uint32_t s = hal_cpu_id(NULL);
	return s < nslots ? &slots[s].cpu : NULL;
}

/* ---- devices ------------------------------------------------------------------------------ */
/* A 16550A transmitter (TI PC16550D data sheet, "Register Description"): THR at 0, IER 1,
 * IIR 2 (read) / FCR (write), LCR 3 (DLAB bit 7 maps the divisor latch at 0 and 1), MCR 4,
 * LSR 5 (THRE and TEMT always: the byte goes straight to the host console), MSR 6, SCR 7.
 * No receiver and no interrupt line: Linux's 8250 driver polls it (IIR says THRE when
 * IER.ETBEI is set). */
static struct {
	atomic_uint lock;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
} uart;

static int uart_read(void *ctx, uint64_t off, uint8_t width, uint64_t *v)
{
	(void)ctx;
	(void)width;
	lock(&uart.lock);
	bool dlab = uart.lcr & 0x80;
	switch (off) {
	case 0: *v = dlab ? uart.dll : 0; break;
	case 1: *v = dlab ? uart.dlm : uart.ier; break;
	case 2: *v = 0xc0 | ((uart.ier & 0x02) ? 0x02 : 0x01); break; /* FIFOs on; THRE or none */
	case 3: *v = uart.lcr; break;
	case 4: *v = uart.mcr; break;
	case 5: *v = 0x60; break; /* THRE | TEMT */
	case 6: *v = 0xb0; break; /* DCD | DSR | CTS */
	case 7: *v = uart.scr; break;
	default: *v = 0; break;
	}
	unlock(&uart.lock);
	return 0;
}

static int uart_write(void *ctx, uint64_t off, uint8_t width, uint64_t v)
{
	(void)ctx;
	(void)width;
	lock(&uart.lock);
	bool dlab = uart.lcr & 0x80;
	switch (off) {
	case 0:
		if (dlab)
			uart.dll = (uint8_t)v;
		else
			con_putc((char)v);
		break;
	case 1:
		if (dlab)
			uart.dlm = (uint8_t)v;
		else
			uart.ier = (uint8_t)(v & 0x0f);
		break;
	case 3: uart.lcr = (uint8_t)v; break;
	case 4: uart.mcr = (uint8_t)v; break;
	case 7: uart.scr = (uint8_t)v; break;
	default: break;
	}
	unlock(&uart.lock);
	return 0;
}

static const struct axv_device_ops uart_ops = {uart_read, uart_write};

static struct axv_rv64_plic plic;

/* Test device: offset 0 reads 0x8182838485868788, offset 8 is a scratch register, offset 16
 * reads the width of the last store, offset 24 reads the reads so far and takes writes to
 * its interrupt line (bit 0, PLIC source TESTDEV_IRQ). */
static struct {
	atomic_ulong scratch, last_width, reads, writes;
} testdev;

static int testdev_read(void *ctx, uint64_t off, uint8_t width, uint64_t *v)
{
	(void)ctx;
	(void)width;
	atomic_fetch_add(&testdev.reads, 1);
	switch (off) {
	case 0: *v = 0x8182838485868788ull; return 0;
	case 8: *v = atomic_load(&testdev.scratch); return 0;
	case 16: *v = atomic_load(&testdev.last_width); return 0;
	case 24: *v = atomic_load(&testdev.reads); return 0;
	default: return AXV_ENXIO;
	}
}

static int plic_line(uint64_t v)
{
	return axv_rv64_plic_set_level(&plic, TESTDEV_IRQ, v & 1);
}

static int testdev_write(void *ctx, uint64_t off, uint8_t width, uint64_t v)
{
	(void)ctx;
	atomic_fetch_add(&testdev.writes, 1);
	if (off == 24) /* the interrupt line: bit 0 is its level (PLIC source TESTDEV_IRQ) */
		return plic_line(v);
	if (off != 8)
		return AXV_ENXIO;
	atomic_store(&testdev.scratch, v);
	atomic_store(&testdev.last_width, width);
	return 0;
}

static const struct axv_device_ops testdev_ops = {testdev_read, testdev_write};

static struct axv_bus bus;
static struct axv_bus_entry bus_storage[8];

/* ---- the guest ----------------------------------------------------------------------------- */
static struct axv_pt_format fmt;
static struct axv_addrspace as;

struct gvcpu {
	struct axv_vcpu v;
	struct axv_rv64_vcpu port;
	struct axv_virq virq;
	atomic_bool on;       /* started (SBI HSM STARTED) */
	bool created;
	uint64_t timer_set;   /* SBI set_timer calls */
	uint64_t exits[AXV_EXIT_REASON_COUNT];
};
static struct gvcpu vcpus[MAX_SLOTS];
static atomic_ulong hc_count;

/* A PLIC context's line changed: context i is vcpu i's S-mode external interrupt. */
static void plic_notify(void *ctx, uint32_t context, bool level)
{
	(void)ctx;
	if (context >= nslots)
		return;
	axv_rv64_set_ext_level(&vcpus[context].port, level);
	if (level && vcpus[context].created)
		axv_vcpu_kick(&vcpus[context].v);
}

static void setup_vcpu(unsigned i, uint64_t entry, uint64_t a1)
{
	struct gvcpu *g = &vcpus[i];
	if (!g->created) {
		check("virq init", axv_virq_init(&g->virq));
		check("virq enable", axv_virq_enable(&g->virq, AXV_RV64_VIRQ_SOFT));
		check("virq enable", axv_virq_enable(&g->virq, AXV_RV64_VIRQ_TIMER));
		check("virq enable", axv_virq_enable(&g->virq, AXV_RV64_VIRQ_EXT));
		struct axv_vcpu_config cfg = {
			.id = i, .hal = &hal, .ops = &axv_rv64_vcpu_ops, .port_ctx = &g->port,
			.virq = &g->virq, .vic = &axv_rv64_vic_ops, .vic_ctx = &g->port,
		};
		check("vcpu create", axv_vcpu_create(&g->v, &cfg));
		struct axv_rv64_vcpu_config pc = {
			.hartid = i, .a1 = a1, .hgatp = hgatp, .sbi_impl_id = 0xa5,
			.this_cpu = this_cpu, .this_cpu_ctx = NULL,
		};
		check("vcpu setup", axv_vcpu_setup(&g->v, entry, axv_addrspace_root(&as), &pc));
		/* The core's fast path: MMIO the bus claims (UART, PLIC, test device) is
		 * completed inside axv_vcpu_run, the guest re-entered at once. */
		check("fast bus", axv_vcpu_set_fast_bus(&g->v, &bus));
		g->created = true;
	} else {
		/* SBI 9.1: a started hart begins with a0 = hartid, a1 = opaque, satp = 0,
		 * sstatus.SIE = 0: a fresh context (hgatp kept). */
		axv_rv64_ctx_reset(&g->port.ctx, entry, i, a1);
		check("vcpu entry", axv_vcpu_set_entry(&g->v, entry));
	}
}

/* A host interrupt on this hart: the guest's timer (STIP) or an IPI (SSIP). */
static void host_irqs(unsigned s)
{
	uint64_t sip;
	__asm__ volatile("csrr %0, sip" : "=r"(sip));
	if (sip & (1u << 1)) /* SSIP: a kick; whoever kicked has already pended what it wanted */
		__asm__ volatile("csrc sip, %0" ::"r"(1ul << 1));
	if (sip & (1u << 5)) { /* STIP: the guest's deadline passed */
		host_set_timer(~0ull);
		axv_vcpu_inject(&vcpus[s].v, AXV_RV64_VIRQ_TIMER);
	}
}

static void wait_while_blocked(unsigned s)
{
	while (axv_vcpu_state(&vcpus[s].v) == AXV_VCPU_BLOCKED) {
		/* wfi wakes on a pending enabled interrupt even with sstatus.SIE = 0 (Priv
		 * 3.3.3), and no trap is taken. */
		__asm__ volatile("wfi");
		host_irqs(s);
	}
}

static void inject_fault(unsigned s, const struct axv_exit *e, uint64_t cause)
{
	struct gvcpu *g = &vcpus[s];
	/* Nothing backs the address: the guest sees an access fault (Priv 3.6.1: PMA checks),
	 * at its own virtual address (stval of the exit, Priv 8.2.1 GVA). */
	check("inject", axv_rv64_inject_exception(&g->port.ctx, cause, g->port.ctx.stval));
	(void)e;
}

static void print_summary(void)
{
	for (unsigned i = 0; i < nslots; i++) {
		if (!vcpus[i].created)
			continue;
		const uint64_t *x = vcpus[i].exits;
		const struct axv_vcpu *v = &vcpus[i].v;
		con_printf("riscv64-virt: vcpu %u exits: hypercall %lu mmio %lu npf %lu halt %lu "
			   "irq %lu ipi %lu; fast-path mmio %lu, G-stage faults %lu, set_timer %lu\n",
			   i, x[AXV_EXIT_HYPERCALL], x[AXV_EXIT_MMIO_READ] + x[AXV_EXIT_MMIO_WRITE],
			   x[AXV_EXIT_NESTED_PAGE_FAULT], x[AXV_EXIT_HALT],
			   x[AXV_EXIT_EXTERNAL_IRQ], x[AXV_EXIT_SEND_IPI],
			   axv_vcpu_fast_exits(v, AXV_EXIT_MMIO_READ) +
				   axv_vcpu_fast_exits(v, AXV_EXIT_MMIO_WRITE),
			   vcpus[i].port.gfaults, vcpus[i].timer_set);
	}
}

static void sbi_done(struct gvcpu *g, int64_t err, uint64_t val)
{
	axv_rv64_sbi_return(&g->port.ctx, err, val);
}

static bool read_guest(uint64_t gpa, void *buf, size_t len)
{
	return axv_addrspace_read(&as, gpa, buf, len) == 0;
}

extern char secondary_entry[], _start[];

/* SBI calls the port leaves to the embedder. */
static void sbi_embedder(unsigned s, const struct axv_exit *e)
{
	struct gvcpu *g = &vcpus[s];
	const uint64_t *a = e->hypercall.args;
	uint64_t fid = g->port.ctx.x[16];
	switch (e->hypercall.nr) {
	case AXV_SBI_EXT_TIME: /* 6.1 set_timer(stime_value): clears the pending timer */
		if (fid != 0) {
			sbi_done(g, AXV_SBI_ERR_NOT_SUPPORTED, 0);
			return;
		}
		g->timer_set++;
		axv_rv64_irq_lower(&g->port, &g->virq, AXV_RV64_VIRQ_TIMER);
		host_set_timer(a[0]);
		sbi_done(g, AXV_SBI_SUCCESS, 0);
		return;
	case AXV_SBI_EXT_RFENCE: {
		/* 8.1 remote_fence_i: the host harts' instruction fetch (SBI passes it on);
		 * 8.2/8.3 remote_sfence_vma(_asid): HFENCE.VVMA on the target vcpus' harts at
		 * their next entry (and a kick so that it comes soon). */
		uint64_t mask = a[0], base = a[1];
		if (fid == 0) {
			sbi_call(AXV_SBI_EXT_RFENCE, 0, 0, ~0ul, 0, 0, 0);
		} else if (fid == 1 || fid == 2) {
			for (unsigned i = 0; i < nslots; i++) {
				bool hit = base == ~0ull ||
					   (i >= base && i - base < 64 && (mask >> (i - base)) & 1);
				if (!hit || !vcpus[i].created)
					continue;
				if (i == s) {
					g->port.ctx.entry_flags |= AXV_RV64_ENTRY_VVMA;
				} else {
					axv_rv64_request_vvma_flush(&vcpus[i].port);
					axv_vcpu_kick(&vcpus[i].v);
				}
			}
		} else {
			sbi_done(g, AXV_SBI_ERR_NOT_SUPPORTED, 0);
			return;
		}
		sbi_done(g, AXV_SBI_SUCCESS, 0);
		return;
	}
	case AXV_SBI_EXT_HSM: /* 9.3 hart_get_status(hartid): 0 STARTED, 1 STOPPED */
		if (a[0] >= nslots) {
			sbi_done(g, AXV_SBI_ERR_INVALID_PARAM, 0);
			return;
		}
		sbi_done(g, AXV_SBI_SUCCESS, atomic_load(&vcpus[a[0]].on) ? 0 : 1);
		return;
	case AXV_SBI_EXT_DBCN: /* 12.1 write(num_bytes, base_lo, base_hi), 12.3 write_byte */
		if (fid == 0) {
			uint64_t n = a[0], gpa = a[1];
			char buf[64];
			uint64_t done = 0;
			while (done < n) {
				size_t k = n - done < sizeof(buf) ? (size_t)(n - done) : sizeof(buf);
				if (a[2] != 0 || !read_guest(gpa + done, buf, k)) {
					sbi_done(g, AXV_SBI_ERR_INVALID_PARAM, 0);
					return;
				}
				for (size_t j = 0; j < k; j++)
					con_putc(buf[j]);
				done += k;
			}
			sbi_done(g, AXV_SBI_SUCCESS, n);
		} else if (fid == 1) {
			sbi_done(g, AXV_SBI_SUCCESS, 0); /* read: no input */
		} else if (fid == 2) {
			con_putc((char)a[0]);
			sbi_done(g, AXV_SBI_SUCCESS, 0);
		} else {
			sbi_done(g, AXV_SBI_ERR_NOT_SUPPORTED, 0);
		}
		return;
	case AXV_SBI_EXT_LEGACY_PUTCHAR: /* SBI 5.2: a0 only */
		con_putc((char)a[0]);
		g->port.ctx.x[10] = 0;
		g->port.ctx.pc += 4;
		return;
	case AXV_SBI_EXT_AXV: /* test hypercalls: 0 weighted sum, 1 hypercalls so far,
			       * 2 the host uses the FP registers (the guest's are saved around) */
		atomic_fetch_add(&hc_count, 1);
		if (fid == 2) {
			static struct axv_rv64_fp guest_fp[MAX_SLOTS], junk;
			for (unsigned k = 0; k < 32; k++)
				junk.f[k] = 0xdeadbeef00000000ull | k;
			junk.fcsr = 0x1f;
			axv_rv64_fp_save(&guest_fp[s]);
			axv_rv64_fp_restore(&junk); /* what host FP code would leave behind */
			axv_rv64_fp_restore(&guest_fp[s]);
			sbi_done(g, AXV_SBI_SUCCESS, 0);
		} else if (fid == 0)
			sbi_done(g, AXV_SBI_SUCCESS,
				 a[0] + 2 * a[1] + 3 * a[2] + 4 * a[3] + 5 * a[4] + 6 * a[5]);
		else if (fid == 1)
			sbi_done(g, AXV_SBI_SUCCESS, atomic_load(&hc_count));
		else
			sbi_done(g, AXV_SBI_ERR_NOT_SUPPORTED, 0);
		return;
	default:
		sbi_done(g, AXV_SBI_ERR_NOT_SUPPORTED, 0);
		return;
	}
}

/* Where a guest access fault may be backed: the address space (under its lock: the harts
 * share it), then the devices. */
static const struct axv_fault_env fault_env = {.as = &as, .bus = &bus, .lock = lock,
					       .unlock = unlock, .lock_ctx = &as_lock};

/* A guest access fault, decoded (an MMIO exit) or not (a nested page fault): libaxv's
 * resolver tries guest memory (a lazily backed page: the guest retries), then the device
 * bus. Nobody backs it (or it is an undecoded access at a device): the guest gets the access
 * fault of its access (Priv 3.6.1). */
static void guest_access_fault(unsigned s, struct axv_exit *e)
{
	struct axv_fault f;
	check("fault", axv_exit_fault(e, &f));
	int rc = axv_vcpu_resolve(&vcpus[s].v, &fault_env, e, NULL);
	if (rc == AXV_ENXIO || rc == AXV_EACCES || rc == AXV_ENOTSUP)
		inject_fault(s, e, f.fetch   ? AXV_RV64_EXC_INSN_ACCESS
				   : f.write ? AXV_RV64_EXC_STORE_ACCESS
					     : AXV_RV64_EXC_LOAD_ACCESS);
	else
		check(f.decoded ? "mmio" : "nested page fault", rc);
}

static void cpu_up(unsigned s, const struct axv_exit *e)
{
	struct gvcpu *g = &vcpus[s];
	uint64_t t = e->cpu_up.target;
	if (t >= nslots) {
		sbi_done(g, AXV_SBI_ERR_INVALID_PARAM, 0);
		return;
	}
	if (atomic_load(&vcpus[t].on) || atomic_load(&slots[t].running)) {
		sbi_done(g, AXV_SBI_ERR_ALREADY_AVAILABLE, 0);
		return;
	}
	if (e->cpu_up.entry & 1) {
		sbi_done(g, AXV_SBI_ERR_INVALID_ADDRESS, 0);
		return;
	}
	/* The host hart of a vcpu that just stopped may still be on its way out of its
	 * hart_stop (SBI 9.3: STOP_PENDING): wait until OpenSBI has it STOPPED. */
	for (unsigned long spin = 0;; spin++) {
		struct sbiret st = sbi_call(AXV_SBI_EXT_HSM, 2, slots[t].hartid, 0, 0, 0, 0);
		if (st.error != 0 || st.value == 1 || spin > 10000000ul)
			break;
	}
	setup_vcpu((unsigned)t, e->cpu_up.entry, e->cpu_up.arg);
	atomic_store(&vcpus[t].on, true);
	atomic_store(&slots[t].running, true);
#ifdef START_AT_PRIMARY_ENTRY
	/* Test build: the hart comes in as OpenSBI 1.1 may send it when the start races with
	 * the hart's warm boot (its START_PENDING state is published before its next address
	 * and argument): at the primary entry, a1 not its slot. */
	struct sbiret r = sbi_call(AXV_SBI_EXT_HSM, 0, slots[t].hartid,
				   (unsigned long)(uintptr_t)_start, 0x9f000000ul, 0, 0);
#else
	struct sbiret r = sbi_call(AXV_SBI_EXT_HSM, 0, slots[t].hartid,
				   (unsigned long)(uintptr_t)secondary_entry, t, 0, 0);
#endif
	if (r.error != 0) {
		atomic_store(&vcpus[t].on, false);
		atomic_store(&slots[t].running, false);
		sbi_done(g, AXV_SBI_ERR_FAILED, 0);
		return;
	}
	sbi_done(g, AXV_SBI_SUCCESS, 0);
}

static void send_ipi(unsigned s, const struct axv_exit *e)
{
	struct gvcpu *g = &vcpus[s];
	for (unsigned i = 0; i < nslots; i++) {
		bool hit = e->ipi.all || (i >= e->ipi.aux && i - e->ipi.aux < 64 &&
					  ((e->ipi.target >> (i - e->ipi.aux)) & 1));
		if (hit && vcpus[i].created)
			axv_vcpu_inject(&vcpus[i].v, AXV_RV64_VIRQ_SOFT);
	}
	sbi_done(g, AXV_SBI_SUCCESS, 0);
}

_Noreturn static void run_vcpu(unsigned s)
{
	struct gvcpu *g = &vcpus[s];
	check("percpu enable", axv_percpu_enable(&slots[s].percpu));
	check("vcpu bind", axv_vcpu_bind(&g->v));
	/* Host interrupts this hart takes while the guest runs (Priv 8.2.3): timer and IPI. */
	__asm__ volatile("csrw sie, %0" ::"r"((1ul << 1) | (1ul << 5)));
	for (;;) {
		struct axv_exit e;
		int rc = axv_vcpu_run(&g->v, &e);
		if (rc == AXV_EAGAIN) {
			wait_while_blocked(s);
			continue;
		}
		check("vcpu run", rc);
		if (e.reason < AXV_EXIT_REASON_COUNT)
			g->exits[e.reason]++;
		switch (e.reason) {
		case AXV_EXIT_NOTHING:
			break;
		case AXV_EXIT_EXTERNAL_IRQ:
			host_irqs(s);
			break;
		case AXV_EXIT_HALT:
			wait_while_blocked(s);
			break;
		case AXV_EXIT_HYPERCALL:
			sbi_embedder(s, &e);
			break;
		case AXV_EXIT_MMIO_READ:
		case AXV_EXIT_MMIO_WRITE:
		case AXV_EXIT_NESTED_PAGE_FAULT:
			guest_access_fault(s, &e);
			break;
		case AXV_EXIT_SYSREG_READ:
		case AXV_EXIT_SYSREG_WRITE:
			/* A CSR the guest may not touch in VS-mode (hypervisor CSRs, Priv 8.6.1):
			 * no device emulates one here, so the guest sees what it would without
			 * the H extension, an illegal instruction (Priv 2.1) with the
			 * instruction in stval. */
			rc = axv_vcpu_complete(&g->v, &bus, &e);
			if (rc == AXV_ENXIO)
				check("inject", axv_rv64_inject_exception(&g->port.ctx,
									  AXV_RV64_EXC_ILLEGAL,
									  g->port.ctx.stval));
			else
				check("sysreg", rc);
			break;
		case AXV_EXIT_CPU_UP:
			cpu_up(s, &e);
			break;
		case AXV_EXIT_CPU_DOWN:
			/* SBI 9.2: the hart stops; another may start it again (HSM hart_start). */
			host_set_timer(~0ull);
			check("unbind", axv_vcpu_unbind(&g->v));
			check("percpu disable", axv_percpu_disable(&slots[s].percpu));
			atomic_store(&g->on, false);
			atomic_store(&slots[s].running, false);
			sbi_call(AXV_SBI_EXT_HSM, 1, 0, 0, 0, 0, 0);
			fatal("host hart_stop returned", 0);
		case AXV_EXIT_SEND_IPI:
			send_ipi(s, &e);
			break;
		case AXV_EXIT_SYSTEM_DOWN:
		case AXV_EXIT_SYSTEM_RESET:
			print_summary();
			con_printf("riscv64-virt: guest asked for %s; powering off\n",
				   e.reason == AXV_EXIT_SYSTEM_DOWN ? "shutdown" : "a reset");
			power_off(false);
		case AXV_EXIT_UNHANDLED:
			if (e.unhandled.raw == AXV_RV64_EXC_VIRTUAL_INSN) {
				/* Another instruction VS-mode may not run (Priv 8.6.1): illegal. */
				check("inject", axv_rv64_inject_exception(&g->port.ctx,
									  AXV_RV64_EXC_ILLEGAL,
									  e.unhandled.info));
				break;
			}
			/* fall through */
		default:
			con_printf("riscv64-virt: FATAL: vcpu %u: unhandled exit %s: raw 0x%lx "
				   "info 0x%lx pc 0x%lx\n",
				   s, axv_exit_name(e.reason), e.unhandled.raw, e.unhandled.info, e.pc);
			power_off(true);
		}
	}
}

/* ---- the guest's devicetree (Devicetree Specification v0.4; Linux riscv bindings) -------- */
static uint8_t dtb_buf[8192] __attribute__((aligned(8)));

static int write_dtb(uint64_t initrd_size, uint32_t *size)
{
	struct axv_fdt f;
	int rc = axv_fdt_init(&f, dtb_buf, sizeof(dtb_buf), 0);
	rc = rc ? rc : axv_fdt_begin_node(&f, "");
	rc = rc ? rc : axv_fdt_prop_u32(&f, "#address-cells", 2);
	rc = rc ? rc : axv_fdt_prop_u32(&f, "#size-cells", 2);
	rc = rc ? rc : axv_fdt_prop_string(&f, "compatible", "libaxv,riscv64-virt");
	rc = rc ? rc : axv_fdt_prop_string(&f, "model", "libaxv riscv64-virt");
	rc = rc ? rc : axv_fdt_begin_node(&f, "chosen");
	rc = rc ? rc : axv_fdt_prop_string(&f, "bootargs", "console=ttyS0 earlycon=sbi");
	rc = rc ? rc : axv_fdt_prop_string(&f, "stdout-path", "/serial@10000000");
	if (initrd_size) {
		rc = rc ? rc : axv_fdt_prop_u64(&f, "linux,initrd-start", GUEST_INITRD_GPA);
		rc = rc ? rc : axv_fdt_prop_u64(&f, "linux,initrd-end", GUEST_INITRD_GPA + initrd_size);
	}
	rc = rc ? rc : axv_fdt_end_node(&f);
	rc = rc ? rc : axv_fdt_begin_node(&f, "cpus");
	rc = rc ? rc : axv_fdt_prop_u32(&f, "#address-cells", 1);
	rc = rc ? rc : axv_fdt_prop_u32(&f, "#size-cells", 0);
	rc = rc ? rc : axv_fdt_prop_u32(&f, "timebase-frequency", 10000000);
	for (unsigned i = 0; i < nslots && rc == 0; i++) {
		char name[16] = "cpu@0";
		name[4] = (char)('0' + i);
		rc = axv_fdt_begin_node(&f, name);
		rc = rc ? rc : axv_fdt_prop_string(&f, "device_type", "cpu");
		rc = rc ? rc : axv_fdt_prop_u32(&f, "reg", i);
		rc = rc ? rc : axv_fdt_prop_string(&f, "status", "okay");
		rc = rc ? rc : axv_fdt_prop_string(&f, "compatible", "riscv");
		rc = rc ? rc : axv_fdt_prop_string(&f, "riscv,isa", "rv64imafdc");
		rc = rc ? rc : axv_fdt_prop_string(&f, "mmu-type", "riscv,sv39");
		rc = rc ? rc : axv_fdt_begin_node(&f, "interrupt-controller");
		rc = rc ? rc : axv_fdt_prop_u32(&f, "#interrupt-cells", 1);
		rc = rc ? rc : axv_fdt_prop(&f, "interrupt-controller", NULL, 0);
		rc = rc ? rc : axv_fdt_prop_string(&f, "compatible", "riscv,cpu-intc");
		rc = rc ? rc : axv_fdt_prop_u32(&f, "phandle", i + 1);
		rc = rc ? rc : axv_fdt_end_node(&f);
		rc = rc ? rc : axv_fdt_end_node(&f);
	}
	rc = rc ? rc : axv_fdt_end_node(&f);
	rc = rc ? rc : axv_fdt_begin_node(&f, "plic@c000000");
	static const char *const plic_compat[] = {"sifive,plic-1.0.0", "riscv,plic0"};
	rc = rc ? rc : axv_fdt_prop_strings(&f, "compatible", plic_compat, 2);
	const uint64_t preg[2] = {GUEST_PLIC_GPA, AXV_RV64_PLIC_SIZE};
	rc = rc ? rc : axv_fdt_prop_u64s(&f, "reg", preg, 2);
	rc = rc ? rc : axv_fdt_prop_u32(&f, "#address-cells", 0);
	rc = rc ? rc : axv_fdt_prop_u32(&f, "#interrupt-cells", 1);
	rc = rc ? rc : axv_fdt_prop(&f, "interrupt-controller", NULL, 0);
	rc = rc ? rc : axv_fdt_prop_u32(&f, "riscv,ndev", PLIC_SOURCES);
	uint32_t ie[2 * MAX_SLOTS];
	for (unsigned i = 0; i < nslots; i++) { /* context i: hart i's S-mode external line */
		ie[2 * i] = i + 1;
		ie[2 * i + 1] = 9;
	}
	rc = rc ? rc : axv_fdt_prop_cells(&f, "interrupts-extended", ie, 2 * nslots);
	rc = rc ? rc : axv_fdt_prop_u32(&f, "phandle", 0x100);
	rc = rc ? rc : axv_fdt_end_node(&f);
	rc = rc ? rc : axv_fdt_begin_node(&f, "serial@10000000");
	rc = rc ? rc : axv_fdt_prop_string(&f, "compatible", "ns16550a");
	const uint64_t ureg[2] = {GUEST_UART_GPA, 0x100};
	rc = rc ? rc : axv_fdt_prop_u64s(&f, "reg", ureg, 2);
	rc = rc ? rc : axv_fdt_prop_u32(&f, "clock-frequency", 3686400);
	rc = rc ? rc : axv_fdt_end_node(&f);
	rc = rc ? rc : axv_fdt_begin_node(&f, "memory@80000000");
	rc = rc ? rc : axv_fdt_prop_string(&f, "device_type", "memory");
	const uint64_t reg[2] = {GUEST_RAM_GPA, GUEST_RAM_SIZE};
	rc = rc ? rc : axv_fdt_prop_u64s(&f, "reg", reg, 2);
	rc = rc ? rc : axv_fdt_end_node(&f);
	rc = rc ? rc : axv_fdt_end_node(&f);
	rc = rc ? rc : axv_fdt_finish(&f, size);
	return rc;
}

/* ---- boot ---------------------------------------------------------------------------------- */
void secondary_main(uint64_t hartid, uint64_t slot);
void secondary_main(uint64_t hartid, uint64_t slot)
{
	(void)hartid;
	run_vcpu((unsigned)slot);
}

void hyp_main(uint64_t hartid, uint64_t host_dtb);
void hyp_main(uint64_t hartid, uint64_t host_dtb)
{
	(void)host_dtb;
	con_printf("riscv64-virt: libaxv example hypervisor in HS-mode on hart %lu\n", hartid);
	/* The host harts: this one, then every other SBI HSM knows (9.3 hart_get_status). */
	slots[0].hartid = hartid;
	nslots = 1;
	for (uint64_t h = 0; h < 64 && nslots < MAX_SLOTS; h++) {
		if (h == hartid)
			continue;
		struct sbiret r = sbi_call(AXV_SBI_EXT_HSM, 2, h, 0, 0, 0, 0);
		if (r.error == 0)
			slots[nslots++].hartid = h;
	}
	for (unsigned i = 0; i < nslots; i++)
		if (slots[i].hartid < sizeof(hart_slot))
			hart_slot[slots[i].hartid] = (uint8_t)(i + 1);
	for (unsigned i = 0; i < nslots; i++)
		check("percpu init", axv_percpu_init(&slots[i].percpu, i, &axv_rv64_percpu_ops,
						     &slots[i].cpu));
	int rc = axv_percpu_enable(&slots[0].percpu);
	if (rc == AXV_ENOTSUP) {
		con_printf("riscv64-virt: this hart has no hypervisor extension (AXV_ENOTSUP)\n");
		power_off(true);
	}
	check("percpu enable", rc);
	check("percpu disable", axv_percpu_disable(&slots[0].percpu));
	con_printf("riscv64-virt: H extension present, %u VMID bits, %u harts\n",
		   slots[0].cpu.vmid_bits, nslots);

	check("frame pool", axv_frame_pool_init(&pool, FRAME_POOL_BASE, (void *)FRAME_POOL_BASE,
						FRAME_POOL_SIZE, NULL, 0));
	check("format", axv_rv64_format_init(&fmt, GSTAGE_LEVELS));
	check("addrspace", axv_addrspace_init(&as, &hal, &fmt, 0, 1ull << 39, GUEST_VMID));
	check("guest ram", axv_addrspace_map_linear(&as, GUEST_RAM_GPA, GUEST_RAM_HPA,
						    GUEST_RAM_SIZE, AXV_MAP_RWX));
	check("lazy ram", axv_addrspace_map_alloc(&as, GUEST_LAZY_GPA, GUEST_LAZY_SIZE,
						  AXV_MAP_RWX, false));
	check("hgatp", axv_rv64_hgatp(fmt.levels, axv_addrspace_root(&as), GUEST_VMID, &hgatp));
	const size_t cap[AXV_BUS_SPACE_COUNT] = {6, 1, 1};
	check("bus", axv_bus_init(&bus, bus_storage, cap));
	check("uart", axv_bus_register(&bus, AXV_BUS_MMIO, GUEST_UART_GPA, 0x100, &uart_ops, NULL));
	check("testdev", axv_bus_register(&bus, AXV_BUS_MMIO, GUEST_TESTDEV_GPA, 0x20,
					  &testdev_ops, NULL));
	check("plic", axv_rv64_plic_init(&plic, PLIC_SOURCES, nslots, plic_notify, NULL));
	check("plic", axv_bus_register(&bus, AXV_BUS_MMIO, GUEST_PLIC_GPA, AXV_RV64_PLIC_SIZE,
				       &axv_rv64_plic_ops, &plic));

	const volatile uint64_t *info = (const volatile uint64_t *)INFO_WORDS;
	uint64_t image = info[0] & 0xffffffffu, initrd = info[1] & 0xffffffffu;
	uint32_t dtb_size;
	check("guest dtb", write_dtb(initrd, &dtb_size));
	const uint8_t *src = dtb_buf;
	uint8_t *dst = (uint8_t *)(uintptr_t)hpa_of(GUEST_DTB_GPA);
	for (uint32_t i = 0; i < dtb_size; i++)
		dst[i] = src[i];
	con_printf("riscv64-virt: guest image %lu bytes at 0x%lx, initrd %lu bytes, dtb at "
		   "0x%lx, %lu MiB of RAM, G-stage %s (hgatp 0x%lx)\n",
		   image, GUEST_ENTRY_GPA, initrd, GUEST_DTB_GPA, GUEST_RAM_SIZE >> 20, fmt.name,
		   hgatp);
	setup_vcpu(0, GUEST_ENTRY_GPA, GUEST_DTB_GPA);
	atomic_store(&vcpus[0].on, true);
	atomic_store(&slots[0].running, true);
	run_vcpu(0);
}
