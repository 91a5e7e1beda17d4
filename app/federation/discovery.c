/*
 * discovery.c - WebFinger, hCard, host-meta and NodeInfo documents
 * (docs/diaspora-federation.md §2).
 *
 * Rendering runs each document twice through the same emitter: once to
 * count the bytes, once to write them into one arena block of exactly that
 * size. The layouts copy diaspora* byte for byte (vectors
 * discovery/webfinger.gem.json and discovery/hcard.gem.html). A NULL string
 * in the input renders as "".
 *
 * Parsing never reads past len and copies what it keeps into the caller's
 * struct (zeroed on error). Errors: POD_ERR_LIMIT for input over the size
 * limits of discovery.h, for JSON nested deeper than WF_MAX_JSON_DEPTH and
 * for HTML elements nested deeper than HCARD_MAX_DEPTH; POD_ERR_PARSE for
 * anything malformed or missing, and for a value that does not fit its field
 * (never truncated silently); POD_ERR_NOMEM when the copy for cJSON cannot
 * be allocated.
 */
#include "federation/discovery.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "core/json_guard.h"

/* The software fields of NodeInfo; the one place to change them. */
#define PLUGPOD_SOFTWARE_NAME "plugpod"
#define PLUGPOD_REPOSITORY    "https://github.com/plugpod/plugpod"
#define PLUGPOD_HOMEPAGE      "https://github.com/plugpod/plugpod"

#define NODEINFO_SCHEMA "http://nodeinfo.diaspora.software/ns/schema/2."

#define REL_HCARD   "http://microformats.org/profile/hcard"
#define REL_SEED    "http://joindiaspora.com/seed_location"
#define REL_PROFILE "http://webfinger.net/rel/profile-page"

/* A JRD is three levels deep; cJSON itself would recurse 1000 levels. */
#define WF_MAX_JSON_DEPTH 16
/* Open elements the hCard scanner tracks; diaspora*'s hCard uses 7. */
#define HCARD_MAX_DEPTH 64

/* ============================================================ the emitter */

/* With buf == NULL it only counts; otherwise it writes at most cap bytes. */
struct out {
    char *buf;
    size_t len;
    size_t cap;
};

static void
out_mem(struct out *o, const char *s, size_t n)
{
    if (o->buf && o->len <= o->cap && n <= o->cap - o->len)
        memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void
out_str(struct out *o, const char *s)
{
    if (s)
        out_mem(o, s, strlen(s));
}

static void
out_u64(struct out *o, uint64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%" PRIu64, v);

    out_mem(o, num, (size_t)n);
}

/* Text or attribute value for HTML and XML: the five special characters. */
static void
out_html(struct out *o, const char *s)
{
    const char *run = s;

    if (!s)
        return;
    for (; *s; s++) {
        const char *rep;

        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        out_mem(o, run, (size_t)(s - run));
        out_str(o, rep);
        run = s + 1;
    }
    out_mem(o, run, (size_t)(s - run));
}

/* The inside of a JSON string. Like Ruby's JSON generator: '/' and
 * non-ASCII bytes stay as they are; quotes, backslashes and control
 * characters are escaped. */
static void
out_json_chars(struct out *o, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;
        char esc[8];

        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            out_mem(o, esc, 2);
        } else if (c == '\n') {
            out_str(o, "\\n");
        } else if (c == '\r') {
            out_str(o, "\\r");
        } else if (c == '\t') {
            out_str(o, "\\t");
        } else if (c == '\b') {
            out_str(o, "\\b");
        } else if (c == '\f') {
            out_str(o, "\\f");
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            out_str(o, esc);
        } else {
            out_mem(o, p, 1);
        }
    }
}

static void
out_json(struct out *o, const char *s)
{
    out_mem(o, "\"", 1);
    out_json_chars(o, s);
    out_mem(o, "\"", 1);
}

typedef void (*render_fn)(struct out *o, const void *ctx);

/* Runs fn once to size the document and once to write it into the arena. */
static char *
render_twice(render_fn fn, const void *ctx, struct pod_arena *a)
{
    struct out o = {0};
    char *buf;
    size_t size;

    if (!a)
        return NULL;
    fn(&o, ctx);
    size = o.len;
    if (size == SIZE_MAX)
        return NULL;
    buf = pod_arena_alloc(a, size + 1);
    if (!buf)
        return NULL;
    o = (struct out){.buf = buf, .len = 0, .cap = size};
    fn(&o, ctx);
    buf[size] = '\0';
    return buf;
}

/* ============================================================== WebFinger */

/* A link of the JRD; its value is the concatenation of v[] (NULLs end it). */
struct wf_link {
    const char *rel;
    const char *type; /* NULL: no "type" */
    const char *key;  /* "href" or "template" */
    const char *v[4];
};

static void
wf_emit(struct out *o, const void *ctx)
{
    const struct fed_person_doc *p = ctx;
    const char *u = p->pod_url;
    const struct wf_link links[] = {
        {REL_HCARD, "text/html", "href", {u, "hcard/users/", p->guid}},
        {REL_SEED, "text/html", "href", {u}},
        {REL_PROFILE, "text/html", "href", {u, "u/", p->username}},
        {"http://schemas.google.com/g/2010#updates-from",
         "application/atom+xml",
         "href",
         {u, "public/", p->username, ".atom"}},
        {"salmon", NULL, "href", {u, "receive/users/", p->guid}},
        {"http://ostatus.org/schema/1.0/subscribe", NULL, "template", {u, "people?q={uri}"}},
        {"http://openid.net/specs/connect/1.0/issuer", NULL, "href", {u}},
    };

    out_str(o, "{\n  \"subject\": \"acct:");
    out_json_chars(o, p->diaspora_id);
    out_str(o, "\",\n  \"aliases\": [\n    \"");
    out_json_chars(o, u);
    out_str(o, "people/");
    out_json_chars(o, p->guid);
    out_str(o, "\"\n  ],\n  \"links\": [");
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        const struct wf_link *l = &links[i];

        out_str(o, i ? ",\n    {\n      \"rel\": " : "\n    {\n      \"rel\": ");
        out_json(o, l->rel);
        if (l->type) {
            out_str(o, ",\n      \"type\": ");
            out_json(o, l->type);
        }
        out_str(o, ",\n      \"");
        out_str(o, l->key);
        out_str(o, "\": \"");
        for (size_t k = 0; k < 4 && l->v[k]; k++)
            out_json_chars(o, l->v[k]);
        out_str(o, "\"\n    }");
    }
    out_str(o, "\n  ]\n}\n");
}

char *
fed_webfinger_render(const struct fed_person_doc *p, struct pod_arena *a)
{
    if (!p)
        return NULL;
    return render_twice(wf_emit, p, a);
}

/* ================================================================== hCard */

/* One <dl class="entity_NAME"> block; the value element comes from the
 * caller between hc_dl_open and hc_dl_close. */
static void
hc_dl_open(struct out *o, const char *name, const char *label)
{
    out_str(o, "        <dl class=\"entity_");
    out_str(o, name);
    out_str(o, "\">\n          <dt>");
    out_str(o, label);
    out_str(o, "</dt>\n          <dd>\n            ");
}

static void
hc_dl_close(struct out *o)
{
    out_str(o, "\n          </dd>\n        </dl>\n");
}

static void
hc_span(struct out *o, const char *name, const char *label, const char *cls, const char *value)
{
    hc_dl_open(o, name, label);
    out_str(o, "<span class=\"");
    out_str(o, cls);
    out_str(o, "\">");
    out_html(o, value);
    out_str(o, "</span>");
    hc_dl_close(o);
}

static void
hc_photo(struct out *o, const char *name, const char *label, const char *px, const char *src)
{
    hc_dl_open(o, name, label);
    out_str(o, "<img class=\"photo avatar\" width=\"");
    out_str(o, px);
    out_str(o, "\" height=\"");
    out_str(o, px);
    out_str(o, "\" src=\"");
    out_html(o, src);
    out_str(o, "\"/>");
    hc_dl_close(o);
}

static void
hc_emit(struct out *o, const void *ctx)
{
    const struct fed_person_doc *p = ctx;

    out_str(o, "<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.0 Transitional//EN\" "
               "\"http://www.w3.org/TR/REC-html40/loose.dtd\">\n"
               "<html>\n  <head>\n    <meta charset=\"UTF-8\"/>\n    <title>");
    out_html(o, p->full_name);
    out_str(o, "</title>\n  </head>\n  <body>\n    <div id=\"content\">\n      <h1>");
    out_html(o, p->full_name);
    out_str(o, "</h1>\n      <div id=\"content_inner\" class=\"entity_profile vcard author\">\n"
               "        <h2>User profile</h2>\n");
    hc_span(o, "uid", "Uid", "uid", p->guid);
    hc_span(o, "nickname", "Nickname", "nickname", p->username);
    hc_span(o, "full_name", "Full_name", "fn", p->full_name);
    hc_span(o, "searchable", "Searchable", "searchable", p->searchable ? "true" : "false");
    hc_dl_open(o, "key", "Key");
    out_str(o, "<pre class=\"key\">");
    out_html(o, p->public_key_pem);
    out_str(o, "</pre>");
    hc_dl_close(o);
    hc_span(o, "first_name", "First_name", "given_name", p->first_name);
    hc_span(o, "family_name", "Family_name", "family_name", p->last_name);
    hc_photo(o, "photo", "Photo", "300", p->avatar_large);
    hc_photo(o, "photo_medium", "Photo_medium", "100", p->avatar_medium);
    hc_photo(o, "photo_small", "Photo_small", "50", p->avatar_small);
    out_str(o, "      </div>\n    </div>\n  </body>\n</html>\n");
}

char *
fed_hcard_render(const struct fed_person_doc *p, struct pod_arena *a)
{
    if (!p)
        return NULL;
    return render_twice(hc_emit, p, a);
}

/* ============================================================== host-meta */

static void
host_meta_emit(struct out *o, const void *ctx)
{
    out_str(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n"
               "  <Link rel=\"lrdd\" type=\"application/xrd+xml\" template=\"");
    out_html(o, ctx);
    out_str(o, ".well-known/webfinger?resource={uri}\"/>\n</XRD>\n");
}

char *
fed_host_meta_render(const char *pod_url, struct pod_arena *a)
{
    return render_twice(host_meta_emit, pod_url ? pod_url : "", a);
}

/* =============================================================== NodeInfo */

static void
ni_links_emit(struct out *o, const void *ctx)
{
    out_str(o, "{\n  \"links\": [");
    for (int minor = 0; minor <= 1; minor++) {
        out_str(o, minor ? ",\n    {\n      \"rel\": \"" : "\n    {\n      \"rel\": \"");
        out_str(o, NODEINFO_SCHEMA);
        out_u64(o, (uint64_t)minor);
        out_str(o, "\",\n      \"href\": \"");
        out_json_chars(o, ctx);
        out_str(o, "nodeinfo/2.");
        out_u64(o, (uint64_t)minor);
        out_str(o, "\"\n    }");
    }
    out_str(o, "\n  ]\n}\n");
}

char *
fed_nodeinfo_links_render(const char *pod_url, struct pod_arena *a)
{
    return render_twice(ni_links_emit, pod_url ? pod_url : "", a);
}

struct ni_ctx {
    const struct fed_nodeinfo *ni;
    int minor;
};

/* Only what the 2.0/2.1 schemas allow (additionalProperties is false
 * everywhere but in metadata). */
static void
ni_emit(struct out *o, const void *ctx)
{
    const struct ni_ctx *c = ctx;
    const struct fed_nodeinfo *ni = c->ni;

    out_str(o, c->minor ? "{\n  \"version\": \"2.1\"" : "{\n  \"version\": \"2.0\"");
    out_str(o, ",\n  \"software\": {\n    \"name\": \"" PLUGPOD_SOFTWARE_NAME "\",\n"
               "    \"version\": ");
    out_json(o, ni->software_version);
    if (c->minor)
        out_str(o, ",\n    \"repository\": \"" PLUGPOD_REPOSITORY "\",\n"
                   "    \"homepage\": \"" PLUGPOD_HOMEPAGE "\"");
    out_str(o, "\n  },\n  \"protocols\": [\n    \"diaspora\"\n  ],\n"
               "  \"services\": {\n    \"inbound\": [],\n    \"outbound\": []\n  },\n"
               "  \"openRegistrations\": ");
    out_str(o, ni->open_registrations ? "true" : "false");
    out_str(o, ",\n  \"usage\": {\n    \"users\": {\n      \"total\": ");
    out_u64(o, ni->users_total);
    out_str(o, ",\n      \"activeHalfyear\": ");
    out_u64(o, ni->users_active_halfyear);
    out_str(o, ",\n      \"activeMonth\": ");
    out_u64(o, ni->users_active_month);
    out_str(o, "\n    },\n    \"localPosts\": ");
    out_u64(o, ni->local_posts);
    out_str(o, ",\n    \"localComments\": ");
    out_u64(o, ni->local_comments);
    out_str(o, "\n  },\n  \"metadata\": {\n    \"nodeName\": ");
    out_json(o, ni->node_name);
    out_str(o, "\n  }\n}\n");
}

/* NULL for a minor other than 0 or 1. */
char *
fed_nodeinfo_render(const struct fed_nodeinfo *ni, int minor, struct pod_arena *a)
{
    struct ni_ctx c = {ni, minor};

    if (!ni || (minor != 0 && minor != 1))
        return NULL;
    return render_twice(ni_emit, &c, a);
}

/* diaspora* sends the profile parameter unquoted (§2.4); NULL for a minor
 * other than 0 or 1. */
const char *
fed_nodeinfo_content_type(int minor)
{
    switch (minor) {
    case 0:
        return "application/json; profile=" NODEINFO_SCHEMA "0#";
    case 1:
        return "application/json; profile=" NODEINFO_SCHEMA "1#";
    default:
        return NULL;
    }
}

/* ======================================================== parsing: JSON */

/* Copies the NUL-terminated src into dst[cap]; PARSE when it does not fit. */
static int
copy_field(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);

    if (n >= cap)
        return POD_ERR_PARSE;
    memcpy(dst, src, n + 1);
    return POD_OK;
}

static const char *
json_string_item(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsString(it) ? it->valuestring : NULL;
}

int
fed_webfinger_parse(const char *json, size_t len, struct fed_webfinger *out)
{
    char *copy = NULL;
    cJSON *root = NULL;
    const cJSON *links, *link;
    const char *subject;
    bool have_hcard = false, have_seed = false, have_profile = false;
    size_t n;
    int rc = POD_ERR_PARSE;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof *out);
    if (!json)
        goto out;
    if (len > FED_WEBFINGER_MAX_BYTES) {
        rc = POD_ERR_LIMIT;
        goto out;
    }
    /* cJSON wants a NUL-terminated buffer; an inner NUL is never JSON. */
    if (memchr(json, '\0', len))
        goto out;
    rc = pod_json_guard(json, len, WF_MAX_JSON_DEPTH, 0);
    if (rc != POD_OK)
        goto out;
    rc = POD_ERR_NOMEM;
    copy = malloc(len + 1);
    if (!copy)
        goto out;
    memcpy(copy, json, len);
    copy[len] = '\0';

    rc = POD_ERR_PARSE;
    /* len + 1 and require_null_terminated: trailing garbage is refused. */
    root = cJSON_ParseWithLengthOpts(copy, len + 1, NULL, 1);
    if (!cJSON_IsObject(root))
        goto out;

    subject = json_string_item(root, "subject");
    if (!subject)
        goto out;
    if (strncasecmp(subject, "acct:", 5) == 0)
        subject += 5;
    n = strlen(subject);
    if (n == 0 || n >= sizeof out->subject)
        goto out;
    for (size_t i = 0; i <= n; i++) {
        char c = subject[i];
        out->subject[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }

    links = cJSON_GetObjectItemCaseSensitive(root, "links");
    if (!cJSON_IsArray(links))
        goto out;
    /* The first link of each rel wins; links of other shapes are skipped. */
    cJSON_ArrayForEach(link, links)
    {
        const char *rel = json_string_item(link, "rel");
        const char *href = json_string_item(link, "href");

        if (!rel || !href)
            continue;
        if (!have_hcard && strcmp(rel, REL_HCARD) == 0) {
            if (copy_field(out->hcard_url, sizeof out->hcard_url, href) != POD_OK)
                goto out;
            have_hcard = true;
        } else if (!have_seed && strcmp(rel, REL_SEED) == 0) {
            if (copy_field(out->seed_url, sizeof out->seed_url, href) != POD_OK)
                goto out;
            have_seed = true;
        } else if (!have_profile && strcmp(rel, REL_PROFILE) == 0) {
            if (copy_field(out->profile_url, sizeof out->profile_url, href) != POD_OK)
                goto out;
            have_profile = true;
        }
    }
    if (!out->hcard_url[0] || !out->seed_url[0])
        goto out;
    rc = POD_OK;

out:
    cJSON_Delete(root);
    free(copy);
    if (rc != POD_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ======================================================== parsing: hCard */

/*
 * The hCard scanner. It tokenizes the HTML once (text, start and end tags,
 * comments, declarations), keeps a stack of open elements so that an end
 * tag closes everything opened after its matching start tag, and collects:
 * the text content of the first element carrying each class of §2.2, and
 * the src of the first .photo inside .entity_photo, .entity_photo_medium and
 * .entity_photo_small. No recursion; a tag cut off by the end of the input
 * rejects the document.
 */

enum hc_field {
    HC_UID,
    HC_NICKNAME,
    HC_FN,
    HC_GIVEN,
    HC_FAMILY,
    HC_SEARCHABLE,
    HC_KEY,
    HC_NFIELDS
};

static const char *const hc_classes[HC_NFIELDS] = {
    "uid", "nickname", "fn", "given_name", "family_name", "searchable", "key",
};

enum { HC_PHOTO_SIZES = 3 };

static const char *const hc_photo_classes[HC_PHOTO_SIZES] = {
    "entity_photo",
    "entity_photo_medium",
    "entity_photo_small",
};

struct hc_elem {
    char name[16];      /* lowercased; "" for names that do not fit */
    uint8_t photo_mask; /* bit i: carries hc_photo_classes[i] */
};

/* A place decoded text goes to. */
struct hc_buf {
    char *dst;
    size_t cap; /* without the NUL */
    size_t len;
    bool overflow;
};

struct hc_scan {
    const char *s;
    size_t len;
    size_t pos;
    struct hc_elem stack[HCARD_MAX_DEPTH];
    int depth;
    struct hc_buf field[HC_NFIELDS];
    bool found[HC_NFIELDS];
    int open_at[HC_NFIELDS]; /* stack index of the capturing element or -1 */
    struct hc_buf photo[HC_PHOTO_SIZES];
    bool photo_found[HC_PHOTO_SIZES];
    bool skip_lf; /* right after <pre>: a leading newline is not content */
};

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool
is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void
buf_put(struct hc_buf *b, const char *s, size_t n)
{
    if (n > b->cap - b->len) {
        b->overflow = true;
        return;
    }
    memcpy(b->dst + b->len, s, n);
    b->len += n;
    b->dst[b->len] = '\0';
}

/* Encodes cp as UTF-8 into u (4 bytes); returns the length. Code points no
 * character may have become U+FFFD. */
static size_t
utf8_put(uint32_t cp, char *u)
{
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        u[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the entity at s[0] == '&' (n bytes available) into u; returns the
 * bytes consumed, or 0 when it is no entity we know (then '&' is literal). */
static size_t
entity_decode(const char *s, size_t n, char *u, size_t *ulen)
{
    static const struct {
        const char *name;
        const char *text;
    } named[] = {
        {"amp;", "&"},   {"lt;", "<"},   {"gt;", ">"},
        {"quot;", "\""}, {"apos;", "'"}, {"nbsp;", "\xC2\xA0"},
    };

    if (n >= 3 && s[1] == '#') {
        size_t i = 2;
        uint32_t cp = 0;
        bool hex = (s[i] == 'x' || s[i] == 'X');
        size_t digits = 0;

        if (hex)
            i++;
        for (; i < n; i++, digits++) {
            char c = s[i];
            uint32_t d;

            if (c >= '0' && c <= '9')
                d = (uint32_t)(c - '0');
            else if (hex && c >= 'a' && c <= 'f')
                d = (uint32_t)(c - 'a' + 10);
            else if (hex && c >= 'A' && c <= 'F')
                d = (uint32_t)(c - 'A' + 10);
            else
                break;
            cp = cp * (hex ? 16 : 10) + d;
            if (cp > 0x10FFFF)
                cp = 0x110000; /* stays out of range, cannot wrap */
        }
        if (digits == 0 || i >= n || s[i] != ';')
            return 0;
        *ulen = utf8_put(cp, u);
        return i + 1;
    }
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
        size_t nl = strlen(named[k].name);

        if (n > nl && memcmp(s + 1, named[k].name, nl) == 0) {
            *ulen = strlen(named[k].text);
            memcpy(u, named[k].text, *ulen);
            return nl + 1;
        }
    }
    return 0;
}

/* Decodes n bytes of text or attribute value into every buffer of bufs[]
 * (NULL entries skipped). NUL bytes are dropped. */
static void
html_decode(const char *s, size_t n, struct hc_buf *const *bufs, size_t nbufs)
{
    size_t i = 0;

    while (i < n) {
        size_t run = i;
        const char *piece;
        size_t plen;
        char u[8];

        while (run < n && s[run] != '&' && s[run] != '\0')
            run++;
        if (run > i) {
            piece = s + i;
            plen = run - i;
            i = run;
        } else if (s[i] == '\0') {
            i++;
            continue;
        } else {
            size_t used = entity_decode(s + i, n - i, u, &plen);

            if (used) {
                piece = u;
                i += used;
            } else {
                piece = "&";
                plen = 1;
                i++;
            }
        }
        for (size_t b = 0; b < nbufs; b++)
            if (bufs[b])
                buf_put(bufs[b], piece, plen);
    }
}

/* Appends text to every field whose element is open. */
static void
hc_text(struct hc_scan *st, const char *s, size_t n)
{
    struct hc_buf *bufs[HC_NFIELDS];
    size_t nb = 0;

    if (st->skip_lf && n && s[0] == '\n') {
        s++, n--;
    } else if (st->skip_lf && n >= 2 && s[0] == '\r' && s[1] == '\n') {
        s += 2, n -= 2;
    }
    st->skip_lf = false;
    for (int f = 0; f < HC_NFIELDS; f++)
        if (st->open_at[f] >= 0)
            bufs[nb++] = &st->field[f];
    if (nb)
        html_decode(s, n, bufs, nb);
}

/* Is the class token tok (n bytes) exactly want? */
static bool
token_is(const char *tok, size_t n, const char *want)
{
    return strlen(want) == n && memcmp(tok, want, n) == 0;
}

/* Position of the first c at or after from, or len. */
static size_t
find_char(const char *s, size_t len, size_t from, char c)
{
    const char *p = from < len ? memchr(s + from, c, len - from) : NULL;

    return p ? (size_t)(p - s) : len;
}

/* Position of the first needle at or after from, or len. */
static size_t
find_str(const char *s, size_t len, size_t from, const char *needle, bool nocase)
{
    size_t nl = strlen(needle);

    for (size_t i = from; i + nl <= len; i++) {
        if (nocase ? strncasecmp(s + i, needle, nl) == 0 : memcmp(s + i, needle, nl) == 0)
            return i;
    }
    return len;
}

/* Reads a tag name at st->pos into name (lowercased, "" if too long). */
static void
hc_tag_name(struct hc_scan *st, char name[16])
{
    size_t n = 0;
    bool fits = true;

    while (st->pos < st->len && !is_space(st->s[st->pos]) && st->s[st->pos] != '/' &&
           st->s[st->pos] != '>') {
        char c = st->s[st->pos++];

        if (n < 15)
            name[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        else
            fits = false;
    }
    name[fits ? n : 0] = '\0';
}

static bool
is_void_element(const char *name)
{
    static const char *const voids[] = {"area",  "base", "br",   "col",   "embed",  "hr",    "img",
                                        "input", "link", "meta", "param", "source", "track", "wbr"};

    for (size_t i = 0; i < sizeof voids / sizeof voids[0]; i++)
        if (strcmp(name, voids[i]) == 0)
            return true;
    return false;
}

/* Closes the element at stack index i and everything opened inside it. */
static void
hc_pop_to(struct hc_scan *st, int i)
{
    for (int f = 0; f < HC_NFIELDS; f++)
        if (st->open_at[f] >= i)
            st->open_at[f] = -1;
    st->depth = i;
}

static int
hc_end_tag(struct hc_scan *st)
{
    char name[16];
    size_t gt;

    st->pos += 2; /* "</" */
    hc_tag_name(st, name);
    gt = find_char(st->s, st->len, st->pos, '>');
    if (gt >= st->len)
        return POD_ERR_PARSE;
    st->pos = gt + 1;
    for (int i = st->depth - 1; i >= 0; i--) {
        if (strcmp(st->stack[i].name, name) == 0) {
            hc_pop_to(st, i);
            break;
        }
    }
    return POD_OK;
}

/* The attributes of a start tag the scanner cares about. */
struct hc_attrs {
    const char *cls, *src;
    size_t cls_len, src_len;
    bool has_cls, has_src;
    bool self_closing;
};

static int
hc_attrs_read(struct hc_scan *st, struct hc_attrs *at)
{
    const char *s = st->s;

    for (;;) {
        size_t name, name_len, val, val_len;

        while (st->pos < st->len && is_space(s[st->pos]))
            st->pos++;
        if (st->pos >= st->len)
            return POD_ERR_PARSE;
        if (s[st->pos] == '>') {
            st->pos++;
            return POD_OK;
        }
        if (s[st->pos] == '/') {
            st->pos++;
            if (st->pos < st->len && s[st->pos] == '>') {
                st->pos++;
                at->self_closing = true;
                return POD_OK;
            }
            continue;
        }
        name = st->pos;
        while (st->pos < st->len && !is_space(s[st->pos]) && s[st->pos] != '=' &&
               s[st->pos] != '>' && s[st->pos] != '/')
            st->pos++;
        if (st->pos == name) /* a stray '=': skip it */
            st->pos++;
        name_len = st->pos - name;
        while (st->pos < st->len && is_space(s[st->pos]))
            st->pos++;
        val = val_len = 0;
        if (st->pos < st->len && s[st->pos] == '=') {
            st->pos++;
            while (st->pos < st->len && is_space(s[st->pos]))
                st->pos++;
            if (st->pos >= st->len)
                return POD_ERR_PARSE;
            if (s[st->pos] == '"' || s[st->pos] == '\'') {
                size_t q = find_char(s, st->len, st->pos + 1, s[st->pos]);

                if (q >= st->len)
                    return POD_ERR_PARSE;
                val = st->pos + 1;
                val_len = q - val;
                st->pos = q + 1;
            } else {
                val = st->pos;
                while (st->pos < st->len && !is_space(s[st->pos]) && s[st->pos] != '>')
                    st->pos++;
                val_len = st->pos - val;
            }
        }
        /* The first of duplicate attributes counts, as in HTML. */
        if (name_len == 5 && strncasecmp(s + name, "class", 5) == 0 && !at->has_cls) {
            at->cls = s + val, at->cls_len = val_len, at->has_cls = true;
        } else if (name_len == 3 && strncasecmp(s + name, "src", 3) == 0 && !at->has_src) {
            at->src = s + val, at->src_len = val_len, at->has_src = true;
        }
    }
}

static int
hc_start_tag(struct hc_scan *st)
{
    struct hc_attrs at = {0};
    char name[16];
    unsigned fields = 0;
    uint8_t photo_mask = 0;
    bool is_photo = false, opens;
    int rc;

    st->pos += 1; /* "<" */
    hc_tag_name(st, name);
    rc = hc_attrs_read(st, &at);
    if (rc != POD_OK)
        return rc;

    /* Split the class attribute into its tokens. */
    for (size_t i = 0; at.has_cls && i < at.cls_len;) {
        size_t start;

        while (i < at.cls_len && is_space(at.cls[i]))
            i++;
        start = i;
        while (i < at.cls_len && !is_space(at.cls[i]))
            i++;
        if (i == start)
            break;
        for (int f = 0; f < HC_NFIELDS; f++)
            if (token_is(at.cls + start, i - start, hc_classes[f]))
                fields |= 1u << f;
        for (int k = 0; k < HC_PHOTO_SIZES; k++)
            if (token_is(at.cls + start, i - start, hc_photo_classes[k]))
                photo_mask |= (uint8_t)(1u << k);
        if (token_is(at.cls + start, i - start, "photo"))
            is_photo = true;
    }

    /* .entity_photo .photo[src]: a descendant of an open element. */
    if (is_photo && at.has_src) {
        uint8_t inside = 0;

        for (int i = 0; i < st->depth; i++)
            inside |= st->stack[i].photo_mask;
        for (int k = 0; k < HC_PHOTO_SIZES; k++) {
            if ((inside & (1u << k)) && !st->photo_found[k]) {
                struct hc_buf *b = &st->photo[k];

                html_decode(at.src, at.src_len, &b, 1);
                if (b->overflow)
                    return POD_ERR_PARSE;
                st->photo_found[k] = true;
            }
        }
    }

    st->skip_lf = false;
    opens = !at.self_closing && !is_void_element(name);
    if (opens && (strcmp(name, "script") == 0 || strcmp(name, "style") == 0)) {
        /* Raw text: skip to its end tag, which then closes nothing. */
        size_t end =
            find_str(st->s, st->len, st->pos, name[1] == 'c' ? "</script" : "</style", true);

        if (end >= st->len)
            return POD_ERR_PARSE;
        st->pos = end;
        return POD_OK;
    }
    if (opens) {
        if (st->depth >= HCARD_MAX_DEPTH)
            return POD_ERR_LIMIT;
        memcpy(st->stack[st->depth].name, name, sizeof name);
        st->stack[st->depth].photo_mask = photo_mask;
        st->skip_lf = strcmp(name, "pre") == 0;
    }
    for (int f = 0; f < HC_NFIELDS; f++) {
        if ((fields & (1u << f)) && !st->found[f]) {
            st->found[f] = true;
            st->open_at[f] = opens ? st->depth : -1;
        }
    }
    if (opens)
        st->depth++;
    return POD_OK;
}

/* Skips a comment, doctype or processing instruction at st->pos. */
static int
hc_skip_markup(struct hc_scan *st)
{
    size_t end;

    if (st->len - st->pos >= 4 && memcmp(st->s + st->pos, "<!--", 4) == 0) {
        end = find_str(st->s, st->len, st->pos + 4, "-->", false);
        if (end >= st->len)
            return POD_ERR_PARSE;
        st->pos = end + 3;
    } else {
        end = find_char(st->s, st->len, st->pos + 1, '>');
        if (end >= st->len)
            return POD_ERR_PARSE;
        st->pos = end + 1;
    }
    return POD_OK;
}

static int
hc_scan_all(struct hc_scan *st)
{
    const char *s = st->s;
    int rc;

    while (st->pos < st->len) {
        char next;

        if (s[st->pos] != '<') {
            size_t lt = find_char(s, st->len, st->pos, '<');

            hc_text(st, s + st->pos, lt - st->pos);
            st->pos = lt;
            continue;
        }
        if (st->len - st->pos < 2)
            return POD_ERR_PARSE; /* cut off right after '<' */
        next = s[st->pos + 1];
        if (next == '!' || next == '?') {
            rc = hc_skip_markup(st);
        } else if (next == '/') {
            if (st->len - st->pos < 3)
                return POD_ERR_PARSE;
            rc = is_alpha(s[st->pos + 2]) ? hc_end_tag(st) : hc_skip_markup(st);
        } else if (is_alpha(next)) {
            rc = hc_start_tag(st);
        } else {
            /* A '<' that starts no tag is text. */
            hc_text(st, s + st->pos, 1);
            st->pos++;
            rc = POD_OK;
        }
        if (rc != POD_OK)
            return rc;
        if (next == '!' || next == '?' || next == '/')
            st->skip_lf = false;
    }
    hc_pop_to(st, 0);
    return POD_OK;
}

/* The text of .key must be a PEM block: armour lines around the base64. */
static bool
pem_armoured(const char *pem)
{
    size_t n;

    while (is_space(*pem))
        pem++;
    n = strlen(pem);
    while (n && is_space(pem[n - 1]))
        n--;
    if (strncmp(pem, "-----BEGIN ", 11) != 0 || n < 16 || memcmp(pem + n - 5, "-----", 5) != 0)
        return false;
    return find_str(pem, n, 11, "\n-----END ", false) < n;
}

int
fed_hcard_parse(const char *html, size_t len, struct fed_hcard *out)
{
    struct hc_scan scan, *st = &scan; /* about 1.5 KiB */
    char searchable[8];
    int rc = POD_ERR_PARSE;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof *out);
    if (!html)
        goto out;
    if (len > FED_HCARD_MAX_BYTES) {
        rc = POD_ERR_LIMIT;
        goto out;
    }
    memset(st, 0, sizeof *st);
    st->s = html;
    st->len = len;
    {
        char *dst[HC_NFIELDS] = {out->guid,      out->nickname, out->full_name,     out->first_name,
                                 out->last_name, searchable,    out->public_key_pem};
        size_t cap[HC_NFIELDS] = {sizeof out->guid,          sizeof out->nickname,
                                  sizeof out->full_name,     sizeof out->first_name,
                                  sizeof out->last_name,     sizeof searchable,
                                  sizeof out->public_key_pem};
        char *photo[HC_PHOTO_SIZES] = {out->avatar_large, out->avatar_medium, out->avatar_small};

        for (int f = 0; f < HC_NFIELDS; f++) {
            st->field[f] = (struct hc_buf){.dst = dst[f], .cap = cap[f] - 1};
            st->open_at[f] = -1;
        }
        searchable[0] = '\0';
        for (int k = 0; k < HC_PHOTO_SIZES; k++)
            st->photo[k] = (struct hc_buf){.dst = photo[k], .cap = sizeof out->avatar_large - 1};
    }

    rc = hc_scan_all(st);
    if (rc != POD_OK)
        goto out;
    rc = POD_ERR_PARSE;
    for (int f = 0; f < HC_NFIELDS; f++)
        if (f != HC_SEARCHABLE && st->field[f].overflow)
            goto out;
    if (!st->found[HC_UID] || !out->guid[0] || !st->found[HC_FN] || !st->found[HC_KEY] ||
        !pem_armoured(out->public_key_pem) || !st->photo_found[0])
        goto out;
    out->searchable = !st->field[HC_SEARCHABLE].overflow && strcmp(searchable, "true") == 0;
    rc = POD_OK;

out:
    if (rc != POD_OK)
        memset(out, 0, sizeof *out);
    return rc;
}
