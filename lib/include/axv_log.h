/* SPDX-License-Identifier: Apache-2.0 */
/* Private: logging through the HAL's optional sink. Library code never formats strings. */
#ifndef AXV_LIB_LOG_H
#define AXV_LIB_LOG_H

#include <axv/hal.h>

static inline void axv_log(const struct axv_hal *hal, enum axv_log_level level, const char *msg)
{
	if (hal && hal->log)
		hal->log(hal->ctx, level, msg);
}

#endif
