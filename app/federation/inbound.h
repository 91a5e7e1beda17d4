/*
 * inbound.h - processing one item of the durable federation inbox
 * (store/fed_inbox.h; docs/diaspora-federation.md §4, §5, §6, §9): decrypt
 * (private route), read the Magic Envelope, find the sender's key
 * (discovering an unknown sender outside any transaction), verify the
 * envelope, parse and validate the entity, find the author of a relayed
 * relayable, then check the sender rules and apply the entity
 * (social/federated.h) in ONE write transaction that also deletes the
 * item. Applying is idempotent by GUID.
 *
 * The caller (task/fed_inbox_task.c) owns the queue policy: on
 * FED_INBOUND_DROP it deletes the item, on FED_INBOUND_RETRY it counts an
 * attempt; this module writes nothing in those cases and logs nothing
 * (the reason is in why).
 */
#ifndef POD_FEDERATION_INBOUND_H
#define POD_FEDERATION_INBOUND_H

#include <stddef.h>
#include <stdint.h>

#include "store/fed_inbox.h"

struct fed_discovery;
struct store;

struct fed_inbound_ctx {
    struct store *store;             /* borrowed */
    struct fed_discovery *discovery; /* borrowed; NULL: unknown people are not looked up
                                        (their deliveries are retried) */
    int64_t (*now)(void);            /* wall clock; NULL = time(NULL) */
};

enum fed_inbound_outcome {
    FED_INBOUND_DONE = 0,  /* applied (or applied before); the item is deleted */
    FED_INBOUND_DROP = 1,  /* permanent failure: bad signature, invalid entity,
                              sender rule, not handled type; delete the item */
    FED_INBOUND_RETRY = 2, /* passing failure (network, store, unknown parent):
                              keep the item and try later */
};

/* Processes item (as read by store_inbox_oldest). The caller holds no
 * transaction of ctx->store on this thread. why (why_len bytes, may be
 * NULL) gets a one-line reason for DROP and RETRY, and a short summary
 * ("status_message 0123... by alice@pod-a.org") for DONE. */
enum fed_inbound_outcome fed_inbound_process(const struct fed_inbound_ctx *ctx,
                                             const struct store_inbox_item *item, char *why,
                                             size_t why_len);

/* Most items fed_inbound_process_batch takes at once. */
#define FED_INBOUND_BATCH_MAX 16

/* Processes items[0..n) (n <= FED_INBOUND_BATCH_MAX) as
 * fed_inbound_process would, one after the other, except that every item
 * that verifies is applied in ONE write transaction (each in a nested
 * one, so an item that fails leaves no trace): one durable commit for the
 * batch instead of one per item. An item whose parent is missing is then
 * fetched and applied on its own. outcomes[i] gets item i's outcome and
 * whys + i * why_len (why_len > 0) its reason or summary. The caller holds
 * no transaction of ctx->store on this thread. */
void fed_inbound_process_batch(const struct fed_inbound_ctx *ctx,
                               const struct store_inbox_item *items, size_t n,
                               enum fed_inbound_outcome *outcomes, char *whys, size_t why_len);

#endif
