/*
 * store.c - the LMDB environment of a data directory: directory and lock,
 * environment, transactions, named database handles, schema version and
 * the migration runner.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "autoconf.h"
#include "core/error.h"
#include "core/log.h"
#include "store/record.h"
#include "store/store_internal.h"

#define LOCK_FILE "plugpod.lock"

/* How often a running pod looks for reader slots of dead processes. */
#define READER_CHECK_MS 60000u

#if SIZE_MAX / (1024u * 1024u) < CONFIG_POD_LMDB_MAP_MB
#error "CONFIG_POD_LMDB_MAP_MB does not fit in the address space of this target"
#endif
#define DEFAULT_MAP_SIZE ((size_t)CONFIG_POD_LMDB_MAP_MB * 1024u * 1024u)

/* [format version 1][uint32 little-endian] */
#define SCHEMA_RECORD_LEN 5

int
store_err_map(int rc)
{
    switch (rc) {
    case MDB_SUCCESS:
        return POD_OK;
    case MDB_NOTFOUND:
        return POD_ERR_NOTFOUND;
    case MDB_KEYEXIST:
        return POD_ERR_EXISTS;
    case MDB_MAP_FULL:
        /* One line per refused write: the operator learns why writes fail
         * and what to change, the request gets POD_ERR_FULL. */
        LOG_WARN("store", "the database is full (LMDB map size reached; raise map_mb / --map-mb): "
                          "write refused");
        return POD_ERR_FULL;
    case ENOSPC:
    case EDQUOT:
        LOG_WARN("store", "no space left on the data partition: write refused");
        return POD_ERR_FULL;
    case MDB_DBS_FULL:
    case MDB_READERS_FULL:
    case MDB_TLS_FULL:
    case MDB_TXN_FULL:
    case MDB_CURSOR_FULL:
    case MDB_BAD_VALSIZE:
        return POD_ERR_LIMIT;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_PAGE_FULL:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
    case MDB_INCOMPATIBLE:
        return POD_ERR_CORRUPT;
    case MDB_BAD_TXN:
    case MDB_BAD_DBI:
    case MDB_BAD_RSLOT:
    case EINVAL:
        return POD_ERR_INVAL;
    case ENOMEM:
        return POD_ERR_NOMEM;
    case EBUSY:
    case EAGAIN:
        return POD_ERR_BUSY;
    default:
        /* MDB_PANIC, MDB_MAP_RESIZED, EACCES, ENOENT, EIO, EROFS, ... */
        return POD_ERR_IO;
    }
}

/* ------------------------------------------------------------ dbi cache */

/* FNV-1a of a database name: compared before the name itself. */
static uint32_t
name_hash(const char *name)
{
    uint32_t h = 2166136261u;

    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * 16777619u;
    return h;
}

/* Index of name among dbis[0, n), or n. */
static size_t
dbi_index(const struct store *st, size_t n, const char *name, uint32_t h)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (st->dbis[i].hash == h && strcmp(st->dbis[i].name, name) == 0)
            break;
    return i;
}

int
store_dbi_find(struct store_txn *txn, const char *name, MDB_dbi *out)
{
    struct store *st = txn->st;
    uint32_t h = name_hash(name);
    unsigned flags;
    size_t n, i;
    int rc = POD_ERR_NOTFOUND;

    if (txn->write) {
        pthread_mutex_lock(&st->dbi_lock);
        n = st->dbi_count + st->dbi_pending;
        i = dbi_index(st, n, name, h);
        if (i < n) {
            *out = st->dbis[i].dbi;
            rc = POD_OK;
        }
        pthread_mutex_unlock(&st->dbi_lock);
    } else {
        /* Readers take no lock (every page of a stream takes dozens of
         * lookups on several threads): entries below dbi_count never
         * change, and the count is published after them (release). */
        n = __atomic_load_n(&st->dbi_count, __ATOMIC_ACQUIRE);
        i = dbi_index(st, n, name, h);
        if (i < n) {
            *out = st->dbis[i].dbi;
            rc = POD_OK;
        }
    }
    /* A read transaction that began before the database was created does
     * not know the handle (LMDB says EINVAL): for it the database does not
     * exist yet. */
    if (rc == POD_OK && mdb_dbi_flags(txn->txn, *out, &flags) != MDB_SUCCESS)
        rc = POD_ERR_NOTFOUND;
    return rc;
}

int
store_db_create(struct store_txn *txn, const char *name)
{
    struct store *st;
    MDB_dbi dbi;
    size_t len;
    size_t n;
    bool locked = false;
    int rc = POD_OK;

    if (!txn || !name || !*name || !txn->write) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    len = strlen(name);
    if (len > STORE_DB_NAME_MAX) {
        rc = POD_ERR_LIMIT;
        goto out;
    }
    st = txn->st;
    /* Held across mdb_dbi_open: only one transaction may call it at once. */
    pthread_mutex_lock(&st->dbi_lock);
    locked = true;
    n = st->dbi_count + st->dbi_pending;
    if (dbi_index(st, n, name, name_hash(name)) < n)
        goto out;
    if (n == STORE_MAX_DBS) {
        rc = POD_ERR_LIMIT;
        goto out;
    }
    rc = store_err_map(mdb_dbi_open(txn->txn, name, MDB_CREATE, &dbi));
    if (rc != POD_OK)
        goto out;
    memcpy(st->dbis[n].name, name, len + 1);
    st->dbis[n].hash = name_hash(name);
    st->dbis[n].dbi = dbi;
    st->dbi_pending++;
out:
    if (locked)
        pthread_mutex_unlock(&st->dbi_lock);
    return rc;
}

/* ---------------------------------------------------------- transactions */

static uint64_t
monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A process killed inside a read transaction (a backup, mdb_dump) leaves
 * its reader slot behind, and LMDB keeps every page that reader might see:
 * the file only grows. Drops the slots of processes that no longer exist. */
static void
readers_check(struct store *st)
{
    int stale = 0;
    int mrc = mdb_reader_check(st->env, &stale);

    st->readers_checked_ms = monotonic_ms();
    if (mrc != MDB_SUCCESS)
        LOG_WARN("store", "cannot check the reader table of %s: %s", st->dir, mdb_strerror(mrc));
    else if (stale > 0)
        LOG_INFO("store", "cleared %d stale reader slot%s in %s", stale, stale == 1 ? "" : "s",
                 st->dir);
}

int
store_txn_begin(struct store *st, bool write, struct store_txn **out)
{
    struct store_txn *txn = NULL;
    int rc;

    if (!st || !out) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    *out = NULL;
    txn = malloc(sizeof(*txn));
    if (!txn) {
        rc = POD_ERR_NOMEM;
        goto out;
    }
    txn->st = st;
    txn->write = write;
    txn->nested = false;
    txn->pending_before = 0;
    txn->txn = NULL;
    rc = store_err_map(mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &txn->txn));
    if (rc != POD_OK)
        goto out;
    /* Writers take turns, so the time of the last check needs no lock. */
    if (write && monotonic_ms() - st->readers_checked_ms >= READER_CHECK_MS)
        readers_check(st);
    *out = txn;
    txn = NULL;
out:
    free(txn);
    return rc;
}

int
store_txn_begin_nested(struct store_txn *parent, struct store_txn **out)
{
    struct store_txn *txn;
    int rc;

    if (!out)
        return POD_ERR_INVAL;
    *out = NULL;
    if (!parent || !parent->write)
        return POD_ERR_INVAL;
    txn = malloc(sizeof(*txn));
    if (!txn)
        return POD_ERR_NOMEM;
    txn->st = parent->st;
    txn->write = true;
    txn->nested = true;
    txn->txn = NULL;
    /* Only the parent's thread touches the pending handles meanwhile (one
     * writer at a time); the lock is for readers of the cache. */
    pthread_mutex_lock(&parent->st->dbi_lock);
    txn->pending_before = parent->st->dbi_pending;
    pthread_mutex_unlock(&parent->st->dbi_lock);
    rc = store_err_map(mdb_txn_begin(parent->st->env, parent->txn, 0, &txn->txn));
    if (rc != POD_OK) {
        free(txn);
        return rc;
    }
    *out = txn;
    return POD_OK;
}

/* Ends a nested transaction: a commit hands its writes (and the handles it
 * opened) to the parent; an abort drops both. */
static int
txn_end_nested(struct store_txn *txn, bool commit)
{
    struct store *st = txn->st;
    int rc = POD_OK;

    if (commit)
        rc = store_err_map(mdb_txn_commit(txn->txn));
    else
        mdb_txn_abort(txn->txn);
    if (!commit || rc != POD_OK) {
        pthread_mutex_lock(&st->dbi_lock);
        st->dbi_pending = txn->pending_before;
        pthread_mutex_unlock(&st->dbi_lock);
    }
    free(txn);
    return rc;
}

/* Commits or aborts txn, frees it, and settles the handles a write
 * transaction opened: shared after a successful commit, dropped otherwise
 * (LMDB has closed them). When there are such handles the cache stays
 * locked from the end of the LMDB transaction until they are settled, so
 * the next writer cannot find them half-way. */
static int
txn_end(struct store_txn *txn, bool commit)
{
    struct store *st = txn->st;
    bool locked = false;
    int rc = POD_OK;

    if (txn->nested)
        return txn_end_nested(txn, commit);
    if (txn->write) {
        pthread_mutex_lock(&st->dbi_lock);
        locked = st->dbi_pending > 0;
        if (!locked)
            pthread_mutex_unlock(&st->dbi_lock);
    }
    if (commit)
        rc = store_err_map(mdb_txn_commit(txn->txn));
    else
        mdb_txn_abort(txn->txn);
    if (locked) {
        if (commit && rc == POD_OK)
            __atomic_store_n(&st->dbi_count, st->dbi_count + st->dbi_pending, __ATOMIC_RELEASE);
        st->dbi_pending = 0;
        pthread_mutex_unlock(&st->dbi_lock);
    }
    free(txn);
    return rc;
}

int
store_txn_commit(struct store_txn *txn)
{
    if (!txn)
        return POD_ERR_INVAL;
    return txn_end(txn, true);
}

void
store_txn_abort(struct store_txn *txn)
{
    if (txn)
        txn_end(txn, false);
}

/* ------------------------------------------------------- schema version */

static int
schema_decode(const MDB_val *val, uint32_t *out)
{
    const unsigned char *p = val->mv_data;

    if (val->mv_size != SCHEMA_RECORD_LEN || p[0] != STORE_RECORD_V1)
        return POD_ERR_CORRUPT;
    *out = (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24;
    return POD_OK;
}

static int
schema_write(struct store_txn *txn, uint32_t version)
{
    unsigned char rec[SCHEMA_RECORD_LEN] = {
        STORE_RECORD_V1,
        (unsigned char)version,
        (unsigned char)(version >> 8),
        (unsigned char)(version >> 16),
        (unsigned char)(version >> 24),
    };
    MDB_val key = {sizeof(STORE_KEY_SCHEMA) - 1, (void *)STORE_KEY_SCHEMA};
    MDB_val val = {sizeof(rec), rec};
    MDB_dbi dbi;
    int rc;

    rc = store_db_create(txn, STORE_DB_META);
    if (rc != POD_OK)
        goto out;
    rc = store_dbi_find(txn, STORE_DB_META, &dbi);
    if (rc != POD_OK)
        goto out;
    rc = store_err_map(mdb_put(txn->txn, dbi, &key, &val, 0));
out:
    return rc;
}

int
store_db_for(struct store_txn *txn, bool write, const char *name, MDB_dbi *dbi)
{
    if (!txn || (write && !txn->write))
        return POD_ERR_INVAL;
    return store_dbi_find(txn, name, dbi);
}

int
store_str_key(const char *s, size_t max, MDB_val *key)
{
    size_t len;

    if (!s || !*s)
        return POD_ERR_INVAL;
    len = strnlen(s, max + 1);
    if (len > max)
        return POD_ERR_LIMIT;
    key->mv_size = len;
    key->mv_data = (void *)s;
    return POD_OK;
}

int
store_field_key(const char *s, size_t size, MDB_val *key)
{
    size_t len = strnlen(s, size);

    if (len == 0 || len == size)
        return POD_ERR_INVAL;
    key->mv_size = len;
    key->mv_data = (void *)s;
    return POD_OK;
}

int
store_rec_put(struct store_txn *txn, MDB_dbi dbi, MDB_val *key, store_rec_encoder enc,
              const void *obj, unsigned flags)
{
    struct store_rec_writer w;
    MDB_val val;
    size_t len, written;
    int rc;

    store_rec_writer_init(&w, NULL, 0);
    rc = enc(&w, obj);
    if (rc != POD_OK)
        return rc;
    store_rec_writer_finish(&w, &len);
    val.mv_size = len;
    val.mv_data = NULL;
    rc = store_err_map(mdb_put(txn->txn, dbi, key, &val, flags | MDB_RESERVE));
    if (rc != POD_OK)
        return rc;
    store_rec_writer_init(&w, val.mv_data, len);
    rc = enc(&w, obj);
    if (rc == POD_OK)
        rc = store_rec_writer_finish(&w, &written);
    if (rc == POD_OK && written != len)
        rc = POD_ERR_INVAL; /* obj changed under us */
    return rc;
}

int
store_seq_next(struct store_txn *txn, const char *kind, uint64_t *out)
{
    char key[64];
    uint8_t value[8];
    MDB_val k, v;
    MDB_dbi dbi;
    uint64_t next = 1;
    int n, rc;

    if (!txn || !kind || !out || !txn->write)
        return POD_ERR_INVAL;
    n = snprintf(key, sizeof key, "seq:%s", kind);
    if (n < 0 || (size_t)n >= sizeof key)
        return POD_ERR_LIMIT;
    rc = store_dbi_find(txn, STORE_DB_META, &dbi);
    if (rc != POD_OK)
        return rc;
    k.mv_size = (size_t)n;
    k.mv_data = key;
    rc = mdb_get(txn->txn, dbi, &k, &v);
    if (rc == MDB_SUCCESS) {
        if (v.mv_size != 8)
            return POD_ERR_CORRUPT;
        next = store_be64_get(v.mv_data) + 1;
    } else if (rc != MDB_NOTFOUND) {
        return store_err_map(rc);
    }
    store_be64_put(value, next);
    v.mv_size = sizeof value;
    v.mv_data = value;
    rc = store_err_map(mdb_put(txn->txn, dbi, &k, &v, 0));
    if (rc == POD_OK)
        *out = next;
    return rc;
}

uint32_t
store_schema_latest(void)
{
    const struct store_migration *list;
    size_t count;

    list = store_builtin_migrations(&count);
    return count ? list[count - 1].version : 0;
}

uint32_t
store_schema_version(const struct store *st)
{
    return st->schema;
}

const char *
store_dir(const struct store *st)
{
    return st->dir;
}

/* ------------------------------------------------------------------ open */

static int
migrations_check(const struct store_migration *list, size_t count, char *why, size_t why_len)
{
    int rc = POD_OK;

    for (size_t i = 0; i < count; i++) {
        if (list[i].version != i + 1 || !list[i].apply || !list[i].name) {
            pod_why(why, why_len,
                    "invalid migration list: entry %zu has version %" PRIu32
                    " (versions must be 1..N in order, each with a name and apply)",
                    i, list[i].version);
            rc = POD_ERR_INVAL;
            goto out;
        }
    }
out:
    return rc;
}

/* mkdir -p with mode 0700 for every missing component, then checks that
 * dir is a directory we may write. */
static int
dir_make(const char *dir, char *why, size_t why_len)
{
    char path[PATH_MAX];
    size_t len = strlen(dir);
    struct stat sb;
    int rc = POD_OK;
    int err = 0;

    if (len >= sizeof(path)) {
        pod_why(why, why_len, "data directory path is too long (%zu bytes)", len);
        rc = POD_ERR_LIMIT;
        goto out;
    }
    memcpy(path, dir, len + 1);
    for (char *p = path + 1;; p++) {
        char c = *p;

        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            err = errno;
        *p = c;
        if (err || c == '\0')
            break;
    }
    if (!err && stat(dir, &sb) != 0)
        err = errno;
    if (!err && !S_ISDIR(sb.st_mode))
        err = ENOTDIR;
    if (err) {
        pod_why(why, why_len, "cannot create data directory %s: %s", dir, strerror(err));
        rc = POD_ERR_IO;
        goto out;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        pod_why(why, why_len, "data directory %s is not writable: %s", dir, strerror(errno));
        rc = POD_ERR_IO;
        goto out;
    }
out:
    return rc;
}

/* Reads the pid a holder wrote into the lock file; 0 if there is none. */
static long
lock_holder(int fd)
{
    char buf[32];
    char *end;
    ssize_t n;
    long pid;

    n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    pid = strtol(buf, &end, 10);
    return (end != buf && pid > 0) ? pid : 0;
}

static int
lock_take(struct store *st, char *why, size_t why_len)
{
    char path[PATH_MAX];
    char buf[32];
    long pid;
    int fd = -1;
    int rc = POD_OK;
    int n;

    n = snprintf(path, sizeof(path), "%s/%s", st->dir, LOCK_FILE);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        pod_why(why, why_len, "data directory path is too long");
        rc = POD_ERR_LIMIT;
        goto out;
    }
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        pod_why(why, why_len, "cannot open lock file %s: %s", path, strerror(errno));
        rc = POD_ERR_IO;
        goto out;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            pod_why(why, why_len, "cannot lock %s: %s", path, strerror(errno));
            rc = POD_ERR_IO;
            goto out;
        }
        pid = lock_holder(fd);
        if (pid)
            pod_why(why, why_len, "data directory %s is in use by another plugpod (pid %ld)",
                    st->dir, pid);
        else
            pod_why(why, why_len, "data directory %s is in use by another plugpod (pid unknown)",
                    st->dir);
        rc = POD_ERR_BUSY;
        goto out;
    }
    /* Our pid, for the error message of the next opener. Only a courtesy:
     * the lock is the flock, so a full partition must not keep the pod
     * (and its reads) from starting. */
    n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
        LOG_WARN("store", "cannot write the pid into lock file %s: %s", path, strerror(errno));
    st->lock_fd = fd;
    fd = -1;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

static int
env_open(struct store *st, const struct store_options *opt, char *why, size_t why_len)
{
    size_t map_size = DEFAULT_MAP_SIZE;
    unsigned readers = CONFIG_POD_LMDB_MAX_READERS;
    int mrc;
    int rc = POD_OK;

    if (opt && opt->map_size)
        map_size = opt->map_size;
    if (opt && opt->max_readers)
        readers = opt->max_readers;
    mrc = mdb_env_create(&st->env);
    if (mrc == MDB_SUCCESS)
        mrc = mdb_env_set_maxdbs(st->env, STORE_MAX_DBS);
    if (mrc == MDB_SUCCESS)
        mrc = mdb_env_set_mapsize(st->env, map_size);
    if (mrc == MDB_SUCCESS)
        mrc = mdb_env_set_maxreaders(st->env, readers);
    if (mrc != MDB_SUCCESS) {
        pod_why(why, why_len, "cannot set up LMDB: %s", mdb_strerror(mrc));
        rc = store_err_map(mrc);
        goto out;
    }
    /* MDB_NOTLS: read transactions are not tied to a thread (civetweb
     * workers); the default sync keeps every commit durable. */
    mrc = mdb_env_open(st->env, st->dir, MDB_NOTLS, 0600);
    if (mrc != MDB_SUCCESS) {
        rc = store_err_map(mrc);
        if (rc == POD_ERR_CORRUPT)
            pod_why(why, why_len, "data directory %s does not hold a valid database: %s", st->dir,
                    mdb_strerror(mrc));
        else
            pod_why(why, why_len, "cannot open the database in data directory %s: %s", st->dir,
                    mdb_strerror(mrc));
        goto out;
    }
    /* Now (another process may hold the environment open, so LMDB kept
     * its reader table), then now and then from store_txn_begin. */
    readers_check(st);
out:
    return rc;
}

/* Reads the schema version and, unless it is newer than latest, opens
 * every named database in one read transaction whose commit makes the
 * handles shared. Writes nothing. */
static int
dbis_load(struct store *st, uint32_t latest, char *why, size_t why_len)
{
    char names[STORE_MAX_DBS][STORE_DB_NAME_MAX + 1];
    MDB_val key = {sizeof(STORE_KEY_SCHEMA) - 1, (void *)STORE_KEY_SCHEMA};
    MDB_val val;
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_dbi dbi;
    size_t count = 0;
    int mrc;
    int rc;

    st->schema = 0;
    mrc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
    if (mrc != MDB_SUCCESS)
        goto fail;

    mrc = mdb_dbi_open(txn, STORE_DB_META, 0, &dbi);
    if (mrc == MDB_SUCCESS)
        mrc = mdb_get(txn, dbi, &key, &val);
    if (mrc == MDB_SUCCESS && schema_decode(&val, &st->schema) != POD_OK)
        mrc = MDB_CORRUPTED;
    if (mrc != MDB_SUCCESS && mrc != MDB_NOTFOUND)
        goto fail;
    if (st->schema > latest) {
        pod_why(why, why_len,
                "data directory %s has schema version %" PRIu32
                ", newer than this plugpod supports (%" PRIu32 "); use a newer plugpod",
                st->dir, st->schema, latest);
        rc = POD_ERR_VERSION;
        goto out;
    }

    /* Named databases are the keys of the main database. Collect the names
     * first, then open them with no cursor in flight. */
    mrc = mdb_dbi_open(txn, NULL, 0, &dbi);
    if (mrc == MDB_SUCCESS)
        mrc = mdb_cursor_open(txn, dbi, &cur);
    while (mrc == MDB_SUCCESS) {
        mrc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
        if (mrc != MDB_SUCCESS)
            break;
        if (key.mv_size == 0 || key.mv_size > STORE_DB_NAME_MAX ||
            memchr(key.mv_data, '\0', key.mv_size))
            continue;
        if (count == STORE_MAX_DBS) {
            pod_why(why, why_len, "data directory %s holds more than %d databases", st->dir,
                    STORE_MAX_DBS);
            rc = POD_ERR_LIMIT;
            goto out;
        }
        memcpy(names[count], key.mv_data, key.mv_size);
        names[count][key.mv_size] = '\0';
        count++;
    }
    if (mrc != MDB_NOTFOUND)
        goto fail;
    mdb_cursor_close(cur);
    cur = NULL;

    for (size_t i = 0; i < count; i++) {
        mrc = mdb_dbi_open(txn, names[i], 0, &dbi);
        if (mrc == MDB_INCOMPATIBLE)
            continue; /* a plain key, not a database */
        if (mrc != MDB_SUCCESS)
            goto fail;
        memcpy(st->dbis[st->dbi_count].name, names[i], sizeof(names[i]));
        st->dbis[st->dbi_count].hash = name_hash(names[i]);
        st->dbis[st->dbi_count].dbi = dbi;
        st->dbi_count++;
    }
    mrc = mdb_txn_commit(txn);
    txn = NULL;
    if (mrc != MDB_SUCCESS)
        goto fail;
    rc = POD_OK;
    goto out;
fail:
    rc = store_err_map(mrc);
    pod_why(why, why_len, "cannot read data directory %s: %s", st->dir, mdb_strerror(mrc));
out:
    if (cur)
        mdb_cursor_close(cur);
    if (txn)
        mdb_txn_abort(txn);
    if (rc != POD_OK)
        st->dbi_count = 0; /* aborted or never shared */
    return rc;
}

/* Runs every migration newer than st->schema, one write transaction each,
 * which also records the new version: a crash leaves a consistent state. */
static int
migrate(struct store *st, const struct store_migration *list, size_t count, char *why,
        size_t why_len)
{
    struct store_txn *txn = NULL;
    int rc = POD_OK;

    for (size_t i = 0; i < count; i++) {
        const struct store_migration *m = &list[i];

        if (m->version <= st->schema)
            continue;
        rc = store_txn_begin(st, true, &txn);
        if (rc == POD_OK)
            rc = m->apply(txn);
        if (rc == POD_OK)
            rc = schema_write(txn, m->version);
        if (rc == POD_OK) {
            rc = store_txn_commit(txn);
            txn = NULL;
        }
        if (rc != POD_OK) {
            pod_why(why, why_len,
                    "migration of data directory %s to schema %" PRIu32 " (%s) failed: %s", st->dir,
                    m->version, m->name, pod_strerror(rc));
            goto out;
        }
        st->schema = m->version;
        LOG_INFO("store", "migrated %s to schema %" PRIu32 " (%s)", st->dir, m->version, m->name);
    }
out:
    store_txn_abort(txn);
    return rc;
}

int
store_open(struct store **out, const char *dir, const struct store_options *opt, char *why,
           size_t why_len)
{
    const struct store_migration *list;
    struct store *st = NULL;
    size_t count;
    int rc;

    pod_why(why, why_len, "%s", "");
    if (!out || !dir || !*dir) {
        pod_why(why, why_len, "no data directory given");
        rc = POD_ERR_INVAL;
        goto out;
    }
    *out = NULL;
    if (opt && opt->migrations) {
        list = opt->migrations;
        count = opt->migration_count;
    } else if (opt && opt->migration_count) {
        pod_why(why, why_len, "invalid migration list: count without migrations");
        rc = POD_ERR_INVAL;
        goto out;
    } else {
        list = store_builtin_migrations(&count);
    }
    rc = migrations_check(list, count, why, why_len);
    if (rc != POD_OK)
        goto out;

    st = calloc(1, sizeof(*st));
    if (!st || pthread_mutex_init(&st->dbi_lock, NULL) != 0) {
        free(st);
        st = NULL;
        pod_why(why, why_len, "out of memory");
        rc = POD_ERR_NOMEM;
        goto out;
    }
    st->lock_fd = -1;
    st->dir = strdup(dir);
    if (!st->dir) {
        pod_why(why, why_len, "out of memory");
        rc = POD_ERR_NOMEM;
        goto out;
    }
    rc = dir_make(dir, why, why_len);
    if (rc == POD_OK)
        rc = lock_take(st, why, why_len);
    if (rc == POD_OK)
        rc = env_open(st, opt, why, why_len);
    if (rc == POD_OK)
        rc = dbis_load(st, count ? list[count - 1].version : 0, why, why_len);
    if (rc == POD_OK)
        rc = migrate(st, list, count, why, why_len);
    if (rc != POD_OK)
        goto out;
    LOG_DEBUG("store", "opened %s at schema %" PRIu32, st->dir, st->schema);
    *out = st;
    st = NULL;
out:
    store_close(st);
    return rc;
}

void
store_close(struct store *st)
{
    if (!st)
        return;
    /* The environment goes first: the next opener may take the lock only
     * once this process is done with the files. */
    if (st->env)
        mdb_env_close(st->env);
    if (st->lock_fd >= 0) {
        if (ftruncate(st->lock_fd, 0) != 0)
            LOG_WARN("store", "cannot clear lock file in %s: %s", st->dir, strerror(errno));
        close(st->lock_fd);
    }
    pthread_mutex_destroy(&st->dbi_lock);
    free(st->dir);
    free(st);
}
