/*
 * account_delete.c - closing a local account: every row the store keeps
 * for the user, found through its public indexes, then the user itself.
 */
#include "social/account_delete.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/log.h"
#include "federation/outbound_account.h"
#include "media/image.h"
#include "store/accounts.h"
#include "store/contacts.h"
#include "store/conversations.h"
#include "store/notifications.h"
#include "store/people.h"
#include "store/posts.h"

#define PAGE 64 /* stream entries read per step */

/* A growable list of ids (with the time of stream entries, for paging). */
struct ids {
    uint64_t *id;
    int64_t *t;
    size_t n, cap;
};

static int
ids_push(struct ids *l, uint64_t id, int64_t t)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        uint64_t *id2 = realloc(l->id, cap * sizeof(*id2));
        if (!id2)
            return POD_ERR_NOMEM;
        l->id = id2;
        int64_t *t2 = realloc(l->t, cap * sizeof(*t2));
        if (!t2)
            return POD_ERR_NOMEM;
        l->t = t2;
        l->cap = cap;
    }
    l->id[l->n] = id;
    l->t[l->n++] = t;
    return POD_OK;
}

static void
ids_free(struct ids *l)
{
    free(l->id);
    free(l->t);
    memset(l, 0, sizeof(*l));
}

static int
stream_collect(uint64_t post, int64_t created_at, void *ctx)
{
    return ids_push(ctx, post, created_at);
}

typedef int (*person_stream_fn)(struct store_txn *txn, uint64_t person, int64_t max_time,
                                uint64_t before_id, size_t limit, store_stream_fn fn, void *ctx);

/* Calls fn for every post of one of person's streams, newest first. The
 * page is read before fn runs, so fn may delete the entries it is given. */
static int
stream_walk(struct store_txn *txn, person_stream_fn stream, uint64_t person,
            int (*fn)(struct store_txn *txn, uint64_t person, uint64_t post, void *ctx), void *ctx,
            size_t *count)
{
    struct ids page = {0};
    int64_t max_time = INT64_MAX;
    uint64_t before = UINT64_MAX;
    int rc;

    for (;;) {
        page.n = 0;
        rc = stream(txn, person, max_time, before, PAGE, stream_collect, &page);
        if (rc != POD_OK || page.n == 0)
            break;
        for (size_t i = 0; rc == POD_OK && i < page.n; i++)
            rc = fn(txn, person, page.id[i], ctx);
        if (rc != POD_OK)
            break;
        if (count)
            *count += page.n;
        max_time = page.t[page.n - 1];
        before = page.id[page.n - 1];
    }
    ids_free(&page);
    return rc;
}

/* ---- the user's own posts ---- */

/* The distinct hashes of the photos deleted. */
struct hashes {
    char (*hash)[65];
    size_t n, cap;
};

static int
hashes_add(struct hashes *h, const char *hash)
{
    if (!hash[0])
        return POD_OK;
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->hash[i], hash) == 0)
            return POD_OK;
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        void *p = realloc(h->hash, cap * sizeof(*h->hash));
        if (!p)
            return POD_ERR_NOMEM;
        h->hash = p;
        h->cap = cap;
    }
    snprintf(h->hash[h->n++], sizeof(*h->hash), "%s", hash);
    return POD_OK;
}

static int
count_photo(const struct store_photo *ph, void *ctx)
{
    (void)ph;
    (*(size_t *)ctx)++;
    return 1; /* one is enough */
}

/* Lists in files the hashes of h that no photo shows any more. */
static int
photo_files(struct store_txn *txn, const struct hashes *h, struct social_deleted_files *files)
{
    int rc = POD_OK;

    for (size_t i = 0; rc == POD_OK && i < h->n; i++) {
        size_t left = 0;
        rc = store_photos_by_hash(txn, h->hash[i], count_photo, &left);
        if (rc > 0)
            rc = POD_OK;
        if (rc != POD_OK || left > 0)
            continue;
        if (files->photo_count == SOCIAL_DELETED_PHOTOS_MAX)
            files->photos_truncated = true;
        else
            memcpy(files->photos[files->photo_count++], h->hash[i], sizeof(*files->photos));
    }
    return rc;
}

static int
own_post_delete(struct store_txn *txn, uint64_t person, uint64_t post, void *ctx)
{
    struct hashes *deleted = ctx;
    unsigned char buf[512];
    struct store_photo ph;
    struct store_post p;
    struct pod_arena a;
    int rc;

    (void)person;
    pod_arena_init(&a, buf, sizeof(buf), 0);
    rc = store_post_get(txn, post, &a, &p);
    if (rc == POD_OK)
        rc = store_post_delete(txn, post);
    /* The post only unlinks its photos; the records are the user's too. */
    for (uint32_t i = 0; rc == POD_OK && i < p.photo_count; i++) {
        rc = store_photo_get(txn, p.photos[i], &ph);
        if (rc == POD_OK && ph.author == p.author) {
            rc = store_photo_delete(txn, ph.id);
            if (rc == POD_OK && ph.hash[0])
                rc = store_photo_hash_link(txn, ph.hash, ph.id, false);
            if (rc == POD_OK)
                rc = hashes_add(deleted, ph.hash);
        }
        if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK;
    }
    pod_arena_free(&a);
    return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
}

/* ---- the user's comments and likes on other posts ---- */

struct comment_scan {
    uint64_t person;
    struct ids mine; /* comments by person */
    struct ids all;  /* every comment of the post, for person's likes on them */
};

static int
comment_collect(const struct store_comment *c, void *ctx)
{
    struct comment_scan *s = ctx;
    int rc = ids_push(&s->all, c->id, 0);

    if (rc == POD_OK && c->author == s->person)
        rc = ids_push(&s->mine, c->id, 0);
    return rc;
}

/* Removes person's comments on post, their likes on its comments and on
 * the post itself, and their participation in it. */
static int
interactions_delete(struct store_txn *txn, uint64_t person, uint64_t post, void *ctx)
{
    unsigned char buf[1024];
    struct comment_scan s = {.person = person};
    struct store_like l;
    struct pod_arena a;
    int rc;

    (void)ctx;
    pod_arena_init(&a, buf, sizeof(buf), 0);
    rc = store_comments_each(txn, post, &a, comment_collect, &s);
    pod_arena_free(&a);
    for (size_t i = 0; rc == POD_OK && i < s.all.n; i++) {
        rc = store_like_find(txn, STORE_LIKE_COMMENT, s.all.id[i], person, &l);
        if (rc == POD_OK)
            rc = store_like_delete(txn, l.id);
        else if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK;
    }
    for (size_t i = 0; rc == POD_OK && i < s.mine.n; i++) {
        rc = store_comment_delete(txn, s.mine.id[i]);
        if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK;
    }
    if (rc == POD_OK) {
        rc = store_like_find(txn, STORE_LIKE_POST, post, person, &l);
        if (rc == POD_OK)
            rc = store_like_delete(txn, l.id);
        else if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK;
    }
    if (rc == POD_OK && store_participation_get(txn, person, post))
        rc = store_participation_set(txn, person, post, false);
    ids_free(&s.mine);
    ids_free(&s.all);
    return rc;
}

/* ---- the social graph ---- */

static int
aspect_collect(const struct store_aspect *x, void *ctx)
{
    return ids_push(ctx, x->id, 0);
}

static int
contact_collect(const struct store_contact *c, void *ctx)
{
    return ids_push(ctx, c->person, 0);
}

static int
block_collect(uint64_t id, uint64_t person, void *ctx)
{
    return ids_push(ctx, id, (int64_t)person);
}

static int
tag_collect(uint64_t id, const char *tag, void *ctx)
{
    (void)tag;
    return ids_push(ctx, id, 0);
}

static int
membership_collect(const struct store_membership *m, void *ctx)
{
    return ids_push(ctx, m->id, 0);
}

/* Ends the contact of owner with person, both directions. */
static int
contact_end(struct store_txn *txn, uint64_t owner, uint64_t person)
{
    struct store_contact c;
    int rc = store_contact_get(txn, owner, person, &c);

    if (rc == POD_ERR_NOTFOUND)
        return POD_OK;
    if (rc != POD_OK)
        return rc;
    c.sharing = false;
    c.receiving = false;
    return store_contact_put(txn, &c); /* deletes a contact with neither */
}

static int
own_graph_delete(struct store_txn *txn, uint64_t me)
{
    struct ids l = {0};
    int rc;

    rc = store_aspects_each(txn, me, aspect_collect, &l);
    for (size_t i = 0; rc == POD_OK && i < l.n; i++)
        rc = store_aspect_delete(txn, l.id[i]);
    l.n = 0;
    if (rc == POD_OK)
        rc = store_contacts_each(txn, me, contact_collect, &l);
    for (size_t i = 0; rc == POD_OK && i < l.n; i++)
        rc = contact_end(txn, me, l.id[i]);
    l.n = 0;
    if (rc == POD_OK)
        rc = store_blocks_each(txn, me, block_collect, &l);
    for (size_t i = 0; rc == POD_OK && i < l.n; i++)
        rc = store_block_delete(txn, l.id[i], me);
    l.n = 0;
    if (rc == POD_OK)
        rc = store_tags_followed_each(txn, me, tag_collect, &l);
    for (size_t i = 0; rc == POD_OK && i < l.n; i++)
        rc = store_tag_unfollow(txn, me, l.id[i]);
    ids_free(&l);
    return rc;
}

/* Removes what owner (another local user) keeps about person: the
 * contact, memberships in owner's aspects and, with blocks, owner's block
 * of them. */
static int
graph_of_other_delete(struct store_txn *txn, uint64_t owner, uint64_t person, bool blocks)
{
    struct ids l = {0};
    int rc;

    rc = store_memberships_of_person(txn, owner, person, membership_collect, &l);
    for (size_t i = 0; rc == POD_OK && i < l.n; i++)
        rc = store_membership_delete(txn, l.id[i]);
    if (rc == POD_OK)
        rc = contact_end(txn, owner, person);
    l.n = 0;
    if (rc == POD_OK && blocks)
        rc = store_blocks_each(txn, owner, block_collect, &l);
    for (size_t i = 0; rc == POD_OK && i < l.n; i++)
        if ((uint64_t)l.t[i] == person)
            rc = store_block_delete(txn, l.id[i], owner);
    ids_free(&l);
    return rc;
}

/* ---- other local users ---- */

struct users {
    char (*name)[STORE_USERNAME_MAX + 1];
    size_t n, cap;
    const char *skip;
};

static int
user_collect(const struct store_user *u, void *ctx)
{
    struct users *us = ctx;

    if (us->skip && strcmp(u->username, us->skip) == 0)
        return POD_OK;
    if (us->n == us->cap) {
        size_t cap = us->cap ? us->cap * 2 : 8;
        void *p = realloc(us->name, cap * sizeof(*us->name));
        if (!p)
            return POD_ERR_NOMEM;
        us->name = p;
        us->cap = cap;
    }
    snprintf(us->name[us->n++], sizeof(*us->name), "%s", u->username);
    return POD_OK;
}

/* True when a profile of one of us uses avatar hash. */
static bool
avatar_in_use(struct store_txn *txn, const struct users *us, const char *hash)
{
    struct store_profile *p = malloc(sizeof(*p));
    bool used = false;

    if (!p)
        return true; /* when in doubt, keep the file */
    for (size_t i = 0; !used && i < us->n; i++)
        used = store_profile_get(txn, us->name[i], p) == POD_OK && strcmp(p->avatar, hash) == 0;
    free(p);
    return used;
}

struct conv_ids {
    uint64_t ids[256];
    size_t n;
};

static int
conv_collect(uint64_t conversation, uint32_t unread, void *ctx)
{
    struct conv_ids *c = ctx;

    (void)unread;
    if (c->n == sizeof c->ids / sizeof c->ids[0])
        return 1;
    c->ids[c->n++] = conversation;
    return 0;
}

/* Leaves every conversation of person (a conversation nobody is left in
 * goes with its messages), in batches: leaving changes the list. */
static int
leave_conversations(struct store_txn *txn, uint64_t person)
{
    struct conv_ids *c = malloc(sizeof *c);
    int rc = POD_OK, rounds = 0;

    if (!c)
        return POD_ERR_NOMEM;
    do {
        if (++rounds > 4096) { /* leaving did not shrink the list: stop */
            rc = POD_ERR_CORRUPT;
            break;
        }
        c->n = 0;
        rc = store_conversations_of(txn, person, sizeof c->ids / sizeof c->ids[0], conv_collect, c);
        if (rc < 0)
            break;
        rc = POD_OK;
        for (size_t i = 0; rc == POD_OK && i < c->n; i++)
            rc = store_conversation_leave(txn, c->ids[i], person);
    } while (rc == POD_OK && c->n > 0);
    free(c);
    return rc;
}

/* Queues the presigned <account_deletion> of local person me
 * (federation/outbound_account.h). An account whose key was never made
 * has sent nothing anywhere: nothing to announce. A key that cannot sign
 * does not keep the account: it goes unannounced (logged). */
static int
announce_deletion(struct store_txn *txn, const char *username, uint64_t me)
{
    unsigned char buf[4096];
    struct pod_arena a;
    char *pem = malloc(STORE_PEM_MAX);
    int rc;

    if (!pem)
        return POD_ERR_NOMEM;
    rc = store_user_private_key_get(txn, username, pem, STORE_PEM_MAX);
    if (rc == POD_OK && pem[0]) {
        pod_arena_init(&a, buf, sizeof buf, 4u * 1024 * 1024);
        rc = fed_outbound_account_deletion(txn, me, pem, &a);
        pod_arena_free(&a);
        if (rc == POD_ERR_PARSE || rc == POD_ERR_INVAL || rc == POD_ERR_CRYPTO ||
            rc == POD_ERR_LIMIT)
            rc = POD_OK; /* logged by fed_outbound_account_deletion */
    } else if (rc == POD_ERR_NOTFOUND || rc == POD_OK) {
        LOG_INFO("federation", "%s has no key: account_deletion not sent", username);
        rc = POD_OK;
    }
    memset(pem, 0, STORE_PEM_MAX);
    free(pem);
    return rc;
}

/* ---- a remote person's traces (their account was closed) ---- */

/* Ends the participation of the remote person *ctx in post (of the local
 * person owner). */
static int
participation_end(struct store_txn *txn, uint64_t owner, uint64_t post, void *ctx)
{
    uint64_t person = *(const uint64_t *)ctx;

    (void)owner;
    if (!store_participation_get(txn, person, post))
        return POD_OK;
    return store_participation_set(txn, person, post, false);
}

int
social_person_traces_delete(struct store_txn *txn, uint64_t person)
{
    struct users locals = {0};
    struct hashes deleted = {0};
    struct store_person p, owner;
    int rc;

    if (!txn || !person)
        return POD_ERR_INVAL;
    rc = store_person_get(txn, person, &p);
    if (rc == POD_OK && p.username[0])
        rc = POD_ERR_INVAL; /* local accounts go with social_account_delete */
    if (rc == POD_OK)
        rc = store_user_each(txn, user_collect, &locals);
    if (rc == POD_OK)
        rc = stream_walk(txn, store_stream_author, person, own_post_delete, &deleted, NULL);
    if (rc == POD_OK)
        rc = stream_walk(txn, store_stream_commented, person, interactions_delete, NULL, NULL);
    if (rc == POD_OK)
        rc = stream_walk(txn, store_stream_liked, person, interactions_delete, NULL, NULL);
    for (size_t i = 0; rc == POD_OK && i < locals.n; i++) {
        rc = store_person_get_by_username(txn, locals.name[i], &owner);
        if (rc == POD_ERR_NOTFOUND) {
            rc = POD_OK;
            continue;
        }
        /* The blocks stay: whoever ignored them still does. */
        if (rc == POD_OK)
            rc = graph_of_other_delete(txn, owner.id, person, false);
        /* Participations without a comment or like. */
        if (rc == POD_OK)
            rc = stream_walk(txn, store_stream_author, owner.id, participation_end, &person, NULL);
    }
    if (rc == POD_OK)
        rc = leave_conversations(txn, person);
    free(deleted.hash);
    free(locals.name);
    return rc;
}

int
social_account_delete(struct store_txn *txn, const char *username,
                      struct social_deleted_files *files)
{
    struct users others = {.skip = username};
    struct hashes deleted = {0};
    struct store_profile *profile = NULL;
    struct store_person me, other;
    struct store_user u;
    char avatar[65] = "";
    bool has_person;
    int rc;

    if (files)
        memset(files, 0, sizeof(*files));
    if (!txn || !username)
        return POD_ERR_INVAL;
    rc = store_user_get(txn, username, &u);
    if (rc != POD_OK)
        goto out;
    profile = malloc(sizeof(*profile));
    if (!profile) {
        rc = POD_ERR_NOMEM;
        goto out;
    }
    if (store_profile_get(txn, username, profile) == POD_OK)
        snprintf(avatar, sizeof(avatar), "%s", profile->avatar);
    /* Collected first: the writes below must not run under the cursor. */
    rc = store_user_each(txn, user_collect, &others);
    if (rc != POD_OK)
        goto out;

    /* Accounts from before people existed may have no person row. */
    rc = store_person_get_by_username(txn, username, &me);
    has_person = rc == POD_OK;
    if (rc == POD_ERR_NOTFOUND)
        rc = POD_OK;
    /* Before anything goes: the recipients are read from the contacts
     * and posts, and the message is signed with the key about to go. */
    if (rc == POD_OK && has_person)
        rc = announce_deletion(txn, username, me.id);
    if (rc == POD_OK && has_person)
        rc = stream_walk(txn, store_stream_author, me.id, own_post_delete, &deleted, NULL);
    if (rc == POD_OK && has_person)
        rc = stream_walk(txn, store_stream_commented, me.id, interactions_delete, NULL, NULL);
    if (rc == POD_OK && has_person)
        rc = stream_walk(txn, store_stream_liked, me.id, interactions_delete, NULL, NULL);
    if (rc == POD_OK && has_person)
        rc = own_graph_delete(txn, me.id);
    for (size_t i = 0; rc == POD_OK && has_person && i < others.n; i++) {
        rc = store_person_get_by_username(txn, others.name[i], &other);
        if (rc == POD_OK)
            rc = graph_of_other_delete(txn, other.id, me.id, true);
        else if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK;
    }
    if (rc == POD_OK && has_person)
        rc = store_notifications_delete_recipient(txn, me.id, NULL);
    if (rc == POD_OK && has_person)
        rc = leave_conversations(txn, me.id);
    if (rc == POD_OK && has_person)
        rc = store_person_delete(txn, me.id);
    if (rc == POD_OK)
        rc = store_user_delete(txn, username);
    if (rc == POD_OK && files && avatar[0] && !avatar_in_use(txn, &others, avatar))
        memcpy(files->avatar, avatar, sizeof(files->avatar));
    if (rc == POD_OK && files)
        rc = photo_files(txn, &deleted, files);
out:
    if (rc != POD_OK && files)
        memset(files, 0, sizeof(*files));
    free(deleted.hash);
    free(profile);
    free(others.name);
    return rc;
}

int
social_deleted_files_unlink(const char *data_dir, const struct social_deleted_files *files)
{
    static const char *const sizes[] = {"large", "medium", "small"};
    char path[1024];
    int rc = POD_OK;

    if (!data_dir || !files)
        return POD_ERR_INVAL;
    for (size_t i = 0; files->avatar[0] && i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        if (media_avatar_path(data_dir, files->avatar, sizes[i], path, sizeof(path)) != POD_OK)
            return POD_ERR_INVAL;
        if (unlink(path) != 0 && errno != ENOENT)
            rc = POD_ERR_IO;
    }
    for (size_t i = 0; i < files->photo_count && i < SOCIAL_DELETED_PHOTOS_MAX; i++)
        for (int k = 0; k < MEDIA_PHOTO_SIZES; k++) {
            if (media_photo_path(data_dir, files->photos[i], media_photo_size_names[k], path,
                                 sizeof(path)) != POD_OK) {
                rc = POD_ERR_INVAL;
                break;
            }
            if (unlink(path) != 0 && errno != ENOENT && rc == POD_OK)
                rc = POD_ERR_IO;
        }
    return rc;
}
