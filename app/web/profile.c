/*
 * profile.c - profile pages (/u/NAME, /people/GUID), the profile editor
 * with avatar upload, avatar files and embedded assets.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "autoconf.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/text.h"
#include "drivers/clock/clock.h"
#include "federation/outbound_account.h"
#include "media/image.h"
#include "store/accounts.h"
#include "store/people.h"
#include "web/assets.h"
#include "web/handlers.h"
#include "web/html.h"
#include "web/i18n.h"
#include "web/people.h"
#include "web/present.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"
#include "web/ui.h"

#define AVATAR_FILE_MAX (1024 * 1024)

const char *
web_avatar_url(struct web_req *req, const struct store_profile *p, const char *size, bool absolute)
{
    const char *base = absolute ? req->server->pod_url : "/";

    /* pod_url ends in '/': skip the path's own leading '/'. */
    if (p && p->avatar[0])
        return pod_arena_printf(&req->arena, "%smedia/avatars/%s-%s.jpg", base, p->avatar, size);
    return pod_arena_printf(&req->arena, "%s%s", base, &WEB_DEFAULT_AVATAR[1]);
}

/* ------------------------------------------------------------ profile page */

/* The details a profile shows to everyone when public_details is set (and
 * to its owner): about, location, gender, birthday, tags. */
static void
profile_about(struct html *h, struct store_txn *txn, const struct store_profile *p)
{
    struct web_req *req = h->req;
    bool tags = false;

    for (int i = 0; i < STORE_PROFILE_TAGS; i++)
        tags |= p->tags[i][0] != '\0';
    if (!p->bio[0] && !p->location[0] && !p->gender[0] && !p->birthday[0] && !tags)
        return;
    html_raw(h, "<section class=\"profile-about\" aria-labelledby=\"about-h\"><h2 id=\"about-h\">");
    html_text(h, T("About"));
    html_raw(h, "</h2>");
    if (p->bio[0]) {
        html_raw(h, "<div class=\"bio\" dir=\"auto\">");
        ui_markdown(h, txn, p->bio);
        html_raw(h, "</div>");
    }
    if (p->location[0] || p->gender[0] || p->birthday[0]) {
        html_raw(h, "<dl class=\"details\">");
        if (p->location[0]) {
            html_raw(h, "<dt>");
            html_text(h, T("Location"));
            html_raw(h, "</dt><dd dir=\"auto\">");
            html_text(h, p->location);
            html_raw(h, "</dd>");
        }
        if (p->gender[0]) {
            html_raw(h, "<dt>");
            html_text(h, T("Gender"));
            html_raw(h, "</dt><dd dir=\"auto\">");
            html_text(h, p->gender);
            html_raw(h, "</dd>");
        }
        if (p->birthday[0]) {
            html_raw(h, "<dt>");
            html_text(h, T("Birthday"));
            html_raw(h, "</dt><dd>");
            html_text(h, p->birthday);
            html_raw(h, "</dd>");
        }
        html_raw(h, "</dl>");
    }
    if (tags) {
        html_raw(h, "<p class=\"tag-list\">");
        for (int i = 0; i < STORE_PROFILE_TAGS; i++)
            if (p->tags[i][0])
                web_tag_link(h, p->tags[i]);
        html_raw(h, "</p>");
    }
    html_raw(h, "</section>\n");
}

/* What the signed-in viewer can do about someone else: share (aspects),
 * write to them, ignore them. */
static void
profile_actions(struct html *h, struct store_txn *txn, uint64_t viewer,
                const struct store_person *person, const char *name, const char *here)
{
    struct web_req *req = h->req;
    uint64_t block = web_block_id(txn, viewer, person->id);
    struct store_contact c;
    bool mutual =
        store_contact_get(txn, viewer, person->id, &c) == POD_OK && c.sharing && c.receiving;
    char action[64];

    html_raw(h, "<section class=\"profile-sharing\" aria-labelledby=\"sharing-h\">"
                "<h2 id=\"sharing-h\">");
    html_text(h, T("Sharing"));
    html_raw(h, "</h2>");
    if (block) {
        html_raw(h, "<p>");
        html_fill(h, T("You ignore {}: their posts and comments are hidden from you."), name);
        html_raw(h, "</p>");
        snprintf(action, sizeof action, "/blocks/%llu", (unsigned long long)block);
        web_button_form(h, action, "delete", T("Stop ignoring"), "secondary", NULL, here);
        html_raw(h, "</section>\n");
        return;
    }
    web_sharing_form(h, txn, viewer, person, here);
    if (mutual) {
        /* A conversation needs a mutual contact (notifications.c). */
        html_printf(h, "<p><a class=\"button\" href=\"/conversations/new?person_id=%llu\">",
                    (unsigned long long)person->id);
        html_text(h, T("Send a message"));
        html_raw(h, "</a></p>");
    } else {
        html_raw(h, "<p class=\"muted\">");
        html_text(h, T("You can write to people who share with you and with whom you share."));
        html_raw(h, "</p>");
    }
    html_raw(h, "<form class=\"inline ignore\" method=\"post\" action=\"/blocks\">");
    html_csrf_field(h);
    html_printf(h, "<input type=\"hidden\" name=\"block[person_id]\" value=\"%llu\">",
                (unsigned long long)person->id);
    web_return_to_field(h, here);
    html_raw(h, "<button type=\"submit\" class=\"danger\" data-confirm=\"");
    html_fill(h, T("Ignore {}? You will no longer see their posts and comments."), name);
    html_raw(h, "\">");
    html_text(h, T("Ignore"));
    html_raw(h, "</button></form></section>\n");
}

/* The person's posts the viewer may see (visitors: public ones), with a
 * "more" link on the same page. */
static void
profile_posts(struct html *h, struct store_txn *txn, uint64_t viewer,
              const struct store_person *person)
{
    struct web_req *req = h->req;
    struct web_stream_cursor cur;
    cJSON *arr = NULL;

    html_raw(h, "<h2 class=\"stream-head\">");
    html_text(h, T("Posts"));
    html_raw(h, "</h2>");
    web_stream_cursor_from_query(req, &cur);
    if (web_person_posts_json(req, txn, person->id, &cur, &arr) != POD_OK)
        cur.max_time = 0;
    ui_stream_posts(h, txn, arr, viewer, cur.max_time, cur.before_id, T("No posts to show."));
    cJSON_Delete(arr);
}

static int
show_profile(struct web_req *req, const struct store_person *person)
{
    uint64_t viewer = req->session ? req->session->person : 0;
    bool own = viewer && viewer == person->id, local = person->username[0] != '\0';
    const char *here = req->path, *name;
    struct store_profile p;
    struct store_txn *txn = NULL;
    struct html h;
    cJSON *pj;
    int rc;

    if (store_txn_begin(req->server->store, false, &txn) != POD_OK)
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    memset(&p, 0, sizeof p);
    rc = local ? store_profile_get(txn, person->username, &p) : POD_OK;
    if (rc != POD_OK && rc != POD_ERR_NOTFOUND) {
        store_txn_abort(txn);
        return web_reply_error(req, 500, "The profile could not be read.");
    }
    name = present_person_name(req, txn, person);
    pj = present_person(req, txn, person->id);
    if (!name || !pj) {
        cJSON_Delete(pj);
        store_txn_abort(txn);
        return web_reply_error(req, 500, "The profile could not be read.");
    }

    html_init(&h, req);
    html_page_begin(&h, name);
    /* diaspora* clients read a person's tags from the keywords meta tag. */
    if (local && (p.public_details || own)) {
        html_raw(&h, "<meta name=\"keywords\" content=\"");
        for (int i = 0, n = 0; i < STORE_PROFILE_TAGS; i++) {
            if (!p.tags[i][0])
                continue;
            html_printf(&h, "%s", n++ ? ", " : "");
            html_text(&h, p.tags[i]);
        }
        html_raw(&h, "\">\n");
    }
    html_raw(&h, "<section class=\"profile profile-head\">");
    ui_avatar(&h, pj, "large", 150);
    html_raw(&h, "<div class=\"who\"><h1 dir=\"auto\">");
    html_text(&h, name);
    html_raw(&h, "</h1><p class=\"muted handle\">");
    html_text(&h, person->diaspora_id);
    html_raw(&h, "</p>");
    if (viewer && !own) {
        html_raw(&h, "<p><span class=\"relationship\">");
        html_text(&h, web_relationship(req, txn, viewer, person->id));
        html_raw(&h, "</span></p>");
    }
    if (p.nsfw) {
        html_raw(&h, "<p><strong>");
        html_text(&h, T("This profile is marked NSFW."));
        html_raw(&h, "</strong></p>");
    }
    if (own) {
        html_raw(&h, "<p><a class=\"button\" href=\"/profile/edit\">");
        html_text(&h, T("Edit your profile"));
        html_raw(&h, "</a> <a href=\"/contacts\">");
        html_text(&h, T("Your contacts"));
        html_raw(&h, "</a></p>");
    }
    if (!local) {
        html_raw(&h, "<p class=\"muted\">");
        html_text(&h, T("This person is on another pod."));
        html_raw(&h, "</p>");
    }
    if (!viewer) {
        html_raw(&h, "<p class=\"muted\"><a href=\"/users/sign_in\">");
        html_text(&h, T("Sign in"));
        html_raw(&h, "</a> ");
        html_text(&h, T("to share with this person."));
        html_raw(&h, "</p>");
    }
    html_raw(&h, "</div></section>\n");
    if (local && (p.public_details || own))
        profile_about(&h, txn, &p);
    if (viewer && !own)
        profile_actions(&h, txn, viewer, person, name, here);
    profile_posts(&h, txn, viewer, person);
    cJSON_Delete(pj);
    store_txn_abort(txn);
    html_page_end(&h);
    return web_reply_html(req, 200, &h);
}

int
page_profile_by_username(struct web_req *req)
{
    struct store_txn *txn = NULL;
    struct store_person person;
    struct store_user u;
    int rc = POD_ERR_NOTFOUND;

    if (pod_username_valid(req->params[0]) &&
        store_txn_begin(req->server->store, false, &txn) == POD_OK) {
        rc = store_user_get(txn, req->params[0], &u);
        if (rc == POD_OK)
            rc = store_person_get_by_username(txn, u.username, &person);
        store_txn_abort(txn);
    }
    if (rc != POD_OK)
        return web_reply_error(req, 404, "There is nobody of that name here.");
    return show_profile(req, &person);
}

int
page_profile_by_guid(struct web_req *req)
{
    struct store_txn *txn = NULL;
    struct store_person person;
    struct store_user u;
    int rc = POD_ERR_NOTFOUND;

    if (req->json)
        return web_person_json(req, req->params[0]);
    if (pod_guid_valid(req->params[0]) &&
        store_txn_begin(req->server->store, false, &txn) == POD_OK) {
        rc = store_person_get_by_guid(txn, req->params[0], &person);
        /* A local person whose account is gone has no profile. */
        if (rc == POD_OK && person.username[0])
            rc = store_user_get(txn, person.username, &u);
        store_txn_abort(txn);
    }
    if (rc != POD_OK)
        return web_reply_error(req, 404, "There is nobody with that ID here.");
    return show_profile(req, &person);
}

/* ------------------------------------------------------------ profile edit */

static void
text_input(struct html *h, const char *id, const char *name, const char *label, const char *value,
           int maxlen)
{
    html_printf(h, "<label for=\"%s\">", id);
    html_text(h, label);
    html_printf(
        h,
        "</label><input type=\"text\" id=\"%s\" name=\"%s\" maxlength=\"%d\" dir=\"auto\" value=\"",
        id, name, maxlen);
    html_text(h, value);
    html_raw(h, "\">");
}

static void
checkbox(struct html *h, const char *id, const char *name, const char *label, bool on)
{
    html_printf(h,
                "<label><input type=\"hidden\" name=\"%s\" value=\"0\">"
                "<input type=\"checkbox\" id=\"%s\" name=\"%s\" value=\"1\"%s> ",
                name, id, name, on ? " checked" : "");
    html_text(h, label);
    html_raw(h, "</label>");
}

/* One part of the birthday (part is "year", "month" or "day"; label is
 * its translated name). */
static void
date_select(struct html *h, const char *part, const char *label, int from, int to, int selected)
{
    html_printf(h, "<select id=\"profile_date_%s\" name=\"profile[date][%s]\" aria-label=\"", part,
                part);
    html_text(h, label);
    html_raw(h, "\"><option value=\"\"></option>");
    for (int v = from; v <= to; v++)
        html_printf(h, "<option value=\"%d\"%s>%d</option>", v, v == selected ? " selected" : "",
                    v);
    html_raw(h, "</select>");
}

static int
profile_form(struct web_req *req, int status, const struct store_profile *p, const char *notice,
             const char *error)
{
    int year = 0, month = 0, day = 0;
    time_t now = (time_t)drv_clock_wall();
    struct tm tm;
    struct html h;

    gmtime_r(&now, &tm);
    if (p->birthday[0])
        sscanf(p->birthday, "%d-%d-%d", &year, &month, &day);
    html_init(&h, req);
    html_page_begin(&h, T("Edit profile"));
    html_raw(&h, "<h1>");
    html_text(&h, T("Your profile"));
    html_raw(&h, "</h1>\n");
    if (notice)
        html_flash(&h, "notice", T(notice));
    if (error)
        html_flash(&h, "error", T(error));
    html_raw(&h, "<section><form method=\"post\" action=\"/profile\" "
                 "enctype=\"multipart/form-data\">"
                 "<input type=\"hidden\" name=\"_method\" value=\"put\">");
    html_csrf_field(&h);
    html_raw(&h, "<p><img class=\"avatar\" width=\"100\" height=\"100\" alt=\"\" src=\"");
    html_text(&h, web_avatar_url(req, p, "medium", false));
    html_raw(&h, "\"></p><label for=\"file\">");
    html_fill_n(&h, T("New picture (JPEG, PNG, GIF or WebP, up to {} MB)"),
                CONFIG_POD_AVATAR_MAX_BYTES / (1024 * 1024));
    html_raw(&h, "</label><input type=\"file\" id=\"file\" name=\"file\" "
                 "accept=\"image/jpeg,image/png,image/gif,image/webp\">");
    text_input(&h, "profile_first_name", "profile[first_name]", T("First name"), p->first_name,
               STORE_NAME_MAX);
    text_input(&h, "profile_last_name", "profile[last_name]", T("Last name"), p->last_name,
               STORE_NAME_MAX);
    html_raw(&h, "<p class=\"muted\">");
    html_text(&h, T("Any name you like; nothing here asks for your real one."));
    html_raw(&h, "</p><label for=\"profile_bio\">");
    html_text(&h, T("About you (Markdown)"));
    html_raw(&h, "</label><textarea id=\"profile_bio\" name=\"profile[bio]\" dir=\"auto\">");
    html_text(&h, p->bio);
    html_raw(&h, "</textarea>");
    text_input(&h, "profile_location", "profile[location]", T("Location"), p->location,
               STORE_SHORT_TEXT_MAX);
    text_input(&h, "profile_gender", "profile[gender]", T("Gender"), p->gender,
               STORE_SHORT_TEXT_MAX);
    html_raw(&h, "<fieldset><legend>");
    html_text(&h, T("Birthday"));
    html_raw(&h, "</legend>");
    date_select(&h, "year", T("Year"), 1900, tm.tm_year + 1900, year);
    date_select(&h, "month", T("Month"), 1, 12, month);
    date_select(&h, "day", T("Day"), 1, 31, day);
    html_raw(&h, "</fieldset><label for=\"tags\">");
    html_text(&h, T("Up to five tags that describe you"));
    html_raw(&h, "</label><input type=\"text\" id=\"tags\" name=\"tags\" value=\"");
    for (int i = 0, n = 0; i < STORE_PROFILE_TAGS; i++)
        if (p->tags[i][0]) {
            html_printf(&h, "%s#", n++ ? " " : "");
            html_text(&h, p->tags[i]);
        }
    html_raw(&h, "\">");
    checkbox(&h, "profile_searchable", "profile[searchable]", T("Others may find me by search"),
             p->searchable);
    checkbox(&h, "profile_public_details", "profile[public_details]",
             T("Show my details (about, location, gender, birthday, tags) to everyone"),
             p->public_details);
    checkbox(&h, "profile_nsfw", "profile[nsfw]", T("My posts are not safe for work"), p->nsfw);
    html_raw(&h, "<button type=\"submit\">");
    html_text(&h, T("Save profile"));
    html_raw(&h, "</button></form></section>\n");
    html_page_end(&h);
    return web_reply_html(req, status, &h);
}

static int
load_own_profile(struct web_req *req, struct store_profile *p)
{
    struct store_txn *txn = NULL;
    int rc = store_txn_begin(req->server->store, false, &txn);

    if (rc != POD_OK)
        return rc;
    rc = store_profile_get(txn, req->session->user.username, p);
    store_txn_abort(txn);
    if (rc == POD_ERR_NOTFOUND) {
        memset(p, 0, sizeof *p);
        p->searchable = true;
        rc = POD_OK;
    }
    return rc;
}

int
page_profile_edit(struct web_req *req)
{
    struct store_profile p;

    if (!req->session)
        return web_reply_redirect(req, 302, "/users/sign_in");
    if (load_own_profile(req, &p) != POD_OK)
        return web_reply_error(req, 500, "The profile could not be read.");
    return profile_form(req, 200, &p,
                        web_query_value(req, "done") ? "Your profile was saved." : NULL, NULL);
}

/* Copies a text field into dst (cap bytes). Returns false when it is too
 * long or holds control characters (newlines only where multiline). */
static bool
take_text(const char *value, char *dst, size_t cap, bool multiline)
{
    if (!value)
        return true; /* not sent: keep the old value */
    if (strlen(value) >= cap)
        return false;
    for (const unsigned char *s = (const unsigned char *)value; *s; s++)
        if ((*s < 0x20 && !(multiline && (*s == '\n' || *s == '\r' || *s == '\t'))) || *s == 0x7f)
            return false;
    snprintf(dst, cap, "%s", value);
    return true;
}

static bool
valid_date(int y, int m, int d)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return false;
    return !(m == 2 && d == 29 && !leap);
}

/* Reads "profile[date][year|month|day]" into p->birthday ("" when all are
 * empty). Returns false for an impossible date or a partial one. */
static bool
take_birthday(struct web_req *req, struct store_profile *p)
{
    const char *ys = web_form_value(req, "profile[date][year]");
    const char *ms = web_form_value(req, "profile[date][month]");
    const char *ds = web_form_value(req, "profile[date][day]");
    int y, m, d;

    if (!ys && !ms && !ds)
        return true;
    if ((!ys || !*ys) && (!ms || !*ms) && (!ds || !*ds)) {
        p->birthday[0] = '\0';
        return true;
    }
    if (!ys || !ms || !ds || sscanf(ys, "%d", &y) != 1 || sscanf(ms, "%d", &m) != 1 ||
        sscanf(ds, "%d", &d) != 1 || !valid_date(y, m, d))
        return false;
    /* valid_date() bounds y to 4 digits and m, d to 2. */
    snprintf(p->birthday, sizeof p->birthday, "%04u-%02u-%02u", (unsigned)y % 10000u,
             (unsigned)m % 100u, (unsigned)d % 100u);
    return true;
}

/* Splits "#a, b #c" into at most five lowercase tags of [a-z0-9_-]. */
static const char *
take_tags(const char *value, struct store_profile *p)
{
    char tag[STORE_TAG_MAX + 2];
    size_t n = 0, len = 0;

    if (!value)
        return NULL;
    memset(p->tags, 0, sizeof p->tags);
    for (const char *s = value;; s++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
            if (len == STORE_TAG_MAX)
                return "A tag has at most 32 characters.";
            tag[len++] = c;
            continue;
        }
        if (c != '\0' && c != ' ' && c != ',' && c != '#' && c != '\t')
            return "Tags are made of letters, digits, '-' and '_'.";
        if (len) {
            tag[len] = '\0';
            if (n == STORE_PROFILE_TAGS)
                return "At most five tags.";
            memcpy(p->tags[n++], tag, len + 1); /* len <= STORE_TAG_MAX */
            len = 0;
        }
        if (c == '\0')
            break;
    }
    return NULL;
}

static bool
form_flag(struct web_req *req, const char *name, bool old)
{
    const struct web_form_field *last = NULL;

    /* The hidden "0" comes first and the checkbox's "1" after it. */
    for (size_t i = 0; i < req->form.count; i++)
        if (strcmp(req->form.fields[i].name, name) == 0)
            last = &req->form.fields[i];
    return last ? strcmp(last->value, "1") == 0 : old;
}

int
page_profile_update(struct web_req *req)
{
    const struct web_form_field *file = web_form_field(&req->form, "file");
    struct store_person me;
    struct store_profile p;
    struct store_txn *txn = NULL;
    const char *problem;
    char why[200], hash[65];
    bool have_me = false;
    int rc;

    if (!req->session)
        return web_reply_redirect(req, 302, "/users/sign_in");
    if (load_own_profile(req, &p) != POD_OK)
        return web_reply_error(req, 500, "The profile could not be read.");
    if (!take_text(web_form_value(req, "profile[first_name]"), p.first_name, sizeof p.first_name,
                   false) ||
        !take_text(web_form_value(req, "profile[last_name]"), p.last_name, sizeof p.last_name,
                   false) ||
        strchr(p.first_name, ';') || strchr(p.last_name, ';'))
        return profile_form(req, 422, &p, NULL,
                            "Names have at most 32 characters, without ';' or line breaks.");
    if (!take_text(web_form_value(req, "profile[bio]"), p.bio, sizeof p.bio, true))
        return profile_form(req, 422, &p, NULL, "The text about you is too long (4096 at most).");
    if (!take_text(web_form_value(req, "profile[location]"), p.location, sizeof p.location,
                   false) ||
        !take_text(web_form_value(req, "profile[gender]"), p.gender, sizeof p.gender, false))
        return profile_form(req, 422, &p, NULL, "Location and gender have at most 255 characters.");
    if (!take_birthday(req, &p))
        return profile_form(req, 422, &p, NULL, "That birthday is not a date.");
    problem = take_tags(web_form_value(req, "tags"), &p);
    if (problem)
        return profile_form(req, 422, &p, NULL, problem);
    p.searchable = form_flag(req, "profile[searchable]", p.searchable);
    p.nsfw = form_flag(req, "profile[nsfw]", p.nsfw);
    p.public_details = form_flag(req, "profile[public_details]", p.public_details);
    if (file && file->value_len > 0) {
        rc = media_avatar_store(store_dir(req->server->store), (const uint8_t *)file->value,
                                file->value_len, hash, why, sizeof why);
        if (rc != POD_OK) {
            LOG_INFO("web", "avatar of %s refused: %s", req->session->user.username, why);
            return profile_form(req, rc == POD_ERR_LIMIT ? 413 : 422, &p, NULL, why);
        }
        memcpy(p.avatar, hash, sizeof p.avatar);
    }
    p.updated_at = drv_clock_wall();
    rc = store_txn_begin(req->server->store, true, &txn);
    if (rc == POD_OK)
        rc = store_profile_put(txn, req->session->user.username, &p);
    if (rc == POD_OK) {
        have_me = store_person_get_by_username(txn, req->session->user.username, &me) == POD_OK;
        /* People search reads the person row: keep "searchable" and the
         * names in step, so that people are found by the names they chose. */
        if (have_me && (me.searchable != p.searchable || strcmp(me.first_name, p.first_name) != 0 ||
                        strcmp(me.last_name, p.last_name) != 0)) {
            me.searchable = p.searchable;
            snprintf(me.first_name, sizeof me.first_name, "%s", p.first_name);
            snprintf(me.last_name, sizeof me.last_name, "%s", p.last_name);
            me.updated_at = p.updated_at;
            rc = store_person_update(txn, &me);
        }
    }
    /* The remote contacts get the new profile (federation/outbound_account.h). */
    if (rc == POD_OK && have_me) {
        struct fed_profile_images img = {
            .large = web_avatar_url(req, &p, "large", true),
            .medium = web_avatar_url(req, &p, "medium", true),
            .small = web_avatar_url(req, &p, "small", true),
        };
        rc = fed_outbound_profile(txn, me.id, &p, &img, &req->arena);
    }
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
        txn = NULL;
    }
    store_txn_abort(txn);
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The profile could not be saved.");
    return web_reply_redirect(req, 302, "/profile/edit?done=1");
}

/* ------------------------------------------------------------ files */

int
page_avatar_file(struct web_req *req)
{
    const char *file = req->params[0], *dash = strrchr(file, '-'), *dot = strrchr(file, '.');
    char hash[65], size[8], path[4096];

    if (!dash || !dot || dot < dash || strcmp(dot, ".jpg") != 0 || dash - file != 64 ||
        dot - dash - 1 >= (long)sizeof size)
        return web_reply_error(req, 404, "There is no such picture.");
    memcpy(hash, file, 64);
    hash[64] = '\0';
    memcpy(size, dash + 1, (size_t)(dot - dash - 1));
    size[dot - dash - 1] = '\0';
    if (media_avatar_path(store_dir(req->server->store), hash, size, path, sizeof path) != POD_OK)
        return web_reply_error(req, 404, "There is no such picture.");
    /* Avatar names change when the picture does: cache for long. */
    return web_reply_file(req, path, "image/jpeg", AVATAR_FILE_MAX,
                          "Cache-Control: public, max-age=31536000, immutable\r\n");
}

int
page_asset(struct web_req *req)
{
    const struct web_asset *a = web_asset_find(req->path);

    if (!a)
        return web_reply_error(req, 404, "There is nothing at this address.");
    return web_reply(req, 200, a->content_type, a->data, a->len,
                     "Cache-Control: public, max-age=86400\r\n");
}
