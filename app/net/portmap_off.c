/*
 * portmap_off.c - net/portmap.h in a build without CONFIG_POD_PORTMAP
 * (CMakeLists.txt compiles this file instead of portmap*.c): the method
 * names parse (so that the command line can say this build has no port
 * mapping), only "off" starts, and nothing links libminiupnpc or
 * libnatpmp.
 */
#include "net/portmap.h"

#include <stddef.h>
#include <string.h>

#include "core/error.h"

int
portmap_method_parse(const char *text, enum portmap_method *out)
{
    static const char *const names[] = {"off", "auto", "upnp", "natpmp"};
    static const enum portmap_method methods[] = {PORTMAP_OFF, PORTMAP_AUTO, PORTMAP_UPNP,
                                                  PORTMAP_NATPMP};

    for (size_t i = 0; text && i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(text, names[i])) {
            *out = methods[i];
            return POD_OK;
        }
    return POD_ERR_INVAL;
}

int
portmap_start(struct portmap **out, const struct portmap_config *cfg)
{
    *out = NULL;
    return cfg->method == PORTMAP_OFF ? POD_OK : POD_ERR_INVAL;
}

void
portmap_status(struct portmap *pm, struct portmap_status *out)
{
    (void)pm;
    memset(out, 0, sizeof *out);
    out->state = PORTMAP_STATE_OFF;
}

void
portmap_stop(struct portmap *pm)
{
    (void)pm;
}
