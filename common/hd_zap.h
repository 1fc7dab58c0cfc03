/*  hd_zap: the ZAP handler (RFC 27) of a CURVE server socket. It answers on
    inproc://zeromq.zap.01 in the caller's context and accepts only the public
    keys found in an authorized directory (hd_keys.h), answering with the
    peer's name as User-Id; everything else gets 400. The directory is re-read
    when it changes, so adding a spoke's key needs no restart.
    Poll hd_zap_socket() with the server's sockets and call hd_zap_handle()
    when it is readable: the handshake waits for the answer, so the handler
    must run in the same loop as, or beside, the server. */
#ifndef HD_ZAP_H
#define HD_ZAP_H

typedef struct hd_zap hd_zap_t;

/* Binds the handler in zmq context `ctx`. NULL on error. Caller destroys. */
hd_zap_t *hd_zap_new(void *ctx, const char *authorized_dir);
void hd_zap_destroy(hd_zap_t **self_p);

/* The REP socket to poll for ZMQ_POLLIN. Borrowed. */
void *hd_zap_socket(hd_zap_t *self);

/* Answers every pending ZAP request without blocking. */
void hd_zap_handle(hd_zap_t *self);

/* The department a named peer is limited to, or NULL (any). Borrowed until
   the next hd_zap_handle. */
const char *hd_zap_department(hd_zap_t *self, const char *peer);

/* 1 if the named peer's key is still authorized (the directory re-read
   when it changed): a key removed from authorized/ is refused at the
   peer's next request, not only at its next handshake. */
int hd_zap_authorized(hd_zap_t *self, const char *peer);

/* Counters for tests and /metrics. */
unsigned long hd_zap_accepted(hd_zap_t *self);
unsigned long hd_zap_refused(hd_zap_t *self);

#endif
