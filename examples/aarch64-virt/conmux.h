/*
 * The host console shared by the VMs (conmux.c).
 *
 * With one VM the console is that VM's, byte for byte, as it always was. With several, each
 * VM's output (its PL011 and its virtio console) is gathered into lines, and each line goes
 * to the host console with the VM's name in front ("[name] "); a line cut short by a full
 * buffer goes out as it is and continues unprefixed, unless another VM printed meanwhile. A
 * VM's unfinished line (a shell prompt) goes out when host input reaches that VM or input is
 * switched to it. The hypervisor's own log (con_printf(), "aarch64-virt: ...") goes out a
 * whole line at a time too, gathered per physical cpu, so that no two cpus' lines, and no
 * VM's line, ever mix within a line.
 *
 * Host input goes to one VM at a time. With several VMs the multiplexer takes it from the
 * host UART itself (conmux_pump(), from the host UART's interrupt), whatever the VMs do, and
 * keeps each VM's share in that VM's input ring (CONMUX_IN bytes), from which the VM's PL011
 * takes it as its receive FIFO has room (conmux_getc()). Escape sequences, all after Ctrl-A:
 *   - a digit n: input goes to the VM at index n of the table from now on (the first VM with
 *     a PL011 has it at boot; bytes already in another VM's ring stay that VM's);
 *   - 'p' then a digit n: pause VM n; 'r' then a digit n: resume it (carried out by the
 *     caller of conmux_pump(), main.c);
 *   - Ctrl-A: one Ctrl-A for the VM; anything else: dropped.
 * Nothing typed for a running VM is lost: when its ring is full the multiplexer stops
 * reading the host UART (its interrupt masked) until the VM takes some, and the rest waits
 * upstream (the host UART, QEMU's character device), escape sequences included (so they
 * wait too behind 256 bytes typed for a running VM that does not read its console). A paused
 * VM takes nothing, so what is typed for it beyond its ring is dropped (counted) instead, and
 * the escape sequence that resumes it always gets through; a VM shut down for good gives the
 * input to another (conmux_gone()).
 */
#ifndef EXAMPLE_CONMUX_H
#define EXAMPLE_CONMUX_H

#include <stdbool.h>

#include "config.h"

#define CONMUX_ESCAPE 0x01 /* Ctrl-A */
#define CONMUX_LINE 160
#define CONMUX_LOG_LINE 512 /* a hypervisor log line, per physical cpu */
#define CONMUX_IN 256       /* a VM's input ring */

/* A VM's console: set up by conmux_add(). */
struct con_stream {
	const char *name;
	unsigned id;              /* the VM's index in the table: Ctrl-A <id> selects it */
	char line[CONMUX_LINE];   /* the unfinished line (several VMs only) */
	unsigned len;
	unsigned char in[CONMUX_IN]; /* host input for it, not yet taken (several VMs only) */
	unsigned in_head, in_count;
	bool paused;              /* its input beyond the ring is dropped */
	unsigned dropped;         /* bytes dropped since it was paused */
};

/* A command read from the host console (Ctrl-A p n, Ctrl-A r n): carried out by the caller. */
enum conmux_verb { CONMUX_PAUSE, CONMUX_RESUME };
struct conmux_cmd {
	enum conmux_verb verb;
	unsigned id; /* the VM's index in the table (not checked: 0-9) */
};

/* Before any output: @n VMs in all (several: prefixed lines, rings, commands). */
void conmux_init(unsigned n);
/* Register VM @id's stream; @input: it may take host input, and it has it from the start if
 * it is the first such stream. Its ring starts empty. */
void conmux_add(struct con_stream *s, const char *name, unsigned id, bool input);
/* One byte of the VM's output. */
void conmux_putc(struct con_stream *s, char c);
/* One byte of the hypervisor's log (platform.c's con_putc()): out when its line ends. */
void conmux_log_putc(char c);
/* The next host input byte for @s, or -1: with one VM straight from the host UART, with
 * several from @s's ring (a byte taken there lets a pump held back by @s's full ring go on:
 * the host UART's interrupt is unmasked). */
int conmux_getc(struct con_stream *s);
/* With one VM: whether its PL011 has room (@room), which masks or unmasks the host UART's
 * receive interrupt (what it does not take waits upstream). With several: nothing (the
 * pump decides). */
void conmux_rx_room(const struct con_stream *s, bool room);
/* Several VMs: read the host UART into the ring of the VM that has input, taking the escape
 * sequences, until the UART is empty (its interrupt unmasked), that ring is full (masked:
 * conmux_getc() unmasks it) or a command was read (true, *@cmd set: the caller carries it
 * out and calls again). One VM: false at once. */
bool conmux_pump(struct conmux_cmd *cmd);
/* VM @s is shut down for good: it takes no input any more (what is typed for it is dropped,
 * its ring emptied) and, if it had the input, the input goes to the first other VM that takes
 * input (said on the console), so that escape sequences never wait behind a VM that is gone. */
void conmux_gone(struct con_stream *s);
/* Mark @s paused or running. Returns the bytes dropped while it was paused (0 when pausing). */
unsigned conmux_set_paused(struct con_stream *s, bool paused);
/* Whether host input goes to @s now. */
bool conmux_has_input(const struct con_stream *s);
/* The stream host input goes to now (NULL: none registered with input). */
struct con_stream *conmux_input(void);

#endif
