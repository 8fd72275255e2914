/* A lazily backed region: the first touch of each page is a nested page fault (an EPT
 * violation under VMX, whose qualification says read or write: Intel SDM Vol. 3C 28.2.1,
 * "Exit Qualification for EPT Violations"; an NPF under SVM, whose error code says it: AMD64
 * APM Vol. 2 15.25.6); the hypervisor backs the page with a zeroed frame and the access
 * retries. */
#include "guest.h"

void guest_main(void)
{
	uint64_t before = vmmcall(HC_LAZY_FAULTS, 0, 0, 0, 0, 0, 0);
	volatile uint64_t *p = (volatile uint64_t *)LAZY_BASE;
	p[0] = 0x1122334455667788ull;
	check("a store to a lazy page completes", p[0] == 0x1122334455667788ull);
	check("the rest of the page is zero", p[1] == 0 && p[511] == 0);
	check("one fault backed the page", vmmcall(HC_LAZY_FAULTS, 0, 0, 0, 0, 0, 0) == before + 1);
	uint64_t npf = vmmcall(HC_LAST_NPF, 0, 0, 0, 0, 0, 0);
	check("the fault named the page and a write", npf == (LAZY_BASE | NPF_WRITE));
	volatile uint64_t *q = (volatile uint64_t *)(LAZY_BASE + 0x5000);
	check("a load from another lazy page reads zero", q[3] == 0);
	npf = vmmcall(HC_LAST_NPF, 0, 0, 0, 0, 0, 0);
	check("that fault named its page and a read", npf == ((LAZY_BASE + 0x5000) | NPF_READ));
	q[3] = 42;
	check("and it then holds a store", q[3] == 42);
	check("two faults in all", vmmcall(HC_LAZY_FAULTS, 0, 0, 0, 0, 0, 0) == before + 2);
	check("the first page kept its data", p[0] == 0x1122334455667788ull);
}
