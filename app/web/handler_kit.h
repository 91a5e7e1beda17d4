/*
 * handler_kit.h - the few steps most handlers take: who is asking, a
 * numeric id from the URL, "sign in first", and a store transaction that
 * answers 503 itself when the store does not answer.
 */
#ifndef POD_WEB_HANDLER_KIT_H
#define POD_WEB_HANDLER_KIT_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "web/request.h"

/* The signed-in person's id, or 0 for visitors. */
uint64_t web_viewer(const struct web_req *req);

/* A decimal id of digits only, > 0; 0 for anything else (NULL, "", "-1",
 * "+1", " 1", "1x", overflow is left to strtoull's saturation). */
uint64_t web_parse_id(const char *s);

/* An id from a JSON body: a number in 1..2^53 (fraction dropped) or a
 * string web_parse_id takes; 0 for anything else (NULL, 0, -1, 1e300, NaN,
 * objects). */
uint64_t web_json_id(const struct cJSON *it);

/* 0 when someone is signed in; otherwise answers (401 JSON for clients, a
 * redirect to the sign-in page for browsers) and returns that status. */
int web_need_session(struct web_req *req);

/* Begins a transaction, or answers 503 and returns NULL. */
struct store_txn *web_txn_begin(struct web_req *req, bool write);

/* Commits txn when rc is POD_OK, aborts it otherwise; returns the outcome. */
int web_txn_finish(struct store_txn *txn, int rc);

#endif
