/*  hd_zap: a small ZAP (RFC 27) handler for CURVE. It keeps the public keys
    of KEYS_DIR/authorized/ in memory (re-read when the directory's mtime
    changes, and at least every 2 s so an edited file is noticed too), and
    answers each handshake: 200 with the peer's name as User-Id when the
    client key is known, 400 otherwise. Only domain "huddle" and mechanism
    CURVE are accepted: anything else is refused, never waved through. */
#include "hd_zap.h"

#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"

#include <czmq.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_DOMAIN "huddle"
#define RELOAD_MS 2000
#define MAX_FRAMES 8

typedef struct {
    char *name;
    char *department; /* NULL: any */
    uint8_t key[32];
} zap_peer_t;

struct hd_zap {
    void *rep;
    char *dir;
    zap_peer_t *peers;
    size_t npeers;
    struct timespec mtime;
    int64_t loaded_ms;
    unsigned long accepted, refused;
};

static void free_peers(hd_zap_t *self) {
    for (size_t i = 0; i < self->npeers; i++) {
        free(self->peers[i].name);
        free(self->peers[i].department);
    }
    free(self->peers);
    self->peers = NULL;
    self->npeers = 0;
}

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists NAME.key files (sorted, so a duplicated key always maps to the
   same name). Caller frees each name and the array. */
static char **list_keys(const char *dir, size_t *n_out) {
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len <= 4 || strcmp(e->d_name + len - 4, ".key") != 0)
            continue;
        names = hd_grow(names, &cap, n + 1, sizeof *names);
        names[n++] = hd_strndup(e->d_name, len - 4);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, name_cmp);
    *n_out = n;
    return names;
}

static void load_peers(hd_zap_t *self) {
    size_t n;
    char **names = list_keys(self->dir, &n);
    free_peers(self);
    self->peers = n ? hd_calloc(n, sizeof *self->peers) : NULL;
    for (size_t i = 0; i < n; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s.key", self->dir, names[i]);
        zcert_t *cert = zcert_load(path);
        if (!cert) {
            hd_warn("zap_bad_cert", "%s is not a readable certificate: skipped", path);
            free(names[i]);
            continue;
        }
        zap_peer_t *p = &self->peers[self->npeers++];
        p->name = names[i];
        memcpy(p->key, zcert_public_key(cert), 32);
        const char *dep = zcert_meta(cert, "department");
        p->department = dep && *dep ? hd_strdup(dep) : NULL;
        zcert_destroy(&cert);
    }
    free(names);
    self->loaded_ms = hd_now_ms();
    hd_debug("zap_loaded", "%zu authorized peers from %s", self->npeers, self->dir);
}

static void refresh(hd_zap_t *self) {
    struct stat st;
    int changed = 1;
    if (stat(self->dir, &st) == 0) {
        changed =
            st.st_mtim.tv_sec != self->mtime.tv_sec || st.st_mtim.tv_nsec != self->mtime.tv_nsec;
        self->mtime = st.st_mtim;
    }
    if (changed || hd_now_ms() - self->loaded_ms >= RELOAD_MS)
        load_peers(self);
}

hd_zap_t *hd_zap_new(void *ctx, const char *authorized_dir) {
    hd_zap_t *self = hd_calloc(1, sizeof *self);
    self->dir = hd_strdup(authorized_dir);
    self->rep = zmq_socket(ctx, ZMQ_REP);
    int linger = 0;
    if (!self->rep || zmq_setsockopt(self->rep, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(self->rep, ZAP_ENDPOINT) != 0) {
        hd_error("zap_bind_failed", "%s: %s", ZAP_ENDPOINT, zmq_strerror(zmq_errno()));
        hd_zap_destroy(&self);
        return NULL;
    }
    struct stat st;
    if (stat(self->dir, &st) != 0)
        hd_warn("zap_no_authorized_dir",
                "%s does not exist: every peer is refused until "
                "it holds their keys",
                self->dir);
    load_peers(self);
    return self;
}

void hd_zap_destroy(hd_zap_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hd_zap_t *self = *self_p;
    if (self->rep)
        zmq_close(self->rep);
    free_peers(self);
    free(self->dir);
    free(self);
    *self_p = NULL;
}

void *hd_zap_socket(hd_zap_t *self) { return self->rep; }

static const zap_peer_t *find_key(hd_zap_t *self, const uint8_t *key) {
    for (size_t i = 0; i < self->npeers; i++)
        if (memcmp(self->peers[i].key, key, 32) == 0)
            return &self->peers[i];
    return NULL;
}

static int frame_is(zmq_msg_t *m, const char *s) {
    size_t n = strlen(s);
    return zmq_msg_size(m) == n && memcmp(zmq_msg_data(m), s, n) == 0;
}

static void send_str(void *sock, const char *s, int more) {
    zmq_send(sock, s, strlen(s), more ? ZMQ_SNDMORE : 0);
}

/* Decides one request: returns the peer or NULL with `why` set. Frames:
   version, request id, domain, address, identity, mechanism, credentials. */
static const zap_peer_t *decide(hd_zap_t *self, zmq_msg_t *f, int nf, const char **why) {
    if (nf < 6 || !frame_is(&f[0], "1.0")) {
        *why = "malformed ZAP request";
        return NULL;
    }
    if (!frame_is(&f[2], ZAP_DOMAIN)) {
        *why = "wrong ZAP domain";
        return NULL;
    }
    if (!frame_is(&f[5], "CURVE") || nf < 7 || zmq_msg_size(&f[6]) != 32) {
        *why = "CURVE required";
        return NULL;
    }
    refresh(self);
    const zap_peer_t *p = find_key(self, zmq_msg_data(&f[6]));
    if (!p)
        *why = "unknown key";
    return p;
}

static void answer(hd_zap_t *self, zmq_msg_t *f, int nf) {
    const char *why = NULL;
    const zap_peer_t *p = decide(self, f, nf, &why);
    send_str(self->rep, "1.0", 1);
    if (nf >= 2)
        zmq_send(self->rep, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
    else
        send_str(self->rep, "", 1);
    send_str(self->rep, p ? "200" : "400", 1);
    send_str(self->rep, p ? "OK" : why, 1);
    send_str(self->rep, p ? p->name : "", 1);
    send_str(self->rep, "", 0);
    if (p) {
        self->accepted++;
        hd_debug("zap_accepted", "peer %s", p->name);
    } else {
        self->refused++;
        char addr[64] = "";
        if (nf >= 4)
            snprintf(addr, sizeof addr, "%.*s", (int)zmq_msg_size(&f[3]),
                     (const char *)zmq_msg_data(&f[3]));
        hd_warn("zap_refused", "handshake from %s refused: %s", addr, why);
    }
}

void hd_zap_handle(hd_zap_t *self) {
    for (;;) {
        zmq_msg_t f[MAX_FRAMES], extra;
        int nf = 0, more = 1, failed = 0;
        while (more && !failed) {
            /* Frames past MAX_FRAMES are read and dropped (malformed). */
            zmq_msg_t *m = nf < MAX_FRAMES ? &f[nf] : &extra;
            zmq_msg_init(m);
            if (zmq_msg_recv(m, self->rep, nf == 0 ? ZMQ_DONTWAIT : 0) < 0)
                failed = 1;
            more = !failed && zmq_msg_more(m);
            if (m == &extra || failed)
                zmq_msg_close(m);
            else
                nf++;
        }
        if (!failed)
            answer(self, f, nf);
        for (int i = 0; i < nf; i++)
            zmq_msg_close(&f[i]);
        if (failed)
            return;
    }
}

const char *hd_zap_department(hd_zap_t *self, const char *peer) {
    for (size_t i = 0; peer && i < self->npeers; i++)
        if (strcmp(self->peers[i].name, peer) == 0)
            return self->peers[i].department;
    return NULL;
}

int hd_zap_authorized(hd_zap_t *self, const char *peer) {
    refresh(self);
    for (size_t i = 0; peer && i < self->npeers; i++)
        if (strcmp(self->peers[i].name, peer) == 0)
            return 1;
    return 0;
}

unsigned long hd_zap_accepted(hd_zap_t *self) { return self->accepted; }
unsigned long hd_zap_refused(hd_zap_t *self) { return self->refused; }
