/*
 * wellknown.c - the documents other pods and tools read to discover people
 * and this pod: WebFinger, hCard, host-meta and NodeInfo
 * (docs/diaspora-federation.md §2). The bytes come from
 * federation/discovery.c; this file finds the data and answers.
 */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/settings.h"
#include "drivers/clock/clock.h"
#include "federation/discovery.h"
#include "store/accounts.h"
#include "web/handlers.h"
#include "web/html.h"
#include "web/reply.h"
#include "web/server.h"

#define CORS "Access-Control-Allow-Origin: *\r\n"

/* Everything the person documents need, read in one transaction. */
struct person {
    struct store_user user;
    struct store_profile profile;
    char public_key[STORE_PEM_MAX];
    bool has_key;
};

static int
load_person(struct web_req *req, const char *username, const char *guid, struct person *p)
{
    struct store_txn *txn = NULL;
    int rc = store_txn_begin(req->server->store, false, &txn);

    if (rc != POD_OK)
        return rc;
    rc = username ? store_user_get(txn, username, &p->user)
                  : store_user_get_by_guid(txn, guid, &p->user);
    if (rc == POD_OK) {
        if (store_profile_get(txn, p->user.username, &p->profile) != POD_OK)
            memset(&p->profile, 0, sizeof p->profile);
        p->has_key = store_user_public_key_get(txn, p->user.username, p->public_key,
                                               sizeof p->public_key) == POD_OK;
    }
    store_txn_abort(txn);
    return rc;
}

static void
fill_doc(struct web_req *req, const struct person *p, struct fed_person_doc *d, char *id,
         size_t id_cap, char *name, size_t name_cap)
{
    const struct store_profile *pr = &p->profile;

    snprintf(id, id_cap, "%s@%s", p->user.username, req->server->cfg.host);
    if (pr->first_name[0] && pr->last_name[0])
        snprintf(name, name_cap, "%s %s", pr->first_name, pr->last_name);
    else
        snprintf(name, name_cap, "%s", pr->first_name[0] ? pr->first_name : pr->last_name);
    memset(d, 0, sizeof *d);
    d->diaspora_id = id;
    d->guid = p->user.guid;
    d->username = p->user.username;
    d->pod_url = req->server->pod_url;
    d->full_name = name;
    d->first_name = pr->first_name;
    d->last_name = pr->last_name;
    d->public_key_pem = p->public_key;
    d->avatar_large = web_avatar_url(req, pr, "large", true);
    d->avatar_medium = web_avatar_url(req, pr, "medium", true);
    d->avatar_small = web_avatar_url(req, pr, "small", true);
    d->searchable = pr->searchable;
}

int
page_webfinger(struct web_req *req)
{
    const char *resource = web_query_value(req, "resource");
    char id[POD_DIASPORA_ID_MAX + 1], user[POD_DIASPORA_ID_MAX + 1], host[POD_DIASPORA_ID_MAX + 1];
    char name[STORE_NAME_MAX * 2 + 2];
    struct fed_person_doc doc;
    struct person *p;
    char *json;
    int rc;

    if (!resource || !*resource)
        return web_reply_error_hdr(req, 400, "The resource parameter is missing.", CORS);
    if (!pod_webfinger_resource_normalise(resource, id, sizeof id) ||
        !pod_diaspora_id_parse(id, user, sizeof user, host, sizeof host)) {
        LOG_INFO("web", "webfinger: malformed resource from %s", web_req_remote_addr(req));
        return web_reply_error_hdr(req, 400, "The resource is not a diaspora* ID.", CORS);
    }
    if (strcmp(host, req->server->cfg.host) != 0 || !pod_username_valid(user))
        return web_reply_error_hdr(req, 404, "Nobody of that name lives on this pod.", CORS);
    p = pod_arena_alloc(&req->arena, sizeof *p);
    if (!p)
        return web_reply_error(req, 500, "Out of memory");
    rc = load_person(req, user, NULL, p);
    if (rc == POD_ERR_NOTFOUND)
        return web_reply_error_hdr(req, 404, "Nobody of that name lives on this pod.", CORS);
    if (rc != POD_OK)
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    fill_doc(req, p, &doc, id, sizeof id, name, sizeof name);
    json = fed_webfinger_render(&doc, &req->arena);
    if (!json)
        return web_reply_error(req, 500, "The document could not be made.");
    return web_reply(req, 200, "application/jrd+json; charset=utf-8", json, strlen(json), CORS);
}

int
page_hcard(struct web_req *req)
{
    char id[POD_DIASPORA_ID_MAX + 1], name[STORE_NAME_MAX * 2 + 2];
    struct fed_person_doc doc;
    struct person *p;
    char *html;
    int rc;

    if (!pod_guid_valid(req->params[0]))
        return web_reply_error(req, 404, "Nobody with that ID lives on this pod.");
    p = pod_arena_alloc(&req->arena, sizeof *p);
    if (!p)
        return web_reply_error(req, 500, "Out of memory");
    rc = load_person(req, NULL, req->params[0], p);
    if (rc == POD_ERR_NOTFOUND)
        return web_reply_error(req, 404, "Nobody with that ID lives on this pod.");
    if (rc != POD_OK)
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    if (!p->has_key) /* generated in the background just after sign-up */
        return web_reply_error_hdr(req, 503, "This person's key is still being made.",
                                   "Retry-After: 10\r\n");
    fill_doc(req, p, &doc, id, sizeof id, name, sizeof name);
    html = fed_hcard_render(&doc, &req->arena);
    if (!html)
        return web_reply_error(req, 500, "The document could not be made.");
    return web_reply(req, 200, "text/html; charset=utf-8", html, strlen(html), NULL);
}

int
page_host_meta(struct web_req *req)
{
    char *xml = fed_host_meta_render(req->server->pod_url, &req->arena);

    if (!xml)
        return web_reply_error(req, 500, "The document could not be made.");
    return web_reply(req, 200, "application/xrd+xml; charset=utf-8", xml, strlen(xml), CORS);
}

int
page_nodeinfo_links(struct web_req *req)
{
    char *json = fed_nodeinfo_links_render(req->server->pod_url, &req->arena);

    if (!json)
        return web_reply_error(req, 500, "The document could not be made.");
    return web_reply(req, 200, "application/json; charset=utf-8", json, strlen(json), CORS);
}

struct activity {
    int64_t now;
    uint64_t month, halfyear;
};

static int
count_active(const struct store_user *u, void *ctx)
{
    struct activity *a = ctx;
    int64_t seen = u->last_sign_in_at ? u->last_sign_in_at : u->created_at;

    if (a->now - seen <= 30 * 86400)
        a->month++;
    if (a->now - seen <= 183 * 86400)
        a->halfyear++;
    return 0;
}

int
page_nodeinfo(struct web_req *req)
{
    const char *v = req->params[0];
    struct store_txn *txn = NULL;
    struct fed_nodeinfo ni = {0};
    struct activity act = {.now = drv_clock_wall()};
    uint64_t open = 0;
    int minor;
    char *json;

    if (strcmp(v, "2.0") == 0 || strcmp(v, "2.0.json") == 0)
        minor = 0;
    else if (strcmp(v, "2.1") == 0 || strcmp(v, "2.1.json") == 0)
        minor = 1;
    else
        return web_reply_error(req, 404, "This pod serves NodeInfo 2.0 and 2.1.");
    if (store_txn_begin(req->server->store, false, &txn) != POD_OK)
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    store_user_count(txn, &ni.users_total);
    store_user_each(txn, count_active, &act);
    if (store_setting_get_u64(txn, POD_SETTING_REGISTRATIONS, &open) != POD_OK)
        open = 0;
    store_txn_abort(txn);
    ni.pod_url = req->server->pod_url;
    ni.software_version = POD_VERSION;
    ni.node_name = web_pod_name(req);
    ni.open_registrations = open != 0;
    ni.users_active_month = act.month;
    ni.users_active_halfyear = act.halfyear;
    json = fed_nodeinfo_render(&ni, minor, &req->arena);
    if (!json)
        return web_reply_error(req, 500, "The document could not be made.");
    return web_reply(req, 200, fed_nodeinfo_content_type(minor), json, strlen(json), CORS);
}
