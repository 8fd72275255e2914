/**
 * @file err.h
 * @brief Error codes: negative values, numerically equal to the Linux errno values.
 */
#ifndef AXV_ERR_H
#define AXV_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_err Errors
 * @brief Every libaxv function that can fail returns `int`: 0 or one of these negative codes.
 *
 * The values equal the negated Linux errno of the same name, so an embedder running on Linux
 * or a POSIX RTOS can return them unchanged. A failing call leaves every object it was given
 * exactly as it was, unless its documentation says otherwise.
 * @{
 */

#define AXV_OK 0             /**< success */
#define AXV_EPERM (-1)       /**< operation not permitted (EPERM) */
#define AXV_ENOENT (-2)      /**< no such object: nothing mapped, no such register (ENOENT) */
#define AXV_EIO (-5)         /**< hardware or HAL reported an I/O error (EIO) */
#define AXV_ENXIO (-6)       /**< no device claims this address (ENXIO) */
#define AXV_E2BIG (-7)       /**< argument list or object too big (E2BIG) */
#define AXV_EAGAIN (-11)     /**< try again: transient condition (EAGAIN) */
#define AXV_ENOMEM (-12)     /**< out of memory: the HAL had no frames (ENOMEM) */
#define AXV_EACCES (-13)     /**< permission denied: e.g. write to a read-only mapping (EACCES) */
#define AXV_EFAULT (-14)     /**< bad address: the HAL returned an address that is not usable (EFAULT) */
#define AXV_EBUSY (-16)      /**< object in use: still holds frames, devices or bound vcpus (EBUSY) */
#define AXV_EEXIST (-17)     /**< overlaps something that already exists (EEXIST) */
#define AXV_ENODEV (-19)     /**< no such device (ENODEV) */
#define AXV_EINVAL (-22)     /**< invalid argument: unaligned, zero size, unknown flag (EINVAL) */
#define AXV_ENOSPC (-28)     /**< no room left in a fixed-size table (ENOSPC) */
#define AXV_ERANGE (-34)     /**< out of range, or the range wraps (ERANGE) */
#define AXV_ENOSYS (-38)     /**< function not implemented by this port or HAL (ENOSYS) */
#define AXV_EOVERFLOW (-75)  /**< value does not fit the destination (EOVERFLOW) */
#define AXV_ESTATE (-77)     /**< object is in the wrong state for this call (EBADFD) */
#define AXV_ENOTSUP (-95)    /**< operation not supported (EOPNOTSUPP) */
#define AXV_ETIMEDOUT (-110) /**< timed out (ETIMEDOUT) */
#define AXV_EALREADY (-114)  /**< already done: e.g. already enabled (EALREADY) */

/**
 * @brief Name an error code.
 * @param err an `AXV_E*` code; the positive errno value is accepted too
 * @return a static, constant, human-readable string such as "out of memory";
 *         "success" for 0 and "unknown error" for a code libaxv does not define
 * @note Context: any; never fails; reentrant.
 */
const char *axv_strerror(int err);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_ERR_H */
