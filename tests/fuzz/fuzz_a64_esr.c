/* Fuzz harness: aarch64 exit decoding (ESR_EL2, FAR_EL2, HPFAR_EL2, PSCI over HVC/SMC) and
 * abort injection, with the guest's syndrome and registers taken from the input.
 *
 * Checks: the return code (EINVAL only for a trap kind out of range); the exit's fields
 * against an independent computation (fault IPA from HPFAR/FAR, widths, registers, write
 * data, access kind, raw syndrome of unhandled exits; PSCI arguments DEN 0022 makes invalid
 * answered in place); that decoding changes nothing in the context but x0, the pc and
 * PSTATE.SS, and those only as PSCI and WFx say (an instruction stepped over completes a
 * software step: SS cleared); that every MMIO and system-register exit the decoder produces
 * is accepted by axv_exit_complete() (so a guest cannot make a decoded exit that the
 * dispatcher refuses) and writes the right register; that the debug register trap handler
 * either refuses and changes nothing or changes only Rt, the pc (retry or +4), PSTATE.SS and
 * the debug state; and that abort injection (data or instruction) either refuses and changes
 * nothing or enters EL1 exactly as DDI 0487 D1.10 says: vector, ESR_EL1, FAR, ELR, SPSR and
 * PSTATE. */
#include <string.h>

#include <axv/arch/aarch64.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>

#include "fuzz.h"
#include "fuzz_complete.h"
#include "a64_hw.h"
#include <axv/arch/aarch64_hw.h>

static const uint32_t psci_fids[] = {
	0x84000000, 0x84000001, 0xc4000001, 0x84000002, 0x84000003, 0xc4000003, 0x84000004,
	0xc4000004, 0x84000006, 0x84000008, 0x84000009, 0x8400000a, 0x8400001f, 0xc400001f,
	0x84000020, 0xc4000005};
static const uint8_t ecs[] = {0x00, 0x01, 0x07, 0x0e, 0x12, 0x13, 0x16, 0x17,
			      0x18, 0x19, 0x20, 0x21, 0x22, 0x24, 0x25, 0x2f};

static uint64_t ipa(const struct axv_a64_ctx *c, bool page)
{
	uint64_t p = ((c->hpfar >> 4) & 0xffffffffffull) << 12;
	return page ? p : p | (c->far & 0xfff);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = {data, size};
	static struct axv_a64_ctx c, c0;
	struct axv_exit e;
	axv_a64_ctx_init(&c, 0x40080000, 0, fin_u64(&in));
	uint8_t k = fin_u8(&in);
	c.trap = k & 0x80 ? fin_u8(&in) : (k & 0x60 ? AXV_A64_TRAP_SYNC : (k >> 2) % 4);
	uint8_t eb = fin_u8(&in);
	if (eb & 0x80)
		c.esr = fin_u64(&in);
	else
		c.esr = ((uint64_t)ecs[eb % 16] << 26) | ((eb & 0x40) ? AXV_A64_ESR_IL : 0) |
			(fin_u32(&in) & AXV_A64_ESR_ISS_MASK);
	c.far = fin_u64(&in);
	c.hpfar = fin_u64(&in);
	c.pc = fin_u64(&in);
	c.pstate = fin_u8(&in) & 0x1f ? fin_u64(&in) : AXV_A64_PSTATE_EL1H_MASKED;
	c.el1.vbar_el1 = fin_u64(&in);
	for (unsigned i = 0; i < 31; i++)
		c.x[i] = 0x0123456789abcdefull * (i + 1);
	uint8_t xb = fin_u8(&in);
	c.x[0] = xb & 0x80 ? psci_fids[xb % 16] | (fin_u8(&in) & 1 ? 0xffffffff00000000ull : 0)
			   : fin_u64(&in);
	for (unsigned i = 1; i < 31 && in.n; i++)
		c.x[i] = fin_u64(&in);
	memcpy(&c0, &c, sizeof(c)); /* memcpy: padding too, for the memcmp checks */

	FUZZ_CHECK(axv_a64_decode_exit(NULL, &e) == AXV_EINVAL, "NULL ctx");
	FUZZ_CHECK(axv_a64_decode_exit(&c, NULL) == AXV_EINVAL, "NULL exit");
	int rc = axv_a64_decode_exit(&c, &e);
	FUZZ_CHECK(rc == (c0.trap > AXV_A64_TRAP_SERROR ? AXV_EINVAL : 0), "decode: %d", rc);
	FUZZ_CHECK((unsigned)e.reason < AXV_EXIT_REASON_COUNT, "reason %d", e.reason);
	FUZZ_CHECK(e.pc == c0.pc, "exit pc");
	/* Only x0, the pc and PSTATE.SS may change; SS is cleared exactly when the pc moves. */
	FUZZ_CHECK(memcmp(&c.x[1], &c0.x[1], sizeof(c.x) - sizeof(c.x[0])) == 0, "x1-x30 changed");
	FUZZ_CHECK(c.pstate == (c.pc != c0.pc ? c0.pstate & ~AXV_A64_PSTATE_SS : c0.pstate),
		   "PSTATE %#llx -> %#llx", (unsigned long long)c0.pstate,
		   (unsigned long long)c.pstate);
	{
		struct axv_a64_ctx t;
		memcpy(&t, &c, sizeof(t));
		t.x[0] = c0.x[0];
		t.pc = c0.pc;
		t.pstate = c0.pstate;
		FUZZ_CHECK(memcmp(&t, &c0, sizeof(t)) == 0, "decode changed more than x0 and pc");
	}
	uint32_t ec = (uint32_t)(c0.esr >> 26) & 0x3f;
	uint32_t iss = (uint32_t)c0.esr & AXV_A64_ESR_ISS_MASK;
	bool sync = c0.trap == AXV_A64_TRAP_SYNC;
	if (c.x[0] != c0.x[0] || c.pc != c0.pc) {
		bool wfx = sync && ec == AXV_A64_EC_WFX;
		bool call = sync && (ec == AXV_A64_EC_HVC64 || ec == AXV_A64_EC_SMC64);
		FUZZ_CHECK(wfx || call, "x0 or pc changed for EC %#x", ec);
		if (wfx) {
			FUZZ_CHECK(c.x[0] == c0.x[0], "WFx changed x0");
			FUZZ_CHECK(c.pc - c0.pc == ((c0.esr & AXV_A64_ESR_IL) ? 4u : 2u), "WFx step");
			/* TI [1:0]: WFI halts; WFIT with RV [2] halts until x[Rn [9:5]];
			 * WFE, WFET and WFIT without RV yield. */
			unsigned ti = iss & 3u, rn = (iss >> 5) & 31u;
			bool wfit = ti == 2u && (iss & 4u);
			FUZZ_CHECK(e.reason == ((ti == 0u || wfit) ? AXV_EXIT_HALT : AXV_EXIT_NOTHING),
				   "WFx");
			FUZZ_CHECK(e.halt.has_deadline == wfit, "WFx deadline flag");
			FUZZ_CHECK(e.halt.deadline == (wfit && rn < 31 ? c0.x[rn] : 0),
				   "WFIT deadline");
		} else {
			FUZZ_CHECK(c.pc - c0.pc == (ec == AXV_A64_EC_SMC64 ? 4u : 0u), "PSCI step");
			FUZZ_CHECK(e.reason == AXV_EXIT_NOTHING || e.reason == AXV_EXIT_HALT,
				   "PSCI answered in place but reason %d", e.reason);
			FUZZ_CHECK(!e.halt.has_deadline, "CPU_SUSPEND has no deadline");
		}
	}
	/* PSCI arguments DEN 0022D.b makes invalid on any machine are refused in place. */
	if (sync && (ec == AXV_A64_EC_HVC64 || ec == AXV_A64_EC_SMC64)) {
		uint64_t fid = c0.x[0], m = (fid & 0x40000000u) ? ~0ull : 0xffffffffull;
		uint64_t a1 = c0.x[1] & m, a2 = c0.x[2] & m;
		bool on = fid == AXV_PSCI_CPU_ON_32 || fid == AXV_PSCI_CPU_ON_64;
		bool aff = fid == AXV_PSCI_AFFINITY_INFO_32 || fid == AXV_PSCI_AFFINITY_INFO_64;
		bool susp = fid == AXV_PSCI_CPU_SUSPEND_32 || fid == AXV_PSCI_CPU_SUSPEND_64;
		bool bad = (on && (a1 & ~AXV_A64_MPIDR_AFF_MASK)) ||
			   (aff && ((a1 & ~AXV_A64_MPIDR_AFF_MASK) || a2 > 3)) ||
			   (susp && (a1 & AXV_PSCI_POWER_STATE_RESERVED));
		if (bad)
			FUZZ_CHECK(e.reason == AXV_EXIT_NOTHING &&
					   (int64_t)c.x[0] == AXV_PSCI_RET_INVALID_PARAMETERS,
				   "invalid PSCI arguments: reason %d x0 %#llx", e.reason,
				   (unsigned long long)c.x[0]);
		else if (on || aff || susp)
			FUZZ_CHECK(e.reason == (on ? AXV_EXIT_CPU_UP
						   : aff ? AXV_EXIT_HYPERCALL : AXV_EXIT_HALT),
				   "valid PSCI call: reason %d", e.reason);
	}
	switch (e.reason) {
	case AXV_EXIT_MMIO_READ:
	case AXV_EXIT_MMIO_WRITE: {
		FUZZ_CHECK(sync && ec == AXV_A64_EC_DABT_LOW && (iss & AXV_A64_DABT_ISV), "MMIO from EC %#x", ec);
		FUZZ_CHECK(axv_width_valid(e.access.width) &&
				   e.access.width == 1u << ((iss >> AXV_A64_DABT_SAS_SHIFT) & 3),
			   "width %u", e.access.width);
		FUZZ_CHECK(e.access.reg_width == ((iss & AXV_A64_DABT_SF) ? 8 : 4), "reg_width");
		unsigned srt = (iss >> AXV_A64_DABT_SRT_SHIFT) & 31;
		FUZZ_CHECK(e.access.reg == (srt == 31 ? AXV_REG_NONE : srt), "reg %u", e.access.reg);
		FUZZ_CHECK(e.access.addr == ipa(&c0, false), "MMIO address %#llx",
			   (unsigned long long)e.access.addr);
		FUZZ_CHECK(e.insn_len == 4 && e.access.flags == 0, "insn_len / flags");
		if (e.reason == AXV_EXIT_MMIO_WRITE) {
			uint64_t v = srt == 31 ? 0 : c0.x[srt];
			if (e.access.width < 8)
				v &= (1ull << (8 * e.access.width)) - 1;
			FUZZ_CHECK(e.access.data == v, "write data");
		}
		break;
	}
	case AXV_EXIT_SYSREG_READ:
	case AXV_EXIT_SYSREG_WRITE:
		FUZZ_CHECK(sync && ec == AXV_A64_EC_SYS64, "sysreg from EC %#x", ec);
		FUZZ_CHECK(e.access.width == 8 && e.access.reg_width == 8 && e.insn_len == 4,
			   "sysreg widths");
		FUZZ_CHECK(e.access.addr == (iss & AXV_A64_SYS_ID_MASK), "sysreg id");
		break;
	case AXV_EXIT_NESTED_PAGE_FAULT:
		FUZZ_CHECK(sync && (ec == AXV_A64_EC_DABT_LOW || ec == AXV_A64_EC_IABT_LOW), "npf EC");
		FUZZ_CHECK(e.npf.access == AXV_MAP_READ || e.npf.access == AXV_MAP_WRITE ||
				   e.npf.access == AXV_MAP_EXEC,
			   "npf access %#x", e.npf.access);
		FUZZ_CHECK((e.npf.addr & ~0xfffull) == ipa(&c0, true), "npf address");
		FUZZ_CHECK(e.insn_len == 0, "a fault is retried");
		FUZZ_CHECK(e.npf.flags == ((ec == AXV_A64_EC_IABT_LOW ? AXV_NPF_FETCH : 0) |
					   ((iss & AXV_A64_DABT_S1PTW) ? AXV_NPF_WALK : 0)),
			   "npf flags");
		break;
	case AXV_EXIT_UNHANDLED:
		FUZZ_CHECK(e.unhandled.raw == c0.esr && e.unhandled.info == c0.far, "raw values");
		break;
	case AXV_EXIT_EXTERNAL_IRQ:
		FUZZ_CHECK(c0.trap == AXV_A64_TRAP_IRQ || c0.trap == AXV_A64_TRAP_FIQ, "irq");
		break;
	case AXV_EXIT_HYPERCALL:
		FUZZ_CHECK(sync && (ec == AXV_A64_EC_HVC64 || ec == AXV_A64_EC_SMC64), "hypercall EC");
		break;
	case AXV_EXIT_CPU_UP:
		FUZZ_CHECK((e.cpu_up.target & ~AXV_A64_MPIDR_AFF_MASK) == 0, "CPU_ON target");
		break;
	default:
		break;
	}

	/* Every access exit the decoder makes is one the dispatcher completes. */
	if (e.reason >= AXV_EXIT_MMIO_READ && e.reason <= AXV_EXIT_SYSREG_WRITE &&
	    e.access.addr != UINT64_MAX) {
		struct axv_bus bus;
		struct axv_bus_entry slots[AXV_BUS_SPACE_COUNT];
		fuzz_bus_catch_all(&bus, slots, 1u << AXV_BUS_MMIO | 1u << AXV_BUS_SYSREG);
		test_dev.value = fin_u64(&in);
		test_dev.calls = 0;
		struct axv_a64_ctx before = c;
		struct axv_exit_target t = axv_a64_ctx_target(&c);
		bool mmio = e.reason == AXV_EXIT_MMIO_READ || e.reason == AXV_EXIT_MMIO_WRITE;
		/* An MMIO access that runs past 2^64 - 1 is unclaimed; anything else completes. */
		bool claimable = !mmio || e.access.addr <= UINT64_MAX - (e.access.width - 1u);
		struct axv_exit ex = e;
		rc = axv_exit_complete(&bus, &t, &ex);
		FUZZ_CHECK(rc == (claimable ? 0 : AXV_ENXIO), "complete of a decoded exit: %d", rc);
		if (rc == 0) {
			FUZZ_CHECK(test_dev.calls == 1 && c.pc == before.pc + 4, "device call / pc");
			bool read = e.reason == AXV_EXIT_MMIO_READ || e.reason == AXV_EXIT_SYSREG_READ;
			if (read && e.access.reg != AXV_REG_NONE) {
				uint64_t v = fuzz_loaded(test_dev.value, e.access.width,
							 e.access.sign_extend);
				if (e.access.reg_width < 8)
					v &= 0xffffffffull;
				FUZZ_CHECK(c.x[e.access.reg] == v, "loaded register x%u", e.access.reg);
			} else if (!read) {
				FUZZ_CHECK(test_dev.written == e.access.data, "stored value");
			}
		}
	}

	/* The debug register trap handler, on the same syndrome and registers. */
	{
		static struct axv_a64_ctx d, d0;
		memcpy(&d, &c0, sizeof(d));
		d.dbg.oslk = fin_u8(&in) & 1;
		d.dbg.live = fin_u8(&in) & 1;
		memcpy(&d0, &d, sizeof(d));
		rc = axv_a64_debug_trap(&d);
		if (rc != 0) {
			FUZZ_CHECK(rc == AXV_ENOENT, "debug trap: %d", rc);
			FUZZ_CHECK(memcmp(&d, &d0, sizeof(d)) == 0, "a refused debug trap changed it");
		} else {
			FUZZ_CHECK(sync && ec == AXV_A64_EC_SYS64 && ((iss >> 20) & 3) == 2,
				   "debug trap handled EC %#x", ec);
			unsigned rt = (iss >> AXV_A64_SYS_RT_SHIFT) & 31;
			FUZZ_CHECK(d.pc == d0.pc || d.pc == d0.pc + 4, "debug trap pc");
			FUZZ_CHECK(d.pstate == (d.pc != d0.pc ? d0.pstate & ~AXV_A64_PSTATE_SS
							      : d0.pstate),
				   "debug trap PSTATE");
			struct axv_a64_ctx t;
			memcpy(&t, &d, sizeof(t));
			t.pc = d0.pc;
			t.pstate = d0.pstate;
			if (rt < 31)
				t.x[rt] = d0.x[rt];
			memcpy(&t.dbg, &d0.dbg, sizeof(t.dbg));
			FUZZ_CHECK(memcmp(&t, &d0, sizeof(t)) == 0, "debug trap changed more");
			FUZZ_CHECK(d.dbg.oslk <= 1 && d.dbg.osdlr <= 1 && d.dbg.dbgprcr <= 1 &&
					   d.dbg.live <= 1,
				   "debug lock state");
		}
	}

	/* Register access by number. */
	uint8_t rn = fin_u8(&in);
	uint64_t rv = 0;
	int grc = axv_a64_get_reg(&c, rn, &rv);
	FUZZ_CHECK(grc == ((rn <= 31 || rn == AXV_REG_NONE) ? 0 : AXV_EINVAL), "get_reg %u", rn);
	if (grc == 0)
		FUZZ_CHECK(rv == (rn >= 31 ? 0 : c.x[rn]), "get_reg value");

	/* Abort injection: refused outside AArch64 EL0/EL1 and AArch32 User mode (nothing
	 * changes), else the exception entry of DDI 0487 D1.10, computed here independently. */
	uint64_t far = fin_u64(&in);
	uint8_t how = fin_u8(&in);
	bool write = how & 1, fetch = how & 2;
	c.el1.sctlr_el1 = (how & 4 ? 0 : 1ull << 23) | (how & 8 ? 1ull << 44 : 0) | 0x30500800u;
	memcpy(&c0, &c, sizeof(c));
	rc = fetch ? axv_a64_inject_iabt(&c, far) : axv_a64_inject_dabt(&c, far, write);
	uint64_t ps = c0.pstate;
	bool a32 = (ps & 0x10) != 0;
	unsigned mode = (unsigned)(ps & (a32 ? 0x1f : 0xf));
	bool ok = a32 ? mode == 0x10 : (mode == 0 || mode == 4 || mode == 5);
	if (!ok) {
		FUZZ_CHECK(rc == AXV_EINVAL, "inject from mode %#llx: %d", (unsigned long long)ps, rc);
		FUZZ_CHECK(memcmp(&c, &c0, sizeof(c)) == 0, "a refused injection changed the context");
	} else {
		FUZZ_CHECK(rc == 0, "inject: %d", rc);
		bool lower = a32 || mode == 0;
		uint64_t off = a32 ? 0x600 : mode == 0 ? 0x400 : mode == 4 ? 0 : 0x200;
		FUZZ_CHECK(c.pc == (c0.el1.vbar_el1 & ~0x7ffull) + off, "vector");
		FUZZ_CHECK(c.el1.elr_el1 == c0.pc && c.el1.spsr_el1 == ps &&
				   c.el1.far_el1 == (a32 ? far & 0xffffffffu : far),
			   "ELR / SPSR / FAR");
		uint64_t want = (ps & 0xf0000000ull) | (ps & (1ull << 22)) | 0x3c5;
		if (a32 ? ps & (1ull << 21) : ps & (1ull << 24))
			want |= 1ull << 24; /* DIT */
		if (!(c.el1.sctlr_el1 & (1ull << 23)))
			want |= 1ull << 22; /* SPAN = 0: PAN */
		if (c.el1.sctlr_el1 & (1ull << 44))
			want |= 1ull << 12; /* DSSBS: SSBS */
		FUZZ_CHECK(c.pstate == want, "PSTATE %#llx, want %#llx", (unsigned long long)c.pstate,
			   (unsigned long long)want);
		uint64_t ec = fetch ? (lower ? 0x20 : 0x21) : (lower ? 0x24 : 0x25);
		uint64_t esr = (ec << 26) | (1u << 25) | (!fetch && write ? 1u << 6 : 0) | 0x10;
		FUZZ_CHECK(c.el1.esr_el1 == esr, "ESR_EL1 %#llx, want %#llx",
			   (unsigned long long)c.el1.esr_el1, (unsigned long long)esr);
		FUZZ_CHECK((c.el1_dirty & AXV_A64_EL1_DIRTY_EXC) != 0, "dirty");
		FUZZ_CHECK(memcmp(c.x, c0.x, sizeof(c.x)) == 0, "injection changed registers");
	}
	return 0;
}
