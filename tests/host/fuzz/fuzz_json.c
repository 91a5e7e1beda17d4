/* Fuzz target: the JSON request bodies of the web API (request.c's
 * web_json_parse, the step of web_req_load_json after the body is read)
 * and what handlers read from them: web_json_value for every member name
 * the handlers ask for, web_json_id over aspect_ids and photos
 * (social.c), poll_answers strings (social_more.c).
 *
 * Oracle: a body over the limit is POD_ERR_LIMIT whatever it holds and
 * never parsed; a document nested deeper than 16 is refused; values are
 * NUL-terminated strings; ids are 0 or in 1..2^53 (a double cast to an
 * integer out of range is undefined behaviour, which UBSan reports). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/arena.h"
#include "core/error.h"
#include "web/handler_kit.h"
#include "web/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BODY_MAX 4096 /* a small limit, so bodies on both sides of it occur */

static void
check(bool ok)
{
    if (!ok)
        abort();
}

static int
depth(const cJSON *j)
{
    int d = 0;
    const cJSON *c;

    cJSON_ArrayForEach(c, j)
    {
        int cd = depth(c);
        if (cd > d)
            d = cd;
    }
    return (cJSON_IsArray(j) || cJSON_IsObject(j)) ? d + 1 : 0;
}

/* Numbers give 0 or 1..2^53; strings what web_parse_id gives (its
 * documented saturation included); anything else 0. */
static void
id_ok(const cJSON *it)
{
    uint64_t id = web_json_id(it);

    if (cJSON_IsNumber(it))
        check(id <= (1ull << 53) &&
              (id == 0) == !(it->valuedouble >= 1 && it->valuedouble <= 9007199254740992.0));
    else if (cJSON_IsString(it))
        check(id == web_parse_id(it->valuestring));
    else
        check(id == 0);
}

static void
ids(const cJSON *v)
{
    const cJSON *it;

    id_ok(v);
    if (cJSON_IsArray(v))
        cJSON_ArrayForEach(it, v) id_ok(it);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[][2] = {
        {"authenticity_token", NULL}, {"status_message", "text"}, {"text", NULL},
        {"aspect", "name"},           {"aspect_id", NULL},        {"name", NULL},
        {"contacts_visible", NULL},   {"person_id", NULL},        {"block", "person_id"},
        {"root_guid", NULL},          {"set_unread", NULL},       {"aspect_ids", NULL},
    };
    unsigned char stack[2048];
    struct web_req req;
    cJSON *j = NULL;
    const cJSON *v, *it;
    int rc;

    rc = web_json_parse((const char *)data, size, BODY_MAX, &j);
    if (size > BODY_MAX) {
        check(rc == POD_ERR_LIMIT && !j);
        return 0;
    }
    if (rc != POD_OK) {
        check(rc == POD_ERR_PARSE && !j);
        return 0;
    }
    check(size == 0 ? !j : j != NULL);
    if (!j)
        return 0;
    check(depth(j) <= 16);
    memset(&req, 0, sizeof req);
    pod_arena_init(&req.arena, stack, sizeof stack, 1u << 20);
    req.json_body = j;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *s = web_json_value(&req, names[i][0], names[i][1]);
        if (s)
            check(strlen(s) <= size + 400); /* "%.0f" of 1e308 is 309 digits */
    }
    ids(cJSON_GetObjectItemCaseSensitive(j, "aspect_ids"));
    ids(cJSON_GetObjectItemCaseSensitive(j, "photos"));
    v = cJSON_GetObjectItemCaseSensitive(j, "poll_answers");
    if (cJSON_IsArray(v))
        cJSON_ArrayForEach(it, v) if (cJSON_IsString(it)) check(strlen(it->valuestring) <= size);
    cJSON_Delete(j);
    pod_arena_free(&req.arena);
    return 0;
}
