/*
 * conversations.h - private conversations between people: a subject,
 * participants, and messages; each participant has a visibility (with an
 * unread count) until they leave. The conversation goes when the last
 * participant leaves.
 *
 * Message text is copied into the caller's arena on reads; the rest into
 * caller-owned structs. All inside the caller's transaction.
 */
#ifndef POD_STORE_CONVERSATIONS_H
#define POD_STORE_CONVERSATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/people.h"

#define STORE_CONV_SUBJECT_MAX      255 /* bytes */
#define STORE_CONV_PARTICIPANTS_MAX 20  /* the author included */
#define STORE_MESSAGE_TEXT_MAX      65535

struct store_conversation {
    uint64_t id; /* assigned by store_conversation_add */
    char guid[STORE_GUID_MAX + 1];
    char subject[STORE_CONV_SUBJECT_MAX + 1];
    uint64_t author;
    uint32_t participant_count; /* everyone it was started with, the author first */
    uint64_t participants[STORE_CONV_PARTICIPANTS_MAX];
    int64_t created_at;
    int64_t updated_at; /* the newest message's time */
};

struct store_message {
    uint64_t id; /* assigned by the store */
    char guid[STORE_GUID_MAX + 1];
    uint64_t conversation;
    uint64_t author;
    const char *text; /* borrowed on writes; in the caller's arena on reads */
    int64_t created_at;
};

/* Adds conversation c (assigns c->id; participants must hold the author,
 * 2..STORE_CONV_PARTICIPANTS_MAX distinct non-zero ids) with its first
 * message first (assigns its id; its conversation is set). Every
 * participant gets a visibility; all but the author one unread message.
 * POD_ERR_INVAL / POD_ERR_LIMIT for bad input, POD_ERR_EXISTS for a known
 * GUID. */
int store_conversation_add(struct store_txn *txn, struct store_conversation *c,
                           struct store_message *first);

int store_conversation_get(struct store_txn *txn, uint64_t id, struct store_conversation *out);

/* The conversation with GUID guid (POD_ERR_NOTFOUND when unknown). */
int store_conversation_get_by_guid(struct store_txn *txn, const char *guid,
                                   struct store_conversation *out);

/* Adds person to conversation's participants with a visibility holding
 * unread unread messages (federation: a local participant a remote
 * conversation reached late). POD_OK and nothing changed when person is
 * a participant already (even one who left); POD_ERR_LIMIT when it has
 * STORE_CONV_PARTICIPANTS_MAX; POD_ERR_NOTFOUND for an unknown
 * conversation. */
int store_conversation_join(struct store_txn *txn, uint64_t conversation, uint64_t person,
                            uint32_t unread);

/* True when conversation has a message with GUID guid (*id, may be NULL,
 * gets its id). Walks the conversation's messages: no global index. */
bool store_message_find(struct store_txn *txn, uint64_t conversation, const char *guid,
                        uint64_t *id);

/* Adds message m to m->conversation: POD_ERR_NOTFOUND for an unknown
 * conversation, POD_ERR_AUTH when the author has no visibility (never was
 * a participant, or left). Updates updated_at and counts the message as
 * unread for the other participants still there. */
int store_message_add(struct store_txn *txn, struct store_message *m);

/* The messages of a conversation, oldest first. */
int store_messages_each(struct store_txn *txn, uint64_t conversation, struct pod_arena *a,
                        int (*fn)(const struct store_message *m, void *ctx), void *ctx);

/* True when person has a visibility on the conversation; *unread (may be
 * NULL) gets their unread count. */
bool store_conversation_visible(struct store_txn *txn, uint64_t conversation, uint64_t person,
                                uint32_t *unread);

/* Sets person's unread count to 0 (POD_ERR_NOTFOUND without visibility). */
int store_conversation_mark_read(struct store_txn *txn, uint64_t conversation, uint64_t person);

/* person's conversations, most recently updated first, at most limit,
 * until fn returns non-zero (which is returned). */
int store_conversations_of(struct store_txn *txn, uint64_t person, size_t limit,
                           int (*fn)(uint64_t conversation, uint32_t unread, void *ctx), void *ctx);

/* The number of person's conversations with unread messages (what
 * diaspora* shows as unread_messages_count is the sum of counts: *messages). */
int store_conversations_unread(struct store_txn *txn, uint64_t person, uint32_t *messages);

/* person leaves: their visibility goes (POD_ERR_NOTFOUND if they had
 * none); when nobody is left, the conversation and its messages go too. */
int store_conversation_leave(struct store_txn *txn, uint64_t conversation, uint64_t person);

#endif
