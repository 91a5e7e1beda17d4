#include "web/html.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/settings.h"
#include "store/store.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"

/* One small stylesheet for every page: readable on a phone and a laptop. */
static const char page_style[] =
    "body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#f6f6f4;line-height:1.5}"
    "header{background:#2d2d2d;color:#fff;padding:.5em 1em;display:flex;flex-wrap:wrap;"
    "align-items:center;gap:1em}header a,header button{color:#fff;text-decoration:none;"
    "background:none;border:0;font:inherit;cursor:pointer;padding:0}"
    "header .pod{font-weight:bold;margin-right:auto}header form{margin:0}"
    "main{max-width:42em;margin:0 auto;padding:1em}"
    "section,.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1em;"
    "margin:1em 0}label{display:block;margin:.6em 0 .2em}"
    "input[type=text],input[type=password],input[type=number],input[type=date],textarea,select"
    "{width:100%;box-sizing:border-box;padding:.5em;font:inherit;border:1px solid #bbb;"
    "border-radius:4px}textarea{min-height:6em}"
    "button,input[type=submit]{padding:.5em 1.2em;font:inherit;border-radius:4px;border:0;"
    "background:#3f6fb5;color:#fff;cursor:pointer;margin-top:.8em}"
    "button.danger{background:#b53f3f}.flash{padding:.7em 1em;border-radius:4px;margin:1em 0}"
    ".notice{background:#e3f1e0;border:1px solid #9c9}.error{background:#f8e0e0;border:1px solid "
    "#c99}.muted{color:#666}footer{text-align:center;color:#888;font-size:.85em;padding:2em}"
    ".avatar{border-radius:6px;vertical-align:middle}table{border-collapse:collapse;width:100%}"
    "td,th{text-align:left;padding:.3em;border-bottom:1px solid #eee}";

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

void
html_page_begin(struct html *h, const char *title)
{
    struct web_req *req = h->req;
    const char *pod = web_pod_name(req);

    html_raw(h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<meta name=\"csrf-param\" content=\"authenticity_token\" />\n"
                "<meta name=\"csrf-token\" content=\"");
    html_text(h, web_csrf_token(req));
    html_raw(h, "\" />\n<title>");
    html_text(h, title);
    html_raw(h, " · ");
    html_text(h, pod);
    html_printf(h,
                "</title>\n<style>%s</style>\n</head><body>\n<header><a class=\"pod\" href=\"/\">",
                page_style);
    html_text(h, pod);
    html_raw(h, "</a>");
    if (req->session) {
        html_raw(h, "<a href=\"/stream\">Stream</a><a href=\"/u/");
        html_text(h, req->session->user.username);
        html_raw(h, "\">Profile</a><a href=\"/user/edit\">Settings</a>");
        if (req->session->user.admin)
            html_raw(h, "<a href=\"/admin\">Admin</a>");
        html_raw(h, "<form method=\"post\" action=\"/users/sign_out\">"
                    "<input type=\"hidden\" name=\"_method\" value=\"delete\">");
        html_csrf_field(h);
        html_raw(h, "<button type=\"submit\">Sign out</button></form>");
    } else {
        html_raw(h, "<a href=\"/users/sign_in\">Sign in</a>");
        if (web_registrations_open(req))
            html_raw(h, "<a href=\"/users/sign_up\">Sign up</a>");
    }
    html_raw(h, "</header>\n<main>\n");
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
    html_printf(h, "</main>\n<footer>plugpod %s · a diaspora* pod</footer>\n</body></html>\n",
                POD_VERSION);
}

int
web_reply_html(struct web_req *req, int status, struct html *h)
{
    if (h->failed)
        return web_reply_error(req, 500, "The page is too large.");
    return web_reply(req, status, "text/html; charset=utf-8", h->buf, h->len, NULL);
}
