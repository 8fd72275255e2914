/*
 * The guest's 16550 UART and local APIC (see devices.h).
 *
 * 16550: National Semiconductor PC16550D datasheet, "Register Summary" (Table II) and the
 * Line Status Register: registers at base + 0..7; with LCR.DLAB (bit 7) set, + 0 and + 1 are
 * the divisor latch. Output is immediate, so the LSR always reports THRE (bit 5) and TEMT
 * (bit 6), the bits a polling driver waits for; nothing is ever received (DR, bit 0, clear);
 * no interrupts are raised (IIR reads 0x01, "none pending", with the FIFO bits when enabled).
 *
 * Local APIC: Intel SDM Vol. 3A chapter 12 (section numbers of the 2023 and later editions):
 * Table 12-1 (register map: each register 32 bits at a 16-byte-aligned offset), 12.4.6 (ID),
 * 12.4.8 (version), 12.5.1 (LVT), 12.5.4 (timer: divide configuration, initial and current
 * count; one-shot and periodic), 12.8.3-12.8.5 (IRR, ISR, EOI), 12.9 (spurious-interrupt
 * vector register, bit 8 software enable). Not modelled: TSC-deadline mode, IPIs (one
 * vcpu), LINT0/LINT1/error interrupts (no source), priorities other than the vector order.
 * The timer counts the host's TSC (one tick per TSC cycle, divided); it raises its interrupt
 * at the first exit at or after its deadline, or as soon as the vcpu waits (HLT) for it.
 */
#include "devices.h"

#include <axv/bus.h>
#include <axv/err.h>

#include "config.h"
#include "console.h"

/* ---- 16550 -------------------------------------------------------------------------------- */

#define LCR_DLAB 0x80u
#define LSR_THRE 0x20u
#define LSR_TEMT 0x40u
#define MSR_DCD_DSR_CTS 0xb0u

static int uart_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	struct uart *u = ctx;
	(void)width; /* byte registers: a wider access reads the addressed byte, zero-extended */
	bool dlab = (u->lcr & LCR_DLAB) != 0;
	switch (off) {
	case 0: *value = dlab ? u->dll : 0; break;        /* RBR: nothing received */
	case 1: *value = dlab ? u->dlm : u->ier; break;
	case 2: *value = 0x01u | ((u->fcr & 1u) ? 0xc0u : 0); break; /* IIR: none pending */
	case 3: *value = u->lcr; break;
	case 4: *value = u->mcr; break;
	case 5: *value = LSR_THRE | LSR_TEMT; break;
	case 6: *value = (u->mcr & 0x10u) ? 0 : MSR_DCD_DSR_CTS; break; /* loopback: nothing */
	default: *value = u->scr; break;
	}
	return 0;
}

static int uart_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	struct uart *u = ctx;
	(void)width;
	uint8_t v = (uint8_t)value;
	bool dlab = (u->lcr & LCR_DLAB) != 0;
	switch (off) {
	case 0:
		if (dlab)
			u->dll = v;
		else if (!(u->mcr & 0x10u)) /* MCR.LOOP keeps output inside the chip */
			con_putc((char)v);
		break;
	case 1:
		if (dlab)
			u->dlm = v;
		else
			u->ier = v & 0x0fu;
		break;
	case 2: u->fcr = v & 0xc9u; break;
	case 3: u->lcr = v; break;
	case 4: u->mcr = v & 0x1fu; break;
	case 7: u->scr = v; break;
	default: break; /* LSR and MSR are read-only */
	}
	return 0;
}

const struct axv_device_ops uart_ops = {uart_read, uart_write};

/* ---- local APIC --------------------------------------------------------------------------- */

#define APIC_ID 0x20
#define APIC_VERSION 0x30
#define APIC_TPR 0x80
#define APIC_PPR 0xa0
#define APIC_EOI 0xb0
#define APIC_LDR 0xd0
#define APIC_DFR 0xe0
#define APIC_SVR 0xf0
#define APIC_ISR 0x100
#define APIC_TMR 0x180
#define APIC_IRR 0x200
#define APIC_ESR 0x280
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define SVR_ENABLE (1u << 8)
#define APIC_VERSION_VALUE 0x00050014u /* version 0x14 (integrated APIC), max LVT entry 5 */

uint64_t lapic_base_msr(void)
{
	return GUEST_LAPIC | (1u << 11) | (1u << 8); /* enabled (11), bootstrap processor (8) */
}

/* 12.5.4, Figure 12-10: divide configuration bits 3, 1:0; 111b is divide by 1. */
static uint64_t divisor(uint32_t dcr)
{
	uint32_t v = ((dcr >> 1) & 4u) | (dcr & 3u);
	return v == 7u ? 1u : 2ull << v;
}

uint64_t lapic_deadline(const struct lapic *l)
{
	if (!l->armed)
		return 0;
	return l->start + (uint64_t)l->initial * divisor(l->divide);
}

static uint32_t current_count(const struct lapic *l)
{
	if (!l->armed)
		return 0;
	uint64_t ticks = (rdtsc() - l->start) / divisor(l->divide);
	if (l->lvt_timer & LVT_PERIODIC)
		return l->initial - (uint32_t)(ticks % l->initial);
	return ticks >= l->initial ? 0 : l->initial - (uint32_t)ticks;
}

bool lapic_poll(struct lapic *l)
{
	uint64_t d = lapic_deadline(l);
	if (!d || rdtsc() < d)
		return false;
	if (l->lvt_timer & LVT_PERIODIC)
		l->start = d; /* the next period counts from this deadline */
	else
		l->armed = false;
	/* Masked, or the APIC software-disabled (which masks every LVT entry, 12.9): no
	 * interrupt, the count still ran out. Vectors 0..15 are illegal (12.5.1): dropped. */
	uint32_t vec = l->lvt_timer & 0xffu;
	if ((l->lvt_timer & LVT_MASKED) || !(l->svr & SVR_ENABLE) || vec < 32)
		return false;
	l->fired++;
	int rc = axv_vcpu_inject(l->vcpu, vec);
	return rc == 0 || rc == AXV_EALREADY;
}

/* The highest vector in service (ISR), or 0: what an EOI ends (12.8.5). */
static uint32_t in_service(const struct lapic *l)
{
	for (uint32_t v = 255; v >= 32; v--)
		if (axv_virq_is_active(l->virq, v))
			return v;
	return 0;
}

static uint32_t bits(const struct lapic *l, uint32_t word, bool active)
{
	uint32_t r = 0;
	for (uint32_t b = 0; b < 32; b++) {
		uint32_t v = word * 32 + b;
		if (v >= 32 && (active ? axv_virq_is_active(l->virq, v)
				       : axv_virq_is_pending(l->virq, v)))
			r |= 1u << b;
	}
	return r;
}

static int lapic_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	const struct lapic *l = ctx;
	uint32_t v = 0;
	if (width != 4 || (off & 0xfu))
		return AXV_EINVAL; /* 32-bit accesses to the registers only (12.4.1) */
	switch (off) {
	case APIC_ID: v = l->id << 24; break;
	case APIC_VERSION: v = APIC_VERSION_VALUE; break;
	case APIC_TPR: v = l->tpr; break;
	case APIC_PPR: v = l->tpr; break;
	case APIC_LDR: v = l->ldr; break;
	case APIC_DFR: v = l->dfr; break;
	case APIC_SVR: v = l->svr; break;
	case APIC_ESR: v = l->esr; break;
	case APIC_LVT_TIMER: v = l->lvt_timer; break;
	case APIC_LVT_LINT0: v = l->lvt_lint0; break;
	case APIC_LVT_LINT1: v = l->lvt_lint1; break;
	case APIC_LVT_ERROR: v = l->lvt_error; break;
	case APIC_TIMER_INIT: v = l->initial; break;
	case APIC_TIMER_CUR: v = current_count(l); break;
	case APIC_TIMER_DIV: v = l->divide; break;
	default:
		if (off >= APIC_ISR && off < APIC_ISR + 0x80)
			v = bits(l, (uint32_t)(off - APIC_ISR) >> 4, true);
		else if (off >= APIC_IRR && off < APIC_IRR + 0x80)
			v = bits(l, (uint32_t)(off - APIC_IRR) >> 4, false);
		break; /* TMR and reserved offsets read 0 */
	}
	*value = v;
	return 0;
}

static int lapic_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	struct lapic *l = ctx;
	uint32_t v = (uint32_t)value;
	if (width != 4 || (off & 0xfu))
		return AXV_EINVAL;
	switch (off) {
	case APIC_ID: l->id = v >> 24; break;
	case APIC_TPR: l->tpr = v & 0xffu; break;
	case APIC_EOI: {
		uint32_t vec = in_service(l);
		if (vec)
			(void)axv_virq_eoi(l->virq, vec);
		break;
	}
	case APIC_LDR: l->ldr = v & 0xff000000u; break;
	case APIC_DFR: l->dfr = v | 0x0fffffffu; break;
	case APIC_SVR: l->svr = v & 0x13ffu; break;
	case APIC_ESR: l->esr = 0; break;
	case APIC_LVT_TIMER: l->lvt_timer = v & 0x710ffu; break; /* vector, mask, mode */
	case APIC_LVT_LINT0: l->lvt_lint0 = v & 0x1a7ffu; break;
	case APIC_LVT_LINT1: l->lvt_lint1 = v & 0x1a7ffu; break;
	case APIC_LVT_ERROR: l->lvt_error = v & 0x100ffu; break;
	case APIC_TIMER_INIT: /* a write (re)starts the count; 0 stops it (12.5.4) */
		l->initial = v;
		l->start = rdtsc();
		l->armed = v != 0;
		break;
	case APIC_TIMER_DIV: l->divide = v & 0xbu; break;
	default: break; /* read-only or reserved: ignored */
	}
	return 0;
}

const struct axv_device_ops lapic_ops = {lapic_read, lapic_write};
