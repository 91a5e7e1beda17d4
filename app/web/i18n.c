#include "web/i18n.h"

#include <string.h>
#include <strings.h>

#include "web/session.h"

/* The catalogues shipped. English is the message ids themselves. Add a
 * language by adding its table here (see tools/i18n-strings). */
static const struct web_catalog *const catalogs[] = {NULL};

const char *
web_i18n_lookup(const struct web_catalog *cat, const char *english)
{
    size_t lo = 0, hi;

    if (!cat || !english)
        return english;
    hi = cat->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(english, cat->pairs[mid][0]);
        if (c == 0)
            return cat->pairs[mid][1] && *cat->pairs[mid][1] ? cat->pairs[mid][1] : english;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return english;
}

/* True when lang is code or code followed by '-' or '_' and a region. */
static bool
same_language(const char *lang, const char *code)
{
    size_t n = strlen(code);

    return strncasecmp(lang, code, n) == 0 && (lang[n] == '\0' || lang[n] == '-' || lang[n] == '_');
}

const struct web_catalog *
web_i18n_catalog(const char *lang)
{
    const struct web_catalog *fallback = NULL;

    if (!lang || !*lang)
        return NULL;
    for (size_t i = 0; i < sizeof catalogs / sizeof catalogs[0]; i++) {
        const struct web_catalog *c = catalogs[i];
        if (!c)
            continue;
        if (strcasecmp(c->lang, lang) == 0)
            return c;
        if (!fallback && same_language(lang, c->lang))
            fallback = c;
    }
    return fallback;
}

const char *
web_i18n_accepted(const char *header)
{
    char tag[16];

    while (header && *header) {
        size_t n = strcspn(header, ",;");
        const struct web_catalog *c;
        while (*header == ' ') {
            header++;
            n = n ? n - 1 : 0;
        }
        if (n > 0 && n < sizeof tag) {
            memcpy(tag, header, n);
            tag[n] = '\0';
            if ((c = web_i18n_catalog(tag)))
                return c->lang;
        }
        header = strchr(header, ',');
        if (header)
            header++;
    }
    return "en";
}

const char *
web_lang(struct web_req *req)
{
    const struct web_catalog *c;

    if (req->session && req->session->user.language[0]) {
        c = web_i18n_catalog(req->session->user.language);
        return c ? c->lang : "en";
    }
    return web_i18n_accepted(web_header(req, "Accept-Language"));
}

const char *
web_dir(struct web_req *req)
{
    const struct web_catalog *c = web_i18n_catalog(web_lang(req));

    /* The page's direction follows the language of its text; posts and
     * comments carry dir="auto" for whatever script they are written in. */
    return c && c->rtl ? "rtl" : "ltr";
}

const char *
web_tr(struct web_req *req, const char *english)
{
    if (!req->session && !web_header(req, "Accept-Language"))
        return english;
    return web_i18n_lookup(web_i18n_catalog(web_lang(req)), english);
}
