/*
 * form.c - query strings, urlencoded and multipart/form-data bodies, and the
 * Cookie header (see form.h).
 *
 * Every parser works on a buffer with a length: nothing reads past len and
 * nothing relies on a NUL in a body (multipart file parts are binary). The
 * results are copied into the caller's arena; on any error *out is left
 * empty (fields NULL, count 0), though the arena may hold partial copies
 * until it is freed.
 *
 * Allocation failures: pod_arena_alloc() returns NULL both when malloc fails
 * and when the arena's limit is reached, and the two cannot be told apart
 * from here, so every refused allocation is POD_ERR_NOMEM. POD_ERR_LIMIT
 * always means one of this module's own limits: WEB_FORM_MAX_FIELDS,
 * WEB_FORM_MAX_NAME, or the size and line count of a multipart part's
 * header block.
 */
#include "web/form.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"

#define FORM_BOUNDARY_MAX    70   /* RFC 2046 §5.1.1 */
#define FORM_PART_HEAD_MAX   8192 /* bytes of one part's header block */
#define FORM_PART_HEAD_LINES 16   /* header lines of one part */
#define FORM_FIELDS_FIRST    8    /* first size of the field array */

/* ------------------------------------------------------------- field array */

/* Grows out->fields inside the arena by doubling (8, 16, 32, 64): small
 * forms stay small and the copies cost at most one extra array. */
struct form_build {
    struct pod_arena *a;
    struct web_form *out;
    size_t cap;
};

static int
form_push(struct form_build *b, struct web_form_field **f)
{
    struct web_form_field *grown;
    size_t cap;

    if (b->out->count >= WEB_FORM_MAX_FIELDS)
        return POD_ERR_LIMIT;
    if (b->out->count == b->cap) {
        cap = b->cap ? b->cap * 2 : FORM_FIELDS_FIRST;
        if (cap > WEB_FORM_MAX_FIELDS)
            cap = WEB_FORM_MAX_FIELDS;
        grown = pod_arena_alloc(b->a, cap * sizeof *grown);
        if (!grown)
            return POD_ERR_NOMEM;
        if (b->out->count)
            memcpy(grown, b->out->fields, b->out->count * sizeof *grown);
        b->out->fields = grown;
        b->cap = cap;
    }
    *f = &b->out->fields[b->out->count++];
    memset(*f, 0, sizeof **f);
    return POD_OK;
}

static int
is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* ---------------------------------------------------------------- urlencoded */

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s (len bytes, '+' and %XX) into a new arena string. A bad escape
 * or a NUL (encoded or raw: names and values are C strings) is
 * POD_ERR_PARSE. */
static int
url_decode(struct pod_arena *a, const char *s, size_t len, char **dst, size_t *dlen)
{
    char *d = pod_arena_alloc(a, len + 1);
    size_t n = 0;

    if (!d)
        return POD_ERR_NOMEM;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int hi, lo;

        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (len - i < 3 || (hi = hex_value(s[i + 1])) < 0 || (lo = hex_value(s[i + 2])) < 0)
                return POD_ERR_PARSE;
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (c == '\0')
            return POD_ERR_PARSE;
        d[n++] = c;
    }
    d[n] = '\0';
    *dst = d;
    *dlen = n;
    return POD_OK;
}

/* One non-empty "name=value" or "name" segment. */
static int
url_field(struct form_build *b, const char *seg, size_t len)
{
    const char *eq = memchr(seg, '=', len);
    size_t nraw = eq ? (size_t)(eq - seg) : len, nlen;
    struct web_form_field *f;
    char *name, *value;
    int rc;

    if (nraw == 0)
        return POD_ERR_PARSE;
    /* Each decoded byte takes at most three raw ones: refuse early, before
     * copying a huge name into the arena. */
    if (nraw > 3 * (size_t)WEB_FORM_MAX_NAME)
        return POD_ERR_LIMIT;
    rc = form_push(b, &f);
    if (rc != POD_OK)
        return rc;
    rc = url_decode(b->a, seg, nraw, &name, &nlen);
    if (rc != POD_OK)
        return rc;
    if (nlen > WEB_FORM_MAX_NAME)
        return POD_ERR_LIMIT;
    if (eq)
        rc = url_decode(b->a, eq + 1, len - nraw - 1, &value, &f->value_len);
    else
        rc = url_decode(b->a, "", 0, &value, &f->value_len);
    if (rc != POD_OK)
        return rc;
    f->name = name;
    f->value = value;
    return POD_OK;
}

int
web_form_parse_urlencoded(const char *buf, size_t len, struct pod_arena *a, struct web_form *out)
{
    struct form_build b = {a, out, 0};
    size_t pos = 0;
    int rc = POD_OK;

    if (!out)
        return POD_ERR_INVAL;
    out->fields = NULL;
    out->count = 0;
    if (!a || (!buf && len))
        return POD_ERR_INVAL;
    /* Only '&' separates fields (';' is an ordinary byte, as in browsers'
     * form encoding); empty segments ("a=1&&b=2", a trailing '&') are
     * skipped. */
    while (pos < len) {
        const char *seg = buf + pos, *amp = memchr(seg, '&', len - pos);
        size_t slen = amp ? (size_t)(amp - seg) : len - pos;

        pos += slen + 1;
        if (slen == 0)
            continue;
        rc = url_field(&b, seg, slen);
        if (rc != POD_OK)
            goto out;
    }
out:
    if (rc != POD_OK) {
        out->fields = NULL;
        out->count = 0;
    }
    return rc;
}

/* ----------------------------------------------------------------- multipart */

/* A quoted-string (RFC 9110 §5.6.4) starting at p[0] == '"': on success *end
 * is just past the closing quote. */
static int
quoted_scan(const char *p, const char *lim, const char **end)
{
    for (p++; p < lim; p++) {
        if (*p == '\\') {
            if (++p == lim)
                break;
        } else if (*p == '"') {
            *end = p + 1;
            return POD_OK;
        }
    }
    return POD_ERR_PARSE;
}

/* Copies the quoted-string [s, e) (quotes included) without its quotes and
 * with backslash escapes resolved into dst (room for e - s bytes). */
static size_t
quoted_copy(const char *s, const char *e, char *dst)
{
    size_t n = 0;

    for (s++, e--; s < e; s++) {
        if (*s == '\\')
            s++;
        dst[n++] = *s;
    }
    dst[n] = '\0';
    return n;
}

/* One parameter value: a quoted-string or a token up to ';' or white space.
 * [*vs, *ve) is the raw span, *quoted says which. */
static int
param_value(const char *p, const char *lim, const char **vs, const char **ve, int *quoted)
{
    *vs = p;
    *quoted = p < lim && *p == '"';
    if (*quoted)
        return quoted_scan(p, lim, ve);
    while (p < lim && *p != ';' && !is_ows(*p))
        p++;
    *ve = p;
    return POD_OK;
}

/* The raw value as a new arena string (quotes removed, escapes resolved). */
static char *
param_dup(struct pod_arena *a, const char *vs, const char *ve, int quoted, size_t *n)
{
    char *d = pod_arena_alloc(a, (size_t)(ve - vs) + 1);

    if (!d)
        return NULL;
    if (quoted) {
        *n = quoted_copy(vs, ve, d);
    } else {
        memcpy(d, vs, (size_t)(ve - vs));
        d[ve - vs] = '\0';
        *n = (size_t)(ve - vs);
    }
    return d;
}

typedef int (*param_fn)(const char *ns, size_t nlen, const char *vs, const char *ve, int quoted,
                        void *ctx);

/* Walks "; name=value" parameters of a header value in [p, lim). For each,
 * calls fn with the name and the raw value span; a missing '=' or an
 * unterminated quote is POD_ERR_PARSE. */
static int
params_walk(const char *p, const char *lim, param_fn fn, void *ctx)
{
    for (;;) {
        const char *ns, *ne, *vs, *ve;
        int quoted, rc;

        while (p < lim && is_ows(*p))
            p++;
        if (p == lim)
            return POD_OK;
        if (*p != ';')
            return POD_ERR_PARSE;
        p++;
        while (p < lim && is_ows(*p))
            p++;
        if (p == lim) /* a trailing ';' */
            return POD_OK;
        ns = p;
        while (p < lim && *p != '=' && *p != ';' && !is_ows(*p))
            p++;
        ne = p;
        while (p < lim && is_ows(*p))
            p++;
        if (ne == ns || p == lim || *p != '=')
            return POD_ERR_PARSE;
        p++;
        while (p < lim && is_ows(*p))
            p++;
        rc = param_value(p, lim, &vs, &ve, &quoted);
        if (rc != POD_OK)
            return rc;
        rc = fn(ns, (size_t)(ne - ns), vs, ve, quoted, ctx);
        if (rc != POD_OK)
            return rc;
        p = ve;
    }
}

static int
name_is(const char *s, size_t n, const char *want)
{
    return n == strlen(want) && strncasecmp(s, want, n) == 0;
}

/* RFC 2046 bcharsnospace plus the space, which may not come last. */
static int
boundary_ok(const char *b, size_t n)
{
    static const char extra[] = "'()+_,-./:=? ";

    if (n == 0 || n > FORM_BOUNDARY_MAX || b[n - 1] == ' ')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c != '\0' && strchr(extra, c))))
            return 0;
    }
    return 1;
}

struct boundary_ctx {
    char *out; /* FORM_BOUNDARY_MAX + 1 bytes */
    size_t len;
    int found;
};

static int
boundary_param(const char *ns, size_t nlen, const char *vs, const char *ve, int quoted, void *ctx)
{
    struct boundary_ctx *bc = ctx;
    size_t raw = (size_t)(ve - vs);

    if (!name_is(ns, nlen, "boundary"))
        return POD_OK;
    if (bc->found)
        return POD_ERR_PARSE; /* two boundaries: which one? */
    bc->found = 1;
    if (raw > FORM_BOUNDARY_MAX + 2)
        return POD_ERR_PARSE;
    if (quoted) {
        bc->len = quoted_copy(vs, ve, bc->out);
    } else {
        memcpy(bc->out, vs, raw);
        bc->len = raw;
    }
    return boundary_ok(bc->out, bc->len) ? POD_OK : POD_ERR_PARSE;
}

/* The boundary parameter of a Content-Type header ("multipart/form-data;
 * boundary=..."), quoted or not, the parameter name in any case. The media
 * type itself is not checked: the caller looked at it to choose this
 * parser. */
static int
mp_boundary(const char *ct, char *out, size_t *len)
{
    /* Room for a quoted boundary with quotes before it is checked. */
    char tmp[FORM_BOUNDARY_MAX + 3];
    struct boundary_ctx bc = {tmp, 0, 0};
    const char *semi, *lim;
    int rc;

    if (!ct)
        return POD_ERR_PARSE;
    lim = ct + strlen(ct);
    semi = strchr(ct, ';');
    if (!semi)
        return POD_ERR_PARSE;
    rc = params_walk(semi, lim, boundary_param, &bc);
    if (rc != POD_OK)
        return rc;
    if (!bc.found)
        return POD_ERR_PARSE;
    memcpy(out, tmp, bc.len);
    *len = bc.len;
    return POD_OK;
}

struct mp {
    const char *buf;
    size_t len;
    char delim[3 + FORM_BOUNDARY_MAX]; /* "\n--" boundary */
    size_t dlen;
};

/* Is the text at p (just past "--boundary") the rest of a delimiter line?
 * "--" makes it the close delimiter; otherwise optional white space and a
 * CRLF or bare LF. *after is where the next part (or the epilogue) starts. */
static int
mp_delim_tail(const struct mp *m, size_t p, size_t *after, int *close)
{
    if (m->len - p >= 2 && m->buf[p] == '-' && m->buf[p + 1] == '-') {
        *close = 1;
        *after = p + 2;
        return 1;
    }
    while (p < m->len && is_ows(m->buf[p]))
        p++;
    if (p < m->len && m->buf[p] == '\n') {
        *after = p + 1;
    } else if (m->len - p >= 2 && m->buf[p] == '\r' && m->buf[p + 1] == '\n') {
        *after = p + 2;
    } else {
        return 0;
    }
    *close = 0;
    return 1;
}

/* The next delimiter line at or after from: returns the offset of the '\n'
 * that starts "\n--boundary", or SIZE_MAX. A line that merely starts with
 * "--boundary" and goes on is part data, not a delimiter. */
static size_t
mp_next(const struct mp *m, size_t from, size_t *after, int *close)
{
    while (from < m->len) {
        const char *hit = memmem(m->buf + from, m->len - from, m->delim, m->dlen);
        size_t at;

        if (!hit)
            break;
        at = (size_t)(hit - m->buf);
        if (mp_delim_tail(m, at + m->dlen, after, close))
            return at;
        from = at + 1;
    }
    return SIZE_MAX;
}

struct disposition_ctx {
    struct pod_arena *a;
    struct web_form_field *f;
};

static int
disposition_param(const char *ns, size_t nlen, const char *vs, const char *ve, int quoted,
                  void *ctx)
{
    struct disposition_ctx *dc = ctx;
    size_t n;

    /* filename* (RFC 5987) and unknown parameters are ignored. */
    if (name_is(ns, nlen, "name")) {
        if (dc->f->name)
            return POD_ERR_PARSE;
        dc->f->name = param_dup(dc->a, vs, ve, quoted, &n);
        if (!dc->f->name)
            return POD_ERR_NOMEM;
        if (n == 0)
            return POD_ERR_PARSE;
        if (n > WEB_FORM_MAX_NAME)
            return POD_ERR_LIMIT;
    } else if (name_is(ns, nlen, "filename")) {
        if (dc->f->filename)
            return POD_ERR_PARSE;
        dc->f->filename = param_dup(dc->a, vs, ve, quoted, &n);
        if (!dc->f->filename)
            return POD_ERR_NOMEM;
    }
    return POD_OK;
}

/* Content-Disposition: form-data; name="..."; filename="..." */
static int
mp_disposition(struct pod_arena *a, const char *v, const char *lim, struct web_form_field *f)
{
    struct disposition_ctx dc = {a, f};
    const char *p = v;

    while (p < lim && *p != ';' && !is_ows(*p))
        p++;
    if (!name_is(v, (size_t)(p - v), "form-data"))
        return POD_ERR_PARSE;
    return params_walk(p, lim, disposition_param, &dc);
}

/* Parses the header lines of a part starting at *pos up to and including
 * the empty line; *pos becomes the start of the part's body. */
static int
mp_headers(const struct mp *m, struct pod_arena *a, size_t *pos, struct web_form_field *f)
{
    size_t start = *pos, p = *pos;
    int lines = 0, disposition = 0;

    for (;;) {
        const char *line = m->buf + p, *nl, *end, *colon, *ne, *v;
        size_t room = m->len - p, window;

        if (p - start >= FORM_PART_HEAD_MAX)
            return POD_ERR_LIMIT;
        window = FORM_PART_HEAD_MAX - (p - start);
        nl = memchr(line, '\n', room < window ? room : window);
        if (!nl) /* the body ends first: cut or no separator */
            return room > window ? POD_ERR_LIMIT : POD_ERR_PARSE;
        p = (size_t)(nl - m->buf) + 1;
        end = nl > line && nl[-1] == '\r' ? nl - 1 : nl;
        if (end == line)
            break;
        if (++lines > FORM_PART_HEAD_LINES)
            return POD_ERR_LIMIT;
        /* No NUL (names are C strings), no obsolete line folding, and
         * every line is "Name: value" (so a delimiter line met here means
         * the empty line is missing). */
        if (memchr(line, '\0', (size_t)(end - line)) || is_ows(*line))
            return POD_ERR_PARSE;
        colon = memchr(line, ':', (size_t)(end - line));
        if (!colon || colon == line)
            return POD_ERR_PARSE;
        for (ne = colon; ne > line && is_ows(ne[-1]); ne--)
            ;
        for (v = colon + 1; v < end && is_ows(*v); v++)
            ;
        while (end > v && is_ows(end[-1]))
            end--;
        if (name_is(line, (size_t)(ne - line), "Content-Disposition")) {
            int rc;

            if (disposition++)
                return POD_ERR_PARSE;
            rc = mp_disposition(a, v, end, f);
            if (rc != POD_OK)
                return rc;
        } else if (name_is(line, (size_t)(ne - line), "Content-Type")) {
            if (f->content_type)
                return POD_ERR_PARSE;
            f->content_type = pod_arena_strndup(a, v, (size_t)(end - v));
            if (!f->content_type)
                return POD_ERR_NOMEM;
        }
    }
    if (!f->name)
        return POD_ERR_PARSE;
    *pos = p;
    return POD_OK;
}

int
web_form_parse_multipart(const char *buf, size_t len, const char *content_type, struct pod_arena *a,
                         struct web_form *out)
{
    struct form_build b = {a, out, 0};
    struct mp m;
    size_t blen, pos, at;
    int rc, close;

    if (!out)
        return POD_ERR_INVAL;
    out->fields = NULL;
    out->count = 0;
    if (!a || (!buf && len))
        return POD_ERR_INVAL;
    rc = mp_boundary(content_type, m.delim + 3, &blen);
    if (rc != POD_OK)
        goto out;
    memcpy(m.delim, "\n--", 3);
    m.dlen = 3 + blen;
    m.buf = buf;
    m.len = len;

    /* The first delimiter opens the body or follows a preamble line. */
    if (!(len >= m.dlen - 1 && memcmp(buf, m.delim + 1, m.dlen - 1) == 0 &&
          mp_delim_tail(&m, m.dlen - 1, &pos, &close)) &&
        mp_next(&m, 0, &pos, &close) == SIZE_MAX) {
        rc = POD_ERR_PARSE;
        goto out;
    }
    while (!close) {
        struct web_form_field *f;
        size_t vstart, vend;

        rc = form_push(&b, &f);
        if (rc != POD_OK)
            goto out;
        rc = mp_headers(&m, a, &pos, f);
        if (rc != POD_OK)
            goto out;
        /* The body ends at the line break before the next delimiter. The
         * search starts at the '\n' of the empty line, so a part whose
         * delimiter follows the empty line directly is an empty value. */
        vstart = pos;
        at = mp_next(&m, vstart - 1, &pos, &close);
        if (at == SIZE_MAX) {
            rc = POD_ERR_PARSE; /* cut short: no closing delimiter */
            goto out;
        }
        vend = at < vstart ? vstart : at;
        if (vend > vstart && buf[vend - 1] == '\r')
            vend--;
        f->value = pod_arena_strndup(a, buf + vstart, vend - vstart);
        if (!f->value) {
            rc = POD_ERR_NOMEM;
            goto out;
        }
        f->value_len = vend - vstart;
    }
    rc = POD_OK; /* anything after the close delimiter is the epilogue */
out:
    if (rc != POD_OK) {
        out->fields = NULL;
        out->count = 0;
    }
    return rc;
}

/* ------------------------------------------------------------------ lookup */

const struct web_form_field *
web_form_field(const struct web_form *f, const char *name)
{
    if (!f || !name)
        return NULL;
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->fields[i].name, name) == 0)
            return &f->fields[i];
    return NULL;
}

const char *
web_form_get(const struct web_form *f, const char *name)
{
    const struct web_form_field *field = web_form_field(f, name);

    return field ? field->value : NULL;
}

/* ------------------------------------------------------------------ cookies */

/*
 * Cookie: "a=1; b=2" (RFC 6265 §4.2.1), read leniently because browsers
 * replay whatever other sites on the host set: segments are split on ';'
 * and trimmed of spaces and tabs; empty segments and segments without '='
 * or with an empty name ("x", "=v") are skipped, not errors. A value in
 * double quotes loses them. Names match exactly (case-sensitive); the first
 * match wins. Only control characters (other than tab) make the header
 * POD_ERR_PARSE: that is no cookie list, whichever cookie is asked for.
 * NULL arguments, an empty name or cap 0 are POD_ERR_INVAL; out (when there
 * is room) is "" on every error.
 */
int
web_cookie_get(const char *header, const char *name, char *out, size_t cap)
{
    const char *p;
    size_t nlen;

    if (!out || cap == 0)
        return POD_ERR_INVAL;
    out[0] = '\0';
    if (!name || !*name)
        return POD_ERR_INVAL;
    if (!header)
        return POD_ERR_NOTFOUND;
    for (p = header; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
            return POD_ERR_PARSE;
    nlen = strlen(name);
    for (p = header; *p;) {
        const char *s = p, *e = strchr(p, ';'), *eq, *ne, *vs;

        if (!e)
            e = p + strlen(p);
        p = *e ? e + 1 : e;
        while (s < e && is_ows(*s))
            s++;
        while (e > s && is_ows(e[-1]))
            e--;
        eq = memchr(s, '=', (size_t)(e - s));
        if (!eq)
            continue;
        for (ne = eq; ne > s && is_ows(ne[-1]); ne--)
            ;
        if ((size_t)(ne - s) != nlen || memcmp(s, name, nlen) != 0)
            continue;
        for (vs = eq + 1; vs < e && is_ows(*vs); vs++)
            ;
        if (e - vs >= 2 && *vs == '"' && e[-1] == '"') {
            vs++;
            e--;
        }
        if ((size_t)(e - vs) > cap - 1)
            return POD_ERR_LIMIT;
        memcpy(out, vs, (size_t)(e - vs));
        out[e - vs] = '\0';
        return POD_OK;
    }
    return POD_ERR_NOTFOUND;
}
