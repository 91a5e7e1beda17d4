/* Fuzz target: the SNTP reply check and clock arithmetic of
 * app/net/sntp_proto.c. The input is one received datagram; the nonce we
 * "sent" is its originate field (bytes 24..31) unless the first byte's low
 * bit says otherwise, so both matching and foreign replies are explored.
 * Whatever is accepted must be a server reply to our nonce with a sane
 * stratum, leap indicator and non-zero timestamps, and the offset and
 * delay against fixed local times must be computed without overflow. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "net/sntp_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sntp_reply r;
    uint64_t nonce = 0x5eed5eed5eed5eedULL, t1, t4;
    int64_t off, delay;
    const char *why = NULL;
    int rc;

    if (size >= 32 && !(data[0] & 1))
        for (int i = 0; i < 8; i++)
            nonce = nonce << 8 | data[24 + i];
    rc = sntp_reply_check(data, size, nonce, &r, &why);
    if (!why)
        abort();
    if (rc != POD_OK) {
        if (rc != POD_ERR_PARSE && rc != POD_ERR_LIMIT && rc != POD_ERR_AUTH && rc != POD_ERR_BUSY)
            abort();
        if (!why[0] || (rc == POD_ERR_LIMIT) != (size > SNTP_REPLY_MAX))
            abort();
        if (rc == POD_ERR_BUSY && (r.stratum != 0 || r.originate != nonce))
            abort();
        return 0;
    }
    if (why[0] || size < SNTP_PACKET_LEN || size > SNTP_REPLY_MAX || size % 4)
        abort();
    if (r.mode != SNTP_MODE_SERVER || r.stratum < 1 || r.stratum > 15 ||
        r.leap == SNTP_LEAP_ALARM || r.version < 3 || r.version > 4 || r.originate != nonce ||
        !r.transmit || !r.receive)
        abort();
    /* local times: a board in 1970 and one in 2026 */
    t1 = sntp_ts_from_unix_ns(0);
    t4 = sntp_ts_from_unix_ns(25000000);
    sntp_offset_delay(t1, r.receive, r.transmit, t4, &off, &delay);
    t1 = sntp_ts_from_unix_ns(1767225600LL * 1000000000);
    t4 = t1 + (r.transmit & 0xffffffffu);
    sntp_offset_delay(t1, r.receive, r.transmit, t4, &off, &delay);
    (void)off;
    (void)delay;
    return 0;
}
