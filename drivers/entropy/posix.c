/*
 * posix.c - entropy from getrandom(2) (Linux >= 3.17, glibc >= 2.25).
 *
 * getrandom() without flags reads the urandom pool but blocks until that pool
 * has been initialised once, which is exactly the guarantee we want on a
 * freshly booted device: never hand out predictable bytes, never block later.
 */
#include "drivers/entropy/entropy.h"

#include "core/error.h"
#include "core/log.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

int
drv_entropy_read(void *buf, size_t len)
{
    unsigned char *p = buf;
    ssize_t n;

    while (len > 0) {
        /* Reads above 256 bytes may be cut short (or interrupted by a
         * signal) even after the pool is initialised: loop until done. */
        n = getrandom(p, len, 0);
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
        len -= (size_t)n;
    }
    return POD_OK;
}
