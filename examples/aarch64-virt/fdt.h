/* A small flattened-devicetree reader for the example (Devicetree Specification v0.4,
 * chapter 5): enough to read a property of a node under the root of the DTB QEMU gives the
 * hypervisor (its -append). Every offset, length and name in the input is checked against
 * the blob's bounds before use. The guests' trees are built with libaxv's
 * axv_a64_fdt_build() (main.c). */
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

#endif
