/*
 * challenge.h - the HTTP-01 answers the ACME client has published, read by
 * the web server for GET /.well-known/acme-challenge/TOKEN on the plain
 * HTTP port. A small fixed table behind a mutex; thread-safe.
 */
#ifndef POD_ACME_CHALLENGE_H
#define POD_ACME_CHALLENGE_H

#include <stddef.h>

#define ACME_TOKEN_MAX    128 /* base64url token bytes, without the NUL */
#define ACME_KEYAUTHZ_MAX 256 /* token "." thumbprint, without the NUL */

/* Publishes key_authz as the answer for token (both copied). POD_ERR_INVAL
 * for a token that is not base64url or too long, POD_ERR_LIMIT when the
 * table is full. */
int acme_challenge_publish(const char *token, const char *key_authz);

/* Withdraws token's answer (no-op when absent). */
void acme_challenge_withdraw(const char *token);

/* Copies token's answer into out (cap bytes) and answers POD_OK, or
 * POD_ERR_NOTFOUND (also for a token that is not base64url), or
 * POD_ERR_LIMIT when cap is too small (ACME_KEYAUTHZ_MAX + 1 is enough). */
int acme_challenge_find(const char *token, char *out, size_t cap);

#endif
