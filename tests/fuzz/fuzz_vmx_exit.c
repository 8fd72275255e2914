/* Fuzz harness: VMX exit decoding over a simulated VMCS (tests/port-x86_64/test_vmx_sim.c):
 * the exit reason, qualification, instruction length, interruption information, guest
 * physical address, guest control registers, general registers and, for EPT violations at
 * an MMIO address, the instruction bytes, all from the input.
 *
 * Checks: decoding never fails and gives a valid reason with the exit's RIP; RIP moves only
 * for exits handled in place or already stepped over, and then forward by at most 15 bytes;
 * widths, registers and flags of access exits are valid, and every MMIO, port and MSR exit
 * without the string flags is completed by axv_exit_complete() through a bus; nested page
 * faults name one access kind; unhandled exits carry the raw reason. */
#include <string.h>

#include <axv/arch/x86_64_vmx.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>

#include "../port-x86_64/test_vmx_sim.h"
#include "fuzz.h"
#include "vmx_hw.h"

static uint8_t vmxon_page[4096] __attribute__((aligned(4096)));
static uint8_t vmcs_page[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static struct axv_vmx_cpu cpu;
static struct axv_vmx_vcpu vc;

#define RIP0 0x100000ull

static uint8_t code[16];
static size_t code_len;
static int fetch_rc;
static axv_gpa_t mmio_lo, mmio_hi;

/* Does the stand-in device (the resolver's bus) hold @gpa? */
static bool is_device(axv_gpa_t gpa)
{
	return gpa >= mmio_lo && gpa < mmio_hi;
}

static int fetch(void *ctx, uint64_t linear, uint64_t cr0, uint64_t cr3, uint64_t cr4,
		 uint64_t efer, uint8_t *buf, size_t max)
{
	(void)ctx;
	(void)linear;
	(void)cr0;
	(void)cr3;
	(void)cr4;
	(void)efer;
	FUZZ_CHECK(max >= 1 && max <= 16, "fetch of %zu bytes", max);
	if (fetch_rc)
		return fetch_rc;
	size_t n = code_len < max ? code_len : max;
	memcpy(buf, code, n);
	return (int)n;
}

static const struct axv_vmx_mmio_ops mmio_ops = {fetch, NULL};

static struct axv_vmx_cpu *current_cpu(void *arg)
{
	(void)arg;
	return &cpu;
}

static uint64_t dev_value;
static int d_read(void *ctx, uint64_t off, uint8_t width, uint64_t *v)
{
	(void)ctx;
	(void)off;
	(void)width;
	*v = dev_value;
	return 0;
}
static int d_write(void *ctx, uint64_t off, uint8_t width, uint64_t v)
{
	(void)ctx;
	(void)off;
	(void)width;
	(void)v;
	return 0;
}
static const struct axv_device_ops catch_all = {d_read, d_write};

static int t_set(void *ctx, unsigned reg, uint64_t v)
{
	return axv_x86_gpr_set(ctx, reg, v);
}
static int t_get(void *ctx, unsigned reg, uint64_t *v)
{
	return axv_x86_gpr_get(ctx, reg, v);
}
static int t_adv(void *ctx, uint8_t len)
{
	(void)ctx;
	(void)len;
	return 0;
}

static const uint32_t reasons[] = {
	AXV_VMX_EXIT_EXCEPTION_NMI, AXV_VMX_EXIT_EXTERNAL_INTERRUPT, AXV_VMX_EXIT_TRIPLE_FAULT,
	AXV_VMX_EXIT_CPUID, AXV_VMX_EXIT_HLT, AXV_VMX_EXIT_VMCALL, AXV_VMX_EXIT_CR_ACCESS,
	AXV_VMX_EXIT_IO_INSTRUCTION, AXV_VMX_EXIT_RDMSR, AXV_VMX_EXIT_WRMSR,
	AXV_VMX_EXIT_EPT_VIOLATION, AXV_VMX_EXIT_EPT_MISCONFIG, AXV_VMX_EXIT_XSETBV,
	AXV_VMX_EXIT_INTERRUPT_WINDOW, AXV_VMX_EXIT_NMI_WINDOW, AXV_VMX_EXIT_VMXON};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = {data, size};
	sim_reset();
	memset(&cpu, 0, sizeof(cpu));
	memset(&vc, 0, sizeof(vc));
	cpu.hw = &sim_hw;
	cpu.vmxon_va = vmxon_page;
	cpu.vmxon_pa = 0x100000;
	FUZZ_CHECK(axv_vmx_cpu_enable(&cpu) == 0, "enable");
	FUZZ_CHECK(axv_vmx_vcpu_ops.create(&vc, 2) == 0, "create");
	uint8_t mode = fin_u8(&in);
	struct axv_vmx_vcpu_config cfg = {
		.current_cpu = current_cpu,
		.vmcs_va = vmcs_page,
		.vmcs_pa = 0x101000,
		.msr_bitmap_va = msr_bitmap,
		.msr_bitmap_pa = 0x102000,
		.mode = (mode & 1) ? AXV_VMX_GUEST_REAL : AXV_VMX_GUEST_FLAT32,
		.mmio = (mode & 2) ? NULL : &mmio_ops,
	};
	FUZZ_CHECK(axv_vmx_vcpu_ops.setup(&vc, &cfg) == 0, "setup");
	FUZZ_CHECK(axv_vmx_vcpu_ops.set_entry(&vc, (mode & 1) ? 0x7c00 : RIP0) == 0, "entry");
	FUZZ_CHECK(axv_vmx_vcpu_ops.bind(&vc) == 0, "bind");

	uint8_t rb = fin_u8(&in);
	uint32_t reason = rb & 0x80 ? fin_u32(&in)
				    : reasons[rb % (sizeof(reasons) / sizeof(reasons[0]))];
	uint64_t qual = fin_u64(&in);
	uint8_t ilen = fin_u8(&in);
	sim_vmcs_set(AXV_VMCS_EXIT_REASON, reason);
	sim_vmcs_set(AXV_VMCS_EXIT_QUALIFICATION, qual);
	sim_vmcs_set(AXV_VMCS_EXIT_INSTRUCTION_LEN, ilen & 0x80 ? ilen : ilen % 16);
	sim_vmcs_set(AXV_VMCS_EXIT_INTR_INFO, fin_u32(&in));
	axv_gpa_t gpa = fin_u8(&in) & 1 ? UINT64_MAX - fin_u16(&in) : fin_u32(&in);
	sim_vmcs_set(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, gpa);
	mmio_lo = gpa & ~0xfffull;
	mmio_hi = fin_u8(&in) & 1 ? mmio_lo : mmio_lo + 0x1000; /* empty: not MMIO */
	if (fin_u8(&in) & 1) {
		sim_vmcs_set(AXV_VMCS_GUEST_CR0, fin_u64(&in));
		sim_vmcs_set(AXV_VMCS_GUEST_CR4, fin_u64(&in));
		sim_vmcs_set(AXV_VMCS_GUEST_IA32_EFER, fin_u64(&in));
		sim_vmcs_set(AXV_VMCS_GUEST_CS_AR, fin_u32(&in));
	}
	code_len = fin_u8(&in) % 17;
	for (size_t i = 0; i < sizeof(code); i++)
		code[i] = fin_u8(&in);
	fetch_rc = (fin_u8(&in) & 7) == 7 ? AXV_EFAULT : 0;
	for (unsigned i = 0; i < 16; i++)
		vc.regs.r[i] = in.n ? fin_u64(&in) : 0x0101010101010101ull * (i + 1);
	dev_value = fin_u64(&in);
	uint64_t rip0 = sim_vmcs_get(AXV_VMCS_GUEST_RIP);

	struct axv_exit e;
	memset(&e, 0x5a, sizeof(e));
	FUZZ_CHECK(axv_vmx_decode_exit(NULL, &e) == AXV_EINVAL, "NULL vcpu");
	int rc = axv_vmx_decode_exit(&vc, &e);
	FUZZ_CHECK(rc == 0, "reason %#x: decode %d", reason, rc);
	FUZZ_CHECK((unsigned)e.reason < AXV_EXIT_REASON_COUNT, "reason %d", e.reason);
	FUZZ_CHECK(e.pc == rip0, "exit pc");
	uint64_t rip = sim_vmcs_get(AXV_VMCS_GUEST_RIP);
	if (rip != rip0) {
		FUZZ_CHECK(rip - rip0 <= 15, "RIP moved by %#llx", (unsigned long long)(rip - rip0));
		FUZZ_CHECK(e.reason == AXV_EXIT_NOTHING || e.reason == AXV_EXIT_HALT ||
				   e.reason == AXV_EXIT_HYPERCALL,
			   "RIP moved for reason %d", e.reason);
	}
	/* What axv_vcpu_resolve() does for a fault a device holds: decode it on demand. */
	if (e.reason == AXV_EXIT_NESTED_PAGE_FAULT && is_device(e.npf.addr)) {
		const struct axv_exit before = e;
		rc = axv_vmx_decode_access(&vc, &e);
		FUZZ_CHECK(rc == 0 || rc == AXV_ENOTSUP || rc == AXV_EFAULT, "decode_access %d", rc);
		if (rc != 0)
			FUZZ_CHECK(memcmp(&before, &e, sizeof(e)) == 0, "failed decode changed the exit");
		else
			FUZZ_CHECK((e.reason == AXV_EXIT_MMIO_READ || e.reason == AXV_EXIT_MMIO_WRITE) &&
					   e.access.addr == before.npf.addr && e.pc == before.pc,
				   "decoded into reason %d", e.reason);
		FUZZ_CHECK(sim_vmcs_get(AXV_VMCS_GUEST_RIP) == rip, "decode moved RIP");
	}
	switch (e.reason) {
	case AXV_EXIT_NESTED_PAGE_FAULT:
		/* What axv_addrspace_handle_fault() accepts: a non-empty subset of R, W, X. */
		FUZZ_CHECK(e.npf.access != 0 && !(e.npf.access & ~AXV_MAP_RWX),
			   "npf access %#x", e.npf.access);
		break;
	case AXV_EXIT_UNHANDLED:
		FUZZ_CHECK((uint32_t)e.unhandled.raw == reason || (reason & 0x80000000u) == 0,
			   "raw reason");
		break;
	case AXV_EXIT_FAIL_ENTRY:
		/* Bit 31, or a basic reason that only an entry failure has (SDM Vol. 3C 27.8:
		 * invalid guest state 33, MSR loading 34, machine check 41). */
		FUZZ_CHECK((reason & 0x80000000u) || (reason & 0xffffu) == 33 ||
				   (reason & 0xffffu) == 34 || (reason & 0xffffu) == 41,
			   "entry failure from reason %#x", reason);
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
		struct axv_x86_gprs g = vc.regs;
		struct axv_exit_target t = {t_set, t_adv, &g, t_get};
		struct axv_exit ex = e;
		rc = axv_exit_complete(&bus, &t, &ex);
		bool sysreg = e.reason == AXV_EXIT_SYSREG_READ || e.reason == AXV_EXIT_SYSREG_WRITE;
		bool wraps = !sysreg && e.access.addr > UINT64_MAX - e.access.width;
		if (e.access.flags & (AXV_ACCESS_STRING | AXV_ACCESS_REP))
			FUZZ_CHECK(rc == AXV_ENOTSUP, "string exit: %d", rc);
		else
			FUZZ_CHECK(rc == (wraps ? AXV_ENXIO : 0),
				   "complete of decoded reason %d (hw %#x): %d", e.reason, reason, rc);
	}
	axv_vmx_vcpu_ops.unbind(&vc);
	return 0;
}
