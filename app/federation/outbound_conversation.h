/*
 * outbound_conversation.h - what a local conversation and its messages
 * send to other pods (docs/diaspora-federation.md §3.2 "conversation" and
 * "message", §5.2, §5.4): the entity XML, and one private (encrypted) job
 * per remote participant, signed by the local author.
 *
 * Called by social/conversations.c inside the write transaction that
 * stores the conversation or message, so the object and its jobs commit
 * together. Remote participants without pod_url, GUID or key are skipped,
 * local ones get nothing (they read the store). Nothing is written when
 * no participant is remote. Errors are the store's; POD_ERR_INVAL when the
 * author is not local; POD_ERR_NOMEM when the arena a is exhausted.
 */
#ifndef POD_FEDERATION_OUTBOUND_CONVERSATION_H
#define POD_FEDERATION_OUTBOUND_CONVERSATION_H

#include <stddef.h>

#include "core/arena.h"
#include "store/conversations.h"
#include "store/store.h"

/* The subject sent for a conversation stored without one (the protocol
 * requires a non-empty subject; diaspora* fills in the same words). */
#define FED_CONVERSATION_NO_SUBJECT "no subject"

/* The <conversation> c with its first message first nested (author,
 * guid, subject, created_at, participants = every participant's diaspora*
 * ID joined with ';', the author first) into *xml / *len (in a). */
int fed_outbound_conversation_xml(struct store_txn *txn, const struct store_conversation *c,
                                  const struct store_message *first, struct pod_arena *a,
                                  char **xml, size_t *len);

/* The <message> m of conversation c into *xml / *len (in a). */
int fed_outbound_message_xml(struct store_txn *txn, const struct store_conversation *c,
                             const struct store_message *m, struct pod_arena *a, char **xml,
                             size_t *len);

/* Enqueues conversation c, just started by its local author with first
 * message first, to every remote participant. */
int fed_outbound_conversation(struct store_txn *txn, const struct store_conversation *c,
                              const struct store_message *first, struct pod_arena *a);

/* Enqueues message m, just written by a local participant of c, to every
 * remote participant of c (the remote author of a conversation started
 * elsewhere included). */
int fed_outbound_message(struct store_txn *txn, const struct store_conversation *c,
                         const struct store_message *m, struct pod_arena *a);

#endif
