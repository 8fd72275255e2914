/* x86_64 port: the MMIO instruction decoder, from hand-assembled bytes.
 *
 * Every encoding is cited from the Intel SDM Vol. 2 (325383): the instruction pages
 * (MOV 88/89/8A/8B/A0-A3/C6 /0/C7 /0; MOVZX 0F B6/B7; MOVSX 0F BE/BF; MOVSXD 63; MOVS A4/A5;
 * STOS AA/AB; LODS AC/AD), 2.1.5 Tables 2-1 (16-bit ModR/M), 2-2 (32-bit ModR/M), 2-3 (SIB),
 * 2.2.1 REX (W = bit 3, R = bit 2), 2.2.1.6 RIP-relative addressing, 2.3.11 the 15-byte limit.
 * ModR/M = mod(7:6) reg(5:3) r/m(2:0).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <axv/arch/x86_64.h>
#include <axv/bus.h>
#include <axv/err.h>

#define B(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

/* Decode from an exact-size heap copy, so that ASan catches any read past len. */
static int dec(const uint8_t *b, size_t n, unsigned mode, struct axv_x86_mmio *d)
{
	uint8_t *h = malloc(n ? n : 1);
	cr_assert(h);
	memcpy(h, b, n);
	int rc = axv_x86_decode_mmio(h, n, mode, d);
	free(h);
	return rc;
}

static struct axv_x86_mmio d;

/* Expect a register access. */
static void expect_reg(const uint8_t *b, size_t n, unsigned mode, bool write, unsigned width,
		       unsigned reg, unsigned reg_width, bool sx)
{
	memset(&d, 0x5a, sizeof(d));
	cr_assert_eq(dec(b, n, mode, &d), 0, "decode of %zu bytes (first %02x)", n, b[0]);
	cr_expect_eq(d.len, n, "length");
	cr_expect_eq(d.kind, AXV_X86_MMIO_REG);
	cr_expect_eq(d.write, write, "direction");
	cr_expect_eq(d.width, width, "width");
	cr_expect_eq(d.reg, reg, "reg %u, want %u", d.reg, reg);
	cr_expect_eq(d.reg_width, reg_width, "reg width");
	cr_expect_eq(d.sign_extend, sx, "sign extension");
	cr_expect_eq(d.flags, 0);
}

Test(insn, mov_store_forms_64)
{
	/* 89 /r MOV r/m32, r32: 89 08 = mov [rax], ecx (mod 00 reg 001 r/m 000) */
	expect_reg(B(0x89, 0x08), 64, true, 4, AXV_X86_REG_RCX, 4, false);
	/* REX.W + 89 /r MOV r/m64, r64: 48 89 08 = mov [rax], rcx */
	expect_reg(B(0x48, 0x89, 0x08), 64, true, 8, AXV_X86_REG_RCX, 8, false);
	/* 66 89 /r MOV r/m16, r16: 66 89 08 = mov [rax], cx */
	expect_reg(B(0x66, 0x89, 0x08), 64, true, 2, AXV_X86_REG_RCX, 2, false);
	/* REX.W wins over 66: 66 48 89 08 = mov [rax], rcx */
	expect_reg(B(0x66, 0x48, 0x89, 0x08), 64, true, 8, AXV_X86_REG_RCX, 8, false);
	/* REX.R: 4c 89 38 = mov [rax], r15 (reg 111 + R) */
	expect_reg(B(0x4c, 0x89, 0x38), 64, true, 8, AXV_X86_REG_R15, 8, false);
	/* 88 /r MOV r/m8, r8: 88 08 = mov [rax], cl */
	expect_reg(B(0x88, 0x08), 64, true, 1, AXV_X86_REG_RCX, 1, false);
	/* without REX, reg 100 of a byte op is AH: 88 20 = mov [rax], ah */
	expect_reg(B(0x88, 0x20), 64, true, 1, AXV_X86_REG_AH, 1, false);
	/* 88 38 = mov [rax], bh (reg 111) */
	expect_reg(B(0x88, 0x38), 64, true, 1, AXV_X86_REG_BH, 1, false);
	/* with any REX it is SPL: 40 88 20 = mov [rax], spl */
	expect_reg(B(0x40, 0x88, 0x20), 64, true, 1, AXV_X86_REG_RSP, 1, false);
	/* 44 88 00 = mov [rax], r8b (REX.R) */
	expect_reg(B(0x44, 0x88, 0x00), 64, true, 1, AXV_X86_REG_R8, 1, false);
}

Test(insn, mov_load_forms_64)
{
	/* 8B /r MOV r32, r/m32: 8b 08 = mov ecx, [rax] */
	expect_reg(B(0x8b, 0x08), 64, false, 4, AXV_X86_REG_RCX, 4, false);
	/* 48 8b 10 = mov rdx, [rax] */
	expect_reg(B(0x48, 0x8b, 0x10), 64, false, 8, AXV_X86_REG_RDX, 8, false);
	/* 66 8b 18 = mov bx, [rax] */
	expect_reg(B(0x66, 0x8b, 0x18), 64, false, 2, AXV_X86_REG_RBX, 2, false);
	/* 8A /r MOV r8, r/m8: 8a 00 = mov al, [rax]; 8a 30 = mov dh, [rax] */
	expect_reg(B(0x8a, 0x00), 64, false, 1, AXV_X86_REG_RAX, 1, false);
	expect_reg(B(0x8a, 0x30), 64, false, 1, AXV_X86_REG_DH, 1, false);
	/* 41 8a 2c 24 = mov bpl, [r12]... with REX.B only: reg 101 is BPL (REX present) */
	expect_reg(B(0x41, 0x8a, 0x2c, 0x24), 64, false, 1, AXV_X86_REG_RBP, 1, false);
}

Test(insn, addressing_forms)
{
	/* RIP-relative: 8b 05 disp32 = mov eax, [rip + 0x100] (mod 00 r/m 101, 2.2.1.6) */
	expect_reg(B(0x8b, 0x05, 0x00, 0x01, 0x00, 0x00), 64, false, 4, 0, 4, false);
	cr_expect(d.rip_relative);
	cr_expect_eq(d.addr_size, 8);
	/* The same bytes in 32-bit mode: absolute disp32, not RIP-relative (Table 2-2). */
	expect_reg(B(0x8b, 0x05, 0x00, 0x01, 0x00, 0x00), 32, false, 4, 0, 4, false);
	cr_expect(!d.rip_relative);
	/* SIB without base: 8b 04 25 disp32 = mov eax, [0x1000] (Table 2-3, base 101, mod 00) */
	expect_reg(B(0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00), 64, false, 4, 0, 4, false);
	cr_expect(!d.rip_relative);
	/* SIB + disp8: 8b 44 24 08 = mov eax, [rsp + 8] */
	expect_reg(B(0x8b, 0x44, 0x24, 0x08), 64, false, 4, 0, 4, false);
	/* SIB + disp32: 8b 84 8b 00 01 00 00 = mov eax, [rbx + rcx*4 + 0x100] */
	expect_reg(B(0x8b, 0x84, 0x8b, 0x00, 0x01, 0x00, 0x00), 64, false, 4, 0, 4, false);
	/* mod 01 disp8: 89 48 10 = mov [rax + 0x10], ecx; mod 10 disp32: 89 88 d32 */
	expect_reg(B(0x89, 0x48, 0x10), 64, true, 4, 1, 4, false);
	expect_reg(B(0x89, 0x88, 0x78, 0x56, 0x34, 0x12), 64, true, 4, 1, 4, false);
	/* SIB with base 101 and mod 01: rbp base + disp8: 89 4c 25 f0 = mov [rbp + riz - 16], ecx */
	expect_reg(B(0x89, 0x4c, 0x25, 0xf0), 64, true, 4, 1, 4, false);
	/* 67 in 64-bit mode: 32-bit addressing, same ModR/M: 67 8b 03 = mov eax, [ebx] */
	expect_reg(B(0x67, 0x8b, 0x03), 64, false, 4, 0, 4, false);
	cr_expect_eq(d.addr_size, 4);
	/* 67 8b 05 disp32 in 64-bit mode is EIP-relative */
	expect_reg(B(0x67, 0x8b, 0x05, 1, 2, 3, 4), 64, false, 4, 0, 4, false);
	cr_expect(d.rip_relative);
}

Test(insn, sixteen_bit_addressing)
{
	/* 16-bit mode, Table 2-1: 8b 07 = mov ax, [bx] */
	expect_reg(B(0x8b, 0x07), 16, false, 2, 0, 2, false);
	cr_expect_eq(d.addr_size, 2);
	/* 66 8b 07 = mov eax, [bx] */
	expect_reg(B(0x66, 0x8b, 0x07), 16, false, 4, 0, 4, false);
	/* mod 00 r/m 110 is disp16: 89 0e 34 12 = mov [0x1234], cx */
	expect_reg(B(0x89, 0x0e, 0x34, 0x12), 16, true, 2, 1, 2, false);
	/* mod 01: 89 4f 02 = mov [bx + 2], cx; mod 10: 89 8f 00 10 = mov [bx + 0x1000], cx */
	expect_reg(B(0x89, 0x4f, 0x02), 16, true, 2, 1, 2, false);
	expect_reg(B(0x89, 0x8f, 0x00, 0x10), 16, true, 2, 1, 2, false);
	/* r/m 100 is [si], no SIB in 16-bit addressing: 8b 04 = mov ax, [si] */
	expect_reg(B(0x8b, 0x04), 16, false, 2, 0, 2, false);
	/* 67 in 16-bit mode selects 32-bit addressing: 67 8b 04 24 = mov ax, [esp] */
	expect_reg(B(0x67, 0x8b, 0x04, 0x24), 16, false, 2, 0, 2, false);
	/* 67 in 32-bit mode selects 16-bit addressing: 67 8b 0e 34 12 = mov ecx, [0x1234] */
	expect_reg(B(0x67, 0x8b, 0x0e, 0x34, 0x12), 32, false, 4, 1, 4, false);
	cr_expect_eq(d.addr_size, 2);
}

Test(insn, moffs_forms)
{
	/* A1 MOV EAX, moffs32 in 64-bit mode: the offset is 8 bytes (address size) */
	expect_reg(B(0xa1, 1, 2, 3, 4, 5, 6, 7, 8), 64, false, 4, 0, 4, false);
	/* REX.W A3 MOV moffs64, RAX */
	expect_reg(B(0x48, 0xa3, 1, 2, 3, 4, 5, 6, 7, 8), 64, true, 8, 0, 8, false);
	/* 67 A0 MOV AL, moffs8 with a 4-byte offset */
	expect_reg(B(0x67, 0xa0, 1, 2, 3, 4), 64, false, 1, 0, 1, false);
	/* A2 MOV moffs8, AL in 32-bit mode: 4-byte offset */
	expect_reg(B(0xa2, 0x00, 0x10, 0x00, 0x00), 32, true, 1, 0, 1, false);
	/* 66 A1 in 32-bit mode: MOV AX, moffs16 */
	expect_reg(B(0x66, 0xa1, 0x00, 0x10, 0x00, 0x00), 32, false, 2, 0, 2, false);
	/* A1 in 16-bit mode: 2-byte offset */
	expect_reg(B(0xa1, 0x34, 0x12), 16, false, 2, 0, 2, false);
}

Test(insn, immediates)
{
	/* C6 /0 ib MOV r/m8, imm8: c6 00 5a = mov byte [rax], 0x5a */
	cr_assert_eq(dec(B(0xc6, 0x00, 0x5a), 64, &d), 0);
	cr_expect_eq(d.kind, AXV_X86_MMIO_IMM);
	cr_expect(d.write);
	cr_expect_eq(d.width, 1);
	cr_expect_eq(d.imm, 0x5a);
	cr_expect_eq(d.len, 3);
	cr_expect_eq(d.reg, AXV_REG_NONE);
	/* C7 /0 id: c7 40 08 78 56 34 12 = mov dword [rax + 8], 0x12345678 */
	cr_assert_eq(dec(B(0xc7, 0x40, 0x08, 0x78, 0x56, 0x34, 0x12), 64, &d), 0);
	cr_expect_eq(d.width, 4);
	cr_expect_eq(d.imm, 0x12345678);
	cr_expect_eq(d.len, 7);
	/* REX.W C7 /0 id: the imm32 is sign-extended to 64 bits */
	cr_assert_eq(dec(B(0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff), 64, &d), 0);
	cr_expect_eq(d.width, 8);
	cr_expect_eq(d.imm, 0xfffffffffffffffeull);
	/* 66 C7 /0 iw: 66 c7 00 34 12 = mov word [rax], 0x1234 */
	cr_assert_eq(dec(B(0x66, 0xc7, 0x00, 0x34, 0x12), 64, &d), 0);
	cr_expect_eq(d.width, 2);
	cr_expect_eq(d.imm, 0x1234);
	cr_expect_eq(d.len, 5);
	/* RIP-relative with an immediate: c7 05 disp32 imm32 (10 bytes) */
	cr_assert_eq(dec(B(0xc7, 0x05, 0, 1, 0, 0, 0xef, 0xbe, 0xad, 0xde), 64, &d), 0);
	cr_expect_eq(d.len, 10);
	cr_expect_eq(d.imm, 0xdeadbeef);
	/* 16-bit mode: c7 06 34 12 cd ab = mov word [0x1234], 0xabcd */
	cr_assert_eq(dec(B(0xc7, 0x06, 0x34, 0x12, 0xcd, 0xab), 16, &d), 0);
	cr_expect_eq(d.len, 6);
	cr_expect_eq(d.imm, 0xabcd);
	/* The ModR/M reg field must be 000: c7 08 .. is undefined, c7 f8 is XBEGIN */
	cr_expect_eq(dec(B(0xc7, 0x08, 1, 2, 3, 4), 64, &d), AXV_ENOTSUP);
	cr_expect_eq(dec(B(0xc6, 0xf8, 0x00), 64, &d), AXV_ENOTSUP);
}

Test(insn, zero_and_sign_extension)
{
	/* 0F B6 /r MOVZX r32, r/m8: 0f b6 08 = movzx ecx, byte [rax] */
	expect_reg(B(0x0f, 0xb6, 0x08), 64, false, 1, 1, 4, false);
	cr_expect(d.two_byte);
	cr_expect_eq(d.opcode, 0xb6);
	/* 0F B7 /r MOVZX r32, r/m16; REX.W: 48 0f b7 00 = movzx rax, word [rax] */
	expect_reg(B(0x48, 0x0f, 0xb7, 0x00), 64, false, 2, 0, 8, false);
	/* 66 0F B6: movzx ax, byte [rax] */
	expect_reg(B(0x66, 0x0f, 0xb6, 0x00), 64, false, 1, 0, 2, false);
	/* 0F BE /r MOVSX r32, r/m8 */
	expect_reg(B(0x0f, 0xbe, 0x10), 64, false, 1, 2, 4, true);
	/* REX.WR 0F BF: 4c 0f bf 00 = movsx r8, word [rax] */
	expect_reg(B(0x4c, 0x0f, 0xbf, 0x00), 64, false, 2, 8, 8, true);
	/* REX.W 63 /r MOVSXD r64, r/m32: 48 63 08 = movsxd rcx, dword [rax] */
	expect_reg(B(0x48, 0x63, 0x08), 64, false, 4, 1, 8, true);
	/* 63 without REX.W: a 32-bit load */
	expect_reg(B(0x63, 0x08), 64, false, 4, 1, 4, false);
	/* 63 outside 64-bit mode is ARPL (a register-only instruction for us) */
	cr_expect_eq(dec(B(0x63, 0x08), 32, &d), AXV_ENOTSUP);
	/* MOVZX with a byte destination does not exist; 0F B6 with a high-byte source is not
	 * memory (mod 11), refused */
	cr_expect_eq(dec(B(0x0f, 0xb6, 0xc4), 64, &d), AXV_ENOTSUP);
}

Test(insn, string_forms)
{
	/* A4 MOVSB */
	cr_assert_eq(dec(B(0xa4), 64, &d), 0);
	cr_expect_eq(d.kind, AXV_X86_MMIO_STRING);
	cr_expect_eq(d.flags, AXV_ACCESS_STRING);
	cr_expect_eq(d.width, 1);
	cr_expect_eq(d.len, 1);
	/* F3 A5 REP MOVSD */
	cr_assert_eq(dec(B(0xf3, 0xa5), 64, &d), 0);
	cr_expect_eq(d.flags, AXV_ACCESS_STRING | AXV_ACCESS_REP);
	cr_expect_eq(d.width, 4);
	cr_expect_eq(d.len, 2);
	/* F3 REX.W AB REP STOSQ */
	cr_assert_eq(dec(B(0xf3, 0x48, 0xab), 64, &d), 0);
	cr_expect(d.write);
	cr_expect_eq(d.width, 8);
	cr_expect_eq(d.reg, AXV_X86_REG_RAX);
	cr_expect_eq(d.flags, AXV_ACCESS_STRING | AXV_ACCESS_REP);
	/* 66 AD LODSW */
	cr_assert_eq(dec(B(0x66, 0xad), 64, &d), 0);
	cr_expect(!d.write);
	cr_expect_eq(d.width, 2);
	/* AA STOSB in 16-bit mode */
	cr_assert_eq(dec(B(0xaa), 16, &d), 0);
	cr_expect_eq(d.width, 1);
}

Test(insn, prefixes)
{
	/* Segment overrides are accepted and ignored: 64 8b 04 25 d32 = mov eax, fs:[0x10] */
	expect_reg(B(0x64, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0), 64, false, 4, 0, 4, false);
	expect_reg(B(0x2e, 0x3e, 0x26, 0x36, 0x65, 0x89, 0x08), 64, true, 4, 1, 4, false);
	/* A REX followed by a legacy prefix is ignored (2.2.1): 48 66 89 08 stores CX */
	expect_reg(B(0x48, 0x66, 0x89, 0x08), 64, true, 2, 1, 2, false);
	/* Two REX: the last (immediately before the opcode) counts: 4c 48 89 38 = [rax], rdi */
	expect_reg(B(0x4c, 0x48, 0x89, 0x38), 64, true, 8, AXV_X86_REG_RDI, 8, false);
	/* XRELEASE (F3) on a MOV store is a hint: f3 89 08 */
	expect_reg(B(0xf3, 0x89, 0x08), 64, true, 4, 1, 4, false);
	/* 14 prefixes and a 2-byte instruction: 16 bytes, over the 15-byte limit */
	uint8_t lng[16];
	memset(lng, 0x66, sizeof(lng));
	lng[14] = 0x89;
	lng[15] = 0x08;
	cr_expect_eq(dec(lng, sizeof(lng), 64, &d), AXV_ENOTSUP);
	cr_expect_eq(dec(lng, 15, 64, &d), AXV_ENOTSUP);
	/* 13 prefixes + 89 08: exactly 15 bytes, valid */
	cr_expect_eq(dec(lng + 1, 15, 64, &d), 0);
	cr_expect_eq(d.len, 15);
	cr_expect_eq(d.width, 2);
	/* 15 bytes of prefixes with more bytes given: never read past the 15th */
	uint8_t all[32];
	memset(all, 0x2e, sizeof(all));
	cr_expect_eq(dec(all, sizeof(all), 64, &d), AXV_ENOTSUP);
}

Test(insn, invalid_and_unknown)
{
	/* LOCK on a MOV is #UD: f0 89 08 */
	cr_expect_eq(dec(B(0xf0, 0x89, 0x08), 64, &d), AXV_ENOTSUP);
	cr_expect_eq(dec(B(0xf0, 0xc7, 0x00, 1, 2, 3, 4), 64, &d), AXV_ENOTSUP);
	/* mod 11 is a register operand: 89 c8 = mov eax, ecx */
	cr_expect_eq(dec(B(0x89, 0xc8), 64, &d), AXV_ENOTSUP);
	/* Unknown opcodes: 01 /r ADD, 0f 0b UD2, c4 (VEX), 90 NOP, 0f alone + ff */
	cr_expect_eq(dec(B(0x01, 0x08), 64, &d), AXV_ENOTSUP);
	cr_expect_eq(dec(B(0x0f, 0x0b), 64, &d), AXV_ENOTSUP);
	cr_expect_eq(dec(B(0xc4, 0xe1, 0x79, 0x6e, 0x00), 64, &d), AXV_ENOTSUP);
	cr_expect_eq(dec(B(0x90), 64, &d), AXV_ENOTSUP);
	cr_expect_eq(dec(B(0x0f, 0xff), 64, &d), AXV_ENOTSUP);
	/* F3 0F B8 is POPCNT, not MOVZX-family: refused */
	cr_expect_eq(dec(B(0xf3, 0x0f, 0xb6, 0x00), 64, &d), AXV_ENOTSUP);
	/* 48 in 32-bit mode is DEC EAX, not REX */
	cr_expect_eq(dec(B(0x48, 0x89, 0x08), 32, &d), AXV_ENOTSUP);
	/* Bad arguments */
	cr_expect_eq(axv_x86_decode_mmio(NULL, 2, 64, &d), AXV_EINVAL);
	cr_expect_eq(axv_x86_decode_mmio((const uint8_t[]){0x89, 0x08}, 2, 64, NULL), AXV_EINVAL);
	cr_expect_eq(axv_x86_decode_mmio((const uint8_t[]){0x89, 0x08}, 2, 8, &d), AXV_EINVAL);
	/* Empty input: more bytes needed */
	cr_expect_eq(axv_x86_decode_mmio((const uint8_t[]){0x89}, 0, 64, &d), AXV_EAGAIN);
}

/* Every valid instruction above, cut at every shorter length: EAGAIN, never a success,
 * never a read past the cut (exact-size heap copies under ASan). */
Test(insn, truncated_at_every_length)
{
	static const struct {
		uint8_t b[15];
		uint8_t n;
		uint8_t mode;
	} v[] = {
		{{0x89, 0x08}, 2, 64},
		{{0x48, 0x89, 0x08}, 3, 64},
		{{0x8b, 0x05, 0, 1, 0, 0}, 6, 64},
		{{0x8b, 0x84, 0x8b, 0, 1, 0, 0}, 7, 64},
		{{0x8b, 0x04, 0x25, 0, 0x10, 0, 0}, 7, 64},
		{{0x48, 0xa3, 1, 2, 3, 4, 5, 6, 7, 8}, 10, 64},
		{{0x48, 0xc7, 0x80, 1, 2, 3, 4, 5, 6, 7, 8}, 11, 64},
		{{0x66, 0x67, 0x64, 0x48, 0xc7, 0x84, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8}, 15, 64},
		{{0x66, 0x0f, 0xbf, 0x44, 0x24, 0x08}, 6, 64},
		{{0xc7, 0x06, 0x34, 0x12, 0xcd, 0xab}, 6, 16},
		{{0x67, 0x8b, 0x0e, 0x34, 0x12}, 5, 32},
		{{0xf3, 0x48, 0xab}, 3, 64},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cr_assert_eq(dec(v[i].b, v[i].n, v[i].mode, &d), 0, "case %zu whole", i);
		cr_expect_eq(d.len, v[i].n, "case %zu length", i);
		for (size_t k = 0; k < v[i].n; k++)
			cr_expect_eq(dec(v[i].b, k, v[i].mode, &d), AXV_EAGAIN, "case %zu cut at %zu",
				     i, k);
	}
}

/* Random bytes: never a crash, never a read past len (ASan), and a success always has a
 * consistent result within len. */
Test(insn, random_bytes)
{
	static const unsigned modes[3] = {16, 32, 64};
	static const uint8_t interesting[] = {0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x40, 0x48,
					      0x4c, 0x0f, 0x88, 0x89, 0x8a, 0x8b, 0xa1, 0xa3,
					      0xc6, 0xc7, 0x63, 0xb6, 0xbf, 0x04, 0x05, 0x25};
	unsigned seed = 12345, ok = 0;
	for (unsigned it = 0; it < 200000; it++) {
		seed = seed * 1103515245u + 12345u;
		size_t n = (seed >> 16) % 18;
		uint8_t *h = malloc(n ? n : 1);
		cr_assert(h);
		for (size_t j = 0; j < n; j++) {
			seed = seed * 1103515245u + 12345u;
			unsigned r = seed >> 16;
			h[j] = (r & 1) ? interesting[(r >> 1) % sizeof(interesting)] : (uint8_t)(r >> 8);
		}
		struct axv_x86_mmio m;
		int rc = axv_x86_decode_mmio(h, n, modes[it % 3], &m);
		if (rc == 0) {
			ok++;
			cr_assert(m.len >= 1 && m.len <= n && m.len <= 15);
			cr_assert(axv_width_valid(m.width));
			cr_assert(m.reg == AXV_REG_NONE || m.reg < AXV_X86_REG_EDX_EAX);
		} else {
			cr_assert(rc == AXV_EAGAIN || rc == AXV_ENOTSUP, "rc %d", rc);
			cr_assert(rc != AXV_EAGAIN || n < 15);
		}
		free(h);
	}
	cr_expect_gt(ok, 1000, "the random stream should hit valid instructions (%u)", ok);
}

/* ---- registers and the exit helper ------------------------------------------------------ */

Test(insn, gpr_numbering)
{
	struct axv_x86_gprs g = {{0}};
	for (unsigned i = 0; i < 16; i++)
		g.r[i] = 0x1111111111111111ull * i;
	uint64_t v;
	cr_expect_eq(axv_x86_gpr_get(&g, AXV_X86_REG_RBX, &v), 0);
	cr_expect_eq(v, 0x3333333333333333ull);
	g.r[AXV_X86_REG_RCX] = 0x1234;
	cr_expect_eq(axv_x86_gpr_get(&g, AXV_X86_REG_CH, &v), 0);
	cr_expect_eq(v, 0x12);
	cr_expect_eq(axv_x86_gpr_set(&g, AXV_X86_REG_CH, 0x1ab), 0);
	cr_expect_eq(g.r[AXV_X86_REG_RCX], 0xab34, "only bits 15:8 change");
	g.r[AXV_X86_REG_RAX] = 0xffffffff89abcdefull;
	g.r[AXV_X86_REG_RDX] = 0xffffffff01234567ull;
	cr_expect_eq(axv_x86_gpr_get(&g, AXV_X86_REG_EDX_EAX, &v), 0);
	cr_expect_eq(v, 0x0123456789abcdefull);
	cr_expect_eq(axv_x86_gpr_set(&g, AXV_X86_REG_EDX_EAX, 0xfedcba9876543210ull), 0);
	cr_expect_eq(g.r[AXV_X86_REG_RAX], 0x76543210, "RDMSR clears RAX[63:32]");
	cr_expect_eq(g.r[AXV_X86_REG_RDX], 0xfedcba98);
	cr_expect_eq(axv_x86_gpr_get(&g, AXV_X86_REG_COUNT, &v), AXV_EINVAL);
	cr_expect_eq(axv_x86_gpr_set(&g, 200, 0), AXV_EINVAL);
	cr_expect_eq(axv_x86_gpr_set(&g, AXV_REG_NONE, 0), 0);
	cr_expect_eq(axv_x86_gpr_get(NULL, 0, &v), AXV_EINVAL);
}

static struct axv_x86_gprs regs;
static uint64_t dev_value;
static uint64_t dev_written;

static int dev_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	(void)ctx;
	(void)off;
	(void)width;
	*value = dev_value;
	return 0;
}

static int dev_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	(void)ctx;
	(void)off;
	(void)width;
	dev_written = value;
	return 0;
}

static int t_set(void *ctx, unsigned reg, uint64_t v)
{
	return axv_x86_gpr_set(ctx, reg, v);
}

static int t_get(void *ctx, unsigned reg, uint64_t *v)
{
	return axv_x86_gpr_get(ctx, reg, v);
}

static uint64_t rip;

static int t_adv(void *ctx, uint8_t n)
{
	(void)ctx;
	rip += n;
	return 0;
}

static const struct axv_device_ops dev = {dev_read, dev_write};

/* Decode, make the exit, complete it through a real bus: the whole MMIO path. */
static int run_mmio(const uint8_t *b, size_t n, bool fault_write, struct axv_bus *bus,
		    struct axv_exit *e)
{
	struct axv_x86_mmio m;
	int rc = dec(b, n, 64, &m);
	if (rc)
		return rc;
	rc = axv_x86_mmio_exit(&m, 0xfee00010, rip, fault_write, &regs, e);
	if (rc)
		return rc;
	struct axv_exit_target t = {t_set, t_adv, &regs, t_get};
	return axv_exit_complete(bus, &t, e);
}

Test(insn, mmio_exits_through_the_bus)
{
	struct axv_bus bus;
	struct axv_bus_entry slots[3];
	const size_t cap[AXV_BUS_SPACE_COUNT] = {1, 1, 1};
	cr_assert_eq(axv_bus_init(&bus, slots, cap), 0);
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0xfee00000, 0x1000, &dev, NULL), 0);
	struct axv_exit e;
	rip = 0x1000;

	/* 88 20: mov [rax], ah */
	regs.r[AXV_X86_REG_RAX] = 0x1122334455667788ull;
	cr_assert_eq(run_mmio(B(0x88, 0x20), true, &bus, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_WRITE);
	cr_expect_eq(e.access.addr, 0xfee00010);
	cr_expect_eq(dev_written, 0x77);
	cr_expect_eq(rip, 0x1002);
	cr_expect_eq(e.pc, 0x1000);

	/* 8a 38: mov bh, [rax]: only RBX[15:8] changes */
	regs.r[AXV_X86_REG_RBX] = 0xaaaaaaaaaaaaaaaaull;
	dev_value = 0x5c;
	cr_assert_eq(run_mmio(B(0x8a, 0x38), false, &bus, &e), 0);
	cr_expect_eq(regs.r[AXV_X86_REG_RBX], 0xaaaaaaaaaaaa5caaull);

	/* 66 8b 08: mov cx, [rax]: RCX[63:16] kept */
	regs.r[AXV_X86_REG_RCX] = 0xffffffffffffffffull;
	dev_value = 0x1234;
	cr_assert_eq(run_mmio(B(0x66, 0x8b, 0x08), false, &bus, &e), 0);
	cr_expect_eq(regs.r[AXV_X86_REG_RCX], 0xffffffffffff1234ull);

	/* 8b 08: mov ecx, [rax]: zero-extended to 64 bits (64-bit mode) */
	dev_value = 0x87654321;
	cr_assert_eq(run_mmio(B(0x8b, 0x08), false, &bus, &e), 0);
	cr_expect_eq(regs.r[AXV_X86_REG_RCX], 0x87654321ull);

	/* 48 0f be 08: movsx rcx, byte [rax] */
	dev_value = 0x80;
	cr_assert_eq(run_mmio(B(0x48, 0x0f, 0xbe, 0x08), false, &bus, &e), 0);
	cr_expect_eq(regs.r[AXV_X86_REG_RCX], 0xffffffffffffff80ull);

	/* 48 63 08: movsxd rcx, dword [rax] */
	dev_value = 0x80000000;
	cr_assert_eq(run_mmio(B(0x48, 0x63, 0x08), false, &bus, &e), 0);
	cr_expect_eq(regs.r[AXV_X86_REG_RCX], 0xffffffff80000000ull);

	/* 48 c7 00 imm32: mov qword [rax], -2 */
	cr_assert_eq(run_mmio(B(0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff), true, &bus, &e), 0);
	cr_expect_eq(dev_written, 0xfffffffffffffffeull);
	cr_expect_eq(e.access.reg, AXV_REG_NONE);

	/* Direction disagreeing with the fault (bytes changed after the fault): refused */
	cr_expect_eq(run_mmio(B(0x89, 0x08), false, &bus, &e), AXV_EINVAL);

	/* String forms: an exit of the fault's direction that the bus refuses cleanly */
	uint64_t before = rip;
	cr_expect_eq(run_mmio(B(0xf3, 0xa4), true, &bus, &e), AXV_ENOTSUP);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_WRITE);
	cr_expect_eq(e.access.flags, AXV_ACCESS_STRING | AXV_ACCESS_REP);
	cr_expect_eq(e.insn_len, 2);
	cr_expect_eq(rip, before, "the pc does not move");

	/* Bad arguments */
	struct axv_x86_mmio m = {0};
	cr_expect_eq(axv_x86_mmio_exit(&m, 0, 0, false, &regs, &e), AXV_EINVAL);
	cr_expect_eq(axv_x86_mmio_exit(NULL, 0, 0, false, &regs, &e), AXV_EINVAL);
	cr_assert_eq(dec(B(0x89, 0x08), 64, &m), 0);
	cr_expect_eq(axv_x86_mmio_exit(&m, 0, 0, true, NULL, &e), AXV_EINVAL);
}

/* ---- guest page walks and instruction fetch ---------------------------------------------- */

/* 1 MiB of guest memory at guest physical 0; page-table entry formats from SDM Vol. 3A
 * 4.3 (32-bit), 4.4 (PAE), 4.5 (4-level): P = bit 0, PS = bit 7, address in bits 51:12. */
static uint8_t gmem[1 << 20];
static unsigned reads;

static int gread(void *ctx, axv_gpa_t gpa, void *buf, size_t len)
{
	(void)ctx;
	reads++;
	if (gpa > sizeof(gmem) || len > sizeof(gmem) - gpa)
		return AXV_EFAULT;
	memcpy(buf, gmem + gpa, len);
	return 0;
}

static void put32(axv_gpa_t at, uint32_t v)
{
	memcpy(gmem + at, &v, 4);
}

static void put64(axv_gpa_t at, uint64_t v)
{
	memcpy(gmem + at, &v, 8);
}

Test(walk, paging_off_is_identity)
{
	struct axv_x86_paging p = {.cr0 = 0x11};
	axv_gpa_t gpa;
	cr_expect_eq(axv_x86_guest_translate(&p, 0x123456789ull, gread, NULL, &gpa), 0);
	cr_expect_eq(gpa, 0x23456789, "32-bit linear addresses");
}

Test(walk, thirty_two_bit_paging)
{
	memset(gmem, 0, sizeof(gmem));
	struct axv_x86_paging p = {.cr0 = 0x80000011, .cr3 = 0x1000};
	/* linear 0x00403abc: PDE 1 -> PT at 0x2000, PTE 3 -> page 0x50000 */
	put32(0x1000 + 1 * 4, 0x2000 | 1);
	put32(0x2000 + 3 * 4, 0x50000 | 1);
	axv_gpa_t gpa;
	cr_expect_eq(axv_x86_guest_translate(&p, 0x00403abc, gread, NULL, &gpa), 0);
	cr_expect_eq(gpa, 0x50abc);
	/* 4 MiB page (PDE.PS with CR4.PSE), PSE-36 bits 20:13 -> physical 39:32 */
	put32(0x1000 + 2 * 4, 0x00c00000 | (0x3u << 13) | 0x80 | 1);
	p.cr4 = 0x10;
	cr_expect_eq(axv_x86_guest_translate(&p, 0x00812345, gread, NULL, &gpa), 0);
	cr_expect_eq(gpa, 0x300c12345ull);
	/* without CR4.PSE the PS bit is ignored: the PDE points to a table */
	p.cr4 = 0;
	put32(0x1000 + 3 * 4, 0x5000 | 0x80 | 1);
	put32(0x5000, 0x77000 | 1);
	cr_expect_eq(axv_x86_guest_translate(&p, 0x00c00123, gread, NULL, &gpa), 0);
	cr_expect_eq(gpa, 0x77123);
	cr_expect_eq(axv_x86_guest_translate(&p, 0x00000abc, gread, NULL, &gpa), AXV_EFAULT,
		     "PDE 0 not present");
}

Test(walk, pae_paging)
{
	memset(gmem, 0, sizeof(gmem));
	struct axv_x86_paging p = {.cr0 = 0x80000011, .cr3 = 0x1020, .cr4 = 0x20};
	/* linear 0x40201abc: PDPTE 1 -> PD 0x3000, PDE 1 -> PT 0x4000, PTE 1 -> 0x60000 */
	put64(0x1020 + 1 * 8, 0x3000 | 1);
	put64(0x3000 + 1 * 8, 0x4000 | 1);
	put64(0x4000 + 1 * 8, 0x60000 | 1);
	axv_gpa_t gpa;
	cr_expect_eq(axv_x86_guest_translate(&p, 0x40201abc, gread, NULL, &gpa), 0);
	cr_expect_eq(gpa, 0x60abc);
	/* 2 MiB page */
	put64(0x3000 + 2 * 8, 0x200000000ull | 0x80 | 1);
	cr_expect_eq(axv_x86_guest_translate(&p, 0x40412345, gread, NULL, &gpa), 0);
	cr_expect_eq(gpa, 0x200012345ull);
}

Test(walk, four_level_paging)
{
	memset(gmem, 0, sizeof(gmem));
	struct axv_x86_paging p = {.cr0 = 0x80000011, .cr3 = 0x1000, .cr4 = 0x20, .efer = 0x500};
	/* linear 0xffff800000201abc: PML4 256 -> 0x2000, PDPT 0 -> 0x3000, PD 1 -> 0x4000,
	 * PT 1 -> 0x70000 */
	put64(0x1000 + 256 * 8, 0x2000 | 3);
	put64(0x2000 + 0 * 8, 0x3000 | 3);
	put64(0x3000 + 1 * 8, 0x4000 | 3);
	put64(0x4000 + 1 * 8, 0x8000000000070000ull | 3); /* NX ignored */
	axv_gpa_t gpa;
	reads = 0;
	cr_expect_eq(axv_x86_guest_translate(&p, 0xffff800000201abcull, gread, NULL, &gpa), 0);
	cr_expect_eq(gpa, 0x70abc);
	cr_expect_eq(reads, 4);
	/* 1 GiB page at PDPT 1, 2 MiB page at PD 2 */
	put64(0x2000 + 1 * 8, 0x1c0000000ull | 0x80 | 3);
	cr_expect_eq(axv_x86_guest_translate(&p, 0xffff800040123456ull, gread, NULL, &gpa), 0);
	cr_expect_eq(gpa, 0x1c0123456ull);
	put64(0x3000 + 2 * 8, 0x600000 | 0x80 | 3);
	cr_expect_eq(axv_x86_guest_translate(&p, 0xffff800000412345ull, gread, NULL, &gpa), 0);
	cr_expect_eq(gpa, 0x612345);
	/* non-canonical, not present, and a table outside guest memory */
	cr_expect_eq(axv_x86_guest_translate(&p, 0x0000800000000000ull, gread, NULL, &gpa), AXV_EFAULT);
	cr_expect_eq(axv_x86_guest_translate(&p, 0x1000, gread, NULL, &gpa), AXV_EFAULT);
	put64(0x1000 + 1 * 8, 0x7ff000000ull | 3);
	cr_expect_eq(axv_x86_guest_translate(&p, 0x8000000000ull, gread, NULL, &gpa), AXV_EFAULT);
	cr_expect_eq(axv_x86_guest_translate(NULL, 0, gread, NULL, &gpa), AXV_EINVAL);
}

Test(walk, fetch_across_pages)
{
	memset(gmem, 0, sizeof(gmem));
	struct axv_x86_paging p = {.cr0 = 0x80000011, .cr3 = 0x1000, .cr4 = 0x20, .efer = 0x500};
	/* linear 0x400000..0x401fff: two pages mapped to 0x90000 and 0x20000 (not contiguous) */
	put64(0x1000, 0x2000 | 3);
	put64(0x2000, 0x3000 | 3);
	put64(0x3000 + 2 * 8, 0x4000 | 3);
	put64(0x4000 + 0 * 8, 0x90000 | 3);
	put64(0x4000 + 1 * 8, 0x20000 | 3);
	/* 48 c7 80 disp32 imm32 (mov qword [rax+disp], imm): 3 bytes on the first page */
	static const uint8_t insn[11] = {0x48, 0xc7, 0x80, 1, 2, 3, 4, 0x78, 0x56, 0x34, 0x12};
	memcpy(gmem + 0x90ffd, insn, 3);
	memcpy(gmem + 0x20000, insn + 3, 8);
	uint8_t buf[15];
	int n = axv_x86_fetch_insn(&p, 0x400ffd, gread, NULL, buf, sizeof(buf));
	cr_assert_eq(n, 15);
	struct axv_x86_mmio m;
	cr_assert_eq(axv_x86_decode_mmio(buf, (size_t)n, 64, &m), 0);
	cr_expect_eq(m.len, 11);
	cr_expect_eq(m.imm, 0x12345678);
	/* second page unmapped: only the first page's bytes, and the decoder wants more */
	put64(0x4000 + 1 * 8, 0);
	n = axv_x86_fetch_insn(&p, 0x400ffd, gread, NULL, buf, sizeof(buf));
	cr_assert_eq(n, 3);
	cr_expect_eq(axv_x86_decode_mmio(buf, (size_t)n, 64, &m), AXV_EAGAIN);
	/* first page unmapped: the error */
	cr_expect_eq(axv_x86_fetch_insn(&p, 0x402000, gread, NULL, buf, sizeof(buf)), AXV_EFAULT);
	cr_expect_eq(axv_x86_fetch_insn(&p, 0x400000, gread, NULL, buf, 0), AXV_EINVAL);
}
