/*
 * people.h - the pieces the pages about people share (profiles, contacts,
 * search, followed tags): the sharing form, relationship labels, small
 * action forms, tag links. (The page renderers that handlers in social.c
 * and social_more.c call for browsers are declared in handlers.h.)
 *
 * Every form here works without JavaScript: it POSTs (with _method for
 * PUT and DELETE), carries a return_to path, and the endpoint answers 303
 * back to it (ui_redirect_back).
 */
#ifndef POD_WEB_PEOPLE_H
#define POD_WEB_PEOPLE_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "store/contacts.h"
#include "store/people.h"
#include "web/html.h"

/* ---- contacts.c */

/* How viewer and person relate, translated: "Mutual", "You share with
 * them", "Sharing with you" or "Not sharing". */
const char *web_relationship(struct web_req *req, struct store_txn *txn, uint64_t viewer,
                             uint64_t person);

/* The form that puts person p into viewer's aspects (checkboxes, one per
 * aspect, and a field for a new one; PUT /people/GUID/aspects), and a
 * "Stop sharing" button when viewer shares with p. return_to is where
 * the answer leads (a local path). */
void web_sharing_form(struct html *h, struct store_txn *txn, uint64_t viewer,
                      const struct store_person *p, const char *return_to);

/* The id of viewer's block of person, 0 when viewer does not ignore them. */
uint64_t web_block_id(struct store_txn *txn, uint64_t viewer, uint64_t person);

/* A form with one button that POSTs to action (method "post", "put" or
 * "delete"), with return_to when not NULL; button_class NULL is a plain
 * button; confirm (may be NULL) asks first where JavaScript runs. */
void web_button_form(struct html *h, const char *action, const char *method, const char *label,
                     const char *button_class, const char *confirm, const char *return_to);

/* A link to the profile of a person JSON object (present_person) with
 * their name, dir="auto" for names in any script. */
void web_person_name_link(struct html *h, const cJSON *person);

/* A hidden return_to field for path. */
void web_return_to_field(struct html *h, const char *path);

/* s percent-encoded for a URL path segment or query value (only
 * [A-Za-z0-9_.~-] kept), in the arena; "" when out of memory. */
const char *web_url_encode(struct web_req *req, const char *s);

/* ---- tagpage.c */

/* The id under which viewer follows tag, 0 when not. */
uint64_t web_tag_following_id(struct store_txn *txn, uint64_t viewer, const char *tag);

/* A follow (or stop following, when viewer follows it) button for tag. */
void web_tag_follow_button(struct html *h, struct store_txn *txn, uint64_t viewer, const char *tag,
                           const char *return_to);

/* How many of tag's newest posts (of at most 1000, or 200 when max is 1)
 * viewer may see, up to max. Tag lists show only tags with one: a tag used
 * only in limited posts would tell others a word of them. */
size_t web_tag_count(struct store_txn *txn, uint64_t viewer, const char *tag, size_t max);

/* A link to tag's page: <a href="/tags/TAG">#TAG</a>. */
void web_tag_link(struct html *h, const char *tag);

#endif
