#include "core/json_guard.h"

#include <stdbool.h>

#include "core/error.h"

int
pod_json_guard(const char *s, size_t len, int max_depth, size_t max_values)
{
    int depth = 0;
    size_t values = 0;
    bool in_string = false;

    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth || (max_values && ++values > max_values))
                return POD_ERR_LIMIT;
        } else if (c == ',' || c == ':') {
            if (max_values && ++values > max_values)
                return POD_ERR_LIMIT;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return POD_OK;
}
