/*
 * export.c - "Download my data": one JSON document with the signed-in
 * user's account, profile, aspects, contacts, posts, comments, likes,
 * followed tags and blocks.
 *
 * GET /user/export leaves the private key out; POST /user/export with the
 * current password in user[current_password] puts it in, so a stolen
 * session cookie alone never yields the key.
 *
 * The document is built in memory (one read transaction, one cJSON tree)
 * and capped at EXPORT_MAX bytes of text, counted while it is built so an
 * account too large to export stops early: 507 with a message. Comment
 * likes are not part of it yet.
 *
 * GET /user/export?format=tar answers the same document as export.json in
 * a ustar archive (tar.c) with the files: avatar/<size>.jpg for the avatar
 * set and photos/<photo guid>-<size>.jpg for every size of each photo the
 * user attached to their posts (pending photos, never posted, are not
 * reachable yet). The archive is built in the request arena, sized up
 * front, under the same EXPORT_MAX: 507 beyond it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "core/log.h"
#include "media/image.h"
#include "store/accounts.h"
#include "store/contacts.h"
#include "store/people.h"
#include "store/posts.h"
#include "store/store.h"
#include "web/handlers.h"
#include "web/present.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"
#include "web/tar.h"

#define EXPORT_MAX  (32u * 1024u * 1024u) /* bytes of JSON text */
#define EXPORT_PAGE 64

/* A photo of the user's, for the archive. */
struct export_photo {
    char guid[STORE_GUID_MAX + 1];
    char hash[65];
};

struct export
{
    struct web_req *req;
    struct store_txn *txn;
    uint64_t me;
    size_t bytes;             /* JSON text so far, estimated from the strings added */
    int rc;                   /* first error (POD_ERR_LIMIT once over EXPORT_MAX) */
    cJSON *arr;               /* the array the current walk appends to */
    cJSON *aux;               /* a second array, when a walk fills two */
    struct pod_arena scratch; /* post and comment texts, emptied per post */
    struct store_poll *poll;  /* one, in the request arena: it is large */
    char did[STORE_DID_MAX + 1];
    char avatar[65];             /* the profile's avatar hash, "" = none */
    bool want_photos;            /* collect the photos below (archive) */
    struct export_photo *photos; /* malloc'd */
    size_t nphotos, photos_cap;
};

static void
photo_keep(struct export *x, const struct store_photo *ph)
{
    if (!x->want_photos || ph->author != x->me || !ph->hash[0])
        return;
    if (x->nphotos == x->photos_cap) {
        size_t cap = x->photos_cap ? x->photos_cap * 2 : 16;
        void *p = realloc(x->photos, cap * sizeof(*x->photos));
        if (!p) {
            x->rc = POD_ERR_NOMEM;
            return;
        }
        x->photos = p;
        x->photos_cap = cap;
    }
    snprintf(x->photos[x->nphotos].guid, sizeof(x->photos->guid), "%s", ph->guid);
    snprintf(x->photos[x->nphotos].hash, sizeof(x->photos->hash), "%s", ph->hash);
    x->nphotos++;
}

/* Empties the scratch arena (cJSON keeps its own copies). */
static struct pod_arena *
scratch(struct export *x)
{
    pod_arena_free(&x->scratch);
    pod_arena_init(&x->scratch, NULL, 0, 0);
    return &x->scratch;
}

/* Counts s (plus some quoting and punctuation) against the cap. */
static bool
charge(struct export *x, const char *s)
{
    x->bytes += (s ? strlen(s) : 0) + 16;
    if (x->bytes > EXPORT_MAX && x->rc == POD_OK)
        x->rc = POD_ERR_LIMIT;
    return x->rc == POD_OK;
}

static cJSON *
add_str(struct export *x, cJSON *o, const char *name, const char *v)
{
    if (!charge(x, v))
        return NULL;
    cJSON *item = cJSON_AddStringToObject(o, name, v ? v : "");
    if (!item && x->rc == POD_OK)
        x->rc = POD_ERR_NOMEM;
    return item;
}

static void
push_str(struct export *x, cJSON *arr, const char *v)
{
    cJSON *item;

    if (!charge(x, v))
        return;
    item = cJSON_CreateString(v);
    if (!item || !cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        x->rc = POD_ERR_NOMEM;
    }
}

/* An object appended to arr, or NULL (x->rc set). */
static cJSON *
push_obj(struct export *x, cJSON *arr)
{
    cJSON *o = cJSON_CreateObject();

    if (!o || !cJSON_AddItemToArray(arr, o)) {
        cJSON_Delete(o);
        x->rc = POD_ERR_NOMEM;
        return NULL;
    }
    return o;
}

static const char *
did_of(struct export *x, uint64_t person)
{
    struct store_person p;

    if (store_person_get(x->txn, person, &p) != POD_OK)
        return NULL;
    memcpy(x->did, p.diaspora_id, sizeof(x->did));
    return x->did;
}

/* ---- account and profile ---- */

static void
add_user(struct export *x, cJSON *root, const struct store_user *u, bool with_private_key,
         const char *private_key)
{
    struct store_profile *pr = pod_arena_alloc(&x->req->arena, sizeof(*pr));
    char *pem = pod_arena_alloc(&x->req->arena, STORE_PEM_MAX + 1);
    struct store_person me;
    cJSON *o = cJSON_AddObjectToObject(root, "user");
    cJSON *p, *tags;

    if (!o || !pr || !pem) {
        x->rc = POD_ERR_NOMEM;
        return;
    }
    add_str(x, o, "username", u->username);
    if (store_person_get(x->txn, x->me, &me) == POD_OK)
        add_str(x, o, "diaspora_id", me.diaspora_id);
    add_str(x, o, "guid", u->guid);
    add_str(x, o, "language", u->language);
    add_str(x, o, "created_at", present_time(x->req, u->created_at));
    if (store_profile_get(x->txn, u->username, pr) != POD_OK)
        memset(pr, 0, sizeof(*pr));
    snprintf(x->avatar, sizeof(x->avatar), "%s", pr->avatar);
    p = cJSON_AddObjectToObject(o, "profile");
    if (!p) {
        x->rc = POD_ERR_NOMEM;
        return;
    }
    add_str(x, p, "first_name", pr->first_name);
    add_str(x, p, "last_name", pr->last_name);
    add_str(x, p, "bio", pr->bio);
    add_str(x, p, "location", pr->location);
    add_str(x, p, "gender", pr->gender);
    add_str(x, p, "birthday", pr->birthday);
    add_str(x, p, "avatar", pr->avatar);
    cJSON_AddBoolToObject(p, "searchable", pr->searchable);
    cJSON_AddBoolToObject(p, "nsfw", pr->nsfw);
    cJSON_AddBoolToObject(p, "public_details", pr->public_details);
    tags = cJSON_AddArrayToObject(p, "tags");
    for (int i = 0; tags && i < STORE_PROFILE_TAGS; i++)
        if (pr->tags[i][0])
            push_str(x, tags, pr->tags[i]);
    if (store_user_public_key_get(x->txn, u->username, pem, STORE_PEM_MAX + 1) == POD_OK)
        add_str(x, o, "public_key", pem);
    if (with_private_key)
        add_str(x, o, "private_key", private_key);
}

/* ---- aspects and contacts ---- */

static int
member_one(const struct store_membership *m, void *ctx)
{
    struct export *x = ctx;
    const char *did = did_of(x, m->person);

    if (did)
        push_str(x, x->aux, did);
    return x->rc;
}

static int
aspect_one(const struct store_aspect *a, void *ctx)
{
    struct export *x = ctx;
    cJSON *o = push_obj(x, x->arr);

    if (!o)
        return x->rc;
    add_str(x, o, "name", a->name);
    cJSON_AddBoolToObject(o, "contacts_visible", a->contacts_visible);
    x->aux = cJSON_AddArrayToObject(o, "contacts");
    if (!x->aux)
        return x->rc = POD_ERR_NOMEM;
    int rc = store_memberships_of_aspect(x->txn, a->id, member_one, x);
    return rc != POD_OK ? rc : x->rc;
}

static int
contact_one(const struct store_contact *c, void *ctx)
{
    struct export *x = ctx;
    const char *did = did_of(x, c->person);
    cJSON *o;

    if (!did)
        return POD_OK;
    o = push_obj(x, x->arr);
    if (!o)
        return x->rc;
    add_str(x, o, "diaspora_id", did);
    cJSON_AddBoolToObject(o, "sharing", c->sharing);
    cJSON_AddBoolToObject(o, "receiving", c->receiving);
    /* Kept for the recipients of limited posts below. */
    push_str(x, x->aux, did);
    cJSON_AddNumberToObject(o, "_person", (double)c->person);
    return x->rc;
}

static int
block_one(uint64_t id, uint64_t person, void *ctx)
{
    struct export *x = ctx;
    const char *did = did_of(x, person);

    (void)id;
    if (did)
        push_str(x, x->arr, did);
    return x->rc;
}

static int
tag_one(uint64_t id, const char *tag, void *ctx)
{
    struct export *x = ctx;

    (void)id;
    push_str(x, x->arr, tag);
    return x->rc;
}

/* ---- posts, comments, likes: paged through the person's indexes ---- */

struct page {
    uint64_t id[EXPORT_PAGE];
    int64_t t[EXPORT_PAGE];
    size_t n;
};

static int
page_add(uint64_t post, int64_t created_at, void *ctx)
{
    struct page *p = ctx;

    p->id[p->n] = post;
    p->t[p->n++] = created_at;
    return POD_OK;
}

typedef int (*person_stream_fn)(struct store_txn *txn, uint64_t person, int64_t max_time,
                                uint64_t before_id, size_t limit, store_stream_fn fn, void *ctx);

/* Calls fn for every post of one of x->me's streams, newest first. */
static int
walk(struct export *x, person_stream_fn stream, int (*fn)(struct export *x, uint64_t post))
{
    struct page pg;
    int64_t max_time = INT64_MAX;
    uint64_t before = UINT64_MAX;
    int rc;

    for (;;) {
        pg.n = 0;
        rc = stream(x->txn, x->me, max_time, before, EXPORT_PAGE, page_add, &pg);
        if (rc != POD_OK || pg.n == 0)
            break;
        for (size_t i = 0; rc == POD_OK && i < pg.n; i++)
            rc = fn(x, pg.id[i]);
        if (rc == POD_OK)
            rc = x->rc;
        if (rc != POD_OK)
            break;
        max_time = pg.t[pg.n - 1];
        before = pg.id[pg.n - 1];
    }
    return rc;
}

/* The recipients of a limited post among the user's contacts (the store
 * keeps the shares by post and person, not a list). */
static void
add_recipients(struct export *x, cJSON *o, const struct store_post *p, cJSON *contacts)
{
    cJSON *arr = cJSON_AddArrayToObject(o, "recipients"), *c;

    if (!arr) {
        x->rc = POD_ERR_NOMEM;
        return;
    }
    cJSON_ArrayForEach(c, contacts)
    {
        const cJSON *pid = cJSON_GetObjectItemCaseSensitive(c, "_person");
        const cJSON *did = cJSON_GetObjectItemCaseSensitive(c, "diaspora_id");
        if (cJSON_IsNumber(pid) && cJSON_IsString(did) &&
            store_post_is_shared_with(x->txn, p->id, (uint64_t)pid->valuedouble))
            push_str(x, arr, did->valuestring);
    }
}

static int
post_one(struct export *x, uint64_t id)
{
    struct pod_arena *a = scratch(x);
    struct store_poll *poll = x->poll;
    struct store_photo ph;
    struct store_post p, root;
    cJSON *o, *arr;

    if (store_post_get(x->txn, id, a, &p) != POD_OK)
        return POD_OK;
    o = push_obj(x, x->arr);
    if (!o)
        return x->rc;
    add_str(x, o, "guid", p.guid);
    add_str(x, o, "type", p.type == STORE_POST_RESHARE ? "reshare" : "status_message");
    add_str(x, o, "created_at", present_time(x->req, p.created_at));
    cJSON_AddBoolToObject(o, "public", p.public);
    add_str(x, o, "text", p.text);
    if (p.provider[0])
        add_str(x, o, "provider_display_name", p.provider);
    if (p.type == STORE_POST_RESHARE && p.root &&
        store_post_get(x->txn, p.root, a, &root) == POD_OK)
        add_str(x, o, "root_guid", root.guid);
    if (!p.public)
        add_recipients(x, o, &p, x->aux);
    arr = cJSON_AddArrayToObject(o, "photos");
    for (uint32_t i = 0; arr && i < p.photo_count; i++)
        if (store_photo_get(x->txn, p.photos[i], &ph) == POD_OK) {
            push_str(x, arr, ph.guid);
            photo_keep(x, &ph);
        }
    if (store_poll_get(x->txn, p.id, poll) == POD_OK) {
        cJSON *po = cJSON_AddObjectToObject(o, "poll");
        cJSON *answers = po ? cJSON_AddArrayToObject(po, "answers") : NULL;
        if (!answers)
            return x->rc = POD_ERR_NOMEM;
        add_str(x, po, "question", poll->question);
        for (uint32_t i = 0; i < poll->answer_count; i++)
            push_str(x, answers, poll->answers[i]);
    }
    if (p.address[0] || p.lat[0] || p.lng[0]) {
        cJSON *lo = cJSON_AddObjectToObject(o, "location");
        if (!lo)
            return x->rc = POD_ERR_NOMEM;
        add_str(x, lo, "address", p.address);
        add_str(x, lo, "lat", p.lat);
        add_str(x, lo, "lng", p.lng);
    }
    return x->rc;
}

struct comment_walk {
    struct export *x;
    const char *post_guid;
};

static int
comment_one(const struct store_comment *c, void *ctx)
{
    struct comment_walk *w = ctx;
    struct export *x = w->x;
    cJSON *o;

    if (c->author != x->me)
        return POD_OK;
    o = push_obj(x, x->arr);
    if (!o)
        return x->rc;
    add_str(x, o, "guid", c->guid);
    add_str(x, o, "post_guid", w->post_guid);
    add_str(x, o, "text", c->text);
    add_str(x, o, "created_at", present_time(x->req, c->created_at));
    return x->rc;
}

static int
commented_one(struct export *x, uint64_t id)
{
    struct pod_arena *a = scratch(x);
    struct store_post p;
    struct comment_walk w = {x, NULL};

    if (store_post_get(x->txn, id, a, &p) != POD_OK)
        return POD_OK;
    w.post_guid = p.guid;
    return store_comments_each(x->txn, id, a, comment_one, &w);
}

static int
liked_one(struct export *x, uint64_t id)
{
    struct store_post p;
    struct store_like l;
    cJSON *o;

    if (store_post_get(x->txn, id, scratch(x), &p) != POD_OK ||
        store_like_find(x->txn, STORE_LIKE_POST, id, x->me, &l) != POD_OK)
        return POD_OK;
    o = push_obj(x, x->arr);
    if (!o)
        return x->rc;
    add_str(x, o, "guid", l.guid);
    add_str(x, o, "target_type", "Post");
    add_str(x, o, "target_guid", p.guid);
    cJSON_AddBoolToObject(o, "positive", l.positive);
    add_str(x, o, "created_at", present_time(x->req, l.created_at));
    return x->rc;
}

/* Fills root; returns POD_OK, POD_ERR_LIMIT (too large) or another error. */
static int
build(struct export *x, cJSON *root, const struct store_user *u, bool with_private_key,
      const char *private_key)
{
    cJSON *contacts, *dids, *c;
    int rc;

    cJSON_AddNumberToObject(root, "version", 1);
    add_user(x, root, u, with_private_key, private_key);
    if (x->rc != POD_OK)
        return x->rc;

    x->arr = cJSON_AddArrayToObject(root, "aspects");
    rc = x->arr ? store_aspects_each(x->txn, x->me, aspect_one, x) : POD_ERR_NOMEM;
    contacts = cJSON_AddArrayToObject(root, "contacts");
    dids = cJSON_CreateArray(); /* scratch, not exported */
    if (rc == POD_OK && (!contacts || !dids))
        rc = POD_ERR_NOMEM;
    x->arr = contacts;
    x->aux = dids;
    if (rc == POD_OK)
        rc = store_contacts_each(x->txn, x->me, contact_one, x);
    cJSON_Delete(dids);
    x->aux = contacts;

    x->arr = cJSON_AddArrayToObject(root, "posts");
    if (rc == POD_OK)
        rc = x->arr ? walk(x, store_stream_author, post_one) : POD_ERR_NOMEM;
    x->arr = cJSON_AddArrayToObject(root, "comments");
    if (rc == POD_OK)
        rc = x->arr ? walk(x, store_stream_commented, commented_one) : POD_ERR_NOMEM;
    x->arr = cJSON_AddArrayToObject(root, "likes");
    if (rc == POD_OK)
        rc = x->arr ? walk(x, store_stream_liked, liked_one) : POD_ERR_NOMEM;
    x->arr = cJSON_AddArrayToObject(root, "followed_tags");
    if (rc == POD_OK)
        rc = x->arr ? store_tags_followed_each(x->txn, x->me, tag_one, x) : POD_ERR_NOMEM;
    x->arr = cJSON_AddArrayToObject(root, "blocks");
    if (rc == POD_OK)
        rc = x->arr ? store_blocks_each(x->txn, x->me, block_one, x) : POD_ERR_NOMEM;
    /* The person ids were only for the recipients above. */
    cJSON_ArrayForEach(c, contacts) cJSON_DeleteItemFromObjectCaseSensitive(c, "_person");
    return rc != POD_OK ? rc : x->rc;
}

/* ---- the archive ---- */

typedef int (*file_fn)(const char *name, const char *path, void *ctx);

/* Calls fn with the name in the archive and the path on disk of every
 * avatar and photo file of x (files may be missing; fn decides). */
static int
each_file(struct web_req *req, const struct export *x, file_fn fn, void *ctx)
{
    static const char *const avatar_sizes[] = {"large", "medium", "small"};
    const char *dir = store_dir(req->server->store);
    char path[4096], name[TAR_NAME_MAX + 2];
    int rc = POD_OK;

    for (size_t i = 0; rc == POD_OK && x->avatar[0] && i < 3; i++)
        if (media_avatar_path(dir, x->avatar, avatar_sizes[i], path, sizeof(path)) == POD_OK) {
            snprintf(name, sizeof(name), "avatar/%s.jpg", avatar_sizes[i]);
            rc = fn(name, path, ctx);
        }
    for (size_t i = 0; rc == POD_OK && i < x->nphotos; i++)
        for (int k = 0; rc == POD_OK && k < MEDIA_PHOTO_SIZES; k++) {
            const char *size = media_photo_size_names[k];
            int n = snprintf(name, sizeof(name), "photos/%s-%s.jpg", x->photos[i].guid, size);
            if (n < 0 || (size_t)n > TAR_NAME_MAX) {
                LOG_WARN("web", "export: photo %s left out, name too long", x->photos[i].guid);
                continue;
            }
            if (media_photo_path(dir, x->photos[i].hash, size, path, sizeof(path)) == POD_OK)
                rc = fn(name, path, ctx);
        }
    return rc;
}

/* Pass one: the space every file present takes in the archive. */
static int
file_size(const char *name, const char *path, void *ctx)
{
    size_t *total = ctx, e;
    struct stat st;

    (void)name;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return POD_OK; /* missing: left out */
    e = tar_entry_size((size_t)st.st_size);
    *total = e > SIZE_MAX - *total ? SIZE_MAX : *total + e;
    return POD_OK;
}

/* Pass two: the file into the archive. */
static int
file_add(const char *name, const char *path, void *ctx)
{
    struct tar *t = ctx;
    struct stat st;
    unsigned char *p;
    size_t got = 0;
    int rc, fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return POD_OK; /* gone since pass one: left out */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return POD_OK;
    }
    p = tar_add_reserve(t, name, (size_t)st.st_size, (int64_t)st.st_mtime, &rc);
    while (p && got < (size_t)st.st_size) {
        ssize_t n = read(fd, p + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = POD_ERR_IO;
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    return rc;
}

/* Answers the archive of text (export.json) and x's files. */
static int
tar_reply(struct web_req *req, const struct export *x, const char *text)
{
    const char *username = req->session->user.username;
    size_t len = strlen(text), total = tar_entry_size(len) + TAR_END_SIZE;
    struct tar t;
    void *buf;
    char *hdr;
    int rc;

    each_file(req, x, file_size, &total);
    if (total > EXPORT_MAX) {
        LOG_INFO("web", "archive export of %s over %u bytes", username, EXPORT_MAX);
        return web_reply_error(req, 507, "This account holds too much to export in one file.");
    }
    /* The request arena's cap is for ordinary pages; this one is bounded
     * by EXPORT_MAX above. */
    if (req->arena.limit && req->arena.limit - req->arena.total < total + 64)
        req->arena.limit = req->arena.total + total + 64;
    buf = pod_arena_alloc(&req->arena, total);
    if (!buf)
        return web_reply_error(req, 500, "The export could not be made.");
    tar_init(&t, buf, total);
    rc = tar_add(&t, "export.json", text, len, (int64_t)time(NULL));
    if (rc == POD_OK)
        rc = each_file(req, x, file_add, &t);
    if (rc == POD_OK)
        rc = tar_finish(&t);
    hdr = pod_arena_printf(&req->arena,
                           "Content-Disposition: attachment; "
                           "filename=\"plugpod-export-%s.tar\"\r\n"
                           "Cache-Control: no-store\r\n",
                           username);
    if (rc != POD_OK || !hdr) {
        LOG_WARN("web", "archive export of %s failed: %d", username, rc);
        return web_reply_error(req, 500, "The export could not be made.");
    }
    LOG_INFO("web", "%s exported their data with %zu photos", username, x->nphotos);
    return web_reply(req, 200, "application/x-tar", t.buf, t.len, hdr);
}

static int
export_reply(struct web_req *req, bool with_private_key, bool as_tar)
{
    const struct store_user *u = &req->session->user;
    struct export x = {.req = req, .want_photos = as_tar};
    struct store_person me;
    char *pem = NULL, *text, *hdr;
    cJSON *root = NULL;
    int rc, status;

    rc = store_txn_begin(req->server->store, false, &x.txn);
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The export could not be made.");
    rc = store_person_get_by_username(x.txn, u->username, &me);
    if (rc == POD_OK) {
        x.me = me.id;
        root = cJSON_CreateObject();
        rc = root ? POD_OK : POD_ERR_NOMEM;
    }
    if (rc == POD_OK && with_private_key) {
        pem = pod_arena_alloc(&req->arena, STORE_PEM_MAX + 1);
        rc = pem ? store_user_private_key_get(x.txn, u->username, pem, STORE_PEM_MAX + 1)
                 : POD_ERR_NOMEM;
        if (rc == POD_ERR_NOTFOUND) {
            store_txn_abort(x.txn);
            cJSON_Delete(root);
            return web_reply_error(req, 503, "The keys are still being made; try again soon.");
        }
    }
    pod_arena_init(&x.scratch, NULL, 0, 0);
    x.poll = pod_arena_alloc(&req->arena, sizeof(*x.poll));
    if (rc == POD_OK && !x.poll)
        rc = POD_ERR_NOMEM;
    if (rc == POD_OK)
        rc = build(&x, root, u, with_private_key, pem);
    pod_arena_free(&x.scratch);
    store_txn_abort(x.txn);
    if (rc == POD_ERR_LIMIT) {
        cJSON_Delete(root);
        free(x.photos);
        LOG_INFO("web", "export of %s over %u bytes", u->username, EXPORT_MAX);
        return web_reply_error(req, 507, "This account holds too much to export in one file.");
    }
    text = rc == POD_OK ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text) {
        free(x.photos);
        return web_reply_error(req, 500, "The export could not be made.");
    }
    if (as_tar) {
        status = tar_reply(req, &x, text);
        cJSON_free(text);
        free(x.photos);
        return status;
    }
    free(x.photos);
    hdr = pod_arena_printf(&req->arena,
                           "Content-Disposition: attachment; "
                           "filename=\"plugpod-export-%s.json\"\r\n"
                           "Cache-Control: no-store\r\n",
                           u->username);
    if (!hdr) {
        cJSON_free(text);
        return web_reply_error(req, 500, "The export could not be made.");
    }
    status = web_reply(req, 200, "application/json; charset=utf-8", text, strlen(text), hdr);
    cJSON_free(text);
    LOG_INFO("web", "%s exported their data%s", u->username,
             with_private_key ? " with the private key" : "");
    return status;
}

int
page_user_export(struct web_req *req)
{
    const char *fmt = web_query_value(req, "format");

    if (!req->session)
        return web_reply_redirect(req, 302, "/users/sign_in");
    if (fmt && strcmp(fmt, "tar") == 0)
        return export_reply(req, false, true);
    if (fmt && strcmp(fmt, "json") != 0)
        return web_reply_error(req, 400, "Unknown export format.");
    return export_reply(req, false, false);
}

int
page_user_export_post(struct web_req *req)
{
    const char *cur = web_form_value(req, "user[current_password]");

    if (!req->session)
        return web_reply_redirect(req, 302, "/users/sign_in");
    if (!cur || web_password_check(req->session->user.password_hash, cur) != POD_OK)
        return web_reply_error(req, 422, "The password is wrong; the key was not exported.");
    return export_reply(req, true, false);
}
