#include "web/ui.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/text.h"
#include "drivers/clock/clock.h"
#include "store/contacts.h"
#include "store/people.h"
#include "web/i18n.h"
#include "web/present.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"
#include "core/error.h"

/* ------------------------------------------------------------ small pieces */

static const char *
str_of(const cJSON *o, const char *name)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;

    return cJSON_IsString(v) ? v->valuestring : "";
}

static double
num_of(const cJSON *o, const char *name)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;

    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

int64_t
ui_parse_time(const char *iso)
{
    struct tm tm = {0};
    const char *end;

    if (!iso || !(end = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm)))
        return 0;
    return (int64_t)timegm(&tm);
}

void
ui_time(struct html *h, int64_t t)
{
    struct web_req *req = h->req;
    time_t tt = (time_t)t;
    int64_t ago = drv_clock_wall() - t;
    struct tm tm;
    char iso[32], shown[40];

    gmtime_r(&tt, &tm);
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    strftime(shown, sizeof shown, "%Y-%m-%d %H:%M UTC", &tm);
    html_printf(h, "<time class=\"rel\" datetime=\"%s\" title=\"%s\">", iso, shown);
    if (ago < 60)
        html_text(h, T("just now"));
    else if (ago < 3600)
        html_fill_n(h, T("{} min ago"), (long long)(ago / 60));
    else if (ago < 86400)
        html_fill_n(h, T("{} h ago"), (long long)(ago / 3600));
    else if (ago < 30 * 86400)
        html_fill_n(h, T("{} days ago"), (long long)(ago / 86400));
    else
        html_text(h, shown);
    html_raw(h, "</time>");
}

const char *
ui_local_url(struct web_req *req, const char *url)
{
    const char *base = req->server->pod_url; /* ends in '/' */
    size_t n = strlen(base);

    if (url && n > 1 && strncmp(url, base, n) == 0)
        return url + n - 1;
    return url;
}

void
ui_avatar(struct html *h, const cJSON *person, const char *size, int px)
{
    const cJSON *avatar = person ? cJSON_GetObjectItemCaseSensitive(person, "avatar") : NULL;
    const char *url = str_of(avatar, size);

    html_printf(h,
                "<img class=\"avatar\" alt=\"\" width=\"%d\" height=\"%d\" loading=\"lazy\" src=\"",
                px, px);
    html_text(h, url[0] ? ui_local_url(h->req, url) : "/assets/user/default.png");
    html_raw(h, "\">");
}

void
ui_person_link(struct html *h, const cJSON *person)
{
    html_raw(h, "<a class=\"name\" dir=\"auto\" href=\"/people/");
    html_text(h, str_of(person, "guid"));
    html_raw(h, "\" title=\"");
    html_text(h, str_of(person, "diaspora_id"));
    html_raw(h, "\">");
    html_text(h, person ? str_of(person, "name") : "?");
    html_raw(h, "</a>");
}

struct mention_ctx {
    struct web_req *req;
    struct store_txn *txn;
};

static int
resolve_mention(const char *diaspora_id, const char **name, const char **url, void *ctx)
{
    struct mention_ctx *mc = ctx;
    struct store_person p;

    if (!mc->txn || store_person_get_by_diaspora_id(mc->txn, diaspora_id, &p) != POD_OK)
        return 0;
    *name = present_person_name(mc->req, mc->txn, &p);
    *url = pod_arena_printf(&mc->req->arena, "/people/%s", p.guid);
    return 0;
}

void
ui_markdown(struct html *h, struct store_txn *txn, const char *text)
{
    struct mention_ctx mc = {h->req, txn};
    char *out;

    if (!text || !*text)
        return;
    out = pod_text_render(text, strlen(text), resolve_mention, &mc, &h->req->arena);
    if (out)
        html_raw(h, out);
    else
        html_text(h, text); /* too long to render: shown as plain text */
}

/* True when the tag name at name (up to ' ', '>' or '/') is a block
 * element of the renderer's output: its edges separate words. */
static bool
block_tag(const char *name)
{
    static const char *const blocks[] = {"p",  "h1", "h2", "h3",    "h4", "h5",  "h6",
                                         "li", "ul", "ol", "br",    "hr", "pre", "blockquote",
                                         "tr", "td", "th", "table", "div"};
    size_t n = strcspn(name, " >/");

    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        if (strlen(blocks[i]) == n && strncmp(name, blocks[i], n) == 0)
            return true;
    return false;
}

const char *
ui_plain_excerpt(struct web_req *req, struct store_txn *txn, const char *text, size_t max)
{
    static const struct {
        const char *entity;
        char c;
    } entities[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    struct mention_ctx mc = {req, txn};
    const char *html;
    char *out;
    size_t o = 0, char_start = 0;
    bool space = false, cut = false;

    if (!text || !*text)
        return "";
    html = pod_text_render(text, strlen(text), resolve_mention, &mc, &req->arena);
    if (!html)
        html = text;
    out = pod_arena_alloc(&req->arena, max + sizeof "…");
    if (!out)
        return "";
    for (const char *p = html; *p && !cut;) {
        char c = *p;
        if (c == '<') { /* a tag: block tags separate words, inline ones do not */
            const char *end = strchr(p, '>');
            if (block_tag(p[1] == '/' ? p + 2 : p + 1))
                space = o > 0;
            p = end ? end + 1 : p + strlen(p);
            continue;
        }
        if (c == '&') {
            size_t k;
            for (k = 0; k < sizeof entities / sizeof entities[0]; k++)
                if (!strncmp(p, entities[k].entity, strlen(entities[k].entity)))
                    break;
            if (k < sizeof entities / sizeof entities[0]) {
                c = entities[k].c;
                p += strlen(entities[k].entity) - 1;
            }
        }
        p++;
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            space = o > 0;
            continue;
        }
        if (o + (space ? 1 : 0) + 1 > max) {
            /* c is the first byte left out: if it continues a character,
             * that character's first bytes go too. */
            if (((unsigned char)c & 0xC0) == 0x80)
                o = char_start;
            cut = true;
            break;
        }
        if (space)
            out[o++] = ' ';
        space = false;
        if (((unsigned char)c & 0xC0) != 0x80)
            char_start = o;
        out[o++] = c;
    }
    if (cut) {
        memcpy(out + o, "…", sizeof "…");
    } else {
        out[o] = '\0';
    }
    return out;
}

/* A small form that POSTs to action (with _method when method is not
 * POST) and a submit button; data-remote lets app.js send it in place. */
static void
action_form(struct html *h, const char *action, const char *method, const char *label,
            const char *button_class, const char *confirm, const char *return_to)
{
    html_raw(h, "<form class=\"inline\" method=\"post\" data-remote action=\"");
    html_text(h, action);
    html_raw(h, "\">");
    html_csrf_field(h);
    if (method && strcmp(method, "post") != 0)
        html_printf(h, "<input type=\"hidden\" name=\"_method\" value=\"%s\">", method);
    if (return_to) {
        html_raw(h, "<input type=\"hidden\" name=\"return_to\" value=\"");
        html_text(h, return_to);
        html_raw(h, "\">");
    }
    html_printf(h, "<button type=\"submit\" class=\"%s\"", button_class ? button_class : "link");
    if (confirm) {
        html_raw(h, " data-confirm=\"");
        html_text(h, confirm);
        html_raw(h, "\"");
    }
    html_raw(h, ">");
    html_text(h, label);
    html_raw(h, "</button></form>");
}

/* ------------------------------------------------------------ posts */

void
ui_count(struct html *h, double n, const char *one, const char *many)
{
    if (n == 1)
        html_text(h, one);
    else
        html_fill_n(h, many, (long long)n);
}

/* The id of viewer's like among likes (0 when none). */
static uint64_t
own_like(const cJSON *likes, uint64_t viewer)
{
    const cJSON *l;

    cJSON_ArrayForEach(l, likes)
    {
        const cJSON *author = cJSON_GetObjectItemCaseSensitive(l, "author");
        if ((uint64_t)num_of(author, "id") == viewer)
            return (uint64_t)num_of(l, "id");
    }
    return 0;
}

static void
ui_comment(struct html *h, struct store_txn *txn, const cJSON *c, const char *post_guid,
           uint64_t viewer, uint64_t post_author)
{
    struct web_req *req = h->req;
    const cJSON *author = cJSON_GetObjectItemCaseSensitive(c, "author");
    uint64_t author_id = (uint64_t)num_of(author, "id");
    char action[200];

    html_printf(h, "<article class=\"comment\" id=\"comment-%s\"><header>", str_of(c, "guid"));
    ui_avatar(h, author, "small", 32);
    html_raw(h, "<div class=\"who\">");
    ui_person_link(h, author);
    html_raw(h, " <span class=\"meta\">");
    ui_time(h, ui_parse_time(str_of(c, "created_at")));
    html_raw(h, "</span></div></header><div class=\"body\" dir=\"auto\">");
    ui_markdown(h, txn, str_of(c, "text"));
    html_raw(h, "</div>");
    if (viewer && (viewer == author_id || viewer == post_author)) {
        snprintf(action, sizeof action, "/posts/%s/comments/%llu", post_guid,
                 (unsigned long long)num_of(c, "id"));
        html_raw(h, "<div class=\"actions\">");
        action_form(h, action, "delete", T("Delete comment"), NULL, T("Delete this comment?"),
                    NULL);
        html_raw(h, "</div>");
    }
    html_raw(h, "</article>\n");
}

static void
ui_poll(struct html *h, const cJSON *post, uint64_t viewer)
{
    struct web_req *req = h->req;
    const cJSON *poll = cJSON_GetObjectItemCaseSensitive(post, "poll");
    const cJSON *answers = cJSON_GetObjectItemCaseSensitive(poll, "poll_answers"), *a;
    const cJSON *own = cJSON_GetObjectItemCaseSensitive(post, "poll_participation_answer_id");
    double total = num_of(poll, "participation_count");
    bool voted = cJSON_IsNumber(own);

    if (!cJSON_IsObject(poll))
        return;
    html_raw(h, "<div class=\"poll\">");
    if (viewer && !voted) {
        html_raw(h, "<form method=\"post\" data-remote action=\"/posts/");
        html_text(h, str_of(post, "guid"));
        html_raw(h, "/poll_participations\">");
        html_csrf_field(h);
    }
    html_raw(h, "<fieldset><legend dir=\"auto\">");
    html_text(h, str_of(poll, "question"));
    html_raw(h, "</legend>");
    cJSON_ArrayForEach(a, answers)
    {
        double votes = num_of(a, "vote_count");
        int id = (int)num_of(a, "id");
        if (viewer && !voted) {
            html_printf(h,
                        "<label class=\"inline\"><input type=\"radio\" name=\"poll_answer_id\" "
                        "value=\"%d\" required> <bdi>",
                        id);
            html_text(h, str_of(a, "answer"));
            html_raw(h, "</bdi></label><br>");
        } else {
            html_raw(h, "<div><bdi>");
            html_text(h, str_of(a, "answer"));
            html_printf(h, "</bdi> <span class=\"meta\">(%.0f)</span>", votes);
            if (voted && (int)own->valuedouble == id)
                html_printf(h, " <strong>%s</strong>", T("your vote"));
            html_printf(h, "<br><meter min=\"0\" max=\"%.0f\" value=\"%.0f\"></meter></div>",
                        total > 0 ? total : 1, votes);
        }
    }
    html_raw(h, "</fieldset>");
    html_printf(h, "<p class=\"meta\">");
    ui_count(h, total, T("1 vote"), T("{} votes"));
    html_raw(h, "</p>");
    if (viewer && !voted) {
        html_raw(h, "<button type=\"submit\">");
        html_text(h, T("Vote"));
        html_raw(h, "</button></form>");
    }
    html_raw(h, "</div>");
}

/* The body of a post: text, photos, poll, location (not its actions). */
static void
post_body(struct html *h, struct store_txn *txn, const cJSON *post, uint64_t viewer)
{
    struct web_req *req = h->req;
    const cJSON *photos = cJSON_GetObjectItemCaseSensitive(post, "photos"), *ph;
    const cJSON *loc = cJSON_GetObjectItemCaseSensitive(post, "location");

    html_raw(h, "<div class=\"body\" dir=\"auto\">");
    ui_markdown(h, txn, str_of(post, "text"));
    html_raw(h, "</div>");
    if (cJSON_GetArraySize(photos) > 0) {
        html_raw(h, "<div class=\"photos\">");
        cJSON_ArrayForEach(ph, photos)
        {
            const cJSON *sizes = cJSON_GetObjectItemCaseSensitive(ph, "sizes");
            html_raw(h, "<a href=\"");
            html_text(h, ui_local_url(req, str_of(sizes, "large")));
            html_raw(h, "\"><img loading=\"lazy\" src=\"");
            html_text(h, ui_local_url(req, str_of(sizes, "medium")));
            html_raw(h, "\" alt=\"");
            html_text(h, T("Photo"));
            html_raw(h, "\"></a>");
        }
        html_raw(h, "</div>");
    }
    ui_poll(h, post, viewer);
    if (cJSON_IsObject(loc)) {
        html_raw(h, "<p class=\"meta\">");
        html_text(h, T("Location:"));
        html_raw(h, " <bdi>");
        html_text(h, str_of(loc, "address"));
        html_raw(h, "</bdi></p>");
    }
}

/* "by NAME, TIME, Public|Limited" under the author's name. */
static void
post_header(struct html *h, const cJSON *post, bool link_time)
{
    struct web_req *req = h->req;
    const cJSON *author = cJSON_GetObjectItemCaseSensitive(post, "author");
    const cJSON *pub = cJSON_GetObjectItemCaseSensitive(post, "public");

    html_raw(h, "<header>");
    ui_avatar(h, author, "small", 40);
    html_raw(h, "<div class=\"who\">");
    ui_person_link(h, author);
    html_raw(h, "<div class=\"meta\">");
    if (link_time) {
        html_raw(h, "<a href=\"/posts/");
        html_text(h, str_of(post, "guid"));
        html_raw(h, "\">");
    }
    ui_time(h, ui_parse_time(str_of(post, "created_at")));
    if (link_time)
        html_raw(h, "</a>");
    html_raw(h, " · ");
    html_text(h, cJSON_IsTrue(pub) ? T("Public") : T("Limited"));
    if (str_of(post, "provider_display_name")[0]) {
        html_raw(h, " · ");
        html_text(h, T("via"));
        html_raw(h, " <bdi>");
        html_text(h, str_of(post, "provider_display_name"));
        html_raw(h, "</bdi>");
    }
    html_raw(h, "</div></div></header>");
}

void
ui_post(struct html *h, struct store_txn *txn, const cJSON *post, uint64_t viewer, bool full)
{
    struct web_req *req = h->req;
    const char *guid = str_of(post, "guid");
    const cJSON *author = cJSON_GetObjectItemCaseSensitive(post, "author");
    const cJSON *inter = cJSON_GetObjectItemCaseSensitive(post, "interactions");
    const cJSON *likes = cJSON_GetObjectItemCaseSensitive(inter, "likes");
    const cJSON *comments = cJSON_GetObjectItemCaseSensitive(inter, "comments"), *c;
    const cJSON *root = cJSON_GetObjectItemCaseSensitive(post, "root");
    uint64_t author_id = (uint64_t)num_of(author, "id");
    uint64_t liked = own_like(likes, viewer);
    bool reshare = strcmp(str_of(post, "post_type"), "Reshare") == 0;
    double n_comments = num_of(inter, "comments_count");
    double n_likes = num_of(inter, "likes_count"), n_reshares = num_of(inter, "reshares_count");
    char action[200], here[160];

    snprintf(here, sizeof here, "/posts/%s", guid);
    html_printf(h,
                "<article class=\"card post\" data-guid=\"%s\" data-full=\"%d\" "
                "aria-labelledby=\"by-%s\">",
                guid, full ? 1 : 0, guid);
    html_printf(h, "<span id=\"by-%s\" class=\"visually-hidden\">", guid);
    html_text(h, T("Post by"));
    html_raw(h, " <bdi>");
    html_text(h, str_of(author, "name"));
    html_raw(h, "</bdi></span>");
    post_header(h, post, !full);
    if (reshare) {
        html_raw(h, "<p class=\"meta\">");
        html_text(h, T("reshared"));
        html_raw(h, "</p><div class=\"reshared\">");
        if (cJSON_IsObject(root)) {
            post_header(h, root, true);
            post_body(h, txn, root, viewer);
        } else {
            html_raw(h, "<p class=\"muted\">");
            html_text(h, T("The original post was deleted."));
            html_raw(h, "</p>");
        }
        html_raw(h, "</div>");
    } else {
        post_body(h, txn, post, viewer);
    }

    html_raw(h, "<p class=\"counts\">");
    ui_count(h, n_likes, T("1 like"), T("{} likes"));
    html_raw(h, " · ");
    ui_count(h, n_comments, T("1 comment"), T("{} comments"));
    html_raw(h, " · ");
    ui_count(h, n_reshares, T("1 reshare"), T("{} reshares"));
    html_raw(h, "</p>");
    if (full && cJSON_GetArraySize(likes) > 0) {
        const cJSON *l;
        bool first = true;
        html_raw(h, "<p class=\"likers\">");
        html_text(h, T("Liked by"));
        html_raw(h, " ");
        cJSON_ArrayForEach(l, likes)
        {
            if (!first)
                html_raw(h, ", ");
            first = false;
            ui_person_link(h, cJSON_GetObjectItemCaseSensitive(l, "author"));
        }
        html_raw(h, "</p>");
    }

    if (viewer) {
        html_raw(h, "<div class=\"actions\">");
        if (liked) {
            snprintf(action, sizeof action, "/posts/%s/likes/%llu", guid,
                     (unsigned long long)liked);
            action_form(h, action, "delete", T("Unlike"), NULL, NULL, here);
        } else {
            snprintf(action, sizeof action, "/posts/%s/likes", guid);
            action_form(h, action, "post", T("Like"), NULL, NULL, here);
        }
        /* Public posts of others can be reshared (the root of a reshare). */
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(post, "public")) && author_id != viewer) {
            const char *root_guid = reshare && cJSON_IsObject(root) ? str_of(root, "guid") : guid;
            if (!reshare || cJSON_IsObject(root)) {
                html_raw(h, "<form class=\"inline\" method=\"post\" data-remote "
                            "action=\"/reshares\">");
                html_csrf_field(h);
                html_raw(h, "<input type=\"hidden\" name=\"root_guid\" value=\"");
                html_text(h, root_guid);
                html_raw(h, "\"><button type=\"submit\" class=\"link\" data-confirm=\"");
                html_text(h, T("Reshare this post?"));
                html_raw(h, "\">");
                html_text(h, T("Reshare"));
                html_raw(h, "</button></form>");
            }
        }
        if (!full) {
            html_raw(h, "<a href=\"/posts/");
            html_text(h, guid);
            html_raw(h, "#comment-form-");
            html_text(h, guid);
            html_raw(h, "\">");
            html_text(h, T("Comment"));
            html_raw(h, "</a>");
        }
        if (author_id == viewer)
            action_form(h, here, "delete", T("Delete"), NULL, T("Delete this post?"), NULL);
        html_raw(h, "</div>");
    }

    html_raw(h, "<div class=\"comments\" role=\"region\" aria-label=\"");
    html_text(h, T("Comments"));
    html_raw(h, "\">");
    if (!full && n_comments > cJSON_GetArraySize(comments)) {
        html_raw(h, "<p class=\"meta\"><a href=\"/posts/");
        html_text(h, guid);
        html_raw(h, "\">");
        html_fill_n(h, T("Show all {} comments"), (long long)n_comments);
        html_raw(h, "</a></p>");
    }
    cJSON_ArrayForEach(c, comments) ui_comment(h, txn, c, guid, viewer, author_id);
    if (viewer) {
        html_printf(h,
                    "<form class=\"comment-form\" id=\"comment-form-%s\" method=\"post\" "
                    "data-remote action=\"/posts/%s/comments\">",
                    guid, guid);
        html_csrf_field(h);
        html_printf(h, "<input type=\"hidden\" name=\"return_to\" value=\"%s\">", here);
        html_printf(h, "<label class=\"visually-hidden\" for=\"comment-text-%s\">", guid);
        html_text(h, T("Your comment"));
        html_printf(h,
                    "</label><textarea id=\"comment-text-%s\" name=\"text\" required "
                    "maxlength=\"65535\" data-autocomplete placeholder=\"",
                    guid);
        html_text(h, T("Write a comment…"));
        html_raw(h, "\"></textarea><button type=\"submit\">");
        html_text(h, T("Comment"));
        html_raw(h, "</button></form>");
    }
    html_raw(h, "</div></article>\n");
}

/* ------------------------------------------------------------ publisher */

struct aspect_options {
    struct html *h;
    uint64_t selected;
};

static int
aspect_option(const struct store_aspect *a, void *ctx)
{
    struct aspect_options *ao = ctx;

    html_printf(ao->h, "<option value=\"%llu\"%s>", (unsigned long long)a->id,
                a->id == ao->selected ? " selected" : "");
    html_text(ao->h, a->name);
    html_raw(ao->h, "</option>");
    return 0;
}

void
ui_publisher(struct html *h, struct store_txn *txn, uint64_t viewer, uint64_t aspect,
             const char *text, const char *return_to)
{
    struct web_req *req = h->req;
    struct aspect_options ao = {h, aspect};

    html_raw(h, "<form class=\"card publisher\" method=\"post\" action=\"/status_messages\" "
                "enctype=\"multipart/form-data\">");
    html_csrf_field(h);
    html_raw(h, "<input type=\"hidden\" name=\"return_to\" value=\"");
    html_text(h, return_to ? return_to : req->path);
    html_raw(h, "\"><label class=\"visually-hidden\" for=\"publisher-text\">");
    html_text(h, T("What's on your mind?"));
    html_raw(h, "</label><textarea id=\"publisher-text\" name=\"status_message[text]\" "
                "maxlength=\"65535\" data-autocomplete placeholder=\"");
    html_text(h, T("What's on your mind?"));
    html_raw(h, "\">");
    html_text(h, text);
    html_raw(h, "</textarea><div class=\"preview\" aria-live=\"polite\"></div>"
                "<details><summary>");
    html_text(h, T("Photo"));
    html_raw(h, "</summary><label for=\"publisher-photo\">");
    html_text(h, T("Add a photo (JPEG, PNG, WebP or GIF)"));
    html_raw(h,
             "</label><input type=\"file\" id=\"publisher-photo\" name=\"file\" "
             "accept=\"image/jpeg,image/png,image/webp,image/gif\"></details><details><summary>");
    html_text(h, T("Poll"));
    html_raw(h, "</summary><label for=\"poll-question\">");
    html_text(h, T("Question"));
    html_raw(h, "</label><input type=\"text\" id=\"poll-question\" name=\"poll_question\" "
                "maxlength=\"255\">");
    for (int i = 1; i <= 4; i++) {
        html_printf(h, "<label for=\"poll-answer-%d\">", i);
        html_fill_n(h, T("Answer {}"), i);
        html_printf(h,
                    "</label><input type=\"text\" id=\"poll-answer-%d\" name=\"poll_answers[]\" "
                    "maxlength=\"255\">",
                    i);
    }
    html_raw(h, "</details><details><summary>");
    html_text(h, T("Location"));
    html_raw(h, "</summary><label for=\"location-address\">");
    html_text(h, T("Place"));
    html_raw(h, "</label><input type=\"text\" id=\"location-address\" name=\"location_address\" "
                "maxlength=\"255\"><label for=\"location-coords\">");
    html_text(h, T("Coordinates (latitude, longitude)"));
    html_raw(h, "</label><input type=\"text\" id=\"location-coords\" name=\"location_coords\" "
                "inputmode=\"decimal\" placeholder=\"52.52, 13.40\"></details>"
                "<div class=\"row\"><label for=\"publisher-aspects\">");
    html_text(h, T("Share with"));
    html_raw(h, "</label><select id=\"publisher-aspects\" name=\"aspect_ids\">");
    html_printf(h, "<option value=\"public\"%s>", aspect ? "" : " selected");
    html_text(h, T("Public"));
    html_raw(h, "</option><option value=\"all_aspects\">");
    html_text(h, T("All aspects"));
    html_raw(h, "</option>");
    store_aspects_each(txn, viewer, aspect_option, &ao);
    html_raw(h, "</select><button type=\"button\" class=\"secondary\" data-preview>");
    html_text(h, T("Preview"));
    html_raw(h, "</button><button type=\"submit\">");
    html_text(h, T("Share"));
    html_raw(h, "</button></div></form>\n");
}

/* ------------------------------------------------------------ stream pages */

void
ui_stream_posts(struct html *h, struct store_txn *txn, const cJSON *arr, uint64_t viewer,
                int64_t next_time, uint64_t next_id, const char *empty)
{
    const cJSON *post;

    html_raw(h, "<div class=\"stream\">\n");
    cJSON_ArrayForEach(post, arr)
    {
        ui_post(h, txn, post, viewer, false);
    }
    html_raw(h, "</div>\n");
    if (cJSON_GetArraySize(arr) == 0) {
        html_raw(h, "<p class=\"empty\">");
        html_text(h, empty);
        html_raw(h, "</p>");
    } else if (next_time) {
        ui_more_link(h, next_time, next_id);
    }
}

void
ui_more_link(struct html *h, int64_t next_time, uint64_t next_id)
{
    struct web_req *req = h->req;
    const char *q;

    html_raw(h, "<p class=\"more\"><a rel=\"next\" href=\"");
    html_text(h, req->path);
    html_printf(h, "?max_time=%lld&amp;before_id=%llu", (long long)next_time,
                (unsigned long long)next_id);
    for (size_t i = 0; i < req->query.count; i++) {
        if (strcmp(req->query.fields[i].name, "max_time") == 0 ||
            strcmp(req->query.fields[i].name, "before_id") == 0)
            continue;
        q = pod_arena_printf(&req->arena, "&%s=%s", req->query.fields[i].name,
                             req->query.fields[i].value);
        /* Query values are echoed only when they are plain. */
        if (q && strspn(q + 1, "abcdefghijklmnopqrstuvwxyz0123456789_[]=") == strlen(q + 1))
            html_text(h, q);
    }
    html_raw(h, "\">");
    html_text(h, T("More posts"));
    html_raw(h, "</a></p>");
}

int
ui_reply_stream(struct web_req *req, const char *title, const char *intro, bool publisher,
                uint64_t aspect, cJSON *arr, int64_t next_time, uint64_t next_id)
{
    uint64_t viewer = req->session ? req->session->person : 0;
    struct store_txn *txn = NULL;
    struct html h;
    int rc;

    if (store_txn_begin(req->server->store, false, &txn) != POD_OK) {
        cJSON_Delete(arr);
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    }
    html_init(&h, req);
    html_page_begin(&h, title);
    html_raw(&h, "<h1>");
    html_text(&h, title);
    html_raw(&h, "</h1>");
    if (intro) {
        html_raw(&h, "<p class=\"muted\">");
        html_text(&h, intro);
        html_raw(&h, "</p>");
    }
    if (publisher && viewer)
        ui_publisher(&h, txn, viewer, aspect, NULL, NULL);
    ui_stream_posts(&h, txn, arr, viewer, next_time, next_id, T("Nothing here yet."));
    store_txn_abort(txn);
    cJSON_Delete(arr);
    html_page_end(&h);
    rc = web_reply_html(req, 200, &h);
    return rc;
}

int
ui_redirect_back(struct web_req *req, const char *fallback)
{
    const char *to = web_form_value(req, "return_to");

    /* A path on this pod only: "/x", never "//host" or "/\host". */
    if (!to || to[0] != '/' || to[1] == '/' || to[1] == '\\' || strpbrk(to, "\r\n") ||
        strlen(to) > 512)
        to = fallback;
    return web_reply_redirect(req, 303, to);
}
