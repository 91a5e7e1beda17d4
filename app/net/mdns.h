/*
 * mdns.h - the multicast DNS responder: makes the pod reachable as
 * NAME.local on the LAN (RFC 6762, the essentials).
 *
 * One thread with one UDP socket per family on port 5353, joined to
 * 224.0.0.251 (and ff02::fb when IPv6 works) on every up, non-loopback
 * interface. It answers A, AAAA and ANY questions for NAME.local with the
 * addresses of those interfaces (getifaddrs; at most MDNS_ADDRS_MAX of each
 * family), announces them at start and whenever they change (two
 * unsolicited responses one second apart), re-reads the interfaces every
 * few seconds, answers QU questions and plain resolvers unicast, and drops
 * everything else. Only messages sent to the multicast group are read.
 * Not done: probing and conflict resolution (§8, §9), service discovery
 * (DNS-SD), NSEC negative answers, goodbye packets at stop.
 * The wire format lives in mdns_proto.h.
 */
#ifndef POD_NET_MDNS_H
#define POD_NET_MDNS_H

#include <stddef.h>

struct mdns_responder;

/* Starts the responder for name ("plugpod" or "plugpod.local"; copied) on
 * its own thread. Returns POD_OK, POD_ERR_INVAL (not a valid label),
 * POD_ERR_BUSY (port 5353 taken without address reuse) or POD_ERR_IO, with
 * a one-line reason in why (why_len bytes). A missing IPv6 stack only logs
 * a warning. */
int mdns_start(struct mdns_responder **out, const char *name, char *why, size_t why_len);

/* Stops the thread and closes the sockets; NULL does nothing. */
void mdns_stop(struct mdns_responder *r);

#endif
