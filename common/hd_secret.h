/*  hd_secret: channel credentials sealed at rest. A credential is stored
    as nonce || crypto_secretbox_easy(credential) (libsodium: XSalsa20 and
    Poly1305, a random nonce per value) under a 32-byte key kept in a file
    outside the database (HUDDLE_CREDENTIALS_KEY_FILE, by default
    $HUDDLE_KEYS_DIR/credentials.key, 64 hex digits, mode 0600): a dump of
    the database alone does not reveal a credential, and a sealed value
    that was changed, or sealed under another key, does not open.
    huddle-migrate creates the key; ingest seals what an administrator
    sets; the publisher opens a credential when it uses it. Sealed values
    travel as lowercase hex, the form SQL takes and gives them in
    (decode($1, 'hex') / encode(secret, 'hex')). */
#ifndef HD_SECRET_H
#define HD_SECRET_H

#include <stddef.h>

#define HD_SECRET_KEY_LEN 32
#define HD_SECRET_KEY_NAME "credentials.key"
#define HD_SECRET_MAX 4096 /* longest credential sealed */

/* The key file's path into out: `file` when it is set (non-empty), else
   keys_dir/credentials.key when keys_dir is set. 0, or -1 when neither is
   set or out is too small. Pure. */
int hd_secret_key_path(const char *file, const char *keys_dir, char *out, size_t n);

/* Creates the key file at path (32 random bytes as hex, mode 0600) unless
   it exists. 1 created, 0 already there, -1 on error (logged). */
int hd_secret_ensure_key(const char *path);

/* Reads the key of the file at path into key. 0, or -1 when the file is
   missing, unreadable or not 64 hex digits (logged). */
int hd_secret_load_key(const char *path, unsigned char key[HD_SECRET_KEY_LEN]);

/* Seals the len bytes of clear (1..HD_SECRET_MAX) under key with a fresh
   random nonce. Returns the sealed value as hex (the caller's to free), or
   NULL when len is out of range. */
char *hd_secret_seal(const unsigned char key[HD_SECRET_KEY_LEN], const char *clear, size_t len);

/* Opens a sealed value given as hex. Returns the credential as a
   NUL-terminated string (the caller's to free; wipe it with
   hd_secret_free), or NULL when the value is malformed, was changed, or was
   sealed under another key. */
char *hd_secret_open(const unsigned char key[HD_SECRET_KEY_LEN], const char *sealed_hex);

/* Wipes and frees a credential returned by hd_secret_open; safe on NULL. */
void hd_secret_free(char *clear);

#endif
