/*
 * mentions.h - the mention index (who was mentioned in which post, for the
 * mentions stream) and the listing of tag names by prefix (tag search).
 *
 * Databases (migration 6), keys big-endian, T as in posts.c (created_at
 * with the sign bit flipped):
 *   idx_mention       be64 person + T + be64 post -> empty
 *   mentions_by_post  be64 post + be64 person -> T (what a delete removes)
 *
 * Tag names come from the tag index of posts.c (idx_tag), so they are the
 * tags of posts the pod holds, limited ones included, as diaspora*'s tag
 * autocomplete does.
 */
#ifndef POD_STORE_MENTIONS_H
#define POD_STORE_MENTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "store/posts.h"

/* Records that person was mentioned in post (made at created_at).
 * Adding the same pair again is harmless. POD_ERR_INVAL for id 0 or a
 * read-only transaction. */
int store_mention_add(struct store_txn *txn, uint64_t person, int64_t created_at, uint64_t post);

/* Drops every mention entry of post (none is fine). */
int store_mentions_remove_post(struct store_txn *txn, uint64_t post);

/* One page of the posts mentioning person, newest first, as the
 * store_stream_* functions of posts.h (same paging, same callback). */
int store_stream_mentions(struct store_txn *txn, uint64_t person, int64_t max_time,
                          uint64_t before_id, size_t limit, store_stream_fn fn, void *ctx);

/* Calls fn with each distinct tag name (lowercase, without '#') of the tag
 * index that starts with prefix (1..STORE_POST_TAG_MAX bytes), in byte
 * order, at most limit names or until fn returns non-zero. The name is
 * borrowed for the call. POD_ERR_INVAL for an empty prefix or no fn,
 * POD_ERR_LIMIT for a long one. */
int store_tags_with_prefix(struct store_txn *txn, const char *prefix, size_t limit,
                           int (*fn)(const char *tag, void *ctx), void *ctx);

#endif
