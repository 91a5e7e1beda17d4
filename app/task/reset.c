#include "task/reset.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "core/settings.h"
#include "store/accounts.h"
#include "store/store.h"

int
task_reset_settings(const char *data_dir)
{
    const struct pod_setting_def *defs;
    struct store *st = NULL;
    struct store_txn *txn = NULL;
    unsigned sessions = 0;
    size_t count;
    char why[512];
    int rc;

    rc = store_open(&st, data_dir, NULL, why, sizeof why);
    if (rc != POD_OK) {
        LOG_ERR("reset", "%s", why);
        return rc;
    }
    rc = store_txn_begin(st, true, &txn);
    defs = pod_settings_all(&count);
    for (size_t i = 0; rc == POD_OK && i < count; i++) {
        if (!defs[i].admin_writable)
            continue;
        rc = store_setting_delete(txn, defs[i].name);
        if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK;
    }
    if (rc == POD_OK)
        rc = store_sessions_expire(txn, INT64_MAX, &sessions);
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
        txn = NULL;
    }
    store_txn_abort(txn);
    store_close(st);
    if (rc == POD_OK)
        LOG_WARN("reset", "settings reset: pod settings back to defaults, %u session%s ended",
                 sessions, sessions == 1 ? "" : "s");
    else
        LOG_ERR("reset", "settings reset failed: %s", pod_strerror(rc));
    return rc;
}

static int
remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)type;
    if (ftw->level == 0)
        return 0; /* the data directory itself stays */
    if (remove(path) != 0) {
        LOG_ERR("reset", "cannot remove %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int
task_reset_factory(const char *data_dir)
{
    char marker[PATH_MAX];

    if ((size_t)snprintf(marker, sizeof marker, "%s/data.mdb", data_dir) >= sizeof marker ||
        access(marker, F_OK) != 0) {
        LOG_ERR("reset", "%s holds no plugpod store: nothing deleted", data_dir);
        return POD_ERR_INVAL;
    }
    if (nftw(data_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0)
        return POD_ERR_IO;
    sync();
    LOG_WARN("reset", "factory reset: everything in %s deleted", data_dir);
    return POD_OK;
}
