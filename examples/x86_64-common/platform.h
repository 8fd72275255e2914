/* The example's own platform code: serial console, port I/O, frame allocator (its HAL). */
#ifndef EXAMPLE_PLATFORM_H
#define EXAMPLE_PLATFORM_H

#include <stdarg.h>
#include <stdint.h>

#include <axv/hal.h>

#include "console.h"
#include "x86_io.h"

static inline void outb_dx(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "d"(port));
}

/* End QEMU through isa-debug-exit (iobase 0xf4): status (value << 1) | 1; then Bochs
 * through its shutdown port. */
_Noreturn void platform_exit(uint32_t value);
/* Set COM1 to 8N1 (before the first con_putc()). */
void con_init(void);

/* The HAL: frames from the pool, identity phys <-> virt, one cpu. TLB hooks call
 * platform_tlb_flush, which the example points at its vcpu. */
extern const struct axv_hal platform_hal;
extern void (*platform_tlb_flush)(void);
void frames_init(void);
uint64_t frames_used_count(void);

#endif
