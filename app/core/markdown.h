/*
 * markdown.h - Markdown (bios, posts, comments) to HTML that is safe to put
 * in a page: md4c renders it with raw HTML disabled, and links or images
 * whose URL is not http(s), mailto or a path on this pod lose that URL.
 */
#ifndef POD_CORE_MARKDOWN_H
#define POD_CORE_MARKDOWN_H

#include <stddef.h>

#include "core/arena.h"

#define POD_MARKDOWN_MAX_INPUT (64 * 1024) /* longer text is refused */

/* Renders md[0..len) into a NUL-terminated HTML fragment in the arena.
 * Returns NULL for input over POD_MARKDOWN_MAX_INPUT or when the arena is
 * exhausted. */
char *pod_markdown_html(const char *md, size_t len, struct pod_arena *a);

#endif
