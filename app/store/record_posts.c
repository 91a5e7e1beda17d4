/*
 * record_posts.c - the codecs of the records of store/posts.c: posts,
 * photos, polls, comments and likes (tags in store/record.h).
 *
 * As for people and contacts, the id a record is stored under is not
 * repeated in its value: decoders leave it 0 for the caller to fill in.
 * Texts (a post's Markdown, a comment) are not copied by the decoders:
 * they hand back a view into the record's bytes, and posts.c copies it
 * into the caller's arena.
 */
#include "store/record.h"

#include <string.h>

#include "core/error.h"
#include "store/store_internal.h"

/* A text field: at most STORE_POST_TEXT_MAX bytes, no NUL. */
static int
text_view(const struct store_rec_field *f, const char **text, size_t *len)
{
    if (f->len > STORE_POST_TEXT_MAX || (f->len && memchr(f->data, '\0', f->len)))
        return POD_ERR_CORRUPT;
    *text = (const char *)f->data;
    *len = f->len;
    return POD_OK;
}

/* A text to write: NULL counts as "". POD_ERR_INVAL when over the limit. */
static int
text_put(struct store_rec_writer *w, uint8_t tag, const char *text)
{
    size_t len = text ? strnlen(text, STORE_POST_TEXT_MAX + 1) : 0;

    if (len > STORE_POST_TEXT_MAX) {
        if (w->err == POD_OK)
            w->err = POD_ERR_INVAL;
        return w->err;
    }
    return store_rec_put_bytes(w, tag, text, len);
}

/* A non-zero id. */
static int
id_get(const struct store_rec_field *f, uint64_t *out)
{
    int rc = store_rec_get_uvarint(f, out);

    return rc == POD_OK && *out == 0 ? POD_ERR_CORRUPT : rc;
}

/* ---------------------------------------------------------- tag lists */

bool
store_post_tags_next(const void *tags, size_t len, size_t *off, const char **tag, size_t *tag_len)
{
    const uint8_t *p = tags;
    size_t n;

    if (!p || *off >= len)
        return false;
    n = p[*off];
    if (n == 0 || n > STORE_POST_TAG_MAX || n > len - *off - 1)
        return false;
    *tag = (const char *)p + *off + 1;
    *tag_len = n;
    *off += 1 + n;
    return true;
}

/* A stored tag list: well-formed, at most STORE_POST_MAX_TAGS names of 1 to
 * STORE_POST_TAG_MAX bytes without NUL. */
static int
tags_check(const uint8_t *p, size_t len)
{
    const char *tag;
    size_t tlen;
    size_t off = 0;
    size_t count = 0;

    while (store_post_tags_next(p, len, &off, &tag, &tlen)) {
        if (memchr(tag, '\0', tlen) || ++count > STORE_POST_MAX_TAGS)
            return POD_ERR_CORRUPT;
    }
    return off == len ? POD_OK : POD_ERR_CORRUPT;
}

/* ------------------------------------------------------------- posts */

struct post_ctx {
    struct store_post *p;
    struct store_post_view *v;
};

static int
photos_get(const struct store_rec_field *f, struct store_post *p)
{
    if (f->len % 8 || f->len / 8 > STORE_POST_MAX_PHOTOS)
        return POD_ERR_CORRUPT;
    p->photo_count = (uint32_t)(f->len / 8);
    for (uint32_t i = 0; i < p->photo_count; i++) {
        uint64_t v = 0;

        for (int b = 0; b < 8; b++)
            v = v << 8 | f->data[8 * i + (uint32_t)b];
        if (v == 0)
            return POD_ERR_CORRUPT;
        p->photos[i] = v;
    }
    return POD_OK;
}

static int
post_field(const struct store_rec_field *f, void *ctx)
{
    struct post_ctx *c = ctx;
    struct store_post *p = c->p;
    uint64_t v;
    int rc;

    switch (f->tag) {
    case STORE_POST_GUID:
        return store_rec_get_str(f, p->guid, sizeof(p->guid));
    case STORE_POST_AUTHOR:
        return id_get(f, &p->author);
    case STORE_POST_TYPE:
        rc = store_rec_get_uvarint(f, &v);
        if (rc == POD_OK && v != STORE_POST_STATUS && v != STORE_POST_RESHARE)
            rc = POD_ERR_CORRUPT;
        if (rc == POD_OK)
            p->type = (enum store_post_type)v;
        return rc;
    case STORE_POST_PUBLIC:
        return store_rec_get_bool(f, &p->public);
    case STORE_POST_TEXT:
        return text_view(f, &c->v->text, &c->v->text_len);
    case STORE_POST_ROOT:
        return id_get(f, &p->root);
    case STORE_POST_PROVIDER:
        return store_rec_get_str(f, p->provider, sizeof(p->provider));
    case STORE_POST_ADDRESS:
        return store_rec_get_str(f, p->address, sizeof(p->address));
    case STORE_POST_LAT:
        return store_rec_get_str(f, p->lat, sizeof(p->lat));
    case STORE_POST_LNG:
        return store_rec_get_str(f, p->lng, sizeof(p->lng));
    case STORE_POST_PHOTOS:
        return photos_get(f, p);
    case STORE_POST_CREATED_AT:
        return store_rec_get_i64(f, &p->created_at);
    case STORE_POST_COMMENTS_COUNT:
        return store_rec_get_u32(f, &p->comments_count);
    case STORE_POST_LIKES_COUNT:
        return store_rec_get_u32(f, &p->likes_count);
    case STORE_POST_RESHARES_COUNT:
        return store_rec_get_u32(f, &p->reshares_count);
    case STORE_POST_TAGS:
        if (tags_check(f->data, f->len) != POD_OK)
            return POD_ERR_CORRUPT;
        c->v->tags = f->data;
        c->v->tags_len = f->len;
        return POD_OK;
    default:
        return POD_OK;
    }
}

int
store_post_encode(struct store_rec_writer *w, const struct store_post *p, const void *tags,
                  size_t tags_len)
{
    uint8_t photos[8 * STORE_POST_MAX_PHOTOS];

    if (!p->guid[0] || !p->author ||
        (p->type != STORE_POST_STATUS && p->type != STORE_POST_RESHARE) ||
        p->photo_count > STORE_POST_MAX_PHOTOS || (tags_len && !tags) ||
        (tags_len && tags_check(tags, tags_len) != POD_OK))
        return POD_ERR_INVAL;
    for (uint32_t i = 0; i < p->photo_count; i++)
        store_be64_put(photos + 8 * i, p->photos[i]);
    store_rec_put_str(w, STORE_POST_GUID, p->guid, sizeof(p->guid));
    store_rec_put_uvarint(w, STORE_POST_AUTHOR, p->author);
    store_rec_put_uvarint(w, STORE_POST_TYPE, (uint64_t)p->type);
    store_rec_put_bool(w, STORE_POST_PUBLIC, p->public);
    text_put(w, STORE_POST_TEXT, p->text);
    if (p->root)
        store_rec_put_uvarint(w, STORE_POST_ROOT, p->root);
    store_rec_put_str(w, STORE_POST_PROVIDER, p->provider, sizeof(p->provider));
    store_rec_put_str(w, STORE_POST_ADDRESS, p->address, sizeof(p->address));
    store_rec_put_str(w, STORE_POST_LAT, p->lat, sizeof(p->lat));
    store_rec_put_str(w, STORE_POST_LNG, p->lng, sizeof(p->lng));
    if (p->photo_count)
        store_rec_put_bytes(w, STORE_POST_PHOTOS, photos, 8 * (size_t)p->photo_count);
    store_rec_put_i64(w, STORE_POST_CREATED_AT, p->created_at);
    store_rec_put_uvarint(w, STORE_POST_COMMENTS_COUNT, p->comments_count);
    store_rec_put_uvarint(w, STORE_POST_LIKES_COUNT, p->likes_count);
    store_rec_put_uvarint(w, STORE_POST_RESHARES_COUNT, p->reshares_count);
    if (tags_len)
        store_rec_put_bytes(w, STORE_POST_TAGS, tags, tags_len);
    return store_rec_writer_finish(w, NULL);
}

int
store_post_decode(const void *data, size_t len, struct store_post *out,
                  struct store_post_view *view)
{
    struct post_ctx c = {out, view};
    int rc;

    memset(out, 0, sizeof(*out));
    memset(view, 0, sizeof(*view));
    view->text = "";
    rc = store_rec_decode(data, len, post_field, &c);
    if (rc == POD_OK && (!out->guid[0] || !out->author || !out->type ||
                         (out->type == STORE_POST_RESHARE) != (out->root != 0)))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK) {
        memset(out, 0, sizeof(*out));
        memset(view, 0, sizeof(*view));
        view->text = "";
    }
    return rc;
}

/* ------------------------------------------------------------ photos */

static int
photo_field(const struct store_rec_field *f, void *ctx)
{
    struct store_photo *ph = ctx;

    switch (f->tag) {
    case STORE_PHOTO_GUID:
        return store_rec_get_str(f, ph->guid, sizeof(ph->guid));
    case STORE_PHOTO_AUTHOR:
        return id_get(f, &ph->author);
    case STORE_PHOTO_POST:
        return store_rec_get_uvarint(f, &ph->post);
    case STORE_PHOTO_PUBLIC:
        return store_rec_get_bool(f, &ph->public);
    case STORE_PHOTO_HASH:
        return store_rec_get_str(f, ph->hash, sizeof(ph->hash));
    case STORE_PHOTO_WIDTH:
        return store_rec_get_u32(f, &ph->width);
    case STORE_PHOTO_HEIGHT:
        return store_rec_get_u32(f, &ph->height);
    case STORE_PHOTO_CREATED_AT:
        return store_rec_get_i64(f, &ph->created_at);
    case STORE_PHOTO_REMOTE_URL:
        return store_rec_get_str(f, ph->remote_url, sizeof(ph->remote_url));
    default:
        return POD_OK;
    }
}

int
store_photo_encode(struct store_rec_writer *w, const struct store_photo *ph)
{
    if (!ph->guid[0] || !ph->author)
        return POD_ERR_INVAL;
    store_rec_put_str(w, STORE_PHOTO_GUID, ph->guid, sizeof(ph->guid));
    store_rec_put_uvarint(w, STORE_PHOTO_AUTHOR, ph->author);
    store_rec_put_uvarint(w, STORE_PHOTO_POST, ph->post);
    store_rec_put_bool(w, STORE_PHOTO_PUBLIC, ph->public);
    store_rec_put_str(w, STORE_PHOTO_HASH, ph->hash, sizeof(ph->hash));
    store_rec_put_uvarint(w, STORE_PHOTO_WIDTH, ph->width);
    store_rec_put_uvarint(w, STORE_PHOTO_HEIGHT, ph->height);
    store_rec_put_i64(w, STORE_PHOTO_CREATED_AT, ph->created_at);
    if (ph->remote_url[0])
        store_rec_put_str(w, STORE_PHOTO_REMOTE_URL, ph->remote_url, sizeof(ph->remote_url));
    return store_rec_writer_finish(w, NULL);
}

int
store_photo_decode(const void *data, size_t len, struct store_photo *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_rec_decode(data, len, photo_field, out);
    if (rc == POD_OK && (!out->guid[0] || !out->author))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ------------------------------------------------------------- polls */

static int
poll_field(const struct store_rec_field *f, void *ctx)
{
    struct store_poll *poll = ctx;

    if (f->tag >= STORE_POLL_ANSWER0 && f->tag < STORE_POLL_ANSWER0 + STORE_POLL_MAX_ANSWERS)
        return store_rec_get_str(f, poll->answers[f->tag - STORE_POLL_ANSWER0],
                                 sizeof(poll->answers[0]));
    if (f->tag >= STORE_POLL_ANSWER_GUID0 &&
        f->tag < STORE_POLL_ANSWER_GUID0 + STORE_POLL_MAX_ANSWERS)
        return store_rec_get_str(f, poll->answer_guids[f->tag - STORE_POLL_ANSWER_GUID0],
                                 sizeof(poll->answer_guids[0]));
    switch (f->tag) {
    case STORE_POLL_GUID:
        return store_rec_get_str(f, poll->guid, sizeof(poll->guid));
    case STORE_POLL_QUESTION:
        return store_rec_get_str(f, poll->question, sizeof(poll->question));
    case STORE_POLL_ANSWER_COUNT:
        return store_rec_get_u32(f, &poll->answer_count);
    default:
        return POD_OK;
    }
}

int
store_poll_encode(struct store_rec_writer *w, const struct store_poll *poll)
{
    if (poll->answer_count < 2 || poll->answer_count > STORE_POLL_MAX_ANSWERS)
        return POD_ERR_INVAL;
    store_rec_put_str(w, STORE_POLL_QUESTION, poll->question, sizeof(poll->question));
    store_rec_put_uvarint(w, STORE_POLL_ANSWER_COUNT, poll->answer_count);
    for (uint32_t i = 0; i < poll->answer_count; i++)
        store_rec_put_str(w, (uint8_t)(STORE_POLL_ANSWER0 + i), poll->answers[i],
                          sizeof(poll->answers[i]));
    if (poll->guid[0])
        store_rec_put_str(w, STORE_POLL_GUID, poll->guid, sizeof(poll->guid));
    for (uint32_t i = 0; i < poll->answer_count; i++) {
        if (poll->answer_guids[i][0])
            store_rec_put_str(w, (uint8_t)(STORE_POLL_ANSWER_GUID0 + i), poll->answer_guids[i],
                              sizeof(poll->answer_guids[i]));
    }
    return store_rec_writer_finish(w, NULL);
}

int
store_poll_decode(const void *data, size_t len, struct store_poll *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_rec_decode(data, len, poll_field, out);
    if (rc == POD_OK && (out->answer_count < 2 || out->answer_count > STORE_POLL_MAX_ANSWERS))
        rc = POD_ERR_CORRUPT;
    /* No answer text past the count. */
    for (uint32_t i = out->answer_count; rc == POD_OK && i < STORE_POLL_MAX_ANSWERS; i++) {
        if (out->answers[i][0] || out->answer_guids[i][0])
            rc = POD_ERR_CORRUPT;
    }
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ---------------------------------------------------------- comments */

struct comment_ctx {
    struct store_comment *c;
    const char **text;
    size_t *text_len;
};

static int
comment_field(const struct store_rec_field *f, void *ctx)
{
    struct comment_ctx *cc = ctx;
    struct store_comment *c = cc->c;

    switch (f->tag) {
    case STORE_COMMENT_GUID:
        return store_rec_get_str(f, c->guid, sizeof(c->guid));
    case STORE_COMMENT_POST:
        return id_get(f, &c->post);
    case STORE_COMMENT_AUTHOR:
        return id_get(f, &c->author);
    case STORE_COMMENT_TEXT:
        return text_view(f, cc->text, cc->text_len);
    case STORE_COMMENT_CREATED_AT:
        return store_rec_get_i64(f, &c->created_at);
    case STORE_COMMENT_LIKES_COUNT:
        return store_rec_get_u32(f, &c->likes_count);
    default:
        return POD_OK;
    }
}

int
store_comment_encode(struct store_rec_writer *w, const struct store_comment *c)
{
    if (!c->guid[0] || !c->post || !c->author)
        return POD_ERR_INVAL;
    store_rec_put_str(w, STORE_COMMENT_GUID, c->guid, sizeof(c->guid));
    store_rec_put_uvarint(w, STORE_COMMENT_POST, c->post);
    store_rec_put_uvarint(w, STORE_COMMENT_AUTHOR, c->author);
    text_put(w, STORE_COMMENT_TEXT, c->text);
    store_rec_put_i64(w, STORE_COMMENT_CREATED_AT, c->created_at);
    store_rec_put_uvarint(w, STORE_COMMENT_LIKES_COUNT, c->likes_count);
    return store_rec_writer_finish(w, NULL);
}

int
store_comment_decode(const void *data, size_t len, struct store_comment *out, const char **text,
                     size_t *text_len)
{
    struct comment_ctx cc = {out, text, text_len};
    int rc;

    memset(out, 0, sizeof(*out));
    *text = "";
    *text_len = 0;
    rc = store_rec_decode(data, len, comment_field, &cc);
    if (rc == POD_OK && (!out->guid[0] || !out->post || !out->author))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK) {
        memset(out, 0, sizeof(*out));
        *text = "";
        *text_len = 0;
    }
    return rc;
}

/* ------------------------------------------------------------- likes */

static int
like_field(const struct store_rec_field *f, void *ctx)
{
    struct store_like *l = ctx;
    uint64_t v;
    int rc;

    switch (f->tag) {
    case STORE_LIKE_GUID:
        return store_rec_get_str(f, l->guid, sizeof(l->guid));
    case STORE_LIKE_TARGET_TYPE:
        rc = store_rec_get_uvarint(f, &v);
        if (rc == POD_OK && v != STORE_LIKE_POST && v != STORE_LIKE_COMMENT)
            rc = POD_ERR_CORRUPT;
        if (rc == POD_OK)
            l->target_type = (enum store_like_target)v;
        return rc;
    case STORE_LIKE_TARGET:
        return id_get(f, &l->target);
    case STORE_LIKE_AUTHOR:
        return id_get(f, &l->author);
    case STORE_LIKE_POSITIVE:
        return store_rec_get_bool(f, &l->positive);
    case STORE_LIKE_CREATED_AT:
        return store_rec_get_i64(f, &l->created_at);
    default:
        return POD_OK;
    }
}

int
store_like_encode(struct store_rec_writer *w, const struct store_like *l)
{
    if (!l->guid[0] || !l->target || !l->author ||
        (l->target_type != STORE_LIKE_POST && l->target_type != STORE_LIKE_COMMENT))
        return POD_ERR_INVAL;
    store_rec_put_str(w, STORE_LIKE_GUID, l->guid, sizeof(l->guid));
    store_rec_put_uvarint(w, STORE_LIKE_TARGET_TYPE, (uint64_t)l->target_type);
    store_rec_put_uvarint(w, STORE_LIKE_TARGET, l->target);
    store_rec_put_uvarint(w, STORE_LIKE_AUTHOR, l->author);
    store_rec_put_bool(w, STORE_LIKE_POSITIVE, l->positive);
    store_rec_put_i64(w, STORE_LIKE_CREATED_AT, l->created_at);
    return store_rec_writer_finish(w, NULL);
}

int
store_like_decode(const void *data, size_t len, struct store_like *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_rec_decode(data, len, like_field, out);
    if (rc == POD_OK && (!out->guid[0] || !out->target || !out->author || !out->target_type))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}
