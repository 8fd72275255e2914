/* The aarch64-virt example's shared host console (examples/aarch64-virt/conmux.c), built for
 * the host with the platform's console, lock and host UART replaced by a buffer, no-ops and a
 * queue: one VM passes through untouched; with several, each VM's lines go out behind its
 * name, an unfinished line is ended when another VM prints and its rest is prefixed again, a
 * prompt goes out when input reaches its VM, and host input goes to one VM at a time, switched
 * by Ctrl-A and a digit. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../examples/aarch64-virt/conmux.h"
#include "../../examples/aarch64-virt/platform.h"

static char screen[4096];
static size_t nscreen;
static const char *input;

void con_putc(char c)
{
	cr_assert_lt(nscreen, sizeof(screen) - 1);
	screen[nscreen++] = c;
	screen[nscreen] = 0;
}

void con_puts(const char *s)
{
	while (*s)
		con_putc(*s++);
}

void spin_lock(struct spinlock *l)
{
	(void)l;
}

void spin_unlock(struct spinlock *l)
{
	(void)l;
}

int host_uart_getc(void)
{
	return input && *input ? (unsigned char)*input++ : -1;
}

static void print(struct con_stream *s, const char *text)
{
	while (*text)
		conmux_putc(s, *text++);
}

static struct con_stream a, b;

static void two_vms(void)
{
	conmux_init(2);
	conmux_add(&a, "vm-a", 0, true);
	conmux_add(&b, "vm-b", 1, true); /* the first with input keeps it */
}

Test(example_conmux, one_vm_is_the_console_byte_for_byte)
{
	conmux_init(1);
	conmux_add(&a, "vm0", 0, true);
	print(&a, "no prefix\npartial");
	cr_expect_str_eq(screen, "no prefix\npartial");
	input = "x\001" "1y";
	cr_expect_eq(conmux_getc(&a), 'x');
	cr_expect_eq(conmux_getc(&a), 1, "no escape sequence with one VM");
	cr_expect_eq(conmux_getc(&a), '1');
	cr_expect_eq(conmux_getc(&a), 'y');
	cr_expect_eq(conmux_getc(&a), -1);
	cr_expect(conmux_has_input(&a));
}

Test(example_conmux, lines_go_out_behind_their_vm_name)
{
	two_vms();
	print(&a, "hello\npar");
	print(&b, "PASS x\n");
	print(&a, "tial\n");
	cr_expect_str_eq(screen, "[vm-a] hello\n[vm-b] PASS x\n[vm-a] partial\n");
}

Test(example_conmux, a_full_line_goes_out_and_is_ended_by_another_vm)
{
	two_vms();
	char line[CONMUX_LINE + 11];
	memset(line, 'z', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	print(&a, line); /* CONMUX_LINE bytes go out, 10 wait */
	print(&b, "b\n");
	print(&a, "\n");
	char want[2 * CONMUX_LINE];
	snprintf(want, sizeof(want), "[vm-a] %.*s\n[vm-b] b\n[vm-a] zzzzzzzzzz\n", CONMUX_LINE,
		 line);
	cr_expect_str_eq(screen, want);
	nscreen = 0;
	print(&a, line);
	print(&a, "\n"); /* nobody printed in between: the line continues unprefixed */
	snprintf(want, sizeof(want), "[vm-a] %s\n", line);
	cr_expect_str_eq(screen, want);
}

Test(example_conmux, input_goes_to_one_vm_and_ctrl_a_digit_switches_it)
{
	two_vms();
	cr_expect(conmux_has_input(&a));
	cr_expect_not(conmux_has_input(&b));
	input = "ab\001" "1cd";
	cr_expect_eq(conmux_getc(&b), -1, "not vm-b's yet: the bytes stay upstream");
	cr_expect_eq(conmux_getc(&a), 'a');
	cr_expect_eq(conmux_getc(&a), 'b');
	cr_expect_eq(conmux_getc(&a), -1, "the switch: the rest is vm-b's");
	cr_expect_eq(conmux_input(), &b);
	cr_expect_eq(conmux_getc(&a), -1);
	cr_expect_eq(conmux_getc(&b), 'c');
	cr_expect_eq(conmux_getc(&b), 'd');
	cr_expect_eq(conmux_getc(&b), -1);
	cr_expect_str_eq(screen, "aarch64-virt: console input to vm-b (Ctrl-A then a digit "
				 "switches)\n");
}

Test(example_conmux, other_escapes)
{
	two_vms();
	input = "\001\001" "\001x" "\0017" "q";
	cr_expect_eq(conmux_getc(&a), 1, "Ctrl-A Ctrl-A: one Ctrl-A");
	cr_expect_eq(conmux_getc(&a), 'q', "Ctrl-A x and Ctrl-A 7 (no such VM) are dropped");
	cr_expect_eq(conmux_input(), &a);
	cr_expect_str_eq(screen, "");
}

Test(example_conmux, a_prompt_goes_out_when_input_reaches_its_vm)
{
	two_vms();
	print(&a, "a$ ");
	print(&b, "b$ ");
	cr_expect_str_eq(screen, "", "unfinished lines wait");
	input = "l\001" "1s";
	cr_expect_eq(conmux_getc(&a), 'l');
	cr_expect_str_eq(screen, "[vm-a] a$ ");
	cr_expect_eq(conmux_getc(&a), -1);
	cr_expect_str_eq(screen, "[vm-a] a$ \naarch64-virt: console input to vm-b (Ctrl-A then a "
				 "digit switches)\n[vm-b] b$ ",
			 "the switch shows vm-b's prompt");
	cr_expect_eq(conmux_getc(&b), 's');
}
