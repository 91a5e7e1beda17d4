/*
 * selfcheck.c - is this pod reachable from outside (net/selfcheck.h).
 *
 * Two requests through the pod's outbound client, never from a pooled
 * connection's reuse afterwards (no_reuse): GET https://HOST/.well-known/
 * nodeinfo, then the NodeInfo 2.x document it links, which must be on the
 * same origin and name the software plugpod. The client's error codes say
 * what failed: POD_ERR_NOTFOUND the name does not resolve, POD_ERR_CRYPTO
 * TLS (certificate not trusted, wrong name, expired), POD_ERR_IO and
 * POD_ERR_AUTH no connection (refused, timed out, refused by the address
 * guard; but "cannot resolve" when the resolver failed); anything else
 * is a bad answer.
 */
#include "net/selfcheck.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "core/log.h"
#include "core/settings.h"
#include "drivers/clock/clock.h"
#include "http/http.h"
#include "http/url.h"
#include "store/store.h"

#define SELFCHECK_TIMEOUT_MS  10000u
#define NODEINFO_REL_PREFIX   "http://nodeinfo.diaspora.software/ns/schema/2."
#define PLUGPOD_SOFTWARE_NAME "plugpod" /* as federation/discovery.c serves it */

static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;
static struct selfcheck_result last; /* outcome SELFCHECK_NEVER (0) at first */

static int64_t
last_inbound(struct store *st)
{
    struct store_txn *txn = NULL;
    uint64_t v = 0;

    if (!st || store_txn_begin(st, false, &txn) != POD_OK)
        return 0;
    if (store_setting_get_u64(txn, POD_SETTING_LAST_INBOUND_AT, &v) != POD_OK)
        v = 0;
    store_txn_abort(txn);
    return (int64_t)v;
}

static enum selfcheck_outcome
outcome_of(int rc)
{
    switch (rc) {
    case POD_ERR_NOTFOUND:
        return SELFCHECK_NO_NAME;
    case POD_ERR_CRYPTO:
        return SELFCHECK_TLS;
    case POD_ERR_IO:
    case POD_ERR_AUTH:
    case POD_ERR_NOMEM:
        return SELFCHECK_UNREACHABLE;
    default:
        return SELFCHECK_BAD_ANSWER;
    }
}

/* GETs url within what is left until deadline_ms; 0 when a 200 with a
 * JSON body came back (*json set, the caller frees it), else the outcome
 * with res->detail filled. */
static enum selfcheck_outcome
get_json(const struct selfcheck_config *cfg, const char *url, uint64_t deadline_ms,
         struct selfcheck_result *res, cJSON **json)
{
    struct http_response resp = {0};
    struct http_request rq = {
        .method = "GET",
        .url = url,
        .max_response_bytes = SELFCHECK_DOC_MAX,
        .no_reuse = true,
    };
    struct http_header accept = {"Accept", "application/json"};
    uint64_t now = drv_clock_monotonic_ms();
    enum selfcheck_outcome oc = SELFCHECK_OK;
    int rc;

    *json = NULL;
    if (now + 100 >= deadline_ms) {
        pod_why(res->detail, sizeof res->detail, "no time left for %s", url);
        return SELFCHECK_UNREACHABLE;
    }
    rq.timeout_ms = (unsigned)(deadline_ms - now);
    rq.connect_timeout_ms = rq.timeout_ms;
    rq.headers = &accept;
    rq.n_headers = 1;
    rc = http_request(cfg->http, &rq, &resp);
    res->http_status = resp.status;
    if (rc != POD_OK) {
        oc = outcome_of(rc);
        /* A resolver that cannot answer (EAI_AGAIN) is POD_ERR_IO, but to
         * whoever looks the pod up, the name does not resolve all the same. */
        if (rc == POD_ERR_IO && strncmp(resp.why, "cannot resolve ", 15) == 0)
            oc = SELFCHECK_NO_NAME;
        pod_why(res->detail, sizeof res->detail, "%s", resp.why[0] ? resp.why : pod_strerror(rc));
    } else if (resp.status != 200) {
        oc = SELFCHECK_BAD_ANSWER;
        pod_why(res->detail, sizeof res->detail, "%s answered HTTP %d", url, resp.status);
    } else if (!(*json = cJSON_ParseWithLength(resp.body, resp.body_len)) ||
               !cJSON_IsObject(*json)) {
        cJSON_Delete(*json);
        *json = NULL;
        oc = SELFCHECK_BAD_ANSWER;
        pod_why(res->detail, sizeof res->detail, "%s did not answer with a JSON object", url);
    }
    http_response_free(&resp);
    return oc;
}

/* The href of the highest NodeInfo 2.x link of links (borrowed from it),
 * or NULL. */
static const char *
nodeinfo_href(const cJSON *links)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(links, "links"), *it;
    const char *best = NULL, *best_rel = NULL;

    cJSON_ArrayForEach(it, arr)
    {
        const cJSON *rel = cJSON_GetObjectItemCaseSensitive(it, "rel");
        const cJSON *href = cJSON_GetObjectItemCaseSensitive(it, "href");
        if (!cJSON_IsString(rel) || !cJSON_IsString(href) || !href->valuestring[0] ||
            strncmp(rel->valuestring, NODEINFO_REL_PREFIX, strlen(NODEINFO_REL_PREFIX)) != 0)
            continue;
        if (!best_rel || strcmp(rel->valuestring, best_rel) > 0) {
            best_rel = rel->valuestring;
            best = href->valuestring;
        }
    }
    return best;
}

/* The software name of a NodeInfo document (borrowed), or NULL. */
static const char *
software_name(const cJSON *ni)
{
    const cJSON *name =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ni, "software"), "name");

    return cJSON_IsString(name) ? name->valuestring : NULL;
}

int
selfcheck_nodeinfo_link(const char *json, size_t len, char *out, size_t cap)
{
    cJSON *doc;
    const char *href;
    int rc = POD_ERR_PARSE;

    if (cap)
        out[0] = '\0';
    if (len > SELFCHECK_DOC_MAX)
        return POD_ERR_LIMIT;
    doc = cJSON_ParseWithLength(json, len);
    if (cJSON_IsObject(doc) && (href = nodeinfo_href(doc)))
        rc = (size_t)snprintf(out, cap, "%s", href) < cap ? POD_OK : POD_ERR_LIMIT;
    cJSON_Delete(doc);
    return rc;
}

bool
selfcheck_nodeinfo_is_plugpod(const char *json, size_t len)
{
    cJSON *doc;
    const char *name;
    bool yes;

    if (len > SELFCHECK_DOC_MAX)
        return false;
    doc = cJSON_ParseWithLength(json, len);
    name = cJSON_IsObject(doc) ? software_name(doc) : NULL;
    yes = name && strcmp(name, PLUGPOD_SOFTWARE_NAME) == 0;
    cJSON_Delete(doc);
    return yes;
}

static enum selfcheck_outcome
check(const struct selfcheck_config *cfg, struct selfcheck_result *res)
{
    unsigned timeout = cfg->timeout_ms ? cfg->timeout_ms : SELFCHECK_TIMEOUT_MS;
    uint64_t deadline = drv_clock_monotonic_ms() + timeout;
    char url[HTTP_URL_MAX + 1];
    struct http_url base, doc;
    const char *name;
    const char *href;
    cJSON *links = NULL, *ni = NULL;
    enum selfcheck_outcome oc;

    if (!cfg->http) {
        pod_why(res->detail, sizeof res->detail, "the pod has no outbound HTTPS client");
        return SELFCHECK_NO_CLIENT;
    }
    if (!cfg->host || !*cfg->host ||
        (size_t)snprintf(url, sizeof url, "https://%s/.well-known/nodeinfo", cfg->host) >=
            sizeof url ||
        http_url_parse(url, strlen(url), &base) != POD_OK) {
        pod_why(res->detail, sizeof res->detail, "the pod's host name \"%.64s\" is not usable",
                cfg->host ? cfg->host : "");
        return SELFCHECK_NO_NAME;
    }
    oc = get_json(cfg, url, deadline, res, &links);
    if (oc != SELFCHECK_OK)
        return oc;
    href = nodeinfo_href(links);
    if (!href) {
        pod_why(res->detail, sizeof res->detail, "%s links no NodeInfo 2.x document", url);
        oc = SELFCHECK_BAD_ANSWER;
    } else if (http_url_parse(href, strlen(href), &doc) != POD_OK ||
               !http_url_same_origin(&base, &doc) ||
               http_url_format(&doc, url, sizeof url) != POD_OK) {
        pod_why(res->detail, sizeof res->detail, "the NodeInfo link %.120s is not on %.60s", href,
                base.host);
        oc = SELFCHECK_BAD_ANSWER;
    }
    cJSON_Delete(links);
    if (oc != SELFCHECK_OK)
        return oc;
    oc = get_json(cfg, url, deadline, res, &ni);
    if (oc != SELFCHECK_OK)
        return oc;
    name = software_name(ni);
    if (!name || strcmp(name, PLUGPOD_SOFTWARE_NAME) != 0) {
        pod_why(res->detail, sizeof res->detail, "%s is the NodeInfo of %.40s, not of this pod",
                url, name ? name : "unknown software");
        oc = SELFCHECK_BAD_ANSWER;
    } else {
        pod_why(res->detail, sizeof res->detail, "%s answered", url);
    }
    cJSON_Delete(ni);
    return oc;
}

void
selfcheck_run(const struct selfcheck_config *cfg, struct selfcheck_result *out)
{
    struct selfcheck_result res = {0};
    uint64_t start = drv_clock_monotonic_ms();

    res.checked_at = drv_clock_wall();
    res.outcome = check(cfg, &res);
    res.took_ms = (unsigned)(drv_clock_monotonic_ms() - start);
    res.last_inbound = last_inbound(cfg->store);
    if (res.outcome == SELFCHECK_OK)
        LOG_INFO("selfcheck", "reachable: %s (%u ms)", res.detail, res.took_ms);
    else
        LOG_WARN("selfcheck", "not reachable (outcome %d): %s", (int)res.outcome, res.detail);
    pthread_mutex_lock(&last_lock);
    last = res;
    pthread_mutex_unlock(&last_lock);
    if (out)
        *out = res;
}

void
selfcheck_last(struct selfcheck_result *out)
{
    pthread_mutex_lock(&last_lock);
    *out = last;
    pthread_mutex_unlock(&last_lock);
}
