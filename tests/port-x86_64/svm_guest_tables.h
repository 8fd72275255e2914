/* Shared by the SVM tests and the SVM exit harness: the guest's long-mode page tables, written
 * into its RAM. PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000; PD[0] -> PT 0x4000 with 4 KiB
 * identity pages for 0..2 MiB except page 0x9000 (not present); PD[1] a 2 MiB page mapping
 * VA 2 MiB to GPA 0 (an alias). AMD APM Vol. 2, 5.3 (long-mode page translation): present
 * bit 0, writable bit 1, PS bit 7 in a PDE. */
#ifndef AXV_TESTS_SVM_GUEST_TABLES_H
#define AXV_TESTS_SVM_GUEST_TABLES_H

#include <axv/addrspace.h>

/* Returns 0, or the first failing axv_addrspace_write()'s error. */
static inline int svm_guest_tables(struct axv_addrspace *as)
{
	static const uint64_t top[][2] = {
		{0x1000, 0x2000 | 3}, {0x2000, 0x3000 | 3}, {0x3000, 0x4000 | 3}, {0x3008, 0x0 | 0x83}};
	int rc = 0;
	for (unsigned i = 0; i < 4 && rc == 0; i++)
		rc = axv_addrspace_write(as, top[i][0], &top[i][1], 8);
	for (uint64_t i = 0; i < 512 && rc == 0; i++) {
		uint64_t pte = i == 9 ? 0 : (i << 12) | 3;
		rc = axv_addrspace_write(as, 0x4000 + i * 8, &pte, 8);
	}
	return rc;
}

#endif
