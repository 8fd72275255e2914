/* Shared by the SVM and VMX exit harnesses: what every decoded x86 access exit must satisfy,
 * and its completion through a catch-all bus on a copy of the guest's registers. */
#ifndef AXV_TESTS_FUZZ_X86_H
#define AXV_TESTS_FUZZ_X86_H

#include <axv/arch/x86_64.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>

#include "fuzz_complete.h"
#include "x86_target.h"

/* For an MMIO, port or MSR exit `e` decoded from the hardware exit code `raw`: valid width,
 * register and instruction length, and axv_exit_complete() over `gprs` (copied) claims it,
 * except that string forms are refused and accesses that run past 2^64 - 1 are unclaimed. */
static inline void fuzz_x86_access_exit(const struct axv_exit *e, const struct axv_x86_gprs *gprs,
					unsigned long long raw)
{
	if (e->reason < AXV_EXIT_MMIO_READ || e->reason > AXV_EXIT_IO_WRITE)
		return;
	FUZZ_CHECK(axv_width_valid(e->access.width), "width %u", e->access.width);
	FUZZ_CHECK(e->access.reg < AXV_X86_REG_COUNT || e->access.reg == AXV_REG_NONE, "reg %u",
		   e->access.reg);
	FUZZ_CHECK(e->insn_len <= 15, "insn_len %u", e->insn_len);
	struct axv_bus bus;
	struct axv_bus_entry slots[AXV_BUS_SPACE_COUNT];
	fuzz_bus_catch_all(&bus, slots, FUZZ_BUS_ALL);
	struct axv_x86_gprs g = *gprs;
	struct axv_exit_target t = x86_target(&g);
	struct axv_exit ex = *e;
	int rc = axv_exit_complete(&bus, &t, &ex);
	bool sysreg = e->reason == AXV_EXIT_SYSREG_READ || e->reason == AXV_EXIT_SYSREG_WRITE;
	bool wraps = !sysreg && e->access.addr > UINT64_MAX - e->access.width;
	if (e->access.flags & (AXV_ACCESS_STRING | AXV_ACCESS_REP))
		FUZZ_CHECK(rc == AXV_ENOTSUP, "string exit: %d", rc);
	else
		FUZZ_CHECK(rc == (wraps ? AXV_ENXIO : 0),
			   "complete of decoded reason %d (exit code %#llx): %d", e->reason, raw, rc);
}

#endif
