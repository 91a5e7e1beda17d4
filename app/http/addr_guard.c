/*
 * addr_guard.c - refusing outbound connections to non-public addresses
 * (addr_guard.h). Ranges from the IANA IPv4 and IPv6 special-purpose
 * address registries (RFC 6890 and its updates).
 */
#include "http/addr_guard.h"

#include "core/error.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct range {
    unsigned char addr[16];
    unsigned prefix;
};

/* IPv4 ranges that are not globally reachable unicast. */
static const struct range v4_refused[] = {
    {{0, 0, 0, 0}, 8},       /* "this network" */
    {{10, 0, 0, 0}, 8},      /* private */
    {{100, 64, 0, 0}, 10},   /* shared address space (CGNAT) */
    {{127, 0, 0, 0}, 8},     /* loopback */
    {{169, 254, 0, 0}, 16},  /* link-local, cloud metadata services */
    {{172, 16, 0, 0}, 12},   /* private */
    {{192, 0, 0, 0}, 24},    /* IETF protocol assignments */
    {{192, 0, 2, 0}, 24},    /* documentation TEST-NET-1 */
    {{192, 88, 99, 0}, 24},  /* 6to4 relay anycast (deprecated) */
    {{192, 168, 0, 0}, 16},  /* private */
    {{198, 18, 0, 0}, 15},   /* benchmarking */
    {{198, 51, 100, 0}, 24}, /* documentation TEST-NET-2 */
    {{203, 0, 113, 0}, 24},  /* documentation TEST-NET-3 */
    {{224, 0, 0, 0}, 4},     /* multicast */
    {{240, 0, 0, 0}, 4},     /* reserved, and the broadcast address */
};

/* IPv6 ranges inside global unicast 2000::/3 that are refused; everything
 * outside 2000::/3 is refused unless it embeds a public IPv4 address. */
static const struct range v6_refused[] = {
    {{0x20, 0x01, 0x00, 0x00}, 23}, /* IETF protocol assignments, Teredo, benchmarking */
    {{0x20, 0x01, 0x0d, 0xb8}, 32}, /* documentation */
    {{0x3f, 0xff, 0x00, 0x00}, 20}, /* documentation (RFC 9637) */
};

static const unsigned char v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
static const unsigned char nat64_prefix[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};

static bool
prefix_match(const unsigned char *addr, const unsigned char *net, unsigned prefix)
{
    unsigned full = prefix / 8, rest = prefix % 8;

    if (memcmp(addr, net, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (addr[full] & mask) == (net[full] & mask);
}

static bool
v4_refused_by_default(const unsigned char *a)
{
    for (size_t i = 0; i < sizeof v4_refused / sizeof v4_refused[0]; i++)
        if (prefix_match(a, v4_refused[i].addr, v4_refused[i].prefix))
            return true;
    return false;
}

static bool
v6_refused_by_default(const unsigned char *a)
{
    /* ::ffff:a.b.c.d reaches a.b.c.d through a dual-stack socket, and
     * 64:ff9b::a.b.c.d through the network's NAT64: judge the IPv4 one. */
    if (!memcmp(a, v4_mapped_prefix, 12) || !memcmp(a, nat64_prefix, 12))
        return v4_refused_by_default(a + 12);
    if ((a[0] & 0xe0) != 0x20)
        return true; /* not 2000::/3: ::, ::1, ULA, link-local, multicast, ... */
    if (a[0] == 0x20 && a[1] == 0x02)
        return v4_refused_by_default(a + 2); /* 6to4 2002:a.b.c.d::/48 */
    for (size_t i = 0; i < sizeof v6_refused / sizeof v6_refused[0]; i++)
        if (prefix_match(a, v6_refused[i].addr, v6_refused[i].prefix))
            return true;
    return false;
}

bool
http_guard_refused_by_default(int family, const unsigned char *addr)
{
    if (family == AF_INET)
        return v4_refused_by_default(addr);
    if (family == AF_INET6)
        return v6_refused_by_default(addr);
    return true;
}

void
http_guard_init(struct http_guard *g)
{
    memset(g, 0, sizeof *g);
}

int
http_cidr_parse(const char *text, struct http_cidr *out)
{
    char addr[64];
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t)(slash - text) : strlen(text);
    unsigned long prefix, max;
    char *end;

    memset(out, 0, sizeof *out);
    if (n == 0 || n >= sizeof addr)
        return POD_ERR_INVAL;
    memcpy(addr, text, n);
    addr[n] = '\0';
    if (inet_pton(AF_INET, addr, out->addr) == 1)
        out->family = AF_INET;
    else if (inet_pton(AF_INET6, addr, out->addr) == 1)
        out->family = AF_INET6;
    else
        return POD_ERR_INVAL;
    max = out->family == AF_INET ? 32 : 128;
    prefix = max;
    if (slash) {
        if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
            return POD_ERR_INVAL;
        prefix = strtoul(slash + 1, &end, 10);
        if (*end != '\0' || prefix > max)
            return POD_ERR_INVAL;
    }
    out->prefix = (unsigned)prefix;
    /* Clear the host bits so matching compares networks only. */
    for (unsigned bit = out->prefix; bit < max; bit++)
        out->addr[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
    return POD_OK;
}

int
http_guard_allow_cidr(struct http_guard *g, const char *cidr)
{
    struct http_cidr c;
    int ret = http_cidr_parse(cidr, &c);

    if (ret != POD_OK)
        return ret;
    if (g->n_allow >= CONFIG_POD_HTTPC_ALLOW_NETS)
        return POD_ERR_LIMIT;
    g->allow[g->n_allow++] = c;
    return POD_OK;
}

static bool
allowed_by_list(const struct http_guard *g, int family, const unsigned char *a)
{
    if (!g)
        return false;
    for (size_t i = 0; i < g->n_allow; i++) {
        const struct http_cidr *c = &g->allow[i];
        if (c->family == family && prefix_match(a, c->addr, c->prefix))
            return true;
        /* 127.0.0.0/8 also covers ::ffff:127.0.0.1 (the same socket). */
        if (c->family == AF_INET && family == AF_INET6 && !memcmp(a, v4_mapped_prefix, 12) &&
            prefix_match(a + 12, c->addr, c->prefix))
            return true;
    }
    return false;
}

int
http_guard_check(const struct http_guard *g, const struct sockaddr *sa, size_t len)
{
    const unsigned char *a;
    int family = sa->sa_family;

    if (family == AF_INET && len >= sizeof(struct sockaddr_in))
        a = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
        a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
    else
        return POD_ERR_INVAL;
    if (allowed_by_list(g, family, a))
        return POD_OK;
    return http_guard_refused_by_default(family, a) ? POD_ERR_AUTH : POD_OK;
}

int
http_guard_resolve(const struct http_guard *g, const char *host, uint16_t port,
                   struct http_addrs *out)
{
    struct addrinfo hints, *res = NULL, *ai;
    char service[8], shown[INET6_ADDRSTRLEN];
    size_t refused = 0;
    int rc, ret;

    memset(out, 0, sizeof *out);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(service, sizeof service, "%u", (unsigned)port);
    rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        LOG_DEBUG("http", "cannot resolve %s: %s", host, gai_strerror(rc));
        return rc == EAI_AGAIN ? POD_ERR_IO : rc == EAI_MEMORY ? POD_ERR_NOMEM : POD_ERR_NOTFOUND;
    }
    for (ai = res; ai && out->n < HTTP_GUARD_ADDRS_MAX; ai = ai->ai_next) {
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
            ai->ai_addrlen > sizeof out->addr[0])
            continue;
        if (http_guard_check(g, ai->ai_addr, ai->ai_addrlen) != POD_OK) {
            const void *a =
                ai->ai_family == AF_INET
                    ? (const void *)&((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr
                    : (const void *)&((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr;
            if (!inet_ntop(ai->ai_family, a, shown, sizeof shown))
                strcpy(shown, "?");
            LOG_INFO("http", "refused address %s of %s (not public; see --allow-net)", shown, host);
            refused++;
            continue;
        }
        memcpy(&out->addr[out->n], ai->ai_addr, ai->ai_addrlen);
        out->len[out->n] = ai->ai_addrlen;
        out->n++;
    }
    freeaddrinfo(res);
    if (out->n > 0)
        ret = POD_OK;
    else
        ret = refused ? POD_ERR_AUTH : POD_ERR_NOTFOUND;
    return ret;
}
