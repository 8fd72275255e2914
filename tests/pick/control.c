/* Negative control for check-pick.sh: linked against libaxv.a and calling into the vcpu and
 * irq modules, so nm must find their symbols (the check can fail). */
#include <axv/virq.h>
#include <axv/vcpu.h>

int main(void)
{
	static struct axv_virq q;
	static struct axv_vcpu v;
	if (axv_virq_init(&q) != 0 || axv_virq_pend(&q, 5) != 0)
		return 1;
	return axv_vcpu_state(&v) == AXV_VCPU_INVALID ? 0 : 2;
}
