/*
 * record_social.c - the codecs of the people and contacts records
 * (store/record.h): people, aspects, contacts and aspect memberships.
 * people.c and contacts.c own the databases; this file only turns structs
 * into record bytes and back.
 */
#include "store/record.h"

#include <string.h>

#include "core/error.h"

/* ============================================================= people */

static int
person_field(const struct store_rec_field *f, void *ctx)
{
    struct store_person *p = ctx;

    switch (f->tag) {
    case STORE_PERSON_GUID:
        return store_rec_get_str(f, p->guid, sizeof(p->guid));
    case STORE_PERSON_DIASPORA_ID:
        return store_rec_get_str(f, p->diaspora_id, sizeof(p->diaspora_id));
    case STORE_PERSON_USERNAME:
        return store_rec_get_str(f, p->username, sizeof(p->username));
    case STORE_PERSON_FIRST_NAME:
        return store_rec_get_str(f, p->first_name, sizeof(p->first_name));
    case STORE_PERSON_LAST_NAME:
        return store_rec_get_str(f, p->last_name, sizeof(p->last_name));
    case STORE_PERSON_AVATAR_LARGE:
        return store_rec_get_str(f, p->avatar_large, sizeof(p->avatar_large));
    case STORE_PERSON_AVATAR_MEDIUM:
        return store_rec_get_str(f, p->avatar_medium, sizeof(p->avatar_medium));
    case STORE_PERSON_AVATAR_SMALL:
        return store_rec_get_str(f, p->avatar_small, sizeof(p->avatar_small));
    case STORE_PERSON_POD_URL:
        return store_rec_get_str(f, p->pod_url, sizeof(p->pod_url));
    case STORE_PERSON_SEARCHABLE:
        return store_rec_get_bool(f, &p->searchable);
    case STORE_PERSON_CREATED_AT:
        return store_rec_get_i64(f, &p->created_at);
    case STORE_PERSON_UPDATED_AT:
        return store_rec_get_i64(f, &p->updated_at);
    case STORE_PERSON_PUBLIC_KEY:
        return store_rec_get_str(f, p->public_key, sizeof(p->public_key));
    case STORE_PERSON_CLOSED:
        return store_rec_get_bool(f, &p->closed);
    case STORE_PERSON_MOVED_TO:
        return store_rec_get_uvarint(f, &p->moved_to);
    default:
        return POD_OK; /* a later version's field */
    }
}

int
store_person_encode(struct store_rec_writer *w, const struct store_person *p)
{
    if (!p->guid[0] || !p->diaspora_id[0])
        return POD_ERR_INVAL;
    store_rec_put_str(w, STORE_PERSON_GUID, p->guid, sizeof(p->guid));
    store_rec_put_str(w, STORE_PERSON_DIASPORA_ID, p->diaspora_id, sizeof(p->diaspora_id));
    /* Remote people (most rows) leave out what they do not have. */
    if (p->username[0])
        store_rec_put_str(w, STORE_PERSON_USERNAME, p->username, sizeof(p->username));
    if (p->first_name[0])
        store_rec_put_str(w, STORE_PERSON_FIRST_NAME, p->first_name, sizeof(p->first_name));
    if (p->last_name[0])
        store_rec_put_str(w, STORE_PERSON_LAST_NAME, p->last_name, sizeof(p->last_name));
    if (p->avatar_large[0])
        store_rec_put_str(w, STORE_PERSON_AVATAR_LARGE, p->avatar_large, sizeof(p->avatar_large));
    if (p->avatar_medium[0])
        store_rec_put_str(w, STORE_PERSON_AVATAR_MEDIUM, p->avatar_medium,
                          sizeof(p->avatar_medium));
    if (p->avatar_small[0])
        store_rec_put_str(w, STORE_PERSON_AVATAR_SMALL, p->avatar_small, sizeof(p->avatar_small));
    if (p->pod_url[0])
        store_rec_put_str(w, STORE_PERSON_POD_URL, p->pod_url, sizeof(p->pod_url));
    store_rec_put_bool(w, STORE_PERSON_SEARCHABLE, p->searchable);
    store_rec_put_i64(w, STORE_PERSON_CREATED_AT, p->created_at);
    store_rec_put_i64(w, STORE_PERSON_UPDATED_AT, p->updated_at);
    if (p->public_key[0])
        store_rec_put_str(w, STORE_PERSON_PUBLIC_KEY, p->public_key, sizeof(p->public_key));
    /* Written only when set: older builds read the rest unchanged. */
    if (p->closed)
        store_rec_put_bool(w, STORE_PERSON_CLOSED, true);
    if (p->moved_to)
        store_rec_put_uvarint(w, STORE_PERSON_MOVED_TO, p->moved_to);
    return store_rec_writer_finish(w, NULL);
}

int
store_person_decode(const void *data, size_t len, struct store_person *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_rec_decode(data, len, person_field, out);
    if (rc == POD_OK && (!out->guid[0] || !out->diaspora_id[0]))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ============================================================ aspects */

static int
aspect_field(const struct store_rec_field *f, void *ctx)
{
    struct store_aspect *a = ctx;

    switch (f->tag) {
    case STORE_ASPECT_OWNER:
        return store_rec_get_uvarint(f, &a->owner);
    case STORE_ASPECT_NAME:
        return store_rec_get_str(f, a->name, sizeof(a->name));
    case STORE_ASPECT_CONTACTS_VISIBLE:
        return store_rec_get_bool(f, &a->contacts_visible);
    case STORE_ASPECT_ORDER:
        return store_rec_get_u32(f, &a->order);
    case STORE_ASPECT_CREATED_AT:
        return store_rec_get_i64(f, &a->created_at);
    default:
        return POD_OK;
    }
}

int
store_aspect_encode(struct store_rec_writer *w, const struct store_aspect *a)
{
    if (a->owner == 0 || !a->name[0])
        return POD_ERR_INVAL;
    store_rec_put_uvarint(w, STORE_ASPECT_OWNER, a->owner);
    store_rec_put_str(w, STORE_ASPECT_NAME, a->name, sizeof(a->name));
    store_rec_put_bool(w, STORE_ASPECT_CONTACTS_VISIBLE, a->contacts_visible);
    store_rec_put_uvarint(w, STORE_ASPECT_ORDER, a->order);
    store_rec_put_i64(w, STORE_ASPECT_CREATED_AT, a->created_at);
    return store_rec_writer_finish(w, NULL);
}

int
store_aspect_decode(const void *data, size_t len, struct store_aspect *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_rec_decode(data, len, aspect_field, out);
    if (rc == POD_OK && (out->owner == 0 || !out->name[0]))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* =========================================================== contacts */

static int
contact_field(const struct store_rec_field *f, void *ctx)
{
    struct store_contact *c = ctx;

    switch (f->tag) {
    case STORE_CONTACT_ID:
        return store_rec_get_uvarint(f, &c->id);
    case STORE_CONTACT_SHARING:
        return store_rec_get_bool(f, &c->sharing);
    case STORE_CONTACT_RECEIVING:
        return store_rec_get_bool(f, &c->receiving);
    case STORE_CONTACT_CREATED_AT:
        return store_rec_get_i64(f, &c->created_at);
    default:
        return POD_OK;
    }
}

int
store_contact_encode(struct store_rec_writer *w, const struct store_contact *c)
{
    if (c->id == 0)
        return POD_ERR_INVAL;
    store_rec_put_uvarint(w, STORE_CONTACT_ID, c->id);
    store_rec_put_bool(w, STORE_CONTACT_SHARING, c->sharing);
    store_rec_put_bool(w, STORE_CONTACT_RECEIVING, c->receiving);
    store_rec_put_i64(w, STORE_CONTACT_CREATED_AT, c->created_at);
    return store_rec_writer_finish(w, NULL);
}

int
store_contact_decode(const void *data, size_t len, struct store_contact *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_rec_decode(data, len, contact_field, out);
    if (rc == POD_OK && out->id == 0)
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ======================================================== memberships */

static int
membership_field(const struct store_rec_field *f, void *ctx)
{
    struct store_membership *m = ctx;

    switch (f->tag) {
    case STORE_MEMBERSHIP_ASPECT:
        return store_rec_get_uvarint(f, &m->aspect);
    case STORE_MEMBERSHIP_OWNER:
        return store_rec_get_uvarint(f, &m->owner);
    case STORE_MEMBERSHIP_PERSON:
        return store_rec_get_uvarint(f, &m->person);
    default:
        return POD_OK;
    }
}

int
store_membership_encode(struct store_rec_writer *w, const struct store_membership *m)
{
    if (m->aspect == 0 || m->owner == 0 || m->person == 0)
        return POD_ERR_INVAL;
    store_rec_put_uvarint(w, STORE_MEMBERSHIP_ASPECT, m->aspect);
    store_rec_put_uvarint(w, STORE_MEMBERSHIP_OWNER, m->owner);
    store_rec_put_uvarint(w, STORE_MEMBERSHIP_PERSON, m->person);
    return store_rec_writer_finish(w, NULL);
}

int
store_membership_decode(const void *data, size_t len, struct store_membership *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_rec_decode(data, len, membership_field, out);
    if (rc == POD_OK && (out->aspect == 0 || out->owner == 0 || out->person == 0))
        rc = POD_ERR_CORRUPT;
    if (rc != POD_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}
