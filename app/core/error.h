/*
 * error.h - the one error type of plugpod.
 *
 * Every fallible function returns an int: POD_OK (0) on success or one of the
 * negative POD_ERR_* codes below. Codes of LMDB, mbedTLS and the C library are
 * mapped to these at the module boundary, so callers never see foreign codes.
 */
#ifndef POD_CORE_ERROR_H
#define POD_CORE_ERROR_H

#include <stddef.h>

enum pod_err {
    POD_OK = 0,
    POD_ERR_NOMEM = -1,    /* an allocation failed */
    POD_ERR_INVAL = -2,    /* an argument or input value is not acceptable */
    POD_ERR_PARSE = -3,    /* input bytes are malformed */
    POD_ERR_SIG = -4,      /* a signature does not verify */
    POD_ERR_NOTFOUND = -5, /* no such record or file */
    POD_ERR_IO = -6,       /* the operating system refused a read or write */
    POD_ERR_LIMIT = -7,    /* a size, count or depth limit was reached */
    POD_ERR_AUTH = -8,     /* not allowed */
    POD_ERR_EXISTS = -9,   /* the thing to create is already there */
    POD_ERR_BUSY = -10,    /* a resource is held by someone else (lock, port) */
    POD_ERR_VERSION = -11, /* data written by a newer plugpod */
    POD_ERR_CRYPTO = -12,  /* a cryptographic operation failed */
    POD_ERR_FULL = -13,    /* storage is full (LMDB map or disk) */
    POD_ERR_CORRUPT = -14, /* stored data does not have the expected shape */
};

/* Returns a short static English description of err (never NULL). */
const char *pod_strerror(int err);

/* Formats a one-line reason for an operator into why (why_len bytes).
 * Does nothing when why is NULL or why_len is 0. */
void pod_why(char *why, size_t why_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
