/*
 * sntp.h - the pod's own network time client: sets the clock of a board
 * without RTC and ntpd from NTP servers (SNTP, RFC 4330), then tells
 * drivers/clock that wall time can be trusted.
 *
 * One task_runner thread. Each round asks the configured servers in order
 * (each name's addresses in turn, 2 s each) until one gives a reply that
 * passes sntp_reply_check (sntp_proto.h) and comes from the address asked;
 * bad replies are logged and ignored while waiting for the right one; after
 * a genuine kiss-o'-death that server is not asked for poll_s. With the offset it
 * steps the clock (clock_settime) when it is more than 1 s off, slews it
 * (adjtime) otherwise, and calls drv_clock_mark_synced(). Without the
 * privilege (root or CAP_SYS_TIME) it says so once; a clock it could not
 * correct by more than 1 s stays untrusted. Next round after poll_s, or,
 * when no server answered, after 2, 4, ... up to 64 s.
 * Not done: several samples per round, clock filtering and selection
 * (RFC 5905 §10, §11), NTS, the leap second announcement.
 */
#ifndef POD_NET_SNTP_H
#define POD_NET_SNTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNTP_SERVERS_MAX 8
#define SNTP_SERVER_LEN  256          /* one entry of the list, with its NUL */
#define SNTP_WAIT_MS     2000         /* for the reply of one address */
#define SNTP_STEP_NS     1000000000LL /* larger offsets are stepped, smaller slewed */

struct sntp_client;
struct task_runner;

struct sntp_config {
    const char *servers; /* "pool.ntp.org 127.0.0.1:1234 [::1]:123": copied */
    unsigned poll_s;     /* between good rounds */
    bool set_clock;      /* false: only log the offset and mark wall time trusted (tests) */
};

/* What one exchange found. */
struct sntp_result {
    int64_t offset_ns; /* add to our clock */
    int64_t delay_ns;  /* round trip */
    unsigned stratum;
    char addr[64]; /* the numeric address that answered */
};

/* Checks the server list: 1..SNTP_SERVERS_MAX entries each valid for
 * sntp_server_split. POD_OK or POD_ERR_INVAL. */
int sntp_servers_valid(const char *servers);

/*
 * One exchange with server ("host" or "host:port", as in the list):
 * resolves it and asks its addresses in turn, waiting up to wait_ms for
 * each. r (may be NULL) is the calling runner: its stop ends the wait.
 * POD_OK with *res filled; POD_ERR_NOTFOUND (name not resolved), POD_ERR_IO
 * (no address answered in time, or a send failed), POD_ERR_BUSY (a
 * kiss-o'-death), with a one-line reason in why (why_len bytes). Replies
 * refused along the way are logged (warning).
 */
int sntp_query(const char *server, unsigned wait_ms, struct task_runner *r, struct sntp_result *res,
               char *why, size_t why_len);

/* Starts the client thread with c (the list must pass sntp_servers_valid).
 * POD_OK, POD_ERR_INVAL or POD_ERR_NOMEM. */
int sntp_start(struct sntp_client **out, const struct sntp_config *c);

/* Stops the thread; waits at most 3 s for a lookup in progress (the thread
 * then ends on its own). NULL does nothing. */
void sntp_stop(struct sntp_client *c);

#endif
