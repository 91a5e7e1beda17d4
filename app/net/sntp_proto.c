/*
 * sntp_proto.c - SNTP request, reply check and clock arithmetic (see
 * sntp_proto.h).
 */
#include "net/sntp_proto.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get64(const uint8_t *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

void
sntp_request_build(uint8_t out[SNTP_PACKET_LEN], uint64_t nonce)
{
    memset(out, 0, SNTP_PACKET_LEN);
    out[0] = 0 << 6 | 4 << 3 | SNTP_MODE_CLIENT; /* LI 0, VN 4, mode 3 */
    for (int i = 0; i < 8; i++)
        out[40 + i] = (uint8_t)(nonce >> (56 - 8 * i));
}

static int
refuse(const char **why, const char *reason, int rc)
{
    if (why)
        *why = reason;
    return rc;
}

int
sntp_reply_check(const uint8_t *buf, size_t len, uint64_t nonce, struct sntp_reply *out,
                 const char **why)
{
    memset(out, 0, sizeof *out);
    if (len > SNTP_REPLY_MAX)
        return refuse(why, "larger than 1024 bytes", POD_ERR_LIMIT);
    if (len < SNTP_PACKET_LEN)
        return refuse(why, "shorter than 48 bytes", POD_ERR_PARSE);
    if (len % 4)
        return refuse(why, "length not a multiple of 4", POD_ERR_PARSE);
    out->leap = buf[0] >> 6;
    out->version = buf[0] >> 3 & 7;
    out->mode = buf[0] & 7;
    out->stratum = buf[1];
    out->poll = (int8_t)buf[2];
    out->precision = (int8_t)buf[3];
    out->root_delay = get32(buf + 4);
    out->root_dispersion = get32(buf + 8);
    memcpy(out->refid, buf + 12, 4);
    out->reference = get64(buf + 16);
    out->originate = get64(buf + 24);
    out->receive = get64(buf + 32);
    out->transmit = get64(buf + 40);
    if (out->version < 3 || out->version > 4)
        return refuse(why, "NTP version not 3 or 4", POD_ERR_PARSE);
    if (out->mode != SNTP_MODE_SERVER)
        return refuse(why, "not a server reply (mode)", POD_ERR_PARSE);
    /* Before the values: a stale or forged answer says nothing of them. */
    if (out->originate != nonce)
        return refuse(why, "originate timestamp is not our request's", POD_ERR_AUTH);
    if (out->stratum == 0)
        return refuse(why, "kiss-o'-death (stratum 0)", POD_ERR_BUSY);
    if (out->stratum > 15)
        return refuse(why, "stratum above 15 (unsynchronised)", POD_ERR_PARSE);
    if (out->leap == SNTP_LEAP_ALARM)
        return refuse(why, "leap indicator 3 (server clock not synchronised)", POD_ERR_PARSE);
    if (!out->transmit || !out->receive)
        return refuse(why, "zero receive or transmit timestamp", POD_ERR_PARSE);
    if (out->root_delay >= 16u << 16 || out->root_dispersion >= 16u << 16)
        return refuse(why, "root delay or dispersion of 16 s or more", POD_ERR_PARSE);
    return refuse(why, "", POD_OK);
}

uint64_t
sntp_ts_from_unix_ns(int64_t unix_ns)
{
    int64_t sec = unix_ns / 1000000000, ns = unix_ns % 1000000000;
    uint64_t frac;

    if (ns < 0) {
        ns += 1000000000;
        sec--;
    }
    frac = ((uint64_t)ns << 32) / 1000000000u;
    return (uint64_t)(uint32_t)((uint64_t)sec + SNTP_UNIX_DELTA) << 32 | frac;
}

int64_t
sntp_ts_diff_ns(uint64_t a, uint64_t b)
{
    uint64_t u = a - b;
    bool neg = u >> 63;
    uint64_t m = neg ? b - a : u;
    int64_t ns = (int64_t)((m >> 32) * 1000000000u + ((m & 0xffffffffu) * 1000000000u >> 32));

    return neg ? -ns : ns;
}

void
sntp_offset_delay(uint64_t t1, uint64_t t2, uint64_t t3, uint64_t t4, int64_t *offset_ns,
                  int64_t *delay_ns)
{
    int64_t d21 = sntp_ts_diff_ns(t2, t1), d34 = sntp_ts_diff_ns(t3, t4);

    *offset_ns = d21 / 2 + d34 / 2 + (d21 % 2 + d34 % 2) / 2;
    *delay_ns = sntp_ts_diff_ns(t4, t1) - sntp_ts_diff_ns(t3, t2);
}

int
sntp_server_split(const char *spec, char *host, size_t host_len, char port[6])
{
    const char *end, *colon = strrchr(spec, ':');
    size_t n;

    snprintf(port, 6, "%d", SNTP_PORT);
    if (spec[0] == '[') {
        end = strchr(spec, ']');
        if (!end || (end[1] && end[1] != ':'))
            return POD_ERR_INVAL;
        colon = end[1] ? end + 1 : NULL;
        spec++;
    } else if (colon && strchr(spec, ':') != colon) {
        colon = NULL; /* a bare IPv6 address */
        end = spec + strlen(spec);
    } else
        end = colon ? colon : spec + strlen(spec);
    n = (size_t)(end - spec);
    if (n == 0 || n >= host_len)
        return POD_ERR_INVAL;
    memcpy(host, spec, n);
    host[n] = '\0';
    if (colon) {
        char *stop;
        long v;

        if (!colon[1] || strlen(colon + 1) > 5 || colon[1] < '0' || colon[1] > '9')
            return POD_ERR_INVAL;
        v = strtol(colon + 1, &stop, 10);
        if (*stop || v < 1 || v > 65535)
            return POD_ERR_INVAL;
        snprintf(port, 6, "%ld", v);
    }
    return POD_OK;
}
