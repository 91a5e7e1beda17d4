/*
 * posix.c - entropy from getrandom(2) (Linux >= 3.17, glibc >= 2.25), with
 * /dev/hwrng mixed in when present.
 *
 * getrandom() without flags reads the urandom pool but blocks until that pool
 * has been initialised once, which is exactly the guarantee we want on a
 * freshly booted device: never hand out predictable bytes, never block later.
 */
#include "drivers/entropy/entropy.h"

#include "core/error.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define HWRNG_DEFAULT "/dev/hwrng"

static char hwrng_path[256] = HWRNG_DEFAULT;
static atomic_uint_fast64_t hwrng_mixed;

void
drv_entropy_set_hwrng_path(const char *path)
{
    snprintf(hwrng_path, sizeof hwrng_path, "%s", path ? path : HWRNG_DEFAULT);
}

uint64_t
drv_entropy_hwrng_bytes(void)
{
    return atomic_load(&hwrng_mixed);
}

/* XORs up to len bytes of the hardware generator into p, without waiting
 * for it: a slow or stuck device gives what it has (maybe nothing). */
static void
hwrng_mix(unsigned char *p, size_t len)
{
    unsigned char chunk[256];
    size_t done = 0;
    ssize_t n;
    int fd;

    if (!hwrng_path[0])
        return;
    fd = open(hwrng_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return; /* no hardware generator: getrandom alone */
    while (done < len) {
        size_t want = len - done < sizeof chunk ? len - done : sizeof chunk;

        n = read(fd, chunk, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* EAGAIN (nothing ready), ENODEV (no current rng), end */
        for (ssize_t i = 0; i < n; i++)
            p[done + (size_t)i] ^= chunk[i];
        done += (size_t)n;
    }
    close(fd);
    memset(chunk, 0, sizeof chunk);
    atomic_fetch_add(&hwrng_mixed, done);
}

int
drv_entropy_read(void *buf, size_t len)
{
    unsigned char *p = buf;
    size_t left = len;
    ssize_t n;

    while (left > 0) {
        /* Reads above 256 bytes may be cut short (or interrupted by a
         * signal) even after the pool is initialised: loop until done. */
        n = getrandom(p, left, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            LOG_ERR("entropy", "getrandom: %s", strerror(errno));
            return POD_ERR_IO;
        }
        if (n == 0) {
            LOG_ERR("entropy", "getrandom returned no bytes");
            return POD_ERR_IO;
        }
        p += n;
        left -= (size_t)n;
    }
    hwrng_mix(buf, len);
    return POD_OK;
}
