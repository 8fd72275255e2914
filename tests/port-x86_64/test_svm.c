/* x86_64 port: the AMD SVM backend's plain-C parts (VMCB set-up, IOPM/MSRPM, CPUID emulation,
 * guest page walk, exit decoding) on hand-built VMCBs with the mock HAL.
 *
 * Field positions: AMD64 APM Vol. 2 appendix B (VMCB), appendix C (exit codes), 15.10
 * (IOPM, IOIO EXITINFO1: TYPE bit 0, STR 2, REP 3, SZ8/16/32 bits 4-6, port 31:16, EXITINFO2
 * = next RIP), 15.11 (MSRPM: 2 bits per MSR, vectors at 0, 0x800, 0x1000), 15.25.6 (NPF
 * EXITINFO1 = error code, EXITINFO2 = guest physical address), 5.3 (long-mode page tables).
 */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/arch/x86_64.h>
#include <axv/err.h>
#include <axv/frame.h>

#include "mock_hal.h"
#include "svm_guest_tables.h"
#include "svm_hw.h"
#include <axv/arch/x86_64_hw.h>

#define ASID 7
#define ENTRY 0x5000ull
#define GUEST_CR3 0x1000ull
#define LAZY_BASE 0x40000000ull
#define MMIO_GPA 0xd0000010ull

static struct mock_hal m;
static struct axv_frames fr;
static struct axv_addrspace as;
static struct axv_svm_vcpu v;
static struct axv_exit e;
static unsigned cpuid_calls;

static void fake_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)ctx;
	cpuid_calls++;
	out[0] = 0xa0000000u | leaf;
	out[1] = 0xb0000000u | sub;
	out[2] = 0xffffffffu;
	out[3] = 0xd0000000u;
}

static void wr64(uint64_t gpa, uint64_t val)
{
	cr_assert_eq(axv_addrspace_write(&as, gpa, &val, 8), 0);
}

static void guest_bytes(uint64_t gpa, const uint8_t *b, size_t n)
{
	cr_assert_eq(axv_addrspace_write(&as, gpa, b, n), 0);
}

static void setup(void)
{
	mock_hal_init(&m, 2048);
	cr_assert_eq(axv_frames_init(&fr, &m.hal), 0);
	cr_assert_eq(axv_addrspace_init(&as, &m.hal, &axv_pt_npt, 0, 1ull << 32, ASID), 0);
	cr_assert_eq(axv_addrspace_map_alloc(&as, 0, 2u << 20, AXV_MAP_RWX, true), 0);
	cr_assert_eq(axv_addrspace_map_alloc(&as, LAZY_BASE, 0x10000, AXV_MAP_READ | AXV_MAP_WRITE,
					     false),
		     0);
	cr_assert_eq(svm_guest_tables(&as), 0);
	memset(&v, 0, sizeof(v));
	v.entry = ENTRY;
	v.ncr3 = axv_addrspace_root(&as);
	const struct axv_svm_vcpu_config cfg = {
		.frames = &fr, .as = &as, .asid = ASID, .rsp = 0x8000, .cr3 = GUEST_CR3,
		.cpuid = fake_cpuid,
	};
	cr_assert_eq(axv_svm_vcpu_init(&v, &cfg), 0);
	for (unsigned i = 0; i < 16; i++)
		v.gprs.r[i] = 0x1111111111111111ull * (i + 1);
	memset(&e, 0x5a, sizeof(e));
	cpuid_calls = 0;
}

static void teardown(void)
{
	axv_svm_vcpu_fini(&v);
	cr_expect_eq(axv_addrspace_destroy(&as), 0);
	cr_expect_eq(axv_frames_destroy(&fr), 0);
	MOCK_HAL_CHECK_CLEAN(&m);
	mock_hal_fini(&m);
}

TestSuite(svm, .init = setup, .fini = teardown);

static void set_exit(uint64_t code, uint64_t info1, uint64_t info2, uint64_t rip)
{
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_EXITCODE, code), 0);
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_EXITINFO1, info1), 0);
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_EXITINFO2, info2), 0);
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_RIP, rip), 0);
}

static uint32_t rd32(uint32_t off)
{
	return (uint32_t)axv_svm_vmcb_read(&v, off);
}

/* ---- set-up -------------------------------------------------------------------------- */

Test(svm, init_sets_intercepts_paging_and_long_mode)
{
	uint32_t i1 = rd32(AXV_SVM_VMCB_INTERCEPT_MISC1), i2 = rd32(AXV_SVM_VMCB_INTERCEPT_MISC2);
	cr_expect_eq(i1 & 0x9d400000u, 0x9d400000u, "HLT, IOIO, MSR, SHUTDOWN, INVD (0x%x)", i1);
	cr_expect(i1 & (1u << 18), "CPUID");
	cr_expect(i1 & 1u, "INTR");
	cr_expect(i2 & 1u, "VMRUN is mandatory");
	cr_expect(i2 & 2u, "VMMCALL");
	cr_expect_eq(rd32(AXV_SVM_VMCB_GUEST_ASID), ASID);
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_TLB_CONTROL) & 0xff, 1);
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_NP_CONTROL) & 1, 1);
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_N_CR3), axv_addrspace_root(&as));
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_IOPM_BASE_PA), v.iopm_pa);
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_MSRPM_BASE_PA), v.msrpm_pa);
	cr_expect_eq(v.iopm_pa & 0xfff, 0);
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_RIP), ENTRY);
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_RSP), 0x8000);
	cr_expect_eq(v.gprs.r[AXV_X86_REG_RSP], 0x1111111111111111ull * 5, "set by the test");
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_CR3), GUEST_CR3);
	uint64_t efer = axv_svm_vmcb_read(&v, AXV_SVM_VMCB_EFER);
	cr_expect_eq(efer & 0x1500, 0x1500, "SVME, LMA, LME: 0x%llx", (unsigned long long)efer);
	uint64_t cr0 = axv_svm_vmcb_read(&v, AXV_SVM_VMCB_CR0);
	cr_expect_eq(cr0 & 0x80000001u, 0x80000001u, "PG and PE");
	cr_expect_eq(cr0 & 0x60000000u, 0, "CD and NW clear");
	uint16_t cs_attr = (uint16_t)axv_svm_vmcb_read(&v, AXV_SVM_VMCB_CS + AXV_SVM_SEG_ATTRIB);
	cr_expect(cs_attr & (1u << 9), "CS.L");
	cr_expect(cs_attr & (1u << 7), "CS.P");
	cr_expect_eq(fr.live, 1 + AXV_SVM_IOPM_FRAMES + AXV_SVM_MSRPM_FRAMES);
	/* Every port intercepted, including the spill bits of the third page. */
	for (unsigned i = 0; i < 3 * 4096; i++)
		cr_assert_eq(v.iopm[i], 0xff);
}

Test(svm, init_refuses_bad_input_and_rolls_back)
{
	struct axv_svm_vcpu w;
	memset(&w, 0x3c, sizeof(w));
	struct axv_svm_vcpu copy = w;
	struct axv_svm_vcpu_config cfg = {.frames = &fr, .asid = 0};
	cr_expect_eq(axv_svm_vcpu_init(&w, &cfg), AXV_EINVAL, "ASID 0");
	cfg.asid = 1;
	cfg.frames = NULL;
	cr_expect_eq(axv_svm_vcpu_init(&w, &cfg), AXV_EINVAL);
	cr_expect_eq(axv_svm_vcpu_init(NULL, &cfg), AXV_EINVAL);
	cfg.frames = &fr;
	cfg.cpus = (struct axv_svm_cpu *)&copy;
	cr_expect_eq(axv_svm_vcpu_init(&w, &cfg), AXV_EINVAL, "cpus without a HAL");
	cfg.cpus = NULL;
	size_t live = fr.live;
	for (unsigned n = 1; n <= 3; n++) {
		mock_hal_fail_nth(&m, n);
		cr_expect_eq(axv_svm_vcpu_init(&w, &cfg), AXV_ENOMEM, "allocation %u fails", n);
		cr_expect_eq(fr.live, live, "nothing kept");
		cr_expect_eq(memcmp(&w, &copy, sizeof(w)), 0, "vcpu untouched");
	}
	mock_hal_fail_nth(&m, 0);
	cr_expect_eq(axv_svm_vcpu_init(&w, &cfg), 0);
	axv_svm_vcpu_fini(&w);
	axv_svm_vcpu_fini(&w); /* twice is harmless */
	cr_expect_eq(fr.live, live);
}

Test(svm, vmcb_access_is_bounds_checked)
{
	cr_expect_eq(axv_svm_vmcb_write(&v, 0xff9, 1), AXV_ERANGE);
	cr_expect_eq(axv_svm_vmcb_write(&v, 0xff8, 0x1234), 0);
	cr_expect_eq(axv_svm_vmcb_read(&v, 0xff8), 0x1234);
	cr_expect_eq(axv_svm_vmcb_read(&v, 0xff9), 0);
	struct axv_svm_vcpu none;
	memset(&none, 0, sizeof(none));
	cr_expect_eq(axv_svm_vmcb_write(&none, 0, 1), AXV_ESTATE);
	cr_expect_eq(axv_svm_decode_exit(&none, &e), AXV_ESTATE);
	cr_expect_eq(axv_svm_decode_exit(NULL, &e), AXV_EINVAL);
	cr_expect_eq(axv_svm_decode_exit(&v, NULL), AXV_EINVAL);
}

Test(svm, io_permission_bits)
{
	cr_assert_eq(axv_svm_set_io_intercept(&v, 0x3f8, 8, false), 0);
	cr_expect_eq(v.iopm[0x3f8 / 8], 0x00);
	cr_expect_eq(v.iopm[0x3f0 / 8], 0xff);
	cr_assert_eq(axv_svm_set_io_intercept(&v, 0x3fa, 1, true), 0);
	cr_expect_eq(v.iopm[0x3f8 / 8], 0x04);
	cr_assert_eq(axv_svm_set_io_intercept(&v, 0xfffe, 2, false), 0);
	cr_expect_eq(v.iopm[0x1fff], 0x3f);
	uint8_t before = v.iopm[0x1fff];
	cr_expect_eq(axv_svm_set_io_intercept(&v, 0xffff, 2, false), AXV_ERANGE);
	cr_expect_eq(axv_svm_set_io_intercept(&v, 0x10000, 1, false), AXV_ERANGE);
	cr_expect_eq(axv_svm_set_io_intercept(&v, 0x10, 0, false), AXV_EINVAL);
	cr_expect_eq(v.iopm[0x1fff], before, "refused calls change nothing");
}

Test(svm, msr_permission_bits)
{
	/* Passed through by default: FS.base (0xc0000100): vector 0x800, bits 0x200..0x201. */
	cr_expect_eq((v.msrpm[0x800 + 0x100 * 2 / 8] >> 0) & 3, 0);
	/* EFER stays intercepted. */
	cr_expect_eq((v.msrpm[0x800 + 0x80 * 2 / 8] >> 0) & 3, 3);
	cr_assert_eq(axv_svm_set_msr_intercept(&v, 0x10, false, true), 0); /* TSC */
	cr_expect_eq(v.msrpm[0x10 * 2 / 8] & 3, 2, "write only: bits 32..33");
	cr_assert_eq(axv_svm_set_msr_intercept(&v, 0xc0011fff, true, false), 0);
	cr_expect_eq(v.msrpm[0x1000 + 0x1fff * 2 / 8] >> 6, 1, "read only");
	cr_expect_eq(axv_svm_set_msr_intercept(&v, 0x2000, false, false), AXV_ERANGE);
	cr_expect_eq(axv_svm_set_msr_intercept(&v, 0xc0002000, false, false), AXV_ERANGE);
	cr_expect_eq(axv_svm_set_msr_intercept(&v, 0x40000000, false, false), AXV_ERANGE);
}

/* ---- exits ---------------------------------------------------------------------------- */

static uint64_t ioio(unsigned port, unsigned sz, bool in, bool str, bool rep)
{
	return ((uint64_t)port << 16) | ((uint64_t)sz << 4) | (in ? 1 : 0) | (str ? 4 : 0) |
	       (rep ? 8 : 0);
}

Test(svm, ioio_every_width_and_direction)
{
	static const struct {
		unsigned sz;
		uint8_t width;
	} w[] = {{1, 1}, {2, 2}, {4, 4}};
	for (unsigned i = 0; i < 3; i++) {
		for (int in = 0; in < 2; in++) {
			set_exit(AXV_SVM_EXIT_IOIO, ioio(0xe9 + i, w[i].sz, in, false, false),
				 0x7002, 0x7000);
			cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
			cr_expect_eq(e.reason, in ? AXV_EXIT_IO_READ : AXV_EXIT_IO_WRITE);
			cr_expect_eq(e.access.addr, 0xe9 + i);
			cr_expect_eq(e.access.width, w[i].width);
			cr_expect_eq(e.access.reg, AXV_X86_REG_RAX);
			cr_expect_eq(e.access.reg_width, w[i].width);
			cr_expect_eq(e.access.flags, 0);
			cr_expect_eq(e.insn_len, 2);
			cr_expect_eq(e.pc, 0x7000);
			if (!in)
				cr_expect_eq(e.access.data,
					     0x1111111111111111ull & (~0ull >> (64 - 8 * w[i].width)));
		}
	}
}

Test(svm, ioio_string_and_rep)
{
	set_exit(AXV_SVM_EXIT_IOIO, ioio(0x1f0, 2, true, true, true), 0x7003, 0x7001);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_IO_READ);
	cr_expect_eq(e.access.flags, AXV_ACCESS_STRING | AXV_ACCESS_REP);
	cr_expect_eq(e.access.reg, AXV_REG_NONE);
	cr_expect_eq(e.insn_len, 2);
}

Test(svm, ioio_malformed_is_unhandled)
{
	const uint64_t bad[][3] = {
		{ioio(0x80, 0, false, false, false), 0x7001, 0x7000}, /* no size */
		{ioio(0x80, 3, false, false, false), 0x7001, 0x7000}, /* two sizes */
		{ioio(0x80, 7, true, false, false), 0x7001, 0x7000},  /* three sizes */
		{ioio(0x80, 1, false, false, false), 0x7000, 0x7000}, /* length 0 */
		{ioio(0x80, 1, false, false, false), 0x7010, 0x7000}, /* length 16 */
		{ioio(0x80, 1, false, false, false), 0x6fff, 0x7000}, /* next RIP behind */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_exit(AXV_SVM_EXIT_IOIO, bad[i][0], bad[i][1], bad[i][2]);
		cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
		cr_expect_eq(e.reason, AXV_EXIT_UNHANDLED, "case %u", i);
		cr_expect_eq(e.unhandled.raw, AXV_SVM_EXIT_IOIO);
		cr_expect_eq(e.unhandled.info, bad[i][0]);
	}
}

Test(svm, msr_read_and_write)
{
	v.gprs.r[AXV_X86_REG_RCX] = 0xffffffff40000010ull; /* upper half ignored */
	v.gprs.r[AXV_X86_REG_RAX] = 0xdeadbeef89abcdefull;
	v.gprs.r[AXV_X86_REG_RDX] = 0xcafef00d01234567ull;
	set_exit(AXV_SVM_EXIT_MSR, 1, 0, 0x7000);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_SYSREG_WRITE);
	cr_expect_eq(e.access.addr, 0x40000010);
	cr_expect_eq(e.access.data, 0x0123456789abcdefull, "EDX:EAX");
	cr_expect_eq(e.access.width, 8);
	cr_expect_eq(e.insn_len, 2);
	set_exit(AXV_SVM_EXIT_MSR, 0, 0, 0x7000);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_SYSREG_READ);
	cr_expect_eq(e.access.reg, AXV_X86_REG_EDX_EAX);
	cr_expect_eq(e.access.reg_width, 8);
	/* The read result lands in EDX:EAX with the upper halves cleared. */
	cr_assert_eq(axv_x86_gpr_set(&v.gprs, e.access.reg, 0x1122334455667788ull), 0);
	cr_expect_eq(v.gprs.r[AXV_X86_REG_RAX], 0x55667788ull);
	cr_expect_eq(v.gprs.r[AXV_X86_REG_RDX], 0x11223344ull);
	set_exit(AXV_SVM_EXIT_MSR, 2, 0, 0x7000);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_UNHANDLED);
}

Test(svm, cpuid_is_emulated_in_place)
{
	const struct {
		uint32_t leaf;
		uint32_t r[4];
	} cases[] = {
		{0x40000000u, {0x40000001u, 0x6162696cu, 0x7678u, 0}},
		{0x40000001u, {0x100u, 0, 0, 0}},
		{0x40000002u, {0, 0, 0, 0}},
		{0x4fffffffu, {0, 0, 0, 0}},
		{1, {0xa0000001u, 0xb0000003u, 0xffffffffu, 0xd0000000u}},
		{0x80000001u, {0xa0000000u | 0x80000001u, 0xb0000003u, 0xfffffffbu, 0xd0000000u}},
		{0x8000000au, {0, 0, 0, 0}},
		{0x3fffffffu, {0xa0000000u | 0x3fffffffu, 0xb0000003u, 0xffffffffu, 0xd0000000u}},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v.gprs.r[AXV_X86_REG_RAX] = 0xffffffff00000000ull | cases[i].leaf;
		v.gprs.r[AXV_X86_REG_RCX] = 0xffffffff00000003ull;
		set_exit(AXV_SVM_EXIT_CPUID, 0, 0, 0x7000);
		cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
		cr_expect_eq(e.reason, AXV_EXIT_NOTHING);
		cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_RIP), 0x7002, "RIP advanced");
		cr_expect_eq(v.gprs.r[AXV_X86_REG_RAX], cases[i].r[0], "leaf 0x%x eax", cases[i].leaf);
		cr_expect_eq(v.gprs.r[AXV_X86_REG_RBX], cases[i].r[1], "leaf 0x%x ebx", cases[i].leaf);
		cr_expect_eq(v.gprs.r[AXV_X86_REG_RCX], cases[i].r[2], "leaf 0x%x ecx", cases[i].leaf);
		cr_expect_eq(v.gprs.r[AXV_X86_REG_RDX], cases[i].r[3], "leaf 0x%x edx", cases[i].leaf);
	}
	char sig[13] = {0};
	uint32_t r[4];
	cr_assert_eq(axv_svm_cpuid(fake_cpuid, NULL, 0x40000000u, 0, r), 0);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	cr_expect_str_eq(sig, "libaxv");
	cr_expect_eq(axv_svm_cpuid(NULL, NULL, 0, 0, r), AXV_EINVAL);
	v.cpuid = NULL;
	set_exit(AXV_SVM_EXIT_CPUID, 0, 0, 0x7000);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_UNHANDLED, "no CPUID source");
}

Test(svm, hlt_vmmcall_intr_shutdown_invalid)
{
	set_exit(AXV_SVM_EXIT_HLT, 0, 0, 0x7000);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HALT);
	cr_expect_eq(e.pc, 0x7000);
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_RIP), 0x7001);

	set_exit(AXV_SVM_EXIT_VMMCALL, 0, 0, 0x7000);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HYPERCALL);
	cr_expect_eq(e.insn_len, 3);
	cr_expect_eq(e.hypercall.nr, v.gprs.r[AXV_X86_REG_RAX]);
	const unsigned abi[6] = {AXV_X86_REG_RBX, AXV_X86_REG_RCX, AXV_X86_REG_RDX,
				 AXV_X86_REG_RSI, AXV_X86_REG_RDI, AXV_X86_REG_R8};
	for (unsigned i = 0; i < 6; i++)
		cr_expect_eq(e.hypercall.args[i], v.gprs.r[abi[i]], "arg %u", i);
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_RIP), 0x7000, "embedder advances");

	set_exit(AXV_SVM_EXIT_INTR, 0, 0, 0x7000);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_EXTERNAL_IRQ);
	cr_expect_eq(e.external_irq.vector, AXV_SVM_VECTOR_UNKNOWN);
	set_exit(AXV_SVM_EXIT_NMI, 0, 0, 0x7000);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.external_irq.vector, 2);

	set_exit(AXV_SVM_EXIT_SHUTDOWN, 0, 0, 0x7000);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_SYSTEM_DOWN);

	const uint64_t invalid[] = {0xffffffffull, 0xffffffffffffffffull};
	for (unsigned i = 0; i < 2; i++) {
		set_exit(invalid[i], 0, 0, 0x7000);
		cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
		cr_expect_eq(e.reason, AXV_EXIT_FAIL_ENTRY);
		cr_expect_eq(e.fail_entry.hw_reason, invalid[i]);
	}
}

Test(svm, every_other_code_is_unhandled)
{
	const uint64_t handled[] = {AXV_SVM_EXIT_INTR, AXV_SVM_EXIT_NMI, AXV_SVM_EXIT_CPUID,
				    AXV_SVM_EXIT_HLT, AXV_SVM_EXIT_IOIO, AXV_SVM_EXIT_MSR,
				    AXV_SVM_EXIT_SHUTDOWN, AXV_SVM_EXIT_VMMCALL};
	for (uint64_t code = 0; code < 0x420; code++) {
		bool skip = code == AXV_SVM_EXIT_NPF;
		for (unsigned i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
			skip |= code == handled[i];
		if (skip)
			continue;
		set_exit(code, 0x77, 0, 0x7000);
		cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
		cr_assert_eq(e.reason, AXV_EXIT_UNHANDLED, "code 0x%llx", (unsigned long long)code);
		cr_assert_eq(e.unhandled.raw, code);
		cr_assert_eq(e.unhandled.info, 0x77);
	}
	const uint64_t huge[] = {0x100000000ull, 0x1000000400ull, 0xfffffffe};
	for (unsigned i = 0; i < 3; i++) {
		set_exit(huge[i], 0, 0, 0x7000);
		cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
		cr_expect_eq(e.reason, AXV_EXIT_UNHANDLED);
	}
}

/* ---- nested page faults and MMIO ------------------------------------------------------- */

/* Decode the exit the VMCB holds (every NPF is reported undecoded), then what
 * axv_vcpu_resolve() does for one a device holds: the port's decode hook. */
static int npf_decode(void)
{
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_assert_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	return axv_svm_decode_access(&v, &e);
}

Test(svm, npf_in_ram_is_a_page_fault)
{
	set_exit(AXV_SVM_EXIT_NPF, AXV_SVM_NPF_RW | AXV_SVM_NPF_US | AXV_SVM_NPF_FINAL,
		 LAZY_BASE + 0x1234, ENTRY);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(e.npf.addr, LAZY_BASE + 0x1234);
	cr_expect_eq(e.npf.access, AXV_MAP_WRITE);
	set_exit(AXV_SVM_EXIT_NPF, AXV_SVM_NPF_US | AXV_SVM_NPF_ID, LAZY_BASE, ENTRY);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.npf.access, AXV_MAP_EXEC);
	/* Outside RAM too: the port does not decide what backs the fault. */
	set_exit(AXV_SVM_EXIT_NPF, AXV_SVM_NPF_P, MMIO_GPA, ENTRY);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(e.npf.access, AXV_MAP_READ);
	/* A fetch, or the guest's own page-table walk, is never decoded as a device access. */
	guest_bytes(ENTRY, (const uint8_t[]){0x89, 0x03}, 2);
	set_exit(AXV_SVM_EXIT_NPF, AXV_SVM_NPF_ID, MMIO_GPA, ENTRY);
	cr_expect_eq(npf_decode(), AXV_ENOTSUP);
	set_exit(AXV_SVM_EXIT_NPF, AXV_SVM_NPF_TABLE, MMIO_GPA, ENTRY);
	cr_expect_eq(npf_decode(), AXV_ENOTSUP);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.npf.flags, AXV_NPF_WALK, "the report says it was the guest's walk");
	/* Only the exit the VMCB holds is decoded. */
	set_exit(AXV_SVM_EXIT_NPF, AXV_SVM_NPF_RW, MMIO_GPA, ENTRY);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	e.npf.addr += 8;
	cr_expect_eq(axv_svm_decode_access(&v, &e), AXV_EINVAL);
	cr_expect_eq(axv_svm_decode_access(NULL, &e), AXV_EINVAL);
	/* Without an address space nothing is decoded. */
	v.as = NULL;
	set_exit(AXV_SVM_EXIT_NPF, 0, MMIO_GPA, ENTRY);
	cr_expect_eq(npf_decode(), AXV_ENOTSUP);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
}

Test(svm, npf_at_a_device_decodes_stores_and_loads_on_demand)
{
	/* mov [rbx], eax (89 03); mov rcx, [rdx] (48 8b 0a); mov byte [rdi], 0x5a (c6 07 5a). */
	guest_bytes(ENTRY, (const uint8_t[]){0x89, 0x03}, 2);
	set_exit(AXV_SVM_EXIT_NPF, AXV_SVM_NPF_RW | AXV_SVM_NPF_US, MMIO_GPA, ENTRY);
	cr_assert_eq(npf_decode(), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_WRITE);
	cr_expect_eq(e.access.addr, MMIO_GPA);
	cr_expect_eq(e.access.width, 4);
	cr_expect_eq(e.access.data, 0x11111111u);
	cr_expect_eq(e.insn_len, 2);
	cr_expect_eq(e.pc, ENTRY);

	guest_bytes(ENTRY, (const uint8_t[]){0x48, 0x8b, 0x0a}, 3);
	set_exit(AXV_SVM_EXIT_NPF, AXV_SVM_NPF_US, MMIO_GPA, ENTRY);
	cr_assert_eq(npf_decode(), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_READ);
	cr_expect_eq(e.access.reg, AXV_X86_REG_RCX);
	cr_expect_eq(e.access.width, 8);
	cr_expect_eq(e.insn_len, 3);

	guest_bytes(ENTRY, (const uint8_t[]){0xc6, 0x07, 0x5a}, 3);
	set_exit(AXV_SVM_EXIT_NPF, AXV_SVM_NPF_RW, MMIO_GPA, ENTRY);
	cr_assert_eq(npf_decode(), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_WRITE);
	cr_expect_eq(e.access.data, 0x5a);
	cr_expect_eq(e.access.width, 1);
}

Test(svm, mmio_fetch_crosses_pages_and_large_pages)
{
	/* 48 8b 0a split over 0x5ffe/0x6000. */
	guest_bytes(0x5ffe, (const uint8_t[]){0x48, 0x8b, 0x0a}, 3);
	set_exit(AXV_SVM_EXIT_NPF, 0, MMIO_GPA, 0x5ffe);
	cr_assert_eq(npf_decode(), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_READ);
	cr_expect_eq(e.insn_len, 3);
	/* The same bytes through the 2 MiB alias at VA 2 MiB. */
	set_exit(AXV_SVM_EXIT_NPF, 0, MMIO_GPA, (2u << 20) + 0x5ffe);
	cr_assert_eq(npf_decode(), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_READ);
	/* An instruction running into the unmapped page 0x9000 cannot be decoded: the fault is
	 * left as it was. */
	guest_bytes(0x8fff, (const uint8_t[]){0x48}, 1);
	set_exit(AXV_SVM_EXIT_NPF, 0, MMIO_GPA, 0x8fff);
	cr_expect_eq(npf_decode(), AXV_ENOTSUP);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(e.npf.addr, MMIO_GPA);
}

Test(svm, mmio_bad_instructions_are_refused)
{
	const struct {
		uint64_t rip;
		uint64_t err;
		uint8_t b[3];
		int rc;
	} bad[] = {
		{ENTRY, 0, {0x0f, 0x0b, 0x00}, AXV_ENOTSUP},              /* UD2 */
		{ENTRY, AXV_SVM_NPF_RW, {0x48, 0x8b, 0x0a}, AXV_ENOTSUP}, /* load; the fault says write */
		{0x9000, 0, {0}, AXV_EFAULT},                             /* RIP on a non-present page */
		{0x0000800000000000ull, 0, {0}, AXV_EFAULT},              /* PML4 entry not present */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bad[i].rip == ENTRY)
			guest_bytes(ENTRY, bad[i].b, 3);
		set_exit(AXV_SVM_EXIT_NPF, bad[i].err, MMIO_GPA, bad[i].rip);
		cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
		const struct axv_exit before = e;
		cr_expect_eq(axv_svm_decode_access(&v, &e), bad[i].rc, "case %u", i);
		cr_expect_eq(memcmp(&before, &e, sizeof(e)), 0, "case %u: the fault unchanged", i);
	}
}

Test(svm, guest_virtual_reads_by_paging_mode)
{
	uint8_t buf[16];
	guest_bytes(0x7000, (const uint8_t[]){1, 2, 3, 4}, 4);
	cr_assert_eq(axv_svm_read_guest_virt(&v, 0x7000, buf, 4), 0);
	cr_expect_eq(buf[3], 4);
	cr_expect_eq(axv_svm_read_guest_virt(&v, (2u << 20) + 0x7000, buf, 4), 0);
	cr_expect_eq(buf[0], 1);
	cr_expect_eq(axv_svm_read_guest_virt(&v, 0x9000, buf, 4), AXV_EFAULT);
	/* Paging off: linear is physical, also through the unmapped page 0x9000. */
	uint64_t cr0 = axv_svm_vmcb_read(&v, AXV_SVM_VMCB_CR0);
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_CR0, cr0 & ~(1ull << 31)), 0);
	cr_expect_eq(axv_svm_read_guest_virt(&v, 0x9000, buf, 4), 0);
	/* Legacy/PAE paging without long mode is not walked. */
	uint64_t efer = axv_svm_vmcb_read(&v, AXV_SVM_VMCB_EFER);
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_CR0, cr0), 0);
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_EFER, efer & ~AXV_SVM_EFER_LMA), 0);
	cr_expect_eq(axv_svm_read_guest_virt(&v, 0x7000, buf, 4), AXV_ENOTSUP);
	cr_expect_eq(axv_svm_read_guest_virt(NULL, 0x7000, buf, 4), AXV_EINVAL);
}

Test(svm, request_flush_sets_the_flag)
{
	atomic_store(&v.flush, false);
	axv_svm_request_flush(&v);
	cr_expect(atomic_load(&v.flush));
	axv_svm_request_flush(NULL);
}

Test(svm, hostile_guest_page_tables_are_refused)
{
	uint8_t buf[4];
	/* PD[2] points at a table far outside the guest's address space. */
	wr64(0x3010, (1ull << 40) | 3);
	cr_expect_eq(axv_svm_read_guest_virt(&v, (4u << 20) + 0x10, buf, 4), AXV_EFAULT);
	/* PD[3] is a 2 MiB page outside every area (the MMIO hole). */
	wr64(0x3018, (MMIO_GPA & ~0x1fffffull) | 0x83);
	cr_expect_eq(axv_svm_read_guest_virt(&v, (6u << 20), buf, 4), AXV_EFAULT);
	set_exit(AXV_SVM_EXIT_NPF, 0, MMIO_GPA, 6u << 20);
	cr_expect_eq(npf_decode(), AXV_EFAULT, "RIP in unbacked memory");
	/* CR3 outside the space. */
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_CR3, 1ull << 45), 0);
	cr_expect_eq(axv_svm_read_guest_virt(&v, 0x7000, buf, 4), AXV_EFAULT);
}

Test(svm, mmio_in_32_and_16_bit_code)
{
	/* Compatibility mode (CS.L = 0, CS.D = 1): 66 89 03 is a 2-byte store. */
	guest_bytes(ENTRY, (const uint8_t[]){0x66, 0x89, 0x03}, 3);
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_CS + AXV_SVM_SEG_ATTRIB,
					(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_CS + AXV_SVM_SEG_ATTRIB) &
					 ~0xffffull) | 0x0c9b),
		     0);
	set_exit(AXV_SVM_EXIT_NPF, AXV_SVM_NPF_RW, MMIO_GPA, ENTRY);
	cr_assert_eq(npf_decode(), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_WRITE);
	cr_expect_eq(e.access.width, 2);
	cr_expect_eq(e.insn_len, 3);
	/* Real mode style: paging off, CS.D = 0, CS.base 0x5000, IP 0: 89 03 is 2 bytes. */
	uint64_t cr0 = axv_svm_vmcb_read(&v, AXV_SVM_VMCB_CR0);
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_CR0, cr0 & ~(1ull << 31)), 0);
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_CS + AXV_SVM_SEG_ATTRIB,
					(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_CS + AXV_SVM_SEG_ATTRIB) &
					 ~0xffffull) | 0x0093),
		     0);
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_CS + AXV_SVM_SEG_BASE, 0x5000), 0);
	guest_bytes(0x5000, (const uint8_t[]){0x89, 0x03}, 2);
	set_exit(AXV_SVM_EXIT_NPF, AXV_SVM_NPF_RW, MMIO_GPA, 0);
	cr_assert_eq(npf_decode(), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_WRITE);
	cr_expect_eq(e.access.width, 2, "16-bit operand size");
	cr_expect_eq(e.access.data, 0x1111);
}

Test(svm, maps_refuse_calls_before_setup)
{
	struct axv_svm_vcpu none;
	memset(&none, 0, sizeof(none));
	cr_expect_eq(axv_svm_set_io_intercept(&none, 0, 1, true), AXV_ESTATE);
	cr_expect_eq(axv_svm_set_msr_intercept(&none, 0, true, true), AXV_ESTATE);
	cr_expect_eq(axv_svm_set_io_intercept(NULL, 0, 1, true), AXV_EINVAL);
	cr_expect_eq(axv_svm_set_msr_intercept(NULL, 0, true, true), AXV_EINVAL);
	cr_expect_eq(axv_svm_vmcb_read(NULL, 0), 0);
	uint8_t b;
	cr_expect_eq(axv_svm_read_guest_virt(&none, 0, &b, 1), AXV_EINVAL);
}

Test(svm, interrupted_event_delivery_is_reinjected)
{
	/* #PF (vector 14, type 3 exception, EV, V) with error code 2, cut short by an NPF on
	 * the guest's lazily backed stack. */
	const uint64_t info = (2ull << 32) | AXV_SVM_EVENT_VALID | (1u << 11) | (3u << 8) | 14;
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_EXITINTINFO, info), 0);
	set_exit(AXV_SVM_EXIT_NPF, AXV_SVM_NPF_RW, LAZY_BASE, ENTRY);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_EVENTINJ), info);
	/* The next exit without an interrupted event clears it. */
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_EXITINTINFO, info & ~AXV_SVM_EVENT_VALID),
		     0);
	set_exit(AXV_SVM_EXIT_HLT, 0, 0, 0x7000);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_EVENTINJ), 0);
}

/* "sti; hlt": the HLT is in the STI's interrupt shadow; the backend skips the HLT, after
 * which the shadow is over (it covers one instruction: APM Vol. 2, 15.21.5 "Interrupt
 * Shadows"). Left set, it would keep a woken guest from taking the interrupt that woke it. */
Test(svm, skipping_an_instruction_ends_the_interrupt_shadow)
{
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_INTERRUPT_SHADOW, 1), 0);
	set_exit(AXV_SVM_EXIT_HLT, 0, 0, 0x7000);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HALT);
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_INTERRUPT_SHADOW) & 1, 0,
		     "the shadow ended with the skipped HLT");
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_INTERRUPT_SHADOW, 1), 0);
	v.gprs.r[AXV_X86_REG_RAX] = 0;
	set_exit(AXV_SVM_EXIT_CPUID, 0, 0, 0x7000);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_INTERRUPT_SHADOW) & 1, 0,
		     "and with a skipped CPUID");
}

/* An external interrupt goes in through EVENTINJ (APM Vol. 2, 15.20: vector, type 0, V)
 * when the guest can take it: RFLAGS.IF set, no interrupt shadow, no event queued. */
Test(svm, inject_irq_only_when_the_guest_can_take_it)
{
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_RFLAGS, 0x2), 0);
	cr_expect_eq(axv_svm_inject_irq(&v, 0x40), AXV_ENOSPC, "IF = 0");
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_EVENTINJ), 0);
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_RFLAGS, 0x202), 0);
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_INTERRUPT_SHADOW, 1), 0);
	cr_expect_eq(axv_svm_inject_irq(&v, 0x40), AXV_ENOSPC, "in a shadow");
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_EVENTINJ), 0);
	cr_assert_eq(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_INTERRUPT_SHADOW, 0), 0);
	cr_expect_eq(axv_svm_inject_irq(&v, 0x40), 0);
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_EVENTINJ), 0x40 | AXV_SVM_EVENT_VALID);
	cr_expect_eq(axv_svm_inject_irq(&v, 0x41), AXV_ENOSPC, "one event per VMRUN");
	cr_expect_eq(axv_svm_vmcb_read(&v, AXV_SVM_VMCB_EVENTINJ), 0x40 | AXV_SVM_EVENT_VALID);
	cr_expect_eq(axv_svm_inject_irq(&v, 31), AXV_EINVAL, "an exception vector");
	cr_expect_eq(axv_svm_inject_irq(NULL, 0x40), AXV_EINVAL);
}

Test(svm, npf_at_a_device_is_reported_undecoded)
{
	guest_bytes(ENTRY, (const uint8_t[]){0x89, 0x03}, 2);
	set_exit(AXV_SVM_EXIT_NPF, AXV_SVM_NPF_RW | AXV_SVM_NPF_US, MMIO_GPA, ENTRY);
	cr_assert_eq(axv_svm_decode_exit(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT, "reason %s", axv_exit_name(e.reason));
	cr_expect_eq(e.npf.addr, MMIO_GPA);
	cr_expect_eq(e.npf.access, AXV_MAP_WRITE);
}
