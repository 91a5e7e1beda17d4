/*
 * acme.c - the ACME conversation (RFC 8555) of acme/acme.h: directory,
 * nonce, account, order, HTTP-01 authorization, finalization with a CSR,
 * download of the chain and the atomic write of key + chain.
 *
 * Every request goes through the pod's outbound client (http/http.h), so
 * TLS to the CA is always verified. Every POST is a flattened JWS (jws.h)
 * signed with the account key; a badNonce answer is retried with the
 * fresh nonce the error carried. Problem documents become enum
 * acme_result plus one cleaned detail line.
 */
#include "acme/acme.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mbedtls/pem.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "acme/acme_msg.h"
#include "acme/challenge.h"
#include "acme/csr.h"
#include "acme/jws.h"
#include "core/error.h"
#include "core/log.h"
#include "http/http.h"

#define MOD "acme"

/* badNonce answers retried per request. A real CA rejects a nonce rarely;
 * a test CA (pebble) rejects a share of them on purpose. */
#define ACME_BADNONCE_RETRIES 20
#define ACME_NONCE_MAX        256
#define ACME_POLL_DEFAULT_MS  90000u
#define ACME_POLL_FIRST_MS    250u
#define ACME_POLL_MAX_MS      5000u
#define ACME_RETRY_AFTER_MAX  (7u * 86400u)
#define ACME_CONTACT_MAX      254
#define ACME_CHAIN_PEM_MAX    (ACME_RESPONSE_MAX + 4096)
#define ACME_ERR_PREFIX       "urn:ietf:params:acme:error:"

struct acme_session {
    const struct acme_config *cfg;
    struct acme_outcome *out;
    bool allow_http;
    char host[ACME_HOST_MAX + 1];
    mbedtls_pk_context account_key;
    char thumbprint[ACME_JWS_THUMBPRINT_LEN + 1];
    struct acme_directory dir;
    char nonce[ACME_NONCE_MAX + 1];
    char kid[ACME_URL_MAX + 1];
    char order_url[ACME_URL_MAX + 1];
    struct acme_order order;
    struct acme_authz authz;
    char published[ACME_ORDER_AUTHZ_MAX][ACME_TOKEN_MAX + 1];
    size_t n_published;
    uint32_t last_retry_after_s; /* of the last response, 0 when none */
};

/* ------------------------------------------------------------------ helpers */

const char *
acme_result_name(enum acme_result r)
{
    switch (r) {
    case ACME_OK:
        return "ok";
    case ACME_ERR_CONFIG:
        return "configuration";
    case ACME_ERR_UNREACHABLE:
        return "unreachable";
    case ACME_ERR_PROTOCOL:
        return "protocol error";
    case ACME_ERR_RATE_LIMITED:
        return "rate limited";
    case ACME_ERR_REJECTED:
        return "rejected";
    case ACME_ERR_CHALLENGE:
        return "challenge failed";
    case ACME_ERR_TIMEOUT:
        return "timeout";
    case ACME_ERR_STORAGE:
        return "storage";
    }
    return "unknown";
}

/* Records the result and a formatted detail (the first failure wins) and
 * answers r. */
static enum acme_result fail(struct acme_session *s, enum acme_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum acme_result
fail(struct acme_session *s, enum acme_result r, const char *fmt, ...)
{
    char buf[sizeof s->out->detail];
    va_list ap;

    if (s->out->result != ACME_OK)
        return s->out->result;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    s->out->result = r;
    acme_text_clean(s->out->detail, sizeof s->out->detail, buf);
    return r;
}

static uint64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool
stopping(const struct acme_session *s)
{
    return s->cfg->should_stop && s->cfg->should_stop(s->cfg->stop_ctx);
}

/* Sleeps ms milliseconds in short slices; false when asked to stop. */
static bool
sleep_ms(struct acme_session *s, uint64_t ms)
{
    while (ms > 0) {
        uint64_t slice = ms > 200 ? 200 : ms;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(slice * 1000000u)};

        if (stopping(s))
            return false;
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
        ms -= slice;
    }
    return !stopping(s);
}

/* Retry-After: delta-seconds or an HTTP-date; 0 when absent or unreadable. */
static uint32_t
retry_after_of(const struct http_response *r)
{
    const char *v = http_response_header(r, "retry-after");
    unsigned long long secs = 0;
    struct tm tm;

    if (!v)
        return 0;
    while (*v == ' ' || *v == '\t')
        v++;
    if (*v >= '0' && *v <= '9') {
        for (; *v >= '0' && *v <= '9'; v++) {
            secs = secs * 10 + (unsigned)(*v - '0');
            if (secs > ACME_RETRY_AFTER_MAX)
                return ACME_RETRY_AFTER_MAX;
        }
        return (uint32_t)secs;
    }
    memset(&tm, 0, sizeof tm);
    if (strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
        time_t when = timegm(&tm), now = time(NULL);
        if (when > now)
            return when - now > (time_t)ACME_RETRY_AFTER_MAX ? ACME_RETRY_AFTER_MAX
                                                             : (uint32_t)(when - now);
    }
    return 0;
}

/* Keeps the Replay-Nonce of r (base64url, bounded), or forgets the nonce. */
static void
save_nonce(struct acme_session *s, const struct http_response *r)
{
    const char *v = http_response_header(r, "replay-nonce");
    size_t n = 0;

    s->nonce[0] = '\0';
    if (!v)
        return;
    for (; v[n]; n++) {
        unsigned char c = (unsigned char)v[n];
        if (n >= ACME_NONCE_MAX || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                     (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return;
    }
    memcpy(s->nonce, v, n + 1);
}

/* The result of an http_request failure. */
static enum acme_result
http_fail(struct acme_session *s, int rc, const struct http_response *r, const char *what)
{
    enum acme_result res;

    switch (rc) {
    case POD_ERR_PARSE:
    case POD_ERR_LIMIT:
    case POD_ERR_INVAL:
        res = ACME_ERR_PROTOCOL;
        break;
    default:
        res = ACME_ERR_UNREACHABLE;
    }
    return fail(s, res, "%s: %s%s%s", what, pod_strerror(rc), r->why[0] ? ": " : "", r->why);
}

static bool
type_is(const char *type, const char *word)
{
    return !strncmp(type, ACME_ERR_PREFIX, strlen(ACME_ERR_PREFIX)) &&
           !strcmp(type + strlen(ACME_ERR_PREFIX), word);
}

/* Maps a problem (its type, an HTTP status) to a result. */
static enum acme_result
problem_result(const struct acme_problem *p, int http_status)
{
    static const char *const rejected[] = {
        "rejectedIdentifier",    "caa",
        "unsupportedIdentifier", "accountDoesNotExist",
        "unauthorized",          "invalidContact",
        "unsupportedContact",    "externalAccountRequired",
        "userActionRequired",    "badPublicKey",
    };
    static const char *const challenge[] = {"connection", "dns", "incorrectResponse", "tls"};

    if (http_status == 429 || type_is(p->type, "rateLimited"))
        return ACME_ERR_RATE_LIMITED;
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++)
        if (type_is(p->type, rejected[i]))
            return ACME_ERR_REJECTED;
    for (size_t i = 0; i < sizeof challenge / sizeof challenge[0]; i++)
        if (type_is(p->type, challenge[i]))
            return ACME_ERR_CHALLENGE;
    if (http_status >= 500)
        return ACME_ERR_UNREACHABLE;
    return ACME_ERR_PROTOCOL;
}

/* "rateLimited" out of "urn:ietf:params:acme:error:rateLimited". */
static const char *
short_type(const char *type)
{
    if (!strncmp(type, ACME_ERR_PREFIX, strlen(ACME_ERR_PREFIX)))
        return type + strlen(ACME_ERR_PREFIX);
    return type[0] ? type : "error";
}

/* Fails with the problem document (or the bare status) of response r. */
static enum acme_result
response_fail(struct acme_session *s, const struct http_response *r, const char *what)
{
    struct acme_problem p;
    enum acme_result res;

    if (acme_msg_problem(r->body, r->body_len, &p) != POD_OK)
        memset(&p, 0, sizeof p);
    res = problem_result(&p, r->status);
    s->out->retry_after_s = retry_after_of(r);
    if (p.detail[0] || p.type[0])
        return fail(s, res, "%s: %s (HTTP %d): %s", what, short_type(p.type), r->status,
                    p.detail[0] ? p.detail : "no detail");
    return fail(s, res, "%s: HTTP %d", what, r->status);
}

/* Asks newNonce for a nonce when none is kept. */
static enum acme_result
ensure_nonce(struct acme_session *s)
{
    struct http_response resp;
    struct http_request rq = {.method = "HEAD", .url = s->dir.new_nonce};
    int rc;

    if (s->nonce[0])
        return ACME_OK;
    memset(&resp, 0, sizeof resp);
    rc = http_request(s->cfg->http, &rq, &resp);
    if (rc != POD_OK) {
        enum acme_result res = http_fail(s, rc, &resp, "new nonce");
        http_response_free(&resp);
        return res;
    }
    save_nonce(s, &resp);
    http_response_free(&resp);
    if (!s->nonce[0])
        return fail(s, ACME_ERR_PROTOCOL, "new nonce: HTTP %d without a Replay-Nonce", resp.status);
    return ACME_OK;
}

/*
 * POSTs a JWS of payload ("" for POST-as-GET) to url, signed with the
 * account key and its kid (or jwk when !use_kid), and reads the answer
 * into resp (which the caller frees). ACME_OK for a 2xx status; otherwise
 * the problem is recorded and its result answered. accept may be NULL.
 */
static enum acme_result
acme_post(struct acme_session *s, const char *url, const char *payload, bool use_kid,
          const char *accept, struct http_response *resp, const char *what)
{
    struct http_header headers[2] = {{"Content-Type", "application/jose+json"}, {"Accept", accept}};
    enum acme_result res;

    memset(resp, 0, sizeof *resp);
    for (int attempt = 0;; attempt++) {
        struct acme_problem p;
        struct http_request rq = {.method = "POST",
                                  .url = url,
                                  .headers = headers,
                                  .n_headers = accept ? 2 : 1,
                                  .max_response_bytes = ACME_RESPONSE_MAX};
        char *jws = NULL;
        size_t jws_len = 0;
        int rc;

        if (stopping(s))
            return fail(s, ACME_ERR_TIMEOUT, "stopping");
        if ((res = ensure_nonce(s)) != ACME_OK)
            return res;
        rc = acme_jws_sign(&s->account_key, use_kid ? s->kid : NULL, s->nonce, url, payload, &jws,
                           &jws_len);
        s->nonce[0] = '\0'; /* used up */
        if (rc != POD_OK)
            return fail(s, ACME_ERR_PROTOCOL, "%s: cannot sign the request: %s", what,
                        pod_strerror(rc));
        rq.body = jws;
        rq.body_len = jws_len;
        http_response_free(resp);
        memset(resp, 0, sizeof *resp);
        rc = http_request(s->cfg->http, &rq, resp);
        free(jws);
        if (rc != POD_OK)
            return http_fail(s, rc, resp, what);
        save_nonce(s, resp);
        s->last_retry_after_s = retry_after_of(resp);
        if (resp->status >= 200 && resp->status < 300)
            return ACME_OK;
        if (attempt < ACME_BADNONCE_RETRIES && resp->status == 400 &&
            acme_msg_problem(resp->body, resp->body_len, &p) == POD_OK &&
            type_is(p.type, "badNonce")) {
            LOG_DEBUG(MOD, "%s: badNonce, retrying with a fresh nonce", what);
            continue;
        }
        return response_fail(s, resp, what);
    }
}

/* ------------------------------------------------------------------ steps */

static enum acme_result
step_directory(struct acme_session *s)
{
    struct http_response resp;
    struct http_request rq = {.method = "GET",
                              .url = s->cfg->directory_url,
                              .max_response_bytes = ACME_RESPONSE_MAX,
                              .max_redirects = 2};
    enum acme_result res = ACME_OK;
    int rc;

    memset(&resp, 0, sizeof resp);
    LOG_DEBUG(MOD, "directory %s", s->cfg->directory_url);
    rc = http_request(s->cfg->http, &rq, &resp);
    if (rc == POD_ERR_INVAL) {
        res = fail(s, ACME_ERR_CONFIG, "directory URL %s is not usable", s->cfg->directory_url);
    } else if (rc != POD_OK) {
        res = http_fail(s, rc, &resp, "directory");
    } else if (resp.status != 200) {
        res = response_fail(s, &resp, "directory");
    } else if ((rc = acme_msg_directory(resp.body, resp.body_len, s->allow_http, &s->dir)) !=
               POD_OK) {
        res = fail(s, ACME_ERR_PROTOCOL, "directory: %s is not an ACME directory",
                   s->cfg->directory_url);
    } else if (s->dir.external_account_required) {
        res = fail(s, ACME_ERR_REJECTED,
                   "directory: the CA requires external account binding, which is not supported");
    } else {
        save_nonce(s, &resp);
    }
    http_response_free(&resp);
    return res;
}

/* True when email can go into the contact URL as it is. */
static bool
contact_ok(const char *email)
{
    size_t n = strlen(email);
    const char *at = strchr(email, '@');

    if (n > ACME_CONTACT_MAX || !at || at == email || !at[1] || strchr(at + 1, '@'))
        return false;
    for (const char *p = email; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == ',' || c == '<' || c == '>')
            return false;
    }
    return true;
}

static enum acme_result
step_account(struct acme_session *s)
{
    const char *email = s->cfg->contact_email;
    struct http_response resp;
    struct acme_account acct;
    char payload[ACME_CONTACT_MAX + 96];
    const char *loc;
    enum acme_result res;

    if (email && email[0])
        snprintf(payload, sizeof payload,
                 "{\"termsOfServiceAgreed\":true,\"contact\":[\"mailto:%s\"]}", email);
    else
        snprintf(payload, sizeof payload, "{\"termsOfServiceAgreed\":true}");
    res = acme_post(s, s->dir.new_account, payload, false, NULL, &resp, "new account");
    if (res != ACME_OK)
        goto out;
    loc = http_response_header(&resp, "location");
    if (!loc || !acme_msg_url_ok(loc, s->allow_http) || strlen(loc) >= sizeof s->kid) {
        res = fail(s, ACME_ERR_PROTOCOL, "new account: no usable Location (HTTP %d)", resp.status);
        goto out;
    }
    strcpy(s->kid, loc);
    if (acme_msg_account(resp.body, resp.body_len, &acct) == POD_OK &&
        acct.status != ACME_STATUS_UNKNOWN && acct.status != ACME_STATUS_VALID) {
        res = fail(s, ACME_ERR_REJECTED, "account %s is %s", s->kid,
                   acme_msg_status_name(acct.status));
        goto out;
    }
    LOG_DEBUG(MOD, "account %s (%s)", s->kid, resp.status == 201 ? "created" : "existing");
out:
    http_response_free(&resp);
    return res;
}

static enum acme_result
step_new_order(struct acme_session *s)
{
    struct http_response resp;
    char payload[ACME_HOST_MAX + 64];
    const char *loc;
    enum acme_result res;

    snprintf(payload, sizeof payload, "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"%s\"}]}",
             s->host);
    res = acme_post(s, s->dir.new_order, payload, true, NULL, &resp, "new order");
    if (res != ACME_OK)
        goto out;
    loc = http_response_header(&resp, "location");
    if (!loc || !acme_msg_url_ok(loc, s->allow_http) || strlen(loc) >= sizeof s->order_url) {
        res = fail(s, ACME_ERR_PROTOCOL, "new order: no usable Location (HTTP %d)", resp.status);
        goto out;
    }
    strcpy(s->order_url, loc);
    if (acme_msg_order(resp.body, resp.body_len, s->allow_http, &s->order) != POD_OK ||
        s->order.n_authz == 0) {
        res = fail(s, ACME_ERR_PROTOCOL, "new order: not an ACME order");
        goto out;
    }
    LOG_DEBUG(MOD, "order %s is %s with %zu authorization(s)", s->order_url,
              acme_msg_status_name(s->order.status), s->order.n_authz);
out:
    http_response_free(&resp);
    return res;
}

/* POST-as-GET of an authorization into s->authz. */
static enum acme_result
fetch_authz(struct acme_session *s, const char *url)
{
    struct http_response resp;
    enum acme_result res = acme_post(s, url, "", true, NULL, &resp, "authorization");

    if (res == ACME_OK &&
        acme_msg_authz(resp.body, resp.body_len, s->allow_http, &s->authz) != POD_OK)
        res = fail(s, ACME_ERR_PROTOCOL, "authorization %s: not an ACME authorization", url);
    else if (res == ACME_OK && strcmp(s->authz.identifier, s->host) != 0)
        res = fail(s, ACME_ERR_PROTOCOL, "authorization %s is for another name", url);
    http_response_free(&resp);
    return res;
}

/* POST-as-GET of the order into s->order. */
static enum acme_result
fetch_order(struct acme_session *s)
{
    struct http_response resp;
    enum acme_result res = acme_post(s, s->order_url, "", true, NULL, &resp, "order");

    if (res == ACME_OK &&
        acme_msg_order(resp.body, resp.body_len, s->allow_http, &s->order) != POD_OK)
        res = fail(s, ACME_ERR_PROTOCOL, "order %s: not an ACME order", s->order_url);
    http_response_free(&resp);
    return res;
}

/* Waits before the next poll: Retry-After when the server gave one, else
 * *delay (doubled each time up to ACME_POLL_MAX_MS), never past deadline. */
static enum acme_result
poll_wait(struct acme_session *s, uint64_t deadline, uint64_t *delay, const char *what)
{
    uint64_t now = now_ms(), wait = *delay;

    if (s->last_retry_after_s)
        wait = (uint64_t)s->last_retry_after_s * 1000u;
    if (now >= deadline)
        return fail(s, ACME_ERR_TIMEOUT, "%s did not finish within %u s", what,
                    (s->cfg->poll_timeout_ms ? s->cfg->poll_timeout_ms : ACME_POLL_DEFAULT_MS) /
                        1000u);
    if (wait > deadline - now)
        wait = deadline - now;
    *delay = *delay * 2 > ACME_POLL_MAX_MS ? ACME_POLL_MAX_MS : *delay * 2;
    if (!sleep_ms(s, wait))
        return fail(s, ACME_ERR_TIMEOUT, "stopping");
    return ACME_OK;
}

/* Fails with the error of an invalid authorization. */
static enum acme_result
authz_fail(struct acme_session *s)
{
    const struct acme_authz *a = &s->authz;

    if (a->has_error)
        return fail(s, ACME_ERR_CHALLENGE, "challenge for %s: %s: %s", a->identifier,
                    short_type(a->error.type), a->error.detail[0] ? a->error.detail : "no detail");
    return fail(s, ACME_ERR_CHALLENGE, "authorization for %s is %s", a->identifier,
                acme_msg_status_name(a->status));
}

/* Brings one authorization to valid: publishes the HTTP-01 answer, asks
 * the server to validate and polls until it decided. */
static enum acme_result
do_authz(struct acme_session *s, const char *url, uint64_t deadline)
{
    char key_authz[ACME_KEYAUTHZ_MAX + 1];
    struct http_response resp;
    uint64_t delay = ACME_POLL_FIRST_MS;
    enum acme_result res;
    int rc;

    if ((res = fetch_authz(s, url)) != ACME_OK)
        return res;
    LOG_DEBUG(MOD, "authorization for %s is %s", s->authz.identifier,
              acme_msg_status_name(s->authz.status));
    if (s->authz.status == ACME_STATUS_VALID)
        return ACME_OK;
    if (s->authz.status != ACME_STATUS_PENDING)
        return authz_fail(s);
    if (!s->authz.has_http01)
        return fail(s, ACME_ERR_REJECTED, "the CA offers no http-01 challenge for %s", s->host);

    snprintf(key_authz, sizeof key_authz, "%s.%s", s->authz.http01_token, s->thumbprint);
    rc = acme_challenge_publish(s->authz.http01_token, key_authz);
    if (rc != POD_OK)
        return fail(s, ACME_ERR_CHALLENGE, "cannot publish the challenge answer: %s",
                    pod_strerror(rc));
    if (s->n_published < ACME_ORDER_AUTHZ_MAX)
        strcpy(s->published[s->n_published++], s->authz.http01_token);
    LOG_DEBUG(MOD, "published the http-01 answer for %s", s->host);

    if (s->authz.http01_status == ACME_STATUS_PENDING) {
        res = acme_post(s, s->authz.http01_url, "{}", true, NULL, &resp, "challenge");
        http_response_free(&resp);
        if (res != ACME_OK)
            return res;
        LOG_DEBUG(MOD, "asked the CA to validate %s", s->host);
    }
    for (;;) {
        if ((res = poll_wait(s, deadline, &delay, "validation")) != ACME_OK)
            return res;
        if ((res = fetch_authz(s, url)) != ACME_OK)
            return res;
        switch (s->authz.status) {
        case ACME_STATUS_VALID:
            LOG_DEBUG(MOD, "authorization for %s is valid", s->host);
            return ACME_OK;
        case ACME_STATUS_PENDING:
        case ACME_STATUS_PROCESSING:
            break;
        default:
            return authz_fail(s);
        }
    }
}

/* Fails with the error of an invalid order. */
static enum acme_result
order_fail(struct acme_session *s)
{
    const struct acme_order *o = &s->order;

    if (o->has_error) {
        enum acme_result r = problem_result(&o->error, 0);
        if (r == ACME_ERR_PROTOCOL)
            r = ACME_ERR_CHALLENGE;
        return fail(s, r, "order: %s: %s", short_type(o->error.type),
                    o->error.detail[0] ? o->error.detail : "no detail");
    }
    return fail(s, ACME_ERR_CHALLENGE, "order is %s", acme_msg_status_name(o->status));
}

/* Polls the order until its status is want (or valid); pending and
 * processing are waited out. */
static enum acme_result
poll_order(struct acme_session *s, enum acme_status want, uint64_t deadline)
{
    uint64_t delay = ACME_POLL_FIRST_MS;
    enum acme_result res;

    for (;;) {
        if (s->order.status == want || s->order.status == ACME_STATUS_VALID)
            return ACME_OK;
        if (s->order.status != ACME_STATUS_PENDING && s->order.status != ACME_STATUS_PROCESSING &&
            s->order.status != ACME_STATUS_READY)
            return order_fail(s);
        if ((res = poll_wait(s, deadline, &delay, "the order")) != ACME_OK)
            return res;
        if ((res = fetch_order(s)) != ACME_OK)
            return res;
        LOG_DEBUG(MOD, "order is %s", acme_msg_status_name(s->order.status));
    }
}

static enum acme_result
step_finalize(struct acme_session *s, mbedtls_pk_context *cert_key, uint64_t deadline)
{
    unsigned char csr_buf[ACME_CSR_DER_MAX];
    const unsigned char *der = NULL;
    size_t der_len = 0;
    char csr_b64[ACME_CSR_DER_MAX * 4 / 3 + 8];
    char payload[sizeof csr_b64 + 16];
    struct http_response resp;
    enum acme_result res;
    int rc;

    if (acme_key_generate(cert_key) != POD_OK)
        return fail(s, ACME_ERR_STORAGE, "cannot make the certificate key");
    rc = acme_csr_der(cert_key, s->host, csr_buf, sizeof csr_buf, &der, &der_len);
    if (rc != POD_OK || acme_b64url(der, der_len, csr_b64, sizeof csr_b64, NULL) != POD_OK)
        return fail(s, ACME_ERR_CONFIG, "cannot make a CSR for %s", s->host);
    snprintf(payload, sizeof payload, "{\"csr\":\"%s\"}", csr_b64);
    res = acme_post(s, s->order.finalize, payload, true, NULL, &resp, "finalize");
    if (res == ACME_OK &&
        acme_msg_order(resp.body, resp.body_len, s->allow_http, &s->order) != POD_OK)
        res = fail(s, ACME_ERR_PROTOCOL, "finalize: not an ACME order");
    http_response_free(&resp);
    if (res != ACME_OK)
        return res;
    LOG_DEBUG(MOD, "finalized; order is %s", acme_msg_status_name(s->order.status));
    if ((res = poll_order(s, ACME_STATUS_VALID, deadline)) != ACME_OK)
        return res;
    if (!s->order.certificate[0])
        return fail(s, ACME_ERR_PROTOCOL, "order is valid but has no certificate URL");
    return ACME_OK;
}

/* True when the leaf's subjectAltName holds host as a dNSName. */
static bool
leaf_has_name(const mbedtls_x509_crt *leaf, const char *host)
{
    size_t n = strlen(host);

    for (const mbedtls_x509_sequence *c = &leaf->subject_alt_names; c && c->buf.p; c = c->next) {
        if (c->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2) && c->buf.len == n &&
            !strncasecmp((const char *)c->buf.p, host, n))
            return true;
    }
    return false;
}

/* True when key and the leaf's public key are the same. */
static bool
leaf_matches_key(mbedtls_x509_crt *leaf, mbedtls_pk_context *key)
{
    unsigned char a[256], b[256];
    int la = mbedtls_pk_write_pubkey_der(&leaf->pk, a, sizeof a);
    int lb = mbedtls_pk_write_pubkey_der(key, b, sizeof b);

    return la > 0 && la == lb && !memcmp(a + sizeof a - la, b + sizeof b - lb, (size_t)la);
}

/* Downloads the chain, checks it against the key and the name and writes
 * key + chain to out_pem_path. */
static enum acme_result
step_download(struct acme_session *s, mbedtls_pk_context *cert_key, const char *out_pem_path)
{
    struct http_response resp;
    mbedtls_x509_crt chain;
    char key_pem[ACME_KEY_PEM_MAX];
    unsigned char *pem = NULL;
    size_t used = 0, count = 0;
    char why[192] = "";
    enum acme_result res;
    int rc;

    mbedtls_x509_crt_init(&chain);
    key_pem[0] = '\0';
    res = acme_post(s, s->order.certificate, "", true, "application/pem-certificate-chain", &resp,
                    "certificate");
    if (res != ACME_OK)
        goto out;
    if (!strstr(resp.body, "-----BEGIN CERTIFICATE-----") ||
        mbedtls_x509_crt_parse(&chain, (const unsigned char *)resp.body, resp.body_len + 1) != 0) {
        res = fail(s, ACME_ERR_PROTOCOL, "certificate: not a PEM certificate chain");
        goto out;
    }
    if (!leaf_matches_key(&chain, cert_key)) {
        res = fail(s, ACME_ERR_PROTOCOL, "certificate: not for the key of the CSR");
        goto out;
    }
    if (!leaf_has_name(&chain, s->host)) {
        res = fail(s, ACME_ERR_PROTOCOL, "certificate: does not name %s", s->host);
        goto out;
    }
    /* Written again from the parsed certificates: only clean PEM blocks. */
    pem = malloc(ACME_CHAIN_PEM_MAX);
    if (!pem) {
        res = fail(s, ACME_ERR_STORAGE, "out of memory");
        goto out;
    }
    for (const mbedtls_x509_crt *c = &chain; c && c->raw.p; c = c->next) {
        size_t olen = 0;
        rc = mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
                                      "-----END CERTIFICATE-----\n", c->raw.p, c->raw.len,
                                      pem + used, ACME_CHAIN_PEM_MAX - used, &olen);
        if (rc != 0) {
            res = fail(s, ACME_ERR_PROTOCOL, "certificate: chain too long");
            goto out;
        }
        used += olen - 1; /* olen counts the NUL */
        count++;
    }
    if (acme_key_pem(cert_key, key_pem, sizeof key_pem) != POD_OK) {
        res = fail(s, ACME_ERR_STORAGE, "cannot encode the certificate key");
        goto out;
    }
    rc = acme_file_write_atomic(out_pem_path, key_pem, strlen(key_pem), pem, used, why, sizeof why);
    if (rc != POD_OK) {
        res = fail(s, ACME_ERR_STORAGE, "%s", why);
        goto out;
    }
    LOG_INFO(MOD, "certificate for %s obtained (%zu in chain, valid until %04d-%02d-%02d), in %s",
             s->host, count, chain.valid_to.year, chain.valid_to.mon, chain.valid_to.day,
             out_pem_path);
out:
    mbedtls_platform_zeroize(key_pem, sizeof key_pem);
    free(pem);
    mbedtls_x509_crt_free(&chain);
    http_response_free(&resp);
    return res;
}

/* ------------------------------------------------------------------ entry */

/* Checks the configuration; fills s->host and s->allow_http. */
static enum acme_result
check_config(struct acme_session *s, const char *out_pem_path)
{
    const struct acme_config *cfg = s->cfg;
    char why[160] = "";

    if (!cfg->http)
        return fail(s, ACME_ERR_CONFIG, "no HTTP client");
    s->allow_http = http_client_allows_http(cfg->http);
    if (acme_host_check(cfg->host, s->host, sizeof s->host, why, sizeof why) != POD_OK)
        return fail(s, ACME_ERR_CONFIG, "%s", why);
    if (!cfg->directory_url || !acme_msg_url_ok(cfg->directory_url, s->allow_http))
        return fail(s, ACME_ERR_CONFIG, "the directory URL %s is not an https URL",
                    cfg->directory_url ? cfg->directory_url : "(none)");
    if (cfg->contact_email && cfg->contact_email[0] && !contact_ok(cfg->contact_email))
        return fail(s, ACME_ERR_CONFIG, "'%s' is not an e-mail address", cfg->contact_email);
    if (!cfg->account_key_path || !cfg->account_key_path[0])
        return fail(s, ACME_ERR_CONFIG, "no account key file");
    if (!out_pem_path || !out_pem_path[0])
        return fail(s, ACME_ERR_CONFIG, "no certificate file");
    return ACME_OK;
}

static enum acme_result
run(struct acme_session *s, const char *out_pem_path)
{
    mbedtls_pk_context cert_key;
    enum acme_result res;
    uint64_t timeout_ms, deadline;
    bool created = false;
    char why[192] = "";
    int rc;

    if ((res = check_config(s, out_pem_path)) != ACME_OK)
        return res;
    rc = acme_key_load_or_create(s->cfg->account_key_path, &s->account_key, &created, why,
                                 sizeof why);
    if (rc != POD_OK)
        return fail(s, ACME_ERR_STORAGE, "account key: %s", why);
    if (acme_jwk_thumbprint(&s->account_key, s->thumbprint) != POD_OK)
        return fail(s, ACME_ERR_STORAGE, "account key: not usable");
    LOG_DEBUG(MOD, "%s account key %s", created ? "made" : "loaded", s->cfg->account_key_path);

    if ((res = step_directory(s)) != ACME_OK)
        return res;
    if (stopping(s))
        return fail(s, ACME_ERR_TIMEOUT, "stopping");
    if ((res = step_account(s)) != ACME_OK || (res = step_new_order(s)) != ACME_OK)
        return res;

    timeout_ms = s->cfg->poll_timeout_ms ? s->cfg->poll_timeout_ms : ACME_POLL_DEFAULT_MS;
    deadline = now_ms() + timeout_ms;
    if (s->order.status == ACME_STATUS_PENDING) {
        /* do_authz changes s->authz only, never s->order. */
        for (size_t i = 0; i < s->order.n_authz; i++)
            if ((res = do_authz(s, s->order.authz[i], deadline)) != ACME_OK)
                return res;
        if ((res = fetch_order(s)) != ACME_OK)
            return res;
    }
    if ((res = poll_order(s, ACME_STATUS_READY, deadline)) != ACME_OK)
        return res;
    LOG_DEBUG(MOD, "order is %s", acme_msg_status_name(s->order.status));

    mbedtls_pk_init(&cert_key);
    deadline = now_ms() + timeout_ms;
    if (s->order.status == ACME_STATUS_VALID && s->order.certificate[0]) {
        /* A valid order was finalized with another key: start over. */
        res = fail(s, ACME_ERR_PROTOCOL, "order is already valid");
    } else {
        res = step_finalize(s, &cert_key, deadline);
        if (res == ACME_OK)
            res = step_download(s, &cert_key, out_pem_path);
    }
    mbedtls_pk_free(&cert_key);
    return res;
}

enum acme_result
acme_obtain(const struct acme_config *cfg, const char *out_pem_path, struct acme_outcome *out)
{
    struct acme_session *s;
    enum acme_result res;

    if (!out)
        return ACME_ERR_CONFIG;
    memset(out, 0, sizeof *out);
    if (!cfg) {
        out->result = ACME_ERR_CONFIG;
        snprintf(out->detail, sizeof out->detail, "no configuration");
        return out->result;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        out->result = ACME_ERR_STORAGE;
        snprintf(out->detail, sizeof out->detail, "out of memory");
        return out->result;
    }
    s->cfg = cfg;
    s->out = out;
    mbedtls_pk_init(&s->account_key);

    res = run(s, out_pem_path);
    if (res == ACME_OK && out->result != ACME_OK)
        res = out->result;
    out->result = res;
    if (res == ACME_OK) {
        out->detail[0] = '\0';
        out->retry_after_s = 0;
    } else {
        if (!out->detail[0])
            snprintf(out->detail, sizeof out->detail, "%s", acme_result_name(res));
        LOG_WARN(MOD, "certificate for %.64s not obtained: %s: %s",
                 cfg->host ? cfg->host : "(none)", acme_result_name(res), out->detail);
    }
    for (size_t i = 0; i < s->n_published; i++)
        acme_challenge_withdraw(s->published[i]);
    mbedtls_pk_free(&s->account_key);
    mbedtls_platform_zeroize(s, sizeof *s);
    free(s);
    return res;
}
