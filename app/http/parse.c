/*
 * parse.c - HTTP/1.1 response head and chunked body parsing (parse.h),
 * after RFC 9112. Line ends may be CRLF or a bare LF; a CR anywhere else
 * is an error.
 */
#include "http/parse.h"

#include "core/error.h"

#include <string.h>
#include <strings.h>

#define CHUNK_LINE_MAX 1024 /* a chunk-size line with its extensions */

static bool
is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar, SP and HTAB: no control characters but tab. */
static bool
is_text(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static int
hex_value(unsigned char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool
token_equal(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && !strncasecmp(s, lit, n);
}

static int
status_line_parse(const char *s, size_t n, struct http_head *out)
{
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || !is_digit((unsigned char)s[7]) || s[8] != ' ')
        return POD_ERR_PARSE;
    for (size_t i = 9; i < 12; i++)
        if (!is_digit((unsigned char)s[i]))
            return POD_ERR_PARSE;
    if (n > 12 && s[12] != ' ')
        return POD_ERR_PARSE;
    for (size_t i = 12; i < n; i++)
        if (!is_text((unsigned char)s[i]))
            return POD_ERR_PARSE;
    out->minor = s[7] - '0';
    out->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    if (out->status < 100 || out->status > 599)
        return POD_ERR_PARSE;
    return POD_OK;
}

static int
field_line_parse(const char *s, size_t n, struct http_field *f)
{
    size_t i = 0, end;

    /* A line starting with whitespace is obs-fold: refused, not unfolded. */
    while (i < n && is_tchar((unsigned char)s[i]))
        i++;
    if (i == 0 || i == n || s[i] != ':')
        return POD_ERR_PARSE;
    f->name = s;
    f->name_len = i;
    i++;
    while (i < n && is_ows((unsigned char)s[i]))
        i++;
    end = n;
    while (end > i && is_ows((unsigned char)s[end - 1]))
        end--;
    for (size_t k = i; k < end; k++)
        if (!is_text((unsigned char)s[k]))
            return POD_ERR_PARSE;
    f->value = s + i;
    f->value_len = end - i;
    return POD_OK;
}

static int
content_length_parse(const struct http_field *f, int64_t *out)
{
    int64_t v = 0;

    if (f->value_len == 0 || f->value_len > 18)
        return POD_ERR_PARSE;
    for (size_t i = 0; i < f->value_len; i++) {
        if (!is_digit((unsigned char)f->value[i]))
            return POD_ERR_PARSE;
        v = v * 10 + (f->value[i] - '0');
    }
    if (*out >= 0 && *out != v)
        return POD_ERR_PARSE; /* two different lengths: which one is the body? */
    *out = v;
    return POD_OK;
}

/* Looks for "close" in a Connection field's token list. */
static void
connection_parse(const struct http_field *f, bool *close)
{
    size_t i = 0, start, end;

    while (i < f->value_len) {
        while (i < f->value_len && (is_ows((unsigned char)f->value[i]) || f->value[i] == ','))
            i++;
        start = i;
        while (i < f->value_len && f->value[i] != ',')
            i++;
        end = i;
        while (end > start && is_ows((unsigned char)f->value[end - 1]))
            end--;
        if (token_equal(f->value + start, end - start, "close"))
            *close = true;
    }
}

/* Finds the empty line that ends the head: *end is the offset after it, 0
 * when not there yet. */
static int
head_end_find(const char *buf, size_t len, size_t *end)
{
    size_t scan = len < CONFIG_POD_HTTPC_HEAD_MAX ? len : CONFIG_POD_HTTPC_HEAD_MAX;
    size_t pos = 0;
    const char *lf;

    *end = 0;
    while (pos < scan) {
        lf = memchr(buf + pos, '\n', scan - pos);
        if (!lf)
            break;
        size_t line_len = (size_t)(lf - (buf + pos));
        if (line_len == 0 || (line_len == 1 && buf[pos] == '\r')) {
            *end = (size_t)(lf - buf) + 1;
            return POD_OK;
        }
        pos = (size_t)(lf - buf) + 1;
    }
    return len >= CONFIG_POD_HTTPC_HEAD_MAX ? POD_ERR_LIMIT : POD_OK;
}

int
http_head_parse(const char *buf, size_t len, struct http_head *out, size_t *head_len)
{
    size_t end, pos = 0, n;
    bool first = true, has_te = false;
    const char *lf;
    int ret;

    *head_len = 0;
    memset(out, 0, sizeof *out);
    out->content_length = -1;
    ret = head_end_find(buf, len, &end);
    if (ret != POD_OK || end == 0)
        return ret;
    for (;;) {
        lf = memchr(buf + pos, '\n', end - pos);
        n = (size_t)(lf - (buf + pos));
        if (n > 0 && buf[pos + n - 1] == '\r')
            n--;
        if (n == 0 && !first)
            break;
        if (first) {
            ret = status_line_parse(buf + pos, n, out);
            first = false;
        } else if (out->n_fields >= CONFIG_POD_HTTPC_MAX_HEADERS) {
            ret = POD_ERR_LIMIT;
        } else {
            struct http_field *f = &out->fields[out->n_fields];
            ret = field_line_parse(buf + pos, n, f);
            if (ret == POD_OK) {
                out->n_fields++;
                if (token_equal(f->name, f->name_len, "content-length")) {
                    ret = content_length_parse(f, &out->content_length);
                } else if (token_equal(f->name, f->name_len, "transfer-encoding")) {
                    /* We never ask for a coding, so only plain chunked makes sense. */
                    if (has_te || !token_equal(f->value, f->value_len, "chunked"))
                        ret = POD_ERR_PARSE;
                    has_te = true;
                } else if (token_equal(f->name, f->name_len, "connection")) {
                    connection_parse(f, &out->close);
                }
            }
        }
        if (ret != POD_OK)
            return ret;
        pos = (size_t)(lf - buf) + 1;
    }
    if (has_te && (out->content_length >= 0 || out->minor == 0))
        return POD_ERR_PARSE; /* ambiguous framing */
    out->chunked = has_te;
    if (out->minor == 0)
        out->close = true; /* HTTP/1.0 connections are never reused here */
    *head_len = end;
    return POD_OK;
}

const struct http_field *
http_head_find(const struct http_head *h, const char *name)
{
    for (size_t i = 0; i < h->n_fields; i++)
        if (token_equal(h->fields[i].name, h->fields[i].name_len, name))
            return &h->fields[i];
    return NULL;
}

bool
http_status_bodyless(int status, bool head_request)
{
    return head_request || (status >= 100 && status < 200) || status == 204 || status == 304;
}

/* ------------------------------------------------------------------ chunked */

enum {
    CH_SIZE_START, /* first hex digit of a chunk size */
    CH_SIZE,       /* more hex digits */
    CH_EXT,        /* chunk extensions, ignored */
    CH_SIZE_LF,    /* LF after the size line's CR */
    CH_DATA,
    CH_DATA_CR, /* CRLF after the data */
    CH_DATA_LF,
    CH_TRAILER_START, /* start of a trailer line or of the final empty line */
    CH_TRAILER,       /* inside a trailer line, ignored */
    CH_TRAILER_LF,    /* LF after a trailer line's CR */
    CH_END_LF,        /* LF of the final empty line */
    CH_DONE,
};

void
http_chunked_init(struct http_chunked *st)
{
    memset(st, 0, sizeof *st);
    st->state = CH_SIZE_START;
}

/* The size line ended: data follows, or trailers after the last chunk. */
static void
size_line_done(struct http_chunked *st)
{
    st->line = 0;
    st->state = st->remaining ? CH_DATA : CH_TRAILER_START;
}

int
http_chunked_decode(struct http_chunked *st, const char *in, size_t in_len, size_t *in_used,
                    char *out, size_t out_cap, size_t *out_len)
{
    size_t i = 0, o = 0;
    int ret = POD_OK;

    while (i < in_len && st->state != CH_DONE) {
        unsigned char c = (unsigned char)in[i];
        if (st->state == CH_DATA) {
            size_t n = in_len - i;
            if (o == out_cap)
                break;
            if (n > out_cap - o)
                n = out_cap - o;
            if (n > st->remaining)
                n = (size_t)st->remaining;
            memcpy(out + o, in + i, n);
            o += n;
            i += n;
            st->remaining -= n;
            if (st->remaining == 0)
                st->state = CH_DATA_CR;
            continue;
        }
        if (st->state <= CH_SIZE_LF && ++st->line > CHUNK_LINE_MAX) {
            ret = POD_ERR_LIMIT;
            goto out;
        }
        if (st->state >= CH_TRAILER_START && st->state <= CH_END_LF &&
            ++st->trailers > CONFIG_POD_HTTPC_HEAD_MAX) {
            ret = POD_ERR_LIMIT;
            goto out;
        }
        switch (st->state) {
        case CH_SIZE_START:
        case CH_SIZE: {
            int h = hex_value(c);
            if (h >= 0) {
                if (st->remaining > (UINT64_MAX >> 4)) {
                    ret = POD_ERR_PARSE;
                    goto out;
                }
                st->remaining = (st->remaining << 4) | (uint64_t)h;
                st->state = CH_SIZE;
            } else if (st->state == CH_SIZE_START) {
                ret = POD_ERR_PARSE;
                goto out;
            } else if (c == ';' || is_ows(c)) {
                st->state = CH_EXT;
            } else if (c == '\r') {
                st->state = CH_SIZE_LF;
            } else if (c == '\n') {
                size_line_done(st);
            } else {
                ret = POD_ERR_PARSE;
                goto out;
            }
            break;
        }
        case CH_EXT:
            if (c == '\r')
                st->state = CH_SIZE_LF;
            else if (c == '\n')
                size_line_done(st);
            else if (!is_text(c)) {
                ret = POD_ERR_PARSE;
                goto out;
            }
            break;
        case CH_SIZE_LF:
            if (c != '\n') {
                ret = POD_ERR_PARSE;
                goto out;
            }
            size_line_done(st);
            break;
        case CH_DATA_CR:
            if (c == '\r')
                st->state = CH_DATA_LF;
            else if (c == '\n')
                st->state = CH_SIZE_START;
            else {
                ret = POD_ERR_PARSE;
                goto out;
            }
            break;
        case CH_DATA_LF:
            if (c != '\n') {
                ret = POD_ERR_PARSE;
                goto out;
            }
            st->state = CH_SIZE_START;
            break;
        case CH_TRAILER_START:
            if (c == '\r')
                st->state = CH_END_LF;
            else if (c == '\n')
                st->state = CH_DONE;
            else if (is_tchar(c))
                st->state = CH_TRAILER;
            else {
                ret = POD_ERR_PARSE;
                goto out;
            }
            break;
        case CH_TRAILER:
            if (c == '\r')
                st->state = CH_TRAILER_LF;
            else if (c == '\n')
                st->state = CH_TRAILER_START;
            else if (!is_text(c)) {
                ret = POD_ERR_PARSE;
                goto out;
            }
            break;
        case CH_TRAILER_LF:
        case CH_END_LF:
            if (c != '\n') {
                ret = POD_ERR_PARSE;
                goto out;
            }
            st->state = st->state == CH_END_LF ? CH_DONE : CH_TRAILER_START;
            break;
        default:
            ret = POD_ERR_PARSE;
            goto out;
        }
        i++;
    }
out:
    st->done = st->state == CH_DONE;
    *in_used = i;
    *out_len = o;
    return ret;
}
