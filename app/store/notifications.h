/*
 * notifications.h - what a local user is told about: comments on their
 * posts and on posts they take part in, likes, reshares, mentions, and
 * people who start sharing with them.
 *
 * One unread notification per (recipient, type, target) gathers the people
 * who caused it (the newest STORE_NOTIF_ACTORS_MAX of them, newest first)
 * and moves to the top of the list; once read, the next event starts a new
 * one. Ownership as in posts.h: caller-owned structs, all inside the
 * caller's transaction.
 */
#ifndef POD_STORE_NOTIFICATIONS_H
#define POD_STORE_NOTIFICATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_NOTIF_ACTORS_MAX   5
#define STORE_NOTIF_PER_PAGE_MAX 100

/* On-disk values: never renumber. */
enum store_notif_type {
    STORE_NOTIF_COMMENT_ON_POST = 1,
    STORE_NOTIF_ALSO_COMMENTED = 2,
    STORE_NOTIF_LIKED = 3,
    STORE_NOTIF_RESHARED = 4,
    STORE_NOTIF_MENTIONED = 5, /* in a post */
    STORE_NOTIF_MENTIONED_IN_COMMENT = 6,
    STORE_NOTIF_STARTED_SHARING = 7,
    STORE_NOTIF_TYPE_END, /* one past the last; arrays are indexed by type */
};

struct store_notification {
    uint64_t id;
    uint64_t recipient; /* a local person */
    enum store_notif_type type;
    uint64_t target; /* the post, or 0 (started_sharing) */
    uint32_t actor_count;
    uint64_t actors[STORE_NOTIF_ACTORS_MAX]; /* newest first */
    bool unread;
    int64_t created_at;
    int64_t updated_at; /* the last actor's time; the list's order */
};

/* Records that actor did something of type to target for recipient at
 * time now: gathers into the recipient's unread notification of the same
 * type and target when there is one, else adds one. *id (may be NULL)
 * gets its id. POD_ERR_INVAL for zero ids or an unknown type. */
int store_notification_add(struct store_txn *txn, uint64_t recipient, enum store_notif_type type,
                           uint64_t target, uint64_t actor, int64_t now, uint64_t *id);

int store_notification_get(struct store_txn *txn, uint64_t id, struct store_notification *out);

/* Page page (1-based) of per_page (1..STORE_NOTIF_PER_PAGE_MAX)
 * notifications of recipient, most recently updated first; fn may stop the
 * walk by returning non-zero (which is returned). The cost grows with
 * page * per_page, never with the total. */
int store_notifications_list(struct store_txn *txn, uint64_t recipient, size_t page,
                             size_t per_page,
                             int (*fn)(const struct store_notification *n, void *ctx), void *ctx);

/* Unread notifications of recipient: *total and, when by_type is given,
 * per type (by_type[STORE_NOTIF_TYPE_END], index = type). */
int store_notifications_unread(struct store_txn *txn, uint64_t recipient, uint32_t *total,
                               uint32_t *by_type);

/* Marks notification id of owner read or unread: POD_ERR_NOTFOUND for an
 * unknown id, POD_ERR_AUTH when it is someone else's. */
int store_notification_set_unread(struct store_txn *txn, uint64_t id, uint64_t owner, bool unread);

/* Marks every notification of recipient read. */
int store_notifications_read_all(struct store_txn *txn, uint64_t recipient);

/* The JSON type name diaspora* clients use ("comment_on_post", ...), NULL
 * for an unknown type. */
const char *store_notif_type_name(enum store_notif_type type);

/* Deletes every notification of recipient (account deletion); *count, if
 * given, gets how many. */
int store_notifications_delete_recipient(struct store_txn *txn, uint64_t recipient,
                                         unsigned *count);

#endif
