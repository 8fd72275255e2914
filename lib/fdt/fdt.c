// SPDX-License-Identifier: Apache-2.0
/*
 * Devicetree blob writer (Devicetree Specification v0.4, chapter 5).
 *
 * While writing, the buffer holds, from the start: the header (filled in at the end), the
 * memory reservation block, the structure block so far; and at the buffer's end, growing
 * down, the property names. A property's nameoff is kept meanwhile as the distance of its
 * name from the buffer's end; axv_fdt_finish() moves the names behind the structure block
 * and rewrites each nameoff as the offset into that strings block (5.5).
 */
#include <axv/err.h>
#include <axv/fdt.h>

#include "axv_mem.h"

/* Section 5.2: header fields, in order, each a big-endian 32-bit word. */
#define FDT_MAGIC 0xd00dfeedu
#define FDT_VERSION 17u
#define FDT_LAST_COMP 16u
#define HDR_SIZE 40u
/* Section 5.4.1: structure block tokens. */
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_END 9u

#define NAME_MAX_CHARS 31u  /* node-name and property-name length (2.2.1, 2.2.4) */
#define UNIT_MAX_CHARS 223u /* unit address: ours, so a whole node name stays below 256 */

enum { RESERVING, WRITING, SEALED };

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Section 2.2.1, table 2.1: characters of node names and unit addresses. */
static bool node_char(char c)
{
	return is_alnum(c) || c == ',' || c == '.' || c == '_' || c == '+' || c == '-';
}

/* Length of a valid node name (not the root's), or 0 when it is not one. */
static uint32_t node_name_len(const char *s)
{
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	uint32_t n = 0;
	while (n <= NAME_MAX_CHARS && node_char(s[n]))
		n++;
	if (n > NAME_MAX_CHARS)
		return 0;
	if (s[n] == '\0')
		return n;
	if (s[n] != '@')
		return 0;
	uint32_t u = 0;
	while (u <= UNIT_MAX_CHARS && node_char(s[n + 1 + u]))
		u++;
	if (u == 0 || u > UNIT_MAX_CHARS || s[n + 1 + u] != '\0')
		return 0;
	return n + 1 + u;
}

/* Section 2.2.4, table 2.2: property names. Length, or 0 when not valid. */
static uint32_t prop_name_len(const char *s)
{
	uint32_t n = 0;
	while (n <= NAME_MAX_CHARS) {
		char c = s[n];
		if (c == '\0')
			break;
		if (!(is_alnum(c) || c == ',' || c == '.' || c == '_' || c == '+' || c == '?' ||
		      c == '#' || c == '-'))
			return 0;
		n++;
	}
	return n > NAME_MAX_CHARS ? 0 : n;
}

static uint32_t room(const struct axv_fdt *f)
{
	return f->cap - f->strings - f->end;
}

/*
 * Distance from the buffer's end of a name already in the strings area (names are kept
 * whole, each with its NUL), or 0 when it is not there.
 */
static uint32_t find_name(const struct axv_fdt *f, const char *name, uint32_t len)
{
	const uint8_t *p = f->buf + f->cap - f->strings;
	const uint8_t *end = f->buf + f->cap;
	while (p < end) {
		uint32_t n = 0;
		while (p[n] != 0)
			n++;
		if (n == len && axv_memcmp(p, name, len) == 0)
			return (uint32_t)(end - p);
		p += n + 1;
	}
	return 0;
}

int axv_fdt_init(struct axv_fdt *f, void *buf, size_t cap, uint32_t boot_cpu)
{
	if (!f || !buf || ((uintptr_t)buf & 7u) || cap < 64 || cap > 0xffffffffu)
		return AXV_EINVAL;
	struct axv_fdt n = {
		.buf = buf, .cap = (uint32_t)cap, .end = HDR_SIZE, .boot_cpu = boot_cpu,
		.state = RESERVING,
	};
	*f = n;
	return 0;
}

int axv_fdt_reserve(struct axv_fdt *f, uint64_t addr, uint64_t size)
{
	if (!f || size == 0 || addr + size < addr)
		return AXV_EINVAL;
	if (f->state != RESERVING)
		return AXV_ESTATE;
	/* Keep room for this entry and the terminating one (5.3). */
	if (room(f) < 32)
		return AXV_ENOSPC;
	uint8_t *p = f->buf + f->end;
	put32(p, (uint32_t)(addr >> 32));
	put32(p + 4, (uint32_t)addr);
	put32(p + 8, (uint32_t)(size >> 32));
	put32(p + 12, (uint32_t)size);
	f->end += 16;
	return 0;
}

int axv_fdt_begin_node(struct axv_fdt *f, const char *name)
{
	if (!f || !name)
		return AXV_EINVAL;
	if (f->state == SEALED)
		return AXV_ESTATE;
	uint32_t len = 0;
	if (name[0] != '\0') {
		len = node_name_len(name);
		if (len == 0)
			return AXV_EINVAL;
	}
	/* The root first and alone at the top (once closed, the tree is complete); named
	 * nodes below it. */
	if (f->state == WRITING && f->depth == 0)
		return AXV_ESTATE;
	if ((f->state == RESERVING) != (len == 0))
		return AXV_ESTATE;
	if (f->depth >= AXV_FDT_MAX_DEPTH)
		return AXV_E2BIG;
	uint32_t need = 4 + pad4(len + 1) + (f->state == RESERVING ? 16u : 0u);
	if (room(f) < need)
		return AXV_ENOSPC;
	if (f->state == RESERVING) {
		axv_memset(f->buf + f->end, 0, 16); /* the reservation block's terminator */
		f->end += 16;
		f->off_struct = f->end;
		f->state = WRITING;
	}
	uint8_t *p = f->buf + f->end;
	put32(p, FDT_BEGIN_NODE);
	axv_memset(p + 4, 0, pad4(len + 1));
	axv_memcpy(p + 4, name, len);
	f->end += 4 + pad4(len + 1);
	f->depth++;
	return 0;
}

int axv_fdt_end_node(struct axv_fdt *f)
{
	if (!f)
		return AXV_EINVAL;
	if (f->state != WRITING || f->depth == 0)
		return AXV_ESTATE;
	if (room(f) < 4)
		return AXV_ENOSPC;
	put32(f->buf + f->end, FDT_END_NODE);
	f->end += 4;
	f->depth--;
	return 0;
}

/*
 * Write a property's token, length and name offset, adding the name to the strings area if
 * it is new, and return where its len value bytes go (zeroed up to the padding). All or
 * nothing: NULL with *rc set, and nothing changed, when it fails.
 */
static uint8_t *prop_open(struct axv_fdt *f, const char *name, uint32_t len, int *rc)
{
	*rc = AXV_EINVAL;
	if (!f || !name)
		return NULL;
	uint32_t nlen = prop_name_len(name);
	if (nlen == 0)
		return NULL;
	*rc = AXV_ESTATE;
	if (f->state != WRITING || f->depth == 0)
		return NULL;
	*rc = AXV_ENOSPC;
	if (len > f->cap)
		return NULL;
	uint32_t at = find_name(f, name, nlen);
	uint32_t need = 12 + pad4(len) + (at ? 0 : nlen + 1);
	if (room(f) < need)
		return NULL;
	if (!at) {
		f->strings += nlen + 1;
		uint8_t *s = f->buf + f->cap - f->strings;
		axv_memcpy(s, name, nlen);
		s[nlen] = 0;
		at = f->strings;
	}
	uint8_t *p = f->buf + f->end;
	put32(p, FDT_PROP);
	put32(p + 4, len);
	put32(p + 8, at);
	axv_memset(p + 12, 0, pad4(len));
	f->end += 12 + pad4(len);
	*rc = 0;
	return p + 12;
}

int axv_fdt_prop(struct axv_fdt *f, const char *name, const void *val, uint32_t len)
{
	if (!val && len)
		return AXV_EINVAL;
	int rc;
	uint8_t *p = prop_open(f, name, len, &rc);
	if (p && len)
		axv_memcpy(p, val, len);
	return rc;
}

int axv_fdt_prop_u32(struct axv_fdt *f, const char *name, uint32_t v)
{
	return axv_fdt_prop_cells(f, name, &v, 1);
}

int axv_fdt_prop_u64(struct axv_fdt *f, const char *name, uint64_t v)
{
	return axv_fdt_prop_u64s(f, name, &v, 1);
}

int axv_fdt_prop_cells(struct axv_fdt *f, const char *name, const uint32_t *cells, uint32_t n)
{
	if ((!cells && n) || n > (1u << 28))
		return AXV_EINVAL;
	int rc;
	uint8_t *p = prop_open(f, name, n * 4, &rc);
	for (uint32_t i = 0; p && i < n; i++, p += 4)
		put32(p, cells[i]);
	return rc;
}

int axv_fdt_prop_u64s(struct axv_fdt *f, const char *name, const uint64_t *vals, uint32_t n)
{
	if ((!vals && n) || n > (1u << 28))
		return AXV_EINVAL;
	int rc;
	uint8_t *p = prop_open(f, name, n * 8, &rc);
	for (uint32_t i = 0; p && i < n; i++, p += 8) {
		put32(p, (uint32_t)(vals[i] >> 32));
		put32(p + 4, (uint32_t)vals[i]);
	}
	return rc;
}

/* Bytes of a string with its NUL, or 0 when it is longer than the buffer could hold. */
static uint32_t str_size(const struct axv_fdt *f, const char *s)
{
	uint32_t n = 0;
	while (s[n] != '\0') {
		if (n >= f->cap)
			return 0;
		n++;
	}
	return n + 1;
}

int axv_fdt_prop_string(struct axv_fdt *f, const char *name, const char *s)
{
	if (!s)
		return AXV_EINVAL;
	return axv_fdt_prop_strings(f, name, &s, 1);
}

int axv_fdt_prop_strings(struct axv_fdt *f, const char *name, const char *const *strs,
			 uint32_t n)
{
	if (!f || !strs || n == 0)
		return AXV_EINVAL;
	uint64_t total = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (!strs[i])
			return AXV_EINVAL;
		uint32_t k = str_size(f, strs[i]);
		if (k == 0)
			return AXV_ENOSPC;
		total += k;
		if (total > f->cap)
			return AXV_ENOSPC;
	}
	int rc;
	uint8_t *p = prop_open(f, name, (uint32_t)total, &rc);
	for (uint32_t i = 0; p && i < n; i++) {
		uint32_t k = str_size(f, strs[i]);
		axv_memcpy(p, strs[i], k);
		p += k;
	}
	return rc;
}

/* Rewrite every property's nameoff from "distance from the buffer's end" to "offset into
 * the strings block", walking the structure block this writer wrote. */
static void fix_name_offsets(struct axv_fdt *f)
{
	uint32_t off = f->off_struct;
	while (off < f->end) {
		uint32_t tok = get32(f->buf + off);
		off += 4;
		if (tok == FDT_BEGIN_NODE) {
			uint32_t n = 0;
			while (f->buf[off + n] != 0)
				n++;
			off += pad4(n + 1);
		} else if (tok == FDT_PROP) {
			uint32_t len = get32(f->buf + off);
			put32(f->buf + off + 4, f->strings - get32(f->buf + off + 4));
			off += 8 + pad4(len);
		}
	}
}

int axv_fdt_finish(struct axv_fdt *f, uint32_t *size)
{
	if (!f || !size)
		return AXV_EINVAL;
	if (f->state != WRITING || f->depth != 0)
		return AXV_ESTATE;
	if (room(f) < 4)
		return AXV_ENOSPC;
	put32(f->buf + f->end, FDT_END);
	f->end += 4;
	fix_name_offsets(f);
	uint32_t off_strings = f->end;
	axv_memmove(f->buf + off_strings, f->buf + f->cap - f->strings, f->strings);
	uint32_t total = off_strings + f->strings;
	uint8_t *h = f->buf;
	put32(h + 0, FDT_MAGIC);
	put32(h + 4, total);
	put32(h + 8, f->off_struct);     /* off_dt_struct */
	put32(h + 12, off_strings);      /* off_dt_strings */
	put32(h + 16, HDR_SIZE);         /* off_mem_rsvmap */
	put32(h + 20, FDT_VERSION);
	put32(h + 24, FDT_LAST_COMP);
	put32(h + 28, f->boot_cpu);      /* boot_cpuid_phys */
	put32(h + 32, f->strings);       /* size_dt_strings */
	put32(h + 36, f->end - f->off_struct); /* size_dt_struct */
	f->state = SEALED;
	*size = total;
	return 0;
}
