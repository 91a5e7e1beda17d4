/*
 * admin_reach.h - internal to the admin page (web/admin.c,
 * web/admin_reach.c): the sections on reaching the pod from outside
 * (HTTPS certificate and ACME, the router's port mapping, the
 * reachability self-check), the page itself, which their forms answer
 * with on an error, and the pieces both files use.
 */
#ifndef POD_WEB_ADMIN_REACH_H
#define POD_WEB_ADMIN_REACH_H

#include "store/store.h"
#include "web/html.h"
#include "web/request.h"

/* The administration page with status and an optional notice or error
 * (translated already); the caller checked that req is an admin's. */
int admin_page(struct web_req *req, int status, const char *notice, const char *error);

/* Answers for anyone who is not an administrator (sign-in redirect or
 * 403) and returns that answer; 0 for administrators. */
int admin_require(struct web_req *req);

/* Appends t (Unix seconds) as <time datetime="ISO">2024-05-01 10:00
 * UTC</time>. */
void admin_time(struct html *h, int64_t t);

/* Opens <section id="id" aria-labelledby="id-h"><h2 id="id-h">title</h2>
 * (title translated already); the caller closes the section. */
void admin_section_begin(struct html *h, const char *id, const char *title);

/* Appends the sections "HTTPS certificate", "Router" and "Reachability";
 * txn (read) gives the settings and the last inbound delivery. */
void admin_reach_sections(struct html *h, struct store_txn *txn);

#endif
