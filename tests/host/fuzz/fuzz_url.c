/* Fuzz target: the small parsers of names and addresses: URLs of the
 * outbound client (app/http/url.c: parse, resolve a redirect, format),
 * diaspora* IDs, WebFinger resources, usernames, hosts and GUIDs
 * (app/core/ids.c, federation/discovery_client.c's normaliser) and CIDRs
 * (app/http/addr_guard.c).
 *
 * Input: "text\nref" (ref, when present, is resolved against text).
 * Oracle: a parsed URL has a lowercase host without control characters,
 * a path starting with '/' and no '#'; it formats to a URL that parses to
 * the same struct (a fixed point), and its authority is a prefix of that;
 * a resolved redirect obeys the same; whatever an ID parser accepts is
 * lowercase, NUL-terminated, fits its buffer and parses again to itself. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ids.h"
#include "federation/discovery_client.h"
#include "http/addr_guard.h"
#include "http/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
    if (!ok)
        abort();
}

static void
check_url(const struct http_url *u)
{
    size_t hn = strnlen(u->host, sizeof u->host), pn = strnlen(u->path, sizeof u->path);
    char text[HTTP_URL_MAX + HTTP_URL_HOST_MAX + 32], auth[HTTP_URL_HOST_MAX + 16];
    struct http_url again;

    check(hn > 0 && hn < sizeof u->host && pn > 0 && pn < sizeof u->path);
    check(u->path[0] == '/' && !strchr(u->path, '#') && u->port != 0);
    for (size_t i = 0; i < hn; i++)
        check(u->host[i] > 0x20 && u->host[i] < 0x7f && !(u->host[i] >= 'A' && u->host[i] <= 'Z'));
    for (size_t i = 0; i < pn; i++)
        check((unsigned char)u->path[i] > 0x20 && u->path[i] != 0x7f);
    if (http_url_format(u, text, sizeof text) != POD_OK)
        return;
    check(http_url_parse(text, strlen(text), &again) == POD_OK);
    check(again.https == u->https && again.ipv6 == u->ipv6 && again.port == u->port);
    check(strcmp(again.host, u->host) == 0 && strcmp(again.path, u->path) == 0);
    check(http_url_same_origin(u, &again));
    if (http_url_authority(u, auth, sizeof auth) == POD_OK)
        check(strncmp(text + (u->https ? 8 : 7), auth, strlen(auth)) == 0);
}

static void
ids(const char *s)
{
    char user[64], host[300], out[300], out2[300];

    if (pod_diaspora_id_parse(s, user, sizeof user, host, sizeof host)) {
        check(strlen(s) <= POD_DIASPORA_ID_MAX && user[0] && host[0]);
        check(pod_host_valid(host));
    }
    if (pod_webfinger_resource_normalise(s, out, sizeof out)) {
        check(pod_diaspora_id_parse(out, NULL, 0, NULL, 0));
        check(pod_webfinger_resource_normalise(out, out2, sizeof out2) && strcmp(out, out2) == 0);
        for (const char *p = out; *p; p++)
            check(!(*p >= 'A' && *p <= 'Z'));
    }
    if (fed_discovery_normalise_id(s, out, sizeof out, host, sizeof host)) {
        check(pod_diaspora_id_parse(out, NULL, 0, NULL, 0) && pod_host_valid(host));
        check(fed_discovery_normalise_id(out, out2, sizeof out2, host, sizeof host) &&
              strcmp(out, out2) == 0);
    }
    if (pod_username_valid(s))
        check(strlen(s) <= POD_USERNAME_MAX);
    if (pod_guid_valid(s))
        check(strlen(s) >= 16 && strlen(s) <= POD_GUID_MAX);
    /* Tight buffers: never written past, refused or fitting. */
    if (pod_webfinger_resource_normalise(s, out, 4))
        check(strlen(out) < 4);
    if (pod_diaspora_id_parse(s, user, 2, host, 3))
        check(strlen(user) < 2 && strlen(host) < 3);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_url u, r;
    struct http_cidr cidr;
    char *buf, *nl, *ref = NULL;
    size_t tlen;

    if (size > 8192)
        return 0;
    buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    nl = memchr(buf, '\n', size);
    tlen = nl ? (size_t)(nl - buf) : size;
    if (nl) {
        *nl = '\0';
        ref = nl + 1;
    }
    if (http_url_parse(buf, tlen, &u) == POD_OK) {
        check_url(&u);
        if (ref && http_url_resolve(&u, ref, size - tlen - 1, &r) == POD_OK)
            check_url(&r);
    }
    ids(buf);
    (void)http_cidr_parse(buf, &cidr);
    free(buf);
    return 0;
}
