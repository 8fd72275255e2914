/* A small flattened-devicetree reader and /chosen editor for the example (Devicetree
 * Specification v0.4, chapter 5): enough to read a property of a node under the root and to
 * rebuild a DTB with /chosen's properties replaced, added or removed. Every offset, length
 * and name in the input is checked against the blob's bounds before use. */
#ifndef EXAMPLE_FDT_H
#define EXAMPLE_FDT_H

#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC 0xd00dfeedu

/* Check the header and blocks of the DTB at @fdt, which may be at most @max bytes long:
 * 0 and its total size in @size; AXV_EINVAL for anything malformed (AXV_ERANGE: too big). */
int fdt_check(const void *fdt, size_t max, uint32_t *size);

/* The value of property @prop of @node, a child of the root named in full ("chosen",
 * "pl031@9010000"), in a DTB fdt_check() accepted; NULL if there is none. */
const void *fdt_get(const void *fdt, const char *node, const char *prop, uint32_t *len);

/* One change to /chosen: set property @name to @len bytes at @value, or remove it (@value
 * NULL). */
struct fdt_edit {
	const char *name;
	const void *value;
	uint32_t len;
};

/* Copy the DTB @in (fdt_check()ed) to @out, at most @cap bytes, with @n edits applied to
 * /chosen (created if the DTB has none): every property an edit names is dropped, then the
 * ones with a value are added. 0 and the new size in @size; AXV_ENOSPC if @cap is too
 * small; AXV_EINVAL for a malformed structure block. @out must not overlap @in. */
int fdt_copy_chosen(const void *in, void *out, size_t cap, const struct fdt_edit *edits,
		    size_t n, uint32_t *size);

#endif
