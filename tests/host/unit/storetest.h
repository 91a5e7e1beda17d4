/*
 * storetest.h - the fixture of unit tests that need a real store: a fresh
 * mkdtemp directory with an open LMDB environment (the pod's own
 * migrations applied), removed again after each test. Header-only: include
 * after <cmocka.h>; use setup/teardown with cmocka_unit_test_setup_teardown.
 */
#ifndef POD_TESTS_STORETEST_H
#define POD_TESTS_STORETEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/error.h"
#include "store/accounts.h"
#include "store/people.h"
#include "store/store.h"
#include "testutil.h"

struct fixture {
    char root[64]; /* the mkdtemp directory */
    char dir[128]; /* root/data: the data directory */
    struct store *st;
    struct pod_arena arena; /* for reads that copy text; starts in buf */
    unsigned char buf[4096];
};

static inline int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char why[256];
    int rc;

    if (!f)
        return -1;
    strcpy(f->root, "/tmp/plugpod-unit.XXXXXX");
    if (!mkdtemp(f->root)) {
        free(f);
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "%s/data", f->root);
    /* NULL options: the pod's own migrations create the databases. */
    rc = store_open(&f->st, f->dir, NULL, why, sizeof(why));
    if (rc != POD_OK) {
        print_error("store_open: %s: %s\n", pod_strerror(rc), why);
        test_rm_tree(f->root);
        free(f);
        return -1;
    }
    pod_arena_init(&f->arena, f->buf, sizeof(f->buf), 1 << 20);
    *state = f;
    return 0;
}

static inline int
teardown(void **state)
{
    struct fixture *f = *state;
    int rc;

    pod_arena_free(&f->arena);
    if (f->st)
        store_close(f->st);
    rc = test_rm_tree(f->root);
    free(f);
    return rc;
}

static inline struct store_txn *
txn_begin(struct fixture *f, bool write)
{
    struct store_txn *txn = NULL;

    assert_int_equal(store_txn_begin(f->st, write, &txn), POD_OK);
    return txn;
}

static inline struct store_txn *
wtxn(struct fixture *f)
{
    return txn_begin(f, true);
}

static inline struct store_txn *
rtxn(struct fixture *f)
{
    return txn_begin(f, false);
}

static inline void
commit(struct store_txn *txn)
{
    assert_int_equal(store_txn_commit(txn), POD_OK);
}

/* A local account name on host with guid, made in txn at created_at; with
 * priv_pem and pub_pem (PEM text, may be NULL) its key pair. Answers its
 * person id. */
static inline uint64_t
storetest_local_user(struct store_txn *txn, const char *name, const char *host, const char *guid,
                     const char *priv_pem, const char *pub_pem, int64_t created_at)
{
    struct store_user u;
    struct store_person p;

    memset(&u, 0, sizeof u);
    snprintf(u.username, sizeof u.username, "%s", name);
    snprintf(u.guid, sizeof u.guid, "%s", guid);
    snprintf(u.language, sizeof u.language, "en");
    u.created_at = created_at;
    assert_int_equal(store_account_create(txn, &u, host), POD_OK);
    if (priv_pem)
        assert_int_equal(store_user_keys_put(txn, name, priv_pem, pub_pem), POD_OK);
    assert_int_equal(store_person_get_by_username(txn, name, &p), POD_OK);
    return p.id;
}

/* storetest_local_user with the key pair read from the files priv and pub
 * (paths, may be NULL). */
static inline uint64_t
storetest_local_user_files(struct store_txn *txn, const char *name, const char *host,
                           const char *guid, const char *priv, const char *pub, int64_t created_at)
{
    char *k = priv ? test_slurp(priv, NULL) : NULL, *pk = pub ? test_slurp(pub, NULL) : NULL;
    uint64_t id = storetest_local_user(txn, name, host, guid, k, pk, created_at);

    free(k);
    free(pk);
    return id;
}

/* A remote person did with guid and the public key key_pem (PEM text), on
 * the pod https://<host of did>/, created 1700000000, made in txn. Answers
 * their person id. */
static inline uint64_t
storetest_remote_person(struct store_txn *txn, const char *did, const char *guid,
                        const char *key_pem, bool searchable)
{
    struct store_person p;

    memset(&p, 0, sizeof p);
    snprintf(p.diaspora_id, sizeof p.diaspora_id, "%s", did);
    snprintf(p.guid, sizeof p.guid, "%s", guid);
    snprintf(p.pod_url, sizeof p.pod_url, "https://%s/", strchr(did, '@') + 1);
    assert_true(strlen(key_pem) < sizeof p.public_key);
    memcpy(p.public_key, key_pem, strlen(key_pem) + 1);
    p.searchable = searchable;
    p.created_at = 1700000000;
    assert_int_equal(store_person_add(txn, &p), POD_OK);
    return p.id;
}

/* storetest_remote_person with the key read from keyfile. */
static inline uint64_t
storetest_remote_person_file(struct store_txn *txn, const char *did, const char *guid,
                             const char *keyfile, bool searchable)
{
    char *key = test_slurp(keyfile, NULL);
    uint64_t id = storetest_remote_person(txn, did, guid, key, searchable);

    free(key);
    return id;
}

#endif
