/*
 * outbound_account.c - the <profile> and <account_deletion> of local
 * accounts (federation/outbound_account.h).
 */
#include "federation/outbound_account.h"
#include "federation/outbound_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "drivers/clock/clock.h"
#include "federation/entity.h"
#include "federation/envelope.h"
#include "federation/outbound.h"
#include "http/url.h"
#include "store/contacts.h"
#include "store/fed_outbox.h"
#include "store/people.h"
#include "store/posts.h"

#define MAX_RECIPIENTS 8192 /* remote people looked at for one account_deletion */
#define PAGE           64   /* posts read per step */

/* ------------------------------------------------------------ profile */

static int
add_if(struct fed_entity *e, struct pod_arena *a, int rc, const char *name, const char *v)
{
    if (rc != POD_OK || !v || !v[0])
        return rc;
    return fed_entity_add(e, a, name, v);
}

int
fed_outbound_profile_xml(struct store_txn *txn, uint64_t person, const struct store_profile *p,
                         const struct fed_profile_images *img, bool extended, struct pod_arena *a,
                         char **xml, size_t *len)
{
    struct fed_entity *e = fed_entity_new(a, "profile");
    struct store_person me;
    char full[2 * STORE_NAME_MAX + 2];
    char tags[STORE_PROFILE_TAGS * (STORE_TAG_MAX + 2) + 1];
    size_t n = 0;
    int rc;

    if (!e)
        return POD_ERR_NOMEM;
    rc = fed_outbound_person_did(txn, person, &me);
    if (rc != POD_OK)
        return rc;
    snprintf(full, sizeof full, "%s%s%s", p->first_name,
             p->first_name[0] && p->last_name[0] ? " " : "", p->last_name);
    tags[0] = '\0';
    for (int i = 0; i < STORE_PROFILE_TAGS; i++) {
        if (!p->tags[i][0])
            continue;
        n += (size_t)snprintf(tags + n, sizeof tags - n, "%s#%s", n ? " " : "", p->tags[i]);
        if (n >= sizeof tags)
            return POD_ERR_LIMIT; /* cannot happen: sized for five full tags */
    }
    rc = fed_entity_add(e, a, "author", me.diaspora_id);
    if (rc == POD_OK && p->updated_at)
        rc = fed_entity_add_time(e, a, "edited_at", p->updated_at);
    rc = add_if(e, a, rc, "full_name", full);
    rc = add_if(e, a, rc, "first_name", p->first_name);
    rc = add_if(e, a, rc, "last_name", p->last_name);
    if (img) {
        rc = add_if(e, a, rc, "image_url", img->large);
        rc = add_if(e, a, rc, "image_url_medium", img->medium);
        rc = add_if(e, a, rc, "image_url_small", img->small);
    }
    if (extended) {
        rc = add_if(e, a, rc, "bio", p->bio);
        rc = add_if(e, a, rc, "birthday", p->birthday);
        rc = add_if(e, a, rc, "gender", p->gender);
        rc = add_if(e, a, rc, "location", p->location);
    }
    if (rc == POD_OK)
        rc = fed_entity_add_bool(e, a, "searchable", p->searchable);
    if (rc == POD_OK)
        rc = fed_entity_add_bool(e, a, "public", p->public_details);
    if (rc == POD_OK)
        rc = fed_entity_add_bool(e, a, "nsfw", p->nsfw);
    rc = add_if(e, a, rc, "tag_string", tags);
    if (rc != POD_OK)
        return rc;
    return fed_entity_emit(e, a, xml, len);
}

int
fed_outbound_profile(struct store_txn *txn, uint64_t person, const struct store_profile *p,
                     const struct fed_profile_images *img, struct pod_arena *a)
{
    struct store_person me;
    char *xml;
    size_t len;
    int rc = store_person_get(txn, person, &me);

    if (rc != POD_OK)
        return rc;
    if (!me.username[0])
        return POD_ERR_INVAL;
    /* Every field on both routes: a public profile shows them to
     * everyone, a private one goes only to the contacts (§3.2, §5.4). */
    rc = fed_outbound_profile_xml(txn, person, p, img, true, a, &xml, &len);
    if (rc != POD_OK)
        return rc;
    return fed_outbound_to_contacts(txn, person, p->public_details, xml, len);
}

/* ------------------------------------------------------------ account_deletion */

struct people {
    uint64_t *id;
    size_t n;
};

static int
people_add(struct people *l, uint64_t id)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->id[i] == id)
            return 0;
    if (l->n == MAX_RECIPIENTS)
        return 1;
    l->id[l->n++] = id;
    return 0;
}

static int
contact_collect(const struct store_contact *c, void *ctx)
{
    return people_add(ctx, c->person);
}

static int
resharer_collect(uint64_t post, uint64_t author, void *ctx)
{
    (void)post;
    return people_add(ctx, author);
}

struct page {
    uint64_t id[PAGE];
    int64_t t[PAGE];
    size_t n;
};

static int
page_collect(uint64_t post, int64_t created_at, void *ctx)
{
    struct page *pg = ctx;

    pg->id[pg->n] = post;
    pg->t[pg->n++] = created_at;
    return pg->n == PAGE;
}

/* Adds to l the authors of every reshare of person's posts. */
static int
resharers(struct store_txn *txn, uint64_t person, struct people *l)
{
    struct page pg;
    int64_t max_time = INT64_MAX;
    uint64_t before = UINT64_MAX;
    int rc;

    for (;;) {
        pg.n = 0;
        rc = store_stream_author(txn, person, max_time, before, PAGE, page_collect, &pg);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < pg.n; i++) {
            rc = store_reshares_each(txn, pg.id[i], resharer_collect, l);
            if (rc < 0)
                return rc;
        }
        if (pg.n < PAGE)
            return POD_OK;
        max_time = pg.t[pg.n - 1];
        before = pg.id[pg.n - 1];
    }
}

/* /receive/public of remote person p's pod and that pod's authority;
 * false when p is local or has no usable pod_url. */
static bool
public_target(const struct store_person *p, char *url, size_t url_cap, char *host, size_t host_cap)
{
    struct http_url u;

    if (p->username[0] || !p->pod_url[0] ||
        http_url_parse(p->pod_url, strlen(p->pod_url), &u) != POD_OK)
        return false;
    snprintf(u.path, sizeof u.path, "/receive/public");
    return http_url_format(&u, url, url_cap) == POD_OK &&
           http_url_authority(&u, host, host_cap) == POD_OK;
}

/* One STORE_OUTBOX_PUBLIC_SIGNED job carrying env per distinct pod of
 * the people in l. */
static int
to_pods(struct store_txn *txn, uint64_t signer, const struct people *l, const char *env,
        size_t env_len)
{
    char(*hosts)[STORE_OUTBOX_HOST_MAX + 1] = malloc(FED_OUTBOUND_MAX_PODS * sizeof *hosts);
    struct store_outbox_job job;
    struct store_person who;
    size_t nhosts = 0, k;
    int rc = POD_OK;

    if (!hosts)
        return POD_ERR_NOMEM;
    for (size_t i = 0; rc == POD_OK && i < l->n; i++) {
        memset(&job, 0, sizeof job);
        if (store_person_get(txn, l->id[i], &who) != POD_OK ||
            !public_target(&who, job.url, sizeof job.url, job.host, sizeof job.host))
            continue;
        for (k = 0; k < nhosts && strcmp(hosts[k], job.host) != 0; k++)
            ;
        if (k < nhosts)
            continue; /* one delivery per pod */
        if (nhosts == FED_OUTBOUND_MAX_PODS) {
            LOG_WARN("federation", "more than %d pods: account_deletion not sent to %s",
                     FED_OUTBOUND_MAX_PODS, job.host);
            continue;
        }
        memcpy(hosts[nhosts++], job.host, sizeof hosts[0]);
        job.kind = STORE_OUTBOX_PUBLIC_SIGNED;
        job.author = signer;
        job.created_at = drv_clock_wall();
        job.due_at = job.created_at;
        job.payload = env;
        job.payload_len = env_len;
        rc = store_outbox_add(txn, &job);
    }
    free(hosts);
    return rc;
}

int
fed_outbound_account_deletion(struct store_txn *txn, uint64_t person, const char *priv_pem,
                              struct pod_arena *a)
{
    struct people l = {0};
    struct fed_entity *e;
    struct store_person me;
    char *xml, *env, why[160] = "";
    size_t len, env_len;
    int rc = store_person_get(txn, person, &me);

    if (rc != POD_OK)
        return rc;
    if (!me.username[0] || !me.diaspora_id[0] || !priv_pem)
        return POD_ERR_INVAL;
    l.id = malloc(MAX_RECIPIENTS * sizeof *l.id);
    if (!l.id)
        return POD_ERR_NOMEM;
    rc = store_contacts_each(txn, person, contact_collect, &l);
    if (rc >= 0)
        rc = resharers(txn, person, &l);
    rc = rc < 0 ? rc : POD_OK;
    if (rc != POD_OK || l.n == 0)
        goto out;
    e = fed_entity_new(a, "account_deletion");
    rc = e ? fed_entity_add(e, a, "author", me.diaspora_id) : POD_ERR_NOMEM;
    if (rc == POD_OK)
        rc = fed_entity_emit(e, a, &xml, &len);
    if (rc == POD_OK)
        rc = fed_envelope_build(xml, len, me.diaspora_id, priv_pem, a, &env, &env_len, why,
                                sizeof why);
    if (rc != POD_OK) {
        LOG_WARN("federation", "account_deletion of %s not signed: %s", me.diaspora_id,
                 why[0] ? why : pod_strerror(rc));
        goto out;
    }
    rc = to_pods(txn, person, &l, env, env_len);
out:
    free(l.id);
    return rc;
}
