/*  hd_dbrole: the PostgreSQL role a process connects as, and its password
    file (hd_dbrole.h). */
#include "hd_dbrole.h"

#include "hd_config.h"
#include "hd_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static hd_dbrole_t s_self; /* set once by hd_dbrole_init, read-only after */
static int s_owner;        /* HUDDLE_DB_ROLE=owner: every connection as the URL's user */

int hd_dbrole_path(const char *keys_dir, const char *name, char *out, size_t n) {
    size_t len = strlen(name);
    if (!keys_dir || !*keys_dir || len == 0 || len > 32)
        return -1;
    for (const char *c = name; *c; c++)
        if (*c < 'a' || *c > 'z')
            return -1;
    int w = snprintf(out, n, "%s/db/%s.password", keys_dir, name);
    return w > 0 && (size_t)w < n ? 0 : -1;
}

int hd_dbrole_parse(const char *text, size_t len, char out[HD_DBROLE_PASSWORD_LEN]) {
    out[0] = 0;
    if (len > 0 && text[len - 1] == '\n')
        len--;
    if (len < 16 || len >= HD_DBROLE_PASSWORD_LEN)
        return -1;
    for (size_t i = 0; i < len; i++)
        if (text[i] <= 0x20 || text[i] >= 0x7f)
            return -1;
    memcpy(out, text, len);
    out[len] = 0;
    return 0;
}

/* Reads `name`'s password file into out. 1 when there is none, 0 when
   read, -1 when it exists but cannot be used (logged). */
static int load(const char *name, hd_dbrole_t *out) {
    char path[4096], buf[HD_DBROLE_PASSWORD_LEN + 1];
    if (hd_dbrole_path(hd_config_get("HUDDLE_KEYS_DIR"), name, path, sizeof path) < 0)
        return 1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 1;
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
    if (fd >= 0)
        close(fd);
    if (n < 0 || hd_dbrole_parse(buf, (size_t)n, out->password) < 0) {
        hd_error("db_role_password",
                 "%s: unreadable or not one line of 16-127 printable "
                 "characters (re-run huddle-migrate --rotate-db-passwords)",
                 path);
        return -1;
    }
    snprintf(out->user, sizeof out->user, "huddle_%s", name);
    return 0;
}

int hd_dbrole_init(const char *name) {
    memset(&s_self, 0, sizeof s_self);
    const char *mode = hd_config_get("HUDDLE_DB_ROLE");
    s_owner = mode && strcmp(mode, "owner") == 0;
    if (s_owner) {
        hd_warn("db_role_owner",
                "HUDDLE_DB_ROLE=owner: connecting as the user of "
                "HUDDLE_DATABASE_URL, not as huddle_%s",
                name);
        return 0;
    }
    int rc = load(name, &s_self);
    if (rc == 1)
        hd_warn("db_role_missing",
                "no database password for huddle_%s under HUDDLE_KEYS_DIR/db (run "
                "huddle-migrate with HUDDLE_KEYS_DIR): connecting as the user of "
                "HUDDLE_DATABASE_URL",
                name);
    else if (rc == 0)
        hd_info("db_role", "connecting to the database as %s", s_self.user);
    return rc < 0 ? -1 : 0;
}

int hd_dbrole_get(const char *name, hd_dbrole_t *out) {
    *out = s_self;
    if (!name || s_owner)
        return 0;
    hd_dbrole_t own;
    memset(&own, 0, sizeof own);
    int rc = load(name, &own);
    if (rc == 0)
        *out = own;
    return rc < 0 ? -1 : 0;
}
