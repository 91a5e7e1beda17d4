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
#include "social/conversations.h"
#include "store/contacts.h"
#include "store/conversations.h"
#include "store/notifications.h"
#include "store/posts.h"
#include "store/people.h"
#include "web/handler_kit.h"
#include "web/handlers.h"
#include "web/html.h"
#include "web/i18n.h"
#include "web/present.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"
#include "web/ui.h"

#define NOTIF_PER_PAGE      10  /* JSON's default page */
#define NOTIF_PER_PAGE_HTML 20  /* the page's */
#define MAILBOX_MAX         100 /* conversations listed at most */
#define RECIPIENTS_TEXT     1024
#define EXCERPT_MAX         140 /* bytes of a post shown under its notification */
#define CONTACTS_MAX        500 /* people offered as recipients */

/* A browser sent this (a form or a link): Accept names text/html. Such
 * form posts are answered with 303 to a page; other clients keep the
 * answers diaspora* gives them. */
static bool
from_browser(const struct web_req *req)
{
    const char *accept = web_header(req, "Accept");

    return !req->json && accept && strstr(accept, "text/html");
}

/* An error as JSON for JSON clients, else as a page. */
static int
fail(struct web_req *req, int status, const char *message)
{
    return req->json ? web_reply_json_error(req, status, message)
                     : web_reply_error(req, status, message);
}

/* ------------------------------------------------------------ page pieces */

/* Writes text (translated) escaped up to its "{}" and returns what follows
 * the hole, for the caller to write after the markup that fills it. */
static const char *
hole_begin(struct html *h, const char *text)
{
    const char *hole = strstr(text, "{}");

    if (!hole) {
        html_text(h, text);
        return "";
    }
    html_text(h, pod_arena_strndup(&h->req->arena, text, (size_t)(hole - text)));
    return hole + 2;
}

/* Profile links of people (present_person objects): "A", "A and B",
 * "A, B and C". */
static void
people_links(struct html *h, cJSON *const *people, size_t n)
{
    struct web_req *req = h->req;

    for (size_t i = 0; i < n; i++) {
        if (i) {
            if (i + 1 < n) {
                html_raw(h, ", ");
            } else {
                html_raw(h, " ");
                html_text(h, T("and"));
                html_raw(h, " ");
            }
        }
        html_raw(h, "<bdi>");
        ui_person_link(h, people[i]);
        html_raw(h, "</bdi>");
    }
}

/* A hidden return_to field: where ui_redirect_back goes after the form. */
static void
return_to(struct html *h, const char *path)
{
    html_raw(h, "<input type=\"hidden\" name=\"return_to\" value=\"");
    html_text(h, path);
    html_raw(h, "\">");
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
    const char *here;  /* the page's path, for return_to */
    unsigned shown;    /* items on the page */
};

/* The sentence of a notification; "{}" stands for the people. */
static const char *
note_message(struct web_req *req, enum store_notif_type t)
{
    switch (t) {
    case STORE_NOTIF_COMMENT_ON_POST:
        return T("{} commented on your post.");
    case STORE_NOTIF_ALSO_COMMENTED:
        return T("{} also commented on a post you commented on.");
    case STORE_NOTIF_LIKED:
        return T("{} liked your post.");
    case STORE_NOTIF_RESHARED:
        return T("{} reshared your post.");
    case STORE_NOTIF_MENTIONED:
        return T("{} mentioned you in a post.");
    case STORE_NOTIF_MENTIONED_IN_COMMENT:
        return T("{} mentioned you in a comment.");
    default:
        return T("{} started sharing with you.");
    }
}

/* One notification on the page: the first actor's avatar, the sentence
 * with links to the people, an excerpt of the post linking to it, the
 * time and a button marking it read (or unread again). */
static void
note_item(struct notif_list *nl, const struct store_notification *n, const struct store_post *post)
{
    struct web_req *req = nl->req;
    struct html *h = nl->page;
    cJSON *people[STORE_NOTIF_ACTORS_MAX];
    size_t count = 0;
    const char *rest;

    for (uint32_t i = 0; i < n->actor_count && i < STORE_NOTIF_ACTORS_MAX; i++)
        if ((people[count] = present_person(req, nl->txn, n->actors[i])))
            count++;
    html_printf(h, "<li class=\"notification%s\" id=\"n-%llu\" data-id=\"%llu\">",
                n->unread ? " unread" : "", (unsigned long long)n->id, (unsigned long long)n->id);
    ui_avatar(h, count ? people[0] : NULL, "small", 40);
    html_raw(h, "<div class=\"what\"><p>");
    if (n->unread) {
        html_raw(h, "<span class=\"visually-hidden\">");
        html_text(h, T("Unread:"));
        html_raw(h, " </span>");
    }
    rest = hole_begin(h, note_message(req, n->type));
    if (count)
        people_links(h, people, count);
    else
        html_text(h, T("Someone"));
    html_text(h, rest);
    html_raw(h, "</p>");
    if (post) {
        html_raw(h, "<p class=\"excerpt\"><a dir=\"auto\" href=\"/posts/");
        html_text(h, post->guid);
        html_raw(h, "\">");
        html_text(h, post->text && *post->text
                         ? ui_plain_excerpt(req, nl->txn, post->text, EXCERPT_MAX)
                         : T("View the post"));
        html_raw(h, "</a></p>");
    }
    html_raw(h, "<div class=\"meta row\">");
    ui_time(h, n->updated_at);
    html_printf(h, "<form class=\"inline\" method=\"post\" action=\"/notifications/%llu\">",
                (unsigned long long)n->id);
    html_csrf_field(h);
    html_printf(h,
                "<input type=\"hidden\" name=\"_method\" value=\"put\">"
                "<input type=\"hidden\" name=\"set_unread\" value=\"%s\">",
                n->unread ? "false" : "true");
    return_to(h, nl->here);
    html_raw(h, "<button type=\"submit\" class=\"link\">");
    html_text(h, n->unread ? T("Mark as read") : T("Mark as unread"));
    html_raw(h, "</button></form></div></div></li>\n");
    for (size_t i = 0; i < count; i++)
        cJSON_Delete(people[i]);
    nl->shown++;
}

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
    if (nl->page) {
        note_item(nl, n, post ? &target : NULL);
        return 0;
    }
    note = note_html(nl->req, nl->txn, n);
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
    v = web_parse_id(s);
    return v == 0 || v > max ? 0 : (size_t)v;
}

static int
count_one(const struct store_notification *n, void *ctx)
{
    (void)n;
    ++*(unsigned *)ctx;
    return 0;
}

/* The notifications page: page (1-based) of per_page, newest first. */
static int
notifications_page(struct web_req *req, size_t page, size_t per_page)
{
    struct notif_list nl = {.req = req};
    const char *size = "";
    uint32_t total = 0;
    unsigned older = 0;
    struct store_txn *txn;
    struct html h;
    int rc;

    /* A page size other than the default stays in the links. */
    if (per_page != NOTIF_PER_PAGE_HTML)
        size = pod_arena_printf(&req->arena, "&per_page=%zu", per_page);
    if (!size)
        return web_reply_error(req, 500, "Out of memory");
    nl.here = page > 1 || *size
                  ? pod_arena_printf(&req->arena, "/notifications?page=%zu%s", page, size)
                  : "/notifications";
    if (!nl.here)
        return web_reply_error(req, 500, "Out of memory");
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    nl.txn = txn;
    nl.page = &h;
    html_init(&h, req);
    html_page_begin(&h, T("Notifications"));
    html_raw(&h, "<div class=\"page-head\"><h1>");
    html_text(&h, T("Notifications"));
    html_raw(&h, "</h1>");
    rc = store_notifications_unread(txn, web_viewer(req), &total, NULL);
    if (rc == POD_OK && total) {
        html_raw(&h, "<form method=\"post\" action=\"/notifications/read_all\">");
        html_csrf_field(&h);
        return_to(&h, nl.here);
        html_raw(&h, "<button type=\"submit\" class=\"secondary\">");
        html_text(&h, T("Mark all as read"));
        html_raw(&h, "</button></form>");
    }
    html_raw(&h, "</div>\n<p class=\"meta\" id=\"unread-summary\">");
    if (total)
        ui_count(&h, total, T("1 unread notification"), T("{} unread notifications"));
    else
        html_text(&h, T("You are all caught up."));
    html_raw(&h, "</p>\n<ul class=\"notifications\" aria-describedby=\"unread-summary\">\n");
    if (rc == POD_OK)
        rc = store_notifications_list(txn, web_viewer(req), page, per_page, notif_into, &nl);
    /* Is there anything after this page? The one entry after it. */
    if (rc == POD_OK && page * per_page < 10000000)
        rc = store_notifications_list(txn, web_viewer(req), page * per_page + 1, 1, count_one,
                                      &older);
    store_txn_abort(txn);
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The notifications could not be read.");
    html_raw(&h, "</ul>\n");
    if (!nl.shown) {
        html_raw(&h, "<p class=\"empty\">");
        html_text(&h, page == 1 ? T("No notifications yet. When people comment on, like or "
                                    "reshare your posts, mention you or start sharing with you, "
                                    "you will read it here.")
                                : T("No more notifications."));
        html_raw(&h, "</p>\n");
    }
    if (page > 1 || older) {
        html_raw(&h, "<nav class=\"pager row\" aria-label=\"");
        html_text(&h, T("More notifications"));
        html_raw(&h, "\">");
        if (page > 1) {
            html_raw(&h, "<a rel=\"prev\" href=\"");
            html_text(&h,
                      pod_arena_printf(&req->arena, "/notifications?page=%zu%s", page - 1, size));
            html_raw(&h, "\">");
            html_text(&h, T("Newer"));
            html_raw(&h, "</a>");
        }
        if (older) {
            html_raw(&h, "<a rel=\"next\" href=\"");
            html_text(&h,
                      pod_arena_printf(&req->arena, "/notifications?page=%zu%s", page + 1, size));
            html_raw(&h, "\">");
            html_text(&h, T("Older"));
            html_raw(&h, "</a>");
        }
        html_raw(&h, "</nav>\n");
    }
    html_page_end(&h);
    return web_reply_html(req, 200, &h);
}

int
page_notifications(struct web_req *req)
{
    uint32_t by_type[STORE_NOTIF_TYPE_END], total;
    struct notif_list nl = {.req = req};
    size_t per_page, page;
    struct store_txn *txn;
    cJSON *o, *counts;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    per_page = page_param(req, "per_page", req->json ? NOTIF_PER_PAGE : NOTIF_PER_PAGE_HTML,
                          STORE_NOTIF_PER_PAGE_MAX);
    page = page_param(req, "page", 1, 100000);
    if (!per_page || !page)
        return web_reply_error(req, 422, "page and per_page must be positive numbers.");
    if (!req->json)
        return notifications_page(req, page, per_page);
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    nl.txn = txn;
    o = cJSON_CreateObject();
    rc = store_notifications_unread(txn, web_viewer(req), &total, by_type);
    cJSON_AddNumberToObject(o, "unread_count", total);
    counts = cJSON_AddObjectToObject(o, "unread_count_by_type");
    for (int t = 1; t < STORE_NOTIF_TYPE_END; t++)
        cJSON_AddNumberToObject(counts, store_notif_type_name((enum store_notif_type)t),
                                by_type[t]);
    for (size_t i = 0; i < sizeof extra_count_keys / sizeof extra_count_keys[0]; i++)
        cJSON_AddNumberToObject(counts, extra_count_keys[i], 0);
    nl.arr = cJSON_AddArrayToObject(o, "notification_list");
    if (rc == POD_OK)
        rc = store_notifications_list(txn, web_viewer(req), page, per_page, notif_into, &nl);
    store_txn_abort(txn);
    if (rc != POD_OK) {
        cJSON_Delete(o);
        return web_reply_error(req, 500, "The notifications could not be read.");
    }
    return web_reply_json(req, 200, o);
}

int
page_notification_update(struct web_req *req)
{
    const char *set = web_query_value(req, "set_unread");
    uint64_t id = web_parse_id(req->params[0]);
    struct store_txn *txn;
    bool unread;
    cJSON *o;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (!set)
        set = web_form_value(req, "set_unread");
    if (!set)
        set = web_json_value(req, "set_unread", NULL);
    if (set && strcmp(set, "true") && strcmp(set, "false"))
        return fail(req, 422, "set_unread is true or false.");
    unread = set && strcmp(set, "true") == 0;
    if (!id)
        return fail(req, 404, "No such notification.");
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = web_txn_finish(txn, store_notification_set_unread(txn, id, web_viewer(req), unread));
    if (rc == POD_ERR_NOTFOUND)
        return fail(req, 404, "No such notification.");
    if (rc == POD_ERR_AUTH)
        return fail(req, 403, "That notification is someone else's.");
    if (rc != POD_OK)
        return fail(req, 500, "The notification could not be changed.");
    if (!req->json)
        return ui_redirect_back(req, "/notifications");
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "guid", (double)id);
    cJSON_AddBoolToObject(o, "unread", unread);
    return web_reply_json(req, 200, o);
}

int
page_notifications_read_all(struct web_req *req)
{
    struct store_txn *txn;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = web_txn_finish(txn, store_notifications_read_all(txn, web_viewer(req)));
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The notifications could not be changed.");
    if (req->json)
        return web_reply_json(req, 200, cJSON_CreateObject());
    if (req->method == WEB_POST)
        return ui_redirect_back(req, "/notifications");
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

/* The people of c other than me (present_person objects, at most max) into
 * out; returns how many. The caller deletes them. */
static size_t
others_of(struct web_req *req, struct store_txn *txn, const struct store_conversation *c,
          cJSON **out, size_t max)
{
    size_t n = 0;

    for (uint32_t i = 0; i < c->participant_count && n < max; i++)
        if (c->participants[i] != web_viewer(req) &&
            (out[n] = present_person(req, txn, c->participants[i])))
            n++;
    return n;
}

static void
delete_all(cJSON **people, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(people[i]);
}

static const char *
subject_of(struct web_req *req, const struct store_conversation *c)
{
    return c->subject[0] ? c->subject : T("(no subject)");
}

struct mailbox {
    struct web_req *req;
    struct store_txn *txn;
    cJSON *arr;
    struct html *page;
    unsigned shown;
};

/* One conversation in the list: the others' avatars, the subject linking
 * to it, who takes part, the last message's time and the unread count. */
static void
mailbox_item(struct mailbox *mb, const struct store_conversation *c, uint32_t unread)
{
    struct web_req *req = mb->req;
    struct html *h = mb->page;
    cJSON *people[STORE_CONV_PARTICIPANTS_MAX];
    size_t n = others_of(req, mb->txn, c, people, STORE_CONV_PARTICIPANTS_MAX);
    const char *rest;

    html_printf(h, "<li class=\"conversation%s\">", unread ? " unread" : "");
    ui_avatar(h, n ? people[0] : NULL, "small", 40);
    html_printf(
        h, "<div class=\"what\"><a class=\"subject\" dir=\"auto\" href=\"/conversations/%llu\">",
        (unsigned long long)c->id);
    html_text(h, subject_of(req, c));
    html_raw(h, "</a>");
    if (unread) {
        html_raw(h, " <span class=\"badge\">");
        ui_count(h, unread, T("1 unread message"), T("{} unread messages"));
        html_raw(h, "</span>");
    }
    html_raw(h, "<div class=\"meta\">");
    if (n) {
        rest = hole_begin(h, T("With {}"));
        people_links(h, people, n);
        html_text(h, rest);
        html_raw(h, " · ");
    }
    ui_time(h, c->updated_at);
    html_raw(h, "</div></div></li>\n");
    delete_all(people, n);
    mb->shown++;
}

static int
mailbox_into(uint64_t id, uint32_t unread, void *ctx)
{
    struct mailbox *mb = ctx;
    struct store_conversation c;
    cJSON *o;

    if (store_conversation_get(mb->txn, id, &c) != POD_OK)
        return 0;
    if (mb->page) {
        mailbox_item(mb, &c, unread);
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

static const char *
str_of(const cJSON *o, const char *name)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;

    return cJSON_IsString(v) ? v->valuestring : "";
}

static int
message_into(const struct store_message *m, void *ctx)
{
    struct messages_ctx *mc = ctx;
    struct html *h = mc->page;
    const cJSON *avatar;
    cJSON *o;

    if (!h) {
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
    o = present_person(mc->req, mc->txn, m->author);
    if (!o)
        return 0;
    avatar = cJSON_GetObjectItemCaseSensitive(o, "avatar");
    /* _messages.haml's classes and the avatar link: diaspy scrapes them
     * (#44). The name link after it is the one for people. */
    html_raw(h, "<div class=\"stream-element message\" data-guid=\"");
    html_text(h, m->guid);
    html_printf(h,
                "\" id=\"m-%llu\"%s>\n<a class=\"img\" aria-hidden=\"true\" tabindex=\"-1\" "
                "href=\"/people/",
                (unsigned long long)m->id, m->author == web_viewer(mc->req) ? " data-own" : "");
    html_text(h, str_of(o, "guid"));
    html_raw(h, "\"><img class=\"avatar\" width=\"40\" height=\"40\" alt=\"");
    html_text(h, str_of(o, "name"));
    html_raw(h, "\" title=\"");
    html_text(h, str_of(o, "name"));
    html_raw(h, "\" src=\"");
    html_text(h, str_of(avatar, "small")[0] ? ui_local_url(mc->req, str_of(avatar, "small"))
                                            : "/assets/user/default.png");
    html_raw(h, "\"></a>\n<div class=\"bd\"><div class=\"meta\"><bdi>");
    ui_person_link(h, o);
    html_raw(h, "</bdi> · ");
    ui_time(h, m->created_at);
    html_raw(h, "</div>\n<div class=\"message-content\" dir=\"auto\">");
    ui_markdown(h, mc->txn, m->text);
    html_raw(h, "</div></div></div>\n");
    cJSON_Delete(o);
    return 0;
}

/* Loads conversation id for me (404 when missing or not mine) and marks it
 * read; txn is a write transaction. */
static int
conversation_for_me(struct web_req *req, struct store_txn *txn, uint64_t id,
                    struct store_conversation *c)
{
    int rc;

    if (!id || !store_conversation_visible(txn, id, web_viewer(req), NULL))
        return POD_ERR_NOTFOUND;
    rc = store_conversation_get(txn, id, c);
    if (rc == POD_OK)
        rc = store_conversation_mark_read(txn, id, web_viewer(req));
    return rc;
}

/* The HTML page of one conversation: who takes part, its messages, an
 * answer form and a button to leave it. Read once it is shown. */
static int
conversation_page(struct web_req *req, uint64_t id)
{
    struct messages_ctx mc = {.req = req};
    cJSON *people[STORE_CONV_PARTICIPANTS_MAX];
    struct store_conversation c;
    struct store_txn *txn;
    const char *rest;
    struct html h;
    size_t n;
    int rc;

    /* Marked read first, so the page's unread counts know it. */
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = web_txn_finish(txn, conversation_for_me(req, txn, id, &c));
    if (rc == POD_ERR_NOTFOUND)
        return web_reply_error(req, 404, "No such conversation.");
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The conversation could not be read.");
    txn = web_txn_begin(req, false);
    if (!txn)
        return req->status;
    html_init(&h, req);
    html_page_begin(&h, subject_of(req, &c));
    html_raw(&h, "<section class=\"conversation\"><p class=\"meta\"><a href=\"/conversations\">");
    html_text(&h, T("All conversations"));
    html_raw(&h, "</a></p><h1 dir=\"auto\">");
    html_text(&h, subject_of(req, &c));
    html_raw(&h, "</h1>\n");
    n = others_of(req, txn, &c, people, STORE_CONV_PARTICIPANTS_MAX);
    if (n) {
        html_raw(&h, "<p class=\"meta\">");
        rest = hole_begin(&h, T("With {}"));
        people_links(&h, people, n);
        html_text(&h, rest);
        html_raw(&h, "</p>\n");
    }
    delete_all(people, n);
    html_raw(&h, "<div class=\"stream\">\n");
    mc.txn = txn;
    mc.page = &h;
    rc = store_messages_each(txn, id, &req->arena, message_into, &mc);
    store_txn_abort(txn);
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The conversation could not be read.");
    html_printf(&h,
                "<div class=\"stream-element new-message\"><form class=\"reply\" method=\"post\" "
                "action=\"/conversations/%llu/messages\">",
                (unsigned long long)id);
    html_csrf_field(&h);
    html_raw(&h, "<label for=\"message_text\">");
    html_text(&h, T("Your answer"));
    html_raw(&h, "</label><textarea id=\"message_text\" name=\"message[text]\" required "
                 "maxlength=\"65535\" dir=\"auto\" data-autocomplete></textarea>"
                 "<div class=\"row actions\"><button type=\"submit\">");
    html_text(&h, T("Send"));
    html_raw(&h, "</button></div></form></div>\n</div>\n");
    html_printf(&h,
                "<form class=\"leave\" method=\"post\" action=\"/conversations/%llu/visibility\">"
                "<input type=\"hidden\" name=\"_method\" value=\"delete\">",
                (unsigned long long)id);
    html_csrf_field(&h);
    html_raw(&h, "<button type=\"submit\" class=\"secondary\" data-confirm=\"");
    html_text(&h, T("Leave this conversation? It disappears from your list; the others keep it."));
    html_raw(&h, "\">");
    html_text(&h, T("Leave conversation"));
    html_raw(&h, "</button></form></section>\n");
    html_page_end(&h);
    return web_reply_html(req, 200, &h);
}

int
page_conversations(struct web_req *req)
{
    const char *cid = web_query_value(req, "conversation_id");
    struct mailbox mb = {.req = req};
    struct html h;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    /* diaspora* shows one conversation inside the index page (#44); JSON
     * clients following an answer's redirect get the list (#45). */
    if (!req->json && cid)
        return conversation_page(req, web_parse_id(cid));
    mb.txn = web_txn_begin(req, false);
    if (!mb.txn)
        return req->status;
    if (req->json) {
        mb.arr = cJSON_CreateArray();
    } else {
        html_init(&h, req);
        html_page_begin(&h, T("Conversations"));
        html_raw(&h, "<div class=\"page-head\"><h1>");
        html_text(&h, T("Conversations"));
        html_raw(&h, "</h1><a class=\"button\" href=\"/conversations/new\">");
        html_text(&h, T("New conversation"));
        html_raw(&h, "</a></div>\n<ul class=\"conversations\">\n");
        mb.page = &h;
    }
    rc = store_conversations_of(mb.txn, web_viewer(req), MAILBOX_MAX, mailbox_into, &mb);
    store_txn_abort(mb.txn);
    if (rc != POD_OK) {
        cJSON_Delete(mb.arr);
        return web_reply_error(req, 500, "The conversations could not be read.");
    }
    if (req->json)
        return web_reply_json(req, 200, mb.arr);
    html_raw(&h, "</ul>\n");
    if (!mb.shown) {
        html_raw(&h, "<p class=\"empty\">");
        html_text(&h, T("No conversations yet. Private conversations are for people who share "
                        "with you and with whom you share."));
        html_raw(&h, "</p>\n");
    }
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
    uint64_t id = web_parse_id(req->params[0]);
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (!req->json)
        return conversation_page(req, id);
    txn = web_txn_begin(req, true);
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
    rc = web_txn_finish(txn, rc);
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

/* Every value of a form field joined with commas (checkboxes send one
 * field each), or the JSON body's value; NULL when there is none. */
static const char *
field_list(struct web_req *req, const char *name)
{
    const char *out = NULL;

    for (size_t i = 0; i < req->form.count; i++) {
        if (strcmp(req->form.fields[i].name, name) != 0)
            continue;
        out = out ? pod_arena_printf(&req->arena, "%s,%s", out, req->form.fields[i].value)
                  : req->form.fields[i].value;
        if (!out)
            return NULL;
    }
    return out ? out : web_json_value(req, name, NULL);
}

/* True when person id is in the comma list ids. */
static bool
listed(const char *ids, uint64_t id)
{
    char want[24];
    size_t n;

    if (!ids || !id)
        return false;
    n = (size_t)snprintf(want, sizeof want, "%llu", (unsigned long long)id);
    for (const char *p = ids; (p = strstr(p, want)); p += n)
        if ((p == ids || p[-1] == ',' || p[-1] == ' ') &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return true;
    return false;
}

struct recipient_rows {
    struct web_req *req;
    struct store_txn *txn;
    struct html *h;
    const char *chosen; /* comma list of person ids to check */
    unsigned count;
};

static int
recipient_row(const struct store_contact *ct, void *ctx)
{
    struct recipient_rows *r = ctx;
    struct html *h = r->h;
    cJSON *p;

    if (!ct->sharing || !ct->receiving)
        return 0;
    p = present_person(r->req, r->txn, ct->person);
    if (!p)
        return 0;
    html_printf(h,
                "<li><input type=\"checkbox\" id=\"to-%llu\" name=\"person_ids\" value=\"%llu\"%s>"
                "<label class=\"who\" for=\"to-%llu\">",
                (unsigned long long)ct->person, (unsigned long long)ct->person,
                listed(r->chosen, ct->person) ? " checked" : "", (unsigned long long)ct->person);
    ui_avatar(h, p, "small", 32);
    html_raw(h, " <bdi>");
    html_text(h, str_of(p, "name"));
    html_raw(h, "</bdi> <span class=\"meta\">");
    html_text(h, str_of(p, "diaspora_id"));
    html_raw(h, "</span></label></li>\n");
    cJSON_Delete(p);
    return ++r->count >= CONTACTS_MAX ? 1 : 0;
}

/* The form for a new conversation: the mutual contacts to choose from
 * (chosen ones checked), subject and text, with error above it. */
static int
new_conversation_form(struct web_req *req, int status, const char *error, const char *chosen,
                      const char *subject, const char *text)
{
    struct recipient_rows rows = {.req = req, .chosen = chosen};
    struct html h;

    rows.txn = web_txn_begin(req, false);
    if (!rows.txn)
        return req->status;
    rows.h = &h;
    html_init(&h, req);
    html_page_begin(&h, T("New conversation"));
    html_raw(&h,
             "<section class=\"new-conversation\"><p class=\"meta\"><a href=\"/conversations\">");
    html_text(&h, T("All conversations"));
    html_raw(&h, "</a></p><h1>");
    html_text(&h, T("New conversation"));
    html_raw(&h, "</h1>\n");
    if (error)
        html_flash(&h, "error", error);
    html_raw(&h, "<form method=\"post\" action=\"/conversations\">");
    html_csrf_field(&h);
    html_raw(&h, "<fieldset><legend>");
    html_text(&h, T("To"));
    html_raw(&h, "</legend><ul class=\"people pick\">\n");
    store_contacts_each(rows.txn, web_viewer(req), recipient_row, &rows);
    store_txn_abort(rows.txn);
    html_raw(&h, "</ul>");
    if (!rows.count) {
        html_raw(&h, "<p class=\"hint\">");
        html_text(&h, T("You can write to people who share with you and with whom you share. "
                        "Add people to your aspects on their profiles."));
        html_raw(&h, " <a href=\"/contacts\">");
        html_text(&h, T("Contacts"));
        html_raw(&h, "</a></p>");
    }
    html_raw(&h, "</fieldset><label for=\"conversation_subject\">");
    html_text(&h, T("Subject"));
    html_raw(&h, "</label><input type=\"text\" id=\"conversation_subject\" "
                 "name=\"conversation[subject]\" maxlength=\"255\" dir=\"auto\" value=\"");
    html_text(&h, subject);
    html_raw(&h, "\"><label for=\"conversation_text\">");
    html_text(&h, T("Message"));
    html_raw(&h, "</label><textarea id=\"conversation_text\" name=\"conversation[text]\" required "
                 "maxlength=\"65535\" dir=\"auto\" data-autocomplete>");
    html_text(&h, text);
    html_raw(&h, "</textarea><div class=\"row actions\"><button type=\"submit\">");
    html_text(&h, T("Send"));
    html_raw(&h, "</button></div></form></section>\n");
    html_page_end(&h);
    return web_reply_html(req, status, &h);
}

int
page_conversation_new(struct web_req *req)
{
    int rc = web_need_session(req);

    if (rc)
        return rc;
    return new_conversation_form(req, 200, NULL, web_query_value(req, "person_id"), NULL, NULL);
}

/* Parses the comma list ids into person ids (at most max into people,
 * *count of them); contact_ids name contacts of me. Whether they may take
 * part is social_conversation_start's to say. POD_ERR_INVAL /
 * POD_ERR_LIMIT with a reason in why. */
static int
read_recipients(struct store_txn *txn, uint64_t me, const char *ids, bool contacts,
                uint64_t *people, size_t max, size_t *count, const char **why)
{
    struct store_contact ct;
    char buf[RECIPIENTS_TEXT];
    char *save = NULL, *tok;
    uint64_t id;

    *count = 0;
    if (!ids || !*ids || strlen(ids) >= sizeof buf) {
        *why = "Name one to 19 recipients.";
        return POD_ERR_INVAL;
    }
    snprintf(buf, sizeof buf, "%s", ids);
    for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        id = web_parse_id(tok);
        if (!id) {
            *why = "Recipients are numeric ids.";
            return POD_ERR_INVAL;
        }
        if (contacts) {
            if (store_contact_get_by_id(txn, id, &ct) != POD_OK || ct.owner != me) {
                *why = "Unknown contact.";
                return POD_ERR_INVAL;
            }
            id = ct.person;
        }
        if (*count == max) {
            *why = "A conversation has at most 20 participants.";
            return POD_ERR_LIMIT;
        }
        people[(*count)++] = id;
    }
    return POD_OK;
}

int
page_conversation_create(struct web_req *req)
{
    const char *contact_ids = field_list(req, "contact_ids");
    const char *person_ids = field_list(req, "person_ids");
    const char *subject = field(req, "conversation[subject]", "conversation", "subject");
    const char *text = field(req, "conversation[text]", "conversation", "text");
    uint64_t people[2 * STORE_CONV_PARTICIPANTS_MAX];
    struct store_conversation c;
    struct store_txn *txn;
    const char *why = NULL;
    char reason[160] = "", loc[64];
    size_t count = 0;
    cJSON *o;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (!subject)
        subject = "";
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = read_recipients(txn, web_viewer(req), contact_ids ? contact_ids : person_ids,
                         contact_ids != NULL, people, sizeof people / sizeof people[0], &count,
                         &why);
    if (rc == POD_OK)
        rc = social_conversation_start(txn, web_viewer(req), people, count, subject, text,
                                       &req->arena, &c, reason, sizeof reason);
    else
        snprintf(reason, sizeof reason, "%s", why);
    rc = web_txn_finish(txn, rc);
    if ((rc == POD_ERR_INVAL || rc == POD_ERR_LIMIT) && from_browser(req))
        return new_conversation_form(req, 422, T(reason), person_ids, subject, text);
    if (rc == POD_ERR_INVAL || rc == POD_ERR_LIMIT)
        return web_reply_error(req, 422, reason);
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The conversation could not be started.");
    LOG_INFO("web", "%s started conversation %llu with %u people", req->session->user.username,
             (unsigned long long)c.id, c.participant_count - 1);
    if (from_browser(req)) {
        snprintf(loc, sizeof loc, "/conversations/%llu", (unsigned long long)c.id);
        return web_reply_redirect(req, 303, loc);
    }
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
    uint64_t id = web_parse_id(req->params[0]);
    struct store_message m;
    struct store_txn *txn;
    char why[160] = "", loc[64];
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (!text || !*text || strlen(text) > STORE_MESSAGE_TEXT_MAX)
        return web_reply_error(req, 422, "A message has 1 to 65535 bytes.");
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = social_message_add(txn, web_viewer(req), id, text, &req->arena, &m, why, sizeof why);
    rc = web_txn_finish(txn, rc);
    if (rc == POD_ERR_NOTFOUND)
        return web_reply_error(req, 404, "No such conversation.");
    if (rc == POD_ERR_INVAL || rc == POD_ERR_LIMIT)
        return web_reply_error(req, 422, why);
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The message could not be sent.");
    if (from_browser(req)) {
        snprintf(loc, sizeof loc, "/conversations/%llu#m-%llu", (unsigned long long)id,
                 (unsigned long long)m.id);
        return web_reply_redirect(req, 303, loc);
    }
    /* diaspora* redirects; requests follows it as GET with Accept: json (#45). */
    snprintf(loc, sizeof loc, "/conversations?conversation_id=%llu", (unsigned long long)id);
    return web_reply_redirect(req, 302, loc);
}

int
page_conversation_leave(struct web_req *req)
{
    uint64_t id = web_parse_id(req->params[0]);
    struct store_txn *txn;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = id ? store_conversation_leave(txn, id, web_viewer(req)) : POD_ERR_NOTFOUND;
    rc = web_txn_finish(txn, rc);
    if (rc == POD_ERR_NOTFOUND)
        return web_reply_error(req, 404, "No such conversation.");
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The conversation could not be left.");
    return web_reply_redirect(req, from_browser(req) ? 303 : 302, "/conversations");
}
