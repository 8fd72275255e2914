/* Serial console (COM1), isa-debug-exit, and the frame allocator behind the HAL. */
#include "platform.h"

#include <stdbool.h>
#include <stddef.h>

#include <axv/err.h>

#include "config.h"
#include "hal_identity.h"

/* ---- console: the 16550 UART at COM1 (x86_io.h) ------------------------------------------ */

void con_init(void)
{
	while (!(inb(X86_COM1 + 5) & (1u << 6))) /* LSR.TEMT: what the loader sent is out */
		;
	x86_com1_init();
}

void con_putc(char c)
{
	x86_com1_putc(c);
}

_Noreturn void platform_exit(uint32_t value)
{
	outl(PORT_EXIT, value); /* QEMU: isa-debug-exit ends the run here */
	/* Bochs ignores port 0xf4; the string "Shutdown" at port 0x8900 ends its run (the
	 * verdict is then read from the serial output). Elsewhere nothing listens there. */
	for (const char *s = "Shutdown"; *s; s++)
		outb_dx(PORT_BOCHS_SHUTDOWN, (uint8_t)*s);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* ---- frames: a bitmap over the pool; the example's HAL ------------------------------------- */

#define POOL_FRAMES (FRAME_POOL_SIZE >> 12)
static uint64_t frame_map[POOL_FRAMES / 64];
static uint64_t frames_used;

static bool frame_busy(uint64_t i)
{
	return frame_map[i / 64] & (1ull << (i % 64));
}

static void frame_set(uint64_t i, bool busy)
{
	if (busy)
		frame_map[i / 64] |= 1ull << (i % 64);
	else
		frame_map[i / 64] &= ~(1ull << (i % 64));
}

void frames_init(void)
{
	frames_used = 0;
}

uint64_t frames_used_count(void)
{
	return frames_used;
}

static int hal_alloc(void *ctx, size_t count, size_t align, axv_hpa_t *pa)
{
	(void)ctx;
	if (count == 0 || align == 0)
		return AXV_EINVAL;
	for (uint64_t i = 0; i + count <= POOL_FRAMES; i += align) {
		uint64_t k = 0;
		while (k < count && !frame_busy(i + k))
			k++;
		if (k != count)
			continue;
		for (k = 0; k < count; k++)
			frame_set(i + k, true);
		frames_used += count;
		*pa = FRAME_POOL_BASE + (i << 12);
		return 0;
	}
	return AXV_ENOMEM;
}

static void hal_free(void *ctx, axv_hpa_t pa, size_t count)
{
	(void)ctx;
	uint64_t i = (pa - FRAME_POOL_BASE) >> 12;
	for (size_t k = 0; k < count && i + k < POOL_FRAMES; k++)
		frame_set(i + k, false);
	frames_used -= count;
}

void (*platform_tlb_flush)(void);

static void hal_flush_range(void *ctx, uint64_t tag, axv_gpa_t gpa, uint64_t size)
{
	(void)ctx, (void)tag, (void)gpa, (void)size;
	if (platform_tlb_flush)
		platform_tlb_flush();
}

static void hal_flush_all(void *ctx, uint64_t tag)
{
	(void)ctx, (void)tag;
	if (platform_tlb_flush)
		platform_tlb_flush();
}

static uint32_t hal_cpu_id(void *ctx)
{
	(void)ctx;
	return 0;
}

static void hal_send_ipi(void *ctx, uint32_t cpu)
{
	(void)ctx, (void)cpu; /* one cpu, no interrupts: nothing to wake */
}

static void hal_log(void *ctx, enum axv_log_level level, const char *msg)
{
	(void)ctx;
	con_printf("libaxv[%d]: %s\n", (int)level, msg);
}

static const struct axv_hal_mem_ops mem_ops = {hal_alloc, hal_free, hal_identity_p2v,
						hal_identity_v2p};
static const struct axv_hal_tlb_ops tlb_ops = {hal_flush_range, hal_flush_all};
static const struct axv_hal_cpu_ops cpu_ops = {hal_cpu_id, hal_send_ipi, NULL};

const struct axv_hal platform_hal = {
	.ctx = NULL,
	.mem = &mem_ops,
	.tlb = &tlb_ops,
	.cpu = &cpu_ops,
	.log = hal_log,
};
