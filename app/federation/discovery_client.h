/*
 * discovery_client.h - finding a person of another pod by diaspora* ID
 * (docs/diaspora-federation.md §2, §9): WebFinger at the ID's host, then
 * the hCard it links to, both checked, then the person stored in the
 * people table (store/people.h) with their GUID, names, avatars, pod URL
 * and public key.
 *
 * Trust is TOFU over HTTPS (§9): the key of a person seen for the first
 * time is the one their hCard serves; a later discovery never replaces a
 * stored key or pod URL (it is logged and the old one kept), and never
 * touches local people.
 *
 * Network I/O runs outside any store transaction: fed_discover reads, then
 * fetches, then writes in one short write transaction. The caller must
 * hold no transaction of the same store on its thread.
 *
 * The pure functions (fed_discovery_check_webfinger, _person_from, _merge)
 * hold every rule about the documents, so tests can feed them canned ones.
 */
#ifndef POD_FEDERATION_DISCOVERY_CLIENT_H
#define POD_FEDERATION_DISCOVERY_CLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "federation/discovery.h"
#include "store/people.h"

struct http_client;
struct store;

#define FED_DISCOVERY_BUDGET_MS   15000 /* both documents, every redirect, all together */
#define FED_DISCOVERY_MAX_RUNNING 2     /* at once; more answer POD_ERR_BUSY */
#define FED_DISCOVERY_RETRY_S     60    /* a failed ID is not asked again sooner */
#define FED_DISCOVERY_FAILED_MAX  16    /* failed IDs remembered */

struct fed_discovery_config {
    struct http_client *http; /* borrowed, outlives the context; shared with others */
    struct store *store;      /* borrowed, outlives the context */
    const char *local_host;   /* copied: "host[:port]" of this pod, never discovered */
    unsigned budget_ms;       /* 0: FED_DISCOVERY_BUDGET_MS */
    unsigned max_running;     /* 0: FED_DISCOVERY_MAX_RUNNING */
    unsigned retry_s;         /* 0: FED_DISCOVERY_RETRY_S */
};

/* A recently failed discovery: asking again before until_ms repeats rc. */
struct fed_discovery_failure {
    char diaspora_id[STORE_DID_MAX + 1];
    uint64_t until_ms; /* drv_clock_monotonic_ms(); 0 = free slot */
    int rc;
};

/* One per process, shared by every thread. Fields are private to
 * discovery_client.c; the struct is public so the caller owns it. */
struct fed_discovery {
    struct fed_discovery_config cfg;
    char local_host[STORE_DID_MAX + 1];
    pthread_mutex_t lock; /* guards running and failed */
    unsigned running;
    struct fed_discovery_failure failed[FED_DISCOVERY_FAILED_MAX];
};

/* Prepares d from cfg (http and store required: POD_ERR_INVAL otherwise).
 * Pair with fed_discovery_free. */
int fed_discovery_init(struct fed_discovery *d, const struct fed_discovery_config *cfg);

/* Frees what init made. No discovery may be running. */
void fed_discovery_free(struct fed_discovery *d);

/* The HTTPS client d uses (borrowed), for other fetches of the
 * federation code (fetching missing parents). */
struct http_client *fed_discovery_http(struct fed_discovery *d);

enum {
    FED_DISCOVER_REFRESH = 1u << 0, /* fetch even when the person is known */
};

/*
 * Finds the person with diaspora* ID did (any case, spaces around it are
 * ignored; "acct:" is allowed in front). A person already known with a
 * public key, or a local one, is answered from the store without network
 * I/O unless FED_DISCOVER_REFRESH is in flags. Otherwise: WebFinger, hCard,
 * checks, store (added, or updated by fed_discovery_merge's rules), all
 * within the time budget. On POD_OK *out (may be NULL) gets the stored
 * person. Errors (why, why_len bytes, gets a one-line reason; a log line
 * is written for every refusal):
 *   POD_ERR_INVAL    did is not a diaspora* ID
 *   POD_ERR_NOTFOUND the host does not resolve, answers 404/410, or did
 *                    is of this pod and unknown
 *   POD_ERR_AUTH     the address guard refused the host, or a document
 *                    names someone else (subject or GUID mismatch)
 *   POD_ERR_PARSE    a document is malformed or lacks a required field,
 *                    or the key is not an RSA public key of >= 1024 bits
 *   POD_ERR_EXISTS   the hCard's GUID belongs to another known person
 *   POD_ERR_BUSY     max_running discoveries are under way already
 *   POD_ERR_IO, POD_ERR_CRYPTO, POD_ERR_LIMIT  from the HTTPS client
 *                    (unreachable, TLS/certificate, too large); POD_ERR_IO
 *                    too when the budget is spent
 *   store errors     from the write transaction
 * A failure other than INVAL/BUSY is remembered for retry_s seconds: the
 * same ID fails at once with the same code (why says so) until then.
 * Thread-safe.
 */
int fed_discover(struct fed_discovery *d, const char *did, unsigned flags, struct store_person *out,
                 char *why, size_t why_len);

/* ---- the rules, as pure functions (no I/O, no store) ---- */

/* Lowercases and trims did (and a leading "acct:") into out (cap bytes)
 * and checks it with pod_diaspora_id_parse; host (host_cap bytes) gets
 * "host[:port]". False if it is not a diaspora* ID. */
bool fed_discovery_normalise_id(const char *did, char *out, size_t cap, char *host,
                                size_t host_cap);

/* Parses a WebFinger answer (fed_webfinger_parse) and checks it answers
 * for did (normalised): the subject must be did, the hCard and
 * seed_location links absolute http(s) URLs. POD_ERR_AUTH for another
 * subject, POD_ERR_PARSE / POD_ERR_LIMIT for a bad document. */
int fed_discovery_check_webfinger(const char *did, const char *json, size_t len,
                                  struct fed_webfinger *wf, char *why, size_t why_len);

/* Builds the person that hc (a parsed hCard, fetched from hcard_url) and
 * wf (checked) describe into out (zeroed first; id and times left 0):
 * GUID valid and, when the hCard URL has diaspora*'s form
 * "/hcard/users/<guid>", equal to that <guid>; the key an RSA public key
 * of >= 1024 bits (crypto_rsa_public_check), stored trimmed with "\n"
 * line ends; first/last names from .given_name/.family_name, or .fn as
 * the first name when both are empty, cut to STORE_NAME_MAX bytes at a
 * character boundary, control characters and invalid UTF-8 replaced;
 * avatar URLs resolved against the pod URL (http(s) only, "" when
 * unusable); pod URL = the seed_location's origin with a trailing "/".
 * POD_ERR_PARSE for a bad GUID, key or pod URL, POD_ERR_AUTH for a GUID
 * that differs from the hCard URL's, POD_ERR_LIMIT for a GUID or key too
 * long for the store. */
int fed_discovery_person_from(const char *did, const struct fed_webfinger *wf,
                              const char *hcard_url, const struct fed_hcard *hc,
                              struct store_person *out, char *why, size_t why_len);

enum {
    FED_MERGE_KEY_KEPT = 1u << 0,     /* found a different key: the known one stays */
    FED_MERGE_POD_URL_KEPT = 1u << 1, /* found a different pod URL: the known one stays */
    FED_MERGE_KEY_ADDED = 1u << 2,    /* the known person had no key; found's is taken */
};

/* What a known remote person becomes after a new discovery found them
 * again: known's id, GUID, diaspora* ID, created_at, public key (unless it
 * had none) and pod URL (unless it had none); found's names, avatars and
 * searchable. *notes (may be NULL) gets FED_MERGE_* bits. POD_ERR_AUTH
 * when the GUIDs differ, POD_ERR_INVAL when known is a local person. */
int fed_discovery_merge(const struct store_person *known, const struct store_person *found,
                        struct store_person *out, unsigned *notes);

#endif
