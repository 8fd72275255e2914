/* SPDX-License-Identifier: Apache-2.0 */
/* axv_strerror(): names for the AXV_E* codes of include/axv/err.h. */
#include <stddef.h>

#include <axv/err.h>

struct err_name {
	int code;
	const char *text;
};

/* Positive codes, so that both signs can be looked up. */
static const struct err_name err_names[] = {
	{0, "success"},
	{-AXV_EPERM, "operation not permitted"},
	{-AXV_ENOENT, "no such object"},
	{-AXV_EIO, "I/O error"},
	{-AXV_ENXIO, "no device at this address"},
	{-AXV_E2BIG, "too big"},
	{-AXV_EAGAIN, "try again"},
	{-AXV_ENOMEM, "out of memory"},
	{-AXV_EACCES, "permission denied"},
	{-AXV_EFAULT, "bad address"},
	{-AXV_EBUSY, "busy"},
	{-AXV_EEXIST, "overlaps an existing object"},
	{-AXV_ENODEV, "no such device"},
	{-AXV_EINVAL, "invalid argument"},
	{-AXV_ENOSPC, "no space left in table"},
	{-AXV_ERANGE, "out of range"},
	{-AXV_ENOSYS, "not implemented"},
	{-AXV_EOVERFLOW, "value too large"},
	{-AXV_ESTATE, "wrong state"},
	{-AXV_ENOTSUP, "not supported"},
	{-AXV_ETIMEDOUT, "timed out"},
	{-AXV_EALREADY, "already done"},
};

const char *axv_strerror(int err)
{
	/* -INT_MIN overflows: compare as unsigned magnitudes instead of negating. */
	unsigned int mag = err < 0 ? 0u - (unsigned int)err : (unsigned int)err;

	for (size_t i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++)
		if ((unsigned int)err_names[i].code == mag)
			return err_names[i].text;
	return "unknown error";
}
