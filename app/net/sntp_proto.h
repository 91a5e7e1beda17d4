/*
 * sntp_proto.h - the bytes and the arithmetic of a simple NTP client
 * (SNTP, RFC 4330; client mode of RFC 5905): the request, a strict reply
 * check, offset and round-trip delay. Pure functions, no I/O and no clock
 * reads: app/net/sntp.c runs them over a UDP socket.
 *
 * Timestamps are NTP's 64-bit fixed point (seconds since 1900 in the high
 * 32 bits, the fraction in the low 32). Differences are taken modulo 2^64
 * and read as signed, so they stay right across the 2036 era change as
 * long as the two times are less than 68 years apart.
 */
#ifndef POD_NET_SNTP_PROTO_H
#define POD_NET_SNTP_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define SNTP_PORT       123
#define SNTP_PACKET_LEN 48          /* header without extension fields or MAC */
#define SNTP_REPLY_MAX  1024        /* larger datagrams are refused unread */
#define SNTP_UNIX_DELTA 2208988800u /* seconds from 1900-01-01 to 1970-01-01 */

#define SNTP_MODE_CLIENT 3
#define SNTP_MODE_SERVER 4
#define SNTP_LEAP_ALARM  3 /* the server's clock is not synchronised */

/* The fields of a reply that passed sntp_reply_check. */
struct sntp_reply {
    uint8_t leap, version, mode, stratum;
    int8_t poll, precision;
    uint32_t root_delay, root_dispersion; /* NTP short format, 16.16 s */
    uint8_t refid[4];                     /* kiss code when stratum is 0 */
    uint64_t reference, originate, receive, transmit;
};

/* Writes a version 4 client request (48 bytes) whose only non-zero field
 * besides the first byte is the transmit timestamp nonce: a random value,
 * not our time (RFC 9109 §5.2 / RFC 5905 §15), that the reply must echo as
 * its originate timestamp. */
void sntp_request_build(uint8_t out[SNTP_PACKET_LEN], uint64_t nonce);

/*
 * Checks the datagram buf (len bytes) as the reply to the request carrying
 * nonce and fills *out. Returns POD_OK, or: POD_ERR_LIMIT (longer than
 * SNTP_REPLY_MAX), POD_ERR_PARSE (shorter than 48 bytes, a length that is
 * not a multiple of 4, version not 3 or 4, mode not 4 (server), leap
 * indicator 3 (alarm), stratum above 15, zero receive or transmit timestamp, root delay or
 * dispersion of 16 s or more), POD_ERR_AUTH (the originate timestamp is
 * not nonce: not an answer to our request), POD_ERR_BUSY (stratum 0: a
 * kiss-o'-death to our request, the kiss code in out->refid). *why (may be NULL) gets a
 * short static reason, "" on success. Never reads past len.
 */
int sntp_reply_check(const uint8_t *buf, size_t len, uint64_t nonce, struct sntp_reply *out,
                     const char **why);

/* NTP timestamp of a Unix time in nanoseconds (era 0 until 2036, then
 * wrapping as the protocol does). */
uint64_t sntp_ts_from_unix_ns(int64_t unix_ns);

/* Signed difference a - b of two NTP timestamps, in nanoseconds. */
int64_t sntp_ts_diff_ns(uint64_t a, uint64_t b);

/*
 * RFC 5905 §8 with t1 our send time, t2 the server's receive time, t3 its
 * transmit time, t4 our receive time: offset = ((t2 - t1) + (t3 - t4)) / 2
 * is what to add to our clock; delay = (t4 - t1) - (t3 - t2) is the round
 * trip without the server's own time. Both in nanoseconds.
 */
void sntp_offset_delay(uint64_t t1, uint64_t t2, uint64_t t3, uint64_t t4, int64_t *offset_ns,
                       int64_t *delay_ns);

/* Splits one server of the list: "host", "host:port", "[v6addr]:port" or
 * a bare IPv6 address (two colons or more: no port). host and port get
 * NUL-terminated copies (port "123" when none). POD_ERR_INVAL when spec is
 * empty, does not fit host_len, has an unclosed '[' or a port that is not
 * 1..65535. */
int sntp_server_split(const char *spec, char *host, size_t host_len, char port[6]);

#endif
