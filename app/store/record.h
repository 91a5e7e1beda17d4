/*
 * record.h - the versioned record codec for LMDB values. Private to
 * app/store (and its tests and fuzz targets): nothing else sees records.
 *
 * A record is one format byte (STORE_RECORD_V1) followed by fields:
 *
 *     [tag u8][length: LEB128, minimal, at most 4 bytes][length bytes]
 *
 * Tag 0 is reserved and never valid; a tag appears at most once per
 * record. Readers skip tags they do not know, so a later version may add
 * fields without a migration; a field that is absent decodes as zero, ""
 * or false. Value encodings: strings are their bytes without NUL (and may
 * hold no NUL), integers are 8 bytes little-endian (i64 two's complement)
 * or a minimal LEB128 varint, bools one byte 0 or 1.
 *
 * Decoding never reads outside the given bytes and answers POD_ERR_CORRUPT
 * for anything malformed: another format byte, a truncated field, a
 * non-minimal or 5-byte length, a repeated tag, a value of the wrong size,
 * or a string longer than the struct field it goes into.
 */
#ifndef POD_STORE_RECORD_H
#define POD_STORE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/accounts.h"
#include "store/contacts.h"
#include "store/posts.h"

#define STORE_REC_FIELD_MAX ((size_t)0x0fffffff) /* what a 4-byte LEB128 length holds */

/* Appends fields to a caller buffer. buf = NULL only measures: len grows
 * as if the bytes were written, so a caller can size an MDB_RESERVE and
 * then encode in place. The first error sticks: later puts do nothing and
 * return it, and so does store_rec_writer_finish. */
struct store_rec_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    int err;
};

/* Writes the format byte. buf (cap bytes) is borrowed until the last put. */
void store_rec_writer_init(struct store_rec_writer *w, void *buf, size_t cap);

/* Each put returns POD_OK, POD_ERR_LIMIT when the field does not fit in cap
 * (or in STORE_REC_FIELD_MAX), or POD_ERR_INVAL for tag 0. */
int store_rec_put_bytes(struct store_rec_writer *w, uint8_t tag, const void *data, size_t len);

/* s must be NUL-terminated within size bytes (the size of the struct
 * field it comes from), else POD_ERR_INVAL. */
int store_rec_put_str(struct store_rec_writer *w, uint8_t tag, const char *s, size_t size);
int store_rec_put_u64(struct store_rec_writer *w, uint8_t tag, uint64_t v);     /* 8 bytes LE */
int store_rec_put_uvarint(struct store_rec_writer *w, uint8_t tag, uint64_t v); /* LEB128 */
int store_rec_put_i64(struct store_rec_writer *w, uint8_t tag, int64_t v);      /* 8 bytes LE */
int store_rec_put_bool(struct store_rec_writer *w, uint8_t tag, bool v);

/* The sticky result; *len, if given, gets the record's size. */
int store_rec_writer_finish(const struct store_rec_writer *w, size_t *len);

/* Iterates the fields of a record; the bytes are borrowed. */
struct store_rec_reader {
    const uint8_t *p;
    size_t len;
    size_t off;
    uint8_t seen[32]; /* one bit per tag: repeats are corruption */
    bool failed;
};

struct store_rec_field {
    uint8_t tag;
    const uint8_t *data; /* borrowed from the record */
    size_t len;
};

/* POD_ERR_CORRUPT for an empty record or a format byte other than 1. */
int store_rec_reader_init(struct store_rec_reader *r, const void *data, size_t len);

/* POD_OK with the next field in *f, POD_ERR_NOTFOUND after the last one,
 * POD_ERR_CORRUPT for malformed bytes (the reader then stays failed). */
int store_rec_next(struct store_rec_reader *r, struct store_rec_field *f);

/* Walks a whole record, calling field(f, ctx) for each field; stops at the
 * first non-POD_OK it returns (which is returned). POD_OK at the end,
 * POD_ERR_CORRUPT for malformed bytes. */
int store_rec_decode(const void *data, size_t len,
                     int (*field)(const struct store_rec_field *f, void *ctx), void *ctx);

/* Value decoders: POD_OK or POD_ERR_CORRUPT. get_str copies into dst of
 * size bytes and NUL-terminates; a value of size bytes or more, or one
 * holding a NUL, is corrupt. get_fixed wants exactly size bytes. */
int store_rec_get_str(const struct store_rec_field *f, char *dst, size_t size);
int store_rec_get_fixed(const struct store_rec_field *f, void *dst, size_t size);
int store_rec_get_u64(const struct store_rec_field *f, uint64_t *out);
int store_rec_get_uvarint(const struct store_rec_field *f, uint64_t *out);
int store_rec_get_u32(const struct store_rec_field *f, uint32_t *out); /* varint ≤ UINT32_MAX */
int store_rec_get_i64(const struct store_rec_field *f, int64_t *out);
int store_rec_get_bool(const struct store_rec_field *f, bool *out);

/* ---- account records: codecs in accounts.c ------------------------- *
 * Tag numbers are the on-disk format: never reuse or renumber one. */

/* "users": username -> user. Username and GUID are required. */
enum {
    STORE_USER_USERNAME = 1,   /* str */
    STORE_USER_GUID = 2,       /* str */
    STORE_USER_PWHASH = 3,     /* str */
    STORE_USER_LANGUAGE = 4,   /* str */
    STORE_USER_ADMIN = 5,      /* bool */
    STORE_USER_CREATED_AT = 6, /* i64 */
    STORE_USER_LAST_SIGN_IN = 7,
};

/* "users_by_guid": guid -> the username, required. */
enum {
    STORE_GUIDIX_USERNAME = 1, /* str */
};

/* "user_keys": username -> both PEMs, required and non-empty. */
enum {
    STORE_KEYS_PRIVATE = 1, /* str, at most STORE_PEM_MAX bytes */
    STORE_KEYS_PUBLIC = 2,
};

/* "profiles": username -> profile. Tags 10..14 are tags[0..4]. */
enum {
    STORE_PROFILE_FIRST_NAME = 1, /* str */
    STORE_PROFILE_LAST_NAME = 2,
    STORE_PROFILE_BIO = 3,
    STORE_PROFILE_LOCATION = 4,
    STORE_PROFILE_GENDER = 5,
    STORE_PROFILE_BIRTHDAY = 6,
    STORE_PROFILE_AVATAR = 7,
    STORE_PROFILE_SEARCHABLE = 8, /* bool */
    STORE_PROFILE_NSFW = 9,
    STORE_PROFILE_TAG0 = 10,           /* str, through STORE_PROFILE_TAG0 + 4 */
    STORE_PROFILE_PUBLIC_DETAILS = 15, /* bool */
    STORE_PROFILE_UPDATED_AT = 16,     /* i64 */
};

/* "sessions": SHA-256 of the token -> session. Username required. */
enum {
    STORE_SESSION_USERNAME = 1,   /* str */
    STORE_SESSION_CSRF = 2,       /* 32 bytes */
    STORE_SESSION_CREATED_AT = 3, /* i64 */
    STORE_SESSION_LAST_SEEN_AT = 4,
    STORE_SESSION_EXPIRES_AT = 5,
};

/* "invites": code -> invite. */
enum {
    STORE_INVITE_CREATED_BY = 1, /* str */
    STORE_INVITE_USES_LEFT = 2,  /* uvarint ≤ UINT32_MAX */
    STORE_INVITE_CREATED_AT = 3, /* i64 */
    STORE_INVITE_EXPIRES_AT = 4,
};

/* "throttle": key -> throttle state. */
enum {
    STORE_THROTTLE_FAILURES = 1,        /* uvarint ≤ UINT32_MAX */
    STORE_THROTTLE_LAST_FAILURE_AT = 2, /* i64 */
    STORE_THROTTLE_LOCKED_UNTIL = 3,
};

/* The two PEMs of a keys record, borrowed from the record's bytes and not
 * NUL-terminated. */
struct store_keys_view {
    const char *private_pem;
    size_t private_len;
    const char *public_pem;
    size_t public_len;
};

/* Encoders append every field of the struct to w (initialised by the
 * caller) and return the writer's sticky result: POD_ERR_INVAL for a
 * string not NUL-terminated within its field or a missing required field,
 * POD_ERR_LIMIT when w is full. Decoders fill *out (zeroed first) from
 * len bytes of data, POD_OK or POD_ERR_CORRUPT. */
int store_user_encode(struct store_rec_writer *w, const struct store_user *u);
int store_user_decode(const void *data, size_t len, struct store_user *out);
int store_guidix_encode(struct store_rec_writer *w, const char *username);
int store_guidix_decode(const void *data, size_t len, char out[STORE_USERNAME_MAX + 1]);
int store_keys_encode(struct store_rec_writer *w, const char *private_pem, const char *public_pem);
int store_keys_decode(const void *data, size_t len, struct store_keys_view *out);
int store_profile_encode(struct store_rec_writer *w, const struct store_profile *p);
int store_profile_decode(const void *data, size_t len, struct store_profile *out);
int store_session_encode(struct store_rec_writer *w, const struct store_session *s);
int store_session_decode(const void *data, size_t len, struct store_session *out);
int store_invite_encode(struct store_rec_writer *w, const struct store_invite *inv);
int store_invite_decode(const void *data, size_t len, struct store_invite *out);
int store_throttle_encode(struct store_rec_writer *w, const struct store_throttle *t);
int store_throttle_decode(const void *data, size_t len, struct store_throttle *out);

/* ---- people and contacts records: codecs in record_social.c ---------- *
 * Tag numbers are the on-disk format: never reuse or renumber one. Ids
 * that make up a record's key are not repeated in its value. Index values
 * are not records: a be64 id, or nothing (see people.c, contacts.c). */

/* "people": be64 id -> person. GUID and diaspora* ID are required. */
enum {
    STORE_PERSON_GUID = 1,        /* str */
    STORE_PERSON_DIASPORA_ID = 2, /* str */
    STORE_PERSON_USERNAME = 3,    /* str, "" or absent for remote people */
    STORE_PERSON_FIRST_NAME = 4,  /* str */
    STORE_PERSON_LAST_NAME = 5,
    STORE_PERSON_AVATAR_LARGE = 6,
    STORE_PERSON_AVATAR_MEDIUM = 7,
    STORE_PERSON_AVATAR_SMALL = 8,
    STORE_PERSON_POD_URL = 9,
    STORE_PERSON_SEARCHABLE = 10, /* bool */
    STORE_PERSON_CREATED_AT = 11, /* i64 */
    STORE_PERSON_UPDATED_AT = 12,
    STORE_PERSON_PUBLIC_KEY = 13, /* str, remote people's key PEM; absent = "" */
    STORE_PERSON_CLOSED = 14,     /* bool, absent = false */
    STORE_PERSON_MOVED_TO = 15,   /* uvarint person id, absent = 0 */
};

/* "aspects": be64 id -> aspect. Owner and name are required. */
enum {
    STORE_ASPECT_OWNER = 1,            /* uvarint, non-zero */
    STORE_ASPECT_NAME = 2,             /* str */
    STORE_ASPECT_CONTACTS_VISIBLE = 3, /* bool */
    STORE_ASPECT_ORDER = 4,            /* uvarint ≤ UINT32_MAX */
    STORE_ASPECT_CREATED_AT = 5,       /* i64 */
};

/* "contacts": be64 owner + be64 person -> contact. The id is required. */
enum {
    STORE_CONTACT_ID = 1,         /* uvarint, non-zero */
    STORE_CONTACT_SHARING = 2,    /* bool */
    STORE_CONTACT_RECEIVING = 3,  /* bool */
    STORE_CONTACT_CREATED_AT = 4, /* i64 */
};

/* "memberships": be64 id -> membership. All three ids are required. */
enum {
    STORE_MEMBERSHIP_ASPECT = 1, /* uvarint, non-zero */
    STORE_MEMBERSHIP_OWNER = 2,
    STORE_MEMBERSHIP_PERSON = 3,
};

/* Encoders and decoders as for accounts above. Fields that live in the key
 * are neither written nor read: person and aspect ids, a contact's owner
 * and person, a membership's id; decoders leave them 0 for the caller. */
int store_person_encode(struct store_rec_writer *w, const struct store_person *p);
int store_person_decode(const void *data, size_t len, struct store_person *out);
int store_aspect_encode(struct store_rec_writer *w, const struct store_aspect *a);
int store_aspect_decode(const void *data, size_t len, struct store_aspect *out);
int store_contact_encode(struct store_rec_writer *w, const struct store_contact *c);
int store_contact_decode(const void *data, size_t len, struct store_contact *out);
int store_membership_encode(struct store_rec_writer *w, const struct store_membership *m);
int store_membership_decode(const void *data, size_t len, struct store_membership *out);

/* ---- posts records: codecs in record_posts.c ------------------------- *
 * Tag numbers are the on-disk format: never reuse or renumber one. The id
 * a record is stored under is not repeated in its value. Ids are non-zero
 * uvarints, counters uvarints ≤ UINT32_MAX. Index values are not records
 * (see posts.c). */

/* "posts": be64 id -> post. GUID, author and type are required; root is
 * present exactly for reshares. */
enum {
    STORE_POST_GUID = 1,            /* str */
    STORE_POST_AUTHOR = 2,          /* uvarint */
    STORE_POST_TYPE = 3,            /* uvarint, enum store_post_type */
    STORE_POST_PUBLIC = 4,          /* bool */
    STORE_POST_TEXT = 5,            /* bytes, ≤ STORE_POST_TEXT_MAX, no NUL */
    STORE_POST_ROOT = 6,            /* uvarint */
    STORE_POST_PROVIDER = 7,        /* str */
    STORE_POST_ADDRESS = 8,         /* str */
    STORE_POST_LAT = 9,             /* str */
    STORE_POST_LNG = 10,            /* str */
    STORE_POST_PHOTOS = 11,         /* be64 photo ids, at most STORE_POST_MAX_PHOTOS */
    STORE_POST_CREATED_AT = 12,     /* i64 */
    STORE_POST_COMMENTS_COUNT = 13, /* uvarint */
    STORE_POST_LIKES_COUNT = 14,
    STORE_POST_RESHARES_COUNT = 15,
    STORE_POST_TAGS = 16, /* [u8 length][name] ..., what the tag index holds */
};

/* "photos": be64 id -> photo. GUID and author are required. */
enum {
    STORE_PHOTO_GUID = 1,   /* str */
    STORE_PHOTO_AUTHOR = 2, /* uvarint */
    STORE_PHOTO_POST = 3,   /* uvarint, 0 = pending */
    STORE_PHOTO_PUBLIC = 4, /* bool */
    STORE_PHOTO_HASH = 5,   /* str */
    STORE_PHOTO_WIDTH = 6,  /* uvarint ≤ UINT32_MAX */
    STORE_PHOTO_HEIGHT = 7,
    STORE_PHOTO_CREATED_AT = 8, /* i64 */
    STORE_PHOTO_REMOTE_URL = 9, /* str, remote photos only */
};

/* "polls": be64 post id -> poll. Tags 10..29 are answers[0..19], tags
 * 30..49 their GUIDs; none past answer_count, which is
 * 2..STORE_POLL_MAX_ANSWERS. Polls written before GUIDs were kept have
 * neither STORE_POLL_GUID nor answer GUIDs. */
enum {
    STORE_POLL_QUESTION = 1,      /* str */
    STORE_POLL_ANSWER_COUNT = 2,  /* uvarint */
    STORE_POLL_GUID = 3,          /* str */
    STORE_POLL_ANSWER0 = 10,      /* str, through STORE_POLL_ANSWER0 + 19 */
    STORE_POLL_ANSWER_GUID0 = 30, /* str, through STORE_POLL_ANSWER_GUID0 + 19 */
};

/* "comments": be64 id -> comment. GUID, post and author are required. */
enum {
    STORE_COMMENT_GUID = 1,        /* str */
    STORE_COMMENT_POST = 2,        /* uvarint */
    STORE_COMMENT_AUTHOR = 3,      /* uvarint */
    STORE_COMMENT_TEXT = 4,        /* bytes, ≤ STORE_POST_TEXT_MAX, no NUL */
    STORE_COMMENT_CREATED_AT = 5,  /* i64 */
    STORE_COMMENT_LIKES_COUNT = 6, /* uvarint */
};

/* "likes": be64 id -> like. All but positive and created_at required. */
enum {
    STORE_LIKE_GUID = 1,        /* str */
    STORE_LIKE_TARGET_TYPE = 2, /* uvarint, enum store_like_target */
    STORE_LIKE_TARGET = 3,      /* uvarint */
    STORE_LIKE_AUTHOR = 4,      /* uvarint */
    STORE_LIKE_POSITIVE = 5,    /* bool */
    STORE_LIKE_CREATED_AT = 6,  /* i64 */
};

/* The variable-size parts of a post record, borrowed from its bytes: the
 * text (not NUL-terminated) and the tag list. */
struct store_post_view {
    const char *text;
    size_t text_len;
    const uint8_t *tags;
    size_t tags_len;
};

/* Steps through a tag list ([u8 length][name] ...): true with the next
 * name (borrowed, not NUL-terminated) in *tag, false at the end or at
 * malformed bytes. *off starts at 0. */
bool store_post_tags_next(const void *tags, size_t len, size_t *off, const char **tag,
                          size_t *tag_len);

/* Encoders and decoders as above. The post encoder writes p->text (NULL
 * counts as "") and the tag list tags (tags_len bytes, may be 0); the post
 * and comment decoders leave out->text NULL and give the text as a view
 * (text_len bytes, "" when absent). Ids under which records are stored are
 * left 0. */
int store_post_encode(struct store_rec_writer *w, const struct store_post *p, const void *tags,
                      size_t tags_len);
int store_post_decode(const void *data, size_t len, struct store_post *out,
                      struct store_post_view *view);
int store_photo_encode(struct store_rec_writer *w, const struct store_photo *ph);
int store_photo_decode(const void *data, size_t len, struct store_photo *out);
int store_poll_encode(struct store_rec_writer *w, const struct store_poll *poll);
int store_poll_decode(const void *data, size_t len, struct store_poll *out);
int store_comment_encode(struct store_rec_writer *w, const struct store_comment *c);
int store_comment_decode(const void *data, size_t len, struct store_comment *out, const char **text,
                         size_t *text_len);
int store_like_encode(struct store_rec_writer *w, const struct store_like *l);
int store_like_decode(const void *data, size_t len, struct store_like *out);

#endif
