/*
 * private_envelope.h - the encrypted body of a private delivery, POST
 * /receive/users/<guid> (docs/diaspora-federation.md §5.2):
 *
 *   {"aes_key":"<b64>","encrypted_magic_envelope":"<b64>"}
 *
 * aes_key = RSA PKCS#1 v1.5 encryption, to the recipient's key, of
 * {"key":"<b64 32 bytes>","iv":"<b64 16 bytes>"}; encrypted_magic_envelope
 * = AES-256-CBC (PKCS#7) of the whole Magic Envelope document. Only the
 * encryption layer is here: the envelope inside is read and verified with
 * envelope.h. No I/O.
 *
 * Reading follows the reference library: the base64 values are decoded
 * leniently (fed_b64_decode_lenient, Ruby's Base64.decode64), a repeated
 * JSON member counts by its last occurrence, key and iv must decode to
 * exactly 32 and 16 bytes.
 */
#ifndef POD_FEDERATION_PRIVATE_ENVELOPE_H
#define POD_FEDERATION_PRIVATE_ENVELOPE_H

#include <stddef.h>

#include "core/arena.h"
#include "federation/envelope.h"

/* Bodies over this are refused: the base64 of an envelope of
 * FED_ENVELOPE_MAX_BYTES plus room for aes_key and JSON. */
#define FED_PRIVATE_BODY_MAX_BYTES (FED_ENVELOPE_MAX_BYTES / 3 * 4 + 16384)
#define FED_PRIVATE_JSON_MAX_DEPTH 8    /* nesting of the outer JSON */
#define FED_PRIVATE_AES_KEY_MAX    4096 /* characters of aes_key */

#define FED_PRIVATE_CONTENT_TYPE "application/json"

/* Decrypts body[0..len) (at most FED_PRIVATE_BODY_MAX_BYTES) with the
 * recipient's private key (PKCS#1 PEM, borrowed). *xml (NUL-terminated, in
 * a) and *xml_len get the Magic Envelope document inside, to be given to
 * fed_envelope_parse. Errors: POD_ERR_LIMIT (sizes, nesting), POD_ERR_PARSE
 * (not the JSON above, key or iv of the wrong size), POD_ERR_CRYPTO
 * (aes_key does not decrypt with this key, or the AES padding is wrong:
 * the message is not for this key or was damaged), POD_ERR_NOMEM, the key
 * errors of rsa.h. why (may be NULL) says which. Key material is wiped. */
int fed_private_envelope_decrypt(const char *body, size_t len, const char *recipient_priv_pem,
                                 struct pod_arena *a, char **xml, size_t *xml_len, char *why,
                                 size_t why_len);

/* Encrypts the envelope document xml[0..len) (at most
 * FED_ENVELOPE_MAX_BYTES; diaspora* encrypts the whole document, XML
 * declaration included) for the recipient's public key (SPKI or PKCS#1
 * PEM) with a fresh random AES key and IV. *body (NUL-terminated, in a)
 * and *body_len get the JSON, in diaspora*'s layout (no spaces, strict
 * base64). The RNG must be initialised. */
int fed_private_envelope_encrypt(const char *xml, size_t len, const char *recipient_pub_pem,
                                 struct pod_arena *a, char **body, size_t *body_len, char *why,
                                 size_t why_len);

#endif
