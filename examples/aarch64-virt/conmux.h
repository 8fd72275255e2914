/*
 * The host console shared by the VMs (conmux.c).
 *
 * With one VM the console is that VM's, byte for byte, as it always was. With several, each
 * VM's output (its PL011 and its virtio console) is gathered into lines, and each line goes
 * to the host console with the VM's name in front ("[name] "); a line cut short by a full
 * buffer goes out as it is and continues unprefixed, unless another VM printed meanwhile. A
 * VM's unfinished line (a shell prompt) goes out when host input reaches that VM or input is
 * switched to it. Host input goes to one VM at a time: Ctrl-A then a digit n gives it to the
 * VM at index n of the table (the first VM with a PL011 has it at boot); Ctrl-A Ctrl-A sends
 * one Ctrl-A; Ctrl-A then anything else is dropped.
 */
#ifndef EXAMPLE_CONMUX_H
#define EXAMPLE_CONMUX_H

#include <stdbool.h>

#define CONMUX_ESCAPE 0x01 /* Ctrl-A */
#define CONMUX_LINE 160

/* A VM's console output: set up by conmux_add(). */
struct con_stream {
	const char *name;
	unsigned id;              /* the VM's index in the table: Ctrl-A <id> selects it */
	char line[CONMUX_LINE];   /* the unfinished line (several VMs only) */
	unsigned len;
};

/* Before any output: @n VMs in all (several: prefixed lines). */
void conmux_init(unsigned n);
/* Register VM @id's stream; @input: host input goes to it from the start (the first such
 * call wins). */
void conmux_add(struct con_stream *s, const char *name, unsigned id, bool input);
/* One byte of the VM's output. */
void conmux_putc(struct con_stream *s, char c);
/* The next host input byte for @s, or -1 (none, or input is another VM's: it then waits in
 * the host UART). The escape sequence is taken here. */
int conmux_getc(struct con_stream *s);
/* Whether host input goes to @s now. */
bool conmux_has_input(const struct con_stream *s);
/* The stream host input goes to now (NULL: none registered with input). */
struct con_stream *conmux_input(void);

#endif
