/*
 * sntp.c - the SNTP client thread (see sntp.h): name lookups, the UDP
 * exchange, setting the clock; the bytes are sntp_proto.c's.
 */
#include "net/sntp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "drivers/clock/clock.h"
#include "net/sntp_proto.h"
#include "task/runner.h"

#define ADDRS_PER_NAME  4
#define SLICE_MS        250 /* a stop is noticed within this while waiting */
#define RETRY_FIRST_S   2
#define RETRY_MAX_S     64
#define REFUSALS_LOGGED 8        /* per request as warnings; more at debug (a flood) */
#define NEG_DELAY_NS    10000000 /* a round trip below -10 ms is refused */

struct sntp_client {
    struct task_runner *runner;
    char servers[SNTP_SERVERS_MAX][SNTP_SERVER_LEN];
    size_t n_servers;
    uint64_t quiet_until[SNTP_SERVERS_MAX]; /* monotonic ms: not asked before (a kiss) */
    unsigned poll_s;
    bool set_clock;
    unsigned retry_s; /* 0 after a good round */
    bool failing;     /* the last round failed: later failures log at debug */
    bool warned_perm; /* the missing privilege was logged */
};

static int64_t
realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Copies the list's entries into c; POD_ERR_INVAL when one is bad. */
static int
split_servers(const char *list, struct sntp_client *c)
{
    char host[SNTP_SERVER_LEN], port[6];
    const char *p = list;

    c->n_servers = 0;
    while (*p) {
        size_t n = strcspn(p, " \t,");

        if (n) {
            if (c->n_servers == SNTP_SERVERS_MAX || n >= SNTP_SERVER_LEN)
                return POD_ERR_INVAL;
            memcpy(c->servers[c->n_servers], p, n);
            c->servers[c->n_servers][n] = '\0';
            if (sntp_server_split(c->servers[c->n_servers], host, sizeof host, port) != POD_OK)
                return POD_ERR_INVAL;
            c->n_servers++;
        }
        p += n;
        if (*p)
            p++;
    }
    return c->n_servers ? POD_OK : POD_ERR_INVAL;
}

int
sntp_servers_valid(const char *servers)
{
    static struct sntp_client scratch; /* big: not on the stack; callers are single-threaded */

    return servers ? split_servers(servers, &scratch) : POD_ERR_INVAL;
}

static bool
same_addr(const struct sockaddr_storage *a, const struct sockaddr *b)
{
    if (a->ss_family != b->sa_family)
        return false;
    if (b->sa_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (b->sa_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
        return x->sin6_port == y->sin6_port &&
               !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr);
    }
    return false;
}

/* One request to one address. POD_OK, POD_ERR_BUSY (kiss-o'-death) or
 * POD_ERR_IO (no valid answer in time). */
static int
ask_address(const struct addrinfo *ai, const char *name, unsigned wait_ms, struct task_runner *r,
            struct sntp_result *res, char *why, size_t why_len)
{
    uint8_t req[SNTP_PACKET_LEN], rx[SNTP_REPLY_MAX + 1];
    uint64_t nonce = 0, t1, end;
    struct sntp_reply rep;
    const char *reason;
    int fd, rc = POD_ERR_IO, refusals = 0;

    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, res->addr, sizeof res->addr, NULL, 0,
                    NI_NUMERICHOST) != 0)
        snprintf(res->addr, sizeof res->addr, "?");
    fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        snprintf(why, why_len, "%s (%s): %s", name, res->addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        return POD_ERR_IO;
    }
    while (!nonce)
        if (crypto_random(&nonce, sizeof nonce) != POD_OK) {
            snprintf(why, why_len, "no random numbers");
            close(fd);
            return POD_ERR_IO;
        }
    sntp_request_build(req, nonce);
    t1 = sntp_ts_from_unix_ns(realtime_ns());
    if (send(fd, req, sizeof req, 0) != (ssize_t)sizeof req) {
        snprintf(why, why_len, "%s (%s): %s", name, res->addr, strerror(errno));
        close(fd);
        return POD_ERR_IO;
    }
    snprintf(why, why_len, "%s (%s): no answer within %u ms", name, res->addr, wait_ms);
    end = drv_clock_monotonic_ms() + wait_ms;
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        struct sockaddr_storage from;
        socklen_t from_len = sizeof from;
        uint64_t now = drv_clock_monotonic_ms(), t4;
        ssize_t n;

        if (now >= end || (r && task_runner_stopping(r)))
            break;
        if (poll(&pfd, 1, (int)(end - now < SLICE_MS ? end - now : SLICE_MS)) <= 0)
            continue;
        n = recvfrom(fd, rx, sizeof rx, MSG_TRUNC | MSG_DONTWAIT, (struct sockaddr *)&from,
                     &from_len);
        t4 = sntp_ts_from_unix_ns(realtime_ns());
        if (n < 0)
            continue; /* ICMP port unreachable and the like: wait on */
        if (!same_addr(&from, ai->ai_addr)) {
            reason = "not from the address asked";
            pod_log(++refusals > REFUSALS_LOGGED ? POD_LOG_DEBUG : POD_LOG_WARN, "sntp",
                    "refused a reply from %s (%s): %s", name, res->addr, reason);
            continue;
        }
        rc = sntp_reply_check(rx, (size_t)n, nonce, &rep, &reason);
        if (rc == POD_OK) {
            sntp_offset_delay(t1, rep.receive, rep.transmit, t4, &res->offset_ns, &res->delay_ns);
            if (res->delay_ns < 0 && res->delay_ns > -NEG_DELAY_NS)
                res->delay_ns = 0; /* clock granularity */
            if (res->delay_ns < 0) {
                pod_log(++refusals > REFUSALS_LOGGED ? POD_LOG_DEBUG : POD_LOG_WARN, "sntp",
                        "refused a reply from %s (%s): negative round trip", name, res->addr);
                rc = POD_ERR_IO;
                continue;
            }
            res->stratum = rep.stratum;
            why[0] = '\0';
            break;
        }
        if (rc == POD_ERR_BUSY) {
            char code[5];

            for (int i = 0; i < 4; i++) /* printable, for the log */
                code[i] = rep.refid[i] >= 0x21 && rep.refid[i] < 0x7f ? (char)rep.refid[i] : '?';
            code[4] = '\0';
            snprintf(why, why_len, "%s (%s) sent kiss-o'-death %s", name, res->addr, code);
            LOG_WARN("sntp", "%s", why);
            rc = POD_ERR_BUSY;
            break;
        }
        pod_log(++refusals > REFUSALS_LOGGED ? POD_LOG_DEBUG : POD_LOG_WARN, "sntp",
                "refused a reply from %s (%s): %s", name, res->addr, reason);
        rc = POD_ERR_IO;
    }
    close(fd);
    return rc;
}

int
sntp_query(const char *server, unsigned wait_ms, struct task_runner *r, struct sntp_result *res,
           char *why, size_t why_len)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM}, *list = NULL;
    char host[SNTP_SERVER_LEN], port[6];
    int n = 0, rc, gai;

    memset(res, 0, sizeof *res);
    if (sntp_server_split(server, host, sizeof host, port) != POD_OK) {
        snprintf(why, why_len, "%s: not host or host:port", server);
        return POD_ERR_INVAL;
    }
    gai = getaddrinfo(host, port, &hints, &list);
    if (gai != 0) {
        snprintf(why, why_len, "%s: %s", host, gai_strerror(gai));
        return POD_ERR_NOTFOUND;
    }
    rc = POD_ERR_IO;
    snprintf(why, why_len, "%s: no address", host);
    for (const struct addrinfo *ai = list; ai && n < ADDRS_PER_NAME; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        if (r && task_runner_stopping(r))
            break;
        n++;
        rc = ask_address(ai, server, wait_ms, r, res, why, why_len);
        if (rc == POD_OK || rc == POD_ERR_BUSY)
            break;
    }
    freeaddrinfo(list);
    return rc;
}

/* Corrects the clock by res->offset_ns as the configuration allows.
 * Returns 1 when wall time is now right, 0 when it could not be corrected,
 * -1 when the server's time is not believable (ask the next one). */
static int
apply(struct sntp_client *c, const char *server, const struct sntp_result *res)
{
    double off = (double)res->offset_ns / 1e9, delay = (double)res->delay_ns / 1e9;
    int64_t mag = res->offset_ns < 0 ? -res->offset_ns : res->offset_ns;

    if (realtime_ns() + res->offset_ns < (int64_t)DRV_CLOCK_FLOOR * 1000000000) {
        LOG_WARN("sntp", "%s (%s) says it is before 2024 (offset %+.3f s): ignored", server,
                 res->addr, off);
        return -1;
    }
    if (!c->set_clock) {
        LOG_INFO("sntp", "%s (%s, stratum %u): offset %+.3f s, delay %.3f s; clock left as is",
                 server, res->addr, res->stratum, off, delay);
        return 1;
    }
    if (mag > SNTP_STEP_NS) {
        int64_t t = realtime_ns() + res->offset_ns;
        struct timespec ts = {.tv_sec = t / 1000000000, .tv_nsec = t % 1000000000};

        if (clock_settime(CLOCK_REALTIME, &ts) == 0) {
            LOG_INFO("sntp", "%s (%s, stratum %u): clock stepped by %+.3f s (delay %.3f s)", server,
                     res->addr, res->stratum, off, delay);
            return 1;
        }
        if (!c->warned_perm)
            LOG_WARN("sntp",
                     "cannot set the clock (%s; needs root or CAP_SYS_TIME): it is %+.3f s off",
                     strerror(errno), off);
        c->warned_perm = true;
        return 0;
    } else {
        struct timeval tv = {.tv_sec = res->offset_ns / 1000000000,
                             .tv_usec = res->offset_ns % 1000000000 / 1000};

        if (adjtime(&tv, NULL) == 0)
            LOG_DEBUG("sntp", "%s (%s, stratum %u): slewing by %+.6f s (delay %.3f s)", server,
                      res->addr, res->stratum, off, delay);
        else if (!c->warned_perm) {
            LOG_WARN("sntp",
                     "cannot slew the clock (%s; needs root or CAP_SYS_TIME): it is %+.3f s off",
                     strerror(errno), off);
            c->warned_perm = true;
        }
        return 1; /* less than a second off: right enough */
    }
}

static uint64_t
sntp_step(struct task_runner *r, void *ctx)
{
    struct sntp_client *c = ctx;
    struct sntp_result res;
    char why[320] = "every server asked for a pause (kiss-o'-death)";
    int rc = POD_ERR_IO, ok;

    for (size_t i = 0; i < c->n_servers && !task_runner_stopping(r); i++) {
        if (drv_clock_monotonic_ms() < c->quiet_until[i])
            continue;
        rc = sntp_query(c->servers[i], SNTP_WAIT_MS, r, &res, why, sizeof why);
        if (rc == POD_ERR_BUSY) /* RFC 4330 §8: a kissing server is left alone for a while */
            c->quiet_until[i] = drv_clock_monotonic_ms() + (uint64_t)c->poll_s * 1000u;
        if (rc == POD_OK && (ok = apply(c, c->servers[i], &res)) >= 0) {
            if (ok)
                drv_clock_mark_synced();
            if (c->failing)
                LOG_INFO("sntp", "NTP servers reachable again");
            c->failing = false;
            c->retry_s = 0;
            return (uint64_t)c->poll_s * 1000u;
        }
        if (rc == POD_OK)
            snprintf(why, sizeof why, "%s: a time before 2024", c->servers[i]);
        else if (rc != POD_ERR_BUSY) /* a kiss was logged as a warning */
            LOG_DEBUG("sntp", "%s", why);
    }
    if (task_runner_stopping(r))
        return TASK_RUNNER_IDLE;
    c->retry_s = c->retry_s ? c->retry_s * 2 : RETRY_FIRST_S;
    if (c->retry_s > RETRY_MAX_S)
        c->retry_s = RETRY_MAX_S;
    if (!c->failing)
        LOG_WARN("sntp", "no NTP server answered (last: %s); trying again with pauses up to %d s",
                 why, RETRY_MAX_S);
    c->failing = true;
    return (uint64_t)c->retry_s * 1000u;
}

int
sntp_start(struct sntp_client **out, const struct sntp_config *cfg)
{
    struct sntp_client *c = calloc(1, sizeof *c);
    int rc;

    if (!c)
        return POD_ERR_NOMEM;
    if (!cfg->servers || split_servers(cfg->servers, c) != POD_OK) {
        free(c);
        return POD_ERR_INVAL;
    }
    c->poll_s = cfg->poll_s ? cfg->poll_s : 3600;
    c->set_clock = cfg->set_clock;
    LOG_INFO("sntp", "asking %s every %u s%s", cfg->servers, c->poll_s,
             c->set_clock ? "" : " (clock left as is)");
    /* Name lookups (NSS, the resolver) want a generous stack. */
    rc = task_runner_start(&c->runner, "sntp", 256 * 1024, sntp_step, c);
    if (rc != POD_OK) {
        free(c);
        return rc;
    }
    *out = c;
    return POD_OK;
}

void
sntp_stop(struct sntp_client *c)
{
    if (c)
        task_runner_stop(c->runner, 3000, free);
}
