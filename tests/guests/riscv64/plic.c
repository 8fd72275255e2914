/* The virtual PLIC (PLIC 1.0.0) as a guest uses it: the test device's interrupt line is PLIC
 * source 1; priorities, enables, threshold, claim and complete, and a storm of 10000
 * interrupts raised, claimed, lowered and completed one by one through the guest's external
 * interrupt (scause 9, hvip.VSEIP). */
#include "guest.h"

#define PLIC 0x0c000000ul
#define PRIO(s) (PLIC + 4 * (s))
#define PENDING (PLIC + 0x1000)
#define ENABLE0 (PLIC + 0x2000)
#define THRESHOLD0 (PLIC + 0x200000)
#define CLAIM0 (PLIC + 0x200004)
#define LINE (TESTDEV + 24)

static inline void w32(uintptr_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

static inline uint32_t r32(uintptr_t a)
{
	return *(volatile uint32_t *)a;
}

static inline void line(uint64_t level)
{
	*(volatile uint64_t *)LINE = level;
}

static void line_high(void)
{
	line(1);
}

static volatile uint64_t taken, wrong, spurious;

static void irq(struct frame *f, uint64_t code)
{
	(void)f;
	if (code != 9) {
		spurious++;
		return;
	}
	uint32_t id = r32(CLAIM0);
	if (id == 0) {
		spurious++;
		return;
	}
	if (id != 1)
		wrong++;
	taken++;
	line(0);
	w32(CLAIM0, id);
}

void guest_main(uint64_t hartid, uint64_t dtb)
{
	(void)hartid;
	(void)dtb;
	w32(PRIO(1), 0xffffffff);
	check("priority is 3 bits (WARL)", r32(PRIO(1)) == 7);
	w32(PRIO(1), 1);
	w32(ENABLE0, 1u << 1);
	check("enable reads back", r32(ENABLE0) == 2);
	line(1);
	check("raised: pending", r32(PENDING) == 2);
	w32(THRESHOLD0, 1);
	check("at the threshold: not claimable", r32(CLAIM0) == 0);
	w32(THRESHOLD0, 0);
	check("claim returns the source", r32(CLAIM0) == 1);
	check("claimed: not pending", r32(PENDING) == 0 && r32(CLAIM0) == 0);
	w32(CLAIM0, 1);
	check("still high at completion: pending again", r32(PENDING) == 2);
	line(0);
	check("lowered: not pending", r32(PENDING) == 0);

	/* Raised while masked: taken as soon as the guest unmasks it (scause 9). */
	on_irq = irq;
	line(1);
	CSR_SET(sie, 1u << 9);
	CSR_SET(sstatus, 1u << 1);
	check("a line raised while masked is taken once unmasked", taken == 1);
	taken = 0;
	bool each = each_taken_once(10000, line_high, &taken);
	CSR_CLEAR(sstatus, 1u << 1);
	printf_("guest: %u external interrupts taken\n", taken);
	check("10000 PLIC interrupts, each taken once", each && taken == 10000 && wrong == 0);
	check("no spurious claim", spurious == 0);
	/* wfi with the line high but interrupts masked: the wait ends (Priv 3.3.3). */
	line(1);
	__asm__ volatile("wfi");
	check("wfi ends with an external interrupt pending", r32(CLAIM0) == 1);
	line(0);
	w32(CLAIM0, 1);
}
