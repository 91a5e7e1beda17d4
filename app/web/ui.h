/*
 * ui.h - the pieces of the web UI's pages that several pages share: times,
 * avatars, people, the post card with its comments and actions, the
 * publisher and a stream page.
 *
 * Posts are drawn from the same cJSON shapes the JSON API answers with
 * (present.h), so a post looks the same to every client and there is one
 * place that decides what a viewer may see. Everything is written into a
 * struct html (html.h) in the request arena; text from people is escaped
 * or rendered by pod_text_render, never copied raw.
 */
#ifndef POD_WEB_UI_H
#define POD_WEB_UI_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "store/store.h"
#include "web/html.h"

/* <time class="rel" datetime="ISO" title="absolute">relative</time>: the
 * relative text is made here for pages without JavaScript and kept fresh
 * by app.js. */
void ui_time(struct html *h, int64_t t);

/* Seconds since the epoch of a Rails JSON time ("2018-03-08T23:48:31.000Z"),
 * or 0 when it is not one. */
int64_t ui_parse_time(const char *iso);

/* A URL of this pod made relative ("/media/...") so pages work on
 * whatever address the browser used; other URLs unchanged. */
const char *ui_local_url(struct web_req *req, const char *url);

/* An avatar <img> of a person JSON object (present_person) at size
 * ("small", "medium", "large") and px pixels; decorative (alt=""). */
void ui_avatar(struct html *h, const cJSON *person, const char *size, int px);

/* A link to the person's profile with their name. */
void ui_person_link(struct html *h, const cJSON *person);

/* n with a noun: one when n is 1, else many with n in its "{}"
 * ("{} likes"), both already translated. */
void ui_count(struct html *h, double n, const char *one, const char *many);

/* Renders text (Markdown of a post, comment or message) into h, mentions
 * resolved to profile links; an empty string renders nothing. */
void ui_markdown(struct html *h, struct store_txn *txn, const char *text);

/* A plain-text excerpt of Markdown text, as a reader sees it: rendered
 * (mentions as names, no markup), tags stripped, entities decoded,
 * whitespace runs as one space, at most max bytes cut between characters
 * with "…" when cut. In the arena; "" when text is empty. Escape it when
 * writing it out (html_text). */
const char *ui_plain_excerpt(struct web_req *req, struct store_txn *txn, const char *text,
                             size_t max);

/* The card of a post JSON object (present_post): author, time, audience,
 * text, photos, poll, location, reshared root, counts, the viewer's
 * actions (like, reshare, comment, delete) as forms that work without
 * JavaScript, and its comments (all when full, else the last three).
 * viewer is the signed-in person (0 for visitors: no actions). */
void ui_post(struct html *h, struct store_txn *txn, const cJSON *post, uint64_t viewer, bool full);

/* The publisher: text with Markdown preview and autocomplete, audience
 * (public, all aspects, one aspect; preselected when aspect is not 0),
 * a photo, a poll and a location. text (may be NULL) fills the text box;
 * the post's page returns to return_to (NULL: this page). */
void ui_publisher(struct html *h, struct store_txn *txn, uint64_t viewer, uint64_t aspect,
                  const char *text, const char *return_to);

/* A whole stream page: heading, an optional publisher, the posts of arr
 * (present_post objects, newest first; taken) and, when next_time is not
 * 0, a "more" link on the same URL continuing after the index position
 * (next_time, next_id) of the last post. intro may be NULL. Sends it. */
int ui_reply_stream(struct web_req *req, const char *title, const char *intro, bool publisher,
                    uint64_t aspect, cJSON *arr, int64_t next_time, uint64_t next_id);

/* The posts of a stream page: the cards of arr (present_post objects,
 * newest first; borrowed) in <div class="stream">, then empty (already
 * translated) when there are none, else the "More posts" link when
 * next_time is not 0. */
void ui_stream_posts(struct html *h, struct store_txn *txn, const cJSON *arr, uint64_t viewer,
                     int64_t next_time, uint64_t next_id, const char *empty);

/* The "More posts" link of a stream page: the request's path and query
 * with max_time and before_id set to (next_time, next_id). */
void ui_more_link(struct html *h, int64_t next_time, uint64_t next_id);

/* After a form action without JavaScript: 303 to the form's return_to
 * field when it is a path on this pod, else to fallback. */
int ui_redirect_back(struct web_req *req, const char *fallback);

#endif
