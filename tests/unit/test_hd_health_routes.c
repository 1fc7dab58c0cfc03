/*  Tests for hd_health: a real health server on 127.0.0.1:0 answering
    /healthz, /metrics (with a service's own lines), 404 and 405. */
#include "hd_health.h"
#include "hd_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

static void extra(FILE *out, void *arg) {
    fprintf(out, "# TYPE test_things counter\ntest_things %d\n", *(int *)arg);
}

static char *get(int port, const char *path, int *status) {
    char url[128], *body = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    *status = hd_http_get(url, &body, 2000);
    return body;
}

HD_TEST(healthz_metrics_and_errors) {
    int things = 42;
    hd_http_server_t *s = hd_health_start("127.0.0.1:0", "tester", extra, &things);
    ASSERT(s);
    int port = hd_http_server_port(s), status;
    char *body = get(port, "/healthz", &status);
    ASSERT_EQ(status, 200);
    ASSERT_STR(body, "{\"status\":\"ok\",\"service\":\"tester\"}");
    free(body);
    body = get(port, "/metrics", &status);
    ASSERT_EQ(status, 200);
    ASSERT(strstr(body, "huddle_up{service=\"tester\"} 1\n"));
    ASSERT(strstr(body, "test_things 42\n"));
    free(body);
    body = get(port, "/nope", &status);
    ASSERT_EQ(status, 404);
    ASSERT(strstr(body, "\"code\":\"not_found\""));
    free(body);

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    ASSERT_EQ(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    const char *r = "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    ASSERT_EQ(send(fd, r, strlen(r), 0), (long)strlen(r));
    char buf[2048] = {0};
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    ASSERT_EQ(poll(&pfd, 1, 2000), 1);
    ASSERT(recv(fd, buf, sizeof buf - 1, 0) > 0);
    ASSERT(strncmp(buf, "HTTP/1.1 405 ", 13) == 0);
    ASSERT(strstr(buf, "\"status\":405"));
    close(fd);
    hd_http_server_destroy(&s);
}

HD_TEST(metrics_without_extra_and_bad_addr) {
    hd_http_server_t *s = hd_health_start("127.0.0.1:0", "plain", NULL, NULL);
    ASSERT(s);
    int status;
    char *body = get(hd_http_server_port(s), "/metrics", &status);
    ASSERT_EQ(status, 200);
    ASSERT(strstr(body, "huddle_up{service=\"plain\"} 1\n"));
    free(body);
    hd_http_server_destroy(&s);
    ASSERT(hd_health_start("bogus", "x", NULL, NULL) == NULL);
}

HD_TEST_MAIN(HD_CASE(healthz_metrics_and_errors), HD_CASE(metrics_without_extra_and_bad_addr))
