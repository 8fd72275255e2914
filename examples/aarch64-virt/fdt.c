/* Flattened devicetree reading (Devicetree Specification v0.4, chapter 5:
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
	struct token t = {0}; /* GCC -O3 cannot see that len is set before a FDT_PROP is read */
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
