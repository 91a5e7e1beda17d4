/*
 * entropy.h - the platform's source of random bytes (drv_ prefix: one
 * implementation per platform, drivers/entropy/<platform>.c).
 *
 * The only consumer is the CTR-DRBG in app/crypto/crypto.c, which uses this
 * as its sole entropy source; nothing else should read it directly.
 *
 * The Linux implementation (posix.c) reads getrandom(2) and, when a
 * hardware generator is present (/dev/hwrng: bcm2835-rng, virtio-rng),
 * XORs as many of its bytes as it has ready into the result. XOR with an
 * independent source never lowers the entropy of the kernel's bytes, so a
 * weak or absent hwrng costs nothing; the kernel usually feeds the hwrng
 * into its own pool as well, this only makes sure of it.
 */
#ifndef POD_DRIVERS_ENTROPY_H
#define POD_DRIVERS_ENTROPY_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf (borrowed) with len bytes from the platform's cryptographically
 * secure source. May block, but only until the kernel's entropy pool has been
 * initialised at early boot; never afterwards (the hwrng is read without
 * blocking). Returns POD_OK, or POD_ERR_IO when the platform refuses (buf
 * contents are then unspecified). */
int drv_entropy_read(void *buf, size_t len);

/* Reads the hardware generator from path (copied) instead of /dev/hwrng;
 * NULL restores it, "" turns mixing off. For tests; not thread-safe with
 * concurrent reads. */
void drv_entropy_set_hwrng_path(const char *path);

/* Bytes from the hardware generator mixed in since the start (a counter
 * for logs and tests). */
uint64_t drv_entropy_hwrng_bytes(void);

#endif
