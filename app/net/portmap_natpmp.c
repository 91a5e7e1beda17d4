/*
 * portmap_natpmp.c - the NAT-PMP side of the port mapping (portmap_int.h),
 * on Debian's libnatpmp: requests to the default gateway on UDP 5351, each
 * answer awaited with select() for at most the time given (libnatpmp's own
 * retries would take a minute), a stop noticed between waits.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>

#include <natpmp.h>

#include "core/log.h"
#include "drivers/clock/clock.h"
#include "net/portmap_int.h"

#define SLICE_MS 250 /* a stop is noticed within this while waiting */

struct pm_natpmp {
    natpmp_t n;
    unsigned wait_ms; /* per request */
};

void
pm_natpmp_error_text(int code, char *out, size_t n)
{
    switch (code) {
    case NATPMP_ERR_NOTAUTHORIZED:
        snprintf(out, n, "NAT-PMP result 2: not authorized (mapping disabled on the router)");
        break;
    case NATPMP_ERR_NETWORKFAILURE:
        snprintf(out, n, "NAT-PMP result 3: network failure (the router has no public address)");
        break;
    case NATPMP_ERR_OUTOFRESOURCES:
        snprintf(out, n, "NAT-PMP result 4: out of resources");
        break;
    case NATPMP_ERR_UNSUPPORTEDVERSION:
        snprintf(out, n, "NAT-PMP result 1: unsupported version");
        break;
    case NATPMP_ERR_UNSUPPORTEDOPCODE:
        snprintf(out, n, "NAT-PMP result 5: unsupported opcode");
        break;
    case NATPMP_ERR_UNDEFINEDERROR:
        snprintf(out, n, "NAT-PMP: an unknown result code");
        break;
    case NATPMP_ERR_NOGATEWAYSUPPORT:
        snprintf(out, n, "the gateway does not speak NAT-PMP (port 5351 closed)");
        break;
    case NATPMP_ERR_CANNOTGETGATEWAY:
        snprintf(out, n, "no default gateway");
        break;
    case NATPMP_ERR_WRONGPACKETSOURCE:
        snprintf(out, n, "an answer came from another host than the gateway");
        break;
    case NATPMP_TRYAGAIN:
        snprintf(out, n, "no NAT-PMP answer from the gateway");
        break;
    default:
        snprintf(out, n, "NAT-PMP error %d", code);
        break;
    }
}

static enum pm_result
natpmp_result(int code)
{
    switch (code) {
    case 0:
        return PM_OK;
    case NATPMP_ERR_NOTAUTHORIZED:
    case NATPMP_ERR_NETWORKFAILURE:
    case NATPMP_ERR_OUTOFRESOURCES:
    case NATPMP_ERR_UNSUPPORTEDOPCODE:
    case NATPMP_ERR_UNDEFINEDERROR:
        return PM_REFUSED;
    case NATPMP_ERR_UNSUPPORTEDVERSION:
    case NATPMP_ERR_WRONGPACKETSOURCE:
        return PM_BROKEN;
    default:
        return PM_NO_ROUTER;
    }
}

/* Waits for the answer to the request just sent (at most wait_ms). */
static int
natpmp_wait(struct pm_router *r, struct pm_natpmp *p, unsigned wait_ms, natpmpresp_t *resp)
{
    uint64_t deadline = drv_clock_monotonic_ms() + wait_ms;
    int rc;

    for (;;) {
        struct timeval tv, slice = {0, SLICE_MS * 1000};
        uint64_t now = drv_clock_monotonic_ms();
        fd_set fds;

        if (now >= deadline)
            return NATPMP_TRYAGAIN;
        if (r->stopping && r->stopping(r->stopping_ctx))
            return NATPMP_TRYAGAIN;
        if (getnatpmprequesttimeout(&p->n, &tv) != 0)
            return NATPMP_ERR_GETTIMEOFDAYERR;
        if (tv.tv_sec > slice.tv_sec || (tv.tv_sec == slice.tv_sec && tv.tv_usec > slice.tv_usec))
            tv = slice;
        if (deadline - now < SLICE_MS) {
            tv.tv_sec = 0;
            tv.tv_usec = (suseconds_t)(deadline - now) * 1000;
        }
        FD_ZERO(&fds);
        FD_SET(p->n.s, &fds);
        (void)select(p->n.s + 1, &fds, NULL, NULL, &tv);
        rc = readnatpmpresponseorretry(&p->n, resp);
        if (rc != NATPMP_TRYAGAIN)
            return rc;
    }
}

enum pm_result
pm_natpmp_open(struct pm_router *r, unsigned wait_ms, char *detail, size_t n)
{
    struct pm_natpmp *p = calloc(1, sizeof *p);
    struct in_addr gw;
    int rc;

    r->method = PORTMAP_NATPMP;
    r->impl = NULL;
    if (!p) {
        snprintf(detail, n, "out of memory");
        return PM_BROKEN;
    }
    rc = initnatpmp(&p->n, 0, 0);
    if (rc != 0) {
        free(p);
        pm_natpmp_error_text(rc, detail, n);
        return PM_NO_ROUTER;
    }
    gw.s_addr = p->n.gateway;
    snprintf(r->name, sizeof r->name, "NAT-PMP gateway %s", inet_ntoa(gw));
    p->wait_ms = wait_ms;
    r->impl = p;
    detail[0] = '\0';
    return PM_OK;
}

enum pm_result
pm_natpmp_public(struct pm_router *r, char *addr, size_t addr_len, char *detail, size_t n)
{
    struct pm_natpmp *p = r->impl;
    natpmpresp_t resp;
    char why[120], ip[INET_ADDRSTRLEN];
    int rc = sendpublicaddressrequest(&p->n);

    if (rc >= 0)
        rc = natpmp_wait(r, p, p->wait_ms, &resp);
    if (rc == 0 && resp.type != NATPMP_RESPTYPE_PUBLICADDRESS)
        rc = NATPMP_ERR_UNSUPPORTEDOPCODE;
    if (rc != 0) {
        pm_natpmp_error_text(rc, why, sizeof why);
        snprintf(detail, n, "%s did not tell its public address: %s", r->name, why);
        return natpmp_result(rc);
    }
    if (!inet_ntop(AF_INET, &resp.pnu.publicaddress.addr, ip, sizeof ip)) {
        snprintf(detail, n, "%s gave an unreadable public address", r->name);
        return PM_BROKEN;
    }
    snprintf(addr, addr_len, "%s", ip);
    return PM_OK;
}

enum pm_result
pm_natpmp_add(struct pm_router *r, int ext, int in, unsigned lease_s, unsigned *granted,
              int *ext_got, char *detail, size_t n)
{
    struct pm_natpmp *p = r->impl;
    natpmpresp_t resp;
    char why[120];
    int rc =
        sendnewportmappingrequest(&p->n, NATPMP_PROTOCOL_TCP, (uint16_t)in, (uint16_t)ext, lease_s);

    if (rc >= 0)
        rc = natpmp_wait(r, p, p->wait_ms, &resp);
    if (rc == 0 && (resp.type != NATPMP_RESPTYPE_TCPPORTMAPPING ||
                    resp.pnu.newportmapping.privateport != in)) {
        snprintf(detail, n, "%s answered a mapping request for another port", r->name);
        return PM_BROKEN;
    }
    if (rc != 0) {
        pm_natpmp_error_text(rc, why, sizeof why);
        snprintf(detail, n, "%s refused to forward public port %d to local port %d: %s", r->name,
                 ext, in, why);
        return natpmp_result(rc);
    }
    *granted = resp.pnu.newportmapping.lifetime;
    *ext_got = resp.pnu.newportmapping.mappedpublicport;
    return PM_OK;
}

enum pm_result
pm_natpmp_delete(struct pm_router *r, int in, unsigned wait_ms)
{
    struct pm_natpmp *p = r->impl;
    natpmpresp_t resp;
    int rc = sendnewportmappingrequest(&p->n, NATPMP_PROTOCOL_TCP, (uint16_t)in, 0, 0);

    if (rc >= 0)
        rc = natpmp_wait(r, p, wait_ms, &resp);
    if (rc != 0) {
        char why[120];
        pm_natpmp_error_text(rc, why, sizeof why);
        LOG_DEBUG("portmap", "removing the mapping to local port %d: %s", in, why);
    }
    return natpmp_result(rc);
}

void
pm_natpmp_close(struct pm_router *r)
{
    struct pm_natpmp *p = r->impl;

    if (!p)
        return;
    closenatpmp(&p->n);
    free(p);
    r->impl = NULL;
}
