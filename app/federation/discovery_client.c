/*
 * discovery_client.c - discovery of people on other pods
 * (docs/diaspora-federation.md §2.1, §2.2, §9): see discovery_client.h.
 *
 * fed_discover: normalise the ID -> known already? (read transaction) ->
 * recently failed? -> a running slot -> GET WebFinger -> check -> GET hCard
 * -> check, build the person -> one write transaction that adds the person
 * or merges them into the known row. The two documents share one deadline.
 */
#include "federation/discovery_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ids.h"
#include "core/log.h"
#include "crypto/rsa.h"
#include "drivers/clock/clock.h"
#include "http/http.h"
#include "http/url.h"
#include "store/store.h"

#define MOD "discovery"

/* Below this much of the budget left, another request is not started. */
#define MIN_REQUEST_MS 200

/* ============================================================ pure rules */

bool
fed_discovery_normalise_id(const char *did, char *out, size_t cap, char *host, size_t host_cap)
{
    char id[POD_DIASPORA_ID_MAX + 1];

    if (out && cap)
        out[0] = '\0';
    if (host && host_cap)
        host[0] = '\0';
    if (!did || !out || !pod_webfinger_resource_normalise(did, id, sizeof id))
        return false;
    if (!pod_diaspora_id_parse(id, NULL, 0, host, host_cap) || strlen(id) >= cap)
        return false;
    memcpy(out, id, strlen(id) + 1);
    return true;
}

/* An absolute http(s) URL that url.h accepts. */
static bool
url_ok(const char *s, struct http_url *u)
{
    return s && s[0] && http_url_parse(s, strlen(s), u) == POD_OK;
}

int
fed_discovery_check_webfinger(const char *did, const char *json, size_t len,
                              struct fed_webfinger *wf, char *why, size_t why_len)
{
    char id[STORE_DID_MAX + 1];
    struct http_url u;
    int rc;

    if (!wf)
        return POD_ERR_INVAL;
    memset(wf, 0, sizeof *wf);
    if (!fed_discovery_normalise_id(did, id, sizeof id, NULL, 0)) {
        pod_why(why, why_len, "not a diaspora* ID");
        return POD_ERR_INVAL;
    }
    rc = fed_webfinger_parse(json, len, wf);
    if (rc != POD_OK) {
        pod_why(why, why_len, "WebFinger document refused: %s", pod_strerror(rc));
        return rc;
    }
    /* §2.1: the subject must be the ID asked for, or the document is
     * someone else's (a pod answering for IDs it does not host). */
    if (strcmp(wf->subject, id) != 0) {
        pod_why(why, why_len, "WebFinger subject is '%.80s', not the ID asked for", wf->subject);
        memset(wf, 0, sizeof *wf);
        return POD_ERR_AUTH;
    }
    if (!url_ok(wf->hcard_url, &u) || !url_ok(wf->seed_url, &u)) {
        pod_why(why, why_len, "WebFinger hcard or seed_location link is not an http(s) URL");
        memset(wf, 0, sizeof *wf);
        return POD_ERR_PARSE;
    }
    return POD_OK;
}

/* Copies src into dst (cap bytes with the NUL) as clean UTF-8 text: control
 * characters become spaces, invalid sequences '?', and the copy is cut at a
 * character boundary. Leading and trailing spaces are dropped. */
static void
text_clean(char *dst, size_t cap, const char *src)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t o = 0;

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    while (*s) {
        unsigned char c = s[0];
        size_t n = 1;
        bool valid = true;

        if (c >= 0x80) {
            uint32_t cp;

            if (c >= 0xC2 && c <= 0xDF)
                n = 2, cp = c & 0x1F;
            else if (c >= 0xE0 && c <= 0xEF)
                n = 3, cp = c & 0x0F;
            else if (c >= 0xF0 && c <= 0xF4)
                n = 4, cp = c & 0x07;
            else
                n = 1, valid = false, cp = 0;
            for (size_t i = 1; valid && i < n; i++) {
                if ((s[i] & 0xC0) != 0x80)
                    valid = false;
                else
                    cp = (cp << 6) | (s[i] & 0x3F);
            }
            if (valid && ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
                          (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))))
                valid = false;
            if (!valid)
                n = 1;
        }
        if (o + (valid ? n : 1) >= cap)
            break;
        if (!valid)
            dst[o++] = '?';
        else if (c < 0x20 || c == 0x7F)
            dst[o++] = ' ';
        else
            memcpy(dst + o, s, n), o += n;
        s += n;
    }
    while (o && dst[o - 1] == ' ')
        o--;
    dst[o] = '\0';
}

/* The key PEM as stored: surrounding space trimmed, "\r" dropped, one
 * final "\n". POD_ERR_LIMIT when it does not fit cap. */
static int
pem_normalise(char *dst, size_t cap, const char *src)
{
    size_t start = 0, end = strlen(src), o = 0;

    while (src[start] == ' ' || src[start] == '\t' || src[start] == '\n' || src[start] == '\r')
        start++;
    while (end > start && (src[end - 1] == ' ' || src[end - 1] == '\t' || src[end - 1] == '\n' ||
                           src[end - 1] == '\r'))
        end--;
    for (size_t i = start; i < end; i++) {
        if (src[i] == '\r')
            continue;
        if (o + 2 >= cap)
            return POD_ERR_LIMIT;
        dst[o++] = src[i];
    }
    if (o + 2 > cap)
        return POD_ERR_LIMIT;
    dst[o++] = '\n';
    dst[o] = '\0';
    return POD_OK;
}

/* dst = ref resolved against base, when that gives an http(s) URL that
 * fits; "" otherwise (the default avatar). */
static void
avatar_resolve(char *dst, size_t cap, const struct http_url *base, const char *ref)
{
    struct http_url u;

    dst[0] = '\0';
    if (!ref[0] || http_url_resolve(base, ref, strlen(ref), &u) != POD_OK)
        return;
    if (http_url_format(&u, dst, cap) != POD_OK)
        dst[0] = '\0';
}

int
fed_discovery_person_from(const char *did, const struct fed_webfinger *wf, const char *hcard_url,
                          const struct fed_hcard *hc, struct store_person *out, char *why,
                          size_t why_len)
{
    static const char hcard_prefix[] = "/hcard/users/";
    struct http_url seed, hu;
    char id[STORE_DID_MAX + 1];
    unsigned bits = 0;
    int rc;

    if (!wf || !hc || !out)
        return POD_ERR_INVAL;
    memset(out, 0, sizeof *out);
    if (!fed_discovery_normalise_id(did, id, sizeof id, NULL, 0)) {
        pod_why(why, why_len, "not a diaspora* ID");
        return POD_ERR_INVAL;
    }
    if (!pod_guid_valid(hc->guid)) {
        pod_why(why, why_len, "hCard GUID is not a GUID");
        return POD_ERR_PARSE;
    }
    if (strlen(hc->guid) > STORE_GUID_MAX) {
        pod_why(why, why_len, "hCard GUID is longer than %d characters", STORE_GUID_MAX);
        return POD_ERR_LIMIT;
    }
    /* diaspora*'s hCard URL names the GUID: the document must agree. */
    if (hcard_url && url_ok(hcard_url, &hu) &&
        strncmp(hu.path, hcard_prefix, sizeof hcard_prefix - 1) == 0) {
        const char *g = hu.path + sizeof hcard_prefix - 1;
        size_t gl = strcspn(g, "/?");

        if (gl != strlen(hc->guid) || strncmp(g, hc->guid, gl) != 0) {
            pod_why(why, why_len, "hCard GUID %.64s is not the one its URL names", hc->guid);
            return POD_ERR_AUTH;
        }
    }
    rc = crypto_rsa_public_check(hc->public_key_pem, &bits);
    if (rc != POD_OK) {
        pod_why(why, why_len, "hCard key is not an RSA public key of at least 1024 bits");
        return POD_ERR_PARSE;
    }
    rc = pem_normalise(out->public_key, sizeof out->public_key, hc->public_key_pem);
    if (rc != POD_OK) {
        pod_why(why, why_len, "hCard key is too long to keep (%u bits)", bits);
        memset(out, 0, sizeof *out);
        return rc;
    }
    if (!url_ok(wf->seed_url, &seed)) {
        pod_why(why, why_len, "seed_location is not an http(s) URL");
        memset(out, 0, sizeof *out);
        return POD_ERR_PARSE;
    }
    snprintf(seed.path, sizeof seed.path, "/");
    if (http_url_format(&seed, out->pod_url, sizeof out->pod_url) != POD_OK) {
        pod_why(why, why_len, "seed_location is too long");
        memset(out, 0, sizeof *out);
        return POD_ERR_LIMIT;
    }
    memcpy(out->guid, hc->guid, strlen(hc->guid) + 1);
    memcpy(out->diaspora_id, id, strlen(id) + 1);
    if (hc->first_name[0] || hc->last_name[0]) {
        text_clean(out->first_name, sizeof out->first_name, hc->first_name);
        text_clean(out->last_name, sizeof out->last_name, hc->last_name);
    } else {
        text_clean(out->first_name, sizeof out->first_name, hc->full_name);
    }
    avatar_resolve(out->avatar_large, sizeof out->avatar_large, &seed, hc->avatar_large);
    avatar_resolve(out->avatar_medium, sizeof out->avatar_medium, &seed, hc->avatar_medium);
    avatar_resolve(out->avatar_small, sizeof out->avatar_small, &seed, hc->avatar_small);
    out->searchable = hc->searchable;
    return POD_OK;
}

/* The same key, whatever the line breaks: compares the PEM texts without
 * white space. */
static bool
same_key(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ' || *a == '\n' || *a == '\r' || *a == '\t')
            a++;
        while (*b == ' ' || *b == '\n' || *b == '\r' || *b == '\t')
            b++;
        if (*a != *b)
            return false;
        if (!*a)
            return true;
        a++, b++;
    }
}

int
fed_discovery_merge(const struct store_person *known, const struct store_person *found,
                    struct store_person *out, unsigned *notes)
{
    unsigned n = 0;

    if (notes)
        *notes = 0;
    if (!known || !found || !out)
        return POD_ERR_INVAL;
    if (known->username[0])
        return POD_ERR_INVAL;
    if (strcmp(known->guid, found->guid) != 0)
        return POD_ERR_AUTH;
    if (out != known)
        memcpy(out, known, sizeof *out);
    memcpy(out->first_name, found->first_name, sizeof out->first_name);
    memcpy(out->last_name, found->last_name, sizeof out->last_name);
    memcpy(out->avatar_large, found->avatar_large, sizeof out->avatar_large);
    memcpy(out->avatar_medium, found->avatar_medium, sizeof out->avatar_medium);
    memcpy(out->avatar_small, found->avatar_small, sizeof out->avatar_small);
    out->searchable = found->searchable;
    if (!out->public_key[0] && found->public_key[0]) {
        memcpy(out->public_key, found->public_key, sizeof out->public_key);
        n |= FED_MERGE_KEY_ADDED;
    } else if (found->public_key[0] && !same_key(out->public_key, found->public_key)) {
        n |= FED_MERGE_KEY_KEPT;
    }
    if (!out->pod_url[0])
        memcpy(out->pod_url, found->pod_url, sizeof out->pod_url);
    else if (found->pod_url[0] && strcmp(out->pod_url, found->pod_url) != 0)
        n |= FED_MERGE_POD_URL_KEPT;
    if (notes)
        *notes = n;
    return POD_OK;
}

/* ============================================================ the context */

int
fed_discovery_init(struct fed_discovery *d, const struct fed_discovery_config *cfg)
{
    if (!d || !cfg || !cfg->http || !cfg->store)
        return POD_ERR_INVAL;
    memset(d, 0, sizeof *d);
    d->cfg = *cfg;
    if (cfg->local_host)
        snprintf(d->local_host, sizeof d->local_host, "%s", cfg->local_host);
    d->cfg.local_host = d->local_host;
    if (!d->cfg.budget_ms)
        d->cfg.budget_ms = FED_DISCOVERY_BUDGET_MS;
    if (!d->cfg.max_running)
        d->cfg.max_running = FED_DISCOVERY_MAX_RUNNING;
    if (!d->cfg.retry_s)
        d->cfg.retry_s = FED_DISCOVERY_RETRY_S;
    if (pthread_mutex_init(&d->lock, NULL) != 0)
        return POD_ERR_NOMEM;
    return POD_OK;
}

void
fed_discovery_free(struct fed_discovery *d)
{
    if (!d || !d->cfg.http)
        return;
    pthread_mutex_destroy(&d->lock);
    memset(d, 0, sizeof *d);
}

struct http_client *
fed_discovery_http(struct fed_discovery *d)
{
    return d ? d->cfg.http : NULL;
}

/* POD_OK when no failure of id is remembered; else that failure's code. */
static int
failure_lookup(struct fed_discovery *d, const char *id)
{
    uint64_t now = drv_clock_monotonic_ms();
    int rc = POD_OK;

    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < FED_DISCOVERY_FAILED_MAX; i++) {
        struct fed_discovery_failure *f = &d->failed[i];

        if (f->until_ms && f->until_ms > now && strcmp(f->diaspora_id, id) == 0) {
            rc = f->rc;
            break;
        }
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* Remembers that id failed with rc (POD_OK forgets it). */
static void
failure_note(struct fed_discovery *d, const char *id, int rc)
{
    uint64_t now = drv_clock_monotonic_ms();
    struct fed_discovery_failure *slot = NULL;

    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < FED_DISCOVERY_FAILED_MAX; i++) {
        struct fed_discovery_failure *f = &d->failed[i];

        if (f->until_ms && strcmp(f->diaspora_id, id) == 0) {
            slot = f;
            break;
        }
        /* Otherwise the free or oldest slot. */
        if (!slot || f->until_ms < slot->until_ms)
            slot = f;
    }
    if (rc == POD_OK) {
        if (slot && slot->until_ms && strcmp(slot->diaspora_id, id) == 0)
            memset(slot, 0, sizeof *slot);
    } else if (slot) {
        snprintf(slot->diaspora_id, sizeof slot->diaspora_id, "%s", id);
        slot->until_ms = now + (uint64_t)d->cfg.retry_s * 1000;
        slot->rc = rc;
    }
    pthread_mutex_unlock(&d->lock);
}

static bool
slot_take(struct fed_discovery *d)
{
    bool ok;

    pthread_mutex_lock(&d->lock);
    ok = d->running < d->cfg.max_running;
    if (ok)
        d->running++;
    pthread_mutex_unlock(&d->lock);
    return ok;
}

static void
slot_give(struct fed_discovery *d)
{
    pthread_mutex_lock(&d->lock);
    d->running--;
    pthread_mutex_unlock(&d->lock);
}

/* The person with ID id as stored, without network: POD_OK, or
 * POD_ERR_NOTFOUND, or a store error. */
static int
known_get(struct fed_discovery *d, const char *id, struct store_person *p)
{
    struct store_txn *txn = NULL;
    int rc = store_txn_begin(d->cfg.store, false, &txn);

    if (rc == POD_OK)
        rc = store_person_get_by_diaspora_id(txn, id, p);
    store_txn_abort(txn);
    return rc;
}

/* GETs url (borrowed) within the deadline into r (freed by the caller).
 * POD_OK only for a 2xx answer. */
static int
fetch(struct fed_discovery *d, const char *url, const char *accept, size_t max_bytes,
      uint64_t deadline_ms, struct http_response *r, char *why, size_t why_len)
{
    struct http_header h = {"Accept", accept};
    struct http_request rq = {0};
    uint64_t now = drv_clock_monotonic_ms();
    int rc;

    if (now + MIN_REQUEST_MS > deadline_ms) {
        pod_why(why, why_len, "time budget of %u ms spent before %.200s", d->cfg.budget_ms, url);
        return POD_ERR_IO;
    }
    rq.method = "GET";
    rq.url = url;
    rq.headers = &h;
    rq.n_headers = 1;
    rq.timeout_ms = (unsigned)(deadline_ms - now);
    if (rq.timeout_ms < CONFIG_POD_HTTPC_CONNECT_TIMEOUT_MS)
        rq.connect_timeout_ms = rq.timeout_ms;
    /* One byte over the parser's limit, so that the parser reports it. */
    rq.max_response_bytes = max_bytes + 1;
    rq.max_redirects = CONFIG_POD_HTTPC_MAX_REDIRECTS < 4 ? CONFIG_POD_HTTPC_MAX_REDIRECTS : 4;
    rc = http_request(d->cfg.http, &rq, r);
    if (rc != POD_OK) {
        pod_why(why, why_len, "GET %.200s: %s (%s)", url, pod_strerror(rc), r->why);
        return rc;
    }
    if (r->status == 404 || r->status == 410) {
        pod_why(why, why_len, "GET %.200s: HTTP %d", url, r->status);
        return POD_ERR_NOTFOUND;
    }
    if (r->status < 200 || r->status > 299) {
        pod_why(why, why_len, "GET %.200s: HTTP %d", url, r->status);
        return POD_ERR_IO;
    }
    return POD_OK;
}

/* The WebFinger URL for id: https://HOST/.well-known/webfinger?resource=acct:ID
 * (brackets of an IPv6 host percent-escaped in the query). */
static int
webfinger_url(const char *id, const char *host, char *out, size_t cap)
{
    char res[3 * STORE_DID_MAX + 1];
    size_t o = 0;
    int n;

    for (const char *c = id; *c; c++) {
        if (*c == '[' || *c == ']') {
            memcpy(res + o, *c == '[' ? "%5B" : "%5D", 3);
            o += 3;
        } else {
            res[o++] = *c;
        }
    }
    res[o] = '\0';
    n = snprintf(out, cap, "https://%s/.well-known/webfinger?resource=acct:%s", host, res);
    return n < 0 || (size_t)n >= cap ? POD_ERR_LIMIT : POD_OK;
}

/* Adds found, or merges it into the known row, in one write transaction. */
static int
person_store(struct fed_discovery *d, const struct store_person *found, struct store_person *out,
             char *why, size_t why_len)
{
    struct store_txn *txn = NULL;
    struct store_person known, other;
    unsigned notes = 0;
    int64_t now = drv_clock_wall();
    int rc = store_txn_begin(d->cfg.store, true, &txn);

    if (rc != POD_OK) {
        pod_why(why, why_len, "store: %s", pod_strerror(rc));
        goto out;
    }
    rc = store_person_get_by_diaspora_id(txn, found->diaspora_id, &known);
    if (rc == POD_OK) {
        if (known.username[0]) {
            *out = known; /* a local person: nothing to learn from outside */
            goto out;
        }
        rc = fed_discovery_merge(&known, found, out, &notes);
        if (rc == POD_ERR_AUTH) {
            pod_why(why, why_len, "hCard GUID %.64s differs from the known %.64s", found->guid,
                    known.guid);
            goto out;
        }
        if (rc != POD_OK)
            goto out;
        if (notes & FED_MERGE_KEY_KEPT)
            LOG_WARN(MOD, "%s now serves a different public key; keeping the known one",
                     found->diaspora_id);
        if (notes & FED_MERGE_POD_URL_KEPT)
            LOG_WARN(MOD, "%s now names pod %s; keeping %s", found->diaspora_id, found->pod_url,
                     known.pod_url);
        out->updated_at = now;
        rc = store_person_update(txn, out);
    } else if (rc == POD_ERR_NOTFOUND) {
        rc = store_person_get_by_guid(txn, found->guid, &other);
        if (rc == POD_OK) {
            pod_why(why, why_len, "hCard GUID %.64s belongs to %.255s already", found->guid,
                    other.diaspora_id);
            rc = POD_ERR_EXISTS;
            goto out;
        }
        if (rc != POD_ERR_NOTFOUND)
            goto out;
        *out = *found;
        out->created_at = out->updated_at = now;
        rc = store_person_add(txn, out);
    }
    if (rc == POD_OK) {
        rc = store_txn_commit(txn);
        txn = NULL;
    }
    if (rc != POD_OK && why && why_len && !why[0])
        pod_why(why, why_len, "store: %s", pod_strerror(rc));
out:
    store_txn_abort(txn);
    return rc;
}

/* Everything discovery fetches and builds, off the stack (about 16 KiB). */
struct work {
    struct fed_webfinger wf;
    struct fed_hcard hc;
    struct store_person found;
    char url[HTTP_URL_MAX + 1];
};

/* The network part: documents -> checked person in w->found. */
static int
discover_remote(struct fed_discovery *d, const char *id, const char *host, struct work *w,
                char *why, size_t why_len)
{
    struct http_response r = {0};
    uint64_t deadline = drv_clock_monotonic_ms() + d->cfg.budget_ms;
    int rc;

    rc = webfinger_url(id, host, w->url, sizeof w->url);
    if (rc != POD_OK) {
        pod_why(why, why_len, "WebFinger URL too long");
        return rc;
    }
    rc = fetch(d, w->url, "application/jrd+json, application/json", FED_WEBFINGER_MAX_BYTES,
               deadline, &r, why, why_len);
    if (rc == POD_OK)
        rc = fed_discovery_check_webfinger(id, r.body, r.body_len, &w->wf, why, why_len);
    http_response_free(&r);
    if (rc != POD_OK)
        return rc;

    rc = fetch(d, w->wf.hcard_url, "text/html", FED_HCARD_MAX_BYTES, deadline, &r, why, why_len);
    if (rc == POD_OK) {
        rc = fed_hcard_parse(r.body, r.body_len, &w->hc);
        if (rc != POD_OK)
            pod_why(why, why_len, "hCard %.200s refused: %s", w->wf.hcard_url, pod_strerror(rc));
    }
    http_response_free(&r);
    if (rc == POD_OK)
        rc =
            fed_discovery_person_from(id, &w->wf, w->wf.hcard_url, &w->hc, &w->found, why, why_len);
    return rc;
}

int
fed_discover(struct fed_discovery *d, const char *did, unsigned flags, struct store_person *out,
             char *why, size_t why_len)
{
    char id[STORE_DID_MAX + 1], host[STORE_DID_MAX + 1], reason[400] = "";
    struct store_person *known = NULL;
    struct work *w = NULL;
    bool slot = false;
    int rc;

    if (why && why_len)
        why[0] = '\0';
    if (!d || !d->cfg.http) {
        pod_why(why, why_len, "discovery is not set up");
        return POD_ERR_INVAL;
    }
    if (!fed_discovery_normalise_id(did, id, sizeof id, host, sizeof host)) {
        pod_why(why, why_len, "not a diaspora* ID");
        return POD_ERR_INVAL;
    }
    known = malloc(sizeof *known);
    if (!known)
        return POD_ERR_NOMEM;

    /* Known already (or one of ours): no network. */
    rc = known_get(d, id, known);
    if (rc == POD_OK &&
        (known->username[0] || (known->public_key[0] && !(flags & FED_DISCOVER_REFRESH)))) {
        if (out)
            *out = *known;
        goto out;
    }
    if (rc != POD_OK && rc != POD_ERR_NOTFOUND) {
        pod_why(why, why_len, "store: %s", pod_strerror(rc));
        goto out;
    }
    if (strcmp(host, d->local_host) == 0) {
        pod_why(why, why_len, "%s would be a local user and there is none", id);
        rc = POD_ERR_NOTFOUND;
        goto out;
    }
    rc = failure_lookup(d, id);
    if (rc != POD_OK) {
        pod_why(why, why_len, "%s failed less than %u s ago (%s)", id, d->cfg.retry_s,
                pod_strerror(rc));
        LOG_DEBUG(MOD, "%s failed less than %u s ago (%s); not asking again yet", id,
                  d->cfg.retry_s, pod_strerror(rc));
        goto out;
    }
    if (!slot_take(d)) {
        pod_why(why, why_len, "%u discoveries are running already", d->cfg.max_running);
        LOG_INFO(MOD, "%s: not now, %s", id, why ? why : "busy");
        rc = POD_ERR_BUSY;
        goto out;
    }
    slot = true;
    w = calloc(1, sizeof *w);
    if (!w) {
        rc = POD_ERR_NOMEM;
        goto out;
    }
    rc = discover_remote(d, id, host, w, reason, sizeof reason);
    if (rc == POD_OK)
        rc = person_store(d, &w->found, known, reason, sizeof reason);
    if (rc == POD_OK) {
        LOG_INFO(MOD, "%s is %s at %s", id, known->guid, known->pod_url);
        if (out)
            *out = *known;
    } else {
        LOG_WARN(MOD, "cannot discover %s: %s", id, reason[0] ? reason : pod_strerror(rc));
        pod_why(why, why_len, "%s", reason[0] ? reason : pod_strerror(rc));
    }
    failure_note(d, id, rc);

out:
    if (slot)
        slot_give(d);
    free(w);
    free(known);
    return rc;
}
