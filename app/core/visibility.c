/*
 * visibility.c - who may see what (see visibility.h). The rules are small on
 * purpose: every caller asks here, so a change of policy is a change of one
 * file, and tests/host/unit/test_visibility.c walks the whole truth table.
 *
 * Two conventions beyond the header: a signed-out viewer (0) ignores nobody
 * and is ignored by nobody, and nobody ignores themselves (a stray block of
 * one's own id never hides one's own posts).
 */
#include "core/visibility.h"

#include <stddef.h>

bool
pod_post_visible(const struct pod_post_facts *f, uint64_t viewer)
{
    if (!f)
        return false;
    if (f->public)
        return true;
    if (viewer == 0)
        return false;
    return viewer == f->author || f->viewer_is_recipient;
}

bool
pod_post_listed(const struct pod_post_facts *f, uint64_t viewer)
{
    if (!pod_post_visible(f, viewer))
        return false;
    if (viewer == 0 || viewer == f->author)
        return true;
    return !f->viewer_blocks_author;
}

bool
pod_post_interactable(const struct pod_post_facts *f, uint64_t viewer, bool author_blocks_viewer)
{
    if (viewer == 0 || !pod_post_visible(f, viewer))
        return false;
    if (viewer == f->author)
        return true;
    return !author_blocks_viewer;
}

bool
pod_post_resharable(const struct pod_post_facts *f, uint64_t viewer)
{
    if (!f || viewer == 0)
        return false;
    return f->public && viewer != f->author;
}

bool
pod_comment_deletable(uint64_t comment_author, uint64_t post_author, uint64_t viewer)
{
    if (viewer == 0)
        return false;
    return viewer == comment_author || viewer == post_author;
}
