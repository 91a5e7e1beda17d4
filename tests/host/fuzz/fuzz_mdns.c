/* Fuzz target: the mDNS message parser and responder decisions of
 * app/net/mdns_proto.c. The input is one received datagram; its first byte
 * also picks the source port (5353 or a plain resolver's) and whether our
 * host has IPv6. Whatever the parser accepts, the answer we would send must
 * fit MDNS_REPLY_MAX, parse again, and not be a question we would answer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "net/mdns_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mdns_msg msg, again;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t v4[4] = {10, 0, 0, 7}, v6[16] = {0xfd, 0x00, [15] = 7};
    struct mdns_host h;
    struct mdns_reply r, r2;
    uint8_t out[MDNS_REPLY_MAX];
    size_t n = 0;
    int rc;

    memset(&h, 0, sizeof h);
    if (mdns_host_set_name(&h, "plugpod") != POD_OK)
        abort();
    h.ttl = 120;
    memcpy(h.a4[0], v4, 4);
    h.n4 = 1;
    if (size && (data[0] & 1)) {
        memcpy(h.a6[0], v6, 16);
        h.n6 = 1;
    }
    rc = mdns_msg_parse(data, size, &msg);
    if (rc != POD_OK) {
        if (rc != POD_ERR_PARSE && rc != POD_ERR_LIMIT)
            abort();
        return 0;
    }
    if (msg.n_questions != msg.qdcount || msg.n_questions > MDNS_QUESTIONS_MAX ||
        msg.n_known > MDNS_KNOWN_MAX)
        abort();
    for (size_t i = 0; i < msg.n_questions; i++)
        if (msg.q[i].name_len < 1 || msg.q[i].name_len > MDNS_NAME_MAX ||
            msg.q[i].name[msg.q[i].name_len - 1] != 0)
            abort();
    mdns_query_decide(&h, &msg, (size && (data[0] & 2)) ? 40000 : MDNS_PORT, &r);
    if (!r.want)
        return 0;
    if ((r.want & MDNS_WANT_AAAA) && !h.n6)
        abort();
    rc = mdns_reply_build(&h, &r, &msg, out, sizeof out, &n);
    if (rc != POD_OK || n > sizeof out)
        abort();
    if (mdns_msg_parse(out, n, &again) != POD_OK)
        abort();
    mdns_query_decide(&h, &again, MDNS_PORT, &r2);
    if (r2.want)
        abort();
    return 0;
}
