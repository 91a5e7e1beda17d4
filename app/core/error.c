#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>

const char *
pod_strerror(int err)
{
    switch (err) {
    case POD_OK:
        return "success";
    case POD_ERR_NOMEM:
        return "out of memory";
    case POD_ERR_INVAL:
        return "invalid argument";
    case POD_ERR_PARSE:
        return "malformed input";
    case POD_ERR_SIG:
        return "bad signature";
    case POD_ERR_NOTFOUND:
        return "not found";
    case POD_ERR_IO:
        return "input/output error";
    case POD_ERR_LIMIT:
        return "limit exceeded";
    case POD_ERR_AUTH:
        return "not authorized";
    case POD_ERR_EXISTS:
        return "already exists";
    case POD_ERR_BUSY:
        return "in use";
    case POD_ERR_VERSION:
        return "written by a newer version";
    case POD_ERR_CRYPTO:
        return "cryptographic failure";
    case POD_ERR_FULL:
        return "storage full";
    case POD_ERR_CORRUPT:
        return "corrupt data";
    }
    return "unknown error";
}

void
pod_why(char *why, size_t why_len, const char *fmt, ...)
{
    va_list ap;

    if (!why || why_len == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
}
