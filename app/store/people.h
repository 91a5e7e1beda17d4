/*
 * people.h - everyone the pod knows: its own users and people on other
 * pods, one table with a numeric id each (the ids diaspora* clients see as
 * person.id), found by id, GUID or diaspora* ID.
 *
 * Local users have a person row too (username set); it is made with the
 * account (store_account_create) and kept in step at start
 * (store_people_ensure_local). Remote people arrive with federation
 * (discovery fills them in).
 *
 * Ownership as in accounts.h: caller-owned structs, copies out, all inside
 * the caller's transaction.
 */
#ifndef POD_STORE_PEOPLE_H
#define POD_STORE_PEOPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/accounts.h"

#define STORE_DID_MAX    255 /* a diaspora* ID */
#define STORE_URL_MAX    511
#define STORE_PUBKEY_MAX 1600 /* a public key PEM (SPKI of up to 8192 bits is ~1.5 KB) */

struct store_person {
    uint64_t id; /* assigned by store_person_add; never reused */
    char guid[STORE_GUID_MAX + 1];
    char diaspora_id[STORE_DID_MAX + 1];   /* lowercase user@host[:port] */
    char username[STORE_USERNAME_MAX + 1]; /* the local account, "" for remote people */
    char first_name[STORE_NAME_MAX + 1];   /* remote people; local ones use their profile */
    char last_name[STORE_NAME_MAX + 1];
    char avatar_large[STORE_URL_MAX + 1]; /* remote people; "" = default */
    char avatar_medium[STORE_URL_MAX + 1];
    char avatar_small[STORE_URL_MAX + 1];
    char pod_url[STORE_URL_MAX + 1]; /* remote: their pod's root URL */
    /* remote: the public key PEM their hCard published at first contact
     * (trusted on first use, never replaced by discovery: docs §9); "" for
     * local people (their key is the account's) and not yet discovered ones */
    char public_key[STORE_PUBKEY_MAX + 1];
    bool searchable;
    int64_t created_at;
    int64_t updated_at;
    /* remote: the account was closed (account_deletion) or moved away
     * (account_migration): entities signed by it are refused */
    bool closed;
    uint64_t moved_to; /* remote: the person it migrated to; 0 = none */
};

/* Adds p, assigning p->id. POD_ERR_EXISTS when the GUID or the diaspora*
 * ID is known already; POD_ERR_INVAL for an empty GUID or diaspora* ID. */
int store_person_add(struct store_txn *txn, struct store_person *p);

/* Replaces p (same id, GUID and diaspora* ID). POD_ERR_NOTFOUND if absent. */
int store_person_update(struct store_txn *txn, const struct store_person *p);

int store_person_get(struct store_txn *txn, uint64_t id, struct store_person *out);
int store_person_get_by_guid(struct store_txn *txn, const char *guid, struct store_person *out);
int store_person_get_by_diaspora_id(struct store_txn *txn, const char *diaspora_id,
                                    struct store_person *out);

/* The person row of a local user. */
int store_person_get_by_username(struct store_txn *txn, const char *username,
                                 struct store_person *out);

/* Removes the person and their indexes (not their posts: callers decide). */
int store_person_delete(struct store_txn *txn, uint64_t id);

/* Calls fn for searchable people whose diaspora* ID, username or names
 * contain query (ASCII case-insensitive), in id order, until fn returns
 * non-zero or limit calls were made. */
int store_person_search(struct store_txn *txn, const char *query, size_t limit,
                        int (*fn)(const struct store_person *p, void *ctx), void *ctx);

/* Creates a local account in one go: the user (store_user_add), an empty
 * searchable profile and the person row with diaspora* ID "username@host"
 * (find it again with store_person_get_by_username). POD_ERR_EXISTS when
 * the username or GUID is taken. */
int store_account_create(struct store_txn *txn, const struct store_user *u, const char *host);

/* Makes sure every local user has a person row for host (accounts made
 * before people existed, or by an older build). *added gets how many. */
int store_people_ensure_local(struct store_txn *txn, const char *host, unsigned *added);

#endif
