/*
 * bench_seed.c - fills a stopped pod's data directory for tools/bench,
 * through the store API (plugpod must not be running: the store is locked).
 *
 *   bench_seed keys DATA USER PRIV_PEM PUB_PEM HOST
 *       makes the person rows of local users for HOST (as serve does) and
 *       gives USER a ready key pair (no waiting for key generation)
 *   bench_seed posts DATA USER COUNT
 *       adds COUNT public status messages by USER, 10,000 per transaction,
 *       one second apart (so they are in USER's stream); prints the post
 *       count and the GUID of the newest post
 *   bench_seed remotes DATA USER COUNT PORT PUB_PEM
 *       adds COUNT remote people on COUNT distinct pods 127.0.X.Y:PORT
 *       (X = 1 + k / 250, Y = 1 + k % 250), each a mutual contact of USER
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "store/accounts.h"
#include "store/contacts.h"
#include "store/people.h"
#include "store/posts.h"
#include "store/store.h"

#include "bench_util.h"

#define BATCH 10000

static int
fail(const char *what, int rc)
{
    fprintf(stderr, "bench_seed: %s: %s\n", what, pod_strerror(rc));
    return 1;
}

static int
seed_keys(struct store *st, const char *user, const char *priv_path, const char *pub_path,
          const char *host)
{
    char *priv = bench_slurp(priv_path), *pub = bench_slurp(pub_path);
    struct store_txn *txn = NULL;
    unsigned added = 0;
    int rc = priv && pub ? store_txn_begin(st, true, &txn) : POD_ERR_IO;

    if (rc == POD_OK)
        rc = store_people_ensure_local(txn, host, &added);

    if (rc == POD_OK)
        rc = store_user_keys_put(txn, user, priv, pub);
    if (rc == POD_OK)
        rc = store_txn_commit(txn);
    else if (txn)
        store_txn_abort(txn);
    free(priv);
    free(pub);
    return rc == POD_OK ? 0 : fail("keys", rc);
}

static int
seed_posts(struct store *st, const char *user, unsigned long count)
{
    static const char *const words[] = {"Lorem ipsum dolor sit amet", "a walk by the river",
                                        "**bold** claims and _quiet_ doubts", "see you tomorrow",
                                        "the build is green again"};
    struct store_person me;
    struct store_post p;
    struct store_txn *txn = NULL;
    char text[256], guid[STORE_GUID_MAX + 1] = "";
    uint8_t raw[16];
    int64_t base = (int64_t)time(NULL) - (int64_t)count - 60;
    unsigned long i = 0;
    int rc;

    while (i < count) {
        rc = store_txn_begin(st, true, &txn);
        if (rc == POD_OK && i == 0)
            rc = store_person_get_by_username(txn, user, &me);
        for (unsigned long n = 0; rc == POD_OK && n < BATCH && i < count; n++, i++) {
            memset(&p, 0, sizeof p);
            crypto_random(raw, sizeof raw);
            crypto_hex(raw, sizeof raw, p.guid);
            snprintf(text, sizeof text, "Post %lu: %s.", i + 1, words[i % 5]);
            p.author = me.id;
            p.type = STORE_POST_STATUS;
            p.public = true;
            p.text = text;
            p.created_at = base + (int64_t)i;
            rc = store_post_add(txn, &p, NULL, 0, NULL, 0, NULL);
            memcpy(guid, p.guid, sizeof guid);
        }
        if (rc == POD_OK)
            rc = store_txn_commit(txn);
        else
            store_txn_abort(txn);
        if (rc != POD_OK)
            return fail("posts", rc);
    }
    printf("%lu %s\n", count, guid);
    return 0;
}

static int
seed_remotes(struct store *st, const char *user, unsigned long count, const char *port,
             const char *pub_path)
{
    char *pub = bench_slurp(pub_path);
    struct store_person me, r;
    struct store_contact c;
    struct store_txn *txn = NULL;
    uint8_t raw[16];
    int rc = pub ? store_txn_begin(st, true, &txn) : POD_ERR_IO;

    if (rc == POD_OK)
        rc = store_person_get_by_username(txn, user, &me);
    for (unsigned long k = 0; rc == POD_OK && k < count; k++) {
        memset(&r, 0, sizeof r);
        crypto_random(raw, sizeof raw);
        crypto_hex(raw, sizeof raw, r.guid);
        snprintf(r.diaspora_id, sizeof r.diaspora_id, "r%lu@127.0.%lu.%lu:%s", k, 1 + k / 250,
                 1 + k % 250, port);
        snprintf(r.pod_url, sizeof r.pod_url, "https://127.0.%lu.%lu:%s/", 1 + k / 250, 1 + k % 250,
                 port);
        snprintf(r.first_name, sizeof r.first_name, "Remote %lu", k);
        snprintf(r.public_key, sizeof r.public_key, "%s", pub);
        r.searchable = true;
        r.created_at = r.updated_at = (int64_t)time(NULL);
        rc = store_person_add(txn, &r);
        if (rc != POD_OK)
            break;
        memset(&c, 0, sizeof c);
        c.owner = me.id;
        c.person = r.id;
        c.sharing = true;
        c.receiving = true;
        c.created_at = r.created_at;
        rc = store_contact_put(txn, &c);
    }
    if (rc == POD_OK)
        rc = store_txn_commit(txn);
    else if (txn)
        store_txn_abort(txn);
    free(pub);
    return rc == POD_OK ? 0 : fail("remotes", rc);
}

int
main(int argc, char **argv)
{
    struct store_options opt = {0};
    struct store *st = NULL;
    char why[256];
    int rc;

    if (argc < 4) {
        fprintf(stderr, "usage: bench_seed keys|posts|remotes DATA USER ...\n");
        return 2;
    }
    pod_log_set_level(POD_LOG_WARN);
    if (crypto_rng_init() != POD_OK)
        return fail("rng", POD_ERR_CRYPTO);
    opt.map_size = (size_t)4 << 30; /* 10^6 posts may pass the default map */
    rc = store_open(&st, argv[2], &opt, why, sizeof why);
    if (rc != POD_OK) {
        fprintf(stderr, "bench_seed: %s\n", why);
        return 1;
    }
    if (strcmp(argv[1], "keys") == 0 && argc == 7)
        rc = seed_keys(st, argv[3], argv[4], argv[5], argv[6]);
    else if (strcmp(argv[1], "posts") == 0 && argc == 5)
        rc = seed_posts(st, argv[3], strtoul(argv[4], NULL, 10));
    else if (strcmp(argv[1], "remotes") == 0 && argc == 7)
        rc = seed_remotes(st, argv[3], strtoul(argv[4], NULL, 10), argv[5], argv[6]);
    else {
        fprintf(stderr, "bench_seed: bad arguments\n");
        rc = 2;
    }
    store_close(st);
    crypto_rng_free();
    return rc;
}
