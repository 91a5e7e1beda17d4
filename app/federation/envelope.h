/*
 * envelope.h - the Salmon Magic Envelope every diaspora* message travels in
 * (docs/diaspora-federation.md §4): parsing and signature checking of the
 * envelopes of others, building and signing our own. No I/O.
 *
 * Receiving is two steps, because the key to check with depends on what the
 * envelope says: fed_envelope_parse() reads the XML, decodes me:data and
 * key_id and hashes the signature base string; the caller then finds the
 * sender's public key (§9) and calls fed_envelope_verify(). Only after that
 * may the payload be trusted, and then only as far as the sender rules of
 * §4.3 allow (the caller compares env.sender with the entity's author).
 *
 * The reading follows the reference library (gem 1.1.0) exactly, so that
 * every envelope gets its verdict (vectors magic_envelope/edge_cases A-F):
 * - the root's local name must be "env"; the elements are looked up as the
 *   gem's XPath "me:data" etc. does: direct children of the root in the
 *   namespace the root binds to the prefix "me" (an envelope without an
 *   xmlns:me declaration on its root is refused, edge case D);
 * - the first matching child counts; its text is all the text inside it;
 * - me:data and me:sig must be non-empty, me:sig must carry key_id and
 *   me:data type; me:encoding must be exactly "base64url" and me:alg
 *   exactly "RSA-SHA256";
 * - me:data, me:sig and key_id are base64url with or without '=' padding
 *   ('+' and '/' are accepted as well, as Ruby's urlsafe_decode64 does);
 *   whitespace anywhere in them is refused (edge case E);
 * - the base string is rebuilt from the decoded payload, padded:
 *   b64url(payload).b64url(type).b64url(encoding).b64url(alg) (A, B, C, F).
 * DOCTYPE declarations (hence entity definitions) are refused outright.
 */
#ifndef POD_FEDERATION_ENVELOPE_H
#define POD_FEDERATION_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/ids.h"
#include "crypto/crypto.h"
#include "crypto/rsa.h"

#define FED_ENVELOPE_MAX_BYTES (1024 * 1024) /* larger envelopes are refused */
#define FED_ENVELOPE_MAX_DEPTH 32            /* element nesting */
#define FED_ENVELOPE_SIG_MAX   2048          /* characters of me:sig */
#define FED_ENVELOPE_KEYID_MAX 512           /* characters of key_id */
#define FED_ENVELOPE_FIELD_MAX 256           /* characters of type, encoding, alg */

#define FED_ENVELOPE_CONTENT_TYPE "application/magic-envelope+xml"

/* An envelope as read by fed_envelope_parse. */
struct fed_envelope {
    const char *payload; /* decoded me:data (arena), NUL-terminated for
                            convenience; may hold NULs: use payload_len */
    size_t payload_len;
    char sender[POD_DIASPORA_ID_MAX + 1]; /* key_id decoded: the claimed signer,
                                             printable ASCII, no spaces; not
                                             otherwise validated */
    uint8_t sig[CRYPTO_RSA_MAX_BYTES];    /* me:sig decoded */
    size_t sig_len;
    uint8_t digest[CRYPTO_SHA256_LEN]; /* SHA-256 of the signature base string */
};

/* Reads the envelope xml[0..len) (at most FED_ENVELOPE_MAX_BYTES) into out;
 * the payload is copied into a (the arena). Nothing is trusted yet: call
 * fed_envelope_verify. Errors: POD_ERR_LIMIT (size, depth, a field too
 * long), POD_ERR_PARSE (not XML, DOCTYPE, a missing or wrong element, bad
 * base64), POD_ERR_NOMEM; why (why_len bytes, may be NULL) says which. */
int fed_envelope_parse(const char *xml, size_t len, struct pod_arena *a, struct fed_envelope *out,
                       char *why, size_t why_len);

/* Checks env's signature with the sender's public key (SPKI or PKCS#1
 * PEM, borrowed). POD_OK, POD_ERR_SIG when it does not verify, or the key
 * errors of crypto_rsa_verify_digest (POD_ERR_PARSE, POD_ERR_INVAL). */
int fed_envelope_verify(const struct fed_envelope *env, const char *sender_pub_pem, char *why,
                        size_t why_len);

/* Wraps payload[0..len) (the entity XML) in an envelope signed by sender
 * (a diaspora* ID) with priv_pem (PKCS#1 PEM), byte for byte what diaspora*
 * POSTs: XML declaration, 2-space indentation, padded base64url, a final
 * newline (vector magic_envelope/status_message.envelope.xml). *out
 * (NUL-terminated, in a) and *out_len get the document. POD_ERR_LIMIT when
 * it would exceed FED_ENVELOPE_MAX_BYTES; POD_ERR_INVAL for an unusable
 * sender or key. The RNG must be initialised (RSA blinding). */
int fed_envelope_build(const void *payload, size_t len, const char *sender, const char *priv_pem,
                       struct pod_arena *a, char **out, size_t *out_len, char *why, size_t why_len);

/* The signature base string of payload[0..len) with the standard type,
 * encoding and algorithm (§4.2) into a, NUL-terminated; NULL when the arena
 * is out or the payload is over the limit. For tests and diagnostics. */
char *fed_envelope_base_string(const void *payload, size_t len, struct pod_arena *a,
                               size_t *out_len);

/* Decodes standard base64 the way Ruby's Base64.decode64 does, which is
 * how diaspora* reads author_signature, aes_key, key, iv and
 * encrypted_magic_envelope: characters outside the standard alphabet are
 * skipped, an '=' in the third or fourth place of a group ends the input
 * (elsewhere it is skipped too), a trailing partial group gives what whole
 * bytes it holds. out needs crypto_b64_decoded_max(n) bytes
 * (POD_ERR_LIMIT otherwise); *olen gets the count. Never fails otherwise. */
int fed_b64_decode_lenient(const char *in, size_t n, uint8_t *out, size_t cap, size_t *olen);

#endif
