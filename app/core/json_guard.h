/*
 * json_guard.h - a scan of JSON text before a parser sees it: cJSON
 * recurses once per nesting level and allocates about 64 bytes per value,
 * so untrusted documents are measured first. Pure function, no I/O.
 */
#ifndef POD_CORE_JSON_GUARD_H
#define POD_CORE_JSON_GUARD_H

#include <stddef.h>

/* POD_OK when no array or object in s[0..len) nests deeper than
 * max_depth and (max_values > 0) the document holds at most max_values
 * values (counted by brackets, commas and colons); POD_ERR_LIMIT
 * otherwise. Brackets and commas inside strings do not count. Malformed
 * JSON is left for the parser to refuse. */
int pod_json_guard(const char *s, size_t len, int max_depth, size_t max_values);

#endif
