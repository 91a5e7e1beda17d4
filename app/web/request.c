#include "web/request.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "autoconf.h"
#include "civetweb.h"
#include "core/error.h"
#include "core/json_guard.h"
#include "drivers/clock/clock.h"
#include "web/server.h"

const char *
web_header(const struct web_req *req, const char *name)
{
    return mg_get_header(req->conn, name);
}

const char *
web_req_remote_addr(const struct web_req *req)
{
    return req->ri->remote_addr;
}

int
web_req_read_body(struct web_req *req, size_t max)
{
    long long announced = req->ri->content_length;
    size_t cap, len = 0;
    uint64_t start, timeout = CONFIG_POD_REQUEST_TIMEOUT_MS;
    char *buf;
    int n;

    if (req->body)
        return POD_OK;
    if (announced > 0 && (unsigned long long)announced > max)
        return POD_ERR_LIMIT;
    /* Without a length (chunked), read up to max + 1 to notice excess. */
    cap = announced >= 0 ? (size_t)announced : max + 1;
    buf = pod_arena_alloc(&req->arena, cap + 1);
    if (!buf)
        return POD_ERR_NOMEM;
    start = drv_clock_monotonic_ms();
    if (req->server && req->server->cfg.request_timeout_ms)
        timeout = req->server->cfg.request_timeout_ms;
    while (len < cap) {
        n = mg_read(req->conn, buf + len, cap - len);
        if (n < 0)
            return POD_ERR_IO;
        if (n == 0)
            break;
        len += (size_t)n;
        /* civetweb's timeout holds for each read, so a body trickled in a
         * byte at a time would hold the worker for ever: the whole body
         * gets the request timeout plus a millisecond per 16 bytes. */
        if (len < cap && drv_clock_monotonic_ms() - start > timeout + len / 16)
            return POD_ERR_IO;
    }
    if (len > max)
        return POD_ERR_LIMIT;
    if (announced > 0 && len < (size_t)announced)
        return POD_ERR_IO;
    buf[len] = '\0';
    req->body = buf;
    req->body_len = len;
    return POD_OK;
}

bool
web_content_type_is(const char *ct, const char *type)
{
    size_t n = strlen(type);

    return ct && strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* True when the Content-Type header starts with type (parameters allowed). */
static bool
content_type_is(const struct web_req *req, const char *type)
{
    return web_content_type_is(web_header(req, "Content-Type"), type);
}

int
web_req_load_form(struct web_req *req, size_t max)
{
    int rc;

    if (req->form.fields)
        return POD_OK;
    if (content_type_is(req, "application/x-www-form-urlencoded")) {
        rc = web_req_read_body(req, max);
        if (rc != POD_OK)
            return rc;
        return web_form_parse_urlencoded(req->body, req->body_len, &req->arena, &req->form);
    }
    if (content_type_is(req, "multipart/form-data")) {
        rc = web_req_read_body(req, max);
        if (rc != POD_OK)
            return rc;
        return web_form_parse_multipart(req->body, req->body_len, web_header(req, "Content-Type"),
                                        &req->arena, &req->form);
    }
    return POD_OK;
}

#define JSON_MAX_DEPTH 16
/* cJSON takes about 64 bytes per value: an 8 MB "[0,0,...]" would cost
 * 256 MB. No form or API body of the pod has more than a few hundred. */
#define JSON_MAX_VALUES 20000

int
web_req_load_json(struct web_req *req, size_t max)
{
    int rc;

    if (req->json_body || !content_type_is(req, "application/json"))
        return POD_OK;
    rc = web_req_read_body(req, max);
    if (rc != POD_OK)
        return rc;
    return web_json_parse(req->body, req->body_len, max, &req->json_body);
}

int
web_json_parse(const char *body, size_t len, size_t max, struct cJSON **out)
{
    *out = NULL;
    if (len > max)
        return POD_ERR_LIMIT;
    if (len == 0) /* an empty body says nothing: no document */
        return POD_OK;
    if (!body || pod_json_guard(body, len, JSON_MAX_DEPTH, JSON_MAX_VALUES) != POD_OK)
        return POD_ERR_PARSE;
    *out = cJSON_ParseWithLength(body, len);
    return *out ? POD_OK : POD_ERR_PARSE;
}

const char *
web_json_value(struct web_req *req, const char *name, const char *inner)
{
    const cJSON *v = req->json_body ? cJSON_GetObjectItemCaseSensitive(req->json_body, name) : NULL;

    if (v && inner)
        v = cJSON_GetObjectItemCaseSensitive(v, inner);
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsNumber(v))
        return pod_arena_printf(&req->arena, "%.0f", v->valuedouble);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) ? "true" : "false";
    return NULL;
}

const char *
web_form_value(const struct web_req *req, const char *name)
{
    return web_form_get(&req->form, name);
}

const char *
web_form_last_value(const struct web_req *req, const char *name)
{
    const char *v = NULL;

    for (size_t i = 0; i < req->form.count; i++)
        if (strcmp(req->form.fields[i].name, name) == 0)
            v = req->form.fields[i].value;
    return v;
}

const char *
web_query_value(const struct web_req *req, const char *name)
{
    return web_form_get(&req->query, name);
}

int
web_req_add_header(struct web_req *req, const char *line)
{
    char *joined;

    if (strpbrk(line, "\r\n"))
        return POD_ERR_INVAL;
    joined = pod_arena_printf(&req->arena, "%s%s\r\n", req->extra_headers ? req->extra_headers : "",
                              line);
    if (!joined)
        return POD_ERR_NOMEM;
    req->extra_headers = joined;
    return POD_OK;
}

int
web_req_set_cookie(struct web_req *req, const char *name, const char *value, long max_age)
{
    char age[48] = "";
    char *line;

    /* Names and values are ours (tokens in base64url): refuse anything that
     * could end the attribute list. */
    if (strpbrk(name, ";,= \t\r\n") || strpbrk(value, ";, \t\r\n\""))
        return POD_ERR_INVAL;
    if (max_age >= 0)
        snprintf(age, sizeof age, "; Max-Age=%ld", max_age);
    line = pod_arena_printf(&req->arena, "Set-Cookie: %s=%s; Path=/%s; HttpOnly; SameSite=Lax%s",
                            name, value, age, req->https ? "; Secure" : "");
    if (!line)
        return POD_ERR_NOMEM;
    return web_req_add_header(req, line);
}

void
web_path_normalise(char *path)
{
    char *w = path;

    for (const char *r = path; *r; r++) {
        if (*r == '/' && w > path && w[-1] == '/')
            continue;
        *w++ = *r;
    }
    if (w > path + 1 && w[-1] == '/')
        w--;
    if (w == path)
        *w++ = '/';
    *w = '\0';
}
