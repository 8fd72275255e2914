/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Between the list registers (lr.c) and the vGIC (vgic.c): how a list register takes an SPI
 * and how the guest's end of one reaches the vcpu that holds it, both under the vGIC's lock.
 * Private to the aarch64 port.
 */
#ifndef AXV_PORT_A64_VGIC_LR_H
#define AXV_PORT_A64_VGIC_LR_H

#include <axv/arch/aarch64.h>

/* Vcpu @self takes SPI @id into a list register: if the SPI's state is at @self and it is
 * pending, enabled and inactive there, make it active there. 0 if taken; AXV_ENOENT if it
 * is not deliverable at @self (moved or withdrawn since it was chosen); AXV_ERANGE if @id is
 * not one of @g's SPIs (then it is an ordinary interrupt of the vcpu). */
int axv_a64_vgic_take_spi(struct axv_vgic *g, uint32_t self, uint32_t id);

/* The guest on vcpu @self ended SPI @id (its list register went inactive): deactivate it
 * where its state is now, and kick that vcpu if it was waiting behind the active state.
 * 0; AXV_ESTATE if it was not active; AXV_ERANGE if @id is not one of @g's SPIs. */
int axv_a64_vgic_end_spi(struct axv_vgic *g, uint32_t self, uint32_t id);

#endif
