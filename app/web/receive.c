/*
 * receive.c - the federation delivery endpoints (docs/diaspora-federation.md
 * §5): POST /receive/public and POST /receive/users/GUID.
 *
 * A delivery is stored in the durable inbox queue (store/fed_inbox.h) and
 * answered 202 only after the commit; the federation task verifies and
 * applies it later. Nothing about its validity is told to the sender, as
 * diaspora* does. A private delivery for a GUID that is not a local user
 * gets 404; a body over POD_FED_RECEIVE_MAX gets 413 before it is read
 * (the route's limit).
 */
#include <string.h>

#include "autoconf.h"
#include "core/error.h"
#include "core/log.h"
#include "drivers/clock/clock.h"
#include "store/fed_inbox.h"
#include "store/people.h"
#include "task/fed_inbox_task.h"
#include "web/handler_kit.h"
#include "web/handlers.h"
#include "web/reply.h"
#include "web/server.h"

/* Stores the request body as a delivery of kind for recipient (0 for
 * public) and answers 202, or the error. */
static int
enqueue(struct web_req *req, enum store_inbox_kind kind, uint64_t recipient)
{
    struct store_txn *txn;
    uint64_t id = 0;
    int rc;

    rc = web_req_read_body(req, CONFIG_POD_FED_RECEIVE_MAX);
    if (rc == POD_ERR_LIMIT)
        return web_reply_error(req, 413, "The delivery is too large.");
    if (rc != POD_OK)
        return web_reply_error(req, 400, "The request body ended early.");
    if (req->body_len == 0)
        return web_reply_error(req, 422, "The delivery is empty.");
    txn = web_txn_begin(req, true);
    if (!txn)
        return req->status;
    rc = web_txn_finish(txn, store_inbox_push(txn, kind, recipient, req->body, req->body_len,
                                              drv_clock_wall(), &id));
    if (rc != POD_OK) {
        LOG_WARN("federation", "delivery from %s not queued: %s", web_req_remote_addr(req),
                 pod_strerror(rc));
        return web_reply_error(req, rc == POD_ERR_FULL ? 507 : 503,
                               "The delivery could not be stored; try again later.");
    }
    LOG_INFO("federation", "queued %s delivery #%llu (%zu bytes) from %s",
             kind == STORE_INBOX_PUBLIC ? "public" : "private", (unsigned long long)id,
             req->body_len, web_req_remote_addr(req));
    task_fed_inbox_wake(req->server->cfg.fed_inbox);
    return web_reply(req, 202, "text/plain; charset=utf-8", "", 0, NULL);
}

int
page_receive_public(struct web_req *req)
{
    return enqueue(req, STORE_INBOX_PUBLIC, 0);
}

int
page_receive_private(struct web_req *req)
{
    struct store_txn *txn = web_txn_begin(req, false);
    struct store_person p;
    int rc;

    if (!txn)
        return req->status;
    rc = store_person_get_by_guid(txn, req->params[0], &p);
    store_txn_abort(txn);
    /* Only people with an account here receive private deliveries. */
    if (rc != POD_OK || !p.username[0])
        return web_reply_error(req, 404, "No such user on this pod.");
    return enqueue(req, STORE_INBOX_PRIVATE, p.id);
}
