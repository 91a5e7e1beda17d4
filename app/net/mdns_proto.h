/*
 * mdns_proto.h - the bytes of multicast DNS (RFC 6762, RFC 1035 format) for
 * a responder that owns one host name: a strict message parser, the choice
 * of what to answer, the answer builder and the rate limits. Pure functions,
 * no I/O: app/net/mdns.c runs them over sockets.
 *
 * Names are kept in uncompressed wire form (length-prefixed labels ending in
 * a zero byte, at most 255 bytes), never as dotted text, so labels with dots
 * or odd bytes need no escaping. Parsing refuses: messages shorter than the
 * header or longer than MDNS_MSG_MAX, counts the message cannot hold,
 * labels over 63 bytes, names over 255 bytes, the reserved label types,
 * compression pointers that do not point strictly backwards (no loops) or
 * more than MDNS_POINTERS_MAX of them in one name, records running past the
 * end, and trailing bytes.
 */
#ifndef POD_NET_MDNS_PROTO_H
#define POD_NET_MDNS_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MDNS_PORT          5353
#define MDNS_MSG_MAX       9000 /* RFC 6762 §17: the largest mDNS message */
#define MDNS_REPLY_MAX     512  /* what we send: fits any link, never fragments */
#define MDNS_NAME_MAX      255  /* wire form, labels and the final zero */
#define MDNS_LABEL_MAX     63
#define MDNS_POINTERS_MAX  16 /* compression pointers followed in one name */
#define MDNS_QUESTIONS_MAX 16 /* more questions: the message is refused (LIMIT) */
#define MDNS_KNOWN_MAX     16 /* answer records kept for known-answer suppression */
#define MDNS_ADDRS_MAX     8  /* addresses of each family we announce */
#define MDNS_LEGACY_TTL    10 /* §6.7: TTL in replies to plain DNS resolvers */

#define MDNS_TYPE_A    1
#define MDNS_TYPE_AAAA 28
#define MDNS_TYPE_ANY  255
#define MDNS_CLASS_IN  1
#define MDNS_QU_BIT    0x8000 /* top bit of a question's class: unicast reply wanted */
#define MDNS_FLUSH_BIT 0x8000 /* top bit of a record's class: cache flush (unique record) */

#define MDNS_FLAG_QR     0x8000
#define MDNS_FLAG_OPCODE 0x7800
#define MDNS_FLAG_AA     0x0400
#define MDNS_FLAG_RCODE  0x000f

/* Which of our records a reply carries. */
enum { MDNS_WANT_A = 1, MDNS_WANT_AAAA = 2 };

struct mdns_question {
    uint8_t name[MDNS_NAME_MAX]; /* wire form, uncompressed */
    size_t name_len;
    uint16_t type;
    uint16_t qclass; /* without the QU bit */
    bool unicast;    /* the QU bit was set */
};

/* An answer record of a query (the querier's known answers) of type A or
 * AAAA; other records are checked and skipped. */
struct mdns_known {
    uint8_t name[MDNS_NAME_MAX];
    size_t name_len;
    uint16_t type;
    uint32_t ttl;
    uint8_t addr[16]; /* 4 bytes for A */
};

/* A parsed message. Large (about 9 KiB): keep it off small stacks. */
struct mdns_msg {
    uint16_t id, flags, qdcount, ancount, nscount, arcount;
    size_t n_questions; /* == qdcount */
    struct mdns_question q[MDNS_QUESTIONS_MAX];
    size_t n_known; /* A/AAAA answers kept (at most MDNS_KNOWN_MAX) */
    struct mdns_known known[MDNS_KNOWN_MAX];
};

/* The host this responder speaks for. */
struct mdns_host {
    uint8_t name[MDNS_NAME_MAX]; /* "NAME.local" in wire form */
    size_t name_len;
    uint32_t ttl;
    size_t n4, n6;
    uint8_t a4[MDNS_ADDRS_MAX][4];
    uint8_t a6[MDNS_ADDRS_MAX][16];
};

/* What to do with one query. */
struct mdns_reply {
    unsigned want;   /* MDNS_WANT_* bits; 0: stay silent */
    bool unicast;    /* send to the querier's address and port, not the group */
    bool legacy;     /* a plain DNS resolver (source port not 5353): echo id and question */
    size_t question; /* legacy: index of the question to echo */
};

/* Checks label (1 to 63 of a-z, A-Z, 0-9, '-', not starting or ending with
 * '-'; a trailing ".local" is allowed and dropped) and writes
 * "label.local" in wire form, lowercased, into h->name. Addresses and ttl
 * are left alone. Returns POD_OK or POD_ERR_INVAL. */
int mdns_host_set_name(struct mdns_host *h, const char *label);

/* Reads the possibly compressed name at *off of msg (len bytes) into out
 * (MDNS_NAME_MAX bytes, uncompressed wire form, *out_len set) and moves *off
 * past it in the message. Returns POD_OK, POD_ERR_PARSE or POD_ERR_LIMIT. */
int mdns_name_read(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, size_t *out_len);

/* True when two wire-form names are equal, ignoring ASCII case. */
bool mdns_name_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);

/* Parses a whole message (query or response) into out. Returns POD_OK,
 * POD_ERR_PARSE (malformed) or POD_ERR_LIMIT (over MDNS_MSG_MAX bytes or
 * MDNS_QUESTIONS_MAX questions). out is undefined after an error. */
int mdns_msg_parse(const uint8_t *msg, size_t len, struct mdns_msg *out);

/* Decides what the parsed message m, which came from UDP port src_port,
 * asks of h. Only standard queries (QR 0, opcode 0, rcode 0) of class IN
 * (or ANY) for h's name and type A, AAAA or ANY get an answer; a question
 * is answered unicast when it has the QU bit or comes from a port other
 * than 5353; records the querier already lists with at least half our TTL
 * are left out (known-answer suppression, §7.1). Fills r (want 0: none). */
void mdns_query_decide(const struct mdns_host *h, const struct mdns_msg *m, uint16_t src_port,
                       struct mdns_reply *r);

/* Writes the response carrying the records r->want of h into out (cap
 * bytes, MDNS_REPLY_MAX is always enough) and sets *out_len. A multicast
 * or QU response has id 0, no question, the cache-flush bit and h->ttl; a
 * legacy response (r->legacy) echoes the query's id and question q (m must
 * then be the query), without the cache-flush bit, with a TTL of at most
 * 10 s. Records: every A address, then every AAAA address; the first
 * names the host in full, the others point at it. Returns POD_OK,
 * POD_ERR_INVAL (nothing to send) or POD_ERR_LIMIT (cap too small). */
int mdns_reply_build(const struct mdns_host *h, const struct mdns_reply *r,
                     const struct mdns_msg *m, uint8_t *out, size_t cap, size_t *out_len);

/* Rate limits, with times in milliseconds from any monotonic clock. */
struct mdns_rate {
    int64_t last_multicast[2]; /* A, AAAA: when last multicast (0: never) */
    int64_t window_start;      /* unicast: the current one-second window */
    unsigned window_count;
    unsigned per_sec; /* unicast replies allowed per window */
};

/* Starts with nothing sent and per_sec unicast replies a second. */
void mdns_rate_init(struct mdns_rate *rl, unsigned per_sec);

/* Of the records want, returns those that may be multicast at now (none of
 * them multicast in the last 1000 ms) and records them as sent. */
unsigned mdns_rate_multicast(struct mdns_rate *rl, unsigned want, int64_t now);

/* True (and counted) when one more unicast reply fits in this second. */
bool mdns_rate_unicast(struct mdns_rate *rl, int64_t now);

#endif
