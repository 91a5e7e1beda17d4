/*
 * conversations.c - private conversations (store/conversations.h).
 *
 * Databases (migration 5); keys big-endian, T as in posts.c:
 *
 *   conversations          be64 id -> conversation record
 *   conversations_by_guid  guid -> be64 id
 *   messages               be64 id -> message record (text inline)
 *   messages_by_conv       be64 conversation + be64 message -> empty
 *   conv_visibility        be64 conversation + be64 person -> be32 unread count
 *   conv_by_person         be64 person + T updated_at + be64 conversation -> empty
 *
 * Message ids grow with time, so messages_by_conv is in message order.
 * conv_by_person entries carry the conversation's updated_at: a new
 * message moves each remaining participant's entry (at most 20).
 */
#include "store/conversations.h"

#include <string.h>

#include "core/error.h"
#include "store/record.h"
#include "store/store_internal.h"

enum db { D_CONVS, D_BY_GUID, D_MSGS, D_MSGS_BY_CONV, D_VIS, D_BY_PERSON, D_COUNT };

static const char *const db_names[D_COUNT] = {
    [D_CONVS] = "conversations", [D_BY_GUID] = "conversations_by_guid",
    [D_MSGS] = "messages",       [D_MSGS_BY_CONV] = "messages_by_conv",
    [D_VIS] = "conv_visibility", [D_BY_PERSON] = "conv_by_person",
};

/* Record tags: the on-disk format, never reuse or renumber one. */
enum {
    CONV_GUID = 1,         /* str, required */
    CONV_SUBJECT = 2,      /* str */
    CONV_AUTHOR = 3,       /* uvarint, non-zero */
    CONV_PARTICIPANTS = 4, /* be64 ids, 2..STORE_CONV_PARTICIPANTS_MAX */
    CONV_CREATED_AT = 5,   /* i64 */
    CONV_UPDATED_AT = 6,   /* i64 */
};

enum {
    MSG_GUID = 1,         /* str, required */
    MSG_CONVERSATION = 2, /* uvarint, non-zero */
    MSG_AUTHOR = 3,       /* uvarint, non-zero */
    MSG_TEXT = 4,         /* bytes, ≤ STORE_MESSAGE_TEXT_MAX, no NUL */
    MSG_CREATED_AT = 5,   /* i64 */
};

struct dbs {
    struct store_txn *txn;
    MDB_dbi h[D_COUNT];
};

static int
dbs_open(struct store_txn *txn, bool write, struct dbs *d)
{
    int rc = POD_OK;

    if (!txn || (write && !txn->write))
        return POD_ERR_INVAL;
    d->txn = txn;
    for (int i = 0; rc == POD_OK && i < D_COUNT; i++)
        rc = store_dbi_find(txn, db_names[i], &d->h[i]);
    return rc;
}

static void
time_put(uint8_t out[8], int64_t t)
{
    store_be64_put(out, (uint64_t)t ^ (UINT64_C(1) << 63));
}

static size_t
key_ab(uint8_t k[16], uint64_t a, uint64_t b)
{
    store_be64_put(k, a);
    store_be64_put(k + 8, b);
    return 16;
}

static size_t
key_person(uint8_t k[24], uint64_t person, int64_t t, uint64_t conv)
{
    store_be64_put(k, person);
    time_put(k + 8, t);
    store_be64_put(k + 16, conv);
    return 24;
}

static int
put_raw(const struct dbs *d, enum db which, const void *k, size_t klen, const void *v, size_t vlen,
        unsigned flags)
{
    MDB_val key = {klen, (void *)k}, val = {vlen, (void *)v};

    return store_err_map(mdb_put(d->txn->txn, d->h[which], &key, &val, flags));
}

static int
get_raw(const struct dbs *d, enum db which, const void *k, size_t klen, MDB_val *val)
{
    MDB_val key = {klen, (void *)k};

    return store_err_map(mdb_get(d->txn->txn, d->h[which], &key, val));
}

static int
del_raw(const struct dbs *d, enum db which, const void *k, size_t klen)
{
    MDB_val key = {klen, (void *)k};
    int rc = store_err_map(mdb_del(d->txn->txn, d->h[which], &key, NULL));

    return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
}

/* ------------------------------------------------------------ records */

typedef int (*encoder)(struct store_rec_writer *w, const void *obj);

/* Encodes obj into space LMDB reserves: a measuring pass first, so bad
 * input writes nothing. */
static int
rec_put(const struct dbs *d, enum db which, uint64_t id, encoder enc, const void *obj,
        unsigned flags)
{
    struct store_rec_writer w;
    uint8_t k[8];
    MDB_val key = {sizeof k, k}, val;
    size_t len, written;
    int rc;

    store_rec_writer_init(&w, NULL, 0);
    rc = enc(&w, obj);
    if (rc != POD_OK)
        goto out;
    store_rec_writer_finish(&w, &len);
    store_be64_put(k, id);
    val.mv_size = len;
    val.mv_data = NULL;
    rc = store_err_map(mdb_put(d->txn->txn, d->h[which], &key, &val, flags | MDB_RESERVE));
    if (rc != POD_OK)
        goto out;
    store_rec_writer_init(&w, val.mv_data, len);
    rc = enc(&w, obj);
    if (rc == POD_OK)
        rc = store_rec_writer_finish(&w, &written);
    if (rc == POD_OK && written != len)
        rc = POD_ERR_INVAL;
out:
    return rc;
}

static int
conv_encode(struct store_rec_writer *w, const void *obj)
{
    const struct store_conversation *c = obj;
    uint8_t ids[8 * STORE_CONV_PARTICIPANTS_MAX];

    if (c->participant_count < 2 || c->participant_count > STORE_CONV_PARTICIPANTS_MAX ||
        !c->author)
        return POD_ERR_INVAL;
    for (uint32_t i = 0; i < c->participant_count; i++)
        store_be64_put(ids + 8 * i, c->participants[i]);
    store_rec_put_str(w, CONV_GUID, c->guid, sizeof c->guid);
    store_rec_put_str(w, CONV_SUBJECT, c->subject, sizeof c->subject);
    store_rec_put_uvarint(w, CONV_AUTHOR, c->author);
    store_rec_put_bytes(w, CONV_PARTICIPANTS, ids, 8 * c->participant_count);
    store_rec_put_i64(w, CONV_CREATED_AT, c->created_at);
    store_rec_put_i64(w, CONV_UPDATED_AT, c->updated_at);
    return store_rec_writer_finish(w, NULL);
}

static int
conv_field(const struct store_rec_field *f, void *ctx)
{
    struct store_conversation *c = ctx;

    switch (f->tag) {
    case CONV_GUID:
        return store_rec_get_str(f, c->guid, sizeof c->guid);
    case CONV_SUBJECT:
        return store_rec_get_str(f, c->subject, sizeof c->subject);
    case CONV_AUTHOR:
        return store_rec_get_uvarint(f, &c->author);
    case CONV_PARTICIPANTS:
        if (f->len < 16 || f->len % 8 || f->len > 8 * STORE_CONV_PARTICIPANTS_MAX)
            return POD_ERR_CORRUPT;
        c->participant_count = (uint32_t)(f->len / 8);
        for (uint32_t i = 0; i < c->participant_count; i++)
            c->participants[i] = store_be64_get(f->data + 8 * i);
        return POD_OK;
    case CONV_CREATED_AT:
        return store_rec_get_i64(f, &c->created_at);
    case CONV_UPDATED_AT:
        return store_rec_get_i64(f, &c->updated_at);
    default:
        return POD_OK;
    }
}

static int
conv_load(const struct dbs *d, uint64_t id, struct store_conversation *out)
{
    uint8_t k[8];
    MDB_val val;
    int rc;

    memset(out, 0, sizeof *out);
    store_be64_put(k, id);
    rc = get_raw(d, D_CONVS, k, sizeof k, &val);
    if (rc == POD_OK)
        rc = store_rec_decode(val.mv_data, val.mv_size, conv_field, out);
    if (rc == POD_OK && (!out->guid[0] || !out->author || !out->participant_count))
        rc = POD_ERR_CORRUPT;
    if (rc == POD_OK)
        out->id = id;
    return rc;
}

static int
msg_encode(struct store_rec_writer *w, const void *obj)
{
    const struct store_message *m = obj;
    size_t len = m->text ? strlen(m->text) : 0;

    if (!m->conversation || !m->author)
        return POD_ERR_INVAL;
    store_rec_put_str(w, MSG_GUID, m->guid, sizeof m->guid);
    store_rec_put_uvarint(w, MSG_CONVERSATION, m->conversation);
    store_rec_put_uvarint(w, MSG_AUTHOR, m->author);
    store_rec_put_bytes(w, MSG_TEXT, m->text, len);
    store_rec_put_i64(w, MSG_CREATED_AT, m->created_at);
    return store_rec_writer_finish(w, NULL);
}

struct msg_view {
    struct store_message *m;
    const char *text;
    size_t text_len;
};

static int
msg_field(const struct store_rec_field *f, void *ctx)
{
    struct msg_view *v = ctx;

    switch (f->tag) {
    case MSG_GUID:
        return store_rec_get_str(f, v->m->guid, sizeof v->m->guid);
    case MSG_CONVERSATION:
        return store_rec_get_uvarint(f, &v->m->conversation);
    case MSG_AUTHOR:
        return store_rec_get_uvarint(f, &v->m->author);
    case MSG_TEXT:
        if (f->len > STORE_MESSAGE_TEXT_MAX || memchr(f->data, 0, f->len))
            return POD_ERR_CORRUPT;
        v->text = (const char *)f->data;
        v->text_len = f->len;
        return POD_OK;
    case MSG_CREATED_AT:
        return store_rec_get_i64(f, &v->m->created_at);
    default:
        return POD_OK;
    }
}

static int
msg_load(const struct dbs *d, uint64_t id, struct pod_arena *a, struct store_message *out)
{
    struct msg_view v = {out, "", 0};
    uint8_t k[8];
    MDB_val val;
    int rc;

    memset(out, 0, sizeof *out);
    store_be64_put(k, id);
    rc = get_raw(d, D_MSGS, k, sizeof k, &val);
    if (rc == POD_OK)
        rc = store_rec_decode(val.mv_data, val.mv_size, msg_field, &v);
    if (rc == POD_OK && (!out->guid[0] || !out->conversation || !out->author))
        rc = POD_ERR_CORRUPT;
    if (rc == POD_OK) {
        out->id = id;
        out->text = pod_arena_strndup(a, v.text, v.text_len);
        if (!out->text)
            rc = POD_ERR_NOMEM;
    }
    return rc;
}

/* ------------------------------------------------------------ visibility */

static int
vis_get(const struct dbs *d, uint64_t conv, uint64_t person, uint32_t *unread)
{
    uint8_t k[16];
    MDB_val val;
    const uint8_t *p;
    int rc = get_raw(d, D_VIS, k, key_ab(k, conv, person), &val);

    if (rc == POD_OK && val.mv_size != 4)
        rc = POD_ERR_CORRUPT;
    if (rc == POD_OK && unread) {
        p = val.mv_data;
        *unread = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    }
    return rc;
}

static int
vis_put(const struct dbs *d, uint64_t conv, uint64_t person, uint32_t unread)
{
    uint8_t k[16], v[4] = {(uint8_t)(unread >> 24), (uint8_t)(unread >> 16), (uint8_t)(unread >> 8),
                           (uint8_t)unread};

    return put_raw(d, D_VIS, k, key_ab(k, conv, person), v, sizeof v, 0);
}

/* ------------------------------------------------------------ writes */

static bool
text_ok(const char *s, size_t max)
{
    return s && strnlen(s, max + 1) <= max;
}

int
store_conversation_add(struct store_txn *txn, struct store_conversation *c,
                       struct store_message *first)
{
    uint8_t k[24];
    struct dbs d;
    size_t glen;
    MDB_val val;
    bool has_author = false;
    int rc;

    glen = strnlen(c->guid, sizeof c->guid);
    if (glen == 0 || glen == sizeof c->guid || !first || !first->guid[0] ||
        strnlen(c->subject, sizeof c->subject) == sizeof c->subject)
        return POD_ERR_INVAL;
    if (!text_ok(first->text, STORE_MESSAGE_TEXT_MAX))
        return first->text ? POD_ERR_LIMIT : POD_ERR_INVAL;
    if (c->participant_count > STORE_CONV_PARTICIPANTS_MAX)
        return POD_ERR_LIMIT;
    if (c->participant_count < 2)
        return POD_ERR_INVAL;
    for (uint32_t i = 0; i < c->participant_count; i++) {
        if (!c->participants[i])
            return POD_ERR_INVAL;
        has_author |= c->participants[i] == c->author;
        for (uint32_t j = 0; j < i; j++)
            if (c->participants[j] == c->participants[i])
                return POD_ERR_INVAL;
    }
    if (!has_author || first->author != c->author)
        return POD_ERR_INVAL;
    rc = dbs_open(txn, true, &d);
    if (rc != POD_OK)
        goto out;
    rc = get_raw(&d, D_BY_GUID, c->guid, glen, &val);
    if (rc != POD_ERR_NOTFOUND) {
        rc = rc == POD_OK ? POD_ERR_EXISTS : rc;
        goto out;
    }
    rc = store_seq_next(txn, "conversations", &c->id);
    if (rc != POD_OK)
        goto out;
    if (c->updated_at < first->created_at)
        c->updated_at = first->created_at;
    rc = rec_put(&d, D_CONVS, c->id, conv_encode, c, MDB_NOOVERWRITE);
    if (rc == POD_OK) {
        store_be64_put(k, c->id);
        rc = put_raw(&d, D_BY_GUID, c->guid, glen, k, 8, MDB_NOOVERWRITE);
    }
    for (uint32_t i = 0; rc == POD_OK && i < c->participant_count; i++) {
        rc = vis_put(&d, c->id, c->participants[i], c->participants[i] == c->author ? 0 : 1);
        if (rc == POD_OK)
            rc = put_raw(&d, D_BY_PERSON, k,
                         key_person(k, c->participants[i], c->updated_at, c->id), NULL, 0, 0);
    }
    if (rc != POD_OK)
        goto out;
    first->conversation = c->id;
    rc = store_seq_next(txn, "messages", &first->id);
    if (rc == POD_OK)
        rc = rec_put(&d, D_MSGS, first->id, msg_encode, first, MDB_NOOVERWRITE);
    if (rc == POD_OK)
        rc = put_raw(&d, D_MSGS_BY_CONV, k, key_ab(k, c->id, first->id), NULL, 0, 0);
out:
    return rc;
}

int
store_conversation_get(struct store_txn *txn, uint64_t id, struct store_conversation *out)
{
    struct dbs d;
    int rc = dbs_open(txn, false, &d);

    if (rc == POD_OK)
        rc = conv_load(&d, id, out);
    return rc;
}

int
store_conversation_get_by_guid(struct store_txn *txn, const char *guid,
                               struct store_conversation *out)
{
    size_t glen = guid ? strnlen(guid, STORE_GUID_MAX + 1) : 0;
    struct dbs d;
    MDB_val val;
    int rc;

    if (glen == 0 || glen > STORE_GUID_MAX)
        return POD_ERR_NOTFOUND;
    rc = dbs_open(txn, false, &d);
    if (rc == POD_OK)
        rc = get_raw(&d, D_BY_GUID, guid, glen, &val);
    if (rc == POD_OK && val.mv_size != 8)
        rc = POD_ERR_CORRUPT;
    if (rc == POD_OK)
        rc = conv_load(&d, store_be64_get(val.mv_data), out);
    return rc;
}

int
store_conversation_join(struct store_txn *txn, uint64_t conversation, uint64_t person,
                        uint32_t unread)
{
    struct store_conversation c;
    uint8_t k[24];
    struct dbs d;
    int rc;

    if (!person)
        return POD_ERR_INVAL;
    rc = dbs_open(txn, true, &d);
    if (rc == POD_OK)
        rc = conv_load(&d, conversation, &c);
    if (rc != POD_OK)
        return rc;
    for (uint32_t i = 0; i < c.participant_count; i++)
        if (c.participants[i] == person)
            return POD_OK;
    if (c.participant_count == STORE_CONV_PARTICIPANTS_MAX)
        return POD_ERR_LIMIT;
    c.participants[c.participant_count++] = person;
    rc = rec_put(&d, D_CONVS, c.id, conv_encode, &c, 0);
    if (rc == POD_OK)
        rc = vis_put(&d, c.id, person, unread);
    if (rc == POD_OK)
        rc = put_raw(&d, D_BY_PERSON, k, key_person(k, person, c.updated_at, c.id), NULL, 0, 0);
    return rc;
}

static int
msg_guid_field(const struct store_rec_field *f, void *ctx)
{
    char *guid = ctx;

    return f->tag == MSG_GUID ? store_rec_get_str(f, guid, STORE_GUID_MAX + 1) : POD_OK;
}

bool
store_message_find(struct store_txn *txn, uint64_t conversation, const char *guid, uint64_t *id)
{
    char have[STORE_GUID_MAX + 1];
    uint8_t prefix[8], mk[8];
    MDB_cursor *cur = NULL;
    MDB_val k = {sizeof prefix, prefix}, v;
    bool found = false;
    struct dbs d;
    int rc;

    if (!guid || !guid[0] || dbs_open(txn, false, &d) != POD_OK)
        return false;
    store_be64_put(prefix, conversation);
    rc = store_err_map(mdb_cursor_open(txn->txn, d.h[D_MSGS_BY_CONV], &cur));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
    while (!found && rc == POD_OK && k.mv_size == 16 && memcmp(k.mv_data, prefix, 8) == 0) {
        memcpy(mk, (const uint8_t *)k.mv_data + 8, 8);
        have[0] = '\0';
        if (get_raw(&d, D_MSGS, mk, sizeof mk, &v) == POD_OK &&
            store_rec_decode(v.mv_data, v.mv_size, msg_guid_field, have) == POD_OK &&
            strcmp(have, guid) == 0) {
            found = true;
            if (id)
                *id = store_be64_get(mk);
            break;
        }
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_NEXT));
    }
    if (cur)
        mdb_cursor_close(cur);
    return found;
}

int
store_message_add(struct store_txn *txn, struct store_message *m)
{
    struct store_conversation c;
    uint8_t k[24];
    uint32_t unread;
    int64_t old;
    struct dbs d;
    int rc;

    if (!m->guid[0] || strnlen(m->guid, sizeof m->guid) == sizeof m->guid || !m->author)
        return POD_ERR_INVAL;
    if (!text_ok(m->text, STORE_MESSAGE_TEXT_MAX))
        return m->text ? POD_ERR_LIMIT : POD_ERR_INVAL;
    rc = dbs_open(txn, true, &d);
    if (rc == POD_OK)
        rc = conv_load(&d, m->conversation, &c);
    if (rc != POD_OK)
        goto out;
    rc = vis_get(&d, c.id, m->author, NULL);
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_ERR_AUTH;
    if (rc != POD_OK)
        goto out;
    rc = store_seq_next(txn, "messages", &m->id);
    if (rc == POD_OK)
        rc = rec_put(&d, D_MSGS, m->id, msg_encode, m, MDB_NOOVERWRITE);
    if (rc == POD_OK)
        rc = put_raw(&d, D_MSGS_BY_CONV, k, key_ab(k, c.id, m->id), NULL, 0, 0);
    if (rc != POD_OK)
        goto out;
    old = c.updated_at;
    if (m->created_at > c.updated_at)
        c.updated_at = m->created_at;
    rc = rec_put(&d, D_CONVS, c.id, conv_encode, &c, 0);
    /* Participants still there: move their list entry, count the unread. */
    for (uint32_t i = 0; rc == POD_OK && i < c.participant_count; i++) {
        uint64_t p = c.participants[i];
        rc = vis_get(&d, c.id, p, &unread);
        if (rc == POD_ERR_NOTFOUND) {
            rc = POD_OK;
            continue;
        }
        if (rc == POD_OK && p != m->author && unread < UINT32_MAX)
            rc = vis_put(&d, c.id, p, unread + 1);
        if (rc == POD_OK && old != c.updated_at) {
            rc = del_raw(&d, D_BY_PERSON, k, key_person(k, p, old, c.id));
            if (rc == POD_OK)
                rc = put_raw(&d, D_BY_PERSON, k, key_person(k, p, c.updated_at, c.id), NULL, 0, 0);
        }
    }
out:
    return rc;
}

int
store_messages_each(struct store_txn *txn, uint64_t conversation, struct pod_arena *a,
                    int (*fn)(const struct store_message *m, void *ctx), void *ctx)
{
    struct store_message m;
    uint8_t prefix[8];
    MDB_cursor *cur = NULL;
    MDB_val k = {sizeof prefix, prefix}, v;
    struct dbs d;
    int rc;

    rc = dbs_open(txn, false, &d);
    if (rc != POD_OK)
        return rc;
    store_be64_put(prefix, conversation);
    rc = store_err_map(mdb_cursor_open(txn->txn, d.h[D_MSGS_BY_CONV], &cur));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
    while (rc == POD_OK && k.mv_size == 16 && memcmp(k.mv_data, prefix, 8) == 0) {
        rc = msg_load(&d, store_be64_get((const uint8_t *)k.mv_data + 8), a, &m);
        if (rc == POD_OK)
            rc = fn(&m, ctx);
        if (rc != POD_OK)
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

bool
store_conversation_visible(struct store_txn *txn, uint64_t conversation, uint64_t person,
                           uint32_t *unread)
{
    struct dbs d;

    return conversation && person && dbs_open(txn, false, &d) == POD_OK &&
           vis_get(&d, conversation, person, unread) == POD_OK;
}

int
store_conversation_mark_read(struct store_txn *txn, uint64_t conversation, uint64_t person)
{
    uint32_t unread;
    struct dbs d;
    int rc = dbs_open(txn, true, &d);

    if (rc == POD_OK)
        rc = vis_get(&d, conversation, person, &unread);
    if (rc == POD_OK && unread)
        rc = vis_put(&d, conversation, person, 0);
    return rc;
}

int
store_conversations_of(struct store_txn *txn, uint64_t person, size_t limit,
                       int (*fn)(uint64_t conversation, uint32_t unread, void *ctx), void *ctx)
{
    uint8_t prefix[8], seek[24];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    uint64_t conv;
    uint32_t unread;
    size_t n = 0;
    struct dbs d;
    int rc;

    rc = dbs_open(txn, false, &d);
    if (rc != POD_OK || limit == 0)
        return rc;
    store_be64_put(prefix, person);
    memcpy(seek, prefix, 8);
    memset(seek + 8, 0xff, 16);
    k.mv_size = sizeof seek;
    k.mv_data = seek;
    rc = store_err_map(mdb_cursor_open(txn->txn, d.h[D_BY_PERSON], &cur));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
    if (rc == POD_OK)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_PREV));
    else if (rc == POD_ERR_NOTFOUND)
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_LAST));
    while (rc == POD_OK && k.mv_size == 24 && memcmp(k.mv_data, prefix, 8) == 0 && n < limit) {
        conv = store_be64_get((const uint8_t *)k.mv_data + 16);
        unread = 0;
        vis_get(&d, conv, person, &unread);
        rc = fn(conv, unread, ctx);
        if (rc != 0)
            goto out;
        n++;
        rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_PREV));
    }
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_OK;
out:
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

static int
add_unread(uint64_t conversation, uint32_t unread, void *ctx)
{
    uint32_t *sum = ctx;

    (void)conversation;
    *sum = *sum > UINT32_MAX - unread ? UINT32_MAX : *sum + unread;
    return 0;
}

int
store_conversations_unread(struct store_txn *txn, uint64_t person, uint32_t *messages)
{
    *messages = 0;
    return store_conversations_of(txn, person, SIZE_MAX, add_unread, messages);
}

/* Removes every message of conversation conv. Each round seeks afresh. */
static int
messages_drain(const struct dbs *d, uint64_t conv)
{
    uint8_t prefix[8], kbuf[16];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int rc;

    store_be64_put(prefix, conv);
    for (;;) {
        k.mv_size = sizeof prefix;
        k.mv_data = prefix;
        rc = store_err_map(mdb_cursor_open(d->txn->txn, d->h[D_MSGS_BY_CONV], &cur));
        if (rc == POD_OK)
            rc = store_err_map(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE));
        if (rc == POD_OK && (k.mv_size != 16 || memcmp(k.mv_data, prefix, 8) != 0))
            rc = POD_ERR_NOTFOUND;
        if (rc == POD_OK)
            memcpy(kbuf, k.mv_data, 16);
        if (cur)
            mdb_cursor_close(cur);
        cur = NULL;
        if (rc != POD_OK)
            break;
        rc = del_raw(d, D_MSGS, kbuf + 8, 8);
        if (rc == POD_OK)
            rc = del_raw(d, D_MSGS_BY_CONV, kbuf, 16);
        if (rc != POD_OK)
            break;
    }
    return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
}

int
store_conversation_leave(struct store_txn *txn, uint64_t conversation, uint64_t person)
{
    struct store_conversation c;
    uint8_t k[24];
    struct dbs d;
    bool anyone = false;
    int rc;

    rc = dbs_open(txn, true, &d);
    if (rc == POD_OK)
        rc = conv_load(&d, conversation, &c);
    if (rc == POD_OK)
        rc = vis_get(&d, c.id, person, NULL);
    if (rc == POD_OK)
        rc = del_raw(&d, D_VIS, k, key_ab(k, c.id, person));
    if (rc == POD_OK)
        rc = del_raw(&d, D_BY_PERSON, k, key_person(k, person, c.updated_at, c.id));
    if (rc != POD_OK)
        goto out;
    for (uint32_t i = 0; i < c.participant_count && !anyone; i++)
        anyone = vis_get(&d, c.id, c.participants[i], NULL) == POD_OK;
    if (anyone)
        goto out;
    /* The last one out: the conversation goes. */
    rc = messages_drain(&d, c.id);
    if (rc == POD_OK)
        rc = del_raw(&d, D_BY_GUID, c.guid, strlen(c.guid));
    if (rc == POD_OK) {
        store_be64_put(k, c.id);
        rc = del_raw(&d, D_CONVS, k, 8);
    }
out:
    return rc;
}

/* ------------------------------------------- codecs (store_internal.h) */

int
store_conv_encode(struct store_rec_writer *w, const struct store_conversation *c)
{
    return conv_encode(w, c);
}

int
store_conv_decode(const void *data, size_t len, struct store_conversation *out)
{
    int rc;

    memset(out, 0, sizeof *out);
    rc = store_rec_decode(data, len, conv_field, out);
    if (rc == POD_OK && (!out->guid[0] || !out->author || !out->participant_count))
        rc = POD_ERR_CORRUPT;
    return rc;
}

int
store_msg_encode(struct store_rec_writer *w, const struct store_message *m)
{
    return msg_encode(w, m);
}

int
store_msg_decode(const void *data, size_t len, struct store_message *out, const char **text,
                 size_t *text_len)
{
    struct msg_view v = {out, "", 0};
    int rc;

    memset(out, 0, sizeof *out);
    rc = store_rec_decode(data, len, msg_field, &v);
    if (rc == POD_OK && (!out->guid[0] || !out->conversation || !out->author))
        rc = POD_ERR_CORRUPT;
    *text = v.text;
    *text_len = v.text_len;
    return rc;
}
