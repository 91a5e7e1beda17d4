/*
 * contacts.c - the contacts page (GET /contacts for browsers; its JSON is
 * in social.c), renaming aspects (creating and deleting them is in
 * social.c), the sharing form of profiles and contacts with the endpoint
 * it posts to (PUT /people/GUID/aspects: the person's aspects become
 * exactly the ones ticked), and no longer ignoring someone
 * (DELETE /blocks/ID). Also the small form pieces people pages share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "core/log.h"
#include "drivers/clock/clock.h"
#include "social/actions.h"
#include "store/contacts.h"
#include "store/people.h"
#include "web/handler_kit.h"
#include "web/handlers.h"
#include "web/html.h"
#include "web/i18n.h"
#include "web/people.h"
#include "web/present.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"
#include "web/ui.h"

#define ASPECTS_MAX 256 /* aspects of one person the forms handle */

static const char *
str_of(const cJSON *o, const char *name)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;

    return cJSON_IsString(v) ? v->valuestring : "";
}

/* ------------------------------------------------------------ shared pieces */

void
web_return_to_field(struct html *h, const char *path)
{
    if (!path)
        return;
    html_raw(h, "<input type=\"hidden\" name=\"return_to\" value=\"");
    html_text(h, path);
    html_raw(h, "\">");
}

void
web_button_form(struct html *h, const char *action, const char *method, const char *label,
                const char *button_class, const char *confirm, const char *return_to)
{
    html_raw(h, "<form class=\"inline\" method=\"post\" action=\"");
    html_text(h, action);
    html_raw(h, "\">");
    html_csrf_field(h);
    if (method && strcmp(method, "post") != 0) {
        html_raw(h, "<input type=\"hidden\" name=\"_method\" value=\"");
        html_text(h, method);
        html_raw(h, "\">");
    }
    web_return_to_field(h, return_to);
    html_raw(h, "<button type=\"submit\"");
    if (button_class) {
        html_raw(h, " class=\"");
        html_text(h, button_class);
        html_raw(h, "\"");
    }
    if (confirm) {
        html_raw(h, " data-confirm=\"");
        html_text(h, confirm);
        html_raw(h, "\"");
    }
    html_raw(h, ">");
    html_text(h, label);
    html_raw(h, "</button></form>");
}

const char *
web_url_encode(struct web_req *req, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = s ? strlen(s) : 0;
    char *out = pod_arena_alloc(&req->arena, 3 * n + 1), *o = out;

    if (!out)
        return "";
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

void
web_person_name_link(struct html *h, const cJSON *person)
{
    html_raw(h, "<a class=\"name\" dir=\"auto\" href=\"/people/");
    html_text(h, str_of(person, "guid"));
    html_raw(h, "\">");
    html_text(h, person ? str_of(person, "name") : "?");
    html_raw(h, "</a>");
}

const char *
web_relationship(struct web_req *req, struct store_txn *txn, uint64_t viewer, uint64_t person)
{
    struct store_contact c;

    if (store_contact_get(txn, viewer, person, &c) != POD_OK)
        return T("Not sharing");
    if (c.sharing && c.receiving)
        return T("Mutual");
    if (c.sharing)
        return T("You share with them");
    if (c.receiving)
        return T("Sharing with you");
    return T("Not sharing");
}

struct block_find {
    uint64_t person, id;
};

static int
block_match(uint64_t id, uint64_t person, void *ctx)
{
    struct block_find *bf = ctx;

    if (person != bf->person)
        return 0;
    bf->id = id;
    return 1;
}

uint64_t
web_block_id(struct store_txn *txn, uint64_t viewer, uint64_t person)
{
    struct block_find bf = {person, 0};

    if (!viewer || !store_block_exists(txn, viewer, person))
        return 0;
    store_blocks_each(txn, viewer, block_match, &bf);
    return bf.id;
}

/* ------------------------------------------------------------ aspects and memberships */

/* The viewer's aspects, in their order. */
struct aspects {
    struct store_aspect *a;
    size_t n;
};

static int
aspect_add(const struct store_aspect *a, void *ctx)
{
    struct aspects *as = ctx;

    if (as->n == ASPECTS_MAX)
        return 1;
    as->a[as->n++] = *a;
    return 0;
}

static int
load_aspects(struct web_req *req, struct store_txn *txn, uint64_t viewer, struct aspects *as)
{
    int rc;

    as->n = 0;
    as->a = pod_arena_alloc(&req->arena, ASPECTS_MAX * sizeof *as->a);
    if (!as->a)
        return POD_ERR_NOMEM;
    rc = store_aspects_each(txn, viewer, aspect_add, as);
    return rc < 0 ? rc : POD_OK;
}

struct membership_marks {
    const struct aspects *as;
    uint64_t *mem;
};

static int
membership_mark(const struct store_membership *m, void *ctx)
{
    struct membership_marks *mm = ctx;

    for (size_t i = 0; i < mm->as->n; i++)
        if (mm->as->a[i].id == m->aspect)
            mm->mem[i] = m->id;
    return 0;
}

/* mem[i] = person's membership in as->a[i], 0 when not in it. Returns how
 * many aspects person is in. */
static size_t
load_memberships(struct store_txn *txn, uint64_t viewer, uint64_t person, const struct aspects *as,
                 uint64_t *mem)
{
    struct membership_marks mm = {as, mem};
    size_t in = 0;

    memset(mem, 0, as->n * sizeof *mem);
    store_memberships_of_person(txn, viewer, person, membership_mark, &mm);
    for (size_t i = 0; i < as->n; i++)
        in += mem[i] != 0;
    return in;
}

/* The checkboxes form for person p (id pid, GUID guid). */
static void
sharing_form(struct html *h, const struct aspects *as, const uint64_t *mem, uint64_t pid,
             const char *guid, const char *return_to)
{
    struct web_req *req = h->req;
    const char *action = pod_arena_printf(&req->arena, "/people/%s/aspects", guid);
    bool in_any = false;

    html_raw(h, "<form class=\"sharing\" method=\"post\" action=\"");
    html_text(h, action);
    html_raw(h, "\">");
    html_csrf_field(h);
    html_raw(h, "<input type=\"hidden\" name=\"_method\" value=\"put\">");
    web_return_to_field(h, return_to);
    html_raw(h, "<fieldset><legend>");
    html_text(h, T("Share in these aspects"));
    html_raw(h, "</legend>");
    if (as->n == 0) {
        html_raw(h, "<p class=\"muted\">");
        html_text(h, T("You have no aspects yet: name one below."));
        html_raw(h, "</p>");
    }
    for (size_t i = 0; i < as->n; i++) {
        unsigned long long aid = (unsigned long long)as->a[i].id;
        html_printf(h,
                    "<label class=\"inline\" for=\"share-%llu-%llu\"><input type=\"checkbox\" "
                    "id=\"share-%llu-%llu\" name=\"aspect_ids[]\" value=\"%llu\"%s> <span "
                    "dir=\"auto\">",
                    (unsigned long long)pid, aid, (unsigned long long)pid, aid, aid,
                    mem[i] ? " checked" : "");
        html_text(h, as->a[i].name);
        html_raw(h, "</span></label> ");
        in_any |= mem[i] != 0;
    }
    html_printf(h, "<label for=\"new-aspect-%llu\">", (unsigned long long)pid);
    html_text(h, T("Add to a new aspect"));
    html_printf(h,
                "</label><input type=\"text\" id=\"new-aspect-%llu\" name=\"new_aspect\" "
                "maxlength=\"20\" autocomplete=\"off\" placeholder=\"",
                (unsigned long long)pid);
    html_text(h, T("Name of the new aspect"));
    html_raw(h, "\"></fieldset><div class=\"row\"><button type=\"submit\">");
    html_text(h, in_any ? T("Save aspects") : T("Start sharing"));
    html_raw(h, "</button></div></form>");
    if (in_any) {
        html_raw(h, "<div class=\"row stop-sharing\">");
        web_button_form(h, action, "put", T("Stop sharing"), "secondary",
                        T("Stop sharing with this person? They will no longer see your limited "
                          "posts."),
                        return_to);
        html_raw(h, "</div>");
    }
}

void
web_sharing_form(struct html *h, struct store_txn *txn, uint64_t viewer,
                 const struct store_person *p, const char *return_to)
{
    struct aspects as;
    uint64_t mem[ASPECTS_MAX];

    if (load_aspects(h->req, txn, viewer, &as) != POD_OK)
        return;
    load_memberships(txn, viewer, p->id, &as, mem);
    sharing_form(h, &as, mem, p->id, p->guid, return_to);
}

/* ------------------------------------------------------------ PUT /people/GUID/aspects */

static cJSON *
memberships_json(struct store_txn *txn, uint64_t viewer, uint64_t person, const struct aspects *as)
{
    uint64_t mem[ASPECTS_MAX];
    cJSON *arr = cJSON_CreateArray(), *o, *a;

    load_memberships(txn, viewer, person, as, mem);
    for (size_t i = 0; arr && i < as->n; i++) {
        if (!mem[i])
            continue;
        o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double)mem[i]);
        a = cJSON_AddObjectToObject(o, "aspect");
        cJSON_AddNumberToObject(a, "id", (double)as->a[i].id);
        cJSON_AddStringToObject(a, "name", as->a[i].name);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* Makes a new aspect of viewer named name and adds it to as. */
static int
new_aspect(struct store_txn *txn, uint64_t viewer, const char *name, struct aspects *as,
           const char **why)
{
    struct store_aspect a = {0};
    int rc;

    *why = "An aspect needs a name of at most 20 characters.";
    if (strlen(name) > STORE_ASPECT_NAME_BYTES)
        return POD_ERR_INVAL;
    if (as->n == ASPECTS_MAX) {
        *why = "You have too many aspects.";
        return POD_ERR_LIMIT;
    }
    a.owner = viewer;
    snprintf(a.name, sizeof a.name, "%s", name);
    a.created_at = drv_clock_wall();
    rc = store_aspect_add(txn, &a);
    if (rc == POD_ERR_EXISTS)
        *why = "You have an aspect of that name already.";
    if (rc == POD_ERR_EXISTS || rc == POD_ERR_LIMIT)
        rc = POD_ERR_INVAL;
    if (rc == POD_OK)
        as->a[as->n++] = a;
    return rc;
}

int
page_person_aspects_update(struct web_req *req)
{
    const char *new_name = web_form_value(req, "new_aspect");
    const char *why = "The request was not valid.";
    uint64_t me = web_viewer(req), mem[ASPECTS_MAX];
    bool want[ASPECTS_MAX] = {false};
    struct store_membership m;
    struct store_person p;
    struct store_txn *txn = NULL;
    struct aspects as;
    size_t old_n;
    cJSON *json = NULL;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (store_txn_begin(req->server->store, true, &txn) != POD_OK)
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    rc = store_person_get_by_guid(txn, req->params[0], &p);
    if (rc == POD_OK && p.id == me) {
        why = "You cannot share with yourself.";
        rc = POD_ERR_INVAL;
    }
    if (rc == POD_OK)
        rc = load_aspects(req, txn, me, &as);
    if (rc == POD_OK) {
        load_memberships(txn, me, p.id, &as, mem);
        /* The aspects ticked; each must be one of the viewer's. */
        for (size_t f = 0; rc == POD_OK && f < req->form.count; f++) {
            uint64_t id;
            size_t i;
            if (strcmp(req->form.fields[f].name, "aspect_ids[]") != 0 &&
                strcmp(req->form.fields[f].name, "aspect_ids") != 0)
                continue;
            id = web_parse_id(req->form.fields[f].value);
            for (i = 0; i < as.n && as.a[i].id != id; i++)
                ;
            if (i == as.n) {
                why = "Unknown aspect.";
                rc = POD_ERR_INVAL;
            } else {
                want[i] = true;
            }
        }
    }
    /* Additions first: sharing never stops on the way (no second "started
     * sharing" notice). */
    old_n = rc == POD_OK ? as.n : 0;
    if (rc == POD_OK && new_name && *new_name) {
        rc = new_aspect(txn, me, new_name, &as, &why);
        if (rc == POD_OK) {
            want[as.n - 1] = true;
            mem[as.n - 1] = 0;
        }
    }
    for (size_t i = 0; rc == POD_OK && i < as.n; i++)
        if (want[i] && !mem[i])
            rc = social_aspect_add_person(txn, me, as.a[i].id, p.id, &m);
    for (size_t i = 0; rc == POD_OK && i < old_n; i++)
        if (!want[i] && mem[i])
            rc = social_aspect_remove_membership(txn, me, mem[i]);
    if (rc == POD_OK && req->json)
        json = memberships_json(txn, me, p.id, &as);
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
    } else {
        store_txn_abort(txn);
    }
    if (rc != POD_OK)
        cJSON_Delete(json);
    if (rc == POD_ERR_NOTFOUND)
        return web_reply_error(req, 404, "Nobody with that ID is known here.");
    if (rc == POD_ERR_INVAL || rc == POD_ERR_LIMIT)
        return web_reply_error(req, 422, why);
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The aspects could not be changed.");
    LOG_INFO("web", "%s changed the aspects of %s", req->session->user.username, p.diaspora_id);
    if (!req->json)
        return ui_redirect_back(req, pod_arena_printf(&req->arena, "/people/%s", p.guid) ?: "/");
    return web_reply_json(req, 200, json);
}

/* ------------------------------------------------------------ PUT /aspects/ID */

int
page_aspect_update(struct web_req *req)
{
    const char *name = web_form_value(req, "aspect[name]");
    const char *visible = web_form_value(req, "aspect[contacts_visible]");
    uint64_t id = web_parse_id(req->params[0]);
    struct store_txn *txn = NULL;
    struct store_aspect a;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (!name)
        name = web_json_value(req, "name", NULL);
    if (!name)
        name = web_json_value(req, "aspect", "name");
    if (!visible)
        visible = web_json_value(req, "contacts_visible", NULL);
    if (name && strlen(name) > STORE_ASPECT_NAME_BYTES)
        return web_reply_error(req, 422, "An aspect needs a name of at most 20 characters.");
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = store_aspect_get(txn, id, &a);
    if (rc == POD_OK && a.owner != web_viewer(req))
        rc = POD_ERR_NOTFOUND;
    if (rc == POD_OK) {
        if (name)
            snprintf(a.name, sizeof a.name, "%s", name);
        if (visible)
            a.contacts_visible = !strcmp(visible, "1") || !strcmp(visible, "true");
        rc = store_aspect_update(txn, &a);
    }
    return web_reply_aspect_saved(req, web_txn_finish(txn, rc), &a);
}

int
web_reply_aspect_saved(struct web_req *req, int rc, const struct store_aspect *a)
{
    cJSON *json;

    if (rc == POD_ERR_NOTFOUND)
        return web_reply_error(req, 404, "No such aspect.");
    if (rc == POD_ERR_EXISTS)
        return web_reply_error(req, 422, "You have an aspect of that name already.");
    if (rc == POD_ERR_LIMIT || rc == POD_ERR_INVAL)
        return web_reply_error(req, 422, "An aspect needs a name of at most 20 characters.");
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The aspect could not be saved.");
    if (!req->json)
        return ui_redirect_back(
            req, pod_arena_printf(&req->arena, "/contacts?a_id=%llu", (unsigned long long)a->id)
                     ?: "/contacts");
    json = cJSON_CreateObject();
    cJSON_AddNumberToObject(json, "id", (double)a->id);
    cJSON_AddStringToObject(json, "name", a->name);
    return web_reply_json(req, 200, json);
}

/* ------------------------------------------------------------ DELETE /blocks/ID */

int
page_block_delete(struct web_req *req)
{
    struct store_txn *txn = NULL;
    int rc = web_need_session(req);

    if (rc)
        return rc;
    if (store_txn_begin(req->server->store, true, &txn) != POD_OK)
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    rc = store_block_delete(txn, web_parse_id(req->params[0]), web_viewer(req));
    if (rc == POD_OK)
        rc = store_txn_commit(txn);
    else
        store_txn_abort(txn);
    if (rc == POD_ERR_NOTFOUND || rc == POD_ERR_AUTH || rc == POD_ERR_INVAL)
        return web_reply_error(req, 404, "Not found.");
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The block could not be removed.");
    if (!req->json)
        return ui_redirect_back(req, "/contacts");
    return web_reply(req, 204, "application/json", "", 0, NULL);
}

/* ------------------------------------------------------------ the contacts page */

struct contacts_html {
    struct web_req *req;
    struct store_txn *txn;
    struct html *h;
    const struct aspects *as;
    size_t selected; /* index into as of the ?a_id= filter, as->n for all */
    const char *here;
    size_t shown;
};

static int
contact_row(const struct store_contact *c, void *ctx)
{
    struct contacts_html *ch = ctx;
    struct web_req *req = ch->req;
    struct html *h = ch->h;
    uint64_t mem[ASPECTS_MAX];
    struct store_person p;
    size_t in;
    bool first = true;
    cJSON *pj;

    if (!c->sharing && !c->receiving)
        return 0;
    in = load_memberships(ch->txn, c->owner, c->person, ch->as, mem);
    if (ch->selected < ch->as->n && !mem[ch->selected])
        return 0;
    if (store_person_get(ch->txn, c->person, &p) != POD_OK)
        return 0;
    pj = present_person(req, ch->txn, c->person);
    if (!pj)
        return 0;
    ch->shown++;
    html_printf(h, "<li id=\"contact-%llu\">", (unsigned long long)c->person);
    ui_avatar(h, pj, "small", 48);
    html_raw(h, "<div class=\"who\">");
    web_person_name_link(h, pj);
    html_raw(h, "<div class=\"meta\">");
    html_text(h, p.diaspora_id);
    html_raw(h, " · <span class=\"relationship\">");
    html_text(h, c->sharing && c->receiving ? T("Mutual")
                 : c->sharing               ? T("You share with them")
                                            : T("Sharing with you"));
    html_raw(h, "</span></div><div class=\"meta in-aspects\">");
    if (in == 0) {
        html_text(h, T("In none of your aspects"));
    } else {
        html_text(h, T("In:"));
        html_raw(h, " ");
        for (size_t i = 0; i < ch->as->n; i++) {
            if (!mem[i])
                continue;
            if (!first)
                html_raw(h, ", ");
            first = false;
            html_raw(h, "<span dir=\"auto\">");
            html_text(h, ch->as->a[i].name);
            html_raw(h, "</span>");
        }
    }
    html_raw(h, "</div></div><details class=\"change-aspects\"><summary>");
    html_text(h, T("Change aspects"));
    html_raw(h, "</summary>");
    sharing_form(h, ch->as, mem, p.id, p.guid, ch->here);
    html_raw(h, "</details></li>\n");
    cJSON_Delete(pj);
    return 0;
}

struct blocked_html {
    struct web_req *req;
    struct store_txn *txn;
    struct html *h;
    size_t shown;
};

static int
blocked_row(uint64_t id, uint64_t person, void *ctx)
{
    struct blocked_html *bh = ctx;
    struct web_req *req = bh->req;
    cJSON *pj = present_person(req, bh->txn, person);
    char action[64];

    if (!pj)
        return 0;
    if (bh->shown++ == 0) {
        html_raw(bh->h, "<section aria-labelledby=\"ignored-h\"><h2 id=\"ignored-h\">");
        html_text(bh->h, T("Ignored people"));
        html_raw(bh->h, "</h2><p class=\"muted\">");
        html_text(bh->h, T("You do not see their posts, and they cannot comment on yours."));
        html_raw(bh->h, "</p><ul class=\"people\">");
    }
    html_raw(bh->h, "<li>");
    ui_avatar(bh->h, pj, "small", 32);
    html_raw(bh->h, "<div class=\"who\">");
    web_person_name_link(bh->h, pj);
    html_raw(bh->h, "</div>");
    snprintf(action, sizeof action, "/blocks/%llu", (unsigned long long)id);
    web_button_form(bh->h, action, "delete", T("Stop ignoring"), "secondary", NULL, "/contacts");
    html_raw(bh->h, "</li>");
    cJSON_Delete(pj);
    return 0;
}

/* The aspect filter, and the rename and delete forms of the one chosen. */
static void
aspect_nav(struct html *h, const struct aspects *as, size_t selected)
{
    struct web_req *req = h->req;

    html_raw(h, "<nav class=\"aspect-filter\" aria-label=\"");
    html_text(h, T("Filter by aspect"));
    html_raw(h, "\"><ul><li><a href=\"/contacts\"");
    if (selected == as->n)
        html_raw(h, " aria-current=\"page\"");
    html_raw(h, ">");
    html_text(h, T("All contacts"));
    html_raw(h, "</a></li>");
    for (size_t i = 0; i < as->n; i++) {
        html_printf(h, "<li><a dir=\"auto\" href=\"/contacts?a_id=%llu\"%s>",
                    (unsigned long long)as->a[i].id, i == selected ? " aria-current=\"page\"" : "");
        html_text(h, as->a[i].name);
        html_raw(h, "</a></li>");
    }
    html_raw(h, "</ul></nav>\n");
}

static void
aspect_manage(struct html *h, const struct store_aspect *a, const char *here)
{
    struct web_req *req = h->req;
    char action[64];

    snprintf(action, sizeof action, "/aspects/%llu", (unsigned long long)a->id);
    html_raw(h,
             "<section class=\"aspect-manage\" aria-labelledby=\"aspect-h\"><h2 id=\"aspect-h\">");
    html_text(h, T("This aspect"));
    html_raw(h, "</h2><form class=\"row\" method=\"post\" action=\"");
    html_text(h, action);
    html_raw(h, "\">");
    html_csrf_field(h);
    html_raw(h, "<input type=\"hidden\" name=\"_method\" value=\"put\">");
    web_return_to_field(h, here);
    html_raw(h, "<label for=\"aspect-name\">");
    html_text(h, T("Name"));
    html_raw(h, "</label><input type=\"text\" id=\"aspect-name\" name=\"aspect[name]\" required "
                "maxlength=\"20\" dir=\"auto\" value=\"");
    html_text(h, a->name);
    html_raw(h, "\"><button type=\"submit\">");
    html_text(h, T("Rename"));
    html_printf(h, "</button></form><p class=\"row\"><a href=\"/aspects?a_ids[]=%llu\">",
                (unsigned long long)a->id);
    html_text(h, T("Posts of this aspect"));
    html_raw(h, "</a> ");
    web_button_form(h, action, "delete", T("Delete this aspect"), "danger",
                    T("Delete this aspect? People in no other aspect no longer see your limited "
                      "posts."),
                    "/contacts");
    html_raw(h, "</p></section>\n");
}

int
web_contacts_page(struct web_req *req)
{
    uint64_t me = web_viewer(req), a_id = web_parse_id(web_query_value(req, "a_id"));
    struct contacts_html ch = {.req = req};
    struct blocked_html bh = {.req = req};
    struct store_txn *txn = NULL;
    struct aspects as;
    struct html h;
    const char *title;

    if (store_txn_begin(req->server->store, false, &txn) != POD_OK)
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    if (load_aspects(req, txn, me, &as) != POD_OK) {
        store_txn_abort(txn);
        return web_reply_error(req, 500, "The aspects could not be read.");
    }
    ch.selected = as.n;
    for (size_t i = 0; a_id && i < as.n; i++)
        if (as.a[i].id == a_id)
            ch.selected = i;
    if (a_id && ch.selected == as.n) {
        store_txn_abort(txn);
        return web_reply_error(req, 404, "No such aspect.");
    }
    ch.txn = bh.txn = txn;
    ch.as = &as;
    ch.h = bh.h = &h;
    ch.here = a_id ? pod_arena_printf(&req->arena, "/contacts?a_id=%llu", (unsigned long long)a_id)
                   : "/contacts";
    title = ch.selected < as.n ? as.a[ch.selected].name : T("Contacts");

    html_init(&h, req);
    html_page_begin(&h, title);
    html_raw(&h, "<h1 dir=\"auto\">");
    html_text(&h, title);
    html_raw(&h, "</h1>\n");
    aspect_nav(&h, &as, ch.selected);
    if (ch.selected < as.n)
        aspect_manage(&h, &as.a[ch.selected], ch.here);
    html_raw(&h, "<section aria-labelledby=\"people-h\"><h2 id=\"people-h\">");
    html_text(&h, ch.selected < as.n ? T("People in this aspect") : T("Your contacts"));
    html_raw(&h, "</h2><ul class=\"people contacts\">\n");
    store_contacts_each(txn, me, contact_row, &ch);
    html_raw(&h, "</ul>");
    if (ch.shown == 0) {
        html_raw(&h, "<p class=\"empty\">");
        html_text(&h, ch.selected < as.n ? T("Nobody is in this aspect yet.")
                                         : T("You share with nobody yet."));
        html_raw(&h, " <a href=\"/search\">");
        html_text(&h, T("Find people"));
        html_raw(&h, "</a></p>");
    }
    html_raw(&h, "</section>\n<section aria-labelledby=\"new-aspect-h\"><h2 id=\"new-aspect-h\">");
    html_text(&h, T("New aspect"));
    html_raw(&h, "</h2><form class=\"row\" method=\"post\" action=\"/aspects\">");
    html_csrf_field(&h);
    html_raw(&h, "<label for=\"new-aspect-name\">");
    html_text(&h, T("Name"));
    html_raw(&h, "</label><input type=\"text\" id=\"new-aspect-name\" name=\"aspect[name]\" "
                 "required maxlength=\"20\" dir=\"auto\"><button type=\"submit\">");
    html_text(&h, T("Create aspect"));
    html_raw(&h, "</button></form></section>\n");
    store_blocks_each(txn, me, blocked_row, &bh);
    if (bh.shown)
        html_raw(&h, "</ul></section>\n");
    store_txn_abort(txn);
    html_page_end(&h);
    return web_reply_html(req, 200, &h);
}
