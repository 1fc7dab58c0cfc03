/*  hd_testdb: per-test databases on the fixture cluster. */
#include "hd_testdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int base_url(char *out, size_t len) {
    const char *dir = getenv("HUDDLE_TEST_PG_DIR");
    if (!dir) {
        fprintf(stderr, "HUDDLE_TEST_PG_DIR is not set (run under ctest)\n");
        return -1;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/url", dir);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(out, (int)len, f)) {
        fprintf(stderr, "cannot read %s: is the pg fixture running?\n", path);
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    out[strcspn(out, "\r\n")] = 0;
    return 0;
}

int hd_testdb_create(const char *name, int seed, char *url, size_t url_len) {
    char base[512];
    if (base_url(base, sizeof base) < 0)
        return -1;
    /* base ends in /huddle; the admin connection goes to /postgres. */
    char admin[600];
    snprintf(admin, sizeof admin, "%.*s/postgres", (int)(strrchr(base, '/') - base), base);
    hd_db_t *db = hd_db_connect(admin, 5000);
    if (!db)
        return -1;
    char sql[256];
    /* Identifiers cannot be parameters; test names are ours, not input. */
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name);
    int rc = hd_db_cmd(db, sql, 0, NULL);
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", name);
    rc = rc || hd_db_cmd(db, sql, 0, NULL);
    hd_db_destroy(&db);
    if (rc)
        return -1;
    snprintf(url, url_len, "%.*s/%s", (int)(strrchr(base, '/') - base), base, name);
    char cmd[2048];
    const char *src = getenv("HUDDLE_SOURCE_DIR"), *bin = getenv("HUDDLE_BIN_DIR");
    const char *pg = getenv("HUDDLE_TEST_PG_DIR");
    /* The sample's channel credentials are sealed with a key of the test's own. */
    snprintf(cmd, sizeof cmd,
             "HUDDLE_DATABASE_URL='%s' HUDDLE_MIGRATIONS_DIR='%s/migrations' "
             "HUDDLE_SEED_DIR='%s/examples' HUDDLE_CREDENTIALS_KEY_FILE='%s/%s.credentials.key' "
             "%s '%s/huddle-migrate' >/dev/null",
             url, src ? src : ".", src ? src : ".", pg ? pg : "/tmp", name,
             seed ? "HUDDLE_SEED=sample HUDDLE_TOKENS_FILE=/dev/null" : "HUDDLE_SEED=none",
             bin ? bin : ".");
    if (system(cmd) != 0) {
        fprintf(stderr, "huddle-migrate failed for %s\n", url);
        return -1;
    }
    return 0;
}
