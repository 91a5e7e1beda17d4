/*
 * acme_challenge.c - GET /.well-known/acme-challenge/TOKEN: the HTTP-01
 * answers the ACME client published (acme/challenge.h). Served on the
 * plain HTTP port as well, never redirected (server.c), since the ACME
 * server validates over http:// on port 80 before the pod has a
 * certificate anyone trusts.
 */
#include <string.h>

#include "acme/challenge.h"
#include "core/error.h"
#include "web/handlers.h"
#include "web/reply.h"

int
page_acme_challenge(struct web_req *req)
{
    char answer[ACME_KEYAUTHZ_MAX + 1];
    const char *token = req->params[0];

    if (!token || strlen(token) > ACME_TOKEN_MAX ||
        acme_challenge_find(token, answer, sizeof answer) != POD_OK)
        return web_reply(req, 404, "text/plain; charset=utf-8", "not found\n", 10, NULL);
    return web_reply(req, 200, "text/plain", answer, strlen(answer), NULL);
}
