/*
 * federated.h - applying entities received from other pods to the store
 * (docs/diaspora-federation.md §3.2, §4.3, §6, §7): the write half of a
 * federation delivery, after federation/inbound.c has decrypted the
 * envelope, verified its signature and validated the entity.
 *
 * Everything happens in the one write transaction the caller passes (the
 * one that also deletes the inbox item), and is idempotent by GUID: a
 * second delivery of an entity already applied changes nothing and
 * answers POD_OK.
 *
 * Applied: status_message (public, or limited to the local recipient, a
 * second local recipient's copy adding them; location, poll and nested
 * photos kept), reshare (of a known root), comment, like and
 * poll_participation (on a known post; likes also on a known comment; on
 * a local limited post only from its recipients and only encrypted),
 * retraction of posts, comments and likes (a remote author's retraction
 * of a relayable on a local post is relayed), contact (receiving flag
 * and a started_sharing notification), profile (names, avatars,
 * searchable of a remote person), participation (a remote person on a
 * local public post: its comments and likes then reach their pod),
 * conversation and message (social/federated_conversation.c),
 * account_deletion and account_migration (social/federated_account.c).
 * A new public post of a remote author someone here follows sends that
 * author a participation, so its comments arrive. Every other type
 * answers POD_ERR_INVAL with "not handled yet: TYPE".
 */
#ifndef POD_SOCIAL_FEDERATED_H
#define POD_SOCIAL_FEDERATED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "federation/entity.h"
#include "store/people.h"

/* One verified delivery, as social_fed_apply takes it. Everything is
 * borrowed for the call. */
struct social_fed_in {
    const struct fed_entity *entity;   /* parsed and validated (fed_entity_validate) */
    const struct store_person *sender; /* the envelope's verified signer (a stored person) */
    /* The person named by the entity's author when it differs from the
     * sender (a relayed comment or like), with public_key filled in (for a
     * local person: the account's key); NULL when author = sender or for
     * entities that are not relayables. */
    const struct store_person *author;
    bool public_route;  /* /receive/public: a "public" property must be true */
    uint64_t recipient; /* private route: the local person it was sent to; else 0 */
    int64_t now;        /* for a missing created_at */
};

/* Checks the sender rules of §4.3 (and author_signature of relayables
 * whose author is not the root author, §6.1) against the store, then
 * applies in->entity in txn (a write transaction). Returns:
 *   POD_OK           applied, or already there (nothing changed)
 *   POD_ERR_AUTH     a sender rule or permission refuses it (permanent)
 *   POD_ERR_SIG      author_signature missing or wrong (permanent)
 *   POD_ERR_INVAL    content unusable here, or "not handled yet: TYPE"
 *   POD_ERR_NOTFOUND the parent or root is not known (yet): retry later
 *   store errors     from the transaction (retry later)
 * why (why_len bytes, may be NULL) gets a one-line reason. Text copies
 * come from a. */
int social_fed_apply(struct store_txn *txn, const struct social_fed_in *in, struct pod_arena *a,
                     char *why, size_t why_len);

#endif
