/*
 * contacts.h - a local user's social graph: aspects (named groups),
 * contacts (who shares with whom, asymmetric as in diaspora*), aspect
 * memberships, blocks and followed tags.
 *
 * "owner" is always the person id of a local user; "person" may be local
 * or remote. All ids are assigned by the store and never reused.
 */
#ifndef POD_STORE_CONTACTS_H
#define POD_STORE_CONTACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/people.h"

#define STORE_ASPECT_NAME_MAX   20 /* characters (UTF-8 code points), as diaspora* */
#define STORE_ASPECT_NAME_BYTES 80
#define STORE_TAG_NAME_MAX      64

struct store_aspect {
    uint64_t id;
    uint64_t owner;
    char name[STORE_ASPECT_NAME_BYTES + 1];
    bool contacts_visible;
    uint32_t order; /* position in the owner's list */
    int64_t created_at;
};

/* Adds an aspect, assigning a->id and a->order (last). POD_ERR_EXISTS when
 * the owner has an aspect of that name (compared case-insensitively for
 * ASCII letters); POD_ERR_LIMIT for a name over 20 characters; POD_ERR_INVAL
 * for an empty name or one that is not UTF-8 without control characters. */
int store_aspect_add(struct store_txn *txn, struct store_aspect *a);
int store_aspect_get(struct store_txn *txn, uint64_t id, struct store_aspect *out);

/* Renames or changes contacts_visible (same id and owner). Same name
 * rules as add. */
int store_aspect_update(struct store_txn *txn, const struct store_aspect *a);

/* Deletes the aspect and its memberships. */
int store_aspect_delete(struct store_txn *txn, uint64_t id);

/* The owner's aspects in order. */
int store_aspects_each(struct store_txn *txn, uint64_t owner,
                       int (*fn)(const struct store_aspect *a, void *ctx), void *ctx);

struct store_contact {
    uint64_t id;
    uint64_t owner;
    uint64_t person;
    bool sharing;   /* owner shares with person (person is in one of owner's aspects) */
    bool receiving; /* person shares with owner */
    int64_t created_at;
};

/* The contact of owner with person, POD_ERR_NOTFOUND if none. */
int store_contact_get(struct store_txn *txn, uint64_t owner, uint64_t person,
                      struct store_contact *out);
int store_contact_get_by_id(struct store_txn *txn, uint64_t id, struct store_contact *out);

/* Inserts or replaces (by owner and person); assigns c->id when new. A
 * contact with neither sharing nor receiving is deleted instead. */
int store_contact_put(struct store_txn *txn, struct store_contact *c);

/* The owner's contacts in person-id order. */
int store_contacts_each(struct store_txn *txn, uint64_t owner,
                        int (*fn)(const struct store_contact *c, void *ctx), void *ctx);

/* Local users who follow person (their contact with person has sharing
 * set: person is in one of their aspects, diaspora*'s Person.in_aspects):
 * who gets person's public posts in their stream. */
int store_followers_each(struct store_txn *txn, uint64_t person,
                         int (*fn)(const struct store_contact *c, void *ctx), void *ctx);

struct store_membership {
    uint64_t id;
    uint64_t aspect;
    uint64_t owner;
    uint64_t person;
};

/* Puts person into aspect (whose owner is filled in from the aspect),
 * assigning m->id. POD_ERR_EXISTS if already there; POD_ERR_NOTFOUND for
 * an unknown aspect. Does not touch the contact: callers set sharing. */
int store_membership_add(struct store_txn *txn, struct store_membership *m);
int store_membership_get(struct store_txn *txn, uint64_t id, struct store_membership *out);
int store_membership_delete(struct store_txn *txn, uint64_t id);

/* Members of an aspect, and the aspects (of owner) person is in. */
int store_memberships_of_aspect(struct store_txn *txn, uint64_t aspect,
                                int (*fn)(const struct store_membership *m, void *ctx), void *ctx);
int store_memberships_of_person(struct store_txn *txn, uint64_t owner, uint64_t person,
                                int (*fn)(const struct store_membership *m, void *ctx), void *ctx);

/* Blocks ("ignore"): owner no longer sees person's posts, comments and
 * likes, and person may not comment on or like owner's posts. */
int store_block_add(struct store_txn *txn, uint64_t owner, uint64_t person, uint64_t *id);
int store_block_delete(struct store_txn *txn, uint64_t id, uint64_t owner);
bool store_block_exists(struct store_txn *txn, uint64_t owner, uint64_t person);
int store_blocks_each(struct store_txn *txn, uint64_t owner,
                      int (*fn)(uint64_t id, uint64_t person, void *ctx), void *ctx);

/* Followed tags (lowercase, without '#'). */
int store_tag_follow(struct store_txn *txn, uint64_t owner, const char *tag, uint64_t *id);
int store_tag_unfollow(struct store_txn *txn, uint64_t owner, uint64_t id);
int store_tags_followed_each(struct store_txn *txn, uint64_t owner,
                             int (*fn)(uint64_t id, const char *tag, void *ctx), void *ctx);

/* Rebuilds the followers index from the contacts (migration 9, which
 * moved it from receiving to sharing contacts). Write transactions. */
int store_followers_rebuild(struct store_txn *txn);

#endif
