/* The host console shared by the VMs: prefixed output lines, input to one VM at a time
 * (conmux.h). Its lock is taken inside a VM's device locks (the PL011's, the address-space
 * lock of virtio), never the other way round. */
#include "conmux.h"

#include <stdatomic.h>

#include "platform.h"
#include "vms.h"

static struct spinlock lock;
static bool several;                  /* more than one VM: prefixes and line buffers */
static struct con_stream *streams[MAX_VMS];
static struct con_stream *streams_in[MAX_VMS]; /* the streams that may take host input */
/* Where host input goes: changed under the lock, read without it by the PL011 models. */
static struct con_stream *_Atomic input;
static struct con_stream *partial;    /* whose unfinished line is on the console */
static bool escape;                   /* Ctrl-A seen, the next byte says what to do */

void conmux_init(unsigned n)
{
	several = n > 1;
}

void conmux_add(struct con_stream *s, const char *name, unsigned id, bool in)
{
	s->name = name;
	s->id = id;
	s->len = 0;
	spin_lock(&lock);
	if (id < MAX_VMS) {
		streams[id] = s;
		streams_in[id] = in ? s : NULL;
	}
	if (in && !atomic_load_explicit(&input, memory_order_relaxed))
		atomic_store_explicit(&input, s, memory_order_relaxed);
	spin_unlock(&lock);
}

/* Put @s's buffered bytes on the console: after a newline ending another VM's unfinished
 * line, and behind @s's name at a line start. */
static void emit(struct con_stream *s)
{
	if (s->len == 0)
		return;
	if (partial && partial != s) {
		con_putc('\n');
		partial = NULL;
	}
	if (partial != s) {
		con_putc('[');
		con_puts(s->name);
		con_puts("] ");
	}
	for (unsigned i = 0; i < s->len; i++)
		con_putc(s->line[i]);
	partial = s->line[s->len - 1] == '\n' ? NULL : s;
	s->len = 0;
}

void conmux_putc(struct con_stream *s, char c)
{
	if (!several) {
		con_putc(c);
		return;
	}
	spin_lock(&lock);
	s->line[s->len++] = c;
	if (c == '\n' || s->len == CONMUX_LINE)
		emit(s);
	spin_unlock(&lock);
}

static void switch_input(struct con_stream *to)
{
	if (partial) {
		con_putc('\n');
		partial = NULL;
	}
	con_puts("aarch64-virt: console input to ");
	con_puts(to->name);
	con_puts(" (Ctrl-A then a digit switches)\n");
	atomic_store_explicit(&input, to, memory_order_relaxed);
	emit(to); /* its prompt, if it has one waiting */
}

int conmux_getc(struct con_stream *s)
{
	if (!several)
		return host_uart_getc();
	int c = -1;
	spin_lock(&lock);
	while (atomic_load_explicit(&input, memory_order_relaxed) == s) {
		c = host_uart_getc();
		if (c < 0)
			break;
		if (escape) {
			escape = false;
			if (c == CONMUX_ESCAPE)
				break; /* Ctrl-A Ctrl-A: one Ctrl-A for the VM */
			unsigned id = (unsigned)(c - '0');
			if (id < MAX_VMS && streams_in[id]) /* only to a VM that takes input */
				switch_input(streams_in[id]);
			c = -1; /* the rest is the new VM's (the host UART still has it) */
			continue;
		}
		if (c == CONMUX_ESCAPE) {
			escape = true;
			c = -1;
			continue;
		}
		emit(s); /* a prompt waiting for this input goes out first */
		break;
	}
	spin_unlock(&lock);
	return c;
}

bool conmux_has_input(const struct con_stream *s)
{
	return !several || atomic_load_explicit(&input, memory_order_relaxed) == s;
}

struct con_stream *conmux_input(void)
{
	return atomic_load_explicit(&input, memory_order_relaxed);
}
