/*
 * password.h - password hashing with argon2id (libargon2). The cost
 * parameters come from Kconfig (POD_ARGON2_*), chosen for a 1 GB board;
 * hashes carry their parameters, so old hashes verify after a change.
 */
#ifndef POD_CRYPTO_PASSWORD_H
#define POD_CRYPTO_PASSWORD_H

#include <stddef.h>

#define CRYPTO_PASSWORD_MIN       10  /* shortest password accepted at sign-up */
#define CRYPTO_PASSWORD_MAX       256 /* longer input is refused, not truncated */
#define CRYPTO_PWHASH_ENCODED_MAX 160

/* Hashes password (len bytes) with a fresh random salt into the argon2
 * encoded form ("$argon2id$v=19$m=...,t=...,p=...$salt$hash", NUL-ended) in
 * out (cap bytes). POD_ERR_LIMIT for a password over CRYPTO_PASSWORD_MAX. */
int crypto_password_hash(const char *password, size_t len, char *out, size_t cap);

/* Checks password against an encoded hash in constant time. POD_OK on a
 * match, POD_ERR_AUTH on a mismatch, POD_ERR_PARSE for a malformed hash. */
int crypto_password_verify(const char *encoded, const char *password, size_t len);

/* POD_OK when password is acceptable for a new account: at least
 * CRYPTO_PASSWORD_MIN and at most CRYPTO_PASSWORD_MAX bytes, valid UTF-8.
 * Otherwise POD_ERR_INVAL or POD_ERR_LIMIT. */
int crypto_password_acceptable(const char *password, size_t len);

#endif
