/*  hd_token: new API tokens from /dev/urandom (see hd_token.h). */
#include "hd_token.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int hd_token_new(char out[HD_TOKEN_LEN]) {
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char raw[32];
    out[0] = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, raw, sizeof raw);
    close(fd);
    if (n != (ssize_t)sizeof raw)
        return -1;
    memcpy(out, "hdt_", 4);
    for (size_t i = 0; i < sizeof raw; i++)
        out[4 + i] = a[raw[i] & 63];
    out[4 + sizeof raw] = 0;
    return 0;
}
