/*  huddle-migrate: brings a database to the current schema and, on request,
    loads the sample organization.
    Migrations are the numbered files of HUDDLE_MIGRATIONS_DIR, applied in
    name order, each in its own transaction, each once (schema_migration),
    under an advisory lock so that concurrent starts (compose, tests) are safe.
    The seed is idempotent: run it again and nothing changes, except that
    people without an API token get one, written to HUDDLE_TOKENS_FILE.
    First start of a real organization: `--admin EMAIL` (or
    HUDDLE_ADMIN_EMAIL) on a database without any person creates the first
    orchestrator and prints their one-time token as "EMAIL TOKEN" on stdout;
    with people already there it does nothing (docs/tokens.md).
    Database roles: with HUDDLE_KEYS_DIR set, every service's login role
    (migrations/016_roles.sql) gets a random password, kept in
    KEYS/db/NAME.password (0600) and set again on every run so that the
    database and the files agree; --rotate-db-passwords makes new ones
    (docs/deploy.md "Database roles"). */
#include "hd_config.h"
#include "hd_db.h"
#include "hd_dbrole.h"
#include "hd_envelope.h"
#include "hd_id.h"
#include "hd_keys.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_outbox.h"
#include "hd_playbook.h"
#include "hd_secret.h"
#include "hd_token.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const hd_config_var_t s_vars[] = {
    HD_CONFIG_COMMON_DB,
    {"HUDDLE_MIGRATIONS_DIR", "migrations", "folder of numbered NNN_name.sql migrations"},
    {"HUDDLE_SEED", "none", "'sample' loads the sample organization, 'none' nothing"},
    {"HUDDLE_SEED_DIR", "examples",
     "folder holding sample-org.sql, policy/starter.yaml and playbooks/*.yaml"},
    {"HUDDLE_TOKENS_FILE", ".huddle/tokens",
     "where new API tokens are appended as 'EMAIL TOKEN' lines (mode 0600)"},
    {"HUDDLE_KEYS_DIR", "",
     "when set, CURVE keys for every service and their database passwords "
     "(db/NAME.password) are created there"},
    {"HUDDLE_ADMIN_EMAIL", "",
     "first start (--admin EMAIL): on a database without people, the first orchestrator; "
     "their token is printed once as 'EMAIL TOKEN'"},
    {"HUDDLE_ADMIN_NAME", "", "the first orchestrator's name (--admin-name; default: EMAIL)"},
    {"HUDDLE_ADMIN_DEPARTMENT", "hub",
     "the first orchestrator's department (--department), created when missing as "
     "'Social Media Center of Excellence'"},
    {"HUDDLE_CREDENTIALS_KEY_FILE", "",
     "key sealing channel credentials and the sample's webhook secret (default: "
     "$HUDDLE_KEYS_DIR/credentials.key), created when missing"},
    {NULL, NULL, NULL}};

/* Reads a whole file into a malloc'd string (caller frees); NULL on error. */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? hd_malloc((size_t)n + 1) : NULL;
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    buf[n] = 0;
    fclose(f);
    return buf;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_migration(const struct dirent *d) {
    size_t n = strlen(d->d_name);
    return n > 4 && strcmp(d->d_name + n - 4, ".sql") == 0 && d->d_name[0] >= '0' &&
           d->d_name[0] <= '9';
}

/* Runs a trusted SQL file (ours, not input) as one script. */
static int run_script(hd_db_t *db, const char *path) {
    char *sql = slurp(path);
    if (!sql) {
        hd_error("migrate_read_failed", "%s: %s", path, strerror(errno));
        return -1;
    }
    PGresult *r = PQexec(hd_db_conn(db), sql);
    free(sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        hd_error("migrate_sql_failed", "%s: %s", path, PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

static int apply_one(hd_db_t *db, const char *dir, const char *name) {
    const char *p[1] = {name};
    PGresult *r = hd_db_exec(db, "SELECT 1 FROM schema_migration WHERE name = $1", 1, p);
    if (!r)
        return -1;
    int done = PQntuples(r) > 0;
    PQclear(r);
    if (done)
        return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (hd_db_begin(db) || run_script(db, path) ||
        hd_db_cmd(db, "INSERT INTO schema_migration (name) VALUES ($1)", 1, p) ||
        hd_db_commit(db)) {
        hd_db_rollback(db);
        return -1;
    }
    hd_info("migration_applied", "%s", name);
    return 0;
}

static int migrate(hd_db_t *db, const char *dir) {
    if (hd_db_cmd(db, "SELECT pg_advisory_lock(4242001)", 0, NULL) ||
        hd_db_cmd(db,
                  "CREATE TABLE IF NOT EXISTS schema_migration (name text PRIMARY KEY, "
                  "applied_at timestamptz NOT NULL DEFAULT now())",
                  0, NULL))
        return -1;
    struct dirent **list;
    int n = scandir(dir, &list, is_migration, by_name);
    if (n < 0) {
        hd_error("migrate_dir", "%s: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (!rc)
            rc = apply_one(db, dir, list[i]->d_name);
        free(list[i]);
    }
    free(list);
    hd_db_cmd(db, "SELECT pg_advisory_unlock(4242001)", 0, NULL);
    return rc;
}

/* A URL-safe random token (hd_token). */

/* Gives every person without a token a new one; appends them to `path`. */
static int issue_tokens(hd_db_t *db, const char *path) {
    PGresult *r = hd_db_exec(db,
                             "SELECT id, email FROM person p WHERE NOT EXISTS "
                             "(SELECT 1 FROM api_token t WHERE t.person_id = p.id) "
                             "ORDER BY email",
                             0, NULL);
    if (!r)
        return -1;
    FILE *out = NULL;
    if (PQntuples(r) > 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        out = fd >= 0 ? fdopen(fd, "a") : NULL;
        if (!out) {
            hd_error("tokens_file", "%s: %s", path, strerror(errno));
            PQclear(r);
            return -1;
        }
    }
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && !rc; i++) {
        char tok[HD_TOKEN_LEN];
        const char *p[2] = {tok, PQgetvalue(r, i, 0)};
        rc = hd_token_new(tok) ||
             hd_db_cmd(db,
                       "INSERT INTO api_token (id, person_id, name, prefix, hash, scopes) "
                       "VALUES (gen_random_uuid(), $2, 'sample', substr($1, 1, 12), "
                       "sha256(convert_to($1, 'UTF8')), '{read,submit,decide,admin}')",
                       2, p);
        if (!rc)
            fprintf(out, "%s %s\n", PQgetvalue(r, i, 1), tok);
    }
    if (out)
        fclose(out);
    PQclear(r);
    return rc;
}

/* Loads the starter policy as version 1 when no policy exists yet, and
   announces it on the bus. */
static int seed_policy(hd_db_t *db, const char *path) {
    char *yaml = slurp(path);
    if (!yaml) {
        hd_error("seed_policy", "%s: %s", path, strerror(errno));
        return -1;
    }
    const char *p[1] = {yaml};
    long n = hd_db_count(db,
                         "INSERT INTO policy_version (version, source, created_by, active) "
                         "SELECT 1, $1, 'seed', true "
                         "WHERE NOT EXISTS (SELECT 1 FROM policy_version)",
                         1, p);
    free(yaml);
    if (n <= 0)
        return n < 0 ? -1 : 0;
    Huddle__V1__PolicyActivated body = HUDDLE__V1__POLICY_ACTIVATED__INIT;
    body.version = 1;
    body.activated_by = "seed";
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_POLICY_ACTIVATED;
    env.policy_activated = &body;
    env.actor = "seed";
    char id[HD_ID_LEN];
    hd_envelope_stamp(&env, id, "migrate", NULL, NULL);
    return hd_outbox_put(db, &env) < 0 ? -1 : 0;
}

static int is_yaml(const struct dirent *d) {
    size_t n = strlen(d->d_name);
    return n > 5 && strcmp(d->d_name + n - 5, ".yaml") == 0 && d->d_name[0] != '.';
}

/* One example playbook as version 1 of its name, unless that playbook
   exists. A file that does not validate fails the seed, its problems
   logged as FILE:LINE:COLUMN. */
static int seed_playbook(hd_db_t *db, const char *path) {
    char *yaml = slurp(path);
    if (!yaml) {
        hd_error("seed_playbook", "%s: %s", path, strerror(errno));
        return -1;
    }
    hd_playbook_t pb;
    int rc = hd_playbook_load(yaml, strlen(yaml), &pb);
    size_t i;
    json_t *e;
    json_array_foreach(pb.errors, i, e)
        hd_error("seed_playbook_invalid", "%s:%lld:%lld: %s", path,
                 (long long)json_integer_value(json_object_get(e, "line")),
                 (long long)json_integer_value(json_object_get(e, "column")),
                 json_string_value(json_object_get(e, "message")));
    char *spec = rc == 0 ? json_dumps(pb.spec, JSON_COMPACT) : NULL;
    const char *p[3] = {json_string_value(json_object_get(pb.spec, "name")), yaml, spec};
    if (rc == 0)
        rc = hd_db_cmd(db,
                       "INSERT INTO playbook_version (name, version, source, spec, created_by, "
                       "active) SELECT $1, 1, $2, $3::jsonb, 'seed', true WHERE NOT EXISTS "
                       "(SELECT 1 FROM playbook_version WHERE name = $1)",
                       3, p);
    free(spec);
    free(yaml);
    hd_playbook_clear(&pb);
    return rc;
}

/* The example playbooks of dir/playbooks (docs/playbooks.md). */
static int seed_playbooks(hd_db_t *db, const char *dir) {
    char path[4096];
    struct dirent **list;
    snprintf(path, sizeof path, "%s/playbooks", dir);
    int n = scandir(path, &list, is_yaml, by_name), rc = 0;
    if (n < 0) {
        hd_error("seed_playbooks", "%s: %s", path, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/playbooks/%s", dir, list[i]->d_name);
        rc = rc || seed_playbook(db, path);
        free(list[i]);
    }
    free(list);
    return rc;
}

/* The credentials key (created when missing, as seal_credentials does)
   into key: 1 loaded, 0 none configured, -1 error (logged). */
static int credentials_key(unsigned char key[HD_SECRET_KEY_LEN]) {
    char path[4096];
    if (hd_secret_key_path(hd_config_get("HUDDLE_CREDENTIALS_KEY_FILE"),
                           hd_config_get("HUDDLE_KEYS_DIR"), path, sizeof path) < 0)
        return 0;
    return hd_secret_ensure_key(path) < 0 || hd_secret_load_key(path, key) < 0 ? -1 : 1;
}

#define WEBHOOK_SECRET_BYTES 32
#define WEBHOOK_SECRET_LEN 64 /* "whsec_" + 44 base64 characters + NUL, rounded up */

/* The webhook endpoint the example playbooks notify, crisis-team, unless
   it exists: the sandbox's webhook sink (base_url of channel sandbox +
   /webhooks/crisis-team), so that a crisis on `make up` is delivered
   somewhere one can look. Its secret is made and sealed as ingest makes
   and seals one (services/ingest/admin_webhooks.c) and shown to nobody
   (rotate it to have one). Without a credentials key it cannot be stored:
   the seed fails, as sealing the sample's channel credentials would. */
static int seed_crisis_team(hd_db_t *db) {
    long have =
        hd_db_count(db, "SELECT 1 FROM webhook_endpoint WHERE name = 'crisis-team'", 0, NULL);
    if (have != 0)
        return have < 0 ? -1 : 0;
    unsigned char key[HD_SECRET_KEY_LEN], raw[WEBHOOK_SECRET_BYTES];
    int k = credentials_key(key);
    if (k == 0)
        hd_error("credentials_key_missing",
                 "the sample's webhook endpoint crisis-team needs its secret sealed and no key is "
                 "configured: set HUDDLE_KEYS_DIR or HUDDLE_CREDENTIALS_KEY_FILE");
    if (k <= 0 || sodium_init() < 0)
        return -1;
    char secret[WEBHOOK_SECRET_LEN];
    randombytes_buf(raw, sizeof raw);
    memcpy(secret, "whsec_", 6);
    sodium_bin2base64(secret + 6, sizeof secret - 6, raw, sizeof raw,
                      sodium_base64_VARIANT_ORIGINAL);
    char *sealed = hd_secret_seal(key, secret, strlen(secret));
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(key, sizeof key);
    const char *p[2] = {"the crisis team's chat bridge (the sandbox's webhook sink on make up)",
                        sealed};
    long n = sealed ? hd_db_count(db,
                                  "INSERT INTO webhook_endpoint (name, url, description, secret) "
                                  "SELECT 'crisis-team', rtrim(base_url, '/') || "
                                  "'/webhooks/crisis-team', $1, decode($2, 'hex') "
                                  "FROM channel WHERE id = 'sandbox'",
                                  2, p)
                    : -1;
    free(sealed);
    if (n == 0)
        hd_warn("seed_crisis_team", "no channel 'sandbox': webhook endpoint crisis-team not made");
    else if (n > 0)
        hd_info("seed_crisis_team", "webhook endpoint crisis-team made: the sandbox's sink");
    return n < 0 ? -1 : 0;
}

/* The sample's listening integration: the one token that may post inbound
   mentions, written as "integration:sample-listener TOKEN". */
static int issue_integration_token(hd_db_t *db, const char *path) {
    long n =
        hd_db_count(db, "SELECT 1 FROM api_token WHERE integration = 'sample-listener'", 0, NULL);
    if (n != 0)
        return n < 0 ? -1 : 0;
    char tok[HD_TOKEN_LEN];
    const char *p[1] = {tok};
    if (hd_token_new(tok) ||
        hd_db_cmd(db,
                  "INSERT INTO api_token (id, integration, name, prefix, hash, "
                  "scopes) VALUES (gen_random_uuid(), 'sample-listener', "
                  "'sample listening feed', substr($1, 1, 12), "
                  "sha256(convert_to($1, 'UTF8')), '{inbound}')",
                  1, p))
        return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    FILE *out = fd >= 0 ? fdopen(fd, "a") : NULL;
    if (!out) {
        hd_error("tokens_file", "%s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(out, "integration:sample-listener %s\n", tok);
    fclose(out);
    return 0;
}

static int seed(hd_db_t *db, const char *dir, const char *tokens) {
    char path[4096];
    snprintf(path, sizeof path, "%s/sample-org.sql", dir);
    if (hd_db_begin(db) || run_script(db, path))
        goto fail;
    snprintf(path, sizeof path, "%s/policy/starter.yaml", dir);
    /* crisis-team before the playbooks: their actions.notify names it. */
    if (seed_policy(db, path) || seed_crisis_team(db) || seed_playbooks(db, dir) ||
        issue_tokens(db, tokens) || issue_integration_token(db, tokens) || hd_db_commit(db))
        goto fail;
    hd_info("seeded", "sample organization loaded; tokens in %s", tokens);
    return 0;
fail:
    hd_db_rollback(db);
    return -1;
}

/* Creates the CURVE keys of the hub, ingest and every central service. */
static int make_keys(const char *dir) {
    static const char *names[] = {"hub",       "ingest",  "policy", "workflow",
                                  "publisher", "metrics", "cli",    NULL};
    for (int i = 0; names[i]; i++)
        if (hd_keys_ensure(dir, names[i], NULL, strcmp(names[i], "hub") != 0) < 0)
            return -1;
    return 0;
}

/* ---------- database roles: each service's password ---------- */

/* The login roles of 016_roles.sql, as huddle_NAME: every service's and
   the API's read side's. */
static const char *const DB_ROLES[] = {"hub",       "ingest",  "policy", "workflow",
                                       "publisher", "metrics", "read",   NULL};

/* Writes pw to path (mode 0600) through a temporary file and a rename, so
   that a service never reads half a password. 0, or -1 (logged). */
static int write_password(const char *path, const char *pw) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    int ok = out && fprintf(out, "%s\n", pw) > 0;
    ok = out && fclose(out) == 0 && ok;
    if (!out && fd >= 0)
        close(fd);
    if (!ok || rename(tmp, path) < 0) {
        hd_error("db_password_file", "%s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* The password of `name` in pw: the one in its file, or (rotate, or no
   usable file) a new random one written there. 0, or -1. */
static int role_password(const char *path, int rotate, char pw[HD_DBROLE_PASSWORD_LEN]) {
    char buf[HD_DBROLE_PASSWORD_LEN + 1];
    FILE *f = rotate ? NULL : fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    if (f && hd_dbrole_parse(buf, n, pw) == 0)
        return 0;
    char tok[HD_TOKEN_LEN];
    if (hd_token_new(tok) < 0)
        return -1;
    snprintf(pw, HD_DBROLE_PASSWORD_LEN, "%s", tok);
    return write_password(path, pw);
}

/* ALTER ROLE user PASSWORD: the password is hashed here (SCRAM, as the
   server's password_encryption says), so the clear text never reaches the
   server or its logs; the role is ours, not input, and both are quoted.
   Retried a few times: roles are shared by the cluster's databases, and
   another database's huddle-migrate may update the same catalog row. */
static int set_password(hd_db_t *db, const char *user, const char *pw) {
    PGconn *c = hd_db_conn(db);
    char *hash = PQencryptPasswordConn(c, pw, user, NULL);
    char *lit = hash ? PQescapeLiteral(c, hash, strlen(hash)) : NULL;
    char *id = PQescapeIdentifier(c, user, strlen(user));
    int rc = -1;
    for (int attempt = 0; lit && id && attempt < 5 && rc < 0; attempt++) {
        char sql[1024];
        snprintf(sql, sizeof sql, "ALTER ROLE %s PASSWORD %s", id, lit);
        PGresult *r = PQexec(c, sql);
        rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
        if (rc < 0)
            hd_warn("db_password_retry", "%s: %s", user, PQresultErrorMessage(r));
        PQclear(r);
        if (rc < 0)
            nanosleep(&(struct timespec){0, 50000000L * (attempt + 1)}, NULL);
    }
    if (!hash || !lit || !id)
        hd_error("db_password_failed", "%s: %s", user, PQerrorMessage(c));
    PQfreemem(hash);
    PQfreemem(lit);
    PQfreemem(id);
    return rc;
}

/* Gives every service role its password (role_password) under
   KEYS/db and sets it in the database. 0, or -1. */
static int db_passwords(hd_db_t *db, const char *keys, int rotate) {
    char dir[4096], path[4096], user[HD_DBROLE_USER_LEN], pw[HD_DBROLE_PASSWORD_LEN];
    snprintf(dir, sizeof dir, "%s/db", keys);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        hd_error("db_password_dir", "%s: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; DB_ROLES[i] && !rc; i++) {
        snprintf(user, sizeof user, "huddle_%s", DB_ROLES[i]);
        rc = hd_dbrole_path(keys, DB_ROLES[i], path, sizeof path) ||
             role_password(path, rotate, pw) || set_password(db, user, pw);
    }
    memset(pw, 0, sizeof pw);
    if (!rc)
        hd_info("db_passwords", "%s the service roles' passwords in %s", rotate ? "new" : "set",
                dir);
    return rc ? -1 : 0;
}

/* Takes --rotate-db-passwords out of argv; 1 if it was there. */
static int rotate_flag(int *argc, char **argv) {
    int found = 0, out = 1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--rotate-db-passwords") == 0)
            found = 1;
        else
            argv[out++] = argv[i];
    }
    argv[out] = NULL;
    *argc = out;
    return found;
}

/* ---------- first start: the organization's first orchestrator ---------- */

/* Takes --admin EMAIL, --admin-name NAME and --department ID (or
   --flag=VALUE) out of argv into HUDDLE_ADMIN_EMAIL, HUDDLE_ADMIN_NAME and
   HUDDLE_ADMIN_DEPARTMENT, leaving the rest for hd_config_init. Returns the
   new argc; exits 2 when a flag lacks its value. */
static int admin_flags(int argc, char **argv) {
    static const char *const map[][2] = {{"--admin", "HUDDLE_ADMIN_EMAIL"},
                                         {"--admin-name", "HUDDLE_ADMIN_NAME"},
                                         {"--department", "HUDDLE_ADMIN_DEPARTMENT"}};
    int out = 1;
    for (int i = 1; i < argc; i++) {
        int used = 0;
        for (size_t m = 0; m < sizeof map / sizeof map[0] && !used; m++) {
            size_t n = strlen(map[m][0]);
            if (strncmp(argv[i], map[m][0], n) != 0 || (argv[i][n] && argv[i][n] != '='))
                continue;
            if (!argv[i][n] && i + 1 >= argc) {
                fprintf(stderr, "huddle-migrate: %s needs a value\n", map[m][0]);
                exit(2);
            }
            setenv(map[m][1], argv[i][n] ? argv[i] + n + 1 : argv[++i], 1);
            used = 1;
        }
        if (!used)
            argv[out++] = argv[i];
    }
    argv[out] = NULL;
    return out;
}

/* Records org.<object>.created of the first start (actor "first-start")
   with the object's JSON. 0, or -1 (the caller rolls back). */
static int first_start_event(hd_db_t *db, const char *object, const char *id, const char *dept,
                             const char *after) {
    Huddle__V1__OrgChanged body = HUDDLE__V1__ORG_CHANGED__INIT;
    body.object = (char *)object;
    body.object_id = (char *)id;
    body.action = "created";
    body.before_json = "";
    body.after_json = (char *)after;
    body.actor_id = "";
    body.reason = "first start (huddle-migrate --admin)";
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED;
    env.org_changed = &body;
    char type[HD_TYPE_LEN], eid[HD_ID_LEN];
    env.type = (char *)hd_envelope_org_type(&body, type, sizeof type);
    env.department = (char *)dept;
    env.correlation_id = (char *)(hd_id_valid(id) ? id : "");
    env.actor = "first-start";
    hd_envelope_stamp(&env, eid, "migrate", NULL, NULL);
    return env.type[0] && hd_outbox_put(db, &env) >= 0 ? 0 : -1;
}

/* Runs sql and hands back its single value (JSON text) into *json
   (malloc'd, caller frees); NULL when no row. 0, or -1 on error. */
static int first_start_row(hd_db_t *db, const char *sql, int n, const char *const *p, char **json) {
    PGresult *r = hd_db_exec(db, sql, n, p);
    if (!r)
        return -1;
    *json = PQntuples(r) == 1 ? hd_strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    return 0;
}

/* The department (created if missing, with its event), the person with
   role orchestrator and their token `tok` (all scopes, 30 days), each with
   its org.*.created event, in db's open transaction. 0, or -1. */
static int first_start_rows(hd_db_t *db, const char *email, const char *name, const char *dept,
                            const char *tok) {
    char pid[HD_ID_LEN], tid[HD_ID_LEN];
    hd_id_random(pid);
    hd_id_random(tid);
    const char *p[6] = {dept, "Social Media Center of Excellence", pid, email, name, tid};
    char *d = NULL, *person = NULL, *token = NULL;
    int rc = first_start_row(db,
                             "INSERT INTO department (id, name) VALUES ($1, $2) ON CONFLICT DO "
                             "NOTHING RETURNING json_build_object('id', id, 'name', name, "
                             "'version', version)::text",
                             2, p, &d);
    if (!rc && d)
        rc = first_start_event(db, "department", dept, dept, d);
    const char *pp[4] = {pid, email, name, dept};
    rc = rc || first_start_row(db,
                               "WITH p AS (INSERT INTO person (id, email, name, department_id) "
                               "VALUES ($1, $2, $3, $4) RETURNING *), r AS (INSERT INTO "
                               "person_role (person_id, role) SELECT id, 'orchestrator' FROM p) "
                               "SELECT json_build_object('id', id, 'email', email, 'name', name, "
                               "'department', department_id, 'roles', json_build_array("
                               "'orchestrator'), 'active', active, 'version', version)::text "
                               "FROM p",
                               4, pp, &person);
    rc = rc || !person || first_start_event(db, "person", pid, dept, person);
    const char *tp[4] = {tid, pid, tok, email};
    rc = rc || first_start_row(db,
                               "WITH t AS (INSERT INTO api_token (id, person_id, name, prefix, "
                               "hash, scopes, expires_at) VALUES ($1, $2, 'first-start', "
                               "substr($3, 1, 12), sha256(convert_to($3, 'UTF8')), "
                               "'{read,submit,decide,admin}', now() + interval '30 days') "
                               "RETURNING *) SELECT json_build_object('id', id, 'name', name, "
                               "'prefix', prefix, 'scopes', scopes, 'person', $4::text, "
                               "'expires_at', to_char(expires_at AT TIME ZONE 'UTC', "
                               "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))::text FROM t",
                               4, tp, &token);
    rc = rc || !token || first_start_event(db, "token", tid, dept, token);
    free(d);
    free(person);
    free(token);
    return rc ? -1 : 0;
}

/* 1 if email looks like one (x@y, printable, no spaces) and dept is a slug. */
static int first_start_valid(const char *email, const char *dept) {
    const char *at = strchr(email, '@');
    size_t n = strlen(email);
    if (!at || at == email || !at[1] || n > 254 || strchr(at + 1, '@')) {
        fprintf(stderr, "huddle-migrate: --admin '%s' is not an email address\n", email);
        return 0;
    }
    for (const unsigned char *c = (const unsigned char *)email; *c; c++)
        if (*c <= 0x20 || *c == 0x7f)
            return fprintf(stderr, "huddle-migrate: --admin holds a space or control byte\n"), 0;
    int ok = dept[0] >= 'a' && dept[0] <= 'z' && strlen(dept) <= 63;
    for (const char *c = dept; ok && *c; c++)
        ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-';
    if (!ok)
        fprintf(stderr, "huddle-migrate: --department '%s' must match ^[a-z][a-z0-9-]{0,62}$\n",
                dept);
    return ok;
}

/* First start of a real organization: on a database without any person,
   creates the first orchestrator (first_start_rows) in one transaction and
   prints "EMAIL TOKEN" on stdout, once. With people already there it says
   so on stderr and does nothing (never a second token). 0, or -1. */
static int first_start(hd_db_t *db, const char *email, const char *name, const char *dept) {
    char tok[HD_TOKEN_LEN];
    if (!first_start_valid(email, dept) || hd_token_new(tok) < 0)
        return -1;
    if (hd_db_begin(db) || hd_db_cmd(db, "SELECT pg_advisory_xact_lock(4242002)", 0, NULL))
        goto fail;
    long people = hd_db_count(db, "SELECT 1 FROM person LIMIT 1", 0, NULL);
    if (people < 0)
        goto fail;
    if (people > 0) {
        hd_db_rollback(db);
        fprintf(stderr,
                "huddle-migrate: this organization has people already: --admin %s does "
                "nothing (no token issued). People make their own tokens with `huddle "
                "token create`.\n",
                email);
        return 0;
    }
    if (first_start_rows(db, email, *name ? name : email, dept, tok) || hd_db_commit(db))
        goto fail;
    printf("%s %s\n", email, tok);
    fflush(stdout);
    fprintf(stderr,
            "huddle-migrate: first start: %s is the orchestrator of department '%s'. The line "
            "on stdout is their API token, shown this once and valid 30 days: keep it (e.g. in "
            "the tokens file) and make lasting ones with `huddle token create`.\n",
            email, dept);
    return 0;
fail:
    hd_db_rollback(db);
    hd_error("first_start_failed", "%s: %s", email, hd_db_error(db));
    return -1;
}

/* Writes "handle:credential,..." (the sample's sandbox accounts, sealed in
   this run) to path, mode 0600, unless it exists: what the sandbox is
   started with. */
static int write_sandbox_accounts(const char *path, const char *accounts) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 && errno == EEXIST)
        return 0; /* written by the first run: the sample's accounts do not change */
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!out) {
        hd_error("sandbox_accounts_file", "%s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(out, "%s\n", accounts);
    return fclose(out) == 0 ? 0 : -1;
}

/* Where the sample seed's sandbox accounts go: HUDDLE_TOKENS_FILE.sandbox
   (a static buffer), or NULL when no sample is seeded. */
static const char *sandbox_accounts_path(void) {
    static char path[4096];
    if (strcmp(hd_config_get("HUDDLE_SEED"), "sample") != 0)
        return NULL;
    snprintf(path, sizeof path, "%s.sandbox", hd_config_get("HUDDLE_TOKENS_FILE"));
    return path;
}

/* Channel credentials: creates the key that seals them (when a key file
   or HUDDLE_KEYS_DIR is configured) and seals every credential still in
   the clear (channel_account.token: a seed or an older version) into
   channel_account.secret, clearing token, in one transaction. Idempotent.
   A clear credential and no key configured is an error. When sandbox_path
   is set (the sample seed), the mastodon accounts sealed in this run are
   written there for the sandbox. */
static int seal_credentials(hd_db_t *db, const char *file, const char *keys,
                            const char *sandbox_path) {
    char path[4096];
    unsigned char key[HD_SECRET_KEY_LEN];
    int have = hd_secret_key_path(file, keys, path, sizeof path) == 0;
    if (have && (hd_secret_ensure_key(path) < 0 || hd_secret_load_key(path, key) < 0))
        return -1;
    if (hd_db_begin(db))
        return -1;
    PGresult *r = hd_db_exec(db,
                             "SELECT a.channel_id, a.department_id, a.handle, a.token, "
                             "coalesce(c.kind, '') FROM channel_account a "
                             "LEFT JOIN channel c ON c.id = a.channel_id "
                             "WHERE a.token IS NOT NULL ORDER BY 1, 2 FOR UPDATE OF a",
                             0, NULL);
    int n = r ? PQntuples(r) : -1, rc = r ? 0 : -1;
    if (n > 0 && !have) {
        hd_error("credentials_key_missing",
                 "%d channel credential(s) are stored in the clear and no key is configured to "
                 "seal them: set HUDDLE_KEYS_DIR or HUDDLE_CREDENTIALS_KEY_FILE",
                 n);
        rc = -1;
    }
    char *accounts = hd_calloc(1, 1);
    for (int i = 0; i < n && !rc; i++) {
        const char *tok = PQgetvalue(r, i, 3);
        char *sealed = hd_secret_seal(key, tok, strlen(tok));
        const char *p[3] = {PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), sealed};
        rc = !sealed || hd_db_cmd(db,
                                  "UPDATE channel_account SET secret = decode($3, 'hex'), "
                                  "token = NULL, version = version + 1 "
                                  "WHERE channel_id = $1 AND department_id = $2",
                                  3, p);
        free(sealed);
        if (!strcmp(PQgetvalue(r, i, 4), "mastodon")) {
            size_t len = strlen(accounts) + strlen(PQgetvalue(r, i, 2)) + strlen(tok) + 3;
            char *more = hd_malloc(len);
            snprintf(more, len, "%s%s%s:%s", accounts, *accounts ? "," : "", PQgetvalue(r, i, 2),
                     tok);
            free(accounts);
            accounts = more;
        }
    }
    PQclear(r);
    if (!rc && sandbox_path && *accounts)
        rc = write_sandbox_accounts(sandbox_path, accounts);
    free(accounts);
    if (rc || hd_db_commit(db)) {
        hd_db_rollback(db);
        return -1;
    }
    if (n > 0)
        hd_info("credentials_sealed", "%d channel credential(s) sealed with %s", n, path);
    return 0;
}

int main(int argc, char **argv) {
    argc = admin_flags(argc, argv);
    int rotate = rotate_flag(&argc, argv);
    hd_config_init(argc, argv, "huddle-migrate",
                   "Applies huddle's database migrations; optionally loads the sample "
                   "organization, creates CURVE keys and, on first start (--admin EMAIL "
                   "[--admin-name NAME] [--department ID]), the first orchestrator; with "
                   "HUDDLE_KEYS_DIR, each service's database password (new ones with "
                   "--rotate-db-passwords).",
                   s_vars);
    hd_log_init("migrate");
    const char *keys = hd_config_get("HUDDLE_KEYS_DIR");
    if (keys && *keys && make_keys(keys) < 0)
        return 1;
    hd_db_t *db = hd_db_connect(hd_config_get("HUDDLE_DATABASE_URL"), 30000);
    if (!db)
        return 1;
    int rc = migrate(db, hd_config_get("HUDDLE_MIGRATIONS_DIR"));
    if (!rc && keys && *keys)
        rc = db_passwords(db, keys, rotate);
    else if (!rc && rotate) {
        hd_error("db_passwords", "--rotate-db-passwords needs HUDDLE_KEYS_DIR");
        rc = -1;
    }
    if (!rc && strcmp(hd_config_get("HUDDLE_SEED"), "sample") == 0)
        rc = seed(db, hd_config_get("HUDDLE_SEED_DIR"), hd_config_get("HUDDLE_TOKENS_FILE"));
    if (!rc)
        rc = seal_credentials(db, hd_config_get("HUDDLE_CREDENTIALS_KEY_FILE"), keys,
                              sandbox_accounts_path());
    const char *admin = hd_config_get("HUDDLE_ADMIN_EMAIL");
    if (!rc && admin && *admin)
        rc = first_start(db, admin, hd_config_get("HUDDLE_ADMIN_NAME"),
                         hd_config_get("HUDDLE_ADMIN_DEPARTMENT"));
    hd_db_destroy(&db);
    return rc ? 1 : 0;
}
