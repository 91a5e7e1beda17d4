/*
 * notify.c - who hears about an action (social/notify.h).
 */
#include "social/notify.h"

#include <string.h>

#include "core/error.h"
#include "core/text.h"
#include "core/visibility.h"
#include "drivers/clock/clock.h"
#include "social/actions.h"
#include "store/contacts.h"
#include "store/notifications.h"
#include "store/people.h"

/* Notifies recipient of actor's event unless it is their own, they are
 * not local, they block actor, or (with p) may not see the post. */
static int
notify_one(struct store_txn *txn, uint64_t recipient, enum store_notif_type type,
           const struct store_post *p, uint64_t actor)
{
    struct store_person who;
    struct pod_post_facts f;
    int rc;

    if (!recipient || recipient == actor)
        return POD_OK;
    rc = store_person_get(txn, recipient, &who);
    if (rc == POD_ERR_NOTFOUND || (rc == POD_OK && !who.username[0]))
        return POD_OK;
    if (rc != POD_OK)
        return rc;
    if (store_block_exists(txn, recipient, actor))
        return POD_OK;
    if (p) {
        social_post_facts(txn, p, recipient, &f);
        if (!pod_post_listed(&f, recipient))
            return POD_OK;
    }
    return store_notification_add(txn, recipient, type, p ? p->id : 0, actor, drv_clock_wall(),
                                  NULL);
}

/* The mentions of text (len bytes) by actor about post p. */
static int
notify_mentions(struct store_txn *txn, const struct store_post *p, uint64_t actor, const char *text,
                size_t len, enum store_notif_type type, struct pod_arena *a)
{
    struct pod_mention *m = NULL;
    struct store_person who;
    size_t n = 0;
    int rc;

    if (!text || !len)
        return POD_OK;
    rc = pod_text_mentions(text, len, a, &m, &n);
    for (size_t i = 0; rc == POD_OK && i < n; i++) {
        if (store_person_get_by_diaspora_id(txn, m[i].diaspora_id, &who) != POD_OK)
            continue;
        rc = notify_one(txn, who.id, type, p, actor);
    }
    return rc;
}

struct also_ctx {
    struct store_txn *txn;
    const struct store_post *p;
    uint64_t actor;
    int rc;
};

static int
notify_participant(uint64_t person, void *ctx)
{
    struct also_ctx *ac = ctx;

    if (person == ac->p->author)
        return 0; /* has comment_on_post */
    ac->rc = notify_one(ac->txn, person, STORE_NOTIF_ALSO_COMMENTED, ac->p, ac->actor);
    return ac->rc != POD_OK;
}

int
social_notify_comment(struct store_txn *txn, const struct store_post *p,
                      const struct store_comment *c, struct pod_arena *a)
{
    struct also_ctx ac = {txn, p, c->author, POD_OK};
    int rc;

    rc = notify_one(txn, p->author, STORE_NOTIF_COMMENT_ON_POST, p, c->author);
    if (rc == POD_OK) {
        rc = store_participants_each(txn, p->id, notify_participant, &ac);
        if (ac.rc != POD_OK)
            rc = ac.rc;
        else if (rc > 0)
            rc = POD_OK;
    }
    if (rc == POD_OK)
        rc = notify_mentions(txn, p, c->author, c->text, c->text ? strlen(c->text) : 0,
                             STORE_NOTIF_MENTIONED_IN_COMMENT, a);
    return rc;
}

int
social_notify_like(struct store_txn *txn, uint64_t actor, const struct store_post *p)
{
    return notify_one(txn, p->author, STORE_NOTIF_LIKED, p, actor);
}

int
social_notify_reshare(struct store_txn *txn, uint64_t actor, const struct store_post *root)
{
    return notify_one(txn, root->author, STORE_NOTIF_RESHARED, root, actor);
}

int
social_notify_post(struct store_txn *txn, const struct store_post *p, size_t len,
                   struct pod_arena *a)
{
    return notify_mentions(txn, p, p->author, p->text, len, STORE_NOTIF_MENTIONED, a);
}

int
social_notify_started_sharing(struct store_txn *txn, uint64_t owner, uint64_t person)
{
    return notify_one(txn, person, STORE_NOTIF_STARTED_SHARING, NULL, owner);
}
