/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QEMU 7.2's loongarch `virt` board as the test image uses it (hw/loongarch/virt.c and
 * include/hw/loongarch/virt.h of QEMU 7.2; the board's DTB, from
 * `qemu-system-loongarch64 -nodefaults -M virt -machine dumpdtb=F`, lists the UART):
 *  - RAM from physical 0 (the first 256 MiB; the image is linked at 16 MiB);
 *  - an NS16550A UART at 0x1fe001e0 (the DTB's /serial@1fe001e0, stdout-path), which
 *    -serial stdio connects to the terminal;
 *  - the ACPI generic event device (acpi-ged), whose registers are at VIRT_GED_REG_ADDR =
 *    0x100e0000 + 4 (event selector) + 24 (memory hotplug) = 0x100e001c: writing the byte
 *    SLP_EN | SLP_TYP(S5) = 0x20 | 5 << 2 to its sleep control register (offset 0, byte
 *    access only) shuts the machine down (hw/acpi/generic_event_device.c, ACPI 6.4 4.8.3.7
 *    "Sleep Control and Status Registers"); QEMU then exits with status 0. The board has no
 *    exit-status device, so the verdict is the summary line on the UART.
 */
#ifndef AXV_LA64_RUNNER_BOARD_H
#define AXV_LA64_RUNNER_BOARD_H

#include <stdint.h>

#define RT_UART_BASE 0x1fe001e0ul
#define RT_GED_SLEEP_CTL 0x100e001cul
#define RT_GED_SLP_EN 0x20u
#define RT_GED_SLP_TYP_S5 5u
#define RT_RAM_END 0x10000000ul /* the end of low RAM (with -m 256M or more) */

void rt_putc(char c);
_Noreturn void rt_poweroff(void);

#endif
