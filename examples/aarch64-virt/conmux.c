/* The host console shared by the VMs: prefixed output lines, whole log lines, input to one
 * VM at a time through per-VM rings, escape sequences (conmux.h). Its lock is taken inside a
 * VM's device locks (the PL011's, the address-space lock of virtio), never the other way
 * round; nothing under it prints through con_printf(). */
#include "conmux.h"

#include <stdatomic.h>

#include "platform.h"
#include "vms.h"

static struct spinlock lock;
static bool several;                  /* more than one VM: prefixes, line buffers, rings */
static struct con_stream *streams[MAX_VMS];
static struct con_stream *streams_in[MAX_VMS]; /* the streams that may take host input */
/* Where host input goes: changed under the lock, read without it by conmux_has_input(). */
static struct con_stream *_Atomic input;
static struct con_stream *partial;    /* whose unfinished line is on the console */
static bool log_partial;              /* a log line's first part is on the console */
/* The escape sequence read so far: Ctrl-A (ESC_START), then 'p' or 'r' (a digit follows). */
static enum { ESC_NONE, ESC_START, ESC_PAUSE, ESC_RESUME } escape;
static bool throttled;                /* the pump stopped at a full ring: interrupt masked */
static struct {
	char line[CONMUX_LOG_LINE];
	unsigned len;
} logbuf[MAX_CPUS];

void conmux_init(unsigned n)
{
	several = n > 1;
}

void conmux_add(struct con_stream *s, const char *name, unsigned id, bool in)
{
	s->name = name;
	s->id = id;
	s->len = 0;
	s->in_head = s->in_count = 0;
	s->paused = false;
	s->dropped = 0;
	spin_lock(&lock);
	if (id < MAX_VMS) {
		streams[id] = s;
		streams_in[id] = in ? s : NULL;
	}
	if (in && !atomic_load_explicit(&input, memory_order_relaxed))
		atomic_store_explicit(&input, s, memory_order_relaxed);
	spin_unlock(&lock);
}

static void raw_puts(const char *s)
{
	while (*s)
		host_con_putc(*s++);
}

/* End whatever unfinished line is on the console (a VM's or a log line's first part), so
 * that a line of someone else starts at the margin. */
static void end_partial(void)
{
	if (partial || log_partial) {
		host_con_putc('\n');
		partial = NULL;
		log_partial = false;
	}
}

/* Put @s's buffered bytes on the console: after a newline ending another's unfinished line,
 * and behind @s's name at a line start. */
static void emit(struct con_stream *s)
{
	if (s->len == 0)
		return;
	if (partial != s)
		end_partial();
	if (partial != s) {
		host_con_putc('[');
		raw_puts(s->name);
		raw_puts("] ");
	}
	for (unsigned i = 0; i < s->len; i++)
		host_con_putc(s->line[i]);
	partial = s->line[s->len - 1] == '\n' ? NULL : s;
	s->len = 0;
}

void conmux_putc(struct con_stream *s, char c)
{
	if (!several) {
		host_con_putc(c);
		return;
	}
	spin_lock(&lock);
	s->line[s->len++] = c;
	if (c == '\n' || s->len == CONMUX_LINE)
		emit(s);
	spin_unlock(&lock);
}

void conmux_log_putc(char c)
{
	if (!several) {
		host_con_putc(c);
		return;
	}
	unsigned cpu = this_cpu();
	if (cpu >= MAX_CPUS) { /* not a cpu the example runs on: as it is */
		host_con_putc(c);
		return;
	}
	/* Only this cpu touches its buffer; the lock is for the console. */
	logbuf[cpu].line[logbuf[cpu].len++] = c;
	if (c != '\n' && logbuf[cpu].len < CONMUX_LOG_LINE)
		return;
	spin_lock(&lock);
	if (!log_partial)
		end_partial();
	for (unsigned i = 0; i < logbuf[cpu].len; i++)
		host_con_putc(logbuf[cpu].line[i]);
	log_partial = c != '\n'; /* a line longer than the buffer: its rest follows at once */
	logbuf[cpu].len = 0;
	spin_unlock(&lock);
}

static void switch_input(struct con_stream *to)
{
	end_partial();
	raw_puts("aarch64-virt: console input to ");
	raw_puts(to->name);
	raw_puts(" (Ctrl-A then a digit switches)\n");
	atomic_store_explicit(&input, to, memory_order_relaxed);
	emit(to); /* its prompt, if it has one waiting */
}

/* One byte for @s's ring; false when it is full (the byte is then dropped if @s is paused,
 * and must wait upstream otherwise: the caller has not read it). */
static bool ring_put(struct con_stream *s, unsigned char c)
{
	if (s->in_count == CONMUX_IN)
		return false;
	s->in[(s->in_head + s->in_count) % CONMUX_IN] = c;
	s->in_count++;
	return true;
}

int conmux_getc(struct con_stream *s)
{
	if (!several)
		return host_uart_getc();
	int c = -1;
	spin_lock(&lock);
	if (s->in_count) {
		c = s->in[s->in_head];
		s->in_head = (s->in_head + 1) % CONMUX_IN;
		s->in_count--;
		emit(s); /* a prompt waiting for this input goes out first */
		if (throttled) { /* the pump waits for room: there is some now */
			throttled = false;
			host_uart_rx_irq(true);
		}
	}
	spin_unlock(&lock);
	return c;
}

void conmux_rx_room(const struct con_stream *s, bool room)
{
	(void)s;
	if (!several)
		host_uart_rx_irq(room);
}

bool conmux_pump(struct conmux_cmd *cmd)
{
	if (!several)
		return false;
	bool got_cmd = false;
	spin_lock(&lock);
	for (;;) {
		struct con_stream *to = atomic_load_explicit(&input, memory_order_relaxed);
		if (to && !to->paused && to->in_count == CONMUX_IN) {
			/* Full, and its VM runs: it will take some; the rest waits upstream. */
			throttled = true;
			host_uart_rx_irq(false);
			break;
		}
		int c = host_uart_getc();
		if (c < 0) {
			throttled = false;
			host_uart_rx_irq(true);
			break;
		}
		if (escape == ESC_PAUSE || escape == ESC_RESUME) {
			bool pause = escape == ESC_PAUSE;
			escape = ESC_NONE;
			if (c >= '0' && c <= '9') {
				*cmd = (struct conmux_cmd){pause ? CONMUX_PAUSE : CONMUX_RESUME,
							   (unsigned)(c - '0')};
				got_cmd = true;
				break;
			}
			continue; /* not a VM: the sequence is dropped */
		}
		if (escape == ESC_START) {
			escape = ESC_NONE;
			if (c == 'p' || c == 'r') {
				escape = c == 'p' ? ESC_PAUSE : ESC_RESUME;
				continue;
			}
			if (c != CONMUX_ESCAPE) {
				unsigned id = (unsigned)(c - '0');
				if (id < MAX_VMS && streams_in[id]) /* only to a VM that takes input */
					switch_input(streams_in[id]);
				continue;
			}
			/* Ctrl-A Ctrl-A: one Ctrl-A for the VM, below */
		} else if (c == CONMUX_ESCAPE) {
			escape = ESC_START;
			continue;
		}
		if (!to)
			continue; /* no VM takes input */
		if (!ring_put(to, (unsigned char)c))
			to->dropped++; /* paused and full */
	}
	spin_unlock(&lock);
	return got_cmd;
}

void conmux_gone(struct con_stream *s)
{
	if (!several)
		return;
	spin_lock(&lock);
	s->paused = true; /* drops whatever still comes for it */
	s->in_count = 0;
	if (s->id < MAX_VMS)
		streams_in[s->id] = NULL;
	if (atomic_load_explicit(&input, memory_order_relaxed) == s) {
		for (unsigned k = 0; k < MAX_VMS; k++)
			if (streams_in[k]) {
				switch_input(streams_in[k]);
				break;
			}
	}
	if (throttled) { /* its full ring held the pump back */
		throttled = false;
		host_uart_rx_irq(true);
	}
	spin_unlock(&lock);
}

unsigned conmux_set_paused(struct con_stream *s, bool paused)
{
	spin_lock(&lock);
	unsigned dropped = paused ? 0 : s->dropped;
	s->paused = paused;
	s->dropped = 0;
	if (paused && throttled) { /* held back by its full ring: read on, dropping for it */
		throttled = false;
		host_uart_rx_irq(true);
	}
	spin_unlock(&lock);
	return dropped;
}

bool conmux_has_input(const struct con_stream *s)
{
	return !several || atomic_load_explicit(&input, memory_order_relaxed) == s;
}

struct con_stream *conmux_input(void)
{
	return atomic_load_explicit(&input, memory_order_relaxed);
}
