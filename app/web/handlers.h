/*
 * handlers.h - the request handlers, grouped by the file that holds them.
 * routes.c maps paths to them.
 */
#ifndef POD_WEB_HANDLERS_H
#define POD_WEB_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/posts.h"
#include "web/request.h"

struct store_aspect;
struct store_profile;
struct social_new_post;

/* pages.c: the landing page, health */
int page_landing(struct web_req *req);
int page_health(struct web_req *req);
/* POST /markdown_preview {text}: {"html": the text rendered as posts are}. */
int page_markdown_preview(struct web_req *req);
/* GET /counts: {"notifications": unread, "messages": unread} for app.js. */
int page_counts(struct web_req *req);

/* social.c: the social core's endpoints */
int page_bookmarklet(struct web_req *req);
int page_stream(struct web_req *req);
int page_public_stream(struct web_req *req);
int page_activity_stream(struct web_req *req);
int page_commented_stream(struct web_req *req);
int page_liked_stream(struct web_req *req);
int page_aspects_stream(struct web_req *req);
int page_tag_stream(struct web_req *req);
int page_person_stream(struct web_req *req);
int page_status_message_create(struct web_req *req);
int page_post_show(struct web_req *req);
int page_post_delete(struct web_req *req);
int page_comments_index(struct web_req *req);
int page_comment_create(struct web_req *req);
int page_comment_delete(struct web_req *req);
int page_like_create(struct web_req *req);
int page_like_delete(struct web_req *req);
int page_reshare_create(struct web_req *req);
int page_aspect_create(struct web_req *req);
int page_aspect_delete(struct web_req *req);
int page_membership_create(struct web_req *req);
int page_membership_delete(struct web_req *req);
int page_contacts(struct web_req *req);
int page_people_search(struct web_req *req);
int page_block_create(struct web_req *req);
int page_comment_like_create(struct web_req *req);
int page_comment_like_delete(struct web_req *req);
int page_participation(struct web_req *req);
/* /people/GUID.json (PersonPresenter). */
int web_person_json(struct web_req *req, const char *guid);
/* Where a page of a stream starts: after the index position (max_time,
 * before_id) — from the query's max_time and before_id; INT64_MAX and
 * UINT64_MAX for the first page. */
struct web_stream_cursor {
    int64_t max_time;
    uint64_t before_id;
};

/* The cursor of the request's query (a bad number reads as the first
 * page). */
void web_stream_cursor_from_query(struct web_req *req, struct web_stream_cursor *cur);

/* A page (WEB_STREAM_PAGE posts at most) of person's posts, or of a
 * tag's, that the viewer (0 for visitors) may see, newest first, after
 * *cur, as present_post objects in *out (the caller deletes it). *cur is
 * moved to the last post given, or max_time set to 0 when there are no
 * more. txn is the caller's, open while *out is used. */
#define WEB_STREAM_PAGE 15
int web_person_posts_json(struct web_req *req, struct store_txn *txn, uint64_t person,
                          struct web_stream_cursor *cur, struct cJSON **out);
int web_tag_posts_json(struct web_req *req, struct store_txn *txn, const char *tag,
                       struct web_stream_cursor *cur, struct cJSON **out);

/* account.c: first-run setup, sign in/out, sign up, invitations, settings */
int page_setup(struct web_req *req);
int page_setup_post(struct web_req *req);
int page_sign_in(struct web_req *req);
int page_sign_in_post(struct web_req *req);
int page_sign_out(struct web_req *req);
int page_sign_up(struct web_req *req);
int page_sign_up_post(struct web_req *req);
int page_invite(struct web_req *req);
int page_user_edit(struct web_req *req);
int page_user_update(struct web_req *req);
int page_user_delete(struct web_req *req);

/* admin.c: the administrator's page */
int page_admin(struct web_req *req);
int page_admin_settings(struct web_req *req);
int page_admin_invite_create(struct web_req *req);
int page_admin_invite_delete(struct web_req *req);
/* admin_reach.c: ACME switch, renewal now, reachability self-check */
int page_admin_acme(struct web_req *req);
int page_admin_acme_renew(struct web_req *req);
int page_admin_selfcheck(struct web_req *req);

/* profile.c: profiles and avatars */
int page_profile_by_username(struct web_req *req);
int page_profile_by_guid(struct web_req *req);
int page_profile_edit(struct web_req *req);
int page_profile_update(struct web_req *req);
int page_avatar_file(struct web_req *req);
int page_asset(struct web_req *req);

/* The URL of one avatar size ("large", "medium", "small") of profile p (may
 * be NULL): the uploaded picture or the default one. Absolute (on
 * pod_url) when absolute is set, for documents other pods read. */
const char *web_avatar_url(struct web_req *req, const struct store_profile *p, const char *size,
                           bool absolute);

/* social.c: one page of a stream that walk reads (newest first, older
 * than max_time), filtered for the viewer as every stream is; as JSON, or
 * as a page headed title (intro under it, may be NULL). */
typedef int (*web_stream_walk_fn)(struct store_txn *txn, uint64_t viewer, int64_t max_time,
                                  uint64_t before_id, size_t limit, store_stream_fn fn, void *ctx);
int web_reply_stream(struct web_req *req, web_stream_walk_fn walk, const char *title,
                     const char *intro);

/* social_more.c: polls, locations, followed tags, mentions, tag search */
int page_mentions_stream(struct web_req *req);
int page_followed_tags_stream(struct web_req *req);
int page_tag_followings_index(struct web_req *req);
int page_tag_following_create(struct web_req *req);
int page_tag_following_delete(struct web_req *req);
int page_tags_search(struct web_req *req);
int page_poll_participation_create(struct web_req *req);
/* Reads poll_question/poll_answers and location_coords/location_address
 * (JSON or form) into np, the poll into the request arena. POD_ERR_INVAL
 * with a reason in why for bad input. */
int web_read_poll_location(struct web_req *req, struct social_new_post *np, char *why,
                           size_t why_len);
/* Posts of viewer's followed tags (with_inbox: merged with the inbox),
 * newest first, older than (max_time, before_id), at most limit index entries per
 * source; each post once. Returns what fn or the store returned. */
int web_stream_followed(struct store_txn *txn, uint64_t viewer, int64_t max_time,
                        uint64_t before_id, bool with_inbox, size_t limit, store_stream_fn fn,
                        void *ctx);

/* contacts.c: sharing with people (the aspects form of a profile), renaming
 * aspects, no longer ignoring people; search.c: the search page */
int page_person_aspects_update(struct web_req *req);
int page_aspect_update(struct web_req *req);
/* The answer after an aspect was created or changed (rc: the store's
 * outcome): 404 for no such aspect, 422 for a name taken or too long, else
 * the aspect's contacts page (browsers) or {"id", "name"} (JSON). */
int web_reply_aspect_saved(struct web_req *req, int rc, const struct store_aspect *a);
int page_block_delete(struct web_req *req);
int page_search(struct web_req *req);
/* The pages browsers get from handlers whose JSON is in social.c and
 * social_more.c: contacts (contacts.c; the session is checked), search
 * (search.c, also GET /people), a tag's posts with a follow button and the
 * followed tags (tagpage.c; tag lowercase without '#'). */
int web_contacts_page(struct web_req *req);
int web_search_page(struct web_req *req);
int web_tag_page(struct web_req *req, const char *tag);
int web_tag_followings_page(struct web_req *req);

/* discovery.c: what other pods read */
int page_webfinger(struct web_req *req);
int page_hcard(struct web_req *req);
int page_host_meta(struct web_req *req);
int page_nodeinfo_links(struct web_req *req);
int page_nodeinfo(struct web_req *req);

/* acme_challenge.c: HTTP-01 answers of the ACME client (also on plain HTTP) */
int page_acme_challenge(struct web_req *req);

/* receive.c: federation deliveries into the durable inbox queue */
int page_receive_public(struct web_req *req);
int page_receive_private(struct web_req *req);
/* fetch.c: GET /fetch/TYPE/GUID, a public entity's Magic Envelope (§8) */
int page_fetch(struct web_req *req);
/* export.c: "Download my data" (export) */
int page_user_export(struct web_req *req);
int page_user_export_post(struct web_req *req);

/* account.c: checks pw against an encoded password hash, one argon2 run at
 * a time across the pod (export) */
int web_password_check(const char *encoded, const char *pw);

/* notifications.c: notifications and private conversations */
int page_notifications(struct web_req *req);
int page_notification_update(struct web_req *req);
int page_notifications_read_all(struct web_req *req);
int page_conversations(struct web_req *req);
int page_conversation_show(struct web_req *req);
/* GET /conversations/new[?person_id=N]: the form for a new conversation. */
int page_conversation_new(struct web_req *req);
int page_conversation_create(struct web_req *req);
int page_message_create(struct web_req *req);
int page_conversation_leave(struct web_req *req);

/* photos.c: photo uploads, the Photo :backbone JSON, photo files */
int page_photo_create(struct web_req *req);
int page_photo_show(struct web_req *req);
int page_photo_delete(struct web_req *req);
int page_photo_file(struct web_req *req);
int page_person_photos(struct web_req *req);
/* Photo :backbone: {id, guid, created_at, author, sizes{small, medium,
 * large, raw} (absolute URLs), dimensions{height, width},
 * status_message{id}}. The caller has checked that the viewer may see it. */
/* Stores an uploaded picture (data, len bytes) as a pending photo of the
 * signed-in person. On failure *status is the HTTP status to answer and
 * why the reason. */
int web_photo_save(struct web_req *req, const uint8_t *data, size_t len, struct store_photo *out,
                   int *status, char *why, size_t why_len);

struct cJSON *web_present_photo(struct web_req *req, struct store_txn *txn,
                                const struct store_photo *ph);

#endif
