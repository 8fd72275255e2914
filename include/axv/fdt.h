/**
 * @file fdt.h
 * @brief A flattened devicetree (DTB) writer, for the device trees a hypervisor builds for
 *        its guests. Optional module: an embedder without device trees does not link it.
 */
#ifndef AXV_FDT_H
#define AXV_FDT_H

#include <axv/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_fdt Devicetree writer
 * @brief Writes a devicetree blob, version 17, node by node into caller memory.
 *
 * The format is the Devicetree Specification v0.4, chapter 5 ("Flattened Devicetree (DTB)
 * Format"): a 40-byte header (5.2), the memory reservation block (5.3), the structure block
 * of FDT_BEGIN_NODE, FDT_PROP, FDT_END_NODE and FDT_END tokens (5.4) and the strings block
 * (5.5), which holds every property name once.
 *
 * Use: axv_fdt_init() on an 8-byte aligned buffer; axv_fdt_reserve() for each reserved
 * memory range (before the first node); axv_fdt_begin_node() with the empty name for the
 * root, then nodes and properties in document order, each node closed by
 * axv_fdt_end_node(); axv_fdt_finish() seals the blob and gives its size. While the tree is
 * being written, property names are kept at the end of the buffer; axv_fdt_finish() moves
 * them behind the structure block, so the blob is contiguous from the buffer's start.
 *
 * Every call either does all it says or nothing: a call that fails (no room, a bad name,
 * a call out of order) leaves the writer and the buffer's written part as they were, so a
 * caller may stop at the first error or give up on one optional property and go on.
 * Names are checked against the specification's character sets (section 2.2.1 for nodes,
 * 2.2.4 for properties); values are not interpreted.
 *
 * Concurrency: a writer is used by one thread at a time; different writers are independent.
 * Context: any; nothing blocks and nothing is allocated (all memory is the caller's buffer).
 * @{
 */

/** Most levels of nodes below the root (and the root itself) a writer keeps open. */
#define AXV_FDT_MAX_DEPTH 16u

/**
 * @brief A devicetree writer. Caller storage; members are private.
 */
struct axv_fdt {
	uint8_t *buf;      /**< the blob (private) */
	uint32_t cap;      /**< buffer bytes (private) */
	uint32_t end;      /**< end of what is written from the start (private) */
	uint32_t strings;  /**< bytes of property names kept at the buffer's end (private) */
	uint32_t off_struct; /**< offset of the structure block, 0 while reserving (private) */
	uint32_t boot_cpu; /**< boot_cpuid_phys for the header (private) */
	uint16_t depth;    /**< nodes open (private) */
	uint16_t state;    /**< reserving, writing, sealed (private) */
};

/**
 * @brief Start a devicetree blob in a buffer.
 * @param f        caller storage; untouched on failure
 * @param buf      the buffer, 8-byte aligned (the reservation block holds 64-bit values);
 *                 it is the caller's and holds the blob after axv_fdt_finish()
 * @param cap      its size in bytes, at least 64 and at most 2^32 - 1
 * @param boot_cpu the header's boot_cpuid_phys (section 5.2): the physical id of the boot
 *                 cpu, the `reg` of its cpu node; 0 when unused
 * @return 0; #AXV_EINVAL for a NULL @p f or @p buf, a misaligned @p buf, or a @p cap out of
 *         range
 * @note Context: any; does not block.
 */
int axv_fdt_init(struct axv_fdt *f, void *buf, size_t cap, uint32_t boot_cpu);

/**
 * @brief Add a memory reservation block entry (section 5.3): memory the guest's OS must not
 *        use as general RAM.
 * @param f    a writer with no node begun yet
 * @param addr the range's physical address
 * @param size its size, not 0
 * @return 0; #AXV_EINVAL for a NULL @p f, a zero @p size or a range that wraps;
 *         #AXV_ESTATE after the first node; #AXV_ENOSPC when the buffer is full
 * @note Context: any; does not block.
 */
int axv_fdt_reserve(struct axv_fdt *f, uint64_t addr, uint64_t size);

/**
 * @brief Open a node (FDT_BEGIN_NODE).
 * @param f    a writer
 * @param name the node name: empty for the root (which must be the first node and the only
 *             one at the top), otherwise `node-name[@unit-address]` (section 2.2.1: 1 to 31
 *             characters of `0-9 a-z A-Z , . _ + -` starting with a letter, then optionally
 *             `@` and at least one of those characters)
 * @return 0; #AXV_EINVAL for a NULL argument or a bad name; #AXV_ESTATE for a second root,
 *         a non-empty name at the top or an empty one below it, or a sealed blob;
 *         #AXV_E2BIG when #AXV_FDT_MAX_DEPTH nodes are already open; #AXV_ENOSPC when the
 *         buffer is full
 * @note Context: any; does not block.
 */
int axv_fdt_begin_node(struct axv_fdt *f, const char *name);

/**
 * @brief Close the innermost open node (FDT_END_NODE).
 * @param f a writer with an open node
 * @return 0; #AXV_EINVAL for a NULL @p f; #AXV_ESTATE when no node is open;
 *         #AXV_ENOSPC when the buffer is full
 * @note Context: any; does not block.
 */
int axv_fdt_end_node(struct axv_fdt *f);

/**
 * @brief Add a property to the innermost open node (FDT_PROP). Values are stored as given:
 *        multi-byte cells are big-endian in a blob; use the typed helpers below for them.
 * @param f    a writer with an open node
 * @param name the property name (section 2.2.4: 1 to 31 characters of
 *             `0-9 a-z A-Z , . _ + ? # -`); kept once in the strings block however often
 *             it is used
 * @param val  the value bytes; may be NULL when @p len is 0 (an empty property such as
 *             `interrupt-controller`)
 * @param len  bytes of @p val
 * @return 0; #AXV_EINVAL for a NULL @p f or @p name, a bad name, or a NULL @p val with a
 *         non-zero @p len; #AXV_ESTATE when no node is open; #AXV_ENOSPC when the buffer
 *         is full
 * @note Context: any; does not block.
 */
int axv_fdt_prop(struct axv_fdt *f, const char *name, const void *val, uint32_t len);

/**
 * @brief Add a property of one 32-bit cell (big-endian), such as `#address-cells`.
 * @param f a writer with an open node
 * @param name the property name (as axv_fdt_prop())
 * @param v the value
 * @return as axv_fdt_prop()
 * @note Context: any; does not block.
 */
int axv_fdt_prop_u32(struct axv_fdt *f, const char *name, uint32_t v);

/**
 * @brief Add a property of one 64-bit value as two big-endian cells, such as a `reg`
 *        address with `#address-cells = 2` and no size.
 * @param f a writer with an open node
 * @param name the property name (as axv_fdt_prop())
 * @param v the value
 * @return as axv_fdt_prop()
 * @note Context: any; does not block.
 */
int axv_fdt_prop_u64(struct axv_fdt *f, const char *name, uint64_t v);

/**
 * @brief Add a property of 32-bit cells (each stored big-endian), such as `interrupts`.
 * @param f     a writer with an open node
 * @param name  the property name (as axv_fdt_prop())
 * @param cells the cells, in host order; may be NULL when @p n is 0
 * @param n     how many, at most 2^28
 * @return as axv_fdt_prop(); #AXV_EINVAL also for a NULL @p cells with a non-zero @p n or
 *         too many cells
 * @note Context: any; does not block.
 */
int axv_fdt_prop_cells(struct axv_fdt *f, const char *name, const uint32_t *cells, uint32_t n);

/**
 * @brief Add a property of 64-bit values, each stored as two big-endian cells (high cell
 *        first), such as `reg` with `#address-cells = #size-cells = 2`.
 * @param f    a writer with an open node
 * @param name the property name (as axv_fdt_prop())
 * @param vals the values, in host order; may be NULL when @p n is 0
 * @param n    how many, at most 2^28
 * @return as axv_fdt_prop_cells()
 * @note Context: any; does not block.
 */
int axv_fdt_prop_u64s(struct axv_fdt *f, const char *name, const uint64_t *vals, uint32_t n);

/**
 * @brief Add a string property (with its terminating NUL), such as `compatible` with one
 *        entry or `bootargs`.
 * @param f    a writer with an open node
 * @param name the property name (as axv_fdt_prop())
 * @param s    the string, NUL-terminated
 * @return as axv_fdt_prop(); #AXV_EINVAL also for a NULL @p s
 * @note Context: any; does not block.
 */
int axv_fdt_prop_string(struct axv_fdt *f, const char *name, const char *s);

/**
 * @brief Add a string-list property (section 2.2.4.1, `<stringlist>`), such as
 *        `compatible = "arm,pl011", "arm,primecell"`.
 * @param f    a writer with an open node
 * @param name the property name (as axv_fdt_prop())
 * @param strs the strings, each NUL-terminated; stored one after the other with their NULs
 * @param n    how many, at least 1
 * @return as axv_fdt_prop(); #AXV_EINVAL also for a NULL @p strs or entry, or @p n of 0
 * @note Context: any; does not block.
 */
int axv_fdt_prop_strings(struct axv_fdt *f, const char *name, const char *const *strs,
			 uint32_t n);

/**
 * @brief Seal the blob: write FDT_END, move the strings block behind the structure block
 *        and fill in the header (section 5.2: version 17, last compatible version 16).
 * @param f         a writer whose root node is closed
 * @param[out] size the blob's total size in bytes (the header's totalsize)
 * @return 0; #AXV_EINVAL for a NULL argument; #AXV_ESTATE when the root was never begun,
 *         a node is still open, or the blob is already sealed; #AXV_ENOSPC when the buffer
 *         has no room for FDT_END
 * @note Context: any; does not block. After it, the writer refuses every call with
 *       #AXV_ESTATE (start again with axv_fdt_init()).
 */
int axv_fdt_finish(struct axv_fdt *f, uint32_t *size);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_FDT_H */
