/* Fuzz harness: riscv64 exit decoding (scause, stval, htval, htinst, the guest's registers
 * and the code at its pc from the input, the code fetch failing at a chosen point) and the
 * SBI classification of ecalls.
 *
 * Checks: the return code; that decoding changes nothing in the context; the exit's fields
 * (reasons only from their causes, the fault address htval << 2 | stval & 3, instruction
 * lengths, widths, registers, access kinds, raw values of unhandled exits); that the
 * load/store decoder agrees with an MMIO exit, whose completion through a bus writes the
 * right register value (x0 never) and moves the pc by the instruction's length; and that
 * axv_rv64_sbi() returns an action and changes at most a0, a1 and the pc (by 4). */
#include <string.h>

#include <axv/arch/riscv64.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>

#include "fuzz.h"
#include "fuzz_dev.h"
#include "rv64_hw.h"

static uint8_t code[8];
static unsigned code_ok; /* bytes of code readable from the pc */
static uint64_t code_pc;

static int fetch16(void *ctx, uint64_t gva, uint16_t *half)
{
	(void)ctx;
	uint64_t off = gva - code_pc;
	if (off > 6 || off + 2 > code_ok)
		return AXV_EFAULT;
	*half = (uint16_t)(code[off] | (code[off + 1] << 8));
	return 0;
}

static int t_set(void *ctx, unsigned reg, uint64_t v)
{
	return axv_rv64_set_reg(ctx, reg, v);
}

static int t_get(void *ctx, unsigned reg, uint64_t *v)
{
	return axv_rv64_get_reg(ctx, reg, v);
}

static int t_adv(void *ctx, uint8_t len)
{
	((struct axv_rv64_ctx *)ctx)->pc += len;
	return 0;
}

static const uint32_t templates[] = {
	0x00003003, /* ld */  0x00000003, /* lb */ 0x00004003, /* lbu */ 0x00006003, /* lwu */
	0x00003023, /* sd */  0x00000023, /* sb */ 0x00002023, /* sw */  0x00007003, /* bad */
	0x00002007, /* flw */ 0x0000202f, /* amo */ 0x10500073, /* wfi */ 0x00002073, /* csrrs */
	0x00001073, /* csrrw */ 0x00005073, /* csrrwi */ 0x00000073, /* ecall */
	0x00004110, /* c.lw */ 0x00006514, /* c.ld */ 0x0000c10c, /* c.sw */ 0x0000e03e, /* c.sdsp */
};
static const uint8_t causes[] = {0, 1, 2, 5, 7, 8, 10, 12, 13, 15, 20, 21, 22, 23, 23, 21};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = {data, size};
	static struct axv_rv64_ctx c, c0;
	struct axv_exit e;
	memset(&c, 0, sizeof(c));
	axv_rv64_ctx_reset(&c, 0x80200000, 0, 0);
	uint8_t k = fin_u8(&in);
	c.scause = k & 0x80 ? fin_u64(&in)
			    : (uint64_t)causes[k % 16] | (k & 0x40 ? AXV_RV64_SCAUSE_INTR : 0);
	c.stval = fin_u8(&in) & 1 ? fin_u64(&in) : fin_u32(&in);
	c.htval = fin_u8(&in) & 1 ? fin_u64(&in) : fin_u32(&in) >> 2;
	uint8_t hk = fin_u8(&in);
	uint32_t tmpl = templates[hk % (sizeof(templates) / sizeof(templates[0]))] |
			(fin_u32(&in) & 0xffff8f80u);
	switch (hk >> 6) {
	case 0: c.htinst = 0; break;
	case 1: c.htinst = tmpl & ~(fin_u8(&in) & 2u); break; /* transformed, 16 or 32 bits */
	case 2: c.htinst = (fin_u8(&in) & 1) ? 0x3000 : 0x2020; break; /* pseudo-instructions */
	default: c.htinst = fin_u64(&in); break;
	}
	if (fin_u8(&in) & 1) /* virtual instruction: stval holds the instruction */
		c.stval = tmpl;
	c.pc = fin_u64(&in) & ~1ull;
	code_pc = c.pc;
	uint32_t w = fin_u8(&in) & 1 ? fin_u32(&in) : tmpl;
	for (unsigned i = 0; i < 4; i++)
		code[i] = (uint8_t)(w >> (8 * i));
	code_ok = fin_u8(&in) % 9;
	for (unsigned i = 1; i < 32; i++)
		c.x[i] = in.n ? fin_u64(&in) : 0x0101010101010101ull * i;
	fuzz_dev.value = fin_u64(&in);
	memcpy(&c0, &c, sizeof(c));
	const struct axv_rv64_fetch f = {fetch16, NULL};

	FUZZ_CHECK(axv_rv64_decode_exit(NULL, &f, &e) == AXV_EINVAL, "NULL ctx");
	FUZZ_CHECK(axv_rv64_decode_exit(&c, &f, NULL) == AXV_EINVAL, "NULL exit");
	int rc = axv_rv64_decode_exit(&c, (c0.x[1] & 1) ? NULL : &f, &e);
	FUZZ_CHECK(rc == 0, "decode: %d", rc);
	FUZZ_CHECK(memcmp(&c, &c0, sizeof(c)) == 0, "decode changed the context");
	FUZZ_CHECK((unsigned)e.reason < AXV_EXIT_REASON_COUNT, "reason %d", e.reason);
	FUZZ_CHECK(e.pc == c0.pc, "exit pc");
	bool intr = (c0.scause & AXV_RV64_SCAUSE_INTR) != 0;
	uint64_t code_ = c0.scause & ~AXV_RV64_SCAUSE_INTR;
	axv_gpa_t gpa = (c0.htval << 2) | (c0.stval & 3);
	switch (e.reason) {
	case AXV_EXIT_EXTERNAL_IRQ:
		FUZZ_CHECK(intr && e.external_irq.vector == (uint32_t)code_, "irq");
		break;
	case AXV_EXIT_HYPERCALL:
		FUZZ_CHECK(!intr && code_ == 10 && e.insn_len == 4, "hypercall from %llu",
			   (unsigned long long)code_);
		FUZZ_CHECK(e.hypercall.nr == c0.x[17] && e.hypercall.args[0] == c0.x[10], "args");
		break;
	case AXV_EXIT_HALT:
		FUZZ_CHECK(!intr && code_ == 22 && e.insn_len == 4 && !e.halt.has_deadline, "halt");
		break;
	case AXV_EXIT_SYSREG_READ:
	case AXV_EXIT_SYSREG_WRITE:
		FUZZ_CHECK(!intr && code_ == 22 && e.insn_len == 4 && e.access.addr < 4096, "csr");
		break;
	case AXV_EXIT_MMIO_READ:
	case AXV_EXIT_MMIO_WRITE: {
		FUZZ_CHECK(!intr && (code_ == 21 || code_ == 23), "MMIO from %llu",
			   (unsigned long long)code_);
		FUZZ_CHECK(e.access.addr == gpa, "MMIO address");
		FUZZ_CHECK(e.insn_len == 2 || e.insn_len == 4, "length %u", e.insn_len);
		FUZZ_CHECK((code_ == 23) == (e.reason == AXV_EXIT_MMIO_WRITE), "direction");
		if (c0.htinst == 0) {
			uint32_t insn = code[0] | (code[1] << 8);
			if ((insn & 3) == 3)
				insn |= (uint32_t)code[2] << 16 | (uint32_t)code[3] << 24;
			struct axv_rv64_mem_insn m;
			FUZZ_CHECK(axv_rv64_decode_mem(insn, &m) == 0, "MMIO from a non-load/store");
			FUZZ_CHECK(m.width == e.access.width && m.len == e.insn_len &&
					   m.store == (e.reason == AXV_EXIT_MMIO_WRITE),
				   "MMIO disagrees with the instruction");
		} else {
			FUZZ_CHECK(c0.htinst & 1, "MMIO from a pseudo-instruction");
		}
		break;
	}
	case AXV_EXIT_NESTED_PAGE_FAULT:
		FUZZ_CHECK(!intr && (code_ == 20 || code_ == 21 || code_ == 23), "npf from %llu",
			   (unsigned long long)code_);
		FUZZ_CHECK(e.npf.access != 0 && !(e.npf.access & ~AXV_MAP_RWX), "npf access");
		FUZZ_CHECK(e.npf.addr == gpa && e.insn_len == 0, "npf address / length");
		FUZZ_CHECK((code_ == 20) == ((e.npf.flags & AXV_NPF_FETCH) != 0), "fetch flag");
		break;
	case AXV_EXIT_UNHANDLED:
		FUZZ_CHECK(e.unhandled.raw == c0.scause && e.unhandled.info == c0.stval, "raw");
		break;
	default:
		FUZZ_CHECK(false, "reason %d", e.reason);
	}
	if (e.reason >= AXV_EXIT_MMIO_READ && e.reason <= AXV_EXIT_SYSREG_WRITE) {
		bool read = e.reason == AXV_EXIT_MMIO_READ || e.reason == AXV_EXIT_SYSREG_READ;
		FUZZ_CHECK(axv_width_valid(e.access.width), "width %u", e.access.width);
		FUZZ_CHECK(e.access.reg < 32 || e.access.reg == AXV_REG_NONE, "reg %u", e.access.reg);
		FUZZ_CHECK(e.access.reg != 0, "x0 named as a register");
		struct axv_bus bus;
		struct axv_bus_entry slots[3];
		const size_t cap[AXV_BUS_SPACE_COUNT] = {1, 1, 1};
		FUZZ_CHECK(axv_bus_init(&bus, slots, cap) == 0, "bus");
		for (unsigned s = 0; s < AXV_BUS_SPACE_COUNT; s++)
			FUZZ_CHECK(axv_bus_register(&bus, (enum axv_bus_space)s, 0, UINT64_MAX,
						    &catch_all, NULL) == 0,
				   "register");
		struct axv_exit_target t = {t_set, t_adv, &c, t_get};
		fuzz_dev.calls = 0;
		struct axv_exit ex = e;
		rc = axv_exit_complete(&bus, &t, &ex);
		bool sysreg = e.reason == AXV_EXIT_SYSREG_READ || e.reason == AXV_EXIT_SYSREG_WRITE;
		bool wraps = !sysreg && e.access.addr > UINT64_MAX - e.access.width;
		FUZZ_CHECK(rc == (wraps ? AXV_ENXIO : 0), "complete of a decoded exit: %d", rc);
		if (rc == 0) {
			FUZZ_CHECK(fuzz_dev.calls == 1 && c.pc == c0.pc + e.insn_len, "device / pc");
			FUZZ_CHECK(c.x[0] == 0, "x0 written");
			if (read && e.access.reg != AXV_REG_NONE) {
				uint64_t v = fuzz_dev.value;
				unsigned wd = e.access.width;
				if (wd < 8)
					v &= (1ull << (8 * wd)) - 1;
				if (e.access.sign_extend && wd < 8 && (v >> (8 * wd - 1)) & 1)
					v |= ~0ull << (8 * wd);
				FUZZ_CHECK(c.x[e.access.reg] == v, "loaded x%u", e.access.reg);
			} else if (!read) {
				FUZZ_CHECK(fuzz_dev.written == e.access.data, "stored value");
			}
		}
	}
	if (e.reason == AXV_EXIT_HYPERCALL) {
		memcpy(&c, &c0, sizeof(c));
		struct axv_exit s = e;
		int a = axv_rv64_sbi(&c, &s, 0x5a);
		FUZZ_CHECK(a == AXV_SBI_DONE || a == AXV_SBI_EXIT || a == AXV_SBI_EMBEDDER, "sbi %d", a);
		FUZZ_CHECK(c.pc == c0.pc || c.pc == c0.pc + 4, "sbi pc");
		struct axv_rv64_ctx t2;
		memcpy(&t2, &c, sizeof(t2));
		t2.x[10] = c0.x[10];
		t2.x[11] = c0.x[11];
		t2.pc = c0.pc;
		FUZZ_CHECK(memcmp(&t2, &c0, sizeof(t2)) == 0, "sbi changed more than a0, a1, pc");
		if (a == AXV_SBI_DONE)
			FUZZ_CHECK(c.pc == c0.pc + 4, "answered without advancing");
		if (a == AXV_SBI_EXIT)
			FUZZ_CHECK(s.reason != AXV_EXIT_HYPERCALL, "exit not rewritten");
	}
	return 0;
}
