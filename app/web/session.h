/*
 * session.h - who is signed in, and the CSRF tokens forms carry.
 *
 * A session is a random 256-bit token in the cookie "_plugpod_session";
 * LMDB keeps only its SHA-256, so a copy of the database does not sign
 * anyone in. Each session has its own CSRF secret, replaced at every
 * sign-in. Visitors who are not signed in get a random cookie
 * "_plugpod_anon" and a CSRF token derived from it with the pod's secret
 * (HMAC), so the sign-in form is protected without storing anything.
 *
 * CSRF follows Rails (docs/web-api.md rule 1): a request passes when either
 * the form field authenticity_token or the X-CSRF-Token header matches.
 */
#ifndef POD_WEB_SESSION_H
#define POD_WEB_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "store/accounts.h"
#include "web/request.h"

#define WEB_SESSION_COOKIE "_plugpod_session"
#define WEB_ANON_COOKIE    "_plugpod_anon"

struct web_session {
    struct store_user user; /* copied at load time */
    uint8_t token_hash[32]; /* key of the session record */
    struct store_session data;
    uint64_t person; /* the user's person id (store/people.h), 0 if none */
};

/* Looks up the session cookie: sets req->session for a live session (and
 * slides its expiry at most once an hour), leaves it NULL otherwise. A
 * forged, unknown or expired cookie is logged once and treated as signed
 * out. Returns POD_OK unless the store fails. */
int web_session_load(struct web_req *req);

/* The CSRF token for forms on this page: the session's, or the anonymous
 * one (setting the anonymous cookie when the visitor has none yet). Lives
 * in the request arena. NULL only when out of memory. */
const char *web_csrf_token(struct web_req *req);

/* True when the request carries a valid CSRF token in the form field
 * authenticity_token, a JSON body's authenticity_token (given by the
 * caller as json_token, may be NULL), or the X-CSRF-Token header. */
bool web_csrf_valid(struct web_req *req, const char *json_token);

/* Signs u in: a new session with a new CSRF secret (the old token stops
 * working), its cookie set on the reply. remember keeps the cookie for the
 * session lifetime instead of the browser session. Updates req->session
 * and req->csrf_token. */
int web_session_start(struct web_req *req, const struct store_user *u, bool remember);

/* Signs out: deletes the session record and clears the cookie. */
int web_session_end(struct web_req *req);

#endif
