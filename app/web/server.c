#include "web/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "autoconf.h"
#include <cjson/cJSON.h>

#include "civetweb.h"
#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "drivers/clock/clock.h"
#include "drivers/storage/storage.h"
#include "web/reply.h"
#include "web/routes.h"
#include "web/session.h"
#include "web/tls.h"

/* Per-request arena: most pages fit in the stack block; the cap keeps a
 * single request from taking more than a few MB of a small board. */
#define REQ_ARENA_STACK (8 * 1024)
#define REQ_ARENA_LIMIT (4 * 1024 * 1024)

static unsigned
method_bit(const char *m, bool *head)
{
    *head = false;
    if (strcmp(m, "GET") == 0)
        return WEB_GET;
    if (strcmp(m, "HEAD") == 0) {
        *head = true;
        return WEB_GET;
    }
    if (strcmp(m, "POST") == 0)
        return WEB_POST;
    if (strcmp(m, "PUT") == 0)
        return WEB_PUT;
    if (strcmp(m, "DELETE") == 0)
        return WEB_DELETE;
    if (strcmp(m, "PATCH") == 0)
        return WEB_PATCH;
    return 0;
}

static void
allow_header(unsigned methods, char *buf, size_t cap)
{
    static const struct {
        unsigned bit;
        const char *names;
    } map[] = {{WEB_GET, "GET, HEAD"},
               {WEB_POST, "POST"},
               {WEB_PUT, "PUT"},
               {WEB_DELETE, "DELETE"},
               {WEB_PATCH, "PATCH"}};
    size_t len = (size_t)snprintf(buf, cap, "Allow: ");

    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if ((methods & map[i].bit) && len < cap)
            len +=
                (size_t)snprintf(buf + len, cap - len, "%s%s", len > 7 ? ", " : "", map[i].names);
    }
    if (len < cap)
        snprintf(buf + len, cap - len, "\r\n");
}

/* JSON answers for API-style paths and for clients that ask for JSON. */
static bool
prefers_json(const struct web_req *req)
{
    const char *accept = web_header(req, "Accept");
    size_t n = strlen(req->path);

    if (strncmp(req->path, "/api/", 5) == 0 || (n > 5 && strcmp(req->path + n - 5, ".json") == 0))
        return true;
    return accept && strstr(accept, "application/json") && !strstr(accept, "text/html");
}

/* True when the client asks for a page: Accept names text/html and the
 * path did not end in .json. */
static bool
wants_html(const struct web_req *req)
{
    const char *accept = web_header(req, "Accept");

    return !req->json && accept && strstr(accept, "text/html");
}

static int
redirect_to_https(struct web_req *req)
{
    const struct web_server *ws = req->server;
    const char *q = req->ri->query_string;
    char *loc;

    /* The target is built from the configured public name, never from the
     * request's Host header, so a client cannot make us point elsewhere. */
    loc = pod_arena_printf(&req->arena, "https://%s%s%s%s", ws->cfg.host,
                           req->ri->local_uri_raw ? req->ri->local_uri_raw : "/", q ? "?" : "",
                           q ? q : "");
    if (!loc)
        return web_reply_error(req, 500, "Out of memory");
    return web_reply_redirect(req, 301, loc);
}

/* A form POST may stand for PUT, PATCH or DELETE with a _method field, as
 * Rails forms (and diaspora* clients) do. */
static unsigned
method_override(const struct web_req *req, unsigned method)
{
    const char *m = method == WEB_POST ? web_form_value(req, "_method") : NULL;

    if (!m)
        return method;
    if (strcasecmp(m, "put") == 0)
        return WEB_PUT;
    if (strcasecmp(m, "patch") == 0)
        return WEB_PATCH;
    if (strcasecmp(m, "delete") == 0)
        return WEB_DELETE;
    return method;
}

/* False for message framing a proxy in front could read differently
 * (request smuggling): several Content-Length or Transfer-Encoding lines,
 * both at once, or a length that is not plain digits. civetweb alone
 * would take the first line and the leading digits. */
static bool
framing_ok(const struct mg_request_info *ri)
{
    const char *cl = NULL;
    int te = 0;

    for (int i = 0; i < ri->num_headers && i < MG_MAX_HEADERS; i++) {
        const char *name = ri->http_headers[i].name, *v = ri->http_headers[i].value;

        if (strcasecmp(name, "Transfer-Encoding") == 0)
            te++;
        if (strcasecmp(name, "Content-Length") != 0)
            continue;
        if (cl || !*v || strspn(v, "0123456789") != strlen(v))
            return false;
        cl = v;
    }
    return te == 0 || (te == 1 && !cl);
}

/* Everything between routing and the handler: limits, redirect, method
 * override, session and CSRF. Returns 0 to go on, or the status sent. */
static int
prepare(struct web_req *req, const struct web_route **route_out)
{
    const struct mg_request_info *ri = req->ri;
    const struct web_route *route;
    unsigned bit, allowed = 0, flags = 0;
    size_t body_max = CONFIG_POD_REQUEST_BODY_MAX;
    char allow[96];
    int rc;

    if (ri->num_headers > CONFIG_POD_MAX_HEADERS)
        return web_reply_error(req, 431, "Too many header lines");
    if (!framing_ok(ri))
        return web_reply_error(req, 400, "The request's length is given twice or malformed.");
    bit = method_bit(ri->request_method, &req->head);
    route = bit ? web_route_find(req->path, bit, &req->arena, req->params, &allowed, &flags) : NULL;
    /* A POST to a path that only takes PUT/PATCH/DELETE may carry _method. */
    if (!route && bit == WEB_POST && (allowed & (WEB_PUT | WEB_PATCH | WEB_DELETE)))
        body_max = CONFIG_POD_AVATAR_MAX_BYTES + 65536;
    if (route && route->body_max)
        body_max = route->body_max;
    /* Room for the body and a parsed copy of it (form fields are decoded
     * into the arena): an upload at the route's limit must fit. */
    req->arena.limit = REQ_ARENA_LIMIT + 2 * body_max;
    /* JSON routes answer JSON unless a browser asks for a page (a form
     * post or a link: Accept names text/html) and the path has no .json. */
    if (((route ? route->flags : flags) & WEB_ROUTE_JSON) && !wants_html(req))
        req->json = true;
    /* Refuse an announced oversized body before reading any of it, whatever
     * the path: the client learns the limit rather than a routing detail. */
    if (ri->content_length > 0 && (unsigned long long)ri->content_length > body_max)
        return web_reply_error(req, 413, "The request body is too large.");
    /* ACME's HTTP-01 validation comes over plain HTTP (acme_challenge.c). */
    if (!ri->is_ssl && !req->server->cfg.dev && req->server->cfg.https_port &&
        strncmp(req->path, "/.well-known/acme-challenge/", 28) != 0)
        return redirect_to_https(req);
    if (bit && bit != WEB_GET) {
        rc = web_req_load_form(req, body_max);
        if (rc == POD_ERR_LIMIT)
            return web_reply_error(req, 413, "The request body is too large.");
        if (rc == POD_ERR_IO)
            return web_reply_error(req, 400, "The request body ended early.");
        if (rc != POD_OK)
            return web_reply_error(req, 400, "The form could not be read.");
        rc = web_req_load_json(req, body_max);
        if (rc == POD_ERR_LIMIT)
            return web_reply_error(req, 413, "The request body is too large.");
        if (rc != POD_OK)
            return web_reply_error(req, 400, "The JSON body could not be read.");
        if (!route && method_override(req, bit) != bit)
            route = web_route_find(req->path, method_override(req, bit), &req->arena, req->params,
                                   &allowed, &flags);
    }
    if (!route && !allowed)
        return web_reply_error(req, 404, "There is nothing at this address.");
    if (!route) {
        allow_header(allowed, allow, sizeof allow);
        return web_reply_error_hdr(req, 405, "This address does not take that method.", allow);
    }
    req->method = method_override(req, bit);
    /* Data partition nearly full (drivers/storage): nothing new is stored,
     * but reading, signing in and out and deleting go on. */
    if (req->method != WEB_GET && req->method != WEB_DELETE &&
        strcmp(req->path, "/users/sign_in") != 0 && strcmp(req->path, "/users/sign_out") != 0 &&
        !drv_storage_writable())
        return web_reply_error(req, 507,
                               "The pod's storage is nearly full, so nothing new can be saved. "
                               "Reading and deleting still work; ask the administrator to "
                               "free some space.");
    if (ri->query_string && web_form_parse_urlencoded(ri->query_string, strlen(ri->query_string),
                                                      &req->arena, &req->query) != POD_OK)
        return web_reply_error(req, 400, "The query string could not be read.");
    if (web_session_load(req) != POD_OK)
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    if (req->method != WEB_GET && !(route->flags & WEB_ROUTE_NO_CSRF) &&
        !web_csrf_valid(req, web_json_value(req, "authenticity_token", NULL))) {
        LOG_INFO("web", "CSRF token missing or wrong: %s %s from %s", ri->request_method, req->path,
                 web_req_remote_addr(req));
        return web_reply_error(req, 422,
                               "The form has expired or did not come from this pod. "
                               "Reload the page and try again.");
    }
    *route_out = route;
    return 0;
}

static int
dispatch(struct mg_connection *conn, void *cbdata)
{
    unsigned char stack_block[REQ_ARENA_STACK];
    struct web_server *ws = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    struct web_req req = {.conn = conn, .ri = ri, .server = ws, .https = ri->is_ssl != 0};
    const struct web_route *route = NULL;
    uint64_t t0 = drv_clock_monotonic_ms();
    char *path;

    pod_arena_init(&req.arena, stack_block, sizeof stack_block, REQ_ARENA_LIMIT);
    path = pod_arena_strdup(&req.arena, ri->local_uri ? ri->local_uri : "/");
    if (!path) {
        web_reply_error(&req, 500, "Out of memory");
        goto out;
    }
    web_path_normalise(path);
    req.path = path;
    req.json = prefers_json(&req);
    /* "/stream.json" is "/stream" answered in JSON, as Rails formats go. */
    if (strlen(path) > 5 && strcmp(path + strlen(path) - 5, ".json") == 0)
        path[strlen(path) - 5] = '\0';
    if (prepare(&req, &route) == 0) {
        route->handler(&req);
        if (!req.answered)
            web_reply_error(&req, 500, "The page could not be produced.");
    }
out:
    LOG_DEBUG("web", "%s %s %d %llums", ri->request_method, req.path ? req.path : "?", req.status,
              (unsigned long long)(drv_clock_monotonic_ms() - t0));
    if (req.status >= 500)
        LOG_WARN("web", "%s %s answered %d", ri->request_method, req.path ? req.path : "?",
                 req.status);
    cJSON_Delete(req.json_body);
    pod_arena_free(&req.arena);
    return req.status ? req.status : 500;
}

static int
on_http_error(struct mg_connection *conn, int status, const char *msg)
{
    char text[160];

    /* civetweb's own refusals, before routing: answer with the pod's error
     * body instead of civetweb's page. civetweb 1.15 reports a request head
     * larger than its buffer as "Malformed message" (400), so say both. */
    if (status == 400 && msg && strcmp(msg, "Malformed message") == 0)
        snprintf(text, sizeof text,
                 "The request is malformed or its header is too large (limit %d bytes).",
                 CONFIG_POD_MAX_HEADER_BYTES);
    else
        snprintf(text, sizeof text, "%s", msg ? msg : web_status_text(status));
    LOG_INFO("web", "refused a request: %d %s", status, msg ? msg : "");
    web_reply_bare_error(conn, status, text);
    return 0;
}

/* civetweb's last complaint on the thread running web_server_start(): its
 * mg_start2() error text is generic ("Failed to setup server ports"), the
 * message before it names the port and the reason. */
static _Thread_local char start_complaint[160];

static int
on_log_message(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    LOG_WARN("web", "civetweb: %s", message);
    if (strncmp(message, "Failed to setup", 15) != 0)
        snprintf(start_complaint, sizeof start_complaint, "%s", message);
    return 1;
}

/* The pod's secret for derived tokens (anonymous CSRF): made once, kept in
 * LMDB, so tokens survive restarts. */
static int
load_secret(struct store *st, uint8_t secret[32])
{
    struct store_txn *txn = NULL;
    char hex[65];
    int rc;

    rc = store_txn_begin(st, true, &txn);
    if (rc != POD_OK)
        return rc;
    rc = store_setting_get_str(txn, "web_secret", hex, sizeof hex);
    if (rc == POD_OK && strlen(hex) == 64) {
        for (size_t i = 0; i < 32; i++) {
            unsigned v;
            if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
                rc = POD_ERR_CORRUPT;
                break;
            }
            secret[i] = (uint8_t)v;
        }
        store_txn_abort(txn);
        return rc;
    }
    rc = crypto_random(secret, 32);
    if (rc == POD_OK) {
        crypto_hex(secret, 32, hex);
        rc = store_setting_set_str(txn, "web_secret", hex);
    }
    if (rc != POD_OK) {
        store_txn_abort(txn);
        return rc;
    }
    return store_txn_commit(txn);
}

void
web_server_civetweb_options(struct web_civetweb_options *o, const char *ports, unsigned timeout_ms,
                            const char *tls_pem)
{
    size_t n = 0;

    snprintf(o->ports, sizeof o->ports, "%s", ports);
    snprintf(o->threads, sizeof o->threads, "%d", CONFIG_POD_WORKER_THREADS);
    snprintf(o->timeout, sizeof o->timeout, "%u", timeout_ms);
    snprintf(o->keepalive, sizeof o->keepalive, "%d", CONFIG_POD_KEEPALIVE_TIMEOUT_MS);
    snprintf(o->reqsize, sizeof o->reqsize, "%d", CONFIG_POD_MAX_HEADER_BYTES);
    o->options[n++] = "listening_ports";
    o->options[n++] = o->ports;
    o->options[n++] = "num_threads";
    o->options[n++] = o->threads;
    o->options[n++] = "request_timeout_ms";
    o->options[n++] = o->timeout;
    o->options[n++] = "keep_alive_timeout_ms";
    o->options[n++] = o->keepalive;
    o->options[n++] = "enable_keep_alive";
    o->options[n++] = "yes";
    /* Headers and body leave in separate writes: without this, Nagle and
     * the client's delayed ACK add 40 ms to every answer. */
    o->options[n++] = "tcp_nodelay";
    o->options[n++] = "1";
    o->options[n++] = "max_request_size";
    o->options[n++] = o->reqsize;
    if (tls_pem) {
        o->options[n++] = "ssl_certificate";
        o->options[n++] = tls_pem;
    }
    o->options[n] = NULL;
}

int
web_server_start(struct web_server **out, const struct web_config *cfg, struct store *st, char *why,
                 size_t why_len)
{
    static int library_ready;
    struct web_server *ws = NULL;
    struct mg_callbacks callbacks = {0};
    struct mg_init_data init = {0};
    char errtext[256] = "";
    struct mg_error_data error = {.text = errtext, .text_buffer_size = sizeof errtext};
    struct web_civetweb_options cwo;
    char ports[160];
    size_t len = 0;
    const char *bind = cfg->bind_address;
    int rc = POD_OK;

    *out = NULL;
    if (!library_ready) {
        mg_init_library(MG_FEATURES_TLS);
        library_ready = 1;
    }
    ws = calloc(1, sizeof *ws);
    if (!ws)
        return POD_ERR_NOMEM;
    ws->cfg = *cfg;
    ws->store = st;
    ws->started_ms = drv_clock_monotonic_ms();
    snprintf(ws->pod_url, sizeof ws->pod_url, "https://%s/", cfg->host);
    rc = load_secret(st, ws->secret);
    if (rc != POD_OK) {
        snprintf(why, why_len, "cannot read or create the pod's secret: %s", pod_strerror(rc));
        goto out;
    }

    ports[0] = '\0';
    if (cfg->https_port)
        len += (size_t)snprintf(ports + len, sizeof ports - len, "%s%s%ds", bind ? bind : "",
                                bind ? ":" : "", cfg->https_port);
    if (cfg->http_port && len < sizeof ports)
        len += (size_t)snprintf(ports + len, sizeof ports - len, "%s%s%s%d", len ? "," : "",
                                bind ? bind : "", bind ? ":" : "", cfg->http_port);
    web_server_civetweb_options(&cwo, ports,
                                cfg->request_timeout_ms ? cfg->request_timeout_ms
                                                        : CONFIG_POD_REQUEST_TIMEOUT_MS,
                                cfg->https_port ? cfg->tls_pem : NULL);
    web_tls_set_handshake_timeout(cfg->request_timeout_ms);

    callbacks.http_error = on_http_error;
    callbacks.log_message = on_log_message;
    init.callbacks = &callbacks;
    init.user_data = ws;
    init.configuration_options = cwo.options;
    start_complaint[0] = '\0';
    ws->ctx = mg_start2(&init, &error);
    if (!ws->ctx) {
        snprintf(why, why_len, "cannot start the web server on %s: %s", ports,
                 start_complaint[0] ? start_complaint
                 : errtext[0]       ? errtext
                                    : "unknown error");
        rc = POD_ERR_BUSY;
        goto out;
    }
    mg_set_request_handler(ws->ctx, "/", dispatch, ws);
    LOG_INFO("web", "serving %s as %s (%s)", ports, cfg->host,
             cfg->dev ? "dev: plain HTTP serves the app" : "plain HTTP redirects to HTTPS");
    *out = ws;
    ws = NULL;
out:
    free(ws);
    return rc;
}

void
web_server_stop(struct web_server *ws)
{
    if (!ws)
        return;
    mg_stop(ws->ctx);
    web_tls_forget(); /* a certificate swapped in by ACME (web_tls_use_pem) */
    free(ws);
}
