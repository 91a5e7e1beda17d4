/*
 * conversations.h - private conversations written by local people:
 * starting one and answering in one, as transactions (the web handlers
 * call these). Each writes the conversation or message in the caller's
 * write transaction together with its federation jobs
 * (federation/outbound_conversation.h: one encrypted copy per remote
 * participant), so both commit or neither.
 *
 * Errors: POD_ERR_INVAL / POD_ERR_LIMIT for input refused (a reason for
 * the person in why, English, suitable for web_tr), POD_ERR_NOTFOUND for
 * a conversation the author is not (or no longer) in, store errors.
 */
#ifndef POD_SOCIAL_CONVERSATIONS_H
#define POD_SOCIAL_CONVERSATIONS_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/conversations.h"

/* author (a local person) starts a conversation with the people
 * people[0..count) (person ids; duplicates and author ignored), each a
 * mutual contact of author (sharing both ways; local or remote), at most
 * STORE_CONV_PARTICIPANTS_MAX - 1 of them; subject (may be NULL or empty,
 * at most STORE_CONV_SUBJECT_MAX bytes) and a first message text (1 to
 * STORE_MESSAGE_TEXT_MAX bytes). New GUIDs for both. *out gets the stored
 * conversation (id and guid). Scratch for the XML comes from a. */
int social_conversation_start(struct store_txn *txn, uint64_t author, const uint64_t *people,
                              size_t count, const char *subject, const char *text,
                              struct pod_arena *a, struct store_conversation *out, char *why,
                              size_t why_len);

/* author (a local person still in conversation) adds a message with text
 * (1 to STORE_MESSAGE_TEXT_MAX bytes); *out gets it (id, guid; its text is
 * the caller's text). POD_ERR_NOTFOUND when author never was in it or
 * left, so they do not learn it exists. */
int social_message_add(struct store_txn *txn, uint64_t author, uint64_t conversation,
                       const char *text, struct pod_arena *a, struct store_message *out, char *why,
                       size_t why_len);

#endif
