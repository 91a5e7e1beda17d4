/*
 * migrations.c - the pod's schema history, oldest first.
 *
 * To add a migration: write a function that moves the data from the last
 * version to the next one using only the transaction it is given (create
 * databases with store_db_create, rewrite records), never committing or
 * aborting it, and append { next version, "short name", function } to the
 * list. Versions are 1..N without gaps; store_open checks this, runs each
 * pending migration in its own write transaction and records the version
 * in the same transaction. Never edit or remove a migration that has been
 * released: data directories in the field have already run it.
 */
#include "store/store.h"

#include "core/error.h"
#include "store/contacts.h"
#include "store/store_internal.h"

/* 1: the databases every later module relies on. */
static int
m1_core_databases(struct store_txn *txn)
{
    int rc;

    rc = store_db_create(txn, STORE_DB_META);
    if (rc == POD_OK)
        rc = store_db_create(txn, STORE_DB_SETTINGS);
    return rc;
}

/* 2: the databases of store/accounts.c. */
static int
m2_accounts_databases(struct store_txn *txn)
{
    static const char *const names[] = {
        "users", "users_by_guid", "user_keys", "profiles", "sessions", "invites", "throttle",
    };
    int rc = POD_OK;

    for (size_t i = 0; rc == POD_OK && i < sizeof(names) / sizeof(names[0]); i++)
        rc = store_db_create(txn, names[i]);
    return rc;
}

/* Creates each named database of a NULL-ended list. */
static int
create_all(struct store_txn *txn, const char *const *names)
{
    int rc = POD_OK;

    for (size_t i = 0; rc == POD_OK && names[i]; i++)
        rc = store_db_create(txn, names[i]);
    return rc;
}

/* 3: the databases of store/people.c and store/contacts.c. */
static int
m3_people_databases(struct store_txn *txn)
{
    static const char *const names[] = {
        "people",    "people_by_guid",   "people_by_did",     "people_by_user",
        "aspects",   "aspects_by_owner", "contacts",          "contacts_by_id",
        "followers", "memberships",      "members_by_aspect", "members_by_person",
        "blocks",    "blocks_by_id",     "tag_follows",       "tag_follows_by_id",
        NULL,
    };
    return create_all(txn, names);
}

/* 4: the databases of store/posts.c. */
static int
m4_posts_databases(struct store_txn *txn)
{
    static const char *const names[] = {
        "posts",
        "posts_by_guid",
        "idx_author",
        "idx_public",
        "idx_tag",
        "idx_inbox",
        "post_shares",
        "polls",
        "poll_votes",
        "photos",
        "photos_by_guid",
        "comments",
        "comments_by_guid",
        "comments_by_post",
        "likes",
        "likes_by_guid",
        "likes_by_target",
        "reshares_by_root",
        "participations",
        "participants_by_post",
        "idx_commented",
        "idx_liked",
        "inbox_by_post",  /* be64 post + be64 reader: what to remove from idx_inbox */
        "commented_last", /* be64 person + be64 post -> the idx_commented entry's time */
        NULL,
    };
    return create_all(txn, names);
}

/* 5: the databases of store/notifications.c and store/conversations.c. */
static int
m5_notifications_conversations(struct store_txn *txn)
{
    static const char *const names[] = {
        "notifications",         "notif_by_recipient",
        "notif_unread",          "conversations",
        "conversations_by_guid", "messages",
        "messages_by_conv",      "conv_visibility",
        "conv_by_person",        NULL,
    };
    return create_all(txn, names);
}

/* 6: the databases of store/mentions.c. */
static int
m6_mentions_databases(struct store_txn *txn)
{
    static const char *const names[] = {"idx_mention", "mentions_by_post", NULL};

    return create_all(txn, names);
}

/* 7: photos_by_hash (store/posts.c): hash (64 hex) + be64 photo id ->
 * empty, so a photo file's name finds the photos that show it. */
static int
m7_photos_by_hash(struct store_txn *txn)
{
    static const char *const names[] = {"photos_by_hash", NULL};

    return create_all(txn, names);
}

/* 8: the federation queues: fed_inbox (store/fed_inbox.c), deliveries
 * waiting to be processed; fed_outbox, fed_outbox_due and fed_pods
 * (store/fed_outbox.c), deliveries to send and the health of remote pods. */
static int
m8_federation_queues(struct store_txn *txn)
{
    static const char *const names[] = {"fed_inbox", "fed_outbox", "fed_outbox_due", "fed_pods",
                                        NULL};

    return create_all(txn, names);
}

/* 9: the followers index lists who has a person in an aspect (sharing),
 * as diaspora*'s streams do, not whom the person shares with. */
static int
m9_followers_by_aspects(struct store_txn *txn)
{
    return store_followers_rebuild(txn);
}

static const struct store_migration builtin[] = {
    {1, "meta and settings databases", m1_core_databases},
    {2, "accounts databases", m2_accounts_databases},
    {3, "people and contacts databases", m3_people_databases},
    {4, "posts databases", m4_posts_databases},
    {5, "notifications and conversations databases", m5_notifications_conversations},
    {6, "mentions databases", m6_mentions_databases},
    {7, "photos by hash", m7_photos_by_hash},
    {8, "federation queues", m8_federation_queues},
    {9, "followers are who has the person in an aspect", m9_followers_by_aspects},
};

const struct store_migration *
store_builtin_migrations(size_t *count)
{
    *count = sizeof(builtin) / sizeof(builtin[0]);
    return builtin;
}
