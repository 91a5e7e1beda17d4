/*
 * visibility.h - who may see what. The one place that decides it: streams,
 * post JSON, photos, comments, likes, polls, search and notifications all
 * ask here. Pure functions over facts the caller looked up.
 */
#ifndef POD_CORE_VISIBILITY_H
#define POD_CORE_VISIBILITY_H

#include <stdbool.h>
#include <stdint.h>

/* What is known about a post and its viewer. viewer is the viewer's
 * person id, 0 when signed out. */
struct pod_post_facts {
    uint64_t author;
    bool public;
    bool viewer_is_recipient;  /* the viewer is among a limited post's recipients */
    bool viewer_blocks_author; /* the viewer ignores the author */
};

/* May viewer see the post at all (its page, JSON, photos, comments, likes,
 * poll)? Public posts: everyone. Limited posts: the author and the
 * recipients only; signed-out visitors never. */
bool pod_post_visible(const struct pod_post_facts *f, uint64_t viewer);

/* Should it appear in the viewer's streams and notifications? Visible and
 * not by someone the viewer ignores. */
bool pod_post_listed(const struct pod_post_facts *f, uint64_t viewer);

/* May viewer comment on or like the post? Signed in, the post visible,
 * and the author does not ignore the viewer (author_blocks_viewer). */
bool pod_post_interactable(const struct pod_post_facts *f, uint64_t viewer,
                           bool author_blocks_viewer);

/* May viewer reshare it? Only public posts, not one's own. */
bool pod_post_resharable(const struct pod_post_facts *f, uint64_t viewer);

/* May viewer delete a comment? Its author, or the post's author. */
bool pod_comment_deletable(uint64_t comment_author, uint64_t post_author, uint64_t viewer);

#endif
