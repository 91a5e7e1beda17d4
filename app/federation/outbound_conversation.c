#include "federation/outbound_conversation.h"
#include "federation/outbound_internal.h"

#include <string.h>

#include "core/error.h"
#include "federation/entity.h"
#include "store/people.h"

/* A <message> entity of m in conversation c (its fields in the reference
 * library's order: author, guid, text, created_at, conversation_guid). */
static int
message_entity(struct store_txn *txn, const struct store_conversation *c,
               const struct store_message *m, struct pod_arena *a, struct fed_entity **out)
{
    struct fed_entity *e;
    int rc = fed_outbound_entity_begin(txn, a, "message", m->author, m->guid, &e);

    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "text", m->text ? m->text : "");
    if (rc == POD_OK)
        rc = fed_entity_add_time(e, a, "created_at", m->created_at);
    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "conversation_guid", c->guid);
    *out = e;
    return rc;
}

/* Every participant's diaspora* ID joined with ';', the author first. */
static int
participants_of(struct store_txn *txn, const struct store_conversation *c, struct pod_arena *a,
                const char **out)
{
    struct store_person p;
    const char *s = NULL;
    int rc;

    rc = fed_outbound_person_did(txn, c->author, &p);
    if (rc == POD_OK)
        s = pod_arena_strndup(a, p.diaspora_id, strlen(p.diaspora_id));
    for (uint32_t i = 0; rc == POD_OK && s && i < c->participant_count; i++) {
        if (c->participants[i] == c->author)
            continue;
        rc = fed_outbound_person_did(txn, c->participants[i], &p);
        if (rc == POD_OK)
            s = pod_arena_printf(a, "%s;%s", s, p.diaspora_id);
    }
    if (rc == POD_OK && !s)
        rc = POD_ERR_NOMEM;
    *out = s;
    return rc;
}

int
fed_outbound_conversation_xml(struct store_txn *txn, const struct store_conversation *c,
                              const struct store_message *first, struct pod_arena *a, char **xml,
                              size_t *len)
{
    struct fed_entity *e, *msg = NULL;
    const char *who = NULL;
    int rc = fed_outbound_entity_begin(txn, a, "conversation", c->author, c->guid, &e);

    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "subject",
                            c->subject[0] ? c->subject : FED_CONVERSATION_NO_SUBJECT);
    if (rc == POD_OK)
        rc = fed_entity_add_time(e, a, "created_at", c->created_at);
    if (rc == POD_OK)
        rc = participants_of(txn, c, a, &who);
    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "participants", who);
    if (rc == POD_OK && first)
        rc = message_entity(txn, c, first, a, &msg);
    if (rc == POD_OK && msg)
        rc = fed_entity_add_entity(e, a, msg);
    return rc == POD_OK ? fed_entity_emit(e, a, xml, len) : rc;
}

int
fed_outbound_message_xml(struct store_txn *txn, const struct store_conversation *c,
                         const struct store_message *m, struct pod_arena *a, char **xml,
                         size_t *len)
{
    struct fed_entity *e = NULL;
    int rc = message_entity(txn, c, m, a, &e);

    return rc == POD_OK ? fed_entity_emit(e, a, xml, len) : rc;
}

/* One private job per remote participant of c, signed by local signer. */
static int
to_participants(struct store_txn *txn, const struct store_conversation *c, uint64_t signer,
                const char *xml, size_t len)
{
    struct store_person p;
    int rc = POD_OK;

    for (uint32_t i = 0; rc == POD_OK && i < c->participant_count; i++) {
        if (c->participants[i] == signer)
            continue;
        rc = store_person_get(txn, c->participants[i], &p);
        if (rc == POD_ERR_NOTFOUND) {
            rc = POD_OK; /* gone meanwhile */
            continue;
        }
        if (rc == POD_OK && !p.username[0])
            rc = fed_outbound_private_job(txn, &p, signer, xml, len);
    }
    return rc;
}

/* POD_OK when person is local, POD_ERR_INVAL when remote. */
static int
local_signer(struct store_txn *txn, uint64_t person)
{
    struct store_person p;
    int rc = store_person_get(txn, person, &p);

    return rc == POD_OK && !p.username[0] ? POD_ERR_INVAL : rc;
}

/* True when c has a remote participant (else nothing needs building). */
static bool
has_remote(struct store_txn *txn, const struct store_conversation *c)
{
    struct store_person p;

    for (uint32_t i = 0; i < c->participant_count; i++)
        if (store_person_get(txn, c->participants[i], &p) == POD_OK && !p.username[0])
            return true;
    return false;
}

int
fed_outbound_conversation(struct store_txn *txn, const struct store_conversation *c,
                          const struct store_message *first, struct pod_arena *a)
{
    char *xml;
    size_t len;
    int rc = local_signer(txn, c->author);

    if (rc != POD_OK || !has_remote(txn, c))
        return rc;
    rc = fed_outbound_conversation_xml(txn, c, first, a, &xml, &len);
    return rc == POD_OK ? to_participants(txn, c, c->author, xml, len) : rc;
}

int
fed_outbound_message(struct store_txn *txn, const struct store_conversation *c,
                     const struct store_message *m, struct pod_arena *a)
{
    char *xml;
    size_t len;
    int rc = local_signer(txn, m->author);

    if (rc != POD_OK || !has_remote(txn, c))
        return rc;
    rc = fed_outbound_message_xml(txn, c, m, a, &xml, &len);
    return rc == POD_OK ? to_participants(txn, c, m->author, xml, len) : rc;
}
