/* Console (PL011), EL2 identity MMU, host GICv3, PSCI, and the HAL (frames from libaxv's
 * frame pool). */
#include "platform.h"

#include <stdbool.h>
#include <stddef.h>

#include <axv/err.h>
#include <axv/frame_pool.h>

#include "config.h"
#include "conmux.h"
#include "hal_identity.h"

/* ---- console: PL011 (ARM DDI 0183: DR at 0x00, FR at 0x18, FR.TXFF bit 5) ---------------- */

static struct spinlock con_lock;

void spin_lock(struct spinlock *l)
{
	while (atomic_exchange_explicit(&l->v, 1, memory_order_acquire))
		__asm__ volatile("yield");
}

void spin_unlock(struct spinlock *l)
{
	atomic_store_explicit(&l->v, 0, memory_order_release);
}

static void con_putc_locked(char c);

void host_con_putc(char c)
{
	spin_lock(&con_lock);
	con_putc_locked(c);
	spin_unlock(&con_lock);
}

unsigned this_cpu(void)
{
	uint64_t mpidr;
	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
	return (unsigned)(mpidr & 0xff);
}

/* The hypervisor's own log (con_printf() and friends): through the console multiplexer,
 * which keeps each line whole beside the VMs' lines (conmux.h). */
void con_putc(char c)
{
	conmux_log_putc(c);
}

static void con_putc_locked(char c)
{
	if (c == '\n')
		con_putc_locked('\r');
	while (mmio_read32(HOST_UART_BASE + 0x18) & (1u << 5))
		;
	mmio_write32(HOST_UART_BASE, (uint8_t)c);
}

/* Receiving (DDI 0183G): UARTFR.RXFE bit 4, UARTCR UARTEN bit 0 and RXE bit 9, UARTIMSC RXIM
 * bit 4 and RTIM bit 6. The FIFO mode (UARTLCR_H.FEN) is left as the firmware set it:
 * switching it may drop what was already received. Reading UARTDR is done only under the
 * guest UART's lock (devices.c), writing it only under con_lock: they are different
 * registers. */
#define UART_DR 0x000
#define UART_FR 0x018
#define UART_CR 0x030
#define UART_IMSC 0x038

void host_uart_rx_init(void)
{
	mmio_write32(HOST_UART_BASE + UART_IMSC, 0);
	mmio_write32(HOST_UART_BASE + UART_CR,
		     (uint32_t)mmio_read32(HOST_UART_BASE + UART_CR) | 1u | (1u << 9));
	gic_spi_route(HOST_UART_INTID, 0);
	gic_spi_enable(HOST_UART_INTID, true);
}

int host_uart_getc(void)
{
	if (mmio_read32(HOST_UART_BASE + UART_FR) & (1u << 4))
		return -1;
	return (int)(mmio_read32(HOST_UART_BASE + UART_DR) & 0xff);
}

void host_uart_rx_irq(bool on)
{
	mmio_write32(HOST_UART_BASE + UART_IMSC, on ? (1u << 4) | (1u << 6) : 0);
}

/* ---- EL2 stage-1 identity map: 0-1 GiB device, 1-2 GiB normal memory (DDI 0487 D8.3) ----- */

static uint64_t el2_l1[512] __attribute__((aligned(4096)));

void mmu_enable_el2(void)
{
	/* Block descriptors: [1:0] = 01, AttrIndx [4:2], SH [9:8], AF [10], XN [54]. */
	el2_l1[0] = 0x00000000ull | 1 | (0u << 2) | (1ull << 10) | (1ull << 54);
	el2_l1[1] = 0x40000000ull | 1 | (1u << 2) | (3u << 8) | (1ull << 10);
	uint64_t mair = 0x00 | (0xffull << 8); /* attr0 Device-nGnRnE, attr1 Normal WB */
	/* TCR_EL2: T0SZ 25 (39-bit VA, level 1 start), IRGN0/ORGN0 WB, SH0 inner, TG0 4K,
	 * PS 40-bit, RES1 bits 23 and 31. */
	uint64_t tcr = 25 | (1u << 8) | (1u << 10) | (3u << 12) | (2u << 16) | (1u << 23) |
		       (1ull << 31);
	__asm__ volatile("msr mair_el2, %0\n\tmsr tcr_el2, %1\n\tmsr ttbr0_el2, %2\n\tisb\n\t"
			 "tlbi alle2\n\tdsb ish\n\tisb"
			 :
			 : "r"(mair), "r"(tcr), "r"((uint64_t)(uintptr_t)el2_l1)
			 : "memory");
	uint64_t sctlr = 0x30c50830ull | 1 | (1u << 2) | (1u << 12); /* RES1 | M | C | I */
	__asm__ volatile("msr sctlr_el2, %0\n\tisb" : : "r"(sctlr) : "memory");
}

/* ---- host GICv3 (IHI 0069: GICD_CTLR 8.9.4, GICR_WAKER 9.11.40, SGI frame 9.3) ----------- */

#define GICD_CTLR 0x0000
#define GICD_CTLR_RWP (1u << 31)
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_IPRIORITYR 0x0400
#define GICD_IROUTER 0x6000
#define GICR_WAKER 0x0014
#define GICR_SGI 0x10000
#define GICR_IGROUPR0 0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_IPRIORITYR 0x0400

void gic_init_dist(void)
{
	/* Single security state (QEMU virt without EL3): ARE (4) | EnableGrp1 (1). */
	mmio_write32(GICD_BASE + GICD_CTLR, (1u << 4) | (1u << 1));
	while (mmio_read32(GICD_BASE + GICD_CTLR) & GICD_CTLR_RWP)
		;
}

/* Clear the active state of the PPIs in @mask at physical cpu @cpu's redistributor
 * (GICR_ICACTIVER0 in the SGI_base frame, IHI 0069 12.11): a hardware-linked timer PPI a guest acknowledged and
 * never ended would stay active there, and no vcpu run on that cpu afterwards would see its
 * timer again. Writing 1 to an inactive interrupt's bit changes nothing. */
#define GICR_ICACTIVER0 0x0380
void gic_ppi_deactivate(unsigned cpu, uint32_t mask)
{
	uint64_t rd = GICR_BASE + cpu * GICR_STRIDE;
	mmio_write32(rd + GICR_SGI + GICR_ICACTIVER0, mask);
	__asm__ volatile("dsb sy" : : : "memory");
}

void gic_init_cpu(unsigned cpu)
{
	uint64_t rd = GICR_BASE + cpu * GICR_STRIDE;
	uint32_t w = (uint32_t)mmio_read32(rd + GICR_WAKER);
	mmio_write32(rd + GICR_WAKER, w & ~(1u << 1)); /* ProcessorSleep */
	while (mmio_read32(rd + GICR_WAKER) & (1u << 2)) /* ChildrenAsleep */
		;
	mmio_write32(rd + GICR_SGI + GICR_IGROUPR0, 0xffffffffu);
	for (unsigned i = 0; i < 32; i += 4)
		mmio_write32(rd + GICR_SGI + GICR_IPRIORITYR + i, 0xa0a0a0a0u);
	/* SGI 0 (kick), PPI 25 (maintenance), PPI 26 (EL2 physical timer: WFIT deadlines),
	 * PPI 27 (the guest's virtual timer), PPI 30 (the guest's EL1 physical timer). */
	mmio_write32(rd + GICR_SGI + GICR_ISENABLER0,
		     (1u << 0) | (1u << 25) | (1u << 26) | (1u << 27) | (1u << 30));
	/* Physical CPU interface: all priorities, EOImode 1 (drop and deactivate apart),
	 * Group 1 on. ICC_SRE_EL2 was set by axv_a64_cpu_enable(). */
	__asm__ volatile("msr S3_0_C4_C6_0, %0\n\t"    /* ICC_PMR_EL1 */
			 "msr S3_0_C12_C12_3, xzr\n\t" /* ICC_BPR1_EL1 */
			 "msr S3_0_C12_C12_4, %1\n\t"  /* ICC_CTLR_EL1 */
			 "msr S3_0_C12_C12_7, %2\n\t"  /* ICC_IGRPEN1_EL1 */
			 "isb"
			 :
			 : "r"(0xffull), "r"(2ull), "r"(1ull)
			 : "memory");
}

/* IHI 0069 (the distributor's registers): GICD_IGROUPR<n> (1: Group 1), GICD_IPRIORITYR<n>
 * (a byte each), GICD_IROUTER<n> (Aff0 in [7:0], Interrupt_Routing_Mode [31] = 0: to that
 * cpu), GICD_ISENABLER<n> / GICD_ICENABLER<n> (write 1 to set / clear; a clear is complete
 * once GICD_CTLR.RWP reads 0). */
void gic_spi_route(uint32_t intid, unsigned cpu)
{
	uint64_t grp = GICD_BASE + GICD_IGROUPR + (intid / 32) * 4;
	mmio_write32(grp, (uint32_t)mmio_read32(grp) | 1u << (intid % 32));
	mmio_write8(GICD_BASE + GICD_IPRIORITYR + intid, 0xa0);
	*(volatile uint64_t *)(uintptr_t)(GICD_BASE + GICD_IROUTER + 8 * intid) = cpu & 0xff;
}

void gic_spi_enable(uint32_t intid, bool on)
{
	uint64_t reg = (on ? GICD_ISENABLER : GICD_ICENABLER) + (intid / 32) * 4;
	mmio_write32(GICD_BASE + reg, 1u << (intid % 32));
	while (!on && (mmio_read32(GICD_BASE + GICD_CTLR) & GICD_CTLR_RWP))
		;
}

void gic_send_sgi(unsigned target_cpu, unsigned sgi)
{
	/* ICC_SGI1R_EL1: INTID [27:24], Aff1 [23:16] = 0, TargetList [15:0] (Aff0 = cpu). */
	uint64_t v = ((uint64_t)(sgi & 0xf) << 24) | (1ull << (target_cpu & 15));
	/* DSB first: the stores the SGI announces (a paused or down flag, an injected
	 * interrupt) must be observable by the target before it can take the SGI. A write of
	 * ICC_SGI1R_EL1 is a system register write, not a memory access, which a DMB does not
	 * order after earlier stores; Linux's GICv3 driver issues its DSB before an IPI for the
	 * same reason. */
	__asm__ volatile("dsb ish\n\tmsr S3_0_C12_C11_5, %0\n\tisb" : : "r"(v) : "memory");
}

/* ---- PSCI to QEMU's firmware (DEN 0022; the DTB says method = "smc") ---------------------- */

int64_t psci_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fid;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return (int64_t)x0;
}

void secondary_entry(void);

int64_t platform_cpu_on(unsigned cpu)
{
	return psci_smc(0xc4000003u, cpu, (uint64_t)(uintptr_t)secondary_entry, cpu);
}

_Noreturn void platform_poweroff(void)
{
	psci_smc(0x84000008u, 0, 0, 0); /* SYSTEM_OFF: QEMU exits with status 0 */
	for (;;)
		__asm__ volatile("wfi");
}

/* ---- frames: libaxv's frame pool over the pool region, under a spinlock; the HAL -------- */

#define POOL_FRAMES (FRAME_POOL_SIZE >> 12)
static struct axv_frame_pool frame_pool;
static uint64_t frame_bitmap[POOL_FRAMES / 64]; /* the pool's bitmap, in the example's bss */
static struct spinlock frame_lock;

static void frame_lock_hook(void *ctx)
{
	spin_lock(ctx);
}

static void frame_unlock_hook(void *ctx)
{
	spin_unlock(ctx);
}

void frames_init(void)
{
	/* EL2 runs identity-mapped: the region's host pointer is its physical address. */
	int rc = axv_frame_pool_init(&frame_pool, FRAME_POOL_BASE,
				     (void *)(uintptr_t)FRAME_POOL_BASE, FRAME_POOL_SIZE,
				     frame_bitmap, POOL_FRAMES / 64);
	if (rc == 0)
		rc = axv_frame_pool_set_lock(&frame_pool, frame_lock_hook, frame_unlock_hook,
					     &frame_lock);
	if (rc != 0) {
		con_printf("aarch64-virt: frame pool: %s\n", axv_strerror(rc));
		platform_poweroff();
	}
}

uint64_t frames_free_count(void)
{
	return axv_frame_pool_free_frames(&frame_pool);
}

static int hal_alloc(void *ctx, size_t count, size_t align, axv_hpa_t *pa)
{
	(void)ctx;
	return axv_frame_pool_alloc(&frame_pool, count, align, pa);
}

static void hal_free(void *ctx, axv_hpa_t pa, size_t count)
{
	(void)ctx;
	int rc = axv_frame_pool_free(&frame_pool, pa, count);
	if (rc != 0)
		con_printf("aarch64-virt: bad frame free 0x%lx (%lu): %s\n", pa, (uint64_t)count,
			   axv_strerror(rc));
}

static uint32_t hal_cpu_id(void *ctx)
{
	(void)ctx;
	uint64_t mpidr;
	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
	return (uint32_t)(mpidr & 0xff);
}

static void hal_ipi(void *ctx, uint32_t cpu)
{
	(void)ctx;
	gic_send_sgi(cpu, 0);
}

static uint64_t hal_now(void *ctx)
{
	(void)ctx;
	uint64_t cnt, frq;
	__asm__ volatile("mrs %0, cntpct_el0\n\tmrs %1, cntfrq_el0" : "=r"(cnt), "=r"(frq));
	return frq ? cnt / frq * 1000000000ull + cnt % frq * 1000000000ull / frq : 0;
}

static void hal_log(void *ctx, enum axv_log_level level, const char *msg)
{
	(void)ctx;
	static const char *const names[] = {"error", "warn", "info", "debug"};
	con_printf("[libaxv %s] %s\n", names[level & 3], msg);
}

static const struct axv_hal_mem_ops mem_ops = {hal_alloc, hal_free, hal_identity_p2v,
						hal_identity_v2p};
static const struct axv_hal_cpu_ops cpu_ops = {hal_cpu_id, hal_ipi, hal_now};

#include <axv/arch/aarch64.h>

const struct axv_hal platform_hal = {
	.ctx = NULL,
	.mem = &mem_ops,
	.tlb = &axv_a64_tlb_ops,
	.cpu = &cpu_ops,
	.log = hal_log,
};
