/*
 * posts.c - posts, photos, polls, comments, likes, reshares,
 * participations and the stream indexes (store/posts.h); the record codecs
 * are in record_posts.c.
 *
 * Databases (migration 4). Keys are big-endian so LMDB's byte order is
 * numeric order. T is a time: created_at as a u64 with the sign bit
 * flipped, big-endian, so that times before 1970 sort first.
 *
 *   posts                be64 id -> post record (text inline)
 *   posts_by_guid        guid -> be64 id
 *   idx_author           be64 author + T + be64 id -> empty
 *   idx_public           T + be64 id -> empty
 *   idx_tag              tag + 0x00 + T + be64 id -> empty
 *   idx_inbox            be64 reader + T + be64 id -> empty
 *   inbox_by_post        be64 post + be64 reader -> empty
 *   post_shares          be64 post + be64 person -> empty
 *   polls                be64 post -> poll record
 *   poll_votes           be64 post + be64 person -> be32 answer
 *   polls_by_guid        poll guid -> be64 post (not in migration 4: the
 *                        first poll stored with a GUID creates it; a pod
 *                        without one finds no poll by GUID)
 *   photos               be64 id -> photo record
 *   photos_by_guid       guid -> be64 id
 *   comments             be64 id -> comment record
 *   comments_by_guid     guid -> be64 id
 *   comments_by_post     be64 post + T + be64 id -> empty
 *   likes                be64 id -> like record
 *   likes_by_guid        guid -> be64 id
 *   likes_by_target      u8 type + be64 target + be64 author -> be64 like id
 *   reshares_by_root     be64 root + T + be64 post -> be64 author
 *   participations       be64 person + be64 post -> empty
 *   participants_by_post be64 post + be64 person -> empty
 *   idx_commented        be64 person + T + be64 post -> empty
 *   commented_last       be64 person + be64 post -> the T of that idx_commented entry
 *   idx_liked            be64 person + T + be64 post -> empty
 *
 * Decisions worth knowing:
 *  - A stream page is one cursor seek plus one step per entry given: its
 *    cost depends on the page size, never on how many posts the pod holds.
 *  - inbox_by_post records which inboxes a post went to, so a delete
 *    removes exactly those entries even after the author's followers
 *    changed.
 *  - idx_commented holds one entry per (person, post), at the time of the
 *    person's newest comment there. commented_last finds that entry in one
 *    read when another comment arrives. When a comment is deleted, the
 *    newest remaining one by the same person is found by walking the
 *    post's comments newest first: the cost is bounded by that post's
 *    comments and paid only on deletes.
 *  - idx_liked indexes likes of posts (not of comments). Counters count
 *    positive likes only, as diaspora* does; dislikes are stored and
 *    listed but neither counted nor indexed.
 *  - Photos: photo.post == X exactly when the photo is in post X's list.
 *    Deleting a post unlinks its photos (post = 0, pending again) and
 *    leaves their records and files to the caller.
 *  - Reshares of a deleted post stay (their root no longer resolves); the
 *    root's reshares_by_root entries go with it.
 *  - Commenting or liking does not make a participation: callers decide
 *    (diaspora* makes commenters and likers participants) in the same
 *    transaction.
 */
#include "store/posts.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "store/contacts.h"
#include "store/record.h"
#include "store/store_internal.h"

#define T_LEN   8
#define KEY_MAX 96 /* the longest key: a tag of 64 bytes + 0x00 + T + id */
#define VAL_MAX 16 /* the longest index value copied while draining */

/* Copy buffers for read-modify-write of a record: most posts fit, long
 * ones spill into the arena's heap chunks for the length of one update. */
#define UPDATE_BUF 1024

enum db {
    D_POSTS,
    D_POSTS_BY_GUID,
    D_IDX_AUTHOR,
    D_IDX_PUBLIC,
    D_IDX_TAG,
    D_IDX_INBOX,
    D_INBOX_BY_POST,
    D_POST_SHARES,
    D_POLLS,
    D_POLL_VOTES,
    D_PHOTOS,
    D_PHOTOS_BY_GUID,
    D_COMMENTS,
    D_COMMENTS_BY_GUID,
    D_COMMENTS_BY_POST,
    D_LIKES,
    D_LIKES_BY_GUID,
    D_LIKES_BY_TARGET,
    D_RESHARES_BY_ROOT,
    D_PARTICIPATIONS,
    D_PARTICIPANTS_BY_POST,
    D_IDX_COMMENTED,
    D_COMMENTED_LAST,
    D_IDX_LIKED,
    D_COUNT,
};

static const char *const db_names[D_COUNT] = {
    [D_POSTS] = "posts",
    [D_POSTS_BY_GUID] = "posts_by_guid",
    [D_IDX_AUTHOR] = "idx_author",
    [D_IDX_PUBLIC] = "idx_public",
    [D_IDX_TAG] = "idx_tag",
    [D_IDX_INBOX] = "idx_inbox",
    [D_INBOX_BY_POST] = "inbox_by_post",
    [D_POST_SHARES] = "post_shares",
    [D_POLLS] = "polls",
    [D_POLL_VOTES] = "poll_votes",
    [D_PHOTOS] = "photos",
    [D_PHOTOS_BY_GUID] = "photos_by_guid",
    [D_COMMENTS] = "comments",
    [D_COMMENTS_BY_GUID] = "comments_by_guid",
    [D_COMMENTS_BY_POST] = "comments_by_post",
    [D_LIKES] = "likes",
    [D_LIKES_BY_GUID] = "likes_by_guid",
    [D_LIKES_BY_TARGET] = "likes_by_target",
    [D_RESHARES_BY_ROOT] = "reshares_by_root",
    [D_PARTICIPATIONS] = "participations",
    [D_PARTICIPANTS_BY_POST] = "participants_by_post",
    [D_IDX_COMMENTED] = "idx_commented",
    [D_COMMENTED_LAST] = "commented_last",
    [D_IDX_LIKED] = "idx_liked",
};

#define DB_POLLS_BY_GUID "polls_by_guid"

/* The handles a write needs, looked up once per call. */
struct dbs {
    struct store_txn *txn;
    MDB_dbi h[D_COUNT];
};

enum counter { C_COMMENTS, C_LIKES, C_RESHARES };

/* ============================================================ helpers */

/* The handle of one database; write = true refuses a read-only txn. */
static int
db_get(struct store_txn *txn, bool write, enum db which, MDB_dbi *out)
{
    if (!txn || (write && !txn->write))
        return POD_ERR_INVAL;
    return store_dbi_find(txn, db_names[which], out);
}

/* Every handle, for a write transaction. */
static int
dbs_open(struct store_txn *txn, struct dbs *d)
{
    int rc = POD_OK;

    if (!txn || !txn->write)
        return POD_ERR_INVAL;
    d->txn = txn;
    for (int i = 0; rc == POD_OK && i < D_COUNT; i++)
        rc = store_dbi_find(txn, db_names[i], &d->h[i]);
    return rc;
}

static void
time_put(uint8_t out[T_LEN], int64_t t)
{
    store_be64_put(out, (uint64_t)t ^ (UINT64_C(1) << 63));
}

static int64_t
time_get(const uint8_t in[T_LEN])
{
    uint64_t u = store_be64_get(in) ^ (UINT64_C(1) << 63);

    /* Two's complement without implementation-defined conversion. */
    return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

/* a + b (8 bytes each): 16 bytes. */
static size_t
key_ab(uint8_t *k, uint64_t a, uint64_t b)
{
    store_be64_put(k, a);
    store_be64_put(k + 8, b);
    return 16;
}

/* a + T + b: 24 bytes. */
static size_t
key_atb(uint8_t *k, uint64_t a, int64_t t, uint64_t b)
{
    store_be64_put(k, a);
    time_put(k + 8, t);
    store_be64_put(k + 16, b);
    return 24;
}

/* tag + 0x00: the prefix of a tag's entries; tag is checked already. */
static size_t
key_tag_prefix(uint8_t *k, const char *tag, size_t len)
{
    memcpy(k, tag, len);
    k[len] = 0;
    return len + 1;
}

/* u8 type + be64 target (+ be64 author when author != 0). */
static size_t
key_like_target(uint8_t *k, enum store_like_target type, uint64_t target, uint64_t author)
{
    k[0] = (uint8_t)type;
    store_be64_put(k + 1, target);
    if (!author)
        return 9;
    store_be64_put(k + 9, author);
    return 17;
}

static int
get_raw(struct store_txn *txn, MDB_dbi dbi, const void *k, size_t klen, MDB_val *val)
{
    MDB_val key = {klen, (void *)k};

    return store_err_map(mdb_get(txn->txn, dbi, &key, val));
}

static int
put_raw(struct store_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v, size_t vlen,
        unsigned flags)
{
    MDB_val key = {klen, (void *)k};
    MDB_val val = {vlen, (void *)v};

    return store_err_map(mdb_put(txn->txn, dbi, &key, &val, flags));
}

static int
put_id(struct store_txn *txn, MDB_dbi dbi, const void *k, size_t klen, uint64_t id, unsigned flags)
{
    uint8_t v[8];

    store_be64_put(v, id);
    return put_raw(txn, dbi, k, klen, v, sizeof(v), flags);
}

/* mdb_del that does not mind a missing key. */
static int
del_raw(struct store_txn *txn, MDB_dbi dbi, const void *k, size_t klen)
{
    MDB_val key = {klen, (void *)k};
    int rc = store_err_map(mdb_del(txn->txn, dbi, &key, NULL));

    return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
}

static bool
key_present(struct store_txn *txn, MDB_dbi dbi, const void *k, size_t klen)
{
    MDB_val val;

    return get_raw(txn, dbi, k, klen, &val) == POD_OK;
}

/* A GUID from a struct field of size bytes as a key: POD_ERR_INVAL if
 * empty or not NUL-terminated within the field. */
static int
guid_field(const char *guid, size_t size, size_t *len)
{
    *len = strnlen(guid, size);
    return *len == 0 || *len == size ? POD_ERR_INVAL : POD_OK;
}

/* A GUID argument: POD_ERR_INVAL if NULL or empty, POD_ERR_LIMIT if long. */
static int
guid_arg(const char *guid, size_t *len)
{
    if (!guid || !*guid)
        return POD_ERR_INVAL;
    *len = strnlen(guid, STORE_GUID_MAX + 1);
    return *len > STORE_GUID_MAX ? POD_ERR_LIMIT : POD_OK;
}

/* The id a GUID index maps guid to. */
static int
guid_lookup(struct store_txn *txn, MDB_dbi dbi, const char *guid, size_t len, uint64_t *id)
{
    MDB_val val;
    int rc = get_raw(txn, dbi, guid, len, &val);

    if (rc == POD_OK && val.mv_size != 8)
        rc = POD_ERR_CORRUPT;
    if (rc == POD_OK)
        *id = store_be64_get(val.mv_data);
    return rc;
}

/* Removes guid from a GUID index if it maps to id (and only then: an
 * entry naming another record is not ours to drop). */
static int
guid_del(struct store_txn *txn, MDB_dbi dbi, const char *guid, uint64_t id)
{
    size_t len = strlen(guid);
    uint64_t cur;
    int rc = guid_lookup(txn, dbi, guid, len, &cur);

    if (rc == POD_ERR_NOTFOUND || (rc == POD_OK && cur != id))
        return POD_OK;
    if (rc == POD_OK)
        rc = del_raw(txn, dbi, guid, len);
    return rc;
}

/* Encodes obj straight into the space LMDB reserves for key (as in
 * accounts.c): a measuring pass first, so invalid input writes nothing. */
typedef int (*rec_encoder)(struct store_rec_writer *w, const void *obj);

static int
rec_put(struct store_txn *txn, MDB_dbi dbi, const void *k, size_t klen, rec_encoder enc,
        const void *obj, unsigned flags)
{
    struct store_rec_writer w;
    MDB_val key = {klen, (void *)k};
    MDB_val val;
    size_t len;
    size_t written;
    int rc;

    store_rec_writer_init(&w, NULL, 0);
    rc = enc(&w, obj);
    if (rc != POD_OK)
        goto out;
    store_rec_writer_finish(&w, &len);
    val.mv_size = len;
    val.mv_data = NULL;
    rc = store_err_map(mdb_put(txn->txn, dbi, &key, &val, flags | MDB_RESERVE));
    if (rc != POD_OK)
        goto out;
    store_rec_writer_init(&w, val.mv_data, len);
    rc = enc(&w, obj);
    if (rc == POD_OK)
        rc = store_rec_writer_finish(&w, &written);
    if (rc == POD_OK && written != len)
        rc = POD_ERR_INVAL; /* obj changed under us */
out:
    return rc;
}

typedef int (*entry_fn)(const MDB_val *key, const MDB_val *val, void *ctx);

static bool
has_prefix(const MDB_val *k, const void *prefix, size_t plen)
{
    /* The public stream's prefix is NULL, 0: memcmp may not see NULL. */
    return k->mv_size >= plen && (plen == 0 || memcmp(k->mv_data, prefix, plen) == 0);
}

/* Calls fn for each entry under prefix in key order until it returns
 * non-zero (which is returned). fn must not write to dbi. */
static int
prefix_each(struct store_txn *txn, MDB_dbi dbi, const void *prefix, size_t plen, entry_fn fn,
            void *ctx)
{
    MDB_cursor *cur = NULL;
    MDB_val k = {plen, (void *)prefix};
    MDB_val v;
    int rc;

    rc = store_err_map(mdb_cursor_open(txn->txn, dbi, &cur));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
    while (rc == POD_OK && has_prefix(&k, prefix, plen)) {
        rc = fn(&k, &v, ctx);
        if (rc != 0)
            goto out;
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_NEXT));
    }
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_OK;
out:
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

/* Removes every entry under prefix, first calling fn (may be NULL) with
 * copies of its key and value; fn may write to other databases. Each
 * round seeks afresh, so nothing depends on a cursor across writes. */
static int
prefix_drain(struct store_txn *txn, MDB_dbi dbi, const void *prefix, size_t plen, entry_fn fn,
             void *ctx)
{
    uint8_t kbuf[KEY_MAX];
    uint8_t vbuf[VAL_MAX];
    MDB_cursor *cur = NULL;
    MDB_val k;
    MDB_val v;
    int rc;

    rc = store_err_map(mdb_cursor_open(txn->txn, dbi, &cur));
    while (rc == POD_OK) {
        k.mv_size = plen;
        k.mv_data = (void *)prefix;
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
        if (rc != POD_OK || !has_prefix(&k, prefix, plen))
            break;
        if (k.mv_size > sizeof(kbuf) || v.mv_size > sizeof(vbuf)) {
            rc = POD_ERR_CORRUPT;
            break;
        }
        memcpy(kbuf, k.mv_data, k.mv_size);
        if (v.mv_size)
            memcpy(vbuf, v.mv_data, v.mv_size);
        k.mv_data = kbuf;
        v.mv_data = vbuf;
        if (fn) {
            rc = fn(&k, &v, ctx);
            if (rc != POD_OK)
                break;
        }
        rc = store_err_map(mdb_del(txn->txn, dbi, &k, NULL));
    }
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_OK;
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

static uint32_t
bump(uint32_t n, int delta)
{
    if (delta > 0)
        return n == UINT32_MAX ? n : n + 1;
    return n ? n - 1 : 0;
}

/* ============================================================== posts */

struct post_rec {
    const struct store_post *p;
    const struct store_post_view *v;
};

static int
enc_post(struct store_rec_writer *w, const void *obj)
{
    const struct post_rec *r = obj;

    return store_post_encode(w, r->p, r->v ? r->v->tags : NULL, r->v ? r->v->tags_len : 0);
}

static int
post_put(struct store_txn *txn, MDB_dbi posts, const struct store_post *p,
         const struct store_post_view *v, unsigned flags)
{
    struct post_rec r = {p, v};
    uint8_t k[8];

    store_be64_put(k, p->id);
    return rec_put(txn, posts, k, sizeof(k), enc_post, &r, flags);
}

/* Reads post id. With a, the text is copied into it (else out->text is
 * NULL); with tags (needs a), the tag list is copied there too. */
static int
post_load(struct store_txn *txn, MDB_dbi posts, uint64_t id, struct pod_arena *a,
          struct store_post *out, struct store_post_view *tags)
{
    struct store_post_view v;
    uint8_t k[8];
    MDB_val val;
    uint8_t *copy;
    int rc;

    store_be64_put(k, id);
    rc = get_raw(txn, posts, k, sizeof(k), &val);
    if (rc == POD_OK)
        rc = store_post_decode(val.mv_data, val.mv_size, out, &v);
    if (rc != POD_OK)
        goto out;
    out->id = id;
    if (!a)
        goto out;
    out->text = pod_arena_strndup(a, v.text, v.text_len);
    if (!out->text) {
        rc = POD_ERR_NOMEM;
        goto out;
    }
    if (!tags)
        goto out;
    memset(tags, 0, sizeof(*tags));
    if (v.tags_len) {
        copy = pod_arena_alloc(a, v.tags_len);
        if (!copy) {
            rc = POD_ERR_NOMEM;
            goto out;
        }
        memcpy(copy, v.tags, v.tags_len);
        tags->tags = copy;
        tags->tags_len = v.tags_len;
    }
out:
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* Adds delta (+1/-1) to one counter of post id; a missing post is
 * POD_ERR_NOTFOUND. The record is copied before it is rewritten: LMDB may
 * reuse the old value's bytes during the put. */
static int
post_count(struct store_txn *txn, MDB_dbi posts, uint64_t id, enum counter which, int delta)
{
    unsigned char buf[UPDATE_BUF];
    struct store_post_view v;
    struct store_post p;
    struct pod_arena a;
    int rc;

    pod_arena_init(&a, buf, sizeof(buf), 0);
    rc = post_load(txn, posts, id, &a, &p, &v);
    if (rc != POD_OK)
        goto out;
    if (which == C_COMMENTS)
        p.comments_count = bump(p.comments_count, delta);
    else if (which == C_LIKES)
        p.likes_count = bump(p.likes_count, delta);
    else
        p.reshares_count = bump(p.reshares_count, delta);
    rc = post_put(txn, posts, &p, &v, 0);
out:
    pod_arena_free(&a);
    return rc;
}

/* Adds photo to post's photo list (on) or takes it out. */
static int
post_photo_edit(struct store_txn *txn, MDB_dbi posts, uint64_t post, uint64_t photo, bool on)
{
    unsigned char buf[UPDATE_BUF];
    struct store_post_view v;
    struct store_post p;
    struct pod_arena a;
    uint32_t i;
    int rc;

    pod_arena_init(&a, buf, sizeof(buf), 0);
    rc = post_load(txn, posts, post, &a, &p, &v);
    if (rc != POD_OK)
        goto out;
    for (i = 0; i < p.photo_count && p.photos[i] != photo; i++)
        ;
    if (on == (i < p.photo_count))
        goto out; /* already so */
    if (on) {
        if (p.photo_count == STORE_POST_MAX_PHOTOS) {
            rc = POD_ERR_LIMIT;
            goto out;
        }
        p.photos[p.photo_count++] = photo;
    } else {
        memmove(&p.photos[i], &p.photos[i + 1], (p.photo_count - i - 1) * sizeof(p.photos[0]));
        p.photos[--p.photo_count] = 0;
    }
    rc = post_put(txn, posts, &p, &v, 0);
out:
    pod_arena_free(&a);
    return rc;
}

/* Both entries of one inbox delivery. */
static int
inbox_add(const struct dbs *d, uint64_t reader, uint64_t post, int64_t t)
{
    uint8_t k[24];
    int rc;

    rc = put_raw(d->txn, d->h[D_IDX_INBOX], k, key_atb(k, reader, t, post), NULL, 0, 0);
    if (rc == POD_OK)
        rc = put_raw(d->txn, d->h[D_INBOX_BY_POST], k, key_ab(k, post, reader), NULL, 0, 0);
    return rc;
}

struct fanout {
    const struct dbs *d;
    uint64_t post;
    int64_t t;
    int rc;
};

static int
fanout_one(const struct store_contact *c, void *ctx)
{
    struct fanout *f = ctx;

    if (!c->sharing || !c->owner)
        return 0;
    f->rc = inbox_add(f->d, c->owner, f->post, f->t);
    return f->rc;
}

static bool
text_ok(const char *s, size_t size)
{
    size_t len = strnlen(s, size);

    return len > 0 && len < size;
}

/* A GUID field of a poll: "" or a NUL-terminated GUID. */
static bool
poll_guid_ok(const char *s, size_t size)
{
    return strnlen(s, size) < size;
}

static int
poll_check(const struct store_poll *poll)
{
    if (poll->answer_count < 2 || poll->answer_count > STORE_POLL_MAX_ANSWERS ||
        !text_ok(poll->question, sizeof(poll->question)) ||
        !poll_guid_ok(poll->guid, sizeof(poll->guid)))
        return POD_ERR_INVAL;
    for (uint32_t i = 0; i < poll->answer_count; i++) {
        if (!text_ok(poll->answers[i], sizeof(poll->answers[i])) ||
            !poll_guid_ok(poll->answer_guids[i], sizeof(poll->answer_guids[i])))
            return POD_ERR_INVAL;
    }
    return POD_OK;
}

/* The polls_by_guid handle; create (write transactions) makes the
 * database when it does not exist yet. */
static int
polls_by_guid(struct store_txn *txn, bool create, MDB_dbi *out)
{
    int rc = create ? store_db_create(txn, DB_POLLS_BY_GUID) : POD_OK;

    return rc == POD_OK ? store_dbi_find(txn, DB_POLLS_BY_GUID, out) : rc;
}

/* True when a poll has GUID guid. */
static bool
poll_guid_taken(struct store_txn *txn, const char *guid)
{
    MDB_dbi dbi;

    return polls_by_guid(txn, false, &dbi) == POD_OK && key_present(txn, dbi, guid, strlen(guid));
}

static int
enc_poll(struct store_rec_writer *w, const void *obj)
{
    return store_poll_encode(w, obj);
}

static int
enc_photo(struct store_rec_writer *w, const void *obj)
{
    return store_photo_encode(w, obj);
}

static int
photo_put(struct store_txn *txn, MDB_dbi photos, const struct store_photo *ph, unsigned flags)
{
    uint8_t k[8];

    store_be64_put(k, ph->id);
    return rec_put(txn, photos, k, sizeof(k), enc_photo, ph, flags);
}

static int
photo_load(struct store_txn *txn, MDB_dbi photos, uint64_t id, struct store_photo *out)
{
    uint8_t k[8];
    MDB_val val;
    int rc;

    store_be64_put(k, id);
    rc = get_raw(txn, photos, k, sizeof(k), &val);
    if (rc == POD_OK)
        rc = store_photo_decode(val.mv_data, val.mv_size, out);
    if (rc == POD_OK)
        out->id = id;
    return rc;
}

/* The argument checks of store_post_add that need no database; builds
 * the tag list into tl (*tl_len bytes). */
static int
post_check(const struct store_post *p, const uint64_t *recipients, size_t recipient_count,
           const char *const *tags, size_t tag_count, const struct store_poll *poll, uint8_t *tl,
           size_t *tl_len)
{
    size_t len;

    *tl_len = 0;
    if (guid_field(p->guid, sizeof(p->guid), &len) != POD_OK || !p->author)
        return POD_ERR_INVAL;
    if ((p->type != STORE_POST_STATUS && p->type != STORE_POST_RESHARE) ||
        (p->type == STORE_POST_RESHARE) != (p->root != 0))
        return POD_ERR_INVAL;
    if (p->text && strnlen(p->text, STORE_POST_TEXT_MAX + 1) > STORE_POST_TEXT_MAX)
        return POD_ERR_LIMIT;
    if (strnlen(p->provider, sizeof(p->provider)) == sizeof(p->provider) ||
        strnlen(p->address, sizeof(p->address)) == sizeof(p->address) ||
        strnlen(p->lat, sizeof(p->lat)) == sizeof(p->lat) ||
        strnlen(p->lng, sizeof(p->lng)) == sizeof(p->lng))
        return POD_ERR_INVAL;
    if (p->photo_count > STORE_POST_MAX_PHOTOS)
        return POD_ERR_LIMIT;
    for (uint32_t i = 0; i < p->photo_count; i++) {
        if (!p->photos[i])
            return POD_ERR_INVAL;
        for (uint32_t j = 0; j < i; j++) {
            if (p->photos[j] == p->photos[i])
                return POD_ERR_INVAL;
        }
    }
    if (!p->public) {
        if (recipient_count && !recipients)
            return POD_ERR_INVAL;
        for (size_t i = 0; i < recipient_count; i++) {
            if (!recipients[i])
                return POD_ERR_INVAL;
        }
    }
    if (tag_count > STORE_POST_MAX_TAGS)
        return POD_ERR_LIMIT;
    if (tag_count && !tags)
        return POD_ERR_INVAL;
    for (size_t i = 0; i < tag_count; i++) {
        if (!tags[i] || !tags[i][0])
            return POD_ERR_INVAL;
        len = strnlen(tags[i], STORE_POST_TAG_MAX + 1);
        if (len > STORE_POST_TAG_MAX)
            return POD_ERR_LIMIT;
        tl[*tl_len] = (uint8_t)len;
        memcpy(tl + *tl_len + 1, tags[i], len);
        *tl_len += 1 + len;
    }
    if (poll && poll->answer_count)
        return poll_check(poll);
    return POD_OK;
}

int
store_post_add(struct store_txn *txn, struct store_post *p, const uint64_t *recipients,
               size_t recipient_count, const char *const *tags, size_t tag_count,
               const struct store_poll *poll)
{
    uint8_t tl[STORE_POST_MAX_TAGS * (1 + STORE_POST_TAG_MAX)];
    struct store_post_view v = {0};
    struct store_photo ph;
    struct store_post root;
    struct fanout fan;
    struct dbs d;
    uint8_t k[KEY_MAX];
    const char *tag;
    size_t tag_len;
    size_t glen;
    size_t off;
    uint64_t id;
    int rc;

    if (!p) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = post_check(p, recipients, recipient_count, tags, tag_count, poll, tl, &v.tags_len);
    if (rc == POD_OK)
        rc = dbs_open(txn, &d);
    if (rc != POD_OK)
        goto out;
    v.tags = tl;
    glen = strlen(p->guid);
    /* Every check before any write: a refused add changes nothing. */
    if (key_present(txn, d.h[D_POSTS_BY_GUID], p->guid, glen) ||
        (poll && poll->answer_count && poll->guid[0] && poll_guid_taken(txn, poll->guid))) {
        rc = POD_ERR_EXISTS;
        goto out;
    }
    if (p->root) {
        rc = post_load(txn, d.h[D_POSTS], p->root, NULL, &root, NULL);
        if (rc != POD_OK)
            goto out;
    }
    for (uint32_t i = 0; i < p->photo_count; i++) {
        rc = photo_load(txn, d.h[D_PHOTOS], p->photos[i], &ph);
        if (rc == POD_OK && ph.author != p->author)
            rc = POD_ERR_AUTH;
        if (rc == POD_OK && ph.post)
            rc = POD_ERR_EXISTS; /* belongs to another post */
        if (rc != POD_OK)
            goto out;
    }
    rc = store_seq_next(txn, "posts", &id);
    if (rc != POD_OK)
        goto out;
    p->id = id;
    p->comments_count = p->likes_count = p->reshares_count = 0;
    rc = post_put(txn, d.h[D_POSTS], p, &v, MDB_NOOVERWRITE);
    if (rc == POD_OK)
        rc = put_id(txn, d.h[D_POSTS_BY_GUID], p->guid, glen, id, MDB_NOOVERWRITE);
    if (rc == POD_OK)
        rc = put_raw(txn, d.h[D_IDX_AUTHOR], k, key_atb(k, p->author, p->created_at, id), NULL, 0,
                     0);
    if (rc == POD_OK && p->public) {
        time_put(k, p->created_at);
        store_be64_put(k + T_LEN, id);
        rc = put_raw(txn, d.h[D_IDX_PUBLIC], k, 16, NULL, 0, 0);
    }
    off = 0;
    while (rc == POD_OK && store_post_tags_next(tl, v.tags_len, &off, &tag, &tag_len)) {
        size_t n = key_tag_prefix(k, tag, tag_len);

        time_put(k + n, p->created_at);
        store_be64_put(k + n + T_LEN, id);
        rc = put_raw(txn, d.h[D_IDX_TAG], k, n + 16, NULL, 0, 0);
    }
    if (rc == POD_OK)
        rc = inbox_add(&d, p->author, id, p->created_at);
    for (size_t i = 0; rc == POD_OK && !p->public && i < recipient_count; i++) {
        rc = put_raw(txn, d.h[D_POST_SHARES], k, key_ab(k, id, recipients[i]), NULL, 0, 0);
        if (rc == POD_OK)
            rc = inbox_add(&d, recipients[i], id, p->created_at);
    }
    if (rc == POD_OK && p->public) {
        fan = (struct fanout){&d, id, p->created_at, POD_OK};
        rc = store_followers_each(txn, p->author, fanout_one, &fan);
        if (fan.rc != POD_OK)
            rc = fan.rc;
    }
    if (rc == POD_OK && p->root) {
        rc = post_count(txn, d.h[D_POSTS], p->root, C_RESHARES, +1);
        if (rc == POD_OK)
            rc = put_id(txn, d.h[D_RESHARES_BY_ROOT], k, key_atb(k, p->root, p->created_at, id),
                        p->author, 0);
    }
    for (uint32_t i = 0; rc == POD_OK && i < p->photo_count; i++) {
        rc = photo_load(txn, d.h[D_PHOTOS], p->photos[i], &ph);
        if (rc == POD_OK) {
            ph.post = id;
            rc = photo_put(txn, d.h[D_PHOTOS], &ph, 0);
        }
    }
    if (rc == POD_OK && poll && poll->answer_count) {
        store_be64_put(k, id);
        rc = rec_put(txn, d.h[D_POLLS], k, 8, enc_poll, poll, 0);
        if (rc == POD_OK && poll->guid[0]) {
            MDB_dbi by_guid;

            rc = polls_by_guid(txn, true, &by_guid);
            if (rc == POD_OK)
                rc = put_id(txn, by_guid, poll->guid, strlen(poll->guid), id, MDB_NOOVERWRITE);
        }
    }
    if (rc != POD_OK)
        p->id = 0;
out:
    return rc;
}

int
store_post_get(struct store_txn *txn, uint64_t id, struct pod_arena *a, struct store_post *out)
{
    MDB_dbi posts;
    int rc;

    if (!out) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    memset(out, 0, sizeof(*out));
    if (!id || !a) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = db_get(txn, false, D_POSTS, &posts);
    if (rc == POD_OK)
        rc = post_load(txn, posts, id, a, out, NULL);
out:
    return rc;
}

int
store_post_get_by_guid(struct store_txn *txn, const char *guid, struct pod_arena *a,
                       struct store_post *out)
{
    MDB_dbi by_guid;
    size_t len;
    uint64_t id;
    int rc;

    if (!out) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    memset(out, 0, sizeof(*out));
    rc = a ? guid_arg(guid, &len) : POD_ERR_INVAL;
    if (rc == POD_OK)
        rc = db_get(txn, false, D_POSTS_BY_GUID, &by_guid);
    if (rc == POD_OK)
        rc = guid_lookup(txn, by_guid, guid, len, &id);
    if (rc != POD_OK)
        goto out;
    rc = store_post_get(txn, id, a, out);
    /* An index entry without its post, or naming another GUID, is damage. */
    if (rc == POD_ERR_NOTFOUND || (rc == POD_OK && strcmp(out->guid, guid) != 0)) {
        memset(out, 0, sizeof(*out));
        rc = POD_ERR_CORRUPT;
    }
out:
    return rc;
}

int
store_post_share_add(struct store_txn *txn, uint64_t post, uint64_t person)
{
    struct dbs d;
    struct store_post p;
    uint8_t k[16];
    int rc;

    if (!post || !person)
        return POD_ERR_INVAL;
    if (store_post_is_shared_with(txn, post, person))
        return POD_OK;
    rc = dbs_open(txn, &d);
    if (rc == POD_OK)
        rc = post_load(txn, d.h[D_POSTS], post, NULL, &p, NULL);
    if (rc == POD_OK && p.public)
        return POD_ERR_INVAL;
    if (rc == POD_OK)
        rc = put_raw(txn, d.h[D_POST_SHARES], k, key_ab(k, post, person), NULL, 0, 0);
    if (rc == POD_OK)
        rc = inbox_add(&d, person, post, p.created_at);
    return rc;
}

bool
store_post_is_shared_with(struct store_txn *txn, uint64_t post, uint64_t person)
{
    MDB_dbi shares;
    uint8_t k[16];

    if (!post || !person || db_get(txn, false, D_POST_SHARES, &shares) != POD_OK)
        return false;
    return key_present(txn, shares, k, key_ab(k, post, person));
}

/* ---- cascades ---- */

struct cascade {
    const struct dbs *d;
    uint64_t post;
    int64_t t;
};

/* A like entry going (value: the like id): its record, GUID and liked
 * index entry. Counters are the caller's business. */
static int
like_drop(const MDB_val *k, const MDB_val *v, void *ctx)
{
    const struct dbs *d = ctx;
    struct store_like l;
    uint8_t key[24];
    MDB_val val;
    uint64_t id;
    int rc;

    (void)k;
    if (v->mv_size != 8)
        return POD_ERR_CORRUPT;
    id = store_be64_get(v->mv_data);
    store_be64_put(key, id);
    rc = get_raw(d->txn, d->h[D_LIKES], key, 8, &val);
    if (rc == POD_ERR_NOTFOUND)
        return POD_OK;
    if (rc == POD_OK)
        rc = store_like_decode(val.mv_data, val.mv_size, &l);
    if (rc == POD_OK)
        rc = del_raw(d->txn, d->h[D_LIKES], key, 8);
    if (rc == POD_OK)
        rc = guid_del(d->txn, d->h[D_LIKES_BY_GUID], l.guid, id);
    if (rc == POD_OK && l.target_type == STORE_LIKE_POST)
        rc =
            del_raw(d->txn, d->h[D_IDX_LIKED], key, key_atb(key, l.author, l.created_at, l.target));
    return rc;
}

/* Removes person's idx_commented entry for post and its side lookup. */
static int
commented_drop(const struct dbs *d, uint64_t person, uint64_t post)
{
    uint8_t side[16];
    uint8_t k[24];
    MDB_val val;
    size_t slen = key_ab(side, person, post);
    int rc;

    rc = get_raw(d->txn, d->h[D_COMMENTED_LAST], side, slen, &val);
    if (rc == POD_ERR_NOTFOUND)
        return POD_OK;
    if (rc == POD_OK && val.mv_size != T_LEN)
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        return rc;
    store_be64_put(k, person);
    memcpy(k + 8, val.mv_data, T_LEN);
    store_be64_put(k + 16, post);
    rc = del_raw(d->txn, d->h[D_IDX_COMMENTED], k, 24);
    if (rc == POD_OK)
        rc = del_raw(d->txn, d->h[D_COMMENTED_LAST], side, slen);
    return rc;
}

/* Points person's idx_commented entry for post at time t, unless it
 * already stands at a later time. */
static int
commented_touch(const struct dbs *d, uint64_t person, uint64_t post, int64_t t)
{
    uint8_t side[16];
    uint8_t tk[T_LEN];
    uint8_t k[24];
    MDB_val val;
    size_t slen = key_ab(side, person, post);
    int rc;

    time_put(tk, t);
    rc = get_raw(d->txn, d->h[D_COMMENTED_LAST], side, slen, &val);
    if (rc == POD_OK && val.mv_size != T_LEN)
        rc = POD_ERR_CORRUPT;
    if (rc == POD_OK && memcmp(val.mv_data, tk, T_LEN) >= 0)
        return POD_OK;
    if (rc == POD_OK)
        rc = commented_drop(d, person, post);
    else if (rc == POD_ERR_NOTFOUND)
        rc = POD_OK;
    if (rc == POD_OK)
        rc = put_raw(d->txn, d->h[D_IDX_COMMENTED], k, key_atb(k, person, t, post), NULL, 0, 0);
    if (rc == POD_OK)
        rc = put_raw(d->txn, d->h[D_COMMENTED_LAST], side, slen, tk, T_LEN, 0);
    return rc;
}

static int
comment_load(struct store_txn *txn, MDB_dbi comments, uint64_t id, struct pod_arena *a,
             struct store_comment *out)
{
    const char *text;
    size_t text_len;
    uint8_t k[8];
    MDB_val val;
    int rc;

    store_be64_put(k, id);
    rc = get_raw(txn, comments, k, sizeof(k), &val);
    if (rc == POD_OK)
        rc = store_comment_decode(val.mv_data, val.mv_size, out, &text, &text_len);
    if (rc != POD_OK)
        goto out;
    out->id = id;
    if (a) {
        out->text = pod_arena_strndup(a, text, text_len);
        if (!out->text)
            rc = POD_ERR_NOMEM;
    }
out:
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* The newest comment of person on post still stored, walking the post's
 * comments newest first; POD_ERR_NOTFOUND when none is left. */
static int
newest_comment_by(const struct dbs *d, uint64_t post, uint64_t person, int64_t *t)
{
    struct store_comment c;
    MDB_cursor *cur = NULL;
    uint8_t seek[24];
    MDB_val k;
    MDB_val v;
    int rc;

    memset(seek, 0xff, sizeof(seek));
    store_be64_put(seek, post);
    k.mv_size = sizeof(seek);
    k.mv_data = seek;
    rc = store_err_map(mdb_cursor_open(d->txn->txn, d->h[D_COMMENTS_BY_POST], &cur));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_PREV));
    else if (rc == POD_ERR_NOTFOUND)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_LAST));
    while (rc == POD_OK) {
        if (!has_prefix(&k, seek, 8)) {
            rc = POD_ERR_NOTFOUND;
            break;
        }
        if (k.mv_size != 24) {
            rc = POD_ERR_CORRUPT;
            break;
        }
        rc = comment_load(d->txn, d->h[D_COMMENTS], store_be64_get((uint8_t *)k.mv_data + 16), NULL,
                          &c);
        if (rc == POD_OK && c.author == person) {
            *t = c.created_at;
            break;
        }
        if (rc == POD_OK || rc == POD_ERR_NOTFOUND)
            rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_PREV));
    }
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

/* Removes comment c (read without text) and the likes on it. With
 * post_gone the post goes too: its comments_by_post entries are being
 * drained by the caller and its counter does not matter. */
static int
comment_remove(const struct dbs *d, const struct store_comment *c, bool post_gone)
{
    uint8_t k[24];
    int64_t t;
    int rc;

    rc = prefix_drain(d->txn, d->h[D_LIKES_BY_TARGET], k,
                      key_like_target(k, STORE_LIKE_COMMENT, c->id, 0), like_drop, (void *)d);
    if (rc == POD_OK) {
        store_be64_put(k, c->id);
        rc = del_raw(d->txn, d->h[D_COMMENTS], k, 8);
    }
    if (rc == POD_OK)
        rc = guid_del(d->txn, d->h[D_COMMENTS_BY_GUID], c->guid, c->id);
    if (rc != POD_OK || post_gone)
        goto out;
    rc = del_raw(d->txn, d->h[D_COMMENTS_BY_POST], k, key_atb(k, c->post, c->created_at, c->id));
    if (rc == POD_OK) {
        rc = post_count(d->txn, d->h[D_POSTS], c->post, C_COMMENTS, -1);
        if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK;
    }
    if (rc == POD_OK)
        rc = commented_drop(d, c->author, c->post);
    if (rc == POD_OK) {
        rc = newest_comment_by(d, c->post, c->author, &t);
        if (rc == POD_OK)
            rc = commented_touch(d, c->author, c->post, t);
        else if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK;
    }
out:
    return rc;
}

/* A comments_by_post entry of a post being deleted. */
static int
comment_cascade(const MDB_val *k, const MDB_val *v, void *ctx)
{
    const struct cascade *cs = ctx;
    struct store_comment c;
    int rc;

    (void)v;
    if (k->mv_size != 24)
        return POD_ERR_CORRUPT;
    rc = comment_load(cs->d->txn, cs->d->h[D_COMMENTS], store_be64_get((uint8_t *)k->mv_data + 16),
                      NULL, &c);
    if (rc == POD_ERR_NOTFOUND)
        return POD_OK;
    if (rc == POD_OK)
        rc = comment_remove(cs->d, &c, true);
    if (rc == POD_OK)
        rc = commented_drop(cs->d, c.author, cs->post);
    return rc;
}

/* An inbox_by_post entry (post + reader) of a post being deleted. */
static int
inbox_cascade(const MDB_val *k, const MDB_val *v, void *ctx)
{
    const struct cascade *cs = ctx;
    uint8_t key[24];

    (void)v;
    if (k->mv_size != 16)
        return POD_ERR_CORRUPT;
    return del_raw(cs->d->txn, cs->d->h[D_IDX_INBOX], key,
                   key_atb(key, store_be64_get((uint8_t *)k->mv_data + 8), cs->t, cs->post));
}

/* A participants_by_post entry (post + person) of a post being deleted. */
static int
participant_cascade(const MDB_val *k, const MDB_val *v, void *ctx)
{
    const struct cascade *cs = ctx;
    uint8_t key[16];

    (void)v;
    if (k->mv_size != 16)
        return POD_ERR_CORRUPT;
    return del_raw(cs->d->txn, cs->d->h[D_PARTICIPATIONS], key,
                   key_ab(key, store_be64_get((uint8_t *)k->mv_data + 8), cs->post));
}

/* The indexes of post p: author, public, tags. */
static int
post_unindex(const struct dbs *d, const struct store_post *p, const struct store_post_view *v)
{
    uint8_t k[KEY_MAX];
    const char *tag;
    size_t tag_len;
    size_t off = 0;
    int rc;

    rc = del_raw(d->txn, d->h[D_IDX_AUTHOR], k, key_atb(k, p->author, p->created_at, p->id));
    if (rc == POD_OK) {
        time_put(k, p->created_at);
        store_be64_put(k + T_LEN, p->id);
        rc = del_raw(d->txn, d->h[D_IDX_PUBLIC], k, 16);
    }
    while (rc == POD_OK && store_post_tags_next(v->tags, v->tags_len, &off, &tag, &tag_len)) {
        size_t n = key_tag_prefix(k, tag, tag_len);

        time_put(k + n, p->created_at);
        store_be64_put(k + n + T_LEN, p->id);
        rc = del_raw(d->txn, d->h[D_IDX_TAG], k, n + 16);
    }
    return rc;
}

/* Drops the polls_by_guid entry of post's poll, if any. */
static int
poll_unindex(struct store_txn *txn, MDB_dbi polls, uint64_t post)
{
    struct store_poll *poll = malloc(sizeof *poll); /* large: not on the stack */
    MDB_dbi by_guid;
    uint8_t k[8];
    MDB_val val;
    int rc;

    if (!poll)
        return POD_ERR_NOMEM;
    store_be64_put(k, post);
    rc = get_raw(txn, polls, k, 8, &val);
    if (rc == POD_OK)
        rc = store_poll_decode(val.mv_data, val.mv_size, poll);
    if (rc == POD_OK && poll->guid[0] && polls_by_guid(txn, false, &by_guid) == POD_OK)
        rc = guid_del(txn, by_guid, poll->guid, post);
    else if (rc == POD_ERR_NOTFOUND || rc == POD_ERR_CORRUPT)
        rc = POD_OK; /* no poll, or nothing readable to unindex */
    free(poll);
    return rc;
}

int
store_post_delete(struct store_txn *txn, uint64_t id)
{
    unsigned char buf[UPDATE_BUF];
    struct store_post_view v;
    struct store_photo ph;
    struct store_post p;
    struct cascade cs;
    struct pod_arena a;
    struct dbs d;
    uint8_t k[24];
    int rc;

    pod_arena_init(&a, buf, sizeof(buf), 0);
    rc = id ? dbs_open(txn, &d) : POD_ERR_INVAL;
    if (rc == POD_OK)
        rc = post_load(txn, d.h[D_POSTS], id, &a, &p, &v);
    if (rc != POD_OK)
        goto out;
    cs = (struct cascade){&d, id, p.created_at};
    store_be64_put(k, id);
    rc = del_raw(txn, d.h[D_POSTS], k, 8);
    if (rc == POD_OK)
        rc = guid_del(txn, d.h[D_POSTS_BY_GUID], p.guid, id);
    if (rc == POD_OK)
        rc = post_unindex(&d, &p, &v);
    if (rc == POD_OK)
        rc = prefix_drain(txn, d.h[D_INBOX_BY_POST], k, 8, inbox_cascade, &cs);
    if (rc == POD_OK)
        rc = prefix_drain(txn, d.h[D_POST_SHARES], k, 8, NULL, NULL);
    if (rc == POD_OK)
        rc = prefix_drain(txn, d.h[D_COMMENTS_BY_POST], k, 8, comment_cascade, &cs);
    if (rc == POD_OK)
        rc = prefix_drain(txn, d.h[D_LIKES_BY_TARGET], k,
                          key_like_target(k, STORE_LIKE_POST, id, 0), like_drop, &d);
    store_be64_put(k, id);
    if (rc == POD_OK)
        rc = prefix_drain(txn, d.h[D_POLL_VOTES], k, 8, NULL, NULL);
    if (rc == POD_OK)
        rc = poll_unindex(txn, d.h[D_POLLS], id);
    store_be64_put(k, id);
    if (rc == POD_OK)
        rc = del_raw(txn, d.h[D_POLLS], k, 8);
    if (rc == POD_OK)
        rc = prefix_drain(txn, d.h[D_PARTICIPANTS_BY_POST], k, 8, participant_cascade, &cs);
    /* Reshares of this post keep existing; the index of them goes. */
    if (rc == POD_OK)
        rc = prefix_drain(txn, d.h[D_RESHARES_BY_ROOT], k, 8, NULL, NULL);
    if (rc == POD_OK && p.root) {
        rc = del_raw(txn, d.h[D_RESHARES_BY_ROOT], k, key_atb(k, p.root, p.created_at, id));
        if (rc == POD_OK)
            rc = post_count(txn, d.h[D_POSTS], p.root, C_RESHARES, -1);
        if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK; /* the root went first */
    }
    for (uint32_t i = 0; rc == POD_OK && i < p.photo_count; i++) {
        rc = photo_load(txn, d.h[D_PHOTOS], p.photos[i], &ph);
        if (rc == POD_OK && ph.post == id && !ph.hash[0] && ph.remote_url[0]) {
            /* A remote photo is only a reference: it goes with its post. */
            store_be64_put(k, ph.id);
            rc = del_raw(txn, d.h[D_PHOTOS], k, 8);
            if (rc == POD_OK)
                rc = guid_del(txn, d.h[D_PHOTOS_BY_GUID], ph.guid, ph.id);
        } else if (rc == POD_OK && ph.post == id) {
            ph.post = 0;
            rc = photo_put(txn, d.h[D_PHOTOS], &ph, 0);
        }
        if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK;
    }
out:
    pod_arena_free(&a);
    return rc;
}

/* ============================================================ streams */

/* One page of an index whose keys are prefix + T + be64 id, newest
 * first, strictly older than (max_time, before_id): one seek to that
 * key, then one step back per entry. */
static int
stream_page(struct store_txn *txn, enum db which, const uint8_t *prefix, size_t plen,
            int64_t max_time, uint64_t before_id, size_t limit, store_stream_fn fn, void *ctx)
{
    uint8_t seek[KEY_MAX];
    MDB_cursor *cur = NULL;
    const uint8_t *e;
    MDB_dbi dbi;
    MDB_val k;
    MDB_val v;
    size_t n = 0;
    int rc;

    if (!fn) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = db_get(txn, false, which, &dbi);
    if (rc != POD_OK || limit == 0)
        goto out;
    if (plen) /* the public stream's prefix is NULL, 0 */
        memcpy(seek, prefix, plen);
    time_put(seek + plen, max_time);
    store_be64_put(seek + plen + T_LEN, before_id);
    k.mv_size = plen + 16;
    k.mv_data = seek;
    rc = store_err_map(mdb_cursor_open(txn->txn, dbi, &cur));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
    /* What SET_RANGE finds is at or after the cursor key, so not older:
     * step back. Nothing at or after it: start from the last entry. */
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_PREV));
    else if (rc == POD_ERR_NOTFOUND)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_LAST));
    while (rc == POD_OK && has_prefix(&k, prefix, plen)) {
        if (k.mv_size != plen + 16) {
            rc = POD_ERR_CORRUPT;
            break;
        }
        e = (const uint8_t *)k.mv_data + plen;
        rc = fn(store_be64_get(e + T_LEN), time_get(e), ctx);
        if (rc != 0)
            goto out;
        if (++n == limit)
            break;
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_PREV));
    }
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_OK;
out:
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

/* Streams keyed by a person id (inbox, author, commented, liked). */
static int
person_stream(struct store_txn *txn, enum db which, uint64_t person, int64_t max_time,
              uint64_t before_id, size_t limit, store_stream_fn fn, void *ctx)
{
    uint8_t prefix[8];

    if (!person)
        return POD_ERR_INVAL;
    store_be64_put(prefix, person);
    return stream_page(txn, which, prefix, sizeof(prefix), max_time, before_id, limit, fn, ctx);
}

int
store_stream_inbox(struct store_txn *txn, uint64_t reader, int64_t max_time, uint64_t before_id,
                   size_t limit, store_stream_fn fn, void *ctx)
{
    return person_stream(txn, D_IDX_INBOX, reader, max_time, before_id, limit, fn, ctx);
}

int
store_stream_public(struct store_txn *txn, int64_t max_time, uint64_t before_id, size_t limit,
                    store_stream_fn fn, void *ctx)
{
    return stream_page(txn, D_IDX_PUBLIC, NULL, 0, max_time, before_id, limit, fn, ctx);
}

int
store_stream_author(struct store_txn *txn, uint64_t author, int64_t max_time, uint64_t before_id,
                    size_t limit, store_stream_fn fn, void *ctx)
{
    return person_stream(txn, D_IDX_AUTHOR, author, max_time, before_id, limit, fn, ctx);
}

int
store_stream_tag(struct store_txn *txn, const char *tag, int64_t max_time, uint64_t before_id,
                 size_t limit, store_stream_fn fn, void *ctx)
{
    uint8_t prefix[STORE_POST_TAG_MAX + 1];
    size_t len;

    if (!tag || !*tag)
        return POD_ERR_INVAL;
    len = strnlen(tag, STORE_POST_TAG_MAX + 1);
    if (len > STORE_POST_TAG_MAX)
        return POD_ERR_LIMIT;
    return stream_page(txn, D_IDX_TAG, prefix, key_tag_prefix(prefix, tag, len), max_time,
                       before_id, limit, fn, ctx);
}

int
store_stream_commented(struct store_txn *txn, uint64_t person, int64_t max_time, uint64_t before_id,
                       size_t limit, store_stream_fn fn, void *ctx)
{
    return person_stream(txn, D_IDX_COMMENTED, person, max_time, before_id, limit, fn, ctx);
}

int
store_stream_liked(struct store_txn *txn, uint64_t person, int64_t max_time, uint64_t before_id,
                   size_t limit, store_stream_fn fn, void *ctx)
{
    return person_stream(txn, D_IDX_LIKED, person, max_time, before_id, limit, fn, ctx);
}

/* ============================================================= photos */

/* Checks that photo ph may hang off post (its author's, with room). */
static int
photo_post_check(const struct dbs *d, const struct store_photo *ph)
{
    struct store_post p;
    int rc = post_load(d->txn, d->h[D_POSTS], ph->post, NULL, &p, NULL);

    if (rc == POD_OK && p.author != ph->author)
        rc = POD_ERR_AUTH;
    if (rc == POD_OK && p.photo_count == STORE_POST_MAX_PHOTOS)
        rc = POD_ERR_LIMIT;
    return rc;
}

int
store_photo_add(struct store_txn *txn, struct store_photo *ph)
{
    struct dbs d;
    size_t glen;
    uint64_t id;
    int rc;

    if (!ph || guid_field(ph->guid, sizeof(ph->guid), &glen) != POD_OK || !ph->author ||
        strnlen(ph->hash, sizeof(ph->hash)) == sizeof(ph->hash) ||
        strnlen(ph->remote_url, sizeof(ph->remote_url)) == sizeof(ph->remote_url)) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = dbs_open(txn, &d);
    if (rc != POD_OK)
        goto out;
    if (key_present(txn, d.h[D_PHOTOS_BY_GUID], ph->guid, glen)) {
        rc = POD_ERR_EXISTS;
        goto out;
    }
    if (ph->post) {
        rc = photo_post_check(&d, ph);
        if (rc != POD_OK)
            goto out;
    }
    rc = store_seq_next(txn, "photos", &id);
    if (rc != POD_OK)
        goto out;
    ph->id = id;
    rc = photo_put(txn, d.h[D_PHOTOS], ph, MDB_NOOVERWRITE);
    if (rc == POD_OK)
        rc = put_id(txn, d.h[D_PHOTOS_BY_GUID], ph->guid, glen, id, MDB_NOOVERWRITE);
    if (rc == POD_OK && ph->post)
        rc = post_photo_edit(txn, d.h[D_POSTS], ph->post, id, true);
    if (rc != POD_OK)
        ph->id = 0;
out:
    return rc;
}

int
store_photo_get(struct store_txn *txn, uint64_t id, struct store_photo *out)
{
    MDB_dbi photos;
    int rc;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof(*out));
    rc = id ? db_get(txn, false, D_PHOTOS, &photos) : POD_ERR_INVAL;
    if (rc == POD_OK)
        rc = photo_load(txn, photos, id, out);
    return rc;
}

int
store_photo_get_by_guid(struct store_txn *txn, const char *guid, struct store_photo *out)
{
    MDB_dbi by_guid;
    size_t len;
    uint64_t id;
    int rc;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof(*out));
    rc = guid_arg(guid, &len);
    if (rc == POD_OK)
        rc = db_get(txn, false, D_PHOTOS_BY_GUID, &by_guid);
    if (rc == POD_OK)
        rc = guid_lookup(txn, by_guid, guid, len, &id);
    if (rc != POD_OK)
        return rc;
    rc = store_photo_get(txn, id, out);
    if (rc == POD_ERR_NOTFOUND || (rc == POD_OK && strcmp(out->guid, guid) != 0)) {
        memset(out, 0, sizeof(*out));
        rc = POD_ERR_CORRUPT;
    }
    return rc;
}

int
store_photo_update(struct store_txn *txn, const struct store_photo *ph)
{
    struct store_photo old;
    struct dbs d;
    size_t glen;
    int rc;

    if (!ph || !ph->id || guid_field(ph->guid, sizeof(ph->guid), &glen) != POD_OK) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = dbs_open(txn, &d);
    if (rc == POD_OK)
        rc = photo_load(txn, d.h[D_PHOTOS], ph->id, &old);
    if (rc != POD_OK)
        goto out;
    /* The GUID and the author are the photo's identity. */
    if (strcmp(old.guid, ph->guid) != 0 || old.author != ph->author) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    if (old.post != ph->post) {
        if (ph->post)
            rc = photo_post_check(&d, ph);
        if (rc == POD_OK && old.post) {
            rc = post_photo_edit(txn, d.h[D_POSTS], old.post, ph->id, false);
            if (rc == POD_ERR_NOTFOUND)
                rc = POD_OK;
        }
        if (rc == POD_OK && ph->post)
            rc = post_photo_edit(txn, d.h[D_POSTS], ph->post, ph->id, true);
    }
    if (rc == POD_OK)
        rc = photo_put(txn, d.h[D_PHOTOS], ph, 0);
out:
    return rc;
}

int
store_photo_delete(struct store_txn *txn, uint64_t id)
{
    struct store_photo ph;
    struct dbs d;
    uint8_t k[8];
    int rc;

    rc = id ? dbs_open(txn, &d) : POD_ERR_INVAL;
    if (rc == POD_OK)
        rc = photo_load(txn, d.h[D_PHOTOS], id, &ph);
    if (rc != POD_OK)
        goto out;
    if (ph.post) {
        rc = post_photo_edit(txn, d.h[D_POSTS], ph.post, id, false);
        if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK;
    }
    store_be64_put(k, id);
    if (rc == POD_OK)
        rc = del_raw(txn, d.h[D_PHOTOS], k, 8);
    if (rc == POD_OK)
        rc = guid_del(txn, d.h[D_PHOTOS_BY_GUID], ph.guid, id);
out:
    return rc;
}

/* ============================================================== polls */

int
store_poll_get(struct store_txn *txn, uint64_t post, struct store_poll *out)
{
    MDB_dbi polls;
    uint8_t k[8];
    MDB_val val;
    int rc;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof(*out));
    rc = post ? db_get(txn, false, D_POLLS, &polls) : POD_ERR_INVAL;
    store_be64_put(k, post);
    if (rc == POD_OK)
        rc = get_raw(txn, polls, k, 8, &val);
    if (rc == POD_OK)
        rc = store_poll_decode(val.mv_data, val.mv_size, out);
    return rc;
}

int
store_poll_get_by_guid(struct store_txn *txn, const char *guid, uint64_t *post,
                       struct store_poll *out)
{
    struct store_poll *tmp = out;
    MDB_dbi by_guid;
    size_t len;
    uint64_t id = 0;
    int rc;

    if (!post)
        return POD_ERR_INVAL;
    *post = 0;
    rc = guid_arg(guid, &len);
    if (rc == POD_OK)
        rc = polls_by_guid(txn, false, &by_guid);
    if (rc == POD_OK)
        rc = guid_lookup(txn, by_guid, guid, len, &id);
    if (rc != POD_OK)
        return rc;
    if (!tmp && !(tmp = malloc(sizeof *tmp)))
        return POD_ERR_NOMEM;
    rc = store_poll_get(txn, id, tmp);
    if (rc == POD_ERR_NOTFOUND || (rc == POD_OK && strcmp(tmp->guid, guid) != 0)) {
        memset(tmp, 0, sizeof(*tmp));
        rc = POD_ERR_CORRUPT;
    }
    if (rc == POD_OK)
        *post = id;
    if (tmp != out)
        free(tmp);
    return rc;
}

int
store_poll_set_guids(struct store_txn *txn, uint64_t post, const struct store_poll *ids)
{
    struct store_poll *poll = NULL;
    MDB_dbi polls, by_guid;
    uint8_t k[8];
    uint64_t other;
    size_t len;
    int rc;

    if (!post || !ids || guid_field(ids->guid, sizeof(ids->guid), &len) != POD_OK)
        return POD_ERR_INVAL;
    for (uint32_t i = 0; i < ids->answer_count && i < STORE_POLL_MAX_ANSWERS; i++) {
        if (guid_field(ids->answer_guids[i], sizeof(ids->answer_guids[i]), &len) != POD_OK)
            return POD_ERR_INVAL;
    }
    rc = db_get(txn, true, D_POLLS, &polls);
    if (rc == POD_OK && !(poll = malloc(sizeof *poll)))
        rc = POD_ERR_NOMEM;
    if (rc == POD_OK)
        rc = store_poll_get(txn, post, poll);
    if (rc == POD_OK && poll->answer_count != ids->answer_count)
        rc = POD_ERR_INVAL;
    if (rc == POD_OK)
        rc = polls_by_guid(txn, true, &by_guid);
    if (rc == POD_OK) {
        rc = guid_lookup(txn, by_guid, ids->guid, strlen(ids->guid), &other);
        if (rc == POD_OK && other != post)
            rc = POD_ERR_EXISTS;
        else if (rc == POD_ERR_NOTFOUND || rc == POD_OK)
            rc = POD_OK;
    }
    if (rc == POD_OK && poll->guid[0] && strcmp(poll->guid, ids->guid) != 0)
        rc = guid_del(txn, by_guid, poll->guid, post);
    if (rc == POD_OK) {
        memcpy(poll->guid, ids->guid, sizeof(poll->guid));
        memcpy(poll->answer_guids, ids->answer_guids, sizeof(poll->answer_guids));
        store_be64_put(k, post);
        rc = rec_put(txn, polls, k, 8, enc_poll, poll, 0);
    }
    if (rc == POD_OK)
        rc = put_id(txn, by_guid, ids->guid, strlen(ids->guid), post, 0);
    free(poll);
    return rc;
}

static int
answer_count_field(const struct store_rec_field *f, void *ctx)
{
    if (f->tag == STORE_POLL_ANSWER_COUNT)
        return store_rec_get_u32(f, ctx);
    return POD_OK;
}

/* The number of answers of post's poll, without copying its texts. */
static int
poll_answers(struct store_txn *txn, MDB_dbi polls, uint64_t post, uint32_t *count)
{
    uint8_t k[8];
    MDB_val val;
    int rc;

    *count = 0;
    store_be64_put(k, post);
    rc = get_raw(txn, polls, k, 8, &val);
    if (rc == POD_OK)
        rc = store_rec_decode(val.mv_data, val.mv_size, answer_count_field, count);
    if (rc == POD_OK && (*count < 2 || *count > STORE_POLL_MAX_ANSWERS))
        rc = POD_ERR_CORRUPT;
    return rc;
}

int
store_poll_vote(struct store_txn *txn, uint64_t post, uint64_t person, uint32_t answer)
{
    uint8_t k[16];
    uint8_t v[4];
    MDB_dbi polls;
    MDB_dbi votes;
    uint32_t count;
    int rc;

    if (!post || !person)
        return POD_ERR_INVAL;
    rc = db_get(txn, true, D_POLLS, &polls);
    if (rc == POD_OK)
        rc = db_get(txn, true, D_POLL_VOTES, &votes);
    if (rc == POD_OK)
        rc = poll_answers(txn, polls, post, &count);
    if (rc == POD_OK && answer >= count)
        rc = POD_ERR_INVAL;
    if (rc != POD_OK)
        return rc;
    v[0] = (uint8_t)(answer >> 24);
    v[1] = (uint8_t)(answer >> 16);
    v[2] = (uint8_t)(answer >> 8);
    v[3] = (uint8_t)answer;
    return put_raw(txn, votes, k, key_ab(k, post, person), v, sizeof(v), MDB_NOOVERWRITE);
}

struct tally {
    uint64_t person;
    uint32_t answers;
    uint32_t *counts;
    int32_t own;
};

static int
tally_one(const MDB_val *k, const MDB_val *v, void *ctx)
{
    struct tally *t = ctx;
    const uint8_t *b = v->mv_data;
    uint32_t answer;

    if (k->mv_size != 16 || v->mv_size != 4)
        return POD_ERR_CORRUPT;
    answer = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    if (answer >= t->answers)
        return POD_ERR_CORRUPT;
    t->counts[answer]++;
    if (t->person && store_be64_get((const uint8_t *)k->mv_data + 8) == t->person)
        t->own = (int32_t)answer;
    return POD_OK;
}

int
store_poll_tally(struct store_txn *txn, uint64_t post, uint64_t person, uint32_t *counts,
                 int32_t *own_vote)
{
    struct tally t = {person, 0, counts, -1};
    MDB_dbi polls;
    MDB_dbi votes;
    uint8_t k[8];
    int rc;

    if (!counts || !own_vote)
        return POD_ERR_INVAL;
    memset(counts, 0, STORE_POLL_MAX_ANSWERS * sizeof(*counts));
    *own_vote = -1;
    if (!post)
        return POD_ERR_INVAL;
    rc = db_get(txn, false, D_POLLS, &polls);
    if (rc == POD_OK)
        rc = db_get(txn, false, D_POLL_VOTES, &votes);
    if (rc == POD_OK)
        rc = poll_answers(txn, polls, post, &t.answers);
    store_be64_put(k, post);
    if (rc == POD_OK)
        rc = prefix_each(txn, votes, k, 8, tally_one, &t);
    if (rc == POD_OK)
        *own_vote = t.own;
    else
        memset(counts, 0, STORE_POLL_MAX_ANSWERS * sizeof(*counts));
    return rc;
}

/* =========================================================== comments */

static int
enc_comment(struct store_rec_writer *w, const void *obj)
{
    return store_comment_encode(w, obj);
}

static int
comment_put(struct store_txn *txn, MDB_dbi comments, const struct store_comment *c, unsigned flags)
{
    uint8_t k[8];

    store_be64_put(k, c->id);
    return rec_put(txn, comments, k, sizeof(k), enc_comment, c, flags);
}

/* Adds delta to a comment's likes_count (copying it first, as post_count). */
static int
comment_count(struct store_txn *txn, MDB_dbi comments, uint64_t id, int delta)
{
    unsigned char buf[UPDATE_BUF];
    struct store_comment c;
    struct pod_arena a;
    int rc;

    pod_arena_init(&a, buf, sizeof(buf), 0);
    rc = comment_load(txn, comments, id, &a, &c);
    if (rc == POD_OK) {
        c.likes_count = bump(c.likes_count, delta);
        rc = comment_put(txn, comments, &c, 0);
    }
    pod_arena_free(&a);
    return rc;
}

int
store_comment_add(struct store_txn *txn, struct store_comment *c)
{
    struct store_post p;
    struct dbs d;
    uint8_t k[24];
    size_t glen;
    uint64_t id;
    int rc;

    if (!c || guid_field(c->guid, sizeof(c->guid), &glen) != POD_OK || !c->post || !c->author) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    if (c->text && strnlen(c->text, STORE_POST_TEXT_MAX + 1) > STORE_POST_TEXT_MAX) {
        rc = POD_ERR_LIMIT;
        goto out;
    }
    rc = dbs_open(txn, &d);
    if (rc == POD_OK)
        rc = post_load(txn, d.h[D_POSTS], c->post, NULL, &p, NULL);
    if (rc != POD_OK)
        goto out;
    if (key_present(txn, d.h[D_COMMENTS_BY_GUID], c->guid, glen)) {
        rc = POD_ERR_EXISTS;
        goto out;
    }
    rc = store_seq_next(txn, "comments", &id);
    if (rc != POD_OK)
        goto out;
    c->id = id;
    c->likes_count = 0;
    rc = comment_put(txn, d.h[D_COMMENTS], c, MDB_NOOVERWRITE);
    if (rc == POD_OK)
        rc = put_id(txn, d.h[D_COMMENTS_BY_GUID], c->guid, glen, id, MDB_NOOVERWRITE);
    if (rc == POD_OK)
        rc = put_raw(txn, d.h[D_COMMENTS_BY_POST], k, key_atb(k, c->post, c->created_at, id), NULL,
                     0, 0);
    if (rc == POD_OK)
        rc = post_count(txn, d.h[D_POSTS], c->post, C_COMMENTS, +1);
    if (rc == POD_OK)
        rc = commented_touch(&d, c->author, c->post, c->created_at);
    if (rc != POD_OK)
        c->id = 0;
out:
    return rc;
}

int
store_comment_get(struct store_txn *txn, uint64_t id, struct pod_arena *a,
                  struct store_comment *out)
{
    MDB_dbi comments;
    int rc;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof(*out));
    rc = id && a ? db_get(txn, false, D_COMMENTS, &comments) : POD_ERR_INVAL;
    if (rc == POD_OK)
        rc = comment_load(txn, comments, id, a, out);
    return rc;
}

int
store_comment_get_by_guid(struct store_txn *txn, const char *guid, struct pod_arena *a,
                          struct store_comment *out)
{
    MDB_dbi by_guid;
    size_t len;
    uint64_t id;
    int rc;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof(*out));
    rc = a ? guid_arg(guid, &len) : POD_ERR_INVAL;
    if (rc == POD_OK)
        rc = db_get(txn, false, D_COMMENTS_BY_GUID, &by_guid);
    if (rc == POD_OK)
        rc = guid_lookup(txn, by_guid, guid, len, &id);
    if (rc != POD_OK)
        return rc;
    rc = store_comment_get(txn, id, a, out);
    if (rc == POD_ERR_NOTFOUND || (rc == POD_OK && strcmp(out->guid, guid) != 0)) {
        memset(out, 0, sizeof(*out));
        rc = POD_ERR_CORRUPT;
    }
    return rc;
}

int
store_comment_delete(struct store_txn *txn, uint64_t id)
{
    struct store_comment c;
    struct dbs d;
    int rc;

    rc = id ? dbs_open(txn, &d) : POD_ERR_INVAL;
    if (rc == POD_OK)
        rc = comment_load(txn, d.h[D_COMMENTS], id, NULL, &c);
    if (rc == POD_OK)
        rc = comment_remove(&d, &c, false);
    return rc;
}

struct comments_walk {
    struct store_txn *txn;
    MDB_dbi comments;
    struct pod_arena *a;
    int (*fn)(const struct store_comment *c, void *ctx);
    void *ctx;
};

static int
comments_one(const MDB_val *k, const MDB_val *v, void *ctx)
{
    struct comments_walk *w = ctx;
    struct store_comment c;
    int rc;

    (void)v;
    if (k->mv_size != 24)
        return POD_ERR_CORRUPT;
    rc = comment_load(w->txn, w->comments, store_be64_get((const uint8_t *)k->mv_data + 16), w->a,
                      &c);
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_ERR_CORRUPT; /* an index entry without its comment */
    return rc == POD_OK ? w->fn(&c, w->ctx) : rc;
}

int
store_comments_each(struct store_txn *txn, uint64_t post, struct pod_arena *a,
                    int (*fn)(const struct store_comment *c, void *ctx), void *ctx)
{
    struct comments_walk w = {txn, 0, a, fn, ctx};
    MDB_dbi by_post;
    uint8_t k[8];
    int rc;

    if (!post || !a || !fn)
        return POD_ERR_INVAL;
    rc = db_get(txn, false, D_COMMENTS, &w.comments);
    if (rc == POD_OK)
        rc = db_get(txn, false, D_COMMENTS_BY_POST, &by_post);
    store_be64_put(k, post);
    if (rc == POD_OK)
        rc = prefix_each(txn, by_post, k, 8, comments_one, &w);
    return rc;
}

/* ============================================================== likes */

static int
enc_like(struct store_rec_writer *w, const void *obj)
{
    return store_like_encode(w, obj);
}

static int
like_load(struct store_txn *txn, MDB_dbi likes, uint64_t id, struct store_like *out)
{
    uint8_t k[8];
    MDB_val val;
    int rc;

    store_be64_put(k, id);
    rc = get_raw(txn, likes, k, 8, &val);
    if (rc == POD_OK)
        rc = store_like_decode(val.mv_data, val.mv_size, out);
    if (rc == POD_OK)
        out->id = id;
    return rc;
}

/* Adds delta to the likes_count of a like's target. */
static int
target_count(const struct dbs *d, enum store_like_target type, uint64_t target, int delta)
{
    if (type == STORE_LIKE_POST)
        return post_count(d->txn, d->h[D_POSTS], target, C_LIKES, delta);
    return comment_count(d->txn, d->h[D_COMMENTS], target, delta);
}

int
store_like_add(struct store_txn *txn, struct store_like *l)
{
    struct store_comment c;
    struct store_post p;
    struct dbs d;
    uint8_t k[24];
    size_t glen;
    size_t tlen;
    uint64_t id;
    int rc;

    if (!l || guid_field(l->guid, sizeof(l->guid), &glen) != POD_OK || !l->target || !l->author ||
        (l->target_type != STORE_LIKE_POST && l->target_type != STORE_LIKE_COMMENT)) {
        rc = POD_ERR_INVAL;
        goto out;
    }
    rc = dbs_open(txn, &d);
    if (rc != POD_OK)
        goto out;
    if (l->target_type == STORE_LIKE_POST)
        rc = post_load(txn, d.h[D_POSTS], l->target, NULL, &p, NULL);
    else
        rc = comment_load(txn, d.h[D_COMMENTS], l->target, NULL, &c);
    if (rc != POD_OK)
        goto out;
    tlen = key_like_target(k, l->target_type, l->target, l->author);
    if (key_present(txn, d.h[D_LIKES_BY_TARGET], k, tlen) ||
        key_present(txn, d.h[D_LIKES_BY_GUID], l->guid, glen)) {
        rc = POD_ERR_EXISTS;
        goto out;
    }
    rc = store_seq_next(txn, "likes", &id);
    if (rc != POD_OK)
        goto out;
    l->id = id;
    rc = put_id(txn, d.h[D_LIKES_BY_TARGET], k, tlen, id, MDB_NOOVERWRITE);
    store_be64_put(k, id);
    if (rc == POD_OK)
        rc = rec_put(txn, d.h[D_LIKES], k, 8, enc_like, l, MDB_NOOVERWRITE);
    if (rc == POD_OK)
        rc = put_id(txn, d.h[D_LIKES_BY_GUID], l->guid, glen, id, MDB_NOOVERWRITE);
    if (rc == POD_OK && l->positive)
        rc = target_count(&d, l->target_type, l->target, +1);
    if (rc == POD_OK && l->positive && l->target_type == STORE_LIKE_POST)
        rc = put_raw(txn, d.h[D_IDX_LIKED], k, key_atb(k, l->author, l->created_at, l->target),
                     NULL, 0, 0);
    if (rc != POD_OK)
        l->id = 0;
out:
    return rc;
}

int
store_like_get(struct store_txn *txn, uint64_t id, struct store_like *out)
{
    MDB_dbi likes;
    int rc;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof(*out));
    rc = id ? db_get(txn, false, D_LIKES, &likes) : POD_ERR_INVAL;
    if (rc == POD_OK)
        rc = like_load(txn, likes, id, out);
    return rc;
}

int
store_like_get_by_guid(struct store_txn *txn, const char *guid, struct store_like *out)
{
    MDB_dbi by_guid;
    size_t len;
    uint64_t id;
    int rc;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof(*out));
    rc = guid_arg(guid, &len);
    if (rc == POD_OK)
        rc = db_get(txn, false, D_LIKES_BY_GUID, &by_guid);
    if (rc == POD_OK)
        rc = guid_lookup(txn, by_guid, guid, len, &id);
    if (rc != POD_OK)
        return rc;
    rc = store_like_get(txn, id, out);
    if (rc == POD_ERR_NOTFOUND || (rc == POD_OK && strcmp(out->guid, guid) != 0)) {
        memset(out, 0, sizeof(*out));
        rc = POD_ERR_CORRUPT;
    }
    return rc;
}

int
store_like_find(struct store_txn *txn, enum store_like_target type, uint64_t target,
                uint64_t author, struct store_like *out)
{
    MDB_dbi by_target;
    uint8_t k[17];
    MDB_val val;
    int rc;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof(*out));
    if (!target || !author || (type != STORE_LIKE_POST && type != STORE_LIKE_COMMENT))
        return POD_ERR_INVAL;
    rc = db_get(txn, false, D_LIKES_BY_TARGET, &by_target);
    if (rc == POD_OK)
        rc = get_raw(txn, by_target, k, key_like_target(k, type, target, author), &val);
    if (rc == POD_OK && val.mv_size != 8)
        rc = POD_ERR_CORRUPT;
    if (rc == POD_OK)
        rc = store_like_get(txn, store_be64_get(val.mv_data), out);
    return rc;
}

int
store_like_delete(struct store_txn *txn, uint64_t id)
{
    struct store_like l;
    struct dbs d;
    uint8_t k[17];
    uint8_t v[8];
    MDB_val val = {sizeof(v), v};
    int rc;

    rc = id ? dbs_open(txn, &d) : POD_ERR_INVAL;
    if (rc == POD_OK)
        rc = like_load(txn, d.h[D_LIKES], id, &l);
    if (rc != POD_OK)
        goto out;
    store_be64_put(v, id);
    /* like_drop removes the record, its GUID and its liked entry. */
    rc = like_drop(NULL, &val, &d);
    if (rc == POD_OK)
        rc = del_raw(txn, d.h[D_LIKES_BY_TARGET], k,
                     key_like_target(k, l.target_type, l.target, l.author));
    if (rc == POD_OK && l.positive) {
        rc = target_count(&d, l.target_type, l.target, -1);
        if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK;
    }
out:
    return rc;
}

struct likes_walk {
    struct store_txn *txn;
    MDB_dbi likes;
    int (*fn)(const struct store_like *l, void *ctx);
    void *ctx;
};

static int
likes_one(const MDB_val *k, const MDB_val *v, void *ctx)
{
    struct likes_walk *w = ctx;
    struct store_like l;
    int rc;

    (void)k;
    if (v->mv_size != 8)
        return POD_ERR_CORRUPT;
    rc = like_load(w->txn, w->likes, store_be64_get(v->mv_data), &l);
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_ERR_CORRUPT;
    return rc == POD_OK ? w->fn(&l, w->ctx) : rc;
}

int
store_likes_each(struct store_txn *txn, enum store_like_target type, uint64_t target,
                 int (*fn)(const struct store_like *l, void *ctx), void *ctx)
{
    struct likes_walk w = {txn, 0, fn, ctx};
    MDB_dbi by_target;
    uint8_t k[9];
    int rc;

    if (!target || !fn || (type != STORE_LIKE_POST && type != STORE_LIKE_COMMENT))
        return POD_ERR_INVAL;
    rc = db_get(txn, false, D_LIKES, &w.likes);
    if (rc == POD_OK)
        rc = db_get(txn, false, D_LIKES_BY_TARGET, &by_target);
    if (rc == POD_OK)
        rc = prefix_each(txn, by_target, k, key_like_target(k, type, target, 0), likes_one, &w);
    return rc;
}

/* =========================================================== reshares */

struct reshares_walk {
    int (*fn)(uint64_t post, uint64_t author, void *ctx);
    void *ctx;
};

static int
reshares_one(const MDB_val *k, const MDB_val *v, void *ctx)
{
    struct reshares_walk *w = ctx;

    if (k->mv_size != 24 || v->mv_size != 8)
        return POD_ERR_CORRUPT;
    return w->fn(store_be64_get((const uint8_t *)k->mv_data + 16), store_be64_get(v->mv_data),
                 w->ctx);
}

int
store_reshares_each(struct store_txn *txn, uint64_t root,
                    int (*fn)(uint64_t post, uint64_t author, void *ctx), void *ctx)
{
    struct reshares_walk w = {fn, ctx};
    MDB_dbi by_root;
    uint8_t k[8];
    int rc;

    if (!root || !fn)
        return POD_ERR_INVAL;
    rc = db_get(txn, false, D_RESHARES_BY_ROOT, &by_root);
    store_be64_put(k, root);
    if (rc == POD_OK)
        rc = prefix_each(txn, by_root, k, 8, reshares_one, &w);
    return rc;
}

/* ===================================================== participations */

int
store_participation_set(struct store_txn *txn, uint64_t person, uint64_t post, bool on)
{
    struct store_post p;
    MDB_dbi posts;
    MDB_dbi parts;
    MDB_dbi by_post;
    uint8_t k[16];
    int rc;

    if (!person || !post)
        return POD_ERR_INVAL;
    rc = db_get(txn, true, D_POSTS, &posts);
    if (rc == POD_OK)
        rc = db_get(txn, true, D_PARTICIPATIONS, &parts);
    if (rc == POD_OK)
        rc = db_get(txn, true, D_PARTICIPANTS_BY_POST, &by_post);
    if (rc != POD_OK)
        return rc;
    if (!on) {
        rc = del_raw(txn, parts, k, key_ab(k, person, post));
        if (rc == POD_OK)
            rc = del_raw(txn, by_post, k, key_ab(k, post, person));
        return rc;
    }
    rc = post_load(txn, posts, post, NULL, &p, NULL);
    if (rc == POD_OK)
        rc = put_raw(txn, parts, k, key_ab(k, person, post), NULL, 0, 0);
    if (rc == POD_OK)
        rc = put_raw(txn, by_post, k, key_ab(k, post, person), NULL, 0, 0);
    return rc;
}

bool
store_participation_get(struct store_txn *txn, uint64_t person, uint64_t post)
{
    MDB_dbi parts;
    uint8_t k[16];

    if (!person || !post || db_get(txn, false, D_PARTICIPATIONS, &parts) != POD_OK)
        return false;
    return key_present(txn, parts, k, key_ab(k, person, post));
}

struct participants_walk {
    int (*fn)(uint64_t person, void *ctx);
    void *ctx;
};

static int
participants_one(const MDB_val *k, const MDB_val *v, void *ctx)
{
    struct participants_walk *w = ctx;

    (void)v;
    if (k->mv_size != 16)
        return POD_ERR_CORRUPT;
    return w->fn(store_be64_get((const uint8_t *)k->mv_data + 8), w->ctx);
}

int
store_participants_each(struct store_txn *txn, uint64_t post, int (*fn)(uint64_t person, void *ctx),
                        void *ctx)
{
    struct participants_walk w = {fn, ctx};
    MDB_dbi by_post;
    uint8_t k[8];
    int rc;

    if (!post || !fn)
        return POD_ERR_INVAL;
    rc = db_get(txn, false, D_PARTICIPANTS_BY_POST, &by_post);
    store_be64_put(k, post);
    if (rc == POD_OK)
        rc = prefix_each(txn, by_post, k, 8, participants_one, &w);
    return rc;
}

/* ====================================================== photos by hash */

#define PHOTO_HASH_LEN 64

static int
photo_hash_key(uint8_t k[PHOTO_HASH_LEN + 8], const char *hash, uint64_t id)
{
    if (!hash || strnlen(hash, PHOTO_HASH_LEN + 1) != PHOTO_HASH_LEN)
        return POD_ERR_INVAL;
    memcpy(k, hash, PHOTO_HASH_LEN);
    store_be64_put(k + PHOTO_HASH_LEN, id);
    return POD_OK;
}

int
store_photo_hash_link(struct store_txn *txn, const char *hash, uint64_t id, bool on)
{
    uint8_t k[PHOTO_HASH_LEN + 8];
    MDB_dbi dbi;
    int rc;

    rc = id ? photo_hash_key(k, hash, id) : POD_ERR_INVAL;
    if (rc == POD_OK)
        rc = store_dbi_find(txn, "photos_by_hash", &dbi);
    if (rc == POD_OK && (!txn->write))
        rc = POD_ERR_INVAL;
    if (rc != POD_OK)
        return rc;
    return on ? put_raw(txn, dbi, k, sizeof k, NULL, 0, 0) : del_raw(txn, dbi, k, sizeof k);
}

struct by_hash_ctx {
    struct store_txn *txn;
    MDB_dbi photos;
    store_photo_fn fn;
    void *ctx;
};

static int
by_hash_one(const MDB_val *key, const MDB_val *val, void *ctx)
{
    struct by_hash_ctx *c = ctx;
    struct store_photo ph;
    int rc;

    (void)val;
    if (key->mv_size != PHOTO_HASH_LEN + 8)
        return POD_OK;
    rc = photo_load(c->txn, c->photos,
                    store_be64_get((const uint8_t *)key->mv_data + PHOTO_HASH_LEN), &ph);
    if (rc == POD_ERR_NOTFOUND)
        return POD_OK; /* deleted without its link */
    if (rc != POD_OK)
        return rc;
    return c->fn(&ph, c->ctx);
}

int
store_photos_by_hash(struct store_txn *txn, const char *hash, store_photo_fn fn, void *ctx)
{
    struct by_hash_ctx c = {txn, 0, fn, ctx};
    uint8_t k[PHOTO_HASH_LEN + 8];
    MDB_dbi dbi;
    int rc;

    rc = fn ? photo_hash_key(k, hash, 0) : POD_ERR_INVAL;
    if (rc == POD_OK)
        rc = db_get(txn, false, D_PHOTOS, &c.photos);
    if (rc == POD_OK)
        rc = store_dbi_find(txn, "photos_by_hash", &dbi);
    if (rc != POD_OK)
        return rc;
    return prefix_each(txn, dbi, k, PHOTO_HASH_LEN, by_hash_one, &c);
}
