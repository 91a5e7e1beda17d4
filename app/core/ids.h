/*
 * ids.h - the identifiers of diaspora*: usernames, diaspora* IDs
 * (user@host[:port]) and GUIDs, by the rules of
 * docs/diaspora-federation.md §1.1-1.2. Pure functions.
 */
#ifndef POD_CORE_IDS_H
#define POD_CORE_IDS_H

#include <stdbool.h>
#include <stddef.h>

#define POD_USERNAME_MAX    32  /* plugpod's own limit for local accounts */
#define POD_DIASPORA_ID_MAX 255 /* the protocol's limit */
#define POD_GUID_LEN        32  /* what plugpod generates (hex) */
#define POD_GUID_MAX        255

/* True for a local username: 1..POD_USERNAME_MAX of [a-z0-9_.-]. */
bool pod_username_valid(const char *name);

/* True for a host as diaspora* IDs carry it: lowercase DNS name, IPv4 or
 * [IPv6], optionally ":port" (1-65535). */
bool pod_host_valid(const char *host);

/* Splits and checks "user@host[:port]" (lowercase, ≤ 255 bytes). On
 * success copies the parts (user_cap and host_cap bytes) and returns true. */
bool pod_diaspora_id_parse(const char *id, char *user, size_t user_cap, char *host,
                           size_t host_cap);

/* Normalises a WebFinger resource ("acct:Alice@Host ", "alice@host") into
 * a lowercase diaspora* ID in out (cap bytes). False if it is not one. */
bool pod_webfinger_resource_normalise(const char *resource, char *out, size_t cap);

/* True for a GUID by the protocol's rule: ^[0-9A-Za-z\-_@.:]{15,254}[0-9A-Za-z]$. */
bool pod_guid_valid(const char *guid);

/* Writes a new GUID (32 lowercase hex chars from the RNG, plus NUL) into
 * out. Returns POD_OK or POD_ERR_CRYPTO. */
int pod_guid_new(char out[POD_GUID_LEN + 1]);

#endif
