/*
 * entropy.h - the platform's source of random bytes (drv_ prefix: one
 * implementation per platform, drivers/entropy/<platform>.c).
 *
 * The only consumer is the CTR-DRBG in app/crypto/crypto.c, which uses this
 * as its sole entropy source; nothing else should read it directly.
 */
#ifndef POD_DRIVERS_ENTROPY_H
#define POD_DRIVERS_ENTROPY_H

#include <stddef.h>

/* Fills buf (borrowed) with len bytes from the platform's cryptographically
 * secure source. May block, but only until the kernel's entropy pool has been
 * initialised at early boot; never afterwards. Returns POD_OK, or POD_ERR_IO
 * when the platform refuses (buf contents are then unspecified). */
int drv_entropy_read(void *buf, size_t len);

#endif
