/*
 * portmap.h - asks the home router to forward the pod's public ports (443
 * and 80) to this board, with UPnP-IGD (libminiupnpc) or NAT-PMP
 * (libnatpmp), renews the mapping before its lease ends, learns the
 * router's public address, and removes the mapping on stop.
 *
 * One thread (task/runner.h); every call below is thread-safe.
 */
#ifndef POD_NET_PORTMAP_H
#define POD_NET_PORTMAP_H

#include <stdbool.h>
#include <stdint.h>

enum portmap_method {
    PORTMAP_OFF,
    PORTMAP_AUTO, /* UPnP-IGD first, then NAT-PMP */
    PORTMAP_UPNP,
    PORTMAP_NATPMP,
};

struct portmap_config {
    enum portmap_method method;
    int https_port;       /* local port that public 443 goes to; 0: none */
    int http_port;        /* local port that public 80 goes to; 0: none */
    unsigned lease_s;     /* lease asked for; renewed at half; 0: 3600 */
    unsigned discover_ms; /* UPnP SSDP wait; 0: 2000 */
};

enum portmap_state {
    PORTMAP_STATE_OFF,
    PORTMAP_STATE_SEARCHING, /* looking for a router */
    PORTMAP_STATE_MAPPED,    /* every asked port is forwarded */
    PORTMAP_STATE_NO_ROUTER, /* no UPnP-IGD or NAT-PMP answer */
    PORTMAP_STATE_REFUSED,   /* the router answered but refused (code in detail) */
    PORTMAP_STATE_BROKEN,    /* the router's answers made no sense */
};

/* A copy of what the admin page shows. Times are Unix seconds, 0: none. */
struct portmap_status {
    enum portmap_state state;
    enum portmap_method used; /* PORTMAP_UPNP or PORTMAP_NATPMP once one answered */
    char router[128];         /* the router: its control URL or address */
    char public_address[64];  /* as the router reports it; "" unknown */
    int public_https_port;    /* mapped public ports; 0: not mapped */
    int public_http_port;
    char detail[192];     /* the router's refusal or error, one line, English */
    int64_t last_success; /* last time the mapping was made or renewed */
    int64_t next_renewal;
    unsigned renewals; /* successful renewals since start */
};

struct portmap;

/* Parses "auto", "upnp", "natpmp" or "off" into *out; POD_ERR_INVAL
 * otherwise. */
int portmap_method_parse(const char *text, enum portmap_method *out);

/* Starts the thread (PORTMAP_OFF starts nothing and answers POD_OK with
 * *out NULL). POD_ERR_NOMEM when it cannot. */
int portmap_start(struct portmap **out, const struct portmap_config *cfg);

/* Copies the status (thread-safe). NULL gives PORTMAP_STATE_OFF. */
void portmap_status(struct portmap *pm, struct portmap_status *out);

/* Removes the mappings it made (bounded wait, about 2 s) and stops the
 * thread. NULL is a no-op. */
void portmap_stop(struct portmap *pm);

#endif
