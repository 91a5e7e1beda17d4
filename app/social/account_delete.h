/*
 * account_delete.h - closing a local account for good: everything the pod
 * stores for the user goes in the caller's one write transaction, and the
 * media files that no one else uses go after the commit.
 */
#ifndef POD_SOCIAL_ACCOUNT_DELETE_H
#define POD_SOCIAL_ACCOUNT_DELETE_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOCIAL_DELETED_PHOTOS_MAX 1024 /* photo hashes listed; the rest stay on disk */

/* Files to remove once the transaction has committed: content hashes no
 * other profile or photo refers to any more. */
struct social_deleted_files {
    char avatar[65]; /* hex hash of the avatar set, "" = nothing to remove */
    size_t photo_count;
    char photos[SOCIAL_DELETED_PHOTOS_MAX][65]; /* hashes of photo sets to remove */
    bool photos_truncated; /* more than SOCIAL_DELETED_PHOTOS_MAX: files left */
};

/* Deletes username and everything stored for them, in txn (a write
 * transaction the caller commits or aborts). First it queues the
 * account's <account_deletion> to the pods of its remote contacts and
 * resharers, signed now with the key that goes with the account
 * (fed_outbound_account_deletion; nothing when no key was ever made).
 * Then: their posts (with the
 * comments, likes and reshare counts hanging off them) and the photo
 * records of those posts, their comments and likes on other people's
 * posts (and likes on comments of those posts), their participations,
 * aspects and memberships, their contacts and the other local users'
 * contacts with them, memberships of them in other users' aspects,
 * blocks both ways, followed tags, the person row and the user
 * (store_user_delete: keys, profile, sessions).
 *
 * files (may be NULL) gets the hashes whose files the caller removes
 * after the commit (social_deleted_files_unlink): the avatar set if no
 * other profile uses it, and the photo sets of the deleted photos that no
 * remaining photo shows (photos_by_hash, whose entries for the deleted
 * photos go too). Nothing is unlinked here, so an aborted transaction
 * leaves every file in place. The struct is about 67 KB.
 *
 * Not reachable through the store's public API yet, so left behind:
 * photos still pending (uploaded, never posted), the user's poll votes on
 * other people's polls, entries of other people's posts in the user's own
 * main-stream index (keyed by a person id that is never reused), and likes
 * on comments of posts the user neither commented on nor liked.
 *
 * POD_ERR_NOTFOUND when there is no such user. */
int social_account_delete(struct store_txn *txn, const char *username,
                          struct social_deleted_files *files);

/* Deletes what the store keeps of remote person person's activity, after
 * their account was closed (a received account_deletion): their posts
 * (with the comments, likes and reshare traces hanging off them, and
 * the photo records of those posts; remote photos have no files here),
 * their comments and likes on other posts, their participations in local
 * posts, the local users' contacts with them and memberships of them in
 * local aspects (the followers index with them), and their place in
 * conversations. Blocks of them and the person row stay (the caller marks
 * it closed). Idempotent: a second call finds nothing. POD_ERR_INVAL for
 * a local person. */
int social_person_traces_delete(struct store_txn *txn, uint64_t person);

/* Removes the files listed in files from data_dir: every avatar size and
 * every photo size (media_photo_path) of each hash (missing files are
 * fine). Call after the commit. Returns POD_OK or POD_ERR_IO (after trying
 * every file). */
int social_deleted_files_unlink(const char *data_dir, const struct social_deleted_files *files);

#endif
