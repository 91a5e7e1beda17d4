/*
 * present.h - the JSON shapes diaspora* clients read (docs/web-api.md
 * §2.1): people, posts, comments, likes, aspects. Each function builds a
 * cJSON tree the caller owns (cJSON_Delete) from rows read in txn; NULL
 * when out of memory or the row is gone.
 */
#ifndef POD_WEB_PRESENT_H
#define POD_WEB_PRESENT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "store/contacts.h"
#include "store/posts.h"
#include "web/request.h"

/* Person :backbone: {id, guid, name, diaspora_id, avatar{small,medium,large}}. */
cJSON *present_person(struct web_req *req, struct store_txn *txn, uint64_t person);

/* The display name of a person (profile names, else username or diaspora*
 * ID), in the arena. */
const char *present_person_name(struct web_req *req, struct store_txn *txn,
                                const struct store_person *p);

/* Post as streams show it (interactions with the last three comments);
 * full = every comment, like and reshare (posts#show). viewer may be 0. */
cJSON *present_post(struct web_req *req, struct store_txn *txn, const struct store_post *p,
                    uint64_t viewer, bool full);

/* Comment: {id, guid, text, author, created_at, interactions{likes_count}}. */
cJSON *present_comment(struct web_req *req, struct store_txn *txn, const struct store_comment *c);

/* Like :backbone: {id, guid, author, created_at}. */
cJSON *present_like(struct web_req *req, struct store_txn *txn, const struct store_like *l);

/* Rails' JSON time: "2018-03-08T23:48:31.000Z". */
const char *present_time(struct web_req *req, int64_t t);

/* Sends a cJSON tree with status (and deletes it). NULL answers 500. */
int web_reply_json(struct web_req *req, int status, cJSON *json);

#endif
