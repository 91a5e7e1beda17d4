/*
 * discovery.h - the documents a remote pod reads to discover a person and
 * this pod (docs/diaspora-federation.md §2): WebFinger JRD, hCard,
 * host-meta, NodeInfo; and the parsers for the WebFinger and hCard of
 * others. Rendering writes into an arena; parsing reads a buffer with a
 * length and copies what it keeps. No I/O.
 */
#ifndef POD_FEDERATION_DISCOVERY_H
#define POD_FEDERATION_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

#define FED_WEBFINGER_MAX_BYTES (64 * 1024) /* larger documents are refused */
#define FED_HCARD_MAX_BYTES     (256 * 1024)

/* What the documents say about one local person. Strings are borrowed. */
struct fed_person_doc {
    const char *diaspora_id; /* "alice@pod.example" or "alice@pod.example:8443" */
    const char *guid;
    const char *username;
    const char *pod_url;   /* "https://pod.example/" (with the trailing slash) */
    const char *full_name; /* "First Last", may be "" */
    const char *first_name;
    const char *last_name;
    const char *public_key_pem;
    const char *avatar_large; /* absolute URLs (300, 100, 50 px) */
    const char *avatar_medium;
    const char *avatar_small;
    bool searchable;
};

/* The WebFinger JRD for p, as diaspora* serves it (vector
 * discovery/webfinger.gem.json). Returns NULL when the arena is out. */
char *fed_webfinger_render(const struct fed_person_doc *p, struct pod_arena *a);

/* The hCard HTML for p, byte-for-byte the layout of the reference
 * library's HCard#to_html (vector discovery/hcard.gem.html). */
char *fed_hcard_render(const struct fed_person_doc *p, struct pod_arena *a);

/* /.well-known/host-meta: an XRD with an LRDD template to WebFinger. */
char *fed_host_meta_render(const char *pod_url, struct pod_arena *a);

struct fed_nodeinfo {
    const char *pod_url;
    const char *software_version; /* plugpod's version */
    const char *node_name;        /* the pod's display name */
    bool open_registrations;
    uint64_t users_total, users_active_halfyear, users_active_month;
    uint64_t local_posts, local_comments;
};

/* /.well-known/nodeinfo: links to the 2.0 and 2.1 documents. */
char *fed_nodeinfo_links_render(const char *pod_url, struct pod_arena *a);

/* /nodeinfo/2.0 (minor = 0) or /nodeinfo/2.1 (minor = 1); valid against
 * the official schemas (software.name "plugpod"). */
char *fed_nodeinfo_render(const struct fed_nodeinfo *ni, int minor, struct pod_arena *a);

/* The Content-Type of a NodeInfo document of that minor version. */
const char *fed_nodeinfo_content_type(int minor);

/* ---- reading the documents of others ---- */

struct fed_webfinger {
    char subject[300]; /* without "acct:", lowercased */
    char hcard_url[1024];
    char seed_url[1024];    /* the person's pod */
    char profile_url[1024]; /* "" if absent */
};

/* Parses a JRD (at most FED_WEBFINGER_MAX_BYTES). POD_ERR_PARSE when it is
 * not JSON or lacks subject, the hcard or the seed_location link. */
int fed_webfinger_parse(const char *json, size_t len, struct fed_webfinger *out);

struct fed_hcard {
    char guid[256];
    char nickname[64];
    char full_name[256];
    char first_name[256];
    char last_name[256];
    char public_key_pem[4096];
    char avatar_large[1024]; /* as written in the document (may be relative) */
    char avatar_medium[1024];
    char avatar_small[1024];
    bool searchable;
};

/* Extracts the fields of an hCard by the selectors of §2.2 from HTML (at
 * most FED_HCARD_MAX_BYTES). POD_ERR_PARSE when .uid, .fn, .key or the
 * large photo is missing, or the key lacks its PEM armour. */
int fed_hcard_parse(const char *html, size_t len, struct fed_hcard *out);

#endif
