/*
 * account.c - accounts from the browser: first-run setup, sign in and out,
 * sign-up (open or by invitation), and the settings page (language,
 * password, deleting the account).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "autoconf.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/settings.h"
#include "crypto/password.h"
#include "drivers/clock/clock.h"
#include "social/account_delete.h"
#include "store/accounts.h"
#include "store/people.h"
#include "task/keygen.h"
#include "web/handlers.h"
#include "web/html.h"
#include "web/i18n.h"
#include "web/present.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"
#include "web/throttle.h"
#include "web/ui.h"

/* One password hash at a time: argon2id takes CONFIG_POD_ARGON2_M_KIB of
 * memory while it runs, and that must count once in the pod's budget. */
static pthread_mutex_t password_lock = PTHREAD_MUTEX_INITIALIZER;

static int
password_hash_serialised(const char *pw, char *out, size_t cap)
{
    int rc;

    pthread_mutex_lock(&password_lock);
    rc = crypto_password_hash(pw, strlen(pw), out, cap);
    pthread_mutex_unlock(&password_lock);
    return rc;
}

static int
password_verify_serialised(const char *encoded, const char *pw)
{
    int rc;

    pthread_mutex_lock(&password_lock);
    rc = crypto_password_verify(encoded, pw, strlen(pw));
    pthread_mutex_unlock(&password_lock);
    return rc;
}

int
web_password_check(const char *encoded, const char *pw)
{
    return password_verify_serialised(encoded, pw);
}

/* A hash to check against when the username does not exist, so that a
 * wrong name costs as much time as a wrong password. */
static char dummy_hash_text[CRYPTO_PWHASH_ENCODED_MAX];
static pthread_once_t dummy_hash_once = PTHREAD_ONCE_INIT;

static void
make_dummy_hash(void)
{
    static const char pw[] = "no such account, no such password";

    if (password_hash_serialised(pw, dummy_hash_text, sizeof dummy_hash_text) != POD_OK)
        dummy_hash_text[0] = '\0';
}

static const char *
dummy_hash(void)
{
    pthread_once(&dummy_hash_once, make_dummy_hash);
    return dummy_hash_text;
}

/* Trims spaces and lowercases a username typed into a form, in the arena. */
static char *
clean_username(struct web_req *req, const char *typed)
{
    char *s, *end;

    if (!typed)
        return NULL;
    while (*typed == ' ' || *typed == '\t')
        typed++;
    s = pod_arena_strdup(&req->arena, typed);
    if (!s)
        return NULL;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}

static uint64_t
user_count(struct web_req *req)
{
    struct store_txn *txn = NULL;
    uint64_t n = 1;

    if (store_txn_begin(req->server->store, false, &txn) == POD_OK) {
        if (store_user_count(txn, &n) != POD_OK)
            n = 1;
        store_txn_abort(txn);
    }
    return n;
}

/* text (already translated) with each "{}" replaced by value, in the
 * arena: for messages handed on as a whole (html_flash escapes them). */
static const char *
filled(struct web_req *req, const char *text, const char *value)
{
    const char *out = "", *hole;

    while (out && (hole = strstr(text, "{}"))) {
        out = pod_arena_printf(&req->arena, "%s%.*s%s", out, (int)(hole - text), text, value);
        text = hole + 2;
    }
    out = out ? pod_arena_printf(&req->arena, "%s%s", out, text) : NULL;
    return out ? out : text;
}

/* <p class="alt">question <a href="href">link</a></p> under a form. */
static void
alt_link(struct html *h, const char *question, const char *href, const char *link)
{
    html_raw(h, "<p class=\"alt\">");
    html_text(h, question);
    html_raw(h, " <a href=\"");
    html_text(h, href);
    html_raw(h, "\">");
    html_text(h, link);
    html_raw(h, "</a></p>\n");
}

/* ------------------------------------------------------------ new accounts */

/* The form shared by setup and sign-up. action is the form's target. */
static int
account_form(struct web_req *req, int status, const char *title, const char *intro,
             const char *action, const char *error, const char *username, const char *invite)
{
    struct html h;
    const char *example;

    html_init(&h, req);
    html_page_begin(&h, title);
    html_raw(&h, "<section class=\"auth\"><h1>");
    html_text(&h, title);
    html_raw(&h, "</h1>\n<p class=\"lead\">");
    html_text(&h, intro);
    html_raw(&h, "</p>\n");
    if (error)
        html_flash(&h, "error", error);
    html_raw(&h, "<form method=\"post\" action=\"");
    html_text(&h, action);
    html_raw(&h, "\">");
    html_csrf_field(&h);
    if (invite) {
        html_raw(&h, "<input type=\"hidden\" name=\"invite\" value=\"");
        html_text(&h, invite);
        html_raw(&h, "\">");
    }
    html_raw(&h, "<label for=\"user_username\">");
    html_text(&h, T("Username"));
    html_raw(&h, "</label><input type=\"text\" id=\"user_username\" name=\"user[username]\" "
                 "autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" "
                 "maxlength=\"32\" pattern=\"[a-z0-9_.\\-]+\" required "
                 "aria-describedby=\"username-hint\" value=\"");
    html_text(&h, username);
    html_raw(&h, "\"><p class=\"hint\" id=\"username-hint\">");
    html_text(&h, T("Lowercase letters, digits, '-', '.' and '_'. Pseudonyms are welcome."));
    html_raw(&h, " ");
    example = pod_arena_printf(&req->arena, "%s@%s", T("name"), req->server->cfg.host);
    html_fill(&h, T("Your diaspora* ID will be {}."), example ? example : "");
    html_raw(&h, "</p><label for=\"user_password\">");
    html_text(&h, T("Password"));
    html_printf(&h,
                "</label><input type=\"password\" id=\"user_password\" name=\"user[password]\" "
                "autocomplete=\"new-password\" minlength=\"%d\" maxlength=\"%d\" required "
                "aria-describedby=\"password-hint\"><p class=\"hint\" id=\"password-hint\">",
                CRYPTO_PASSWORD_MIN, CRYPTO_PASSWORD_MAX);
    html_fill_n(&h, T("At least {} characters. A few unrelated words make a strong password."),
                CRYPTO_PASSWORD_MIN);
    html_raw(&h, "</p><label for=\"user_password_confirmation\">");
    html_text(&h, T("Password again"));
    html_raw(&h, "</label><input type=\"password\" id=\"user_password_confirmation\" "
                 "name=\"user[password_confirmation]\" autocomplete=\"new-password\" required>"
                 "<div class=\"row actions\"><button type=\"submit\">");
    html_text(&h, T("Create account"));
    html_raw(&h, "</button></div></form>\n");
    if (strcmp(action, "/setup") != 0)
        alt_link(&h, T("Already have an account?"), "/users/sign_in", T("Sign in"));
    html_raw(&h, "</section>\n");
    html_page_end(&h);
    return web_reply_html(req, status, &h);
}

/* Checks a new account's form fields; returns a message for the person, or
 * NULL when they are fine. Sets *name to the cleaned username. */
static const char *
check_new_account(struct web_req *req, char **name)
{
    const char *pw = web_form_value(req, "user[password]");
    const char *pw2 = web_form_value(req, "user[password_confirmation]");
    int rc;

    *name = clean_username(req, web_form_value(req, "user[username]"));
    if (!*name || !**name)
        return T("Please choose a username.");
    if (!pod_username_valid(*name))
        return T("A username has 1 to 32 lowercase letters, digits, '-', '.' or '_'.");
    if (!pw || !pw2)
        return T("Please type the password twice.");
    if (strlen(pw) < CRYPTO_PASSWORD_MIN || strlen(pw) > CRYPTO_PASSWORD_MAX)
        return T("The password must have at least 10 and at most 256 characters.");
    rc = crypto_password_acceptable(pw, strlen(pw));
    if (rc != POD_OK)
        return T("The password contains characters that cannot be used.");
    if (strcmp(pw, pw2) != 0)
        return T("The two passwords differ.");
    return NULL;
}

enum new_account_mode { NEW_ADMIN, NEW_OPEN, NEW_INVITED };

/* Creates the account in one write transaction that also re-checks what
 * allowed it (no user yet; registrations open; the invitation). Returns
 * POD_OK, POD_ERR_EXISTS (name taken), POD_ERR_AUTH (no longer allowed),
 * POD_ERR_LIMIT (invitation used up or expired) or a store error. */
static int
create_account(struct web_req *req, const char *name, enum new_account_mode mode,
               const char *invite, struct store_user *u)
{
    struct store_txn *txn = NULL;
    uint64_t n = 0, open = 0;
    int rc;

    memset(u, 0, sizeof *u);
    snprintf(u->username, sizeof u->username, "%s", name);
    snprintf(u->language, sizeof u->language, "en");
    u->admin = mode == NEW_ADMIN;
    u->created_at = drv_clock_wall();
    rc = pod_guid_new(u->guid);
    if (rc != POD_OK)
        return rc;
    rc = password_hash_serialised(web_form_value(req, "user[password]"), u->password_hash,
                                  sizeof u->password_hash);
    if (rc != POD_OK)
        return rc;
    rc = store_txn_begin(req->server->store, true, &txn);
    if (rc != POD_OK)
        return rc;
    if (mode == NEW_ADMIN) {
        rc = store_user_count(txn, &n);
        if (rc == POD_OK && n > 0)
            rc = POD_ERR_AUTH;
    } else if (mode == NEW_OPEN) {
        rc = store_setting_get_u64(txn, POD_SETTING_REGISTRATIONS, &open);
        rc = (rc == POD_OK && open) ? POD_OK : POD_ERR_AUTH;
    } else {
        rc = store_invite_use(txn, invite, u->created_at, NULL);
        if (rc == POD_ERR_NOTFOUND)
            rc = POD_ERR_LIMIT;
    }
    if (rc == POD_OK)
        rc = store_account_create(txn, u, req->server->cfg.host);
    if (rc != POD_OK) {
        store_txn_abort(txn);
        return rc;
    }
    rc = store_txn_commit(txn);
    if (rc == POD_OK) {
        LOG_INFO("web", "account %s created%s", u->username, u->admin ? " (admin)" : "");
        task_keygen_wake(req->server->cfg.keygen);
    }
    return rc;
}

static int
setup_form(struct web_req *req, int status, const char *error, const char *username)
{
    return account_form(req, status, T("Welcome to your pod"),
                        T("Create the first account. It will administer this pod: you can name "
                          "the pod and decide who may join on the administration page."),
                        "/setup", error, username, NULL);
}

int
page_setup(struct web_req *req)
{
    if (user_count(req) > 0)
        return web_reply_redirect(req, 302, "/");
    return setup_form(req, 200, NULL, NULL);
}

int
page_setup_post(struct web_req *req)
{
    struct store_user u;
    const char *problem;
    char *name;
    int rc;

    if (user_count(req) > 0)
        return web_reply_error(req, 403, "This pod is set up already.");
    problem = check_new_account(req, &name);
    if (problem)
        return setup_form(req, 422, problem, name);
    rc = create_account(req, name, NEW_ADMIN, NULL, &u);
    if (rc == POD_ERR_AUTH || rc == POD_ERR_EXISTS)
        return web_reply_error(req, 403, "This pod is set up already.");
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The account could not be created.");
    if (web_session_start(req, &u, false) != POD_OK)
        return web_reply_error(req, 500, "The session could not be started.");
    return web_reply_redirect(req, 302, "/profile/edit");
}

/* The sign-up form, for an invitation (invite) or open registration. */
static int
sign_up_form(struct web_req *req, int status, const char *error, const char *username,
             const char *invite)
{
    const char *intro = invite ? T("You were invited. Welcome! Choose a name and a password.")
                               : T("Create your account. It takes a minute.");

    return account_form(req, status, filled(req, T("Join {}"), web_pod_name(req)), intro,
                        "/users/sign_up", error, username, invite);
}

int
page_sign_up(struct web_req *req)
{
    const char *invite = web_query_value(req, "invite");
    struct store_txn *txn = NULL;
    struct store_invite inv;
    int rc = POD_ERR_NOTFOUND;

    if (req->session)
        return web_reply_redirect(req, 302, "/stream");
    if (invite) {
        if (store_txn_begin(req->server->store, false, &txn) == POD_OK) {
            rc = store_invite_get(txn, invite, &inv);
            store_txn_abort(txn);
        }
        if (rc != POD_OK || (inv.expires_at && inv.expires_at <= drv_clock_wall()))
            return web_reply_error(req, 410, "This invitation is used up or has expired.");
        return sign_up_form(req, 200, NULL, NULL, invite);
    }
    if (!web_registrations_open(req))
        return web_reply_error(req, 403,
                               "Registrations on this pod are closed. Ask someone here for an "
                               "invitation link.");
    return sign_up_form(req, 200, NULL, NULL, NULL);
}

int
page_sign_up_post(struct web_req *req)
{
    const char *invite = web_form_value(req, "invite");
    enum new_account_mode mode = invite && *invite ? NEW_INVITED : NEW_OPEN;
    struct store_user u;
    const char *problem;
    char *name;
    int rc;

    if (mode == NEW_OPEN && !web_registrations_open(req))
        return web_reply_error(req, 403, "Registrations on this pod are closed.");
    problem = check_new_account(req, &name);
    if (problem)
        return sign_up_form(req, 422, problem, name, mode == NEW_INVITED ? invite : NULL);
    rc = create_account(req, name, mode, invite, &u);
    if (rc == POD_ERR_EXISTS)
        return sign_up_form(req, 422, T("That username is taken."), name,
                            mode == NEW_INVITED ? invite : NULL);
    if (rc == POD_ERR_LIMIT)
        return web_reply_error(req, 410, "This invitation is used up or has expired.");
    if (rc == POD_ERR_AUTH)
        return web_reply_error(req, 403, "Registrations on this pod are closed.");
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The account could not be created.");
    if (web_session_start(req, &u, false) != POD_OK)
        return web_reply_error(req, 500, "The session could not be started.");
    return web_reply_redirect(req, 302, "/profile/edit");
}

int
page_invite(struct web_req *req)
{
    char *loc = pod_arena_printf(&req->arena, "/users/sign_up?invite=%s", req->params[0]);

    /* Invitation codes are [A-Za-z0-9_-]; anything else is no invitation. */
    if (strspn(req->params[0],
               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
            strlen(req->params[0]) ||
        !loc)
        return web_reply_error(req, 404, "There is no such invitation.");
    return web_reply_redirect(req, 302, loc);
}

/* ------------------------------------------------------------ sign in/out */

static int
sign_in_form(struct web_req *req, int status, const char *error, const char *username,
             const char *extra_header)
{
    struct html h;

    html_init(&h, req);
    html_page_begin(&h, T("Sign in"));
    html_raw(&h, "<section class=\"auth\"><h1>");
    html_fill(&h, T("Sign in to {}"), web_pod_name(req));
    html_raw(&h, "</h1>\n");
    if (error)
        html_flash(&h, "error", error);
    html_raw(&h, "<form method=\"post\" action=\"/users/sign_in\">");
    html_csrf_field(&h);
    html_raw(&h, "<label for=\"user_username\">");
    html_text(&h, T("Username"));
    html_raw(&h, "</label><input type=\"text\" id=\"user_username\" name=\"user[username]\" "
                 "autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" "
                 "required value=\"");
    html_text(&h, username);
    html_raw(&h, "\"><label for=\"user_password\">");
    html_text(&h, T("Password"));
    html_raw(&h, "</label><input type=\"password\" id=\"user_password\" name=\"user[password]\" "
                 "autocomplete=\"current-password\" required>"
                 "<label class=\"check\" for=\"user_remember_me\"><input type=\"checkbox\" "
                 "id=\"user_remember_me\" name=\"user[remember_me]\" value=\"1\"> ");
    html_text(&h, T("Stay signed in on this device"));
    html_raw(&h, "</label><div class=\"row actions\"><button type=\"submit\">");
    html_text(&h, T("Sign in"));
    html_raw(&h, "</button></div></form>\n");
    if (web_registrations_open(req))
        alt_link(&h, T("New here?"), "/users/sign_up", T("Create an account"));
    else {
        html_raw(&h, "<p class=\"alt\">");
        html_text(&h, T("New people join this pod with an invitation link from someone here."));
        html_raw(&h, "</p>\n");
    }
    html_raw(&h, "</section>\n");
    html_page_end(&h);
    if (extra_header)
        web_req_add_header(req, extra_header);
    return web_reply_html(req, status, &h);
}

int
page_sign_in(struct web_req *req)
{
    if (req->session)
        return web_reply_redirect(req, 302, "/stream");
    return sign_in_form(req, 200, NULL, NULL, NULL);
}

int
page_sign_in_post(struct web_req *req)
{
    struct store *st = req->server->store;
    const char *addr = web_req_remote_addr(req);
    const char *pw = web_form_value(req, "user[password]");
    const char *remember = web_form_value(req, "user[remember_me]");
    char *name = clean_username(req, web_form_value(req, "user[username]"));
    struct store_txn *txn = NULL;
    struct store_user u;
    int64_t now = drv_clock_wall(), wait;
    bool known = false;
    char *secs, *retry;
    int rc;

    if (!name || !*name || !pw)
        return sign_in_form(req, 422, T("Type your username and password."), name, NULL);
    if (strlen(name) > POD_USERNAME_MAX || strlen(pw) > CRYPTO_PASSWORD_MAX)
        return sign_in_form(req, 401, T("Wrong username or password."), NULL, NULL);
    wait = web_throttle_wait(st, name, addr, now);
    if (wait > 0) {
        LOG_INFO("web", "sign-in for %s from %s refused: locked for %lld s", name, addr,
                 (long long)wait);
        secs = pod_arena_printf(&req->arena, "%lld", (long long)wait);
        retry = pod_arena_printf(&req->arena, "Retry-After: %lld", (long long)wait);
        return sign_in_form(
            req, 429,
            filled(req, T("Too many failed sign-ins. Try again in {} seconds."), secs ? secs : "?"),
            name, retry);
    }
    rc = store_txn_begin(st, false, &txn);
    if (rc != POD_OK)
        return web_reply_error(req, 503, "The pod's storage is not answering.");
    known = pod_username_valid(name) && store_user_get(txn, name, &u) == POD_OK;
    store_txn_abort(txn);
    rc = password_verify_serialised(known ? u.password_hash : dummy_hash(), pw);
    if (!known || rc != POD_OK) {
        LOG_INFO("web", "failed sign-in for %s from %s", name, addr);
        web_throttle_fail(st, known ? name : NULL, addr, now);
        return sign_in_form(req, 401, T("Wrong username or password."), name, NULL);
    }
    web_throttle_clear(st, name, addr);
    u.last_sign_in_at = now;
    if (store_txn_begin(st, true, &txn) == POD_OK) {
        if (store_user_update(txn, &u) == POD_OK)
            store_txn_commit(txn);
        else
            store_txn_abort(txn);
    }
    if (web_session_start(req, &u, remember && strcmp(remember, "1") == 0) != POD_OK)
        return web_reply_error(req, 500, "The session could not be started.");
    LOG_INFO("web", "%s signed in from %s", name, addr);
    return web_reply_redirect(req, 302, "/stream");
}

int
page_sign_out(struct web_req *req)
{
    if (req->session)
        LOG_INFO("web", "%s signed out", req->session->user.username);
    web_session_end(req);
    return web_reply_redirect(req, 302, "/");
}

/* --------------------------------------------------------------- settings */

/* Languages one may choose; each shows in its own name. Without a
 * catalogue (i18n.c) the pages stay English. */
static const char *const languages[][2] = {
    {"en", "English"},  {"de", "Deutsch"},  {"es", "Español"},
    {"fr", "Français"}, {"it", "Italiano"}, {"nl", "Nederlands"},
};

static bool
language_known(const char *code)
{
    for (size_t i = 0; i < sizeof languages / sizeof languages[0]; i++)
        if (strcmp(languages[i][0], code) == 0)
            return true;
    return false;
}

/* <section id="id" aria-labelledby="id-h"><h2 id="id-h">title</h2> */
static void
section_begin(struct html *h, const char *id, const char *title)
{
    html_printf(h,
                "<section class=\"settings\" id=\"%s\" aria-labelledby=\"%s-h\"><h2 id=\"%s-h\">",
                id, id, id);
    html_text(h, title);
    html_raw(h, "</h2>\n");
}

/* The opening of a form that PUTs/DELETEs (method) or POSTs to action. */
static void
form_begin(struct html *h, const char *action, const char *method)
{
    html_raw(h, "<form method=\"post\" action=\"");
    html_text(h, action);
    html_raw(h, "\">");
    if (method)
        html_printf(h, "<input type=\"hidden\" name=\"_method\" value=\"%s\">", method);
    html_csrf_field(h);
}

static void
label(struct html *h, const char *for_id, const char *text)
{
    html_printf(h, "<label for=\"%s\">", for_id);
    html_text(h, text);
    html_raw(h, "</label>");
}

static void
submit(struct html *h, const char *text, const char *cls, const char *confirm)
{
    html_raw(h, "<div class=\"row actions\"><button type=\"submit\"");
    if (cls)
        html_printf(h, " class=\"%s\"", cls);
    if (confirm) {
        html_raw(h, " data-confirm=\"");
        html_text(h, confirm);
        html_raw(h, "\"");
    }
    html_raw(h, ">");
    html_text(h, text);
    html_raw(h, "</button></div></form>\n");
}

static void
settings_profile(struct html *h)
{
    struct web_req *req = h->req;
    struct store_txn *txn = NULL;
    cJSON *me = NULL;
    const cJSON *v;

    section_begin(h, "profile", T("Profile"));
    if (store_txn_begin(req->server->store, false, &txn) == POD_OK) {
        me = present_person(req, txn, req->session->person);
        store_txn_abort(txn);
    }
    html_raw(h, "<div class=\"profile-head\">");
    ui_avatar(h, me, "medium", 64);
    html_raw(h, "<div class=\"who\"><p><strong dir=\"auto\">");
    v = cJSON_GetObjectItemCaseSensitive(me, "name");
    html_text(h, cJSON_IsString(v) ? v->valuestring : req->session->user.username);
    html_raw(h, "</strong><br><span class=\"meta\">");
    v = cJSON_GetObjectItemCaseSensitive(me, "diaspora_id");
    html_fill(h, T("Your diaspora* ID: {}"), cJSON_IsString(v) ? v->valuestring : "");
    html_raw(h, "</span></p><p class=\"row\"><a class=\"button\" href=\"/profile/edit\">");
    html_text(h, T("Edit profile"));
    html_raw(h, "</a><a href=\"/u/");
    html_text(h, req->session->user.username);
    html_raw(h, "\">");
    html_text(h, T("See your profile as others do"));
    html_raw(h, "</a></p><p class=\"hint\">");
    html_text(h, T("Name, photo, description, tags and who may see your details."));
    html_raw(h, "</p></div></div></section>\n");
    cJSON_Delete(me);
}

static void
settings_language(struct html *h)
{
    struct web_req *req = h->req;
    const struct store_user *u = &req->session->user;

    section_begin(h, "language", T("Language"));
    form_begin(h, "/user/edit", "put");
    label(h, "user_language", T("Language of the pages"));
    html_raw(h, "<select id=\"user_language\" name=\"user[language]\" "
                "aria-describedby=\"language-hint\">");
    for (size_t i = 0; i < sizeof languages / sizeof languages[0]; i++)
        html_printf(h, "<option value=\"%s\" lang=\"%s\"%s>%s</option>", languages[i][0],
                    languages[i][0], strcmp(languages[i][0], u->language) == 0 ? " selected" : "",
                    languages[i][1]);
    html_raw(h, "</select><p class=\"hint\" id=\"language-hint\">");
    html_text(h, T("Pages without a translation into your language are shown in English."));
    html_raw(h, "</p>");
    submit(h, T("Save language"), NULL, NULL);
    html_raw(h, "</section>\n");
}

static void
settings_password(struct html *h)
{
    struct web_req *req = h->req;

    section_begin(h, "password", T("Password"));
    form_begin(h, "/user/edit", "put");
    /* The username lets password managers file the new password. */
    html_raw(h, "<input type=\"text\" name=\"username\" autocomplete=\"username\" hidden "
                "readonly value=\"");
    html_text(h, req->session->user.username);
    html_raw(h, "\">");
    label(h, "user_current_password", T("Current password"));
    html_raw(h, "<input type=\"password\" id=\"user_current_password\" "
                "name=\"user[current_password]\" autocomplete=\"current-password\" required>");
    label(h, "user_password", T("New password"));
    html_printf(h,
                "<input type=\"password\" id=\"user_password\" name=\"user[password]\" "
                "autocomplete=\"new-password\" minlength=\"%d\" maxlength=\"%d\" required "
                "aria-describedby=\"new-password-hint\"><p class=\"hint\" "
                "id=\"new-password-hint\">",
                CRYPTO_PASSWORD_MIN, CRYPTO_PASSWORD_MAX);
    html_fill_n(h, T("At least {} characters."), CRYPTO_PASSWORD_MIN);
    html_raw(h, " ");
    html_text(h, T("Changing it signs you out everywhere else."));
    html_raw(h, "</p>");
    label(h, "user_password_confirmation", T("New password again"));
    html_raw(h, "<input type=\"password\" id=\"user_password_confirmation\" "
                "name=\"user[password_confirmation]\" autocomplete=\"new-password\" required>");
    submit(h, T("Change password"), NULL, NULL);
    html_raw(h, "</section>\n");
}

static void
settings_data(struct html *h)
{
    struct web_req *req = h->req;

    section_begin(h, "data", T("Your data"));
    html_raw(h, "<p>");
    html_text(h, T("Everything you shared here belongs to you. The download has your profile, "
                   "aspects, contacts, posts, comments and likes."));
    html_raw(h, "</p><p class=\"row\"><a class=\"button\" href=\"/user/export\" download>");
    html_text(h, T("Download my data"));
    html_raw(h, "</a><a href=\"/user/export?format=tar\" download>");
    html_text(h, T("Download with photos (archive)"));
    html_raw(h, "</a></p><details><summary>");
    html_text(h, T("Include my private key"));
    html_raw(h, "</summary><p class=\"hint\">");
    html_text(h, T("The key lets another pod take over your identity when you move. Keep that "
                   "file safe: whoever has it can act as you."));
    html_raw(h, "</p>");
    form_begin(h, "/user/export", NULL);
    label(h, "export_password", T("Your password"));
    html_raw(h, "<input type=\"password\" id=\"export_password\" name=\"user[current_password]\" "
                "autocomplete=\"current-password\" required>");
    submit(h, T("Download with private key"), "secondary", NULL);
    html_raw(h, "</details></section>\n");
}

static void
settings_delete(struct html *h)
{
    struct web_req *req = h->req;

    section_begin(h, "delete", T("Delete account"));
    html_raw(h, "<p>");
    html_text(h, T("This removes your profile, your keys and everything this pod stores for "
                   "you. It cannot be undone. Download your data first if you want to keep it."));
    html_raw(h, "</p>");
    form_begin(h, "/user", "delete");
    label(h, "close_password", T("Your password"));
    html_raw(h, "<input type=\"password\" id=\"close_password\" name=\"user[current_password]\" "
                "autocomplete=\"current-password\" required>");
    submit(h, T("Delete my account"), "danger",
           T("Delete your account and everything in it for good?"));
    html_raw(h, "</section>\n");
}

static void
toc_item(struct html *h, const char *id, const char *title)
{
    html_printf(h, "<li><a href=\"#%s\">", id);
    html_text(h, title);
    html_raw(h, "</a></li>");
}

static int
settings_page(struct web_req *req, int status, const char *notice, const char *error)
{
    struct html h;

    html_init(&h, req);
    html_page_begin(&h, T("Settings"));
    html_raw(&h, "<h1>");
    html_text(&h, T("Settings"));
    html_raw(&h, "</h1>\n");
    if (notice)
        html_flash(&h, "notice", notice);
    if (error)
        html_flash(&h, "error", error);
    html_raw(&h, "<nav class=\"toc\" aria-label=\"");
    html_text(&h, T("Settings sections"));
    html_raw(&h, "\"><ul>");
    toc_item(&h, "profile", T("Profile"));
    toc_item(&h, "language", T("Language"));
    toc_item(&h, "password", T("Password"));
    toc_item(&h, "data", T("Your data"));
    toc_item(&h, "delete", T("Delete account"));
    html_raw(&h, "</ul></nav>\n");
    settings_profile(&h);
    settings_language(&h);
    settings_password(&h);
    settings_data(&h);
    settings_delete(&h);
    html_page_end(&h);
    return web_reply_html(req, status, &h);
}

int
page_user_edit(struct web_req *req)
{
    const char *done = web_query_value(req, "done");

    if (!req->session)
        return web_reply_redirect(req, 302, "/users/sign_in");
    return settings_page(req, 200,
                         done && !strcmp(done, "password")   ? T("Your password was changed.")
                         : done && !strcmp(done, "language") ? T("Saved.")
                                                             : NULL,
                         NULL);
}

/* Replaces the stored user record; returns POD_OK or a store error. */
static int
save_user(struct web_req *req, const struct store_user *u)
{
    struct store_txn *txn = NULL;
    int rc = store_txn_begin(req->server->store, true, &txn);

    if (rc != POD_OK)
        return rc;
    rc = store_user_update(txn, u);
    if (rc != POD_OK) {
        store_txn_abort(txn);
        return rc;
    }
    return store_txn_commit(txn);
}

static int
change_password(struct web_req *req)
{
    struct store_user u = req->session->user;
    const char *cur = web_form_value(req, "user[current_password]");
    const char *pw = web_form_value(req, "user[password]");
    const char *pw2 = web_form_value(req, "user[password_confirmation]");
    struct store_txn *txn = NULL;
    unsigned ended = 0;
    int rc;

    if (!cur || password_verify_serialised(u.password_hash, cur) != POD_OK)
        return settings_page(req, 422, NULL, T("The current password is wrong."));
    if (!pw || !pw2 || strcmp(pw, pw2) != 0)
        return settings_page(req, 422, NULL, T("The two new passwords differ."));
    if (crypto_password_acceptable(pw, strlen(pw)) != POD_OK)
        return settings_page(req, 422, NULL,
                             T("The password must have at least 10 and at most 256 characters."));
    if (password_hash_serialised(pw, u.password_hash, sizeof u.password_hash) != POD_OK)
        return web_reply_error(req, 500, "The password could not be saved.");
    rc = store_txn_begin(req->server->store, true, &txn);
    if (rc == POD_OK)
        rc = store_user_update(txn, &u);
    if (rc == POD_OK)
        rc = store_sessions_delete_user(txn, u.username, &ended);
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
        txn = NULL;
    }
    store_txn_abort(txn);
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The password could not be saved.");
    LOG_INFO("web", "%s changed their password; %u sessions ended", u.username, ended);
    /* Every session ended, this one too: start a fresh one here. */
    if (web_session_start(req, &u, false) != POD_OK)
        return web_reply_error(req, 500, "The session could not be started.");
    return web_reply_redirect(req, 302, "/user/edit?done=password");
}

int
page_user_update(struct web_req *req)
{
    struct store_user u;
    const char *lang;

    if (!req->session)
        return web_reply_redirect(req, 302, "/users/sign_in");
    if (web_form_value(req, "user[password]"))
        return change_password(req);
    lang = web_form_value(req, "user[language]");
    if (lang) {
        if (!language_known(lang))
            return settings_page(req, 422, NULL, T("That language is not available."));
        u = req->session->user;
        snprintf(u.language, sizeof u.language, "%s", lang);
        if (save_user(req, &u) != POD_OK)
            return web_reply_error(req, 500, "The settings could not be saved.");
        return web_reply_redirect(req, 302, "/user/edit?done=language");
    }
    return settings_page(req, 422, NULL, T("Nothing to change."));
}

int
page_user_delete(struct web_req *req)
{
    const char *cur = web_form_value(req, "user[current_password]");
    struct social_deleted_files *files; /* ~67 KB: not on a worker's stack */
    struct store_txn *txn = NULL;
    char name[STORE_USERNAME_MAX + 1];
    int rc;

    if (!req->session)
        return web_reply_redirect(req, 302, "/users/sign_in");
    if (!cur || password_verify_serialised(req->session->user.password_hash, cur) != POD_OK)
        return settings_page(req, 422, NULL, T("The password is wrong; nothing was deleted."));
    snprintf(name, sizeof name, "%s", req->session->user.username);
    files = pod_arena_alloc(&req->arena, sizeof *files);
    if (!files)
        return web_reply_error(req, 500, "Out of memory");
    rc = store_txn_begin(req->server->store, true, &txn);
    if (rc == POD_OK)
        rc = social_account_delete(txn, name, files);
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
        txn = NULL;
    }
    store_txn_abort(txn);
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The account could not be deleted.");
    /* Files go only once the rows that named them are gone for good. */
    if (social_deleted_files_unlink(store_dir(req->server->store), files) != POD_OK)
        LOG_WARN("web", "some media files of %s could not be removed", name);
    LOG_INFO("web", "account %s deleted by its owner", name);
    req->session = NULL;
    web_req_set_cookie(req, WEB_SESSION_COOKIE, "x", 0);
    return web_reply_redirect(req, 302, "/");
}
