/*
 * portmap.c - the port mapping thread (see portmap.h): finds the router
 * (portmap_upnp.c, portmap_natpmp.c), forwards public 443 and 80, renews
 * at half the lease, retries a missing or refusing router later, keeps
 * the status the admin page shows, and removes the mappings on stop.
 */
#include "net/portmap.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "drivers/clock/clock.h"
#include "net/portmap_int.h"
#include "task/runner.h"

#define MOD                  "portmap"
#define DEFAULT_LEASE_S      3600
#define DEFAULT_WAIT_MS      2000
#define STOP_WAIT_MS         2000 /* portmap_stop: removal of the mappings */
#define PERMANENT_RECHECK_MS (30u * 60 * 1000)
#define N_PORTS              2

struct pm_port {
    int ext, in;      /* asked: public port, local port; in 0: not asked */
    bool mapped;      /* the router forwards it now */
    unsigned granted; /* lease the router gave (0: permanent) */
};

struct portmap {
    struct task_runner *runner;
    struct portmap_config cfg;
    pthread_mutex_t lock;
    struct portmap_status st; /* under lock */
    pthread_cond_t stopped_cond;
    bool removed; /* under lock: the stop's removal is done */
    atomic_bool stop_asked;

    /* Thread-private from here. */
    struct pm_router router; /* impl NULL: no session */
    struct pm_port ports[N_PORTS];
    unsigned failures; /* consecutive failed attempts */
    bool was_mapped;   /* the info line was logged for this mapping */
    char logged[192];  /* the last warning, not repeated */
    char logged_addr[64];
};

uint64_t
pm_retry_ms(unsigned failures)
{
    static const unsigned steps_s[] = {10, 30, 60, 120};

    if (failures == 0)
        return 0;
    if (failures <= sizeof steps_s / sizeof steps_s[0])
        return steps_s[failures - 1] * 1000ull;
    return 300 * 1000ull;
}

uint64_t
pm_renew_ms(unsigned granted)
{
    if (granted == 0)
        return PERMANENT_RECHECK_MS;
    if (granted < 2)
        return 1000;
    return (uint64_t)granted * 1000 / 2;
}

bool
pm_address_valid(const char *ipv4)
{
    struct in_addr a;

    return ipv4 && inet_pton(AF_INET, ipv4, &a) == 1;
}

bool
pm_address_private(const char *ipv4)
{
    struct in_addr a;
    uint32_t h;

    if (!ipv4 || inet_pton(AF_INET, ipv4, &a) != 1)
        return true;
    h = ntohl(a.s_addr);
    return (h >> 24) == 10 || (h >> 24) == 127 || (h >> 24) == 0 || (h >> 20) == 0xac1 ||
           (h >> 16) == 0xc0a8 || (h >> 16) == 0xa9fe || (h >> 22) == (100u << 2 | 1);
}

int
portmap_method_parse(const char *text, enum portmap_method *out)
{
    static const struct {
        const char *name;
        enum portmap_method m;
    } names[] = {{"off", PORTMAP_OFF},
                 {"auto", PORTMAP_AUTO},
                 {"upnp", PORTMAP_UPNP},
                 {"natpmp", PORTMAP_NATPMP}};

    for (size_t i = 0; text && i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(text, names[i].name)) {
            *out = names[i].m;
            return POD_OK;
        }
    return POD_ERR_INVAL;
}

static const char *
method_name(enum portmap_method m)
{
    return m == PORTMAP_UPNP ? "UPnP-IGD" : m == PORTMAP_NATPMP ? "NAT-PMP" : "none";
}

enum pm_result
pm_router_public(struct pm_router *r, char *addr, size_t addr_len, char *detail, size_t n)
{
    return r->method == PORTMAP_UPNP ? pm_upnp_public(r, addr, addr_len, detail, n)
                                     : pm_natpmp_public(r, addr, addr_len, detail, n);
}

enum pm_result
pm_router_add(struct pm_router *r, int ext, int in, unsigned lease_s, unsigned *granted,
              int *ext_got, char *detail, size_t n)
{
    *ext_got = ext;
    return r->method == PORTMAP_UPNP
               ? pm_upnp_add(r, ext, in, lease_s, granted, detail, n)
               : pm_natpmp_add(r, ext, in, lease_s, granted, ext_got, detail, n);
}

enum pm_result
pm_router_delete(struct pm_router *r, int ext, int in, unsigned wait_ms)
{
    return r->method == PORTMAP_UPNP ? pm_upnp_delete(r, ext) : pm_natpmp_delete(r, in, wait_ms);
}

void
pm_router_close(struct pm_router *r)
{
    if (r->method == PORTMAP_UPNP)
        pm_upnp_close(r);
    else
        pm_natpmp_close(r);
}

static bool
stopping(void *ctx)
{
    struct portmap *pm = ctx;

    return atomic_load(&pm->stop_asked) || task_runner_stopping(pm->runner);
}

/* A worse result wins when two protocols were tried. */
static int
severity(enum pm_result r)
{
    return r == PM_REFUSED ? 3 : r == PM_BROKEN ? 2 : r == PM_NO_ROUTER ? 1 : 0;
}

static enum portmap_state
state_of(enum pm_result r)
{
    return r == PM_OK        ? PORTMAP_STATE_MAPPED
           : r == PM_REFUSED ? PORTMAP_STATE_REFUSED
           : r == PM_BROKEN  ? PORTMAP_STATE_BROKEN
                             : PORTMAP_STATE_NO_ROUTER;
}

/* Opens a session with the configured protocol(s). */
static enum pm_result
open_router(struct portmap *pm, char *detail, size_t n)
{
    enum portmap_method m = pm->cfg.method;
    char natpmp_detail[192];
    enum pm_result r = PM_NO_ROUTER, r2;

    pm->router.stopping = stopping;
    pm->router.stopping_ctx = pm;
    if (m == PORTMAP_AUTO || m == PORTMAP_UPNP) {
        r = pm_upnp_open(&pm->router, pm->cfg.discover_ms, detail, n);
        if (r == PM_OK || m == PORTMAP_UPNP || stopping(pm))
            return r;
    }
    r2 = pm_natpmp_open(&pm->router, pm->cfg.discover_ms, natpmp_detail, sizeof natpmp_detail);
    if (r2 == PM_OK) {
        /* NAT-PMP has no discovery: the gateway must answer first. */
        char addr[64];
        r2 = pm_natpmp_public(&pm->router, addr, sizeof addr, natpmp_detail, sizeof natpmp_detail);
        if (r2 != PM_OK)
            pm_natpmp_close(&pm->router);
        else
            natpmp_detail[0] = '\0';
    }
    if (m == PORTMAP_NATPMP || r2 == PM_OK || severity(r2) > severity(r)) {
        snprintf(detail, n, "%s", natpmp_detail);
        return r2;
    }
    if (r == PM_NO_ROUTER && r2 == PM_NO_ROUTER) { /* say both */
        char upnp_detail[192];
        snprintf(upnp_detail, sizeof upnp_detail, "%s", detail);
        snprintf(detail, n, "%.90s; %.90s", upnp_detail, natpmp_detail);
    }
    return r;
}

/* Forwards every asked port (again); the status' ports follow. */
static enum pm_result
map_ports(struct portmap *pm, char *detail, size_t n)
{
    enum pm_result worst = PM_OK;

    for (int i = 0; i < N_PORTS; i++) {
        struct pm_port *p = &pm->ports[i];
        char why[192];
        unsigned granted = 0;
        int got = 0;
        enum pm_result r;

        if (!p->in)
            continue;
        r = pm_router_add(&pm->router, p->ext, p->in, pm->cfg.lease_s, &granted, &got, why,
                          sizeof why);
        if (r == PM_OK && got != p->ext) {
            (void)pm_router_delete(&pm->router, got, p->in, 1000);
            snprintf(why, sizeof why,
                     "%s offered public port %d instead of %d (%d is taken on the router)",
                     pm->router.name, got, p->ext, p->ext);
            r = PM_REFUSED;
        }
        p->mapped = r == PM_OK;
        p->granted = granted;
        if (r != PM_OK && severity(r) > severity(worst)) {
            worst = r;
            snprintf(detail, n, "%s", why);
        }
        if (stopping(pm))
            break;
    }
    return worst;
}

static unsigned
shortest_lease(const struct portmap *pm, bool *any)
{
    unsigned best = 0;

    *any = false;
    for (int i = 0; i < N_PORTS; i++) {
        const struct pm_port *p = &pm->ports[i];
        if (!p->mapped)
            continue;
        if (!*any || (p->granted && (best == 0 || p->granted < best)))
            best = p->granted;
        *any = true;
    }
    return best;
}

/* Removes what is mapped and ends the session. */
static void
remove_all(struct portmap *pm, unsigned wait_ms)
{
    unsigned removed = 0;

    if (!pm->router.impl)
        return;
    pm->router.stopping = NULL; /* this is the stop: wait for the answers (bounded) */
    for (int i = 0; i < N_PORTS; i++) {
        struct pm_port *p = &pm->ports[i];
        if (!p->mapped)
            continue;
        if (pm_router_delete(&pm->router, p->ext, p->in, wait_ms / N_PORTS) == PM_OK)
            removed++;
        p->mapped = false;
    }
    pm_router_close(&pm->router);
    if (removed)
        LOG_INFO(MOD, "removed %u port mapping%s from the router", removed,
                 removed == 1 ? "" : "s");
}

static void
set_status(struct portmap *pm, enum portmap_state state, const char *addr, const char *detail,
           bool success, bool renewal, uint64_t next_ms)
{
    int64_t now = drv_clock_wall();

    pthread_mutex_lock(&pm->lock);
    pm->st.state = state;
    pm->st.used = pm->router.impl ? pm->router.method : PORTMAP_OFF;
    snprintf(pm->st.router, sizeof pm->st.router, "%s", pm->router.impl ? pm->router.name : "");
    if (addr)
        snprintf(pm->st.public_address, sizeof pm->st.public_address, "%s", addr);
    snprintf(pm->st.detail, sizeof pm->st.detail, "%s", detail);
    pm->st.public_https_port = pm->ports[0].mapped ? pm->ports[0].ext : 0;
    pm->st.public_http_port = pm->ports[1].mapped ? pm->ports[1].ext : 0;
    if (success)
        pm->st.last_success = now;
    if (renewal)
        pm->st.renewals++;
    pm->st.next_renewal = now + (int64_t)(next_ms / 1000);
    pthread_mutex_unlock(&pm->lock);
}

/* One line naming the mapped ports: "443 -> 8443, 80 -> 8080". */
static void
ports_text(const struct portmap *pm, char *out, size_t n)
{
    size_t len = 0;

    out[0] = '\0';
    for (int i = 0; i < N_PORTS && len < n; i++)
        if (pm->ports[i].mapped)
            len += (size_t)snprintf(out + len, n - len, "%s%d -> %d", len ? ", " : "",
                                    pm->ports[i].ext, pm->ports[i].in);
}

static uint64_t
portmap_step(struct task_runner *r, void *ctx)
{
    struct portmap *pm = ctx;
    char detail[192] = "", addr[64] = "", ports[64];
    enum pm_result res = PM_OK;
    bool renewal, any;
    unsigned lease;
    uint64_t next;

    (void)r;
    if (atomic_load(&pm->stop_asked)) {
        remove_all(pm, STOP_WAIT_MS);
        pthread_mutex_lock(&pm->lock);
        pm->removed = true;
        pthread_cond_broadcast(&pm->stopped_cond);
        pthread_mutex_unlock(&pm->lock);
        return TASK_RUNNER_IDLE;
    }
    renewal = pm->router.impl != NULL && pm->failures == 0;
    if (!pm->router.impl) {
        res = open_router(pm, detail, sizeof detail);
        if (res != PM_OK)
            goto failed;
    }
    res = pm_router_public(&pm->router, addr, sizeof addr, detail, sizeof detail);
    if (res != PM_OK)
        goto failed;
    res = map_ports(pm, detail, sizeof detail);
    if (res != PM_OK)
        goto failed;
    if (stopping(pm))
        return TASK_RUNNER_AGAIN;
    lease = shortest_lease(pm, &any);
    next = pm_renew_ms(lease);
    if (pm_address_private(addr))
        snprintf(detail, sizeof detail,
                 "the router's public address %s is private: another router (double NAT) "
                 "keeps the pod unreachable",
                 addr);
    pm->failures = 0;
    set_status(pm, PORTMAP_STATE_MAPPED, addr, detail, true, renewal, next);
    ports_text(pm, ports, sizeof ports);
    if (!pm->was_mapped || strcmp(pm->logged_addr, addr)) {
        char how[64];
        if (lease)
            snprintf(how, sizeof how, "lease %u s, renewed every %llu s", lease,
                     (unsigned long long)(next / 1000));
        else
            snprintf(how, sizeof how, "permanent, checked every %llu s",
                     (unsigned long long)(next / 1000));
        LOG_INFO(MOD, "mapped: public address %s, ports %s, by %s at %s (%s)%s%s", addr, ports,
                 method_name(pm->router.method), pm->router.name, how, detail[0] ? "; " : "",
                 detail);
        snprintf(pm->logged_addr, sizeof pm->logged_addr, "%s", addr);
    } else {
        LOG_DEBUG(MOD, "renewed %s:%s (%s, lease %u s)", addr, ports,
                  method_name(pm->router.method), lease);
    }
    pm->was_mapped = true;
    pm->logged[0] = '\0';
    return next;

failed:
    if (stopping(pm))
        return TASK_RUNNER_AGAIN;
    pm->failures++;
    next = pm_retry_ms(pm->failures);
    lease = shortest_lease(pm, &any);
    if (!any || res == PM_NO_ROUTER) {
        /* Ask from scratch next time (a new router, a new address). */
        pm_router_close(&pm->router);
        for (int i = 0; i < N_PORTS; i++)
            pm->ports[i].mapped = false;
        any = false;
    } else if (pm_renew_ms(lease) < next) {
        next = pm_renew_ms(lease); /* a mapping still held is kept alive meanwhile */
    }
    set_status(pm, state_of(res), addr[0] ? addr : NULL, detail, false, false, next);
    if (strcmp(pm->logged, detail)) {
        LOG_WARN(MOD, "%s; the pod is %s from the Internet; trying again in %llu s",
                 detail[0] ? detail : "no router answered",
                 any ? "only partly reachable" : "not reachable",
                 (unsigned long long)(next / 1000));
        snprintf(pm->logged, sizeof pm->logged, "%s", detail);
    } else {
        LOG_DEBUG(MOD, "still failing (%s); next try in %llu s", detail,
                  (unsigned long long)(next / 1000));
    }
    pm->was_mapped = false;
    return next;
}

static void
free_pm(void *ctx)
{
    struct portmap *pm = ctx;

    pm_router_close(&pm->router);
    pthread_mutex_destroy(&pm->lock);
    pthread_cond_destroy(&pm->stopped_cond);
    free(pm);
}

int
portmap_start(struct portmap **out, const struct portmap_config *cfg)
{
    struct portmap *pm;
    int rc;

    *out = NULL;
    if (cfg->method == PORTMAP_OFF || (!cfg->https_port && !cfg->http_port))
        return POD_OK;
    pm = calloc(1, sizeof *pm);
    if (!pm)
        return POD_ERR_NOMEM;
    pm->cfg = *cfg;
    if (!pm->cfg.lease_s)
        pm->cfg.lease_s = DEFAULT_LEASE_S;
    if (!pm->cfg.discover_ms)
        pm->cfg.discover_ms = DEFAULT_WAIT_MS;
    pm->ports[0] = (struct pm_port){.ext = 443, .in = cfg->https_port};
    pm->ports[1] = (struct pm_port){.ext = 80, .in = cfg->http_port};
    pm->router.method = PORTMAP_UPNP;
    pm->st.state = PORTMAP_STATE_SEARCHING;
    atomic_init(&pm->stop_asked, false);
    pthread_mutex_init(&pm->lock, NULL);
    pthread_cond_init(&pm->stopped_cond, NULL);
    rc = task_runner_start(&pm->runner, "portmap", 256 * 1024, portmap_step, pm);
    if (rc != POD_OK) {
        free_pm(pm);
        return rc;
    }
    *out = pm;
    return POD_OK;
}

void
portmap_status(struct portmap *pm, struct portmap_status *out)
{
    if (!pm) {
        memset(out, 0, sizeof *out);
        out->state = PORTMAP_STATE_OFF;
        return;
    }
    pthread_mutex_lock(&pm->lock);
    *out = pm->st;
    pthread_mutex_unlock(&pm->lock);
}

void
portmap_stop(struct portmap *pm)
{
    struct timespec until;

    if (!pm)
        return;
    atomic_store(&pm->stop_asked, true);
    task_runner_wake(pm->runner);
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (STOP_WAIT_MS + 500) / 1000;
    until.tv_nsec += (long)((STOP_WAIT_MS + 500) % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&pm->lock);
    while (!pm->removed)
        if (pthread_cond_timedwait(&pm->stopped_cond, &pm->lock, &until) != 0)
            break;
    pthread_mutex_unlock(&pm->lock);
    if (!task_runner_stop(pm->runner, 500, free_pm))
        LOG_WARN(MOD, "the router did not answer in time; mappings it holds expire with their "
                      "lease");
}
