/* The payload directory of the Bochs boot ROM, written by scripts/bochs-rom.py and read by
 * loader.c: one 4 KiB page at ROM_DIR, below the ROM's code (the last 64 KiB). Every
 * address is where the ROM is mapped (the ROM ends at 4 GiB); fields are 32-bit LE. */
#ifndef BOCHS_ROM_H
#define BOCHS_ROM_H

#define ROM_DIR 0xfffef000u
#define ROM_MAGIC 0x52565841u /* "AXVR" */
#define ROM_MAX_MODS 8
#define ROM_DIR_MAGIC 0
#define ROM_DIR_RAM_KB 4       /* RAM size in KiB */
#define ROM_DIR_ROM_SIZE 8     /* bytes of ROM (reserved in the memory map) */
#define ROM_DIR_KERNEL 12      /* the kernel ELF: address, size */
#define ROM_DIR_KERNEL_SIZE 16
#define ROM_DIR_CMDLINE 20     /* the kernel command line: address of a NUL-terminated string */
#define ROM_DIR_NMODS 24
#define ROM_DIR_MODS 28        /* nmods x {address, size, string address} */

#endif
