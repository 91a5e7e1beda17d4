/*
 * storage.h - free space on the data partition, and whether the pod may
 * still store new things there.
 *
 * A full SD card corrupts nothing (LMDB fails the commit, the request gets
 * an error), but every write then fails in its own way. Instead, once the
 * free space of the data directory drops below a reserve
 * (CONFIG_POD_STORAGE_RESERVE_MB), the web layer refuses requests that
 * would add data with 507 Insufficient Storage and a clear message, while
 * pages, sign-in and deletions keep working (app/web/server.c).
 *
 * The Linux implementation (posix.c) asks statvfs(3) about the directory,
 * at most once a second. Tests replace statvfs (drv_storage_set_statvfs).
 */
#ifndef POD_DRIVERS_STORAGE_H
#define POD_DRIVERS_STORAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/statvfs.h>

/* Watches dir (copied) and keeps reserve_bytes free: below that, new
 * writes are refused. reserve_bytes 0 never refuses. Before it is called
 * drv_storage_writable() answers true. */
void drv_storage_init(const char *dir, uint64_t reserve_bytes);

/* Bytes available to the pod (not root's reserved blocks) and the size of
 * the file system holding the watched directory. POD_OK, POD_ERR_IO. */
int drv_storage_space(uint64_t *free_bytes, uint64_t *total_bytes);

/* False while the free space is below the reserve. Cached for a second;
 * logs each change once. A statvfs that fails answers true (writes then
 * fail on their own, as before). Thread-safe. */
bool drv_storage_writable(void);

/* Host stand-in: fn replaces statvfs (NULL restores it) and the cache is
 * dropped so that the next call asks again. Not thread-safe. */
void drv_storage_set_statvfs(int (*fn)(const char *path, struct statvfs *out));

#endif
