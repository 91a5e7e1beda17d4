/*
 * test_sntp.c - app/net/sntp_proto: the request byte for byte, reply
 * checks and refusals (wrong originate, mode, stratum 0 kiss-o'-death and
 * 16, leap alarm, zero timestamps, short, odd and oversized packets), the
 * offset and delay arithmetic on fixed timestamps (also across the 2036 era
 * change and from a board stuck in 1970), the server list syntax, and the
 * mark that makes drivers/clock trust wall time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "drivers/clock/clock.h"
#include "net/sntp.h"
#include "net/sntp_proto.h"

#define NONCE 0x0123456789abcdefULL
#define SEC   (1ULL << 32) /* one second in NTP timestamp units */

static void
put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* A good server reply to NONCE: stratum 2, receive 1000 s, transmit 1000.5 s. */
static void
good_reply(uint8_t p[SNTP_PACKET_LEN])
{
    memset(p, 0, SNTP_PACKET_LEN);
    p[0] = 0 << 6 | 4 << 3 | 4;
    p[1] = 2;
    p[2] = 6;
    p[3] = (uint8_t)-20;
    p[6] = 1;  /* root delay 1/256 s */
    p[10] = 2; /* root dispersion 2/256 s */
    memcpy(p + 12, "\xc0\x00\x02\x01", 4);
    put64(p + 16, 900 * SEC);
    put64(p + 24, NONCE);
    put64(p + 32, 1000 * SEC);
    put64(p + 40, 1000 * SEC + SEC / 2);
}

static void
request_bytes(void **state)
{
    uint8_t req[SNTP_PACKET_LEN];

    (void)state;
    sntp_request_build(req, NONCE);
    assert_int_equal(req[0], 0x23); /* LI 0, VN 4, mode 3 */
    for (int i = 1; i < 40; i++)
        assert_int_equal(req[i], 0);
    assert_memory_equal(req + 40, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
}

static void
reply_accepted(void **state)
{
    uint8_t p[SNTP_REPLY_MAX];
    struct sntp_reply r;
    const char *why = "x";

    (void)state;
    good_reply(p);
    assert_int_equal(sntp_reply_check(p, SNTP_PACKET_LEN, NONCE, &r, &why), POD_OK);
    assert_string_equal(why, "");
    assert_int_equal(r.mode, 4);
    assert_int_equal(r.version, 4);
    assert_int_equal(r.stratum, 2);
    assert_int_equal(r.poll, 6);
    assert_int_equal(r.precision, -20);
    assert_int_equal(r.root_delay, 256);
    assert_int_equal(r.root_dispersion, 512);
    assert_true(r.originate == NONCE);
    assert_true(r.receive == 1000 * SEC);
    assert_true(r.transmit == 1000 * SEC + SEC / 2);
    /* version 3 servers, extension fields or a MAC (multiple of 4, <= 1 KiB) */
    p[0] = 3 << 3 | 4;
    assert_int_equal(sntp_reply_check(p, SNTP_PACKET_LEN, NONCE, &r, NULL), POD_OK);
    memset(p + SNTP_PACKET_LEN, 0, sizeof p - SNTP_PACKET_LEN);
    assert_int_equal(sntp_reply_check(p, 68, NONCE, &r, NULL), POD_OK);
    assert_int_equal(sntp_reply_check(p, SNTP_REPLY_MAX, NONCE, &r, NULL), POD_OK);
    /* leap second warnings 1 and 2 are fine */
    p[0] = 2 << 6 | 4 << 3 | 4;
    assert_int_equal(sntp_reply_check(p, SNTP_PACKET_LEN, NONCE, &r, NULL), POD_OK);
    assert_int_equal(r.leap, 2);
}

/* Changes one thing of a good reply and expects rc. */
static void
refused(void (*change)(uint8_t *p), size_t len, int rc)
{
    static uint8_t p[SNTP_REPLY_MAX + 16];
    struct sntp_reply r;
    const char *why = NULL;

    memset(p, 0, sizeof p);
    good_reply(p);
    if (change)
        change(p);
    assert_int_equal(sntp_reply_check(p, len, NONCE, &r, &why), rc);
    assert_non_null(why);
    assert_true(why[0] != '\0');
}

static void
wrong_originate(uint8_t *p)
{
    put64(p + 24, NONCE ^ 1);
}
static void
zero_originate(uint8_t *p)
{
    put64(p + 24, 0);
}
static void
mode_client(uint8_t *p)
{
    p[0] = 4 << 3 | 3;
}
static void
mode_broadcast(uint8_t *p)
{
    p[0] = 4 << 3 | 5;
}
static void
mode_symmetric(uint8_t *p)
{
    p[0] = 4 << 3 | 1;
}
static void
version_2(uint8_t *p)
{
    p[0] = 2 << 3 | 4;
}
static void
version_5(uint8_t *p)
{
    p[0] = 5 << 3 | 4;
}
static void
kiss(uint8_t *p)
{
    p[1] = 0;
    memcpy(p + 12, "RATE", 4);
}
static void
stratum_16(uint8_t *p)
{
    p[1] = 16;
}
static void
leap_alarm(uint8_t *p)
{
    p[0] = 3 << 6 | 4 << 3 | 4;
}
static void
zero_transmit(uint8_t *p)
{
    put64(p + 40, 0);
}
static void
zero_receive(uint8_t *p)
{
    put64(p + 32, 0);
}
static void
root_delay_16(uint8_t *p)
{
    p[4] = 0;
    p[5] = 16;
    p[6] = p[7] = 0;
}
static void
root_disp_big(uint8_t *p)
{
    p[8] = 0xff;
}

static void
reply_refusals(void **state)
{
    uint8_t p[SNTP_PACKET_LEN];
    struct sntp_reply r;

    (void)state;
    refused(wrong_originate, SNTP_PACKET_LEN, POD_ERR_AUTH);
    refused(zero_originate, SNTP_PACKET_LEN, POD_ERR_AUTH);
    refused(mode_client, SNTP_PACKET_LEN, POD_ERR_PARSE);
    refused(mode_broadcast, SNTP_PACKET_LEN, POD_ERR_PARSE);
    refused(mode_symmetric, SNTP_PACKET_LEN, POD_ERR_PARSE);
    refused(version_2, SNTP_PACKET_LEN, POD_ERR_PARSE);
    refused(version_5, SNTP_PACKET_LEN, POD_ERR_PARSE);
    refused(kiss, SNTP_PACKET_LEN, POD_ERR_BUSY);
    refused(stratum_16, SNTP_PACKET_LEN, POD_ERR_PARSE);
    refused(leap_alarm, SNTP_PACKET_LEN, POD_ERR_PARSE);
    refused(zero_transmit, SNTP_PACKET_LEN, POD_ERR_PARSE);
    refused(zero_receive, SNTP_PACKET_LEN, POD_ERR_PARSE);
    refused(root_delay_16, SNTP_PACKET_LEN, POD_ERR_PARSE);
    refused(root_disp_big, SNTP_PACKET_LEN, POD_ERR_PARSE);
    /* lengths */
    refused(NULL, 0, POD_ERR_PARSE);
    refused(NULL, 47, POD_ERR_PARSE);
    refused(NULL, 12, POD_ERR_PARSE);
    refused(NULL, 49, POD_ERR_PARSE);
    refused(NULL, 50, POD_ERR_PARSE);
    refused(NULL, SNTP_REPLY_MAX + 4, POD_ERR_LIMIT);
    refused(NULL, SNTP_REPLY_MAX + 1, POD_ERR_LIMIT);
    /* the kiss code is kept; a forged kiss (wrong originate) is no kiss */
    good_reply(p);
    kiss(p);
    assert_int_equal(sntp_reply_check(p, sizeof p, NONCE, &r, NULL), POD_ERR_BUSY);
    assert_memory_equal(r.refid, "RATE", 4);
    wrong_originate(p);
    assert_int_equal(sntp_reply_check(p, sizeof p, NONCE, &r, NULL), POD_ERR_AUTH);
    /* a request sent back to us is not a reply */
    sntp_request_build(p, NONCE);
    put64(p + 24, NONCE);
    assert_int_equal(sntp_reply_check(p, sizeof p, NONCE, &r, NULL), POD_ERR_PARSE);
}

static void
timestamps(void **state)
{
    (void)state;
    /* 1970-01-01 is 2208988800 s after 1900 */
    assert_true(sntp_ts_from_unix_ns(0) == (uint64_t)SNTP_UNIX_DELTA << 32);
    assert_true(sntp_ts_from_unix_ns(1500000000) ==
                (((uint64_t)SNTP_UNIX_DELTA + 1) << 32 | SEC / 2));
    /* 2036-02-07T06:28:16Z: era 1 starts at 0 */
    assert_true(sntp_ts_from_unix_ns(2085978496LL * 1000000000) == 0);
    assert_true(sntp_ts_from_unix_ns(-1000000000LL / 2) ==
                (((uint64_t)SNTP_UNIX_DELTA - 1) << 32 | SEC / 2));
    assert_int_equal(sntp_ts_diff_ns(5 * SEC + SEC / 4, 5 * SEC), 250000000);
    assert_int_equal(sntp_ts_diff_ns(5 * SEC, 5 * SEC + SEC / 4), -250000000);
    /* across the era change: 1 s after minus 1 s before */
    assert_int_equal(sntp_ts_diff_ns(1 * SEC, (uint64_t)0 - SEC), 2000000000);
}

static void
offset_delay(void **state)
{
    int64_t off, delay;

    (void)state;
    /* RFC 5905 §8: we send at 10, the server receives at 20.1 and answers
     * at 20.2, we receive at 10.5: offset +9.9 s, delay 0.4 s */
    sntp_offset_delay(10 * SEC, 20 * SEC + SEC / 10, 20 * SEC + SEC / 5, 10 * SEC + SEC / 2, &off,
                      &delay);
    assert_true(off > 9899999990 && off < 9900000010);
    assert_true(delay > 399999990 && delay < 400000010);
    /* our clock ahead by 3 s, symmetric 100 ms path, no server time */
    sntp_offset_delay(103 * SEC, 100 * SEC + SEC / 10, 100 * SEC + SEC / 10, 103 * SEC + SEC / 5,
                      &off, &delay);
    assert_true(off > -3000000010 && off < -2999999990);
    assert_true(delay > 199999990 && delay < 200000010);
    /* a board stuck in 1970 asking in 2026 (1767225600 s later) */
    sntp_offset_delay(sntp_ts_from_unix_ns(0), sntp_ts_from_unix_ns(1767225600LL * 1000000000),
                      sntp_ts_from_unix_ns(1767225600LL * 1000000000),
                      sntp_ts_from_unix_ns(20000000), &off, &delay);
    assert_true(off > 1767225600LL * 1000000000 - 10000010 &&
                off < 1767225600LL * 1000000000 - 9999990);
    assert_true(delay > 19999990 && delay < 20000010);
    /* across the 2036 era change */
    sntp_offset_delay((uint64_t)0 - 2 * SEC, 3 * SEC, 3 * SEC, (uint64_t)0 - 2 * SEC, &off, &delay);
    assert_true(off > 4999999990 && off < 5000000010);
    assert_int_equal(delay, 0);
}

static void
server_list(void **state)
{
    char host[64], port[6];

    (void)state;
    assert_int_equal(sntp_server_split("pool.ntp.org", host, sizeof host, port), POD_OK);
    assert_string_equal(host, "pool.ntp.org");
    assert_string_equal(port, "123");
    assert_int_equal(sntp_server_split("127.0.0.1:40123", host, sizeof host, port), POD_OK);
    assert_string_equal(host, "127.0.0.1");
    assert_string_equal(port, "40123");
    assert_int_equal(sntp_server_split("[::1]:1123", host, sizeof host, port), POD_OK);
    assert_string_equal(host, "::1");
    assert_string_equal(port, "1123");
    assert_int_equal(sntp_server_split("[fd00::1]", host, sizeof host, port), POD_OK);
    assert_string_equal(host, "fd00::1");
    assert_string_equal(port, "123");
    assert_int_equal(sntp_server_split("fd00::7", host, sizeof host, port), POD_OK);
    assert_string_equal(host, "fd00::7");
    assert_string_equal(port, "123");
    assert_int_equal(sntp_server_split("", host, sizeof host, port), POD_ERR_INVAL);
    assert_int_equal(sntp_server_split(":123", host, sizeof host, port), POD_ERR_INVAL);
    assert_int_equal(sntp_server_split("a:", host, sizeof host, port), POD_ERR_INVAL);
    assert_int_equal(sntp_server_split("a:0", host, sizeof host, port), POD_ERR_INVAL);
    assert_int_equal(sntp_server_split("a:65536", host, sizeof host, port), POD_ERR_INVAL);
    assert_int_equal(sntp_server_split("a:-1", host, sizeof host, port), POD_ERR_INVAL);
    assert_int_equal(sntp_server_split("a:12x", host, sizeof host, port), POD_ERR_INVAL);
    assert_int_equal(sntp_server_split("[::1", host, sizeof host, port), POD_ERR_INVAL);
    assert_int_equal(sntp_server_split("[::1]x", host, sizeof host, port), POD_ERR_INVAL);
    assert_int_equal(sntp_server_split("[]:12", host, sizeof host, port), POD_ERR_INVAL);
    assert_int_equal(
        sntp_server_split("a-very-long-name-that-does-not-fit-in-the-buffer-given.example", host,
                          16, port),
        POD_ERR_INVAL);

    assert_int_equal(sntp_servers_valid("pool.ntp.org debian.pool.ntp.org"), POD_OK);
    assert_int_equal(sntp_servers_valid("127.0.0.1:4000,  [::1]:4001"), POD_OK);
    assert_int_equal(sntp_servers_valid("a b c d e f g h"), POD_OK);
    assert_int_equal(sntp_servers_valid("a b c d e f g h i"), POD_ERR_INVAL);
    assert_int_equal(sntp_servers_valid(""), POD_ERR_INVAL);
    assert_int_equal(sntp_servers_valid("   "), POD_ERR_INVAL);
    assert_int_equal(sntp_servers_valid("good bad:0"), POD_ERR_INVAL);
    assert_int_equal(sntp_servers_valid(NULL), POD_ERR_INVAL);
}

static void
clock_mark(void **state)
{
    (void)state;
    drv_clock_fake(NULL, 1);
    drv_clock_fake_ntp(0);
    drv_clock_fake_wall(DRV_CLOCK_FLOOR + 100);
    assert_false(drv_clock_wall_trusted());
    drv_clock_mark_synced();
    assert_true(drv_clock_wall_trusted());
    /* never before the floor, whatever NTP said */
    drv_clock_fake(NULL, 1);
    drv_clock_fake_ntp(0);
    drv_clock_fake_wall(DRV_CLOCK_FLOOR - 100);
    drv_clock_mark_synced();
    assert_false(drv_clock_wall_trusted());
    drv_clock_fake(NULL, -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_bytes),  cmocka_unit_test(reply_accepted),
        cmocka_unit_test(reply_refusals), cmocka_unit_test(timestamps),
        cmocka_unit_test(offset_delay),   cmocka_unit_test(server_list),
        cmocka_unit_test(clock_mark),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
