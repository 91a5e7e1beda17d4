/*
 * handlers.h - the request handlers, grouped by the file that holds them.
 * routes.c maps paths to them.
 */
#ifndef POD_WEB_HANDLERS_H
#define POD_WEB_HANDLERS_H

#include <stdbool.h>

#include "web/request.h"

struct store_profile;

/* pages.c: the landing page, health */
int page_landing(struct web_req *req);
int page_health(struct web_req *req);

/* social.c: the social core's endpoints */
int page_bookmarklet(struct web_req *req);
int page_stream(struct web_req *req);
int page_public_stream(struct web_req *req);
int page_activity_stream(struct web_req *req);
int page_commented_stream(struct web_req *req);
int page_liked_stream(struct web_req *req);
int page_aspects_stream(struct web_req *req);
int page_tag_stream(struct web_req *req);
int page_person_stream(struct web_req *req);
int page_status_message_create(struct web_req *req);
int page_post_show(struct web_req *req);
int page_post_delete(struct web_req *req);
int page_comments_index(struct web_req *req);
int page_comment_create(struct web_req *req);
int page_comment_delete(struct web_req *req);
int page_like_create(struct web_req *req);
int page_like_delete(struct web_req *req);
int page_reshare_create(struct web_req *req);
int page_aspect_create(struct web_req *req);
int page_aspect_delete(struct web_req *req);
int page_membership_create(struct web_req *req);
int page_membership_delete(struct web_req *req);
int page_contacts(struct web_req *req);
int page_people_search(struct web_req *req);
int page_block_create(struct web_req *req);
/* /people/GUID.json (PersonPresenter). */
int web_person_json(struct web_req *req, const char *guid);

/* account.c: first-run setup, sign in/out, sign up, invitations, settings */
int page_setup(struct web_req *req);
int page_setup_post(struct web_req *req);
int page_sign_in(struct web_req *req);
int page_sign_in_post(struct web_req *req);
int page_sign_out(struct web_req *req);
int page_sign_up(struct web_req *req);
int page_sign_up_post(struct web_req *req);
int page_invite(struct web_req *req);
int page_user_edit(struct web_req *req);
int page_user_update(struct web_req *req);
int page_user_delete(struct web_req *req);

/* admin.c: the administrator's page */
int page_admin(struct web_req *req);
int page_admin_settings(struct web_req *req);
int page_admin_invite_create(struct web_req *req);
int page_admin_invite_delete(struct web_req *req);

/* profile.c: profiles and avatars */
int page_profile_by_username(struct web_req *req);
int page_profile_by_guid(struct web_req *req);
int page_profile_edit(struct web_req *req);
int page_profile_update(struct web_req *req);
int page_avatar_file(struct web_req *req);
int page_asset(struct web_req *req);

/* The URL of one avatar size ("large", "medium", "small") of profile p (may
 * be NULL): the uploaded picture or the default one. Absolute (on
 * pod_url) when absolute is set, for documents other pods read. */
const char *web_avatar_url(struct web_req *req, const struct store_profile *p, const char *size,
                           bool absolute);

/* discovery.c: what other pods read */
int page_webfinger(struct web_req *req);
int page_hcard(struct web_req *req);
int page_host_meta(struct web_req *req);
int page_nodeinfo_links(struct web_req *req);
int page_nodeinfo(struct web_req *req);

#endif
