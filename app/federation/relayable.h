/*
 * relayable.h - the author_signature of comments, likes, poll and event
 * participations (docs/diaspora-federation.md §6.1), and the generic
 * base64 RSA-SHA256 signature property it is made of (also account
 * migration's "signature", §3.2). No XML here: the entity codec hands over
 * the element list.
 *
 * The input is the relayable's elements in the order they appear in the
 * XML (received) or will be written (built): names[i] is the element name,
 * values[i] its value in the NORMALISED form the reference library signs:
 * text with XML escapes resolved (and characters illegal in XML replaced by
 * U+FFFD), timestamps "YYYY-MM-DDTHH:MM:SSZ", booleans "true"/"false",
 * unknown elements as their raw text, empty elements as "" (NULL counts as
 * "" too). Arrays are borrowed.
 *
 * The signed string is the values joined with ';', leaving out every
 * element whose name contains "signature" (author_signature, the obsolete
 * parent_author_signature) and every repeat of a name already seen: the
 * gem keeps the elements in a hash, so a name counts once, at its first
 * place, with its first value.
 */
#ifndef POD_FEDERATION_RELAYABLE_H
#define POD_FEDERATION_RELAYABLE_H

#include <stddef.h>

#include "core/arena.h"
#include "crypto/rsa.h"

#define FED_RELAYABLE_MAX_FIELDS 64           /* elements of one relayable */
#define FED_RELAYABLE_MAX_BYTES  (512 * 1024) /* length of the signed string */
#define FED_SIGNATURE_B64_MAX    4096         /* characters of a signature value */

/* Bytes a base64 signature by any supported key needs, NUL included. */
#define FED_SIGNATURE_B64_CAP (((CRYPTO_RSA_MAX_BYTES + 2) / 3) * 4 + 1)

/* The signed string of the elements, NUL-terminated in a; *out_len (may be
 * NULL) gets its length. POD_ERR_LIMIT over FED_RELAYABLE_MAX_FIELDS or
 * FED_RELAYABLE_MAX_BYTES, POD_ERR_INVAL for a NULL name, POD_ERR_NOMEM. */
int fed_relayable_signed_string(const char *const *names, const char *const *values, size_t n,
                                struct pod_arena *a, char **out, size_t *out_len);

/* The value of the first author_signature element, or NULL if none (the
 * relayable's author is then the root author, §6.1). */
const char *fed_relayable_author_signature(const char *const *names, const char *const *values,
                                           size_t n);

/* Signs the elements' signed string with the author's private key (PKCS#1
 * PEM) and writes the standard base64 (strict, padded) into sig_b64 (cap
 * bytes; FED_SIGNATURE_B64_CAP always suffices): the author_signature
 * value. The RNG must be initialised. */
int fed_relayable_sign(const char *const *names, const char *const *values, size_t n,
                       const char *author_priv_pem, char *sig_b64, size_t cap, char *why,
                       size_t why_len);

/* Checks sig_b64 (an author_signature value as received, decoded leniently
 * like the gem) against the elements' signed string with the author's
 * public key. POD_OK, POD_ERR_SIG when it does not verify, POD_ERR_INVAL
 * when sig_b64 is NULL or empty, the limits above, the key errors of rsa.h. */
int fed_relayable_verify(const char *const *names, const char *const *values, size_t n,
                         const char *sig_b64, const char *author_pub_pem, char *why,
                         size_t why_len);

/* The same two operations over any message: base64 RSA-SHA256 PKCS#1 v1.5
 * of msg[0..len), as diaspora*'s Signable does (strict base64 out, lenient
 * in). Used for account_migration's signature over
 * "AccountMigration:<old id>:<new id>". */
int fed_signature_sign(const void *msg, size_t len, const char *priv_pem, char *sig_b64, size_t cap,
                       char *why, size_t why_len);
int fed_signature_verify(const void *msg, size_t len, const char *sig_b64, const char *pub_pem,
                         char *why, size_t why_len);

#endif
