/*
 * test_store.c - app/store: open, lock, migrations, settings, transactions.
 * Every test runs in its own directory under /tmp, removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include <fcntl.h>
#include <ftw.h>
#include <lmdb.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "store/store.h"

struct fixture {
    char root[64]; /* the mkdtemp directory */
    char dir[128]; /* root/data: the data directory under test */
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (!f)
        return -1;
    strcpy(f->root, "/tmp/test_store.XXXXXX");
    if (!mkdtemp(f->root)) {
        free(f);
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "%s/data", f->root);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    int rc = test_rm_tree(f->root);

    free(f);
    return rc;
}

static char *
file_read(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)n;
    }
    fclose(fp);
    return buf;
}

static void
file_write(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* ------------------------------------------------------ test migrations */

static int v1_runs;
static int v2_runs;

/* Like the built-in v1, so the settings API works. */
static int
m_v1(struct store_txn *txn)
{
    v1_runs++;
    return store_db_create(txn, "settings");
}

static int
m_v2(struct store_txn *txn)
{
    v2_runs++;
    return store_setting_set_u64(txn, "v2.marker", 42);
}

static int
m_v2_fails(struct store_txn *txn)
{
    int rc = store_setting_set_u64(txn, "v2.marker", 7);

    return rc == POD_OK ? POD_ERR_IO : rc;
}

/* A v1 that creates nothing: no "settings" database. */
static int
m_empty(struct store_txn *txn)
{
    (void)txn;
    return POD_OK;
}

static const struct store_migration list_v1[] = {{1, "settings", m_v1}};
static const struct store_migration list_v12[] = {{1, "settings", m_v1}, {2, "marker", m_v2}};
static const struct store_migration list_v12_fail[] = {{1, "settings", m_v1},
                                                       {2, "broken", m_v2_fails}};
static const struct store_migration list_empty[] = {{1, "nothing", m_empty}};

static struct store_options
opts(const struct store_migration *list, size_t count)
{
    struct store_options o = {0};

    o.map_size = 8u << 20;
    o.migrations = list;
    o.migration_count = count;
    return o;
}

static struct store *
open_ok(const char *dir, const struct store_options *o)
{
    struct store *st = NULL;
    char why[256];
    int rc = store_open(&st, dir, o, why, sizeof(why));

    if (rc != POD_OK)
        print_error("store_open: %s: %s\n", pod_strerror(rc), why);
    assert_int_equal(rc, POD_OK);
    assert_non_null(st);
    return st;
}

/* ------------------------------------------------------------------ tests */

static void
test_open_fresh(void **state)
{
    struct fixture *f = *state;
    char dir[256];
    char path[300];
    struct store *st;
    struct stat sb;
    char *pid;
    size_t len;

    /* Missing parents are created too. */
    snprintf(dir, sizeof(dir), "%s/a/b/c", f->dir);
    st = open_ok(dir, NULL);
    assert_true(store_schema_latest() >= 1);
    assert_int_equal(store_schema_version(st), store_schema_latest());
    assert_string_equal(store_dir(st), dir);

    assert_int_equal(stat(dir, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(sb.st_mode & 0077, 0);
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    assert_int_equal(stat(path, &sb), 0);

    snprintf(path, sizeof(path), "%s/plugpod.lock", dir);
    pid = file_read(path, &len);
    assert_non_null(pid);
    pid[len] = '\0';
    assert_int_equal(strtol(pid, NULL, 10), getpid());
    free(pid);
    store_close(st);

    /* Reopen: same version, nothing to run. */
    st = open_ok(dir, NULL);
    assert_int_equal(store_schema_version(st), store_schema_latest());
    store_close(st);
}

static void
test_migrate_once(void **state)
{
    struct fixture *f = *state;
    struct store_options o1 = opts(list_v1, 1);
    struct store_options o12 = opts(list_v12, 2);
    struct store_txn *txn;
    struct store *st;
    uint64_t v = 0;

    v1_runs = v2_runs = 0;
    st = open_ok(f->dir, &o1);
    assert_int_equal(store_schema_version(st), 1);
    assert_int_equal(v1_runs, 1);
    store_close(st);

    st = open_ok(f->dir, &o12);
    assert_int_equal(store_schema_version(st), 2);
    assert_int_equal(v1_runs, 1);
    assert_int_equal(v2_runs, 1);
    assert_int_equal(store_txn_begin(st, false, &txn), POD_OK);
    assert_int_equal(store_setting_get_u64(txn, "v2.marker", &v), POD_OK);
    assert_int_equal(v, 42);
    store_txn_abort(txn);
    store_close(st);

    st = open_ok(f->dir, &o12);
    assert_int_equal(store_schema_version(st), 2);
    assert_int_equal(v1_runs, 1);
    assert_int_equal(v2_runs, 1);
    store_close(st);
}

static void
test_migration_failure_rolls_back(void **state)
{
    struct fixture *f = *state;
    struct store_options o1 = opts(list_v1, 1);
    struct store_options obad = opts(list_v12_fail, 2);
    struct store_txn *txn;
    struct store *st = NULL;
    uint64_t v;
    char why[256];

    st = open_ok(f->dir, &o1);
    store_close(st);

    st = NULL;
    assert_int_equal(store_open(&st, f->dir, &obad, why, sizeof(why)), POD_ERR_IO);
    assert_null(st);
    assert_non_null(strstr(why, "schema 2"));
    assert_non_null(strstr(why, "broken"));

    /* Still at 1, and the failed migration's write is gone. */
    st = open_ok(f->dir, &o1);
    assert_int_equal(store_schema_version(st), 1);
    assert_int_equal(store_txn_begin(st, false, &txn), POD_OK);
    assert_int_equal(store_setting_get_u64(txn, "v2.marker", &v), POD_ERR_NOTFOUND);
    store_txn_abort(txn);
    store_close(st);
}

static void
test_settings(void **state)
{
    struct fixture *f = *state;
    char name64[65];
    char name65[66];
    char big[4098];
    char buf[4097];
    char small[6];
    struct store_txn *txn;
    struct store *st;
    uint64_t v;

    memset(name64, 'n', 64);
    name64[64] = '\0';
    memset(name65, 'n', 65);
    name65[65] = '\0';

    st = open_ok(f->dir, NULL);
    assert_int_equal(store_txn_begin(st, true, &txn), POD_OK);
    assert_int_equal(store_setting_set_str(txn, "pod.name", "hello pod"), POD_OK);
    assert_int_equal(store_setting_set_u64(txn, "pod.max", UINT64_C(0x0102030405060708)), POD_OK);
    assert_int_equal(store_setting_set_u64(txn, "zero", 0), POD_OK);
    assert_int_equal(store_setting_set_str(txn, "empty", ""), POD_OK);
    /* Visible inside the same write transaction. */
    assert_int_equal(store_setting_get_str(txn, "pod.name", buf, sizeof(buf)), POD_OK);
    assert_string_equal(buf, "hello pod");
    assert_int_equal(store_txn_commit(txn), POD_OK);

    assert_int_equal(store_txn_begin(st, false, &txn), POD_OK);
    assert_int_equal(store_setting_get_str(txn, "pod.name", buf, sizeof(buf)), POD_OK);
    assert_string_equal(buf, "hello pod");
    assert_int_equal(store_setting_get_u64(txn, "pod.max", &v), POD_OK);
    assert_true(v == UINT64_C(0x0102030405060708));
    assert_int_equal(store_setting_get_u64(txn, "zero", &v), POD_OK);
    assert_int_equal(v, 0);
    assert_int_equal(store_setting_get_str(txn, "empty", buf, sizeof(buf)), POD_OK);
    assert_string_equal(buf, "");
    /* Not found, type mismatch both ways. */
    assert_int_equal(store_setting_get_str(txn, "nope", buf, sizeof(buf)), POD_ERR_NOTFOUND);
    assert_int_equal(store_setting_get_u64(txn, "nope", &v), POD_ERR_NOTFOUND);
    assert_int_equal(store_setting_get_u64(txn, "pod.name", &v), POD_ERR_CORRUPT);
    assert_int_equal(store_setting_get_str(txn, "pod.max", buf, sizeof(buf)), POD_ERR_CORRUPT);
    /* Buffer: "hello pod" needs 10 bytes. */
    assert_int_equal(store_setting_get_str(txn, "pod.name", small, sizeof(small)), POD_ERR_LIMIT);
    assert_int_equal(store_setting_get_str(txn, "pod.name", buf, 9), POD_ERR_LIMIT);
    assert_int_equal(store_setting_get_str(txn, "pod.name", buf, 10), POD_OK);
    assert_string_equal(buf, "hello pod");
    /* Names. */
    assert_int_equal(store_setting_get_str(txn, "", buf, sizeof(buf)), POD_ERR_INVAL);
    assert_int_equal(store_setting_get_str(txn, name65, buf, sizeof(buf)), POD_ERR_LIMIT);
    /* A read transaction cannot write. */
    assert_int_equal(store_setting_set_str(txn, "x", "y"), POD_ERR_INVAL);
    assert_int_equal(store_setting_delete(txn, "pod.name"), POD_ERR_INVAL);
    store_txn_abort(txn);

    assert_int_equal(store_txn_begin(st, true, &txn), POD_OK);
    /* Overwrite, also with another type. */
    assert_int_equal(store_setting_set_str(txn, "pod.name", "second"), POD_OK);
    assert_int_equal(store_setting_set_str(txn, "pod.max", "now a string"), POD_OK);
    /* Name limits: 64 bytes fit, 65 do not, empty is invalid. */
    assert_int_equal(store_setting_set_u64(txn, name64, 64), POD_OK);
    assert_int_equal(store_setting_set_u64(txn, name65, 65), POD_ERR_LIMIT);
    assert_int_equal(store_setting_set_u64(txn, "", 1), POD_ERR_INVAL);
    assert_int_equal(store_setting_set_str(txn, "x", NULL), POD_ERR_INVAL);
    /* Value limits: 4096 bytes fit, 4097 do not. */
    memset(big, 'v', 4097);
    big[4097] = '\0';
    assert_int_equal(store_setting_set_str(txn, "big", big), POD_ERR_LIMIT);
    big[4096] = '\0';
    assert_int_equal(store_setting_set_str(txn, "big", big), POD_OK);
    /* Delete. */
    assert_int_equal(store_setting_delete(txn, "zero"), POD_OK);
    assert_int_equal(store_setting_delete(txn, "zero"), POD_ERR_NOTFOUND);
    assert_int_equal(store_setting_delete(txn, name65), POD_ERR_LIMIT);
    assert_int_equal(store_txn_commit(txn), POD_OK);
    store_close(st);

    /* Everything survives a reopen. */
    st = open_ok(f->dir, NULL);
    assert_int_equal(store_txn_begin(st, false, &txn), POD_OK);
    assert_int_equal(store_setting_get_str(txn, "pod.name", buf, sizeof(buf)), POD_OK);
    assert_string_equal(buf, "second");
    assert_int_equal(store_setting_get_str(txn, "pod.max", buf, sizeof(buf)), POD_OK);
    assert_string_equal(buf, "now a string");
    assert_int_equal(store_setting_get_u64(txn, name64, &v), POD_OK);
    assert_int_equal(v, 64);
    assert_int_equal(store_setting_get_str(txn, "big", buf, sizeof(buf)), POD_OK);
    assert_int_equal(strlen(buf), 4096);
    assert_int_equal(store_setting_get_str(txn, "big", buf, 4096), POD_ERR_LIMIT);
    assert_int_equal(store_setting_get_u64(txn, "zero", &v), POD_ERR_NOTFOUND);
    assert_int_equal(store_txn_commit(txn), POD_OK);
    store_close(st);
}

static void
test_refuse_newer_schema(void **state)
{
    struct fixture *f = *state;
    struct store_options o1 = opts(list_v1, 1);
    struct store_options o12 = opts(list_v12, 2);
    struct store_txn *txn;
    struct store *st;
    char path[200];
    char why[256];
    char *before;
    char *after;
    size_t len_before = 0;
    size_t len_after = 0;
    uint64_t v = 0;

    v1_runs = v2_runs = 0;
    st = open_ok(f->dir, &o12);
    store_close(st);
    snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
    before = file_read(path, &len_before);
    assert_non_null(before);

    st = (struct store *)1;
    assert_int_equal(store_open(&st, f->dir, &o1, why, sizeof(why)), POD_ERR_VERSION);
    assert_null(st);
    assert_non_null(strstr(why, "schema version 2"));
    assert_non_null(strstr(why, "(1)"));
    assert_non_null(strstr(why, f->dir));
    assert_int_equal(v1_runs, 1);

    /* Not one byte of data changed. */
    after = file_read(path, &len_after);
    assert_non_null(after);
    assert_int_equal(len_after, len_before);
    assert_memory_equal(after, before, len_before);
    free(before);
    free(after);

    /* And the newer plugpod still finds its data. */
    st = open_ok(f->dir, &o12);
    assert_int_equal(store_schema_version(st), 2);
    assert_int_equal(v2_runs, 1);
    assert_int_equal(store_txn_begin(st, false, &txn), POD_OK);
    assert_int_equal(store_setting_get_u64(txn, "v2.marker", &v), POD_OK);
    assert_int_equal(v, 42);
    store_txn_abort(txn);
    store_close(st);
}

static void
test_refuse_second_opener(void **state)
{
    struct fixture *f = *state;
    struct store *st;
    struct store *st2 = NULL;
    char pid[32];
    char why[256];

    st = open_ok(f->dir, NULL);
    assert_int_equal(store_open(&st2, f->dir, NULL, why, sizeof(why)), POD_ERR_BUSY);
    assert_null(st2);
    snprintf(pid, sizeof(pid), "(pid %ld)", (long)getpid());
    assert_non_null(strstr(why, pid));
    assert_non_null(strstr(why, f->dir));
    /* The first one is unharmed. */
    assert_int_equal(store_schema_version(st), store_schema_latest());
    store_close(st);

    st = open_ok(f->dir, NULL);
    store_close(st);
}

static void
test_uncreatable_dir(void **state)
{
    struct fixture *f = *state;
    struct store *st = NULL;
    char file[200];
    char dir[300];
    char why[512];

    snprintf(file, sizeof(file), "%s/file", f->root);
    file_write(file, "x", 1);

    /* A path below a regular file. */
    snprintf(dir, sizeof(dir), "%s/sub/data", file);
    assert_int_equal(store_open(&st, dir, NULL, why, sizeof(why)), POD_ERR_IO);
    assert_null(st);
    assert_non_null(strstr(why, dir));
    assert_non_null(strstr(why, "Not a directory"));

    /* The data directory itself is a regular file. */
    assert_int_equal(store_open(&st, file, NULL, why, sizeof(why)), POD_ERR_IO);
    assert_null(st);
    assert_non_null(strstr(why, file));
    assert_non_null(strstr(why, "Not a directory"));

    /* No directory at all. */
    assert_int_equal(store_open(&st, "", NULL, why, sizeof(why)), POD_ERR_INVAL);
    assert_int_equal(store_open(&st, NULL, NULL, NULL, 0), POD_ERR_INVAL);
}

static void
test_garbage_datafile(void **state)
{
    struct fixture *f = *state;
    struct store *st = NULL;
    char path[200];
    char why[256];
    char junk[16384];
    int rc;

    assert_int_equal(mkdir(f->dir, 0700), 0);
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)(i * 131 + 7);
    snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
    file_write(path, junk, sizeof(junk));

    rc = store_open(&st, f->dir, NULL, why, sizeof(why));
    assert_int_equal(rc, POD_ERR_CORRUPT);
    assert_null(st);
    assert_non_null(strstr(why, f->dir));

    /* The failed open released the lock: a second try fails the same way. */
    rc = store_open(&st, f->dir, NULL, why, sizeof(why));
    assert_int_equal(rc, POD_ERR_CORRUPT);
}

static void
test_migration_list_invalid(void **state)
{
    struct fixture *f = *state;
    static const struct store_migration gap[] = {{1, "a", m_v1}, {3, "c", m_v2}};
    static const struct store_migration from2[] = {{2, "b", m_v1}};
    static const struct store_migration down[] = {{2, "b", m_v1}, {1, "a", m_v2}};
    static const struct store_migration noapply[] = {{1, "a", NULL}};
    struct store_options o;
    struct store *st = NULL;
    struct stat sb;
    char why[256];

    o = opts(gap, 2);
    assert_int_equal(store_open(&st, f->dir, &o, why, sizeof(why)), POD_ERR_INVAL);
    assert_non_null(strstr(why, "migration"));
    o = opts(from2, 1);
    assert_int_equal(store_open(&st, f->dir, &o, why, sizeof(why)), POD_ERR_INVAL);
    o = opts(down, 2);
    assert_int_equal(store_open(&st, f->dir, &o, why, sizeof(why)), POD_ERR_INVAL);
    o = opts(noapply, 1);
    assert_int_equal(store_open(&st, f->dir, &o, why, sizeof(why)), POD_ERR_INVAL);
    o = opts(NULL, 3);
    assert_int_equal(store_open(&st, f->dir, &o, why, sizeof(why)), POD_ERR_INVAL);
    assert_null(st);
    /* Checked before anything touches the disk. */
    assert_int_equal(stat(f->dir, &sb), -1);
}

static void
test_abort_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    struct store_options o = opts(list_empty, 1);
    struct store_txn *txn;
    struct store *st;
    char buf[32];
    MDB_env *env;
    MDB_txn *mtxn;
    MDB_dbi dbi;

    st = open_ok(f->dir, &o);

    /* A database created and written in an aborted transaction. */
    assert_int_equal(store_txn_begin(st, true, &txn), POD_OK);
    assert_int_equal(store_db_create(txn, "settings"), POD_OK);
    assert_int_equal(store_setting_set_str(txn, "k", "v"), POD_OK);
    store_txn_abort(txn);

    assert_int_equal(store_txn_begin(st, false, &txn), POD_OK);
    assert_int_equal(store_setting_get_str(txn, "k", buf, sizeof(buf)), POD_ERR_NOTFOUND);
    store_txn_abort(txn);
    assert_int_equal(store_txn_begin(st, true, &txn), POD_OK);
    assert_int_equal(store_setting_set_str(txn, "k", "v"), POD_ERR_NOTFOUND);
    store_txn_abort(txn);
    store_close(st);

    /* On disk too: no such database. */
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 4), 0);
    assert_int_equal(mdb_env_open(env, f->dir, MDB_RDONLY, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &mtxn), 0);
    assert_int_equal(mdb_dbi_open(mtxn, "settings", 0, &dbi), MDB_NOTFOUND);
    assert_int_equal(mdb_dbi_open(mtxn, "meta", 0, &dbi), 0);
    mdb_txn_abort(mtxn);
    mdb_env_close(env);

    /* Aborted once more, then created for real in the same session: the
     * aborted handle must not linger in the cache. Then a write that aborts
     * changes nothing. */
    st = open_ok(f->dir, &o);
    assert_int_equal(store_txn_begin(st, true, &txn), POD_OK);
    assert_int_equal(store_db_create(txn, "settings"), POD_OK);
    store_txn_abort(txn);
    assert_int_equal(store_txn_begin(st, true, &txn), POD_OK);
    assert_int_equal(store_db_create(txn, "settings"), POD_OK);
    assert_int_equal(store_db_create(txn, "settings"), POD_OK);
    assert_int_equal(store_setting_set_str(txn, "k", "kept"), POD_OK);
    assert_int_equal(store_txn_commit(txn), POD_OK);
    assert_int_equal(store_txn_begin(st, true, &txn), POD_OK);
    assert_int_equal(store_setting_set_str(txn, "k", "dropped"), POD_OK);
    assert_int_equal(store_setting_set_str(txn, "k2", "dropped"), POD_OK);
    store_txn_abort(txn);
    assert_int_equal(store_txn_begin(st, false, &txn), POD_OK);
    assert_int_equal(store_setting_get_str(txn, "k", buf, sizeof(buf)), POD_OK);
    assert_string_equal(buf, "kept");
    assert_int_equal(store_setting_get_str(txn, "k2", buf, sizeof(buf)), POD_ERR_NOTFOUND);
    store_txn_abort(txn);
    store_close(st);

    /* The handle of the committed database is found after a reopen. */
    st = open_ok(f->dir, &o);
    assert_int_equal(store_txn_begin(st, false, &txn), POD_OK);
    assert_int_equal(store_setting_get_str(txn, "k", buf, sizeof(buf)), POD_OK);
    assert_string_equal(buf, "kept");
    store_txn_abort(txn);
    store_close(st);
}

static void
test_read_snapshot_before_create(void **state)
{
    struct fixture *f = *state;
    struct store_options o = opts(list_empty, 1);
    struct store_txn *old;
    struct store_txn *txn;
    struct store *st;
    uint64_t v = 0;

    st = open_ok(f->dir, &o);
    /* A reader that began before the database existed does not see it. */
    assert_int_equal(store_txn_begin(st, false, &old), POD_OK);
    assert_int_equal(store_setting_get_u64(old, "n", &v), POD_ERR_NOTFOUND);
    assert_int_equal(store_txn_begin(st, true, &txn), POD_OK);
    assert_int_equal(store_db_create(txn, "settings"), POD_OK);
    assert_int_equal(store_setting_set_u64(txn, "n", 5), POD_OK);
    assert_int_equal(store_txn_commit(txn), POD_OK);
    assert_int_equal(store_setting_get_u64(old, "n", &v), POD_ERR_NOTFOUND);
    assert_int_equal(store_txn_commit(old), POD_OK);

    assert_int_equal(store_txn_begin(st, false, &txn), POD_OK);
    assert_int_equal(store_setting_get_u64(txn, "n", &v), POD_OK);
    assert_int_equal(v, 5);
    store_txn_abort(txn);
    store_close(st);
}

static void
test_db_create_args(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn;
    struct store *st;
    char name33[34];

    memset(name33, 'd', 33);
    name33[33] = '\0';
    st = open_ok(f->dir, NULL);
    assert_int_equal(store_txn_begin(st, false, &txn), POD_OK);
    assert_int_equal(store_db_create(txn, "x"), POD_ERR_INVAL);
    store_txn_abort(txn);
    assert_int_equal(store_txn_begin(st, true, &txn), POD_OK);
    assert_int_equal(store_db_create(txn, ""), POD_ERR_INVAL);
    assert_int_equal(store_db_create(txn, name33), POD_ERR_LIMIT);
    name33[32] = '\0';
    assert_int_equal(store_db_create(txn, name33), POD_OK);
    assert_int_equal(store_txn_commit(txn), POD_OK);
    store_txn_abort(NULL);
    assert_int_equal(store_txn_commit(NULL), POD_ERR_INVAL);
    store_close(st);
}

struct reader_arg {
    struct store *st;
    int failures;
};

static void *
reader(void *p)
{
    struct reader_arg *a = p;
    uint64_t last = 0;

    for (int i = 0; i < 300; i++) {
        struct store_txn *txn;
        uint64_t v = 0;

        if (store_txn_begin(a->st, false, &txn) != POD_OK) {
            a->failures++;
            continue;
        }
        if (store_setting_get_u64(txn, "counter", &v) != POD_OK || v < last)
            a->failures++;
        last = v;
        store_txn_abort(txn);
    }
    return NULL;
}

static void
test_concurrent_readers(void **state)
{
    struct fixture *f = *state;
    struct reader_arg args[4];
    pthread_t threads[4];
    struct store_txn *txn;
    struct store *st;
    uint64_t v = 0;

    st = open_ok(f->dir, NULL);
    assert_int_equal(store_txn_begin(st, true, &txn), POD_OK);
    assert_int_equal(store_setting_set_u64(txn, "counter", 0), POD_OK);
    assert_int_equal(store_txn_commit(txn), POD_OK);

    for (int i = 0; i < 4; i++) {
        args[i].st = st;
        args[i].failures = 0;
        assert_int_equal(pthread_create(&threads[i], NULL, reader, &args[i]), 0);
    }
    for (uint64_t n = 1; n <= 50; n++) {
        assert_int_equal(store_txn_begin(st, true, &txn), POD_OK);
        assert_int_equal(store_setting_set_u64(txn, "counter", n), POD_OK);
        assert_int_equal(store_txn_commit(txn), POD_OK);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(args[i].failures, 0);
    }
    assert_int_equal(store_txn_begin(st, false, &txn), POD_OK);
    assert_int_equal(store_setting_get_u64(txn, "counter", &v), POD_OK);
    assert_int_equal(v, 50);
    store_txn_abort(txn);
    store_close(st);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_fresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_failure_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse_second_opener, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uncreatable_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_datafile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_list_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_snapshot_before_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_create_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_readers, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
