/* Test guest runtime: console, checks, calls, exception dispatch. */
#include <stdarg.h>

#include "guest.h"

void (*on_sync)(struct frame *f, uint64_t esr, uint64_t far);
void (*on_irq)(struct frame *f);

void putc_(char c)
{
	*(volatile uint32_t *)UART = (uint8_t)c;
}

#define CALL(insn)                                                                         \
	register uint64_t x0 __asm__("x0") = nr;                                           \
	register uint64_t x1 __asm__("x1") = a1;                                           \
	register uint64_t x2 __asm__("x2") = a2;                                           \
	register uint64_t x3 __asm__("x3") = a3;                                           \
	register uint64_t x4 __asm__("x4") = a4;                                           \
	register uint64_t x5 __asm__("x5") = a5;                                           \
	register uint64_t x6 __asm__("x6") = a6;                                           \
	__asm__ volatile(insn " #0"                                                        \
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)                          \
			 : "r"(x4), "r"(x5), "r"(x6)                                       \
			 : "memory", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",  \
			   "x15", "x16", "x17");                                           \
	return x0;

uint64_t hvc6(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
	      uint64_t a6)
{
	CALL("hvc")
}

uint64_t smc6(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
	      uint64_t a6)
{
	CALL("smc")
}

void psci_system_off(void)
{
	printf_("DONE %u passed, %u failed\n", (uint64_t)npass, (uint64_t)nfail);
	smc6(0x84000008u, 0, 0, 0, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

/* Guests without secondary vcpus never start one. */
__attribute__((weak)) void secondary_main(uint64_t ctx)
{
	(void)ctx;
	for (;;)
		__asm__ volatile("wfi");
}

void guest_sync(struct frame *f);
void guest_irq(struct frame *f);
void guest_unexpected(struct frame *f);

void guest_sync(struct frame *f)
{
	uint64_t esr = SYSREG_READ(esr_el1), far = SYSREG_READ(far_el1);
	if (on_sync) {
		on_sync(f, esr, far);
		return;
	}
	printf_("FAIL unexpected synchronous exception esr %x far %x elr %x\n", esr, far,
		SYSREG_READ(elr_el1));
	psci_system_off();
}

void guest_irq(struct frame *f)
{
	if (on_irq) {
		on_irq(f);
		return;
	}
	puts_("FAIL unexpected interrupt\n");
	psci_system_off();
}

void guest_unexpected(struct frame *f)
{
	(void)f;
	printf_("FAIL unexpected exception esr %x\n", SYSREG_READ(esr_el1));
	psci_system_off();
}

void gicr_enable_ppi(uint32_t intid, uint8_t prio)
{
	((volatile uint8_t *)(GICR + 0x10000 + 0x400))[intid] = prio;
	*(volatile uint32_t *)(GICR + 0x10000 + 0x100) = 1u << intid;
}

uint32_t gicr_isenabler0(void)
{
	return *(volatile uint32_t *)(GICR + 0x10000 + 0x100);
}

/* The GIC CPU interface of this vcpu (virtual, through ICH_VMCR): system registers on, all
 * priorities, Group 1 enabled. */
void gic_cpu_init(void)
{
	SYSREG_WRITE(S3_0_C12_C12_5, SYSREG_READ(S3_0_C12_C12_5) | 1); /* ICC_SRE_EL1.SRE */
	__asm__ volatile("isb");
	SYSREG_WRITE(S3_0_C4_C6_0, 0xff); /* ICC_PMR_EL1 */
	SYSREG_WRITE(S3_0_C12_C12_7, 1);  /* ICC_IGRPEN1_EL1 */
	__asm__ volatile("isb");
}

/* ---- guests that also run on bare QEMU at EL1 ------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool same(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* The structure block's tokens (devicetree spec v0.4, 5.4): FDT_BEGIN_NODE 1, FDT_END_NODE 2,
 * FDT_PROP 3, FDT_NOP 4, FDT_END 9. */
const void *dtb_prop(uint64_t dtb, const char *node, const char *name, uint32_t *len)
{
	const uint8_t *fdt = (const uint8_t *)(uintptr_t)dtb;
	if (!fdt || be32(fdt) != 0xd00dfeedu)
		return 0;
	const uint8_t *p = fdt + be32(fdt + 8), *end = p + be32(fdt + 36);
	const char *strings = (const char *)fdt + be32(fdt + 12);
	int depth = 0;
	bool in = false;
	while (p + 4 <= end) {
		uint32_t tok = be32(p);
		p += 4;
		if (tok == 1) {
			depth++;
			in = (depth == 1 && !*node) || (depth == 2 && same((const char *)p, node));
			while (p < end && *p)
				p++;
			p = (const uint8_t *)(((uintptr_t)p + 4) & ~(uintptr_t)3);
		} else if (tok == 2) {
			depth--;
			in = depth == 1 && !*node;
		} else if (tok == 3) {
			uint32_t l = be32(p);
			if (in && same(strings + be32(p + 4), name)) {
				*len = l;
				return p + 8;
			}
			p = (const uint8_t *)(((uintptr_t)p + 8 + l + 3) & ~(uintptr_t)3);
		} else if (tok != 4) {
			break;
		}
	}
	return 0;
}

bool dtb_is_libaxv(uint64_t dtb)
{
	uint32_t len = 0;
	const char *m = dtb_prop(dtb, "", "model", &len);
	for (uint32_t i = 0; m && i + 6 <= len; i++)
		if (m[i] == 'l' && m[i + 1] == 'i' && m[i + 2] == 'b' && m[i + 3] == 'a' &&
		    m[i + 4] == 'x' && m[i + 5] == 'v')
			return true;
	return false;
}

uint64_t bootarg_u64(uint64_t dtb, const char *key, uint64_t dflt)
{
	uint32_t len = 0;
	const char *a = dtb_prop(dtb, "chosen", "bootargs", &len);
	for (uint32_t i = 0; a && i < len; i++) {
		if (i > 0 && a[i - 1] != ' ')
			continue;
		uint32_t k = 0;
		while (key[k] && i + k < len && a[i + k] == key[k])
			k++;
		if (key[k] || i + k >= len || a[i + k] != '=')
			continue;
		uint64_t v = 0;
		bool digits = false;
		for (i += k + 1; i < len && a[i] >= '0' && a[i] <= '9'; i++, digits = true)
			v = v * 10 + (uint64_t)(a[i] - '0');
		return digits ? v : dflt;
	}
	return dflt;
}

/* IHI 0069: GICD_CTLR (ARE [4], EnableGrp1 [1]; RWP [31]), GICR_WAKER (ProcessorSleep [1],
 * ChildrenAsleep [2]), GICR_IGROUPR0 and GICD_IGROUPR<n> (1: Group 1). */
void gic_init_os(unsigned cpu)
{
	volatile uint32_t *gicd = (volatile uint32_t *)GICD;
	if (cpu == 0) {
		gicd[0] = (1u << 4) | (1u << 1);
		while (gicd[0] & (1u << 31))
			;
		gicd[0x84 / 4] = 0xffffffffu; /* GICD_IGROUPR1: SPIs 32-63 */
	}
	volatile uint32_t *waker = (volatile uint32_t *)(GICR + 0x20000ul * cpu + 0x14);
	*waker &= ~(1u << 1);
	while (*waker & (1u << 2))
		;
	*(volatile uint32_t *)(GICR_SGI(cpu) + 0x80) = 0xffffffffu; /* GICR_IGROUPR0 */
	gic_cpu_init();
}

_Noreturn void power_off_hvc(void)
{
	printf_("DONE %u passed, %u failed\n", (uint64_t)npass, (uint64_t)nfail);
	hvc6(0x84000008u, 0, 0, 0, 0, 0, 0); /* PSCI SYSTEM_OFF */
	for (;;)
		__asm__ volatile("wfi");
}
