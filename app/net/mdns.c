/*
 * mdns.c - the multicast DNS responder thread (see mdns.h): sockets,
 * interfaces, announcements; the bytes are mdns_proto.c's.
 */
#include "net/mdns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "autoconf.h"
#include "core/error.h"
#include "core/log.h"
#include "net/mdns_proto.h"

#define IFS_MAX         16   /* interfaces joined and announced on */
#define RESCAN_MS       5000 /* how often the interfaces are read again */
#define ANNOUNCE_GAP_MS 1000
#define ANNOUNCE_COUNT  2

struct mdns_responder {
    pthread_t thread;
    int wake[2]; /* pipe: a byte on wake[1] stops the thread */
    int fd4, fd6;
    char label[64];
    struct mdns_host host;
    struct mdns_rate rate;
    int if4[IFS_MAX], if6[IFS_MAX]; /* interface indexes with addresses of each family */
    size_t n_if4, n_if6;
    int announce_left;
    int64_t next_announce, next_scan;
    uint8_t rx[MDNS_MSG_MAX + 1];
    uint8_t tx[MDNS_REPLY_MAX];
    struct mdns_msg msg;
};

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
add_index(int *list, size_t *n, int index)
{
    for (size_t i = 0; i < *n; i++)
        if (list[i] == index)
            return;
    if (*n < IFS_MAX)
        list[(*n)++] = index;
}

/* Reads the interfaces: the addresses to announce and where to join. */
static void
scan_interfaces(struct mdns_responder *r, struct mdns_host *h)
{
    struct ifaddrs *ifa = NULL;

    h->n4 = h->n6 = 0;
    r->n_if4 = r->n_if6 = 0;
    if (getifaddrs(&ifa) != 0) {
        LOG_WARN("mdns", "cannot read the interfaces: %s", strerror(errno));
        return;
    }
    for (struct ifaddrs *p = ifa; p; p = p->ifa_next) {
        int index;
        if (!p->ifa_addr || !(p->ifa_flags & IFF_UP) || (p->ifa_flags & IFF_LOOPBACK))
            continue;
        index = (int)if_nametoindex(p->ifa_name);
        if (!index)
            continue;
        if (p->ifa_addr->sa_family == AF_INET && h->n4 < MDNS_ADDRS_MAX) {
            const struct sockaddr_in *sin = (const struct sockaddr_in *)(void *)p->ifa_addr;
            memcpy(h->a4[h->n4++], &sin->sin_addr, 4);
            if (p->ifa_flags & IFF_MULTICAST)
                add_index(r->if4, &r->n_if4, index);
        } else if (p->ifa_addr->sa_family == AF_INET6 && h->n6 < MDNS_ADDRS_MAX) {
            const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(void *)p->ifa_addr;
            memcpy(h->a6[h->n6++], &sin6->sin6_addr, 16);
            if (p->ifa_flags & IFF_MULTICAST)
                add_index(r->if6, &r->n_if6, index);
        }
    }
    freeifaddrs(ifa);
}

/* Joins the groups on every multicast interface found (again: the kernel
 * answers EADDRINUSE for a group already joined). Failures are warnings
 * when loud (the addresses just changed), debug lines otherwise. */
static void
join_groups(struct mdns_responder *r, bool loud)
{
    enum pod_log_level level = loud ? POD_LOG_WARN : POD_LOG_DEBUG;

    for (size_t i = 0; r->fd4 >= 0 && i < r->n_if4; i++) {
        struct ip_mreqn mr = {.imr_ifindex = r->if4[i]};
        mr.imr_multiaddr.s_addr = htonl(0xe00000fb); /* 224.0.0.251 */
        if (setsockopt(r->fd4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr) != 0 &&
            errno != EADDRINUSE)
            pod_log(level, "mdns", "cannot join 224.0.0.251 on interface %d: %s", r->if4[i],
                    strerror(errno));
    }
    for (size_t i = 0; r->fd6 >= 0 && i < r->n_if6; i++) {
        struct ipv6_mreq mr = {.ipv6mr_interface = (unsigned)r->if6[i]};
        inet_pton(AF_INET6, "ff02::fb", &mr.ipv6mr_multiaddr);
        if (setsockopt(r->fd6, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof mr) != 0 &&
            errno != EADDRINUSE)
            pod_log(level, "mdns", "cannot join ff02::fb on interface %d: %s", r->if6[i],
                    strerror(errno));
    }
}

static void
log_addresses(const struct mdns_responder *r)
{
    char line[MDNS_ADDRS_MAX * 2 * (INET6_ADDRSTRLEN + 1) + 1] = "";
    size_t used = 0;

    for (size_t i = 0; i < r->host.n4 + r->host.n6; i++) {
        char a[INET6_ADDRSTRLEN];
        if (i < r->host.n4)
            inet_ntop(AF_INET, r->host.a4[i], a, sizeof a);
        else
            inet_ntop(AF_INET6, r->host.a6[i - r->host.n4], a, sizeof a);
        used += (size_t)snprintf(line + used, sizeof line - used, " %s", a);
    }
    LOG_INFO("mdns", "%s.local is%s", r->label, used ? line : " without addresses yet");
}

/* Sends the records want to the group on one interface of the family. */
static void
send_group(struct mdns_responder *r, int family, int ifindex, const uint8_t *buf, size_t len)
{
    if (family == AF_INET && r->fd4 >= 0) {
        struct ip_mreqn mr = {.imr_ifindex = ifindex};
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(MDNS_PORT)};
        to.sin_addr.s_addr = htonl(0xe00000fb);
        setsockopt(r->fd4, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof mr);
        if (sendto(r->fd4, buf, len, 0, (struct sockaddr *)&to, sizeof to) < 0)
            LOG_DEBUG("mdns", "send on interface %d: %s", ifindex, strerror(errno));
    } else if (family == AF_INET6 && r->fd6 >= 0) {
        struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_port = htons(MDNS_PORT)};
        unsigned idx = (unsigned)ifindex;
        inet_pton(AF_INET6, "ff02::fb", &to.sin6_addr);
        to.sin6_scope_id = idx;
        setsockopt(r->fd6, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof idx);
        if (sendto(r->fd6, buf, len, 0, (struct sockaddr *)&to, sizeof to) < 0)
            LOG_DEBUG("mdns", "send on interface %d: %s", ifindex, strerror(errno));
    }
}

/* One unsolicited response with every record, on every interface. */
static void
announce(struct mdns_responder *r)
{
    struct mdns_reply rep = {.want = MDNS_WANT_A | MDNS_WANT_AAAA};
    size_t len;

    if (mdns_reply_build(&r->host, &rep, NULL, r->tx, sizeof r->tx, &len) != POD_OK)
        return;
    mdns_rate_multicast(&r->rate, rep.want, now_ms());
    for (size_t i = 0; i < r->n_if4; i++)
        send_group(r, AF_INET, r->if4[i], r->tx, len);
    for (size_t i = 0; i < r->n_if6; i++)
        send_group(r, AF_INET6, r->if6[i], r->tx, len);
}

/* Reads one datagram from fd and answers it when it asks for us. */
static void
handle_packet(struct mdns_responder *r, int fd, int family)
{
    union {
        struct sockaddr_in v4;
        struct sockaddr_in6 v6;
    } from;
    union {
        char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = r->rx, .iov_len = sizeof r->rx};
    struct msghdr mh = {.msg_name = &from,
                        .msg_namelen = sizeof from,
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = ctl.buf,
                        .msg_controllen = sizeof ctl.buf};
    struct mdns_reply rep;
    bool to_group = false;
    int ifindex = 0;
    uint16_t port;
    size_t len;
    ssize_t n;

    n = recvmsg(fd, &mh, MSG_DONTWAIT);
    if (n < 0 || n > CONFIG_POD_MDNS_PACKET_MAX || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
        return;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            ifindex = pi.ipi_ifindex;
            to_group = pi.ipi_addr.s_addr == htonl(0xe00000fb);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;
            struct in6_addr group;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            inet_pton(AF_INET6, "ff02::fb", &group);
            ifindex = (int)pi.ipi6_ifindex;
            to_group = !memcmp(&pi.ipi6_addr, &group, sizeof group);
        }
    }
    if (!to_group || !ifindex)
        return; /* only what was sent to the group */
    if (mdns_msg_parse(r->rx, (size_t)n, &r->msg) != POD_OK)
        return;
    port = ntohs(family == AF_INET ? from.v4.sin_port : from.v6.sin6_port);
    if (port == 0)
        return;
    mdns_query_decide(&r->host, &r->msg, port, &rep);
    if (!rep.want)
        return;
    if (rep.unicast) {
        if (!mdns_rate_unicast(&r->rate, now_ms()))
            return;
        if (mdns_reply_build(&r->host, &rep, &r->msg, r->tx, sizeof r->tx, &len) == POD_OK &&
            sendto(fd, r->tx, len, 0, (struct sockaddr *)&from, mh.msg_namelen) < 0)
            LOG_DEBUG("mdns", "unicast reply: %s", strerror(errno));
        return;
    }
    rep.want = mdns_rate_multicast(&r->rate, rep.want, now_ms());
    if (rep.want && mdns_reply_build(&r->host, &rep, NULL, r->tx, sizeof r->tx, &len) == POD_OK)
        send_group(r, family, ifindex, r->tx, len);
}

/* Reads the interfaces again; new addresses start a new announcement. */
static void
rescan(struct mdns_responder *r)
{
    struct mdns_host h = r->host;
    bool changed;

    scan_interfaces(r, &h);
    changed = h.n4 != r->host.n4 || h.n6 != r->host.n6 || memcmp(h.a4, r->host.a4, sizeof h.a4) ||
              memcmp(h.a6, r->host.a6, sizeof h.a6);
    join_groups(r, changed);
    if (changed) {
        r->host = h;
        log_addresses(r);
        r->announce_left = h.n4 + h.n6 ? ANNOUNCE_COUNT : 0;
        r->next_announce = now_ms();
    }
    r->next_scan = now_ms() + RESCAN_MS;
}

static void *
run(void *arg)
{
    struct mdns_responder *r = arg;

    rescan(r);
    for (;;) {
        struct pollfd pf[3] = {{.fd = r->wake[0], .events = POLLIN},
                               {.fd = r->fd4, .events = POLLIN},
                               {.fd = r->fd6, .events = POLLIN}};
        int64_t now = now_ms(), wait = r->next_scan - now;
        if (r->announce_left && r->next_announce - now < wait)
            wait = r->next_announce - now;
        if (wait < 0)
            wait = 0;
        if (poll(pf, 3, (int)wait) < 0 && errno != EINTR)
            break;
        if (pf[0].revents)
            break;
        if (pf[1].revents & POLLIN)
            handle_packet(r, r->fd4, AF_INET);
        if (pf[2].revents & POLLIN)
            handle_packet(r, r->fd6, AF_INET6);
        now = now_ms();
        if (r->announce_left && now >= r->next_announce) {
            announce(r);
            r->announce_left--;
            r->next_announce = now + ANNOUNCE_GAP_MS;
        }
        if (now >= r->next_scan)
            rescan(r);
    }
    return NULL;
}

/* A UDP socket of family on port 5353, shared with other responders. */
static int
open_socket(int family, char *why, size_t why_len)
{
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1, ttl = 255;
    int rc;

    if (fd < 0) {
        pod_why(why, why_len, "mDNS: no %s socket: %s", family == AF_INET ? "IPv4" : "IPv6",
                strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (family == AF_INET) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(MDNS_PORT)};
        setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
        rc = bind(fd, (struct sockaddr *)&a, sizeof a);
    } else {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(MDNS_PORT)};
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof ttl);
        rc = bind(fd, (struct sockaddr *)&a, sizeof a);
    }
    if (rc != 0) {
        int e = errno;
        pod_why(why, why_len, "mDNS: cannot use UDP port %d (%s): %s", MDNS_PORT,
                family == AF_INET ? "IPv4" : "IPv6", strerror(e));
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int
mdns_start(struct mdns_responder **out, const char *name, char *why, size_t why_len)
{
    struct mdns_responder *r = calloc(1, sizeof *r);
    char why6[256];
    pthread_attr_t attr;
    int rc;

    *out = NULL;
    if (!r)
        return POD_ERR_NOMEM;
    r->fd4 = r->fd6 = r->wake[0] = r->wake[1] = -1;
    if (mdns_host_set_name(&r->host, name) != POD_OK) {
        pod_why(why, why_len, "mDNS: '%s' is not a host name (1 to 63 of a-z, 0-9, '-')", name);
        free(r);
        return POD_ERR_INVAL;
    }
    memcpy(r->label, r->host.name + 1, r->host.name[0]);
    r->label[r->host.name[0]] = '\0';
    r->host.ttl = CONFIG_POD_MDNS_TTL;
    mdns_rate_init(&r->rate, CONFIG_POD_MDNS_REPLIES_PER_SEC);
    rc = POD_ERR_IO;
    r->fd4 = open_socket(AF_INET, why, why_len);
    if (r->fd4 < 0) {
        rc = errno == EADDRINUSE ? POD_ERR_BUSY : POD_ERR_IO;
        goto fail;
    }
    r->fd6 = open_socket(AF_INET6, why6, sizeof why6);
    if (r->fd6 < 0)
        LOG_WARN("mdns", "%s; answering over IPv4 only", why6);
    if (pipe2(r->wake, O_CLOEXEC) != 0) {
        pod_why(why, why_len, "mDNS: pipe: %s", strerror(errno));
        goto fail;
    }
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    rc = pthread_create(&r->thread, &attr, run, r);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        pod_why(why, why_len, "mDNS: cannot start its thread");
        rc = POD_ERR_NOMEM;
        goto fail;
    }
    LOG_INFO("mdns", "responder for %s.local started", r->label);
    *out = r;
    return POD_OK;
fail:
    if (r->fd4 >= 0)
        close(r->fd4);
    if (r->fd6 >= 0)
        close(r->fd6);
    if (r->wake[0] >= 0) {
        close(r->wake[0]);
        close(r->wake[1]);
    }
    free(r);
    return rc;
}

void
mdns_stop(struct mdns_responder *r)
{
    char b = 1;

    if (!r)
        return;
    while (write(r->wake[1], &b, 1) < 0 && errno == EINTR)
        ;
    pthread_join(r->thread, NULL);
    if (r->fd4 >= 0)
        close(r->fd4);
    if (r->fd6 >= 0)
        close(r->fd6);
    close(r->wake[0]);
    close(r->wake[1]);
    free(r);
}
