/* SPDX-License-Identifier: Apache-2.0 */
/* Exit reason names and axv_exit_complete(): finishing an access exit through the bus. */
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>

#include "bus_priv.h"

/* Designated initialisers: a reason added to the enum without a name shows up as NULL,
 * which axv_exit_name() reports as "invalid" and the unit test catches. */
static const char *const exit_names[AXV_EXIT_REASON_COUNT] = {
	[AXV_EXIT_NOTHING] = "nothing",
	[AXV_EXIT_HYPERCALL] = "hypercall",
	[AXV_EXIT_MMIO_READ] = "mmio-read",
	[AXV_EXIT_MMIO_WRITE] = "mmio-write",
	[AXV_EXIT_SYSREG_READ] = "sysreg-read",
	[AXV_EXIT_SYSREG_WRITE] = "sysreg-write",
	[AXV_EXIT_IO_READ] = "io-read",
	[AXV_EXIT_IO_WRITE] = "io-write",
	[AXV_EXIT_EXTERNAL_IRQ] = "external-irq",
	[AXV_EXIT_NESTED_PAGE_FAULT] = "nested-page-fault",
	[AXV_EXIT_HALT] = "halt",
	[AXV_EXIT_CPU_UP] = "cpu-up",
	[AXV_EXIT_CPU_DOWN] = "cpu-down",
	[AXV_EXIT_SYSTEM_DOWN] = "system-down",
	[AXV_EXIT_SYSTEM_RESET] = "system-reset",
	[AXV_EXIT_FAIL_ENTRY] = "fail-entry",
	[AXV_EXIT_SEND_IPI] = "send-ipi",
	[AXV_EXIT_UNHANDLED] = "unhandled",
};

const char *axv_exit_name(enum axv_exit_reason reason)
{
	/* Compare as unsigned: an out-of-range value may be negative. */
	if ((unsigned)reason >= (unsigned)AXV_EXIT_REASON_COUNT || !exit_names[reason])
		return "invalid";
	return exit_names[reason];
}

int axv_exit_fault(const struct axv_exit *exit, struct axv_fault *out)
{
	if (!exit || !out)
		return AXV_EINVAL;
	struct axv_fault f = {.decoded = true};
	switch (exit->reason) {
	case AXV_EXIT_MMIO_READ:
		f.addr = exit->access.addr;
		f.access = AXV_MAP_READ;
		break;
	case AXV_EXIT_MMIO_WRITE:
		f.addr = exit->access.addr;
		f.access = AXV_MAP_WRITE;
		f.write = true;
		break;
	case AXV_EXIT_NESTED_PAGE_FAULT:
		f.addr = exit->npf.addr;
		f.access = exit->npf.access;
		f.write = (exit->npf.access & AXV_MAP_WRITE) != 0;
		f.fetch = (exit->npf.flags & AXV_NPF_FETCH) || (exit->npf.access & AXV_MAP_EXEC);
		f.walk = (exit->npf.flags & AXV_NPF_WALK) != 0;
		f.decoded = false;
		break;
	default:
		return AXV_EINVAL;
	}
	*out = f;
	return 0;
}

/* Which space and direction an access exit uses; -1 for any other reason. */
static int access_space(enum axv_exit_reason r, bool *is_read)
{
	switch (r) {
	case AXV_EXIT_MMIO_READ:
		*is_read = true;
		return AXV_BUS_MMIO;
	case AXV_EXIT_MMIO_WRITE:
		*is_read = false;
		return AXV_BUS_MMIO;
	case AXV_EXIT_IO_READ:
		*is_read = true;
		return AXV_BUS_PORT;
	case AXV_EXIT_IO_WRITE:
		*is_read = false;
		return AXV_BUS_PORT;
	case AXV_EXIT_SYSREG_READ:
		*is_read = true;
		return AXV_BUS_SYSREG;
	case AXV_EXIT_SYSREG_WRITE:
		*is_read = false;
		return AXV_BUS_SYSREG;
	default:
		return -1;
	}
}

int axv_exit_complete(const struct axv_bus *bus, const struct axv_exit_target *t,
		      struct axv_exit *exit)
{
	if (!bus || !t || !t->set_reg || !t->advance_pc || !exit)
		return AXV_EINVAL;
	bool is_read = false;
	int space = access_space(exit->reason, &is_read);
	if (space < 0)
		return AXV_EINVAL;
	struct axv_exit_access *a = &exit->access;
	/* The one validation of the access on its way to the device (the bus is entered past
	 * its own checks: axv_bus_dispatch_read() / _write()). */
	if (!axv_width_valid(a->width))
		return AXV_EINVAL;
	bool merge = is_read && a->reg != AXV_REG_NONE && a->reg_width < 4;
	if (is_read && (!axv_width_valid(a->reg_width) || a->reg_width < a->width))
		return AXV_EINVAL;
	if (merge && !t->get_reg)
		return AXV_EINVAL;
	if (a->flags & (AXV_ACCESS_STRING | AXV_ACCESS_REP))
		return AXV_ENOTSUP;

	int rc;
	if (is_read) {
		uint64_t v = 0;
		rc = axv_bus_dispatch_read(bus, (enum axv_bus_space)space, a->addr, a->width, &v);
		if (rc != 0)
			return rc;
		v = axv_access_load(v, a->width, a->reg_width, a->sign_extend);
		if (a->reg != AXV_REG_NONE) {
			uint64_t r = v;
			if (merge) {
				/* A narrow destination keeps the register's other bits. */
				uint64_t old = 0;
				rc = t->get_reg(t->ctx, a->reg, &old);
				if (rc != 0)
					return rc < 0 ? rc : AXV_EIO;
				r = (old & ~axv_access_trunc(UINT64_MAX, a->reg_width)) | v;
			}
			rc = t->set_reg(t->ctx, a->reg, r);
			if (rc != 0)
				return rc < 0 ? rc : AXV_EIO;
		}
		a->data = v;
	} else {
		rc = axv_bus_dispatch_write(bus, (enum axv_bus_space)space, a->addr, a->width,
					    a->data);
		if (rc != 0)
			return rc;
	}
	rc = t->advance_pc(t->ctx, exit->insn_len);
	return rc > 0 ? AXV_EIO : rc;
}
