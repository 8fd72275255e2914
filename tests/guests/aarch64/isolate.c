/* The isolation test of two VMs (tests/guests/aarch64/run-isolate.sh, aarch64-virt-2vm.elf):
 * the same guest in both, its role from /chosen/bootargs.
 *
 * vm=2, the sweeper (vm-b, 64 MiB of RAM at 0x4000_0000): loads from and stores to guest-
 * physical addresses outside its RAM and devices, every 128 KiB below 2 GiB (the range VM A's
 * RAM has as guest-physical addresses, 0x4400_0000-0x5000_0000, and the host range that backs
 * VM A's RAM, 0x6000_0000-0x7000_0000, among them) and every GiB above its lazy region up to
 * the 40-bit stage-2 limit and past it to the cpu's 44-bit physical limit. Every access must
 * end in a synchronous external abort taken in this guest (ESR_EL1 EC 0x25, DFSC 0x10, WnR
 * as the access: the example injects it, Arm ARM D17.2.40 "ESR_EL1", ISS encoding for a Data
 * Abort); a load must not return data, a store must not change anything anyone sees.
 *
 * vm=1, the victim (vm-a, 256 MiB): fills 64 MiB of its RAM (0x4400_0000-0x4800_0000, the
 * addresses VM B probes) with a pattern and sums it, waits until VM B is down (the example's
 * hypercall 0x1004), and sums it again: unchanged. */
#include "guest.h"

#define HC_VM_DOWN 0x1004 /* a1 = a VM's index in the table: 1 when it is powered off */

static volatile uint64_t aborts, bad_esr, last_far;
static volatile bool expect_write;

static void sync_handler(struct frame *f, uint64_t esr, uint64_t far)
{
	(void)f;
	bool wnr = (esr >> 6) & 1;
	if ((esr >> 26) != 0x25 || (esr & 0x3f) != 0x10 || wnr != expect_write)
		bad_esr++;
	last_far = far;
	aborts++;
	SYSREG_WRITE(elr_el1, SYSREG_READ(elr_el1) + 4);
}

/* Whether @a is the sweeper's own: its RAM, lazy region or a device it has. */
static bool own(uint64_t a)
{
	static const struct {
		uint64_t base, size;
	} mine[] = {
		{0x40000000ul, 0x04000000ul}, /* RAM */
		{LAZY_BASE, 0x00200000ul},    /* lazy region */
		{GICD, 0x10000ul},
		{GICR, 0x20000ul},            /* one vcpu: one redistributor frame */
		{UART, 0x1000ul},
		{0x0a000000ul, 0x400ul},      /* virtio-blk and virtio-console */
		{TESTDEV, 0x1000ul},
	};
	for (unsigned i = 0; i < sizeof(mine) / sizeof(mine[0]); i++)
		if (a - mine[i].base < mine[i].size)
			return true;
	return false;
}

static uint64_t probes, wrong;

static void probe(uint64_t a)
{
	if (own(a))
		return;
	uint64_t before = aborts, v = 0x5eed5eed5eed5eedul;
	expect_write = false;
	__asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(a) : "memory");
	if (aborts != before + 1 || last_far != a || v != 0x5eed5eed5eed5eedul)
		wrong++;
	expect_write = true;
	__asm__ volatile("str %0, [%1]" : : "r"(0xbadc0ffee0ddf00dul), "r"(a) : "memory");
	if (aborts != before + 2 || last_far != a)
		wrong++;
	probes++;
}

/* One pass over every probe; the number of probes below 2 GiB, then below 2^40, in @low and
 * @ipa. */
static void sweep(uint64_t *low, uint64_t *ipa)
{
	for (uint64_t a = 0; a < 0x80000000ul; a += 0x20000ul)
		probe(a + 0x40); /* inside each 128 KiB, off its start */
	*low = probes;
	for (uint64_t a = 0x80000000ul; a < (1ul << 40); a += 1ul << 30)
		probe(a + 0x200000ul + 0x80);
	probe((1ul << 40) - 8);
	*ipa = probes;
	for (uint64_t a = 1ul << 40; a < (1ul << 44); a += 1ul << 40)
		probe(a + 0x1000);
	probe((1ul << 44) - 8);
}

/* Sweeps again and again for 3 s at least, so that the sweep overlaps the victim's check
 * whichever VM started first (the test compares the counter values both print: the physical
 * count, both VMs' CNTVOFF being 0). */
static void sweeper(void)
{
	on_sync = sync_handler;
	uint64_t freq = SYSREG_READ(cntfrq_el0), t0 = SYSREG_READ(cntvct_el0), t1, low, ipa;
	unsigned passes = 0;
	do {
		probes = 0;
		sweep(&low, &ipa);
		passes++;
		t1 = SYSREG_READ(cntvct_el0);
	} while (t1 - t0 < 3 * freq);
	on_sync = 0;
	printf_("guest: %u passes of %u addresses (%u below 2 GiB, %u above, %u past the 40-bit "
		"IPA space), %u aborts, %u with a wrong syndrome\n",
		passes, probes, low, ipa - low, probes - ipa, aborts, bad_esr);
	printf_("guest: swept from count 0x%x to 0x%x\n", t0, t1);
	check("every load and store outside its own memory and devices aborted in the guest",
	      wrong == 0 && aborts == 2 * probes * passes);
	check("every abort was a synchronous external abort with WnR as the access", bad_esr == 0);
}

#define VICTIM_BASE 0x44000000ul
#define VICTIM_SIZE 0x04000000ul

static uint64_t pattern(uint64_t i)
{
	uint64_t x = (VICTIM_BASE + 8 * i) ^ 0x5a5a5a5a5a5a5a5aul;
	x ^= x >> 29;
	x *= 0x9e3779b97f4a7c15ul;
	return x ^ (x >> 32);
}

/* The sum of the victim range (a multiply-rotate over every word) and how many words differ
 * from the pattern. */
static uint64_t victim_sum(uint64_t *differ)
{
	uint64_t s = 0;
	*differ = 0;
	const volatile uint64_t *p = (const volatile uint64_t *)VICTIM_BASE;
	for (uint64_t i = 0; i < VICTIM_SIZE / 8; i++) {
		uint64_t w = p[i];
		s = ((s << 7) | (s >> 57)) * 0x100000001b3ul + w;
		*differ += w != pattern(i);
	}
	return s;
}

static void victim(void)
{
	volatile uint64_t *p = (volatile uint64_t *)VICTIM_BASE;
	for (uint64_t i = 0; i < VICTIM_SIZE / 8; i++)
		p[i] = pattern(i);
	uint64_t differ_before, differ_after;
	uint64_t before = victim_sum(&differ_before);
	printf_("guest: filled and summed at count 0x%x\n", SYSREG_READ(cntvct_el0));
	uint64_t freq = SYSREG_READ(cntfrq_el0), t0 = SYSREG_READ(cntvct_el0);
	bool down = false;
	while (!(down = hvc6(HC_VM_DOWN, 1, 0, 0, 0, 0, 0) == 1) &&
	       SYSREG_READ(cntvct_el0) - t0 < 100 * freq)
		;
	check("VM B finished its sweep", down);
	uint64_t after = victim_sum(&differ_after);
	printf_("guest: 64 MiB at 0x%x sum 0x%x before VM B's sweep, 0x%x after; words not the "
		"pattern: %u before, %u after\n",
		VICTIM_BASE, before, after, differ_before, differ_after);
	check("the victim's RAM is unchanged by VM B's sweep",
	      before == after && differ_before == 0 && differ_after == 0);
}

void guest_main(uint64_t dtb)
{
	uint64_t role = bootarg_u64(dtb, "vm", 0);
	if (role == 2)
		sweeper();
	else if (role == 1)
		victim();
	else
		check("bootargs give a role (vm=1 or vm=2)", false);
}
