/*
 * selfcheck.h - is this pod reachable from outside? Fetches the pod's own
 * NodeInfo (https://HOST/.well-known/nodeinfo, then the document it
 * links) through the pod's outbound client, so the name resolves and
 * connects as another pod's would (the public address, the router's
 * forward), with the certificate verified against the trust store. Also
 * reads the time the last inbound delivery arrived. (The served
 * certificate's validity is the admin page's: it reads it once, from the
 * ACME task or the listener's PEM.)
 *
 * selfcheck_run blocks (bounded by timeout_ms) and keeps its result for
 * selfcheck_last; both are thread-safe.
 */
#ifndef POD_NET_SELFCHECK_H
#define POD_NET_SELFCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_client;
struct store;

enum selfcheck_outcome {
    SELFCHECK_NEVER,       /* not run yet */
    SELFCHECK_OK,          /* NodeInfo answered over verified HTTPS */
    SELFCHECK_NO_CLIENT,   /* the pod has no outbound client */
    SELFCHECK_NO_NAME,     /* the host name does not resolve */
    SELFCHECK_UNREACHABLE, /* no connection (refused, timeout, guard) */
    SELFCHECK_TLS,         /* TLS failed: certificate not trusted, wrong name, expired */
    SELFCHECK_BAD_ANSWER,  /* answered, but not this pod's NodeInfo */
};

struct selfcheck_result {
    enum selfcheck_outcome outcome;
    int64_t checked_at; /* Unix seconds */
    unsigned took_ms;
    int http_status;      /* of the last response, 0: none */
    char detail[192];     /* the client's reason, one line, English */
    int64_t last_inbound; /* when the last inbound delivery arrived; 0 never */
};

struct selfcheck_config {
    struct http_client *http; /* borrowed; NULL: SELFCHECK_NO_CLIENT */
    struct store *store;      /* borrowed, for the last inbound delivery */
    const char *host;         /* the pod's public name ("name" or "name:port") */
    unsigned timeout_ms;      /* 0: 10 s */
};

/* Runs the check now and keeps the result; *out gets a copy. */
void selfcheck_run(const struct selfcheck_config *cfg, struct selfcheck_result *out);

/* The last result kept (outcome SELFCHECK_NEVER before the first run). */
void selfcheck_last(struct selfcheck_result *out);

#define SELFCHECK_DOC_MAX (64u * 1024) /* NodeInfo documents are ~1 KiB */

/* Reads a /.well-known/nodeinfo document json[0..len) and copies the href
 * of its highest NodeInfo 2.x link into out (cap bytes). POD_ERR_LIMIT
 * when json is longer than SELFCHECK_DOC_MAX or the href does not fit,
 * POD_ERR_PARSE when it is not a JSON object or links no NodeInfo 2.x.
 * Pure (the fuzz target's way in). */
int selfcheck_nodeinfo_link(const char *json, size_t len, char *out, size_t cap);

/* True when the NodeInfo document json[0..len) (at most
 * SELFCHECK_DOC_MAX bytes) names the software "plugpod". Pure. */
bool selfcheck_nodeinfo_is_plugpod(const char *json, size_t len);

#endif
