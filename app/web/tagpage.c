/*
 * tagpage.c - the pages of tags for browsers: a tag's posts with a
 * Follow / Stop following button (GET /tags/NAME; its JSON stays in
 * social.c) and the followed tags with forms to follow and unfollow
 * (GET /tag_followings; its JSON and the follow endpoints are in
 * social_more.c, which answer forms with 303 back here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/visibility.h"
#include "social/actions.h"
#include "store/contacts.h"
#include "store/posts.h"
#include "web/handler_kit.h"
#include "web/handlers.h"
#include "web/html.h"
#include "web/i18n.h"
#include "web/people.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"
#include "web/ui.h"

struct following_find {
    const char *tag;
    uint64_t id;
};

static int
following_match(uint64_t id, const char *tag, void *ctx)
{
    struct following_find *ff = ctx;

    if (strcmp(tag, ff->tag) != 0)
        return 0;
    ff->id = id;
    return 1;
}

uint64_t
web_tag_following_id(struct store_txn *txn, uint64_t viewer, const char *tag)
{
    struct following_find ff = {tag, 0};

    if (viewer && tag)
        store_tags_followed_each(txn, viewer, following_match, &ff);
    return ff.id;
}

#define TAG_COUNT_SCAN 1000 /* posts of a tag web_tag_count looks at */
#define TAG_PROBE_SCAN 200  /* ... when asked only whether there is one */

struct tag_count {
    struct store_txn *txn;
    uint64_t viewer;
    size_t n, max;
};

static int
count_visible(uint64_t post, int64_t created_at, void *ctx)
{
    struct tag_count *tc = ctx;
    unsigned char block[512];
    struct pod_arena a;
    struct store_post p;
    struct pod_post_facts f;

    (void)created_at;
    pod_arena_init(&a, block, sizeof block, 256 * 1024);
    if (store_post_get(tc->txn, post, &a, &p) == POD_OK) {
        social_post_facts(tc->txn, &p, tc->viewer, &f);
        if (pod_post_visible(&f, tc->viewer))
            tc->n++;
    }
    pod_arena_free(&a);
    return tc->n >= tc->max ? 1 : 0;
}

size_t
web_tag_count(struct store_txn *txn, uint64_t viewer, const char *tag, size_t max)
{
    struct tag_count tc = {txn, viewer, 0, max};

    if (max > 0)
        store_stream_tag(txn, tag, INT64_MAX, UINT64_MAX,
                         max == 1 ? TAG_PROBE_SCAN : TAG_COUNT_SCAN, count_visible, &tc);
    return tc.n;
}

void
web_tag_link(struct html *h, const char *tag)
{
    html_raw(h, "<a class=\"tag\" href=\"/tags/");
    html_text(h, web_url_encode(h->req, tag));
    html_raw(h, "\">#");
    html_text(h, tag);
    html_raw(h, "</a> ");
}

void
web_tag_follow_button(struct html *h, struct store_txn *txn, uint64_t viewer, const char *tag,
                      const char *return_to)
{
    struct web_req *req = h->req;
    uint64_t id = web_tag_following_id(txn, viewer, tag);
    char action[64];

    if (!viewer)
        return;
    if (id) {
        snprintf(action, sizeof action, "/tag_followings/%llu", (unsigned long long)id);
        html_raw(h, "<form class=\"inline\" method=\"post\" action=\"");
        html_text(h, action);
        html_raw(h, "\"><input type=\"hidden\" name=\"_method\" value=\"delete\">");
    } else {
        html_raw(h, "<form class=\"inline\" method=\"post\" action=\"/tag_followings\">"
                    "<input type=\"hidden\" name=\"name\" value=\"");
        html_text(h, tag);
        html_raw(h, "\">");
    }
    html_csrf_field(h);
    web_return_to_field(h, return_to);
    html_printf(h, "<button type=\"submit\"%s>", id ? " class=\"secondary\"" : "");
    html_fill(h, id ? T("Stop following #{}") : T("Follow #{}"), tag);
    html_raw(h, "</button></form>");
}

/* ------------------------------------------------------------ GET /tags/NAME */

int
web_tag_page(struct web_req *req, const char *tag)
{
    uint64_t viewer = web_viewer(req);
    const char *here = pod_arena_printf(&req->arena, "/tags/%s", web_url_encode(req, tag));
    const char *title = pod_arena_printf(&req->arena, "#%s", tag);
    struct store_txn *txn = NULL;
    struct web_stream_cursor cur;
    cJSON *arr = NULL;
    struct html h;
    int rc;

    if (!here || !title)
        return web_reply_error(req, 500, "Out of memory");
    if (store_txn_begin(req->server->store, false, &txn) != POD_OK)
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    web_stream_cursor_from_query(req, &cur);
    rc = web_tag_posts_json(req, txn, tag, &cur, &arr);
    if (rc != POD_OK) {
        store_txn_abort(txn);
        return web_reply_error(req, 500, "The stream could not be read.");
    }
    html_init(&h, req);
    html_page_begin(&h, title);
    html_raw(&h, "<div class=\"tag-head\"><h1 dir=\"auto\">");
    html_text(&h, title);
    html_raw(&h, "</h1>");
    web_tag_follow_button(&h, txn, viewer, tag, here);
    html_raw(&h, "</div>\n");
    if (viewer) {
        html_raw(&h, "<p class=\"muted\"><a href=\"/tag_followings\">");
        html_text(&h, T("Tags you follow"));
        html_raw(&h, "</a></p>");
    }
    ui_stream_posts(&h, txn, arr, viewer, cur.max_time, cur.before_id, T("Nothing here yet."));
    cJSON_Delete(arr);
    store_txn_abort(txn);
    html_page_end(&h);
    return web_reply_html(req, 200, &h);
}

/* ------------------------------------------------------------ GET /tag_followings */

struct followings_html {
    struct html *h;
    size_t shown;
};

static int
following_row(uint64_t id, const char *tag, void *ctx)
{
    struct followings_html *fh = ctx;
    struct web_req *req = fh->h->req;
    char action[64];

    if (fh->shown++ == 0)
        html_raw(fh->h, "<ul class=\"tag-followings\">");
    html_raw(fh->h, "<li>");
    web_tag_link(fh->h, tag);
    snprintf(action, sizeof action, "/tag_followings/%llu", (unsigned long long)id);
    html_raw(fh->h, "<form class=\"inline\" method=\"post\" action=\"");
    html_text(fh->h, action);
    html_raw(fh->h, "\"><input type=\"hidden\" name=\"_method\" value=\"delete\">");
    html_csrf_field(fh->h);
    web_return_to_field(fh->h, "/tag_followings");
    html_raw(fh->h, "<button type=\"submit\" class=\"secondary\">");
    html_fill(fh->h, T("Stop following #{}"), tag);
    html_raw(fh->h, "</button></form></li>\n");
    return 0;
}

int
web_tag_followings_page(struct web_req *req)
{
    struct followings_html fh = {0};
    struct store_txn *txn = NULL;
    struct html h;

    if (store_txn_begin(req->server->store, false, &txn) != POD_OK)
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    html_init(&h, req);
    fh.h = &h;
    html_page_begin(&h, T("Followed tags"));
    html_raw(&h, "<h1>");
    html_text(&h, T("Followed tags"));
    html_raw(&h, "</h1>\n<section aria-labelledby=\"follow-h\"><h2 id=\"follow-h\">");
    html_text(&h, T("Follow a tag"));
    html_raw(&h, "</h2><form class=\"row\" method=\"post\" action=\"/tag_followings\">");
    html_csrf_field(&h);
    web_return_to_field(&h, "/tag_followings");
    html_raw(&h, "<label for=\"follow-tag\">");
    html_text(&h, T("Tag"));
    html_raw(&h, "</label><input type=\"text\" id=\"follow-tag\" name=\"name\" required "
                 "maxlength=\"65\" autocomplete=\"off\" placeholder=\"#photography\">"
                 "<button type=\"submit\">");
    html_text(&h, T("Follow"));
    html_raw(&h, "</button></form></section>\n<section aria-labelledby=\"followed-h\">"
                 "<h2 id=\"followed-h\">");
    html_text(&h, T("Tags you follow"));
    html_raw(&h, "</h2>");
    store_tags_followed_each(txn, web_viewer(req), following_row, &fh);
    store_txn_abort(txn);
    if (fh.shown) {
        html_raw(&h, "</ul><p><a href=\"/followed_tags\">");
        html_text(&h, T("Posts with the tags you follow"));
        html_raw(&h, "</a></p>");
    } else {
        html_raw(&h, "<p class=\"empty\">");
        html_text(&h, T("You follow no tags yet."));
        html_raw(&h, "</p>");
    }
    html_raw(&h, "</section>\n");
    html_page_end(&h);
    return web_reply_html(req, 200, &h);
}
