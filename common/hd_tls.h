/*  hd_tls: TLS for a server that does its own I/O (hd_http_server's libuv
    loop), over OpenSSL with memory BIOs: the caller reads ciphertext from
    the socket and hands it in, gets plaintext (and the bytes the TLS
    library wants sent back: handshake, alerts, tickets) out through sinks,
    and writes those bytes itself. No socket, no thread, no blocking here.

    Policy (the context): TLS 1.2 at least, 1.3 preferred (the library picks
    the highest both sides speak); for 1.2 only ECDHE key exchange with AEAD
    ciphers (AES-GCM, ChaCha20-Poly1305), in the server's order; 1.3 with
    the library's suites (all AEAD); no compression, no renegotiation,
    OpenSSL security level 2 at least (RSA keys of 2048 bits and up), ALPN
    "http/1.1" when the client offers it.

    Threads: a context is read-only once made and may serve sessions on any
    thread; a session belongs to one thread at a time. Errors are read from
    OpenSSL's per-thread queue, which every call here clears first. */
#ifndef HD_TLS_H
#define HD_TLS_H

#include <stddef.h>

typedef struct hd_tls_ctx hd_tls_ctx_t;
typedef struct hd_tls hd_tls_t;

/* Where output goes: called with bytes the callee must copy before
   returning (borrowed). */
typedef void(hd_tls_sink_fn)(void *arg, const char *data, size_t len);

/* A server context from PEM files: cert_file holds the certificate, then
   any intermediates (leaf first); key_file its private key (unencrypted).
   Returns NULL when either cannot be read or parsed or they do not match,
   with a sentence naming the file in err (errlen bytes). The caller owns
   the context. */
hd_tls_ctx_t *hd_tls_ctx_new(const char *cert_file, const char *key_file, char *err, size_t errlen);

/* Frees the context; sessions made from it keep what they need. Safe on
   NULL; nulls the caller's pointer. */
void hd_tls_ctx_destroy(hd_tls_ctx_t **self_p);

/* A server session of ctx (borrowed) waiting for a client's hello; NULL
   only if OpenSSL cannot allocate. The caller owns the session. */
hd_tls_t *hd_tls_session_new(hd_tls_ctx_t *ctx);

/* Frees the session without a close_notify. Safe on NULL; nulls the
   caller's pointer. */
void hd_tls_session_destroy(hd_tls_t **self_p);

/* Takes `len` bytes of ciphertext read from the peer (borrowed) and goes as
   far as they allow: handshake, then decryption. Plaintext goes to
   plain(arg, ...), bytes for the peer to send(arg, ...), each in order,
   possibly in several calls. Returns 0, or -1 when the session failed (bad
   handshake, protocol version refused, corrupt record): the alert for the
   peer, if any, has gone to send; hd_tls_error says why, and every later
   call fails too. A close_notify from the peer ends its input: what follows
   it is ignored. */
int hd_tls_decrypt(hd_tls_t *self, const char *cipher, size_t len, hd_tls_sink_fn *plain,
                   hd_tls_sink_fn *send, void *arg);

/* Encrypts `len` bytes of plaintext (borrowed) after the handshake; the
   records go to send(arg, ...). Returns 0, or -1 before the handshake is
   done or after a failure. */
int hd_tls_encrypt(hd_tls_t *self, const char *plain, size_t len, hd_tls_sink_fn *send, void *arg);

/* Our close_notify, to send(arg, ...) before the transport shuts down.
   Once per session; does nothing before the handshake is done or after a
   failure (there is nothing to close politely then). */
void hd_tls_close(hd_tls_t *self, hd_tls_sink_fn *send, void *arg);

/* 1 once the handshake is complete. */
int hd_tls_handshake_done(const hd_tls_t *self);

/* Why the session failed ("" if it has not); borrowed, lives as long as
   the session. */
const char *hd_tls_error(const hd_tls_t *self);

/* The protocol version in use ("TLSv1.3"), or "" before the handshake;
   static. */
const char *hd_tls_version(const hd_tls_t *self);

#endif
