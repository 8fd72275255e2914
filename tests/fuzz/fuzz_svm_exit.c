/* Fuzz harness: SVM exit decoding over a real VMCB and a guest address space (mock HAL, NPT):
 * the exit code, EXITINFO1/2, EXITINTINFO, RIP, the guest's CR0/CR3/CR4/EFER and CS
 * attributes, its general registers and the instruction bytes at RIP all come from the
 * input, so nested page faults outside every area fetch and decode guest-chosen bytes
 * through guest-chosen paging state.
 *
 * Checks: decoding never fails and gives a valid reason with the exit's RIP; RIP moves only
 * for exits handled in place or already stepped over (CPUID, HLT), by at most 15 bytes;
 * access exits have valid widths and registers, I/O exits a length of 1 to 15, and every
 * one without the string flags is completed by axv_exit_complete() through a bus; nested
 * page faults name one access kind; the address space is never changed by decoding. */
#include <string.h>

#include <axv/arch/x86_64.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>
#include <axv/frame.h>

#include "../addrspace/as_util.h"
#include "fuzz.h"
#include "mock_hal.h"
#include "svm_hw.h"
#include <axv/arch/x86_64_hw.h>

#define ASID 7
#define CODE 0x6000ull /* a code page the input fills */
#define LAZY_BASE 0x40000000ull

static struct mock_hal m;
static struct axv_frames fr;
static struct axv_addrspace as;
static struct axv_svm_vcpu v;
static uint64_t tree0;

static void fake_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)ctx;
	out[0] = 0xa0000000u | leaf;
	out[1] = 0xb0000000u | sub;
	out[2] = 0xffffffffu;
	out[3] = 0xd0000000u;
}

static void wr64(uint64_t gpa, uint64_t val)
{
	FUZZ_CHECK(axv_addrspace_write(&as, gpa, &val, 8) == 0, "guest write");
}

/* Once: guest RAM 0..2 MiB with identity long-mode tables (as tests/port-x86_64/test_svm.c),
 * a lazy area, and the vcpu. */
static void once(void)
{
	mock_hal_init(&m, 2048);
	FUZZ_CHECK(axv_frames_init(&fr, &m.hal) == 0, "frames");
	FUZZ_CHECK(axv_addrspace_init(&as, &m.hal, &axv_pt_npt, 0, 1ull << 32, ASID) == 0, "as");
	FUZZ_CHECK(axv_addrspace_map_alloc(&as, 0, 2u << 20, AXV_MAP_RWX, true) == 0, "ram");
	FUZZ_CHECK(axv_addrspace_map_alloc(&as, LAZY_BASE, 0x10000, AXV_MAP_READ | AXV_MAP_WRITE,
					   false) == 0,
		   "lazy");
	wr64(0x1000, 0x2000 | 3);
	wr64(0x2000, 0x3000 | 3);
	wr64(0x3000, 0x4000 | 3);
	wr64(0x3008, 0x0 | 0x83);
	for (uint64_t i = 0; i < 512; i++)
		wr64(0x4000 + i * 8, i == 9 ? 0 : (i << 12) | 3);
	memset(&v, 0, sizeof(v));
	v.entry = CODE;
	v.ncr3 = axv_addrspace_root(&as);
	const struct axv_svm_vcpu_config cfg = {
		.frames = &fr, .as = &as, .asid = ASID, .rsp = 0x8000, .cr3 = 0x1000,
		.cpuid = fake_cpuid,
	};
	FUZZ_CHECK(axv_svm_vcpu_init(&v, &cfg) == 0, "vcpu");
}

static uint64_t dev_value;
static int d_read(void *ctx, uint64_t off, uint8_t width, uint64_t *val)
{
	(void)ctx;
	(void)off;
	(void)width;
	*val = dev_value;
	return 0;
}
static int d_write(void *ctx, uint64_t off, uint8_t width, uint64_t val)
{
	(void)ctx;
	(void)off;
	(void)width;
	(void)val;
	return 0;
}
static const struct axv_device_ops catch_all = {d_read, d_write};

static int t_set(void *ctx, unsigned reg, uint64_t val)
{
	return axv_x86_gpr_set(ctx, reg, val);
}
static int t_get(void *ctx, unsigned reg, uint64_t *val)
{
	return axv_x86_gpr_get(ctx, reg, val);
}
static int t_adv(void *ctx, uint8_t len)
{
	(void)ctx;
	(void)len;
	return 0;
}

static const uint32_t codes[] = {
	AXV_SVM_EXIT_IOIO, AXV_SVM_EXIT_MSR, AXV_SVM_EXIT_CPUID, AXV_SVM_EXIT_VMMCALL,
	AXV_SVM_EXIT_HLT, AXV_SVM_EXIT_NPF, AXV_SVM_EXIT_INTR, AXV_SVM_EXIT_NMI,
	AXV_SVM_EXIT_SHUTDOWN, AXV_SVM_EXIT_INVALID, AXV_SVM_EXIT_EXCP_BASE + 14,
	AXV_SVM_EXIT_CR0_WRITE, AXV_SVM_EXIT_VMRUN, AXV_SVM_EXIT_XSETBV, AXV_SVM_EXIT_NPF,
	AXV_SVM_EXIT_IOIO};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		once();
		tree0 = test_tree_hash(&m, &as, NULL, NULL);
		ready = true;
	}
	struct fin in = {data, size};
	uint8_t cb = fin_u8(&in);
	uint64_t code = cb & 0x80 ? fin_u64(&in) : codes[cb % 16];
	uint64_t info1 = fin_u64(&in);
	if ((cb & 0x70) == 0x10 && code == AXV_SVM_EXIT_NPF) /* a plausible NPF error code */
		info1 = (info1 & 0x1f) | AXV_SVM_NPF_US | AXV_SVM_NPF_FINAL;
	uint64_t info2 = fin_u64(&in);
	uint8_t rb = fin_u8(&in);
	uint64_t rip = rb & 0x80 ? fin_u64(&in) : CODE + (rb & 0x7f) * 31;
	if ((cb & 0x70) == 0x20) /* IOIO: EXITINFO2 is the next RIP */
		info2 = rip + (fin_u8(&in) % 18);
	FUZZ_CHECK(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_EXITCODE, code) == 0 &&
			   axv_svm_vmcb_write(&v, AXV_SVM_VMCB_EXITINFO1, info1) == 0 &&
			   axv_svm_vmcb_write(&v, AXV_SVM_VMCB_EXITINFO2, info2) == 0 &&
			   axv_svm_vmcb_write(&v, AXV_SVM_VMCB_RIP, rip) == 0 &&
			   axv_svm_vmcb_write(&v, AXV_SVM_VMCB_EXITINTINFO,
					      fin_u8(&in) & 1 ? fin_u64(&in) : 0) == 0,
		   "vmcb write");
	uint8_t pb = fin_u8(&in);
	uint64_t cr0 = 0x80000011ull, cr4 = 0x20, efer = 0x1500, cs_attr = 0x29b;
	if (pb & 1) {
		cr0 = fin_u64(&in);
		cr4 = fin_u64(&in);
		efer = fin_u64(&in);
		cs_attr = fin_u16(&in);
	}
	FUZZ_CHECK(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_CR0, cr0) == 0 &&
			   axv_svm_vmcb_write(&v, AXV_SVM_VMCB_CR4, cr4) == 0 &&
			   axv_svm_vmcb_write(&v, AXV_SVM_VMCB_EFER, efer) == 0 &&
			   axv_svm_vmcb_write(&v, AXV_SVM_VMCB_CR3, pb & 2 ? fin_u64(&in) : 0x1000) == 0 &&
			   axv_svm_vmcb_write(&v, AXV_SVM_VMCB_CS + AXV_SVM_SEG_ATTRIB, cs_attr) == 0 &&
			   axv_svm_vmcb_write(&v, AXV_SVM_VMCB_CS + AXV_SVM_SEG_BASE,
					      pb & 4 ? fin_u64(&in) : 0) == 0,
		   "vmcb state");
	uint8_t code_bytes[32];
	for (size_t i = 0; i < sizeof(code_bytes); i++)
		code_bytes[i] = fin_u8(&in);
	if ((rip & ~0xfffull) == CODE && (rip & 0xfff) + sizeof(code_bytes) <= 0x1000)
		FUZZ_CHECK(axv_addrspace_write(&as, rip, code_bytes, sizeof(code_bytes)) == 0, "code");
	for (unsigned i = 0; i < 16; i++)
		v.gprs.r[i] = in.n ? fin_u64(&in) : 0x1111111111111111ull * (i + 1);
	FUZZ_CHECK(axv_svm_vmcb_write(&v, AXV_SVM_VMCB_RAX, v.gprs.r[AXV_X86_REG_RAX]) == 0 &&
			   axv_svm_vmcb_write(&v, AXV_SVM_VMCB_RSP, v.gprs.r[AXV_X86_REG_RSP]) == 0,
		   "rax/rsp");
	dev_value = fin_u64(&in);
	size_t frames = axv_addrspace_frames(&as);

	struct axv_exit e;
	memset(&e, 0x5a, sizeof(e));
	int rc = axv_svm_decode_exit(&v, &e);
	FUZZ_CHECK(rc == 0, "code %#llx: decode %d", (unsigned long long)code, rc);
	FUZZ_CHECK((unsigned)e.reason < AXV_EXIT_REASON_COUNT, "reason %d", e.reason);
	FUZZ_CHECK(e.pc == rip, "exit pc");
	uint64_t rip2 = axv_svm_vmcb_read(&v, AXV_SVM_VMCB_RIP);
	if (rip2 != rip) {
		FUZZ_CHECK(rip2 - rip <= 15, "RIP moved by %#llx", (unsigned long long)(rip2 - rip));
		FUZZ_CHECK(e.reason == AXV_EXIT_NOTHING || e.reason == AXV_EXIT_HALT,
			   "RIP moved for reason %d", e.reason);
	}
	FUZZ_CHECK(axv_addrspace_frames(&as) == frames &&
			   test_tree_hash(&m, &as, NULL, NULL) == tree0,
		   "decoding changed the address space");
	switch (e.reason) {
	case AXV_EXIT_NESTED_PAGE_FAULT:
		/* What axv_addrspace_handle_fault() accepts: a non-empty subset of R, W, X. */
		FUZZ_CHECK(e.npf.access != 0 && !(e.npf.access & ~AXV_MAP_RWX),
			   "npf access %#x", e.npf.access);
		break;
	case AXV_EXIT_IO_READ:
	case AXV_EXIT_IO_WRITE:
		FUZZ_CHECK(e.insn_len >= 1 && e.insn_len <= 15, "IOIO length %u", e.insn_len);
		break;
	default:
		break;
	}
	if (e.reason >= AXV_EXIT_MMIO_READ && e.reason <= AXV_EXIT_IO_WRITE) {
		FUZZ_CHECK(axv_width_valid(e.access.width), "width %u", e.access.width);
		FUZZ_CHECK(e.access.reg < AXV_X86_REG_COUNT || e.access.reg == AXV_REG_NONE,
			   "reg %u", e.access.reg);
		FUZZ_CHECK(e.insn_len <= 15, "insn_len %u", e.insn_len);
		struct axv_bus bus;
		struct axv_bus_entry slots[3];
		const size_t cap[AXV_BUS_SPACE_COUNT] = {1, 1, 1};
		FUZZ_CHECK(axv_bus_init(&bus, slots, cap) == 0, "bus");
		for (unsigned s = 0; s < AXV_BUS_SPACE_COUNT; s++)
			FUZZ_CHECK(axv_bus_register(&bus, (enum axv_bus_space)s, 0, UINT64_MAX,
						    &catch_all, NULL) == 0,
				   "register");
		struct axv_x86_gprs g = v.gprs;
		struct axv_exit_target t = {t_set, t_adv, &g, t_get};
		struct axv_exit ex = e;
		rc = axv_exit_complete(&bus, &t, &ex);
		bool sysreg = e.reason == AXV_EXIT_SYSREG_READ || e.reason == AXV_EXIT_SYSREG_WRITE;
		bool wraps = !sysreg && e.access.addr > UINT64_MAX - e.access.width;
		if (e.access.flags & (AXV_ACCESS_STRING | AXV_ACCESS_REP))
			FUZZ_CHECK(rc == AXV_ENOTSUP, "string exit: %d", rc);
		else
			FUZZ_CHECK(rc == (wraps ? AXV_ENXIO : 0),
				   "complete of decoded reason %d (code %#llx): %d", e.reason,
				   (unsigned long long)code, rc);
	}
	return 0;
}
