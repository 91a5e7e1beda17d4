/*
 * ids.c - usernames, hosts, diaspora* IDs and GUIDs
 * (docs/diaspora-federation.md §1.1-1.2).
 *
 * Everything here is ASCII-only and locale-independent: <ctype.h> is not
 * used, so a locale can never make a non-ASCII byte count as a letter.
 */
#include "core/ids.h"

#include "core/error.h"
#include "crypto/crypto.h"

#include <arpa/inet.h>
#include <string.h>

#define HOST_NAME_MAX_LEN  253
#define HOST_MAX_LEN       (HOST_NAME_MAX_LEN + 6) /* ":65535" */
#define HOST_LABEL_MAX_LEN 63
#define GUID_MIN           16
#define GUID_RANDOM_BYTES  (POD_GUID_LEN / 2)

static bool
is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_alnum(char c)
{
    return is_lower(c) || is_digit(c) || (c >= 'A' && c <= 'Z');
}

static bool
is_user_char(char c)
{
    return is_lower(c) || is_digit(c) || c == '_' || c == '.' || c == '-';
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char
to_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True when s[0..n) is 1..max decimal digits without a leading zero (a
 * lone "0" is fine) whose value lies in lo..hi. */
static bool
decimal_in_range(const char *s, size_t n, size_t max_digits, unsigned long lo, unsigned long hi)
{
    unsigned long v = 0;
    size_t i;

    if (n == 0 || n > max_digits || (n > 1 && s[0] == '0'))
        return false;
    for (i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    return v >= lo && v <= hi;
}

/* Dotted-quad IPv4 in s[0..n): four 0-255 numbers, no leading zeros. */
static bool
ipv4_valid(const char *s, size_t n)
{
    size_t start = 0, i;
    int parts = 0;

    for (i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        if (++parts > 4 || !decimal_in_range(s + start, i - start, 3, 0, 255))
            return false;
        start = i + 1;
    }
    return parts == 4;
}

/* "[v6]" in s[0..n): lowercase hex, ':' and '.' (embedded IPv4) only, then
 * inet_pton decides. Uppercase hex is refused because diaspora* IDs are
 * lowercase throughout; WebFinger input is lowercased before it gets here. */
static bool
ipv6_bracketed_valid(const char *s, size_t n)
{
    char buf[INET6_ADDRSTRLEN];
    struct in6_addr addr;
    size_t i;

    if (n < 4 || s[0] != '[' || s[n - 1] != ']' || n - 2 >= sizeof buf)
        return false;
    for (i = 1; i < n - 1; i++) {
        char c = s[i];
        if (!(is_digit(c) || (c >= 'a' && c <= 'f') || c == ':' || c == '.'))
            return false;
    }
    memcpy(buf, s + 1, n - 2);
    buf[n - 2] = '\0';
    return inet_pton(AF_INET6, buf, &addr) == 1;
}

/*
 * A DNS name in s[0..n): labels of [a-z0-9-], 1..63 bytes, not starting or
 * ending with '-', 253 bytes in all. A name whose last label is all digits
 * is not a name (no top-level domain is numeric): it must be an IPv4
 * address, so "256.1.1.1" and "1.2.3" are refused rather than taken as
 * names.
 */
static bool
dns_name_valid(const char *s, size_t n)
{
    size_t start = 0, i, j;
    bool numeric = false;

    if (n == 0 || n > HOST_NAME_MAX_LEN)
        return false;
    for (i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        if (i == start || i - start > HOST_LABEL_MAX_LEN || s[start] == '-' || s[i - 1] == '-')
            return false;
        numeric = true;
        for (j = start; j < i; j++) {
            if (!(is_lower(s[j]) || is_digit(s[j]) || s[j] == '-'))
                return false;
            if (!is_digit(s[j]))
                numeric = false;
        }
        start = i + 1;
    }
    return numeric ? ipv4_valid(s, n) : true;
}

static bool
host_valid_n(const char *s, size_t n)
{
    const char *colon;
    size_t hn;

    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close)
            return false;
        hn = (size_t)(close - s) + 1;
        if (!ipv6_bracketed_valid(s, hn))
            return false;
        if (hn == n)
            return true;
        colon = s + hn;
        if (*colon != ':')
            return false;
    } else {
        colon = memchr(s, ':', n);
        hn = colon ? (size_t)(colon - s) : n;
        if (!dns_name_valid(s, hn))
            return false;
        if (!colon)
            return true;
    }
    return decimal_in_range(colon + 1, n - hn - 1, 5, 1, 65535);
}

bool
pod_username_valid(const char *name)
{
    size_t i;

    if (!name)
        return false;
    for (i = 0; name[i]; i++)
        if (i >= POD_USERNAME_MAX || !is_user_char(name[i]))
            return false;
    return i > 0;
}

bool
pod_host_valid(const char *host)
{
    size_t n;

    if (!host)
        return false;
    n = strnlen(host, HOST_MAX_LEN + 1);
    return n <= HOST_MAX_LEN && host_valid_n(host, n);
}

static void
clear_out(char *buf, size_t cap)
{
    if (buf && cap > 0)
        buf[0] = '\0';
}

bool
pod_diaspora_id_parse(const char *id, char *user, size_t user_cap, char *host, size_t host_cap)
{
    const char *at;
    size_t n, un, hn, i;

    clear_out(user, user_cap);
    clear_out(host, host_cap);
    if (!id)
        return false;
    n = strnlen(id, POD_DIASPORA_ID_MAX + 1);
    if (n > POD_DIASPORA_ID_MAX)
        return false;
    at = memchr(id, '@', n);
    if (!at)
        return false;
    un = (size_t)(at - id);
    hn = n - un - 1;
    if (un == 0)
        return false;
    for (i = 0; i < un; i++)
        if (!is_user_char(id[i]))
            return false;
    if (!host_valid_n(at + 1, hn))
        return false; /* also catches a second '@' */
    if ((user && un >= user_cap) || (host && hn >= host_cap))
        return false;
    if (user) {
        memcpy(user, id, un);
        user[un] = '\0';
    }
    if (host) {
        memcpy(host, at + 1, hn);
        host[hn] = '\0';
    }
    return true;
}

bool
pod_webfinger_resource_normalise(const char *resource, char *out, size_t cap)
{
    char id[POD_DIASPORA_ID_MAX + 1];
    const char *s, *e;
    size_t n, i;

    clear_out(out, cap);
    if (!resource || !out)
        return false;
    s = resource;
    e = s + strlen(s);
    while (s < e && is_space(*s))
        s++;
    while (e > s && is_space(e[-1]))
        e--;
    if (e - s >= 5 && to_lower(s[0]) == 'a' && to_lower(s[1]) == 'c' && to_lower(s[2]) == 'c' &&
        to_lower(s[3]) == 't' && s[4] == ':')
        s += 5;
    n = (size_t)(e - s);
    if (n > POD_DIASPORA_ID_MAX || n >= cap)
        return false;
    for (i = 0; i < n; i++)
        id[i] = to_lower(s[i]);
    id[n] = '\0';
    if (!pod_diaspora_id_parse(id, NULL, 0, NULL, 0))
        return false;
    memcpy(out, id, n + 1);
    return true;
}

bool
pod_guid_valid(const char *guid)
{
    size_t n, i;

    if (!guid)
        return false;
    n = strnlen(guid, POD_GUID_MAX + 1);
    if (n < GUID_MIN || n > POD_GUID_MAX || !is_alnum(guid[n - 1]))
        return false;
    for (i = 0; i < n; i++) {
        char c = guid[i];
        if (!(is_alnum(c) || c == '-' || c == '_' || c == '@' || c == '.' || c == ':'))
            return false;
    }
    return true;
}

int
pod_guid_new(char out[POD_GUID_LEN + 1])
{
    unsigned char raw[GUID_RANDOM_BYTES];

    if (crypto_random(raw, sizeof raw) != POD_OK) {
        out[0] = '\0';
        return POD_ERR_CRYPTO;
    }
    crypto_hex(raw, sizeof raw, out);
    return POD_OK;
}
