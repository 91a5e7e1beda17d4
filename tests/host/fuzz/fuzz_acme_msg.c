/*
 * Fuzz target: the ACME client's document parsers and checks
 * (app/acme/acme_msg.c). The first byte picks what the rest is fed to:
 * 'd' directory, 'o' order, 'a' authorization, 'p' problem, 'c' account,
 * 'h' host name check, 't' text cleaning; an uppercase letter parses with
 * allow_http. Seeds in corpus/acme_msg/ are pebble's and Let's Encrypt's
 * documents with that prefix.
 *
 * Oracles: every kept string is NUL-ended inside its field; after POD_OK
 * every URL passes acme_msg_url_ok with the same allow_http, the http-01
 * token is non-empty base64url, problem texts carry no control
 * characters, n_authz is within ACME_ORDER_AUTHZ_MAX; a failed parse
 * leaves the struct zeroed; a host that passes has a dot and no ':'.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/acme.h"
#include "acme/acme_msg.h"
#include "core/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

static size_t
field_len(const char *s, size_t cap)
{
    const char *nul = memchr(s, '\0', cap);

    check(nul != NULL);
    return (size_t)(nul - s);
}

static void
check_url(const char *s, size_t cap, bool allow_http, bool required)
{
    size_t n = field_len(s, cap);

    if (n || required)
        check(acme_msg_url_ok(s, allow_http));
}

static void
check_problem(const struct acme_problem *p)
{
    size_t n = field_len(p->detail, sizeof p->detail);

    field_len(p->type, sizeof p->type);
    for (size_t i = 0; i < n; i++)
        check((unsigned char)p->detail[i] >= 0x20 && p->detail[i] != 0x7f);
    check(p->status == 0 || (p->status >= 100 && p->status <= 599));
}

static bool
all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body;
    size_t len;
    bool allow_http;
    int rc;

    if (size < 1)
        return 0;
    allow_http = data[0] >= 'A' && data[0] <= 'Z';
    body = (const char *)data + 1;
    len = size - 1;

    switch (data[0] | 0x20) {
    case 'd': {
        static struct acme_directory d;
        rc = acme_msg_directory(body, len, allow_http, &d);
        if (rc == POD_OK) {
            check_url(d.new_nonce, sizeof d.new_nonce, allow_http, true);
            check_url(d.new_account, sizeof d.new_account, allow_http, true);
            check_url(d.new_order, sizeof d.new_order, allow_http, true);
        } else {
            check(all_zero(&d, sizeof d));
        }
        break;
    }
    case 'o': {
        static struct acme_order o;
        rc = acme_msg_order(body, len, allow_http, &o);
        if (rc == POD_OK) {
            check(o.status != ACME_STATUS_UNKNOWN);
            check(o.n_authz <= ACME_ORDER_AUTHZ_MAX);
            check_url(o.finalize, sizeof o.finalize, allow_http, true);
            check_url(o.certificate, sizeof o.certificate, allow_http, false);
            for (size_t i = 0; i < o.n_authz; i++)
                check_url(o.authz[i], sizeof o.authz[i], allow_http, true);
            if (o.has_error)
                check_problem(&o.error);
        } else {
            check(all_zero(&o, sizeof o));
        }
        break;
    }
    case 'a': {
        static struct acme_authz a;
        rc = acme_msg_authz(body, len, allow_http, &a);
        if (rc == POD_OK) {
            check(a.status != ACME_STATUS_UNKNOWN);
            check(field_len(a.identifier, sizeof a.identifier) > 0);
            if (a.has_http01) {
                size_t n = field_len(a.http01_token, sizeof a.http01_token);
                check(n > 0 && n <= 128);
                check(strspn(a.http01_token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                             "0123456789-_") == n);
                check_url(a.http01_url, sizeof a.http01_url, allow_http, true);
            }
            if (a.has_error)
                check_problem(&a.error);
        } else {
            check(all_zero(&a, sizeof a));
        }
        break;
    }
    case 'p': {
        struct acme_problem p;
        rc = acme_msg_problem(body, len, &p);
        if (rc == POD_OK)
            check_problem(&p);
        break;
    }
    case 'c': {
        struct acme_account acct;
        rc = acme_msg_account(body, len, &acct);
        break;
    }
    case 'h': {
        char host[300], out[ACME_HOST_MAX + 1], why[128];
        size_t n = len < sizeof host - 1 ? len : sizeof host - 1;
        memcpy(host, body, n);
        host[n] = '\0';
        if (acme_host_check(host, out, sizeof out, why, sizeof why) == POD_OK) {
            check(strchr(out, '.') != NULL && !strchr(out, ':'));
            check(strlen(out) == strlen(host));
        } else {
            check(out[0] == '\0');
        }
        return 0;
    }
    case 't': {
        char src[512], dst[64];
        size_t n = len < sizeof src - 1 ? len : sizeof src - 1, m;
        memcpy(src, body, n);
        src[n] = '\0';
        acme_text_clean(dst, sizeof dst, src);
        m = field_len(dst, sizeof dst);
        for (size_t i = 0; i < m; i++)
            check((unsigned char)dst[i] >= 0x20 && dst[i] != 0x7f);
        return 0;
    }
    default:
        return 0;
    }
    if (len > ACME_RESPONSE_MAX)
        check(rc == POD_ERR_LIMIT);
    return 0;
}
