/*
 * test_account_delete.c - app/social/account_delete.c: deleting a local
 * account takes every row the store keeps for it (posts, comments, likes,
 * graph, person, user) and leaves the other users' data alone; avatar
 * files are listed for removal only when no other profile uses them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/error.h"
#include "media/image.h"
#include "social/account_delete.h"
#include "store/accounts.h"
#include "store/contacts.h"
#include "store/people.h"
#include "store/conversations.h"
#include "store/notifications.h"
#include "store/posts.h"
#include "store/store.h"

#include "storetest.h"
#include "testutil.h"

#define HOST   "pod.example"
#define AVATAR "abababababababababababababababababababababababababababababababab"
#define PHOTO1 "1111111111111111111111111111111111111111111111111111111111111111"
#define PHOTO2 "2222222222222222222222222222222222222222222222222222222222222222"

/* Creates an account with a profile (avatar may be ""); returns its person id. */
static uint64_t
account(struct store_txn *txn, const char *name, const char *guid, const char *avatar)
{
    struct store_user u;
    struct store_profile pr;
    struct store_person p;

    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "%s", name);
    snprintf(u.guid, sizeof(u.guid), "%s", guid);
    snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$v=19$m=65536,t=3,p=1$x");
    snprintf(u.language, sizeof(u.language), "en");
    u.created_at = 1710000000;
    assert_int_equal(store_account_create(txn, &u, HOST), POD_OK);
    assert_int_equal(store_profile_get(txn, name, &pr), POD_OK);
    snprintf(pr.avatar, sizeof(pr.avatar), "%s", avatar);
    snprintf(pr.first_name, sizeof(pr.first_name), "%s", name);
    assert_int_equal(store_profile_put(txn, name, &pr), POD_OK);
    assert_int_equal(store_user_keys_put(txn, name, "PRIVATE", "PUBLIC"), POD_OK);
    assert_int_equal(store_person_get_by_username(txn, name, &p), POD_OK);
    return p.id;
}

static uint64_t
post(struct store_txn *txn, const char *guid, uint64_t author, int64_t t, bool public,
     const uint64_t *to, size_t nto)
{
    struct store_post p;
    struct store_poll poll;

    memset(&p, 0, sizeof(p));
    memset(&poll, 0, sizeof(poll));
    snprintf(p.guid, sizeof(p.guid), "%s", guid);
    p.author = author;
    p.type = STORE_POST_STATUS;
    p.public = public;
    p.text = "hello";
    p.created_at = t;
    snprintf(poll.question, sizeof(poll.question), "why?");
    poll.answer_count = 2;
    snprintf(poll.answers[0], sizeof(poll.answers[0]), "yes");
    snprintf(poll.answers[1], sizeof(poll.answers[1]), "no");
    assert_int_equal(store_post_add(txn, &p, to, nto, NULL, 0, public ? NULL : &poll), POD_OK);
    return p.id;
}

static uint64_t
comment(struct store_txn *txn, const char *guid, uint64_t post_id, uint64_t author, int64_t t)
{
    struct store_comment c;

    memset(&c, 0, sizeof(c));
    snprintf(c.guid, sizeof(c.guid), "%s", guid);
    c.post = post_id;
    c.author = author;
    c.text = "a comment";
    c.created_at = t;
    assert_int_equal(store_comment_add(txn, &c), POD_OK);
    return c.id;
}

static uint64_t
like(struct store_txn *txn, const char *guid, enum store_like_target type, uint64_t target,
     uint64_t author, int64_t t)
{
    struct store_like l;

    memset(&l, 0, sizeof(l));
    snprintf(l.guid, sizeof(l.guid), "%s", guid);
    l.target_type = type;
    l.target = target;
    l.author = author;
    l.positive = true;
    l.created_at = t;
    assert_int_equal(store_like_add(txn, &l), POD_OK);
    return l.id;
}

static void
share(struct store_txn *txn, uint64_t owner, uint64_t person, const char *aspect)
{
    struct store_aspect a;
    struct store_membership m;
    struct store_contact c;

    memset(&a, 0, sizeof(a));
    a.owner = owner;
    snprintf(a.name, sizeof(a.name), "%s", aspect);
    assert_int_equal(store_aspect_add(txn, &a), POD_OK);
    memset(&m, 0, sizeof(m));
    m.aspect = a.id;
    m.person = person;
    assert_int_equal(store_membership_add(txn, &m), POD_OK);
    memset(&c, 0, sizeof(c));
    c.owner = owner;
    c.person = person;
    c.sharing = true;
    c.receiving = true;
    assert_int_equal(store_contact_put(txn, &c), POD_OK);
}

/* ---- counting what the public API still reaches ---- */

static int
count_stream(uint64_t post, int64_t t, void *ctx)
{
    (void)post;
    (void)t;
    ++*(size_t *)ctx;
    return 0;
}

struct find {
    uint64_t id;
    bool seen;
};

static int
find_stream(uint64_t post, int64_t t, void *ctx)
{
    struct find *fd = ctx;

    (void)t;
    fd->seen |= post == fd->id;
    return 0;
}

static int
count_aspect(const struct store_aspect *a, void *ctx)
{
    (void)a;
    ++*(size_t *)ctx;
    return 0;
}

static int
count_contact(const struct store_contact *c, void *ctx)
{
    (void)c;
    ++*(size_t *)ctx;
    return 0;
}

static int
count_membership(const struct store_membership *m, void *ctx)
{
    (void)m;
    ++*(size_t *)ctx;
    return 0;
}

static int
count_block(uint64_t id, uint64_t person, void *ctx)
{
    (void)id;
    (void)person;
    ++*(size_t *)ctx;
    return 0;
}

static int
count_tag(uint64_t id, const char *tag, void *ctx)
{
    (void)id;
    (void)tag;
    ++*(size_t *)ctx;
    return 0;
}

static int
count_comment(const struct store_comment *c, void *ctx)
{
    (void)c;
    ++*(size_t *)ctx;
    return 0;
}

static int
first_aspect(const struct store_aspect *a, void *ctx)
{
    *(uint64_t *)ctx = a->id;
    return 1;
}

static size_t
stream_n(struct store_txn *txn,
         int (*s)(struct store_txn *, uint64_t, int64_t, uint64_t, size_t, store_stream_fn, void *),
         uint64_t person)
{
    size_t n = 0;

    assert_int_equal(s(txn, person, INT64_MAX, UINT64_MAX, 100, count_stream, &n), POD_OK);
    return n;
}

static void
test_delete_everything(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct social_deleted_files files;
    struct store_person p;
    struct store_user u;
    struct store_post pp;
    struct store_comment c;
    struct store_like l;
    struct store_photo ph;
    uint64_t alice, bob, carol, a1, a2, b1, bc1, bob_aspect = 0, block_id, tag_id, n64;
    size_t n;
    struct find fd;

    alice = account(txn, "alice", "guid-alice-0001", AVATAR);
    bob = account(txn, "bob", "guid-bob-0001", "");
    carol = account(txn, "carol", "guid-carol-0001", "");
    share(txn, alice, bob, "friends");
    share(txn, bob, alice, "family");
    a1 = post(txn, "guid-post-a1", alice, 100, true, NULL, 0);
    a2 = post(txn, "guid-post-a2", alice, 110, false, &bob, 1);
    b1 = post(txn, "guid-post-b1", bob, 120, true, NULL, 0);
    memset(&ph, 0, sizeof(ph));
    snprintf(ph.guid, sizeof(ph.guid), "guid-photo-a2");
    ph.author = alice;
    ph.post = a2;
    snprintf(ph.hash, sizeof(ph.hash), "%s", AVATAR);
    assert_int_equal(store_photo_add(txn, &ph), POD_OK);
    comment(txn, "guid-c-bob-on-a1", a1, bob, 130);
    comment(txn, "guid-c-alice-on-b1", b1, alice, 140);
    comment(txn, "guid-c-alice-on-b1-2", b1, alice, 141);
    bc1 = comment(txn, "guid-c-bob-on-b1", b1, bob, 150);
    like(txn, "guid-l-alice-b1", STORE_LIKE_POST, b1, alice, 160);
    like(txn, "guid-l-alice-bc1", STORE_LIKE_COMMENT, bc1, alice, 161);
    like(txn, "guid-l-bob-a1", STORE_LIKE_POST, a1, bob, 162);
    like(txn, "guid-l-carol-b1", STORE_LIKE_POST, b1, carol, 163);
    assert_int_equal(store_participation_set(txn, alice, b1, true), POD_OK);
    assert_int_equal(store_block_add(txn, alice, carol, &block_id), POD_OK);
    assert_int_equal(store_block_add(txn, bob, alice, &block_id), POD_OK);
    assert_int_equal(store_block_add(txn, carol, bob, &block_id), POD_OK);
    assert_int_equal(store_tag_follow(txn, alice, "cats", &tag_id), POD_OK);
    assert_int_equal(store_tag_follow(txn, bob, "dogs", &tag_id), POD_OK);
    assert_int_equal(store_txn_commit(txn), POD_OK);

    txn = wtxn(f);
    assert_int_equal(social_account_delete(txn, "alice", &files), POD_OK);
    assert_string_equal(files.avatar, AVATAR);
    assert_int_equal(store_txn_commit(txn), POD_OK);

    txn = wtxn(f);
    /* alice: the user, the person by every key, the keys, the profile. */
    assert_int_equal(store_user_get(txn, "alice", &u), POD_ERR_NOTFOUND);
    assert_int_equal(store_user_get_by_guid(txn, "guid-alice-0001", &u), POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get(txn, alice, &p), POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get_by_guid(txn, "guid-alice-0001", &p), POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get_by_diaspora_id(txn, "alice@" HOST, &p), POD_ERR_NOTFOUND);
    assert_int_equal(store_person_get_by_username(txn, "alice", &p), POD_ERR_NOTFOUND);
    {
        char pem[64];
        struct store_profile pr;
        assert_int_equal(store_user_public_key_get(txn, "alice", pem, sizeof(pem)),
                         POD_ERR_NOTFOUND);
        assert_int_equal(store_user_private_key_get(txn, "alice", pem, sizeof(pem)),
                         POD_ERR_NOTFOUND);
        assert_int_equal(store_profile_get(txn, "alice", &pr), POD_ERR_NOTFOUND);
    }
    assert_int_equal(store_user_count(txn, &n64), POD_OK);
    assert_true(n64 == 2);

    /* Her posts, their photo and poll, and every stream entry. */
    assert_int_equal(store_post_get(txn, a1, &f->arena, &pp), POD_ERR_NOTFOUND);
    assert_int_equal(store_post_get(txn, a2, &f->arena, &pp), POD_ERR_NOTFOUND);
    assert_int_equal(store_post_get_by_guid(txn, "guid-post-a1", &f->arena, &pp), POD_ERR_NOTFOUND);
    assert_int_equal(store_photo_get_by_guid(txn, "guid-photo-a2", &ph), POD_ERR_NOTFOUND);
    {
        struct store_poll poll;
        assert_int_equal(store_poll_get(txn, a2, &poll), POD_ERR_NOTFOUND);
    }
    assert_int_equal(stream_n(txn, store_stream_author, alice), 0);
    assert_int_equal(stream_n(txn, store_stream_commented, alice), 0);
    assert_int_equal(stream_n(txn, store_stream_liked, alice), 0);
    n = 0;
    assert_int_equal(store_stream_public(txn, INT64_MAX, UINT64_MAX, 100, count_stream, &n),
                     POD_OK);
    assert_int_equal(n, 1); /* b1 */
    fd = (struct find){a1, false};
    assert_int_equal(store_stream_inbox(txn, bob, INT64_MAX, UINT64_MAX, 100, find_stream, &fd),
                     POD_OK);
    assert_false(fd.seen);
    fd = (struct find){a2, false};
    assert_int_equal(store_stream_inbox(txn, bob, INT64_MAX, UINT64_MAX, 100, find_stream, &fd),
                     POD_OK);
    assert_false(fd.seen);
    assert_false(store_post_is_shared_with(txn, a2, bob));

    /* Her comments and likes on bob's post, and counts on it. */
    assert_int_equal(store_comment_get_by_guid(txn, "guid-c-alice-on-b1", &f->arena, &c),
                     POD_ERR_NOTFOUND);
    assert_int_equal(store_comment_get_by_guid(txn, "guid-c-alice-on-b1-2", &f->arena, &c),
                     POD_ERR_NOTFOUND);
    assert_int_equal(store_comment_get_by_guid(txn, "guid-c-bob-on-a1", &f->arena, &c),
                     POD_ERR_NOTFOUND);
    assert_int_equal(store_like_get_by_guid(txn, "guid-l-alice-b1", &l), POD_ERR_NOTFOUND);
    assert_int_equal(store_like_get_by_guid(txn, "guid-l-alice-bc1", &l), POD_ERR_NOTFOUND);
    assert_int_equal(store_like_get_by_guid(txn, "guid-l-bob-a1", &l), POD_ERR_NOTFOUND);
    assert_int_equal(store_post_get(txn, b1, &f->arena, &pp), POD_OK);
    assert_int_equal(pp.comments_count, 1);
    assert_int_equal(pp.likes_count, 1); /* carol's */
    n = 0;
    assert_int_equal(store_comments_each(txn, b1, &f->arena, count_comment, &n), POD_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_comment_get(txn, bc1, &f->arena, &c), POD_OK);
    assert_int_equal(c.likes_count, 0);
    assert_false(store_participation_get(txn, alice, b1));
    assert_int_equal(stream_n(txn, store_stream_liked, bob), 0); /* a1 went */
    assert_int_equal(stream_n(txn, store_stream_commented, bob), 1);

    /* Her graph, and the others' graph with her. */
    n = 0;
    assert_int_equal(store_aspects_each(txn, alice, count_aspect, &n), POD_OK);
    assert_int_equal(n, 0);
    n = 0;
    assert_int_equal(store_contacts_each(txn, alice, count_contact, &n), POD_OK);
    assert_int_equal(n, 0);
    n = 0;
    assert_int_equal(store_blocks_each(txn, alice, count_block, &n), POD_OK);
    assert_int_equal(n, 0);
    n = 0;
    assert_int_equal(store_tags_followed_each(txn, alice, count_tag, &n), POD_OK);
    assert_int_equal(n, 0);
    n = 0;
    assert_int_equal(store_contacts_each(txn, bob, count_contact, &n), POD_OK);
    assert_int_equal(n, 0);
    n = 0;
    assert_int_equal(store_followers_each(txn, alice, count_contact, &n), POD_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_aspects_each(txn, bob, first_aspect, &bob_aspect), 1);
    n = 0;
    assert_int_equal(store_memberships_of_aspect(txn, bob_aspect, count_membership, &n), POD_OK);
    assert_int_equal(n, 0);
    assert_false(store_block_exists(txn, bob, alice));

    /* bob's and carol's own data stay. */
    assert_int_equal(store_user_get(txn, "bob", &u), POD_OK);
    assert_int_equal(store_person_get(txn, bob, &p), POD_OK);
    assert_int_equal(stream_n(txn, store_stream_author, bob), 1);
    n = 0;
    assert_int_equal(store_tags_followed_each(txn, bob, count_tag, &n), POD_OK);
    assert_int_equal(n, 1);
    assert_true(store_block_exists(txn, carol, bob));
    assert_int_equal(store_like_get_by_guid(txn, "guid-l-carol-b1", &l), POD_OK);

    /* Gone is gone. */
    assert_int_equal(social_account_delete(txn, "alice", &files), POD_ERR_NOTFOUND);
    store_txn_abort(txn);
}

static void
test_avatar_files(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct social_deleted_files files;
    char path[512], dir[256];
    static const char *const sizes[] = {"large", "medium", "small"};

    account(txn, "alice", "guid-alice-0001", AVATAR);
    account(txn, "bob", "guid-bob-0001", AVATAR);
    assert_int_equal(store_txn_commit(txn), POD_OK);

    /* bob uses the same picture: alice's going leaves the files. */
    txn = wtxn(f);
    assert_int_equal(social_account_delete(txn, "alice", &files), POD_OK);
    assert_string_equal(files.avatar, "");
    assert_int_equal(store_txn_commit(txn), POD_OK);

    snprintf(dir, sizeof(dir), "%s/media", f->dir);
    mkdir(dir, 0700);
    snprintf(dir, sizeof(dir), "%s/media/avatars", f->dir);
    mkdir(dir, 0700);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(media_avatar_path(f->dir, AVATAR, sizes[i], path, sizeof(path)), POD_OK);
        test_spit(path, "x", 1);
    }
    /* The last user of it: the files go after the commit. */
    txn = wtxn(f);
    assert_int_equal(social_account_delete(txn, "bob", &files), POD_OK);
    assert_string_equal(files.avatar, AVATAR);
    assert_int_equal(store_txn_commit(txn), POD_OK);
    assert_int_equal(social_deleted_files_unlink(f->dir, &files), POD_OK);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(media_avatar_path(f->dir, AVATAR, sizes[i], path, sizeof(path)), POD_OK);
        assert_int_equal(access(path, F_OK), -1);
    }
    /* Twice is fine; nothing listed is nothing done. */
    assert_int_equal(social_deleted_files_unlink(f->dir, &files), POD_OK);
    memset(&files, 0, sizeof(files));
    assert_int_equal(social_deleted_files_unlink(f->dir, &files), POD_OK);
}

/* A photo of post (by author) with the files of hash, linked by hash. */
static void
photo(struct store_txn *txn, const char *guid, uint64_t author, uint64_t post_id, const char *hash)
{
    struct store_photo ph;

    memset(&ph, 0, sizeof(ph));
    snprintf(ph.guid, sizeof(ph.guid), "%s", guid);
    ph.author = author;
    ph.post = post_id;
    snprintf(ph.hash, sizeof(ph.hash), "%s", hash);
    assert_int_equal(store_photo_add(txn, &ph), POD_OK);
    assert_int_equal(store_photo_hash_link(txn, hash, ph.id, true), POD_OK);
}

static int
count_photo(const struct store_photo *ph, void *ctx)
{
    (void)ph;
    (*(size_t *)ctx)++;
    return 0;
}

/* Photo files go with the account, unless another user's photo shows them. */
static void
test_photo_files(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct social_deleted_files *files = calloc(1, sizeof(*files));
    char path[512], dir[256];
    uint64_t alice, bob, a1, a2, b1;
    size_t n;

    assert_non_null(files);
    alice = account(txn, "alice", "guid-alice-0001", "");
    bob = account(txn, "bob", "guid-bob-0001", "");
    a1 = post(txn, "guid-post-a1", alice, 100, true, NULL, 0);
    a2 = post(txn, "guid-post-a2", alice, 110, true, NULL, 0);
    b1 = post(txn, "guid-post-b1", bob, 120, true, NULL, 0);
    photo(txn, "guid-photo-a1", alice, a1, PHOTO1);
    photo(txn, "guid-photo-a1-2", alice, a1, PHOTO2);
    photo(txn, "guid-photo-a2", alice, a2, PHOTO1); /* the same file twice */
    photo(txn, "guid-photo-b1", bob, b1, PHOTO2);   /* bob shows PHOTO2 too */
    assert_int_equal(store_txn_commit(txn), POD_OK);

    snprintf(dir, sizeof(dir), "%s/media", f->dir);
    mkdir(dir, 0700);
    snprintf(dir, sizeof(dir), "%s/media/photos", f->dir);
    mkdir(dir, 0700);
    for (int k = 0; k < MEDIA_PHOTO_SIZES; k++) {
        assert_int_equal(
            media_photo_path(f->dir, PHOTO1, media_photo_size_names[k], path, sizeof(path)),
            POD_OK);
        test_spit(path, "x", 1);
        assert_int_equal(access(path, F_OK), 0);
        assert_int_equal(
            media_photo_path(f->dir, PHOTO2, media_photo_size_names[k], path, sizeof(path)),
            POD_OK);
        test_spit(path, "y", 1);
    }

    txn = wtxn(f);
    assert_int_equal(social_account_delete(txn, "alice", files), POD_OK);
    assert_int_equal(files->photo_count, 1);
    assert_string_equal(files->photos[0], PHOTO1);
    assert_false(files->photos_truncated);
    assert_int_equal(store_txn_commit(txn), POD_OK);
    assert_int_equal(social_deleted_files_unlink(f->dir, files), POD_OK);
    for (int k = 0; k < MEDIA_PHOTO_SIZES; k++) {
        assert_int_equal(
            media_photo_path(f->dir, PHOTO1, media_photo_size_names[k], path, sizeof(path)),
            POD_OK);
        assert_int_equal(access(path, F_OK), -1);
        assert_int_equal(
            media_photo_path(f->dir, PHOTO2, media_photo_size_names[k], path, sizeof(path)),
            POD_OK);
        assert_int_equal(access(path, F_OK), 0);
    }
    /* The index forgot alice's photos and kept bob's. */
    txn = wtxn(f);
    n = 0;
    assert_int_equal(store_photos_by_hash(txn, PHOTO1, count_photo, &n), POD_OK);
    assert_int_equal(n, 0);
    n = 0;
    assert_int_equal(store_photos_by_hash(txn, PHOTO2, count_photo, &n), POD_OK);
    assert_int_equal(n, 1);

    /* bob was the last to show PHOTO2: now it goes. */
    assert_int_equal(social_account_delete(txn, "bob", files), POD_OK);
    assert_int_equal(files->photo_count, 1);
    assert_string_equal(files->photos[0], PHOTO2);
    assert_int_equal(store_txn_commit(txn), POD_OK);
    assert_int_equal(social_deleted_files_unlink(f->dir, files), POD_OK);
    assert_int_equal(media_photo_path(f->dir, PHOTO2, "raw", path, sizeof(path)), POD_OK);
    assert_int_equal(access(path, F_OK), -1);
    free(files);
}

/* An aborted transaction keeps everything, files listed or not. */
static void
test_abort_keeps(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct social_deleted_files files;
    struct store_user u;
    uint64_t alice;

    alice = account(txn, "alice", "guid-alice-0001", "");
    post(txn, "guid-post-a1", alice, 100, true, NULL, 0);
    assert_int_equal(store_txn_commit(txn), POD_OK);
    txn = wtxn(f);
    assert_int_equal(social_account_delete(txn, "alice", &files), POD_OK);
    store_txn_abort(txn);
    txn = wtxn(f);
    assert_int_equal(store_user_get(txn, "alice", &u), POD_OK);
    assert_int_equal(stream_n(txn, store_stream_author, alice), 1);
    assert_int_equal(social_account_delete(txn, "nobody", &files), POD_ERR_NOTFOUND);
    assert_int_equal(social_account_delete(txn, NULL, &files), POD_ERR_INVAL);
    store_txn_abort(txn);
}

/* Notifications of the deleted person go; conversations lose them, and one
 * nobody is left in goes too, while others keep theirs. */
static void
test_notifications_and_conversations(void **state)
{
    struct fixture *f = *state;
    struct store_txn *txn = wtxn(f);
    struct store_conversation c = {0}, got;
    struct store_message m = {0};
    uint32_t total = 99, by_type[STORE_NOTIF_TYPE_END];
    uint64_t alice, bob, nid;

    alice = account(txn, "alice", "guid-alice-0001", "");
    bob = account(txn, "bob", "guid-bob-00001", "");
    assert_int_equal(store_notification_add(txn, alice, STORE_NOTIF_LIKED, 7, bob, 100, &nid),
                     POD_OK);
    assert_int_equal(store_notification_add(txn, bob, STORE_NOTIF_LIKED, 8, alice, 100, &nid),
                     POD_OK);
    snprintf(c.guid, sizeof c.guid, "guid-conversation-1");
    snprintf(c.subject, sizeof c.subject, "hello");
    c.author = alice;
    c.participant_count = 2;
    c.participants[0] = alice;
    c.participants[1] = bob;
    c.created_at = c.updated_at = 100;
    snprintf(m.guid, sizeof m.guid, "guid-message-0001");
    m.author = alice;
    m.text = "hi bob";
    m.created_at = 100;
    assert_int_equal(store_conversation_add(txn, &c, &m), POD_OK);
    assert_int_equal(store_txn_commit(txn), POD_OK);

    txn = wtxn(f);
    assert_int_equal(social_account_delete(txn, "alice", NULL), POD_OK);
    assert_int_equal(store_txn_commit(txn), POD_OK);
    txn = wtxn(f);
    assert_int_equal(store_notifications_unread(txn, alice, &total, by_type), POD_OK);
    assert_int_equal(total, 0);
    assert_int_equal(store_notifications_unread(txn, bob, &total, by_type), POD_OK);
    assert_int_equal(total, 1);
    assert_false(store_conversation_visible(txn, c.id, alice, NULL));
    assert_true(store_conversation_visible(txn, c.id, bob, NULL));
    assert_int_equal(store_conversation_get(txn, c.id, &got), POD_OK);
    store_txn_abort(txn);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_notifications_and_conversations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_avatar_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_photo_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_keeps, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
