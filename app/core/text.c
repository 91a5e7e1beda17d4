/*
 * text.c - mentions, hashtags and the safe HTML of a post (see text.h).
 *
 * Rendering is md4c's md_html (CommonMark, raw HTML off) between two passes
 * of our own:
 *
 *   before: the Markdown source is rewritten - each valid mention becomes a
 *     Markdown link [Name](url) (Name as resolve() gives it, else as
 *     written, else the ID; unresolved: the plain name), each #tag becomes
 *     [#tag](/tags/tag). Names and tag text are backslash-escaped (every
 *     ASCII punctuation character), so they can never turn into markup,
 *     autolinks or entities. Left alone: code spans (backtick runs with a
 *     matching closer in the same paragraph), fenced code blocks at the start
 *     of a line, indented code blocks after a blank line (an indented
 *     paragraph inside a list item is taken for code too: its tags stay
 *     plain), backslash-escaped '#' and '@', URLs (see skip_url) and, for
 *     tags, the text of a link "[...](" on one line (a link inside a link
 *     would break both; mentions there become their plain name).
 *
 *   after: md4c's HTML is copied tag by tag: headings move two levels
 *     down (a post's "# Title" is an <h3> under the page's headings), every <a> gets
 *     rel="nofollow noopener", and href/src attributes whose value is not
 *     http(s), mailto, a path on this pod or a fragment (or that contain
 *     "javascript:" anywhere) are dropped: the element stays, inert. md4c
 *     writes only its own tags and attributes, escapes '"', '<' and '>' in
 *     attribute values and text, and decodes entities before URL-escaping,
 *     so "&#106;avascript:" arrives here as "javascript:" and is refused.
 *
 * Tags, in extraction and rendering alike, are not looked for inside URLs:
 * "http://host/#frag" is not the tag "frag". Extraction does look inside
 * code, as diaspora* does.
 */
#include "core/text.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <md4c-html.h>

#include "core/error.h"
#include "core/ids.h"

/* The longest "Name; id" between "@{" and "}" we look at: longer bodies are
 * not mentions, which also bounds the work an unterminated "@{" costs. */
#define MENTION_BODY_MAX (POD_DIASPORA_ID_MAX + 256)
/* How far a '[' looks ahead for the "](" that makes it link text. */
#define LINK_TEXT_SCAN 256

static const char REL[] = " rel=\"nofollow noopener\"";

/* ------------------------------------------------------------ characters */

static bool
is_ascii_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
is_ascii_punct(unsigned char c)
{
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
           (c >= '{' && c <= '~');
}

static bool
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The word characters of the tag boundary rule: a '#' right after one of
 * these does not start a tag. Bytes >= 0x80 count as (part of) letters. */
static bool
is_word_byte(unsigned char c)
{
    return is_ascii_alnum(c) || c == '_' || c >= 0x80;
}

static char
ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Decodes one well-formed UTF-8 sequence of 2-4 bytes at s (n bytes left):
 * returns its length and sets *cp, or 0 (overlong, surrogate, > U+10FFFF,
 * truncated, or not a lead byte). */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t k;
    uint32_t v, min;

    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        k = 2, v = s[0] & 0x1fu, min = 0x80;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        k = 3, v = s[0] & 0x0fu, min = 0x800;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        k = 4, v = s[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3fu);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return k;
}

/* "Any Unicode letter", simply: every code point outside the blocks of
 * punctuation, symbols, emoji and private use below. Combining marks count
 * as letters (so a decomposed "café" stays one tag); so do a few symbols
 * elsewhere, which is harmless. */
static bool
is_tag_letter(uint32_t cp)
{
    static const struct {
        uint32_t lo, hi;
    } not_letters[] = {
        {0x0080, 0x00bf},   /* C1 controls, NBSP, Latin-1 punctuation */
        {0x00d7, 0x00d7},   /* multiplication sign */
        {0x00f7, 0x00f7},   /* division sign */
        {0x2000, 0x2bff},   /* general punctuation .. misc symbols, arrows */
        {0x3000, 0x303f},   /* CJK symbols and punctuation */
        {0xe000, 0xf8ff},   /* private use */
        {0xfe00, 0xfe1f},   /* variation selectors, vertical forms */
        {0xfe30, 0xfe4f},   /* CJK compatibility forms */
        {0xfeff, 0xfeff},   /* BOM / zero-width no-break space */
        {0xff01, 0xff0f},   /* fullwidth punctuation ... */
        {0xff1a, 0xff20},   /* */
        {0xff3b, 0xff40},   /* */
        {0xff5b, 0xff65},   /* ... */
        {0xfff0, 0xffff},   /* specials (U+FFFD) */
        {0x1f000, 0x1faff}, /* emoji and pictographs */
        {0xe0000, 0x10ffff} /* tag characters, private use planes */
    };

    for (size_t i = 0; i < sizeof not_letters / sizeof not_letters[0]; i++)
        if (cp >= not_letters[i].lo && cp <= not_letters[i].hi)
            return false;
    return true;
}

/* ------------------------------------------------------------ scanning */

/* If a URL starts at s[i], returns the index just past it, else i. URLs
 * are: the rest of a "scheme://" run (from the "://" on), a "www." run
 * after a non-word byte, a link destination "](...)" (to its balanced ')'
 * on the same line) and a reference definition's "]: dest". A run ends at
 * whitespace, '<' or '>'. */
static size_t
skip_url(const char *s, size_t len, size_t i)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t j;

    if (i + 3 <= len && memcmp(s + i, "://", 3) == 0) {
        j = i + 3;
    } else if (i + 4 <= len && strncasecmp(s + i, "www.", 4) == 0 &&
               (i == 0 || !is_word_byte(u[i - 1]))) {
        j = i + 4;
    } else if (i + 2 <= len && s[i] == ']' && s[i + 1] == '(') {
        int depth = 0;

        for (j = i + 2; j < len && s[j] != '\n'; j++) {
            if (s[j] == '\\' && j + 1 < len && s[j + 1] != '\n')
                j++;
            else if (s[j] == '(')
                depth++;
            else if (s[j] == ')' && depth-- == 0)
                return j + 1;
        }
        return j;
    } else if (i + 2 <= len && s[i] == ']' && s[i + 1] == ':') {
        for (j = i + 2; j < len && (s[j] == ' ' || s[j] == '\t'); j++)
            ;
    } else {
        return i;
    }
    while (j < len && !is_space(u[j]) && s[j] != '<' && s[j] != '>')
        j++;
    return j;
}

/* A tag at s[i] == '#': returns true and sets *name_end (end of the tag
 * name, trailing '-' dropped) and *run_end (end of all tag characters) when
 * the boundary rule holds and the name is not empty. */
static bool
tag_at(const char *s, size_t len, size_t i, size_t *name_end, size_t *run_end)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t j = i + 1, e;

    if (s[i] != '#' || (i > 0 && (is_word_byte(u[i - 1]) || s[i - 1] == '&')))
        return false;
    while (j < len) {
        uint32_t cp;
        size_t k;

        if (is_ascii_alnum(u[j]) || s[j] == '_' || s[j] == '-') {
            j++;
            continue;
        }
        if (u[j] < 0x80)
            break;
        k = utf8_decode(u + j, len - j, &cp);
        if (!k || !is_tag_letter(cp))
            break;
        j += k;
    }
    for (e = j; e > i + 1 && s[e - 1] == '-'; e--)
        ;
    *name_end = e;
    *run_end = j;
    return e > i + 1;
}

struct mention_at {
    size_t end;       /* index just past '}' */
    const char *name; /* into the text; name_len 0 for the short form */
    size_t name_len;
    char id[POD_DIASPORA_ID_MAX + 1]; /* lowercase, NUL-terminated */
};

/* Parses "@{Name; id}" or "@{id}" at s[i]. Whitespace around the name, the
 * ';' and the ID is allowed; the name has neither '}' nor ';'; no NUL. */
static bool
mention_at(const char *s, size_t len, size_t i, struct mention_at *m)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t b = i + 2, e, semi = 0, n, idb, ide;
    bool have_semi = false;
    const char *q;

    if (i + 2 > len || s[i] != '@' || s[i + 1] != '{')
        return false;
    n = len - b < MENTION_BODY_MAX ? len - b : MENTION_BODY_MAX;
    q = memchr(s + b, '}', n);
    if (!q)
        return false;
    e = (size_t)(q - s);
    if (memchr(s + b, '\0', e - b))
        return false;
    q = memchr(s + b, ';', e - b);
    if (q) {
        have_semi = true;
        semi = (size_t)(q - s);
        if (memchr(q + 1, ';', e - semi - 1))
            return false;
    }
    m->end = e + 1;
    idb = have_semi ? semi + 1 : b;
    ide = e;
    while (idb < ide && is_space(u[idb]))
        idb++;
    while (ide > idb && is_space(u[ide - 1]))
        ide--;
    n = ide - idb;
    if (n == 0 || n > POD_DIASPORA_ID_MAX)
        return false;
    for (size_t k = 0; k < n; k++)
        m->id[k] = ascii_lower(s[idb + k]);
    m->id[n] = '\0';
    if (!pod_diaspora_id_parse(m->id, NULL, 0, NULL, 0))
        return false;
    m->name = s + b;
    m->name_len = 0;
    if (have_semi) {
        size_t nb = b, ne = semi;

        while (nb < ne && is_space(u[nb]))
            nb++;
        while (ne > nb && is_space(u[ne - 1]))
            ne--;
        m->name = s + nb;
        m->name_len = ne - nb;
    }
    return true;
}

/* ------------------------------------------------------------ extraction */

/* True if the lowercase tag equals s[0..n) folded to lowercase (ASCII). */
static bool
same_folded(const char *tag, const char *s, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++)
        if (tag[k] != ascii_lower(s[k]))
            return false;
    return tag[k] == '\0';
}

int
pod_text_mentions(const char *text, size_t len, struct pod_arena *a, struct pod_mention **out,
                  size_t *count)
{
    struct pod_mention *list = NULL;
    struct mention_at m;
    size_t n = 0;

    if (!out || !count)
        return POD_ERR_INVAL;
    *out = NULL;
    *count = 0;
    if (!a || (!text && len))
        return POD_ERR_INVAL;
    for (size_t i = 0; i + 1 < len && n < POD_TEXT_MAX_MENTIONS; i++) {
        bool seen = false;

        if (text[i] != '@' || text[i + 1] != '{' || !mention_at(text, len, i, &m))
            continue;
        i = m.end - 1;
        for (size_t k = 0; k < n && !seen; k++)
            seen = strcmp(list[k].diaspora_id, m.id) == 0;
        if (seen)
            continue;
        if (!list) {
            list = pod_arena_alloc(a, POD_TEXT_MAX_MENTIONS * sizeof *list);
            if (!list)
                return POD_ERR_NOMEM;
        }
        list[n].name = pod_arena_strndup(a, m.name, m.name_len);
        list[n].diaspora_id = pod_arena_strdup(a, m.id);
        if (!list[n].name || !list[n].diaspora_id)
            return POD_ERR_NOMEM;
        n++;
    }
    *out = list;
    *count = n;
    return POD_OK;
}

int
pod_text_tags(const char *text, size_t len, struct pod_arena *a, const char ***out, size_t *count)
{
    const char **list = NULL;
    size_t n = 0, i = 0;

    if (!out || !count)
        return POD_ERR_INVAL;
    *out = NULL;
    *count = 0;
    if (!a || (!text && len))
        return POD_ERR_INVAL;
    while (i < len && n < POD_TEXT_MAX_TAGS) {
        size_t j = skip_url(text, len, i), name_end, run_end, start = i + 1, tn;
        bool seen = false;
        char *tag;

        if (j != i) {
            i = j;
            continue;
        }
        if (!tag_at(text, len, i, &name_end, &run_end)) {
            i++;
            continue;
        }
        i = run_end;
        tn = name_end - start;
        if (tn > POD_TAG_MAX)
            continue;
        for (size_t k = 0; k < n && !seen; k++)
            seen = same_folded(list[k], text + start, tn);
        if (seen)
            continue;
        if (!list) {
            list = pod_arena_alloc(a, POD_TEXT_MAX_TAGS * sizeof *list);
            if (!list)
                return POD_ERR_NOMEM;
        }
        tag = pod_arena_strndup(a, text + start, tn);
        if (!tag)
            return POD_ERR_NOMEM;
        for (size_t k = 0; k < tn; k++)
            tag[k] = ascii_lower(tag[k]);
        list[n++] = tag;
    }
    *out = list;
    *count = n;
    return POD_OK;
}

/* ------------------------------------------------------------ buffers */

struct buf {
    struct pod_arena *a;
    char *p;
    size_t len, cap;
    bool failed;
};

static bool
buf_reserve(struct buf *b, size_t more)
{
    size_t want;
    char *bigger;

    if (b->failed)
        return false;
    if (b->len + more + 1 <= b->cap)
        return true;
    want = b->cap ? b->cap : 256;
    while (want < b->len + more + 1)
        want *= 2;
    bigger = pod_arena_alloc(b->a, want);
    if (!bigger) {
        b->failed = true;
        return false;
    }
    if (b->len)
        memcpy(bigger, b->p, b->len);
    b->p = bigger;
    b->cap = want;
    return true;
}

static void
buf_put(struct buf *b, const char *s, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
buf_putc(struct buf *b, char c)
{
    buf_put(b, &c, 1);
}

/* Text that must stay text in Markdown: every ASCII punctuation character
 * backslash-escaped, control characters (newlines too) as spaces. */
static void
buf_put_md_text(struct buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (is_ascii_punct(c)) {
            char esc[2] = {'\\', (char)c};
            buf_put(b, esc, 2);
        } else {
            buf_putc(b, (c < 0x20 || c == 0x7f) ? ' ' : (char)c);
        }
    }
}

/* A URL as a Markdown link destination: what would end or confuse it
 * (space, controls, parentheses, '<', '>', '\') is percent-encoded. */
static void
buf_put_md_url(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c <= 0x20 || c == 0x7f || c == '(' || c == ')' || c == '<' || c == '>' || c == '\\') {
            char pct[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_put(b, pct, 3);
        } else {
            buf_putc(b, (char)c);
        }
    }
}

/* ------------------------------------------------------------ code */

/* True if the line starting at s[i] has only spaces and tabs. */
static bool
line_blank(const char *s, size_t len, size_t i)
{
    for (; i < len && s[i] != '\n'; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

static size_t
next_line(const char *s, size_t len, size_t i)
{
    const char *nl = memchr(s + i, '\n', len - i);

    return nl ? (size_t)(nl - s) + 1 : len;
}

/* True if the line before the one starting at s[i] is blank or absent. */
static bool
prev_line_blank(const char *s, size_t i)
{
    size_t b;

    if (i == 0)
        return true;
    for (b = i - 1; b > 0 && s[b - 1] != '\n'; b--)
        ;
    for (; b < i - 1; b++)
        if (s[b] != ' ' && s[b] != '\t' && s[b] != '\r')
            return false;
    return true;
}

/* A code block starting at line start s[i]: returns the index past it, or
 * i. Fenced: up to 3 spaces, 3+ '`' or '~', to the closing fence or the
 * end. Indented: 4 columns of indentation after a blank line, to the first
 * later line that is neither indented nor blank. */
static size_t
skip_code_block(const char *s, size_t len, size_t i)
{
    size_t j = i, run = 0, k;
    char fc;

    while (j < len && j - i < 3 && s[j] == ' ')
        j++;
    if (j < len && (s[j] == '`' || s[j] == '~')) {
        fc = s[j];
        for (k = j; k < len && s[k] == fc; k++)
            run++;
        if (run >= 3) {
            size_t eol = next_line(s, len, i);

            if (fc == '`' && memchr(s + k, '`', eol - k))
                return i; /* an info string with '`': not a fence */
            for (j = eol; j < len; j = next_line(s, len, j)) {
                size_t c = j, n = 0;

                while (c < len && c - j < 3 && s[c] == ' ')
                    c++;
                for (; c < len && s[c] == fc; c++)
                    n++;
                if (n >= run && line_blank(s, len, c))
                    return next_line(s, len, j);
            }
            return len;
        }
    }
    if (!prev_line_blank(s, i) || line_blank(s, len, i))
        return i;
    for (j = i; j < len; j = next_line(s, len, j)) {
        bool indented = s[j] == '\t' || (j + 4 <= len && memcmp(s + j, "    ", 4) == 0);

        for (k = j; !indented && k < len && k - j < 4 && s[k] == ' '; k++)
            indented = k + 1 < len && s[k + 1] == '\t';
        if (!indented && !line_blank(s, len, j))
            break;
    }
    return j;
}

/* A code span at s[i] (a backtick run not preceded by a backslash): the
 * index past its closing run of the same length, or 0 if it has none
 * before a blank line. *run gets the opening run's length. */
static size_t
code_span_end(const char *s, size_t len, size_t i, size_t *run)
{
    size_t n = 0, j;

    for (j = i; j < len && s[j] == '`'; j++)
        n++;
    *run = n;
    while (j < len) {
        size_t m = 0;

        if (s[j] == '\n') {
            if (line_blank(s, len, j + 1))
                return 0;
            j++;
            continue;
        }
        if (s[j] != '`') {
            j++;
            continue;
        }
        for (; j < len && s[j] == '`'; j++)
            m++;
        if (m == n)
            return j;
    }
    return 0;
}

/* Whether the text at a position is link (or image) text: open counts the
 * '[' still open on the current line; a question asked inside one scans
 * ahead (at most LINK_TEXT_SCAN bytes, not past the line) for the ']' that
 * closes them all and looks for '(' after it. The answer holds up to where
 * that scan stopped, so it is kept until then: each byte is scanned at
 * most once per line in practice, and text full of '[' costs nothing. */
struct link_text {
    int open;
    size_t until;
    bool inside;
};

static bool
in_link_text(struct link_text *lt, const char *s, size_t len, size_t i)
{
    int depth = lt->open;
    size_t j;

    if (depth == 0)
        return false;
    if (i < lt->until)
        return lt->inside;
    lt->inside = false;
    for (j = i; j < len && j - i < LINK_TEXT_SCAN && s[j] != '\n'; j++) {
        if (s[j] == '\\') {
            j++;
        } else if (s[j] == '[') {
            depth++;
        } else if (s[j] == ']' && --depth == 0) {
            lt->inside = j + 1 < len && s[j + 1] == '(';
            break;
        }
    }
    lt->until = j;
    return lt->inside;
}

/* ------------------------------------------------------------ rendering */

static void
put_mention(struct buf *b, const struct mention_at *m, bool linkable,
            pod_mention_resolve_fn resolve, void *ctx)
{
    const char *name = NULL, *url = NULL;

    if (linkable && resolve && resolve(m->id, &name, &url, ctx) == 0 && url && *url) {
        buf_putc(b, '[');
        if (name && *name)
            buf_put_md_text(b, name, strlen(name));
        else if (m->name_len)
            buf_put_md_text(b, m->name, m->name_len);
        else
            buf_put_md_text(b, m->id, strlen(m->id));
        buf_put(b, "](", 2);
        buf_put_md_url(b, url);
        buf_putc(b, ')');
        return;
    }
    if (m->name_len)
        buf_put_md_text(b, m->name, m->name_len);
    else
        buf_put_md_text(b, m->id, strlen(m->id));
}

static void
put_tag(struct buf *b, const char *name, size_t n)
{
    buf_putc(b, '[');
    buf_put_md_text(b, "#", 1);
    buf_put_md_text(b, name, n);
    buf_put(b, "](/tags/", 8);
    for (size_t k = 0; k < n; k++)
        buf_putc(b, ascii_lower(name[k]));
    buf_putc(b, ')');
}

/* A '!' just written before a link we are about to write would make it an
 * image: written again escaped. esc_end is where the last backslash escape
 * ended (an escaped "\!" is harmless). */
static void
defuse_bang(struct buf *b, const char *s, size_t i, size_t esc_end)
{
    if (i > 0 && s[i - 1] == '!' && esc_end != i && b->len && b->p[b->len - 1] == '!') {
        b->len--;
        buf_put(b, "\\!", 2);
    }
}

/* The Markdown source with mentions and tags turned into links. Only the
 * first POD_TEXT_MAX_MENTIONS mentions are resolved (and linked); later
 * ones show their plain name, so a post cannot cost unbounded look-ups. */
static bool
preprocess(const char *s, size_t len, pod_mention_resolve_fn resolve, void *ctx, struct buf *b)
{
    size_t i = 0, esc_end = 0, resolved = 0;
    struct link_text lt = {0};

    buf_reserve(b, len + len / 4 + 64);
    while (i < len && !b->failed) {
        size_t j, run, name_end, run_end;
        struct mention_at m;

        if (i == 0 || s[i - 1] == '\n') {
            lt.open = 0;
            j = skip_code_block(s, len, i);
            if (j != i) {
                buf_put(b, s + i, j - i);
                i = j;
                continue;
            }
        }
        j = skip_url(s, len, i);
        if (j != i) {
            if (s[i] == ']' && lt.open > 0)
                lt.open--;
            buf_put(b, s + i, j - i);
            i = j;
            continue;
        }
        switch (s[i]) {
        case '\\':
            j = (i + 1 < len && is_ascii_punct((unsigned char)s[i + 1])) ? i + 2 : i + 1;
            buf_put(b, s + i, j - i);
            i = esc_end = j;
            continue;
        case '`':
            j = code_span_end(s, len, i, &run);
            j = j ? j : i + run;
            buf_put(b, s + i, j - i);
            i = j;
            continue;
        case '[':
            lt.open++;
            break;
        case ']':
            if (lt.open > 0)
                lt.open--;
            break;
        case '@':
            if (mention_at(s, len, i, &m)) {
                bool linkable =
                    resolve && !in_link_text(&lt, s, len, i) && resolved < POD_TEXT_MAX_MENTIONS;

                if (linkable) {
                    resolved++;
                    defuse_bang(b, s, i, esc_end);
                }
                put_mention(b, &m, linkable, resolve, ctx);
                i = m.end;
                continue;
            }
            break;
        case '#':
            if (tag_at(s, len, i, &name_end, &run_end)) {
                if (name_end - i - 1 <= POD_TAG_MAX && !in_link_text(&lt, s, len, i)) {
                    defuse_bang(b, s, i, esc_end);
                    put_tag(b, s + i + 1, name_end - i - 1);
                    buf_put(b, s + name_end, run_end - name_end);
                } else {
                    buf_put(b, s + i, run_end - i);
                }
                i = run_end;
                continue;
            }
            break;
        default:
            break;
        }
        buf_putc(b, s[i]);
        i++;
    }
    return !b->failed;
}

static void
collect(const MD_CHAR *text, MD_SIZE size, void *userdata)
{
    buf_put(userdata, text, size);
}

/* The URLs rendered HTML may carry: absolute
 * http(s) and mailto, and paths or fragments on this pod, but not "//host".
 * Belt and braces: nothing that says "javascript:" anywhere. */
static bool
url_allowed(const char *v, size_t n)
{
    for (size_t k = 0; k + 11 <= n; k++)
        if (strncasecmp(v + k, "javascript:", 11) == 0)
            return false;
    if (n >= 7 && strncasecmp(v, "http://", 7) == 0)
        return true;
    if (n >= 8 && strncasecmp(v, "https://", 8) == 0)
        return true;
    if (n >= 7 && strncasecmp(v, "mailto:", 7) == 0)
        return true;
    if (n >= 1 && v[0] == '#')
        return true;
    return n >= 1 && v[0] == '/' && !(n >= 2 && v[1] == '/');
}

/* True if html[i] starts an <a> tag. */
static bool
anchor_at(const char *html, size_t n, size_t i)
{
    return i + 2 <= n && html[i] == '<' && html[i + 1] == 'a' &&
           (i + 2 == n || html[i + 2] == ' ' || html[i + 2] == '>');
}

/* Copies md4c's HTML (html[0..n), NUL-terminated) adding rel to every <a>
 * and dropping refused href/src attributes. Inside a tag, md4c writes
 * attributes as name="value" with no '"' or '>' in the value. */
static char *
postprocess(const char *html, size_t n, struct pod_arena *a)
{
    size_t anchors = 0, o = 0, i = 0;
    char *out;

    for (const char *p = memchr(html, '<', n); p;
         p = memchr(p + 1, '<', n - (size_t)(p + 1 - html)))
        anchors += anchor_at(html, n, (size_t)(p - html));
    out = pod_arena_alloc(a, n + anchors * (sizeof REL - 1) + 1);
    if (!out)
        return NULL;
    while (i < n) {
        size_t t;

        if (html[i] != '<') {
            out[o++] = html[i++];
            continue;
        }
        for (t = i + 1; t < n && html[t] != ' ' && html[t] != '>'; t++)
            ;
        memcpy(out + o, html + i, t - i);
        o += t - i;
        /* Headings of a post sit under the page's own h1 and h2: <h1> is
         * written <h3>, down to <h6> (same length, so out's size holds). */
        if (t - i >= 3 && t - i <= 4 && out[o - 2] == 'h' && out[o - 1] >= '1' &&
            out[o - 1] <= '6' && (t - i == 3 || out[o - 3] == '/'))
            out[o - 1] = (char)(out[o - 1] + 2 > '6' ? '6' : out[o - 1] + 2);
        if (anchor_at(html, n, i)) {
            memcpy(out + o, REL, sizeof REL - 1);
            o += sizeof REL - 1;
        }
        i = t;
        while (i < n && html[i] != '>') {
            size_t an = 0, vb, ve;
            const char *q;

            if (html[i] != ' ') {
                out[o++] = html[i++];
                continue;
            }
            while (i + 1 + an < n &&
                   (is_ascii_alnum((unsigned char)html[i + 1 + an]) || html[i + 1 + an] == '-'))
                an++;
            vb = i + 1 + an + 2;
            if (an == 0 || vb > n || html[vb - 2] != '=' || html[vb - 1] != '"' ||
                !(q = memchr(html + vb, '"', n - vb))) {
                out[o++] = html[i++];
                continue;
            }
            ve = (size_t)(q - html);
            if (((an == 4 && memcmp(html + i + 1, "href", 4) == 0) ||
                 (an == 3 && memcmp(html + i + 1, "src", 3) == 0)) &&
                !url_allowed(html + vb, ve - vb)) {
                i = ve + 1; /* dropped */
                continue;
            }
            memcpy(out + o, html + i, ve + 1 - i);
            o += ve + 1 - i;
            i = ve + 1;
        }
    }
    out[o] = '\0';
    return out;
}

char *
pod_text_render(const char *text, size_t len, pod_mention_resolve_fn resolve, void *ctx,
                struct pod_arena *a)
{
    struct buf src = {.a = a}, html = {.a = a};

    if (!a || (!text && len) || len > POD_MARKDOWN_MAX_INPUT)
        return NULL;
    if (!preprocess(text ? text : "", len, resolve, ctx, &src))
        return NULL;
    if (!buf_reserve(&html, src.len + src.len / 2 + 64))
        return NULL;
    html.p[0] = '\0';
    if (md_html(src.p ? src.p : "", (MD_SIZE)src.len, collect, &html,
                MD_DIALECT_COMMONMARK | MD_FLAG_NOHTML | MD_FLAG_STRIKETHROUGH |
                    MD_FLAG_PERMISSIVEURLAUTOLINKS | MD_FLAG_PERMISSIVEWWWAUTOLINKS,
                0) != 0 ||
        html.failed)
        return NULL;
    return postprocess(html.p, html.len, a);
}
