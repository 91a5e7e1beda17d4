/*
 * federated_internal.h - pieces of social/federated.c shared with the
 * other social/federated_*.c files, which apply one family of entities
 * each (conversations, accounts, media and polls). Not for other modules:
 * they call social_fed_apply (federated.h).
 *
 * Every social_fed_apply_* function has the contract of social_fed_apply
 * for its entity type: it runs in the caller's write transaction, is
 * idempotent by GUID, writes a one-line reason to why on refusal, and
 * answers POD_OK, POD_ERR_AUTH, POD_ERR_SIG, POD_ERR_INVAL,
 * POD_ERR_NOTFOUND (retry later) or a store error. For every type but the
 * relayables (comment, like, poll_participation) and retraction,
 * social_fed_apply has already checked that the sender is the entity's
 * author.
 */
#ifndef POD_SOCIAL_FEDERATED_INTERNAL_H
#define POD_SOCIAL_FEDERATED_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "federation/entity.h"
#include "social/federated.h"
#include "store/people.h"
#include "store/posts.h"

/* Copies s into out (cap bytes) when it fits; false otherwise. */
bool social_fed_copy_fits(char *out, size_t cap, const char *s);

/* Copies at most cap-1 bytes of s (NULL: "") into out, cut at a UTF-8
 * character boundary. */
void social_fed_copy_cut(char *out, size_t cap, const char *s);

/* The base part of a <profile> entity onto remote person p: names
 * (first/last, or full_name), avatars (absolute http(s) URLs replace,
 * an empty one clears, an absent one keeps), searchable; updated_at =
 * now. Nothing is written to the store. */
void social_fed_take_profile(struct store_person *p, const struct fed_entity *profile, int64_t now);

/* Case-insensitive equality of two diaspora* IDs (false when one is NULL). */
bool social_fed_same_did(const char *a, const char *b);

/* The stored person with diaspora* ID did (any case). */
int social_fed_person_by_did(struct store_txn *txn, const char *did, struct store_person *out);

/* The time field name of e, or now when absent or unparsable. */
int64_t social_fed_entity_time(const struct fed_entity *e, const char *name, int64_t now);

/* The author of the relayable in->entity as a stored person: in->sender
 * or in->author, whichever the author field names; NULL when neither. */
const struct store_person *social_fed_relayable_author(const struct social_fed_in *in);

/* §4.3 and §6.1 for a relayable whose root post is post: the sender is
 * the root author, or the author when the root is local; the author must
 * not be ignored by a local root author; the author_signature must verify
 * unless the author is the root author. */
int social_fed_relayable_check(struct store_txn *txn, const struct social_fed_in *in,
                               const struct store_person *author, const struct store_post *post,
                               struct pod_arena *a, char *why, size_t why_len);

/* federated_conversation.c: a <conversation> (with its nested first
 * messages) to the local participants, and a <message> in a known
 * conversation. */
int social_fed_apply_conversation(struct store_txn *txn, const struct social_fed_in *in,
                                  struct pod_arena *a, char *why, size_t why_len);
int social_fed_apply_message(struct store_txn *txn, const struct social_fed_in *in,
                             struct pod_arena *a, char *why, size_t why_len);

/* federated_account.c: <account_deletion> (the remote person's account is
 * closed: their content and contacts here go) and <account_migration>
 * (contacts move to the new identity). */
int social_fed_apply_account_deletion(struct store_txn *txn, const struct social_fed_in *in,
                                      struct pod_arena *a, char *why, size_t why_len);
int social_fed_apply_account_migration(struct store_txn *txn, const struct social_fed_in *in,
                                       struct pod_arena *a, char *why, size_t why_len);

/* federated_media.c: the <photo> elements nested in the status message
 * in->entity, stored for post p just added (remote pictures, referenced
 * by URL); and a <poll_participation> (a relayable vote on a known poll). */
int social_fed_store_photos(struct store_txn *txn, const struct social_fed_in *in,
                            const struct store_post *p, struct pod_arena *a, char *why,
                            size_t why_len);
int social_fed_apply_poll_participation(struct store_txn *txn, const struct social_fed_in *in,
                                        struct pod_arena *a, char *why, size_t why_len);

#endif
