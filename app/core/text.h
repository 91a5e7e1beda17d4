/*
 * text.h - what a post's text means beyond Markdown: mentions
 * "@{Name; user@host}" (and the short "@{user@host}"), hashtags "#tag", and
 * the HTML a post or comment renders to, with mentions and tags linked and
 * every link given rel="nofollow noopener". Pure functions; results in the
 * caller's arena.
 */
#ifndef POD_CORE_TEXT_H
#define POD_CORE_TEXT_H

#include <stddef.h>

#include "core/arena.h"

#define POD_MARKDOWN_MAX_INPUT (64 * 1024) /* longer text is refused */
#define POD_TEXT_MAX_MENTIONS  64
#define POD_TEXT_MAX_TAGS      32
#define POD_TAG_MAX            64 /* bytes of a tag name */

struct pod_mention {
    const char *name;        /* as written ("" for the short form) */
    const char *diaspora_id; /* lowercase */
};

/* Finds mentions in text (len bytes), at most POD_TEXT_MAX_MENTIONS,
 * each diaspora* ID once. *out gets an array in the arena. Mentions inside
 * code spans or blocks count too (diaspora* does the same). */
int pod_text_mentions(const char *text, size_t len, struct pod_arena *a, struct pod_mention **out,
                      size_t *count);

/* Finds hashtags: '#' at the start or after a non-word character,
 * followed by letters (any Unicode letter), digits, '_' or '-'; returned
 * lowercase (ASCII folding; other letters as written), each once, at most
 * POD_TEXT_MAX_TAGS, each at most POD_TAG_MAX bytes (longer ones are
 * skipped). "#nsfw" is a tag like others. */
int pod_text_tags(const char *text, size_t len, struct pod_arena *a, const char ***out,
                  size_t *count);

/* Looks up how a mentioned person is shown and linked; returns 0 and fills
 * name/url (arena strings) when known, non-zero to render the mention as
 * its plain name. */
typedef int (*pod_mention_resolve_fn)(const char *diaspora_id, const char **name, const char **url,
                                      void *ctx);

/* Renders a post or comment: Markdown via md4c without raw HTML, links
 * only to http(s)/mailto/this pod with rel="nofollow noopener", no
 * javascript: or data: URLs, no event-handler attributes, mentions as
 * links to the person (via resolve, may be NULL), #tags as links to
 * /tags/<tag>. The one Markdown renderer of the pod: posts, comments,
 * messages and profile bios. NULL on input over POD_MARKDOWN_MAX_INPUT or
 * arena exhaustion. */
char *pod_text_render(const char *text, size_t len, pod_mention_resolve_fn resolve, void *ctx,
                      struct pod_arena *a);

#endif
