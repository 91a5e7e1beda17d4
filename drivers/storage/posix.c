#include "drivers/storage/storage.h"

#include "core/error.h"
#include "core/log.h"
#include "drivers/clock/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define RECHECK_MS 1000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char dir_path[4096] = "";
static uint64_t reserve;
static int (*statvfs_fn)(const char *, struct statvfs *) = statvfs;
static bool cached_ok = true;
static uint64_t checked_at; /* monotonic ms; 0: never */

void
drv_storage_init(const char *dir, uint64_t reserve_bytes)
{
    pthread_mutex_lock(&lock);
    snprintf(dir_path, sizeof dir_path, "%s", dir ? dir : "");
    reserve = reserve_bytes;
    cached_ok = true;
    checked_at = 0;
    pthread_mutex_unlock(&lock);
}

void
drv_storage_set_statvfs(int (*fn)(const char *path, struct statvfs *out))
{
    pthread_mutex_lock(&lock);
    statvfs_fn = fn ? fn : statvfs;
    checked_at = 0;
    pthread_mutex_unlock(&lock);
}

/* Lock held. */
static int
space_locked(uint64_t *free_bytes, uint64_t *total_bytes)
{
    struct statvfs vfs;
    uint64_t unit;

    if (!dir_path[0] || statvfs_fn(dir_path, &vfs) != 0)
        return POD_ERR_IO;
    unit = vfs.f_frsize ? vfs.f_frsize : vfs.f_bsize;
    *free_bytes = (uint64_t)vfs.f_bavail * unit;
    *total_bytes = (uint64_t)vfs.f_blocks * unit;
    return POD_OK;
}

int
drv_storage_space(uint64_t *free_bytes, uint64_t *total_bytes)
{
    int rc;

    pthread_mutex_lock(&lock);
    rc = space_locked(free_bytes, total_bytes);
    pthread_mutex_unlock(&lock);
    return rc;
}

bool
drv_storage_writable(void)
{
    uint64_t now = drv_clock_monotonic_ms(), free_b = 0, total = 0;
    bool ok;

    pthread_mutex_lock(&lock);
    if (!reserve || !dir_path[0]) {
        pthread_mutex_unlock(&lock);
        return true;
    }
    if (checked_at && now - checked_at < RECHECK_MS) {
        ok = cached_ok;
        pthread_mutex_unlock(&lock);
        return ok;
    }
    checked_at = now ? now : 1;
    ok = space_locked(&free_b, &total) != POD_OK || free_b >= reserve;
    if (ok != cached_ok) {
        if (ok)
            LOG_INFO("storage", "%llu MB free in %s again: new writes accepted",
                     (unsigned long long)(free_b >> 20), dir_path);
        else
            LOG_WARN("storage",
                     "only %llu MB of %llu MB free in %s (reserve %llu MB): new writes refused",
                     (unsigned long long)(free_b >> 20), (unsigned long long)(total >> 20),
                     dir_path, (unsigned long long)(reserve >> 20));
    }
    cached_ok = ok;
    pthread_mutex_unlock(&lock);
    return ok;
}
