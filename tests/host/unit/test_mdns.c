/*
 * test_mdns.c - app/net/mdns_proto: parsing queries, deciding what to
 * answer, building answers byte for byte against packets written out by
 * hand from RFC 1035 and RFC 6762, refusing malformed messages, and the
 * rate limits.
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
#include "net/mdns_proto.h"

#define PLUGPOD_LOCAL 7, 'p', 'l', 'u', 'g', 'p', 'o', 'd', 5, 'l', 'o', 'c', 'a', 'l', 0

static struct mdns_msg msg; /* big: not on the stack */

static void
host_init(struct mdns_host *h, bool with_v6)
{
    static const uint8_t v4[4] = {192, 168, 1, 10};
    static const uint8_t v6[16] = {0xfe, 0x80, [15] = 1};

    memset(h, 0, sizeof *h);
    assert_int_equal(mdns_host_set_name(h, "plugpod"), POD_OK);
    h->ttl = 120;
    memcpy(h->a4[0], v4, 4);
    h->n4 = 1;
    if (with_v6) {
        memcpy(h->a6[0], v6, 16);
        h->n6 = 1;
    }
}

static void
test_host_name(void **state)
{
    static const uint8_t want[] = {PLUGPOD_LOCAL};
    struct mdns_host h;
    char long_label[70];

    (void)state;
    assert_int_equal(mdns_host_set_name(&h, "PlugPod.local"), POD_OK);
    assert_int_equal(h.name_len, sizeof want);
    assert_memory_equal(h.name, want, sizeof want);
    assert_int_equal(mdns_host_set_name(&h, "a-1"), POD_OK);
    assert_int_equal(h.name_len, 1 + 3 + 7);
    memset(long_label, 'a', 63);
    long_label[63] = '\0';
    assert_int_equal(mdns_host_set_name(&h, long_label), POD_OK);
    long_label[63] = 'a';
    long_label[64] = '\0';
    assert_int_equal(mdns_host_set_name(&h, long_label), POD_ERR_INVAL);
    assert_int_equal(mdns_host_set_name(&h, ""), POD_ERR_INVAL);
    assert_int_equal(mdns_host_set_name(&h, ".local"), POD_ERR_INVAL);
    assert_int_equal(mdns_host_set_name(&h, "-pod"), POD_ERR_INVAL);
    assert_int_equal(mdns_host_set_name(&h, "pod-"), POD_ERR_INVAL);
    assert_int_equal(mdns_host_set_name(&h, "my pod"), POD_ERR_INVAL);
    assert_int_equal(mdns_host_set_name(&h, "a.b"), POD_ERR_INVAL);
}

static void
test_parse_query(void **state)
{
    /* Two questions: plugpod.local A (QM) and, compressed, plugpod.local
     * AAAA with the QU bit. */
    static const uint8_t q[] = {0x00, 0x00, 0x00, 0x00, 0x00,          0x02, 0x00, 0x00,
                                0x00, 0x00, 0x00, 0x00, PLUGPOD_LOCAL, 0x00, 0x01, 0x00,
                                0x01, 0xc0, 0x0c, 0x00, 0x1c,          0x80, 0x01};
    static const uint8_t name[] = {PLUGPOD_LOCAL};

    (void)state;
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    assert_int_equal(msg.n_questions, 2);
    assert_int_equal(msg.q[0].name_len, sizeof name);
    assert_memory_equal(msg.q[0].name, name, sizeof name);
    assert_int_equal(msg.q[0].type, MDNS_TYPE_A);
    assert_int_equal(msg.q[0].qclass, MDNS_CLASS_IN);
    assert_false(msg.q[0].unicast);
    assert_int_equal(msg.q[1].name_len, sizeof name);
    assert_memory_equal(msg.q[1].name, name, sizeof name);
    assert_int_equal(msg.q[1].type, MDNS_TYPE_AAAA);
    assert_int_equal(msg.q[1].qclass, MDNS_CLASS_IN);
    assert_true(msg.q[1].unicast);
}

static void
test_parse_known_answers(void **state)
{
    /* A query for plugpod.local A listing 192.168.1.10 (TTL 100) and an
     * unrelated TXT record that is checked and skipped. */
    static const uint8_t q[] = {
        0x00,          0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
        PLUGPOD_LOCAL, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00,
        0x00,          0x00, 0x64, 0x00, 0x04, 192,  168,  1,    10,   0xc0, 0x14, 0x00,
        0x10,          0x00, 0x01, 0x00, 0x00, 0x00, 0x64, 0x00, 0x03, 0x02, 'h',  'i'};
    struct mdns_host h;
    struct mdns_reply r;

    (void)state;
    host_init(&h, false);
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    assert_int_equal(msg.n_known, 1);
    assert_int_equal(msg.known[0].ttl, 100);
    /* 100 >= 120 / 2: the querier knows our only A record. */
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, 0);
    /* With half the TTL gone it no longer counts. */
    h.ttl = 202;
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, MDNS_WANT_A);
    /* A second address it does not list: answered. */
    h.ttl = 120;
    h.a4[1][0] = 10;
    h.n4 = 2;
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, MDNS_WANT_A);
    /* A plain resolver gets its answer whatever it lists. */
    h.n4 = 1;
    mdns_query_decide(&h, &msg, 40000, &r);
    assert_int_equal(r.want, MDNS_WANT_A);
}

static void
test_malformed(void **state)
{
    static const uint8_t ok[] = {0x00, 0x00, 0x00, 0x00,          0x00, 0x01, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 0x00, PLUGPOD_LOCAL, 0x00, 0x01, 0x00, 0x01};
    uint8_t b[sizeof ok + 8];
    static uint8_t big[MDNS_MSG_MAX + 1];

    (void)state;
    assert_int_equal(mdns_msg_parse(ok, sizeof ok, &msg), POD_OK);
    /* Shorter than a header, cut anywhere, a byte too many. */
    assert_int_equal(mdns_msg_parse(ok, 11, &msg), POD_ERR_PARSE);
    for (size_t n = 12; n < sizeof ok; n++)
        assert_int_not_equal(mdns_msg_parse(ok, n, &msg), POD_OK);
    memcpy(b, ok, sizeof ok);
    b[sizeof ok] = 0;
    assert_int_equal(mdns_msg_parse(b, sizeof ok + 1, &msg), POD_ERR_PARSE);
    /* Counts the message cannot hold. */
    memcpy(b, ok, sizeof ok);
    b[7] = 1; /* one answer record: none there */
    assert_int_equal(mdns_msg_parse(b, sizeof ok, &msg), POD_ERR_PARSE);
    b[7] = 0;
    b[5] = MDNS_QUESTIONS_MAX + 1;
    assert_int_equal(mdns_msg_parse(b, sizeof ok, &msg), POD_ERR_LIMIT);
    b[4] = 0xff;
    b[5] = 0xff;
    assert_int_equal(mdns_msg_parse(b, sizeof ok, &msg), POD_ERR_LIMIT);
    /* Reserved label types 01 and 10. */
    memcpy(b, ok, sizeof ok);
    b[12] = 0x47;
    assert_int_equal(mdns_msg_parse(b, sizeof ok, &msg), POD_ERR_PARSE);
    b[12] = 0x87;
    assert_int_equal(mdns_msg_parse(b, sizeof ok, &msg), POD_ERR_PARSE);
    /* A label running past the end. */
    b[12] = 60;
    assert_int_equal(mdns_msg_parse(b, sizeof ok, &msg), POD_ERR_PARSE);
    /* Too big to read at all, even if well formed inside. */
    memcpy(big, ok, sizeof ok);
    assert_int_equal(mdns_msg_parse(big, sizeof big, &msg), POD_ERR_LIMIT);
}

static void
test_pointers(void **state)
{
    uint8_t m[64] = {0};
    uint8_t name[MDNS_NAME_MAX];
    size_t off, n;

    (void)state;
    /* A pointer to itself, a pointer forwards, a two-pointer loop. */
    m[12] = 0xc0;
    m[13] = 12;
    off = 12;
    assert_int_equal(mdns_name_read(m, 20, &off, name, &n), POD_ERR_PARSE);
    m[13] = 16;
    off = 12;
    assert_int_equal(mdns_name_read(m, 20, &off, name, &n), POD_ERR_PARSE);
    m[12] = 0xc0;
    m[13] = 14;
    m[14] = 0xc0;
    m[15] = 12;
    off = 14;
    assert_int_equal(mdns_name_read(m, 20, &off, name, &n), POD_ERR_PARSE);
    /* A pointer cut in half. */
    m[19] = 0xc0;
    off = 19;
    assert_int_equal(mdns_name_read(m, 20, &off, name, &n), POD_ERR_PARSE);
    /* A chain of backward pointers: 16 are followed, 17 are too many. */
    memset(m, 0, sizeof m);
    m[0] = 1;
    m[1] = 'x';
    m[2] = 0;
    for (int i = 0; i < 17; i++) {
        m[3 + 2 * i] = 0xc0;
        m[4 + 2 * i] = (uint8_t)(i == 0 ? 0 : 3 + 2 * (i - 1));
    }
    off = 3 + 2 * 15; /* 16 jumps to the name */
    assert_int_equal(mdns_name_read(m, sizeof m, &off, name, &n), POD_OK);
    assert_int_equal(n, 3);
    assert_int_equal(off, 3 + 2 * 15 + 2);
    off = 3 + 2 * 16;
    assert_int_equal(mdns_name_read(m, sizeof m, &off, name, &n), POD_ERR_LIMIT);
}

static void
test_name_too_long(void **state)
{
    uint8_t m[400], name[MDNS_NAME_MAX];
    size_t off = 0, n, pos = 0;

    (void)state;
    /* 63+63+63+61 = 4 labels: 4 + 250 + 1 = 255 bytes: the longest name. */
    static const int sizes[] = {63, 63, 63, 61};
    for (int i = 0; i < 4; i++) {
        m[pos++] = (uint8_t)sizes[i];
        memset(m + pos, 'a', (size_t)sizes[i]);
        pos += (size_t)sizes[i];
    }
    m[pos++] = 0;
    assert_int_equal(mdns_name_read(m, pos, &off, name, &n), POD_OK);
    assert_int_equal(n, 255);
    /* One byte more is refused. */
    m[192] = 62;
    pos = 193 + 62;
    memset(m + 193, 'a', 62);
    m[pos++] = 0;
    off = 0;
    assert_int_equal(mdns_name_read(m, pos, &off, name, &n), POD_ERR_LIMIT);
}

static void
test_decide(void **state)
{
    uint8_t q[] = {0x00, 0x00, 0x00, 0x00,          0x00, 0x01, 0x00, 0x00, 0x00,
                   0x00, 0x00, 0x00, PLUGPOD_LOCAL, 0x00, 0x01, 0x00, 0x01};
    struct mdns_host h;
    struct mdns_reply r;

    (void)state;
    host_init(&h, false);
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, MDNS_WANT_A);
    assert_false(r.unicast);
    assert_false(r.legacy);
    /* QU bit: unicast. */
    q[sizeof q - 2] = 0x80;
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, MDNS_WANT_A);
    assert_true(r.unicast);
    q[sizeof q - 2] = 0x00;
    /* From another port: a plain resolver. */
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    mdns_query_decide(&h, &msg, 53000, &r);
    assert_true(r.unicast);
    assert_true(r.legacy);
    assert_int_equal(r.question, 0);
    /* AAAA without an IPv6 address: nothing; ANY: what there is. */
    q[sizeof q - 3] = MDNS_TYPE_AAAA;
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, 0);
    host_init(&h, true);
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, MDNS_WANT_AAAA);
    q[sizeof q - 3] = MDNS_TYPE_ANY;
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, MDNS_WANT_A | MDNS_WANT_AAAA);
    /* Other types (TXT), classes (CH), names: nothing. */
    q[sizeof q - 3] = 16;
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, 0);
    q[sizeof q - 3] = MDNS_TYPE_A;
    q[sizeof q - 1] = 3;
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, 0);
    q[sizeof q - 1] = 1;
    q[13] = 'P'; /* case does not matter */
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, MDNS_WANT_A);
    q[13] = 'q';
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, 0);
    q[13] = 'p';
    /* Responses, other opcodes, error codes: ignored. */
    q[2] = 0x84;
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, 0);
    q[2] = 0x20; /* opcode 4 (NOTIFY) */
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, 0);
    q[2] = 0;
    q[3] = 0x03;
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, 0);
}

static void
test_build_multicast(void **state)
{
    static const uint8_t want_a[] = {0x00, 0x00, 0x84, 0x00,          0x00, 0x00, 0x00, 0x01, 0x00,
                                     0x00, 0x00, 0x00, PLUGPOD_LOCAL, 0x00, 0x01, 0x80, 0x01, 0x00,
                                     0x00, 0x00, 0x78, 0x00,          0x04, 192,  168,  1,    10};
    static const uint8_t want_both[] = {
        0x00, 0x00, 0x84, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, PLUGPOD_LOCAL,
        0x00, 0x01, 0x80, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x04, 192,  168,  1,
        10,   0xc0, 0x0c, 0x00, 0x1c, 0x80, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x10,
        0xfe, 0x80, 0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
        0,    0,    1};
    struct mdns_host h;
    struct mdns_reply r = {.want = MDNS_WANT_A};
    uint8_t out[MDNS_REPLY_MAX];
    size_t n;

    (void)state;
    host_init(&h, true);
    assert_int_equal(mdns_reply_build(&h, &r, NULL, out, sizeof out, &n), POD_OK);
    assert_int_equal(n, sizeof want_a);
    assert_memory_equal(out, want_a, n);
    r.want = MDNS_WANT_A | MDNS_WANT_AAAA;
    assert_int_equal(mdns_reply_build(&h, &r, NULL, out, sizeof out, &n), POD_OK);
    assert_int_equal(n, sizeof want_both);
    assert_memory_equal(out, want_both, n);
    /* Our own answer parses, and is not a question to answer. */
    assert_int_equal(mdns_msg_parse(out, n, &msg), POD_OK);
    assert_int_equal(msg.n_known, 2);
    mdns_query_decide(&h, &msg, MDNS_PORT, &r);
    assert_int_equal(r.want, 0);
    /* Too small a buffer; nothing to say. */
    r.want = MDNS_WANT_A | MDNS_WANT_AAAA;
    assert_int_equal(mdns_reply_build(&h, &r, NULL, out, sizeof want_both - 1, &n), POD_ERR_LIMIT);
    r.want = 0;
    assert_int_equal(mdns_reply_build(&h, &r, NULL, out, sizeof out, &n), POD_ERR_INVAL);
    /* Every address of both families fits in MDNS_REPLY_MAX. */
    h.n4 = h.n6 = MDNS_ADDRS_MAX;
    r.want = MDNS_WANT_A | MDNS_WANT_AAAA;
    assert_int_equal(mdns_reply_build(&h, &r, NULL, out, sizeof out, &n), POD_OK);
    assert_true(n <= MDNS_REPLY_MAX);
}

static void
test_build_legacy(void **state)
{
    /* id 0x1234, "PlugPod.local" A from port 40000. */
    static const uint8_t q[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0x00, 7,    'P',  'l',  'u',  'g',  'P',  'o',  'd',  5,    'l',
                                'o',  'c',  'a',  'l',  0,    0x00, 0x01, 0x00, 0x01};
    static const uint8_t want[] = {0x12, 0x34, 0x84, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
                                   0x00, 0x00, 7,    'P',  'l',  'u',  'g',  'P',  'o',  'd',
                                   5,    'l',  'o',  'c',  'a',  'l',  0,    0x00, 0x01, 0x00,
                                   0x01, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
                                   0x0a, 0x00, 0x04, 192,  168,  1,    10};
    struct mdns_host h;
    struct mdns_reply r;
    uint8_t out[MDNS_REPLY_MAX];
    size_t n;

    (void)state;
    host_init(&h, true);
    assert_int_equal(mdns_msg_parse(q, sizeof q, &msg), POD_OK);
    mdns_query_decide(&h, &msg, 40000, &r);
    assert_int_equal(r.want, MDNS_WANT_A);
    assert_true(r.legacy);
    assert_int_equal(mdns_reply_build(&h, &r, &msg, out, sizeof out, &n), POD_OK);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(out, want, n);
    /* Legacy without the query is refused. */
    assert_int_equal(mdns_reply_build(&h, &r, NULL, out, sizeof out, &n), POD_ERR_INVAL);
}

static void
test_rate(void **state)
{
    struct mdns_rate rl;

    (void)state;
    mdns_rate_init(&rl, 3);
    assert_int_equal(mdns_rate_multicast(&rl, MDNS_WANT_A, 5000), MDNS_WANT_A);
    assert_int_equal(mdns_rate_multicast(&rl, MDNS_WANT_A | MDNS_WANT_AAAA, 5500), MDNS_WANT_AAAA);
    assert_int_equal(mdns_rate_multicast(&rl, MDNS_WANT_A | MDNS_WANT_AAAA, 5999), 0);
    assert_int_equal(mdns_rate_multicast(&rl, MDNS_WANT_A | MDNS_WANT_AAAA, 6000), MDNS_WANT_A);
    assert_int_equal(mdns_rate_multicast(&rl, MDNS_WANT_AAAA, 6500), MDNS_WANT_AAAA);
    for (int i = 0; i < 3; i++)
        assert_true(mdns_rate_unicast(&rl, 7000 + i));
    assert_false(mdns_rate_unicast(&rl, 7999));
    assert_true(mdns_rate_unicast(&rl, 8000));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_name),
        cmocka_unit_test(test_parse_query),
        cmocka_unit_test(test_parse_known_answers),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_pointers),
        cmocka_unit_test(test_name_too_long),
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_build_multicast),
        cmocka_unit_test(test_build_legacy),
        cmocka_unit_test(test_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
