/*  hd_secret: sealing and opening channel credentials (see hd_secret.h). */
#include "hd_secret.h"

#include "hd_log.h"
#include "hd_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEX_KEY_LEN (HD_SECRET_KEY_LEN * 2)

int hd_secret_key_path(const char *file, const char *keys_dir, char *out, size_t n) {
    int w;
    if (file && *file)
        w = snprintf(out, n, "%s", file);
    else if (keys_dir && *keys_dir)
        w = snprintf(out, n, "%s/%s", keys_dir, HD_SECRET_KEY_NAME);
    else
        return -1;
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int hd_secret_ensure_key(const char *path) {
    if (sodium_init() < 0)
        return -1;
    if (access(path, F_OK) == 0)
        return 0;
    unsigned char key[HD_SECRET_KEY_LEN];
    char hex[HEX_KEY_LEN + 1];
    randombytes_buf(key, sizeof key);
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    sodium_memzero(key, sizeof key);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    int ok = fd >= 0 && write(fd, hex, HEX_KEY_LEN) == HEX_KEY_LEN && write(fd, "\n", 1) == 1;
    int err = errno;
    sodium_memzero(hex, sizeof hex);
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    if (!ok) {
        hd_error("credentials_key", "%s: cannot create: %s", path, strerror(err));
        return -1;
    }
    return 1;
}

int hd_secret_load_key(const char *path, unsigned char key[HD_SECRET_KEY_LEN]) {
    if (sodium_init() < 0)
        return -1;
    char buf[HEX_KEY_LEN + 8] = {0};
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    int err = errno;
    if (fd >= 0)
        close(fd);
    if (n < 0) {
        hd_error("credentials_key", "%s: cannot read: %s", path, strerror(err));
        return -1;
    }
    size_t len = (size_t)n;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = 0;
    size_t got = 0;
    int rc = len == HEX_KEY_LEN &&
                     sodium_hex2bin(key, HD_SECRET_KEY_LEN, buf, len, NULL, &got, NULL) == 0 &&
                     got == HD_SECRET_KEY_LEN
                 ? 0
                 : -1;
    sodium_memzero(buf, sizeof buf);
    if (rc)
        hd_error("credentials_key", "%s: not a key (64 hex digits expected)", path);
    return rc;
}

char *hd_secret_seal(const unsigned char key[HD_SECRET_KEY_LEN], const char *clear, size_t len) {
    if (len == 0 || len > HD_SECRET_MAX || sodium_init() < 0)
        return NULL;
    size_t n = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    unsigned char *box = hd_malloc(n);
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)clear, len, box,
                          key);
    char *hex = hd_malloc(n * 2 + 1);
    sodium_bin2hex(hex, n * 2 + 1, box, n);
    free(box);
    return hex;
}

char *hd_secret_open(const unsigned char key[HD_SECRET_KEY_LEN], const char *sealed_hex) {
    if (!sealed_hex || sodium_init() < 0)
        return NULL;
    size_t hexlen = strlen(sealed_hex), n = 0;
    size_t min = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
    if (hexlen % 2 || hexlen / 2 <= min || hexlen / 2 > min + HD_SECRET_MAX)
        return NULL;
    unsigned char *box = hd_malloc(hexlen / 2);
    if (sodium_hex2bin(box, hexlen / 2, sealed_hex, hexlen, NULL, &n, NULL) != 0 ||
        n != hexlen / 2) {
        free(box);
        return NULL;
    }
    size_t len = n - min;
    char *clear = hd_malloc(len + 1);
    if (crypto_secretbox_open_easy((unsigned char *)clear, box + crypto_secretbox_NONCEBYTES,
                                   n - crypto_secretbox_NONCEBYTES, box, key) != 0) {
        free(box);
        free(clear);
        return NULL;
    }
    free(box);
    clear[len] = 0;
    if (memchr(clear, 0, len)) { /* a credential is text */
        hd_secret_free(clear);
        return NULL;
    }
    return clear;
}

void hd_secret_free(char *clear) {
    if (!clear)
        return;
    sodium_memzero(clear, strlen(clear));
    free(clear);
}
