/* The aarch64-virt example's shared host console (examples/aarch64-virt/conmux.c), built for
 * the host with the platform's console, lock, cpu number and host UART replaced by a buffer,
 * no-ops, a variable and a queue: one VM passes through untouched; with several, each VM's
 * lines go out behind its name, an unfinished line is ended when another VM prints and its
 * rest is prefixed again, the hypervisor's log lines go out whole (per cpu), a prompt goes
 * out when input reaches its VM, host input goes into the ring of one VM at a time, switched
 * by Ctrl-A and a digit, Ctrl-A p/r and a digit are pause and resume commands, a running VM's
 * full ring holds the rest upstream and a paused VM's drops it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../examples/aarch64-virt/conmux.h"
#include "../../examples/aarch64-virt/platform.h"

static char screen[4096];
static size_t nscreen;
static const char *input;

static unsigned cpu_now;
static int rx_irq = -1; /* the host UART's receive interrupt: -1 never set, 0 masked, 1 on */

void host_con_putc(char c)
{
	cr_assert_lt(nscreen, sizeof(screen) - 1);
	screen[nscreen++] = c;
	screen[nscreen] = 0;
}

unsigned this_cpu(void)
{
	return cpu_now;
}

void host_uart_rx_irq(bool on)
{
	rx_irq = on;
}

static void log_print(unsigned cpu, const char *text)
{
	cpu_now = cpu;
	while (*text)
		conmux_log_putc(*text++);
}

/* Pump the host input until a command or the end; returns the command's verb and VM as
 * "p1"/"r1", or "" when none. */
static const char *pump(void)
{
	static char got[3];
	struct conmux_cmd cmd;
	got[0] = 0;
	if (conmux_pump(&cmd))
		snprintf(got, sizeof(got), "%c%u", cmd.verb == CONMUX_PAUSE ? 'p' : 'r', cmd.id);
	return got;
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
	cr_expect_eq(conmux_getc(&a), -1, "nothing before the pump read the host UART");
	cr_expect_str_eq(pump(), "");
	cr_expect_eq(rx_irq, 1, "drained: the host interrupt stays on");
	cr_expect_eq(conmux_input(), &b);
	cr_expect_eq(conmux_getc(&b), 'c');
	cr_expect_eq(conmux_getc(&a), 'a', "what came before the switch stays vm-a's");
	cr_expect_eq(conmux_getc(&a), 'b');
	cr_expect_eq(conmux_getc(&a), -1);
	cr_expect_eq(conmux_getc(&b), 'd');
	cr_expect_eq(conmux_getc(&b), -1);
	cr_expect_str_eq(screen, "aarch64-virt: console input to vm-b (Ctrl-A then a digit "
				 "switches)\n");
}

Test(example_conmux, other_escapes)
{
	two_vms();
	input = "\001\001" "\001x" "\0017" "\001px" "\001rq" "Q";
	cr_expect_str_eq(pump(), "");
	cr_expect_eq(conmux_getc(&a), 1, "Ctrl-A Ctrl-A: one Ctrl-A");
	cr_expect_eq(conmux_getc(&a), 'Q', "Ctrl-A x, Ctrl-A 7 (no such VM), Ctrl-A p x and "
					   "Ctrl-A r q (no VM number) are dropped");
	cr_expect_eq(conmux_getc(&a), -1);
	cr_expect_eq(conmux_input(), &a);
	cr_expect_str_eq(screen, "");
}

Test(example_conmux, pause_and_resume_commands_come_back_to_the_caller_one_at_a_time)
{
	two_vms();
	input = "x\001p1y\001r1z\001p7";
	cr_expect_str_eq(pump(), "p1");
	cr_expect_str_eq(pump(), "r1");
	cr_expect_str_eq(pump(), "p7", "the VM number is the caller's to check");
	cr_expect_str_eq(pump(), "");
	cr_expect_eq(conmux_getc(&a), 'x');
	cr_expect_eq(conmux_getc(&a), 'y');
	cr_expect_eq(conmux_getc(&a), 'z');
	cr_expect_eq(conmux_getc(&a), -1);
}

/* CONMUX_IN + 8 bytes 'a'..., then Ctrl-A r 0. */
static char flood[CONMUX_IN + 16];

static void make_flood(void)
{
	for (unsigned i = 0; i < CONMUX_IN + 8; i++)
		flood[i] = (char)('a' + i % 26);
	memcpy(flood + CONMUX_IN + 8, "\001r0", 4);
	input = flood;
}

Test(example_conmux, a_running_vms_full_ring_holds_the_rest_upstream_nothing_lost)
{
	two_vms();
	make_flood();
	cr_expect_str_eq(pump(), "");
	cr_expect_eq(rx_irq, 0, "its ring is full: the host interrupt is masked");
	cr_expect_eq(input, flood + CONMUX_IN, "the rest was not read");
	cr_expect_eq(conmux_getc(&a), 'a');
	cr_expect_eq(rx_irq, 1, "room again: the pump may go on");
	for (unsigned i = 1; i < CONMUX_IN; i++)
		cr_assert_eq(conmux_getc(&a), 'a' + i % 26, "byte %u", i);
	cr_expect_eq(conmux_getc(&a), -1);
	cr_expect_str_eq(pump(), "r0", "the escape after the flood is read once there is room");
	for (unsigned i = CONMUX_IN; i < CONMUX_IN + 8; i++)
		cr_assert_eq(conmux_getc(&a), 'a' + i % 26, "byte %u", i);
	cr_expect_eq(conmux_getc(&a), -1);
}

Test(example_conmux, a_paused_vm_drops_what_its_ring_cannot_hold_and_the_resume_gets_through)
{
	two_vms();
	cr_expect_eq(conmux_set_paused(&a, true), 0);
	make_flood();
	cr_expect_str_eq(pump(), "r0", "the resume behind 8 bytes too many");
	cr_expect_eq(conmux_set_paused(&a, false), 8, "8 bytes dropped, counted");
	for (unsigned i = 0; i < CONMUX_IN; i++)
		cr_assert_eq(conmux_getc(&a), 'a' + i % 26, "byte %u", i);
	cr_expect_eq(conmux_getc(&a), -1);
}

Test(example_conmux, pausing_a_vm_whose_full_ring_held_the_pump_back_lets_it_go_on)
{
	two_vms();
	make_flood();
	cr_expect_str_eq(pump(), "");
	cr_expect_eq(rx_irq, 0);
	conmux_set_paused(&a, true);
	cr_expect_eq(rx_irq, 1, "unmasked: its input is read (and dropped) again");
	cr_expect_str_eq(pump(), "r0");
}

Test(example_conmux, a_prompt_goes_out_when_input_reaches_its_vm)
{
	two_vms();
	print(&a, "a$ ");
	print(&b, "b$ ");
	cr_expect_str_eq(screen, "", "unfinished lines wait");
	input = "l\001" "1s";
	cr_expect_str_eq(pump(), "");
	cr_expect_str_eq(screen, "aarch64-virt: console input to vm-b (Ctrl-A then a digit "
				 "switches)\n[vm-b] b$ ",
			 "the switch shows vm-b's prompt");
	cr_expect_eq(conmux_getc(&a), 'l');
	cr_expect_str_eq(screen, "aarch64-virt: console input to vm-b (Ctrl-A then a digit "
				 "switches)\n[vm-b] b$ \n[vm-a] a$ ",
			 "vm-a's prompt goes out as vm-a takes its input");
	cr_expect_eq(conmux_getc(&b), 's');
}

Test(example_conmux, the_hypervisors_log_lines_go_out_whole_per_cpu)
{
	two_vms();
	log_print(1, "aarch64-virt: vm-b: VMID 2 re");
	print(&a, "[    0.000000] Booting Linux\n");
	log_print(2, "aarch64-virt: vm-c: two ");
	log_print(1, "used\n");
	print(&a, "par");
	log_print(2, "parts\n");
	print(&a, "tial\n");
	cr_expect_str_eq(screen, "[vm-a] [    0.000000] Booting Linux\n"
				 "aarch64-virt: vm-b: VMID 2 reused\n"
				 "aarch64-virt: vm-c: two parts\n"
				 "[vm-a] partial\n");
	nscreen = 0;
	print(&a, "a$ ");
	input = "x";
	pump();
	cr_expect_eq(conmux_getc(&a), 'x'); /* the prompt goes out */
	log_print(3, "aarch64-virt: vm-a: paused\n");
	print(&a, "y\n");
	cr_expect_str_eq(screen, "[vm-a] a$ \naarch64-virt: vm-a: paused\n[vm-a] y\n",
			 "a log line ends a VM's unfinished line first");
}

Test(example_conmux, one_vm_log_is_the_console_byte_for_byte)
{
	conmux_init(1);
	conmux_add(&a, "vm0", 0, true);
	log_print(0, "aarch64-virt: x");
	print(&a, "y");
	cr_expect_str_eq(screen, "aarch64-virt: xy");
}

Test(example_conmux, a_vm_gone_for_good_gives_the_input_to_another_and_drops_its_own)
{
	two_vms();
	make_flood(); /* fills vm-a's ring: the pump is held back */
	cr_expect_str_eq(pump(), "");
	cr_expect_eq(rx_irq, 0);
	conmux_gone(&a);
	cr_expect_eq(rx_irq, 1, "no more waiting for vm-a");
	cr_expect_eq(conmux_input(), &b);
	cr_expect_str_eq(screen, "aarch64-virt: console input to vm-b (Ctrl-A then a digit "
				 "switches)\n");
	cr_expect_eq(conmux_getc(&a), -1, "its ring emptied");
	cr_expect_str_eq(pump(), "r0", "the rest of the flood goes to vm-b, the escape is read");
	cr_expect_eq(conmux_getc(&b), 'a' + CONMUX_IN % 26);
	input = "\0010x";
	cr_expect_str_eq(pump(), "");
	cr_expect_eq(conmux_input(), &b, "Ctrl-A 0 no longer selects vm-a");
}

