#include "web/present.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "web/handlers.h"
#include "web/reply.h"
#include "web/server.h"

const char *
present_time(struct web_req *req, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];

    gmtime_r(&tt, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    return pod_arena_strdup(&req->arena, buf);
}

int
web_reply_json(struct web_req *req, int status, cJSON *json)
{
    char *text;
    int rc;

    if (!json)
        return web_reply_error(req, 500, "The answer could not be made.");
    text = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    if (!text)
        return web_reply_error(req, 500, "The answer could not be made.");
    rc = web_reply(req, status, "application/json; charset=utf-8", text, strlen(text), NULL);
    cJSON_free(text);
    return rc;
}

const char *
present_person_name(struct web_req *req, struct store_txn *txn, const struct store_person *p)
{
    struct store_profile pr;
    const char *first = p->first_name, *last = p->last_name;

    if (p->username[0] && store_profile_get(txn, p->username, &pr) == POD_OK) {
        first = pr.first_name;
        last = pr.last_name;
        if (first[0] || last[0])
            return pod_arena_printf(&req->arena, "%s%s%s", first, first[0] && last[0] ? " " : "",
                                    last);
        return pod_arena_strdup(&req->arena, p->username);
    }
    if (first[0] || last[0])
        return pod_arena_printf(&req->arena, "%s%s%s", first, first[0] && last[0] ? " " : "", last);
    return pod_arena_strdup(&req->arena, p->diaspora_id);
}

static cJSON *
avatar_object(struct web_req *req, struct store_txn *txn, const struct store_person *p)
{
    static const char *const sizes[] = {"small", "medium", "large"};
    cJSON *o = cJSON_CreateObject();
    struct store_profile pr;
    bool local = p->username[0] && store_profile_get(txn, p->username, &pr) == POD_OK;

    for (int i = 0; i < 3; i++) {
        const char *url;
        if (local)
            url = web_avatar_url(req, &pr, sizes[i], true);
        else {
            url = i == 0 ? p->avatar_small : i == 1 ? p->avatar_medium : p->avatar_large;
            if (!url[0])
                url = web_avatar_url(req, NULL, sizes[i], true);
        }
        cJSON_AddStringToObject(o, sizes[i], url ? url : "");
    }
    return o;
}

cJSON *
present_person(struct web_req *req, struct store_txn *txn, uint64_t person)
{
    struct store_person p;
    cJSON *o;

    if (store_person_get(txn, person, &p) != POD_OK)
        return NULL;
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)p.id);
    cJSON_AddStringToObject(o, "guid", p.guid);
    cJSON_AddStringToObject(o, "name", present_person_name(req, txn, &p));
    cJSON_AddStringToObject(o, "diaspora_id", p.diaspora_id);
    cJSON_AddItemToObject(o, "avatar", avatar_object(req, txn, &p));
    return o;
}

cJSON *
present_comment(struct web_req *req, struct store_txn *txn, const struct store_comment *c)
{
    cJSON *o = cJSON_CreateObject(), *inter;

    cJSON_AddNumberToObject(o, "id", (double)c->id);
    cJSON_AddStringToObject(o, "guid", c->guid);
    cJSON_AddStringToObject(o, "text", c->text ? c->text : "");
    cJSON_AddItemToObject(o, "author", present_person(req, txn, c->author));
    cJSON_AddStringToObject(o, "created_at", present_time(req, c->created_at));
    cJSON_AddItemToObject(o, "mentioned_people", cJSON_CreateArray());
    inter = cJSON_AddObjectToObject(o, "interactions");
    cJSON_AddItemToObject(inter, "likes", cJSON_CreateArray());
    cJSON_AddNumberToObject(inter, "likes_count", c->likes_count);
    return o;
}

cJSON *
present_like(struct web_req *req, struct store_txn *txn, const struct store_like *l)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "id", (double)l->id);
    cJSON_AddStringToObject(o, "guid", l->guid);
    cJSON_AddItemToObject(o, "author", present_person(req, txn, l->author));
    cJSON_AddStringToObject(o, "created_at", present_time(req, l->created_at));
    return o;
}

struct comments_ctx {
    struct web_req *req;
    struct store_txn *txn;
    cJSON *all;
    uint64_t viewer;
};

static int
collect_comment(const struct store_comment *c, void *ctx)
{
    struct comments_ctx *cc = ctx;
    struct web_req *req = cc->req;

    /* Comments of people the viewer ignores are left out. */
    if (cc->viewer && store_block_exists(cc->txn, cc->viewer, c->author))
        return 0;
    cJSON_AddItemToArray(cc->all, present_comment(req, cc->txn, c));
    return 0;
}

struct likes_ctx {
    struct web_req *req;
    struct store_txn *txn;
    cJSON *all, *own;
    uint64_t viewer;
};

static int
collect_like(const struct store_like *l, void *ctx)
{
    struct likes_ctx *lc = ctx;

    /* Likes of people the viewer ignores are left out, as their comments. */
    if (lc->viewer && l->author != lc->viewer && store_block_exists(lc->txn, lc->viewer, l->author))
        return 0;
    if (lc->all)
        cJSON_AddItemToArray(lc->all, present_like(lc->req, lc->txn, l));
    if (lc->own && l->author == lc->viewer)
        cJSON_AddItemToArray(lc->own, present_like(lc->req, lc->txn, l));
    return 0;
}

static cJSON *
poll_object(struct store_txn *txn, const struct store_post *p, uint64_t viewer, int32_t *own)
{
    struct store_poll poll;
    uint32_t counts[STORE_POLL_MAX_ANSWERS] = {0};
    uint32_t total = 0;
    cJSON *o, *answers;

    *own = -1;
    if (store_poll_get(txn, p->id, &poll) != POD_OK)
        return cJSON_CreateNull();
    store_poll_tally(txn, p->id, viewer, counts, own);
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "poll_id", (double)p->id);
    cJSON_AddNumberToObject(o, "post_id", (double)p->id);
    if (poll.guid[0])
        cJSON_AddStringToObject(o, "guid", poll.guid);
    cJSON_AddStringToObject(o, "question", poll.question);
    answers = cJSON_AddArrayToObject(o, "poll_answers");
    for (uint32_t i = 0; i < poll.answer_count; i++) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddNumberToObject(a, "id", i + 1);
        cJSON_AddStringToObject(a, "answer", poll.answers[i]);
        cJSON_AddNumberToObject(a, "vote_count", counts[i]);
        cJSON_AddItemToArray(answers, a);
        total += counts[i];
    }
    cJSON_AddNumberToObject(o, "participation_count", total);
    return o;
}

/* The post's photos as Photo :backbone objects (photos.c): whoever sees
 * the post sees its photos. */
static cJSON *
photos_array(struct web_req *req, struct store_txn *txn, const struct store_post *p)
{
    cJSON *arr = cJSON_CreateArray();
    struct store_photo ph;

    for (uint32_t i = 0; i < p->photo_count; i++)
        if (store_photo_get(txn, p->photos[i], &ph) == POD_OK)
            cJSON_AddItemToArray(arr, web_present_photo(req, txn, &ph));
    return arr;
}

cJSON *
present_post(struct web_req *req, struct store_txn *txn, const struct store_post *p,
             uint64_t viewer, bool full)
{
    cJSON *o = cJSON_CreateObject(), *inter, *comments, *last, *loc;
    struct comments_ctx cc = {req, txn, NULL, viewer};
    struct likes_ctx lc = {req, txn, NULL, NULL, viewer};
    struct store_post root;
    int32_t own = -1;
    int n;

    cJSON_AddNumberToObject(o, "id", (double)p->id);
    cJSON_AddStringToObject(o, "guid", p->guid);
    cJSON_AddBoolToObject(o, "public", p->public);
    cJSON_AddStringToObject(o, "created_at", present_time(req, p->created_at));
    cJSON_AddStringToObject(o, "interacted_at", present_time(req, p->created_at));
    cJSON_AddStringToObject(o, "provider_display_name", p->provider);
    cJSON_AddStringToObject(o, "text", p->text ? p->text : "");
    cJSON_AddStringToObject(o, "post_type",
                            p->type == STORE_POST_RESHARE ? "Reshare" : "StatusMessage");
    cJSON_AddBoolToObject(o, "nsfw", p->text && strstr(p->text, "#nsfw") != NULL);
    cJSON_AddItemToObject(o, "author", present_person(req, txn, p->author));
    cJSON_AddNullToObject(o, "o_embed_cache");
    cJSON_AddNullToObject(o, "open_graph_cache");
    cJSON_AddItemToObject(o, "mentioned_people", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "photos", photos_array(req, txn, p));
    if (p->type == STORE_POST_RESHARE && p->root &&
        store_post_get(txn, p->root, &req->arena, &root) == POD_OK)
        cJSON_AddItemToObject(o, "root", present_post(req, txn, &root, viewer, false));
    else if (p->type == STORE_POST_RESHARE)
        cJSON_AddNullToObject(o, "root");
    if (p->address[0]) {
        loc = cJSON_AddObjectToObject(o, "location");
        cJSON_AddStringToObject(loc, "address", p->address);
        cJSON_AddStringToObject(loc, "lat", p->lat);
        cJSON_AddStringToObject(loc, "lng", p->lng);
    } else {
        cJSON_AddNullToObject(o, "location");
    }
    cJSON_AddItemToObject(o, "poll", poll_object(txn, p, viewer, &own));
    if (own >= 0)
        cJSON_AddNumberToObject(o, "poll_participation_answer_id", own + 1);
    else
        cJSON_AddNullToObject(o, "poll_participation_answer_id");
    cJSON_AddBoolToObject(o, "participation",
                          viewer && store_participation_get(txn, viewer, p->id));

    inter = cJSON_AddObjectToObject(o, "interactions");
    lc.own = cJSON_AddArrayToObject(inter, "likes");
    if (full) {
        lc.all = lc.own;
        lc.own = NULL;
    }
    store_likes_each(txn, STORE_LIKE_POST, p->id, collect_like, &lc);
    cJSON_AddItemToObject(inter, "reshares", cJSON_CreateArray());
    cJSON_AddNumberToObject(inter, "comments_count", p->comments_count);
    cJSON_AddNumberToObject(inter, "likes_count", p->likes_count);
    cJSON_AddNumberToObject(inter, "reshares_count", p->reshares_count);
    comments = cJSON_CreateArray();
    cc.all = comments;
    store_comments_each(txn, p->id, &req->arena, collect_comment, &cc);
    if (!full) {
        /* Streams carry the last three comments only. */
        n = cJSON_GetArraySize(comments);
        last = cJSON_CreateArray();
        for (int i = n > 3 ? n - 3 : 0; i < n; i++)
            cJSON_AddItemToArray(last, cJSON_Duplicate(cJSON_GetArrayItem(comments, i), 1));
        cJSON_Delete(comments);
        comments = last;
    }
    cJSON_AddItemToObject(inter, "comments", comments);
    if (full)
        cJSON_AddItemToObject(inter, "participations", cJSON_CreateArray());
    return o;
}
