/* Flattened devicetree reading and /chosen editing (Devicetree Specification v0.4, chapter 5:
 * 5.2 header, 5.3 memory reservation block, 5.4 structure block, 5.5 strings block). */
#include "fdt.h"

#include <stdbool.h>

#include <axv/err.h>

#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u
#define FDT_HEADER_SIZE 40u
#define FDT_VERSION 17u  /* the version this code reads and writes */
#define FDT_MAX_EDITS 8u

/* Header fields (5.2), big-endian 32-bit words at these offsets. */
enum {
	H_MAGIC = 0,
	H_TOTALSIZE = 4,
	H_OFF_STRUCT = 8,
	H_OFF_STRINGS = 12,
	H_OFF_RSVMAP = 16,
	H_VERSION = 20,
	H_LAST_COMP = 24,
	H_BOOT_CPUID = 28,
	H_SIZE_STRINGS = 32,
	H_SIZE_STRUCT = 36,
};

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t hdr(const void *fdt, unsigned field)
{
	return rd32((const uint8_t *)fdt + field);
}

static size_t str_len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int fdt_check(const void *fdt, size_t max, uint32_t *size)
{
	if (!fdt || max < FDT_HEADER_SIZE || hdr(fdt, H_MAGIC) != FDT_MAGIC)
		return AXV_EINVAL;
	uint64_t total = hdr(fdt, H_TOTALSIZE);
	if (total > max)
		return AXV_ERANGE;
	if (total < FDT_HEADER_SIZE || hdr(fdt, H_VERSION) < FDT_VERSION ||
	    hdr(fdt, H_LAST_COMP) > FDT_VERSION)
		return AXV_EINVAL;
	uint64_t rsv = hdr(fdt, H_OFF_RSVMAP), st = hdr(fdt, H_OFF_STRUCT);
	uint64_t st_size = hdr(fdt, H_SIZE_STRUCT), str = hdr(fdt, H_OFF_STRINGS);
	uint64_t str_size = hdr(fdt, H_SIZE_STRINGS);
	/* 5.3: 8-byte aligned (address, size) pairs ended by a pair of zeros. */
	if (rsv < FDT_HEADER_SIZE || (rsv & 7))
		return AXV_EINVAL;
	for (;; rsv += 16) {
		if (rsv + 16 > total)
			return AXV_EINVAL;
		const uint8_t *e = (const uint8_t *)fdt + rsv;
		bool zero = true;
		for (unsigned i = 0; i < 16; i++)
			zero = zero && e[i] == 0;
		if (zero)
			break;
	}
	/* 5.4, 5.5: the blocks lie inside the blob; the structure block is 4-byte aligned. */
	if (st < FDT_HEADER_SIZE || (st & 3) || (st_size & 3) || st_size < 8 ||
	    st + st_size > total || str < FDT_HEADER_SIZE || str + str_size > total)
		return AXV_EINVAL;
	*size = (uint32_t)total;
	return 0;
}

/* ---- walking the structure block ---------------------------------------------------------- */

struct walk {
	const uint8_t *st;      /* the structure block */
	uint32_t st_size;
	const char *strings;    /* the strings block */
	uint32_t str_size;
	uint32_t pos;           /* offset of the next token */
};

struct token {
	uint32_t tok;
	uint32_t start, end;    /* the token's bytes: [start, end) of the structure block */
	const char *name;       /* node name (FDT_BEGIN_NODE) or property name (FDT_PROP) */
	const uint8_t *value;   /* property value */
	uint32_t len;           /* property length */
};

static void walk_init(struct walk *w, const void *fdt)
{
	w->st = (const uint8_t *)fdt + hdr(fdt, H_OFF_STRUCT);
	w->st_size = hdr(fdt, H_SIZE_STRUCT);
	w->strings = (const char *)fdt + hdr(fdt, H_OFF_STRINGS);
	w->str_size = hdr(fdt, H_SIZE_STRINGS);
	w->pos = 0;
}

static uint32_t align4(uint64_t v)
{
	return (uint32_t)((v + 3) & ~3ull);
}

/* The next token, FDT_NOP skipped; false if the block is malformed or ends without FDT_END. */
static bool walk_next(struct walk *w, struct token *t)
{
	for (;;) {
		if ((uint64_t)w->pos + 4 > w->st_size)
			return false;
		t->start = w->pos;
		t->tok = rd32(w->st + w->pos);
		uint64_t next = (uint64_t)w->pos + 4;
		switch (t->tok) {
		case FDT_BEGIN_NODE: {
			/* The name, NUL-terminated inside the block, then padding to 4 bytes. */
			uint64_t i = next;
			while (i < w->st_size && w->st[i])
				i++;
			if (i >= w->st_size)
				return false;
			t->name = (const char *)w->st + next;
			next = align4(i + 1);
			break;
		}
		case FDT_PROP: {
			if (next + 8 > w->st_size)
				return false;
			t->len = rd32(w->st + next);
			uint32_t nameoff = rd32(w->st + next + 4);
			if (next + 8 + t->len > w->st_size || nameoff >= w->str_size)
				return false;
			uint32_t i = nameoff;
			while (i < w->str_size && w->strings[i])
				i++;
			if (i >= w->str_size)
				return false;
			t->name = w->strings + nameoff;
			t->value = w->st + next + 8;
			next = align4(next + 8 + t->len);
			break;
		}
		case FDT_END_NODE:
		case FDT_END:
		case FDT_NOP:
			break;
		default:
			return false;
		}
		if (next > w->st_size)
			return false;
		w->pos = (uint32_t)next;
		t->end = w->pos;
		if (t->tok != FDT_NOP)
			return true;
	}
}

const void *fdt_get(const void *fdt, const char *node, const char *prop, uint32_t *len)
{
	struct walk w;
	struct token t;
	walk_init(&w, fdt);
	unsigned depth = 0;
	bool in_node = false;
	while (walk_next(&w, &t)) {
		switch (t.tok) {
		case FDT_BEGIN_NODE:
			depth++;
			if (depth == 2)
				in_node = str_eq(t.name, node);
			break;
		case FDT_END_NODE:
			if (depth == 0)
				return NULL;
			if (depth == 2)
				in_node = false;
			depth--;
			break;
		case FDT_PROP:
			if (depth == 2 && in_node && str_eq(t.name, prop)) {
				*len = t.len;
				return t.value;
			}
			break;
		default: /* FDT_END */
			return NULL;
		}
	}
	return NULL;
}

/* ---- rebuilding with /chosen edited ------------------------------------------------------ */

struct out {
	uint8_t *buf;
	size_t cap, pos;
	bool full;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (o->full || n > o->cap - o->pos) {
		o->full = true;
		return;
	}
	const uint8_t *s = p;
	for (size_t i = 0; i < n; i++)
		o->buf[o->pos + i] = s[i];
	o->pos += n;
}

static void put32(struct out *o, uint32_t v)
{
	const uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
			      (uint8_t)v};
	put(o, b, 4);
}

static void pad4(struct out *o)
{
	static const uint8_t zero[3];
	put(o, zero, (4 - (o->pos & 3)) & 3);
}

static void set32(struct out *o, size_t at, uint32_t v)
{
	o->buf[at] = (uint8_t)(v >> 24);
	o->buf[at + 1] = (uint8_t)(v >> 16);
	o->buf[at + 2] = (uint8_t)(v >> 8);
	o->buf[at + 3] = (uint8_t)v;
}

/* Offset of @name in the strings block (any NUL-terminated occurrence will do, 5.5), or -1. */
static int64_t find_string(const char *strings, uint32_t size, const char *name)
{
	size_t n = str_len(name);
	for (uint64_t off = 0; off + n < size; off++) {
		size_t i = 0;
		while (i < n && strings[off + i] == name[i])
			i++;
		if (i == n && strings[off + n] == 0)
			return (int64_t)off;
	}
	return -1;
}

/* The edits' new properties: FDT_PROP, length, name offset, value, padding (5.4.1). */
static void put_props(struct out *o, const struct fdt_edit *edits, size_t n,
		      const uint32_t *nameoff)
{
	for (size_t i = 0; i < n; i++) {
		if (!edits[i].value)
			continue;
		put32(o, FDT_PROP);
		put32(o, edits[i].len);
		put32(o, nameoff[i]);
		put(o, edits[i].value, edits[i].len);
		pad4(o);
	}
}

static bool edited(const struct fdt_edit *edits, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq(edits[i].name, name))
			return true;
	return false;
}

int fdt_copy_chosen(const void *in, void *outp, size_t cap, const struct fdt_edit *edits,
		    size_t n, uint32_t *size)
{
	if (!in || !outp || (n && !edits) || n > FDT_MAX_EDITS)
		return AXV_EINVAL;
	struct walk w;
	walk_init(&w, in);

	/* Names of new properties that the strings block lacks are appended to it, once each. */
	uint32_t nameoff[FDT_MAX_EDITS];
	uint32_t extra = 0;
	for (size_t i = 0; i < n; i++) {
		if (!edits[i].name || !edits[i].name[0] || (!edits[i].value && edits[i].len))
			return AXV_EINVAL;
		nameoff[i] = UINT32_MAX;
		if (!edits[i].value)
			continue; /* a removal names nothing */
		int64_t off = find_string(w.strings, w.str_size, edits[i].name);
		for (size_t k = 0; off < 0 && k < i; k++)
			if (str_eq(edits[k].name, edits[i].name) && edits[k].value)
				off = nameoff[k];
		if (off < 0) {
			off = (int64_t)w.str_size + extra;
			extra += (uint32_t)str_len(edits[i].name) + 1;
		}
		nameoff[i] = (uint32_t)off;
	}

	struct out o = {outp, cap, 0, false};
	static const uint8_t header[FDT_HEADER_SIZE];
	put(&o, header, sizeof(header)); /* filled in at the end */
	/* The memory reservation block, copied up to and with its terminating pair (checked). */
	size_t rsv = o.pos;
	const uint8_t *rsv_in = (const uint8_t *)in + hdr(in, H_OFF_RSVMAP);
	for (size_t e = 0;; e += 16) {
		put(&o, rsv_in + e, 16);
		bool zero = true;
		for (unsigned i = 0; i < 16; i++)
			zero = zero && rsv_in[e + i] == 0;
		if (zero)
			break;
	}

	/* The structure block: every token copied, except /chosen's edited properties; the
	 * new ones go after /chosen's other properties (which precede its subnodes, 5.4.1). */
	size_t st = o.pos;
	struct token t;
	unsigned depth = 0;
	bool in_chosen = false, chosen_done = false, seen_root = false, ended = false;
	while (!ended) {
		if (!walk_next(&w, &t))
			return AXV_EINVAL;
		switch (t.tok) {
		case FDT_BEGIN_NODE:
			if (depth == 0 && seen_root)
				return AXV_EINVAL; /* one root node only */
			if (in_chosen && depth == 2 && !chosen_done) {
				put_props(&o, edits, n, nameoff);
				chosen_done = true;
			}
			depth++;
			seen_root = true;
			if (depth == 2 && str_eq(t.name, "chosen") && !chosen_done)
				in_chosen = true;
			break;
		case FDT_END_NODE:
			if (depth == 0)
				return AXV_EINVAL;
			if (depth == 2 && in_chosen) {
				if (!chosen_done)
					put_props(&o, edits, n, nameoff);
				chosen_done = true;
				in_chosen = false;
			} else if (depth == 1 && !chosen_done) { /* no /chosen: add one */
				put32(&o, FDT_BEGIN_NODE);
				put(&o, "chosen", 7);
				pad4(&o);
				put_props(&o, edits, n, nameoff);
				put32(&o, FDT_END_NODE);
				chosen_done = true;
			}
			depth--;
			break;
		case FDT_PROP:
			if (depth == 0)
				return AXV_EINVAL;
			if (in_chosen && depth == 2 && edited(edits, n, t.name))
				continue; /* dropped */
			break;
		default: /* FDT_END */
			if (depth != 0 || !seen_root)
				return AXV_EINVAL;
			ended = true;
			break;
		}
		put(&o, w.st + t.start, t.end - t.start);
	}
	size_t st_size = o.pos - st;

	/* The strings block, then the appended names. */
	size_t str = o.pos;
	put(&o, w.strings, w.str_size);
	for (size_t i = 0; i < n; i++)
		if (nameoff[i] != UINT32_MAX && nameoff[i] >= w.str_size &&
		    nameoff[i] == o.pos - str)
			put(&o, edits[i].name, str_len(edits[i].name) + 1);
	if (o.full)
		return AXV_ENOSPC;

	set32(&o, H_MAGIC, FDT_MAGIC);
	set32(&o, H_TOTALSIZE, (uint32_t)o.pos);
	set32(&o, H_OFF_STRUCT, (uint32_t)st);
	set32(&o, H_OFF_STRINGS, (uint32_t)str);
	set32(&o, H_OFF_RSVMAP, (uint32_t)rsv);
	set32(&o, H_VERSION, FDT_VERSION);
	set32(&o, H_LAST_COMP, 16);
	set32(&o, H_BOOT_CPUID, hdr(in, H_BOOT_CPUID));
	set32(&o, H_SIZE_STRINGS, (uint32_t)(o.pos - str));
	set32(&o, H_SIZE_STRUCT, (uint32_t)st_size);
	*size = (uint32_t)o.pos;
	return 0;
}
