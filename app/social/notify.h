/*
 * notify.h - the notifications an action implies, written in the action's
 * own write transaction (store/notifications.h). Only local people are
 * notified; never the actor, never someone who blocks the actor, and for
 * post events only people who may see the post (core/visibility.h).
 */
#ifndef POD_SOCIAL_NOTIFY_H
#define POD_SOCIAL_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/posts.h"

/* c was added to post p: its author gets comment_on_post, the other
 * participants of p also_commented, people the text mentions
 * mentioned_in_comment (arena a for the mention list). */
int social_notify_comment(struct store_txn *txn, const struct store_post *p,
                          const struct store_comment *c, struct pod_arena *a);

/* actor liked post p: its author gets liked. */
int social_notify_like(struct store_txn *txn, uint64_t actor, const struct store_post *p);

/* actor reshared root: its author gets reshared. */
int social_notify_reshare(struct store_txn *txn, uint64_t actor, const struct store_post *root);

/* New post p: the people its text (len bytes) mentions get mentioned. */
int social_notify_post(struct store_txn *txn, const struct store_post *p, size_t len,
                       struct pod_arena *a);

/* owner started sharing with person: a local person gets started_sharing. */
int social_notify_started_sharing(struct store_txn *txn, uint64_t owner, uint64_t person);

#endif
