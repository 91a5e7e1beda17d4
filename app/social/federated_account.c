/*
 * federated_account.c - received <account_deletion> and
 * <account_migration> (docs/diaspora-federation.md §3.2, §4.3, §9;
 * contract in social/federated_internal.h).
 *
 * A deletion removes the remote person's traces here
 * (social_person_traces_delete) and marks the person closed. A migration,
 * once its signature by the identity that is not the author verifies,
 * moves every local user's contact (with its aspect memberships, the
 * followers index and blocks) from the old person to the new one, marks
 * the old one closed and moved, and takes the nested profile onto the new
 * one. Content of the old identity stays where it is.
 */
#include "social/federated_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "crypto/rsa.h"
#include "federation/envelope.h"
#include "social/account_delete.h"
#include "store/accounts.h"
#include "store/contacts.h"

#define MIGRATION_PREFIX "AccountMigration:"

/* ------------------------------------------------------------ deletion */

int
social_fed_apply_account_deletion(struct store_txn *txn, const struct social_fed_in *in,
                                  struct pod_arena *a, char *why, size_t why_len)
{
    struct store_person p;
    int rc;

    (void)a;
    rc = store_person_get(txn, in->sender->id, &p);
    if (rc != POD_OK)
        return rc;
    if (p.username[0]) {
        pod_why(why, why_len, "account_deletion of a local person over federation");
        return POD_ERR_AUTH;
    }
    if (p.closed && !p.moved_to)
        return POD_OK; /* done before */
    rc = social_person_traces_delete(txn, p.id);
    if (rc != POD_OK) {
        pod_why(why, why_len, "cannot remove what %s left here: %s", p.diaspora_id,
                pod_strerror(rc));
        return rc;
    }
    p.closed = true;
    p.searchable = false;
    p.avatar_large[0] = p.avatar_medium[0] = p.avatar_small[0] = '\0';
    p.updated_at = in->now;
    rc = store_person_update(txn, &p);
    if (rc == POD_OK)
        LOG_INFO("federation", "account of %s closed", p.diaspora_id);
    return rc;
}

/* ------------------------------------------------------------ migration */

/* Checks signature (base64, RSA-SHA256) over "AccountMigration:old:new"
 * with pub_pem. */
static int
migration_signature_ok(const char *sig, const char *old_id, const char *new_id, const char *pub_pem)
{
    uint8_t raw[CRYPTO_RSA_MAX_BYTES];
    char msg[sizeof MIGRATION_PREFIX + 2 * (STORE_DID_MAX + 1)];
    size_t raw_len = 0;
    int n;

    if (!sig || !sig[0] ||
        fed_b64_decode_lenient(sig, strlen(sig), raw, sizeof raw, &raw_len) != POD_OK ||
        raw_len == 0)
        return POD_ERR_SIG;
    n = snprintf(msg, sizeof msg, "%s%s:%s", MIGRATION_PREFIX, old_id, new_id);
    if (n < 0 || (size_t)n >= sizeof msg)
        return POD_ERR_SIG;
    return crypto_rsa_verify_sha256(pub_pem, msg, (size_t)n, raw, raw_len) == POD_OK ? POD_OK
                                                                                     : POD_ERR_SIG;
}

/* A growable list of ids with a second value each. */
struct pairs {
    uint64_t (*v)[2];
    size_t n, cap;
};

static int
pairs_push(struct pairs *l, uint64_t x, uint64_t y)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *p = realloc(l->v, cap * sizeof *l->v);
        if (!p)
            return POD_ERR_NOMEM;
        l->v = p;
        l->cap = cap;
    }
    l->v[l->n][0] = x;
    l->v[l->n++][1] = y;
    return POD_OK;
}

static int
membership_collect(const struct store_membership *m, void *ctx)
{
    return pairs_push(ctx, m->id, m->aspect);
}

static int
block_collect(uint64_t id, uint64_t person, void *ctx)
{
    return pairs_push(ctx, id, person);
}

struct locals {
    uint64_t *id;
    size_t n, cap;
    struct store_txn *txn;
};

static int
local_collect(const struct store_user *u, void *ctx)
{
    struct locals *l = ctx;
    struct store_person p;

    if (store_person_get_by_username(l->txn, u->username, &p) != POD_OK)
        return POD_OK; /* an account from before people existed */
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *q = realloc(l->id, cap * sizeof *l->id);
        if (!q)
            return POD_ERR_NOMEM;
        l->id = q;
        l->cap = cap;
    }
    l->id[l->n++] = p.id;
    return POD_OK;
}

/* Moves what local owner keeps about old_p to new_p: the contact (flags
 * merged with an existing one), the aspect memberships and the block. */
static int
move_graph(struct store_txn *txn, uint64_t owner, uint64_t old_p, uint64_t new_p)
{
    struct store_contact oc, nc;
    struct store_membership m;
    struct pairs l = {0};
    uint64_t bid;
    int rc = store_contact_get(txn, owner, old_p, &oc);

    if (rc == POD_OK) {
        rc = store_contact_get(txn, owner, new_p, &nc);
        if (rc == POD_ERR_NOTFOUND) {
            memset(&nc, 0, sizeof nc);
            nc.owner = owner;
            nc.person = new_p;
            nc.created_at = oc.created_at;
            rc = POD_OK;
        }
        nc.sharing = nc.sharing || oc.sharing;
        nc.receiving = nc.receiving || oc.receiving;
        if (rc == POD_OK)
            rc = store_contact_put(txn, &nc);
        if (rc == POD_OK)
            rc = store_memberships_of_person(txn, owner, old_p, membership_collect, &l);
        for (size_t i = 0; rc == POD_OK && i < l.n; i++) {
            memset(&m, 0, sizeof m);
            m.aspect = l.v[i][1];
            m.person = new_p;
            rc = store_membership_add(txn, &m);
            if (rc == POD_ERR_EXISTS)
                rc = POD_OK;
            if (rc == POD_OK)
                rc = store_membership_delete(txn, l.v[i][0]);
        }
        oc.sharing = oc.receiving = false;
        if (rc == POD_OK)
            rc = store_contact_put(txn, &oc); /* deletes it */
    } else if (rc == POD_ERR_NOTFOUND) {
        rc = POD_OK;
    }
    l.n = 0;
    if (rc == POD_OK)
        rc = store_blocks_each(txn, owner, block_collect, &l);
    rc = rc < 0 ? rc : POD_OK;
    for (size_t i = 0; rc == POD_OK && i < l.n; i++) {
        if (l.v[i][1] != old_p)
            continue;
        rc = store_block_add(txn, owner, new_p, &bid);
        if (rc == POD_ERR_EXISTS)
            rc = POD_OK;
        if (rc == POD_OK)
            rc = store_block_delete(txn, l.v[i][0], owner);
    }
    free(l.v);
    return rc;
}

int
social_fed_apply_account_migration(struct store_txn *txn, const struct social_fed_in *in,
                                   struct pod_arena *a, char *why, size_t why_len)
{
    const struct fed_entity *e = in->entity;
    const struct fed_entity *profile = fed_entity_get_entity(e, "profile");
    const char *author = fed_entity_get(e, "author");
    const char *new_id = profile ? fed_entity_get(profile, "author") : NULL;
    const char *old_id = fed_entity_get(e, "old_identity");
    const char *other_id;
    struct store_person old_p, new_p, other;
    struct locals locals = {.txn = txn};
    int rc;

    (void)a;
    if (!old_id || !old_id[0])
        old_id = author; /* the library always sends it; older ones did not */
    if (!author || !new_id || !old_id || social_fed_same_did(old_id, new_id)) {
        pod_why(why, why_len, "account_migration without an old and a new identity");
        return POD_ERR_INVAL;
    }
    if (!social_fed_same_did(author, old_id) && !social_fed_same_did(author, new_id)) {
        pod_why(why, why_len, "account_migration by %s, who is neither %s nor %s", author, old_id,
                new_id);
        return POD_ERR_AUTH;
    }
    other_id = social_fed_same_did(author, old_id) ? new_id : old_id;
    if (!in->author || !in->author->public_key[0]) {
        pod_why(why, why_len, "other identity unknown");
        return POD_ERR_NOTFOUND;
    }
    if (!social_fed_same_did(in->author->diaspora_id, other_id)) {
        pod_why(why, why_len, "other identity %s is not %s", in->author->diaspora_id, other_id);
        return POD_ERR_AUTH;
    }
    if (migration_signature_ok(fed_entity_get(e, "signature"), old_id, new_id,
                               in->author->public_key) != POD_OK) {
        pod_why(why, why_len, "account_migration signature of %s does not verify", other_id);
        return POD_ERR_SIG;
    }
    rc = social_fed_person_by_did(txn, other_id, &other);
    if (rc == POD_ERR_NOTFOUND) {
        pod_why(why, why_len, "other identity unknown");
        return rc;
    }
    if (rc != POD_OK)
        return rc;
    if (social_fed_same_did(author, old_id)) {
        rc = store_person_get(txn, in->sender->id, &old_p);
        new_p = other;
    } else {
        rc = store_person_get(txn, in->sender->id, &new_p);
        old_p = other;
    }
    if (rc != POD_OK)
        return rc;
    if (old_p.username[0] || new_p.username[0]) {
        pod_why(why, why_len, "account_migration from or to a local account");
        return POD_ERR_AUTH;
    }
    if (old_p.closed) {
        if (old_p.moved_to == new_p.id)
            return POD_OK; /* done before */
        pod_why(why, why_len, "%s is closed already", old_p.diaspora_id);
        return POD_ERR_AUTH;
    }
    rc = store_user_each(txn, local_collect, &locals);
    for (size_t i = 0; rc == POD_OK && i < locals.n; i++)
        rc = move_graph(txn, locals.id[i], old_p.id, new_p.id);
    free(locals.id);
    if (rc == POD_OK) {
        old_p.closed = true;
        old_p.moved_to = new_p.id;
        old_p.searchable = false;
        old_p.updated_at = in->now;
        rc = store_person_update(txn, &old_p);
    }
    if (rc == POD_OK) {
        social_fed_take_profile(&new_p, profile, in->now);
        rc = store_person_update(txn, &new_p);
    }
    if (rc != POD_OK)
        pod_why(why, why_len, "cannot move %s to %s: %s", old_p.diaspora_id, new_p.diaspora_id,
                pod_strerror(rc));
    else
        LOG_INFO("federation", "%s moved to %s", old_p.diaspora_id, new_p.diaspora_id);
    return rc;
}
