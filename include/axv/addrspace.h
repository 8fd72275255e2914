/**
 * @file addrspace.h
 * @brief Guest physical address spaces over one nested page-table engine, driven by
 *        page-table formats that are plain data (aarch64 stage 2, x86 EPT, AMD NPT,
 *        LoongArch LA64).
 */
#ifndef AXV_ADDRSPACE_H
#define AXV_ADDRSPACE_H

#include <axv/err.h>
#include <axv/frame.h>
#include <axv/hal.h>
#include <axv/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_addrspace Address spaces
 * @brief A guest physical address space: areas, their backing, and the nested page table.
 *
 * An address space covers `[base, base + size)` of guest physical addresses. It holds
 * *areas*, non-overlapping ranges that are either *linear* (a fixed host physical range) or
 * *alloc* (frames libaxv takes from the HAL, zeroed, either all at map time or one at a time
 * on the first fault). One engine walks the page table of every format; a format is a
 * `struct axv_pt_format`, plain data the port provides (see axv/arch/aarch64.h,
 * axv/arch/x86_64.h, axv/arch/loongarch64.h).
 *
 * Rules every mutating call follows:
 * - Bad input changes nothing: unaligned address or size, a zero size or an unknown flag give
 *   #AXV_EINVAL; a range outside the space, or one that wraps, #AXV_ERANGE; an overlap with an
 *   existing area #AXV_EEXIST. Running out of frames gives #AXV_ENOMEM, and then too the
 *   areas, the page tables and the frame count are exactly as before: every frame an
 *   operation needs is taken before the first entry is written.
 * - The largest leaf that alignment and size allow is used; blocks are split on a partial
 *   unmap or protect; page-table pages that become empty are freed.
 * - The HAL's `tlb->flush_range` is called once per mutating call with a range covering
 *   every entry that changed (never once per page). A valid leaf that changes is first made
 *   invalid, then the range is flushed, then the new entry is written (break-before-make).
 *   Frames and page-table pages are given back only after that flush.
 * - Frames given to the guest are zeroed: no host data reaches a guest.
 *
 * Flags: every mapping must include #AXV_MAP_READ (no nested format here can express a
 * write-only or execute-only mapping portably); #AXV_MAP_DEVICE and #AXV_MAP_UNCACHED exclude
 * each other; #AXV_MAP_USER is accepted and ignored, since a nested table cannot see the guest's
 * privilege level (NPT sets its U bit at every level regardless, as the APM requires).
 *
 * Concurrency: an address space is not locked; the caller serialises calls on one space.
 * Translation and reads may run concurrently with each other but not with a mutating call.
 * Context: task context, or interrupt context if the HAL's memory hooks allow it.
 * @{
 */

/** Most levels a format may have. */
#define AXV_PT_MAX_LEVELS 5

/**
 * @brief A nested page-table format, as data the engine reads.
 *
 * Level 0 is the root. An entry at level L maps `1 << shift[L]` bytes. An entry is *empty*
 * when it equals `empty[L]`; at the last level any other entry is a leaf; above it, an entry
 * with `(e & block_mask) == block_val` is a leaf (a block), any other a table pointer. A leaf
 * is valid when `e & valid_mask` is non-zero. The engine breaks a leaf before it changes it
 * (break-before-make) by clearing those bits and setting `broken_bits`: a bit the hardware
 * ignores in an invalid entry and that no empty, table or leaf entry uses, so a broken leaf
 * can never be mistaken for an empty entry, whatever its address and attributes (a readable
 * EPT device page at host address 0 is 0x1; without valid bits it would be 0, the empty
 * value). axv_pt_format_check() enforces this. An entry holds its output address as
 * `(pa >> oa_shift) & oa_mask` and the engine reads it back as `(e & oa_mask) << oa_shift`:
 * the shift is 0 where the address sits in place (stage 2, EPT, NPT, LA64) and 2 for RISC-V,
 * whose PTEs hold PPN = pa >> 12 in bits 53:10 (Priv 4.4.1, 8.5.1).
 *
 * The engine converts #axv_map_flags_t into attribute bits once per call:
 * `attr_base | (READ ? attr_read : attr_noread) | (WRITE ? ...) | (EXEC ? ...) | memory type`,
 * then ORs `page_bits` (last level) or `block_bits` (blocks), so the inner loop of a mapping is
 * `pte[i] = enc(pa) | attrs` (`enc(pa)` is `pa` itself with shift 0).
 *
 * Ports provide ready-made formats; embedders normally do not fill this in themselves.
 */
struct axv_pt_format {
	const char *name;                     /**< short name for logs, e.g. "ept" */
	uint8_t levels;                       /**< number of levels, 2 to #AXV_PT_MAX_LEVELS */
	uint8_t ia_bits;                      /**< input (guest physical) address bits */
	uint8_t root_frames;                  /**< frames of the root table (concatenated roots: 2 to 16) */
	uint8_t oa_shift;                     /**< an entry holds `(pa >> oa_shift) & oa_mask` (0 to 12) */
	uint8_t shift[AXV_PT_MAX_LEVELS];      /**< log2 of the bytes one entry of level L maps */
	uint8_t index_bits[AXV_PT_MAX_LEVELS]; /**< index bits at level L (the root's include concatenation) */
	bool leaf_ok[AXV_PT_MAX_LEVELS];       /**< level L may hold a leaf (the last level must) */
	uint64_t empty[AXV_PT_MAX_LEVELS];     /**< value of an empty entry at level L */
	uint64_t oa_mask;                     /**< output-address bits of an entry (after the shift) */
	uint64_t valid_mask;                  /**< a leaf is valid when any of these bits is set */
	uint64_t broken_bits;                 /**< set in a leaf the engine has made invalid; ignored by the hardware then, used by no other entry */
	uint64_t table_bits;                  /**< ORed with a table's address in a table entry */
	uint64_t page_bits;                   /**< ORed into a last-level leaf */
	uint64_t block_bits;                  /**< ORed into a leaf above the last level */
	uint64_t block_mask;                  /**< with block_val: tells a block from a table */
	uint64_t block_val;                   /**< `(e & block_mask) == block_val`: a block */
	uint64_t attr_base;                   /**< ORed into every leaf */
	uint64_t attr_read;                   /**< ORed when #AXV_MAP_READ is set */
	uint64_t attr_noread;                 /**< ORed when #AXV_MAP_READ is clear */
	uint64_t attr_write;                  /**< ORed when #AXV_MAP_WRITE is set */
	uint64_t attr_nowrite;                /**< ORed when #AXV_MAP_WRITE is clear */
	uint64_t attr_exec;                   /**< ORed when #AXV_MAP_EXEC is set */
	uint64_t attr_noexec;                 /**< ORed when #AXV_MAP_EXEC is clear */
	uint64_t mem_normal;                  /**< memory-type bits of normal, cached memory */
	uint64_t mem_device;                  /**< memory-type bits for #AXV_MAP_DEVICE */
	uint64_t mem_uncached;                /**< memory-type bits for #AXV_MAP_UNCACHED */
};

/**
 * @brief Check that a format descriptor is consistent.
 * @param fmt the format
 * @return 0; #AXV_EINVAL if @p fmt is NULL or its levels, shifts, index bits, root size,
 *         leaf levels or masks do not fit together: among others, if `oa_mask` is zero,
 *         `oa_shift` is above 12, or a page-aligned address would not survive
 *         `(pa >> oa_shift) & oa_mask` then `<< oa_shift` (decoded mask not page aligned,
 *         or mask bits the shift pushes out), if an empty entry has a
 *         valid bit, if a leaf some flags describe has none, or if `broken_bits` is zero or
 *         shared with any other field (so a broken leaf could equal an empty entry)
 * @note Context: any; pure function.
 */
int axv_pt_format_check(const struct axv_pt_format *fmt);

/**
 * @brief The leaf entry the engine writes for @p pa with @p flags at @p level.
 * @param fmt   a valid format
 * @param level the level (0 is the root); must allow a leaf
 * @param pa    output address, aligned to the level's leaf size
 * @param flags `AXV_MAP_*` flags, valid as for a mapping
 * @return the entry value (ports and tests use it; no table is touched)
 * @note Context: any; pure function.
 */
uint64_t axv_pt_leaf_entry(const struct axv_pt_format *fmt, unsigned level, axv_hpa_t pa,
			   axv_map_flags_t flags);

/**
 * @brief The table entry the engine writes to point at a next-level table.
 * @param fmt a valid format
 * @param pa  physical address of the next-level table
 * @return the entry value
 * @note Context: any; pure function.
 */
uint64_t axv_pt_table_entry(const struct axv_pt_format *fmt, axv_hpa_t pa);

/** How an area is backed. */
enum axv_area_kind {
	AXV_AREA_LINEAR = 1, /**< a fixed host physical range, mapped at map time */
	AXV_AREA_ALLOC = 2,  /**< frames owned by the address space, zeroed */
};

/** One area, as axv_addrspace_area() reports it. */
struct axv_area_info {
	axv_gpa_t gpa;           /**< first guest physical address */
	uint64_t size;           /**< size in bytes, a multiple of 4 KiB */
	axv_map_flags_t flags;   /**< `AXV_MAP_*` flags of the whole area */
	enum axv_area_kind kind; /**< backing */
	bool populated;          /**< alloc areas: frames were taken at map time (not lazily) */
	axv_hpa_t hpa;           /**< linear areas: host physical address of the first byte; else invalid */
};

/**
 * Entries of an address space's translation cache: one per leaf table (2 MiB of guest
 * addresses with 4 KiB pages), so translations skip the upper levels of the walk. It lives in
 * `struct axv_addrspace` (8 bytes an entry), is filled by axv_addrspace_translate() and
 * emptied by every call that changes areas or tables.
 */
#define AXV_AS_TCACHE 512u

/** Translation-cache word: valid (private layout, used by the inline axv_addrspace_translate()). */
#define AXV_AS_TC_VALID 1ull
/** Translation-cache word: the leaf table's physical address (bits 51:12). */
#define AXV_AS_TC_PA_MASK 0x000ffffffffff000ull
/** Translation-cache word: the covering area's `AXV_MAP_*` flags start at this bit. */
#define AXV_AS_TC_FLAGS_SHIFT 52u
/** Translation-cache word: one area covers the whole region (its flags are in the word). */
#define AXV_AS_TC_EXACT (1ull << 58)
/** Bytes one translation-cache word stands for, log2: one leaf table (512 x 4 KiB). */
#define AXV_AS_TC_SHIFT 21u

/**
 * @brief An address space. Caller-owned storage; initialise with axv_addrspace_init().
 *
 * The members are visible so the struct can be embedded by value; treat them as private.
 */
struct axv_addrspace {
	const struct axv_hal *hal;        /**< the HAL (private) */
	const struct axv_pt_format *fmt;  /**< the page-table format (private) */
	struct axv_frames frames;         /**< every frame the space holds (private) */
	axv_gpa_t base;                   /**< first guest address (private) */
	uint64_t size;                    /**< bytes covered (private) */
	uint64_t tlb_tag;                 /**< tag given to the TLB hooks (private) */
	axv_hpa_t root;                   /**< root table (private) */
	uintptr_t va_off;                 /**< host pointer minus physical address of tables (private) */
	bool linear;                      /**< every table so far satisfies va_off (private) */
	axv_hpa_t area_pa;                /**< area array frames (private), or #AXV_HPA_INVALID */
	size_t area_frames;               /**< frames of the area array (private) */
	size_t area_cap;                  /**< area slots (private) */
	size_t nareas;                    /**< areas in use (private) */
	size_t pt_pages;                  /**< page-table frames, root included (private) */
	axv_hpa_t stock;                  /**< reserved frames, linked through their first word (private) */
	size_t stock_n;                   /**< frames in the stock (private) */
	size_t stock_cap;                 /**< most frames the stock takes back (private) */
	axv_gpa_t res_lo;                 /**< reserved range start (private) */
	axv_gpa_t res_hi;                 /**< reserved range end; equal to res_lo: none (private) */
	bool res_frames;                  /**< the reservation covers guest frames (private) */
	uint8_t tc_shift;                 /**< bytes one cached leaf table maps, log2; 0: no cache (private) */
	uint8_t tc_used;                  /**< the translation cache may hold an entry (private) */
	uint8_t tc_oa_shift;              /**< the format's output-address shift (private) */
	uint64_t tc_empty;                /**< the format's empty leaf entry (private) */
	uint64_t tc_valid;                /**< the format's valid bits (private) */
	uint64_t tc_oa;                   /**< the format's output-address mask (private) */
	uint64_t tcache[AXV_AS_TCACHE];   /**< translation cache of leaf tables (private) */
};

/**
 * @brief Initialise an address space over caller-owned storage.
 * @param as      storage; untouched on failure
 * @param hal     the HAL: memory hooks required, TLB hooks optional (NULL: no maintenance)
 * @param fmt     the page-table format; it must outlive the space
 * @param base    first guest physical address, 4 KiB aligned
 * @param size    bytes, a non-zero multiple of 4 KiB; `base + size` must not exceed the
 *                format's input address range
 * @param tlb_tag the tag passed to the TLB hooks (VMID, ASID, EPTP ...)
 * @return 0; #AXV_EINVAL for NULL arguments, a HAL without memory hooks, an invalid format,
 *         or an unaligned or zero base/size; #AXV_ERANGE when the range does not fit the
 *         format; #AXV_ENOMEM (or the HAL's error) when the root table cannot be allocated
 * @note Context: task (calls the HAL allocator for the root); never blocks by itself.
 */
int axv_addrspace_init(struct axv_addrspace *as, const struct axv_hal *hal,
		       const struct axv_pt_format *fmt, axv_gpa_t base, uint64_t size,
		       uint64_t tlb_tag);

/**
 * @brief Tear an address space down and return every frame (guest frames, tables, areas).
 * @param as an initialised space; it must not be in use by a running guest
 * @return 0 (the HAL's `flush_all` is called once before frames are given back)
 * @note Context: task; calls the HAL's flush_all and free hooks; never blocks by itself;
 *       not locked.
 */
int axv_addrspace_destroy(struct axv_addrspace *as);

/**
 * @brief Map a host physical range linearly: guest `gpa + i` is host `hpa + i`.
 * @param as    the space
 * @param gpa   first guest address, 4 KiB aligned
 * @param hpa   first host physical address, 4 KiB aligned (larger leaves need it aligned
 *              like @p gpa)
 * @param size  bytes, a non-zero multiple of 4 KiB
 * @param flags `AXV_MAP_*`; must include #AXV_MAP_READ
 * @return 0; #AXV_EINVAL, #AXV_ERANGE (also when the host range wraps or exceeds the
 *         format's output addresses), #AXV_EEXIST or #AXV_ENOMEM as described above
 * @note Context: task, or interrupt if the HAL's hooks allow it; never blocks by itself;
 *       not locked. Inside a reserved range (axv_addrspace_reserve()) it makes no HAL
 *       allocator call.
 */
int axv_addrspace_map_linear(struct axv_addrspace *as, axv_gpa_t gpa, axv_hpa_t hpa,
			     uint64_t size, axv_map_flags_t flags);

/**
 * @brief Map guest memory backed by frames the space allocates and owns.
 * @param as       the space
 * @param gpa      first guest address, 4 KiB aligned
 * @param size     bytes, a non-zero multiple of 4 KiB
 * @param flags    `AXV_MAP_*`; must include #AXV_MAP_READ
 * @param populate true: take and map zeroed frames now; false: map nothing now and give a
 *                 zeroed frame on the first fault of each page (axv_addrspace_handle_fault())
 * @return as axv_addrspace_map_linear()
 * @note Context: as axv_addrspace_map_linear(); guest frames come from the reservation only
 *       with #AXV_RESERVE_FRAMES.
 */
int axv_addrspace_map_alloc(struct axv_addrspace *as, axv_gpa_t gpa, uint64_t size,
			    axv_map_flags_t flags, bool populate);

/**
 * @brief Remove every mapping in a range; areas are trimmed or split as needed.
 * @param as   the space
 * @param gpa  first guest address, 4 KiB aligned
 * @param size bytes, a non-zero multiple of 4 KiB
 * @return 0 (also when part or all of the range was not mapped); #AXV_EINVAL, #AXV_ERANGE;
 *         #AXV_ENOMEM when a block or an area must be split and no frame is left (nothing
 *         changes). Frames of alloc areas are freed after the TLB flush.
 * @note Context: as axv_addrspace_map_linear().
 */
int axv_addrspace_unmap(struct axv_addrspace *as, axv_gpa_t gpa, uint64_t size);

/**
 * @brief Change the flags of a mapped range.
 * @param as    the space
 * @param gpa   first guest address, 4 KiB aligned
 * @param size  bytes, a non-zero multiple of 4 KiB
 * @param flags new `AXV_MAP_*` flags; must include #AXV_MAP_READ
 * @return 0; #AXV_EINVAL, #AXV_ERANGE; #AXV_ENOENT if part of the range is not in an area;
 *         #AXV_ENOMEM when a block or area must be split and no frame is left
 * @note Context: as axv_addrspace_map_linear().
 */
int axv_addrspace_protect(struct axv_addrspace *as, axv_gpa_t gpa, uint64_t size,
			  axv_map_flags_t flags);

/**
 * @brief Translate a guest physical address by walking the page table.
 *
 * The same contract as axv_addrspace_translate(), which calls it when its translation cache
 * misses; it refills the cache.
 * @param as   the space
 * @param gpa  any guest address
 * @param[out] hpa   host physical address (may be NULL)
 * @param[out] flags the area's `AXV_MAP_*` flags (may be NULL)
 * @param[out] left  bytes from @p gpa to the end of its leaf (may be NULL)
 * @return as axv_addrspace_translate(); #AXV_EINVAL for a NULL or uninitialised space
 * @note Context: as axv_addrspace_translate().
 */
int axv_addrspace_translate_walk(const struct axv_addrspace *as, axv_gpa_t gpa, axv_hpa_t *hpa,
				 axv_map_flags_t *flags, uint64_t *left);

/**
 * @brief Translate a guest physical address through the page table.
 *
 * Inline: a hit in the space's translation cache is two loads in the caller (the cache
 * word, the leaf entry) and no other check: a word is only filled for a region that one
 * area of an initialised space covers whole, so a hit implies a valid space and an address
 * inside it. Everything else, every error included, is axv_addrspace_translate_walk().
 * @param as   the space
 * @param gpa  any guest address
 * @param[out] hpa   host physical address (may be NULL)
 * @param[out] flags the area's `AXV_MAP_*` flags (may be NULL)
 * @param[out] left  bytes from @p gpa to the end of its leaf (may be NULL)
 * @return 0; #AXV_ERANGE outside the space; #AXV_ENOENT when no leaf maps @p gpa (a hole or
 *         a lazy page not yet faulted in); #AXV_EINVAL for a NULL or uninitialised space.
 *         Outputs are written only on success.
 * @note Context: any; may run concurrently with other translations and reads, not with
 *       a mutating call.
 */
static inline int axv_addrspace_translate(const struct axv_addrspace *as, axv_gpa_t gpa,
					  axv_hpa_t *hpa, axv_map_flags_t *flags, uint64_t *left)
{
	if (as) {
		uint64_t r = gpa >> AXV_AS_TC_SHIFT;
		uint64_t c = __atomic_load_n(&as->tcache[r & (AXV_AS_TCACHE - 1)], __ATOMIC_RELAXED);
		if (__builtin_expect((c & (0xfffu | AXV_AS_TC_EXACT)) ==
					     (((r >> 9) << 1) | AXV_AS_TC_VALID | AXV_AS_TC_EXACT),
				     1)) {
			/* NOLINTNEXTLINE(performance-no-int-to-ptr): tables at a constant offset */
			const uint64_t *t = (const uint64_t *)(uintptr_t)((c & AXV_AS_TC_PA_MASK) +
									  as->va_off);
			uint64_t e = t[(gpa >> 12) & 511];
			if (!(e & as->tc_valid))
				return AXV_ENOENT;
			uint64_t off = gpa & 0xfffu;
			if (hpa)
				*hpa = ((e & as->tc_oa) << as->tc_oa_shift) + off;
			if (left)
				*left = 0x1000u - off;
			if (flags)
				*flags = (axv_map_flags_t)(c >> AXV_AS_TC_FLAGS_SHIFT) & AXV_MAP_ALL;
			return 0;
		}
	}
	return axv_addrspace_translate_walk(as, gpa, hpa, flags, left);
}

/**
 * @brief Resolve a nested page fault.
 * @param as     the space
 * @param gpa    the faulting guest physical address
 * @param access what the guest tried: a non-empty OR of #AXV_MAP_READ, #AXV_MAP_WRITE,
 *               #AXV_MAP_EXEC
 * @return 0 when handled (a lazy page was given a zeroed frame, or the page is already
 *         mapped with the access allowed: retry the guest); #AXV_ENOENT when no area covers
 *         @p gpa, so the caller treats the access as MMIO; #AXV_EACCES when the area does not
 *         allow the access (a permission fault); #AXV_EINVAL for a bad @p access;
 *         #AXV_ERANGE outside the space; #AXV_ENOMEM when no frame is left (nothing changes)
 * @note Context: the cpu that took the nested fault, in task or interrupt context if the
 *       HAL's hooks allow it; never blocks by itself; not locked. Inside a range reserved
 *       with #AXV_RESERVE_FRAMES it makes no HAL allocator call.
 */
int axv_addrspace_handle_fault(struct axv_addrspace *as, axv_gpa_t gpa,
			       axv_map_flags_t access);

/**
 * @brief Copy guest memory to a host buffer, across pages and areas.
 * @param as  the space
 * @param gpa first guest address (any alignment)
 * @param buf destination
 * @param len bytes; 0 is allowed and does nothing
 * @return 0; #AXV_ERANGE outside the space or wrapping; #AXV_ENOENT when part of the range
 *         is not in an area (nothing is copied); #AXV_EFAULT when the HAL has no host
 *         mapping for a backing page. Lazy pages not faulted in read as zeros. Area
 *         permissions do not apply: this is the hypervisor's access.
 * @note Context: any the HAL's phys_to_virt allows; never blocks; may run concurrently with
 *       translations and other reads, not with a mutating call.
 */
int axv_addrspace_read(const struct axv_addrspace *as, axv_gpa_t gpa, void *buf, size_t len);

/**
 * @brief Copy a host buffer into guest memory, across pages and areas.
 * @param as  the space
 * @param gpa first guest address (any alignment)
 * @param buf source
 * @param len bytes; 0 is allowed and does nothing
 * @return as axv_addrspace_read(), plus #AXV_ENOMEM when lazy pages must be given frames
 *         and none is left (then nothing is copied and nothing changes). Lazy pages the range
 *         touches are given zeroed frames first (one TLB flush for all of them).
 * @note Context: as axv_addrspace_map_linear() (it may fault in lazy pages).
 */
int axv_addrspace_write(struct axv_addrspace *as, axv_gpa_t gpa, const void *buf, size_t len);

/** axv_addrspace_reserve() flag: also reserve a frame for every page of the range, so alloc
 *  areas (populated or lazy) inside it never call the HAL either. */
#define AXV_RESERVE_FRAMES (1u << 0)

/**
 * @brief Pre-allocate everything a range will ever need, for allocation-free operation.
 *
 * Takes from the HAL, now, every page-table frame that any sequence of map, unmap, protect
 * and fault handling inside `[gpa, gpa + size)` could need: for each level, one table per
 * entry of the level above that the range meets, minus the tables that exist already. With
 * #AXV_RESERVE_FRAMES it also takes one frame per page of the range that is not already
 * backed by a frame of the space. It also grows the area array to hold @p more_areas more areas.
 *
 * Afterwards, a call whose whole range lies inside the reserved range
 * (axv_addrspace_map_linear(), axv_addrspace_map_alloc(), axv_addrspace_unmap(),
 * axv_addrspace_protect(), axv_addrspace_handle_fault(), axv_addrspace_write()) takes its
 * tables (and, with #AXV_RESERVE_FRAMES, its guest frames) from the reservation and gives
 * freed ones back to it: it calls neither `alloc_frames` nor `free_frames`, as long as the
 * space holds no more areas than the array was grown for (beyond that the area array grows
 * through the HAL as usual). Calls that reach outside the range use the HAL as before.
 * Without #AXV_RESERVE_FRAMES, guest frames of alloc areas come from the HAL.
 *
 * Reserved frames count in axv_addrspace_frames(), not in axv_addrspace_pt_frames(). The
 * worst case is the cost: about `size / 2 MiB` tables (0.2% of the range) and, with
 * #AXV_RESERVE_FRAMES, the range itself.
 *
 * @param as    the space
 * @param gpa   first guest address, 4 KiB aligned
 * @param size  bytes, a non-zero multiple of 4 KiB
 * @param flags 0 or #AXV_RESERVE_FRAMES
 * @param more_areas how many more areas the area array must hold without growing
 * @return 0; #AXV_EINVAL for NULL, unaligned or unknown arguments; #AXV_ERANGE outside the
 *         space or for counts that do not fit; #AXV_EBUSY when the space already has a
 *         reservation (axv_addrspace_unreserve() first); #AXV_ENOMEM (or the HAL's error)
 *         when the frames cannot be taken: then nothing changes
 * @note Context: task (calls the HAL allocator); not locked, like every mutating call.
 */
int axv_addrspace_reserve(struct axv_addrspace *as, axv_gpa_t gpa, uint64_t size,
			  unsigned flags, size_t more_areas);

/**
 * @brief Give the frames a reservation still holds back to the HAL and end it.
 * @param as the space
 * @return 0 (also without a reservation); #AXV_EINVAL for NULL or an uninitialised space
 * @note Context: task (calls the HAL's free hook); not locked. Tables and frames in use stay
 *       in use; they go back to the HAL when freed.
 */
int axv_addrspace_unreserve(struct axv_addrspace *as);

/**
 * @brief Frames a reservation holds unused.
 * @param as the space
 * @return the number of frames in the reservation's stock (0 without one)
 * @note Context: any; read-only.
 */
size_t axv_addrspace_reserved(const struct axv_addrspace *as);

/**
 * @brief Number of areas.
 * @param as the space
 * @return the number of areas, which axv_addrspace_area() indexes in address order
 * @note Context: any; read-only.
 */
size_t axv_addrspace_area_count(const struct axv_addrspace *as);

/**
 * @brief Areas the space can hold before its area array must grow.
 *
 * The area array lives in HAL frames and doubles when a call needs more room (a map adds one
 * area; an unmap inside an area, or a protect of part of an area, splits it). A call that
 * keeps the count at or below this capacity never allocates for the array;
 * axv_addrspace_reserve() grows it up front.
 * @param as the space
 * @return the number of area slots (0 before the first area, or for NULL)
 * @note Context: any; read-only.
 */
size_t axv_addrspace_area_capacity(const struct axv_addrspace *as);

/**
 * @brief Describe one area (iterate with 0 to axv_addrspace_area_count() minus one).
 * @param as    the space
 * @param index the area's index, in increasing address order
 * @param[out] out its description
 * @return 0; #AXV_ENOENT past the last area; #AXV_EINVAL for NULL arguments
 * @note Context: any; read-only.
 */
int axv_addrspace_area(const struct axv_addrspace *as, size_t index, struct axv_area_info *out);

/**
 * @brief Describe the area that holds one guest-physical address.
 *
 * The lookup the library makes for every map, fault and access (a binary search of the
 * sorted areas), for an embedder that must know what backs an address: whether a PSCI
 * CPU_ON entry point lies in executable guest memory, say.
 * @param as  the space
 * @param gpa any address inside the area (its start up to its end, exclusive)
 * @param[out] out its description; left as it was on an error
 * @return 0; #AXV_ENOENT when no area holds @p gpa (a gap, or past the last area);
 *         #AXV_EINVAL for NULL arguments
 * @note Context: any; read-only. O(log n) in the number of areas.
 */
int axv_addrspace_area_at(const struct axv_addrspace *as, axv_gpa_t gpa,
			  struct axv_area_info *out);

/**
 * @brief Physical address of the root table, for the port (VTTBR_EL2 BADDR, EPTP, nCR3).
 * @param as the space
 * @return the root's physical address, aligned to the root's size (concatenated roots)
 * @note Context: any; read-only.
 */
axv_hpa_t axv_addrspace_root(const struct axv_addrspace *as);

/**
 * @brief Frames the space holds: page tables, guest frames and its area array.
 * @param as the space
 * @return the live frame count of its frame context
 * @note Context: any; read-only.
 */
size_t axv_addrspace_frames(const struct axv_addrspace *as);

/**
 * @brief Page-table frames the space holds, root included.
 * @param as the space
 * @return the number of page-table frames
 * @note Context: any; read-only.
 */
size_t axv_addrspace_pt_frames(const struct axv_addrspace *as);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_ADDRSPACE_H */
