/*  Tests for hd_tls: a server session driven in memory against an OpenSSL
    client (handshake, both directions, close_notify, the version and
    cipher policy, garbage), the errors of bad certificate and key files,
    and hd_http_server over a real socket with TLS on. Certificates are made
    here, self-signed, in a temporary folder. */
#include "hd_http.h"
#include "hd_test.h"
#include "hd_tls.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* ---- certificates ---- */

static char s_dir[64];
static char s_cert[128], s_key[128], s_other_key[128], s_garbage[128];

static EVP_PKEY *write_key(const char *path) {
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    FILE *f = fopen(path, "w");
    if (!k || !f)
        abort();
    PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    return k;
}

/* A self-signed certificate for CN=localhost, IP 127.0.0.1, valid an hour. */
static void write_cert(const char *path, EVP_PKEY *k) {
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, k);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                               0);
    X509_set_issuer_name(x, n);
    X509_EXTENSION *ext =
        X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    X509_sign(x, k, EVP_sha256());
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    PEM_write_X509(f, x);
    fclose(f);
    X509_free(x);
}

static void remove_files(void);

/* Once per process, removed at exit. */
static void make_files(void) {
    if (s_dir[0])
        return;
    atexit(remove_files);
    snprintf(s_dir, sizeof s_dir, "/tmp/hd-tls-XXXXXX");
    if (!mkdtemp(s_dir))
        abort();
    snprintf(s_cert, sizeof s_cert, "%s/cert.pem", s_dir);
    snprintf(s_key, sizeof s_key, "%s/key.pem", s_dir);
    snprintf(s_other_key, sizeof s_other_key, "%s/other.pem", s_dir);
    snprintf(s_garbage, sizeof s_garbage, "%s/garbage.pem", s_dir);
    EVP_PKEY *k = write_key(s_key);
    write_cert(s_cert, k);
    EVP_PKEY_free(k);
    EVP_PKEY_free(write_key(s_other_key));
    FILE *f = fopen(s_garbage, "w");
    fputs("this is not PEM\n", f);
    fclose(f);
}

static void remove_files(void) {
    unlink(s_cert);
    unlink(s_key);
    unlink(s_other_key);
    unlink(s_garbage);
    rmdir(s_dir);
}

/* ---- an OpenSSL client in memory ---- */

typedef struct {
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *in, *out; /* in: what the server sent; out: what the client sends */
} client_t;

static client_t client_new(int min_version, int max_version, const char *ciphers) {
    client_t c;
    c.ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(c.ctx, min_version);
    SSL_CTX_set_max_proto_version(c.ctx, max_version);
    if (ciphers)
        SSL_CTX_set_cipher_list(c.ctx, ciphers);
    SSL_CTX_load_verify_locations(c.ctx, s_cert, NULL);
    SSL_CTX_set_verify(c.ctx, SSL_VERIFY_PEER, NULL);
    c.ssl = SSL_new(c.ctx);
    c.in = BIO_new(BIO_s_mem());
    c.out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(c.in, -1);
    SSL_set_bio(c.ssl, c.in, c.out);
    SSL_set_connect_state(c.ssl);
    SSL_set1_host(c.ssl, "localhost");
    return c;
}

static void client_free(client_t *c) {
    SSL_free(c->ssl);
    SSL_CTX_free(c->ctx);
}

typedef struct {
    char data[65536];
    size_t len;
} sink_t;

static void to_sink(void *arg, const char *p, size_t n) {
    sink_t *k = arg;
    if (k->len + n <= sizeof k->data) {
        memcpy(k->data + k->len, p, n);
        k->len += n;
    }
}

typedef struct {
    client_t *client;
    sink_t plain;
} pump_t;

static void to_client(void *arg, const char *p, size_t n) {
    BIO_write(((pump_t *)arg)->client->in, p, (int)n);
}
static void to_plain(void *arg, const char *p, size_t n) { to_sink(&((pump_t *)arg)->plain, p, n); }

/* Moves what the client wrote to the server; returns hd_tls_decrypt's. */
static int client_to_server(hd_tls_t *t, pump_t *p) {
    char *data;
    long n = BIO_get_mem_data(p->client->out, &data);
    int rc = hd_tls_decrypt(t, data, (size_t)(n > 0 ? n : 0), to_plain, to_client, p);
    (void)BIO_reset(p->client->out);
    return rc;
}

/* Runs the handshake both ways; 0 when both sides finished, -1 when the
   server failed, -2 when only the client did. */
static int handshake(hd_tls_t *t, pump_t *p) {
    for (int i = 0; i < 10; i++) {
        int c = SSL_do_handshake(p->client->ssl);
        int e = c == 1 ? SSL_ERROR_NONE : SSL_get_error(p->client->ssl, c);
        if (client_to_server(t, p) < 0)
            return -1;
        if (c == 1 && hd_tls_handshake_done(t))
            return 0;
        if (c <= 0 && e != SSL_ERROR_WANT_READ) {
            char why[256];
            ERR_error_string_n(ERR_peek_last_error(), why, sizeof why);
            fprintf(stderr, "client: %d %s (%s)\n", e, why,
                    X509_verify_cert_error_string(SSL_get_verify_result(p->client->ssl)));
            return -2;
        }
    }
    return -2;
}

static hd_tls_ctx_t *ctx_ok(void) {
    make_files();
    char err[256];
    hd_tls_ctx_t *ctx = hd_tls_ctx_new(s_cert, s_key, err, sizeof err);
    if (!ctx)
        fprintf(stderr, "hd_tls_ctx_new: %s\n", err);
    return ctx;
}

/* ---- the cases ---- */

HD_TEST(tls13_round_trip_and_close_notify) {
    hd_tls_ctx_t *ctx = ctx_ok();
    ASSERT(ctx);
    hd_tls_t *t = hd_tls_session_new(ctx);
    client_t c = client_new(TLS1_2_VERSION, 0, NULL);
    pump_t p = {.client = &c};
    ASSERT_EQ(handshake(t, &p), 0);
    ASSERT_STR(hd_tls_version(t), "TLSv1.3");
    ASSERT_STR(SSL_get_version(c.ssl), "TLSv1.3");

    /* client -> server: plaintext comes out whole */
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(SSL_write(c.ssl, req, sizeof req - 1), (int)sizeof req - 1);
    ASSERT_EQ(client_to_server(t, &p), 0);
    ASSERT_EQ(p.plain.len, sizeof req - 1);
    ASSERT(memcmp(p.plain.data, req, p.plain.len) == 0);

    /* server -> client, a body of several records */
    static char big[40000];
    memset(big, 'x', sizeof big);
    ASSERT_EQ(hd_tls_encrypt(t, big, sizeof big, to_client, &p), 0);
    char got[sizeof big];
    size_t have = 0;
    while (have < sizeof got) {
        int n = SSL_read(c.ssl, got + have, (int)(sizeof got - have));
        ASSERT(n > 0);
        have += (size_t)n;
    }
    ASSERT(memcmp(got, big, sizeof big) == 0);

    /* close_notify: the client reads a clean end; a second close is nothing */
    hd_tls_close(t, to_client, &p);
    ASSERT_EQ(SSL_read(c.ssl, got, sizeof got), 0);
    ASSERT_EQ(SSL_get_error(c.ssl, 0), SSL_ERROR_ZERO_RETURN);
    size_t before = BIO_ctrl_pending(c.in);
    hd_tls_close(t, to_client, &p);
    ASSERT_EQ(BIO_ctrl_pending(c.in), before);
    ASSERT_EQ(hd_tls_encrypt(t, "x", 1, to_client, &p), -1);
    ASSERT_STR(hd_tls_error(t), "");

    client_free(&c);
    hd_tls_session_destroy(&t);
    ASSERT(t == NULL);
    hd_tls_ctx_destroy(&ctx);
    hd_tls_ctx_destroy(&ctx);
}

HD_TEST(tls12_is_ecdhe_with_aead) {
    hd_tls_ctx_t *ctx = ctx_ok();
    ASSERT(ctx);
    hd_tls_t *t = hd_tls_session_new(ctx);
    client_t c = client_new(TLS1_2_VERSION, TLS1_2_VERSION, "ALL:@SECLEVEL=0");
    pump_t p = {.client = &c};
    ASSERT_EQ(handshake(t, &p), 0);
    ASSERT_STR(hd_tls_version(t), "TLSv1.2");
    const char *cipher = SSL_get_cipher_name(c.ssl);
    ASSERT(strncmp(cipher, "ECDHE-", 6) == 0);
    ASSERT(strstr(cipher, "GCM") || strstr(cipher, "CHACHA20"));
    client_free(&c);
    hd_tls_session_destroy(&t);

    /* A client offering only CBC suites finds nothing in common. */
    t = hd_tls_session_new(ctx);
    c = client_new(TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA:AES128-SHA");
    p = (pump_t){.client = &c};
    ASSERT_EQ(handshake(t, &p), -1);
    ASSERT(strstr(hd_tls_error(t), "no shared cipher"));
    client_free(&c);
    hd_tls_session_destroy(&t);
    hd_tls_ctx_destroy(&ctx);
}

HD_TEST(tls10_and_11_refused_with_an_alert) {
    hd_tls_ctx_t *ctx = ctx_ok();
    ASSERT(ctx);
    int versions[] = {TLS1_VERSION, TLS1_1_VERSION};
    for (int i = 0; i < 2; i++) {
        hd_tls_t *t = hd_tls_session_new(ctx);
        client_t c = client_new(TLS1_VERSION, versions[i], "ALL:@SECLEVEL=0");
        pump_t p = {.client = &c};
        ASSERT_EQ(handshake(t, &p), -1);
        ASSERT(strstr(hd_tls_error(t), "handshake: "));
        ASSERT(strstr(hd_tls_error(t), "unsupported protocol"));
        /* The server's alert reaches the client: it learns why. */
        ASSERT_EQ(SSL_do_handshake(c.ssl), -1);
        char why[256];
        ERR_error_string_n(ERR_peek_last_error(), why, sizeof why);
        ERR_clear_error();
        ASSERT(strstr(why, "protocol version"));
        ASSERT_EQ(hd_tls_decrypt(t, "x", 1, to_plain, to_client, &p), -1);
        client_free(&c);
        hd_tls_session_destroy(&t);
    }
    hd_tls_ctx_destroy(&ctx);
}

HD_TEST(garbage_fails_the_session_for_good) {
    hd_tls_ctx_t *ctx = ctx_ok();
    ASSERT(ctx);
    hd_tls_t *t = hd_tls_session_new(ctx);
    sink_t plain = {.len = 0}, out = {.len = 0};
    static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(hd_tls_decrypt(t, req, sizeof req - 1, to_sink, to_sink, &plain), -1);
    ASSERT(strstr(hd_tls_error(t), "http request"));
    ASSERT_EQ(plain.len, 0);
    ASSERT_EQ(hd_tls_decrypt(t, "\x16\x03\x01", 3, to_sink, to_sink, &out), -1);
    ASSERT_EQ(hd_tls_encrypt(t, "x", 1, to_sink, &out), -1);
    hd_tls_close(t, to_sink, &out);
    ASSERT_EQ(out.len, 0);
    hd_tls_session_destroy(&t);

    /* A record header announcing a record too large for TLS. */
    t = hd_tls_session_new(ctx);
    ASSERT_EQ(hd_tls_decrypt(t, "\x16\x03\x01\xff\xff", 5, to_sink, to_sink, &out), -1);
    ASSERT(*hd_tls_error(t));
    hd_tls_session_destroy(&t);

    /* Half a hello is not an error: it waits for the rest. */
    t = hd_tls_session_new(ctx);
    ASSERT_EQ(hd_tls_decrypt(t, "\x16\x03\x01\x00\x80\x01", 6, to_sink, to_sink, &out), 0);
    ASSERT_EQ(hd_tls_handshake_done(t), 0);
    ASSERT_STR(hd_tls_version(t), "");
    hd_tls_session_destroy(&t);
    hd_tls_ctx_destroy(&ctx);
}

HD_TEST(alpn_picks_http11) {
    hd_tls_ctx_t *ctx = ctx_ok();
    ASSERT(ctx);
    hd_tls_t *t = hd_tls_session_new(ctx);
    client_t c = client_new(TLS1_2_VERSION, 0, NULL);
    static const unsigned char protos[] = "\x02h2\x08http/1.1";
    SSL_set_alpn_protos(c.ssl, protos, sizeof protos - 1);
    pump_t p = {.client = &c};
    ASSERT_EQ(handshake(t, &p), 0);
    const unsigned char *sel;
    unsigned int len;
    SSL_get0_alpn_selected(c.ssl, &sel, &len);
    ASSERT_EQ(len, 8);
    ASSERT(memcmp(sel, "http/1.1", 8) == 0);
    client_free(&c);
    hd_tls_session_destroy(&t);
    hd_tls_ctx_destroy(&ctx);
}

static void expect_error(const char *cert, const char *key, const char *want1, const char *want2) {
    char err[512] = "unset";
    hd_tls_ctx_t *ctx = hd_tls_ctx_new(cert, key, err, sizeof err);
    if (ctx || !strstr(err, want1) || (want2 && !strstr(err, want2))) {
        fprintf(stderr, "cert %s key %s: got '%s', wanted '%s' and '%s'\n", cert, key, err, want1,
                want2 ? want2 : "");
        hd_test_failed = 1;
    }
    hd_tls_ctx_destroy(&ctx);
}

HD_TEST(bad_files_are_named) {
    make_files();
    char missing[160];
    snprintf(missing, sizeof missing, "%s/missing.pem", s_dir);
    expect_error(missing, s_key, missing, "No such file");
    expect_error(s_cert, missing, missing, "No such file");
    expect_error("", s_key, "certificate", NULL);
    expect_error(NULL, NULL, "certificate", NULL);
    expect_error(s_garbage, s_key, s_garbage, "certificate");
    expect_error(s_cert, s_garbage, s_garbage, "private key");
    expect_error(s_key, s_key, s_key, "certificate"); /* a key where the cert goes */
    expect_error(s_cert, s_other_key, s_other_key, "does not match");
    ASSERT(s_cert[0]); /* the helper reports its own failures */
}

/* ---- hd_http_server with TLS, over a real socket ---- */

/* "hello", or for a body "got N". */
static void hello(hd_http_req_t *req, void *arg) {
    (void)arg;
    size_t len = 0;
    hd_http_req_body(req, &len);
    char out[32];
    int n = len ? snprintf(out, sizeof out, "got %zu", len) : snprintf(out, sizeof out, "hello");
    hd_http_respond(req, 200, "text/plain", out, (size_t)n);
}

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends `req` over HTTPS (it ends with Connection: close) and reads until
   the server closes; the answers in out, and whether they ended with a
   close_notify. */
static int https_send(int port, const char *req, size_t len, char *out, size_t cap,
                      int *clean_end) {
    int fd = connect_to(port);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, s_cert, NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set1_host(ssl, "127.0.0.1");
    int rc = -1;
    size_t have = 0;
    *clean_end = 0;
    if (fd >= 0 && SSL_connect(ssl) == 1 && SSL_write(ssl, req, (int)len) > 0) {
        int n = 0;
        while (have + 1 < cap && (n = SSL_read(ssl, out + have, (int)(cap - have - 1))) > 0)
            have += (size_t)n;
        *clean_end = SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN;
        rc = 0;
    }
    out[have] = '\0';
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    if (fd >= 0)
        close(fd);
    return rc;
}

static int https_get(int port, char *out, size_t cap, int *clean_end) {
    static const char req[] = "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    return https_send(port, req, sizeof req - 1, out, cap, clean_end);
}

HD_TEST(http_server_speaks_https) {
    hd_tls_ctx_t *ctx = ctx_ok();
    ASSERT(ctx);
    hd_http_server_t *s = hd_http_server_new("127.0.0.1:0", 65536, NULL, hello, NULL);
    ASSERT(s);
    hd_http_server_set_tls(s, ctx);
    int port = hd_http_server_port(s);
    char out[4096];
    int clean = 0;
    ASSERT_EQ(https_get(port, out, sizeof out, &clean), 0);
    ASSERT(strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0);
    ASSERT(strstr(out, "\r\nStrict-Transport-Security: max-age=31536000\r\n"));
    ASSERT(strstr(out, "\r\n\r\nhello"));
    ASSERT_EQ(clean, 1);

    /* Pipelined, with a body of several records: answers in order. */
    static char piped[40000];
    int n0 = snprintf(piped, sizeof piped,
                      "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
                      "POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 30000\r\n\r\n");
    memset(piped + n0, 'b', 30000);
    int n1 = snprintf(piped + n0 + 30000, sizeof piped - (size_t)n0 - 30000,
                      "GET /c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    ASSERT_EQ(https_send(port, piped, (size_t)(n0 + 30000 + n1), out, sizeof out, &clean), 0);
    const char *a = strstr(out, "\r\n\r\nhello"), *b = strstr(out, "\r\n\r\ngot 30000");
    ASSERT(a && b && a < b && strstr(b + 1, "\r\n\r\nhello"));
    ASSERT_EQ(clean, 1);

    /* Plain HTTP to the TLS port: no HTTP answer, the connection closes. */
    int fd = connect_to(port);
    ASSERT(fd >= 0);
    static const char req[] = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
    ASSERT_EQ(write(fd, req, sizeof req - 1), (ssize_t)sizeof req - 1);
    char buf[512];
    ssize_t n, got = 0;
    while ((n = read(fd, buf + got, sizeof buf - (size_t)got)) > 0)
        got += n;
    close(fd);
    ASSERT_EQ(n, 0); /* closed, not timed out */
    ASSERT(got == 0 || memcmp(buf, "HTTP", 4) != 0);
    for (int i = 0; i < 100 && hd_http_server_tls_failures(s) < 1; i++)
        usleep(10000);
    ASSERT_EQ(hd_http_server_tls_failures(s), 1);

    /* ...and the server still serves. */
    ASSERT_EQ(https_get(port, out, sizeof out, &clean), 0);
    ASSERT(strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0);
    hd_http_server_destroy(&s);
    hd_tls_ctx_destroy(&ctx);
}

HD_TEST_MAIN(HD_CASE(tls13_round_trip_and_close_notify), HD_CASE(tls12_is_ecdhe_with_aead),
             HD_CASE(tls10_and_11_refused_with_an_alert),
             HD_CASE(garbage_fails_the_session_for_good), HD_CASE(alpn_picks_http11),
             HD_CASE(bad_files_are_named), HD_CASE(http_server_speaks_https))
