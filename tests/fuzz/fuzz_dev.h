/* Shared by the decoder harnesses: a device that claims every access, so each decoded MMIO,
 * port or system-register exit can be completed through a real bus. Reads return
 * fuzz_dev.value, writes are recorded in fuzz_dev.written, fuzz_dev.calls counts both. */
#ifndef AXV_TESTS_FUZZ_DEV_H
#define AXV_TESTS_FUZZ_DEV_H

#include <axv/bus.h>
#include <axv/exit.h>

static struct {
	uint64_t value, written;
	unsigned calls;
} fuzz_dev;

static int fuzz_dev_read(void *ctx, uint64_t off, uint8_t width, uint64_t *v)
{
	(void)ctx;
	(void)off;
	(void)width;
	fuzz_dev.calls++;
	*v = fuzz_dev.value;
	return 0;
}

static int fuzz_dev_write(void *ctx, uint64_t off, uint8_t width, uint64_t v)
{
	(void)ctx;
	(void)off;
	(void)width;
	fuzz_dev.calls++;
	fuzz_dev.written = v;
	return 0;
}

static const struct axv_device_ops catch_all = {fuzz_dev_read, fuzz_dev_write};

#endif
