/*
 * photos.c - photos (docs/web-api.md #21, #22, #34): uploads, the Photo
 * :backbone JSON, deleting, a person's photos and the photo files.
 *
 * A photo is pending (post 0) until a status message takes it; then the
 * post decides who sees it. Files are named <hash>-<size>.jpg after the
 * uploaded bytes, so two photos may share them: a file is served when
 * any photo showing it is visible to the viewer (photos_by_hash), and
 * removed with the last such photo. Request paths reach the file system
 * only through media_photo_path, which accepts a hash and a size name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "autoconf.h"
#include "civetweb.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/visibility.h"
#include "drivers/clock/clock.h"
#include "media/image.h"
#include "social/actions.h"
#include "store/people.h"
#include "store/posts.h"
#include "store/store.h"
#include "web/handler_kit.h"
#include "web/handlers.h"
#include "web/present.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"

#define PHOTO_FILE_MAX (16 * 1024 * 1024)
#define PERSON_SCAN    300 /* posts read at most for a person's photos */
#define PERSON_PHOTOS  100

/* May viewer see ph? Pending photos: their author only; attached ones: as
 * the post. *public_out (may be NULL) says whether the post is public. */
static bool
photo_visible(struct web_req *req, struct store_txn *txn, const struct store_photo *ph,
              uint64_t viewer, bool *public_out)
{
    struct pod_post_facts f;
    struct store_post p;

    if (public_out)
        *public_out = false;
    if (!ph->post || store_post_get(txn, ph->post, &req->arena, &p) != POD_OK)
        return viewer && viewer == ph->author;
    social_post_facts(txn, &p, viewer, &f);
    if (!pod_post_visible(&f, viewer))
        return false;
    if (public_out)
        *public_out = p.public;
    return true;
}

static const char *
photo_url(struct web_req *req, const struct store_photo *ph, const char *size)
{
    /* A remote photo (received with a post) has one picture, on its pod. */
    if (!ph->hash[0])
        return ph->remote_url;
    /* pod_url ends in '/'. */
    return pod_arena_printf(&req->arena, "%smedia/photos/%s-%s.jpg", req->server->pod_url, ph->hash,
                            size);
}

struct cJSON *
web_present_photo(struct web_req *req, struct store_txn *txn, const struct store_photo *ph)
{
    cJSON *o = cJSON_CreateObject(), *sizes, *dims, *sm;

    cJSON_AddNumberToObject(o, "id", (double)ph->id);
    cJSON_AddStringToObject(o, "guid", ph->guid);
    cJSON_AddStringToObject(o, "created_at", present_time(req, ph->created_at));
    cJSON_AddItemToObject(o, "author", present_person(req, txn, ph->author));
    sizes = cJSON_AddObjectToObject(o, "sizes");
    cJSON_AddStringToObject(sizes, "small", photo_url(req, ph, "thumb_small"));
    cJSON_AddStringToObject(sizes, "medium", photo_url(req, ph, "thumb_medium"));
    cJSON_AddStringToObject(sizes, "large", photo_url(req, ph, "scaled_full"));
    cJSON_AddStringToObject(sizes, "raw", photo_url(req, ph, "raw"));
    dims = cJSON_AddObjectToObject(o, "dimensions");
    cJSON_AddNumberToObject(dims, "height", ph->height);
    cJSON_AddNumberToObject(dims, "width", ph->width);
    sm = cJSON_AddObjectToObject(o, "status_message");
    if (ph->post)
        cJSON_AddNumberToObject(sm, "id", (double)ph->post);
    else
        cJSON_AddNullToObject(sm, "id");
    return o;
}

/* True when the Content-Type header starts with type. */
static bool
content_type_is(struct web_req *req, const char *type)
{
    const char *ct = web_header(req, "Content-Type");

    return ct && strncasecmp(ct, type, strlen(type)) == 0;
}

/* Reads a raw (application/octet-stream) body of at most max bytes into a
 * heap buffer: photos are larger than the request arena. */
static int
read_raw_body(struct web_req *req, size_t max, uint8_t **out, size_t *len_out)
{
    long long announced = req->ri->content_length;
    size_t cap, len = 0;
    uint8_t *buf;
    int n;

    *out = NULL;
    *len_out = 0;
    if (announced > 0 && (unsigned long long)announced > max)
        return POD_ERR_LIMIT;
    cap = announced >= 0 ? (size_t)announced : max + 1;
    buf = malloc(cap ? cap : 1);
    if (!buf)
        return POD_ERR_NOMEM;
    while (len < cap) {
        n = mg_read(req->conn, buf + len, cap - len);
        if (n < 0) {
            free(buf);
            return POD_ERR_IO;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > max || (announced > 0 && len < (size_t)announced)) {
        free(buf);
        return len > max ? POD_ERR_LIMIT : POD_ERR_IO;
    }
    *out = buf;
    *len_out = len;
    return POD_OK;
}

int
web_photo_save(struct web_req *req, const uint8_t *data, size_t len, struct store_photo *out,
               int *status, char *why, size_t why_len)
{
    struct store_photo ph = {0};
    struct store_txn *txn = NULL;
    int rc;

    *status = 500;
    if (len == 0) {
        *status = 422;
        pod_why(why, why_len, "No file was sent.");
        return POD_ERR_INVAL;
    }
    rc = media_photo_store(store_dir(req->server->store), data, len, ph.hash, &ph.width, &ph.height,
                           why, why_len);
    if (rc != POD_OK) {
        LOG_INFO("web", "photo of %s refused: %s", req->session->user.username, why);
        *status = rc == POD_ERR_LIMIT   ? 413
                  : rc == POD_ERR_PARSE ? 422
                  : rc == POD_ERR_FULL  ? 507
                                        : 500;
        if (!why[0])
            pod_why(why, why_len, "The photo could not be saved.");
        return rc;
    }
    ph.author = web_viewer(req);
    ph.created_at = drv_clock_wall();
    rc = pod_guid_new(ph.guid);
    if (rc == POD_OK)
        rc = store_txn_begin(req->server->store, true, &txn);
    if (rc == POD_OK)
        rc = store_photo_add(txn, &ph);
    if (rc == POD_OK)
        rc = store_photo_hash_link(txn, ph.hash, ph.id, true);
    if (rc == POD_OK)
        rc = store_txn_commit(txn);
    else if (txn)
        store_txn_abort(txn);
    if (rc != POD_OK) {
        if (rc == POD_ERR_FULL)
            *status = 507;
        pod_why(why, why_len,
                rc == POD_ERR_FULL ? "The pod's storage is full; the photo could not be saved."
                                   : "The photo could not be saved.");
        return rc;
    }
    LOG_INFO("web", "%s uploaded photo %llu (%ux%u)", req->session->user.username,
             (unsigned long long)ph.id, ph.width, ph.height);
    *out = ph;
    return POD_OK;
}

int
page_photo_create(struct web_req *req)
{
    const struct web_form_field *file = web_form_field(&req->form, "file");
    const uint8_t *data;
    uint8_t *raw = NULL;
    size_t len;
    struct store_photo ph;
    struct store_txn *txn;
    char why[200] = "";
    cJSON *json, *d;
    int status, rc = web_need_session(req);

    if (rc)
        return rc;
    if (file) {
        data = (const uint8_t *)file->value;
        len = file->value_len;
    } else if (content_type_is(req, "multipart/") ||
               content_type_is(req, "application/x-www-form-urlencoded")) {
        return web_reply_json_error(req, 422, "No file was sent.");
    } else {
        rc = read_raw_body(req, CONFIG_POD_PHOTO_MAX_BYTES, &raw, &len);
        if (rc == POD_ERR_LIMIT)
            return web_reply_json_error(req, 413, "The picture file is too large.");
        if (rc != POD_OK)
            return web_reply_json_error(req, 400, "The request body ended early.");
        data = raw;
    }
    rc = web_photo_save(req, data, len, &ph, &status, why, sizeof why);
    free(raw);
    if (rc != POD_OK)
        return web_reply_json_error(req, status, why);
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    json = cJSON_CreateObject();
    cJSON_AddBoolToObject(json, "success", true);
    d = cJSON_AddObjectToObject(json, "data");
    cJSON_AddItemToObject(d, "photo", web_present_photo(req, txn, &ph));
    store_txn_abort(txn);
    return web_reply_json(req, 200, json);
}

/* The photo of the URL (by id or GUID), or 0. */
static int
photo_of_url(struct store_txn *txn, const char *key, struct store_photo *ph)
{
    uint64_t id = web_parse_id(key);

    if (id)
        return store_photo_get(txn, id, ph);
    if (key && pod_guid_valid(key))
        return store_photo_get_by_guid(txn, key, ph);
    return POD_ERR_NOTFOUND;
}

int
page_photo_show(struct web_req *req)
{
    struct store_txn *txn = web_txn_begin(req, false);
    struct store_photo ph;
    cJSON *json = NULL;

    if (!txn)
        return req->status;
    if (photo_of_url(txn, req->params[0], &ph) == POD_OK &&
        photo_visible(req, txn, &ph, web_viewer(req), NULL))
        json = web_present_photo(req, txn, &ph);
    store_txn_abort(txn);
    if (!json)
        return web_reply_json_error(req, 404, "Not found.");
    return web_reply_json(req, 200, json);
}

static int
count_one(const struct store_photo *ph, void *ctx)
{
    (void)ph;
    (*(int *)ctx)++;
    return 0;
}

int
page_photo_delete(struct web_req *req)
{
    struct store_txn *txn;
    struct store_photo ph;
    char path[4096];
    int rc = web_need_session(req), left = 0;

    if (rc)
        return rc;
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = photo_of_url(txn, req->params[0], &ph);
    /* As diaspora*: only the author's own photos are found; anything else
     * is 403, so ids of others' photos reveal nothing. */
    if (rc == POD_OK && ph.author != web_viewer(req))
        rc = POD_ERR_AUTH;
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_ERR_AUTH;
    if (rc == POD_OK)
        rc = store_photo_delete(txn, ph.id); /* also takes it off its post */
    if (rc == POD_OK)
        rc = store_photo_hash_link(txn, ph.hash, ph.id, false);
    if (rc == POD_OK)
        rc = store_photos_by_hash(txn, ph.hash, count_one, &left);
    if (rc == POD_OK)
        rc = store_txn_commit(txn);
    else
        store_txn_abort(txn);
    if (rc == POD_ERR_AUTH)
        return web_reply_json_error(req, 403, "You may not do that.");
    if (rc != POD_OK)
        return web_reply_json_error(req, 500, "The photo could not be deleted.");
    for (int i = 0; left == 0 && i < MEDIA_PHOTO_SIZES; i++)
        if (media_photo_path(store_dir(req->server->store), ph.hash, media_photo_size_names[i],
                             path, sizeof path) == POD_OK)
            unlink(path);
    LOG_INFO("web", "%s deleted photo %llu", req->session->user.username,
             (unsigned long long)ph.id);
    return web_reply(req, 204, "application/json", "", 0, NULL);
}

/* ------------------------------------------------------------ files */

struct file_ctx {
    struct web_req *req;
    struct store_txn *txn;
    uint64_t viewer;
    bool visible, public;
};

static int
file_one(const struct store_photo *ph, void *ctx)
{
    struct file_ctx *c = ctx;
    bool pub = false;

    if (photo_visible(c->req, c->txn, ph, c->viewer, &pub)) {
        c->visible = true;
        c->public = c->public || pub;
    }
    return c->public; /* a public one settles it */
}

/* The size name that prefixes file as "<size>_" (how other pods ask for
 * a smaller version of the picture remote_photo_path + remote_photo_name:
 * diaspora* requests remote_photo_path + "thumb_medium_" + name); NULL
 * when file has no such prefix. A hash has no '_', so this is unambiguous. */
static const char *
size_prefix(const char *file)
{
    for (int i = 0; i < MEDIA_PHOTO_SIZES; i++) {
        size_t n = strlen(media_photo_size_names[i]);

        if (strncmp(file, media_photo_size_names[i], n) == 0 && file[n] == '_')
            return media_photo_size_names[i];
    }
    return NULL;
}

int
page_photo_file(struct web_req *req)
{
    const char *file = req->params[0], *dash, *dot, *prefixed = size_prefix(file);
    char hash[65], size[16], path[4096];
    struct file_ctx c = {req, NULL, web_viewer(req), false, false};
    int rc;

    if (prefixed)
        file += strlen(prefixed) + 1;
    dash = strrchr(file, '-');
    dot = strrchr(file, '.');
    if (!dash || !dot || dot < dash || strcmp(dot, ".jpg") != 0 || dash - file != 64 ||
        dot - dash - 1 >= (long)sizeof size)
        return web_reply_error(req, 404, "There is no such picture.");
    memcpy(hash, file, 64);
    hash[64] = '\0';
    memcpy(size, dash + 1, (size_t)(dot - dash - 1));
    size[dot - dash - 1] = '\0';
    if (prefixed)
        snprintf(size, sizeof size, "%s", prefixed);
    if (media_photo_path(store_dir(req->server->store), hash, size, path, sizeof path) != POD_OK)
        return web_reply_error(req, 404, "There is no such picture.");
    c.txn = web_txn_begin(req, false);
    if (!c.txn)
        return req->status;
    rc = store_photos_by_hash(c.txn, hash, file_one, &c);
    store_txn_abort(c.txn);
    if (rc < 0 || !c.visible)
        return web_reply_error(req, 404, "There is no such picture.");

    /* Names change with the bytes, so the files never do; who may see
     * them can, so only public posts' files go to shared caches. */
    return web_reply_file(req, path, "image/jpeg", PHOTO_FILE_MAX,
                          c.public ? "Cache-Control: public, max-age=31536000, immutable\r\n"
                                   : "Cache-Control: private, max-age=3600\r\nVary: Cookie\r\n");
}

/* ------------------------------------------------------- person's photos */

struct person_ctx {
    struct web_req *req;
    struct store_txn *txn;
    uint64_t viewer;
    cJSON *arr;
    int count;
};

static int
person_post(uint64_t post, int64_t created_at, void *ctx)
{
    struct person_ctx *c = ctx;
    struct pod_post_facts f;
    struct store_post p;
    struct store_photo ph;

    (void)created_at;
    if (store_post_get(c->txn, post, &c->req->arena, &p) != POD_OK)
        return 0;
    social_post_facts(c->txn, &p, c->viewer, &f);
    if (!pod_post_visible(&f, c->viewer))
        return 0;
    for (uint32_t i = 0; i < p.photo_count && c->count < PERSON_PHOTOS; i++) {
        if (store_photo_get(c->txn, p.photos[i], &ph) != POD_OK)
            continue;
        cJSON_AddItemToArray(c->arr, web_present_photo(c->req, c->txn, &ph));
        c->count++;
    }
    return c->count >= PERSON_PHOTOS;
}

int
page_person_photos(struct web_req *req)
{
    struct person_ctx c = {req, NULL, web_viewer(req), NULL, 0};
    struct store_person person;
    cJSON *json;
    int rc;

    c.txn = web_txn_begin(req, false);
    if (!c.txn)
        return req->status;
    rc = store_person_get_by_guid(c.txn, req->params[0], &person);
    if (rc != POD_OK) {
        store_txn_abort(c.txn);
        return web_reply_json_error(req, 404, "Nobody with that ID is known here.");
    }
    json = cJSON_CreateObject();
    c.arr = cJSON_AddArrayToObject(json, "photos");
    rc = store_stream_author(c.txn, person.id, INT64_MAX, UINT64_MAX, PERSON_SCAN, person_post, &c);
    store_txn_abort(c.txn);
    if (rc < 0) {
        cJSON_Delete(json);
        return web_reply_json_error(req, 500, "The photos could not be read.");
    }
    return web_reply_json(req, 200, json);
}
