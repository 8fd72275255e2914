/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Between the list registers (lr.c) and the vGIC (vgic.c): how a list register takes an SPI,
 * how the guest's end of one (or an exit before the guest acknowledged it) reaches the vcpu
 * that holds it, both under the vGIC's lock; and what the vGIC's register reads need to know
 * of the interrupts that sit in a running vcpu's list registers. Private to the aarch64 port.
 */
#ifndef AXV_PORT_A64_VGIC_LR_H
#define AXV_PORT_A64_VGIC_LR_H

#include <axv/arch/aarch64.h>
#include "a64_hw.h"

/* Vcpu @self takes SPI @id into a list register, in the pending state: if the SPI's state
 * is at @self and it is pending, enabled and inactive there, make it active there (in flight)
 * and note it as pending in a list register and not yet acknowledged. 0 if taken;
 * AXV_ENOENT if it is not deliverable at @self (moved or withdrawn since it was chosen);
 * AXV_ERANGE if @id is not one of @g's SPIs (then it is an ordinary interrupt of the vcpu). */
int axv_a64_vgic_take_spi(struct axv_vgic *g, uint32_t self, uint32_t id);

/* The guest on vcpu @self ended SPI @id (its list register went inactive): deactivate it
 * where its state is now; a level-sensitive SPI whose line is still high becomes pending
 * again (IHI 0069 4.1.2); kick the vcpu that holds it if an instance waits there.
 * 0; AXV_ESTATE if it was not active; AXV_ERANGE if @id is not one of @g's SPIs. */
int axv_a64_vgic_end_spi(struct axv_vgic *g, uint32_t self, uint32_t id);

/* Vcpu @self exited with SPI @id still pending in its list register (never acknowledged):
 * it goes back to where its state is now, pending again unless it was withdrawn meanwhile
 * (line lowered, GICD_ICPENDR, GICD_CLRSPI_NSR), and not active.
 * 0; AXV_ERANGE if @id is not one of @g's SPIs. */
int axv_a64_vgic_return_spi(struct axv_vgic *g, uint32_t self, uint32_t id);

/* Interrupt @id (an SGI or PPI of vcpu @self, or an SPI) was written into a list register of
 * @self in the pending state: until the next exit, register reads see it pending and not
 * active. (SPIs: axv_a64_vgic_take_spi() does this.) */
void axv_a64_vgic_lr_put(struct axv_vgic *g, uint32_t self, uint32_t id);

/* An SGI or PPI of vcpu @self was written pending and active into a list register (a new
 * instance behind the active one): reads see it pending until the next exit. */
void axv_a64_vgic_lr_pend(struct axv_vgic *g, uint32_t self, uint32_t id);

/* At an exit: the list register of @self holding @id was looked at. Forget what
 * lr_put / lr_pend noted and return whether a pending instance was still noted there
 * (false once it was withdrawn). */
bool axv_a64_vgic_lr_seen(struct axv_vgic *g, uint32_t self, uint32_t id);

/* At an exit: the levels of vcpu @self's timer PPIs (bits of @mask), for register reads. */
void axv_a64_vgic_ppi_levels(struct axv_vgic *g, uint32_t self, uint32_t mask, uint32_t levels);

/* For the fast path (vcpu.c): whether a timer PPI line of @v was high at the last look (the
 * timer controls in its context, read at its last exit that left the run loop): a timer
 * whose PPI the vcpu has in hardware (hw_ppis) with ENABLE and ISTATUS set and IMASK clear
 * (DDI 0487 D11.2.4, CNTV_CTL_EL0 / CNTP_CTL_EL0; lr.c timer_levels()). Inline, without a
 * branch per timer: it is asked at every access exit. */
static inline bool axv_a64_lr_timers_high(const struct axv_a64_vcpu *v)
{
	const uint64_t m = AXV_A64_CNT_CTL_ENABLE | AXV_A64_CNT_CTL_IMASK | AXV_A64_CNT_CTL_ISTATUS;
	const uint64_t on = AXV_A64_CNT_CTL_ENABLE | AXV_A64_CNT_CTL_ISTATUS;
	uint32_t vt = (uint32_t)((v->ctx.el1.cntv_ctl_el0 & m) == on) << AXV_A64_VTIMER_INTID;
	uint32_t pt = (uint32_t)((v->ctx.el1.cntp_ctl_el0 & m) == on) << AXV_A64_PTIMER_INTID;
	return ((vt | pt) & v->hw_ppis) != 0;
}

#endif
