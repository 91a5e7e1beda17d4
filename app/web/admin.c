/*
 * admin.c - the administrator's page: the pod's name, open or closed
 * registration, and invitation links.
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
#include "web/handlers.h"
#include "web/html.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"

#define INVITE_CODE_BYTES 12 /* 16 characters of base64url */
#define INVITE_MAX_USES   100
#define INVITE_MAX_DAYS   365

/* Answers for anyone who is not an administrator; 0 for administrators. */
static int
require_admin(struct web_req *req)
{
    if (!req->session)
        return web_reply_redirect(req, 302, "/users/sign_in");
    if (!req->session->user.admin)
        return web_reply_error(req, 403, "Only the pod's administrators may do this.");
    return 0;
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
    char when[32] = "never";
    time_t t = (time_t)inv->expires_at;
    struct tm tm;

    if (inv->expires_at) {
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
    }
    html_printf(h, "<tr><td><code>%si/", h->req->server->pod_url);
    html_text(h, code);
    html_printf(h, "</code></td><td>%u</td><td>%s%s</td><td>", inv->uses_left, when,
                inv->expires_at && inv->expires_at <= r->now ? " (expired)" : "");
    html_raw(h, "<form method=\"post\" action=\"/admin/invites/");
    html_text(h, code);
    html_raw(h, "\"><input type=\"hidden\" name=\"_method\" value=\"delete\">");
    html_csrf_field(h);
    html_raw(h, "<button type=\"submit\" class=\"danger\">Revoke</button></form></td></tr>");
    r->count++;
    return 0;
}

static int
admin_page(struct web_req *req, int status, const char *notice, const char *error)
{
    struct store_txn *txn = NULL;
    uint64_t open = 0, users = 0;
    char name[128] = "";
    struct invite_rows rows = {.now = drv_clock_wall()};
    struct html h;

    html_init(&h, req);
    rows.h = &h;
    html_page_begin(&h, "Administration");
    html_raw(&h, "<h1>Administration</h1>\n");
    if (notice)
        html_flash(&h, "notice", notice);
    if (error)
        html_flash(&h, "error", error);
    if (store_txn_begin(req->server->store, false, &txn) != POD_OK)
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    if (store_setting_get_u64(txn, POD_SETTING_REGISTRATIONS, &open) != POD_OK)
        open = 0;
    if (store_setting_get_str(txn, POD_SETTING_POD_NAME, name, sizeof name) != POD_OK)
        name[0] = '\0';
    store_user_count(txn, &users);

    html_printf(&h,
                "<section><h2>This pod</h2><p>%llu account%s.</p>"
                "<form method=\"post\" action=\"/admin/settings\">",
                (unsigned long long)users, users == 1 ? "" : "s");
    html_csrf_field(&h);
    html_raw(&h,
             "<label for=\"pod_name\">Name shown on the pages</label>"
             "<input type=\"text\" id=\"pod_name\" name=\"pod_name\" maxlength=\"64\" value=\"");
    html_text(&h, name);
    html_printf(&h,
                "\"><label><input type=\"hidden\" name=\"registrations_open\" value=\"0\">"
                "<input type=\"checkbox\" id=\"registrations_open\" name=\"registrations_open\" "
                "value=\"1\"%s> Anyone may sign up without an invitation</label>"
                "<button type=\"submit\">Save</button></form></section>\n",
                open ? " checked" : "");

    html_raw(&h, "<section><h2>Invitations</h2><table><tr><th>Link</th><th>Uses left</th>"
                 "<th>Expires</th><th></th></tr>");
    store_invite_each(txn, invite_row, &rows);
    store_txn_abort(txn);
    html_raw(&h, "</table>");
    if (!rows.count)
        html_raw(&h, "<p class=\"muted\">No invitations yet.</p>");
    html_raw(&h, "<form method=\"post\" action=\"/admin/invites\">");
    html_csrf_field(&h);
    html_printf(&h,
                "<label for=\"uses\">Uses</label><input type=\"number\" id=\"uses\" "
                "name=\"uses\" min=\"1\" max=\"%d\" value=\"1\">"
                "<label for=\"days\">Valid for days (0 = no end)</label><input type=\"number\" "
                "id=\"days\" name=\"days\" min=\"0\" max=\"%d\" value=\"7\">"
                "<button type=\"submit\">Create invitation link</button></form></section>\n",
                INVITE_MAX_USES, INVITE_MAX_DAYS);
    html_page_end(&h);
    return web_reply_html(req, status, &h);
}

int
page_admin(struct web_req *req)
{
    const char *created = web_query_value(req, "invite");
    char *msg = NULL;
    int rc = require_admin(req);

    if (rc)
        return rc;
    if (created)
        msg = pod_arena_printf(&req->arena, "Invitation created: %si/%.40s", req->server->pod_url,
                               created);
    return admin_page(req, 200, web_query_value(req, "saved") ? "Saved." : msg, NULL);
}

/* Reads the last value sent for a checkbox that has a hidden "0" first. */
static const char *
last_value(const struct web_req *req, const char *name)
{
    const char *v = NULL;

    for (size_t i = 0; i < req->form.count; i++)
        if (strcmp(req->form.fields[i].name, name) == 0)
            v = req->form.fields[i].value;
    return v;
}

int
page_admin_settings(struct web_req *req)
{
    const char *name = web_form_value(req, "pod_name");
    const char *open = last_value(req, "registrations_open");
    const struct pod_setting_def *d;
    struct store_txn *txn = NULL;
    uint64_t v = 0;
    int rc = require_admin(req);

    if (rc)
        return rc;
    if (name && pod_setting_parse(pod_setting_find(POD_SETTING_POD_NAME), name, &v) != POD_OK)
        return admin_page(req, 422, NULL, "The pod's name has at most 64 printable characters.");
    d = pod_setting_find(POD_SETTING_REGISTRATIONS);
    if (open && pod_setting_parse(d, open, &v) != POD_OK)
        return admin_page(req, 422, NULL, "Registrations are either open or closed.");
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
    int rc = require_admin(req);

    if (rc)
        return rc;
    if (uses < 1 || days < 0)
        return admin_page(req, 422, NULL, "Uses go from 1 to 100 and days from 0 to 365.");
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
    int rc = require_admin(req);

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
