/*  hd_keys: CURVE key files in CZMQ's zcert format, and the socket options
    that make a socket a CURVE server or client with them. Secrets never leave
    KEYS_DIR, which is kept private (0700, secret files 0600). */
#include "hd_keys.h"

#include "hd_log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

/* A draft option in libzmq 4.3: accepted by the library, hidden by the
   header unless ZMQ_BUILD_DRAFT_API is defined. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

#define HD_ZAP_DOMAIN "huddle"

static int make_dir(const char *path, mode_t mode) {
    if (mkdir(path, mode) == 0)
        return 0;
    if (errno == EEXIST)
        return 0;
    hd_error("keys_mkdir_failed", "%s: %s", path, strerror(errno));
    return -1;
}

/* mkdir -p for the keys dir; only the last component gets `mode`. */
static int make_dirs(const char *path, mode_t mode) {
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        hd_error("keys_path_too_long", "%s", path);
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (make_dir(buf, 0755) < 0)
            return -1;
        *p = '/';
    }
    return make_dir(buf, mode);
}

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static int authorize_cert(const char *dir, const char *name, zcert_t *cert) {
    char adir[1024], apath[1100];
    snprintf(adir, sizeof adir, "%s/authorized", dir);
    snprintf(apath, sizeof apath, "%s/%s.key", adir, name);
    if (make_dirs(adir, 0700) < 0)
        return -1;
    if (file_exists(apath))
        return 0;
    /* Write then rename, so a ZAP handler reading the directory never sees
       a half-written certificate. */
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s/.%s.key.tmp", adir, name);
    if (zcert_save_public(cert, tmp) != 0 || rename(tmp, apath) != 0) {
        hd_error("keys_authorize_failed", "%s: %s", apath, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int hd_keys_ensure(const char *dir, const char *name, const char *department, int authorize) {
    if (!dir || !name || !*name || strchr(name, '/')) {
        hd_error("keys_bad_name", "invalid key name '%s'", name ? name : "(null)");
        return -1;
    }
    if (make_dirs(dir, 0700) < 0)
        return -1;
    char path[1024], secret[1100];
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    snprintf(secret, sizeof secret, "%s_secret", path);
    zcert_t *cert = NULL;
    if (file_exists(secret)) {
        cert = zcert_load(path);
        if (!cert) {
            hd_error("keys_load_failed", "%s is not a readable certificate", secret);
            return -1;
        }
    } else {
        cert = zcert_new();
        if (!cert)
            return -1;
        zcert_set_meta(cert, "name", "%s", name);
        if (department && *department)
            zcert_set_meta(cert, "department", "%s", department);
        if (zcert_save(cert, path) != 0) {
            hd_error("keys_save_failed", "%s: %s", path, strerror(errno));
            zcert_destroy(&cert);
            return -1;
        }
        chmod(secret, 0600);
        hd_info("keys_created", "created CURVE key %s", path);
    }
    int rc = authorize ? authorize_cert(dir, name, cert) : 0;
    zcert_destroy(&cert);
    return rc;
}

zcert_t *hd_keys_load(const char *dir, const char *name) {
    char path[1024], secret[1100];
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    snprintf(secret, sizeof secret, "%s_secret", path);
    if (!file_exists(secret)) {
        hd_error("keys_missing", "secret key %s not found (run huddle-migrate)", secret);
        return NULL;
    }
    zcert_t *cert = zcert_load(path);
    if (!cert)
        hd_error("keys_load_failed", "%s is not a readable certificate", secret);
    return cert;
}

int hd_keys_public(const char *dir, const char *name, char out[41]) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    if (!file_exists(path)) {
        hd_error("keys_missing", "public key %s not found", path);
        return -1;
    }
    zcert_t *cert = zcert_load(path);
    if (!cert) {
        hd_error("keys_load_failed", "%s is not a readable certificate", path);
        return -1;
    }
    snprintf(out, 41, "%s", zcert_public_txt(cert));
    zcert_destroy(&cert);
    return 0;
}

static int set_keys(void *sock, zcert_t *own) {
    if (zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, zcert_public_key(own), 32) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, zcert_secret_key(own), 32) != 0) {
        hd_error("keys_setsockopt_failed", "%s", zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

int hd_keys_server(void *sock, zcert_t *own) {
    int on = 1;
    if (!sock || !own || set_keys(sock, own) < 0)
        return -1;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &on, sizeof on) != 0 ||
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, HD_ZAP_DOMAIN, strlen(HD_ZAP_DOMAIN)) != 0 ||
        zmq_setsockopt(sock, ZMQ_ZAP_ENFORCE_DOMAIN, &on, sizeof on) != 0) {
        hd_error("keys_setsockopt_failed", "CURVE server: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

int hd_keys_client(void *sock, zcert_t *own, const char *server_z85) {
    if (!sock || !own || !server_z85 || strlen(server_z85) != 40) {
        hd_error("keys_bad_server_key", "the hub's public key must be 40 Z85 characters");
        return -1;
    }
    if (set_keys(sock, own) < 0)
        return -1;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_z85, 40) != 0) {
        hd_error("keys_setsockopt_failed", "server key: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}
