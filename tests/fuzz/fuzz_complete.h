/* Shared by the decoder harnesses that complete each decoded access exit through a real bus
 * (tests/support/test_dev.h's device) and check what the completion did. */
#ifndef AXV_TESTS_FUZZ_COMPLETE_H
#define AXV_TESTS_FUZZ_COMPLETE_H

#include <stdbool.h>

#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>

#include "fuzz.h"
#include "test_dev.h"

/* A bus with test_dev claiming the whole of each space in `spaces` (a mask of
 * 1u << enum axv_bus_space); the other spaces stay empty. */
static inline void fuzz_bus_catch_all(struct axv_bus *bus,
				      struct axv_bus_entry slots[AXV_BUS_SPACE_COUNT],
				      unsigned spaces)
{
	size_t cap[AXV_BUS_SPACE_COUNT];
	for (unsigned s = 0; s < AXV_BUS_SPACE_COUNT; s++)
		cap[s] = 1;
	FUZZ_CHECK(axv_bus_init(bus, slots, cap) == 0, "bus");
	for (unsigned s = 0; s < AXV_BUS_SPACE_COUNT; s++)
		if (spaces & (1u << s))
			FUZZ_CHECK(axv_bus_register(bus, (enum axv_bus_space)s, 0, UINT64_MAX,
						    &test_dev_ops, NULL) == 0,
				   "register");
}
#define FUZZ_BUS_ALL ((1u << AXV_BUS_SPACE_COUNT) - 1)

/* Complete the decoded access exit e on target t through a bus where test_dev claims every
 * address of every space: an access that runs past 2^64 - 1 (not a system register) is
 * unclaimed (AXV_ENXIO), anything else completes with one device call. Returns the
 * completion's result. */
static inline int fuzz_complete_access(const struct axv_exit *e, const struct axv_exit_target *t)
{
	struct axv_bus bus;
	struct axv_bus_entry slots[AXV_BUS_SPACE_COUNT];
	fuzz_bus_catch_all(&bus, slots, FUZZ_BUS_ALL);
	test_dev.calls = 0;
	struct axv_exit ex = *e;
	int rc = axv_exit_complete(&bus, t, &ex);
	bool sysreg = e->reason == AXV_EXIT_SYSREG_READ || e->reason == AXV_EXIT_SYSREG_WRITE;
	bool wraps = !sysreg && e->access.addr > UINT64_MAX - e->access.width;
	FUZZ_CHECK(rc == (wraps ? AXV_ENXIO : 0), "complete of a decoded exit: %d", rc);
	if (rc == 0)
		FUZZ_CHECK(test_dev.calls == 1, "device calls: %u", test_dev.calls);
	return rc;
}

/* What a load of `width` bytes of `v` puts in its register, before any narrowing to the
 * register's own width: the low bytes, sign-extended when the access says so. */
static inline uint64_t fuzz_loaded(uint64_t v, unsigned width, bool sign_extend)
{
	if (width < 8)
		v &= (1ull << (8 * width)) - 1;
	if (sign_extend && width < 8 && (v >> (8 * width - 1)) & 1)
		v |= ~0ull << (8 * width);
	return v;
}

#endif
