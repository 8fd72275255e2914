/* SPDX-License-Identifier: Apache-2.0 */
/* Private to lib/vcpu: what vcpu.c shares with resolve.c. */
#ifndef AXV_LIB_VCPU_PRIV_H
#define AXV_LIB_VCPU_PRIV_H

#include <axv/vcpu.h>

/* May the owner act on @exit of @v now? 0; AXV_EINVAL for NULL; AXV_ESTATE unless Ready or
 * Blocked, or for a stale exit (struct axv_exit::gen); AXV_EPERM off the bound cpu. */
int axv_vcpu_exit_usable(const struct axv_vcpu *v, const struct axv_exit *exit);

#endif
