/*
 * addr_guard.h - which addresses outbound requests may reach.
 *
 * A remote pod chooses the URLs we fetch (WebFinger links, redirects,
 * fetch targets), so without a guard it could make the pod talk to its own
 * LAN, its router or a cloud metadata service. The guard refuses every
 * address that is not global unicast: loopback, private, link-local, CGNAT,
 * multicast, broadcast, reserved, documentation and benchmarking ranges,
 * IPv6 ULA and site-local, and the IPv6 forms that embed an IPv4 address
 * (mapped, NAT64, 6to4) when that address is refused; Teredo always.
 * It judges resolved addresses, never host spellings: "0x7f.1" and
 * "2130706433" are resolved first, then refused as 127.0.0.1.
 *
 * An allow-list of CIDRs (--allow-net) overrides the refusal, for pods on
 * a LAN and for tests. The guard is configured once at start and is then
 * read-only, so threads may share it without a lock.
 */
#ifndef POD_HTTP_ADDR_GUARD_H
#define POD_HTTP_ADDR_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "autoconf.h"

struct http_cidr {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char addr[16]; /* network bytes, host bits cleared (first 4 for IPv4) */
    unsigned prefix;        /* 0..32 or 0..128 */
};

struct http_guard {
    struct http_cidr allow[CONFIG_POD_HTTPC_ALLOW_NETS];
    size_t n_allow;
};

/* Empties the allow-list: only global unicast addresses pass. */
void http_guard_init(struct http_guard *g);

/* Parses "a.b.c.d/n", "v6/n" or a bare address (a /32 or /128) and adds it
 * to the allow-list (cidr is copied). Host bits below the prefix are
 * ignored. POD_ERR_INVAL for anything else (inet_pton spellings only),
 * POD_ERR_LIMIT when CONFIG_POD_HTTPC_ALLOW_NETS entries are there. */
int http_guard_allow_cidr(struct http_guard *g, const char *cidr);

/* Parses a CIDR as above into out, without adding it anywhere. */
int http_cidr_parse(const char *text, struct http_cidr *out);

/* POD_OK when sa (AF_INET or AF_INET6, len bytes, borrowed) may be
 * connected to, POD_ERR_AUTH when refused, POD_ERR_INVAL for another
 * family. g may be NULL (no allow-list). */
int http_guard_check(const struct http_guard *g, const struct sockaddr *sa, size_t len);

/* True when the address bytes (4 for IPv4, 16 for IPv6) lie in a range the
 * guard refuses by default, ignoring any allow-list. */
bool http_guard_refused_by_default(int family, const unsigned char *addr);

#define HTTP_GUARD_ADDRS_MAX 8 /* addresses of one name that are tried */

/* The addresses of one host name that passed the guard, in resolver order. */
struct http_addrs {
    struct sockaddr_storage addr[HTTP_GUARD_ADDRS_MAX];
    socklen_t len[HTTP_GUARD_ADDRS_MAX];
    size_t n;
};

/* Resolves host (a name or an IP spelling, NUL-ended, borrowed) with
 * getaddrinfo for TCP port and keeps the addresses g allows. Blocking; not
 * bounded by any timeout of ours. POD_ERR_NOTFOUND when the name does not
 * resolve, POD_ERR_AUTH when it resolves only to refused addresses. */
int http_guard_resolve(const struct http_guard *g, const char *host, uint16_t port,
                       struct http_addrs *out);

#endif
