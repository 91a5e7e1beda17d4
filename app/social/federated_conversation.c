/*
 * federated_conversation.c - received <conversation> and <message>
 * entities (docs/diaspora-federation.md §3.2, §5.2, §5.4): private
 * conversations started on other pods, and the messages of any known
 * conversation. Both arrive encrypted, once per local participant.
 *
 * A conversation is stored with the participants known here (the author
 * first, then the local recipient, then the others in the listed order;
 * diaspora* IDs not in the store are left out) and its nested messages;
 * each local participant but the author gets it as unread, exactly like a
 * conversation started here. The copy for a second local participant
 * finds it by GUID and only makes sure that participant is in it.
 */
#include "social/federated_internal.h"

#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "store/conversations.h"

#define NESTED_MAX 64 /* nested messages of one conversation taken */

/* True when the ';'-separated diaspora* ID list names did (any case). */
static bool
listed(const char *list, const char *did)
{
    size_t n = did ? strlen(did) : 0;
    const char *p = list, *end;

    if (!list || !n)
        return false;
    for (;;) {
        end = strchr(p, ';');
        if (!end)
            end = p + strlen(p);
        if ((size_t)(end - p) == n && strncasecmp(p, did, n) == 0)
            return true;
        if (!*end)
            return false;
        p = end + 1;
    }
}

static bool
has_participant(const struct store_conversation *c, uint64_t person)
{
    for (uint32_t i = 0; i < c->participant_count; i++)
        if (c->participants[i] == person)
            return true;
    return false;
}

/* Appends the stored people of the ';' list to c (unknown ones, dupes and
 * those past STORE_CONV_PARTICIPANTS_MAX are left out). */
static int
add_listed(struct store_txn *txn, struct store_conversation *c, const char *list,
           struct pod_arena *a)
{
    struct store_person p;
    const char *s = list, *end;
    char *did;
    int rc;

    while (*s && c->participant_count < STORE_CONV_PARTICIPANTS_MAX) {
        end = strchr(s, ';');
        if (!end)
            end = s + strlen(s);
        did = pod_arena_strndup(a, s, (size_t)(end - s));
        if (!did)
            return POD_ERR_NOMEM;
        rc = social_fed_person_by_did(txn, did, &p);
        if (rc == POD_OK && !has_participant(c, p.id))
            c->participants[c->participant_count++] = p.id;
        else if (rc != POD_OK && rc != POD_ERR_NOTFOUND)
            return rc;
        if (!*end)
            break;
        s = end + 1;
    }
    return POD_OK;
}

/* The checks a private conversation or message passes before anything
 * else: the private route, a remote sender, a local recipient (*me). */
static int
private_from_remote(struct store_txn *txn, const struct social_fed_in *in, struct store_person *me,
                    char *why, size_t why_len)
{
    const char *type = in->entity->type;
    int rc;

    if (in->public_route || !in->recipient) {
        pod_why(why, why_len, "%s on the public route", type);
        return POD_ERR_AUTH;
    }
    if (in->sender->username[0]) {
        pod_why(why, why_len, "%s from a local person over federation", type);
        return POD_ERR_AUTH;
    }
    rc = store_person_get(txn, in->recipient, me);
    if (rc == POD_OK && !me->username[0])
        rc = POD_ERR_NOTFOUND;
    if (rc == POD_ERR_NOTFOUND) {
        pod_why(why, why_len, "%s to nobody here", type);
        return POD_ERR_AUTH;
    }
    return rc;
}

/* Reads nested message m of conversation guid by author into *out (text
 * borrowed from the entity). */
static int
read_message(const struct fed_entity *m, const char *conv_guid, const struct store_person *author,
             int64_t now, struct store_message *out, char *why, size_t why_len)
{
    const char *guid = fed_entity_get(m, "guid"), *cg = fed_entity_get(m, "conversation_guid");
    const char *text = fed_entity_get(m, "text");

    memset(out, 0, sizeof *out);
    if (!social_fed_same_did(fed_entity_get(m, "author"), author->diaspora_id)) {
        pod_why(why, why_len, "message of conversation %s by someone else", conv_guid);
        return POD_ERR_AUTH;
    }
    if (!guid || !guid[0] || strlen(guid) > STORE_GUID_MAX || !text || !text[0] ||
        strlen(text) > STORE_MESSAGE_TEXT_MAX) {
        pod_why(why, why_len, "message GUID or text missing or too long");
        return POD_ERR_INVAL;
    }
    if (cg && strcmp(cg, conv_guid) != 0) {
        pod_why(why, why_len, "message %s nested in conversation %s names %s", guid, conv_guid, cg);
        return POD_ERR_INVAL;
    }
    memcpy(out->guid, guid, strlen(guid) + 1);
    out->author = author->id;
    out->text = text;
    out->created_at = social_fed_entity_time(m, "created_at", now);
    return POD_OK;
}

int
social_fed_apply_conversation(struct store_txn *txn, const struct social_fed_in *in,
                              struct pod_arena *a, char *why, size_t why_len)
{
    const struct fed_entity *e = in->entity;
    const char *guid = fed_entity_get(e, "guid"), *list = fed_entity_get(e, "participants");
    struct store_message msgs[NESTED_MAX];
    struct store_conversation c;
    struct store_person me;
    size_t n = 0;
    int rc;

    rc = private_from_remote(txn, in, &me, why, why_len);
    if (rc != POD_OK)
        return rc;
    if (!guid || !guid[0] || strlen(guid) > STORE_GUID_MAX) {
        pod_why(why, why_len, "conversation GUID missing or too long");
        return POD_ERR_INVAL;
    }
    if (!listed(list, in->sender->diaspora_id)) {
        pod_why(why, why_len, "author of conversation %s is no participant", guid);
        return POD_ERR_AUTH;
    }
    if (!listed(list, me.diaspora_id)) {
        pod_why(why, why_len, "conversation %s sent to %s, who is no participant", guid,
                me.diaspora_id);
        return POD_ERR_AUTH;
    }
    rc = store_conversation_get_by_guid(txn, guid, &c);
    if (rc == POD_OK) {
        /* Known: another local participant's copy, or a repeat. */
        if (c.author != in->sender->id) {
            pod_why(why, why_len, "conversation %s is someone else's", guid);
            return POD_ERR_AUTH;
        }
        rc = store_conversation_join(txn, c.id, me.id, 1);
        if (rc == POD_ERR_LIMIT) {
            pod_why(why, why_len, "conversation %s is full", guid);
            rc = POD_ERR_INVAL;
        }
        return rc;
    }
    if (rc != POD_ERR_NOTFOUND)
        return rc;
    /* The nested messages first: nothing is written if one is bad. */
    for (size_t i = 0; i < e->count; i++) {
        const struct fed_field *f = &e->fields[i];
        if (!f->entity || strcmp(f->name, "message") != 0)
            continue;
        if (n == NESTED_MAX) {
            pod_why(why, why_len, "conversation %s has over %d messages", guid, NESTED_MAX);
            return POD_ERR_INVAL;
        }
        rc = read_message(f->entity, guid, in->sender, in->now, &msgs[n], why, why_len);
        if (rc != POD_OK)
            return rc;
        n++;
    }
    if (!n) {
        pod_why(why, why_len, "conversation %s without a message", guid);
        return POD_ERR_INVAL;
    }
    memset(&c, 0, sizeof c);
    memcpy(c.guid, guid, strlen(guid) + 1);
    social_fed_copy_cut(c.subject, sizeof c.subject, fed_entity_get(e, "subject"));
    c.author = in->sender->id;
    c.participants[c.participant_count++] = c.author;
    c.participants[c.participant_count++] = me.id;
    rc = add_listed(txn, &c, list, a);
    if (rc != POD_OK)
        return rc;
    c.created_at = c.updated_at = social_fed_entity_time(e, "created_at", in->now);
    rc = store_conversation_add(txn, &c, &msgs[0]);
    for (size_t i = 1; rc == POD_OK && i < n; i++) {
        msgs[i].conversation = c.id;
        if (!store_message_find(txn, c.id, msgs[i].guid, NULL))
            rc = store_message_add(txn, &msgs[i]);
    }
    if (rc == POD_ERR_INVAL || rc == POD_ERR_LIMIT) {
        pod_why(why, why_len, "conversation %s does not fit", guid);
        rc = POD_ERR_INVAL;
    }
    return rc;
}

int
social_fed_apply_message(struct store_txn *txn, const struct social_fed_in *in, struct pod_arena *a,
                         char *why, size_t why_len)
{
    const struct fed_entity *e = in->entity;
    const char *cg = fed_entity_get(e, "conversation_guid");
    struct store_conversation c;
    struct store_person me;
    struct store_message m;
    int rc;

    (void)a;
    rc = private_from_remote(txn, in, &me, why, why_len);
    if (rc != POD_OK)
        return rc;
    rc = store_conversation_get_by_guid(txn, cg, &c);
    if (rc == POD_ERR_NOTFOUND) {
        pod_why(why, why_len, "message in unknown conversation %s", cg ? cg : "");
        return POD_ERR_NOTFOUND;
    }
    if (rc != POD_OK)
        return rc;
    if (!has_participant(&c, in->sender->id)) {
        pod_why(why, why_len, "%s wrote in conversation %s without taking part",
                in->sender->diaspora_id, c.guid);
        return POD_ERR_AUTH;
    }
    if (!has_participant(&c, me.id)) {
        pod_why(why, why_len, "message of conversation %s sent to %s, who is no participant",
                c.guid, me.diaspora_id);
        return POD_ERR_AUTH;
    }
    rc = read_message(e, c.guid, in->sender, in->now, &m, why, why_len);
    if (rc != POD_OK)
        return rc;
    if (store_message_find(txn, c.id, m.guid, NULL))
        return POD_OK; /* another local participant's copy, or a repeat */
    m.conversation = c.id;
    rc = store_message_add(txn, &m);
    if (rc == POD_ERR_AUTH)
        pod_why(why, why_len, "%s left conversation %s", in->sender->diaspora_id, c.guid);
    else if (rc == POD_ERR_INVAL || rc == POD_ERR_LIMIT) {
        pod_why(why, why_len, "message %s does not fit", m.guid);
        rc = POD_ERR_INVAL;
    }
    return rc;
}
