#include "drivers/net/net.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#define IFNAME_MAX 32
#define IFS_MAX    32 /* interfaces looked at */

static char root_dir[256] = "";

void
drv_net_set_root(const char *root)
{
    snprintf(root_dir, sizeof root_dir, "%s", root ? root : "");
}

/* The operstate of interface name says it can carry traffic. */
static bool
oper_up(const char *name)
{
    char path[384], state[32] = "";
    FILE *f;

    if ((size_t)snprintf(path, sizeof path, "%s/sys/class/net/%s/operstate", root_dir, name) >=
        sizeof path)
        return false;
    f = fopen(path, "r");
    if (!f)
        return false;
    if (!fgets(state, sizeof state, f))
        state[0] = '\0';
    fclose(f);
    state[strcspn(state, "\n")] = '\0';
    return strcmp(state, "up") == 0 || strcmp(state, "unknown") == 0;
}

/* Some line of the routing table file rel names interface name in column
 * col (0-based, whitespace-separated); the IPv4 table has a header line. */
static bool
has_route(const char *rel, const char *name, int col)
{
    char path[384], line[512];
    bool found = false;
    FILE *f;

    if ((size_t)snprintf(path, sizeof path, "%s%s", root_dir, rel) >= sizeof path)
        return false;
    f = fopen(path, "r");
    if (!f)
        return false;
    while (!found && fgets(line, sizeof line, f)) {
        char *save = NULL, *tok = strtok_r(line, " \t\n", &save);

        for (int i = 0; tok && i < col; i++)
            tok = strtok_r(NULL, " \t\n", &save);
        found = tok && strcmp(tok, name) == 0;
    }
    fclose(f);
    return found;
}

bool
drv_net_uplink_up(void)
{
    char path[320], names[IFS_MAX][IFNAME_MAX];
    struct dirent *de;
    size_t n = 0;
    DIR *d;

    if ((size_t)snprintf(path, sizeof path, "%s/sys/class/net", root_dir) >= sizeof path)
        return true;
    d = opendir(path);
    if (!d)
        return true; /* cannot tell: never stop sending for that */
    while (n < IFS_MAX && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "lo") == 0 ||
            strlen(de->d_name) >= IFNAME_MAX)
            continue;
        memcpy(names[n++], de->d_name, strlen(de->d_name) + 1); /* length checked above */
    }
    closedir(d);
    for (size_t i = 0; i < n; i++)
        if (oper_up(names[i]) && (has_route("/proc/net/route", names[i], 0) ||
                                  has_route("/proc/net/ipv6_route", names[i], 9)))
            return true;
    return false;
}
