/*
 * bench_inbound.c - inbound federation throughput for tools/bench.
 *
 *   bench_inbound VECTORS_DIR COUNT
 *
 * In a fresh data directory (real LMDB, the pod's migrations), a known
 * remote sender (carol@pod-c.org with the vectors' RSA-4096 key) has COUNT
 * public status messages signed beforehand and queued in the durable
 * inbox; then the inbox task (task/fed_inbox_task.c: parse, verify,
 * validate, store, delete the item, in batches of FED_INBOUND_BATCH_MAX
 * with one durable commit each) is timed until the queue is empty. In the same program,
 * raw mbedTLS RSA-4096 PKCS#1 v1.5 SHA-256 verifications (key parsed once)
 * are timed for comparison. Two more rates tell where the time goes: the
 * envelope parsed and verified as the inbox path does it (PEM key parsed
 * per call) without the store, and empty write transactions (one setting
 * written and committed: LMDB's durable commit); and envelopes built and
 * signed with the RSA-4096 key (what each outbound delivery does). Prints
 * one line:
 *   inbound_per_s=N raw_verify_per_s=N parse_verify_per_s=N
 *   commit_per_s=N sign_per_s=N stored=N count=N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "crypto/rsa.h"
#include "federation/envelope.h"
#include "federation/inbound.h"
#include "store/fed_inbox.h"
#include "task/fed_inbox_task.h"
#include "store/people.h"
#include "store/posts.h"
#include "store/store.h"

#include "bench_util.h"

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
count_one(uint64_t post, int64_t t, void *ctx)
{
    (void)post;
    (void)t;
    ++*(unsigned long *)ctx;
    return 0;
}

static int
die(const char *what, int rc)
{
    fprintf(stderr, "bench_inbound: %s: %s\n", what, pod_strerror(rc));
    exit(1);
}

/* Raw verifications per second: the key parsed once, one signature. */
static double
raw_verify_rate(const char *priv_pem, const char *pub_pem, unsigned long count)
{
    mbedtls_pk_context pk;
    uint8_t digest[32], sig[512];
    size_t sig_len = 0;
    double t0;
    int rc;

    crypto_sha256("bench", 5, digest);
    rc = crypto_rsa_sign_digest(priv_pem, digest, sig, sizeof sig, &sig_len);
    if (rc != POD_OK)
        die("sign", rc);
    mbedtls_pk_init(&pk);
    if (mbedtls_pk_parse_public_key(&pk, (const unsigned char *)pub_pem, strlen(pub_pem) + 1) != 0)
        die("parse public key", POD_ERR_PARSE);
    t0 = now_s();
    for (unsigned long i = 0; i < count; i++)
        if (mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, digest, 32, sig, sig_len) != 0)
            die("verify", POD_ERR_SIG);
    t0 = now_s() - t0;
    mbedtls_pk_free(&pk);
    return (double)count / t0;
}

/* Envelopes parsed and verified per second as the inbox path does it (the
 * sender's PEM key parsed by each verification), no store involved. */
static double
parse_verify_rate(char **envs, const size_t *lens, unsigned long count, const char *pub)
{
    double t0 = now_s();
    char why[256];

    for (unsigned long i = 0; i < count; i++) {
        struct pod_arena a;
        struct fed_envelope env;
        int rc;

        pod_arena_init(&a, NULL, 0, 1 << 20);
        rc = fed_envelope_parse(envs[i], lens[i], &a, &env, why, sizeof why);
        if (rc == POD_OK)
            rc = fed_envelope_verify(&env, pub, why, sizeof why);
        pod_arena_free(&a);
        if (rc != POD_OK)
            die(why, rc);
    }
    return (double)count / (now_s() - t0);
}

/* Durable write transactions per second: one setting written each. */
static double
commit_rate(struct store *st, unsigned long count)
{
    double t0 = now_s();

    for (unsigned long i = 0; i < count; i++) {
        struct store_txn *txn = NULL;
        char v[32];
        int rc;

        snprintf(v, sizeof v, "%lu", i);
        if ((rc = store_txn_begin(st, true, &txn)) != POD_OK ||
            (rc = store_setting_set_str(txn, "bench_commit", v)) != POD_OK ||
            (rc = store_txn_commit(txn)) != POD_OK)
            die("commit", rc);
    }
    return (double)count / (now_s() - t0);
}

int
main(int argc, char **argv)
{
    char root[] = "/tmp/plugpod-bench-inbound.XXXXXX", dir[64], path[512], why[256];
    char *priv, *pub, **envs;
    size_t *lens;
    struct store *st = NULL;
    struct store_txn *txn = NULL;
    struct store_person carol;
    struct pod_arena a;
    unsigned long count, stored = 0, done = 0;
    double t0, inbound, signing;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: bench_inbound VECTORS_DIR COUNT\n");
        return 2;
    }
    count = strtoul(argv[2], NULL, 10);
    snprintf(path, sizeof path, "%s/keys/oracle_key_4096_private.pem", argv[1]);
    priv = bench_slurp(path);
    snprintf(path, sizeof path, "%s/keys/oracle_key_4096_public.pem", argv[1]);
    pub = bench_slurp(path);
    if (!priv || !pub || !count)
        die("keys", POD_ERR_IO);
    pod_log_set_level(POD_LOG_WARN);
    if (crypto_rng_init() != POD_OK)
        die("rng", POD_ERR_CRYPTO);
    if (!mkdtemp(root))
        die("mkdtemp", POD_ERR_IO);
    snprintf(dir, sizeof dir, "%s/data", root);
    rc = store_open(&st, dir, NULL, why, sizeof why);
    if (rc != POD_OK)
        die(why, rc);

    /* The known sender. */
    memset(&carol, 0, sizeof carol);
    snprintf(carol.guid, sizeof carol.guid, "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1");
    snprintf(carol.diaspora_id, sizeof carol.diaspora_id, "carol@pod-c.org");
    snprintf(carol.pod_url, sizeof carol.pod_url, "https://pod-c.org/");
    snprintf(carol.public_key, sizeof carol.public_key, "%s", pub);
    carol.created_at = 1700000000;
    if ((rc = store_txn_begin(st, true, &txn)) != POD_OK ||
        (rc = store_person_add(txn, &carol)) != POD_OK || (rc = store_txn_commit(txn)) != POD_OK)
        die("sender", rc);

    /* Signed beforehand (timed apart: what an outbound delivery signs),
     * queued in one transaction: not timed. */
    envs = calloc(count, sizeof *envs);
    lens = calloc(count, sizeof *lens);
    pod_arena_init(&a, NULL, 0, 64 << 20);
    t0 = now_s();
    for (unsigned long i = 0; i < count; i++) {
        char payload[512];
        uint8_t raw[16];
        char guid[33];

        crypto_random(raw, sizeof raw);
        crypto_hex(raw, sizeof raw, guid);
        snprintf(payload, sizeof payload,
                 "<status_message><author>carol@pod-c.org</author><guid>%s</guid>"
                 "<created_at>2025-06-01T10:%02lu:%02luZ</created_at><public>true</public>"
                 "<text>Inbound bench post %lu, with a few words of text.</text>"
                 "</status_message>",
                 guid, (i / 60) % 60, i % 60, i);
        rc = fed_envelope_build(payload, strlen(payload), "carol@pod-c.org", priv, &a, &envs[i],
                                &lens[i], why, sizeof why);
        if (rc != POD_OK)
            die(why, rc);
    }
    signing = (double)count / (now_s() - t0);
    if ((rc = store_txn_begin(st, true, &txn)) != POD_OK)
        die("begin", rc);
    for (unsigned long i = 0; i < count && rc == POD_OK; i++) {
        uint64_t id;
        rc = store_inbox_push(txn, STORE_INBOX_PUBLIC, 0, envs[i], lens[i], 1750000000, &id);
    }
    if (rc != POD_OK || (rc = store_txn_commit(txn)) != POD_OK)
        die("queue", rc);

    /* The timed part: the inbox task itself (task/fed_inbox_task.c, which
     * applies the items in batches of FED_INBOUND_BATCH_MAX, one durable
     * commit each), from its start until the queue is empty. */
    t0 = now_s();
    {
        struct task_fed_inbox *task = NULL;
        uint64_t left = count;

        if ((rc = task_fed_inbox_start(&task, st, NULL)) != POD_OK)
            die("task", rc);
        task_fed_inbox_wake(task);
        while (left > 0) {
            usleep(2000);
            if ((rc = store_txn_begin(st, false, &txn)) != POD_OK)
                die("begin", rc);
            rc = store_inbox_count(txn, &left);
            store_txn_abort(txn);
            if (rc != POD_OK)
                die("count", rc);
        }
        done = count;
        inbound = (double)done / (now_s() - t0);
        task_fed_inbox_stop(task);
    }

    if ((rc = store_txn_begin(st, false, &txn)) != POD_OK)
        die("begin", rc);
    store_stream_public(txn, INT64_MAX, UINT64_MAX, count + 10, count_one, &stored);
    store_txn_abort(txn);

    printf("inbound_per_s=%.1f raw_verify_per_s=%.1f parse_verify_per_s=%.1f "
           "commit_per_s=%.1f sign_per_s=%.1f stored=%lu count=%lu\n",
           inbound, raw_verify_rate(priv, pub, count < 200 ? 200 : count),
           parse_verify_rate(envs, lens, count, pub), commit_rate(st, count), signing, stored,
           count);
    store_close(st);
    snprintf(path, sizeof path, "rm -rf '%s'", root);
    if (system(path) != 0)
        fprintf(stderr, "bench_inbound: could not remove %s\n", root);
    pod_arena_free(&a);
    free(envs);
    free(lens);
    free(priv);
    free(pub);
    crypto_rng_free();
    return stored == count ? 0 : 1;
}
