/*
 * net.h - the state of the pod's own network link, for the federation
 * task: while no uplink is up, deliveries pause instead of failing and
 * counting towards their give-up limit (task/fed_outbox_task.h).
 *
 * The Linux implementation (posix.c) reads /sys/class/net/<if>/operstate
 * and the routing tables in /proc/net/route and /proc/net/ipv6_route of
 * the pod's network namespace. Unit tests point it at a directory with the
 * same layout (drv_net_set_root).
 */
#ifndef POD_DRIVERS_NET_H
#define POD_DRIVERS_NET_H

#include <stdbool.h>

/* True when some interface other than loopback is up (operstate "up", or
 * "unknown" as tunnels report) and carries at least one route. True as
 * well when the system does not tell (no /sys/class/net): then the pod
 * cannot know and must not stop sending. */
bool drv_net_uplink_up(void);

/* Reads the files under root instead of "/" (root/sys/class/net/...,
 * root/proc/net/route); NULL restores "/". For tests; not thread-safe
 * with concurrent drv_net_uplink_up calls. */
void drv_net_set_root(const char *root);

#endif
