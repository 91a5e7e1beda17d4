/*
 * fetch.c - GET /fetch/TYPE/GUID (docs/diaspora-federation.md §8): other
 * pods fetch a public entity they do not know (the parent of a relayable,
 * a reshare's root, a diaspora:// link).
 *
 * TYPE is what diaspora* answers: "post", "status_message" and "reshare"
 * all look up a post of either kind (as its Post.all_public lookup does),
 * "comment" a comment, public when its post is, and "poll" the whole
 * status message that holds the poll (what a pod asks for when a vote
 * arrives before the poll). Anything else (like, photo, ...), a GUID
 * that is malformed or unknown, and anything
 * limited get 404, all with the same answer so nothing is told about
 * limited objects.
 *
 * An entity whose author is local is answered 200 with its Magic Envelope
 * signed by the author (application/magic-envelope+xml), built exactly as
 * the outbox task builds a public delivery (federation/outbound.h for the
 * entity XML, task_fed_outbox_prepare for the relayable author_signature
 * and the envelope). A remote author's entity is answered 302 to
 * AUTHOR_POD/fetch/TYPE/GUID (the type as asked), as Rails' redirect_to
 * does; 404 when that pod's URL is unknown. A local author whose key is
 * still being made gets 503 with Retry-After.
 */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/ids.h"
#include "core/log.h"
#include "federation/envelope.h"
#include "federation/outbound.h"
#include "http/url.h"
#include "store/fed_outbox.h"
#include "store/people.h"
#include "store/posts.h"
#include "task/fed_outbox_task.h"
#include "web/handler_kit.h"
#include "web/handlers.h"
#include "web/reply.h"
#include "web/server.h"

#define NOT_FOUND "No public entity of that type and GUID here."

enum fetch_kind {
    FETCH_NONE,
    FETCH_POST,
    FETCH_COMMENT,
    FETCH_POLL,
};

static enum fetch_kind
fetch_kind_of(const char *type)
{
    if (strcmp(type, "post") == 0 || strcmp(type, "status_message") == 0 ||
        strcmp(type, "reshare") == 0)
        return FETCH_POST;
    if (strcmp(type, "comment") == 0)
        return FETCH_COMMENT;
    if (strcmp(type, "poll") == 0)
        return FETCH_POLL;
    return FETCH_NONE;
}

/* The entity XML of the public object kind/guid into *xml / *len and its
 * author into *author. POD_ERR_NOTFOUND when there is no such public
 * object. */
static int
entity_of(struct store_txn *txn, enum fetch_kind kind, const char *guid, struct pod_arena *a,
          char **xml, size_t *len, uint64_t *author)
{
    struct store_comment c;
    struct store_post p;
    int rc;

    if (kind == FETCH_COMMENT) {
        rc = store_comment_get_by_guid(txn, guid, a, &c);
        if (rc == POD_OK)
            rc = store_post_get(txn, c.post, a, &p);
        if (rc == POD_OK && !p.public)
            rc = POD_ERR_NOTFOUND;
        if (rc == POD_OK) {
            *author = c.author;
            rc = fed_outbound_comment_xml(txn, &c, &p, a, xml, len);
        }
        return rc;
    }
    if (kind == FETCH_POLL) {
        uint64_t post = 0;

        rc = store_poll_get_by_guid(txn, guid, &post, NULL);
        if (rc == POD_OK)
            rc = store_post_get(txn, post, a, &p);
    } else {
        rc = store_post_get_by_guid(txn, guid, a, &p);
    }
    if (rc == POD_OK && !p.public)
        rc = POD_ERR_NOTFOUND;
    if (rc != POD_OK)
        return rc;
    *author = p.author;
    if (p.type == STORE_POST_RESHARE)
        return fed_outbound_reshare_xml(txn, &p, a, xml, len);
    return fed_outbound_post_xml(txn, &p, a, xml, len);
}

/* AUTHOR_POD/fetch/type/guid of remote person who into url; false when
 * their pod URL is unusable. */
static bool
remote_url(const struct store_person *who, const char *type, const char *guid, char *url,
           size_t cap)
{
    struct http_url u;
    int n;

    if (!who->pod_url[0] || http_url_parse(who->pod_url, strlen(who->pod_url), &u) != POD_OK)
        return false;
    n = snprintf(u.path, sizeof u.path, "/fetch/%s/%s", type, guid);
    return n > 0 && (size_t)n < sizeof u.path && http_url_format(&u, url, cap) == POD_OK;
}

int
page_fetch(struct web_req *req)
{
    const char *type = req->params[0], *guid = req->params[1], *ctype = NULL;
    enum fetch_kind kind = fetch_kind_of(type);
    struct store_outbox_job job;
    struct store_person who;
    struct store_txn *txn;
    char why[256] = "", url[HTTP_URL_MAX + 1];
    char *xml = NULL, *body = NULL;
    size_t len = 0, body_len = 0;
    uint64_t author = 0;
    int rc;

    /* The type is one of ours and the GUID safe to echo: both go into a
     * redirect URL unescaped. */
    if (kind == FETCH_NONE || strlen(guid) > STORE_GUID_MAX || !pod_guid_valid(guid))
        return web_reply_error(req, 404, NOT_FOUND);
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    rc = entity_of(txn, kind, guid, &req->arena, &xml, &len, &author);
    if (rc == POD_OK)
        rc = store_person_get(txn, author, &who);
    if (rc == POD_OK && !who.username[0]) {
        store_txn_abort(txn);
        if (!remote_url(&who, type, guid, url, sizeof url))
            return web_reply_error(req, 404, NOT_FOUND);
        return web_reply_redirect(req, 302, url);
    }
    if (rc == POD_OK) {
        memset(&job, 0, sizeof job);
        job.kind = STORE_OUTBOX_PUBLIC;
        job.author = author;
        job.payload = xml;
        job.payload_len = len;
        rc = task_fed_outbox_prepare(txn, &job, &req->arena, &body, &body_len, &ctype, why,
                                     sizeof why);
        if (rc == POD_ERR_NOTFOUND) {
            store_txn_abort(txn);
            /* A local author without a key yet (made just after sign-up). */
            return web_reply_error_hdr(req, 503, "The author's key is still being made.",
                                       "Retry-After: 10\r\n");
        }
    }
    store_txn_abort(txn);
    if (rc == POD_ERR_NOTFOUND)
        return web_reply_error(req, 404, NOT_FOUND);
    if (rc != POD_OK) {
        LOG_WARN("federation", "fetch %s/%s: %s", type, guid, why[0] ? why : pod_strerror(rc));
        return web_reply_error(req, 500, "The entity could not be made.");
    }
    return web_reply(req, 200, FED_ENVELOPE_CONTENT_TYPE, body, body_len, NULL);
}
