/**
 * @file types.h
 * @brief Scalar types shared by every libaxv module: addresses, access widths, mapping flags.
 *
 * libaxv is freestanding: this header uses only `<stdint.h>`, `<stddef.h>` and `<stdbool.h>`,
 * which a freestanding C11 compiler provides.
 */
#ifndef AXV_TYPES_H
#define AXV_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_types Types
 * @brief Address types, access widths and mapping flags.
 *
 * Guest and host addresses are distinct typedefs so that every prototype says which space an
 * address lives in. They are scalars (the house rule keeps `_t` for scalars), so the compiler
 * does not stop a mix-up: the names and the mock HAL, whose physical addresses never equal its
 * host pointers, do.
 * @{
 */

/** A guest physical address (an IPA on aarch64, a GPA on x86 and LoongArch). */
typedef uint64_t axv_gpa_t;
/** A guest virtual address. */
typedef uint64_t axv_gva_t;
/** A host physical address, as the HAL hands out frames. */
typedef uint64_t axv_hpa_t;
/** A host virtual address, as an integer (use `void *` for pointers you dereference). */
typedef uintptr_t axv_hva_t;

/** An invalid host physical address (all ones); never a frame address. */
#define AXV_HPA_INVALID ((axv_hpa_t)~(axv_hpa_t)0)

/** Width of a guest memory, port or register access, in bytes. */
enum axv_width {
	AXV_WIDTH_8 = 1,  /**< one byte */
	AXV_WIDTH_16 = 2, /**< two bytes */
	AXV_WIDTH_32 = 4, /**< four bytes */
	AXV_WIDTH_64 = 8, /**< eight bytes */
};

/**
 * @brief Tell whether @p bytes is a valid access width (1, 2, 4 or 8).
 * @param bytes the width in bytes, as a guest or decoder reported it
 * @return true for 1, 2, 4 or 8; false for anything else
 * @note Context: any; pure function.
 */
static inline bool axv_width_valid(uint64_t bytes)
{
	return bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8;
}

/** Mapping permission and attribute flags: a bitwise OR of `AXV_MAP_*`. */
typedef uint32_t axv_map_flags_t;

/** The guest may read. */
#define AXV_MAP_READ ((axv_map_flags_t)1u << 0)
/** The guest may write. */
#define AXV_MAP_WRITE ((axv_map_flags_t)1u << 1)
/** The guest may execute. */
#define AXV_MAP_EXEC ((axv_map_flags_t)1u << 2)
/** Accessible from the guest's user mode where the format distinguishes it. */
#define AXV_MAP_USER ((axv_map_flags_t)1u << 3)
/** Device memory: uncached, no speculation, no merging (aarch64 Device-nGnRE, x86 UC). */
#define AXV_MAP_DEVICE ((axv_map_flags_t)1u << 4)
/** Normal memory, uncached (aarch64 Normal-NC, x86 UC-). */
#define AXV_MAP_UNCACHED ((axv_map_flags_t)1u << 5)
/** Read, write and execute. */
#define AXV_MAP_RWX (AXV_MAP_READ | AXV_MAP_WRITE | AXV_MAP_EXEC)
/** Every flag bit that libaxv defines; any other bit is invalid input. */
#define AXV_MAP_ALL                                                                        \
	(AXV_MAP_READ | AXV_MAP_WRITE | AXV_MAP_EXEC | AXV_MAP_USER | AXV_MAP_DEVICE |     \
	 AXV_MAP_UNCACHED)

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_TYPES_H */
