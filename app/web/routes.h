/*
 * routes.h - the pod's URL map: which handler answers which method on
 * which path, with what body limit and checks.
 *
 * Patterns are literal segments and ":name" captures ("/people/:guid");
 * captures land in req->params in order. A path may appear several times
 * with different methods; a path that matches with no fitting method gets
 * 405 and an Allow header listing the others.
 */
#ifndef POD_WEB_ROUTES_H
#define POD_WEB_ROUTES_H

#include <stddef.h>

#include "web/request.h"

/* A route handler: answers req through reply.h and returns the status. */
typedef int (*web_handler_fn)(struct web_req *req);

enum web_route_flags {
    WEB_ROUTE_NO_CSRF = 1u << 0, /* machine endpoints (federation); no CSRF check */
    WEB_ROUTE_JSON = 1u << 1,    /* JSON (errors too) unless Accept asks for text/html */
};

struct web_route {
    const char *pattern;
    unsigned methods; /* enum web_method bits */
    web_handler_fn handler;
    size_t body_max; /* 0 = CONFIG_POD_REQUEST_BODY_MAX */
    unsigned flags;
};

/* Finds the route for path and method (a WEB_* bit). On a match fills
 * params (WEB_MAX_PARAMS entries, copied into the arena) and returns the
 * route. Otherwise returns NULL and sets *allowed to the methods the path
 * takes (0 when no pattern matches: 404) and *flags to the union of their
 * flags (so a 405 on a JSON path answers in JSON). */
const struct web_route *web_route_find(const char *path, unsigned method, struct pod_arena *a,
                                       const char **params, unsigned *allowed, unsigned *flags);

#endif
