/*
 * actions.h - what people do on this pod, as transactions: post, comment,
 * like, reshare, delete, share with someone, group contacts in aspects.
 *
 * Each action checks who may do it (core/visibility.h), then writes
 * everything it implies in the one write transaction the caller passes:
 * the object, its indexes and (with federation) the outbox jobs, so either
 * all of it is durable or none. The web handlers and, later, the federation
 * inbox call these; neither talks to the post tables directly for writes.
 *
 * Errors: POD_ERR_NOTFOUND (no such object, or one the actor may not
 * see), POD_ERR_AUTH (may see it but not do this), POD_ERR_INVAL (bad
 * input, with a reason in why), POD_ERR_EXISTS (done already).
 */
#ifndef POD_SOCIAL_ACTIONS_H
#define POD_SOCIAL_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/visibility.h"
#include "store/contacts.h"
#include "store/posts.h"

/* A new status message. aspect_ids is used for limited posts (public =
 * false): recipients are the members of those aspects of the author; with
 * all_aspects, of every aspect. */
struct social_new_post {
    const char *text;
    bool public;
    bool all_aspects;
    const uint64_t *aspect_ids;
    size_t aspect_count;
    const uint64_t *photo_ids;
    size_t photo_count;
    const struct store_poll *poll;   /* NULL = no poll */
    const char *address, *lat, *lng; /* NULL = no location */
    const char *provider;            /* NULL = "" */
};

/* Creates a status message by author (a local person), fills *out (text in
 * arena a). */
int social_post_create(struct store_txn *txn, uint64_t author, const struct social_new_post *np,
                       struct pod_arena *a, struct store_post *out, char *why, size_t why_len);

/* Looks a post up by numeric id or GUID as diaspora* does (a key shorter
 * than 16 characters is an id) and checks that viewer (0 = signed out)
 * may see it. */
int social_post_find(struct store_txn *txn, const char *key, uint64_t viewer, struct pod_arena *a,
                     struct store_post *out);

/* Facts for core/visibility.h about post and viewer. */
void social_post_facts(struct store_txn *txn, const struct store_post *post, uint64_t viewer,
                       struct pod_post_facts *out);

/* Deletes actor's own post. */
int social_post_delete(struct store_txn *txn, uint64_t actor, uint64_t post);

/* Reshares a public post of someone else. */
int social_reshare(struct store_txn *txn, uint64_t actor, uint64_t root, struct pod_arena *a,
                   struct store_post *out);

int social_comment_create(struct store_txn *txn, uint64_t actor, uint64_t post, const char *text,
                          struct pod_arena *a, struct store_comment *out, char *why,
                          size_t why_len);

/* Deletes a comment: its author or the post's author. */
int social_comment_delete(struct store_txn *txn, uint64_t actor, uint64_t comment);

int social_like(struct store_txn *txn, uint64_t actor, enum store_like_target type, uint64_t target,
                struct store_like *out);

/* Deletes actor's own like; someone else's is POD_ERR_AUTH, or
 * POD_ERR_NOTFOUND when actor may not see the post it is on. */
int social_like_delete(struct store_txn *txn, uint64_t actor, uint64_t like);

/* actor votes for answer (0-based) of the poll of post, which they may
 * see and interact with: the vote, actor's participation in the post and
 * a <poll_participation> to the pods concerned (federation/outbound.h).
 * POD_ERR_EXISTS when actor voted already, POD_ERR_INVAL for an answer out
 * of range, POD_ERR_NOTFOUND for a post without a poll (or invisible),
 * POD_ERR_AUTH when actor may not interact with it. */
int social_poll_vote(struct store_txn *txn, uint64_t actor, uint64_t post, uint32_t answer);

/* Puts person into owner's aspect and starts sharing with them. */
int social_aspect_add_person(struct store_txn *txn, uint64_t owner, uint64_t aspect,
                             uint64_t person, struct store_membership *out);

/* Removes a membership of owner's; stops sharing when it was the last. */
int social_aspect_remove_membership(struct store_txn *txn, uint64_t owner, uint64_t membership);

/* Ignores person: their content disappears from owner's views. */
int social_block(struct store_txn *txn, uint64_t owner, uint64_t person, uint64_t *id);

#endif
