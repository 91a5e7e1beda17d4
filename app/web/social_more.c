/*
 * social_more.c - more of the social core's JSON endpoints
 * (docs/web-api.md #5, #8, #20, #37-#39): polls and locations on new
 * posts, poll votes, followed tags and their stream, the mentions stream,
 * tag search. Streams are answered by social.c (web_reply_stream), which
 * filters every post for the viewer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "core/log.h"
#include "social/actions.h"
#include "store/contacts.h"
#include "store/mentions.h"
#include "store/posts.h"
#include "web/handler_kit.h"
#include "web/handlers.h"
#include "web/i18n.h"
#include "web/people.h"
#include "web/ui.h"
#include "web/present.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"

#define MERGE_TAGS     32   /* followed tags merged into a stream at most */
#define MERGE_PER_SRC  100  /* index entries read per source for one page */
#define TAGGINGS_MAX   1000 /* taggings_count counts up to this */
#define TAG_SEARCH_MAX 50
#define TAG_SEARCH_DEF 10
#define COORD_MAX      31

/* ------------------------------------------------------------ helpers */

/* A field from the JSON body or else the form. */
static const char *
field(struct web_req *req, const char *name)
{
    const char *v = web_json_value(req, name, NULL);

    return v ? v : web_form_value(req, name);
}

/* A tag name as the store keeps it: without '#', ASCII lowercase, in the
 * arena. NULL when empty or longer than STORE_TAG_NAME_MAX. */
static char *
tag_normal(struct web_req *req, const char *in)
{
    size_t n;
    char *t;

    if (!in)
        return NULL;
    while (*in == '#')
        in++;
    n = strlen(in);
    if (n == 0 || n > STORE_TAG_NAME_MAX)
        return NULL;
    t = pod_arena_strdup(&req->arena, in);
    for (size_t i = 0; t && i < n; i++)
        if (t[i] >= 'A' && t[i] <= 'Z')
            t[i] = (char)(t[i] - 'A' + 'a');
    return t;
}

/* ------------------------------------------------------------ polls, locations */

/* A coordinate: a decimal number within [-bound, bound], copied to out. */
static bool
coord_ok(const char *s, size_t len, double bound, char out[COORD_MAX + 1])
{
    char *end;
    double v;

    while (len && *s == ' ')
        s++, len--;
    while (len && s[len - 1] == ' ')
        len--;
    if (len == 0 || len > COORD_MAX)
        return false;
    memcpy(out, s, len);
    out[len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (!strchr("0123456789.-+", out[i]))
            return false;
    v = strtod(out, &end);
    return *end == '\0' && v >= -bound && v <= bound;
}

static int
read_location(struct web_req *req, struct social_new_post *np, char *why, size_t why_len)
{
    const char *coords = field(req, "location_coords");
    const char *address = field(req, "location_address");
    const char *comma;
    char *lat, *lng;

    if (!coords || !*coords) {
        if (address && *address) {
            pod_why(why, why_len, "A location needs location_coords.");
            return POD_ERR_INVAL;
        }
        return POD_OK;
    }
    lat = pod_arena_alloc(&req->arena, COORD_MAX + 1);
    lng = pod_arena_alloc(&req->arena, COORD_MAX + 1);
    if (!lat || !lng)
        return POD_ERR_NOMEM;
    comma = strchr(coords, ',');
    if (!comma || !coord_ok(coords, (size_t)(comma - coords), 90, lat) ||
        !coord_ok(comma + 1, strlen(comma + 1), 180, lng)) {
        pod_why(why, why_len, "location_coords must be \"lat,lng\".");
        return POD_ERR_INVAL;
    }
    if (address && strlen(address) > STORE_ADDRESS_MAX) {
        pod_why(why, why_len, "The address has at most %d bytes.", STORE_ADDRESS_MAX);
        return POD_ERR_INVAL;
    }
    /* As diaspora*: the location is kept when it has an address. */
    np->address = address;
    np->lat = lat;
    np->lng = lng;
    return POD_OK;
}

static int
poll_answer_add(struct store_poll *poll, const char *s, char *why, size_t why_len)
{
    size_t n = s ? strlen(s) : 0;

    if (poll->answer_count == STORE_POLL_MAX_ANSWERS) {
        pod_why(why, why_len, "A poll has at most %d answers.", STORE_POLL_MAX_ANSWERS);
        return POD_ERR_INVAL;
    }
    if (n == 0 || n > STORE_POLL_TEXT_MAX) {
        pod_why(why, why_len, "Each answer has 1 to %d bytes.", STORE_POLL_TEXT_MAX);
        return POD_ERR_INVAL;
    }
    memcpy(poll->answers[poll->answer_count++], s, n + 1);
    return POD_OK;
}

static int
read_poll(struct web_req *req, struct social_new_post *np, char *why, size_t why_len)
{
    const char *q = field(req, "poll_question");
    const cJSON *ja =
        req->json_body ? cJSON_GetObjectItemCaseSensitive(req->json_body, "poll_answers") : NULL;
    struct store_poll *poll;
    const cJSON *it;
    int rc = POD_OK;

    if (!q && !ja && !web_form_value(req, "poll_answers[]"))
        return POD_OK;
    /* The web publisher always sends the poll's fields: all empty is no poll. */
    if (!ja && (!q || !*q)) {
        bool any = false;
        for (size_t i = 0; i < req->form.count; i++)
            if (!strncmp(req->form.fields[i].name, "poll_answers", 12) &&
                req->form.fields[i].value[0])
                any = true;
        if (!any)
            return POD_OK;
    }
    if (!q || !*q || strlen(q) > STORE_POLL_TEXT_MAX) {
        pod_why(why, why_len, "A poll needs a question of 1 to %d bytes.", STORE_POLL_TEXT_MAX);
        return POD_ERR_INVAL;
    }
    poll = pod_arena_alloc(&req->arena, sizeof *poll);
    if (!poll)
        return POD_ERR_NOMEM;
    memset(poll, 0, sizeof *poll);
    memcpy(poll->question, q, strlen(q) + 1);
    if (ja) {
        if (!cJSON_IsArray(ja)) {
            pod_why(why, why_len, "poll_answers must be a list of strings.");
            return POD_ERR_INVAL;
        }
        cJSON_ArrayForEach(it, ja)
        {
            if (!cJSON_IsString(it)) {
                pod_why(why, why_len, "poll_answers must be a list of strings.");
                return POD_ERR_INVAL;
            }
            rc = poll_answer_add(poll, it->valuestring, why, why_len);
            if (rc != POD_OK)
                return rc;
        }
    } else {
        for (size_t i = 0; rc == POD_OK && i < req->form.count; i++)
            if ((strcmp(req->form.fields[i].name, "poll_answers[]") == 0 ||
                 strcmp(req->form.fields[i].name, "poll_answers") == 0) &&
                req->form.fields[i].value[0]) /* the publisher's unused answer fields */
                rc = poll_answer_add(poll, req->form.fields[i].value, why, why_len);
        if (rc != POD_OK)
            return rc;
    }
    if (poll->answer_count < 2) {
        pod_why(why, why_len, "A poll needs at least 2 answers.");
        return POD_ERR_INVAL;
    }
    np->poll = poll;
    return POD_OK;
}

int
web_read_poll_location(struct web_req *req, struct social_new_post *np, char *why, size_t why_len)
{
    int rc = read_poll(req, np, why, why_len);

    if (rc == POD_OK)
        rc = read_location(req, np, why, why_len);
    if (rc == POD_ERR_NOMEM)
        pod_why(why, why_len, "The request is too large.");
    return rc == POD_OK ? POD_OK : POD_ERR_INVAL;
}

int
page_poll_participation_create(struct web_req *req)
{
    const char *answer = field(req, "poll_answer_id");
    const char *poll_id = field(req, "poll_id");
    const char *post_id = field(req, "post_id");
    uint64_t ans = web_parse_id(answer);
    struct store_txn *txn;
    struct store_post p;
    cJSON *json, *poll = NULL;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (!ans || ans > STORE_POLL_MAX_ANSWERS)
        return web_reply_json_error(req, 422, "poll_answer_id is not an answer of this poll.");
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = social_post_find(txn, req->params[0], web_viewer(req), &req->arena, &p);
    if (rc != POD_OK) {
        store_txn_abort(txn);
        return web_reply_json_error(req, 404, "Not found.");
    }
    /* poll_id and post_id are the post's id (present_post); others are wrong. */
    if ((poll_id && *poll_id && web_parse_id(poll_id) != p.id) ||
        (post_id && *post_id && web_parse_id(post_id) != p.id)) {
        store_txn_abort(txn);
        return web_reply_json_error(req, 422, "poll_id or post_id is not this post's.");
    }
    rc = web_txn_finish(txn, social_poll_vote(txn, web_viewer(req), p.id, (uint32_t)(ans - 1)));
    if (rc == POD_ERR_NOTFOUND)
        return web_reply_json_error(req, 404, "This post has no poll.");
    if (rc == POD_ERR_AUTH)
        return web_reply_json_error(req, 403, "You may not vote on this post.");
    if (rc == POD_ERR_EXISTS)
        return web_reply_json_error(req, 422, "You voted already.");
    if (rc == POD_ERR_INVAL)
        return web_reply_json_error(req, 422, "poll_answer_id is not an answer of this poll.");
    if (rc != POD_OK)
        return web_reply_json_error(req, 500, "The vote could not be stored.");
    if (!req->json)
        return ui_redirect_back(req, pod_arena_printf(&req->arena, "/posts/%s", p.guid) ?: "/");
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    json = present_post(req, txn, &p, web_viewer(req), false);
    store_txn_abort(txn);
    if (json)
        poll = cJSON_DetachItemFromObjectCaseSensitive(json, "poll");
    cJSON_Delete(json);
    return web_reply_json(req, 201, poll);
}

/* ------------------------------------------------------------ stream merge */

struct entry {
    int64_t t;
    uint64_t id;
};

struct collect {
    struct entry *e;
    size_t n, cap;
};

static int
collect_entry(uint64_t post, int64_t created_at, void *ctx)
{
    struct collect *c = ctx;

    if (c->n == c->cap)
        return 1;
    c->e[c->n].t = created_at;
    c->e[c->n].id = post;
    c->n++;
    return 0;
}

struct tag_names {
    char names[MERGE_TAGS][STORE_TAG_NAME_MAX + 1];
    size_t count;
};

static int
collect_tag(uint64_t id, const char *tag, void *ctx)
{
    struct tag_names *tn = ctx;

    (void)id;
    if (tn->count == MERGE_TAGS)
        return 1;
    snprintf(tn->names[tn->count++], STORE_TAG_NAME_MAX + 1, "%s", tag);
    return 0;
}

/* Newest first: (created_at, id) descending. */
static int
entry_cmp(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;

    if (x->t != y->t)
        return x->t < y->t ? 1 : -1;
    if (x->id != y->id)
        return x->id < y->id ? 1 : -1;
    return 0;
}

int
web_stream_followed(struct store_txn *txn, uint64_t viewer, int64_t max_time, uint64_t before_id,
                    bool with_inbox, size_t limit, store_stream_fn fn, void *ctx)
{
    struct tag_names *tn = NULL;
    struct collect c = {0};
    size_t per;
    int rc;

    if (!viewer || !fn)
        return POD_ERR_INVAL;
    tn = calloc(1, sizeof *tn);
    if (!tn)
        return POD_ERR_NOMEM;
    rc = store_tags_followed_each(txn, viewer, collect_tag, tn);
    if (rc < 0)
        goto out;
    if (tn->count == 0) {
        /* Nothing to merge: the inbox as it is, or an empty stream. */
        rc = with_inbox ? store_stream_inbox(txn, viewer, max_time, before_id, limit, fn, ctx)
                        : POD_OK;
        goto out;
    }
    /* The newest per entries of each source hold the newest per of all. */
    per = limit < MERGE_PER_SRC ? limit : MERGE_PER_SRC;
    c.cap = per * (tn->count + (with_inbox ? 1 : 0));
    c.e = malloc(c.cap * sizeof *c.e);
    if (!c.e) {
        rc = POD_ERR_NOMEM;
        goto out;
    }
    rc = POD_OK;
    if (with_inbox)
        rc = store_stream_inbox(txn, viewer, max_time, before_id, per, collect_entry, &c);
    for (size_t i = 0; rc >= 0 && i < tn->count; i++)
        rc = store_stream_tag(txn, tn->names[i], max_time, before_id, per, collect_entry, &c);
    if (rc < 0)
        goto out;
    qsort(c.e, c.n, sizeof *c.e, entry_cmp);
    rc = 0;
    for (size_t i = 0, given = 0; rc == 0 && i < c.n && given < per; i++) {
        if (i > 0 && c.e[i].id == c.e[i - 1].id)
            continue; /* a post in the inbox and under a tag, or under two tags */
        rc = fn(c.e[i].id, c.e[i].t, ctx);
        given++;
    }
out:
    free(c.e);
    free(tn);
    return rc;
}

static int
followed_walk(struct store_txn *txn, uint64_t viewer, int64_t max_time, uint64_t before_id,
              size_t limit, store_stream_fn fn, void *ctx)
{
    return web_stream_followed(txn, viewer, max_time, before_id, false, limit, fn, ctx);
}

static int
mentions_walk(struct store_txn *txn, uint64_t viewer, int64_t max_time, uint64_t before_id,
              size_t limit, store_stream_fn fn, void *ctx)
{
    return store_stream_mentions(txn, viewer, max_time, before_id, limit, fn, ctx);
}

int
page_followed_tags_stream(struct web_req *req)
{
    int rc = web_need_session(req);

    return rc ? rc
              : web_reply_stream(req, followed_walk, T("#Followed tags"),
                                 T("Posts with the tags you follow."));
}

int
page_mentions_stream(struct web_req *req)
{
    int rc = web_need_session(req);

    return rc ? rc
              : web_reply_stream(req, mentions_walk, T("@Mentions"), T("Posts that mention you."));
}

/* ------------------------------------------------------------ tag followings */

/* {id, name, taggings_count}; taggings_count counts the posts viewer may
 * see and stops at TAGGINGS_MAX. */
static cJSON *
tag_following_json(struct store_txn *txn, uint64_t viewer, uint64_t id, const char *tag)
{
    cJSON *o = cJSON_CreateObject();
    size_t n = web_tag_count(txn, viewer, tag, TAGGINGS_MAX);

    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "name", tag);
    cJSON_AddNumberToObject(o, "taggings_count", (double)n);
    return o;
}

struct following_list {
    struct store_txn *txn;
    uint64_t viewer;
    cJSON *arr;
};

static int
list_following(uint64_t id, const char *tag, void *ctx)
{
    struct following_list *fl = ctx;

    cJSON_AddItemToArray(fl->arr, tag_following_json(fl->txn, fl->viewer, id, tag));
    return 0;
}

int
page_tag_followings_index(struct web_req *req)
{
    struct following_list fl;
    struct store_txn *txn;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (!req->json)
        return web_tag_followings_page(req);
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    fl.txn = txn;
    fl.viewer = web_viewer(req);
    fl.arr = cJSON_CreateArray();
    rc = store_tags_followed_each(txn, web_viewer(req), list_following, &fl);
    store_txn_abort(txn);
    if (rc < 0) {
        cJSON_Delete(fl.arr);
        return web_reply_json_error(req, 500, "The tags could not be read.");
    }
    return web_reply_json(req, 200, fl.arr);
}

int
page_tag_following_create(struct web_req *req)
{
    const char *raw = field(req, "name");
    char *tag = tag_normal(req, raw);
    struct store_txn *txn;
    cJSON *json;
    uint64_t id = 0;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (!tag)
        return web_reply_error(req, 422, "A tag name has 1 to 64 bytes.");
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = web_txn_finish(txn, store_tag_follow(txn, web_viewer(req), tag, &id));
    /* A browser's second click on "Follow" changes nothing: back it goes. */
    if (rc == POD_ERR_EXISTS && !req->json)
        return ui_redirect_back(req, "/tag_followings");
    if (rc == POD_ERR_EXISTS)
        return web_reply_json_error(req, 403, "You follow that tag already.");
    if (rc == POD_ERR_INVAL || rc == POD_ERR_LIMIT)
        return web_reply_error(req, 422, "That is not a tag name.");
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The tag could not be followed.");
    if (!req->json)
        return ui_redirect_back(req, "/tag_followings");
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    json = tag_following_json(txn, web_viewer(req), id, tag);
    store_txn_abort(txn);
    return web_reply_json(req, 201, json);
}

int
page_tag_following_delete(struct web_req *req)
{
    uint64_t id = web_parse_id(req->params[0]);
    struct store_txn *txn;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (!id)
        return web_reply_error(req, 404, "Not found.");
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = web_txn_finish(txn, store_tag_unfollow(txn, web_viewer(req), id));
    if (rc == POD_ERR_NOTFOUND)
        return web_reply_error(req, 404, "Not found.");
    if (rc == POD_ERR_AUTH)
        return web_reply_error(req, 403, "That is not your tag.");
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The tag could not be unfollowed.");
    if (!req->json)
        return ui_redirect_back(req, "/tag_followings");
    return web_reply(req, 204, "application/json", "", 0, NULL);
}

/* ------------------------------------------------------------ tag search */

struct tag_hits {
    struct web_req *req;
    struct store_txn *txn;
    cJSON *arr;
    const char *query;
    bool query_seen;
    size_t left; /* names still wanted */
};

static int
tag_hit(const char *tag, void *ctx)
{
    struct tag_hits *th = ctx;
    cJSON *o;

    /* Only tags of posts the viewer may see (people.h). */
    if (web_tag_count(th->txn, web_viewer(th->req), tag, 1) == 0)
        return 0;
    o = cJSON_CreateObject();
    if (strcmp(tag, th->query) == 0)
        th->query_seen = true;
    cJSON_AddStringToObject(o, "name", pod_arena_printf(&th->req->arena, "#%s", tag));
    cJSON_AddItemToArray(th->arr, o);
    return --th->left == 0 ? 1 : 0;
}

int
page_tags_search(struct web_req *req)
{
    const char *q = web_query_value(req, "q");
    const char *lim = web_query_value(req, "limit");
    struct tag_hits th = {.req = req};
    struct store_txn *txn;
    uint64_t limit = TAG_SEARCH_DEF;
    cJSON *o;
    int rc;

    if (!q || strlen(q) < 2 || !(th.query = tag_normal(req, q)))
        return web_reply_json_error(req, 422, "The query needs at least 2 characters.");
    if (lim && *lim) {
        limit = web_parse_id(lim);
        if (limit == 0 || limit > TAG_SEARCH_MAX)
            limit = limit ? TAG_SEARCH_MAX : 1;
    }
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    th.txn = txn;
    th.arr = cJSON_CreateArray();
    /* limit - 1 names from the index, then the query itself (diaspora*);
     * tag_hit skips names the viewer may not know, so look at more. */
    th.left = limit - 1;
    rc = limit > 1 ? store_tags_with_prefix(txn, th.query, 2 * TAG_SEARCH_MAX, tag_hit, &th)
                   : POD_OK;
    store_txn_abort(txn);
    if (rc < 0 && rc != POD_ERR_LIMIT) {
        cJSON_Delete(th.arr);
        return web_reply_json_error(req, 500, "The tags could not be read.");
    }
    if (!th.query_seen) {
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", pod_arena_printf(&req->arena, "#%s", th.query));
        cJSON_AddItemToArray(th.arr, o);
    }
    return web_reply_json(req, 200, th.arr);
}
