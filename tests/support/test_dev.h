/* Shared by the tests and fuzz harnesses that complete exits through a real bus: a device
 * that claims every access it is registered for. Reads return test_dev.value, writes are
 * recorded in test_dev.written, test_dev.calls counts both. */
#ifndef AXV_TESTS_TEST_DEV_H
#define AXV_TESTS_TEST_DEV_H

#include <axv/bus.h>
#include <axv/exit.h>

static struct {
	uint64_t value, written;
	unsigned calls;
} test_dev;

static int test_dev_read(void *ctx, uint64_t off, uint8_t width, uint64_t *v)
{
	(void)ctx;
	(void)off;
	(void)width;
	test_dev.calls++;
	*v = test_dev.value;
	return 0;
}

static int test_dev_write(void *ctx, uint64_t off, uint8_t width, uint64_t v)
{
	(void)ctx;
	(void)off;
	(void)width;
	test_dev.calls++;
	test_dev.written = v;
	return 0;
}

static const struct axv_device_ops test_dev_ops = {test_dev_read, test_dev_write};

#endif
