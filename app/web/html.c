#include "web/html.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/settings.h"
#include "store/contacts.h"
#include "store/conversations.h"
#include "store/notifications.h"
#include "store/store.h"
#include "web/i18n.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"
#include "web/static.h"

void
html_init(struct html *h, struct web_req *req)
{
    h->req = req;
    h->len = 0;
    h->cap = 4096;
    h->failed = false;
    h->buf = pod_arena_alloc(&req->arena, h->cap);
    if (!h->buf)
        h->failed = true;
    else
        h->buf[0] = '\0';
}

/* Makes room for n more bytes plus the NUL. The arena cannot grow a block
 * in place: a larger one is taken and the text copied (at most doubling). */
static bool
reserve(struct html *h, size_t n)
{
    size_t want;
    char *bigger;

    if (h->failed)
        return false;
    if (h->len + n + 1 <= h->cap)
        return true;
    want = h->cap * 2;
    while (want < h->len + n + 1)
        want *= 2;
    bigger = pod_arena_alloc(&h->req->arena, want);
    if (!bigger) {
        h->failed = true;
        return false;
    }
    memcpy(bigger, h->buf, h->len + 1);
    h->buf = bigger;
    h->cap = want;
    return true;
}

static void
append(struct html *h, const char *s, size_t n)
{
    if (!reserve(h, n))
        return;
    memcpy(h->buf + h->len, s, n);
    h->len += n;
    h->buf[h->len] = '\0';
}

void
html_raw(struct html *h, const char *s)
{
    append(h, s, strlen(s));
}

void
html_printf(struct html *h, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(h, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(h->buf + h->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    h->len += (size_t)n;
}

void
html_text(struct html *h, const char *s)
{
    const char *run = s;

    if (!s)
        return;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        append(h, run, (size_t)(s - run));
        html_raw(h, rep);
        run = s + 1;
    }
    append(h, run, (size_t)(s - run));
}

void
html_fill(struct html *h, const char *text, const char *value)
{
    const char *hole;

    while (text && (hole = strstr(text, "{}"))) {
        char *part = pod_arena_strndup(&h->req->arena, text, (size_t)(hole - text));
        html_text(h, part);
        html_text(h, value);
        text = hole + 2;
    }
    html_text(h, text);
}

void
html_fill_n(struct html *h, const char *text, long long n)
{
    char num[24];

    snprintf(num, sizeof num, "%lld", n);
    html_fill(h, text, num);
}

const char *
web_pod_name(struct web_req *req)
{
    struct store_txn *txn = NULL;
    char name[128] = "";

    if (store_txn_begin(req->server->store, false, &txn) == POD_OK) {
        if (store_setting_get_str(txn, POD_SETTING_POD_NAME, name, sizeof name) != POD_OK)
            name[0] = '\0';
        store_txn_abort(txn);
    }
    return pod_arena_strdup(&req->arena, name[0] ? name : req->server->cfg.host);
}

bool
web_registrations_open(struct web_req *req)
{
    struct store_txn *txn = NULL;
    uint64_t open = 0;

    if (store_txn_begin(req->server->store, false, &txn) == POD_OK) {
        if (store_setting_get_u64(txn, POD_SETTING_REGISTRATIONS, &open) != POD_OK)
            open = 0;
        store_txn_abort(txn);
    }
    return open != 0;
}

void
html_csrf_field(struct html *h)
{
    html_raw(h, "<input type=\"hidden\" name=\"authenticity_token\" value=\"");
    html_text(h, web_csrf_token(h->req));
    html_raw(h, "\">");
}

/* One entry of the navigation: aria-current on the page we are on. */
static void
nav_item(struct html *h, const char *href, const char *label)
{
    const char *path = h->req->path ? h->req->path : "";

    html_raw(h, "<li><a href=\"");
    html_text(h, href);
    html_raw(h, strcmp(path, href) == 0 ? "\" aria-current=\"page\">" : "\">");
    html_text(h, label);
    html_raw(h, "</a></li>");
}

struct aspect_nav {
    struct html *h;
    unsigned n;
};

static int
aspect_nav_item(const struct store_aspect *a, void *ctx)
{
    struct aspect_nav *an = ctx;

    html_printf(an->h, "<li><a dir=\"auto\" href=\"/aspects?a_ids[]=%llu\">",
                (unsigned long long)a->id);
    html_text(an->h, a->name);
    html_raw(an->h, "</a></li>");
    return ++an->n >= 30 ? 1 : 0;
}

/* The top bar and the sidebar of a signed-in person. */
static void
signed_in_chrome(struct html *h, const char *pod)
{
    struct web_req *req = h->req;
    struct store_txn *txn = NULL;
    uint32_t notes = 0, messages = 0;
    struct aspect_nav an = {h, 0};
    bool have_txn = store_txn_begin(req->server->store, false, &txn) == POD_OK;

    if (have_txn) {
        store_notifications_unread(txn, req->session->person, &notes, NULL);
        store_conversations_unread(txn, req->session->person, &messages);
    }
    html_raw(h, "<header class=\"top\"><a class=\"pod\" href=\"/stream\">");
    html_text(h, pod);
    html_raw(h, "</a><form class=\"search\" role=\"search\" method=\"get\" action=\"/search\">"
                "<label class=\"visually-hidden\" for=\"q\">");
    html_text(h, T("Search people and tags"));
    html_raw(h, "</label><input type=\"search\" id=\"q\" name=\"q\" placeholder=\"");
    html_text(h, T("Search"));
    html_raw(h, "\"></form><a href=\"/notifications\">");
    html_text(h, T("Notifications"));
    html_printf(h,
                "<span class=\"count\" id=\"notifications-count\" data-n=\"%u\">%u</span>"
                "<span class=\"visually-hidden\"> ",
                notes, notes);
    html_text(h, T("unread"));
    html_raw(h, "</span></a><a href=\"/conversations\">");
    html_text(h, T("Conversations"));
    html_printf(h,
                "<span class=\"count\" id=\"messages-count\" data-n=\"%u\">%u</span>"
                "<span class=\"visually-hidden\"> ",
                messages, messages);
    html_text(h, T("unread"));
    /* The person's own links in a menu that opens without JavaScript. */
    html_raw(h, "</span></a><details class=\"menu\"><summary>");
    html_text(h, req->session->user.username);
    html_raw(h, "</summary><div class=\"menu-items\"><a href=\"/u/");
    html_text(h, req->session->user.username);
    html_raw(h, "\">");
    html_text(h, T("Profile"));
    html_raw(h, "</a><a href=\"/user/edit\">");
    html_text(h, T("Settings"));
    html_raw(h, "</a>");
    if (req->session->user.admin) {
        html_raw(h, "<a href=\"/admin\">");
        html_text(h, T("Admin"));
        html_raw(h, "</a>");
    }
    html_raw(h, "<form method=\"post\" action=\"/users/sign_out\">"
                "<input type=\"hidden\" name=\"_method\" value=\"delete\">");
    html_csrf_field(h);
    html_raw(h, "<button type=\"submit\" class=\"link\">");
    html_text(h, T("Sign out"));
    html_raw(h, "</button></form></div></details></header>\n<div class=\"layout\"><aside "
                "class=\"side\">"
                "<nav aria-label=\"");
    html_text(h, T("Streams"));
    html_raw(h, "\"><ul>");
    nav_item(h, "/stream", T("Stream"));
    nav_item(h, "/activity", T("My activity"));
    nav_item(h, "/mentions", T("@Mentions"));
    nav_item(h, "/aspects", T("My aspects"));
    nav_item(h, "/followed_tags", T("#Followed tags"));
    nav_item(h, "/public", T("Public"));
    nav_item(h, "/liked", T("Liked"));
    nav_item(h, "/commented", T("Commented"));
    nav_item(h, "/contacts", T("Contacts"));
    nav_item(h, "/tag_followings", T("Tags"));
    html_raw(h, "</ul></nav><nav class=\"aspects\" aria-labelledby=\"aspects-h\">"
                "<h2 id=\"aspects-h\">");
    html_text(h, T("Aspects"));
    html_raw(h, "</h2><ul>");
    if (have_txn) {
        store_aspects_each(txn, req->session->person, aspect_nav_item, &an);
        store_txn_abort(txn);
    }
    html_raw(h, "</ul></nav></aside>\n");
}

void
html_page_begin(struct html *h, const char *title)
{
    struct web_req *req = h->req;
    const char *pod = web_pod_name(req);

    html_printf(h,
                "<!DOCTYPE html>\n<html lang=\"%s\" dir=\"%s\"><head><meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<meta name=\"csrf-param\" content=\"authenticity_token\" />\n"
                "<meta name=\"csrf-token\" content=\"",
                web_lang(req), web_dir(req));
    html_text(h, web_csrf_token(req));
    html_raw(h, "\" />\n<title>");
    html_text(h, title);
    html_raw(h, " · ");
    html_text(h, pod);
    html_printf(h,
                "</title>\n<link rel=\"stylesheet\" href=\"%s\">\n"
                "<link rel=\"icon\" href=\"%s\" type=\"image/svg+xml\">\n"
                "<script src=\"%s\" defer></script>\n</head><body>\n"
                "<a class=\"skip\" href=\"#content\">",
                web_static_url("style.css"), web_static_url("favicon.svg"),
                web_static_url("app.js"));
    html_text(h, T("Skip to content"));
    html_raw(h, "</a>\n");
    if (req->session && req->session->person) {
        signed_in_chrome(h, pod);
    } else {
        html_raw(h, "<header class=\"top\"><a class=\"pod\" href=\"/\">");
        html_text(h, pod);
        html_raw(h, "</a><a href=\"/public\">");
        html_text(h, T("Public"));
        html_raw(h, "</a><a href=\"/users/sign_in\">");
        html_text(h, T("Sign in"));
        html_raw(h, "</a>");
        if (web_registrations_open(req)) {
            html_raw(h, "<a href=\"/users/sign_up\">");
            html_text(h, T("Sign up"));
            html_raw(h, "</a>");
        }
        html_raw(h, "</header>\n<div class=\"layout\">");
    }
    html_raw(h, "<main id=\"content\" tabindex=\"-1\">\n");
}

void
html_flash(struct html *h, const char *kind, const char *message)
{
    html_printf(h, "<div class=\"flash %s\" role=\"%s\">", kind,
                strcmp(kind, "error") == 0 ? "alert" : "status");
    html_text(h, message);
    html_raw(h, "</div>\n");
}

void
html_page_end(struct html *h)
{
    struct web_req *req = h->req;

    html_printf(h, "</main></div>\n<footer class=\"foot\">plugpod %s · ", POD_VERSION);
    html_text(h, T("a diaspora* pod"));
    html_raw(h, "</footer>\n</body></html>\n");
}

int
web_reply_html(struct web_req *req, int status, struct html *h)
{
    if (h->failed)
        return web_reply_error(req, 500, "The page is too large.");
    return web_reply(req, status, "text/html; charset=utf-8", h->buf, h->len, NULL);
}
