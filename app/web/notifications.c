/*
 * notifications.c - notifications and private conversations as diaspora*
 * clients see them (docs/web-api.md #40-#46): the notification list with
 * unread counts, marking read, the mailbox, a conversation's messages
 * (JSON and the HTML diaspy scrapes), starting one, answering, leaving.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "core/ids.h"
#include "core/log.h"
#include "drivers/clock/clock.h"
#include "store/contacts.h"
#include "store/conversations.h"
#include "store/notifications.h"
#include "store/posts.h"
#include "store/people.h"
#include "web/handlers.h"
#include "web/html.h"
#include "web/present.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"

#define NOTIF_PER_PAGE  10
#define MAILBOX_MAX     100 /* conversations listed at most */
#define RECIPIENTS_TEXT 1024

/* Answers requests that need a signed-in person: 401 JSON or a redirect. */
static int
need_session(struct web_req *req)
{
    if (req->session && req->session->person)
        return 0;
    if (req->json)
        return web_reply_json_error(req, 401, "You need to sign in or sign up before continuing.");
    return web_reply_redirect(req, 302, "/users/sign_in");
}

static uint64_t
me_of(const struct web_req *req)
{
    return req->session ? req->session->person : 0;
}

static uint64_t
parse_id(const char *s)
{
    char *end;
    unsigned long long v;

    if (!s || *s < '0' || *s > '9')
        return 0;
    v = strtoull(s, &end, 10);
    return *end ? 0 : (uint64_t)v;
}

static struct store_txn *
begin(struct web_req *req, bool write)
{
    struct store_txn *txn = NULL;

    if (store_txn_begin(req->server->store, write, &txn) != POD_OK) {
        web_reply_error(req, 503, "The pod's storage is not answering.");
        return NULL;
    }
    return txn;
}

static int
finish(struct store_txn *txn, int rc)
{
    if (rc == POD_OK)
        return store_txn_commit(txn);
    store_txn_abort(txn);
    return rc;
}

/* ------------------------------------------------------------ notifications */

/* The type as the list's wrapper names it (NotificationSerializer), and
 * the keys of unread_count_by_type (docs/web-api.md #40). */
static const char *
wrapper_name(enum store_notif_type t)
{
    return t == STORE_NOTIF_MENTIONED ? "mentioned_in_post" : store_notif_type_name(t);
}

static const char *const extra_count_keys[] = {"liked_comment", "contacts_birthday"};

static const char *
note_verb(enum store_notif_type t)
{
    switch (t) {
    case STORE_NOTIF_COMMENT_ON_POST:
        return "commented on your";
    case STORE_NOTIF_ALSO_COMMENTED:
        return "also commented on a";
    case STORE_NOTIF_LIKED:
        return "liked your";
    case STORE_NOTIF_RESHARED:
        return "reshared your";
    case STORE_NOTIF_MENTIONED:
        return "mentioned you in a";
    case STORE_NOTIF_MENTIONED_IN_COMMENT:
        return "mentioned you in a comment on a";
    default:
        return "started sharing with you.";
    }
}

/* _notification.haml's shape: person links a.hovercardable to
 * /people/GUID, the post link with data-ref, everything escaped. */
static const char *
note_html(struct web_req *req, struct store_txn *txn, const struct store_notification *n)
{
    struct store_person p;
    struct html h;

    html_init(&h, req);
    html_raw(&h, "<div class=\"media\"><div class=\"media-body\">");
    for (uint32_t i = 0; i < n->actor_count; i++) {
        if (store_person_get(txn, n->actors[i], &p) != POD_OK)
            continue;
        if (i)
            html_raw(&h, i + 1 == n->actor_count ? " and " : ", ");
        html_raw(&h, "<a class=\"hovercardable\" href=\"/people/");
        html_text(&h, p.guid);
        html_raw(&h, "\">");
        html_text(&h, present_person_name(req, txn, &p));
        html_raw(&h, "</a>");
    }
    html_raw(&h, " ");
    html_text(&h, note_verb(n->type));
    if (n->type != STORE_NOTIF_STARTED_SHARING)
        html_printf(&h, " <a href=\"/posts/%llu\" data-ref=\"%llu\">post</a>.",
                    (unsigned long long)n->target, (unsigned long long)n->target);
    html_raw(&h, "</div></div>");
    return h.failed ? "" : h.buf;
}

struct notif_list {
    struct web_req *req;
    struct store_txn *txn;
    cJSON *arr;
    struct html *page; /* HTML page instead of JSON */
};

static int
notif_into(const struct store_notification *n, void *ctx)
{
    struct notif_list *nl = ctx;
    const char *type = wrapper_name(n->type);
    const char *note;
    cJSON *o, *inner;
    bool post = n->type != STORE_NOTIF_STARTED_SHARING;
    struct store_post target;

    /* A post deleted since: nothing left to point at. */
    if (post && store_post_get(nl->txn, n->target, &nl->req->arena, &target) != POD_OK)
        return 0;
    note = note_html(nl->req, nl->txn, n);
    if (nl->page) {
        html_printf(nl->page, "<li class=\"notification%s\" data-id=\"%llu\">",
                    n->unread ? " unread" : "", (unsigned long long)n->id);
        html_raw(nl->page, note);
        html_raw(nl->page, "</li>\n");
        return 0;
    }
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", type);
    inner = cJSON_AddObjectToObject(o, type);
    cJSON_AddNumberToObject(inner, "id", (double)n->id);
    cJSON_AddBoolToObject(inner, "unread", n->unread);
    cJSON_AddStringToObject(inner, "note_html", note);
    cJSON_AddStringToObject(inner, "created_at", present_time(nl->req, n->updated_at));
    cJSON_AddStringToObject(inner, "target_type", post ? "Post" : "Person");
    cJSON_AddNumberToObject(inner, "target_id", (double)(post ? n->target : n->actors[0]));
    cJSON_AddItemToArray(nl->arr, o);
    return 0;
}

/* A positive page parameter, dflt when absent; 0 when malformed. */
static size_t
page_param(struct web_req *req, const char *name, size_t dflt, size_t max)
{
    const char *s = web_query_value(req, name);
    uint64_t v;

    if (!s || !*s)
        return dflt;
    v = parse_id(s);
    return v == 0 || v > max ? 0 : (size_t)v;
}

int
page_notifications(struct web_req *req)
{
    uint32_t by_type[STORE_NOTIF_TYPE_END], total;
    struct notif_list nl = {.req = req};
    size_t per_page, page;
    struct store_txn *txn;
    struct html h;
    cJSON *o = NULL, *counts;
    int rc = need_session(req);

    if (rc)
        return rc;
    per_page = page_param(req, "per_page", NOTIF_PER_PAGE, STORE_NOTIF_PER_PAGE_MAX);
    page = page_param(req, "page", 1, 100000);
    if (!per_page || !page)
        return web_reply_error(req, 422, "page and per_page must be positive numbers.");
    txn = begin(req, false);
    if (!txn)
        return req->status;
    nl.txn = txn;
    if (req->json) {
        o = cJSON_CreateObject();
        rc = store_notifications_unread(txn, me_of(req), &total, by_type);
        cJSON_AddNumberToObject(o, "unread_count", total);
        counts = cJSON_AddObjectToObject(o, "unread_count_by_type");
        for (int t = 1; t < STORE_NOTIF_TYPE_END; t++)
            cJSON_AddNumberToObject(counts, store_notif_type_name((enum store_notif_type)t),
                                    by_type[t]);
        for (size_t i = 0; i < sizeof extra_count_keys / sizeof extra_count_keys[0]; i++)
            cJSON_AddNumberToObject(counts, extra_count_keys[i], 0);
        nl.arr = cJSON_AddArrayToObject(o, "notification_list");
    } else {
        html_init(&h, req);
        html_page_begin(&h, "Notifications");
        html_raw(&h, "<section><h1>Notifications</h1>\n<form method=\"post\" "
                     "action=\"/notifications/read_all\">");
        html_csrf_field(&h);
        html_raw(&h, "<button type=\"submit\">Mark all as read</button></form>\n<ul "
                     "class=\"notifications\">\n");
        nl.page = &h;
    }
    if (rc == POD_OK)
        rc = store_notifications_list(txn, me_of(req), page, per_page, notif_into, &nl);
    store_txn_abort(txn);
    if (rc != POD_OK) {
        cJSON_Delete(o);
        return web_reply_error(req, 500, "The notifications could not be read.");
    }
    if (o)
        return web_reply_json(req, 200, o);
    html_raw(&h, "</ul></section>\n");
    html_page_end(&h);
    return web_reply_html(req, 200, &h);
}

int
page_notification_update(struct web_req *req)
{
    const char *set = web_query_value(req, "set_unread");
    uint64_t id = parse_id(req->params[0]);
    struct store_txn *txn;
    bool unread;
    cJSON *o;
    int rc = need_session(req);

    if (rc)
        return rc;
    if (!set)
        set = web_form_value(req, "set_unread");
    if (!set)
        set = web_json_value(req, "set_unread", NULL);
    if (set && strcmp(set, "true") && strcmp(set, "false"))
        return web_reply_json_error(req, 422, "set_unread is true or false.");
    unread = set && strcmp(set, "true") == 0;
    if (!id)
        return web_reply_json_error(req, 404, "No such notification.");
    txn = begin(req, true);
    if (!txn)
        return req->status;
    rc = finish(txn, store_notification_set_unread(txn, id, me_of(req), unread));
    if (rc == POD_ERR_NOTFOUND)
        return web_reply_json_error(req, 404, "No such notification.");
    if (rc == POD_ERR_AUTH)
        return web_reply_json_error(req, 403, "That notification is someone else's.");
    if (rc != POD_OK)
        return web_reply_json_error(req, 500, "The notification could not be changed.");
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "guid", (double)id);
    cJSON_AddBoolToObject(o, "unread", unread);
    return web_reply_json(req, 200, o);
}

int
page_notifications_read_all(struct web_req *req)
{
    struct store_txn *txn;
    int rc = need_session(req);

    if (rc)
        return rc;
    txn = begin(req, true);
    if (!txn)
        return req->status;
    rc = finish(txn, store_notifications_read_all(txn, me_of(req)));
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The notifications could not be changed.");
    if (req->json)
        return web_reply_json(req, 200, cJSON_CreateObject());
    return web_reply_redirect(req, 302, "/notifications");
}

/* ------------------------------------------------------------ conversations */

static cJSON *
conversation_json(struct web_req *req, const struct store_conversation *c)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "id", (double)c->id);
    cJSON_AddStringToObject(o, "guid", c->guid);
    cJSON_AddStringToObject(o, "subject", c->subject);
    cJSON_AddStringToObject(o, "created_at", present_time(req, c->created_at));
    cJSON_AddStringToObject(o, "updated_at", present_time(req, c->updated_at));
    cJSON_AddNumberToObject(o, "author_id", (double)c->author);
    return o;
}

struct mailbox {
    struct web_req *req;
    struct store_txn *txn;
    cJSON *arr;
    struct html *page;
};

static int
mailbox_into(uint64_t id, uint32_t unread, void *ctx)
{
    struct mailbox *mb = ctx;
    struct store_conversation c;
    cJSON *o;

    if (store_conversation_get(mb->txn, id, &c) != POD_OK)
        return 0;
    if (mb->page) {
        html_printf(mb->page, "<li class=\"conversation%s\"><a href=\"/conversations/%llu\">",
                    unread ? " unread" : "", (unsigned long long)id);
        html_text(mb->page, c.subject[0] ? c.subject : "(no subject)");
        html_printf(mb->page, "</a> (%u unread)</li>\n", unread);
        return 0;
    }
    o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "conversation", conversation_json(mb->req, &c));
    cJSON_AddItemToArray(mb->arr, o);
    return 0;
}

struct messages_ctx {
    struct web_req *req;
    struct store_txn *txn;
    cJSON *arr;
    struct html *page;
};

/* The author's display name and small avatar URL (arena strings). */
static void
author_bits(struct web_req *req, struct store_txn *txn, const struct store_person *p,
            const char **name, const char **avatar)
{
    cJSON *o = present_person(req, txn, p->id);
    const cJSON *av = o ? cJSON_GetObjectItem(o, "avatar") : NULL;
    const cJSON *small = av ? cJSON_GetObjectItem(av, "small") : NULL;

    *name = present_person_name(req, txn, p);
    *avatar = pod_arena_strndup(&req->arena, cJSON_IsString(small) ? small->valuestring : "",
                                cJSON_IsString(small) ? strlen(small->valuestring) : 0);
    if (!*avatar)
        *avatar = "";
    cJSON_Delete(o);
}

static int
message_into(const struct store_message *m, void *ctx)
{
    struct messages_ctx *mc = ctx;
    struct store_person p;
    const char *name, *avatar;
    cJSON *o;

    if (!mc->page) {
        o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double)m->id);
        cJSON_AddStringToObject(o, "guid", m->guid);
        cJSON_AddStringToObject(o, "text", m->text);
        cJSON_AddItemToObject(o, "author",
                              present_person(mc->req, mc->txn, m->author) ?: cJSON_CreateNull());
        cJSON_AddNumberToObject(o, "conversation_id", (double)m->conversation);
        cJSON_AddStringToObject(o, "created_at", present_time(mc->req, m->created_at));
        cJSON_AddItemToArray(mc->arr, o);
        return 0;
    }
    if (store_person_get(mc->txn, m->author, &p) != POD_OK)
        return 0;
    author_bits(mc->req, mc->txn, &p, &name, &avatar);
    /* _messages.haml's classes: diaspy scrapes them (#44). */
    html_raw(mc->page, "<div class=\"stream-element message\" data-guid=\"");
    html_text(mc->page, m->guid);
    html_raw(mc->page, "\">\n<a class=\"img\" href=\"/people/");
    html_text(mc->page, p.guid);
    html_raw(mc->page, "\"><img class=\"avatar\" alt=\"");
    html_text(mc->page, name);
    html_raw(mc->page, "\" title=\"");
    html_text(mc->page, name);
    html_raw(mc->page, "\" src=\"");
    html_text(mc->page, avatar);
    html_raw(mc->page, "\"></a>\n<div class=\"bd\"><time class=\"timeago\" datetime=\"");
    html_text(mc->page, present_time(mc->req, m->created_at));
    html_raw(mc->page, "\">");
    html_text(mc->page, present_time(mc->req, m->created_at));
    html_raw(mc->page, "</time>\n<div class=\"message-content\">\n<p>");
    html_text(mc->page, m->text);
    html_raw(mc->page, "</p>\n</div></div></div>\n");
    return 0;
}

/* Loads conversation id for me (404 when missing or not mine) and marks it
 * read; txn is a write transaction. */
static int
conversation_for_me(struct web_req *req, struct store_txn *txn, uint64_t id,
                    struct store_conversation *c)
{
    int rc;

    if (!id || !store_conversation_visible(txn, id, me_of(req), NULL))
        return POD_ERR_NOTFOUND;
    rc = store_conversation_get(txn, id, c);
    if (rc == POD_OK)
        rc = store_conversation_mark_read(txn, id, me_of(req));
    return rc;
}

/* The HTML page of one conversation: its messages and an answer form. */
static int
conversation_page(struct web_req *req, uint64_t id)
{
    struct messages_ctx mc = {.req = req};
    struct store_conversation c;
    struct store_txn *txn;
    struct html h;
    int rc;

    txn = begin(req, true);
    if (!txn)
        return req->status;
    html_init(&h, req);
    rc = conversation_for_me(req, txn, id, &c);
    if (rc == POD_OK) {
        html_page_begin(&h, c.subject[0] ? c.subject : "Conversation");
        html_raw(&h, "<section class=\"conversation\"><h1>");
        html_text(&h, c.subject[0] ? c.subject : "(no subject)");
        html_raw(&h, "</h1>\n<div class=\"stream\">\n");
        mc.txn = txn;
        mc.page = &h;
        rc = store_messages_each(txn, id, &req->arena, message_into, &mc);
    }
    rc = finish(txn, rc);
    if (rc == POD_ERR_NOTFOUND)
        return web_reply_error(req, 404, "No such conversation.");
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The conversation could not be read.");
    html_printf(&h,
                "<div class=\"stream-element new-message\"><form method=\"post\" "
                "action=\"/conversations/%llu/messages\">",
                (unsigned long long)id);
    html_csrf_field(&h);
    html_raw(&h, "<textarea name=\"message[text]\" maxlength=\"65535\"></textarea>"
                 "<button type=\"submit\">Reply</button></form></div>\n</div></section>\n");
    html_page_end(&h);
    return web_reply_html(req, 200, &h);
}

int
page_conversations(struct web_req *req)
{
    const char *cid = web_query_value(req, "conversation_id");
    struct mailbox mb = {.req = req};
    struct html h;
    int rc = need_session(req);

    if (rc)
        return rc;
    /* diaspora* shows one conversation inside the index page (#44); JSON
     * clients following an answer's redirect get the list (#45). */
    if (!req->json && cid)
        return conversation_page(req, parse_id(cid));
    mb.txn = begin(req, false);
    if (!mb.txn)
        return req->status;
    if (req->json) {
        mb.arr = cJSON_CreateArray();
    } else {
        html_init(&h, req);
        html_page_begin(&h, "Conversations");
        html_raw(&h, "<section><h1>Conversations</h1>\n<ul class=\"conversations\">\n");
        mb.page = &h;
    }
    rc = store_conversations_of(mb.txn, me_of(req), MAILBOX_MAX, mailbox_into, &mb);
    store_txn_abort(mb.txn);
    if (rc != POD_OK) {
        cJSON_Delete(mb.arr);
        return web_reply_error(req, 500, "The conversations could not be read.");
    }
    if (req->json)
        return web_reply_json(req, 200, mb.arr);
    html_raw(&h, "</ul></section>\n");
    html_page_end(&h);
    return web_reply_html(req, 200, &h);
}

int
page_conversation_show(struct web_req *req)
{
    struct messages_ctx mc = {.req = req};
    struct store_conversation c;
    struct store_txn *txn;
    cJSON *o = NULL, *inner, *people;
    uint64_t id = parse_id(req->params[0]);
    int rc = need_session(req);

    if (rc)
        return rc;
    if (!req->json)
        return conversation_page(req, id);
    txn = begin(req, true);
    if (!txn)
        return req->status;
    rc = conversation_for_me(req, txn, id, &c);
    if (rc == POD_OK) {
        o = cJSON_CreateObject();
        inner = conversation_json(req, &c);
        cJSON_AddItemToObject(o, "conversation", inner);
        mc.txn = txn;
        mc.arr = cJSON_AddArrayToObject(inner, "messages");
        rc = store_messages_each(txn, id, &req->arena, message_into, &mc);
        people = cJSON_AddArrayToObject(inner, "participants");
        for (uint32_t i = 0; i < c.participant_count; i++) {
            cJSON *p = present_person(req, txn, c.participants[i]);
            if (p)
                cJSON_AddItemToArray(people, p);
        }
    }
    rc = finish(txn, rc);
    if (rc != POD_OK) {
        cJSON_Delete(o);
        if (rc == POD_ERR_NOTFOUND)
            return web_reply_json_error(req, 404, "No such conversation.");
        return web_reply_json_error(req, 500, "The conversation could not be read.");
    }
    return web_reply_json(req, 200, o);
}

/* A form, or JSON body, value. */
static const char *
field(struct web_req *req, const char *form_name, const char *outer, const char *inner)
{
    const char *v = web_form_value(req, form_name);

    return v ? v : web_json_value(req, outer, inner);
}

/* Parses the comma list ids into participants (after the author) as
 * person ids; contact_ids name contacts of me. Each must be a mutual
 * contact. POD_ERR_INVAL / POD_ERR_LIMIT with a reason in why. */
static int
read_recipients(struct store_txn *txn, uint64_t me, const char *ids, bool contacts,
                struct store_conversation *c, const char **why)
{
    struct store_contact ct;
    char buf[RECIPIENTS_TEXT];
    char *save = NULL, *tok;
    uint64_t id, person;
    bool dup;

    if (!ids || !*ids || strlen(ids) >= sizeof buf) {
        *why = "Name one to 19 recipients.";
        return POD_ERR_INVAL;
    }
    snprintf(buf, sizeof buf, "%s", ids);
    for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        id = parse_id(tok);
        if (!id) {
            *why = "Recipients are numeric ids.";
            return POD_ERR_INVAL;
        }
        if (contacts) {
            if (store_contact_get_by_id(txn, id, &ct) != POD_OK || ct.owner != me) {
                *why = "Unknown contact.";
                return POD_ERR_INVAL;
            }
            person = ct.person;
        } else {
            person = id;
            if (store_contact_get(txn, me, person, &ct) != POD_OK)
                ct.sharing = ct.receiving = false;
        }
        if (!ct.sharing || !ct.receiving || person == me) {
            *why = "You can only write to people who share with you and with whom you share.";
            return POD_ERR_INVAL;
        }
        dup = false;
        for (uint32_t i = 0; i < c->participant_count; i++)
            dup |= c->participants[i] == person;
        if (dup)
            continue;
        if (c->participant_count == STORE_CONV_PARTICIPANTS_MAX) {
            *why = "A conversation has at most 20 participants.";
            return POD_ERR_LIMIT;
        }
        c->participants[c->participant_count++] = person;
    }
    if (c->participant_count < 2) {
        *why = "Name one to 19 recipients.";
        return POD_ERR_INVAL;
    }
    return POD_OK;
}

int
page_conversation_create(struct web_req *req)
{
    const char *contact_ids = field(req, "contact_ids", "contact_ids", NULL);
    const char *person_ids = field(req, "person_ids", "person_ids", NULL);
    const char *subject = field(req, "conversation[subject]", "conversation", "subject");
    const char *text = field(req, "conversation[text]", "conversation", "text");
    struct store_conversation c = {0};
    struct store_message m = {0};
    struct store_txn *txn;
    const char *why = "The conversation could not be started.";
    char loc[64];
    cJSON *o;
    int rc = need_session(req);

    if (rc)
        return rc;
    if (!subject)
        subject = "";
    if (strlen(subject) > STORE_CONV_SUBJECT_MAX)
        return web_reply_error(req, 422, "A subject has at most 255 bytes.");
    if (!text || !*text || strlen(text) > STORE_MESSAGE_TEXT_MAX)
        return web_reply_error(req, 422, "A message has 1 to 65535 bytes.");
    c.author = me_of(req);
    c.participants[c.participant_count++] = c.author;
    snprintf(c.subject, sizeof c.subject, "%s", subject);
    c.created_at = c.updated_at = m.created_at = drv_clock_wall();
    m.author = c.author;
    m.text = text;
    if (pod_guid_new(c.guid) != POD_OK || pod_guid_new(m.guid) != POD_OK)
        return web_reply_error(req, 500, "No random numbers.");
    txn = begin(req, true);
    if (!txn)
        return req->status;
    rc = read_recipients(txn, c.author, contact_ids ? contact_ids : person_ids, contact_ids != NULL,
                         &c, &why);
    if (rc == POD_OK)
        rc = store_conversation_add(txn, &c, &m);
    rc = finish(txn, rc);
    if (rc == POD_ERR_INVAL || rc == POD_ERR_LIMIT)
        return web_reply_error(req, 422, why);
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The conversation could not be started.");
    LOG_INFO("web", "%s started conversation %llu with %u people", req->session->user.username,
             (unsigned long long)c.id, c.participant_count - 1);
    if (!req->json) {
        snprintf(loc, sizeof loc, "/conversations?conversation_id=%llu", (unsigned long long)c.id);
        return web_reply_redirect(req, 302, loc);
    }
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)c.id);
    cJSON_AddStringToObject(o, "guid", c.guid);
    return web_reply_json(req, 201, o);
}

int
page_message_create(struct web_req *req)
{
    const char *text = field(req, "message[text]", "message", "text");
    uint64_t id = parse_id(req->params[0]);
    struct store_message m = {0};
    struct store_txn *txn;
    char loc[64];
    int rc = need_session(req);

    if (rc)
        return rc;
    if (!text || !*text || strlen(text) > STORE_MESSAGE_TEXT_MAX)
        return web_reply_error(req, 422, "A message has 1 to 65535 bytes.");
    if (pod_guid_new(m.guid) != POD_OK)
        return web_reply_error(req, 500, "No random numbers.");
    m.conversation = id;
    m.author = me_of(req);
    m.text = text;
    m.created_at = drv_clock_wall();
    txn = begin(req, true);
    if (!txn)
        return req->status;
    /* Someone who left (or never was in it) does not learn it exists. */
    rc = id && store_conversation_visible(txn, id, m.author, NULL) ? store_message_add(txn, &m)
                                                                   : POD_ERR_NOTFOUND;
    rc = finish(txn, rc);
    if (rc == POD_ERR_NOTFOUND || rc == POD_ERR_AUTH)
        return web_reply_error(req, 404, "No such conversation.");
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The message could not be sent.");
    /* diaspora* redirects; requests follows it as GET with Accept: json (#45). */
    snprintf(loc, sizeof loc, "/conversations?conversation_id=%llu", (unsigned long long)id);
    return web_reply_redirect(req, 302, loc);
}

int
page_conversation_leave(struct web_req *req)
{
    uint64_t id = parse_id(req->params[0]);
    struct store_txn *txn;
    int rc = need_session(req);

    if (rc)
        return rc;
    txn = begin(req, true);
    if (!txn)
        return req->status;
    rc = id ? store_conversation_leave(txn, id, me_of(req)) : POD_ERR_NOTFOUND;
    rc = finish(txn, rc);
    if (rc == POD_ERR_NOTFOUND)
        return web_reply_error(req, 404, "No such conversation.");
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The conversation could not be left.");
    return web_reply_redirect(req, 302, "/conversations");
}
