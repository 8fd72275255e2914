/* SPDX-License-Identifier: Apache-2.0 */
/* Private to lib/exit: the bus's dispatch past its argument checks, for axv_exit_complete(),
 * which validates the access once itself. */
#ifndef AXV_LIB_EXIT_BUS_PRIV_H
#define AXV_LIB_EXIT_BUS_PRIV_H

#include <axv/bus.h>
#include <axv/exit.h>

/* axv_bus_read() / axv_bus_write() for a valid bus and space, a non-NULL @value and a width
 * of 1, 2, 4 or 8, which the caller has checked. */
int axv_bus_dispatch_read(const struct axv_bus *bus, enum axv_bus_space space, uint64_t addr,
			  uint8_t width, uint64_t *value);
int axv_bus_dispatch_write(const struct axv_bus *bus, enum axv_bus_space space, uint64_t addr,
			   uint8_t width, uint64_t value);

#endif
