#include "web/pages.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/settings.h"
#include "drivers/clock/clock.h"
#include "store/store.h"
#include "web/reply.h"

#define HTML_TYPE "text/html; charset=utf-8"
#define JSON_TYPE "application/json; charset=utf-8"

/* The pod's display name: the pod_name setting, or the host name. Returned
 * HTML-escaped in the request arena. */
static const char *
pod_display_name(struct web_req *req)
{
    struct store_txn *txn = NULL;
    char name[128] = "";

    if (store_txn_begin(req->server->store, false, &txn) == POD_OK) {
        if (store_setting_get_str(txn, POD_SETTING_POD_NAME, name, sizeof name) != POD_OK)
            name[0] = '\0';
        store_txn_abort(txn);
    }
    return web_html_escape(req, name[0] ? name : req->server->cfg.host);
}

static int
page_landing(struct web_req *req)
{
    const char *name = pod_display_name(req);
    char *html;

    if (!name)
        return web_reply_error(req, 500, "Out of memory");
    html = pod_arena_printf(
        &req->arena,
        "<!DOCTYPE html>\n"
        "<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>%s</title>\n"
        "<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:0 auto;"
        "padding:2em 1em;line-height:1.5;color:#222}h1{margin-bottom:.2em}"
        ".tag{color:#666}footer{margin-top:3em;color:#666;font-size:.9em}</style>\n"
        "</head><body>\n"
        "<h1>%s</h1>\n"
        "<p class=\"tag\">A diaspora* pod at home.</p>\n"
        "<p>This is a <strong>plugpod</strong>: a personal server for the diaspora* "
        "social network, small enough to run on a plug computer. People here share "
        "posts, photos and conversations with friends on this pod and on every other "
        "diaspora* pod. Nobody owns the network, nothing is sold to advertisers, and "
        "pseudonyms are welcome.</p>\n"
        "<p>Each diaspora* pod is run by someone for themselves, a household or a small "
        "community, and the pods talk to each other.</p>\n"
        "<footer>plugpod %s &middot; <a href=\"/health\">status</a></footer>\n"
        "</body></html>\n",
        name, name, POD_VERSION);
    if (!html)
        return web_reply_error(req, 500, "Out of memory");
    return web_reply(req, 200, HTML_TYPE, html, strlen(html), NULL);
}

static int
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

static const struct web_route routes[] = {
    {"/", WEB_GET, page_landing, 0, 0},
    {"/health", WEB_GET, page_health, 0, 0},
    {NULL, 0, NULL, 0, 0},
};

const struct web_route *
web_routes(void)
{
    return routes;
}
