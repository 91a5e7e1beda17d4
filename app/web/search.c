/*
 * search.c - the search page (GET /search?q=, and GET /people for
 * browsers): people found by name, username or diaspora* ID (only those
 * who let themselves be found), and tags. "#word" looks for tags only;
 * "user@host" looks up that one person; a signed-in person's search for
 * someone this pod does not know yet discovers them on their pod first
 * (federation/discovery_client.h), before the page's transaction begins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "federation/discovery_client.h"
#include "store/contacts.h"
#include "store/mentions.h"
#include "store/people.h"
#include "web/handlers.h"
#include "web/html.h"
#include "web/i18n.h"
#include "web/people.h"
#include "web/present.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"
#include "web/ui.h"

#define PEOPLE_MAX 30 /* people shown for one query */
#define TAGS_MAX   20 /* tags shown for one query */
#define QUERY_MAX  255

struct people_html {
    struct web_req *req;
    struct store_txn *txn;
    struct html *h;
    uint64_t viewer;
    size_t shown;
};

static int
person_row(const struct store_person *p, void *ctx)
{
    struct people_html *ph = ctx;
    struct web_req *req = ph->req;
    struct html *h = ph->h;
    cJSON *pj = present_person(req, ph->txn, p->id);

    if (!pj)
        return 0;
    if (ph->shown++ == 0)
        html_raw(h, "<ul class=\"people results\">");
    html_raw(h, "<li>");
    ui_avatar(h, pj, "small", 48);
    html_raw(h, "<div class=\"who\">");
    web_person_name_link(h, pj);
    html_raw(h, "<div class=\"meta\">");
    html_text(h, p->diaspora_id);
    if (ph->viewer && ph->viewer != p->id) {
        html_raw(h, " · <span class=\"relationship\">");
        html_text(h, web_relationship(req, ph->txn, ph->viewer, p->id));
        html_raw(h, "</span>");
    } else if (ph->viewer == p->id) {
        html_raw(h, " · ");
        html_text(h, T("That is you"));
    }
    html_raw(h, "</div></div><a class=\"button secondary\" href=\"/people/");
    html_text(h, p->guid);
    html_raw(h, "\">");
    html_text(h, T("View profile"));
    html_raw(h, "<span class=\"visually-hidden\"> ");
    html_text(h, present_person_name(req, ph->txn, p));
    html_raw(h, "</span></a></li>\n");
    cJSON_Delete(pj);
    return 0;
}

struct tags_html {
    struct html *h;
    struct store_txn *txn;
    uint64_t viewer;
    const char *exact; /* shown first, skipped when the index names it again */
    const char *here;  /* this page, where the follow buttons lead back */
    size_t shown;
};

static void
tag_row(struct tags_html *th, const char *tag)
{
    struct html *h = th->h;

    if (th->shown++ == 0)
        html_raw(h, "<ul class=\"tag-results\">");
    html_raw(h, "<li>");
    web_tag_link(h, tag);
    web_tag_follow_button(h, th->txn, th->viewer, tag, th->here);
    html_raw(h, "</li>\n");
}

static int
tag_hit(const char *tag, void *ctx)
{
    struct tags_html *th = ctx;

    if (th->exact && strcmp(tag, th->exact) == 0)
        return 0;
    /* Only tags of posts the viewer may see (people.h). */
    if (web_tag_count(th->txn, th->viewer, tag, 1) == 0)
        return 0;
    tag_row(th, tag);
    return th->shown >= TAGS_MAX ? 1 : 0;
}

/* A tag as the store keeps it: without '#', ASCII lowercase, of letters
 * (any script), digits, '_' and '-'. NULL when it is not one. */
static char *
tag_of(struct web_req *req, const char *q)
{
    size_t n;
    char *t;

    while (*q == '#')
        q++;
    n = strlen(q);
    if (n == 0 || n > STORE_TAG_NAME_MAX)
        return NULL;
    t = pod_arena_strdup(&req->arena, q);
    for (size_t i = 0; t && i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c >= 'A' && c <= 'Z')
            t[i] = (char)(c - 'A' + 'a');
        else if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                   c == '-'))
            return NULL;
    }
    return t;
}

/* "user@host" (host with an optional :port): one '@', not first or last,
 * no spaces. */
static bool
looks_like_diaspora_id(const char *q)
{
    const char *at = strchr(q, '@');

    return at && at != q && at[1] && !strchr(at + 1, '@') && !strpbrk(q, " \t");
}

/* Outcomes of discover_unknown besides the POD_* codes of fed_discover. */
enum { DISC_VISITOR = 1, DISC_OFF = 2 };

/* Finds q (a diaspora* ID) on its pod when this pod does not know it yet.
 * Network I/O: called with no transaction open. Only for signed-in people,
 * as diaspora* does. */
static int
discover_unknown(struct web_req *req, const char *q)
{
    struct fed_discovery *d = req->server->cfg.discovery;
    char why[256];

    if (!req->session || !req->session->person)
        return DISC_VISITOR;
    if (!d)
        return DISC_OFF;
    return fed_discover(d, q, 0, NULL, why, sizeof why);
}

/* Why a diaspora* ID is still unknown after discover_unknown said rc. */
static void
discovery_note(struct html *h, int rc)
{
    struct web_req *req = h->req;
    const char *reason;

    if (rc == DISC_VISITOR) {
        html_text(h, T("Sign in to look for people on other pods."));
        return;
    }
    if (rc == DISC_OFF) {
        html_text(h, T("This pod cannot reach other pods through federation."));
        return;
    }
    switch (rc) {
    case POD_ERR_NOTFOUND:
        reason = T("their pod does not know them, or it cannot be found.");
        break;
    case POD_ERR_AUTH:
    case POD_ERR_EXISTS:
        reason = T("their pod may not be contacted from here, or it answered for someone else.");
        break;
    case POD_ERR_BUSY:
        reason = T("too many lookups are running; try again in a moment.");
        break;
    case POD_ERR_INVAL:
        reason = T("this is not a diaspora* ID.");
        break;
    case POD_ERR_PARSE:
    case POD_ERR_LIMIT:
        reason = T("the answer of their pod could not be used.");
        break;
    default:
        reason = T("their pod could not be reached.");
        break;
    }
    html_text(h, T("Looking them up through federation failed:"));
    html_raw(h, " ");
    html_text(h, reason);
}

static void
section_begin(struct html *h, const char *id, const char *title)
{
    html_printf(h, "<section aria-labelledby=\"%s\"><h2 id=\"%s\">", id, id);
    html_text(h, title);
    html_raw(h, "</h2>");
}

static void
empty_note(struct html *h, const char *text)
{
    html_raw(h, "<p class=\"empty\">");
    html_text(h, text);
    html_raw(h, "</p>");
}

struct tag_any {
    struct store_txn *txn;
    uint64_t viewer;
    size_t any;
};

static int
count_tag(const char *tag, void *ctx)
{
    struct tag_any *ta = ctx;

    ta->any = web_tag_count(ta->txn, ta->viewer, tag, 1);
    return ta->any ? 1 : 0;
}

/* Tags beginning with tag, tag itself first (one can follow a tag before
 * anyone used it). Without exact, nothing when no tag begins so. */
static void
tag_results(struct html *h, struct store_txn *txn, uint64_t viewer, const char *tag, bool exact)
{
    struct tag_any ta = {txn, viewer, 0};
    struct web_req *req = h->req;
    const char *q = web_query_value(req, "q");
    struct tags_html th = {h, txn, viewer, exact ? tag : NULL, NULL, 0};

    th.here = pod_arena_printf(&req->arena, "/search?q=%s", web_url_encode(req, q ? q : ""));
    if (!exact &&
        (store_tags_with_prefix(txn, tag, 2 * TAGS_MAX, count_tag, &ta) < 0 || ta.any == 0))
        return;

    section_begin(h, "tags-h", T("Tags"));
    if (exact)
        tag_row(&th, tag);
    store_tags_with_prefix(txn, tag, 2 * TAGS_MAX, tag_hit, &th);
    if (th.shown)
        html_raw(h, "</ul>");
    else
        empty_note(h, T("No tags found."));
    html_raw(h, "</section>\n");
}

int
web_search_page(struct web_req *req)
{
    const char *raw = web_query_value(req, "q");
    uint64_t viewer = req->session ? req->session->person : 0;
    struct people_html ph = {.req = req, .viewer = viewer};
    struct store_txn *txn = NULL;
    struct store_person p;
    struct html h;
    char *q = pod_arena_strdup(&req->arena, raw ? raw : "");
    char *tag;
    size_t n;
    int disc_rc = POD_OK;

    if (!q)
        return web_reply_error(req, 500, "Out of memory");
    /* Spaces around the query mean nothing. */
    while (*q == ' ' || *q == '\t')
        q++;
    n = strlen(q);
    while (n && (q[n - 1] == ' ' || q[n - 1] == '\t'))
        q[--n] = '\0';
    /* Before the transaction: discovery talks to another pod. */
    if (n >= 2 && n <= QUERY_MAX && q[0] != '#' && looks_like_diaspora_id(q))
        disc_rc = discover_unknown(req, q);
    if (store_txn_begin(req->server->store, false, &txn) != POD_OK)
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    ph.txn = txn;
    ph.h = &h;
    html_init(&h, req);
    html_page_begin(&h, n ? pod_arena_printf(&req->arena, "%s: %s", T("Search"), q) : T("Search"));
    html_raw(&h, "<h1>");
    html_text(&h, T("Search"));
    html_raw(&h, "</h1>\n<form class=\"row search-page\" role=\"search\" method=\"get\" "
                 "action=\"/search\"><label class=\"visually-hidden\" for=\"search-q\">");
    html_text(&h, T("Search people and tags"));
    html_raw(&h, "</label><input type=\"search\" id=\"search-q\" name=\"q\" maxlength=\"255\" "
                 "dir=\"auto\" placeholder=\"");
    html_text(&h, T("Name, user@pod or #tag"));
    html_raw(&h, "\" value=\"");
    html_text(&h, q);
    html_raw(&h, "\"><button type=\"submit\">");
    html_text(&h, T("Search"));
    html_raw(&h, "</button></form>\n");

    if (n == 0) {
        html_raw(&h, "<p class=\"muted\">");
        html_text(&h, T("Find people by name or diaspora* ID (user@pod), and tags with #."));
        html_raw(&h, "</p>");
    } else if (n < 2 || n > QUERY_MAX) {
        html_raw(&h, "<p class=\"muted\" role=\"status\">");
        html_text(&h, T("Search for 2 to 255 characters."));
        html_raw(&h, "</p>");
    } else if (q[0] == '#') {
        tag = tag_of(req, q);
        if (tag) {
            tag_results(&h, txn, viewer, tag, true);
        } else {
            section_begin(&h, "tags-h", T("Tags"));
            empty_note(&h, T("A tag is made of letters, digits, '-' and '_'."));
            html_raw(&h, "</section>\n");
        }
    } else if (looks_like_diaspora_id(q)) {
        char *did = pod_arena_strdup(&req->arena, q);
        for (size_t i = 0; did && did[i]; i++)
            if (did[i] >= 'A' && did[i] <= 'Z')
                did[i] = (char)(did[i] - 'A' + 'a');
        section_begin(&h, "people-h", T("People"));
        if (did && store_person_get_by_diaspora_id(txn, did, &p) == POD_OK) {
            person_row(&p, &ph);
            if (ph.shown)
                html_raw(&h, "</ul>");
        } else {
            html_raw(&h, "<p class=\"empty\" role=\"status\">");
            html_fill(&h, T("{} is not known on this pod."), q);
            html_raw(&h, " ");
            discovery_note(&h, disc_rc);
            html_raw(&h, "</p>");
        }
        html_raw(&h, "</section>\n");
    } else {
        const char *name = q[0] == '@' ? q + 1 : q;
        section_begin(&h, "people-h", T("People"));
        if (strlen(name) >= 2)
            store_person_search(txn, name, PEOPLE_MAX, person_row, &ph);
        if (ph.shown)
            html_raw(&h, "</ul>");
        else
            empty_note(&h, T("Nobody found."));
        html_raw(&h, "</section>\n");
        tag = tag_of(req, name);
        if (tag)
            tag_results(&h, txn, viewer, tag, false);
    }
    store_txn_abort(txn);
    html_page_end(&h);
    return web_reply_html(req, 200, &h);
}

int
page_search(struct web_req *req)
{
    return web_search_page(req);
}
