/*
 * parse.h - the HTTP/1.1 response parser of the outbound client: the
 * response head (status line and header fields) and the chunked transfer
 * coding. Pure functions over caller buffers, no I/O and no allocation, so
 * the fuzzer (tests/host/fuzz/fuzz_http_response.c) drives them directly.
 *
 * Strict where leniency could let two parsers disagree about where a body
 * ends: obsolete line folding, a Content-Length together with a
 * Transfer-Encoding, conflicting Content-Lengths and transfer codings other
 * than "chunked" are all POD_ERR_PARSE.
 */
#ifndef POD_HTTP_PARSE_H
#define POD_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"

/* One header field; both point into the parsed buffer (borrowed). */
struct http_field {
    const char *name; /* not NUL-ended */
    size_t name_len;
    const char *value; /* without surrounding whitespace, not NUL-ended */
    size_t value_len;
};

struct http_head {
    int minor;  /* HTTP/1.<minor> */
    int status; /* 100..599 */
    size_t n_fields;
    struct http_field fields[CONFIG_POD_HTTPC_MAX_HEADERS];
    int64_t content_length; /* -1 when absent */
    bool chunked;           /* Transfer-Encoding: chunked */
    bool close;             /* the server will close: "Connection: close" or HTTP/1.0 */
};

/*
 * Parses the response head at the start of buf[0..len). When a complete
 * head (ending in an empty line) is there, fills out and sets *head_len to
 * its length including the empty line; when more bytes are needed, returns
 * POD_OK with *head_len = 0. POD_ERR_PARSE for a malformed head,
 * POD_ERR_LIMIT when the head is longer than CONFIG_POD_HTTPC_HEAD_MAX or
 * has more than CONFIG_POD_HTTPC_MAX_HEADERS fields. out's pointers borrow
 * from buf.
 */
int http_head_parse(const char *buf, size_t len, struct http_head *out, size_t *head_len);

/* The first field named name (case-insensitive), or NULL. */
const struct http_field *http_head_find(const struct http_head *h, const char *name);

/* True when a response with this status to this request carries no body
 * whatever its headers say (1xx, 204, 304, or any answer to HEAD). */
bool http_status_bodyless(int status, bool head_request);

/* State of a chunked body decoder; initialise with http_chunked_init. */
struct http_chunked {
    int state;
    uint64_t remaining; /* data bytes left in the current chunk */
    size_t line;        /* bytes of the current size or trailer line seen */
    size_t trailers;    /* bytes of trailers seen */
    bool done;          /* the last chunk and the trailers have been read */
};

void http_chunked_init(struct http_chunked *st);

/*
 * Decodes chunked bytes in[0..in_len), appending the body data to
 * out[0..out_cap). Stops when the input is used up, out is full or the body
 * has ended (st->done); *in_used and *out_len tell how far it got (bytes
 * after the end of the body stay unused). Call again with more input.
 * POD_ERR_PARSE for malformed framing, POD_ERR_LIMIT when a size line or
 * the trailers exceed their limits. in and out must not overlap.
 */
int http_chunked_decode(struct http_chunked *st, const char *in, size_t in_len, size_t *in_used,
                        char *out, size_t out_cap, size_t *out_len);

#endif
