#include "federation/outbound.h"
#include "federation/outbound_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/text.h"
#include "drivers/clock/clock.h"
#include "federation/entity.h"
#include "http/url.h"
#include "store/contacts.h"
#include "store/fed_outbox.h"
#include "store/people.h"

#define MAX_CONTACTS 8192 /* contacts of one author looked at per object */

/* The URL pod_url + path of a remote person's pod, and its authority (the
 * outbox's pod health key). False when pod_url is unusable. */
static bool
pod_target(const struct store_person *p, const char *path, char *url, size_t url_cap, char *host,
           size_t host_cap)
{
    struct http_url u;

    if (!p->pod_url[0] || http_url_parse(p->pod_url, strlen(p->pod_url), &u) != POD_OK)
        return false;
    if (strlen(path) >= sizeof u.path)
        return false;
    snprintf(u.path, sizeof u.path, "%s", path);
    return http_url_format(&u, url, url_cap) == POD_OK &&
           http_url_authority(&u, host, host_cap) == POD_OK;
}

static int
add_job(struct store_txn *txn, enum store_outbox_kind kind, const char *url, const char *host,
        uint64_t signer, uint64_t recipient, const char *xml, size_t len)
{
    struct store_outbox_job job;

    memset(&job, 0, sizeof job);
    job.kind = kind;
    snprintf(job.url, sizeof job.url, "%s", url);
    snprintf(job.host, sizeof job.host, "%s", host);
    job.author = signer;
    job.recipient = recipient;
    job.created_at = drv_clock_wall();
    job.due_at = job.created_at;
    job.payload = xml;
    job.payload_len = len;
    return store_outbox_add(txn, &job);
}

int
fed_outbound_private_job(struct store_txn *txn, const struct store_person *p, uint64_t signer,
                         const char *xml, size_t len)
{
    char url[STORE_OUTBOX_URL_MAX + 1], host[STORE_OUTBOX_HOST_MAX + 1], path[96];

    if (p->username[0] || !p->guid[0] || !p->public_key[0])
        return POD_OK;
    snprintf(path, sizeof path, "/receive/users/%s", p->guid);
    if (!pod_target(p, path, url, sizeof url, host, sizeof host))
        return POD_OK;
    return add_job(txn, STORE_OUTBOX_PRIVATE, url, host, signer, p->id, xml, len);
}

struct contact_list {
    uint64_t *ids;
    size_t count;
};

static int
collect_contact(const struct store_contact *c, void *ctx)
{
    struct contact_list *l = ctx;

    if (l->count == MAX_CONTACTS)
        return 1;
    l->ids[l->count++] = c->person;
    return 0;
}

static int
collect_participant(uint64_t person, void *ctx)
{
    struct contact_list *l = ctx;

    if (l->count == MAX_CONTACTS)
        return 1;
    l->ids[l->count++] = person;
    return 0;
}

int
fed_outbound_public_job(struct store_txn *txn, const struct store_person *p, uint64_t signer,
                        const char *xml, size_t len)
{
    char url[STORE_OUTBOX_URL_MAX + 1], host[STORE_OUTBOX_HOST_MAX + 1];

    if (p->username[0] || !pod_target(p, "/receive/public", url, sizeof url, host, sizeof host))
        return POD_OK;
    return add_job(txn, STORE_OUTBOX_PUBLIC, url, host, signer, 0, xml, len);
}

int
fed_outbound_to_contacts(struct store_txn *txn, uint64_t owner, bool public_route, const char *xml,
                         size_t len)
{
    struct contact_list l = {0};
    char(*hosts)[STORE_OUTBOX_HOST_MAX + 1] = NULL;
    char url[STORE_OUTBOX_URL_MAX + 1], host[STORE_OUTBOX_HOST_MAX + 1];
    struct store_person who;
    size_t nhosts = 0, i, k;
    int rc;

    l.ids = malloc(MAX_CONTACTS * sizeof *l.ids);
    if (!l.ids)
        return POD_ERR_NOMEM;
    rc = store_contacts_each(txn, owner, collect_contact, &l);
    if (rc >= 0 && public_route && !(hosts = malloc(FED_OUTBOUND_MAX_PODS * sizeof *hosts)))
        rc = POD_ERR_NOMEM;
    rc = rc < 0 ? rc : POD_OK;
    for (i = 0; rc == POD_OK && i < l.count; i++) {
        if (store_person_get(txn, l.ids[i], &who) != POD_OK || who.username[0])
            continue;
        if (!public_route) {
            rc = fed_outbound_private_job(txn, &who, owner, xml, len);
            continue;
        }
        if (!pod_target(&who, "/receive/public", url, sizeof url, host, sizeof host))
            continue;
        for (k = 0; k < nhosts && strcmp(hosts[k], host) != 0; k++)
            ;
        if (k < nhosts || nhosts == FED_OUTBOUND_MAX_PODS)
            continue; /* one delivery per pod */
        memcpy(hosts[nhosts++], host, sizeof hosts[0]);
        rc = add_job(txn, STORE_OUTBOX_PUBLIC, url, host, owner, 0, xml, len);
    }
    free(hosts);
    free(l.ids);
    return rc;
}

/* The remote people mentioned in public post p (§5.4: they get it too). */
static int
collect_mentioned(struct store_txn *txn, const struct store_post *p, struct contact_list *l)
{
    struct pod_mention *m = NULL;
    struct store_person who;
    struct pod_arena a;
    size_t n = 0;
    int rc;

    if (!p->text || !p->text[0])
        return POD_OK;
    pod_arena_init(&a, NULL, 0, 64 * 1024);
    rc = pod_text_mentions(p->text, strlen(p->text), &a, &m, &n);
    for (size_t i = 0; rc == POD_OK && i < n && l->count < MAX_CONTACTS; i++)
        if (store_person_get_by_diaspora_id(txn, m[i].diaspora_id, &who) == POD_OK &&
            !who.username[0])
            l->ids[l->count++] = who.id;
    pod_arena_free(&a);
    return rc == POD_ERR_NOMEM ? rc : POD_OK;
}

/* The audience of local post p (§5.4), signed by signer; extra (0: none)
 * is one more remote person of a public post's (a reshared root's author);
 * a public post also goes to the pods of its participants (§5.4);
 * except (0: none) is a remote person left out: of a limited post that
 * person, of a public post every contact on that person's pod (a relayed
 * relayable goes back neither to its author nor to its author's pod). */
static int
to_audience(struct store_txn *txn, const struct store_post *p, uint64_t signer, uint64_t extra,
            uint64_t except, const char *xml, size_t len, struct pod_arena *a)
{
    struct contact_list l = {0};
    char(*hosts)[STORE_OUTBOX_HOST_MAX + 1] = NULL;
    char url[STORE_OUTBOX_URL_MAX + 1], host[STORE_OUTBOX_HOST_MAX + 1];
    char skip_host[STORE_OUTBOX_HOST_MAX + 1] = "";
    struct store_person who;
    size_t nhosts = 0, i, k;
    int rc;

    (void)a;
    if (except && p->public && store_person_get(txn, except, &who) == POD_OK &&
        !pod_target(&who, "/receive/public", url, sizeof url, skip_host, sizeof skip_host))
        skip_host[0] = '\0';
    /* Scratch on the heap: the callers' arenas are small. */
    l.ids = malloc(MAX_CONTACTS * sizeof *l.ids);
    if (!l.ids)
        return POD_ERR_NOMEM;
    rc = store_contacts_each(txn, p->author, collect_contact, &l);
    if (rc >= 0 && extra && p->public && l.count < MAX_CONTACTS)
        l.ids[l.count++] = extra;
    if (rc >= 0 && p->public)
        rc = store_participants_each(txn, p->id, collect_participant, &l);
    if (rc >= 0 && p->public)
        rc = collect_mentioned(txn, p, &l);
    if (rc >= 0 && p->public && !(hosts = malloc(FED_OUTBOUND_MAX_PODS * sizeof *hosts)))
        rc = POD_ERR_NOMEM;
    rc = rc < 0 ? rc : POD_OK;
    for (i = 0; rc == POD_OK && i < l.count; i++) {
        if (l.ids[i] == except || store_person_get(txn, l.ids[i], &who) != POD_OK ||
            who.username[0])
            continue;
        if (!p->public) {
            if (!store_post_is_shared_with(txn, p->id, who.id))
                continue;
            rc = fed_outbound_private_job(txn, &who, signer, xml, len);
            continue;
        }
        if (!pod_target(&who, "/receive/public", url, sizeof url, host, sizeof host) ||
            (skip_host[0] && strcmp(host, skip_host) == 0))
            continue;
        for (k = 0; k < nhosts && strcmp(hosts[k], host) != 0; k++)
            ;
        if (k < nhosts)
            continue; /* one delivery per pod */
        if (nhosts == FED_OUTBOUND_MAX_PODS) {
            LOG_WARN("federation", "more than %d pods: post %s not sent to %s",
                     FED_OUTBOUND_MAX_PODS, p->guid, host);
            continue;
        }
        memcpy(hosts[nhosts++], host, sizeof hosts[0]);
        rc = add_job(txn, STORE_OUTBOX_PUBLIC, url, host, signer, 0, xml, len);
    }
    free(hosts);
    free(l.ids);
    return rc;
}

/* Routes xml by post p: its audience when p is local (signed by the post
 * author), else its remote author (signed by actor). */
static int
route(struct store_txn *txn, const struct store_post *p, uint64_t actor, const char *xml,
      size_t len, struct pod_arena *a)
{
    char url[STORE_OUTBOX_URL_MAX + 1], host[STORE_OUTBOX_HOST_MAX + 1];
    struct store_person pa;
    int rc;

    rc = store_person_get(txn, p->author, &pa);
    if (rc != POD_OK)
        return rc;
    if (pa.username[0])
        return to_audience(txn, p, p->author, 0, 0, xml, len, a);
    if (!p->public)
        return fed_outbound_private_job(txn, &pa, actor, xml, len);
    if (!pod_target(&pa, "/receive/public", url, sizeof url, host, sizeof host))
        return POD_OK;
    return add_job(txn, STORE_OUTBOX_PUBLIC, url, host, actor, 0, xml, len);
}

int
fed_outbound_person_did(struct store_txn *txn, uint64_t person, struct store_person *out)
{
    int rc = store_person_get(txn, person, out);

    return rc == POD_OK && !out->diaspora_id[0] ? POD_ERR_INVAL : rc;
}

int
fed_outbound_entity_begin(struct store_txn *txn, struct pod_arena *a, const char *type,
                          uint64_t author, const char *guid, struct fed_entity **out)
{
    struct store_person au;
    int rc;

    *out = fed_entity_new(a, type);
    if (!*out)
        return POD_ERR_NOMEM;
    rc = fed_outbound_person_did(txn, author, &au);
    if (rc == POD_OK)
        rc = fed_entity_add(*out, a, "author", au.diaspora_id);
    if (rc == POD_OK && guid)
        rc = fed_entity_add(*out, a, "guid", guid);
    return rc;
}

static int
emit(const struct fed_entity *e, int rc, struct pod_arena *a, char **xml, size_t *len)
{
    if (rc != POD_OK)
        return rc;
    return fed_entity_emit(e, a, xml, len);
}

/* The folder URL of this pod's photo files, "https://HOST/media/photos/"
 * (web/photos.c serves them), HOST from the local author's diaspora* ID
 * (user@HOST), which names this pod. NULL when did has no host. */
static const char *
photo_folder(const char *did, struct pod_arena *a)
{
    const char *at = strrchr(did, '@');

    if (!at || !at[1])
        return NULL;
    return pod_arena_printf(a, "https://%s/media/photos/", at + 1);
}

/* Appends a nested <photo> per local photo of p (§3.2 photo, in the
 * library's property order); remote or missing photos are left out. */
static int
add_photos(struct store_txn *txn, struct fed_entity *e, const struct store_post *p, const char *did,
           struct pod_arena *a)
{
    const char *folder = photo_folder(did, a), *name;
    struct store_photo ph;
    struct fed_entity *pe;
    char num[16];
    int rc = POD_OK;

    if (!folder)
        return p->photo_count ? POD_ERR_NOMEM : POD_OK;
    for (uint32_t i = 0; rc == POD_OK && i < p->photo_count; i++) {
        if (store_photo_get(txn, p->photos[i], &ph) != POD_OK || !ph.hash[0])
            continue;
        /* The largest file; other pods ask for "<size>_" + name too. */
        name = pod_arena_printf(a, "%s-raw.jpg", ph.hash);
        pe = fed_entity_new(a, "photo");
        rc = pe && name ? POD_OK : POD_ERR_NOMEM;
        if (rc == POD_OK)
            rc = fed_entity_add(pe, a, "guid", ph.guid);
        if (rc == POD_OK)
            rc = fed_entity_add(pe, a, "author", did);
        if (rc == POD_OK)
            rc = fed_entity_add_bool(pe, a, "public", p->public);
        if (rc == POD_OK)
            rc = fed_entity_add_time(pe, a, "created_at", ph.created_at);
        if (rc == POD_OK)
            rc = fed_entity_add(pe, a, "remote_photo_path", folder);
        if (rc == POD_OK)
            rc = fed_entity_add(pe, a, "remote_photo_name", name);
        if (rc == POD_OK)
            rc = fed_entity_add(pe, a, "status_message_guid", p->guid);
        if (rc == POD_OK && ph.height && ph.width) {
            snprintf(num, sizeof num, "%u", (unsigned)ph.height);
            rc = fed_entity_add(pe, a, "height", num);
            snprintf(num, sizeof num, "%u", (unsigned)ph.width);
            if (rc == POD_OK)
                rc = fed_entity_add(pe, a, "width", num);
        }
        if (rc == POD_OK)
            rc = fed_entity_add_entity(e, a, pe);
    }
    return rc;
}

/* Appends the <poll> of p, if it has one with GUIDs (polls stored before
 * GUIDs were kept are left out). */
static int
add_poll(struct store_txn *txn, struct fed_entity *e, const struct store_post *p,
         struct pod_arena *a)
{
    struct store_poll *poll = pod_arena_alloc(a, sizeof *poll);
    struct fed_entity *pe, *ans;
    int rc;

    if (!poll)
        return POD_ERR_NOMEM;
    rc = store_poll_get(txn, p->id, poll);
    if (rc == POD_ERR_NOTFOUND)
        return POD_OK;
    if (rc != POD_OK)
        return rc;
    for (uint32_t i = 0; i < poll->answer_count; i++)
        if (!poll->answer_guids[i][0])
            return POD_OK;
    if (!poll->guid[0])
        return POD_OK;
    pe = fed_entity_new(a, "poll");
    rc = pe ? fed_entity_add(pe, a, "guid", poll->guid) : POD_ERR_NOMEM;
    if (rc == POD_OK)
        rc = fed_entity_add(pe, a, "question", poll->question);
    for (uint32_t i = 0; rc == POD_OK && i < poll->answer_count; i++) {
        ans = fed_entity_new(a, "poll_answer");
        rc = ans ? fed_entity_add(ans, a, "guid", poll->answer_guids[i]) : POD_ERR_NOMEM;
        if (rc == POD_OK)
            rc = fed_entity_add(ans, a, "answer", poll->answers[i]);
        if (rc == POD_OK)
            rc = fed_entity_add_entity(pe, a, ans);
    }
    return rc == POD_OK ? fed_entity_add_entity(e, a, pe) : rc;
}

int
fed_outbound_post_xml(struct store_txn *txn, const struct store_post *p, struct pod_arena *a,
                      char **xml, size_t *len)
{
    struct fed_entity *e, *loc;
    int rc = fed_outbound_entity_begin(txn, a, "status_message", p->author, p->guid, &e);

    if (rc == POD_OK)
        rc = fed_entity_add_time(e, a, "created_at", p->created_at);
    if (rc == POD_OK)
        rc = fed_entity_add_bool(e, a, "public", p->public);
    if (rc == POD_OK && p->provider[0])
        rc = fed_entity_add(e, a, "provider_display_name", p->provider);
    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "text", p->text ? p->text : "");
    if (rc == POD_OK)
        rc = add_photos(txn, e, p, fed_entity_get(e, "author"), a); /* same author */
    if (rc == POD_OK && p->address[0] && p->lat[0] && p->lng[0]) {
        loc = fed_entity_new(a, "location");
        rc = loc ? POD_OK : POD_ERR_NOMEM;
        if (rc == POD_OK)
            rc = fed_entity_add(loc, a, "address", p->address);
        if (rc == POD_OK)
            rc = fed_entity_add(loc, a, "lat", p->lat);
        if (rc == POD_OK)
            rc = fed_entity_add(loc, a, "lng", p->lng);
        if (rc == POD_OK)
            rc = fed_entity_add_entity(e, a, loc);
    }
    if (rc == POD_OK)
        rc = add_poll(txn, e, p, a);
    return emit(e, rc, a, xml, len);
}

/* The <reshare> of p; *extra gets the root's author when remote (0
 * otherwise), who also receives it (§5.4). */
static int
reshare_xml(struct store_txn *txn, const struct store_post *p, struct pod_arena *a, char **xml,
            size_t *len, uint64_t *extra)
{
    struct fed_entity *e;
    struct store_person ra;
    struct store_post root;
    int rc;

    *extra = 0;
    rc = fed_outbound_entity_begin(txn, a, "reshare", p->author, p->guid, &e);
    if (rc == POD_OK)
        rc = fed_entity_add_time(e, a, "created_at", p->created_at);
    if (rc == POD_OK && p->root && store_post_get(txn, p->root, a, &root) == POD_OK &&
        fed_outbound_person_did(txn, root.author, &ra) == POD_OK) {
        rc = fed_entity_add(e, a, "root_author", ra.diaspora_id);
        if (rc == POD_OK)
            rc = fed_entity_add(e, a, "root_guid", root.guid);
        if (!ra.username[0])
            *extra = ra.id;
    }
    return emit(e, rc, a, xml, len);
}

int
fed_outbound_reshare_xml(struct store_txn *txn, const struct store_post *p, struct pod_arena *a,
                         char **xml, size_t *len)
{
    uint64_t extra;

    return reshare_xml(txn, p, a, xml, len, &extra);
}

/* A <reshare> of local reshare p: to the resharer's contacts and the
 * root's author (§5.4). */
static int
reshare(struct store_txn *txn, const struct store_post *p, struct pod_arena *a)
{
    uint64_t extra;
    char *xml;
    size_t len;
    int rc = reshare_xml(txn, p, a, &xml, &len, &extra);

    return rc == POD_OK ? to_audience(txn, p, p->author, extra, 0, xml, len, a) : rc;
}

int
fed_outbound_post(struct store_txn *txn, const struct store_post *p, struct pod_arena *a)
{
    char *xml;
    size_t len;
    int rc;

    if (p->type == STORE_POST_RESHARE)
        return reshare(txn, p, a);
    rc = fed_outbound_post_xml(txn, p, a, &xml, &len);
    return rc == POD_OK ? route(txn, p, p->author, xml, len, a) : rc;
}

int
fed_outbound_comment_xml(struct store_txn *txn, const struct store_comment *c,
                         const struct store_post *p, struct pod_arena *a, char **xml, size_t *len)
{
    struct fed_entity *e;
    int rc = fed_outbound_entity_begin(txn, a, "comment", c->author, c->guid, &e);

    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "parent_guid", p->guid);
    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "text", c->text ? c->text : "");
    if (rc == POD_OK)
        rc = fed_entity_add_time(e, a, "created_at", c->created_at);
    /* Signed by the task with the commenter's key (§6.1), unless the
     * commenter is the root author, whose envelope suffices. */
    if (rc == POD_OK && c->author != p->author)
        rc = fed_entity_add(e, a, "author_signature", "");
    return emit(e, rc, a, xml, len);
}

int
fed_outbound_comment(struct store_txn *txn, const struct store_comment *c,
                     const struct store_post *p, struct pod_arena *a)
{
    char *xml;
    size_t len;
    int rc = fed_outbound_comment_xml(txn, c, p, a, &xml, &len);

    return rc == POD_OK ? route(txn, p, c->author, xml, len, a) : rc;
}

int
fed_outbound_like(struct store_txn *txn, const struct store_like *l, const char *parent_guid,
                  const struct store_post *p, struct pod_arena *a)
{
    struct fed_entity *e;
    char *xml;
    size_t len;
    int rc = fed_outbound_entity_begin(txn, a, "like", l->author, l->guid, &e);

    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "parent_guid", parent_guid);
    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "parent_type",
                            l->target_type == STORE_LIKE_COMMENT ? "Comment" : "Post");
    if (rc == POD_OK)
        rc = fed_entity_add_bool(e, a, "positive", l->positive);
    if (rc == POD_OK && l->author != p->author)
        rc = fed_entity_add(e, a, "author_signature", "");
    rc = emit(e, rc, a, &xml, &len);
    return rc == POD_OK ? route(txn, p, l->author, xml, len, a) : rc;
}

int
fed_outbound_poll_participation(struct store_txn *txn, const struct store_post *p, uint64_t voter,
                                uint32_t answer, struct pod_arena *a)
{
    struct store_poll *poll = pod_arena_alloc(a, sizeof *poll);
    struct fed_entity *e;
    struct store_person au;
    char guid[POD_GUID_LEN + 1], *xml;
    size_t len;
    int rc;

    if (!poll)
        return POD_ERR_NOMEM;
    rc = store_poll_get(txn, p->id, poll);
    if (rc != POD_OK)
        return rc;
    if (answer >= poll->answer_count)
        return POD_ERR_INVAL;
    if (!poll->guid[0] || !poll->answer_guids[answer][0])
        return POD_OK; /* a poll from before GUIDs: never federated */
    rc = fed_outbound_person_did(txn, voter, &au);
    if (rc == POD_OK)
        rc = pod_guid_new(guid);
    if (rc != POD_OK)
        return rc;
    e = fed_entity_new(a, "poll_participation");
    if (!e)
        return POD_ERR_NOMEM;
    rc = fed_entity_add(e, a, "author", au.diaspora_id);
    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "guid", guid);
    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "parent_guid", poll->guid);
    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "poll_answer_guid", poll->answer_guids[answer]);
    if (rc == POD_OK && voter != p->author)
        rc = fed_entity_add(e, a, "author_signature", "");
    rc = emit(e, rc, a, &xml, &len);
    return rc == POD_OK ? route(txn, p, voter, xml, len, a) : rc;
}

int
fed_outbound_retraction(struct store_txn *txn, uint64_t signer, uint64_t target_author,
                        const char *target_type, const char *target_guid,
                        const struct store_post *p, struct pod_arena *a)
{
    struct fed_entity *e;
    char *xml;
    size_t len;
    int rc = fed_outbound_entity_begin(txn, a, "retraction", target_author, NULL, &e);

    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "target_guid", target_guid);
    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "target_type", target_type);
    rc = emit(e, rc, a, &xml, &len);
    return rc == POD_OK ? route(txn, p, signer, xml, len, a) : rc;
}

int
fed_outbound_contact(struct store_txn *txn, uint64_t owner, uint64_t person, bool sharing,
                     struct pod_arena *a)
{
    struct fed_entity *e;
    struct store_person me, them;
    char *xml;
    size_t len;
    int rc;

    rc = store_person_get(txn, person, &them);
    if (rc != POD_OK || them.username[0])
        return rc;
    rc = fed_outbound_person_did(txn, owner, &me);
    if (rc != POD_OK)
        return rc;
    e = fed_entity_new(a, "contact");
    if (!e)
        return POD_ERR_NOMEM;
    rc = fed_entity_add(e, a, "author", me.diaspora_id);
    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "recipient", them.diaspora_id);
    if (rc == POD_OK)
        rc = fed_entity_add_bool(e, a, "following", sharing);
    if (rc == POD_OK)
        rc = fed_entity_add_bool(e, a, "sharing", sharing);
    rc = emit(e, rc, a, &xml, &len);
    return rc == POD_OK ? fed_outbound_private_job(txn, &them, owner, xml, len) : rc;
}

int
fed_outbound_relay(struct store_txn *txn, const struct fed_entity *e, const struct store_post *p,
                   uint64_t author, struct pod_arena *a)
{
    struct store_person root;
    const char *sig = fed_entity_get(e, "author_signature");
    char *xml;
    size_t len;
    int rc;

    if (!fed_entity_is_relayable(e))
        return POD_ERR_INVAL;
    rc = store_person_get(txn, p->author, &root);
    if (rc != POD_OK)
        return rc;
    if (!root.username[0] || author == p->author)
        return POD_OK; /* not ours to relay, or the root author's own */
    /* An empty one would make the task sign it as the (remote) author. */
    if (!sig || !sig[0])
        return POD_ERR_INVAL;
    rc = fed_entity_emit(e, a, &xml, &len);
    return rc == POD_OK ? to_audience(txn, p, p->author, 0, author, xml, len, a) : rc;
}

int
fed_outbound_participation(struct store_txn *txn, const struct store_post *p, uint64_t signer,
                           struct pod_arena *a)
{
    struct fed_entity *e;
    struct store_person me, pa;
    char guid[POD_GUID_LEN + 1], *xml;
    size_t len;
    int rc;

    rc = store_person_get(txn, p->author, &pa);
    if (rc != POD_OK || pa.username[0])
        return rc;
    rc = fed_outbound_person_did(txn, signer, &me);
    if (rc != POD_OK)
        return rc;
    if (!me.username[0])
        return POD_ERR_INVAL;
    rc = pod_guid_new(guid);
    if (rc != POD_OK)
        return rc;
    e = fed_entity_new(a, "participation");
    if (!e)
        return POD_ERR_NOMEM;
    rc = fed_entity_add(e, a, "author", me.diaspora_id);
    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "guid", guid);
    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "parent_guid", p->guid);
    if (rc == POD_OK)
        rc = fed_entity_add(e, a, "parent_type", "Post");
    rc = emit(e, rc, a, &xml, &len);
    return rc == POD_OK ? fed_outbound_private_job(txn, &pa, signer, xml, len) : rc;
}
