/*
 * social.c - the JSON endpoints of the social core that diaspora* clients
 * call (docs/web-api.md §1.3): the current user (bookmarklet), streams,
 * posts, comments, likes, reshares, aspects, contacts, people, blocks.
 * The writes go through social/actions.h; the shapes through present.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/visibility.h"
#include "drivers/clock/clock.h"
#include "federation/discovery_client.h"
#include "social/actions.h"
#include "store/contacts.h"
#include "store/conversations.h"
#include "store/notifications.h"
#include "store/people.h"
#include "store/posts.h"
#include "task/keygen.h"
#include "web/handler_kit.h"
#include "web/handlers.h"
#include "web/html.h"
#include "web/i18n.h"
#include "web/present.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"
#include "web/ui.h"

#define STREAM_PAGE 15
#define STREAM_SCAN 300 /* index entries read at most for one page */

/* Maps an action's error to an answer. */
static int
reply_action_error(struct web_req *req, int rc, const char *why)
{
    switch (rc) {
    case POD_ERR_NOTFOUND:
        return web_reply_error(req, 404, "Not found.");
    case POD_ERR_AUTH:
        return web_reply_error(req, 403, "You may not do that.");
    case POD_ERR_EXISTS:
        return web_reply_error(req, 422, "That was done already.");
    case POD_ERR_INVAL:
    case POD_ERR_LIMIT:
        return web_reply_error(req, 422, why && *why ? why : "The request was not valid.");
    case POD_ERR_FULL:
        return web_reply_error(req, 507,
                               "The pod's storage is full, so nothing new can be saved. Reading "
                               "still works; ask the administrator to free some space.");
    default:
        return web_reply_error(req, 500, "The pod could not do that.");
    }
}

/* ------------------------------------------------------------ current user */

struct aspects_json {
    cJSON *arr;
};

static int
aspect_to_json(const struct store_aspect *a, void *ctx)
{
    struct aspects_json *aj = ctx;
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "id", (double)a->id);
    cJSON_AddStringToObject(o, "name", a->name);
    cJSON_AddBoolToObject(o, "selected", false);
    cJSON_AddItemToArray(aj->arr, o);
    return 0;
}

struct counter {
    unsigned n;
};

static int
count_sharing(const struct store_contact *c, void *ctx)
{
    if (c->sharing)
        ((struct counter *)ctx)->n++;
    return 0;
}

/* UserPresenter: the signed-in user as gon.user carries it. */
static cJSON *
current_user_json(struct web_req *req, struct store_txn *txn)
{
    uint64_t me = web_viewer(req);
    cJSON *o = present_person(req, txn, me);
    struct aspects_json aj;
    struct counter following = {0};
    uint32_t notes = 0, messages = 0;

    if (!o)
        return NULL;
    store_notifications_unread(txn, me, &notes, NULL);
    store_conversations_unread(txn, me, &messages);
    cJSON_AddNumberToObject(o, "notifications_count", notes);
    cJSON_AddNumberToObject(o, "unread_messages_count", messages);
    cJSON_AddBoolToObject(o, "admin", req->session->user.admin);
    cJSON_AddBoolToObject(o, "moderator", false);
    aj.arr = cJSON_AddArrayToObject(o, "aspects");
    store_aspects_each(txn, me, aspect_to_json, &aj);
    store_contacts_each(txn, me, count_sharing, &following);
    cJSON_AddNumberToObject(o, "following_count", following.n);
    return o;
}

/* What a bookmarklet shares: "### title" (or the URL), the notes quoted,
 * and the URL (query fields title, url, notes, as diaspora*'s). */
static const char *
bookmarklet_text(struct web_req *req)
{
    const char *title = web_query_value(req, "title");
    const char *url = web_query_value(req, "url");
    const char *notes = web_query_value(req, "notes");

    if (!title && !url && !notes)
        return NULL;
    return pod_arena_printf(&req->arena, "%s%s%s%s%s%s%s", title && *title ? "### " : "",
                            title ? title : "", title && *title ? "\n\n" : "",
                            notes && *notes ? "> " : "", notes ? notes : "",
                            notes && *notes ? "\n\n" : "", url ? url : "");
}

int
page_bookmarklet(struct web_req *req)
{
    struct store_txn *txn;
    struct html h;
    cJSON *user;
    char *json;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    user = current_user_json(req, txn);
    json = user ? cJSON_PrintUnformatted(user) : NULL;
    cJSON_Delete(user);
    if (!json) {
        store_txn_abort(txn);
        return web_reply_error(req, 500, "The page could not be made.");
    }
    html_init(&h, req);
    html_page_begin(&h, T("Share"));
    /* gon's layout, on one line, as diaspora* clients scrape it; in a
     * comment, not a script: pages run no inline script (CSP). '<', '>'
     * and '&' are escaped as JSON allows, so nothing can end the comment. */
    html_raw(&h, "<!-- window.gon={};gon.user=");
    for (const char *p = json; *p; p++) {
        if (*p == '<' || *p == '>' || *p == '&')
            html_printf(&h, "\\u%04x", (unsigned)*p);
        else
            html_printf(&h, "%c", *p);
    }
    html_raw(&h, ";gon.appConfig={};gon.preloads={}; -->\n<h1>");
    html_text(&h, T("Share"));
    html_raw(&h, "</h1>");
    /* The bookmarklet of other sites opens this page with what to share. */
    ui_publisher(&h, txn, web_viewer(req), 0, bookmarklet_text(req), "/stream");
    store_txn_abort(txn);
    cJSON_free(json);
    html_page_end(&h);
    return web_reply_html(req, 200, &h);
}

/* ------------------------------------------------------------ streams */

enum stream_kind {
    STREAM_MAIN,
    STREAM_PUBLIC,
    STREAM_AUTHOR,
    STREAM_TAG,
    STREAM_COMMENTED,
    STREAM_LIKED,
    STREAM_ASPECTS,
    STREAM_WALK, /* another file's index walk (web_reply_stream) */
};

struct page {
    struct web_req *req;
    struct store_txn *txn;
    uint64_t viewer;
    cJSON *arr;
    size_t count;
    const uint64_t *aspect_people; /* STREAM_ASPECTS: authors allowed */
    size_t aspect_people_count;
    int64_t last_t;   /* index position of the last post given: the */
    uint64_t last_id; /* next page starts after it */
};

static int
page_add(uint64_t post_id, int64_t created_at, void *ctx)
{
    struct page *pg = ctx;
    struct store_post p;
    struct pod_post_facts f;
    bool ok;

    if (store_post_get(pg->txn, post_id, &pg->req->arena, &p) != POD_OK)
        return 0;
    social_post_facts(pg->txn, &p, pg->viewer, &f);
    if (!pod_post_listed(&f, pg->viewer))
        return 0;
    if (pg->aspect_people) {
        ok = p.author == pg->viewer;
        for (size_t i = 0; !ok && i < pg->aspect_people_count; i++)
            ok = pg->aspect_people[i] == p.author;
        if (!ok)
            return 0;
    }
    cJSON_AddItemToArray(pg->arr, present_post(pg->req, pg->txn, &p, pg->viewer, false));
    pg->last_t = created_at;
    pg->last_id = post_id;
    return ++pg->count == STREAM_PAGE ? 1 : 0;
}

struct people_set {
    uint64_t ids[1024];
    size_t count;
};

static int
add_aspect_member(const struct store_membership *m, void *ctx)
{
    struct people_set *s = ctx;

    if (s->count < sizeof s->ids / sizeof s->ids[0])
        s->ids[s->count++] = m->person;
    return 0;
}

/* One page of kind (walk reads the index when given), filtered by page_add. */
/* How a stream looks as a page (JSON clients get the array only). */
struct stream_look {
    const char *title;
    const char *intro; /* may be NULL */
    bool publisher;    /* the publisher above the posts */
};

static int
reply_stream_walk(struct web_req *req, enum stream_kind kind, uint64_t who, const char *tag,
                  web_stream_walk_fn walk, const struct stream_look *look)
{
    uint64_t one_aspect = 0;
    const char *mt = web_query_value(req, "max_time");
    const char *bid = web_query_value(req, "before_id");
    int64_t max_time = INT64_MAX;
    uint64_t before_id = UINT64_MAX;
    struct page pg = {.req = req, .viewer = web_viewer(req)};
    struct people_set *members = NULL;
    struct store_txn *txn;
    char *end;
    int rc = 0;

    if (mt && *mt) {
        long long v = strtoll(mt, &end, 10);
        if (*end)
            return web_reply_json_error(req, 400, "max_time must be a number of seconds.");
        max_time = v;
        /* diaspora*'s max_time alone means strictly older; the pages' "more"
         * links add before_id, the last post shown, so that posts of the same
         * second are not skipped. */
        before_id = 0;
        if (bid && *bid) {
            unsigned long long b = strtoull(bid, &end, 10);
            if (*end || *bid == '-')
                return web_reply_json_error(req, 400, "before_id must be a post id.");
            before_id = b;
        }
    }
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    pg.txn = txn;
    pg.arr = cJSON_CreateArray();
    if (kind == STREAM_ASPECTS) {
        members = pod_arena_alloc(&req->arena, sizeof *members);
        if (!members) {
            store_txn_abort(txn);
            cJSON_Delete(pg.arr);
            return web_reply_error(req, 500, "Out of memory");
        }
        members->count = 0;
        for (size_t i = 0; i < req->query.count; i++) {
            struct store_aspect a;
            if (strcmp(req->query.fields[i].name, "a_ids[]") != 0)
                continue;
            if (store_aspect_get(txn, web_parse_id(req->query.fields[i].value), &a) == POD_OK &&
                a.owner == pg.viewer) {
                store_memberships_of_aspect(txn, a.id, add_aspect_member, members);
                one_aspect = one_aspect ? UINT64_MAX : a.id;
            }
        }
        pg.aspect_people = members->ids;
        pg.aspect_people_count = members->count;
    }
    switch (kind) {
    case STREAM_MAIN:
        /* The inbox merged with the followed tags' posts. */
        rc = web_stream_followed(txn, pg.viewer, max_time, before_id, true, STREAM_SCAN, page_add,
                                 &pg);
        break;
    case STREAM_ASPECTS:
        rc = store_stream_inbox(txn, pg.viewer, max_time, before_id, STREAM_SCAN, page_add, &pg);
        break;
    case STREAM_WALK:
        rc = walk(txn, pg.viewer, max_time, before_id, STREAM_SCAN, page_add, &pg);
        break;
    case STREAM_PUBLIC:
        rc = store_stream_public(txn, max_time, before_id, STREAM_SCAN, page_add, &pg);
        break;
    case STREAM_AUTHOR:
        rc = store_stream_author(txn, who, max_time, before_id, STREAM_SCAN, page_add, &pg);
        break;
    case STREAM_TAG:
        rc = store_stream_tag(txn, tag, max_time, before_id, STREAM_SCAN, page_add, &pg);
        break;
    case STREAM_COMMENTED:
        rc =
            store_stream_commented(txn, pg.viewer, max_time, before_id, STREAM_SCAN, page_add, &pg);
        break;
    case STREAM_LIKED:
        rc = store_stream_liked(txn, pg.viewer, max_time, before_id, STREAM_SCAN, page_add, &pg);
        break;
    }
    store_txn_abort(txn);
    if (rc < 0) {
        cJSON_Delete(pg.arr);
        return web_reply_error(req, 500, "The stream could not be read.");
    }
    if (!req->json && look)
        return ui_reply_stream(req, look->title, look->intro, look->publisher,
                               one_aspect == UINT64_MAX ? 0 : one_aspect, pg.arr,
                               pg.count == STREAM_PAGE ? pg.last_t : 0, pg.last_id);
    return web_reply_json(req, 200, pg.arr);
}

static int
reply_stream(struct web_req *req, enum stream_kind kind, uint64_t who, const char *tag,
             const struct stream_look *look)
{
    return reply_stream_walk(req, kind, who, tag, NULL, look);
}

int
web_reply_stream(struct web_req *req, web_stream_walk_fn walk, const char *title, const char *intro)
{
    struct stream_look look = {title, intro, false};

    return walk ? reply_stream_walk(req, STREAM_WALK, 0, NULL, walk, &look)
                : web_reply_error(req, 500, "No stream.");
}

int
page_stream(struct web_req *req)
{
    struct stream_look look = {T("Stream"), NULL, true};
    int rc = web_need_session(req);

    return rc ? rc : reply_stream(req, STREAM_MAIN, 0, NULL, &look);
}

int
page_public_stream(struct web_req *req)
{
    struct stream_look look = {T("Public"), T("Public posts from this pod and the pods it knows."),
                               false};

    return reply_stream(req, STREAM_PUBLIC, 0, NULL, &look);
}

static int
signed_in_stream(struct web_req *req, enum stream_kind kind, const struct stream_look *look)
{
    int rc = web_need_session(req);

    return rc ? rc : reply_stream(req, kind, 0, NULL, look);
}

int
page_activity_stream(struct web_req *req)
{
    struct stream_look look = {T("My activity"), T("Posts you commented on."), false};

    return signed_in_stream(req, STREAM_COMMENTED, &look);
}

int
page_commented_stream(struct web_req *req)
{
    struct stream_look look = {T("Commented"), T("Posts you commented on."), false};

    return signed_in_stream(req, STREAM_COMMENTED, &look);
}

int
page_liked_stream(struct web_req *req)
{
    struct stream_look look = {T("Liked"), T("Posts you liked."), false};

    return signed_in_stream(req, STREAM_LIKED, &look);
}

int
page_aspects_stream(struct web_req *req)
{
    struct stream_look look = {T("My aspects"), NULL, true};

    return signed_in_stream(req, STREAM_ASPECTS, &look);
}

int
page_tag_stream(struct web_req *req)
{
    struct stream_look look = {NULL, NULL, false};
    char tag[128];
    size_t n = strlen(req->params[0]);

    if (n == 0 || n >= sizeof tag)
        return web_reply_error(req, 404, "No such tag.");
    for (size_t i = 0; i <= n; i++) {
        char c = req->params[0][i];
        tag[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    /* Browsers get the page with a follow button (tagpage.c). */
    if (!req->json)
        return web_tag_page(req, tag);
    look.title = pod_arena_printf(&req->arena, "#%s", tag);
    return reply_stream(req, STREAM_TAG, 0, tag, &look);
}

int
page_person_stream(struct web_req *req)
{
    struct store_txn *txn = web_txn_begin(req, false);
    struct store_person p;
    struct stream_look look = {NULL, NULL, false};
    int rc;

    if (!txn)
        return req->status;
    rc = store_person_get_by_guid(txn, req->params[0], &p);
    if (rc == POD_OK)
        look.title = present_person_name(req, txn, &p);
    store_txn_abort(txn);
    if (rc != POD_OK)
        return web_reply_error(req, 404, "Nobody with that ID is known here.");
    return reply_stream(req, STREAM_AUTHOR, p.id, NULL, &look);
}

void
web_stream_cursor_from_query(struct web_req *req, struct web_stream_cursor *cur)
{
    const char *mt = web_query_value(req, "max_time");
    const char *bid = web_query_value(req, "before_id");
    char *end;
    long long t;
    unsigned long long id;

    cur->max_time = INT64_MAX;
    cur->before_id = UINT64_MAX;
    if (!mt || !*mt)
        return;
    t = strtoll(mt, &end, 10);
    if (*end)
        return;
    cur->max_time = t;
    cur->before_id = 0;
    if (bid && *bid && *bid != '-') {
        id = strtoull(bid, &end, 10);
        if (!*end)
            cur->before_id = id;
    }
}

/* One page of an author's or a tag's posts for another file's page. */
static int
posts_json(struct web_req *req, struct store_txn *txn, enum stream_kind kind, uint64_t who,
           const char *tag, struct web_stream_cursor *cur, cJSON **out)
{
    struct page pg = {.req = req, .txn = txn, .viewer = web_viewer(req)};
    int rc;

    *out = NULL;
    pg.arr = cJSON_CreateArray();
    if (!pg.arr)
        return POD_ERR_NOMEM;
    if (kind == STREAM_TAG)
        rc = store_stream_tag(txn, tag, cur->max_time, cur->before_id, STREAM_SCAN, page_add, &pg);
    else
        rc = store_stream_author(txn, who, cur->max_time, cur->before_id, STREAM_SCAN, page_add,
                                 &pg);
    if (rc < 0) {
        cJSON_Delete(pg.arr);
        return rc;
    }
    cur->max_time = pg.count == STREAM_PAGE ? pg.last_t : 0;
    cur->before_id = pg.last_id;
    *out = pg.arr;
    return POD_OK;
}

int
web_person_posts_json(struct web_req *req, struct store_txn *txn, uint64_t person,
                      struct web_stream_cursor *cur, cJSON **out)
{
    return posts_json(req, txn, STREAM_AUTHOR, person, NULL, cur, out);
}

int
web_tag_posts_json(struct web_req *req, struct store_txn *txn, const char *tag,
                   struct web_stream_cursor *cur, cJSON **out)
{
    return posts_json(req, txn, STREAM_TAG, 0, tag, cur, out);
}

/* ------------------------------------------------------------ posts */

/* aspect_ids from JSON ("public", "all_aspects", [ids]) or a form. */
static int
read_audience(struct web_req *req, struct social_new_post *np, uint64_t *ids, size_t cap)
{
    const cJSON *a =
        req->json_body ? cJSON_GetObjectItemCaseSensitive(req->json_body, "aspect_ids") : NULL;
    const char *form = web_form_value(req, "aspect_ids");

    np->public = false;
    np->all_aspects = false;
    np->aspect_ids = ids;
    np->aspect_count = 0;
    if (cJSON_IsString(a))
        form = a->valuestring;
    if (cJSON_IsArray(a)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, a)
        {
            uint64_t id = web_json_id(it);
            if (cJSON_IsString(it) && strcmp(it->valuestring, "public") == 0) {
                np->public = true;
                return POD_OK;
            }
            if (!id || np->aspect_count == cap)
                return POD_ERR_INVAL;
            ids[np->aspect_count++] = id;
        }
        return POD_OK;
    }
    if (!form || strcmp(form, "public") == 0) {
        np->public = true;
        return POD_OK;
    }
    if (strcmp(form, "all_aspects") == 0) {
        np->all_aspects = true;
        return POD_OK;
    }
    ids[0] = web_parse_id(form);
    np->aspect_count = 1;
    return ids[0] ? POD_OK : POD_ERR_INVAL;
}

/* "photos" of a new post: diaspy sends one id as a scalar, the web UI a
 * list; a form may send photos or photos[] fields. Ownership is checked
 * when the post is stored. */
static int
read_photos(struct web_req *req, struct social_new_post *np, uint64_t *ids, size_t cap)
{
    const cJSON *ph =
        req->json_body ? cJSON_GetObjectItemCaseSensitive(req->json_body, "photos") : NULL;
    const cJSON *it;
    uint64_t id;

    np->photo_ids = ids;
    np->photo_count = 0;
    if (!ph) {
        for (size_t i = 0; i < req->form.count; i++) {
            if (strcmp(req->form.fields[i].name, "photos") != 0 &&
                strcmp(req->form.fields[i].name, "photos[]") != 0)
                continue;
            id = web_parse_id(req->form.fields[i].value);
            if (!id || np->photo_count == cap)
                return POD_ERR_INVAL;
            ids[np->photo_count++] = id;
        }
        return POD_OK;
    }
    if (cJSON_IsNull(ph))
        return POD_OK;
    if (!cJSON_IsArray(ph)) {
        id = web_json_id(ph);
        if (!id)
            return POD_ERR_INVAL;
        ids[np->photo_count++] = id;
        return POD_OK;
    }
    cJSON_ArrayForEach(it, ph)
    {
        id = web_json_id(it);
        if (!id || np->photo_count == cap)
            return POD_ERR_INVAL;
        for (size_t i = 0; i < np->photo_count; i++)
            if (ids[i] == id)
                id = 0;
        if (id)
            ids[np->photo_count++] = id;
    }
    return POD_OK;
}

/* Posts are signed with the author's key when they federate: until the
 * background task has made it (seconds after sign-up), posting waits. */
static bool
key_ready(struct web_req *req)
{
    struct store_txn *txn = NULL;
    char pem[8];
    int rc = POD_ERR_IO;

    if (store_txn_begin(req->server->store, false, &txn) == POD_OK) {
        rc = store_user_public_key_get(txn, req->session->user.username, pem, sizeof pem);
        store_txn_abort(txn);
    }
    /* A key that does not fit in 8 bytes exists (POD_ERR_LIMIT). */
    if (rc == POD_ERR_NOTFOUND)
        task_keygen_wake(req->server->cfg.keygen);
    return rc == POD_OK || rc == POD_ERR_LIMIT;
}

int
page_status_message_create(struct web_req *req)
{
    struct social_new_post np = {0};
    const struct web_form_field *file;
    uint64_t aspects[64], photos[STORE_POST_MAX_PHOTOS];
    struct store_post post;
    struct store_txn *txn;
    char why[160] = "";
    cJSON *json;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    np.text = web_json_value(req, "status_message", "text");
    if (!np.text)
        np.text = web_form_value(req, "status_message[text]");
    np.provider = web_json_value(req, "status_message", "provider_display_name");
    if (read_audience(req, &np, aspects, 64) != POD_OK)
        return web_reply_error(req, 422, "Unknown aspects.");
    if (read_photos(req, &np, photos, STORE_POST_MAX_PHOTOS) != POD_OK)
        return web_reply_error(req, 422, "Unknown photos, or more than 10.");
    if (web_read_poll_location(req, &np, why, sizeof why) != POD_OK)
        return web_reply_error(req, 422, why);
    if (!key_ready(req))
        return web_reply_error_hdr(req, 503,
                                   "Your account's key is still being made. Try again in a few "
                                   "seconds.",
                                   "Retry-After: 5\r\n");
    /* The web publisher without JavaScript sends its photo with the post. */
    file = web_form_field(&req->form, "file");
    if (file && file->value_len > 0) {
        struct store_photo ph;
        int status;
        if (np.photo_count == STORE_POST_MAX_PHOTOS)
            return web_reply_error(req, 422, "A post has at most 10 photos.");
        if (web_photo_save(req, (const uint8_t *)file->value, file->value_len, &ph, &status, why,
                           sizeof why) != POD_OK)
            return web_reply_error(req, status, why);
        photos[np.photo_count++] = ph.id;
    }
    if ((!np.text || !*np.text) && np.photo_count == 0)
        return web_reply_error(req, 422, "A post needs some text or a photo.");
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = social_post_create(txn, web_viewer(req), &np, &req->arena, &post, why, sizeof why);
    rc = web_txn_finish(txn, rc);
    if (rc != POD_OK)
        return reply_action_error(req, rc, why);
    LOG_INFO("web", "%s posted %s (%s)", req->session->user.username, post.guid,
             post.public ? "public" : "limited");
    if (!req->json)
        return ui_redirect_back(req, "/stream");
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    json = present_post(req, txn, &post, web_viewer(req), false);
    store_txn_abort(txn);
    return web_reply_json(req, 201, json);
}

/* The post page: the post with every comment and like. Its title is the
 * start of the text (one line, at most 60 bytes, not cut inside a UTF-8
 * character). Takes json. */
static int
reply_post_page(struct web_req *req, struct store_txn *txn, const struct store_post *p, cJSON *json)
{
    struct store_person author;
    const char *title = NULL;
    struct html h;
    size_t n;

    if (p->text && p->text[0]) {
        n = strcspn(p->text, "\r\n");
        if (n > 60) {
            n = 60;
            while (n > 0 && ((unsigned char)p->text[n] & 0xC0) == 0x80)
                n--;
        }
        title = pod_arena_strndup(&req->arena, p->text, n);
    }
    if ((!title || !*title) && store_person_get(txn, p->author, &author) == POD_OK)
        title = present_person_name(req, txn, &author);
    html_init(&h, req);
    html_page_begin(&h, title && *title ? title : T("Post"));
    html_raw(&h, "<h1 class=\"visually-hidden\">");
    html_text(&h, T("Post"));
    html_raw(&h, "</h1>");
    ui_post(&h, txn, json, web_viewer(req), true);
    cJSON_Delete(json);
    html_page_end(&h);
    return web_reply_html(req, 200, &h);
}

int
page_post_show(struct web_req *req)
{
    struct store_txn *txn = web_txn_begin(req, false);
    struct store_post p;
    cJSON *json = NULL;
    int rc;

    if (!txn)
        return req->status;
    rc = social_post_find(txn, req->params[0], web_viewer(req), &req->arena, &p);
    if (rc == POD_OK)
        json = present_post(req, txn, &p, web_viewer(req), true);
    if (rc == POD_OK && !req->json) {
        rc = reply_post_page(req, txn, &p, json);
        store_txn_abort(txn);
        return rc;
    }
    store_txn_abort(txn);
    if (rc != POD_OK)
        return web_reply_json_error(req, 404, "Not found.");
    return web_reply_json(req, 200, json);
}

/* "/posts/GUID" of p, in the arena. */
static const char *
post_path(struct web_req *req, const struct store_post *p)
{
    return pod_arena_printf(&req->arena, "/posts/%s", p->guid) ?: "/stream";
}

/* Finds the post of a URL for an action; answers 404 itself on failure. */
static int
post_for_action(struct web_req *req, struct store_txn *txn, struct store_post *p)
{
    int rc = social_post_find(txn, req->params[0], web_viewer(req), &req->arena, p);

    if (rc != POD_OK)
        web_reply_json_error(req, 404, "Not found.");
    return rc;
}

/* For actions on the post of the URL: checks the session, begins a write
 * transaction and finds the post the viewer may see. Returns 0 with *txn
 * open, or the status already answered. */
static int
begin_post_action(struct web_req *req, struct store_txn **txn, struct store_post *p)
{
    int rc = web_need_session(req);

    if (rc)
        return rc;
    *txn = web_txn_begin(req, true);
    if (!*txn)
        return req->status;
    if (post_for_action(req, *txn, p) != POD_OK) {
        store_txn_abort(*txn);
        return req->status;
    }
    return 0;
}

int
page_post_delete(struct web_req *req)
{
    struct store_txn *txn;
    struct store_post p;
    int rc = begin_post_action(req, &txn, &p);

    if (rc)
        return rc;
    rc = web_txn_finish(txn, social_post_delete(txn, web_viewer(req), p.id));
    if (rc != POD_OK)
        return reply_action_error(req, rc, NULL);
    if (!req->json)
        return web_reply_redirect(req, 302, "/stream");
    return web_reply(req, 204, "application/json", "", 0, NULL);
}

struct comment_list {
    struct web_req *req;
    struct store_txn *txn;
    cJSON *arr;
    uint64_t viewer;
};

static int
list_comment(const struct store_comment *c, void *ctx)
{
    struct comment_list *cl = ctx;

    if (cl->viewer && store_block_exists(cl->txn, cl->viewer, c->author))
        return 0;
    cJSON_AddItemToArray(cl->arr, present_comment(cl->req, cl->txn, c));
    return 0;
}

int
page_comments_index(struct web_req *req)
{
    struct store_txn *txn = web_txn_begin(req, false);
    struct comment_list cl = {.req = req, .viewer = web_viewer(req)};
    struct store_post p;

    if (!txn)
        return req->status;
    if (post_for_action(req, txn, &p) != POD_OK) {
        store_txn_abort(txn);
        return req->status;
    }
    cl.txn = txn;
    cl.arr = cJSON_CreateArray();
    store_comments_each(txn, p.id, &req->arena, list_comment, &cl);
    store_txn_abort(txn);
    return web_reply_json(req, 200, cl.arr);
}

int
page_comment_create(struct web_req *req)
{
    const char *text = web_form_value(req, "text");
    struct store_comment c;
    struct store_post p;
    struct store_txn *txn;
    char why[160] = "";
    cJSON *json;
    int rc;

    if (!text)
        text = web_json_value(req, "text", NULL);
    rc = begin_post_action(req, &txn, &p);
    if (rc)
        return rc;
    rc = web_txn_finish(txn, social_comment_create(txn, web_viewer(req), p.id, text, &req->arena,
                                                   &c, why, sizeof why));
    if (rc != POD_OK)
        return reply_action_error(req, rc, why);
    if (!req->json)
        return ui_redirect_back(req, post_path(req, &p));
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    json = present_comment(req, txn, &c);
    store_txn_abort(txn);
    return web_reply_json(req, 201, json);
}

int
page_comment_delete(struct web_req *req)
{
    struct store_txn *txn;
    struct store_post p;
    int rc = begin_post_action(req, &txn, &p);

    if (rc)
        return rc;
    rc = web_txn_finish(txn,
                        social_comment_delete(txn, web_viewer(req), web_parse_id(req->params[1])));
    if (rc != POD_OK)
        return reply_action_error(req, rc, NULL);
    if (!req->json)
        return ui_redirect_back(req, post_path(req, &p));
    return web_reply(req, 204, "application/json", "", 0, NULL);
}

int
page_like_create(struct web_req *req)
{
    struct store_like l;
    struct store_post p;
    struct store_txn *txn;
    cJSON *json;
    int rc = begin_post_action(req, &txn, &p);

    if (rc)
        return rc;
    rc = web_txn_finish(txn, social_like(txn, web_viewer(req), STORE_LIKE_POST, p.id, &l));
    if (rc != POD_OK)
        return reply_action_error(req, rc, NULL);
    if (!req->json)
        return ui_redirect_back(req, post_path(req, &p));
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    json = present_like(req, txn, &l);
    store_txn_abort(txn);
    return web_reply_json(req, 201, json);
}

int
page_like_delete(struct web_req *req)
{
    struct store_txn *txn;
    struct store_post p;
    int rc = begin_post_action(req, &txn, &p);

    if (rc)
        return rc;
    rc =
        web_txn_finish(txn, social_like_delete(txn, web_viewer(req), web_parse_id(req->params[1])));
    if (rc != POD_OK)
        return reply_action_error(req, rc, NULL);
    if (!req->json)
        return ui_redirect_back(req, post_path(req, &p));
    return web_reply(req, 204, "application/json", "", 0, NULL);
}

int
page_reshare_create(struct web_req *req)
{
    const char *root_guid = web_form_value(req, "root_guid");
    struct store_post root, post;
    struct store_txn *txn;
    cJSON *json;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (!root_guid)
        root_guid = web_json_value(req, "root_guid", NULL);
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = social_post_find(txn, root_guid, web_viewer(req), &req->arena, &root);
    if (rc == POD_OK)
        rc = social_reshare(txn, web_viewer(req), root.id, &req->arena, &post);
    rc = web_txn_finish(txn, rc);
    if (rc == POD_ERR_AUTH || rc == POD_ERR_EXISTS)
        return web_reply_json_error(req, 422, "That post cannot be reshared.");
    if (rc != POD_OK)
        return reply_action_error(req, rc, NULL);
    if (!req->json)
        return ui_redirect_back(req, post_path(req, &post));
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    json = present_post(req, txn, &post, web_viewer(req), true);
    store_txn_abort(txn);
    return web_reply_json(req, 201, json);
}

/* ------------------------------------------------------------ aspects */

int
page_aspect_create(struct web_req *req)
{
    struct store_aspect a = {0};
    const char *name = web_form_value(req, "aspect[name]");
    const char *visible = web_form_value(req, "aspect[contacts_visible]");
    struct store_txn *txn;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (!name)
        name = web_json_value(req, "name", NULL);
    if (!name)
        name = web_json_value(req, "aspect", "name");
    if (!visible)
        visible = web_json_value(req, "contacts_visible", NULL);
    if (!name || strlen(name) > STORE_ASPECT_NAME_BYTES)
        return web_reply_error(req, 422, "An aspect needs a name of at most 20 characters.");
    a.owner = web_viewer(req);
    snprintf(a.name, sizeof a.name, "%s", name);
    a.contacts_visible = visible && (!strcmp(visible, "1") || !strcmp(visible, "true"));
    a.created_at = drv_clock_wall();
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    return web_reply_aspect_saved(req, web_txn_finish(txn, store_aspect_add(txn, &a)), &a);
}

int
page_aspect_delete(struct web_req *req)
{
    uint64_t id = web_parse_id(req->params[0]);
    struct store_aspect a;
    struct store_txn *txn;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = store_aspect_get(txn, id, &a);
    if (rc == POD_OK && a.owner != web_viewer(req))
        rc = POD_ERR_NOTFOUND;
    if (rc == POD_OK)
        rc = store_aspect_delete(txn, id);
    rc = web_txn_finish(txn, rc);
    if (rc != POD_OK)
        return reply_action_error(req, rc, NULL);
    /* A browser's form goes back where it came from (303); clients get
     * diaspora*'s answer, a redirect to the contacts page. */
    if (!req->json && web_header(req, "Accept") && strstr(web_header(req, "Accept"), "text/html"))
        return ui_redirect_back(req, "/contacts");
    return web_reply_redirect(req, 302, "/contacts");
}

static cJSON *
membership_json(struct store_txn *txn, const struct store_membership *m)
{
    struct store_aspect a;
    cJSON *o = cJSON_CreateObject(), *asp;

    cJSON_AddNumberToObject(o, "id", (double)m->id);
    asp = cJSON_AddObjectToObject(o, "aspect");
    cJSON_AddNumberToObject(asp, "id", (double)m->aspect);
    if (store_aspect_get(txn, m->aspect, &a) == POD_OK)
        cJSON_AddStringToObject(asp, "name", a.name);
    return o;
}

int
page_membership_create(struct web_req *req)
{
    const char *aspect = web_json_value(req, "aspect_id", NULL);
    const char *person = web_json_value(req, "person_id", NULL);
    struct store_membership m;
    struct store_txn *txn;
    cJSON *json;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (!aspect)
        aspect = web_form_value(req, "aspect_id");
    if (!person)
        person = web_form_value(req, "person_id");
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = social_aspect_add_person(txn, web_viewer(req), web_parse_id(aspect), web_parse_id(person),
                                  &m);
    rc = web_txn_finish(txn, rc);
    if (rc == POD_ERR_EXISTS)
        return web_reply_error(req, 409, "That person is in the aspect already.");
    if (rc != POD_OK)
        return reply_action_error(req, rc, NULL);
    if (!req->json)
        return ui_redirect_back(req, "/contacts");
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    json = membership_json(txn, &m);
    store_txn_abort(txn);
    return web_reply_json(req, 200, json);
}

int
page_membership_delete(struct web_req *req)
{
    struct store_membership m;
    struct store_txn *txn;
    cJSON *json = NULL;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = store_membership_get(txn, web_parse_id(req->params[0]), &m);
    if (rc == POD_OK) {
        json = membership_json(txn, &m);
        rc = social_aspect_remove_membership(txn, web_viewer(req), m.id);
    }
    rc = web_txn_finish(txn, rc);
    if (rc != POD_OK) {
        cJSON_Delete(json);
        return reply_action_error(req, rc, NULL);
    }
    if (!req->json) {
        cJSON_Delete(json);
        return ui_redirect_back(req, "/contacts");
    }
    return web_reply_json(req, 200, json);
}

/* ------------------------------------------------------------ contacts and people */

struct contacts_page {
    struct web_req *req;
    struct store_txn *txn;
    cJSON *arr;
    uint64_t aspect; /* a_id filter, 0 = all */
    bool only_sharing;
};

struct membership_arr {
    struct store_txn *txn;
    cJSON *arr;
    uint64_t aspect;
    bool found;
};

static int
membership_into(const struct store_membership *m, void *ctx)
{
    struct membership_arr *ma = ctx;

    cJSON_AddItemToArray(ma->arr, membership_json(ma->txn, m));
    if (m->aspect == ma->aspect)
        ma->found = true;
    return 0;
}

static int
contact_into(const struct store_contact *c, void *ctx)
{
    struct contacts_page *cp = ctx;
    struct membership_arr ma = {cp->txn, NULL, cp->aspect, false};
    cJSON *o, *person;

    if (cp->only_sharing && !c->receiving)
        return 0;
    if (!c->sharing && !c->receiving)
        return 0;
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)c->id);
    cJSON_AddNumberToObject(o, "person_id", (double)c->person);
    ma.arr = cJSON_AddArrayToObject(o, "aspect_memberships");
    store_memberships_of_person(cp->txn, c->owner, c->person, membership_into, &ma);
    if (cp->aspect && !ma.found) {
        cJSON_Delete(o);
        return 0;
    }
    person = present_person(cp->req, cp->txn, c->person);
    if (person) {
        cJSON_AddStringToObject(person, "relationship",
                                c->sharing && c->receiving ? "mutual"
                                : c->sharing               ? "sharing"
                                                           : "receiving");
        cJSON_AddBoolToObject(person, "block", false);
        cJSON_AddBoolToObject(person, "is_own_profile", false);
    }
    cJSON_AddItemToObject(o, "person", person ? person : cJSON_CreateNull());
    cJSON_AddItemToArray(cp->arr, o);
    return 0;
}

int
page_contacts(struct web_req *req)
{
    const char *set = web_query_value(req, "set");
    struct contacts_page cp = {.req = req};
    int rc = web_need_session(req);

    if (rc)
        return rc;
    /* The page (contacts.c); diaspora* clients take a CSRF token from it. */
    if (!req->json)
        return web_contacts_page(req);
    cp.txn = web_txn_begin(req, false);
    if (!cp.txn)
        return req->status;
    cp.arr = cJSON_CreateArray();
    cp.aspect = web_parse_id(web_query_value(req, "a_id"));
    cp.only_sharing = set && strcmp(set, "only_sharing") == 0;
    store_contacts_each(cp.txn, web_viewer(req), contact_into, &cp);
    store_txn_abort(cp.txn);
    return web_reply_json(req, 200, cp.arr);
}

struct search_ctx {
    struct web_req *req;
    struct store_txn *txn;
    cJSON *arr;
};

static int
search_hit(const struct store_person *p, void *ctx)
{
    struct search_ctx *sc = ctx;
    cJSON *o = cJSON_CreateObject(), *person = present_person(sc->req, sc->txn, p->id);
    const cJSON *avatar = person ? cJSON_GetObjectItem(person, "avatar") : NULL;
    const cJSON *medium = avatar ? cJSON_GetObjectItem(avatar, "medium") : NULL;

    cJSON_AddNumberToObject(o, "id", (double)p->id);
    cJSON_AddStringToObject(o, "guid", p->guid);
    cJSON_AddStringToObject(o, "name", present_person_name(sc->req, sc->txn, p));
    cJSON_AddStringToObject(o, "avatar", cJSON_IsString(medium) ? medium->valuestring : "");
    cJSON_AddStringToObject(o, "handle", p->diaspora_id);
    cJSON_AddStringToObject(o, "url",
                            pod_arena_printf(&sc->req->arena, "/people/%s", p->guid) ?: "");
    cJSON_Delete(person);
    cJSON_AddItemToArray(sc->arr, o);
    return 0;
}

int
page_people_search(struct web_req *req)
{
    const char *q = web_query_value(req, "q");
    struct search_ctx sc = {.req = req};
    struct store_person *exact = NULL;
    const cJSON *hit;
    bool listed = false;
    char why[256];

    if (!req->json)
        return web_search_page(req);
    if (!q || strlen(q) < 2 || strlen(q) > 255)
        return web_reply_json(req, 200, cJSON_CreateArray());
    /* A diaspora* ID asked for by a signed-in person: find it on its pod
     * when this pod does not know it yet (known people cost no network).
     * Before the transaction: discovery talks to another pod. Refusals are
     * logged by discovery; the answer is then the usual, empty, list. */
    if (strchr(q, '@') && web_viewer(req) && req->server->cfg.discovery) {
        exact = pod_arena_alloc(&req->arena, sizeof *exact);
        if (exact &&
            fed_discover(req->server->cfg.discovery, q, 0, exact, why, sizeof why) != POD_OK)
            exact = NULL;
    }
    sc.txn = web_txn_begin(req, false);
    if (!sc.txn)
        return req->status;
    sc.arr = cJSON_CreateArray();
    store_person_search(sc.txn, q, 25, search_hit, &sc);
    /* A remote person asked for by exact ID is listed even when not
     * searchable by name (diaspora* shows a handle it was asked for);
     * local people keep the search's rule. */
    if (exact && !exact->username[0]) {
        cJSON_ArrayForEach(hit, sc.arr)
        {
            const cJSON *handle = cJSON_GetObjectItem(hit, "handle");
            listed |=
                cJSON_IsString(handle) && strcmp(handle->valuestring, exact->diaspora_id) == 0;
        }
        if (!listed && store_person_get(sc.txn, exact->id, exact) == POD_OK)
            search_hit(exact, &sc);
    }
    store_txn_abort(sc.txn);
    return web_reply_json(req, 200, sc.arr);
}

/* /people/GUID.json: PersonPresenter. */
int
web_person_json(struct web_req *req, const char *guid)
{
    struct store_txn *txn = web_txn_begin(req, false);
    struct store_person p;
    struct store_profile pr;
    struct store_contact c;
    struct membership_arr ma = {NULL, NULL, 0, false};
    cJSON *o, *profile, *avatar, *contact;
    uint64_t me = web_viewer(req);
    int rc;

    if (!txn)
        return req->status;
    rc = store_person_get_by_guid(txn, guid, &p);
    if (rc != POD_OK) {
        store_txn_abort(txn);
        return web_reply_json_error(req, 404, "Nobody with that ID is known here.");
    }
    o = present_person(req, txn, p.id);
    if (me && me != p.id && store_contact_get(txn, me, p.id, &c) == POD_OK) {
        contact = cJSON_AddObjectToObject(o, "contact");
        cJSON_AddNumberToObject(contact, "id", (double)c.id);
        cJSON_AddNumberToObject(contact, "person_id", (double)c.person);
        ma.txn = txn;
        ma.arr = cJSON_AddArrayToObject(contact, "aspect_memberships");
        store_memberships_of_person(txn, me, p.id, membership_into, &ma);
        cJSON_AddStringToObject(o, "relationship",
                                c.sharing && c.receiving ? "mutual"
                                : c.sharing              ? "sharing"
                                : c.receiving            ? "receiving"
                                                         : "not_sharing");
    } else {
        cJSON_AddBoolToObject(o, "contact", false);
        cJSON_AddStringToObject(o, "relationship", "not_sharing");
    }
    cJSON_AddBoolToObject(o, "block", me && store_block_exists(txn, me, p.id));
    cJSON_AddBoolToObject(o, "is_own_profile", me == p.id);
    profile = cJSON_AddObjectToObject(o, "profile");
    avatar = cJSON_Duplicate(cJSON_GetObjectItem(o, "avatar"), 1);
    cJSON_AddItemToObject(profile, "avatar", avatar);
    if (p.username[0] && store_profile_get(txn, p.username, &pr) == POD_OK &&
        (pr.public_details || me == p.id)) {
        cJSON *tags = cJSON_AddArrayToObject(profile, "tags");
        for (int i = 0; i < STORE_PROFILE_TAGS; i++)
            if (pr.tags[i][0])
                cJSON_AddItemToArray(tags, cJSON_CreateString(pr.tags[i]));
        cJSON_AddStringToObject(profile, "bio", pr.bio);
        cJSON_AddStringToObject(profile, "birthday", pr.birthday);
        cJSON_AddStringToObject(profile, "gender", pr.gender);
        cJSON_AddStringToObject(profile, "location", pr.location);
        cJSON_AddBoolToObject(o, "show_profile_info", true);
    } else {
        cJSON_AddItemToObject(profile, "tags", cJSON_CreateArray());
        cJSON_AddBoolToObject(o, "show_profile_info", false);
    }
    store_txn_abort(txn);
    return web_reply_json(req, 200, o);
}

int
page_block_create(struct web_req *req)
{
    const char *person = web_json_value(req, "block", "person_id");
    struct store_txn *txn;
    uint64_t id;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (!person)
        person = web_form_value(req, "block[person_id]");
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = web_txn_finish(txn, social_block(txn, web_viewer(req), web_parse_id(person), &id));
    if (rc != POD_OK && rc != POD_ERR_EXISTS)
        return reply_action_error(req, rc, NULL);
    if (!req->json)
        return ui_redirect_back(req, "/contacts");
    return web_reply(req, 204, "application/json", "", 0, NULL);
}

/* ------------------------------------------------------------ comment likes, participation */

int
page_comment_like_create(struct web_req *req)
{
    struct store_like l;
    struct store_txn *txn;
    cJSON *json;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    /* social_like checks that the comment's post is visible to the viewer. */
    rc = web_txn_finish(txn, social_like(txn, web_viewer(req), STORE_LIKE_COMMENT,
                                         web_parse_id(req->params[0]), &l));
    if (rc != POD_OK)
        return reply_action_error(req, rc, NULL);
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    json = present_like(req, txn, &l);
    store_txn_abort(txn);
    return web_reply_json(req, 201, json);
}

int
page_comment_like_delete(struct web_req *req)
{
    struct store_like l;
    struct store_txn *txn;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = store_like_get(txn, web_parse_id(req->params[1]), &l);
    if (rc == POD_OK &&
        (l.target_type != STORE_LIKE_COMMENT || l.target != web_parse_id(req->params[0])))
        rc = POD_ERR_NOTFOUND;
    if (rc == POD_OK)
        rc = social_like_delete(txn, web_viewer(req), l.id);
    rc = web_txn_finish(txn, rc);
    if (rc != POD_OK)
        return reply_action_error(req, rc, NULL);
    return web_reply(req, 204, "application/json", "", 0, NULL);
}

/* Follow (POST) or stop following (DELETE) a post's updates. */
int
page_participation(struct web_req *req)
{
    bool on = req->method != WEB_DELETE;
    struct store_post p;
    struct store_txn *txn;
    int rc = begin_post_action(req, &txn, &p);

    if (rc)
        return rc;
    if (!on && !store_participation_get(txn, web_viewer(req), p.id)) {
        store_txn_abort(txn);
        return web_reply_json_error(req, 422, "You do not follow this post.");
    }
    rc = web_txn_finish(txn, store_participation_set(txn, web_viewer(req), p.id, on));
    if (rc != POD_OK)
        return reply_action_error(req, rc, NULL);
    return web_reply(req, on ? 201 : 200, "application/json", "{}", 2, NULL);
}
