/*
 * request.h - one request as handlers see it.
 *
 * A struct web_req lives on the worker thread's stack for exactly one
 * request. Everything hanging off it (path, parameters, body, form fields,
 * session) is allocated in req->arena and freed when the request ends.
 * Handlers answer exactly once, through reply.h.
 */
#ifndef POD_WEB_REQUEST_H
#define POD_WEB_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "web/form.h"

struct mg_connection;
struct mg_request_info;
struct web_server;
struct web_session;
struct cJSON;

#define WEB_MAX_PARAMS 3

/* Methods as a bit set; GET routes answer HEAD too. */
enum web_method {
    WEB_GET = 1u << 0,
    WEB_POST = 1u << 1,
    WEB_PUT = 1u << 2,
    WEB_DELETE = 1u << 3,
    WEB_PATCH = 1u << 4,
};

struct web_req {
    struct mg_connection *conn;         /* civetweb's, borrowed */
    const struct mg_request_info *ri;   /* civetweb's, borrowed */
    struct web_server *server;          /* the pod's server state, borrowed */
    struct pod_arena arena;             /* per-request memory */
    const char *path;                   /* decoded path, '//' collapsed, no trailing '/' */
    unsigned method;                    /* effective method (after a form's _method) */
    bool head;                          /* HEAD: send headers only */
    bool json;                          /* the client prefers JSON answers */
    bool https;                         /* arrived over TLS */
    bool answered;                      /* a reply has been sent */
    int status;                         /* the status sent, for the access log */
    const char *params[WEB_MAX_PARAMS]; /* the route's :captures, in order */
    const char *body;                   /* request body once read (NUL-terminated) */
    size_t body_len;
    struct web_form form;        /* fields of a form body (empty otherwise) */
    struct web_form query;       /* fields of the query string */
    struct cJSON *json_body;     /* a JSON body, parsed (freed when the request ends) */
    struct web_session *session; /* the signed-in person, or NULL */
    const char *csrf_token;      /* the token forms on this page must carry */
    char *extra_headers;         /* Set-Cookie and such, added to the reply */
};

/* Value of request header name (case-insensitive), or NULL. Borrowed. */
const char *web_header(const struct web_req *req, const char *name);

/* Reads the body into req->body (at most max bytes): POD_ERR_LIMIT beyond,
 * POD_ERR_IO when the client stops sending. Reads once; later calls return
 * what was read. */
int web_req_read_body(struct web_req *req, size_t max);

/* Reads the body (at most max) and parses it into req->form when it is
 * application/x-www-form-urlencoded or multipart/form-data. Other content
 * types leave the form empty. */
int web_req_load_form(struct web_req *req, size_t max);

/* Reads and parses an application/json body (at most max bytes, nesting
 * limited) into req->json_body. Other content types leave it NULL.
 * POD_ERR_PARSE for malformed JSON. */
int web_req_load_json(struct web_req *req, size_t max);

/* The parsing step of web_req_load_json, pure: body[0..len) into *out,
 * which the caller frees with cJSON_Delete. POD_ERR_LIMIT when len > max;
 * POD_ERR_PARSE for malformed JSON or beyond 16 levels of nesting or 20000
 * values. An empty body is POD_OK with *out NULL. */
int web_json_parse(const char *body, size_t len, size_t max, struct cJSON **out);

/* A string or number member of the JSON body as text in the arena, or
 * NULL. path is one or two member names ("status_message", "text"). */
const char *web_json_value(struct web_req *req, const char *name, const char *inner);

/* The first value of a form field, or NULL. */
const char *web_form_value(const struct web_req *req, const char *name);

/* The last value of a form field, or NULL: a checkbox sends it after the
 * hidden "0" that stands for unchecked. */
const char *web_form_last_value(const struct web_req *req, const char *name);

/* The first value of a query-string field, or NULL. */
const char *web_query_value(const struct web_req *req, const char *name);

/* Adds a response header line ("Name: value", without CRLF) to send with
 * the reply. */
int web_req_add_header(struct web_req *req, const char *line);

/* Adds a Set-Cookie for name=value: Path=/, HttpOnly, SameSite=Lax, and
 * Secure when the request came over HTTPS (never over plain HTTP, or
 * clients on http:// would never send it back). max_age < 0 makes a
 * browser-session cookie; 0 deletes the cookie. */
int web_req_set_cookie(struct web_req *req, const char *name, const char *value, long max_age);

/* The client's address as text (borrowed). */
const char *web_req_remote_addr(const struct web_req *req);

/* True when the Content-Type value ct (may be NULL) is type, alone or
 * followed by parameters (";..." or " "), case-insensitively. Pure: the
 * header reading above uses it, and so does the router fuzz target. */
bool web_content_type_is(const char *ct, const char *type);

/* Collapses runs of '/' and drops a trailing '/' (except for "/") in
 * place: diaspora* clients send "//photos/1" and "/visibility/". */
void web_path_normalise(char *path);

#endif
