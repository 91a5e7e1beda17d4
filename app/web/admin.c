/*
 * admin.c - the administrator's page: the pod's name, open or closed
 * registration, invitation links, the accounts, how the pod gets on with
 * other pods, and (web/admin_reach.c) whether it is reachable from
 * outside: certificate, router, self-check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "core/settings.h"
#include "crypto/crypto.h"
#include "drivers/clock/clock.h"
#include "store/accounts.h"
#include "store/fed_inbox.h"
#include "store/fed_outbox.h"
#include "task/fed_outbox_task.h"
#include "web/admin_reach.h"
#include "web/handlers.h"
#include "web/html.h"
#include "web/i18n.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"
#include "web/ui.h"

#define INVITE_CODE_BYTES 12 /* 16 characters of base64url */
#define INVITE_MAX_USES   100
#define INVITE_MAX_DAYS   365

int
admin_require(struct web_req *req)
{
    if (!req->session)
        return web_reply_redirect(req, 302, "/users/sign_in");
    if (!req->session->user.admin)
        return web_reply_error(req, 403, "Only the pod's administrators may do this.");
    return 0;
}

/* t as "2024-05-01 10:00 UTC" into buf. */
static const char *
fmt_time(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(buf, cap, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

void
admin_time(struct html *h, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char iso[32], shown[32];

    gmtime_r(&tt, &tm);
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    strftime(shown, sizeof shown, "%Y-%m-%d %H:%M UTC", &tm);
    html_printf(h, "<time datetime=\"%s\">%s</time>", iso, shown);
}

struct invite_rows {
    struct html *h;
    int64_t now;
    unsigned count;
};

static int
invite_row(const char *code, const struct store_invite *inv, void *ctx)
{
    struct invite_rows *r = ctx;
    struct html *h = r->h;
    struct web_req *req = h->req;
    const char *link = pod_arena_printf(&req->arena, "%si/%s", req->server->pod_url, code);

    html_raw(h, "<tr><td><a class=\"invite-link\" href=\"/i/");
    html_text(h, code);
    html_raw(h, "\"><code>");
    html_text(h, link ? link : code);
    html_printf(h, "</code></a></td><td>%u</td><td>", inv->uses_left);
    if (!inv->expires_at) {
        html_text(h, T("never"));
    } else {
        admin_time(h, inv->expires_at);
        if (inv->expires_at <= r->now) {
            html_raw(h, " <strong>");
            html_text(h, T("expired"));
            html_raw(h, "</strong>");
        }
    }
    html_raw(h, "</td><td>");
    html_text(h, inv->created_by);
    html_raw(h, "</td><td><form method=\"post\" action=\"/admin/invites/");
    html_text(h, code);
    html_raw(h, "\"><input type=\"hidden\" name=\"_method\" value=\"delete\">");
    html_csrf_field(h);
    html_raw(h, "<button type=\"submit\" class=\"danger\" data-confirm=\"");
    html_text(h, T("Revoke this invitation? Its link stops working."));
    html_raw(h, "\">");
    html_text(h, T("Revoke"));
    html_raw(h, "</button></form></td></tr>\n");
    r->count++;
    return 0;
}

struct user_rows {
    struct html *h;
    unsigned count;
};

static int
user_row(const struct store_user *u, void *ctx)
{
    struct user_rows *r = ctx;
    struct html *h = r->h;
    struct web_req *req = h->req;

    html_raw(h, "<tr><td><a href=\"/u/");
    html_text(h, u->username);
    html_raw(h, "\">");
    html_text(h, u->username);
    html_raw(h, "</a></td><td>");
    html_text(h, u->admin ? T("Administrator") : T("Member"));
    html_raw(h, "</td><td>");
    if (u->created_at)
        ui_time(h, u->created_at);
    html_raw(h, "</td><td>");
    if (u->last_sign_in_at)
        ui_time(h, u->last_sign_in_at);
    else
        html_text(h, T("never"));
    html_raw(h, "</td></tr>\n");
    /* A page for a household or a small community: the first 500. */
    return ++r->count >= 500 ? 1 : 0;
}

void
admin_section_begin(struct html *h, const char *id, const char *title)
{
    html_printf(h, "<section id=\"%s\" aria-labelledby=\"%s-h\"><h2 id=\"%s-h\">", id, id, id);
    html_text(h, title);
    html_raw(h, "</h2>\n");
}

static void
th(struct html *h, const char *text)
{
    html_raw(h, "<th scope=\"col\">");
    html_text(h, text);
    html_raw(h, "</th>");
}

static void
pod_section(struct html *h, const char *name, bool open, uint64_t users)
{
    struct web_req *req = h->req;

    admin_section_begin(h, "pod", T("This pod"));
    html_raw(h, "<p>");
    ui_count(h, (double)users, T("1 account"), T("{} accounts"));
    html_raw(h, " · ");
    html_text(h, open ? T("Anyone may sign up.") : T("Sign-up by invitation only."));
    html_raw(h, "</p><form method=\"post\" action=\"/admin/settings\">");
    html_csrf_field(h);
    html_raw(h, "<label for=\"pod_name\">");
    html_text(h, T("Name shown on the pages"));
    html_raw(h, "</label><input type=\"text\" id=\"pod_name\" name=\"pod_name\" maxlength=\"64\" "
                "dir=\"auto\" aria-describedby=\"pod-name-hint\" value=\"");
    html_text(h, name);
    html_raw(h, "\"><p class=\"hint\" id=\"pod-name-hint\">");
    html_fill(h, T("Empty: the pod's address, {}."), req->server->cfg.host);
    html_printf(h,
                "</p><input type=\"hidden\" name=\"registrations_open\" value=\"0\">"
                "<label class=\"check\" for=\"registrations_open\"><input type=\"checkbox\" "
                "id=\"registrations_open\" "
                "name=\"registrations_open\" value=\"1\"%s> ",
                open ? " checked" : "");
    html_text(h, T("Anyone may sign up without an invitation"));
    html_raw(h, "</label><div class=\"row actions\"><button type=\"submit\">");
    html_text(h, T("Save"));
    html_raw(h, "</button></div></form></section>\n");
}

static void
invites_section(struct html *h, struct store_txn *txn)
{
    struct web_req *req = h->req;
    struct invite_rows rows = {.h = h, .now = drv_clock_wall()};

    admin_section_begin(h, "invites", T("Invitations"));
    html_raw(h, "<p class=\"hint\">");
    html_text(h, T("An invitation link lets people create an account here even while sign-up "
                   "is closed. Share it with the people you mean."));
    html_raw(h, "</p><form method=\"post\" action=\"/admin/invites\">");
    html_csrf_field(h);
    html_raw(h, "<div class=\"fields\"><div><label for=\"uses\">");
    html_text(h, T("How many accounts"));
    html_printf(h,
                "</label><input type=\"number\" id=\"uses\" name=\"uses\" min=\"1\" max=\"%d\" "
                "value=\"1\" inputmode=\"numeric\"></div><div><label for=\"days\">",
                INVITE_MAX_USES);
    html_text(h, T("Valid for days (0: no end)"));
    html_printf(h,
                "</label><input type=\"number\" id=\"days\" name=\"days\" min=\"0\" max=\"%d\" "
                "value=\"7\" inputmode=\"numeric\"></div></div>"
                "<div class=\"row actions\"><button type=\"submit\">",
                INVITE_MAX_DAYS);
    html_text(h, T("Create invitation link"));
    html_raw(h, "</button></div></form>\n<div class=\"table-wrap\"><table><caption "
                "class=\"visually-hidden\">");
    html_text(h, T("Invitation links"));
    html_raw(h, "</caption><thead><tr>");
    th(h, T("Link"));
    th(h, T("Uses left"));
    th(h, T("Expires"));
    th(h, T("Created by"));
    html_raw(h, "<td></td></tr></thead><tbody>\n");
    store_invite_each(txn, invite_row, &rows);
    html_raw(h, "</tbody></table></div>\n");
    if (!rows.count) {
        html_raw(h, "<p class=\"empty\">");
        html_text(h, T("No invitations yet."));
        html_raw(h, "</p>");
    }
    html_raw(h, "</section>\n");
}

static void
users_section(struct html *h, struct store_txn *txn)
{
    struct web_req *req = h->req;
    struct user_rows rows = {.h = h};

    admin_section_begin(h, "accounts", T("Accounts"));
    html_raw(h, "<div class=\"table-wrap\"><table><caption class=\"visually-hidden\">");
    html_text(h, T("Accounts on this pod"));
    html_raw(h, "</caption><thead><tr>");
    th(h, T("Username"));
    th(h, T("Role"));
    th(h, T("Joined"));
    th(h, T("Last sign-in"));
    html_raw(h, "</tr></thead><tbody>\n");
    store_user_each(txn, user_row, &rows);
    html_raw(h, "</tbody></table></div></section>\n");
}

/* One row of the remote pods table. */
static int
pod_row(const struct store_fed_pod *p, void *ctx)
{
    struct html *h = ctx;
    struct web_req *req = h->req;

    html_raw(h, "<tr><td>");
    html_text(h, p->host);
    html_raw(h, "</td><td>");
    if (p->last_success)
        ui_time(h, p->last_success);
    else
        html_text(h, T("never"));
    html_printf(h, "</td><td>%llu</td><td>%u</td><td>%llu</td><td>",
                (unsigned long long)p->delivered, p->failures,
                (unsigned long long)p->undeliverable);
    html_text(h, p->failures ? p->last_error : "");
    html_raw(h, "</td></tr>");
    return 0;
}

/* The queues and the pods this pod has sent to (store/fed_inbox.h,
 * store/fed_outbox.h): what waits, and who is not answering. */
static void
federation_section(struct html *h, struct store_txn *txn)
{
    struct web_req *req = h->req;
    uint64_t inbox = 0, outbox = 0;
    int64_t paused;
    char when[32];

    store_inbox_count(txn, &inbox);
    store_outbox_count(txn, &outbox);
    admin_section_begin(h, "federation", T("Federation"));
    html_raw(h, "<p>");
    html_fill_n(h, T("Deliveries received and waiting to be processed: {}"), (long long)inbox);
    html_raw(h, "<br>");
    html_fill_n(h, T("Deliveries waiting to be sent: {}"), (long long)outbox);
    paused = task_fed_outbox_paused_since(req->server->cfg.fed_outbox);
    if (paused) {
        html_raw(h, "<br><strong>");
        html_fill(h,
                  T("Sending is paused since {}: this pod's uplink seems to be down. Nothing is "
                    "lost; deliveries resume when it is back."),
                  fmt_time(paused, when, sizeof when));
        html_raw(h, "</strong>");
    }
    html_raw(h, "</p><div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">");
    html_text(h, T("Pod"));
    html_raw(h, "</th><th scope=\"col\">");
    html_text(h, T("Last delivery"));
    html_raw(h, "</th><th scope=\"col\">");
    html_text(h, T("Delivered"));
    html_raw(h, "</th><th scope=\"col\">");
    html_text(h, T("Failures in a row"));
    html_raw(h, "</th><th scope=\"col\">");
    html_text(h, T("Undeliverable"));
    html_raw(h, "</th><th scope=\"col\">");
    html_text(h, T("Last error"));
    html_raw(h, "</th></tr></thead><tbody>");
    store_fed_pods_each(txn, pod_row, h);
    html_raw(h, "</tbody></table></div></section>\n");
}

/* A created invitation's link, ready to copy. */
static void
created_invite(struct html *h, const char *code)
{
    struct web_req *req = h->req;
    const char *link = pod_arena_printf(&req->arena, "%si/%.40s", req->server->pod_url, code);

    html_raw(h, "<div class=\"flash notice\" role=\"status\"><label for=\"new-invite\">");
    html_text(h, T("Invitation created. Share this link:"));
    html_raw(h, "</label><input type=\"text\" id=\"new-invite\" readonly value=\"");
    html_text(h, link ? link : code);
    html_raw(h, "\"></div>\n");
}

int
admin_page(struct web_req *req, int status, const char *notice, const char *error)
{
    const char *created = status == 200 ? web_query_value(req, "invite") : NULL;
    struct store_txn *txn = NULL;
    uint64_t open = 0, users = 0;
    char name[128] = "";
    struct html h;

    if (store_txn_begin(req->server->store, false, &txn) != POD_OK)
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    if (store_setting_get_u64(txn, POD_SETTING_REGISTRATIONS, &open) != POD_OK)
        open = 0;
    if (store_setting_get_str(txn, POD_SETTING_POD_NAME, name, sizeof name) != POD_OK)
        name[0] = '\0';
    if (store_user_count(txn, &users) != POD_OK)
        users = 0;

    html_init(&h, req);
    html_page_begin(&h, T("Administration"));
    html_raw(&h, "<h1>");
    html_text(&h, T("Administration"));
    html_raw(&h, "</h1>\n");
    if (notice)
        html_flash(&h, "notice", notice);
    if (error)
        html_flash(&h, "error", error);
    if (created && strspn(created, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789_-") == strlen(created))
        created_invite(&h, created);
    pod_section(&h, name, open != 0, users);
    invites_section(&h, txn);
    users_section(&h, txn);
    federation_section(&h, txn);
    admin_reach_sections(&h, txn);
    store_txn_abort(txn);
    html_page_end(&h);
    return web_reply_html(req, status, &h);
}

int
page_admin(struct web_req *req)
{
    int rc = admin_require(req);

    if (rc)
        return rc;
    return admin_page(req, 200, web_query_value(req, "saved") ? T("Saved.") : NULL, NULL);
}

int
page_admin_settings(struct web_req *req)
{
    const char *name = web_form_value(req, "pod_name");
    const char *open = web_form_last_value(req, "registrations_open");
    const struct pod_setting_def *d;
    struct store_txn *txn = NULL;
    uint64_t v = 0;
    int rc = admin_require(req);

    if (rc)
        return rc;
    if (name && pod_setting_parse(pod_setting_find(POD_SETTING_POD_NAME), name, &v) != POD_OK)
        return admin_page(req, 422, NULL, T("The pod's name has at most 64 printable characters."));
    d = pod_setting_find(POD_SETTING_REGISTRATIONS);
    if (open && pod_setting_parse(d, open, &v) != POD_OK)
        return admin_page(req, 422, NULL, T("Registrations are either open or closed."));
    rc = store_txn_begin(req->server->store, true, &txn);
    if (rc == POD_OK && name)
        rc = store_setting_set_str(txn, POD_SETTING_POD_NAME, name);
    if (rc == POD_OK && open)
        rc = store_setting_set_u64(txn, POD_SETTING_REGISTRATIONS, v);
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
        txn = NULL;
    }
    store_txn_abort(txn);
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The settings could not be saved.");
    LOG_INFO("web", "%s changed the pod settings (registrations %s)", req->session->user.username,
             v ? "open" : "closed");
    return web_reply_redirect(req, 302, "/admin?saved=1");
}

/* Parses a small non-negative decimal; -1 when it is not one. */
static long
small_number(const char *s, long max)
{
    char *end;
    long v;

    if (!s || !*s)
        return -1;
    v = strtol(s, &end, 10);
    return (*end || v < 0 || v > max) ? -1 : v;
}

int
page_admin_invite_create(struct web_req *req)
{
    long uses = small_number(web_form_value(req, "uses"), INVITE_MAX_USES);
    long days = small_number(web_form_value(req, "days"), INVITE_MAX_DAYS);
    struct store_invite inv = {0};
    struct store_txn *txn = NULL;
    uint8_t raw[INVITE_CODE_BYTES];
    char code[32], *loc;
    size_t len;
    int rc = admin_require(req);

    if (rc)
        return rc;
    if (uses < 1 || days < 0)
        return admin_page(req, 422, NULL, T("Uses go from 1 to 100 and days from 0 to 365."));
    if (crypto_random(raw, sizeof raw) != POD_OK ||
        crypto_b64url_encode(raw, sizeof raw, code, sizeof code, &len) != POD_OK)
        return web_reply_error(req, 500, "No invitation code could be made.");
    snprintf(inv.created_by, sizeof inv.created_by, "%s", req->session->user.username);
    inv.uses_left = (uint32_t)uses;
    inv.created_at = drv_clock_wall();
    inv.expires_at = days ? inv.created_at + days * 86400 : 0;
    rc = store_txn_begin(req->server->store, true, &txn);
    if (rc == POD_OK)
        rc = store_invite_put(txn, code, &inv);
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
        txn = NULL;
    }
    store_txn_abort(txn);
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The invitation could not be saved.");
    LOG_INFO("web", "%s created an invitation for %ld uses", inv.created_by, uses);
    loc = pod_arena_printf(&req->arena, "/admin?invite=%s", code);
    return web_reply_redirect(req, 302, loc ? loc : "/admin");
}

int
page_admin_invite_delete(struct web_req *req)
{
    struct store_txn *txn = NULL;
    int rc = admin_require(req);

    if (rc)
        return rc;
    rc = store_txn_begin(req->server->store, true, &txn);
    if (rc == POD_OK)
        rc = store_invite_delete(txn, req->params[0]);
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
        txn = NULL;
    }
    store_txn_abort(txn);
    if (rc == POD_ERR_NOTFOUND || rc == POD_ERR_INVAL || rc == POD_ERR_LIMIT)
        return web_reply_error(req, 404, "There is no such invitation.");
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The invitation could not be revoked.");
    return web_reply_redirect(req, 302, "/admin");
}
