/*
 * test_store_faults.c - app/store under faults: a full LMDB map refuses
 * writes with POD_ERR_FULL, keeps every committed one and opens again (with
 * the same map or a bigger one); the reader slot of a process killed in a
 * read transaction is cleared by store_open and, while the store is open,
 * by a write now and then. Every test runs in its own
 * directory under /tmp, removed afterwards.
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

#include <lmdb.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "store/fed_inbox.h"
#include "store/store.h"
#include "store/store_internal.h"

struct fixture {
    char root[64]; /* the mkdtemp directory */
    char dir[128]; /* root/data: the data directory under test */
};

static pid_t kids[2]; /* children still to kill, even after a failed assert */

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (!f)
        return -1;
    strcpy(f->root, "/tmp/test_store_faults.XXXXXX");
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
    int rc;

    for (size_t i = 0; i < 2; i++) {
        if (kids[i] > 0) {
            kill(kids[i], SIGKILL);
            waitpid(kids[i], NULL, 0);
        }
        kids[i] = 0;
    }
    rc = test_rm_tree(f->root);
    free(f);
    return rc;
}

static struct store *
open_map(struct fixture *f, size_t map_mb)
{
    struct store_options opt = {.map_size = map_mb << 20};
    struct store *st = NULL;
    char why[256];
    int rc = store_open(&st, f->dir, &opt, why, sizeof why);

    if (rc != POD_OK)
        print_error("store_open: %s: %s\n", pod_strerror(rc), why);
    assert_int_equal(rc, POD_OK);
    return st;
}

/* One delivery of len bytes in its own write transaction. */
static int
push(struct store *st, const uint8_t *body, size_t len)
{
    struct store_txn *txn = NULL;
    uint64_t id;
    int rc = store_txn_begin(st, true, &txn);

    if (rc != POD_OK)
        return rc;
    rc = store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, body, len, 1700000000, &id);
    if (rc != POD_OK) {
        store_txn_abort(txn);
        return rc;
    }
    return store_txn_commit(txn);
}

static uint64_t
count(struct store *st)
{
    struct store_txn *txn = NULL;
    uint64_t n = 0;

    assert_int_equal(store_txn_begin(st, false, &txn), POD_OK);
    assert_int_equal(store_inbox_count(txn, &n), POD_OK);
    store_txn_abort(txn);
    return n;
}

static void
test_map_full(void **state)
{
    struct fixture *f = *state;
    static uint8_t body[64 * 1024];
    struct store *st = open_map(f, 1);
    uint64_t acked = 0;
    int rc = POD_OK;

    memset(body, 'x', sizeof body);
    for (int i = 0; i < 100; i++) {
        body[0] = (uint8_t)i;
        rc = push(st, body, sizeof body);
        if (rc != POD_OK)
            break;
        acked++;
    }
    assert_int_equal(rc, POD_ERR_FULL);
    assert_true(acked > 0);
    /* Reads go on; nothing committed is gone. */
    assert_int_equal(count(st), acked);
    store_close(st);

    /* The same map: the store opens (nothing to migrate) and reads. */
    st = open_map(f, 1);
    assert_int_equal(count(st), acked);
    store_close(st);

    /* A bigger map: everything is there and writes work again. */
    st = open_map(f, 4);
    assert_int_equal(count(st), acked);
    assert_int_equal(push(st, body, sizeof body), POD_OK);
    assert_int_equal(count(st), acked + 1);
    store_close(st);
}

/* A child that opens the environment (read-only, as a backup tool would),
 * with a read transaction if txn, says so on the pipe and waits to die. */
static pid_t
lmdb_child(const char *dir, bool txn)
{
    int fds[2];
    char c;
    pid_t pid;

    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        MDB_env *env;
        MDB_txn *t;

        close(fds[0]);
        if (mdb_env_create(&env) || mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0600) ||
            (txn && mdb_txn_begin(env, NULL, MDB_RDONLY, &t)))
            _exit(1);
        if (write(fds[1], "r", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &c, 1), 1);
    close(fds[0]);
    return pid;
}

struct slot_search {
    pid_t pid;
    int found;
};

static int
slot_line(const char *msg, void *ctx)
{
    struct slot_search *s = ctx;
    int pid;

    if (sscanf(msg, " %d", &pid) == 1 && pid == (int)s->pid)
        s->found++;
    return 0;
}

static int
slots_of(MDB_env *env, pid_t pid)
{
    struct slot_search s = {pid, 0};

    mdb_reader_list(env, slot_line, &s);
    return s.found;
}

/* CLOCK_MONOTONIC in ms, as store.c counts (modulo 2^64). */
static uint64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
kill_child(pid_t *pid)
{
    pid_t p = *pid;

    *pid = 0;
    kill(p, SIGKILL);
    assert_int_equal(waitpid(p, NULL, 0), p);
}

static void
test_stale_reader_cleared(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_map(f, 0);
    struct store_txn *txn;
    pid_t dead;
    MDB_env *env;

    store_close(st);
    /* The holder keeps the environment open, so LMDB keeps its reader
     * table; the reader dies inside its read transaction. */
    kids[0] = lmdb_child(f->dir, false);
    kids[1] = dead = lmdb_child(f->dir, true);
    kill_child(&kids[1]);
    assert_int_equal(mdb_env_create(&env), MDB_SUCCESS);
    assert_int_equal(mdb_env_open(env, f->dir, MDB_RDONLY | MDB_NOTLS, 0600), MDB_SUCCESS);
    assert_int_equal(slots_of(env, dead), 1);
    mdb_env_close(env);

    st = open_map(f, 0);
    assert_int_equal(slots_of(st->env, dead), 0);

    /* While the pod runs: the check comes again with a write, at most a
     * minute later (made due here). */
    kids[1] = dead = lmdb_child(f->dir, true);
    kill_child(&kids[1]);
    assert_int_equal(slots_of(st->env, dead), 1);
    txn = NULL;
    assert_int_equal(store_txn_begin(st, false, &txn), POD_OK);
    store_txn_abort(txn);
    assert_int_equal(slots_of(st->env, dead), 1); /* not by readers */
    st->readers_checked_ms = now_ms() - 3600000u;
    assert_int_equal(store_txn_begin(st, true, &txn), POD_OK);
    store_txn_abort(txn);
    assert_int_equal(slots_of(st->env, dead), 0);
    store_close(st);
    kill_child(&kids[0]);
}

/* Push and delete one delivery of len bytes, n times; the first error. */
static int
churn(struct store *st, const uint8_t *body, size_t len, int n)
{
    struct store_txn *txn = NULL;
    uint64_t id;
    int rc = POD_OK;

    for (int i = 0; i < n && rc == POD_OK; i++) {
        rc = store_txn_begin(st, true, &txn);
        if (rc != POD_OK)
            break;
        rc = store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, body, len, 1700000000, &id);
        if (rc == POD_OK)
            rc = store_txn_commit(txn);
        else
            store_txn_abort(txn);
        if (rc != POD_OK)
            break;
        assert_int_equal(store_txn_begin(st, true, &txn), POD_OK);
        rc = store_inbox_delete(txn, id);
        if (rc == POD_OK)
            rc = store_txn_commit(txn);
        else
            store_txn_abort(txn);
    }
    return rc;
}

/* What a dead reader costs and what clearing it gives back: with its slot
 * kept, freed pages are never reused and a 1 MiB map fills up with data
 * that is deleted as fast as it comes; once the slot is cleared the same
 * churn runs on in the same space. */
static void
test_dead_reader_pins_space(void **state)
{
    struct fixture *f = *state;
    static uint8_t body[64 * 1024];
    struct store *st = open_map(f, 1);
    pid_t dead;

    memset(body, 'y', sizeof body);
    kids[1] = dead = lmdb_child(f->dir, true);
    kill_child(&kids[1]);
    assert_int_equal(slots_of(st->env, dead), 1);
    assert_int_equal(churn(st, body, sizeof body, 100), POD_ERR_FULL);

    st->readers_checked_ms = now_ms() - 3600000u;
    assert_int_equal(churn(st, body, sizeof body, 1), POD_OK);
    assert_int_equal(slots_of(st->env, dead), 0);
    assert_int_equal(churn(st, body, sizeof body, 100), POD_OK);
    assert_int_equal(count(st), 0);
    store_close(st);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_map_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_reader_cleared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_reader_pins_space, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
