/*
 * acme_msg.h - the JSON documents of an ACME server (RFC 8555 §7.1) as the
 * client reads them: the directory, an account, an order, an
 * authorization and problem documents (RFC 7807), plus the checks on host
 * names and URLs the client applies before it talks to anybody.
 *
 * Every parser takes untrusted bytes (no NUL needed), refuses more than
 * ACME_RESPONSE_MAX bytes (POD_ERR_LIMIT) and JSON nested deeper than
 * ACME_MSG_DEPTH_MAX, copies what it keeps into the caller's fixed-size
 * struct and answers POD_OK or POD_ERR_PARSE (not JSON, a member missing,
 * of the wrong type, too long, or a URL that is not https - http only when
 * allow_http). Texts for humans (problem detail) come out without control
 * characters. Pure functions, no I/O, no allocation that outlives a call.
 */
#ifndef POD_ACME_ACME_MSG_H
#define POD_ACME_ACME_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "acme/challenge.h"

#define ACME_URL_MAX          1024 /* any URL a document carries */
#define ACME_ORDER_AUTHZ_MAX  8    /* authorizations of one order kept */
#define ACME_MSG_DEPTH_MAX    16
#define ACME_PROBLEM_TYPE_MAX 128
#define ACME_PROBLEM_TEXT_MAX 200
#define ACME_HOST_MAX         253

/* The status of an account, order, authorization or challenge. */
enum acme_status {
    ACME_STATUS_UNKNOWN = 0, /* absent or a word RFC 8555 does not define */
    ACME_STATUS_PENDING,
    ACME_STATUS_READY,
    ACME_STATUS_PROCESSING,
    ACME_STATUS_VALID,
    ACME_STATUS_INVALID,
    ACME_STATUS_EXPIRED,
    ACME_STATUS_DEACTIVATED,
    ACME_STATUS_REVOKED,
};

/* A problem document (RFC 7807) as ACME uses it. */
struct acme_problem {
    char type[ACME_PROBLEM_TYPE_MAX + 1];   /* "urn:ietf:params:acme:error:..." or "" */
    char detail[ACME_PROBLEM_TEXT_MAX + 1]; /* cleaned, possibly cut; may be "" */
    int status;                             /* the "status" member, 0 when absent */
};

struct acme_directory {
    char new_nonce[ACME_URL_MAX + 1];
    char new_account[ACME_URL_MAX + 1];
    char new_order[ACME_URL_MAX + 1];
    bool external_account_required; /* meta.externalAccountRequired */
};

struct acme_account {
    enum acme_status status;
};

struct acme_order {
    enum acme_status status;
    char finalize[ACME_URL_MAX + 1];
    char certificate[ACME_URL_MAX + 1]; /* "" until the order is valid */
    char authz[ACME_ORDER_AUTHZ_MAX][ACME_URL_MAX + 1];
    size_t n_authz;
    bool has_error;
    struct acme_problem error; /* the order's "error", when has_error */
};

struct acme_authz {
    enum acme_status status;
    char identifier[ACME_HOST_MAX + 1]; /* the dns identifier's value */
    bool wildcard;
    /* The first http-01 challenge, when has_http01. */
    bool has_http01;
    enum acme_status http01_status;
    char http01_url[ACME_URL_MAX + 1];
    char http01_token[ACME_TOKEN_MAX + 1]; /* base64url, checked */
    bool has_error;
    struct acme_problem error; /* the http-01 challenge's "error", when has_error */
};

/* Parses a directory: newNonce, newAccount and newOrder are required. */
int acme_msg_directory(const char *body, size_t len, bool allow_http, struct acme_directory *out);

/* Parses an account object (only its status is kept; it may be absent). */
int acme_msg_account(const char *body, size_t len, struct acme_account *out);

/* Parses an order: status and finalize are required, authorizations must
 * be an array of URLs (more than ACME_ORDER_AUTHZ_MAX is POD_ERR_PARSE). */
int acme_msg_order(const char *body, size_t len, bool allow_http, struct acme_order *out);

/* Parses an authorization: status and identifier are required; the first
 * http-01 challenge is kept with its URL and token. */
int acme_msg_authz(const char *body, size_t len, bool allow_http, struct acme_authz *out);

/* Parses a problem document; "type" and "detail" may both be absent (then
 * ""), a document that is not a JSON object is POD_ERR_PARSE. */
int acme_msg_problem(const char *body, size_t len, struct acme_problem *out);

/* The status word s as an enum (ACME_STATUS_UNKNOWN for anything else). */
enum acme_status acme_msg_status(const char *s);

/* The word of a status, for log lines. */
const char *acme_msg_status_name(enum acme_status st);

/* True when url (NUL-ended) is an absolute https URL the client accepts
 * (http too when allow_http) of at most ACME_URL_MAX bytes. */
bool acme_msg_url_ok(const char *url, bool allow_http);

/* Checks that host can get a certificate from a public CA and writes it in
 * lowercase into out (cap bytes): a DNS name of LDH labels with at least
 * one dot. POD_ERR_INVAL for "", an IP literal (v4 or v6, any spelling
 * whose last label is numeric), "localhost" and names under .localhost,
 * a name without a dot, a port, a trailing dot, a wildcard, or any other
 * character; why gets the reason. */
int acme_host_check(const char *host, char *out, size_t cap, char *why, size_t why_len);

/* Copies src into dst (cap bytes, NUL-ended), control characters turned
 * into spaces, cut at a character boundary when too long. */
void acme_text_clean(char *dst, size_t cap, const char *src);

#endif
