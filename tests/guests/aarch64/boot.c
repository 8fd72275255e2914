/* The boot contract of QEMU's -kernel on virt, as the example hypervisor gives it: the guest
 * is an arm64 Image (header, text_offset) or, built with -DRAW_IMAGE, a raw binary, which
 * both QEMU and the hypervisor load at RAM base + 0x80000; x0 is the DTB, whose /chosen
 * carries the command line given at run time (qemu.sh --append) and linux,initrd-start/-end
 * only when there is an initrd (a guest that checks start < end would stop on empty ones);
 * and the PL031 real-time clock is there, in the DTB and at 0x0901_0000 with its interrupt
 * (SPI 2, INTID 34).
 *
 * The command line tells the guest what to expect: it must contain "libaxv-boot-test", and
 * "libaxv-expect-initrd" when run-guest gives an initrd (this very image: its first bytes
 * must then be found at linux,initrd-start). */
#include "guest.h"

#define RAM_BASE 0x40000000ul
#define RAM_SIZE 0x10000000ul
#define RTC 0x09010000ul
#define RTC_INTID 34
/* PL031 registers (PrimeCell RTC PL031 TRM, ARM DDI 0224, register summary): data, match,
 * control, interrupt mask, raw and masked status, clear; PrimeCell ids at 0xfe0. */
#define RTCDR 0x00
#define RTCMR 0x04
#define RTCCR 0x0c
#define RTCIMSC 0x10
#define RTCRIS 0x14
#define RTCMIS 0x18
#define RTCICR 0x1c

static volatile uint64_t rtc_irqs, rtc_mis_in_irq;

static uint32_t rtc(uint64_t off)
{
	return *(volatile uint32_t *)(RTC + off);
}

static void rtc_write(uint64_t off, uint32_t v)
{
	*(volatile uint32_t *)(RTC + off) = v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static bool contains(const char *s, uint32_t len, const char *word)
{
	for (uint32_t i = 0; i < len && s[i]; i++) {
		uint32_t k = 0;
		while (word[k] && i + k < len && s[i + k] == word[k])
			k++;
		if (!word[k])
			return true;
	}
	return false;
}

/* A property of a child of the root node (lib.c's dtb_prop()). NULL if absent. */
static const uint8_t *fdt_prop(const uint8_t *fdt, const char *node, const char *name,
			       uint32_t *len)
{
	return dtb_prop((uint64_t)(uintptr_t)fdt, node, name, len);
}

static uint64_t cells(const uint8_t *v, uint32_t len)
{
	return len == 8 ? (uint64_t)be32(v) << 32 | be32(v + 4) : len == 4 ? be32(v) : ~0ull;
}

static void irq(struct frame *f)
{
	(void)f;
	uint64_t intid = SYSREG_READ(S3_0_C12_C12_0) & 0xffffff; /* ICC_IAR1_EL1 */
	if (intid >= 1020)
		return;
	if (intid == RTC_INTID) {
		rtc_mis_in_irq = rtc(RTCMIS);
		rtc_write(RTCICR, 1); /* clear the alarm: the line drops */
		rtc_irqs++;
	}
	SYSREG_WRITE(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
}

static void check_dtb(const uint8_t *fdt)
{
	uint32_t len = 0;
	const char *args = (const char *)fdt_prop(fdt, "chosen", "bootargs", &len);
	if (args)
		printf_("guest: bootargs \"%s\"\n", args);
	check("/chosen/bootargs is the command line given at run time",
	      args && contains(args, len, "libaxv-boot-test"));
	bool want_initrd = args && contains(args, len, "libaxv-expect-initrd");

	uint32_t slen = 0, elen = 0;
	const uint8_t *s = fdt_prop(fdt, "chosen", "linux,initrd-start", &slen);
	const uint8_t *e = fdt_prop(fdt, "chosen", "linux,initrd-end", &elen);
	if (!want_initrd) {
		if (s || e)
			printf_("guest: linux,initrd-start 0x%x, -end 0x%x without an initrd\n",
				s ? cells(s, slen) : 0, e ? cells(e, elen) : 0);
		check("no initrd: /chosen has no linux,initrd-start", !s);
		check("no initrd: /chosen has no linux,initrd-end", !e);
	} else {
		uint64_t start = s ? cells(s, slen) : 0, end = e ? cells(e, elen) : 0;
		printf_("guest: initrd 0x%x - 0x%x\n", start, end);
		check("an initrd: linux,initrd-start < linux,initrd-end inside RAM",
		      s && e && start < end && start >= RAM_BASE && end <= RAM_BASE + RAM_SIZE);
		/* run-guest gave this image as the initrd: its first 256 bytes are there. */
		bool same = s && e && end - start >= 256;
		const volatile uint8_t *a = (const volatile uint8_t *)start;
		const volatile uint8_t *b = (const volatile uint8_t *)RAM_BASE + 0x80000;
		for (unsigned i = 0; same && i < 256; i++)
			same = a[i] == b[i];
		check("the initrd's bytes are at linux,initrd-start", same);
	}

	const uint8_t *compat = fdt_prop(fdt, "pl031@9010000", "compatible", &len);
	check("the DTB describes the PL031 at 0x9010000",
	      compat && len >= 10 && str_eq((const char *)compat, "arm,pl031"));
	const uint8_t *ints = fdt_prop(fdt, "pl031@9010000", "interrupts", &len);
	check("its interrupt is SPI 2, level high",
	      ints && len == 12 && be32(ints) == 0 && be32(ints + 4) == 2 && be32(ints + 8) == 4);
}

static void check_rtc(void)
{
	/* PrimeCell ids (RTCPeriphID0-3, RTCPCellID0-3): part 0x031, designer 0x41 (ARM), any
	 * revision; cell 0xb105f00d. */
	uint32_t pid = 0, cid = 0;
	for (unsigned i = 0; i < 4; i++) {
		pid |= (rtc(0xfe0 + 4 * i) & 0xff) << (8 * i);
		cid |= (rtc(0xff0 + 4 * i) & 0xff) << (8 * i);
	}
	printf_("guest: RTC ids 0x%x 0x%x, control 0x%x, time %u\n", (uint64_t)pid, (uint64_t)cid,
		(uint64_t)rtc(RTCCR), (uint64_t)rtc(RTCDR));
	check("the RTC has the PL031's PrimeCell ids",
	      (pid & 0xff0fffffu) == 0x00041031u && cid == 0xb105f00du);
	uint32_t t0 = rtc(RTCDR);
	check("the RTC reads a plausible time (after November 2023)", t0 > 1700000000u);

	/* The alarm: match one second ahead, interrupt unmasked, SPI 34 routed here. */
	on_irq = irq;
	gic_cpu_init();
	volatile uint32_t *gicd = (volatile uint32_t *)GICD;
	gicd[0] = 0x2;                                       /* GICD_CTLR.EnableGrp1 */
	*(volatile uint64_t *)(GICD + 0x6000 + 8 * RTC_INTID) = 0; /* GICD_IROUTER: vcpu 0 */
	gicd[0x104 / 4] = 1u << (RTC_INTID - 32);            /* GICD_ISENABLER1 */
	rtc_write(RTCICR, 1);
	check("no alarm is pending at first", (rtc(RTCMIS) & 1) == 0);
	rtc_write(RTCIMSC, 1);
	rtc_write(RTCMR, rtc(RTCDR) + 2);
	uint64_t frq = SYSREG_READ(cntfrq_el0), start = SYSREG_READ(cntvct_el0);
	while (rtc_irqs == 0 && SYSREG_READ(cntvct_el0) - start < 5 * frq) {
		__asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
		if (rtc_irqs == 0)
			__asm__ volatile("wfi");
	}
	uint32_t t1 = rtc(RTCDR);
	printf_("guest: RTC alarm interrupts %u after %u ms, time %u\n", rtc_irqs,
		(SYSREG_READ(cntvct_el0) - start) * 1000 / frq, (uint64_t)t1);
	check("the RTC alarm raised INTID 34 once", rtc_irqs == 1);
	check("the handler saw RTCMIS set", rtc_mis_in_irq == 1);
	check("RTCICR cleared it", (rtc(RTCRIS) & 1) == 0);
	check("the RTC counts seconds", t1 >= t0 + 1 && t1 <= t0 + 10);
	rtc_write(RTCIMSC, 0);
}

void guest_main(uint64_t dtb)
{
	uint64_t here;
	__asm__ volatile("adr %0, _head" : "=r"(here));
#ifdef RAW_IMAGE
	printf_("guest: a raw image (no arm64 Image header) running at 0x%x\n", here);
#else
	printf_("guest: an arm64 Image (text_offset 0x80000) running at 0x%x\n", here);
#endif
	check("loaded at RAM base + 0x80000", here == RAM_BASE + 0x80000);
	const uint8_t *fdt = (const uint8_t *)dtb;
	bool ok = dtb && be32(fdt) == 0xd00dfeedu;
	check("x0 is a DTB", ok);
	if (ok)
		check_dtb(fdt);
	check_rtc();
}
