#include "social/conversations.h"

#include <stdbool.h>
#include <string.h>

#include "core/error.h"
#include "core/ids.h"
#include "drivers/clock/clock.h"
#include "federation/outbound_conversation.h"
#include "store/contacts.h"

static bool
text_fits(const char *text)
{
    return text && text[0] && strnlen(text, STORE_MESSAGE_TEXT_MAX + 1) <= STORE_MESSAGE_TEXT_MAX;
}

/* Adds people to c after its author: mutual contacts of the author only. */
static int
add_people(struct store_txn *txn, struct store_conversation *c, const uint64_t *people,
           size_t count, char *why, size_t why_len)
{
    struct store_contact ct;
    bool dup;
    int rc;

    for (size_t i = 0; i < count; i++) {
        if (people[i] == c->author)
            goto not_mutual;
        rc = store_contact_get(txn, c->author, people[i], &ct);
        if (rc == POD_ERR_NOTFOUND || (rc == POD_OK && (!ct.sharing || !ct.receiving)))
            goto not_mutual;
        if (rc != POD_OK)
            return rc;
        dup = false;
        for (uint32_t k = 0; k < c->participant_count; k++)
            dup |= c->participants[k] == people[i];
        if (dup)
            continue;
        if (c->participant_count == STORE_CONV_PARTICIPANTS_MAX) {
            pod_why(why, why_len, "A conversation has at most 20 participants.");
            return POD_ERR_LIMIT;
        }
        c->participants[c->participant_count++] = people[i];
    }
    if (c->participant_count < 2) {
        pod_why(why, why_len, "Name one to 19 recipients.");
        return POD_ERR_INVAL;
    }
    return POD_OK;
not_mutual:
    pod_why(why, why_len,
            "You can only write to people who share with you and with whom you share.");
    return POD_ERR_INVAL;
}

int
social_conversation_start(struct store_txn *txn, uint64_t author, const uint64_t *people,
                          size_t count, const char *subject, const char *text, struct pod_arena *a,
                          struct store_conversation *out, char *why, size_t why_len)
{
    struct store_message m;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&m, 0, sizeof m);
    if (!subject)
        subject = "";
    if (strlen(subject) > STORE_CONV_SUBJECT_MAX) {
        pod_why(why, why_len, "A subject has at most 255 bytes.");
        return POD_ERR_INVAL;
    }
    if (!text_fits(text)) {
        pod_why(why, why_len, "A message has 1 to 65535 bytes.");
        return POD_ERR_INVAL;
    }
    if (!count) {
        pod_why(why, why_len, "Name one to 19 recipients.");
        return POD_ERR_INVAL;
    }
    out->author = author;
    out->participants[out->participant_count++] = author;
    rc = add_people(txn, out, people, count, why, why_len);
    if (rc != POD_OK)
        return rc;
    memcpy(out->subject, subject, strlen(subject) + 1);
    out->created_at = out->updated_at = m.created_at = drv_clock_wall();
    m.author = author;
    m.text = text;
    if (pod_guid_new(out->guid) != POD_OK || pod_guid_new(m.guid) != POD_OK) {
        pod_why(why, why_len, "No random numbers.");
        return POD_ERR_CRYPTO;
    }
    rc = store_conversation_add(txn, out, &m);
    if (rc == POD_OK)
        rc = fed_outbound_conversation(txn, out, &m, a);
    if (rc != POD_OK)
        pod_why(why, why_len, "The conversation could not be started.");
    return rc;
}

int
social_message_add(struct store_txn *txn, uint64_t author, uint64_t conversation, const char *text,
                   struct pod_arena *a, struct store_message *out, char *why, size_t why_len)
{
    struct store_conversation c;
    int rc;

    memset(out, 0, sizeof *out);
    if (!text_fits(text)) {
        pod_why(why, why_len, "A message has 1 to 65535 bytes.");
        return POD_ERR_INVAL;
    }
    /* Someone who left (or never was in it) does not learn it exists. */
    if (!conversation || !store_conversation_visible(txn, conversation, author, NULL)) {
        pod_why(why, why_len, "No such conversation.");
        return POD_ERR_NOTFOUND;
    }
    if (pod_guid_new(out->guid) != POD_OK) {
        pod_why(why, why_len, "No random numbers.");
        return POD_ERR_CRYPTO;
    }
    out->conversation = conversation;
    out->author = author;
    out->text = text;
    out->created_at = drv_clock_wall();
    rc = store_message_add(txn, out);
    if (rc == POD_ERR_AUTH)
        rc = POD_ERR_NOTFOUND;
    if (rc == POD_OK)
        rc = store_conversation_get(txn, conversation, &c);
    if (rc == POD_OK)
        rc = fed_outbound_message(txn, &c, out, a);
    if (rc != POD_OK)
        pod_why(why, why_len, "The message could not be sent.");
    return rc;
}
