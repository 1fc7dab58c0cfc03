/*  hd_http_listen: the addresses of huddle's HTTP server: the listen
    address an operator writes ("host:port", "[v6]:port", ":port", "*:port")
    bound and listened on, and the peer's name of each connection (for logs
    and dead letters, and its bare IP address for the per-address caps). */
#include "hd_http_internal.h"
#include "hd_log.h"

#include <stdio.h>
#include <string.h>

/* "ip:port" ("[v6]:port") into out, the bare IP address into addr. */
void hd_http__peer_name(uv_tcp_t *tcp, char *out, size_t len, char *addr, size_t alen) {
    struct sockaddr_storage ss;
    int n = sizeof ss;
    char ip[INET6_ADDRSTRLEN] = "?";
    snprintf(out, len, "unknown");
    snprintf(addr, alen, "unknown");
    if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &n) < 0)
        return;
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        uv_ip6_name(a, ip, sizeof ip);
        snprintf(out, len, "[%s]:%d", ip, ntohs(a->sin6_port));
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        uv_ip4_name(a, ip, sizeof ip);
        snprintf(out, len, "%s:%d", ip, ntohs(a->sin_port));
    }
    snprintf(addr, alen, "%s", ip);
}

/* "host:port", "[v6]:port", ":port" or "*:port" (all IPv4 interfaces). */
static int parse_addr(const char *addr, struct sockaddr_storage *ss) {
    char host[INET6_ADDRSTRLEN + 1];
    const char *port_s;
    int v6 = addr[0] == '[';
    if (v6) {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':' || (size_t)(close - addr - 1) >= sizeof host)
            return -1;
        memcpy(host, addr + 1, (size_t)(close - addr - 1));
        host[close - addr - 1] = '\0';
        port_s = close + 2;
    } else {
        const char *colon = strrchr(addr, ':');
        if (!colon || (size_t)(colon - addr) >= sizeof host)
            return -1;
        memcpy(host, addr, (size_t)(colon - addr));
        host[colon - addr] = '\0';
        if (strchr(host, ':'))
            return -1; /* IPv6 needs brackets */
        port_s = colon + 1;
    }
    char *end;
    long port = strtol(port_s, &end, 10);
    if (!*port_s || *end || port < 0 || port > 65535)
        return -1;
    if (!v6 && (!*host || strcmp(host, "*") == 0))
        strcpy(host, "0.0.0.0");
    else if (!v6 && strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    if (v6)
        return uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss) < 0 ? -1 : 0;
    return uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) < 0 ? -1 : 0;
}

int hd_http__bind_listen(hd_http_server_t *s, const char *addr, uv_connection_cb on_connection) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (parse_addr(addr, &ss) < 0) {
        hd_error("http_bad_address", "'%s' is not host:port or [ipv6]:port", addr);
        return -1;
    }
    int rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->listener, 511, on_connection);
    if (rc < 0) {
        hd_error("http_listen_failed", "cannot listen on %s: %s", addr, uv_strerror(rc));
        return -1;
    }
    struct sockaddr_storage bound;
    int n = sizeof bound;
    uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &n);
    s->port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                          : ntohs(((struct sockaddr_in *)&bound)->sin_port);
    return 0;
}
