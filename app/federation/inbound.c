#include "federation/inbound.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/arena.h"
#include "autoconf.h"
#include "core/error.h"
#include "core/log.h"
#include "federation/discovery_client.h"
#include "federation/entity.h"
#include "federation/envelope.h"
#include "federation/private_envelope.h"
#include "http/http.h"
#include "http/url.h"
#include "social/federated.h"
#include "store/accounts.h"
#include "store/people.h"
#include "store/store.h"

#define INBOUND_ARENA_LIMIT         (16u * 1024 * 1024)
#define FETCH_DEPTH_MAX             2 /* a reshare's root fetched, and that root's own root */
#define FETCH_TIMEOUT_MS            20000
#define FED_CONVERSATION_PEOPLE_MAX 20 /* participants looked up per conversation */

/* Errors that may pass: the same item can succeed later. */
static bool
passing(int rc)
{
    switch (rc) {
    case POD_ERR_AUTH:
    case POD_ERR_SIG:
    case POD_ERR_INVAL:
    case POD_ERR_PARSE:
    case POD_ERR_LIMIT:
    case POD_ERR_EXISTS:
    case POD_ERR_CRYPTO:
    case POD_ERR_VERSION:
        return false;
    default:
        return true; /* NOMEM, IO, BUSY, FULL, NOTFOUND, store trouble */
    }
}

/* The person with diaspora* ID did, with the public key to check their
 * signatures in out->public_key (a local person's is the account's). */
static int
lookup(struct store *st, const char *low, struct store_person *out)
{
    struct store_txn *txn = NULL;
    int rc = store_txn_begin(st, false, &txn);

    if (rc != POD_OK)
        return rc;
    rc = store_person_get_by_diaspora_id(txn, low, out);
    if (rc == POD_OK && out->username[0])
        rc = store_user_public_key_get(txn, out->username, out->public_key, sizeof out->public_key);
    else if (rc == POD_OK && !out->public_key[0])
        rc = POD_ERR_NOTFOUND;
    store_txn_abort(txn);
    return rc;
}

/* lookup(), discovering the person when they are unknown or keyless. No
 * transaction is held during discovery. */
static int
find_person(const struct fed_inbound_ctx *ctx, const char *did, struct store_person *out, char *why,
            size_t why_len)
{
    char low[STORE_DID_MAX + 1];
    size_t n = did ? strlen(did) : 0;
    int rc;

    if (n == 0 || n > STORE_DID_MAX) {
        pod_why(why, why_len, "bad diaspora* ID");
        return POD_ERR_INVAL;
    }
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)((did[i] >= 'A' && did[i] <= 'Z') ? did[i] + 32 : did[i]);
    rc = lookup(ctx->store, low, out);
    if (rc != POD_ERR_NOTFOUND) {
        if (rc != POD_OK)
            pod_why(why, why_len, "cannot read %s: %s", low, pod_strerror(rc));
        return rc;
    }
    if (!ctx->discovery) {
        pod_why(why, why_len, "%s is unknown and discovery is off", low);
        return POD_ERR_NOTFOUND;
    }
    rc = fed_discover(ctx->discovery, low, 0, NULL, why, why_len);
    if (rc != POD_OK)
        return rc;
    rc = lookup(ctx->store, low, out);
    if (rc != POD_OK)
        pod_why(why, why_len, "%s discovered but without a key", low);
    return rc;
}

/* The envelope document of a private item: decrypted with the recipient's
 * private key. */
static int
decrypt(const struct fed_inbound_ctx *ctx, const struct store_inbox_item *item, struct pod_arena *a,
        char **xml, size_t *xml_len, char *why, size_t why_len)
{
    struct store_txn *txn = NULL;
    struct store_person p;
    char *pem = malloc(STORE_PEM_MAX + 1);
    int rc;

    if (!pem)
        return POD_ERR_NOMEM;
    rc = store_txn_begin(ctx->store, false, &txn);
    if (rc == POD_OK) {
        rc = store_person_get(txn, item->recipient, &p);
        if (rc == POD_OK && !p.username[0])
            rc = POD_ERR_NOTFOUND;
        if (rc == POD_OK)
            rc = store_user_private_key_get(txn, p.username, pem, STORE_PEM_MAX + 1);
        store_txn_abort(txn);
        if (rc == POD_ERR_NOTFOUND) {
            pod_why(why, why_len, "recipient #%llu has no account or key",
                    (unsigned long long)item->recipient);
            rc = POD_ERR_AUTH; /* nobody to decrypt it for: permanent */
        } else if (rc != POD_OK) {
            pod_why(why, why_len, "cannot read the recipient's key: %s", pod_strerror(rc));
        }
    }
    if (rc == POD_OK)
        rc = fed_private_envelope_decrypt((const char *)item->body, item->len, pem, a, xml, xml_len,
                                          why, why_len);
    memset(pem, 0, STORE_PEM_MAX + 1);
    free(pem);
    return rc;
}

/* What process() learns about an item before applying it: the envelope,
 * the entity and the people, all in a (arena-backed, see prepared_new). */
struct prepared {
    struct pod_arena a;
    struct fed_entity *e;
    struct store_person people[2]; /* [0] sender, [1] relayable author */
    struct social_fed_in in;
    const char *author;
    unsigned char buf[16384];
};

/* Applies p's entity in txn and deletes the item there. */
static int
apply_in(struct store_txn *txn, const struct store_inbox_item *item, struct prepared *p, char *why,
         size_t why_len)
{
    int rc = social_fed_apply(txn, &p->in, &p->a, why, why_len);

    if (rc == POD_OK) {
        rc = store_inbox_delete(txn, item->id);
        if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK; /* not queued (a direct call) */
    }
    return rc;
}

/* apply_in() in a write transaction of its own. */
static int
apply(const struct fed_inbound_ctx *ctx, const struct store_inbox_item *item, struct prepared *p,
      char *why, size_t why_len)
{
    struct store_txn *txn = NULL;
    int rc = store_txn_begin(ctx->store, true, &txn);

    if (rc != POD_OK) {
        pod_why(why, why_len, "cannot begin a write transaction: %s", pod_strerror(rc));
        return rc;
    }
    rc = apply_in(txn, item, p, why, why_len);
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
        txn = NULL;
        if (rc != POD_OK)
            pod_why(why, why_len, "commit failed: %s", pod_strerror(rc));
    }
    store_txn_abort(txn);
    return rc;
}

static enum fed_inbound_outcome
verdict(int rc)
{
    if (rc == POD_OK)
        return FED_INBOUND_DONE;
    return passing(rc) ? FED_INBOUND_RETRY : FED_INBOUND_DROP;
}

/* What to fetch (§8) when the parent or root of e is unknown here:
 * *type and *guid of the missing entity, and the diaspora* ID of the
 * person whose pod to ask (the relayable's author, or a reshare's root
 * author). False when e has no parent to fetch. */
static bool
fetch_target(const struct fed_entity *e, const char **type, const char **guid, const char **from)
{
    const char *ptype;

    *from = fed_entity_get(e, "author");
    if (strcmp(e->type, "reshare") == 0) {
        *type = "post";
        *guid = fed_entity_get(e, "root_guid");
        *from = fed_entity_get(e, "root_author");
    } else if (strcmp(e->type, "comment") == 0) {
        *type = "post";
        *guid = fed_entity_get(e, "parent_guid");
    } else if (strcmp(e->type, "like") == 0) {
        ptype = fed_entity_parent_type(e);
        *type = ptype && strcmp(ptype, "Comment") == 0 ? "comment" : "post";
        *guid = fed_entity_get(e, "parent_guid");
    } else if (strcmp(e->type, "poll_participation") == 0) {
        *type = "poll";
        *guid = fed_entity_get(e, "parent_guid");
    } else {
        return false;
    }
    return *guid && *guid[0] && *from && *from[0];
}

static int process(const struct fed_inbound_ctx *ctx, const struct store_inbox_item *item,
                   unsigned depth, char *why, size_t why_len);

/* Fetches the missing parent or root of e from the pod of the person
 * who referenced it (following its redirect to the owner's pod, through
 * the address guard) and processes the answer exactly like a
 * /receive/public delivery. POD_OK when it is stored now. */
static int
fetch_parent(const struct fed_inbound_ctx *ctx, const struct fed_entity *e, unsigned depth,
             char *why, size_t why_len)
{
    struct http_client *http = fed_discovery_http(ctx->discovery);
    struct store_person from;
    struct store_inbox_item fetched;
    struct http_request rq;
    struct http_response rs;
    struct http_url u;
    char url[HTTP_URL_MAX + 1];
    const char *type, *guid, *did;
    int rc;

    if (!http || depth >= FETCH_DEPTH_MAX || !fetch_target(e, &type, &guid, &did))
        return POD_ERR_NOTFOUND;
    for (const char *c = guid; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              *c == '-' || *c == '_' || *c == '.' || *c == '@'))
            return POD_ERR_INVAL;
    rc = find_person(ctx, did, &from, why, why_len);
    if (rc != POD_OK)
        return rc;
    if (from.username[0])
        return POD_ERR_NOTFOUND; /* ours and unknown: nothing to fetch */
    if (!from.pod_url[0] || http_url_parse(from.pod_url, strlen(from.pod_url), &u) != POD_OK ||
        strlen(type) + strlen(guid) + 8 >= sizeof u.path) {
        pod_why(why, why_len, "no usable pod URL for %s", from.diaspora_id);
        return POD_ERR_NOTFOUND;
    }
    if ((size_t)snprintf(u.path, sizeof u.path, "/fetch/%s/%s", type, guid) >= sizeof u.path ||
        http_url_format(&u, url, sizeof url) != POD_OK)
        return POD_ERR_INVAL;
    memset(&rq, 0, sizeof rq);
    memset(&rs, 0, sizeof rs);
    rq.url = url;
    rq.timeout_ms = FETCH_TIMEOUT_MS;
    rq.max_response_bytes = CONFIG_POD_FED_RECEIVE_MAX;
    rq.max_redirects = CONFIG_POD_HTTPC_MAX_REDIRECTS;
    rc = http_request(http, &rq, &rs);
    if (rc != POD_OK || rs.status != 200) {
        pod_why(why, why_len, "fetching %s: %s", url,
                rc != POD_OK ? rs.why : (rs.status == 404 ? "404 not found" : "not 200"));
        http_response_free(&rs);
        return rc != POD_OK ? rc : POD_ERR_NOTFOUND;
    }
    memset(&fetched, 0, sizeof fetched);
    fetched.kind = STORE_INBOX_PUBLIC;
    fetched.body = (const uint8_t *)rs.body;
    fetched.len = rs.body_len;
    rc = process(ctx, &fetched, depth + 1, why, why_len);
    if (rc == POD_OK)
        LOG_INFO("federation", "fetched %s %s from %s", type, guid, url);
    else
        pod_why(why, why_len, "fetched %s %s is not usable", type, guid);
    http_response_free(&rs);
    return rc;
}

/* The identity of an account_migration that is not its author (it signs
 * the migration's signature): the new one (the nested profile's author)
 * or the old one. NULL when the entity does not name it. */
static const char *
migration_other(const struct fed_entity *e)
{
    const struct fed_entity *profile = fed_entity_get_entity(e, "profile");
    const char *author = fed_entity_get(e, "author");
    const char *new_id = profile ? fed_entity_get(profile, "author") : NULL;

    if (new_id && author && strcasecmp(author, new_id) != 0)
        return new_id;
    return fed_entity_get(e, "old_identity");
}

/* The participants of a conversation (';'-separated diaspora* IDs),
 * discovered when unknown so that they are stored with it; one that
 * cannot be found is left out (logged by discovery). */
static void
discover_participants(const struct fed_inbound_ctx *ctx, const char *list)
{
    struct store_person p;
    char did[STORE_DID_MAX + 1], why[160];
    unsigned n = 0;

    while (list && *list && n++ < FED_CONVERSATION_PEOPLE_MAX) {
        size_t len = strcspn(list, ";");

        if (len > 0 && len < sizeof did) {
            memcpy(did, list, len);
            did[len] = '\0';
            (void)find_person(ctx, did, &p, why, sizeof why);
        }
        list += len;
        if (*list == ';')
            list++;
    }
}

/* A struct prepared with its arena ready (heap: several live at once in
 * a batch). NULL when out of memory. */
static struct prepared *
prepared_new(void)
{
    struct prepared *p = malloc(sizeof *p);

    if (p)
        pod_arena_init(&p->a, p->buf, sizeof p->buf, INBOUND_ARENA_LIMIT);
    return p;
}

static void
prepared_free(struct prepared *p)
{
    if (p) {
        pod_arena_free(&p->a);
        free(p);
    }
}

/* Everything before the write: decrypt, read and verify the envelope,
 * find (discover) the people, parse and validate the entity. Fills p. */
static int
prepare(const struct fed_inbound_ctx *ctx, const struct store_inbox_item *item, struct prepared *p,
        char *why, size_t why_len)
{
    struct fed_envelope *env;
    struct store_person *people = p->people;
    const char *xml = (const char *)item->body;
    char *plain = NULL;
    size_t xml_len = item->len;
    int rc;

    p->e = NULL;
    p->author = NULL;
    env = pod_arena_alloc(&p->a, sizeof *env);
    if (!env) {
        pod_why(why, why_len, "out of memory");
        return POD_ERR_NOMEM;
    }
    if (item->kind == STORE_INBOX_PRIVATE) {
        rc = decrypt(ctx, item, &p->a, &plain, &xml_len, why, why_len);
        if (rc != POD_OK)
            return rc;
        xml = plain;
    } else if (item->kind != STORE_INBOX_PUBLIC) {
        pod_why(why, why_len, "unknown inbox kind %d", (int)item->kind);
        return POD_ERR_INVAL;
    }
    rc = fed_envelope_parse(xml, xml_len, &p->a, env, why, why_len);
    if (rc != POD_OK)
        return rc;
    rc = find_person(ctx, env->sender, &people[0], why, why_len);
    if (rc != POD_OK)
        return rc;
    if (people[0].username[0]) {
        /* Our own users' entities are made here; a copy coming back from
         * another pod (a replay) must not bring back what they deleted. */
        pod_why(why, why_len, "%s is a local user", people[0].diaspora_id);
        return POD_ERR_AUTH;
    }
    rc = fed_envelope_verify(env, people[0].public_key, why, why_len);
    if (rc != POD_OK) {
        if (why && why_len)
            pod_why(why, why_len, "envelope signature of %s: %s", env->sender, pod_strerror(rc));
        return POD_ERR_SIG;
    }
    rc = fed_entity_parse(env->payload, env->payload_len, &p->a, &p->e, why, why_len);
    if (rc == POD_OK)
        rc = fed_entity_validate(p->e, why, why_len);
    if (rc != POD_OK)
        return rc != POD_ERR_NOMEM ? POD_ERR_INVAL : rc;
    memset(&p->in, 0, sizeof p->in);
    p->in.entity = p->e;
    p->in.sender = &people[0];
    p->in.public_route = item->kind == STORE_INBOX_PUBLIC;
    p->in.recipient = item->kind == STORE_INBOX_PRIVATE ? item->recipient : 0;
    p->in.now = ctx->now ? ctx->now() : (int64_t)time(NULL);
    p->author = fed_entity_get(p->e, "author");
    if (fed_entity_is_relayable(p->e) && p->author &&
        strcasecmp(p->author, people[0].diaspora_id) != 0) {
        rc = find_person(ctx, p->author, &people[1], why, why_len);
        if (rc != POD_OK)
            return rc;
        p->in.author = &people[1];
    } else if (strcmp(p->e->type, "account_migration") == 0 && migration_other(p->e)) {
        rc = find_person(ctx, migration_other(p->e), &people[1], why, why_len);
        if (rc != POD_OK)
            return rc;
        p->in.author = &people[1];
    }
    if (strcmp(p->e->type, "conversation") == 0)
        discover_participants(ctx, fed_entity_get(p->e, "participants"));
    return POD_OK;
}

/* After the first attempt to apply (rc): a missing parent is fetched and
 * the item applied again; on success why gets the summary. */
static int
finish(const struct fed_inbound_ctx *ctx, const struct store_inbox_item *item, struct prepared *p,
       unsigned depth, int rc, char *why, size_t why_len)
{
    if (rc == POD_ERR_NOTFOUND && p->e && fetch_parent(ctx, p->e, depth, why, why_len) == POD_OK)
        rc = apply(ctx, item, p, why, why_len);
    if (rc == POD_OK) {
        const char *guid = fed_entity_get(p->e, "guid");

        if (!guid)
            guid = fed_entity_get(p->e, "target_guid");
        pod_why(why, why_len, "%s %s by %s", p->e->type, guid ? guid : "-",
                p->author ? p->author : "-");
    }
    return rc;
}

enum fed_inbound_outcome
fed_inbound_process(const struct fed_inbound_ctx *ctx, const struct store_inbox_item *item,
                    char *why, size_t why_len)
{
    return verdict(process(ctx, item, 0, why, why_len));
}

/* fed_inbound_process, at fetch depth depth, answering the error code. */
static int
process(const struct fed_inbound_ctx *ctx, const struct store_inbox_item *item, unsigned depth,
        char *why, size_t why_len)
{
    struct prepared *p = prepared_new();
    int rc;

    if (why && why_len)
        why[0] = '\0';
    if (!p) {
        pod_why(why, why_len, "out of memory");
        return POD_ERR_NOMEM;
    }
    rc = prepare(ctx, item, p, why, why_len);
    if (rc == POD_OK) {
        rc = apply(ctx, item, p, why, why_len);
        rc = finish(ctx, item, p, depth, rc, why, why_len);
    }
    prepared_free(p);
    return rc;
}

void
fed_inbound_process_batch(const struct fed_inbound_ctx *ctx, const struct store_inbox_item *items,
                          size_t n, enum fed_inbound_outcome *outcomes, char *whys, size_t why_len)
{
    struct prepared *p[FED_INBOUND_BATCH_MAX] = {0};
    int rc[FED_INBOUND_BATCH_MAX];
    struct store_txn *txn = NULL, *child;
    size_t applied = 0;
    int trc = POD_OK;

    if (n > FED_INBOUND_BATCH_MAX)
        n = FED_INBOUND_BATCH_MAX;
    for (size_t i = 0; i < n; i++) {
        char *why = whys + i * why_len;

        why[0] = '\0';
        p[i] = prepared_new();
        rc[i] = p[i] ? prepare(ctx, &items[i], p[i], why, why_len) : POD_ERR_NOMEM;
        if (rc[i] == POD_OK)
            applied++;
    }
    if (applied > 0)
        trc = store_txn_begin(ctx->store, true, &txn);
    for (size_t i = 0; i < n && txn; i++) {
        char *why = whys + i * why_len;

        if (rc[i] != POD_OK)
            continue;
        /* Each item in a nested transaction: one that fails leaves no
         * trace, the others still commit together. */
        rc[i] = store_txn_begin_nested(txn, &child);
        if (rc[i] == POD_OK) {
            rc[i] = apply_in(child, &items[i], p[i], why, why_len);
            if (rc[i] == POD_OK)
                rc[i] = store_txn_commit(child);
            else
                store_txn_abort(child);
        }
        if (rc[i] != POD_OK && rc[i] != POD_ERR_NOTFOUND && passing(rc[i])) {
            /* The transaction itself is in trouble (full, I/O): stop. */
            trc = rc[i];
            break;
        }
    }
    if (txn && trc == POD_OK)
        trc = store_txn_commit(txn);
    else
        store_txn_abort(txn);
    for (size_t i = 0; i < n; i++) {
        char *why = whys + i * why_len;

        if (applied > 0 && trc != POD_OK && rc[i] == POD_OK) {
            /* Prepared (or applied) but not committed: try again later. */
            rc[i] = trc;
            pod_why(why, why_len, "cannot write the batch: %s", pod_strerror(trc));
        } else if (p[i] && p[i]->e && (rc[i] == POD_OK || rc[i] == POD_ERR_NOTFOUND)) {
            rc[i] = finish(ctx, &items[i], p[i], 0, rc[i], why, why_len);
        }
        outcomes[i] = verdict(rc[i]);
        prepared_free(p[i]);
    }
}
