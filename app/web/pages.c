/*
 * pages.c - the landing page, /health, and two small endpoints of the web
 * UI's script: the Markdown preview and the unread counts.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "core/settings.h"
#include "core/text.h"
#include "drivers/clock/clock.h"
#include "store/conversations.h"
#include "store/notifications.h"
#include "store/accounts.h"
#include "store/store.h"
#include "web/handlers.h"
#include "web/html.h"
#include "web/i18n.h"
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
    bool open;
    struct html h;

    if (pod_needs_setup(req))
        return web_reply_redirect(req, 302, "/setup");
    if (req->session)
        return web_reply_redirect(req, 302, "/stream");
    open = web_registrations_open(req);
    html_init(&h, req);
    html_page_begin(&h, T("Welcome"));
    html_raw(&h, "<section class=\"landing\"><h1>");
    html_text(&h, web_pod_name(req));
    html_raw(&h, "</h1>\n<p class=\"lead\">");
    html_text(&h, T("A home for your posts, photos and conversations, on the diaspora* social "
                    "network."));
    html_raw(&h, "</p>\n<p>");
    html_text(&h, T("This pod is a small server run by someone for themselves, a household or a "
                    "small community. People here share with friends on this pod and on every "
                    "other diaspora* pod. Nobody owns the network, nothing is sold to "
                    "advertisers, and pseudonyms are welcome."));
    html_raw(&h, "</p>\n<p class=\"row cta\"><a class=\"button\" href=\"/users/sign_in\">");
    html_text(&h, T("Sign in"));
    html_raw(&h, "</a>");
    if (open) {
        html_raw(&h, "<a class=\"button secondary\" href=\"/users/sign_up\">");
        html_text(&h, T("Create an account"));
        html_raw(&h, "</a>");
    }
    html_raw(&h, "</p>\n");
    if (!open) {
        html_raw(&h, "<p class=\"hint\">");
        html_text(&h, T("New people join this pod with an invitation link from someone here."));
        html_raw(&h, "</p>\n");
    }
    html_raw(&h, "<p><a href=\"/public\">");
    html_text(&h, T("See what people here share publicly"));
    html_raw(&h, "</a></p></section>\n");
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

int
page_markdown_preview(struct web_req *req)
{
    const char *text = web_form_value(req, "text");
    char *html, *json;
    cJSON *o;

    if (!req->session)
        return web_reply_json_error(req, 401, "You need to sign in or sign up before continuing.");
    if (!text)
        text = web_json_value(req, "text", NULL);
    if (!text)
        return web_reply_json_error(req, 422, "Send the text to preview.");
    if (strlen(text) > POD_MARKDOWN_MAX_INPUT)
        return web_reply_json_error(req, 413, "The text is too long.");
    /* Mentions are shown as written: the preview reads nothing else. */
    html = pod_text_render(text, strlen(text), NULL, NULL, &req->arena);
    if (!html)
        return web_reply_json_error(req, 500, "The preview could not be made.");
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "html", html);
    json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!json)
        return web_reply_json_error(req, 500, "The preview could not be made.");
    web_reply(req, 200, JSON_TYPE, json, strlen(json), NULL);
    cJSON_free(json);
    return req->status;
}

int
page_counts(struct web_req *req)
{
    struct store_txn *txn = NULL;
    uint32_t notes = 0, messages = 0;
    char *json;

    if (!req->session || !req->session->person)
        return web_reply_json_error(req, 401, "You need to sign in or sign up before continuing.");
    if (store_txn_begin(req->server->store, false, &txn) != POD_OK)
        return web_reply_json_error(req, 503, "The pod's storage is not answering.");
    store_notifications_unread(txn, req->session->person, &notes, NULL);
    store_conversations_unread(txn, req->session->person, &messages);
    store_txn_abort(txn);
    json = pod_arena_printf(&req->arena, "{\"notifications\":%u,\"messages\":%u}", notes, messages);
    if (!json)
        return web_reply_error(req, 500, "Out of memory");
    return web_reply(req, 200, JSON_TYPE, json, strlen(json), NULL);
}
