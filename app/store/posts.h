/*
 * posts.h - posts and everything hanging off them: photos, polls and their
 * votes, comments, likes, reshares, participations, and the indexes that
 * make every stream a short range read (newest first, cursor paging).
 *
 * Variable-size text (a post's Markdown, a comment) is copied into the
 * arena the caller passes; the rest into caller-owned structs.
 *
 * Indexes kept by store_post_add / store_post_delete (keys big-endian so
 * LMDB order is time order):
 *   author:  (author, created_at, post id)   a person's stream
 *   public:  (created_at, post id)           the public stream
 *   tag:     (tag, created_at, post id)      tag streams
 *   inbox:   (reader, created_at, post id)   a local user's main stream:
 *            the author, the local recipients of a limited post, and the
 *            local followers of the author of a public post
 *   shared:  (post id, person)               recipients of a limited post
 */
#ifndef POD_STORE_POSTS_H
#define POD_STORE_POSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/people.h"

#define STORE_POST_TEXT_MAX    65535
#define STORE_POST_MAX_PHOTOS  10
#define STORE_POLL_MAX_ANSWERS 20
#define STORE_POLL_TEXT_MAX    255
#define STORE_POST_MAX_TAGS    32
#define STORE_POST_TAG_MAX     64 /* bytes of one tag name */
#define STORE_ADDRESS_MAX      255
#define STORE_PHOTO_URL_MAX    1024 /* bytes of a remote photo's URL */

enum store_post_type {
    STORE_POST_STATUS = 1,
    STORE_POST_RESHARE = 2,
};

/* guid and answer_guids name the poll and its answers in federation
 * (poll_participation.parent_guid and poll_answer_guid); they are "" in
 * polls stored before GUIDs were kept (such polls are not federated). */
struct store_poll {
    char guid[STORE_GUID_MAX + 1];
    char question[STORE_POLL_TEXT_MAX + 1];
    uint32_t answer_count; /* 0 = the post has no poll */
    char answers[STORE_POLL_MAX_ANSWERS][STORE_POLL_TEXT_MAX + 1];
    char answer_guids[STORE_POLL_MAX_ANSWERS][STORE_GUID_MAX + 1];
};

struct store_post {
    uint64_t id;
    char guid[STORE_GUID_MAX + 1];
    uint64_t author;
    enum store_post_type type;
    bool public;
    const char *text;                    /* Markdown; in the caller's arena on reads; "" allowed */
    uint64_t root;                       /* reshares: the post reshared */
    char provider[64];                   /* "provider_display_name" */
    char address[STORE_ADDRESS_MAX + 1]; /* location; "" = none */
    char lat[32], lng[32];               /* kept as text, as the protocol does */
    uint32_t photo_count;
    uint64_t photos[STORE_POST_MAX_PHOTOS];
    int64_t created_at;
    /* Kept by the store: */
    uint32_t comments_count, likes_count, reshares_count;
};

/* Reads the poll of a post separately (it is large): POD_ERR_NOTFOUND when
 * the post has none. */
int store_poll_get(struct store_txn *txn, uint64_t post, struct store_poll *out);

/* The poll whose GUID is guid: its post into *post and the poll into *out
 * (may be NULL). POD_ERR_NOTFOUND when no poll has that GUID. */
int store_poll_get_by_guid(struct store_txn *txn, const char *guid, uint64_t *post,
                           struct store_poll *out);

/* Sets the GUIDs of post's poll (guid and answer_guids of ids, whose
 * answer_count must equal the poll's; texts are not changed): used when a
 * received poll is stored after its post. POD_ERR_NOTFOUND without a poll,
 * POD_ERR_INVAL for a count mismatch or a bad GUID, POD_ERR_EXISTS when
 * another poll has the GUID. */
int store_poll_set_guids(struct store_txn *txn, uint64_t post, const struct store_poll *ids);

/* Adds a post: assigns p->id (and keeps p->guid, which the caller makes or
 * receives), writes the indexes above. recipients: person ids a limited
 * post goes to (ignored for public posts); tags: lowercase names without
 * '#'; poll may be NULL (its GUIDs may be ""; a poll GUID is indexed for
 * store_poll_get_by_guid). POD_ERR_EXISTS for a known GUID (post or poll). The local
 * followers for the inbox are found with store_followers_each. */
int store_post_add(struct store_txn *txn, struct store_post *p, const uint64_t *recipients,
                   size_t recipient_count, const char *const *tags, size_t tag_count,
                   const struct store_poll *poll);

int store_post_get(struct store_txn *txn, uint64_t id, struct pod_arena *a, struct store_post *out);
int store_post_get_by_guid(struct store_txn *txn, const char *guid, struct pod_arena *a,
                           struct store_post *out);

/* Makes person one more recipient of limited post post (the share and
 * their inbox entry); POD_OK when they are one already, POD_ERR_INVAL for
 * a public post. For a limited post of another pod delivered to a second
 * local recipient. */
int store_post_share_add(struct store_txn *txn, uint64_t post, uint64_t person);

/* True when person is a recipient of limited post post. */
bool store_post_is_shared_with(struct store_txn *txn, uint64_t post, uint64_t person);

/* Removes the post, its indexes, shares, comments (and their likes),
 * likes, poll and votes, participations and the index of its reshares; a
 * reshare is taken off its root's count. Local photos are unlinked (post =
 * 0, pending again), not deleted: their records and files are the
 * caller's; remote photos (references, no files) are deleted.
 * Reshares of the post stay, with a root that no longer resolves. */
int store_post_delete(struct store_txn *txn, uint64_t id);

/* One page of a stream, newest first: entries older than (max_time,
 * before_id) — pass INT64_MAX and UINT64_MAX for the first page — until
 * fn returns non-zero or limit entries were given. fn gets the post id
 * and its created_at only: callers read and filter (visibility, blocks). */
typedef int (*store_stream_fn)(uint64_t post, int64_t created_at, void *ctx);
int store_stream_inbox(struct store_txn *txn, uint64_t reader, int64_t max_time, uint64_t before_id,
                       size_t limit, store_stream_fn fn, void *ctx);
int store_stream_public(struct store_txn *txn, int64_t max_time, uint64_t before_id, size_t limit,
                        store_stream_fn fn, void *ctx);
int store_stream_author(struct store_txn *txn, uint64_t author, int64_t max_time,
                        uint64_t before_id, size_t limit, store_stream_fn fn, void *ctx);
int store_stream_tag(struct store_txn *txn, const char *tag, int64_t max_time, uint64_t before_id,
                     size_t limit, store_stream_fn fn, void *ctx);

/* ---- photos ---- */

/* A local photo has files (hash); a remote one (received with a post
 * from another pod) only remote_url, where its pod serves the picture. */
struct store_photo {
    uint64_t id;
    char guid[STORE_GUID_MAX + 1];
    uint64_t author;
    uint64_t post; /* 0 while pending (uploaded, not yet posted) */
    bool public;
    char hash[65]; /* content hash of the files in DATA/media/photos; "" when remote */
    char remote_url[STORE_PHOTO_URL_MAX + 1]; /* https URL of a remote photo; "" when local */
    uint32_t width, height;
    int64_t created_at;
};

int store_photo_add(struct store_txn *txn, struct store_photo *ph); /* assigns id */
int store_photo_get(struct store_txn *txn, uint64_t id, struct store_photo *out);
int store_photo_get_by_guid(struct store_txn *txn, const char *guid, struct store_photo *out);
int store_photo_update(struct store_txn *txn, const struct store_photo *ph);
int store_photo_delete(struct store_txn *txn, uint64_t id);

/* ---- comments ---- */

struct store_comment {
    uint64_t id;
    char guid[STORE_GUID_MAX + 1];
    uint64_t post;
    uint64_t author;
    const char *text; /* in the caller's arena on reads */
    int64_t created_at;
    uint32_t likes_count;
};

/* Adds c (assigns id) and counts it on the post. POD_ERR_NOTFOUND for an
 * unknown post, POD_ERR_EXISTS for a known GUID. */
int store_comment_add(struct store_txn *txn, struct store_comment *c);
int store_comment_get(struct store_txn *txn, uint64_t id, struct pod_arena *a,
                      struct store_comment *out);
int store_comment_get_by_guid(struct store_txn *txn, const char *guid, struct pod_arena *a,
                              struct store_comment *out);
int store_comment_delete(struct store_txn *txn, uint64_t id);

/* The comments of a post, oldest first. */
int store_comments_each(struct store_txn *txn, uint64_t post, struct pod_arena *a,
                        int (*fn)(const struct store_comment *c, void *ctx), void *ctx);

/* ---- likes (on posts or comments) ---- */

enum store_like_target { STORE_LIKE_POST = 1, STORE_LIKE_COMMENT = 2 };

struct store_like {
    uint64_t id;
    char guid[STORE_GUID_MAX + 1];
    enum store_like_target target_type;
    uint64_t target;
    uint64_t author;
    bool positive; /* diaspora* likes are always positive; dislikes are in the protocol */
    int64_t created_at;
};

/* Adds l (assigns id), counts it on the target. POD_ERR_EXISTS when the
 * author already likes the target. */
int store_like_add(struct store_txn *txn, struct store_like *l);
int store_like_get(struct store_txn *txn, uint64_t id, struct store_like *out);
int store_like_find(struct store_txn *txn, enum store_like_target type, uint64_t target,
                    uint64_t author, struct store_like *out);
/* The like with that GUID (federation retractions name likes by GUID). */
int store_like_get_by_guid(struct store_txn *txn, const char *guid, struct store_like *out);
int store_like_delete(struct store_txn *txn, uint64_t id);
int store_likes_each(struct store_txn *txn, enum store_like_target type, uint64_t target,
                     int (*fn)(const struct store_like *l, void *ctx), void *ctx);

/* ---- reshares: posts of type STORE_POST_RESHARE; the root counts them ---- */

/* The reshares of root, oldest first. */
int store_reshares_each(struct store_txn *txn, uint64_t root,
                        int (*fn)(uint64_t post, uint64_t author, void *ctx), void *ctx);

/* ---- poll votes ---- */

/* Records person's vote for answer (0-based). POD_ERR_EXISTS if person
 * voted already; POD_ERR_INVAL for an answer out of range; POD_ERR_NOTFOUND
 * if the post has no poll. */
int store_poll_vote(struct store_txn *txn, uint64_t post, uint64_t person, uint32_t answer);

/* Votes per answer (counts[STORE_POLL_MAX_ANSWERS]) and person's own vote
 * (-1 when none; person may be 0). */
int store_poll_tally(struct store_txn *txn, uint64_t post, uint64_t person, uint32_t *counts,
                     int32_t *own_vote);

/* ---- participations: who follows a post's updates ---- */

int store_participation_set(struct store_txn *txn, uint64_t person, uint64_t post, bool on);
bool store_participation_get(struct store_txn *txn, uint64_t person, uint64_t post);
int store_participants_each(struct store_txn *txn, uint64_t post,
                            int (*fn)(uint64_t person, void *ctx), void *ctx);

/* ---- per-person activity indexes for the activity/liked/commented streams ---- */

/* Posts person commented on or liked, newest interaction first. */
int store_stream_commented(struct store_txn *txn, uint64_t person, int64_t max_time,
                           uint64_t before_id, size_t limit, store_stream_fn fn, void *ctx);
int store_stream_liked(struct store_txn *txn, uint64_t person, int64_t max_time, uint64_t before_id,
                       size_t limit, store_stream_fn fn, void *ctx);

/* ---- photos by file (database photos_by_hash, migration 7) ---- */

/* Records (on) or forgets that photo id shows the files of hash (64 hex).
 * The web layer calls it next to store_photo_add / store_photo_delete. */
int store_photo_hash_link(struct store_txn *txn, const char *hash, uint64_t id, bool on);

/* Calls fn with each photo whose files are hash's, until fn returns
 * non-zero (returned). Entries whose photo is gone are skipped. */
typedef int (*store_photo_fn)(const struct store_photo *ph, void *ctx);
int store_photos_by_hash(struct store_txn *txn, const char *hash, store_photo_fn fn, void *ctx);

#endif
