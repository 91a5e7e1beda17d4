/*
 * portmap_int.h - inside app/net/portmap*.c: the two router protocols
 * (portmap_upnp.c on libminiupnpc, portmap_natpmp.c on libnatpmp) behind
 * one small interface, and the pure timing and address rules of
 * portmap.c (exposed for tests/host/unit/test_portmap.c).
 *
 * Every call runs on the port mapping thread; none is thread-safe.
 */
#ifndef POD_NET_PORTMAP_INT_H
#define POD_NET_PORTMAP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/portmap.h"

/* What one exchange with the router gave. */
enum pm_result {
    PM_OK,
    PM_NO_ROUTER, /* nobody answered */
    PM_REFUSED,   /* the router answered with an error code */
    PM_BROKEN,    /* the answer made no sense */
};

/* One protocol's session with the router. The opaque state lives in the
 * protocol's file; text fields are for the status. */
struct pm_router {
    enum portmap_method method;  /* PORTMAP_UPNP or PORTMAP_NATPMP */
    char name[128];              /* control URL or gateway address */
    void *impl;                  /* the protocol's state; NULL: closed */
    bool (*stopping)(void *ctx); /* asked between waits; may be NULL */
    void *stopping_ctx;
};

/* Looks for a router (SSDP for discover_ms / the default gateway) and opens
 * a session on r. Returns PM_OK or why not, with an English line in detail. */
enum pm_result pm_upnp_open(struct pm_router *r, unsigned discover_ms, char *detail, size_t n);
enum pm_result pm_natpmp_open(struct pm_router *r, unsigned wait_ms, char *detail, size_t n);

/* The router's public IPv4 address into addr (at least 46 bytes). */
enum pm_result pm_router_public(struct pm_router *r, char *addr, size_t addr_len, char *detail,
                                size_t n);

/* Forwards TCP public port ext to local port in of this host for lease_s
 * seconds; *granted gets the lease the router gave (0: permanent) and
 * *ext_got the public port it chose (NAT-PMP may choose another). */
enum pm_result pm_router_add(struct pm_router *r, int ext, int in, unsigned lease_s,
                             unsigned *granted, int *ext_got, char *detail, size_t n);

/* Removes the forwarding of public port ext to local port in (waits at
 * most about wait_ms). */
enum pm_result pm_router_delete(struct pm_router *r, int ext, int in, unsigned wait_ms);

/* Ends the session (r->impl NULL afterwards). NULL impl is a no-op. */
void pm_router_close(struct pm_router *r);

/* The protocols' versions of the four calls above (pm_router_* picks by
 * r->method). */
enum pm_result pm_upnp_public(struct pm_router *r, char *addr, size_t addr_len, char *detail,
                              size_t n);
enum pm_result pm_upnp_add(struct pm_router *r, int ext, int in, unsigned lease_s,
                           unsigned *granted, char *detail, size_t n);
enum pm_result pm_upnp_delete(struct pm_router *r, int ext);
void pm_upnp_close(struct pm_router *r);
enum pm_result pm_natpmp_public(struct pm_router *r, char *addr, size_t addr_len, char *detail,
                                size_t n);
enum pm_result pm_natpmp_add(struct pm_router *r, int ext, int in, unsigned lease_s,
                             unsigned *granted, int *ext_got, char *detail, size_t n);
enum pm_result pm_natpmp_delete(struct pm_router *r, int in, unsigned wait_ms);
void pm_natpmp_close(struct pm_router *r);

/* ---- pure rules (portmap.c) */

/* Pause before the next attempt after failures consecutive failed ones
 * (1, 2, ...): 10 s, 30 s, 60 s, 120 s, then every 300 s. */
uint64_t pm_retry_ms(unsigned failures);

/* Pause before renewing a lease of granted seconds (0: permanent): half
 * the lease, at least 1 s; permanent mappings are checked every 30 min. */
uint64_t pm_renew_ms(unsigned granted);

/* True when the dotted IPv4 address is one no one on the Internet can
 * reach (RFC 1918, shared 100.64/10, loopback, link-local, unspecified). */
bool pm_address_private(const char *ipv4);

/* True when text is a dotted IPv4 address. */
bool pm_address_valid(const char *ipv4);

/* An English line for a UPnP error code (negative: miniupnpc's own). */
void pm_upnp_error_text(int code, char *out, size_t n);

/* An English line for a libnatpmp result (negative NATPMP_ERR_*). */
void pm_natpmp_error_text(int code, char *out, size_t n);

#endif
