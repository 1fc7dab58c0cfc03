/*  hd_tls: a TLS server session over OpenSSL memory BIOs (see hd_tls.h).
    The session's read BIO holds the ciphertext the caller handed in and not
    yet consumed; its write BIO collects what OpenSSL wants sent, and every
    call empties it into the caller's send sink before returning, so
    nothing waits in here between calls but a partial record. */
#include "hd_tls.h"

#include "hd_mem.h"

#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* TLS 1.2: forward secrecy and AEAD only, strongest first (Mozilla's
   "intermediate" list without the finite-field DHE suites). TLS 1.3 keeps
   the library's suites, which are all AEAD. */
#define TLS12_CIPHERS                                                                          \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

struct hd_tls_ctx {
    SSL_CTX *ssl_ctx;
};

struct hd_tls {
    SSL *ssl;
    BIO *rbio, *wbio; /* owned by ssl */
    int failed;
    int peer_closed; /* the peer's close_notify came */
    int closed;      /* ours went out */
    char err[256];
};

/* ---- the context ---- */

/* The newest reason on this thread's OpenSSL error queue, then clears it. */
static const char *ssl_reason(void) {
    unsigned long e = ERR_peek_last_error();
    const char *why = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return why ? why : "unknown error";
}

/* A key with a passphrase is refused rather than prompted for. */
static int no_passphrase(char *buf, int size, int rwflag, void *arg) {
    (void)buf, (void)size, (void)rwflag, (void)arg;
    return 0;
}

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg) {
    (void)ssl, (void)arg;
    static const unsigned char ours[] = "\x08http/1.1";
    unsigned char *sel = NULL;
    if (SSL_select_next_proto(&sel, outlen, ours, sizeof ours - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK; /* h2 only: go on without ALPN */
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

/* The policy of hd_tls.h on a fresh SSL_CTX. */
static int ctx_policy(SSL_CTX *c) {
    long opts = SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION;
#ifdef SSL_OP_NO_CLIENT_RENEGOTIATION
    opts |= SSL_OP_NO_CLIENT_RENEGOTIATION;
#endif
    SSL_CTX_set_options(c, opts);
    SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_get_security_level(c) < 2)
        SSL_CTX_set_security_level(c, 2);
    SSL_CTX_set_default_passwd_cb(c, no_passphrase);
    SSL_CTX_set_alpn_select_cb(c, alpn_select, NULL);
    static const unsigned char sid[] = "huddle";
    return SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) == 1 &&
                   SSL_CTX_set_cipher_list(c, TLS12_CIPHERS) == 1 &&
                   SSL_CTX_set_session_id_context(c, sid, sizeof sid - 1) == 1
               ? 0
               : -1;
}

/* A file that cannot be opened is said so with the system's reason. */
static int readable(const char *what, const char *path, char *err, size_t errlen) {
    FILE *f = path && *path ? fopen(path, "r") : NULL;
    if (f) {
        fclose(f);
        return 0;
    }
    snprintf(err, errlen, "cannot read the TLS %s file '%s': %s", what, path ? path : "",
             path && *path ? strerror(errno) : "no file named");
    return -1;
}

/* The key just loaded is not the certificate's (OpenSSL says so while
   loading it). */
static int key_mismatch(void) {
    unsigned long e = ERR_peek_last_error();
    return ERR_GET_LIB(e) == ERR_LIB_X509 && (ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH ||
                                              ERR_GET_REASON(e) == X509_R_KEY_TYPE_MISMATCH);
}

static int ctx_load(SSL_CTX *c, const char *cert, const char *key, char *err, size_t errlen) {
    if (readable("certificate", cert, err, errlen) < 0 || readable("key", key, err, errlen) < 0)
        return -1;
    if (SSL_CTX_use_certificate_chain_file(c, cert) != 1) {
        snprintf(err, errlen, "cannot load a PEM certificate from '%s': %s", cert, ssl_reason());
        return -1;
    }
    int loaded = SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) == 1;
    if (!loaded && !key_mismatch()) {
        snprintf(err, errlen, "cannot load an unencrypted PEM private key from '%s': %s", key,
                 ssl_reason());
        return -1;
    }
    if (!loaded || SSL_CTX_check_private_key(c) != 1) {
        ERR_clear_error();
        snprintf(err, errlen, "the private key in '%s' does not match the certificate in '%s'", key,
                 cert);
        return -1;
    }
    return 0;
}

hd_tls_ctx_t *hd_tls_ctx_new(const char *cert_file, const char *key_file, char *err,
                             size_t errlen) {
    char scratch[8];
    if (!err || errlen == 0)
        err = scratch, errlen = sizeof scratch;
    err[0] = '\0';
    ERR_clear_error();
    SSL_CTX *c = SSL_CTX_new(TLS_server_method());
    if (!c) {
        snprintf(err, errlen, "cannot make a TLS context: %s", ssl_reason());
        return NULL;
    }
    if (ctx_policy(c) < 0) {
        snprintf(err, errlen, "cannot set the TLS policy: %s", ssl_reason());
        SSL_CTX_free(c);
        return NULL;
    }
    if (ctx_load(c, cert_file, key_file, err, errlen) < 0) {
        SSL_CTX_free(c);
        return NULL;
    }
    hd_tls_ctx_t *self = hd_calloc(1, sizeof *self);
    self->ssl_ctx = c;
    return self;
}

void hd_tls_ctx_destroy(hd_tls_ctx_t **self_p) {
    if (!self_p || !*self_p)
        return;
    SSL_CTX_free((*self_p)->ssl_ctx); /* reference counted: sessions keep theirs */
    free(*self_p);
    *self_p = NULL;
}

/* ---- sessions ---- */

hd_tls_t *hd_tls_session_new(hd_tls_ctx_t *ctx) {
    if (!ctx)
        return NULL;
    ERR_clear_error();
    SSL *ssl = SSL_new(ctx->ssl_ctx);
    BIO *r = BIO_new(BIO_s_mem()), *w = BIO_new(BIO_s_mem());
    if (!ssl || !r || !w) {
        SSL_free(ssl);
        BIO_free(r);
        BIO_free(w);
        ERR_clear_error();
        return NULL;
    }
    BIO_set_mem_eof_return(r, -1); /* empty means "wait for more", not EOF */
    SSL_set_bio(ssl, r, w);
    SSL_set_accept_state(ssl);
    hd_tls_t *self = hd_calloc(1, sizeof *self);
    self->ssl = ssl;
    self->rbio = r;
    self->wbio = w;
    return self;
}

void hd_tls_session_destroy(hd_tls_t **self_p) {
    if (!self_p || !*self_p)
        return;
    SSL_free((*self_p)->ssl);
    free(*self_p);
    *self_p = NULL;
}

/* Hands what OpenSSL wrote to the sink and empties the write BIO. */
static void flush(hd_tls_t *t, hd_tls_sink_fn *send, void *arg) {
    char *p = NULL;
    long n = BIO_get_mem_data(t->wbio, &p);
    if (n > 0 && send)
        send(arg, p, (size_t)n);
    (void)BIO_reset(t->wbio);
}

static int session_fail(hd_tls_t *t, int sslerr) {
    const char *why = ERR_peek_last_error()         ? ssl_reason()
                      : sslerr == SSL_ERROR_SYSCALL ? "the stream ended inside a record"
                                                    : "TLS protocol error";
    snprintf(t->err, sizeof t->err, "%s%s", SSL_is_init_finished(t->ssl) ? "" : "handshake: ", why);
    ERR_clear_error();
    t->failed = 1;
    return -1;
}

int hd_tls_decrypt(hd_tls_t *self, const char *cipher, size_t len, hd_tls_sink_fn *plain,
                   hd_tls_sink_fn *send, void *arg) {
    if (!self || self->failed)
        return -1;
    if (self->peer_closed)
        return 0;
    ERR_clear_error();
    if (len > 0 && BIO_write(self->rbio, cipher, (int)(len < INT_MAX ? len : INT_MAX)) <= 0)
        return session_fail(self, SSL_ERROR_SSL);
    char buf[16384];
    int rc = 0;
    for (;;) {
        int n = SSL_read(self->ssl, buf, sizeof buf);
        if (n > 0) {
            plain(arg, buf, (size_t)n);
            continue;
        }
        int e = SSL_get_error(self->ssl, n);
        if (e == SSL_ERROR_ZERO_RETURN)
            self->peer_closed = 1;
        else if (e != SSL_ERROR_WANT_READ)
            rc = session_fail(self, e);
        break;
    }
    flush(self, send, arg); /* handshake, tickets, or the alert of a failure */
    return rc;
}

int hd_tls_encrypt(hd_tls_t *self, const char *plain, size_t len, hd_tls_sink_fn *send, void *arg) {
    if (!self || self->failed || self->closed || !SSL_is_init_finished(self->ssl))
        return -1;
    ERR_clear_error();
    size_t off = 0;
    while (off < len) {
        size_t chunk = len - off < INT_MAX ? len - off : INT_MAX;
        int n = SSL_write(self->ssl, plain + off, (int)chunk);
        if (n <= 0) {
            session_fail(self, SSL_get_error(self->ssl, n));
            flush(self, send, arg);
            return -1;
        }
        off += (size_t)n;
    }
    flush(self, send, arg);
    return 0;
}

void hd_tls_close(hd_tls_t *self, hd_tls_sink_fn *send, void *arg) {
    if (!self || self->failed || self->closed || !SSL_is_init_finished(self->ssl))
        return;
    self->closed = 1;
    ERR_clear_error();
    (void)SSL_shutdown(self->ssl); /* 0: ours is out; we do not wait for theirs */
    ERR_clear_error();
    flush(self, send, arg);
}

int hd_tls_handshake_done(const hd_tls_t *self) {
    return self && SSL_is_init_finished(self->ssl) ? 1 : 0;
}

const char *hd_tls_error(const hd_tls_t *self) { return self ? self->err : ""; }

const char *hd_tls_version(const hd_tls_t *self) {
    return self && SSL_is_init_finished(self->ssl) ? SSL_get_version(self->ssl) : "";
}
