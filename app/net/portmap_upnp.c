/*
 * portmap_upnp.c - the UPnP-IGD side of the port mapping (portmap_int.h),
 * on Debian's libminiupnpc: SSDP discovery, the gateway's description,
 * and the WANIPConnection SOAP actions. The library parses every answer
 * (bounded by its own buffers); this file only checks what it got.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <miniupnpc/upnperrors.h>

#include "net/portmap_int.h"

#define UPNP_LEASE_ONLY_PERMANENT 725 /* OnlyPermanentLeasesSupported */
#define UPNP_CONFLICT             718 /* ConflictInMappingEntry */

struct pm_upnp {
    struct UPNPUrls urls;
    struct IGDdatas data;
    char lan[64]; /* this host's address toward the gateway */
};

void
pm_upnp_error_text(int code, char *out, size_t n)
{
    const char *s;

    switch (code) {
    case UPNPCOMMAND_HTTP_ERROR:
        snprintf(out, n, "no HTTP answer from the router's control URL");
        return;
    case UPNPCOMMAND_INVALID_RESPONSE:
        snprintf(out, n, "the router's answer is not a valid SOAP response");
        return;
    case UPNPCOMMAND_MEM_ALLOC_ERROR:
        snprintf(out, n, "out of memory while reading the router's answer");
        return;
    case UPNPCOMMAND_UNKNOWN_ERROR:
        snprintf(out, n, "the router's answer holds neither a result nor an error code");
        return;
    case UPNPCOMMAND_INVALID_ARGS:
        snprintf(out, n, "invalid request");
        return;
    default:
        break;
    }
    s = code > 0 ? strupnperror(code) : NULL;
    if (s && strcmp(s, "UnknownError"))
        snprintf(out, n, "UPnP error %d %s", code, s);
    else
        snprintf(out, n, "UPnP error %d", code);
}

/* A negative code means the exchange itself failed (no answer, garbage);
 * a positive one is the router's refusal. */
static enum pm_result
upnp_result(int code)
{
    if (code == UPNPCOMMAND_SUCCESS)
        return PM_OK;
    if (code == UPNPCOMMAND_HTTP_ERROR)
        return PM_NO_ROUTER;
    if (code < 0)
        return PM_BROKEN;
    return PM_REFUSED;
}

enum pm_result
pm_upnp_open(struct pm_router *r, unsigned discover_ms, char *detail, size_t n)
{
    struct UPNPDev *devs;
    struct pm_upnp *u;
    int err = 0, igd;

    r->method = PORTMAP_UPNP;
    r->impl = NULL;
    devs = upnpDiscover((int)discover_ms, NULL, NULL, 0, 0, 2, &err);
    if (!devs) {
        snprintf(detail, n, "no UPnP-IGD router answered the SSDP search within %u ms",
                 discover_ms);
        return PM_NO_ROUTER;
    }
    u = calloc(1, sizeof *u);
    if (!u) {
        freeUPNPDevlist(devs);
        snprintf(detail, n, "out of memory");
        return PM_BROKEN;
    }
    snprintf(r->name, sizeof r->name, "%s", devs->descURL ? devs->descURL : "?");
    igd = UPNP_GetValidIGD(devs, &u->urls, &u->data, u->lan, sizeof u->lan);
    freeUPNPDevlist(devs);
    if (igd == 3 && u->urls.controlURL && u->urls.controlURL[0] && u->data.first.servicetype[0]) {
        /* A WAN connection service that did not answer its status: asked
         * once more, for a precise message (or it works after all). */
        char ip[40] = "", why[120];
        int rc = UPNP_GetExternalIPAddress(u->urls.controlURL, u->data.first.servicetype, ip);

        if (rc == UPNPCOMMAND_SUCCESS) {
            igd = 2;
        } else {
            pm_upnp_error_text(rc, why, sizeof why);
            snprintf(detail, n,
                     "the UPnP gateway at %.100s does not answer as an Internet gateway "
                     "should: %s",
                     u->urls.controlURL, why);
            FreeUPNPUrls(&u->urls);
            free(u);
            return upnp_result(rc) == PM_NO_ROUTER ? PM_NO_ROUTER : PM_BROKEN;
        }
    }
    if (igd != 1 && igd != 2) {
        if (igd)
            FreeUPNPUrls(&u->urls);
        free(u);
        snprintf(detail, n,
                 "a UPnP device answered (%.100s) but its description names no usable "
                 "Internet gateway service",
                 r->name);
        return PM_BROKEN;
    }
    if (!u->urls.controlURL || !u->urls.controlURL[0] || !u->data.first.servicetype[0] ||
        !pm_address_valid(u->lan)) {
        FreeUPNPUrls(&u->urls);
        free(u);
        snprintf(detail, n, "the UPnP gateway at %.100s gave no control URL", r->name);
        return PM_BROKEN;
    }
    snprintf(r->name, sizeof r->name, "%s", u->urls.controlURL);
    r->impl = u;
    if (igd == 2)
        snprintf(detail, n, "the UPnP gateway %.100s says its Internet link is not connected",
                 r->name);
    else
        detail[0] = '\0';
    return PM_OK;
}

enum pm_result
pm_upnp_public(struct pm_router *r, char *addr, size_t addr_len, char *detail, size_t n)
{
    struct pm_upnp *u = r->impl;
    char ip[40] = "", why[120];
    int rc = UPNP_GetExternalIPAddress(u->urls.controlURL, u->data.first.servicetype, ip);

    ip[sizeof ip - 1] = '\0';
    if (rc != UPNPCOMMAND_SUCCESS) {
        pm_upnp_error_text(rc, why, sizeof why);
        snprintf(detail, n, "the router did not tell its public address: %s", why);
        return upnp_result(rc);
    }
    if (!pm_address_valid(ip)) {
        snprintf(detail, n, "the router's public address is not an IPv4 address: '%.40s'", ip);
        return PM_BROKEN;
    }
    snprintf(addr, addr_len, "%s", ip);
    return PM_OK;
}

/* After the router accepted: is the mapping there and ours? With
 * trust_missing, a router without the (optional) query action is
 * believed. */
static enum pm_result
upnp_check(struct pm_upnp *u, const char *ext, int in, bool trust_missing, char *detail, size_t n)
{
    char client[40] = "", port[16] = "", desc[96] = "", enabled[16] = "", lease[32] = "";
    char why[120];
    int rc = UPNP_GetSpecificPortMappingEntry(u->urls.controlURL, u->data.first.servicetype, ext,
                                              "TCP", NULL, client, port, desc, enabled, lease);

    if (trust_missing && (rc == 401 || rc == 602)) /* not implemented: trust the add */
        return PM_OK;
    if (rc != UPNPCOMMAND_SUCCESS) {
        pm_upnp_error_text(rc, why, sizeof why);
        snprintf(detail, n, "the router accepted port %s but then did not list it: %s", ext, why);
        return upnp_result(rc) == PM_REFUSED ? PM_BROKEN : upnp_result(rc);
    }
    if (strcmp(client, u->lan) || atoi(port) != in) {
        snprintf(detail, n,
                 "the router accepted port %s but lists it as going to %.40s:%.8s, not "
                 "%s:%d",
                 ext, client, port, u->lan, in);
        return PM_BROKEN;
    }
    return PM_OK;
}

enum pm_result
pm_upnp_add(struct pm_router *r, int ext, int in, unsigned lease_s, unsigned *granted, char *detail,
            size_t n)
{
    struct pm_upnp *u = r->impl;
    char e[8], i[8], l[16], why[120];
    int rc;

    snprintf(e, sizeof e, "%d", ext);
    snprintf(i, sizeof i, "%d", in);
    snprintf(l, sizeof l, "%u", lease_s);
    rc = UPNP_AddPortMapping(u->urls.controlURL, u->data.first.servicetype, e, i, u->lan, "plugpod",
                             "TCP", NULL, l);
    *granted = lease_s;
    if (rc == UPNP_CONFLICT && upnp_check(u, e, in, false, why, sizeof why) == PM_OK) {
        /* Ours already (an earlier run, or a router that will not renew
         * in place): made again from scratch. */
        (void)UPNP_DeletePortMapping(u->urls.controlURL, u->data.first.servicetype, e, "TCP", NULL);
        rc = UPNP_AddPortMapping(u->urls.controlURL, u->data.first.servicetype, e, i, u->lan,
                                 "plugpod", "TCP", NULL, l);
    }
    if (rc == UPNP_LEASE_ONLY_PERMANENT && lease_s) {
        rc = UPNP_AddPortMapping(u->urls.controlURL, u->data.first.servicetype, e, i, u->lan,
                                 "plugpod", "TCP", NULL, "0");
        *granted = 0;
    }
    if (rc != UPNPCOMMAND_SUCCESS) {
        pm_upnp_error_text(rc, why, sizeof why);
        snprintf(detail, n, "the router refused to forward public port %d to %s:%d: %s", ext,
                 u->lan, in, why);
        return upnp_result(rc);
    }
    return upnp_check(u, e, in, true, detail, n);
}

enum pm_result
pm_upnp_delete(struct pm_router *r, int ext)
{
    struct pm_upnp *u = r->impl;
    char e[8];

    snprintf(e, sizeof e, "%d", ext);
    return upnp_result(
        UPNP_DeletePortMapping(u->urls.controlURL, u->data.first.servicetype, e, "TCP", NULL));
}

void
pm_upnp_close(struct pm_router *r)
{
    struct pm_upnp *u = r->impl;

    if (!u)
        return;
    FreeUPNPUrls(&u->urls);
    free(u);
    r->impl = NULL;
}
