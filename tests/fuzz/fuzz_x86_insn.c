/* Fuzz harness: the x86 MMIO instruction decoder and its exits, on guest-chosen bytes.
 *
 * Input: the code mode, how many bytes are valid (0 to 20), the bytes, the hardware's access
 * direction, the faulting address and the guest registers. The bytes are given in a heap
 * buffer of exactly min(len, 15) bytes, so a read past what the decoder may read is an ASan
 * error. Checks: the return code (EINVAL only for a bad mode, EAGAIN only when fewer than
 * 15 bytes were given), that a failed decode leaves its output untouched, the fields of a
 * decoded instruction (length, widths, registers, address size, string flags), that decoding
 * exactly the decoded length gives the same result, that axv_x86_mmio_exit() accepts
 * exactly the instructions whose direction matches, and that every exit it makes is
 * completed by axv_exit_complete() through a bus (string forms refused with ENOTSUP) with
 * the right register value, the other registers untouched and RIP advanced by the length. */
#include <string.h>

#include <axv/arch/x86_64.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>

#include "fuzz.h"
#include "fuzz_dev.h"

struct guest {
	struct axv_x86_gprs g;
	uint64_t rip;
};

static int t_set(void *ctx, unsigned reg, uint64_t v)
{
	return axv_x86_gpr_set(&((struct guest *)ctx)->g, reg, v);
}

static int t_get(void *ctx, unsigned reg, uint64_t *v)
{
	return axv_x86_gpr_get(&((struct guest *)ctx)->g, reg, v);
}

static int t_adv(void *ctx, uint8_t len)
{
	((struct guest *)ctx)->rip += len;
	return 0;
}

static uint64_t low(uint64_t v, unsigned bytes)
{
	return bytes >= 8 ? v : v & ((1ull << (8 * bytes)) - 1);
}

/* Field by field: the struct's padding is not part of the result. */
static bool same_insn(const struct axv_x86_mmio *a, const struct axv_x86_mmio *b)
{
	return a->len == b->len && a->opcode == b->opcode && a->two_byte == b->two_byte &&
	       a->write == b->write && a->kind == b->kind && a->width == b->width &&
	       a->reg == b->reg && a->reg_width == b->reg_width &&
	       a->sign_extend == b->sign_extend && a->flags == b->flags &&
	       a->addr_size == b->addr_size && a->rip_relative == b->rip_relative &&
	       a->imm == b->imm;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = {data, size};
	uint8_t mb = fin_u8(&in);
	static const unsigned modes[] = {AXV_X86_MODE_64, AXV_X86_MODE_32, AXV_X86_MODE_16, 0};
	unsigned mode = (mb & 0xc0) == 0xc0 ? fin_u8(&in) : modes[mb % 3];
	bool fault_write = mb & 0x08;
	size_t len = fin_u8(&in) % 21;
	size_t have = len < AXV_X86_MAX_INSN_LEN ? len : AXV_X86_MAX_INSN_LEN;
	uint8_t *bytes = malloc(have ? have : 1);
	FUZZ_CHECK(bytes != NULL, "malloc");
	for (size_t i = 0; i < have; i++)
		bytes[i] = fin_u8(&in);
	axv_gpa_t gpa = fin_u8(&in) & 1 ? UINT64_MAX - fin_u8(&in) : fin_u32(&in);
	struct guest gs;
	for (unsigned i = 0; i < 16; i++)
		gs.g.r[i] = in.n ? fin_u64(&in) : 0x0123456789abcdefull * (i + 3);
	gs.rip = 0xffffffff81000000ull;
	fuzz_dev.value = fin_u64(&in);

	struct axv_x86_mmio d, d0;
	memset(&d, 0x5a, sizeof(d));
	memcpy(&d0, &d, sizeof(d));
	int rc = axv_x86_decode_mmio(bytes, len, mode, &d);
	bool mode_ok = mode == AXV_X86_MODE_16 || mode == AXV_X86_MODE_32 || mode == AXV_X86_MODE_64;
	if (!mode_ok)
		FUZZ_CHECK(rc == AXV_EINVAL, "mode %u: %d", mode, rc);
	else
		FUZZ_CHECK(rc == 0 || rc == AXV_ENOTSUP || (rc == AXV_EAGAIN && len < AXV_X86_MAX_INSN_LEN),
			   "decode of %zu bytes: %d", len, rc);
	if (rc != 0) {
		FUZZ_CHECK(memcmp(&d, &d0, sizeof(d)) == 0, "a failed decode wrote its output");
		free(bytes);
		return 0;
	}
	FUZZ_CHECK(d.len >= 1 && d.len <= have, "length %u of %zu", d.len, have);
	FUZZ_CHECK(axv_width_valid(d.width), "width %u", d.width);
	FUZZ_CHECK(d.kind == AXV_X86_MMIO_REG || d.kind == AXV_X86_MMIO_IMM ||
			   d.kind == AXV_X86_MMIO_STRING,
		   "kind %d", d.kind);
	FUZZ_CHECK(d.addr_size == 2 || d.addr_size == 4 || d.addr_size == 8, "addr size %u",
		   d.addr_size);
	FUZZ_CHECK(!(d.flags & AXV_ACCESS_REP) || d.kind == AXV_X86_MMIO_STRING, "REP on a non-string");
	FUZZ_CHECK(!d.rip_relative || mode == AXV_X86_MODE_64, "RIP-relative outside 64-bit mode");
	if (d.kind == AXV_X86_MMIO_REG) {
		FUZZ_CHECK(d.reg < AXV_X86_REG_EDX_EAX, "reg %u", d.reg);
		FUZZ_CHECK(axv_width_valid(d.reg_width) && (d.write || d.reg_width >= d.width),
			   "reg width %u width %u", d.reg_width, d.width);
		FUZZ_CHECK(d.reg < AXV_X86_REG_AH || (d.width == 1 && d.reg_width == 1),
			   "AH..BH with width %u", d.width);
	}
	if (d.kind == AXV_X86_MMIO_IMM)
		FUZZ_CHECK(d.write, "an immediate is only stored");
	/* The instruction is exactly its d.len bytes. */
	struct axv_x86_mmio again;
	FUZZ_CHECK(axv_x86_decode_mmio(bytes, d.len, mode, &again) == 0 && same_insn(&again, &d),
		   "decoding the first %u bytes alone differs", d.len);

	struct axv_exit e;
	memset(&e, 0x77, sizeof(e));
	struct axv_exit e0;
	memcpy(&e0, &e, sizeof(e));
	rc = axv_x86_mmio_exit(&d, gpa, gs.rip, fault_write, &gs.g, &e);
	bool str = d.kind == AXV_X86_MMIO_STRING;
	if (!str && d.write != fault_write) {
		FUZZ_CHECK(rc == AXV_EINVAL && memcmp(&e, &e0, sizeof(e)) == 0,
			   "a direction mismatch was accepted (%d)", rc);
		free(bytes);
		return 0;
	}
	FUZZ_CHECK(rc == 0, "mmio_exit: %d", rc);
	FUZZ_CHECK(e.reason == (fault_write ? AXV_EXIT_MMIO_WRITE : AXV_EXIT_MMIO_READ), "reason");
	FUZZ_CHECK(e.insn_len == d.len && e.pc == gs.rip && e.access.addr == gpa &&
			   e.access.width == d.width,
		   "exit fields");
	if (!str && d.write) {
		uint64_t v = d.imm;
		if (d.kind == AXV_X86_MMIO_REG)
			FUZZ_CHECK(axv_x86_gpr_get(&gs.g, d.reg, &v) == 0, "gpr_get");
		FUZZ_CHECK(e.access.data == low(v, d.width), "store data");
	}

	/* Complete it through a bus that claims every address. */
	struct axv_bus bus;
	struct axv_bus_entry slot[1];
	const size_t cap[AXV_BUS_SPACE_COUNT] = {1, 0, 0};
	FUZZ_CHECK(axv_bus_init(&bus, slot, cap) == 0 &&
			   axv_bus_register(&bus, AXV_BUS_MMIO, 0, UINT64_MAX, &catch_all, NULL) == 0,
		   "bus");
	struct guest before = gs;
	struct axv_exit_target t = {t_set, t_adv, &gs, t_get};
	fuzz_dev.calls = 0;
	rc = axv_exit_complete(&bus, &t, &e);
	bool wraps = gpa > UINT64_MAX - d.width; /* the bus claims [0, 2^64 - 2] */
	if (str) {
		FUZZ_CHECK(rc == AXV_ENOTSUP && fuzz_dev.calls == 0, "string: %d", rc);
	} else if (wraps) {
		FUZZ_CHECK(rc == AXV_ENXIO, "an access past 2^64 - 1: %d", rc);
	} else {
		FUZZ_CHECK(rc == 0 && fuzz_dev.calls == 1, "complete: %d", rc);
		FUZZ_CHECK(gs.rip == before.rip + d.len, "RIP");
		if (d.write) {
			FUZZ_CHECK(fuzz_dev.written == e.access.data, "the device got another value");
		} else {
			uint64_t v = low(fuzz_dev.value, d.width);
			if (d.sign_extend && d.reg_width > d.width && (v >> (8 * d.width - 1)) & 1)
				v |= ~0ull << (8 * d.width);
			v = low(v, d.reg_width);
			uint64_t got;
			FUZZ_CHECK(axv_x86_gpr_get(&gs.g, d.reg, &got) == 0, "gpr_get");
			if (d.reg >= AXV_X86_REG_AH) {
				FUZZ_CHECK(got == v, "high byte register");
				unsigned base = d.reg - AXV_X86_REG_AH;
				FUZZ_CHECK((gs.g.r[base] & ~0xff00ull) == (before.g.r[base] & ~0xff00ull),
					   "AH..BH changed more than bits 15:8");
			} else if (d.reg_width >= 4) {
				FUZZ_CHECK(got == v, "register %u = %#llx, want %#llx", d.reg,
					   (unsigned long long)got, (unsigned long long)v);
			} else {
				uint64_t keep = ~low(~0ull, d.reg_width);
				FUZZ_CHECK(got == ((before.g.r[d.reg] & keep) | v),
					   "narrow destination %u", d.reg);
			}
		}
	}
	for (unsigned i = 0; i < 16; i++) {
		bool target = !d.write && !str && !wraps &&
			      (i == d.reg || (d.reg >= AXV_X86_REG_AH && i == d.reg - AXV_X86_REG_AH));
		FUZZ_CHECK(target || gs.g.r[i] == before.g.r[i], "register %u changed", i);
	}
	free(bytes);
	return 0;
}
