#include "web/static.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "web/reply.h"

#define URL_MAX 96

static char urls[64][URL_MAX];
static pthread_once_t urls_once = PTHREAD_ONCE_INIT;

static void
make_urls(void)
{
    for (unsigned i = 0; i < web_static_count && i < 64; i++)
        snprintf(urls[i], sizeof urls[i], "/assets/%s?v=%s", web_static_files[i].name,
                 web_static_files[i].etag);
}

const struct web_static *
web_static_find(const char *name)
{
    for (unsigned i = 0; i < web_static_count; i++)
        if (strcmp(web_static_files[i].name, name) == 0)
            return &web_static_files[i];
    return NULL;
}

const char *
web_static_url(const char *name)
{
    const struct web_static *f = web_static_find(name);
    size_t i;

    if (!f || (i = (size_t)(f - web_static_files)) >= 64)
        return "/assets/missing";
    pthread_once(&urls_once, make_urls);
    return urls[i];
}

bool
web_takes_gzip(const char *accept)
{
    const char *g = accept ? strstr(accept, "gzip") : NULL;

    if (!g)
        return false;
    g += 4;
    while (*g == ' ')
        g++;
    return strncmp(g, ";q=0", 4) != 0 || g[4] == '.';
}

bool
web_etag_matches(const char *inm, const char *etag)
{
    const char *p;

    if (!inm)
        return false;
    if (strcmp(inm, "*") == 0)
        return true;
    for (p = inm; (p = strstr(p, etag)); p++)
        if (p > inm && p[-1] == '"' && p[strlen(etag)] == '"')
            return true;
    return false;
}

int
page_static_file(struct web_req *req)
{
    const struct web_static *f = web_static_find(req->params[0]);
    const char *v = web_query_value(req, "v");
    bool gz;
    char headers[256];

    if (!f)
        return web_reply_error(req, 404, "There is nothing at this address.");
    gz = f->gz && web_takes_gzip(web_header(req, "Accept-Encoding"));
    snprintf(headers, sizeof headers,
             "ETag: \"%s\"\r\nCache-Control: %s\r\nVary: Accept-Encoding\r\n%s", f->etag,
             v && strcmp(v, f->etag) == 0 ? "public, max-age=31536000, immutable"
                                          : "public, max-age=300",
             gz ? "Content-Encoding: gzip\r\n" : "");
    if (web_etag_matches(web_header(req, "If-None-Match"), f->etag))
        return web_reply(req, 304, f->content_type, "", 0, headers);
    return web_reply(req, 200, f->content_type, gz ? f->gz : f->data, gz ? f->gz_len : f->len,
                     headers);
}
