/*
 * account.c - accounts from the browser: first-run setup, sign in and out,
 * sign-up (open or by invitation), and the settings page (language,
 * password, deleting the account).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"
#include "web/throttle.h"

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

/* ------------------------------------------------------------ new accounts */

/* The form shared by setup and sign-up. action is the form's target. */
static int
account_form(struct web_req *req, int status, const char *title, const char *intro,
             const char *action, const char *error, const char *username, const char *invite)
{
    struct html h;

    html_init(&h, req);
    html_page_begin(&h, title);
    html_printf(&h, "<section><h1>%s</h1>\n<p>%s</p>\n", title, intro);
    if (error)
        html_flash(&h, "error", error);
    html_printf(&h, "<form method=\"post\" action=\"%s\">", action);
    html_csrf_field(&h);
    if (invite) {
        html_raw(&h, "<input type=\"hidden\" name=\"invite\" value=\"");
        html_text(&h, invite);
        html_raw(&h, "\">");
    }
    html_raw(&h, "<label for=\"user_username\">Username</label>"
                 "<input type=\"text\" id=\"user_username\" name=\"user[username]\" "
                 "autocomplete=\"username\" autocapitalize=\"none\" maxlength=\"32\" "
                 "pattern=\"[a-z0-9_.\\-]+\" required value=\"");
    html_text(&h, username);
    html_printf(&h,
                "\"><p class=\"muted\">Lowercase letters, digits, '-', '.' and '_'. Your "
                "diaspora* ID will be <em>name@%s</em>. Any name will do: pseudonyms are "
                "welcome.</p>"
                "<label for=\"user_password\">Password</label>"
                "<input type=\"password\" id=\"user_password\" name=\"user[password]\" "
                "autocomplete=\"new-password\" minlength=\"%d\" required>"
                "<label for=\"user_password_confirmation\">Password again</label>"
                "<input type=\"password\" id=\"user_password_confirmation\" "
                "name=\"user[password_confirmation]\" autocomplete=\"new-password\" required>"
                "<button type=\"submit\">Create account</button></form></section>\n",
                req->server->cfg.host, CRYPTO_PASSWORD_MIN);
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
        return "Please choose a username.";
    if (!pod_username_valid(*name))
        return "A username has 1 to 32 lowercase letters, digits, '-', '.' or '_'.";
    if (!pw || !pw2)
        return "Please type the password twice.";
    if (strlen(pw) < CRYPTO_PASSWORD_MIN || strlen(pw) > CRYPTO_PASSWORD_MAX)
        return "The password must have at least 10 and at most 256 characters.";
    rc = crypto_password_acceptable(pw, strlen(pw));
    if (rc != POD_OK)
        return "The password contains characters that cannot be used.";
    if (strcmp(pw, pw2) != 0)
        return "The two passwords differ.";
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

int
page_setup(struct web_req *req)
{
    if (user_count(req) > 0)
        return web_reply_redirect(req, 302, "/");
    return account_form(req, 200, "Welcome to your pod",
                        "Create the first account. It will administer this pod.", "/setup", NULL,
                        NULL, NULL);
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
        return account_form(req, 422, "Welcome to your pod",
                            "Create the first account. It will administer this pod.", "/setup",
                            problem, name, NULL);
    rc = create_account(req, name, NEW_ADMIN, NULL, &u);
    if (rc == POD_ERR_AUTH || rc == POD_ERR_EXISTS)
        return web_reply_error(req, 403, "This pod is set up already.");
    if (rc != POD_OK)
        return web_reply_error(req, 500, "The account could not be created.");
    if (web_session_start(req, &u, false) != POD_OK)
        return web_reply_error(req, 500, "The session could not be started.");
    return web_reply_redirect(req, 302, "/profile/edit");
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
        return account_form(req, 200, "Join this pod", "You were invited. Welcome!",
                            "/users/sign_up", NULL, NULL, invite);
    }
    if (!web_registrations_open(req))
        return web_reply_error(req, 403,
                               "Registrations on this pod are closed. Ask someone here for an "
                               "invitation link.");
    return account_form(req, 200, "Join this pod", "Create your account.", "/users/sign_up", NULL,
                        NULL, NULL);
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
        return account_form(req, 422, "Join this pod", "Create your account.", "/users/sign_up",
                            problem, name, mode == NEW_INVITED ? invite : NULL);
    rc = create_account(req, name, mode, invite, &u);
    if (rc == POD_ERR_EXISTS)
        return account_form(req, 422, "Join this pod", "Create your account.", "/users/sign_up",
                            "That username is taken.", name, mode == NEW_INVITED ? invite : NULL);
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
    html_page_begin(&h, "Sign in");
    html_raw(&h, "<section><h1>Sign in</h1>\n");
    if (error)
        html_flash(&h, "error", error);
    html_raw(&h, "<form method=\"post\" action=\"/users/sign_in\">");
    html_csrf_field(&h);
    html_raw(&h, "<label for=\"user_username\">Username</label>"
                 "<input type=\"text\" id=\"user_username\" name=\"user[username]\" "
                 "autocomplete=\"username\" autocapitalize=\"none\" required value=\"");
    html_text(&h, username);
    html_raw(&h, "\"><label for=\"user_password\">Password</label>"
                 "<input type=\"password\" id=\"user_password\" name=\"user[password]\" "
                 "autocomplete=\"current-password\" required>"
                 "<label><input type=\"checkbox\" name=\"user[remember_me]\" value=\"1\"> "
                 "Stay signed in</label>"
                 "<button type=\"submit\">Sign in</button></form></section>\n");
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
    char *msg, *retry;
    int rc;

    if (!name || !*name || !pw)
        return sign_in_form(req, 422, "Type your username and password.", name, NULL);
    if (strlen(name) > POD_USERNAME_MAX || strlen(pw) > CRYPTO_PASSWORD_MAX)
        return sign_in_form(req, 401, "Wrong username or password.", NULL, NULL);
    wait = web_throttle_wait(st, name, addr, now);
    if (wait > 0) {
        LOG_INFO("web", "sign-in for %s from %s refused: locked for %lld s", name, addr,
                 (long long)wait);
        msg = pod_arena_printf(&req->arena, "Too many failed sign-ins. Try again in %lld seconds.",
                               (long long)wait);
        retry = pod_arena_printf(&req->arena, "Retry-After: %lld", (long long)wait);
        return sign_in_form(req, 429, msg ? msg : "Too many failed sign-ins.", name, retry);
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
        return sign_in_form(req, 401, "Wrong username or password.", name, NULL);
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

static int
settings_page(struct web_req *req, int status, const char *notice, const char *error)
{
    const struct store_user *u = &req->session->user;
    struct html h;

    html_init(&h, req);
    html_page_begin(&h, "Settings");
    html_raw(&h, "<h1>Settings</h1>\n");
    if (notice)
        html_flash(&h, "notice", notice);
    if (error)
        html_flash(&h, "error", error);
    html_raw(&h, "<section><h2>Language</h2><form method=\"post\" action=\"/user/edit\">"
                 "<input type=\"hidden\" name=\"_method\" value=\"put\">");
    html_csrf_field(&h);
    html_raw(&h, "<label for=\"user_language\">Language</label>"
                 "<select id=\"user_language\" name=\"user[language]\">");
    for (size_t i = 0; i < sizeof languages / sizeof languages[0]; i++)
        html_printf(&h, "<option value=\"%s\"%s>%s</option>", languages[i][0],
                    strcmp(languages[i][0], u->language) == 0 ? " selected" : "", languages[i][1]);
    html_raw(&h, "</select><button type=\"submit\">Save</button></form></section>\n");

    html_raw(&h, "<section><h2>Password</h2><form method=\"post\" action=\"/user/edit\">"
                 "<input type=\"hidden\" name=\"_method\" value=\"put\">");
    html_csrf_field(&h);
    html_printf(&h,
                "<label for=\"user_current_password\">Current password</label>"
                "<input type=\"password\" id=\"user_current_password\" "
                "name=\"user[current_password]\" autocomplete=\"current-password\" required>"
                "<label for=\"user_password\">New password</label>"
                "<input type=\"password\" id=\"user_password\" name=\"user[password]\" "
                "autocomplete=\"new-password\" minlength=\"%d\" required>"
                "<label for=\"user_password_confirmation\">New password again</label>"
                "<input type=\"password\" id=\"user_password_confirmation\" "
                "name=\"user[password_confirmation]\" autocomplete=\"new-password\" required>"
                "<button type=\"submit\">Change password</button></form>"
                "<p class=\"muted\">Changing it signs you out everywhere else.</p></section>\n",
                CRYPTO_PASSWORD_MIN);

    html_raw(&h, "<section><h2>Your data</h2><p><a href=\"/user/export\" download>"
                 "Download my data</a> (JSON: profile, aspects, contacts, posts, comments, "
                 "likes).</p></section>\n");

    html_raw(&h, "<section><h2>Delete account</h2><p>This removes your profile, your keys "
                 "and everything this pod stores for you. It cannot be undone.</p>"
                 "<form method=\"post\" action=\"/user\">"
                 "<input type=\"hidden\" name=\"_method\" value=\"delete\">");
    html_csrf_field(&h);
    html_raw(&h, "<label for=\"close_password\">Your password</label>"
                 "<input type=\"password\" id=\"close_password\" name=\"user[current_password]\" "
                 "autocomplete=\"current-password\" required>"
                 "<button type=\"submit\" class=\"danger\">Delete my account</button></form>"
                 "</section>\n");
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
                         done && !strcmp(done, "password")   ? "Your password was changed."
                         : done && !strcmp(done, "language") ? "Saved."
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
        return settings_page(req, 422, NULL, "The current password is wrong.");
    if (!pw || !pw2 || strcmp(pw, pw2) != 0)
        return settings_page(req, 422, NULL, "The two new passwords differ.");
    if (crypto_password_acceptable(pw, strlen(pw)) != POD_OK)
        return settings_page(req, 422, NULL,
                             "The password must have at least 10 and at most 256 characters.");
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
            return settings_page(req, 422, NULL, "That language is not available.");
        u = req->session->user;
        snprintf(u.language, sizeof u.language, "%s", lang);
        if (save_user(req, &u) != POD_OK)
            return web_reply_error(req, 500, "The settings could not be saved.");
        return web_reply_redirect(req, 302, "/user/edit?done=language");
    }
    return settings_page(req, 422, NULL, "Nothing to change.");
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
        return settings_page(req, 422, NULL, "The password is wrong; nothing was deleted.");
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
