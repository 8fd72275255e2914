/* SPDX-License-Identifier: Apache-2.0 */
/* UART output and power-off on QEMU's loongarch virt board (see board.h). */
#include "board.h"

#define UART_THR 0 /* transmit holding register */
#define UART_LSR 5 /* line status register */
#define UART_LSR_THRE 0x20

static volatile uint8_t *reg8(unsigned long a)
{
	return (volatile uint8_t *)a;
}

void rt_putc(char c)
{
	if (c == '\n')
		rt_putc('\r');
	while (!(*reg8(RT_UART_BASE + UART_LSR) & UART_LSR_THRE))
		;
	*reg8(RT_UART_BASE + UART_THR) = (uint8_t)c;
}

void rt_poweroff(void)
{
	*reg8(RT_GED_SLEEP_CTL) = (uint8_t)(RT_GED_SLP_EN | RT_GED_SLP_TYP_S5 << 2);
	for (;;)
		__asm__ volatile("idle 0");
}
