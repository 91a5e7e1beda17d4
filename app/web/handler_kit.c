#include "web/handler_kit.h"

#include <stdlib.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "web/reply.h"
#include "web/server.h"
#include "web/session.h"

uint64_t
web_viewer(const struct web_req *req)
{
    return req->session ? req->session->person : 0;
}

uint64_t
web_parse_id(const char *s)
{
    char *end;
    unsigned long long v;

    if (!s || *s < '0' || *s > '9')
        return 0;
    v = strtoull(s, &end, 10);
    return *end ? 0 : (uint64_t)v;
}

uint64_t
web_json_id(const struct cJSON *it)
{
    /* Checked before the cast: a double beyond uint64_t (1e300, -1, NaN)
     * converted to it is undefined behaviour. 2^53: exact in a double. */
    if (cJSON_IsNumber(it))
        return it->valuedouble >= 1 && it->valuedouble <= 9007199254740992.0
                   ? (uint64_t)it->valuedouble
                   : 0;
    if (cJSON_IsString(it))
        return web_parse_id(it->valuestring);
    return 0;
}

int
web_need_session(struct web_req *req)
{
    if (req->session && req->session->person)
        return 0;
    if (req->json)
        return web_reply_json_error(req, 401, "You need to sign in or sign up before continuing.");
    return web_reply_redirect(req, 302, "/users/sign_in");
}

struct store_txn *
web_txn_begin(struct web_req *req, bool write)
{
    struct store_txn *txn = NULL;

    if (store_txn_begin(req->server->store, write, &txn) != POD_OK) {
        web_reply_error(req, 503, "The pod's storage is not answering.");
        return NULL;
    }
    return txn;
}

int
web_txn_finish(struct store_txn *txn, int rc)
{
    if (rc == POD_OK)
        return store_txn_commit(txn);
    store_txn_abort(txn);
    return rc;
}
