/*
 * accounts.h - the pod's people and their sign-in state in LMDB: users,
 * their keys and profiles, sessions, invitations and sign-in throttling.
 *
 * All functions run inside a transaction the caller began (store.h); get
 * functions copy into caller-owned structs and buffers, nothing returned is
 * borrowed. Records are versioned (store/record.h) so later fields can be
 * added without a migration.
 */
#ifndef POD_STORE_ACCOUNTS_H
#define POD_STORE_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_USERNAME_MAX   32 /* bytes, without the NUL */
#define STORE_GUID_MAX       64
#define STORE_PWHASH_MAX     160 /* argon2 encoded string */
#define STORE_LANG_MAX       15
#define STORE_NAME_MAX       32 /* first and last name */
#define STORE_BIO_MAX        4096
#define STORE_SHORT_TEXT_MAX 255 /* location, gender */
#define STORE_PROFILE_TAGS   5
#define STORE_TAG_MAX        32
#define STORE_PEM_MAX        4096 /* an RSA-4096 private key in PEM is about 3.3 KB */

struct store_user {
    char username[STORE_USERNAME_MAX + 1];
    char guid[STORE_GUID_MAX + 1];
    char password_hash[STORE_PWHASH_MAX + 1];
    char language[STORE_LANG_MAX + 1]; /* "en", "de", ... */
    bool admin;
    int64_t created_at;      /* unix seconds */
    int64_t last_sign_in_at; /* 0 = never */
};

struct store_profile {
    char first_name[STORE_NAME_MAX + 1];
    char last_name[STORE_NAME_MAX + 1];
    char bio[STORE_BIO_MAX + 1]; /* Markdown */
    char location[STORE_SHORT_TEXT_MAX + 1];
    char gender[STORE_SHORT_TEXT_MAX + 1];
    char birthday[11];                                /* "YYYY-MM-DD" or "" */
    char tags[STORE_PROFILE_TAGS][STORE_TAG_MAX + 1]; /* without '#'; "" = unused */
    char avatar[65]; /* hex content hash of the avatar set, "" = none */
    bool searchable; /* may be found by search */
    bool nsfw;
    bool public_details; /* bio, location, gender, birthday, tags shown to everyone */
    int64_t updated_at;
};

struct store_session {
    char username[STORE_USERNAME_MAX + 1];
    uint8_t csrf[32]; /* the session's CSRF secret */
    int64_t created_at;
    int64_t last_seen_at;
    int64_t expires_at;
};

struct store_invite {
    char created_by[STORE_USERNAME_MAX + 1];
    uint32_t uses_left;
    int64_t created_at;
    int64_t expires_at; /* 0 = never */
};

struct store_throttle {
    uint32_t failures; /* consecutive failed sign-ins */
    int64_t last_failure_at;
    int64_t locked_until; /* no attempt accepted before this */
};

/* ---- users ---------------------------------------------------------- */

/* Inserts a new user. POD_ERR_EXISTS if the username or the GUID is taken. */
int store_user_add(struct store_txn *txn, const struct store_user *u);

/* Replaces an existing user's record (same username and GUID).
 * POD_ERR_NOTFOUND if there is no such user. */
int store_user_update(struct store_txn *txn, const struct store_user *u);

int store_user_get(struct store_txn *txn, const char *username, struct store_user *out);
int store_user_get_by_guid(struct store_txn *txn, const char *guid, struct store_user *out);

/* Removes the user and everything stored under their name: GUID index,
 * keys, profile, sessions. POD_ERR_NOTFOUND if absent. */
int store_user_delete(struct store_txn *txn, const char *username);

/* Number of local users. */
int store_user_count(struct store_txn *txn, uint64_t *out);

/* Calls fn for each user in username order until fn returns non-zero (which
 * is returned). The struct is valid for the call only. */
int store_user_each(struct store_txn *txn, int (*fn)(const struct store_user *u, void *ctx),
                    void *ctx);

/* ---- keys ----------------------------------------------------------- */

/* Stores the user's key pair: PKCS#1 PEM private key, SPKI PEM public key. */
int store_user_keys_put(struct store_txn *txn, const char *username, const char *private_pem,
                        const char *public_pem);

/* Copies the public (or private) PEM into buf. POD_ERR_NOTFOUND while the
 * key has not been generated yet; POD_ERR_LIMIT if cap is too small. */
int store_user_public_key_get(struct store_txn *txn, const char *username, char *buf, size_t cap);
int store_user_private_key_get(struct store_txn *txn, const char *username, char *buf, size_t cap);

/* ---- profiles ------------------------------------------------------- */

int store_profile_put(struct store_txn *txn, const char *username, const struct store_profile *p);

/* POD_ERR_NOTFOUND if the user never saved a profile (callers show an
 * empty one). */
int store_profile_get(struct store_txn *txn, const char *username, struct store_profile *out);

/* ---- sessions (keyed by the SHA-256 of the cookie token) ------------ */

int store_session_put(struct store_txn *txn, const uint8_t token_hash[32],
                      const struct store_session *s);
int store_session_get(struct store_txn *txn, const uint8_t token_hash[32],
                      struct store_session *out);
int store_session_delete(struct store_txn *txn, const uint8_t token_hash[32]);

/* Deletes every session of username (password change, account deletion);
 * *count, if given, gets how many. */
int store_sessions_delete_user(struct store_txn *txn, const char *username, unsigned *count);

/* Deletes sessions whose expires_at is before now. */
int store_sessions_expire(struct store_txn *txn, int64_t now, unsigned *count);

/* ---- invitations (keyed by their code, a short random string) ------- */

int store_invite_put(struct store_txn *txn, const char *code, const struct store_invite *inv);
int store_invite_get(struct store_txn *txn, const char *code, struct store_invite *out);

/* Takes one use of code at time now: POD_OK (and *left, if given, gets the
 * uses that remain; the invite is deleted at 0), POD_ERR_NOTFOUND for an
 * unknown code, POD_ERR_LIMIT for an expired one (which is deleted). */
int store_invite_use(struct store_txn *txn, const char *code, int64_t now, uint32_t *left);

int store_invite_delete(struct store_txn *txn, const char *code);

/* Calls fn for each invite until fn returns non-zero. */
int store_invite_each(struct store_txn *txn,
                      int (*fn)(const char *code, const struct store_invite *inv, void *ctx),
                      void *ctx);

/* ---- sign-in throttling (keyed by "user:NAME" or "addr:IP") ---------- */

int store_throttle_get(struct store_txn *txn, const char *key, struct store_throttle *out);
int store_throttle_put(struct store_txn *txn, const char *key, const struct store_throttle *t);
int store_throttle_delete(struct store_txn *txn, const char *key);

#endif
