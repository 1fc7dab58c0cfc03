/*  hd_dbrole: which PostgreSQL role a process connects as (least
    privilege, docs/deploy.md "Database roles"). Every service has a login
    role of its own, huddle_NAME, created by the migrations and granted only
    what that service needs; huddle-migrate gives it a random password,
    written to $HUDDLE_KEYS_DIR/db/NAME.password (mode 0600). A service
    connects with HUDDLE_DATABASE_URL's host, port and database but as its
    own role with that password, so the owner's password need not be in its
    environment. HUDDLE_DB_ROLE=owner, or no password file, keeps the URL's
    own user (with a warning at start): older set-ups keep running. */
#ifndef HD_DBROLE_H
#define HD_DBROLE_H

#include <stddef.h>

#define HD_DBROLE_USER_LEN 64      /* "huddle_" + name, NUL included */
#define HD_DBROLE_PASSWORD_LEN 128 /* longest password file accepted */

/* Who a connection logs in as: user "" means the URL's own user (and
   password). */
typedef struct {
    char user[HD_DBROLE_USER_LEN];
    char password[HD_DBROLE_PASSWORD_LEN];
} hd_dbrole_t;

/* Writes the password file of identity `name` under keys_dir
   ("KEYS/db/NAME.password") into out (n bytes). 0, or -1 when it does not
   fit or name is not [a-z]+. Pure. */
int hd_dbrole_path(const char *keys_dir, const char *name, char *out, size_t n);

/* Parses a password file's text (len bytes) into out: one line of
   printable ASCII (a trailing newline is dropped), 16 to 127 characters.
   0, or -1 (out is then ""). Pure. */
int hd_dbrole_parse(const char *text, size_t len, char out[HD_DBROLE_PASSWORD_LEN]);

/* Sets this process's identity to huddle_NAME, reading its password file
   under HUDDLE_KEYS_DIR, unless HUDDLE_DB_ROLE is "owner" or the file is
   missing (the URL's own user then; logged as a warning). Call once in
   main after hd_config_init and hd_log_init, before any connection or
   thread: every hd_db_connect* of the process then uses it. 0, or -1 when
   the file exists but cannot be read or is malformed (logged). */
int hd_dbrole_init(const char *name);

/* The identity of a connection, copied into out: `name`'s own (its
   password file read now) when name is set and its file exists, else the
   process's (hd_dbrole_init; the URL's user when never set). 0, or -1
   when name's file exists but cannot be read (out is then the process's). */
int hd_dbrole_get(const char *name, hd_dbrole_t *out);

#endif
