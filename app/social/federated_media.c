/*
 * federated_media.c - the media half of social_fed_apply (contracts in
 * social/federated_internal.h): the <photo>s nested in a received status
 * message, the GUIDs of its <poll>, and <poll_participation> votes
 * (docs/diaspora-federation.md §3.2, §6).
 *
 * Remote photos are stored as references: the picture stays on its pod
 * and pages show it by URL (remote_photo_path + remote_photo_name, https
 * only; the web CSP allows https: images). Nothing is downloaded here.
 */
#include "social/federated_internal.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "federation/outbound.h"
#include "http/url.h"
#include "store/posts.h"

/* The picture URL of nested photo ph into out (cap bytes): https only,
 * a well-formed absolute URL that fits. False otherwise. */
static bool
photo_url(const struct fed_entity *ph, char *out, size_t cap)
{
    const char *path = fed_entity_get(ph, "remote_photo_path");
    const char *name = fed_entity_get(ph, "remote_photo_name");
    char joined[HTTP_URL_MAX + 1];
    struct http_url u;
    int n;

    if (!path || !name || !name[0] || strncmp(path, "https://", 8) != 0)
        return false;
    n = snprintf(joined, sizeof joined, "%s%s", path, name);
    if (n < 0 || (size_t)n >= sizeof joined || http_url_parse(joined, (size_t)n, &u) != POD_OK ||
        !u.https)
        return false;
    return http_url_format(&u, out, cap) == POD_OK;
}

static uint32_t
photo_dim(const struct fed_entity *ph, const char *name)
{
    int64_t v;

    if (fed_entity_get_int(ph, name, &v) != POD_OK || v < 0 || v > UINT32_MAX)
        return 0;
    return (uint32_t)v;
}

/* Stores nested photo pe of post p (already checked to be p's author's).
 * A photo known by GUID is attached when it is the author's and pending,
 * else left alone. A photo without a usable https URL is skipped. */
static int
store_one_photo(struct store_txn *txn, const struct fed_entity *pe, const struct store_post *p,
                int64_t now)
{
    const char *guid = fed_entity_get(pe, "guid");
    struct store_photo ph, old;
    int rc;

    memset(&ph, 0, sizeof ph);
    if (!guid || strlen(guid) >= sizeof ph.guid ||
        !photo_url(pe, ph.remote_url, sizeof ph.remote_url)) {
        LOG_INFO("federation", "post %s: photo %s left out (GUID or URL unusable)", p->guid,
                 guid ? guid : "");
        return POD_OK;
    }
    memcpy(ph.guid, guid, strlen(guid) + 1);
    rc = store_photo_get_by_guid(txn, guid, &old);
    if (rc == POD_OK) {
        if (old.author != p->author || old.post || old.hash[0])
            return POD_OK; /* someone else's, attached already, or local */
        memcpy(old.remote_url, ph.remote_url, sizeof old.remote_url);
        old.post = p->id;
        old.public = p->public;
        return store_photo_update(txn, &old);
    }
    if (rc != POD_ERR_NOTFOUND)
        return rc;
    ph.author = p->author;
    ph.post = p->id;
    ph.public = p->public;
    ph.width = photo_dim(pe, "width");
    ph.height = photo_dim(pe, "height");
    ph.created_at = social_fed_entity_time(pe, "created_at", now);
    return store_photo_add(txn, &ph);
}

/* Gives the poll just stored with post p the GUIDs of the received
 * <poll> pe (the answers in document order, as social/federated.c's
 * read_poll stored them), so that votes can name it. A GUID that does
 * not fit or that another poll has leaves the poll without GUIDs. */
static int
poll_guids(struct store_txn *txn, const struct fed_entity *pe, const struct store_post *p,
           struct pod_arena *a)
{
    struct store_poll *ids = pod_arena_alloc(a, sizeof *ids);
    const char *g = fed_entity_get(pe, "guid");
    int rc;

    if (!ids)
        return POD_ERR_NOMEM;
    memset(ids, 0, sizeof *ids);
    if (!g || strlen(g) >= sizeof ids->guid)
        goto skip;
    memcpy(ids->guid, g, strlen(g) + 1);
    for (size_t i = 0; i < pe->count; i++) {
        const struct fed_entity *ans = pe->fields[i].entity;

        if (!ans || strcmp(pe->fields[i].name, "poll_answer") != 0)
            continue;
        g = fed_entity_get(ans, "guid");
        if (ids->answer_count == STORE_POLL_MAX_ANSWERS || !g ||
            strlen(g) >= sizeof ids->answer_guids[0])
            goto skip;
        memcpy(ids->answer_guids[ids->answer_count++], g, strlen(g) + 1);
    }
    rc = store_poll_set_guids(txn, p->id, ids);
    if (rc == POD_OK || rc == POD_ERR_NOTFOUND)
        return POD_OK;
    if (rc != POD_ERR_INVAL && rc != POD_ERR_EXISTS)
        return rc;
skip:
    LOG_INFO("federation", "post %s: its poll keeps no GUID (unusable or taken)", p->guid);
    return POD_OK;
}

int
social_fed_store_photos(struct store_txn *txn, const struct social_fed_in *in,
                        const struct store_post *p, struct pod_arena *a, char *why, size_t why_len)
{
    const struct fed_entity *e = in->entity;
    const struct fed_entity *pe = fed_entity_get_entity(e, "poll");
    uint32_t stored = 0;
    int rc = POD_OK;

    for (size_t i = 0; rc == POD_OK && i < e->count; i++) {
        const struct fed_entity *ph = e->fields[i].entity;

        if (!ph || strcmp(e->fields[i].name, "photo") != 0)
            continue;
        /* §3.2: each photo's author is the post's. */
        if (!social_fed_same_did(fed_entity_get(ph, "author"), in->sender->diaspora_id)) {
            pod_why(why, why_len, "a photo of post %s is not by its author", p->guid);
            return POD_ERR_AUTH;
        }
        if (stored == STORE_POST_MAX_PHOTOS) {
            LOG_INFO("federation", "post %s: photos past %d left out", p->guid,
                     STORE_POST_MAX_PHOTOS);
            break;
        }
        rc = store_one_photo(txn, ph, p, in->now);
        stored++;
    }
    if (rc == POD_OK && pe)
        rc = poll_guids(txn, pe, p, a);
    if (rc != POD_OK)
        pod_why(why, why_len, "cannot store the photos of post %s: %s", p->guid, pod_strerror(rc));
    return rc;
}

/* ------------------------------------------------------------ votes */

int
social_fed_apply_poll_participation(struct store_txn *txn, const struct social_fed_in *in,
                                    struct pod_arena *a, char *why, size_t why_len)
{
    const struct fed_entity *e = in->entity;
    const struct store_person *author = social_fed_relayable_author(in);
    const char *parent = fed_entity_get(e, "parent_guid");
    const char *answer = fed_entity_get(e, "poll_answer_guid");
    struct store_poll *poll = pod_arena_alloc(a, sizeof *poll);
    uint32_t counts[STORE_POLL_MAX_ANSWERS], idx;
    struct store_person root;
    struct store_post post;
    uint64_t post_id;
    int32_t own;
    int rc;

    if (!poll)
        return POD_ERR_NOMEM;
    if (!author) {
        pod_why(why, why_len, "the poll_participation author is not known");
        return POD_ERR_AUTH;
    }
    rc = store_poll_get_by_guid(txn, parent, &post_id, poll);
    if (rc == POD_OK)
        rc = store_post_get(txn, post_id, a, &post);
    if (rc != POD_OK) {
        pod_why(why, why_len, "poll %s unknown", parent ? parent : "");
        return rc;
    }
    rc = social_fed_relayable_check(txn, in, author, &post, a, why, why_len);
    if (rc != POD_OK)
        return rc;
    for (idx = 0; idx < poll->answer_count; idx++)
        if (answer && strcmp(poll->answer_guids[idx], answer) == 0)
            break;
    if (idx == poll->answer_count) {
        pod_why(why, why_len, "poll %s has no answer %s", parent, answer ? answer : "");
        return POD_ERR_INVAL;
    }
    rc = store_person_get(txn, post.author, &root);
    if (rc != POD_OK)
        return rc;
    /* Only those who may see a local limited post vote on it. */
    if (root.username[0] && !post.public && author->id != post.author &&
        !store_post_is_shared_with(txn, post.id, author->id)) {
        pod_why(why, why_len, "%s may not see post %s", author->diaspora_id, post.guid);
        return POD_ERR_AUTH;
    }
    rc = store_poll_tally(txn, post.id, author->id, counts, &own);
    if (rc != POD_OK)
        return rc;
    if (own >= 0)
        return POD_OK; /* delivered before, or one vote per person */
    if (author->username[0]) {
        pod_why(why, why_len, "unknown vote of the local %s", author->diaspora_id);
        return POD_ERR_AUTH;
    }
    rc = store_poll_vote(txn, post.id, author->id, idx);
    /* On a local post we are the root's pod: pass it on (§6.3). */
    if (rc == POD_OK)
        rc = fed_outbound_relay(txn, e, &post, author->id, a);
    if (rc != POD_OK)
        pod_why(why, why_len, "cannot store vote %s: %s", fed_entity_get(e, "guid"),
                pod_strerror(rc));
    return rc;
}
