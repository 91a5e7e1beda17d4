/*
 * fed_inbox.h - the durable queue of federation deliveries received and
 * not yet processed (docs: architecture "A federation delivery in").
 *
 * POST /receive/... appends the raw body here in one write transaction
 * and answers 202 only after the commit; the federation task takes the
 * oldest item, processes it and deletes it in the transaction that applies
 * it, so a crash at any point replays the item (applying is idempotent by
 * GUID). Items are numbered by a sequence: the oldest has the lowest id.
 */
#ifndef POD_STORE_FED_INBOX_H
#define POD_STORE_FED_INBOX_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/store.h"

#define STORE_INBOX_BODY_MAX (4u * 1024 * 1024) /* refused beyond (POD_ERR_LIMIT) */

enum store_inbox_kind {
    STORE_INBOX_PUBLIC = 1,  /* a Magic Envelope for /receive/public */
    STORE_INBOX_PRIVATE = 2, /* the encrypted JSON for /receive/users/GUID */
};

struct store_inbox_item {
    uint64_t id;
    int64_t received_at;
    enum store_inbox_kind kind;
    uint64_t recipient;  /* PRIVATE: the local person it was sent to; else 0 */
    uint32_t attempts;   /* processing attempts that failed for a passing reason */
    const uint8_t *body; /* in the caller's arena (store_inbox_oldest) */
    size_t len;
};

/* Appends a delivery (body of len bytes, copied) and sets *id; also sets
 * the setting last_inbound_at to received_at. Write transactions only;
 * durable when the transaction commits. */
int store_inbox_push(struct store_txn *txn, enum store_inbox_kind kind, uint64_t recipient,
                     const void *body, size_t len, int64_t received_at, uint64_t *id);

/* The oldest item with an id above after (0: the oldest of all), its body
 * copied into a. POD_ERR_NOTFOUND when there is none. */
int store_inbox_oldest(struct store_txn *txn, uint64_t after, struct pod_arena *a,
                       struct store_inbox_item *out);

/* Records one more failed attempt of item id (kept for a later retry). */
int store_inbox_attempted(struct store_txn *txn, uint64_t id);

/* Removes item id (processed, or given up). POD_ERR_NOTFOUND if absent. */
int store_inbox_delete(struct store_txn *txn, uint64_t id);

/* How many items wait. */
int store_inbox_count(struct store_txn *txn, uint64_t *count);

#endif
