#include "web/routes.h"

#include <string.h>

#include "autoconf.h"
#include "web/handlers.h"
#include "web/static.h"

#define JSON   WEB_ROUTE_JSON
#define NOCSRF WEB_ROUTE_NO_CSRF

static const struct web_route routes[] = {
    {"/", WEB_GET, page_landing, 0, 0},
    {"/health", WEB_GET, page_health, 0, JSON},
    {"/markdown_preview", WEB_POST, page_markdown_preview, 0, JSON},
    {"/counts", WEB_GET, page_counts, 0, JSON},
    {"/stream", WEB_GET, page_stream, 0, 0},
    {"/bookmarklet", WEB_GET, page_bookmarklet, 0, 0},
    {"/public", WEB_GET, page_public_stream, 0, JSON},
    {"/activity", WEB_GET, page_activity_stream, 0, JSON},
    {"/commented", WEB_GET, page_commented_stream, 0, JSON},
    {"/liked", WEB_GET, page_liked_stream, 0, JSON},
    {"/aspects", WEB_GET, page_aspects_stream, 0, JSON},
    {"/tags/:name", WEB_GET, page_tag_stream, 0, JSON},
    {"/people/:guid/stream", WEB_GET, page_person_stream, 0, JSON},
    {"/status_messages", WEB_POST, page_status_message_create, CONFIG_POD_PHOTO_MAX_BYTES + 262144,
     JSON},
    {"/posts/:id", WEB_GET, page_post_show, 0, JSON},
    {"/posts/:id", WEB_DELETE, page_post_delete, 0, 0},
    {"/posts/:id/comments", WEB_GET, page_comments_index, 0, JSON},
    {"/posts/:id/comments", WEB_POST, page_comment_create, 0, JSON},
    {"/posts/:id/comments/:cid", WEB_DELETE, page_comment_delete, 0, JSON},
    {"/posts/:id/likes", WEB_POST, page_like_create, 0, JSON},
    {"/posts/:id/likes/:lid", WEB_DELETE, page_like_delete, 0, JSON},
    {"/reshares", WEB_POST, page_reshare_create, 0, JSON},
    {"/aspects", WEB_POST, page_aspect_create, 0, JSON},
    {"/aspects/:id", WEB_DELETE, page_aspect_delete, 0, 0},
    {"/aspect_memberships", WEB_POST, page_membership_create, 0, JSON},
    {"/aspect_memberships/:id", WEB_DELETE, page_membership_delete, 0, JSON},
    {"/contacts", WEB_GET, page_contacts, 0, 0},
    {"/people", WEB_GET, page_people_search, 0, JSON},
    {"/blocks", WEB_POST, page_block_create, 0, JSON},
    {"/blocks/:id", WEB_DELETE, page_block_delete, 0, JSON},
    {"/aspects/:id", WEB_PUT, page_aspect_update, 0, 0},
    {"/people/:guid/aspects", WEB_PUT | WEB_POST, page_person_aspects_update, 0, 0},
    {"/search", WEB_GET, page_search, 0, 0},
    {"/comments/:id/likes", WEB_POST, page_comment_like_create, 0, JSON},
    {"/comments/:id/likes/:lid", WEB_DELETE, page_comment_like_delete, 0, JSON},
    {"/posts/:id/participation", WEB_POST | WEB_DELETE, page_participation, 0, JSON},
    {"/mentions", WEB_GET, page_mentions_stream, 0, JSON},
    {"/followed_tags", WEB_GET, page_followed_tags_stream, 0, JSON},
    {"/tag_followings", WEB_GET, page_tag_followings_index, 0, JSON},
    {"/tag_followings", WEB_POST, page_tag_following_create, 0, JSON},
    {"/tag_followings/:id", WEB_DELETE, page_tag_following_delete, 0, JSON},
    {"/tags", WEB_GET, page_tags_search, 0, JSON},
    {"/posts/:id/poll_participations", WEB_POST, page_poll_participation_create, 0, JSON},

    {"/setup", WEB_GET, page_setup, 0, 0},
    {"/setup", WEB_POST, page_setup_post, 0, 0},
    {"/users/sign_in", WEB_GET, page_sign_in, 0, 0},
    {"/users/sign_in", WEB_POST, page_sign_in_post, 0, 0},
    {"/users/sign_out", WEB_DELETE | WEB_POST, page_sign_out, 0, 0},
    {"/users/sign_up", WEB_GET, page_sign_up, 0, 0},
    {"/users/sign_up", WEB_POST, page_sign_up_post, 0, 0},
    {"/users", WEB_POST, page_sign_up_post, 0, 0},
    {"/i/:code", WEB_GET, page_invite, 0, 0},
    {"/user/edit", WEB_GET, page_user_edit, 0, 0},
    {"/user/edit", WEB_PUT, page_user_update, 0, 0},
    {"/user", WEB_PUT, page_user_update, 0, 0},
    {"/user", WEB_DELETE, page_user_delete, 0, 0},
    /* export */
    {"/user/export", WEB_GET, page_user_export, 0, 0},
    {"/user/export", WEB_POST, page_user_export_post, 0, 0},

    {"/admin", WEB_GET, page_admin, 0, 0},
    {"/admin/settings", WEB_PUT | WEB_POST, page_admin_settings, 0, 0},
    {"/admin/invites", WEB_POST, page_admin_invite_create, 0, 0},
    {"/admin/invites/:code", WEB_DELETE, page_admin_invite_delete, 0, 0},
    {"/admin/acme", WEB_POST, page_admin_acme, 0, 0},
    {"/admin/acme/renew", WEB_POST, page_admin_acme_renew, 0, 0},
    {"/admin/selfcheck", WEB_POST, page_admin_selfcheck, 0, 0},

    {"/u/:username", WEB_GET, page_profile_by_username, 0, 0},
    {"/people/:guid", WEB_GET, page_profile_by_guid, 0, 0},
    {"/profile/edit", WEB_GET, page_profile_edit, 0, 0},
    {"/profile", WEB_PUT, page_profile_update, CONFIG_POD_AVATAR_MAX_BYTES + 65536, 0},
    {"/media/avatars/:file", WEB_GET, page_avatar_file, 0, 0},
    {"/assets/user/default.png", WEB_GET, page_asset, 0, 0},
    {"/assets/:file", WEB_GET, page_static_file, 0, 0},

    {"/receive/public", WEB_POST, page_receive_public, CONFIG_POD_FED_RECEIVE_MAX, NOCSRF},
    {"/receive/users/:guid", WEB_POST, page_receive_private, CONFIG_POD_FED_RECEIVE_MAX, NOCSRF},
    {"/fetch/:type/:guid", WEB_GET, page_fetch, 0, NOCSRF},
    {"/.well-known/webfinger", WEB_GET, page_webfinger, 0, JSON},
    {"/hcard/users/:guid", WEB_GET, page_hcard, 0, 0},
    {"/.well-known/host-meta", WEB_GET, page_host_meta, 0, 0},
    {"/.well-known/nodeinfo", WEB_GET, page_nodeinfo_links, 0, JSON},
    {"/.well-known/acme-challenge/:token", WEB_GET, page_acme_challenge, 0, 0},
    {"/nodeinfo/:version", WEB_GET, page_nodeinfo, 0, JSON},

    /* notifications and conversations */
    {"/notifications", WEB_GET, page_notifications, 0, 0},
    {"/notifications/read_all", WEB_GET | WEB_POST, page_notifications_read_all, 0, 0},
    {"/notifications/:id", WEB_PUT, page_notification_update, 0, JSON},
    {"/conversations", WEB_GET, page_conversations, 0, 0},
    {"/conversations", WEB_POST, page_conversation_create, 0, 0},
    {"/conversations/new", WEB_GET, page_conversation_new, 0, 0},
    {"/conversations/:id", WEB_GET, page_conversation_show, 0, 0},
    {"/conversations/:id/messages", WEB_POST, page_message_create, 0, 0},
    {"/conversations/:id/visibility", WEB_DELETE, page_conversation_leave, 0, 0},

    /* photos */
    {"/photos", WEB_POST, page_photo_create, CONFIG_POD_PHOTO_MAX_BYTES + 65536, JSON},
    {"/photos/:id", WEB_GET, page_photo_show, 0, JSON},
    {"/photos/:id", WEB_DELETE, page_photo_delete, 0, JSON},
    {"/media/photos/:file", WEB_GET, page_photo_file, 0, 0},
    {"/people/:guid/photos", WEB_GET, page_person_photos, 0, JSON},

    {NULL, 0, NULL, 0, 0},
};

/* A capture the handlers may trust: no control character (the path is
 * percent-decoded, so "%01" arrives as a byte) and no "..", so no :file or
 * :name ever walks up a directory. '/' cannot occur (segments end there). */
static bool
capture_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || (c == '.' && i + 1 < n && s[i + 1] == '.'))
            return false;
    }
    return true;
}

/* Matches path against pattern; captures point into path (lengths in
 * caps_len). Both start with '/'. */
static bool
pattern_match(const char *pattern, const char *path, const char **caps, size_t *caps_len,
              size_t *ncaps)
{
    *ncaps = 0;
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return false;
        pattern++;
        path++;
        const char *pend = strchr(pattern, '/'), *send = strchr(path, '/');
        size_t plen = pend ? (size_t)(pend - pattern) : strlen(pattern);
        size_t slen = send ? (size_t)(send - path) : strlen(path);
        if (plen > 0 && pattern[0] == ':') {
            if (slen == 0 || *ncaps == WEB_MAX_PARAMS || !capture_ok(path, slen))
                return false;
            caps[*ncaps] = path;
            caps_len[(*ncaps)++] = slen;
        } else if (plen != slen || strncmp(pattern, path, plen) != 0) {
            return false;
        }
        pattern += plen;
        path += slen;
    }
    return *pattern == '\0' && *path == '\0';
}

const struct web_route *
web_route_find(const char *path, unsigned method, struct pod_arena *a, const char **params,
               unsigned *allowed, unsigned *flags)
{
    const char *caps[WEB_MAX_PARAMS];
    size_t caps_len[WEB_MAX_PARAMS], n;

    *allowed = 0;
    *flags = 0;
    for (const struct web_route *r = routes; r->pattern; r++) {
        if (!pattern_match(r->pattern, path, caps, caps_len, &n))
            continue;
        if (!(r->methods & method)) {
            *allowed |= r->methods;
            *flags |= r->flags;
            continue;
        }
        for (size_t i = 0; i < WEB_MAX_PARAMS; i++)
            params[i] = i < n ? pod_arena_strndup(a, caps[i], caps_len[i]) : NULL;
        for (size_t i = 0; i < n; i++)
            if (!params[i])
                return NULL;
        return r;
    }
    return NULL;
}
