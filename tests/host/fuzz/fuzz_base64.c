/* Fuzz target: the strict base64 and base64url decoders (app/crypto).
 * Whatever decodes must re-encode to text that decodes to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
roundtrip(const char *in, size_t n, int url)
{
    size_t cap = crypto_b64_decoded_max(n) + 1, olen = 0, tlen = 0, blen = 0;
    uint8_t *out = malloc(cap), *back = NULL;
    char *text = NULL;

    if (!out)
        return;
    if ((url ? crypto_b64url_decode(in, n, out, cap, &olen)
             : crypto_b64_decode(in, n, out, cap, &olen)) != POD_OK)
        goto out;
    text = malloc(crypto_b64_encoded_len(olen) + 1);
    back = malloc(olen + 1);
    if (!text || !back)
        goto out;
    if ((url ? crypto_b64url_encode(out, olen, text, crypto_b64_encoded_len(olen) + 1, &tlen)
             : crypto_b64_encode(out, olen, text, crypto_b64_encoded_len(olen) + 1, &tlen)) !=
        POD_OK)
        abort();
    if ((url ? crypto_b64url_decode(text, tlen, back, olen + 1, &blen)
             : crypto_b64_decode(text, tlen, back, olen + 1, &blen)) != POD_OK)
        abort();
    if (blen != olen || memcmp(back, out, olen) != 0)
        abort();
out:
    free(out);
    free(text);
    free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    roundtrip((const char *)data, size, 0);
    roundtrip((const char *)data, size, 1);
    return 0;
}
