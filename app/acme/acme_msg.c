/*
 * acme_msg.c - parsers of the ACME server's JSON documents and the host
 * and URL checks of the client (acme/acme_msg.h).
 */
#include "acme/acme_msg.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "acme/acme.h"
#include "core/error.h"
#include "core/json_guard.h"
#include "http/url.h"

#define CHALLENGES_MAX 16 /* challenges of one authorization looked at */

/* ------------------------------------------------------------------ text */

void
acme_text_clean(char *dst, size_t cap, const char *src)
{
    size_t n = 0;

    if (!dst || !cap)
        return;
    if (src) {
        for (; src[n] && n + 1 < cap; n++) {
            unsigned char c = (unsigned char)src[n];
            dst[n] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
        }
        /* Cut: do not leave half of a UTF-8 sequence at the end. */
        if (src[n]) {
            size_t k = n;
            while (k > 0 && ((unsigned char)dst[k - 1] & 0xc0) == 0x80)
                k--;
            if (k > 0 && ((unsigned char)dst[k - 1] & 0xc0) == 0xc0)
                n = k - 1;
        }
    }
    dst[n] = '\0';
}

bool
acme_msg_url_ok(const char *url, bool allow_http)
{
    struct http_url u;
    size_t n;

    if (!url)
        return false;
    n = strlen(url);
    if (n == 0 || n > ACME_URL_MAX)
        return false;
    if (http_url_parse(url, n, &u) != POD_OK)
        return false;
    return u.https || allow_http;
}

static bool
is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

int
acme_host_check(const char *host, char *out, size_t cap, char *why, size_t why_len)
{
    size_t n, label_start = 0, dots = 0;
    bool label_numeric = true;

    if (out && cap)
        out[0] = '\0';
    if (!host || !host[0]) {
        pod_why(why, why_len, "no host name");
        return POD_ERR_INVAL;
    }
    n = strlen(host);
    if (n > ACME_HOST_MAX || !out || cap <= n) {
        pod_why(why, why_len, "host name too long");
        return POD_ERR_INVAL;
    }
    if (strchr(host, ':') || host[0] == '[') {
        pod_why(why, why_len, "a host name, not an address or a port, is needed");
        return POD_ERR_INVAL;
    }
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = (unsigned char)host[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        out[i] = (char)c;
        if (c == '.' || c == '\0') {
            size_t len = i - label_start;
            if (len == 0 || len > 63 || out[label_start] == '-' || out[i - 1] == '-') {
                pod_why(why, why_len, "'%.64s' is not a valid host name", host);
                out[0] = '\0';
                return POD_ERR_INVAL;
            }
            if (c == '.') {
                dots++;
                label_start = i + 1;
                label_numeric = true;
            }
            continue;
        }
        if (!is_ldh(c)) {
            pod_why(why, why_len, "'%.64s' is not a valid host name", host);
            out[0] = '\0';
            return POD_ERR_INVAL;
        }
        if (!(c >= '0' && c <= '9'))
            label_numeric = false;
    }
    if (label_numeric) { /* 192.0.2.1, 1.2.3, 0x7f.1 and the like */
        pod_why(why, why_len, "'%.64s' is an IP address; a host name is needed", host);
        out[0] = '\0';
        return POD_ERR_INVAL;
    }
    if (!strcmp(out, "localhost") || (n > 10 && !strcmp(out + n - 10, ".localhost"))) {
        pod_why(why, why_len, "'%.64s' is a local name; a public host name is needed", host);
        out[0] = '\0';
        return POD_ERR_INVAL;
    }
    if (dots == 0) {
        pod_why(why, why_len, "'%.64s' has no domain; a public host name is needed", host);
        out[0] = '\0';
        return POD_ERR_INVAL;
    }
    return POD_OK;
}

/* ------------------------------------------------------------------ JSON */

/* Parses body into a cJSON object; NULL with *rc set otherwise. */
static cJSON *
parse_object(const char *body, size_t len, int *rc)
{
    char *copy;
    cJSON *root;

    *rc = POD_ERR_PARSE;
    if (!body)
        return NULL;
    if (len > ACME_RESPONSE_MAX) {
        *rc = POD_ERR_LIMIT;
        return NULL;
    }
    if (memchr(body, '\0', len))
        return NULL;
    if ((*rc = pod_json_guard(body, len, ACME_MSG_DEPTH_MAX, 0)) != POD_OK)
        return NULL;
    copy = malloc(len + 1);
    if (!copy) {
        *rc = POD_ERR_NOMEM;
        return NULL;
    }
    memcpy(copy, body, len);
    copy[len] = '\0';
    root = cJSON_ParseWithLengthOpts(copy, len + 1, NULL, 1);
    free(copy);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        *rc = POD_ERR_PARSE;
        return NULL;
    }
    *rc = POD_OK;
    return root;
}

static const char *
str_item(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsString(it) && it->valuestring ? it->valuestring : NULL;
}

/* Copies the string s into dst (cap bytes) when it fits. */
static bool
copy_str(char *dst, size_t cap, const char *s)
{
    size_t n;

    if (!s)
        return false;
    n = strlen(s);
    if (n >= cap)
        return false;
    memcpy(dst, s, n + 1);
    return true;
}

/* Copies the URL member key of obj into dst; a missing member is fine
 * when !required. */
static bool
copy_url(const cJSON *obj, const char *key, bool required, bool allow_http, char *dst)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

    dst[0] = '\0';
    if (!it || cJSON_IsNull(it))
        return !required;
    if (!cJSON_IsString(it) || !acme_msg_url_ok(it->valuestring, allow_http))
        return false;
    return copy_str(dst, ACME_URL_MAX + 1, it->valuestring);
}

enum acme_status
acme_msg_status(const char *s)
{
    static const struct {
        const char *word;
        enum acme_status st;
    } words[] = {
        {"pending", ACME_STATUS_PENDING},         {"ready", ACME_STATUS_READY},
        {"processing", ACME_STATUS_PROCESSING},   {"valid", ACME_STATUS_VALID},
        {"invalid", ACME_STATUS_INVALID},         {"expired", ACME_STATUS_EXPIRED},
        {"deactivated", ACME_STATUS_DEACTIVATED}, {"revoked", ACME_STATUS_REVOKED},
    };

    if (!s)
        return ACME_STATUS_UNKNOWN;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(s, words[i].word))
            return words[i].st;
    return ACME_STATUS_UNKNOWN;
}

const char *
acme_msg_status_name(enum acme_status st)
{
    switch (st) {
    case ACME_STATUS_PENDING:
        return "pending";
    case ACME_STATUS_READY:
        return "ready";
    case ACME_STATUS_PROCESSING:
        return "processing";
    case ACME_STATUS_VALID:
        return "valid";
    case ACME_STATUS_INVALID:
        return "invalid";
    case ACME_STATUS_EXPIRED:
        return "expired";
    case ACME_STATUS_DEACTIVATED:
        return "deactivated";
    case ACME_STATUS_REVOKED:
        return "revoked";
    default:
        return "unknown";
    }
}

/* Fills p from the problem object obj (not NULL). */
static void
problem_from(const cJSON *obj, struct acme_problem *p)
{
    const char *type = str_item(obj, "type");
    const char *detail = str_item(obj, "detail");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(obj, "status");
    const cJSON *subs = cJSON_GetObjectItemCaseSensitive(obj, "subproblems");

    memset(p, 0, sizeof *p);
    acme_text_clean(p->type, sizeof p->type, type);
    /* A compound error's own detail may be empty: take the first
     * subproblem's then. */
    if ((!detail || !detail[0]) && cJSON_IsArray(subs)) {
        const cJSON *first = cJSON_GetArrayItem(subs, 0);
        if (cJSON_IsObject(first)) {
            detail = str_item(first, "detail");
            if (!p->type[0])
                acme_text_clean(p->type, sizeof p->type, str_item(first, "type"));
        }
    }
    acme_text_clean(p->detail, sizeof p->detail, detail);
    if (cJSON_IsNumber(status) && status->valuedouble >= 100 && status->valuedouble <= 599)
        p->status = (int)status->valuedouble;
}

int
acme_msg_problem(const char *body, size_t len, struct acme_problem *out)
{
    cJSON *root;
    int rc;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof *out);
    root = parse_object(body, len, &rc);
    if (!root)
        return rc;
    problem_from(root, out);
    cJSON_Delete(root);
    return POD_OK;
}

int
acme_msg_directory(const char *body, size_t len, bool allow_http, struct acme_directory *out)
{
    cJSON *root;
    const cJSON *meta, *eab;
    int rc;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof *out);
    root = parse_object(body, len, &rc);
    if (!root)
        return rc;
    rc = POD_ERR_PARSE;
    if (!copy_url(root, "newNonce", true, allow_http, out->new_nonce) ||
        !copy_url(root, "newAccount", true, allow_http, out->new_account) ||
        !copy_url(root, "newOrder", true, allow_http, out->new_order))
        goto out;
    meta = cJSON_GetObjectItemCaseSensitive(root, "meta");
    if (cJSON_IsObject(meta)) {
        eab = cJSON_GetObjectItemCaseSensitive(meta, "externalAccountRequired");
        out->external_account_required = cJSON_IsTrue(eab);
    }
    rc = POD_OK;
out:
    cJSON_Delete(root);
    if (rc != POD_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

int
acme_msg_account(const char *body, size_t len, struct acme_account *out)
{
    cJSON *root;
    const cJSON *st;
    int rc;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof *out);
    root = parse_object(body, len, &rc);
    if (!root)
        return rc;
    st = cJSON_GetObjectItemCaseSensitive(root, "status");
    rc = POD_OK;
    if (st && !cJSON_IsString(st))
        rc = POD_ERR_PARSE;
    else if (st)
        out->status = acme_msg_status(st->valuestring);
    cJSON_Delete(root);
    return rc;
}

int
acme_msg_order(const char *body, size_t len, bool allow_http, struct acme_order *out)
{
    cJSON *root;
    const cJSON *authzs, *it, *err;
    int rc;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof *out);
    root = parse_object(body, len, &rc);
    if (!root)
        return rc;
    rc = POD_ERR_PARSE;
    out->status = acme_msg_status(str_item(root, "status"));
    if (out->status == ACME_STATUS_UNKNOWN)
        goto out;
    if (!copy_url(root, "finalize", true, allow_http, out->finalize) ||
        !copy_url(root, "certificate", false, allow_http, out->certificate))
        goto out;
    authzs = cJSON_GetObjectItemCaseSensitive(root, "authorizations");
    if (!cJSON_IsArray(authzs))
        goto out;
    cJSON_ArrayForEach(it, authzs)
    {
        if (out->n_authz >= ACME_ORDER_AUTHZ_MAX || !cJSON_IsString(it) ||
            !acme_msg_url_ok(it->valuestring, allow_http) ||
            !copy_str(out->authz[out->n_authz], ACME_URL_MAX + 1, it->valuestring))
            goto out;
        out->n_authz++;
    }
    err = cJSON_GetObjectItemCaseSensitive(root, "error");
    if (cJSON_IsObject(err)) {
        out->has_error = true;
        problem_from(err, &out->error);
    }
    rc = POD_OK;
out:
    cJSON_Delete(root);
    if (rc != POD_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* True when token is non-empty base64url of at most ACME_TOKEN_MAX. */
static bool
token_ok(const char *t)
{
    size_t n = 0;

    for (; t[n]; n++) {
        unsigned char c = (unsigned char)t[n];
        if (n >= ACME_TOKEN_MAX || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                     (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return n > 0;
}

int
acme_msg_authz(const char *body, size_t len, bool allow_http, struct acme_authz *out)
{
    cJSON *root;
    const cJSON *ident, *chals, *ch, *err;
    const char *type, *value, *token;
    size_t seen = 0;
    int rc;

    if (!out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof *out);
    root = parse_object(body, len, &rc);
    if (!root)
        return rc;
    rc = POD_ERR_PARSE;
    out->status = acme_msg_status(str_item(root, "status"));
    if (out->status == ACME_STATUS_UNKNOWN)
        goto out;
    ident = cJSON_GetObjectItemCaseSensitive(root, "identifier");
    if (!cJSON_IsObject(ident))
        goto out;
    type = str_item(ident, "type");
    value = str_item(ident, "value");
    if (!type || strcmp(type, "dns") || !value || !value[0] ||
        !copy_str(out->identifier, sizeof out->identifier, value))
        goto out;
    out->wildcard = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "wildcard"));
    chals = cJSON_GetObjectItemCaseSensitive(root, "challenges");
    if (!cJSON_IsArray(chals))
        goto out;
    cJSON_ArrayForEach(ch, chals)
    {
        if (++seen > CHALLENGES_MAX)
            break;
        if (!cJSON_IsObject(ch))
            goto out;
        type = str_item(ch, "type");
        if (!type || strcmp(type, "http-01") || out->has_http01)
            continue;
        token = str_item(ch, "token");
        if (!token || !token_ok(token) || !copy_url(ch, "url", true, allow_http, out->http01_url))
            goto out;
        strcpy(out->http01_token, token); /* length checked by token_ok */
        out->http01_status = acme_msg_status(str_item(ch, "status"));
        err = cJSON_GetObjectItemCaseSensitive(ch, "error");
        if (cJSON_IsObject(err)) {
            out->has_error = true;
            problem_from(err, &out->error);
        }
        out->has_http01 = true;
    }
    rc = POD_OK;
out:
    cJSON_Delete(root);
    if (rc != POD_OK)
        memset(out, 0, sizeof *out);
    return rc;
}
