/*  hd_keys: CURVE key files. Keys live under HUDDLE_KEYS_DIR in CZMQ's zcert
    format: NAME.key (public, with metadata) and NAME.key_secret (secret).
    Peers the hub and ingest accept are the public certs under
    KEYS_DIR/authorized/ (the file stem is the peer's name; metadata
    "department" limits a peer, e.g. a spoke, to one department). */
#ifndef HD_KEYS_H
#define HD_KEYS_H

#include <czmq.h>

/* Creates NAME.key and NAME.key_secret under dir unless they exist; when
   authorize is set, also copies the public cert to dir/authorized/NAME.key.
   department may be NULL. 0 on success, -1 on error (logged). */
int hd_keys_ensure(const char *dir, const char *name, const char *department, int authorize);

/* Loads NAME's secret cert; NULL if missing (logged). Caller destroys. */
zcert_t *hd_keys_load(const char *dir, const char *name);

/* Loads NAME's public key as Z85 (41 bytes with NUL) into out. 0 / -1. */
int hd_keys_public(const char *dir, const char *name, char out[41]);

/* Makes `sock` a CURVE server with `own` keys, ZAP domain "huddle" and
   ZAP_ENFORCE_DOMAIN on, so a connection without an answering ZAP handler is
   refused (fail closed). 0 / -1. */
int hd_keys_server(void *sock, zcert_t *own);

/* Makes `sock` a CURVE client of a server with public key server_z85. */
int hd_keys_client(void *sock, zcert_t *own, const char *server_z85);

#endif
