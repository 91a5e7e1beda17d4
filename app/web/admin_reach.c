/*
 * admin_reach.c - the admin page's sections on being reachable from home
 * (issue 9): the HTTPS certificate served and the ACME task keeping it
 * (task/acme_task.h), the router's port mapping (net/portmap.h) and the
 * reachability self-check (net/selfcheck.h). The modules report enums
 * and an English detail line; the words shown here are T()'s. The forms:
 * POST /admin/acme (switch ACME, contact, directory), /admin/acme/renew
 * and /admin/selfcheck.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "core/settings.h"
#include "crypto/tls_cert.h"
#include "drivers/clock/clock.h"
#include "http/url.h"
#include "net/portmap.h"
#include "net/selfcheck.h"
#include "task/acme_task.h"
#include "web/admin_reach.h"
#include "web/handlers.h"
#include "web/i18n.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"
#include "web/ui.h"

#define SELFCHECK_TIMEOUT_MS 10000u
#define DIR_LETSENCRYPT      "letsencrypt"
#define DIR_LE_STAGING       "letsencrypt-staging"

/* The certificate served: what the ACME task reports (it knows a swapped
 * in one), else the first certificate of the PEM the listener was started
 * with. names_host and not_before are not used here. */
static void
cert_served(struct web_req *req, const struct task_acme_status *st, struct crypto_cert_facts *ci)
{
    if (!st->cert_not_after) {
        crypto_tls_pem_facts(req->server->cfg.tls_pem, NULL, ci); /* zeroed when unreadable */
        return;
    }
    memset(ci, 0, sizeof *ci);
    ci->not_after = st->cert_not_after;
    snprintf(ci->issuer, sizeof ci->issuer, "%s", st->cert_issuer);
    ci->self_signed = st->cert_self_signed;
}

/* A time, or the word for none. */
static void
when_or(struct html *h, int64_t t, const char *none)
{
    if (t)
        admin_time(h, t);
    else
        html_text(h, none);
}

/* <dt>label</dt><dd> ... (the caller closes with dd_end). */
static void
dt(struct html *h, const char *label)
{
    html_raw(h, "<dt>");
    html_text(h, label);
    html_raw(h, "</dt><dd>");
}

static void
dd_end(struct html *h)
{
    html_raw(h, "</dd>\n");
}

static void
dt_text(struct html *h, const char *label, const char *value)
{
    dt(h, label);
    html_text(h, value);
    dd_end(h);
}

/* "valid until DATE (N days left)" or "expired" for not_after. */
static void
validity(struct html *h, int64_t not_after)
{
    struct web_req *req = h->req;
    int64_t left = not_after - drv_clock_wall();

    if (!not_after) {
        html_text(h, T("unknown"));
        return;
    }
    admin_time(h, not_after);
    html_raw(h, " <span class=\"days-left\">(");
    if (left <= 0)
        html_text(h, T("expired"));
    else if (left < 86400)
        html_text(h, T("less than a day left"));
    else
        ui_count(h, (double)(left / 86400), T("1 day left"), T("{} days left"));
    html_raw(h, ")</span>");
}

/* A form with one button posting to action. */
static void
button_form(struct html *h, const char *action, const char *label)
{
    html_printf(h, "<form method=\"post\" action=\"%s\" class=\"row actions\">", action);
    html_csrf_field(h);
    html_raw(h, "<button type=\"submit\">");
    html_text(h, label);
    html_raw(h, "</button></form>\n");
}

/* ================================================= HTTPS certificate */

static const char *
acme_state_text(struct web_req *req, enum task_acme_state s)
{
    switch (s) {
    case TASK_ACME_OFF:
        return T("Off");
    case TASK_ACME_MANUAL:
        return T("Not used: the administrator's certificate is served");
    case TASK_ACME_WAITING:
        return T("Waiting for a trusted clock or the uplink");
    case TASK_ACME_WORKING:
        return T("Getting a certificate now");
    case TASK_ACME_VALID:
        return T("Certificate obtained; its renewal is scheduled");
    case TASK_ACME_FAILING:
        return T("The last attempt failed; it is tried again later");
    }
    return T("unknown");
}

static const char *
acme_result_text(struct web_req *req, enum acme_result r)
{
    switch (r) {
    case ACME_OK:
        return T("No failure");
    case ACME_ERR_CONFIG:
        return T("This host name cannot get a certificate (an IP address, localhost or a name "
                 "without a dot), or the directory URL is wrong.");
    case ACME_ERR_UNREACHABLE:
        return T("The certificate authority could not be reached.");
    case ACME_ERR_PROTOCOL:
        return T("The certificate authority's answer made no sense.");
    case ACME_ERR_RATE_LIMITED:
        return T("The certificate authority refuses more requests for now (rate limit). The pod "
                 "tries again later.");
    case ACME_ERR_REJECTED:
        return T("The certificate authority refused the account or the host name.");
    case ACME_ERR_CHALLENGE:
        return T("The certificate authority could not reach this pod on port 80 at its name to "
                 "check it. Check the name's DNS record and that the router forwards port 80.");
    case ACME_ERR_TIMEOUT:
        return T("The certificate authority did not finish in time.");
    case ACME_ERR_STORAGE:
        return T("The certificate could not be saved on this pod.");
    }
    return T("unknown");
}

/* The settings form: on/off, contact, directory. */
static void
acme_form(struct html *h, struct store_txn *txn)
{
    struct web_req *req = h->req;
    uint64_t on = 0;
    char email[256] = "", dir[300] = "";
    const char *choice;

    if (store_setting_get_u64(txn, POD_SETTING_ACME_ENABLED, &on) != POD_OK)
        on = 0;
    if (store_setting_get_str(txn, POD_SETTING_ACME_EMAIL, email, sizeof email) != POD_OK)
        email[0] = '\0';
    if (store_setting_get_str(txn, POD_SETTING_ACME_DIRECTORY, dir, sizeof dir) != POD_OK)
        dir[0] = '\0';
    choice = !dir[0] || !strcmp(dir, DIR_LETSENCRYPT) ? DIR_LETSENCRYPT
             : !strcmp(dir, DIR_LE_STAGING)           ? DIR_LE_STAGING
                                                      : "other";

    html_raw(h, "<form method=\"post\" action=\"/admin/acme\">");
    html_csrf_field(h);
    html_printf(h,
                "<input type=\"hidden\" name=\"acme_enabled\" value=\"0\">"
                "<label class=\"check\" for=\"acme_enabled\"><input type=\"checkbox\" "
                "id=\"acme_enabled\" name=\"acme_enabled\" value=\"1\"%s> ",
                on ? " checked" : "");
    html_text(h, T("Get and renew a trusted certificate automatically (ACME)"));
    html_raw(h, "</label><label for=\"acme_email\">");
    html_text(h, T("Contact e-mail for the certificate authority (optional)"));
    html_raw(h, "</label><input type=\"email\" id=\"acme_email\" name=\"acme_email\" "
                "maxlength=\"254\" value=\"");
    html_text(h, email);
    html_raw(h, "\"><fieldset><legend>");
    html_text(h, T("Certificate authority"));
    html_raw(h, "</legend>");
    {
        static const char *const values[] = {DIR_LETSENCRYPT, DIR_LE_STAGING, "other"};
        const char *labels[] = {T("Let's Encrypt"), T("Let's Encrypt staging (for trying out)"),
                                T("Another ACME directory:")};
        for (int i = 0; i < 3; i++) {
            html_printf(h,
                        "<label class=\"check\" for=\"acme_dir_%d\"><input type=\"radio\" "
                        "id=\"acme_dir_%d\" name=\"acme_directory\" value=\"%s\"%s> ",
                        i, i, values[i], strcmp(choice, values[i]) ? "" : " checked");
            html_text(h, labels[i]);
            html_raw(h, "</label>");
        }
    }
    html_raw(h, "<input type=\"url\" id=\"acme_directory_url\" name=\"acme_directory_url\" "
                "maxlength=\"255\" placeholder=\"https://\" aria-label=\"");
    html_text(h, T("ACME directory URL"));
    html_raw(h, "\" value=\"");
    if (!strcmp(choice, "other"))
        html_text(h, dir);
    html_raw(h, "\"></fieldset><div class=\"row actions\"><button type=\"submit\">");
    html_text(h, T("Save"));
    html_raw(h, "</button></div></form>\n");
}

static void
https_section(struct html *h, struct store_txn *txn, const struct task_acme_status *st,
              const struct crypto_cert_facts *ci)
{
    struct web_req *req = h->req;
    bool admin_cert = req->server->cfg.admin_cert;

    admin_section_begin(h, "https", T("HTTPS certificate"));
    html_raw(h, "<p>");
    if (admin_cert)
        html_text(h, T("The administrator's certificate (--cert and --key) is served. ACME is "
                       "not used."));
    else if (ci->not_after && ci->self_signed)
        html_text(h, T("A self-signed certificate made by the pod is served. Browsers warn about "
                       "it and other pods do not trust it: switch ACME on below."));
    else if (ci->not_after)
        html_text(h, T("A certificate from the certificate authority (ACME) is served."));
    else
        html_text(h, T("The certificate served could not be read."));
    html_raw(h, "</p><dl>\n");
    dt_text(h, T("Issuer"), ci->issuer[0] ? ci->issuer : T("unknown"));
    dt(h, T("Valid until"));
    validity(h, ci->not_after);
    dd_end(h);
    dt_text(h, T("ACME"), acme_state_text(req, st->state));
    if (st->directory_url[0] && !admin_cert)
        dt_text(h, T("Directory"), st->directory_url);
    if (st->last_result != ACME_OK) {
        dt(h, T("Last failure"));
        html_raw(h, "<span class=\"acme-failure\">");
        html_text(h, acme_result_text(req, st->last_result));
        html_raw(h, "</span>");
        if (st->last_detail[0]) {
            html_raw(h, " <code class=\"detail\">");
            html_text(h, st->last_detail);
            html_raw(h, "</code>");
        }
        if (st->failures > 1) {
            html_raw(h, " ");
            html_fill_n(h, T("({} failed attempts in a row)"), (long long)st->failures);
        }
        dd_end(h);
    }
    if (!admin_cert && (st->last_attempt || st->state != TASK_ACME_OFF)) {
        dt(h, T("Last attempt"));
        when_or(h, st->last_attempt, T("never"));
        dd_end(h);
        dt(h, T("Last success"));
        when_or(h, st->last_success, T("never"));
        dd_end(h);
        dt(h, T("Next attempt"));
        when_or(h, st->next_attempt, T("none scheduled"));
        dd_end(h);
    }
    html_raw(h, "</dl>\n");
    if (admin_cert) {
        html_raw(h, "</section>\n");
        return;
    }
    acme_form(h, txn);
    if (req->server->cfg.acme && st->state != TASK_ACME_OFF)
        button_form(h, "/admin/acme/renew", T("Renew now"));
    else if (!req->server->cfg.acme) {
        html_raw(h, "<p class=\"hint\">");
        html_text(h, T("The certificate task is not running (the pod has no outbound HTTPS "
                       "client): ACME takes effect after a restart that has one."));
        html_raw(h, "</p>\n");
    }
    html_raw(h, "</section>\n");
}

/* ============================================================ Router */

static const char *
portmap_state_text(struct web_req *req, enum portmap_state s)
{
    switch (s) {
    case PORTMAP_STATE_OFF:
        return T("Port mapping is off.");
    case PORTMAP_STATE_SEARCHING:
        return T("Looking for the router.");
    case PORTMAP_STATE_MAPPED:
        return T("The router forwards the pod's ports.");
    case PORTMAP_STATE_NO_ROUTER:
        return T("No router answered (neither UPnP-IGD nor NAT-PMP). Forward ports 443 and 80 "
                 "to this pod by hand in the router's settings, or switch UPnP on there.");
    case PORTMAP_STATE_REFUSED:
        return T("The router refused to forward the ports. Forward ports 443 and 80 to this pod "
                 "by hand in the router's settings, or allow UPnP there.");
    case PORTMAP_STATE_BROKEN:
        return T("The router's answers made no sense. Forward ports 443 and 80 to this pod by "
                 "hand in the router's settings.");
    }
    return T("unknown");
}

static void
port_line(struct html *h, const char *label, int public_port, int local_port)
{
    struct web_req *req = h->req;

    dt(h, label);
    if (public_port) {
        html_fill_n(h, T("public port {}"), public_port);
        if (local_port) {
            html_raw(h, " → ");
            html_fill_n(h, T("this pod's port {}"), local_port);
        }
    } else {
        html_text(h, T("not forwarded"));
    }
    dd_end(h);
}

static void
router_section(struct html *h)
{
    struct web_req *req = h->req;
    struct portmap_status ps;

    portmap_status(req->server->cfg.portmap, &ps);
    admin_section_begin(h, "router", T("Router"));
    html_raw(h, "<p class=\"portmap-state\">");
    html_text(h, portmap_state_text(req, ps.state));
    html_raw(h, "</p>\n");
    if (!req->server->cfg.portmap || ps.state == PORTMAP_STATE_OFF) {
        html_raw(h, "<p class=\"hint\">");
        html_text(h, T("To have the home router forward ports 443 and 80 to this pod, start it "
                       "with --portmap auto, or set portmap = auto in its configuration file."));
        html_raw(h, "</p></section>\n");
        return;
    }
    html_raw(h, "<dl>\n");
    dt_text(h, T("Method"),
            ps.used == PORTMAP_UPNP     ? T("UPnP-IGD")
            : ps.used == PORTMAP_NATPMP ? T("NAT-PMP")
                                        : T("none yet"));
    dt_text(h, T("Router"), ps.router[0] ? ps.router : T("unknown"));
    dt_text(h, T("Public address"), ps.public_address[0] ? ps.public_address : T("unknown"));
    port_line(h, T("HTTPS"), ps.public_https_port, req->server->cfg.https_port);
    port_line(h, T("HTTP (certificate checks)"), ps.public_http_port, req->server->cfg.http_port);
    if (ps.detail[0]) {
        dt(h, T("Detail"));
        html_raw(h, "<code class=\"detail\">");
        html_text(h, ps.detail);
        html_raw(h, "</code>");
        dd_end(h);
    }
    dt(h, T("Last success"));
    when_or(h, ps.last_success, T("never"));
    dd_end(h);
    dt(h, T("Next renewal"));
    when_or(h, ps.next_renewal, T("none scheduled"));
    dd_end(h);
    html_raw(h, "</dl></section>\n");
}

/* ====================================================== Reachability */

static const char *
selfcheck_text(struct web_req *req, enum selfcheck_outcome o)
{
    switch (o) {
    case SELFCHECK_NEVER:
        return T("Not checked yet.");
    case SELFCHECK_OK:
        return T("Reachable: the pod answered at its public name over verified HTTPS.");
    case SELFCHECK_NO_CLIENT:
        return T("The pod cannot make outbound connections, so it cannot check itself.");
    case SELFCHECK_NO_NAME:
        return T("The pod's name does not resolve: other pods cannot find it. Check the name's "
                 "DNS record.");
    case SELFCHECK_UNREACHABLE:
        return T("The pod's name resolves, but no connection could be made: check that the "
                 "router forwards port 443 to this pod and that no firewall blocks it.");
    case SELFCHECK_TLS:
        return T("A connection was made, but its certificate is not trusted (self-signed, "
                 "expired or for another name): other pods refuse it.");
    case SELFCHECK_BAD_ANSWER:
        return T("Something answered at the pod's name, but not with this pod's NodeInfo.");
    }
    return T("unknown");
}

static void
reach_section(struct html *h, struct store_txn *txn, const struct crypto_cert_facts *ci)
{
    struct web_req *req = h->req;
    struct selfcheck_result r;
    uint64_t inbound = 0;

    selfcheck_last(&r);
    if (store_setting_get_u64(txn, POD_SETTING_LAST_INBOUND_AT, &inbound) != POD_OK)
        inbound = 0;
    admin_section_begin(h, "reachability", T("Reachability"));
    html_printf(h, "<p class=\"selfcheck selfcheck-%d\">", (int)r.outcome);
    html_text(h, selfcheck_text(req, r.outcome));
    html_raw(h, "</p><dl>\n");
    dt_text(h, T("Address checked"), req->server->pod_url);
    if (r.outcome != SELFCHECK_NEVER) {
        dt(h, T("Checked at"));
        admin_time(h, r.checked_at);
        dd_end(h);
        if (r.detail[0]) {
            dt(h, T("Detail"));
            html_raw(h, "<code class=\"detail\">");
            html_text(h, r.detail);
            html_raw(h, "</code>");
            dd_end(h);
        }
    }
    dt(h, T("Certificate valid until"));
    validity(h, ci->not_after);
    dd_end(h);
    dt(h, T("Last delivery from another pod"));
    html_raw(h, "<span class=\"last-inbound\">");
    when_or(h, (int64_t)inbound, T("never"));
    html_raw(h, "</span>");
    dd_end(h);
    html_raw(h, "</dl>\n");
    button_form(h, "/admin/selfcheck", T("Check now"));
    html_raw(h, "</section>\n");
}

void
admin_reach_sections(struct html *h, struct store_txn *txn)
{
    struct task_acme_status st;
    struct crypto_cert_facts ci;

    task_acme_status(h->req->server->cfg.acme, &st);
    cert_served(h->req, &st, &ci);
    https_section(h, txn, &st, &ci);
    router_section(h);
    reach_section(h, txn, &ci);
}

/* ============================================================= Forms */

/* A plausible contact address: "" or local@domain without spaces. */
static bool
email_ok(const char *s)
{
    const char *at = strchr(s, '@');

    if (!*s)
        return true;
    return at && at > s && at[1] && !strchr(at + 1, '@') && strchr(at + 1, '.') &&
           !strpbrk(s, " \t<>,;:\"()[]\\");
}

int
page_admin_acme(struct web_req *req)
{
    const char *on_text = web_form_last_value(req, "acme_enabled");
    const char *email = web_form_value(req, "acme_email");
    const char *choice = web_form_value(req, "acme_directory");
    const char *url = web_form_value(req, "acme_directory_url");
    const struct pod_setting_def *d_on = pod_setting_find(POD_SETTING_ACME_ENABLED);
    const struct pod_setting_def *d_email = pod_setting_find(POD_SETTING_ACME_EMAIL);
    const struct pod_setting_def *d_dir = pod_setting_find(POD_SETTING_ACME_DIRECTORY);
    const char *dir = NULL;
    struct store_txn *txn = NULL;
    struct http_url u;
    uint64_t on = 0, v;
    int rc = admin_require(req);

    if (rc)
        return rc;
    if (!d_on || !d_email || !d_dir)
        return web_reply_error(req, 500, "This pod does not know the ACME settings.");
    if (!on_text || pod_setting_parse(d_on, on_text, &on) != POD_OK)
        return admin_page(req, 422, NULL, T("ACME is either on or off."));
    if (!email)
        email = "";
    if (pod_setting_parse(d_email, email, &v) != POD_OK || !email_ok(email))
        return admin_page(req, 422, NULL, T("The contact e-mail address is not valid."));
    if (!choice || !strcmp(choice, DIR_LETSENCRYPT))
        dir = DIR_LETSENCRYPT;
    else if (!strcmp(choice, DIR_LE_STAGING))
        dir = DIR_LE_STAGING;
    else if (!strcmp(choice, "other") && url && pod_setting_parse(d_dir, url, &v) == POD_OK &&
             http_url_parse(url, strlen(url), &u) == POD_OK && u.https)
        dir = url;
    else
        return admin_page(req, 422, NULL,
                          T("Choose Let's Encrypt, its staging directory, or give the https URL "
                            "of another ACME directory."));
    rc = store_txn_begin(req->server->store, true, &txn);
    if (rc == POD_OK)
        rc = store_setting_set_u64(txn, POD_SETTING_ACME_ENABLED, on);
    if (rc == POD_OK)
        rc = store_setting_set_str(txn, POD_SETTING_ACME_EMAIL, email);
    if (rc == POD_OK)
        rc = store_setting_set_str(txn, POD_SETTING_ACME_DIRECTORY, dir);
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
        txn = NULL;
    }
    store_txn_abort(txn);
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The settings could not be saved.");
    LOG_INFO("web", "%s switched ACME %s (directory %s)", req->session->user.username,
             on ? "on" : "off", dir);
    if (req->server->cfg.acme)
        task_acme_wake(req->server->cfg.acme);
    return web_reply_redirect(req, 302, "/admin?saved=1#https");
}

int
page_admin_acme_renew(struct web_req *req)
{
    int rc = admin_require(req);

    if (rc)
        return rc;
    if (!req->server->cfg.acme || req->server->cfg.admin_cert)
        return admin_page(req, 409, NULL, T("The certificate task is not running."));
    LOG_INFO("web", "%s asked for a certificate renewal now", req->session->user.username);
    task_acme_renew_now(req->server->cfg.acme);
    return web_reply_redirect(req, 302, "/admin#https");
}

int
page_admin_selfcheck(struct web_req *req)
{
    struct selfcheck_config cfg = {
        .http = req->server->cfg.http,
        .store = req->server->store,
        .host = req->server->cfg.host,
        .timeout_ms = SELFCHECK_TIMEOUT_MS,
    };
    struct selfcheck_result r;
    int rc = admin_require(req);

    if (rc)
        return rc;
    selfcheck_run(&cfg, &r);
    return web_reply_redirect(req, 302, "/admin#reachability");
}
