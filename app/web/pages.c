/*
 * pages.c - the landing page, /health and the stream page.
 */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/settings.h"
#include "drivers/clock/clock.h"
#include "store/accounts.h"
#include "store/store.h"
#include "web/handlers.h"
#include "web/html.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"

#define JSON_TYPE "application/json; charset=utf-8"

/* True while the pod has no account yet: every page leads to /setup. */
static bool
pod_needs_setup(struct web_req *req)
{
    struct store_txn *txn = NULL;
    uint64_t users = 1;

    if (store_txn_begin(req->server->store, false, &txn) == POD_OK) {
        if (store_user_count(txn, &users) != POD_OK)
            users = 1;
        store_txn_abort(txn);
    }
    return users == 0;
}

int
page_landing(struct web_req *req)
{
    struct html h;

    if (pod_needs_setup(req))
        return web_reply_redirect(req, 302, "/setup");
    if (req->session)
        return web_reply_redirect(req, 302, "/stream");
    html_init(&h, req);
    html_page_begin(&h, "Welcome");
    html_raw(&h, "<section><h1>");
    html_text(&h, web_pod_name(req));
    html_raw(&h, "</h1>\n<p class=\"muted\">A diaspora* pod at home.</p>\n"
                 "<p>This is a <strong>plugpod</strong>: a personal server for the diaspora* "
                 "social network, small enough to run on a plug computer. People here share "
                 "posts, photos and conversations with friends on this pod and on every other "
                 "diaspora* pod. Nobody owns the network, nothing is sold to advertisers, and "
                 "pseudonyms are welcome.</p>\n"
                 "<p>Each diaspora* pod is run by someone for themselves, a household or a small "
                 "community, and the pods talk to each other.</p>\n"
                 "<p><a href=\"/users/sign_in\">Sign in</a></p></section>\n");
    html_page_end(&h);
    return web_reply_html(req, 200, &h);
}

int
page_health(struct web_req *req)
{
    struct web_server *ws = req->server;
    struct store_txn *txn = NULL;
    uint64_t starts = 0;
    char *json;
    int rc;

    /* A read transaction proves the store answers, not only the process. */
    rc = store_txn_begin(ws->store, false, &txn);
    if (rc == POD_OK) {
        rc = store_setting_get_u64(txn, POD_SETTING_START_COUNT, &starts);
        if (rc == POD_ERR_NOTFOUND)
            rc = POD_OK;
        store_txn_abort(txn);
    }
    json =
        pod_arena_printf(&req->arena,
                         "{\"status\":\"%s\",\"version\":\"%s\",\"uptime_seconds\":%llu,"
                         "\"schema_version\":%u,\"start_count\":%llu}\n",
                         rc == POD_OK ? "ok" : "error", POD_VERSION,
                         (unsigned long long)((drv_clock_monotonic_ms() - ws->started_ms) / 1000),
                         (unsigned)store_schema_version(ws->store), (unsigned long long)starts);
    if (!json)
        return web_reply_error(req, 500, "Out of memory");
    return web_reply(req, rc == POD_OK ? 200 : 503, JSON_TYPE, json, strlen(json),
                     "Access-Control-Allow-Origin: *\r\n");
}
