/*  hd_http_client: a small blocking HTTP client (libcurl) for the CLI,
    tools and tests. Never call it on an I/O loop thread. */
#ifndef HD_HTTP_CLIENT_H
#define HD_HTTP_CLIENT_H

#include <stddef.h>

/* Sends `method` to url with the given "Name: value" headers (NULL-
   terminated array, may be NULL) and body (may be NULL); the answer's body
   goes into a malloc'd NUL-terminated string (caller frees; NULL on
   failure). Returns the HTTP status, or -1 when no answer came (the reason
   in err, err_len bytes, when given). timeout_ms 0: 10 s. */
int hd_http_request(const char *method, const char *url, const char *const *headers,
                    const char *body, int timeout_ms, char **body_out, char *err, size_t err_len);

/* hd_http_request with a body of body_len bytes (any bytes, NUL included;
   body NULL: none) and flags: HD_HTTP_CLIENT_LOOPBACK_TLS skips the
   certificate check, for a process calling its own listener on loopback
   (the URL's host must be 127.0.0.1 or [::1]; otherwise the flag is
   ignored). When no answer came, *body_out holds the reason (caller
   frees) and the status is -1. */
#define HD_HTTP_CLIENT_LOOPBACK_TLS 1
int hd_http_request_n(const char *method, const char *url, const char *const *headers,
                      const char *body, size_t body_len, int timeout_ms, int flags,
                      char **body_out);

/* Trusts only the CA certificates in the PEM file `path` for https://
   URLs from now on (NULL or "": the system's store); copied. Call once at
   start, before requests are made. */
void hd_http_client_set_ca_file(const char *path);

/* hd_http_request for a plain GET. */
int hd_http_get(const char *url, char **body_out, int timeout_ms);

#endif
