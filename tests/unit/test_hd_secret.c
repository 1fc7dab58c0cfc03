/*  hd_secret: a sealed credential opens with its key only, any change to
    it is detected, every seal has its own nonce, and key files are created
    once (mode 0600) and read back. */
#include "hd_secret.h"
#include "hd_test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void key_of(unsigned char key[HD_SECRET_KEY_LEN], unsigned char v) {
    memset(key, v, HD_SECRET_KEY_LEN);
}

HD_TEST(round_trip) {
    unsigned char key[HD_SECRET_KEY_LEN];
    key_of(key, 7);
    char *s = hd_secret_seal(key, "sbx-marketing", 13);
    ASSERT(s != NULL);
    ASSERT(strstr(s, "sbx") == NULL);
    char *c = hd_secret_open(key, s);
    ASSERT_STR(c, "sbx-marketing");
    hd_secret_free(c);
    free(s);
}

HD_TEST(each_seal_has_its_own_nonce) {
    unsigned char key[HD_SECRET_KEY_LEN];
    key_of(key, 1);
    char *a = hd_secret_seal(key, "same", 4), *b = hd_secret_seal(key, "same", 4);
    ASSERT(a && b && strcmp(a, b) != 0);
    free(a);
    free(b);
}

HD_TEST(tampering_is_detected) {
    unsigned char key[HD_SECRET_KEY_LEN];
    key_of(key, 2);
    char *s = hd_secret_seal(key, "token-value", 11);
    ASSERT(s != NULL);
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i += 7) { /* nonce, MAC and ciphertext alike */
        char was = s[i];
        s[i] = was == '0' ? '1' : '0';
        ASSERT(hd_secret_open(key, s) == NULL);
        s[i] = was;
    }
    s[n - 2] = 0; /* truncated */
    ASSERT(hd_secret_open(key, s) == NULL);
    ASSERT(hd_secret_open(key, "zz") == NULL);
    ASSERT(hd_secret_open(key, "") == NULL);
    ASSERT(hd_secret_open(key, NULL) == NULL);
    free(s);
}

HD_TEST(wrong_key_does_not_open) {
    unsigned char k1[HD_SECRET_KEY_LEN], k2[HD_SECRET_KEY_LEN];
    key_of(k1, 3);
    key_of(k2, 4);
    char *s = hd_secret_seal(k1, "x", 1);
    ASSERT(s != NULL);
    ASSERT(hd_secret_open(k2, s) == NULL);
    free(s);
}

HD_TEST(lengths_are_bounded) {
    unsigned char key[HD_SECRET_KEY_LEN];
    key_of(key, 5);
    ASSERT(hd_secret_seal(key, "", 0) == NULL);
    char *big = calloc(HD_SECRET_MAX + 2, 1);
    memset(big, 'a', HD_SECRET_MAX + 1);
    ASSERT(hd_secret_seal(key, big, HD_SECRET_MAX + 1) == NULL);
    char *s = hd_secret_seal(key, big, HD_SECRET_MAX);
    char *c = hd_secret_open(key, s);
    ASSERT(c && strlen(c) == HD_SECRET_MAX);
    hd_secret_free(c);
    free(s);
    free(big);
}

HD_TEST(key_path) {
    char p[64];
    ASSERT_EQ(hd_secret_key_path("/a/k", "/keys", p, sizeof p), 0);
    ASSERT_STR(p, "/a/k");
    ASSERT_EQ(hd_secret_key_path("", "/keys", p, sizeof p), 0);
    ASSERT_STR(p, "/keys/credentials.key");
    ASSERT_EQ(hd_secret_key_path(NULL, "", p, sizeof p), -1);
    ASSERT_EQ(hd_secret_key_path("/a/k", NULL, p, 3), -1);
}

HD_TEST(key_file_created_once_and_read) {
    char dir[] = "/tmp/hd_secret_XXXXXX";
    ASSERT(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/credentials.key", dir);
    unsigned char k1[HD_SECRET_KEY_LEN], k2[HD_SECRET_KEY_LEN];
    ASSERT_EQ(hd_secret_load_key(path, k1), -1); /* missing */
    ASSERT_EQ(hd_secret_ensure_key(path), 1);
    struct stat st;
    ASSERT_EQ(stat(path, &st), 0);
    ASSERT_EQ(st.st_mode & 0777, 0600);
    ASSERT_EQ(hd_secret_load_key(path, k1), 0);
    ASSERT_EQ(hd_secret_ensure_key(path), 0); /* kept */
    ASSERT_EQ(hd_secret_load_key(path, k2), 0);
    ASSERT(memcmp(k1, k2, sizeof k1) == 0);
    FILE *f = fopen(path, "w");
    fputs("not a key\n", f);
    fclose(f);
    ASSERT_EQ(hd_secret_load_key(path, k2), -1);
    unlink(path);
    rmdir(dir);
}

HD_TEST_MAIN(HD_CASE(round_trip), HD_CASE(each_seal_has_its_own_nonce),
             HD_CASE(tampering_is_detected), HD_CASE(wrong_key_does_not_open),
             HD_CASE(lengths_are_bounded), HD_CASE(key_path),
             HD_CASE(key_file_created_once_and_read))
