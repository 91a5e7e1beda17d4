/*
 * pages.h - the route table and the handlers of the pod's pages.
 */
#ifndef POD_WEB_PAGES_H
#define POD_WEB_PAGES_H

#include <stddef.h>

#include "web/server.h"

/* Methods a route answers, as a bit set. GET routes answer HEAD too. */
enum web_method {
    WEB_GET = 1u << 0,
    WEB_POST = 1u << 1,
    WEB_PUT = 1u << 2,
    WEB_DELETE = 1u << 3,
    WEB_PATCH = 1u << 4,
};

struct web_route {
    const char *path; /* exact path, or a prefix when it ends in '/' and prefix is set */
    unsigned methods; /* enum web_method bits */
    web_handler_fn handler;
    size_t body_max; /* 0 = CONFIG_POD_REQUEST_BODY_MAX */
    int prefix;      /* match path as a prefix */
};

/* The routes, ended by an entry with path NULL. */
const struct web_route *web_routes(void);

#endif
