/*
 * rsa.h - the users' RSA key pairs: generation and PEM encoding. Signing,
 * verification and encryption for federation come with the federation
 * issue and live here too.
 */
#ifndef POD_CRYPTO_RSA_H
#define POD_CRYPTO_RSA_H

#include <stddef.h>

/* Generates an RSA key of bits bits (e = 65537) and writes the private key
 * as PKCS#1 PEM ("BEGIN RSA PRIVATE KEY") into priv and the public key as
 * SPKI PEM ("BEGIN PUBLIC KEY") into pub. Takes seconds for 4096 bits on a
 * Pi: call it from a background task. The RNG must be initialised. */
int crypto_rsa_generate(unsigned bits, char *priv, size_t priv_cap, char *pub, size_t pub_cap);

/* Checks that pem is a public key (SPKI or PKCS#1 PEM) of at least 1024
 * bits; *bits, if given, gets its size. */
int crypto_rsa_public_check(const char *pem, unsigned *bits);

#endif
