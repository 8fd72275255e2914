/* Fuzz harness: LoongArch (LVZ) exit decoding: ESTAT, BADV, BADI and the guest's registers
 * from the input, with and without the in-place CSR and CPUCFG emulation (whose hooks may
 * fail).
 *
 * Checks: the return code; that only the general registers and the pc change, r0 stays 0,
 * and the pc moves by 0 or 4 (4 only for exits handled in place or already stepped over);
 * the exit's fields (widths, registers, the fault address, access kinds, raw values of
 * unhandled exits); that every MMIO, IOCSR and sysreg exit is completed by
 * axv_exit_complete() through a bus with the right register value (and r0 never written);
 * and that the load/store decoder agrees with the exit it produced. */
#include <string.h>

#include <axv/arch/loongarch64.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>

#include "fuzz.h"
#include "fuzz_dev.h"
#include "la64_hw.h"

static int csr_fail;
static uint64_t csr_value;
static unsigned csr_calls;

static int c_read(void *ctx, uint32_t csr, uint64_t *v)
{
	(void)ctx;
	FUZZ_CHECK(csr <= AXV_LA64_CSR_MAX, "csr %u", csr);
	csr_calls++;
	if (csr_fail)
		return csr_fail;
	*v = csr_value;
	return 0;
}

static int c_write(void *ctx, uint32_t csr, uint64_t v)
{
	(void)ctx;
	(void)v;
	FUZZ_CHECK(csr <= AXV_LA64_CSR_MAX, "csr %u", csr);
	csr_calls++;
	return csr_fail;
}

static const struct axv_la64_csr_ops csr_ops = {c_read, c_write};

static int t_set(void *ctx, unsigned reg, uint64_t v)
{
	return axv_la64_set_reg(ctx, reg, v);
}

static int t_get(void *ctx, unsigned reg, uint64_t *v)
{
	return axv_la64_get_reg(ctx, reg, v);
}

static int t_adv(void *ctx, uint8_t len)
{
	((struct axv_la64_ctx *)ctx)->pc += len;
	return 0;
}

static const uint32_t templates[] = {
	AXV_LA64_INSN_LD_B,     AXV_LA64_INSN_LD_H,     AXV_LA64_INSN_LD_W,
	AXV_LA64_INSN_LD_D,     AXV_LA64_INSN_ST_B,     AXV_LA64_INSN_ST_H,
	AXV_LA64_INSN_ST_W,     AXV_LA64_INSN_ST_D,     AXV_LA64_INSN_LD_BU,
	AXV_LA64_INSN_LD_HU,    AXV_LA64_INSN_LD_WU,    AXV_LA64_INSN_LDPTR_W,
	AXV_LA64_INSN_STPTR_W,  AXV_LA64_INSN_LDPTR_D,  AXV_LA64_INSN_STPTR_D,
	AXV_LA64_INSN_LDX_B,    AXV_LA64_INSN_LDX_W,    AXV_LA64_INSN_STX_D,
	AXV_LA64_INSN_LDX_WU,   AXV_LA64_INSN_CSR_OP,   AXV_LA64_INSN_GCSR_OP,
	AXV_LA64_INSN_CPUCFG_OP, AXV_LA64_INSN_IOCSRRD_B, AXV_LA64_INSN_IOCSRWR_B,
	AXV_LA64_INSN_IDLE_OP,  AXV_LA64_INSN_CACOP_OP, AXV_LA64_INSN_HVCL_OP,
	AXV_LA64_INSN_ERTN,     AXV_LA64_INSN_GTLBFILL, AXV_LA64_INSN_GTLBFLUSH};
/* Operand bits each template leaves free (a generous superset: the decoder must cope). */
#define OPERAND_BITS 0x003fffffu

static const uint8_t ecodes[] = {
	AXV_LA64_ECODE_INT, AXV_LA64_ECODE_PIL, AXV_LA64_ECODE_PIS, AXV_LA64_ECODE_PIF,
	AXV_LA64_ECODE_PME, AXV_LA64_ECODE_PNR, AXV_LA64_ECODE_PNX, AXV_LA64_ECODE_PPI,
	AXV_LA64_ECODE_ADE, AXV_LA64_ECODE_INE, AXV_LA64_ECODE_GSPR, AXV_LA64_ECODE_HVC,
	AXV_LA64_ECODE_GCM, AXV_LA64_ECODE_SYS, AXV_LA64_ECODE_BRK, 0x3f};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = {data, size};
	static struct axv_la64_ctx c, c0;
	static uint32_t cpucfg[8];
	struct axv_exit e;
	axv_la64_ctx_init(&c, 0x1c000000, fin_u8(&in));
	uint8_t k = fin_u8(&in);
	if (k & 0x80)
		c.estat = fin_u64(&in);
	else
		c.estat = ((uint64_t)ecodes[k % 16] << AXV_LA64_ESTAT_ECODE_SHIFT) |
			  (k & 0x40 ? (uint64_t)(fin_u8(&in) % 4) << 22 : 0) | (fin_u16(&in) & 0x1fffu);
	uint8_t ib = fin_u8(&in);
	c.badi = ib & 0x80 ? fin_u32(&in)
			   : templates[ib % (sizeof(templates) / sizeof(templates[0]))] |
				     (fin_u32(&in) & OPERAND_BITS);
	c.badv = fin_u8(&in) & 1 ? UINT64_MAX - fin_u8(&in) : fin_u64(&in);
	c.pc = fin_u64(&in);
	uint8_t opt = fin_u8(&in);
	if (opt & 1) {
		c.csr_ops = &csr_ops;
		c.csr_ctx = NULL;
	}
	if (opt & 2) {
		for (unsigned i = 0; i < 8; i++)
			cpucfg[i] = 0x11110000u + i;
		c.cpucfg = cpucfg;
		c.nr_cpucfg = opt >> 5;
	}
	csr_fail = (opt & 0x0c) == 0x0c ? AXV_EIO : 0;
	csr_value = fin_u64(&in);
	for (unsigned i = 1; i < AXV_LA64_NR_GPRS; i++)
		c.gpr[i] = in.n ? fin_u64(&in) : 0x0101010101010101ull * i;
	fuzz_dev.value = fin_u64(&in);
	memcpy(&c0, &c, sizeof(c)); /* memcpy: padding too, for the memcmp checks */
	csr_calls = 0;

	FUZZ_CHECK(axv_la64_decode_exit(NULL, &e) == AXV_EINVAL, "NULL ctx");
	FUZZ_CHECK(axv_la64_decode_exit(&c, NULL) == AXV_EINVAL, "NULL exit");
	int rc = axv_la64_decode_exit(&c, &e);
	FUZZ_CHECK(rc == 0, "decode: %d", rc);
	FUZZ_CHECK((unsigned)e.reason < AXV_EXIT_REASON_COUNT, "reason %d", e.reason);
	FUZZ_CHECK(e.pc == c0.pc, "exit pc");
	FUZZ_CHECK(c.gpr[0] == 0, "r0 written");
	{
		struct axv_la64_ctx t;
		memcpy(&t, &c, sizeof(t));
		memcpy(t.gpr, c0.gpr, sizeof(t.gpr));
		t.pc = c0.pc;
		FUZZ_CHECK(memcmp(&t, &c0, sizeof(t)) == 0, "decode changed more than registers and pc");
	}
	bool regs_changed = memcmp(c.gpr, c0.gpr, sizeof(c.gpr)) != 0;
	if (c.pc != c0.pc) {
		FUZZ_CHECK(c.pc == c0.pc + 4, "pc moved by %lld", (long long)(c.pc - c0.pc));
		FUZZ_CHECK((e.reason == AXV_EXIT_NOTHING || e.reason == AXV_EXIT_HALT) &&
				   e.insn_len == 0,
			   "pc stepped for reason %d, insn_len %u", e.reason, e.insn_len);
	}
	if (regs_changed)
		FUZZ_CHECK(e.reason == AXV_EXIT_NOTHING && c.pc == c0.pc + 4,
			   "registers changed for reason %d", e.reason);
	unsigned ecode = (unsigned)(c0.estat >> AXV_LA64_ESTAT_ECODE_SHIFT) & AXV_LA64_ESTAT_ECODE_MASK;
	switch (e.reason) {
	case AXV_EXIT_MMIO_READ:
	case AXV_EXIT_MMIO_WRITE: {
		FUZZ_CHECK(ecode >= AXV_LA64_ECODE_PIL && ecode <= AXV_LA64_ECODE_PPI, "MMIO from %u", ecode);
		FUZZ_CHECK(e.access.addr == c0.badv && e.insn_len == 4, "MMIO address / length");
		struct axv_la64_mem m;
		FUZZ_CHECK(axv_la64_decode_mem((uint32_t)c0.badi, &m) == 0, "MMIO from a non-load/store");
		FUZZ_CHECK(m.width == e.access.width && m.store == (e.reason == AXV_EXIT_MMIO_WRITE),
			   "MMIO width / direction disagree with the instruction");
		break;
	}
	case AXV_EXIT_IO_READ:
	case AXV_EXIT_IO_WRITE:
	case AXV_EXIT_SYSREG_READ:
	case AXV_EXIT_SYSREG_WRITE:
		FUZZ_CHECK(ecode == AXV_LA64_ECODE_GSPR && e.insn_len == 4, "port/sysreg from %u", ecode);
		break;
	case AXV_EXIT_NESTED_PAGE_FAULT:
		/* What axv_addrspace_handle_fault() accepts: a non-empty subset of R, W, X. */
		FUZZ_CHECK(e.npf.access != 0 && !(e.npf.access & ~AXV_MAP_RWX),
			   "npf access %#x", e.npf.access);
		FUZZ_CHECK(e.npf.addr == c0.badv && e.insn_len == 0, "npf address / length");
		break;
	case AXV_EXIT_UNHANDLED:
		FUZZ_CHECK(e.unhandled.raw == c0.estat, "raw ESTAT");
		break;
	case AXV_EXIT_HYPERCALL:
		FUZZ_CHECK(ecode == AXV_LA64_ECODE_HVC, "hypercall from %u", ecode);
		break;
	default:
		break;
	}
	if (e.reason >= AXV_EXIT_MMIO_READ && e.reason <= AXV_EXIT_IO_WRITE) {
		FUZZ_CHECK(axv_width_valid(e.access.width), "width %u", e.access.width);
		bool read = e.reason == AXV_EXIT_MMIO_READ || e.reason == AXV_EXIT_SYSREG_READ ||
			    e.reason == AXV_EXIT_IO_READ;
		if (read)
			FUZZ_CHECK(axv_width_valid(e.access.reg_width) &&
					   e.access.reg_width >= e.access.width,
				   "reg_width %u", e.access.reg_width);
		FUZZ_CHECK(e.access.reg < AXV_LA64_NR_GPRS || e.access.reg == AXV_REG_NONE, "reg %u",
			   e.access.reg);
		struct axv_bus bus;
		struct axv_bus_entry slots[3];
		const size_t cap[AXV_BUS_SPACE_COUNT] = {1, 1, 1};
		FUZZ_CHECK(axv_bus_init(&bus, slots, cap) == 0, "bus");
		for (unsigned s = 0; s < AXV_BUS_SPACE_COUNT; s++)
			FUZZ_CHECK(axv_bus_register(&bus, (enum axv_bus_space)s, 0, UINT64_MAX,
						    &catch_all, NULL) == 0,
				   "register");
		struct axv_la64_ctx before = c;
		struct axv_exit_target t = {t_set, t_adv, &c, t_get};
		fuzz_dev.calls = 0;
		struct axv_exit ex = e;
		rc = axv_exit_complete(&bus, &t, &ex);
		bool sysreg = e.reason == AXV_EXIT_SYSREG_READ || e.reason == AXV_EXIT_SYSREG_WRITE;
		bool wraps = !sysreg && e.access.addr > UINT64_MAX - e.access.width;
		FUZZ_CHECK(rc == (wraps ? AXV_ENXIO : 0), "complete of a decoded exit: %d", rc);
		if (rc == 0) {
			FUZZ_CHECK(fuzz_dev.calls == 1 && c.pc == before.pc + e.insn_len, "device / pc");
			FUZZ_CHECK(c.gpr[0] == 0, "r0 written by completion");
			if (read && e.access.reg != AXV_REG_NONE && e.access.reg != 0 &&
			    e.access.reg_width >= 4) {
				uint64_t v = fuzz_dev.value;
				unsigned w = e.access.width;
				if (w < 8)
					v &= (1ull << (8 * w)) - 1;
				if (e.access.sign_extend && w < 8 && (v >> (8 * w - 1)) & 1)
					v |= ~0ull << (8 * w);
				if (e.access.reg_width < 8)
					v &= (1ull << (8 * e.access.reg_width)) - 1;
				FUZZ_CHECK(c.gpr[e.access.reg] == v, "loaded r%u", e.access.reg);
			} else if (!read) {
				FUZZ_CHECK(fuzz_dev.written == e.access.data, "stored value");
			}
		}
	}
	return 0;
}
