#include "web/session.h"

#include <stdio.h>
#include <string.h>

#include "autoconf.h"
#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "drivers/clock/clock.h"
#include "store/people.h"
#include "web/server.h"

#define TOKEN_BYTES      32
#define TOKEN_TEXT       64 /* base64url of 32 bytes is 44 characters */
#define SESSION_SECONDS  ((int64_t)CONFIG_POD_SESSION_DAYS * 86400)
#define TOUCH_INTERVAL_S 3600

static int
b64url_of(const uint8_t *bytes, size_t n, char *out, size_t cap)
{
    size_t len;

    return crypto_b64url_encode(bytes, n, out, cap, &len);
}

/* Reads a cookie holding a base64url token of TOKEN_BYTES bytes. */
static bool
cookie_token(const struct web_req *req, const char *name, uint8_t out[TOKEN_BYTES])
{
    const char *header = web_header(req, "Cookie");
    char text[TOKEN_TEXT];
    uint8_t raw[TOKEN_BYTES + 3];
    size_t len;

    if (!header || web_cookie_get(header, name, text, sizeof text) != POD_OK)
        return false;
    if (crypto_b64url_decode(text, strlen(text), raw, sizeof raw, &len) != POD_OK ||
        len != TOKEN_BYTES)
        return false;
    memcpy(out, raw, TOKEN_BYTES);
    return true;
}

static uint64_t
person_of(struct store_txn *txn, const char *username)
{
    struct store_person p;

    return store_person_get_by_username(txn, username, &p) == POD_OK ? p.id : 0;
}

int
web_session_load(struct web_req *req)
{
    struct store *st = req->server->store;
    struct store_txn *txn = NULL;
    struct web_session *s;
    uint8_t token[TOKEN_BYTES];
    int64_t now = drv_clock_wall();
    int rc;

    req->session = NULL;
    if (!cookie_token(req, WEB_SESSION_COOKIE, token))
        return POD_OK;
    s = pod_arena_alloc(&req->arena, sizeof *s);
    if (!s)
        return POD_ERR_NOMEM;
    crypto_sha256(token, sizeof token, s->token_hash);
    rc = store_txn_begin(st, false, &txn);
    if (rc != POD_OK)
        return rc;
    rc = store_session_get(txn, s->token_hash, &s->data);
    if (rc == POD_OK)
        rc = store_user_get(txn, s->data.username, &s->user);
    if (rc == POD_OK)
        s->person = person_of(txn, s->user.username);
    store_txn_abort(txn);
    if (rc == POD_ERR_NOTFOUND) {
        LOG_INFO("web", "unknown session cookie from %s", web_req_remote_addr(req));
        return POD_OK;
    }
    if (rc != POD_OK)
        return rc;
    if (s->data.expires_at <= now) {
        LOG_INFO("web", "expired session of %s", s->user.username);
        return POD_OK;
    }
    /* Slide the expiry, but write at most once an hour per session. */
    if (now - s->data.last_seen_at >= TOUCH_INTERVAL_S) {
        s->data.last_seen_at = now;
        s->data.expires_at = now + SESSION_SECONDS;
        if (store_txn_begin(st, true, &txn) == POD_OK) {
            if (store_session_put(txn, s->token_hash, &s->data) == POD_OK)
                store_txn_commit(txn);
            else
                store_txn_abort(txn);
        }
    }
    req->session = s;
    return POD_OK;
}

/* The anonymous token: HMAC(pod secret, "csrf-anon:" || cookie value). */
static void
anon_token(const struct web_req *req, const uint8_t anon[TOKEN_BYTES], uint8_t out[32])
{
    uint8_t msg[10 + TOKEN_BYTES];

    memcpy(msg, "csrf-anon:", 10);
    memcpy(msg + 10, anon, TOKEN_BYTES);
    crypto_hmac_sha256(req->server->secret, sizeof req->server->secret, msg, sizeof msg, out);
}

const char *
web_csrf_token(struct web_req *req)
{
    uint8_t anon[TOKEN_BYTES], mac[32];
    char text[TOKEN_TEXT], *out;

    if (req->csrf_token)
        return req->csrf_token;
    out = pod_arena_alloc(&req->arena, TOKEN_TEXT);
    if (!out)
        return NULL;
    if (req->session) {
        b64url_of(req->session->data.csrf, sizeof req->session->data.csrf, out, TOKEN_TEXT);
    } else {
        if (!cookie_token(req, WEB_ANON_COOKIE, anon)) {
            if (crypto_random(anon, sizeof anon) != POD_OK)
                return NULL;
            b64url_of(anon, sizeof anon, text, sizeof text);
            if (web_req_set_cookie(req, WEB_ANON_COOKIE, text, -1) != POD_OK)
                return NULL;
        }
        anon_token(req, anon, mac);
        b64url_of(mac, sizeof mac, out, TOKEN_TEXT);
    }
    req->csrf_token = out;
    return out;
}

/* Compares a presented token with the expected bytes in constant time. */
static bool
token_matches(const char *presented, const uint8_t expected[32])
{
    uint8_t raw[32 + 3];
    size_t len;

    if (!presented || !*presented || strlen(presented) > TOKEN_TEXT)
        return false;
    if (crypto_b64url_decode(presented, strlen(presented), raw, sizeof raw, &len) != POD_OK &&
        crypto_b64_decode(presented, strlen(presented), raw, sizeof raw, &len) != POD_OK)
        return false;
    return len == 32 && crypto_memcmp_ct(raw, expected, 32) == 0;
}

bool
web_csrf_valid(struct web_req *req, const char *json_token)
{
    uint8_t expected[32], anon[TOKEN_BYTES];
    const char *candidates[3];

    if (req->session) {
        memcpy(expected, req->session->data.csrf, 32);
    } else {
        if (!cookie_token(req, WEB_ANON_COOKIE, anon))
            return false;
        anon_token(req, anon, expected);
    }
    candidates[0] = web_form_value(req, "authenticity_token");
    candidates[1] = json_token;
    candidates[2] = web_header(req, "X-CSRF-Token");
    for (int i = 0; i < 3; i++)
        if (token_matches(candidates[i], expected))
            return true;
    return false;
}

int
web_session_start(struct web_req *req, const struct store_user *u, bool remember)
{
    struct store_txn *txn = NULL;
    struct web_session *s;
    uint8_t token[TOKEN_BYTES];
    char text[TOKEN_TEXT];
    int64_t now = drv_clock_wall();
    int rc;

    s = pod_arena_alloc(&req->arena, sizeof *s);
    if (!s)
        return POD_ERR_NOMEM;
    memset(s, 0, sizeof *s);
    s->user = *u;
    snprintf(s->data.username, sizeof s->data.username, "%s", u->username);
    if (crypto_random(token, sizeof token) != POD_OK ||
        crypto_random(s->data.csrf, sizeof s->data.csrf) != POD_OK)
        return POD_ERR_CRYPTO;
    s->data.created_at = s->data.last_seen_at = now;
    s->data.expires_at = now + SESSION_SECONDS;
    crypto_sha256(token, sizeof token, s->token_hash);
    rc = store_txn_begin(req->server->store, true, &txn);
    if (rc != POD_OK)
        return rc;
    rc = store_session_put(txn, s->token_hash, &s->data);
    if (rc != POD_OK) {
        store_txn_abort(txn);
        return rc;
    }
    s->person = person_of(txn, u->username);
    rc = store_txn_commit(txn);
    if (rc != POD_OK)
        return rc;
    b64url_of(token, sizeof token, text, sizeof text);
    rc = web_req_set_cookie(req, WEB_SESSION_COOKIE, text, remember ? (long)SESSION_SECONDS : -1);
    req->session = s;
    req->csrf_token = NULL; /* the next page gets the new token */
    return rc;
}

int
web_session_end(struct web_req *req)
{
    struct store_txn *txn = NULL;
    int rc = POD_OK;

    if (req->session) {
        rc = store_txn_begin(req->server->store, true, &txn);
        if (rc != POD_OK)
            return rc;
        rc = store_session_delete(txn, req->session->token_hash);
        if (rc == POD_OK || rc == POD_ERR_NOTFOUND)
            rc = store_txn_commit(txn);
        else
            store_txn_abort(txn);
    }
    req->session = NULL;
    req->csrf_token = NULL;
    web_req_set_cookie(req, WEB_SESSION_COOKIE, "x", 0);
    return rc;
}
