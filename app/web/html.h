/*
 * html.h - building HTML pages in the request arena: a growing buffer with
 * escaping appenders, and the pod's page frame (head with the CSRF meta
 * tag, navigation, footer).
 */
#ifndef POD_WEB_HTML_H
#define POD_WEB_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "web/request.h"

struct html {
    struct web_req *req; /* borrowed; memory comes from its arena */
    char *buf;
    size_t len, cap;
    bool failed; /* an allocation failed; web_reply_html answers 500 */
};

void html_init(struct html *h, struct web_req *req);

/* Appends s as is (markup written by us). */
void html_raw(struct html *h, const char *s);

/* Appends formatted markup; arguments are NOT escaped: use %s only with
 * our own strings or html_text(). */
void html_printf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s escaped for text and attribute values. NULL appends nothing. */
void html_text(struct html *h, const char *s);

/* Appends text escaped, with each "{}" in it replaced by value (escaped).
 * For translated messages with a number or name in them: a translation
 * is never used as a printf format. */
void html_fill(struct html *h, const char *text, const char *value);

/* html_fill with a whole number. */
void html_fill_n(struct html *h, const char *text, long long n);

/* Starts a page: doctype, head with title (escaped), viewport, styles, the
 * <meta name="csrf-token" content="..."> tag diaspora* clients read, and the
 * navigation bar for the signed-in person or visitor. */
void html_page_begin(struct html *h, const char *title);

/* A message box above the content: kind is "notice" or "error". */
void html_flash(struct html *h, const char *kind, const char *message);

/* A hidden authenticity_token field for a form. */
void html_csrf_field(struct html *h);

/* Ends the page (footer, closing tags). */
void html_page_end(struct html *h);

/* Sends the page with status. */
int web_reply_html(struct web_req *req, int status, struct html *h);

/* True when anyone may sign up (the registrations_open setting); when not,
 * only invitation links lead to the sign-up form. */
bool web_registrations_open(struct web_req *req);

/* The pod's display name (pod_name setting or host), unescaped, in the
 * arena. */
const char *web_pod_name(struct web_req *req);

#endif
