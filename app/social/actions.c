#include "social/actions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/text.h"
#include "drivers/clock/clock.h"
#include "federation/outbound.h"
#include "social/notify.h"
#include "store/mentions.h"
#include "store/people.h"

#define MAX_RECIPIENTS 4096

struct recipients {
    uint64_t *ids;
    size_t count;
};

static int
add_member(const struct store_membership *m, void *ctx)
{
    struct recipients *r = ctx;

    for (size_t i = 0; i < r->count; i++)
        if (r->ids[i] == m->person)
            return 0;
    if (r->count == MAX_RECIPIENTS)
        return 1;
    r->ids[r->count++] = m->person;
    return 0;
}

struct aspect_list {
    uint64_t ids[256];
    size_t count;
};

static int
collect_aspect(const struct store_aspect *asp, void *ctx)
{
    struct aspect_list *l = ctx;

    if (l->count < sizeof l->ids / sizeof l->ids[0])
        l->ids[l->count++] = asp->id;
    return 0;
}

/* The people a limited post of author goes to: members of the chosen
 * aspects (or of all of them). Aspects of someone else are refused. */
static int
limited_recipients(struct store_txn *txn, uint64_t author, const struct social_new_post *np,
                   struct pod_arena *a, struct recipients *r)
{
    struct aspect_list all = {0};
    const uint64_t *ids = np->aspect_ids;
    size_t n = np->aspect_count;
    struct store_aspect asp;
    int rc;

    r->ids = pod_arena_alloc(a, MAX_RECIPIENTS * sizeof *r->ids);
    r->count = 0;
    if (!r->ids)
        return POD_ERR_NOMEM;
    if (np->all_aspects) {
        rc = store_aspects_each(txn, author, collect_aspect, &all);
        if (rc < 0)
            return rc;
        ids = all.ids;
        n = all.count;
    }
    for (size_t i = 0; i < n; i++) {
        rc = store_aspect_get(txn, ids[i], &asp);
        if (rc != POD_OK || asp.owner != author)
            return POD_ERR_INVAL;
        rc = store_memberships_of_aspect(txn, asp.id, add_member, r);
        if (rc < 0)
            return rc;
    }
    return POD_OK;
}

/* Adds the mention index entries of a new post: local people it names
 * who may see it (everyone for a public post, else author and recipients). */
static int
index_mentions(struct store_txn *txn, const struct store_post *p, size_t len, struct pod_arena *a)
{
    struct pod_mention *m = NULL;
    struct store_person who;
    size_t n = 0;
    int rc;

    rc = pod_text_mentions(p->text, len, a, &m, &n);
    for (size_t i = 0; rc == POD_OK && i < n; i++) {
        if (store_person_get_by_diaspora_id(txn, m[i].diaspora_id, &who) != POD_OK ||
            !who.username[0])
            continue;
        if (!p->public && who.id != p->author && !store_post_is_shared_with(txn, p->id, who.id))
            continue;
        rc = store_mention_add(txn, who.id, p->created_at, p->id);
    }
    return rc;
}

int
social_post_create(struct store_txn *txn, uint64_t author, const struct social_new_post *np,
                   struct pod_arena *a, struct store_post *out, char *why, size_t why_len)
{
    struct recipients r = {0};
    const struct store_poll *np_poll = NULL;
    const char **tags = NULL;
    size_t tag_count = 0, len;
    int rc;

    len = np->text ? strlen(np->text) : 0;
    if (len > STORE_POST_TEXT_MAX) {
        pod_why(why, why_len, "A post has at most %d bytes.", STORE_POST_TEXT_MAX);
        return POD_ERR_INVAL;
    }
    if (len == 0 && np->photo_count == 0 && !np->poll) {
        pod_why(why, why_len, "The post is empty.");
        return POD_ERR_INVAL;
    }
    if (np->photo_count > STORE_POST_MAX_PHOTOS) {
        pod_why(why, why_len, "A post has at most %d photos.", STORE_POST_MAX_PHOTOS);
        return POD_ERR_INVAL;
    }
    memset(out, 0, sizeof *out);
    rc = pod_guid_new(out->guid);
    if (rc != POD_OK)
        return rc;
    out->author = author;
    out->type = STORE_POST_STATUS;
    out->public = np->public;
    out->text = np->text ? np->text : "";
    out->created_at = drv_clock_wall();
    snprintf(out->provider, sizeof out->provider, "%s", np->provider ? np->provider : "");
    if (np->address && *np->address) {
        if (strlen(np->address) > STORE_ADDRESS_MAX || (np->lat && strlen(np->lat) >= 32) ||
            (np->lng && strlen(np->lng) >= 32)) {
            pod_why(why, why_len, "The location is too long.");
            return POD_ERR_INVAL;
        }
        snprintf(out->address, sizeof out->address, "%s", np->address);
        snprintf(out->lat, sizeof out->lat, "%s", np->lat ? np->lat : "");
        snprintf(out->lng, sizeof out->lng, "%s", np->lng ? np->lng : "");
    }
    out->photo_count = (uint32_t)np->photo_count;
    for (size_t i = 0; i < np->photo_count; i++)
        out->photos[i] = np->photo_ids[i];
    rc = pod_text_tags(out->text, len, a, &tags, &tag_count);
    if (rc != POD_OK)
        return rc;
    if (!np->public) {
        rc = limited_recipients(txn, author, np, a, &r);
        if (rc == POD_ERR_INVAL)
            pod_why(why, why_len, "Unknown aspect.");
        if (rc != POD_OK)
            return rc;
    }
    if (np->poll) {
        /* The poll and its answers get GUIDs, by which other pods vote. */
        struct store_poll *poll = pod_arena_alloc(a, sizeof *poll);

        if (!poll)
            return POD_ERR_NOMEM;
        *poll = *np->poll;
        rc = pod_guid_new(poll->guid);
        for (uint32_t i = 0; rc == POD_OK && i < poll->answer_count; i++)
            rc = pod_guid_new(poll->answer_guids[i]);
        if (rc != POD_OK)
            return rc;
        np_poll = poll;
    }
    rc = store_post_add(txn, out, r.ids, r.count, (const char *const *)tags, tag_count, np_poll);
    if (rc == POD_ERR_INVAL)
        pod_why(why, why_len, "The post could not be accepted.");
    /* Someone else's photo is as unknown as a missing one: a 403 would
     * tell that a photo of a limited post exists. */
    if (rc == POD_ERR_AUTH)
        rc = POD_ERR_NOTFOUND;
    if (rc == POD_OK)
        rc = social_notify_post(txn, out, len, a);
    if (rc == POD_OK)
        rc = index_mentions(txn, out, len, a);
    if (rc == POD_OK)
        rc = fed_outbound_post(txn, out, a);
    return rc;
}

void
social_post_facts(struct store_txn *txn, const struct store_post *post, uint64_t viewer,
                  struct pod_post_facts *out)
{
    out->author = post->author;
    out->public = post->public;
    out->viewer_is_recipient =
        viewer && !post->public && store_post_is_shared_with(txn, post->id, viewer);
    out->viewer_blocks_author = viewer && store_block_exists(txn, viewer, post->author);
}

int
social_post_find(struct store_txn *txn, const char *key, uint64_t viewer, struct pod_arena *a,
                 struct store_post *out)
{
    struct pod_post_facts f;
    char *end;
    unsigned long long id;
    int rc;

    if (!key || !*key)
        return POD_ERR_NOTFOUND;
    if (strlen(key) < 16) {
        id = strtoull(key, &end, 10);
        if (*end || id == 0)
            return POD_ERR_NOTFOUND;
        rc = store_post_get(txn, (uint64_t)id, a, out);
    } else {
        if (!pod_guid_valid(key))
            return POD_ERR_NOTFOUND;
        rc = store_post_get_by_guid(txn, key, a, out);
    }
    if (rc != POD_OK)
        return rc;
    social_post_facts(txn, out, viewer, &f);
    return pod_post_visible(&f, viewer) ? POD_OK : POD_ERR_NOTFOUND;
}

int
social_post_delete(struct store_txn *txn, uint64_t actor, uint64_t post)
{
    struct store_post p;
    unsigned char block[512];
    struct pod_arena a;
    struct pod_post_facts f;
    int rc;

    pod_arena_init(&a, block, sizeof block, 256 * 1024);
    rc = store_post_get(txn, post, &a, &p);
    if (rc == POD_OK) {
        social_post_facts(txn, &p, actor, &f);
        if (!pod_post_visible(&f, actor))
            rc = POD_ERR_NOTFOUND;
        else if (p.author != actor)
            rc = POD_ERR_AUTH;
        else
            rc = fed_outbound_retraction(txn, actor, p.author, "Post", p.guid, &p, &a);
        if (rc == POD_OK)
            rc = store_post_delete(txn, post);
        if (rc == POD_OK)
            rc = store_mentions_remove_post(txn, post);
    }
    pod_arena_free(&a);
    return rc;
}

int
social_reshare(struct store_txn *txn, uint64_t actor, uint64_t root, struct pod_arena *a,
               struct store_post *out)
{
    struct store_post r;
    struct pod_post_facts f;
    int rc;

    rc = store_post_get(txn, root, a, &r);
    if (rc != POD_OK)
        return rc;
    /* Resharing a reshare reshares its root, as diaspora* does. */
    if (r.type == STORE_POST_RESHARE && r.root) {
        rc = store_post_get(txn, r.root, a, &r);
        if (rc != POD_OK)
            return rc;
    }
    social_post_facts(txn, &r, actor, &f);
    if (!pod_post_visible(&f, actor))
        return POD_ERR_NOTFOUND;
    if (!pod_post_resharable(&f, actor))
        return POD_ERR_AUTH;
    memset(out, 0, sizeof *out);
    rc = pod_guid_new(out->guid);
    if (rc != POD_OK)
        return rc;
    out->author = actor;
    out->type = STORE_POST_RESHARE;
    out->public = true;
    out->text = "";
    out->root = r.id;
    out->created_at = drv_clock_wall();
    rc = store_post_add(txn, out, NULL, 0, NULL, 0, NULL);
    if (rc == POD_OK)
        rc = social_notify_reshare(txn, actor, &r);
    if (rc == POD_OK)
        rc = fed_outbound_post(txn, out, a);
    return rc;
}

/* Checks that actor may comment on or like post p. */
static int
may_interact(struct store_txn *txn, uint64_t actor, const struct store_post *p)
{
    struct pod_post_facts f;

    social_post_facts(txn, p, actor, &f);
    if (!pod_post_visible(&f, actor))
        return POD_ERR_NOTFOUND;
    if (!pod_post_interactable(&f, actor, store_block_exists(txn, p->author, actor)))
        return POD_ERR_AUTH;
    return POD_OK;
}

int
social_comment_create(struct store_txn *txn, uint64_t actor, uint64_t post, const char *text,
                      struct pod_arena *a, struct store_comment *out, char *why, size_t why_len)
{
    struct store_post p;
    size_t len = text ? strlen(text) : 0;
    int rc;

    if (len == 0 || len > STORE_POST_TEXT_MAX) {
        pod_why(why, why_len, "A comment has 1 to %d bytes.", STORE_POST_TEXT_MAX);
        return POD_ERR_INVAL;
    }
    rc = store_post_get(txn, post, a, &p);
    if (rc != POD_OK)
        return rc;
    rc = may_interact(txn, actor, &p);
    if (rc != POD_OK)
        return rc;
    memset(out, 0, sizeof *out);
    rc = pod_guid_new(out->guid);
    if (rc != POD_OK)
        return rc;
    out->post = post;
    out->author = actor;
    out->text = text;
    out->created_at = drv_clock_wall();
    rc = store_comment_add(txn, out);
    if (rc == POD_OK)
        rc = social_notify_comment(txn, &p, out, a);
    if (rc == POD_OK)
        store_participation_set(txn, actor, post, true);
    if (rc == POD_OK)
        rc = fed_outbound_comment(txn, out, &p, a);
    return rc;
}

int
social_comment_delete(struct store_txn *txn, uint64_t actor, uint64_t comment)
{
    unsigned char block[512];
    struct pod_arena a;
    struct store_comment c;
    struct store_post p;
    struct pod_post_facts f;
    int rc;

    pod_arena_init(&a, block, sizeof block, 256 * 1024);
    rc = store_comment_get(txn, comment, &a, &c);
    if (rc == POD_OK)
        rc = store_post_get(txn, c.post, &a, &p);
    if (rc == POD_OK) {
        social_post_facts(txn, &p, actor, &f);
        if (!pod_post_visible(&f, actor))
            rc = POD_ERR_NOTFOUND;
        else if (!pod_comment_deletable(c.author, p.author, actor))
            rc = POD_ERR_AUTH;
        else
            rc = fed_outbound_retraction(txn, actor, c.author, "Comment", c.guid, &p, &a);
        if (rc == POD_OK)
            rc = store_comment_delete(txn, comment);
    }
    pod_arena_free(&a);
    return rc;
}

int
social_like(struct store_txn *txn, uint64_t actor, enum store_like_target type, uint64_t target,
            struct store_like *out)
{
    unsigned char block[512];
    struct pod_arena a;
    struct store_comment c;
    struct store_post p;
    int rc;

    pod_arena_init(&a, block, sizeof block, 256 * 1024);
    if (type == STORE_LIKE_COMMENT) {
        rc = store_comment_get(txn, target, &a, &c);
        if (rc == POD_OK)
            rc = store_post_get(txn, c.post, &a, &p);
    } else {
        rc = store_post_get(txn, target, &a, &p);
    }
    if (rc == POD_OK)
        rc = may_interact(txn, actor, &p);
    if (rc == POD_OK) {
        memset(out, 0, sizeof *out);
        rc = pod_guid_new(out->guid);
    }
    if (rc == POD_OK) {
        out->target_type = type;
        out->target = target;
        out->author = actor;
        out->positive = true;
        out->created_at = drv_clock_wall();
        rc = store_like_add(txn, out);
    }
    if (rc == POD_OK && type == STORE_LIKE_POST)
        rc = social_notify_like(txn, actor, &p);
    if (rc == POD_OK && type == STORE_LIKE_POST)
        store_participation_set(txn, actor, target, true);
    if (rc == POD_OK)
        rc = fed_outbound_like(txn, out, type == STORE_LIKE_COMMENT ? c.guid : p.guid, &p, &a);
    pod_arena_free(&a);
    return rc;
}

int
social_poll_vote(struct store_txn *txn, uint64_t actor, uint64_t post, uint32_t answer)
{
    unsigned char block[512];
    struct pod_arena a;
    struct store_post p;
    int rc;

    pod_arena_init(&a, block, sizeof block, 256 * 1024);
    rc = store_post_get(txn, post, &a, &p);
    if (rc == POD_OK)
        rc = may_interact(txn, actor, &p);
    if (rc == POD_OK)
        rc = store_poll_vote(txn, post, actor, answer);
    if (rc == POD_OK)
        rc = store_participation_set(txn, actor, post, true);
    if (rc == POD_OK)
        rc = fed_outbound_poll_participation(txn, &p, actor, answer, &a);
    pod_arena_free(&a);
    return rc;
}

/* The post that like l is on (through its comment when it likes one),
 * in a. */
static int
like_post(struct store_txn *txn, const struct store_like *l, struct pod_arena *a,
          struct store_post *p)
{
    struct store_comment c;
    uint64_t post = l->target;
    int rc = POD_OK;

    if (l->target_type == STORE_LIKE_COMMENT) {
        rc = store_comment_get(txn, l->target, a, &c);
        if (rc == POD_OK)
            post = c.post;
    }
    if (rc == POD_OK)
        rc = store_post_get(txn, post, a, p);
    return rc;
}

/* Whether viewer may see the post that like l is on (or on a comment of). */
static bool
like_visible(struct store_txn *txn, uint64_t viewer, const struct store_like *l)
{
    unsigned char block[512];
    struct pod_arena a;
    struct store_post p;
    struct pod_post_facts f;
    int rc;

    pod_arena_init(&a, block, sizeof block, 256 * 1024);
    rc = like_post(txn, l, &a, &p);
    if (rc == POD_OK)
        social_post_facts(txn, &p, viewer, &f);
    pod_arena_free(&a);
    return rc == POD_OK && pod_post_visible(&f, viewer);
}

/* Tells the pods concerned that actor's like l goes (before it goes). */
static int
like_retraction(struct store_txn *txn, uint64_t actor, const struct store_like *l)
{
    unsigned char block[512];
    struct pod_arena a;
    struct store_post p;
    int rc;

    pod_arena_init(&a, block, sizeof block, 256 * 1024);
    rc = like_post(txn, l, &a, &p);
    if (rc == POD_OK)
        rc = fed_outbound_retraction(txn, actor, l->author, "Like", l->guid, &p, &a);
    else if (rc == POD_ERR_NOTFOUND)
        rc = POD_OK; /* its post is gone: nobody to tell */
    pod_arena_free(&a);
    return rc;
}

int
social_like_delete(struct store_txn *txn, uint64_t actor, uint64_t like)
{
    struct store_like l;
    int rc = store_like_get(txn, like, &l);

    if (rc != POD_OK)
        return rc;
    /* Someone else's like: 403, or 404 when actor may not see its post
     * (nothing is told about limited posts). */
    if (l.author != actor)
        return like_visible(txn, actor, &l) ? POD_ERR_AUTH : POD_ERR_NOTFOUND;
    rc = like_retraction(txn, actor, &l);
    return rc == POD_OK ? store_like_delete(txn, like) : rc;
}

int
social_aspect_add_person(struct store_txn *txn, uint64_t owner, uint64_t aspect, uint64_t person,
                         struct store_membership *out)
{
    struct store_aspect asp;
    struct store_person p;
    struct store_contact c;
    bool was_sharing;
    int rc;

    rc = store_aspect_get(txn, aspect, &asp);
    if (rc != POD_OK)
        return rc;
    if (asp.owner != owner)
        return POD_ERR_NOTFOUND;
    rc = store_person_get(txn, person, &p);
    if (rc != POD_OK)
        return rc;
    if (person == owner)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof *out);
    out->aspect = aspect;
    out->person = person;
    rc = store_membership_add(txn, out);
    if (rc != POD_OK)
        return rc;
    rc = store_contact_get(txn, owner, person, &c);
    if (rc == POD_ERR_NOTFOUND) {
        memset(&c, 0, sizeof c);
        c.owner = owner;
        c.person = person;
        c.created_at = drv_clock_wall();
        rc = POD_OK;
    }
    if (rc != POD_OK)
        return rc;
    was_sharing = c.sharing;
    c.sharing = true;
    rc = store_contact_put(txn, &c);
    if (rc == POD_OK && !was_sharing)
        rc = social_notify_started_sharing(txn, owner, person);
    if (rc == POD_OK && !was_sharing && !p.username[0]) {
        unsigned char block[256];
        struct pod_arena fa;

        pod_arena_init(&fa, block, sizeof block, 64 * 1024);
        rc = fed_outbound_contact(txn, owner, person, true, &fa);
        pod_arena_free(&fa);
    }
    /* A local person learns at once that owner shares with them. */
    if (rc == POD_OK && p.username[0]) {
        struct store_contact back;
        int brc = store_contact_get(txn, person, owner, &back);
        if (brc == POD_ERR_NOTFOUND) {
            memset(&back, 0, sizeof back);
            back.owner = person;
            back.person = owner;
            back.created_at = drv_clock_wall();
            brc = POD_OK;
        }
        if (brc == POD_OK) {
            back.receiving = true;
            rc = store_contact_put(txn, &back);
        } else {
            rc = brc;
        }
    }
    return rc;
}

struct count_ctx {
    unsigned n;
};

static int
count_membership(const struct store_membership *m, void *ctx)
{
    (void)m;
    ((struct count_ctx *)ctx)->n++;
    return 0;
}

int
social_aspect_remove_membership(struct store_txn *txn, uint64_t owner, uint64_t membership)
{
    struct store_membership m;
    struct store_contact c;
    struct store_person p;
    struct count_ctx left = {0};
    int rc;

    rc = store_membership_get(txn, membership, &m);
    if (rc != POD_OK)
        return rc;
    if (m.owner != owner)
        return POD_ERR_NOTFOUND;
    rc = store_membership_delete(txn, membership);
    if (rc != POD_OK)
        return rc;
    rc = store_memberships_of_person(txn, owner, m.person, count_membership, &left);
    if (rc < 0)
        return rc;
    if (left.n > 0)
        return POD_OK;
    /* Out of every aspect: owner stops sharing with them. */
    if (store_contact_get(txn, owner, m.person, &c) == POD_OK) {
        c.sharing = false;
        rc = store_contact_put(txn, &c);
        if (rc == POD_OK) {
            unsigned char block[256];
            struct pod_arena fa;

            pod_arena_init(&fa, block, sizeof block, 64 * 1024);
            rc = fed_outbound_contact(txn, owner, m.person, false, &fa);
            pod_arena_free(&fa);
        }
    }
    if (rc == POD_OK && store_person_get(txn, m.person, &p) == POD_OK && p.username[0] &&
        store_contact_get(txn, m.person, owner, &c) == POD_OK) {
        c.receiving = false;
        rc = store_contact_put(txn, &c);
    }
    return rc;
}

int
social_block(struct store_txn *txn, uint64_t owner, uint64_t person, uint64_t *id)
{
    struct store_person p;
    int rc = store_person_get(txn, person, &p);

    if (rc != POD_OK)
        return rc;
    if (person == owner)
        return POD_ERR_INVAL;
    return store_block_add(txn, owner, person, id);
}
