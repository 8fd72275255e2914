/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MMIO instruction decoder and the x86 register file helpers. Plain C: built into the
 * port library and into the host unit tests.
 *
 * References (Intel SDM Vol. 2, order no. 325383):
 *  - 2.1.1 instruction prefixes (groups 1-4), 2.2.1 REX prefixes ("a REX prefix is ignored
 *    when it does not immediately precede the opcode"), 2.3.11 the 15-byte limit;
 *  - 2.1.5 Tables 2-1 (16-bit ModR/M), 2-2 (32-bit ModR/M), 2-3 (SIB: base 101 with mod 00
 *    means disp32, no base); 2.2.1.6 RIP-relative addressing (mod 00 r/m 101 in 64-bit mode);
 *  - 3.1.1.1 register encodings of byte operands: 4..7 are AH, CH, DH, BH without REX and
 *    SPL, BPL, SIL, DIL with any REX;
 *  - instruction pages MOV (88, 89, 8A, 8B, A0-A3, C6 /0, C7 /0), MOVZX (0F B6, 0F B7),
 *    MOVSX/MOVSXD (0F BE, 0F BF, 63), MOVS (A4, A5), STOS (AA, AB), LODS (AC, AD), REP.
 *
 * The bytes come from the guest: every read goes through struct cursor, which stops at
 * min(len, 15).
 */
#include <axv/arch/x86_64.h>
#include <axv/err.h>

/* ---- registers ------------------------------------------------------------------------ */

int axv_x86_gpr_get(const struct axv_x86_gprs *g, unsigned reg, uint64_t *v)
{
	if (!g || !v || reg >= AXV_X86_REG_COUNT)
		return AXV_EINVAL;
	if (reg < 16)
		*v = g->r[reg];
	else if (reg <= AXV_X86_REG_BH)
		*v = (g->r[reg - AXV_X86_REG_AH] >> 8) & 0xffu;
	else /* EDX:EAX */
		*v = (g->r[AXV_X86_REG_RDX] << 32) | (g->r[AXV_X86_REG_RAX] & 0xffffffffu);
	return 0;
}

int axv_x86_gpr_set(struct axv_x86_gprs *g, unsigned reg, uint64_t v)
{
	if (!g)
		return AXV_EINVAL;
	if (reg == AXV_REG_NONE)
		return 0;
	if (reg >= AXV_X86_REG_COUNT)
		return AXV_EINVAL;
	if (reg < 16) {
		g->r[reg] = v;
	} else if (reg <= AXV_X86_REG_BH) {
		uint64_t *r = &g->r[reg - AXV_X86_REG_AH];
		*r = (*r & ~0xff00ull) | ((v & 0xffu) << 8);
	} else {
		g->r[AXV_X86_REG_RAX] = v & 0xffffffffu;
		g->r[AXV_X86_REG_RDX] = v >> 32;
	}
	return 0;
}

/* ---- bounded reader ------------------------------------------------------------------- */

struct cursor {
	const uint8_t *b;
	size_t n; /* min(len, 15): never read at or past this */
	size_t i;
};

/* Out of bytes: with 15 available the instruction is too long; otherwise ask for more. */
static int short_of(const struct cursor *c)
{
	return c->n >= AXV_X86_MAX_INSN_LEN ? AXV_ENOTSUP : AXV_EAGAIN;
}

static int take(struct cursor *c, uint8_t *v)
{
	if (c->i >= c->n)
		return short_of(c);
	*v = c->b[c->i++];
	return 0;
}

/* Little-endian immediate or displacement of k bytes (k <= 8). */
static int take_le(struct cursor *c, unsigned k, uint64_t *v)
{
	if (c->n - c->i < k)
		return short_of(c);
	uint64_t x = 0;
	for (unsigned j = 0; j < k; j++)
		x |= (uint64_t)c->b[c->i + j] << (8 * j);
	c->i += k;
	*v = x;
	return 0;
}

/* ---- the decoder ---------------------------------------------------------------------- */

/* REX bits (SDM Vol. 2A 2.2.1.2, Table 2-4). */
#define REX_W 0x8u
#define REX_R 0x4u

struct prefixes {
	bool opsize;  /* 66 */
	bool adsize;  /* 67 */
	bool lock;    /* F0 */
	uint8_t rep;  /* F2 or F3, 0 if none (the last one counts) */
	uint8_t rex;  /* 40-4F in 64-bit mode, immediately before the opcode; 0 if none */
};

static int read_prefixes(struct cursor *c, unsigned mode, struct prefixes *p, uint8_t *op)
{
	for (;;) {
		uint8_t b;
		int rc = take(c, &b);
		if (rc)
			return rc;
		switch (b) {
		case 0xf0:
			p->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			p->rep = b;
			break;
		case 0x26: /* ES, CS, SS, DS, FS, GS overrides: the fault gives the address */
		case 0x2e:
		case 0x36:
		case 0x3e:
		case 0x64:
		case 0x65:
			break;
		case 0x66:
			p->opsize = true;
			break;
		case 0x67:
			p->adsize = true;
			break;
		default:
			if (mode == AXV_X86_MODE_64 && (b & 0xf0u) == 0x40u) {
				p->rex = b;
				continue;
			}
			*op = b;
			return 0;
		}
		p->rex = 0; /* a legacy prefix after REX: the REX is ignored */
	}
}

/* Skip the ModR/M memory operand (the ModR/M byte is already read). */
static int skip_modrm_mem(struct cursor *c, uint8_t modrm, unsigned addr_size,
			  bool long_mode, struct axv_x86_mmio *d)
{
	unsigned mod = modrm >> 6, rm = modrm & 7u;
	uint64_t disp;
	if (mod == 3)
		return AXV_ENOTSUP; /* a register operand: no memory access */
	if (addr_size == 2) {
		/* Table 2-1: mod 00 r/m 110 is disp16; mod 01 disp8; mod 10 disp16; no SIB. */
		unsigned k = mod == 1 ? 1 : (mod == 2 || rm == 6) ? 2 : 0;
		return take_le(c, k, &disp);
	}
	unsigned k = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	if (rm == 4) {
		uint8_t sib;
		int rc = take(c, &sib);
		if (rc)
			return rc;
		if (mod == 0 && (sib & 7u) == 5)
			k = 4; /* Table 2-3: no base, disp32 */
	} else if (mod == 0 && rm == 5) {
		k = 4; /* disp32; RIP (EIP with 67) + disp32 in 64-bit mode (2.2.1.6) */
		d->rip_relative = long_mode;
	}
	return take_le(c, k, &disp);
}

int axv_x86_decode_mmio(const uint8_t *bytes, size_t len, unsigned mode,
			struct axv_x86_mmio *out)
{
	if (!bytes || !out)
		return AXV_EINVAL;
	if (mode != AXV_X86_MODE_16 && mode != AXV_X86_MODE_32 && mode != AXV_X86_MODE_64)
		return AXV_EINVAL;

	struct cursor c = {bytes, len < AXV_X86_MAX_INSN_LEN ? len : AXV_X86_MAX_INSN_LEN, 0};
	struct prefixes p = {0};
	struct axv_x86_mmio d = {0};
	uint8_t op;
	int rc = read_prefixes(&c, mode, &p, &op);
	if (rc)
		return rc;

	/* Operand and address sizes (SDM Vol. 1 3.6, Vol. 2A 2.2.1.2 Table 2-4). */
	unsigned opsz, adsz;
	if (mode == AXV_X86_MODE_64) {
		opsz = (p.rex & REX_W) ? 8 : p.opsize ? 2 : 4;
		adsz = p.adsize ? 4 : 8;
	} else if (mode == AXV_X86_MODE_32) {
		opsz = p.opsize ? 2 : 4;
		adsz = p.adsize ? 2 : 4;
	} else {
		opsz = p.opsize ? 4 : 2;
		adsz = p.adsize ? 4 : 2;
	}
	d.addr_size = (uint8_t)adsz;
	d.reg = AXV_REG_NONE;

	bool has_modrm = false, byte_reg = false, moffs = false;
	unsigned imm_len = 0;
	d.opcode = op;
	switch (op) {
	case 0x88: /* MOV r/m8, r8 */
	case 0x8a: /* MOV r8, r/m8 */
		has_modrm = byte_reg = true;
		d.write = op == 0x88;
		d.width = 1;
		break;
	case 0x89: /* MOV r/m16/32/64, r16/32/64 */
	case 0x8b: /* MOV r16/32/64, r/m16/32/64 */
		has_modrm = true;
		d.write = op == 0x89;
		d.width = (uint8_t)opsz;
		break;
	case 0x63: /* MOVSXD r64, r/m32 (64-bit mode; ARPL elsewhere) */
		if (mode != AXV_X86_MODE_64)
			return AXV_ENOTSUP;
		has_modrm = true;
		if (p.rex & REX_W) {
			d.width = 4;
			d.reg_width = 8;
			d.sign_extend = true;
		} else {
			d.width = (uint8_t)opsz; /* MOVSXD r32, r/m32: a plain load */
		}
		break;
	case 0xa0: /* MOV AL, moffs8 */
	case 0xa1: /* MOV AX/EAX/RAX, moffs */
	case 0xa2: /* MOV moffs8, AL */
	case 0xa3: /* MOV moffs, AX/EAX/RAX */
		moffs = true;
		d.write = op >= 0xa2;
		d.width = (op & 1u) ? (uint8_t)opsz : 1;
		d.reg = AXV_X86_REG_RAX;
		break;
	case 0xc6: /* MOV r/m8, imm8 */
	case 0xc7: /* MOV r/m16/32/64, imm16/32 (imm32 sign-extended for 64) */
		has_modrm = true;
		d.write = true;
		d.kind = AXV_X86_MMIO_IMM;
		d.width = op == 0xc6 ? 1 : (uint8_t)opsz;
		imm_len = op == 0xc6 ? 1 : opsz == 2 ? 2 : 4;
		break;
	case 0xa4: /* MOVS m8, m8 */
	case 0xa5: /* MOVS m16/32/64 */
	case 0xaa: /* STOS m8 (from AL) */
	case 0xab: /* STOS m16/32/64 */
	case 0xac: /* LODS m8 (into AL) */
	case 0xad: /* LODS m16/32/64 */
		d.kind = AXV_X86_MMIO_STRING;
		d.flags = AXV_ACCESS_STRING | (p.rep ? AXV_ACCESS_REP : 0);
		d.width = (op & 1u) ? (uint8_t)opsz : 1;
		d.write = op == 0xaa || op == 0xab;
		if (op >= 0xaa)
			d.reg = AXV_X86_REG_RAX;
		break;
	case 0x0f: {
		uint8_t op2;
		rc = take(&c, &op2);
		if (rc)
			return rc;
		d.two_byte = true;
		d.opcode = op2;
		/* F2/F3 select other instructions in this row (F3 0F B8 POPCNT, BC TZCNT...). */
		if (p.rep)
			return AXV_ENOTSUP;
		switch (op2) {
		case 0xb6: /* MOVZX r, r/m8 */
		case 0xb7: /* MOVZX r, r/m16 */
		case 0xbe: /* MOVSX r, r/m8 */
		case 0xbf: /* MOVSX r, r/m16 */
			has_modrm = true;
			d.width = (op2 & 1u) ? 2 : 1;
			d.reg_width = (uint8_t)opsz;
			d.sign_extend = op2 >= 0xbe;
			break;
		default:
			return AXV_ENOTSUP;
		}
		break;
	}
	default:
		return AXV_ENOTSUP;
	}
	/* LOCK on any of these is #UD (SDM Vol. 2A, LOCK: only read-modify-write forms). */
	if (p.lock)
		return AXV_ENOTSUP;

	if (has_modrm) {
		uint8_t modrm;
		rc = take(&c, &modrm);
		if (rc)
			return rc;
		unsigned regf = (modrm >> 3) & 7u;
		if (d.kind == AXV_X86_MMIO_IMM) {
			if (regf != 0)
				return AXV_ENOTSUP; /* C6/C7 /0 only (C6 F8 is XABORT, C7 F8 XBEGIN) */
		} else {
			unsigned r = regf | ((p.rex & REX_R) ? 8u : 0u);
			if (byte_reg && !p.rex && r >= 4)
				r = AXV_X86_REG_AH + (r - 4); /* AH, CH, DH, BH */
			d.reg = (uint8_t)r;
		}
		rc = skip_modrm_mem(&c, modrm, adsz, mode == AXV_X86_MODE_64, &d);
		if (rc)
			return rc;
	} else if (moffs) {
		uint64_t off;
		rc = take_le(&c, adsz, &off);
		if (rc)
			return rc;
	}
	if (imm_len) {
		uint64_t imm;
		rc = take_le(&c, imm_len, &imm);
		if (rc)
			return rc;
		if (imm_len == 4 && d.width == 8 && (imm & 0x80000000u))
			imm |= 0xffffffff00000000ull; /* imm32 sign-extended to 64 bits */
		d.imm = imm;
	}
	if (d.reg_width == 0)
		d.reg_width = d.width;
	d.len = (uint8_t)c.i;
	*out = d;
	return 0;
}

/* ---- decoded access to exit ----------------------------------------------------------- */

int axv_x86_mmio_exit(const struct axv_x86_mmio *d, axv_gpa_t gpa, uint64_t rip,
		      bool fault_write, const struct axv_x86_gprs *regs, struct axv_exit *e)
{
	if (!d || !e)
		return AXV_EINVAL;
	if (d->len == 0 || d->len > AXV_X86_MAX_INSN_LEN || !axv_width_valid(d->width))
		return AXV_EINVAL;

	struct axv_exit x = {0};
	x.pc = rip;
	x.insn_len = d->len;
	x.access.addr = gpa;
	x.access.width = d->width;
	x.access.reg = AXV_REG_NONE;
	x.access.reg_width = d->width;

	if (d->kind == AXV_X86_MMIO_STRING) {
		/* MOVS may have the device on either side: the fault says which. */
		x.reason = fault_write ? AXV_EXIT_MMIO_WRITE : AXV_EXIT_MMIO_READ;
		x.access.flags = (uint8_t)(d->flags | AXV_ACCESS_STRING);
		*e = x;
		return 0;
	}
	if (d->write != fault_write)
		return AXV_EINVAL;
	if (d->write) {
		uint64_t v;
		if (d->kind == AXV_X86_MMIO_IMM) {
			v = d->imm;
		} else if (d->kind == AXV_X86_MMIO_REG) {
			if (!regs || axv_x86_gpr_get(regs, d->reg, &v) != 0)
				return AXV_EINVAL;
		} else {
			return AXV_EINVAL;
		}
		x.reason = AXV_EXIT_MMIO_WRITE;
		x.access.data = axv_access_trunc(v, d->width);
	} else {
		if (d->kind != AXV_X86_MMIO_REG || d->reg >= AXV_X86_REG_COUNT ||
		    d->reg == AXV_X86_REG_EDX_EAX || !axv_width_valid(d->reg_width) ||
		    d->reg_width < d->width)
			return AXV_EINVAL;
		x.reason = AXV_EXIT_MMIO_READ;
		x.access.reg = d->reg;
		x.access.reg_width = d->reg_width;
		x.access.sign_extend = d->sign_extend && d->reg_width > d->width;
	}
	*e = x;
	return 0;
}

/* ---- guest linear to guest physical (SDM Vol. 3A chapter 4) ------------------------------- */

#define PG_P (1ull << 0)
#define PG_PS (1ull << 7)
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)
#define ADDR_MASK 0x000ffffffffff000ull /* bits 51:12 of an entry */

static int read_entry(axv_x86_read_gpa_fn read, void *ctx, axv_gpa_t at, unsigned size,
		      uint64_t *e)
{
	uint8_t b[8] = {0};
	int rc = read(ctx, at, b, size);
	if (rc)
		return rc < 0 ? rc : AXV_EIO;
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)b[i] << (8 * i);
	*e = v;
	return 0;
}

int axv_x86_guest_translate(const struct axv_x86_paging *p, uint64_t linear,
			    axv_x86_read_gpa_fn read, void *ctx, axv_gpa_t *gpa)
{
	uint64_t la = linear;
	if (!p || !read || !gpa)
		return AXV_EINVAL;
	uint64_t e;
	int rc;
	if (!(p->cr0 & CR0_PG)) {
		*gpa = la & 0xffffffffu;
		return 0;
	}
	if (!(p->cr4 & CR4_PAE)) {
		/* 4.3: 32-bit paging, 4-byte entries, PDE.PS with CR4.PSE maps 4 MiB (PSE-36:
		 * PDE bits 20:13 are physical bits 39:32). */
		la &= 0xffffffffu;
		rc = read_entry(read, ctx, (p->cr3 & 0xfffff000u) + ((la >> 22) & 0x3ffu) * 4, 4, &e);
		if (rc)
			return rc;
		if (!(e & PG_P))
			return AXV_EFAULT;
		if ((e & PG_PS) && (p->cr4 & CR4_PSE)) {
			*gpa = (e & 0xffc00000u) | (((e >> 13) & 0xffu) << 32) | (la & 0x3fffffu);
			return 0;
		}
		rc = read_entry(read, ctx, (e & 0xfffff000u) + ((la >> 12) & 0x3ffu) * 4, 4, &e);
		if (rc)
			return rc;
		if (!(e & PG_P))
			return AXV_EFAULT;
		*gpa = (e & 0xfffff000u) | (la & 0xfffu);
		return 0;
	}
	unsigned levels, top;
	axv_gpa_t table;
	if (!(p->efer & EFER_LMA)) {
		/* 4.4: PAE paging, CR3 bits 31:5 hold the 4-entry PDPT. */
		la &= 0xffffffffu;
		rc = read_entry(read, ctx, (p->cr3 & 0xffffffe0u) + ((la >> 30) & 3u) * 8, 8, &e);
		if (rc)
			return rc;
		if (!(e & PG_P))
			return AXV_EFAULT;
		table = e & ADDR_MASK;
		levels = 2;
		top = 21;
	} else {
		/* 4.5: 4-level (PML4) or 5-level (PML5) paging; canonical addresses only. */
		unsigned bits = (p->cr4 & CR4_LA57) ? 57 : 48;
		uint64_t hi = la >> (bits - 1);
		if (hi != 0 && hi != (~0ull >> (bits - 1)))
			return AXV_EFAULT;
		table = p->cr3 & ADDR_MASK;
		levels = (p->cr4 & CR4_LA57) ? 5 : 4;
		top = (p->cr4 & CR4_LA57) ? 48 : 39;
	}
	for (unsigned l = 0; l < levels; l++) {
		unsigned shift = top - 9 * l;
		rc = read_entry(read, ctx, table + ((la >> shift) & 0x1ffu) * 8, 8, &e);
		if (rc)
			return rc;
		if (!(e & PG_P))
			return AXV_EFAULT;
		/* PS in a PDPTE (1 GiB) or PDE (2 MiB) maps a page; 4 KiB at the last level. */
		if (shift == 12 || ((shift == 21 || shift == 30) && (e & PG_PS))) {
			uint64_t off = (1ull << shift) - 1;
			*gpa = (e & ADDR_MASK & ~off) | (la & off);
			return 0;
		}
		table = e & ADDR_MASK;
	}
	return AXV_EFAULT; /* not reached: the last level always maps */
}

int axv_x86_fetch_insn(const struct axv_x86_paging *p, uint64_t linear, axv_x86_read_gpa_fn read,
		       void *ctx, uint8_t *buf, size_t max)
{
	uint64_t la = linear;
	if (!p || !read || !buf || max == 0)
		return AXV_EINVAL;
	if (max > AXV_X86_MAX_INSN_LEN)
		max = AXV_X86_MAX_INSN_LEN;
	size_t got = 0;
	while (got < max) {
		axv_gpa_t gpa;
		int rc = axv_x86_guest_translate(p, la + got, read, ctx, &gpa);
		size_t chunk = 4096u - (size_t)((la + got) & 0xfffu);
		if (chunk > max - got)
			chunk = max - got;
		if (rc == 0)
			rc = read(ctx, gpa, buf + got, chunk);
		if (rc)
			return got ? (int)got : (rc < 0 ? rc : AXV_EIO);
		got += chunk;
	}
	return (int)got;
}
