/*
 * entity.c - the entity XML codec of diaspora* federation: expat parser
 * into an ordered element tree, the catalogue of entity types with their
 * property order, kinds, defaults and validation rules (§3.2, taken from
 * the reference library's entity classes and validators), the canonical
 * form the reference library re-emits, and its byte-exact serialisation.
 */
#include "federation/entity.h"

#include "core/error.h"
#include "core/ids.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ catalogue */

enum prop_kind {
    K_STR,  /* string, kept as text */
    K_TIME, /* timestamp, re-emitted as YYYY-MM-DDTHH:MM:SSZ */
    K_BOOL, /* boolean, re-emitted as true/false */
    K_INT,  /* ^[0-9]+$, re-emitted without leading zeros */
    K_ONE,  /* one nested entity */
    K_LIST, /* nested entities, repeated */
};

/* How a property may be absent (none of these = required). */
#define F_OPT 0x01 /* optional: absent means nil */
#define F_DEF 0x02 /* a constant default (prop.def) when absent */
#define F_NOW 0x04 /* defaults to "now" (left to the caller) */
#define F_NIL 0x08 /* not optional, but defaults to nil */

/* Validation rules (the reference validators). */
#define R_DID         0x00001u /* diaspora* ID */
#define R_GUID        0x00002u
#define R_NOT_EMPTY   0x00004u
#define R_LEN255      0x00008u /* at most 255 characters */
#define R_LEN65535    0x00010u
#define R_NAME70      0x00020u /* no ';', at most 70 characters */
#define R_NAME32      0x00040u
#define R_URI         0x00080u
#define R_URI_PATH    0x00100u /* URI with a non-empty path */
#define R_URI_HOST    0x00200u /* URI with a host and a path */
#define R_BIRTHDAY    0x00400u
#define R_TAGS5       0x00800u /* at most 5 '#' */
#define R_TZ          0x01000u
#define R_DID_LIST    0x02000u /* ';'-separated diaspora* IDs, at least 2 */
#define R_STATUS      0x04000u /* accepted|declined|tentative */
#define R_LIKE_PARENT 0x08000u /* Post|Comment */
#define R_POST_PARENT 0x10000u /* Post */
#define R_NOT_NIL     0x20000u
#define R_MIN2        0x40000u /* a list with at least two entries */

struct schema;

struct prop {
    const char *name;
    unsigned char kind;
    unsigned char flags;
    const char *def; /* F_DEF: the default's text */
    unsigned rules;
    const struct schema *sub; /* K_ONE / K_LIST: the nested type */
};

struct schema {
    const char *type;
    const struct prop *props;
    size_t n;
    bool relayable;
    const char *parent_type; /* relayables with an implied parent type */
};

#define SCHEMA(t, p, rel, parent)                                                                  \
    {                                                                                              \
        t, p, sizeof p / sizeof p[0], rel, parent                                                  \
    }

static const struct prop location_props[] = {
    {"address", K_STR, 0, NULL, 0, NULL},
    {"lat", K_STR, 0, NULL, R_NOT_EMPTY, NULL},
    {"lng", K_STR, 0, NULL, R_NOT_EMPTY, NULL},
};
static const struct schema location_schema = SCHEMA("location", location_props, false, NULL);

static const struct prop poll_answer_props[] = {
    {"guid", K_STR, 0, NULL, R_GUID, NULL},
    {"answer", K_STR, 0, NULL, R_NOT_EMPTY | R_LEN255, NULL},
};
static const struct schema poll_answer_schema =
    SCHEMA("poll_answer", poll_answer_props, false, NULL);

static const struct prop poll_props[] = {
    {"guid", K_STR, 0, NULL, R_GUID, NULL},
    {"question", K_STR, 0, NULL, R_NOT_EMPTY | R_LEN255, NULL},
    {"poll_answer", K_LIST, 0, NULL, R_MIN2, &poll_answer_schema},
};
static const struct schema poll_schema = SCHEMA("poll", poll_props, false, NULL);

static const struct prop photo_props[] = {
    {"guid", K_STR, 0, NULL, R_GUID, NULL},
    {"author", K_STR, 0, NULL, R_DID, NULL},
    {"public", K_BOOL, F_DEF, "false", 0, NULL},
    {"created_at", K_TIME, F_NOW, NULL, 0, NULL},
    {"edited_at", K_TIME, F_OPT, NULL, 0, NULL},
    {"remote_photo_path", K_STR, 0, NULL, R_NOT_EMPTY | R_URI_PATH, NULL},
    {"remote_photo_name", K_STR, 0, NULL, R_NOT_EMPTY, NULL},
    {"text", K_STR, F_OPT, NULL, R_LEN65535, NULL},
    {"status_message_guid", K_STR, F_OPT, NULL, R_GUID, NULL},
    {"height", K_INT, F_OPT, NULL, 0, NULL},
    {"width", K_INT, F_OPT, NULL, 0, NULL},
};
static const struct schema photo_schema = SCHEMA("photo", photo_props, false, NULL);

static const struct prop event_props[] = {
    {"author", K_STR, 0, NULL, R_DID, NULL},
    {"guid", K_STR, 0, NULL, R_GUID, NULL},
    {"edited_at", K_TIME, F_OPT, NULL, 0, NULL},
    {"summary", K_STR, 0, NULL, R_NOT_EMPTY | R_LEN255, NULL},
    {"description", K_STR, F_OPT, NULL, R_LEN65535, NULL},
    {"start", K_TIME, 0, NULL, R_NOT_NIL, NULL},
    {"end", K_TIME, F_OPT, NULL, 0, NULL},
    {"all_day", K_BOOL, F_OPT | F_DEF, "false", 0, NULL},
    {"timezone", K_STR, F_OPT, NULL, R_TZ, NULL},
    {"location", K_ONE, F_OPT, NULL, 0, &location_schema},
};
static const struct schema event_schema = SCHEMA("event", event_props, false, NULL);

static const struct prop embed_props[] = {
    {"url", K_STR, F_OPT, NULL, R_URI, NULL},
    {"title", K_STR, F_OPT, NULL, R_LEN255, NULL},
    {"description", K_STR, F_OPT, NULL, R_LEN65535, NULL},
    {"image", K_STR, F_OPT, NULL, R_URI_HOST, NULL},
    {"nothing", K_BOOL, F_OPT, NULL, 0, NULL},
};
static const struct schema embed_schema = SCHEMA("embed", embed_props, false, NULL);

static const struct prop profile_props[] = {
    {"author", K_STR, 0, NULL, R_DID, NULL},
    {"edited_at", K_TIME, F_OPT, NULL, 0, NULL},
    {"full_name", K_STR, F_OPT, NULL, R_NAME70, NULL},
    {"first_name", K_STR, F_OPT, NULL, R_NAME32, NULL},
    {"last_name", K_STR, F_OPT, NULL, R_NAME32, NULL},
    {"image_url", K_STR, F_OPT, NULL, R_URI_PATH, NULL},
    {"image_url_medium", K_STR, F_OPT, NULL, R_URI_PATH, NULL},
    {"image_url_small", K_STR, F_OPT, NULL, R_URI_PATH, NULL},
    {"bio", K_STR, F_OPT, NULL, R_LEN65535, NULL},
    {"birthday", K_STR, F_OPT, NULL, R_BIRTHDAY, NULL},
    {"gender", K_STR, F_OPT, NULL, R_LEN255, NULL},
    {"location", K_STR, F_OPT, NULL, R_LEN255, NULL},
    {"searchable", K_BOOL, F_OPT | F_DEF, "true", 0, NULL},
    {"public", K_BOOL, F_OPT | F_DEF, "false", 0, NULL},
    {"nsfw", K_BOOL, F_OPT | F_DEF, "false", 0, NULL},
    {"tag_string", K_STR, F_OPT, NULL, R_TAGS5, NULL},
};
static const struct schema profile_schema = SCHEMA("profile", profile_props, false, NULL);

static const struct prop message_props[] = {
    {"author", K_STR, 0, NULL, R_DID, NULL},
    {"guid", K_STR, 0, NULL, R_GUID, NULL},
    {"text", K_STR, 0, NULL, R_NOT_EMPTY | R_LEN65535, NULL},
    {"created_at", K_TIME, F_NOW, NULL, 0, NULL},
    {"edited_at", K_TIME, F_OPT, NULL, 0, NULL},
    {"conversation_guid", K_STR, 0, NULL, R_GUID, NULL},
};
static const struct schema message_schema = SCHEMA("message", message_props, false, NULL);

static const struct prop status_message_props[] = {
    {"author", K_STR, 0, NULL, R_DID, NULL},
    {"guid", K_STR, 0, NULL, R_GUID, NULL},
    {"created_at", K_TIME, F_NOW, NULL, 0, NULL},
    {"public", K_BOOL, F_DEF, "false", 0, NULL},
    {"provider_display_name", K_STR, F_OPT, NULL, 0, NULL},
    {"text", K_STR, 0, NULL, R_LEN65535, NULL},
    {"edited_at", K_TIME, F_OPT, NULL, 0, NULL},
    {"photo", K_LIST, F_OPT, NULL, 0, &photo_schema},
    {"location", K_ONE, F_OPT, NULL, 0, &location_schema},
    {"poll", K_ONE, F_OPT, NULL, 0, &poll_schema},
    {"event", K_ONE, F_OPT, NULL, 0, &event_schema},
    {"embed", K_ONE, F_OPT, NULL, 0, &embed_schema},
};

static const struct prop reshare_props[] = {
    {"author", K_STR, 0, NULL, R_DID, NULL},
    {"guid", K_STR, 0, NULL, R_GUID, NULL},
    {"created_at", K_TIME, F_NOW, NULL, 0, NULL},
    {"root_author", K_STR, F_OPT, NULL, R_DID, NULL},
    {"root_guid", K_STR, F_OPT, NULL, R_GUID, NULL},
};

#define RELAYABLE_PROPS                                                                            \
    {"author", K_STR, 0, NULL, R_DID, NULL}, {"guid", K_STR, 0, NULL, R_GUID, NULL},               \
        {"parent_guid", K_STR, 0, NULL, R_GUID, NULL},                                             \
    {                                                                                              \
        "author_signature", K_STR, F_NIL, NULL, 0, NULL                                            \
    }

static const struct prop comment_props[] = {
    RELAYABLE_PROPS,
    {"text", K_STR, 0, NULL, R_NOT_EMPTY | R_LEN65535, NULL},
    {"created_at", K_TIME, F_NOW, NULL, 0, NULL},
    {"edited_at", K_TIME, F_OPT, NULL, 0, NULL},
};

static const struct prop like_props[] = {
    RELAYABLE_PROPS,
    {"parent_type", K_STR, 0, NULL, R_LIKE_PARENT, NULL},
    {"positive", K_BOOL, 0, NULL, 0, NULL},
};

static const struct prop poll_participation_props[] = {
    RELAYABLE_PROPS,
    {"poll_answer_guid", K_STR, 0, NULL, R_GUID, NULL},
};

static const struct prop event_participation_props[] = {
    RELAYABLE_PROPS,
    {"status", K_STR, 0, NULL, R_STATUS, NULL},
    {"edited_at", K_TIME, F_OPT, NULL, 0, NULL},
};

static const struct prop participation_props[] = {
    {"author", K_STR, 0, NULL, R_DID, NULL},
    {"guid", K_STR, 0, NULL, R_GUID, NULL},
    {"parent_guid", K_STR, 0, NULL, R_GUID, NULL},
    {"parent_type", K_STR, 0, NULL, R_POST_PARENT, NULL},
};

static const struct prop contact_props[] = {
    {"author", K_STR, 0, NULL, R_DID, NULL},
    {"recipient", K_STR, 0, NULL, R_DID, NULL},
    {"following", K_BOOL, F_DEF, "true", 0, NULL},
    {"sharing", K_BOOL, F_DEF, "true", 0, NULL},
    {"blocking", K_BOOL, F_OPT | F_DEF, "false", 0, NULL},
};

static const struct prop conversation_props[] = {
    {"author", K_STR, 0, NULL, R_DID, NULL},
    {"guid", K_STR, 0, NULL, R_GUID, NULL},
    {"subject", K_STR, 0, NULL, R_NOT_EMPTY | R_LEN255, NULL},
    {"created_at", K_TIME, F_NOW, NULL, 0, NULL},
    {"participants", K_STR, 0, NULL, R_NOT_EMPTY | R_DID_LIST, NULL},
    {"message", K_LIST, F_NIL, NULL, 0, &message_schema},
};

static const struct prop retraction_props[] = {
    {"author", K_STR, 0, NULL, R_DID, NULL},
    {"target_guid", K_STR, 0, NULL, R_GUID, NULL},
    {"target_type", K_STR, 0, NULL, R_NOT_EMPTY, NULL},
};

static const struct prop account_deletion_props[] = {
    {"author", K_STR, 0, NULL, R_DID, NULL},
};

static const struct prop account_migration_props[] = {
    {"author", K_STR, 0, NULL, R_DID, NULL},
    {"profile", K_ONE, 0, NULL, R_NOT_NIL, &profile_schema},
    {"signature", K_STR, F_NIL, NULL, 0, NULL},
    {"old_identity", K_STR, F_NIL, NULL, R_DID, NULL}, /* derived, see old_identity() */
    {"remote_photo_path", K_STR, F_OPT, NULL, R_URI_PATH, NULL},
};

static const struct schema schemas[] = {
    SCHEMA("status_message", status_message_props, false, NULL),
    SCHEMA("reshare", reshare_props, false, NULL),
    SCHEMA("comment", comment_props, true, "Post"),
    SCHEMA("like", like_props, true, NULL),
    SCHEMA("poll_participation", poll_participation_props, true, "Poll"),
    SCHEMA("event_participation", event_participation_props, true, "Event"),
    SCHEMA("participation", participation_props, false, NULL),
    SCHEMA("contact", contact_props, false, NULL),
    SCHEMA("conversation", conversation_props, false, NULL),
    SCHEMA("message", message_props, false, NULL),
    SCHEMA("retraction", retraction_props, false, NULL),
    SCHEMA("account_deletion", account_deletion_props, false, NULL),
    SCHEMA("account_migration", account_migration_props, false, NULL),
    SCHEMA("profile", profile_props, false, NULL),
    SCHEMA("photo", photo_props, false, NULL),
    SCHEMA("location", location_props, false, NULL),
    SCHEMA("poll", poll_props, false, NULL),
    SCHEMA("poll_answer", poll_answer_props, false, NULL),
    SCHEMA("event", event_props, false, NULL),
    SCHEMA("embed", embed_props, false, NULL),
};

static const struct schema *
find_schema(const char *type)
{
    size_t i;

    if (!type)
        return NULL;
    for (i = 0; i < sizeof schemas / sizeof schemas[0]; i++)
        if (strcmp(schemas[i].type, type) == 0)
            return &schemas[i];
    return NULL;
}

static const struct prop *
find_prop(const struct schema *s, const char *name)
{
    size_t i;

    if (!s)
        return NULL;
    for (i = 0; i < s->n; i++)
        if (strcmp(s->props[i].name, name) == 0)
            return &s->props[i];
    return NULL;
}

static bool
is_nested(const struct prop *p)
{
    return p && (p->kind == K_ONE || p->kind == K_LIST);
}

/* ------------------------------------------------------- small helpers */

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char
to_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool
ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (to_lower(*a) != to_lower(*b))
            return false;
    return *a == *b;
}

/* True when s starts with lit, ignoring ASCII case. */
static bool
ascii_prefix_ieq(const char *s, const char *lit)
{
    for (; *lit; s++, lit++)
        if (to_lower(*s) != to_lower(*lit))
            return false;
    return true;
}

/* An ASCII XML name as plugpod writes them: [A-Za-z_][A-Za-z0-9_.-]*. */
static bool
is_xml_name(const char *s)
{
    size_t i;

    if (!s || !s[0] || is_digit(s[0]) || s[0] == '-' || s[0] == '.')
        return false;
    for (i = 0; s[i]; i++) {
        char c = s[i];
        if (i >= 255 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
                          c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

/* Decodes one UTF-8 sequence of s[0..n) (n >= 1) into *cp and returns its
 * length; an invalid sequence (overlong, surrogate, > U+10FFFF, cut)
 * returns 1 with *cp = 0xFFFFFFFF. */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    uint32_t c = s[0], min;
    size_t len, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        c &= 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        c &= 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        *cp = 0xFFFFFFFFu;
        return 1;
    }
    if (n < len) {
        *cp = 0xFFFFFFFFu;
        return 1;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFFFFFFu;
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        *cp = 0xFFFFFFFFu;
        return 1;
    }
    *cp = c;
    return len;
}

/* The characters of XML 1.0 (anything else is written as U+FFFD). */
static bool
xml_char(uint32_t c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* Characters (code points) of s, invalid bytes counting one each. */
static size_t
utf8_chars(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, count = 0;
    uint32_t cp;

    while (i < n) {
        i += utf8_next(p + i, n - i, &cp);
        count++;
    }
    return count;
}

/* s with every character illegal in XML (and every invalid UTF-8 byte)
 * replaced by U+FFFD: s itself when it is clean, else a copy in a. */
static const char *
xml_safe(struct pod_arena *a, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, k, out_len = 0;
    bool clean = true;
    uint32_t cp;
    char *out;

    while (i < n) {
        k = utf8_next(p + i, n - i, &cp);
        if (!xml_char(cp)) {
            clean = false;
            out_len += 3;
        } else {
            out_len += k;
        }
        i += k;
    }
    if (clean)
        return s;
    out = pod_arena_alloc(a, out_len + 1);
    if (!out)
        return NULL;
    for (i = 0, out_len = 0; i < n; i += k) {
        k = utf8_next(p + i, n - i, &cp);
        if (!xml_char(cp)) {
            memcpy(out + out_len, "\xEF\xBF\xBD", 3);
            out_len += 3;
        } else {
            memcpy(out + out_len, s + i, k);
            out_len += k;
        }
    }
    out[out_len] = '\0';
    return out;
}

/* --------------------------------------------------------- value formats */

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned
days_in_month(int64_t y, unsigned m)
{
    static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : dim[m - 1];
}

/* Reads exactly n decimal digits at *s. */
static bool
read_digits(const char **s, size_t n, unsigned *out)
{
    unsigned v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (!is_digit((*s)[i]))
            return false;
        v = v * 10 + (unsigned)((*s)[i] - '0');
    }
    *s += n;
    *out = v;
    return true;
}

#define TIME_MIN (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define TIME_MAX (253402300799LL) /* 9999-12-31T23:59:59Z */

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool
fed_time_parse(const char *s, int64_t *out)
{
    unsigned year, mon, day, hour = 0, min = 0, sec = 0, oh = 0, om = 0;
    const char *end;
    int sign = 0;
    int64_t t;

    if (!s)
        return false;
    while (is_blank(*s))
        s++;
    end = s + strlen(s);
    while (end > s && is_blank(end[-1]))
        end--;
    if (!read_digits(&s, 4, &year) || *s++ != '-' || !read_digits(&s, 2, &mon) || *s++ != '-' ||
        !read_digits(&s, 2, &day))
        return false;
    if (s < end && (*s == 'T' || *s == 't' || *s == ' ')) {
        s++;
        if (!read_digits(&s, 2, &hour) || *s++ != ':' || !read_digits(&s, 2, &min))
            return false;
        if (s < end && *s == ':') {
            s++;
            if (!read_digits(&s, 2, &sec))
                return false;
            if (s < end && (*s == '.' || *s == ',')) {
                s++;
                if (s >= end || !is_digit(*s))
                    return false;
                while (s < end && is_digit(*s))
                    s++;
            }
        }
        if (s < end && *s == ' ')
            s++;
        if (s < end && (*s == 'Z' || *s == 'z')) {
            s++;
        } else if (end - s == 3 && (ascii_prefix_ieq(s, "UTC") || ascii_prefix_ieq(s, "GMT"))) {
            s += 3;
        } else if (s < end && (*s == '+' || *s == '-')) {
            sign = *s++ == '-' ? -1 : 1;
            if (!read_digits(&s, 2, &oh))
                return false;
            if (s < end && *s == ':')
                s++;
            if (s < end && !read_digits(&s, 2, &om))
                return false;
        }
    }
    if (s != end)
        return false;
    if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) || hour > 23 || min > 59 ||
        sec > 60 || oh > 23 || om > 59)
        return false;
    t = days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
    t -= (int64_t)sign * (oh * 3600 + om * 60);
    if (t < TIME_MIN || t > TIME_MAX)
        return false;
    *out = t;
    return true;
}

bool
fed_time_format(int64_t t, char out[FED_TIME_LEN + 1])
{
    int64_t days, secs, y;
    unsigned m, d, x;
    int i;

    out[0] = '\0';
    if (t < TIME_MIN || t > TIME_MAX)
        return false;
    days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    secs = t - days * 86400;
    civil_from_days(days, &y, &m, &d);
    /* "YYYY-MM-DDTHH:MM:SSZ" by hand: no locale, no printf width games. */
    memcpy(out, "0000-00-00T00:00:00Z", FED_TIME_LEN + 1);
    x = (unsigned)y;
    for (i = 3; i >= 0; i--, x /= 10)
        out[i] = (char)('0' + x % 10);
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    x = (unsigned)(secs / 3600);
    out[11] = (char)('0' + x / 10);
    out[12] = (char)('0' + x % 10);
    x = (unsigned)(secs / 60 % 60);
    out[14] = (char)('0' + x / 10);
    out[15] = (char)('0' + x % 10);
    x = (unsigned)(secs % 60);
    out[17] = (char)('0' + x / 10);
    out[18] = (char)('0' + x % 10);
    return true;
}

bool
fed_bool_parse(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "t", "yes", "y", "1"};
    static const char *const no[] = {"false", "f", "no", "n", "0"};
    size_t i;

    if (!s)
        return false;
    for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (ascii_ieq(s, yes[i])) {
            *out = true;
            return true;
        }
        if (ascii_ieq(s, no[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* ^[0-9]+$ without its leading zeros (a suffix of s), or NULL. */
static const char *
int_normalize(const char *s)
{
    size_t i;

    if (!s[0])
        return NULL;
    for (i = 0; s[i]; i++)
        if (!is_digit(s[i]))
            return NULL;
    while (s[0] == '0' && s[1])
        s++;
    return s;
}

/* The normalised text of a value of kind for raw: NULL for nil (empty or
 * unparsable), else a string (raw itself, a static string or a copy in a).
 * *oom is set when the arena ran out. */
static const char *
normalize(struct pod_arena *a, int kind, const char *raw, bool *oom)
{
    char buf[FED_TIME_LEN + 1];
    const char *v;
    int64_t t;
    bool b;

    if (!raw || !raw[0])
        return NULL;
    switch (kind) {
    case K_TIME:
        if (!fed_time_parse(raw, &t) || !fed_time_format(t, buf))
            return NULL;
        v = pod_arena_strdup(a, buf);
        break;
    case K_BOOL:
        return fed_bool_parse(raw, &b) ? (b ? "true" : "false") : NULL;
    case K_INT:
        return int_normalize(raw);
    default:
        v = xml_safe(a, raw);
    }
    if (!v)
        *oom = true;
    return v;
}

/* -------------------------------------------------------------- building */

static struct fed_entity *
entity_alloc(struct pod_arena *a, const char *type)
{
    struct fed_entity *e = pod_arena_alloc(a, sizeof *e);

    if (!e)
        return NULL;
    memset(e, 0, sizeof *e);
    e->type = type;
    return e;
}

static int
entity_push(struct fed_entity *e, struct pod_arena *a, const char *name, const char *text,
            struct fed_entity *child)
{
    if (e->count >= FED_ENTITY_MAX_ELEMENTS)
        return POD_ERR_LIMIT;
    if (e->count == e->cap) {
        size_t ncap = e->cap ? e->cap * 2 : 8;
        struct fed_field *nf;

        if (ncap > FED_ENTITY_MAX_ELEMENTS)
            ncap = FED_ENTITY_MAX_ELEMENTS;
        nf = pod_arena_alloc(a, ncap * sizeof *nf);
        if (!nf)
            return POD_ERR_NOMEM;
        if (e->count)
            memcpy(nf, e->fields, e->count * sizeof *nf);
        e->fields = nf;
        e->cap = ncap;
    }
    e->fields[e->count].name = name;
    e->fields[e->count].text = text;
    e->fields[e->count].entity = child;
    e->count++;
    return POD_OK;
}

struct fed_entity *
fed_entity_new(struct pod_arena *a, const char *type)
{
    char *t;

    if (!is_xml_name(type))
        return NULL;
    t = pod_arena_strdup(a, type);
    return t ? entity_alloc(a, t) : NULL;
}

int
fed_entity_add(struct fed_entity *e, struct pod_arena *a, const char *name, const char *text)
{
    char *n, *t;

    if (!e || !is_xml_name(name) || !text)
        return POD_ERR_INVAL;
    n = pod_arena_strdup(a, name);
    t = pod_arena_strdup(a, text);
    if (!n || !t)
        return POD_ERR_NOMEM;
    return entity_push(e, a, n, t, NULL);
}

int
fed_entity_add_entity(struct fed_entity *e, struct pod_arena *a, struct fed_entity *child)
{
    if (!e || !child || !child->type)
        return POD_ERR_INVAL;
    return entity_push(e, a, child->type, NULL, child);
}

int
fed_entity_add_time(struct fed_entity *e, struct pod_arena *a, const char *name, int64_t t)
{
    char buf[FED_TIME_LEN + 1];

    if (!fed_time_format(t, buf))
        return POD_ERR_INVAL;
    return fed_entity_add(e, a, name, buf);
}

int
fed_entity_add_bool(struct fed_entity *e, struct pod_arena *a, const char *name, bool v)
{
    return fed_entity_add(e, a, name, v ? "true" : "false");
}

int
fed_entity_set(struct fed_entity *e, struct pod_arena *a, const char *name, const char *text)
{
    size_t i;

    if (!e || !name || !text)
        return POD_ERR_INVAL;
    for (i = 0; i < e->count; i++) {
        if (e->fields[i].text && strcmp(e->fields[i].name, name) == 0) {
            char *t = pod_arena_strdup(a, text);
            if (!t)
                return POD_ERR_NOMEM;
            e->fields[i].text = t;
            return POD_OK;
        }
    }
    return fed_entity_add(e, a, name, text);
}

size_t
fed_entity_remove(struct fed_entity *e, const char *name)
{
    size_t i, j = 0, removed;

    if (!e || !name)
        return 0;
    for (i = 0; i < e->count; i++)
        if (strcmp(e->fields[i].name, name) != 0)
            e->fields[j++] = e->fields[i];
    removed = e->count - j;
    e->count = j;
    return removed;
}

/* --------------------------------------------------------------- parsing */

enum frame_mode {
    M_ENTITY,  /* an entity: child elements are its fields */
    M_TEXT,    /* a text field: collects the text of all its descendants */
    M_INNER,   /* an element inside a text field (flattened away) */
    M_GENERIC, /* a child of an unknown type: text until a child element shows up */
};

struct frame {
    const char *name;
    struct fed_entity *entity;
    const struct schema *schema;
    enum frame_mode mode;
};

struct parser {
    XML_Parser xp;
    struct pod_arena *a;
    struct frame stack[FED_ENTITY_MAX_DEPTH];
    int depth;
    size_t elements;
    char *buf; /* malloc'd text of the open text field (one at a time) */
    size_t buf_len, buf_cap;
    struct fed_entity *root;
    int err;
    char *why;
    size_t why_len;
};

static void
stop(struct parser *p, int err)
{
    if (!p->err)
        p->err = err;
    XML_StopParser(p->xp, XML_FALSE);
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    struct parser *p = ud;
    struct frame *f, *up;
    const struct prop *prop;

    (void)attrs; /* the reference library ignores attributes too */
    if (p->err)
        return;
    if (++p->elements > FED_ENTITY_MAX_ELEMENTS) {
        pod_why(p->why, p->why_len, "more than %d elements", FED_ENTITY_MAX_ELEMENTS);
        stop(p, POD_ERR_LIMIT);
        return;
    }
    if (p->depth >= FED_ENTITY_MAX_DEPTH) {
        pod_why(p->why, p->why_len, "elements nested deeper than %d", FED_ENTITY_MAX_DEPTH);
        stop(p, POD_ERR_LIMIT);
        return;
    }
    f = &p->stack[p->depth];
    memset(f, 0, sizeof *f);
    up = p->depth ? &p->stack[p->depth - 1] : NULL;
    if (up && (up->mode == M_TEXT || up->mode == M_INNER)) {
        f->mode = M_INNER;
        p->depth++;
        return;
    }
    f->name = pod_arena_strdup(p->a, name);
    if (!f->name)
        goto nomem;
    if (up && up->mode == M_GENERIC) {
        /* Its first child element: the generic field is an entity. */
        up->entity = entity_alloc(p->a, up->name);
        if (!up->entity)
            goto nomem;
        up->mode = M_ENTITY;
    }
    if (!up) {
        f->mode = M_ENTITY;
        f->schema = find_schema(f->name);
    } else if (up->schema) {
        prop = find_prop(up->schema, f->name);
        if (is_nested(prop)) {
            f->mode = M_ENTITY;
            f->schema = prop->sub;
        } else {
            f->mode = M_TEXT;
        }
    } else {
        f->mode = M_GENERIC;
    }
    if (f->mode == M_ENTITY) {
        f->entity = entity_alloc(p->a, f->name);
        if (!f->entity)
            goto nomem;
    } else {
        p->buf_len = 0;
    }
    p->depth++;
    return;
nomem:
    pod_why(p->why, p->why_len, "out of memory");
    stop(p, POD_ERR_NOMEM);
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
    struct parser *p = ud;
    struct frame *f;
    struct fed_entity *parent;
    char *text;
    int rc = POD_OK;

    (void)name;
    if (p->err || p->depth == 0)
        return;
    f = &p->stack[--p->depth];
    if (f->mode == M_INNER)
        return;
    if (p->depth == 0) {
        p->root = f->entity;
        return;
    }
    parent = p->stack[p->depth - 1].entity;
    if (f->mode == M_ENTITY) {
        /* <photo/> and <location> </location> are ignored, as the
         * reference library ignores empty nested elements. */
        if (f->entity->count > 0)
            rc = entity_push(parent, p->a, f->name, NULL, f->entity);
    } else {
        text = pod_arena_strndup(p->a, p->buf ? p->buf : "", p->buf_len);
        rc = text ? entity_push(parent, p->a, f->name, text, NULL) : POD_ERR_NOMEM;
        p->buf_len = 0;
    }
    if (rc != POD_OK) {
        pod_why(p->why, p->why_len, "%s",
                rc == POD_ERR_NOMEM ? "out of memory" : "too many fields");
        stop(p, rc);
    }
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
    struct parser *p = ud;
    struct frame *f;

    if (p->err || p->depth == 0 || len <= 0)
        return;
    f = &p->stack[p->depth - 1];
    if (f->mode == M_ENTITY)
        return; /* whitespace between fields, or mixed content: ignored */
    if (p->buf_len + (size_t)len > FED_ENTITY_MAX_BYTES) {
        pod_why(p->why, p->why_len, "text longer than %d bytes", FED_ENTITY_MAX_BYTES);
        stop(p, POD_ERR_LIMIT);
        return;
    }
    if (p->buf_len + (size_t)len > p->buf_cap) {
        size_t ncap = p->buf_cap ? p->buf_cap : 256;
        char *nb;

        while (ncap < p->buf_len + (size_t)len)
            ncap *= 2;
        nb = realloc(p->buf, ncap);
        if (!nb) {
            pod_why(p->why, p->why_len, "out of memory");
            stop(p, POD_ERR_NOMEM);
            return;
        }
        p->buf = nb;
        p->buf_cap = ncap;
    }
    memcpy(p->buf + p->buf_len, s, (size_t)len);
    p->buf_len += (size_t)len;
}

static void XMLCALL
on_xml_decl(void *ud, const XML_Char *version, const XML_Char *encoding, int standalone)
{
    struct parser *p = ud;

    (void)version;
    (void)standalone;
    if (p->err || !encoding || ascii_ieq(encoding, "UTF-8"))
        return;
    pod_why(p->why, p->why_len, "only UTF-8 is accepted, not %.40s", encoding);
    stop(p, POD_ERR_PARSE);
}

static void XMLCALL
on_doctype(void *ud, const XML_Char *doctype_name, const XML_Char *sysid, const XML_Char *pubid,
           int has_internal_subset)
{
    struct parser *p = ud;

    (void)doctype_name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    pod_why(p->why, p->why_len, "DOCTYPE is not allowed");
    stop(p, POD_ERR_PARSE);
}

static void XMLCALL
on_entity_decl(void *ud, const XML_Char *entity_name, int is_parameter_entity,
               const XML_Char *value, int value_length, const XML_Char *base,
               const XML_Char *system_id, const XML_Char *public_id, const XML_Char *notation_name)
{
    struct parser *p = ud;

    (void)entity_name;
    (void)is_parameter_entity;
    (void)value;
    (void)value_length;
    (void)base;
    (void)system_id;
    (void)public_id;
    (void)notation_name;
    pod_why(p->why, p->why_len, "ENTITY declarations are not allowed");
    stop(p, POD_ERR_PARSE);
}

static int XMLCALL
on_external_entity(XML_Parser xp, const XML_Char *context, const XML_Char *base,
                   const XML_Char *system_id, const XML_Char *public_id)
{
    (void)xp;
    (void)context;
    (void)base;
    (void)system_id;
    (void)public_id;
    return XML_STATUS_ERROR; /* never fetched (unreachable without a DOCTYPE) */
}

int
fed_entity_parse(const char *xml, size_t len, struct pod_arena *a, struct fed_entity **out,
                 char *why, size_t why_len)
{
    struct parser p;
    int rc = POD_OK;

    pod_why(why, why_len, "%s", "");
    if (out)
        *out = NULL;
    if (!xml || !a || !out) {
        pod_why(why, why_len, "no input");
        return POD_ERR_INVAL;
    }
    if (len > FED_ENTITY_MAX_BYTES) {
        pod_why(why, why_len, "entity XML over %d bytes", FED_ENTITY_MAX_BYTES);
        return POD_ERR_LIMIT;
    }
    /* A UTF-8 byte order mark: allowed, as libxml2 allows it (expat
     * would take it for text once the encoding is forced). */
    if (len >= 3 && memcmp(xml, "\xEF\xBB\xBF", 3) == 0) {
        xml += 3;
        len -= 3;
    }
    /* expat honours a UTF-16 byte order mark even with the encoding forced:
     * refuse UTF-16/32 outright (any NUL byte: XML has no U+0000). */
    if (memchr(xml, '\0', len) ||
        (len >= 2 && ((unsigned char)xml[0] == 0xFE || (unsigned char)xml[0] == 0xFF))) {
        pod_why(why, why_len, "not UTF-8 (a NUL byte or a UTF-16 byte order mark)");
        return POD_ERR_PARSE;
    }
    memset(&p, 0, sizeof p);
    p.a = a;
    p.why = why;
    p.why_len = why_len;
    /* "UTF-8" overrides whatever the document declares or its BOM says;
     * on_xml_decl refuses a declaration of anything else. */
    p.xp = XML_ParserCreate("UTF-8");
    if (!p.xp) {
        pod_why(why, why_len, "out of memory");
        return POD_ERR_NOMEM;
    }
    XML_SetUserData(p.xp, &p);
    XML_SetElementHandler(p.xp, on_start, on_end);
    XML_SetCharacterDataHandler(p.xp, on_text);
    XML_SetXmlDeclHandler(p.xp, on_xml_decl);
    XML_SetStartDoctypeDeclHandler(p.xp, on_doctype);
    XML_SetEntityDeclHandler(p.xp, on_entity_decl);
    XML_SetExternalEntityRefHandler(p.xp, on_external_entity);
    XML_SetParamEntityParsing(p.xp, XML_PARAM_ENTITY_PARSING_NEVER);
    if (XML_Parse(p.xp, xml, (int)len, XML_TRUE) != XML_STATUS_OK || p.err) {
        if (p.err) {
            rc = p.err;
        } else {
            rc = XML_GetErrorCode(p.xp) == XML_ERROR_NO_MEMORY ? POD_ERR_NOMEM : POD_ERR_PARSE;
            pod_why(why, why_len, "XML: %s at line %lu column %lu",
                    XML_ErrorString(XML_GetErrorCode(p.xp)),
                    (unsigned long)XML_GetCurrentLineNumber(p.xp),
                    (unsigned long)XML_GetCurrentColumnNumber(p.xp));
        }
    } else if (!p.root) {
        pod_why(why, why_len, "no root element");
        rc = POD_ERR_PARSE;
    }
    XML_ParserFree(p.xp);
    free(p.buf);
    if (rc == POD_OK)
        *out = p.root;
    return rc;
}

/* ------------------------------------------------------------- accessors */

static const struct fed_field *
first_field(const struct fed_entity *e, const char *name)
{
    size_t i;

    for (i = 0; i < e->count; i++)
        if (strcmp(e->fields[i].name, name) == 0)
            return &e->fields[i];
    return NULL;
}

const char *
fed_entity_get(const struct fed_entity *e, const char *name)
{
    size_t i;

    if (!e || !name)
        return NULL;
    for (i = 0; i < e->count; i++)
        if (e->fields[i].text && strcmp(e->fields[i].name, name) == 0)
            return e->fields[i].text;
    return NULL;
}

const struct fed_entity *
fed_entity_get_entity(const struct fed_entity *e, const char *name)
{
    size_t i;

    if (!e || !name)
        return NULL;
    for (i = 0; i < e->count; i++)
        if (e->fields[i].entity && strcmp(e->fields[i].name, name) == 0)
            return e->fields[i].entity;
    return NULL;
}

int
fed_entity_get_bool(const struct fed_entity *e, const char *name, bool *out)
{
    const char *v = fed_entity_get(e, name);
    const struct prop *p;

    if (!v) {
        p = e ? find_prop(find_schema(e->type), name) : NULL;
        if (p && p->kind == K_BOOL && (p->flags & F_DEF) && fed_bool_parse(p->def, out))
            return POD_OK;
        return POD_ERR_NOTFOUND;
    }
    return fed_bool_parse(v, out) ? POD_OK : POD_ERR_PARSE;
}

int
fed_entity_get_time(const struct fed_entity *e, const char *name, int64_t *out)
{
    const char *v = fed_entity_get(e, name);

    if (!v)
        return POD_ERR_NOTFOUND;
    return fed_time_parse(v, out) ? POD_OK : POD_ERR_PARSE;
}

int
fed_entity_get_int(const struct fed_entity *e, const char *name, int64_t *out)
{
    const char *v = fed_entity_get(e, name);
    int64_t n = 0;

    if (!v)
        return POD_ERR_NOTFOUND;
    if (!int_normalize(v))
        return POD_ERR_PARSE;
    for (; *v; v++) {
        if (n > (INT64_MAX - (*v - '0')) / 10)
            return POD_ERR_PARSE;
        n = n * 10 + (*v - '0');
    }
    *out = n;
    return POD_OK;
}

const char *
fed_entity_normalized(const struct fed_entity *e, size_t i, struct pod_arena *a)
{
    const struct fed_field *f;
    const struct prop *p;
    const char *v;
    bool oom = false;

    if (!e || i >= e->count || !e->fields[i].text)
        return NULL;
    f = &e->fields[i];
    p = find_prop(find_schema(e->type), f->name);
    v = normalize(a, p && !is_nested(p) ? p->kind : K_STR, f->text, &oom);
    if (oom)
        return NULL;
    return v ? v : "";
}

bool
fed_entity_is_relayable(const struct fed_entity *e)
{
    const struct schema *s = e ? find_schema(e->type) : NULL;

    return s && s->relayable;
}

const char *
fed_entity_parent_type(const struct fed_entity *e)
{
    const struct schema *s = e ? find_schema(e->type) : NULL;

    if (!s)
        return NULL;
    if (s->parent_type)
        return s->parent_type;
    if (strcmp(s->type, "like") == 0 || strcmp(s->type, "participation") == 0)
        return fed_entity_get(e, "parent_type");
    return NULL;
}

/* ------------------------------------------------------- canonical form */

struct canon {
    struct pod_arena *a;
    bool oom;
};

static struct fed_entity *canon_entity(struct canon *c, const struct fed_entity *e,
                                       const struct schema *s, bool generic);

static void
canon_push(struct canon *c, struct fed_entity *out, const char *name, const char *text,
           struct fed_entity *child)
{
    if (!c->oom && entity_push(out, c->a, name, text, child) != POD_OK)
        c->oom = true; /* NOMEM; LIMIT cannot happen: out never outgrows the input */
}

/* AccountMigration#old_identity of the reference library: the author,
 * unless the author is the new identity (the profile's author); then the
 * old_identity element. */
static const char *
migration_old_identity(struct canon *c, const struct fed_entity *e)
{
    const struct fed_entity *profile = fed_entity_get_entity(e, "profile");
    const char *author = normalize(c->a, K_STR, fed_entity_get(e, "author"), &c->oom);
    const char *new_id =
        profile ? normalize(c->a, K_STR, fed_entity_get(profile, "author"), &c->oom) : NULL;
    bool author_is_new = author && new_id ? strcmp(author, new_id) == 0 : author == new_id;

    return author_is_new ? normalize(c->a, K_STR, fed_entity_get(e, "old_identity"), &c->oom)
                         : author;
}

static void
canon_known(struct canon *c, const struct fed_entity *e, const struct schema *s,
            struct fed_entity *out)
{
    const struct fed_field *f;
    const char *v;
    size_t i, j;
    bool present;

    for (i = 0; i < s->n && !c->oom; i++) {
        const struct prop *p = &s->props[i];
        if (is_nested(p)) {
            for (j = 0; j < e->count; j++) {
                struct fed_entity *child;
                f = &e->fields[j];
                if (!f->entity || strcmp(f->name, p->name) != 0)
                    continue;
                child = canon_entity(c, f->entity, p->sub, false);
                if (child && child->count > 0)
                    canon_push(c, out, p->name, NULL, child);
                if (p->kind == K_ONE)
                    break; /* only the first counts */
            }
            continue;
        }
        if (strcmp(s->type, "account_migration") == 0 && strcmp(p->name, "old_identity") == 0) {
            v = migration_old_identity(c, e); /* always emitted by the library */
            canon_push(c, out, p->name, v ? v : "", NULL);
            continue;
        }
        f = first_field(e, p->name);
        present = f && f->text;
        v = present ? normalize(c->a, p->kind, f->text, &c->oom) : NULL;
        if (!v && (p->flags & F_DEF))
            v = p->def; /* absent, or nil: the library would leave a nil out
                         * and its receiver fall back to this default */
        if (v)
            canon_push(c, out, p->name, v, NULL);
        else if (present && !(p->flags & F_OPT) && (p->kind == K_STR || p->kind == K_TIME))
            canon_push(c, out, p->name, "", NULL); /* nil non-optional: an empty element */
    }
}

/* A relayable keeps the received order (each name once, the first
 * occurrence), unknown elements as received, no *signature* elements but
 * author_signature, which goes last. */
static void
canon_relayable(struct canon *c, const struct fed_entity *e, const struct schema *s,
                struct fed_entity *out)
{
    const struct fed_field *f;
    const struct prop *p;
    const char *v;
    size_t i;

    for (i = 0; i < e->count && !c->oom; i++) {
        f = &e->fields[i];
        if (!f->text || strstr(f->name, "signature") || first_field(out, f->name))
            continue;
        p = find_prop(s, f->name);
        if (p)
            v = normalize(c->a, p->kind, f->text, &c->oom);
        else if (!(v = xml_safe(c->a, f->text)))
            c->oom = true;
        canon_push(c, out, f->name, v ? v : "", NULL);
    }
    v = fed_entity_get(e, "author_signature");
    if (v && !c->oom) {
        v = xml_safe(c->a, v);
        if (!v)
            c->oom = true;
        canon_push(c, out, "author_signature", v, NULL);
    }
}

static void
canon_generic(struct canon *c, const struct fed_entity *e, struct fed_entity *out)
{
    const struct fed_field *f;
    const char *v;
    size_t i;

    for (i = 0; i < e->count && !c->oom; i++) {
        f = &e->fields[i];
        if (f->entity) {
            struct fed_entity *child = canon_entity(c, f->entity, NULL, true);
            if (child && child->count > 0)
                canon_push(c, out, f->name, NULL, child);
        } else if (f->text) {
            if (!(v = xml_safe(c->a, f->text)))
                c->oom = true;
            else
                canon_push(c, out, f->name, v, NULL);
        }
    }
}

static struct fed_entity *
canon_entity(struct canon *c, const struct fed_entity *e, const struct schema *s, bool generic)
{
    struct fed_entity *out = entity_alloc(c->a, e->type);

    if (!out) {
        c->oom = true;
        return NULL;
    }
    if (generic || !s)
        canon_generic(c, e, out);
    else if (s->relayable)
        canon_relayable(c, e, s, out);
    else
        canon_known(c, e, s, out);
    return c->oom ? NULL : out;
}

struct fed_entity *
fed_entity_canonical(const struct fed_entity *e, struct pod_arena *a)
{
    struct canon c = {a, false};
    const struct schema *s;

    if (!e || !e->type || !a)
        return NULL;
    s = find_schema(e->type);
    return canon_entity(&c, e, s, s == NULL);
}

int
fed_entity_signature_fields(const struct fed_entity *e, struct pod_arena *a, struct fed_field **out,
                            size_t *count)
{
    struct fed_entity *c;

    if (!fed_entity_is_relayable(e))
        return POD_ERR_INVAL;
    c = fed_entity_canonical(e, a);
    if (!c)
        return POD_ERR_NOMEM;
    /* canon_relayable puts author_signature, if any, last. */
    if (c->count && strcmp(c->fields[c->count - 1].name, "author_signature") == 0)
        c->count--;
    *out = c->fields;
    *count = c->count;
    return POD_OK;
}

int
fed_entity_signature_lists(const struct fed_entity *e, struct pod_arena *a, const char ***names,
                           const char ***values, size_t *count)
{
    struct fed_field *f;
    const char **n, **v;
    size_t i, k;
    int rc = fed_entity_signature_fields(e, a, &f, &k);

    if (rc != POD_OK)
        return rc;
    n = pod_arena_alloc(a, (k + 1) * sizeof *n);
    v = pod_arena_alloc(a, (k + 1) * sizeof *v);
    if (!n || !v)
        return POD_ERR_NOMEM;
    for (i = 0; i < k; i++) {
        n[i] = f[i].name;
        v[i] = f[i].text;
    }
    *names = n;
    *values = v;
    *count = k;
    return POD_OK;
}

char *
fed_entity_signature_string(const struct fed_entity *e, struct pod_arena *a)
{
    struct fed_field *f;
    size_t n, i, len = 0;
    char *s, *w;

    if (fed_entity_signature_fields(e, a, &f, &n) != POD_OK)
        return NULL;
    for (i = 0; i < n; i++)
        len += strlen(f[i].text) + 1;
    s = pod_arena_alloc(a, len + 1);
    if (!s)
        return NULL;
    for (i = 0, w = s; i < n; i++) {
        size_t k = strlen(f[i].text);
        if (i)
            *w++ = ';';
        memcpy(w, f[i].text, k);
        w += k;
    }
    *w = '\0';
    return s;
}

/* --------------------------------------------------------- serialisation */

struct out {
    char *p; /* NULL while measuring */
    size_t len;
};

static void
put(struct out *o, const char *s, size_t n)
{
    if (o->p)
        memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void
puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void
put_indent(struct out *o, int level)
{
    int i;

    for (i = 0; i < level; i++)
        put(o, "  ", 2);
}

/* Text as libxml2 writes it for a document without encoding (what the
 * reference library's Nokogiri output is): &, <, > and CR escaped, every
 * non-ASCII character as &#xHEX;, characters illegal in XML as U+FFFD. */
static void
put_text(struct out *o, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, k;
    uint32_t cp;

    while (i < n) {
        size_t run = i;
        while (run < n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '&' && p[run] != '<' &&
               p[run] != '>')
            run++;
        if (run > i) {
            put(o, s + i, run - i);
            i = run;
            continue;
        }
        k = utf8_next(p + i, n - i, &cp);
        i += k;
        if (!xml_char(cp))
            cp = 0xFFFD;
        if (cp == '&') {
            put(o, "&amp;", 5);
        } else if (cp == '<') {
            put(o, "&lt;", 4);
        } else if (cp == '>') {
            put(o, "&gt;", 4);
        } else if (cp == '\t' || cp == '\n') {
            put(o, (const char *)&p[i - 1], 1);
        } else {
            char buf[12];
            int d = 0, shift;
            buf[d++] = '&';
            buf[d++] = '#';
            buf[d++] = 'x';
            for (shift = 20; shift > 0 && !(cp >> shift); shift -= 4)
                ;
            for (; shift >= 0; shift -= 4)
                buf[d++] = hex[(cp >> shift) & 0xF];
            buf[d++] = ';';
            put(o, buf, (size_t)d);
        }
    }
}

static void
put_entity(struct out *o, const struct fed_entity *e, const char *tag, int level)
{
    size_t i;

    put(o, "<", 1);
    puts_(o, tag);
    if (e->count == 0) {
        put(o, "/>", 2);
        return;
    }
    put(o, ">\n", 2);
    for (i = 0; i < e->count; i++) {
        const struct fed_field *f = &e->fields[i];
        put_indent(o, level + 1);
        if (f->entity) {
            put_entity(o, f->entity, f->name, level + 1);
        } else if (!f->text || !f->text[0]) {
            put(o, "<", 1);
            puts_(o, f->name);
            put(o, "/>", 2);
        } else {
            put(o, "<", 1);
            puts_(o, f->name);
            put(o, ">", 1);
            put_text(o, f->text);
            put(o, "</", 2);
            puts_(o, f->name);
            put(o, ">", 1);
        }
        put(o, "\n", 1);
    }
    put_indent(o, level);
    put(o, "</", 2);
    puts_(o, tag);
    put(o, ">", 1);
}

int
fed_entity_emit(const struct fed_entity *e, struct pod_arena *a, char **out, size_t *len)
{
    struct fed_entity *c;
    struct out o = {NULL, 0};

    if (out)
        *out = NULL;
    if (len)
        *len = 0;
    if (!e || !a || !out)
        return POD_ERR_INVAL;
    c = fed_entity_canonical(e, a);
    if (!c)
        return POD_ERR_NOMEM;
    put_entity(&o, c, c->type, 0); /* measure */
    if (o.len > FED_ENTITY_EMIT_MAX)
        return POD_ERR_LIMIT;
    o.p = pod_arena_alloc(a, o.len + 1);
    if (!o.p)
        return POD_ERR_NOMEM;
    o.len = 0;
    put_entity(&o, c, c->type, 0);
    o.p[o.len] = '\0';
    *out = o.p;
    if (len)
        *len = o.len;
    return POD_OK;
}

/* ------------------------------------------------------------ validation */

static bool
is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A URI as Ruby's URI.parse takes it (ASCII, no blanks or unsafe
 * characters, well-formed %-escapes); need_host: "scheme://host...";
 * need_path: a non-empty path. */
static bool
uri_ok(const char *s, bool need_host, bool need_path)
{
    const char *p = s, *host;
    size_t i;

    if (!s[0])
        return false;
    for (i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7F || strchr("<>\"{}|\\^`", c))
            return false;
        if (c == '%' && !(is_hex(s[i + 1]) && is_hex(s[i + 2])))
            return false;
    }
    if (is_alpha(s[0])) {
        for (i = 1; is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.';
             i++)
            ;
        if (s[i] == ':')
            p = s + i + 1;
    }
    host = NULL;
    if (p[0] == '/' && p[1] == '/') {
        p += 2;
        host = p;
        while (*p && *p != '/' && *p != '?' && *p != '#')
            p++;
        if (p == host)
            host = NULL;
    }
    if (need_host && !host)
        return false;
    if (need_path && strcspn(p, "?#") == 0)
        return false;
    return true;
}

static bool
did_ok(const char *s)
{
    return pod_diaspora_id_parse(s, NULL, 0, NULL, 0);
}

/* ';'-separated diaspora* IDs (Ruby's split: trailing empty parts drop). */
static bool
did_list_ok(const char *s, size_t min)
{
    char id[POD_DIASPORA_ID_MAX + 1];
    size_t n = strlen(s), count = 0, start = 0, i;

    while (n > 0 && s[n - 1] == ';')
        n--;
    for (i = 0; i <= n; i++) {
        if (i < n && s[i] != ';')
            continue;
        if (i - start > POD_DIASPORA_ID_MAX)
            return false;
        memcpy(id, s + start, i - start);
        id[i - start] = '\0';
        if (!did_ok(id))
            return false;
        count++;
        start = i + 1;
    }
    return n > 0 && count >= min;
}

/* ^[A-Za-z_-]{,14}(/[A-Za-z_-]{,14}){1,2}$ */
static bool
timezone_ok(const char *s)
{
    size_t run = 0, slashes = 0;

    for (; *s; s++) {
        if (*s == '/') {
            slashes++;
            run = 0;
        } else if (is_alpha(*s) || *s == '_' || *s == '-') {
            if (++run > 14)
                return false;
        } else {
            return false;
        }
    }
    return slashes >= 1 && slashes <= 2;
}

/* YYYY-MM-DD, a real calendar date (year 1004 or earlier means "unknown"
 * to diaspora*, but is still a date). */
static bool
birthday_ok(const char *s)
{
    unsigned y, m, d;

    if (!read_digits(&s, 4, &y) || *s++ != '-' || !read_digits(&s, 2, &m) || *s++ != '-' ||
        !read_digits(&s, 2, &d) || *s)
        return false;
    return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* The first rule of rules that v breaks, as a phrase; NULL when none. */
static const char *
rule_fails(unsigned rules, const char *v)
{
    if ((rules & R_NOT_EMPTY) && !v[0])
        return "must not be empty";
    if ((rules & R_DID) && !did_ok(v))
        return "is not a diaspora* ID";
    if ((rules & R_GUID) && !pod_guid_valid(v))
        return "is not a GUID";
    if ((rules & R_LEN255) && utf8_chars(v) > 255)
        return "is longer than 255 characters";
    if ((rules & R_LEN65535) && utf8_chars(v) > 65535)
        return "is longer than 65535 characters";
    if ((rules & (R_NAME70 | R_NAME32)) && strchr(v, ';'))
        return "contains ';'";
    if ((rules & R_NAME70) && utf8_chars(v) > 70)
        return "is longer than 70 characters";
    if ((rules & R_NAME32) && utf8_chars(v) > 32)
        return "is longer than 32 characters";
    if ((rules & R_URI) && !uri_ok(v, false, false))
        return "is not a URI";
    if ((rules & R_URI_PATH) && !uri_ok(v, false, true))
        return "is not a URI with a path";
    if ((rules & R_URI_HOST) && !uri_ok(v, true, true))
        return "is not a URI with a host and a path";
    if ((rules & R_BIRTHDAY) && v[0] && !birthday_ok(v))
        return "is not a date (YYYY-MM-DD)";
    if (rules & R_TAGS5) {
        size_t tags = 0;
        const char *t;
        for (t = v; *t; t++)
            tags += *t == '#';
        if (tags > 5)
            return "has more than 5 tags";
    }
    if ((rules & R_TZ) && !timezone_ok(v))
        return "is not a time zone (Area/Location)";
    if ((rules & R_DID_LIST) && !did_list_ok(v, 2))
        return "is not a ';'-separated list of at least 2 diaspora* IDs";
    if ((rules & R_STATUS) && strcmp(v, "accepted") != 0 && strcmp(v, "declined") != 0 &&
        strcmp(v, "tentative") != 0)
        return "is not accepted, declined or tentative";
    if ((rules & R_LIKE_PARENT) && strcmp(v, "Post") != 0 && strcmp(v, "Comment") != 0)
        return "is not Post or Comment";
    if ((rules & R_POST_PARENT) && strcmp(v, "Post") != 0)
        return "is not Post";
    return NULL;
}

static const char *
kind_name(int kind)
{
    switch (kind) {
    case K_TIME:
        return "a timestamp";
    case K_BOOL:
        return "a boolean";
    case K_INT:
        return "an integer";
    default:
        return "a value";
    }
}

/* A scratch arena for the normalised values validation looks at. */
#define VALIDATE_SCRATCH 512

static int validate_entity(const struct fed_entity *e, const struct schema *s, const char *path,
                           int depth, char *why, size_t why_len);

/* Checks the nested entities of property p; *present says if any. */
static int
validate_nested(const struct fed_entity *e, const struct prop *p, const char *path, int depth,
                bool *present, char *why, size_t why_len)
{
    char sub[160];
    size_t i, n = 0;
    int rc;

    for (i = 0; i < e->count; i++) {
        const struct fed_field *f = &e->fields[i];
        if (!f->entity || strcmp(f->name, p->name) != 0)
            continue;
        n++;
        snprintf(sub, sizeof sub, "%s/%s", path, p->name);
        rc = validate_entity(f->entity, p->sub, sub, depth + 1, why, why_len);
        if (rc != POD_OK)
            return rc;
        if (p->kind == K_ONE)
            break;
    }
    *present = n > 0;
    if ((p->rules & R_MIN2) && n > 0 && n < 2) {
        pod_why(why, why_len, "%s: %s needs at least 2 entries", path, p->name);
        return POD_ERR_INVAL;
    }
    return POD_OK;
}

/* Looks up a boolean of e with the type's default; nil -> false. */
static bool
bool_or_default(const struct fed_entity *e, const char *name)
{
    bool v = false;

    return fed_entity_get_bool(e, name, &v) == POD_OK && v;
}

static bool
nil_or_empty(const char *s)
{
    return !s || !s[0];
}

/* The rules of the reference library that involve more than one field. */
static int
validate_cross(const struct fed_entity *e, const struct schema *s, const char *path, char *why,
               size_t why_len)
{
    const char *author = fed_entity_get(e, "author");
    size_t i;

    if (strcmp(s->type, "status_message") == 0 || strcmp(s->type, "conversation") == 0) {
        const char *nested = s->type[0] == 's' ? "photo" : "message";
        for (i = 0; i < e->count; i++) {
            const struct fed_field *f = &e->fields[i];
            const char *na;
            if (!f->entity || strcmp(f->name, nested) != 0)
                continue;
            na = fed_entity_get(f->entity, "author");
            if (!author || !na || strcmp(author, na) != 0) {
                pod_why(why, why_len, "%s: nested %s has a different author", path, nested);
                return POD_ERR_INVAL;
            }
        }
    } else if (strcmp(s->type, "contact") == 0) {
        if ((bool_or_default(e, "following") || bool_or_default(e, "sharing")) &&
            bool_or_default(e, "blocking")) {
            pod_why(why, why_len, "%s: blocking with following or sharing", path);
            return POD_ERR_INVAL;
        }
    } else if (strcmp(s->type, "embed") == 0) {
        bool nothing = false;
        if (fed_entity_get_bool(e, "nothing", &nothing) != POD_OK)
            nothing = false;
        if (nothing == !nil_or_empty(fed_entity_get(e, "url"))) {
            pod_why(why, why_len, "%s: either url must be set or nothing must be true", path);
            return POD_ERR_INVAL;
        }
    } else if (strcmp(s->type, "reshare") == 0) {
        if (nil_or_empty(fed_entity_get(e, "root_author")) !=
            nil_or_empty(fed_entity_get(e, "root_guid"))) {
            pod_why(why, why_len, "%s: root_author and root_guid go together", path);
            return POD_ERR_INVAL;
        }
    } else if (strcmp(s->type, "account_migration") == 0) {
        unsigned char mem[VALIDATE_SCRATCH];
        struct pod_arena a;
        struct canon c;
        const char *old;
        bool ok;

        pod_arena_init(&a, mem, sizeof mem, 0);
        c.a = &a;
        c.oom = false;
        old = migration_old_identity(&c, e);
        ok = !c.oom && old && did_ok(old);
        pod_arena_free(&a);
        if (!ok) {
            pod_why(why, why_len, "%s: old_identity is not a diaspora* ID", path);
            return POD_ERR_INVAL;
        }
    }
    return POD_OK;
}

static int
validate_entity(const struct fed_entity *e, const struct schema *s, const char *path, int depth,
                char *why, size_t why_len)
{
    char missing[200];
    size_t i, mlen = 0;
    int rc = POD_OK;

    if (depth > FED_ENTITY_MAX_DEPTH) {
        pod_why(why, why_len, "%s: nested too deeply", path);
        return POD_ERR_INVAL;
    }
    missing[0] = '\0';
    for (i = 0; i < s->n; i++) {
        const struct prop *p = &s->props[i];
        bool present;
        if (is_nested(p)) {
            rc = validate_nested(e, p, path, depth, &present, why, why_len);
            if (rc != POD_OK)
                return rc;
        } else {
            const struct fed_field *f = first_field(e, p->name);
            present = f && f->text;
        }
        if (!present && !(p->flags & (F_OPT | F_DEF | F_NOW | F_NIL))) {
            int k =
                snprintf(missing + mlen, sizeof missing - mlen, "%s%s", mlen ? ", " : "", p->name);
            mlen =
                k < 0 || (size_t)k >= sizeof missing - mlen ? sizeof missing - 1 : mlen + (size_t)k;
        }
    }
    if (mlen) {
        pod_why(why, why_len, "%s: Missing required properties: %s", path, missing);
        return POD_ERR_INVAL;
    }
    for (i = 0; i < s->n; i++) {
        const struct prop *p = &s->props[i];
        const struct fed_field *f;
        const char *v, *fail;
        unsigned char mem[VALIDATE_SCRATCH];
        struct pod_arena a;
        bool oom = false, bad_kind;

        if (is_nested(p)) {
            if ((p->rules & R_NOT_NIL) && !fed_entity_get_entity(e, p->name)) {
                pod_why(why, why_len, "%s: %s is missing", path, p->name);
                return POD_ERR_INVAL;
            }
            continue;
        }
        f = first_field(e, p->name);
        if (!f || !f->text)
            continue; /* absent: has a default, or is optional, or derived */
        pod_arena_init(&a, mem, sizeof mem, 0);
        v = normalize(&a, p->kind, f->text, &oom);
        fail = NULL;
        bad_kind = false;
        if (oom) {
            fail = "cannot be checked (out of memory)";
        } else if (!v && p->kind != K_STR) {
            /* present but empty or unparsable: refused even when optional
             * unless it is simply empty */
            bad_kind = f->text[0] || !(p->flags & F_OPT) || (p->rules & R_NOT_NIL);
        } else if (!v) {
            /* an empty string: fine when optional, else it must pass */
            if (!(p->flags & F_OPT) || (p->rules & R_NOT_NIL))
                fail = rule_fails(p->rules, "");
        } else if (p->kind == K_STR) {
            fail = rule_fails(p->rules, v);
        }
        pod_arena_free(&a);
        if (bad_kind) {
            pod_why(why, why_len, "%s: property %s is not %s: \"%.40s\"", path, p->name,
                    kind_name(p->kind), f->text);
            return POD_ERR_INVAL;
        }
        if (fail) {
            pod_why(why, why_len, "%s: property %s %s", path, p->name, fail);
            return POD_ERR_INVAL;
        }
    }
    return validate_cross(e, s, path, why, why_len);
}

int
fed_entity_validate(const struct fed_entity *e, char *why, size_t why_len)
{
    const struct schema *s;

    pod_why(why, why_len, "%s", "");
    if (!e || !e->type) {
        pod_why(why, why_len, "no entity");
        return POD_ERR_INVAL;
    }
    s = find_schema(e->type);
    if (!s) {
        pod_why(why, why_len, "unknown entity type \"%.60s\"", e->type);
        return POD_ERR_INVAL;
    }
    return validate_entity(e, s, e->type, 1, why, why_len);
}
