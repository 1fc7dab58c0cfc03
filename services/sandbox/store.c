/*  store: the sandbox's posts in a JSON-lines file, group-synced (see
    store.h). */
#include "store.h"

#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "index.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sb_store {
    char *path;
    int fd;
    off_t size;        /* bytes of whole lines written */
    off_t synced_size; /* of those, the bytes known to be on disk */
    sb_post_t **posts; /* creation order */
    size_t count, cap;
    size_t synced;    /* posts[0 .. synced-1] are on disk */
    size_t *deleting; /* positions of the posts whose deletion awaits the fsync */
    size_t ndeleting, dcap;
    size_t deleted;     /* durable deletions */
    sb_index_t *by_id;  /* id -> position */
    sb_index_t *by_key; /* (acct, idempotency key) -> position */
    long long next_id;
    long fsyncs;
};

/* mkdir -p of path's directory; fsyncs the directory the file lands in. */
static int make_parent_dirs(const char *path) {
    char *copy = hd_strdup(path);
    char *dir = dirname(copy);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
            free(copy);
            return -1;
        }
        *p = '/';
    }
    int rc = mkdir(dir, 0755) < 0 && errno != EEXIST ? -1 : 0;
    free(copy);
    return rc;
}

static void sync_parent_dir(const char *path) {
    char *copy = hd_strdup(path);
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(copy);
}

/* ---- posts and their indexes ---- */

static size_t str_size(const char *s) { return s ? strlen(s) + 1 : 0; }

static const char *str_put(char **at, const char *s) {
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    memcpy(*at, s, n);
    const char *r = *at;
    *at += n;
    return r;
}

/* One allocation holding the struct and a copy of the template's strings:
   a post costs its text plus 56 bytes, and is freed with one free(). */
static sb_post_t *post_new(const sb_post_t *t) {
    size_t n = sizeof(sb_post_t) + str_size(t->id) + str_size(t->acct) + str_size(t->content) +
               str_size(t->visibility) + str_size(t->created_at) + str_size(t->idempotency_key) +
               str_size(t->in_reply_to_id);
    sb_post_t *p = hd_malloc(n);
    char *at = (char *)(p + 1);
    p->id = str_put(&at, t->id);
    p->acct = str_put(&at, t->acct);
    p->content = str_put(&at, t->content);
    p->visibility = str_put(&at, t->visibility);
    p->created_at = str_put(&at, t->created_at);
    p->idempotency_key = str_put(&at, t->idempotency_key);
    p->in_reply_to_id = str_put(&at, t->in_reply_to_id);
    p->state = t->state;
    return p;
}

typedef struct {
    const char *acct, *key;
} acct_key_t;

static uint64_t hash_id(const char *id) { return sb_index_hash(0, id, strlen(id)); }

static uint64_t hash_key(const char *acct, const char *key) {
    return sb_index_hash(sb_index_hash(0, acct, strlen(acct)), key, strlen(key));
}

static int match_id(uint32_t pos, const void *id, void *arg) {
    const sb_store_t *self = arg;
    return strcmp(self->posts[pos]->id, id) == 0;
}

static int match_key(uint32_t pos, const void *k, void *arg) {
    const sb_store_t *self = arg;
    const acct_key_t *ak = k;
    const sb_post_t *p = self->posts[pos];
    return p->idempotency_key && strcmp(p->idempotency_key, ak->key) == 0 &&
           strcmp(p->acct, ak->acct) == 0;
}

/* A later post with the same id or key replaces the earlier one, as the
   linear scan from the newest did before the indexes. */
static void index_post(sb_store_t *self, size_t pos) {
    const sb_post_t *p = self->posts[pos];
    sb_index_put(self->by_id, hash_id(p->id), (uint32_t)pos, match_id, p->id, self);
    if (p->idempotency_key) {
        acct_key_t ak = {p->acct, p->idempotency_key};
        sb_index_put(self->by_key, hash_key(p->acct, p->idempotency_key), (uint32_t)pos, match_key,
                     &ak, self);
    }
}

/* Adds a copy of t at the end. -1 if the store is full (the indexes hold
   32-bit positions; four billion posts is not a test double's load). */
static int push(sb_store_t *self, const sb_post_t *t) {
    if (self->count >= SB_INDEX_NONE - 1)
        return -1;
    self->posts = hd_grow(self->posts, &self->cap, self->count + 1, sizeof *self->posts);
    self->posts[self->count] = post_new(t);
    index_post(self, self->count);
    self->count++;
    long long n = atoll(t->id);
    if (n >= self->next_id)
        self->next_id = n + 1;
    return 0;
}

/* ---- loading ---- */

static const char *str_field(const json_t *s, const char *name) {
    return json_string_value(json_object_get(s, name));
}

/* A deletion line: its post (of that account) is deleted. 0, or -1 when
   no such post was loaded before it. */
static int load_deletion(sb_store_t *self, const json_t *s) {
    sb_post_t *p = (sb_post_t *)sb_store_find(self, str_field(s, "deleted"));
    const char *acct = str_field(s, "acct");
    if (!p || !acct || strcmp(p->acct, acct) != 0)
        return -1;
    if (p->state != SB_POST_DELETED)
        self->deleted++;
    p->state = SB_POST_DELETED;
    return 0;
}

/* Adds the post a line holds, or applies the deletion; 0, or -1 if it is
   neither. */
static int load_line(sb_store_t *self, const json_t *s) {
    if (json_object_get(s, "deleted"))
        return load_deletion(self, s);
    sb_post_t t = {
        .id = str_field(s, "id"),
        .acct = str_field(s, "acct"),
        .content = str_field(s, "content"),
        .visibility = str_field(s, "visibility"),
        .created_at = str_field(s, "created_at"),
        .idempotency_key = str_field(s, "idempotency_key"),
        .in_reply_to_id = str_field(s, "in_reply_to_id"),
    };
    if (!t.id || !t.acct || !t.content)
        return -1;
    return push(self, &t);
}

static char *read_all(int fd, size_t *got) {
    struct stat st;
    if (fstat(fd, &st) < 0)
        return NULL;
    size_t len = (size_t)st.st_size;
    char *data = hd_malloc(len + 1);
    *got = 0;
    while (*got < len) {
        ssize_t r = pread(fd, data + *got, len - *got, (off_t)*got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        *got += (size_t)r;
    }
    return data;
}

/* Loads every whole line; cuts off a torn tail so the next append starts on
   a line of its own. */
static int load(sb_store_t *self) {
    size_t got = 0;
    char *data = read_all(self->fd, &got);
    if (!data)
        return -1;
    size_t line_no = 0, start = 0, good_end = 0;
    for (size_t i = 0; i < got; i++) {
        if (data[i] != '\n')
            continue;
        line_no++;
        json_error_t err;
        json_t *s = json_loadb(data + start, i - start, 0, &err);
        if ((!s || load_line(self, s) < 0) && i > start)
            hd_warn("store_bad_line", "%s line %zu skipped: %s", self->path, line_no,
                    s ? "not a status" : err.text);
        json_decref(s);
        start = good_end = i + 1;
    }
    free(data);
    if (good_end < got) {
        hd_warn("store_torn_tail", "%s: cutting %zu bytes of an unfinished last line", self->path,
                got - good_end);
        if (ftruncate(self->fd, (off_t)good_end) < 0 || fsync(self->fd) < 0)
            return -1;
    }
    self->size = self->synced_size = (off_t)good_end;
    self->synced = self->count;
    return 0;
}

sb_store_t *sb_store_open(const char *path) {
    if (!path || !*path)
        return NULL;
    if (make_parent_dirs(path) < 0) {
        hd_error("store_open_failed", "cannot create the directory of %s: %s", path,
                 strerror(errno));
        return NULL;
    }
    sb_store_t *self = hd_calloc(1, sizeof *self);
    self->path = hd_strdup(path);
    self->by_id = sb_index_new();
    self->by_key = sb_index_new();
    self->next_id = 1;
    int existed = access(path, F_OK) == 0;
    self->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (self->fd < 0 || !self->path || load(self) < 0) {
        hd_error("store_open_failed", "cannot open %s: %s", path, strerror(errno));
        sb_store_destroy(&self);
        return NULL;
    }
    if (!existed)
        sync_parent_dir(path);
    hd_info("store_opened", "%s: %zu statuses", path, self->count);
    return self;
}

void sb_store_destroy(sb_store_t **self_p) {
    if (!self_p || !*self_p)
        return;
    sb_store_t *self = *self_p;
    *self_p = NULL;
    if (self->fd >= 0) {
        sb_store_sync(self);
        close(self->fd);
    }
    for (size_t i = 0; i < self->count; i++)
        free(self->posts[i]);
    free(self->posts);
    free(self->deleting);
    sb_index_destroy(&self->by_id);
    sb_index_destroy(&self->by_key);
    free(self->path);
    free(self);
}

/* ---- reading ---- */

size_t sb_store_count(const sb_store_t *self) { return self ? self->count : 0; }

const sb_post_t *sb_store_at(const sb_store_t *self, size_t i) {
    return self && i < self->count ? self->posts[i] : NULL;
}

size_t sb_store_synced(const sb_store_t *self) { return self ? self->synced : 0; }

int sb_store_durable(const sb_store_t *self, const sb_post_t *post) {
    if (!self || !post)
        return 0;
    /* Only the batch in progress is not durable; newest first, since the
       post just appended is the one asked about most. */
    for (size_t i = self->count; i-- > self->synced;)
        if (self->posts[i] == post)
            return 0;
    return 1;
}

int sb_store_visible(const sb_store_t *self, const sb_post_t *post) {
    return post && post->state != SB_POST_DELETED && sb_store_durable(self, post);
}

size_t sb_store_deleted(const sb_store_t *self) { return self ? self->deleted : 0; }

const sb_post_t *sb_store_find(const sb_store_t *self, const char *id) {
    if (!self || !id)
        return NULL;
    uint32_t pos = sb_index_find(self->by_id, hash_id(id), match_id, id, (void *)self);
    return pos == SB_INDEX_NONE ? NULL : self->posts[pos];
}

size_t sb_store_pos(const sb_store_t *self, const sb_post_t *post) {
    if (!self || !post)
        return SIZE_MAX;
    uint32_t pos = sb_index_find(self->by_id, hash_id(post->id), match_id, post->id, (void *)self);
    return pos != SB_INDEX_NONE && self->posts[pos] == post ? pos : SIZE_MAX;
}

const sb_post_t *sb_store_find_key(const sb_store_t *self, const char *acct, const char *key) {
    if (!self || !acct || !key)
        return NULL;
    acct_key_t ak = {acct, key};
    uint32_t pos = sb_index_find(self->by_key, hash_key(acct, key), match_key, &ak, (void *)self);
    return pos == SB_INDEX_NONE ? NULL : self->posts[pos];
}

long sb_store_fsyncs(const sb_store_t *self) { return self ? self->fsyncs : 0; }

json_t *sb_store_stats(const sb_store_t *self) {
    json_t *keys = json_object();
    size_t n = sb_store_synced(self);
    for (size_t i = 0; i < n; i++) {
        const char *k = self->posts[i]->idempotency_key;
        if (!k)
            continue;
        json_t *c = json_object_get(keys, k);
        json_object_set_new(keys, k, json_integer(c ? json_integer_value(c) + 1 : 1));
    }
    return json_pack("{s:I,s:o}", "posts", (json_int_t)n, "by_idempotency_key", keys);
}

/* ---- writing ---- */

static json_t *opt_string(const char *s) { return s ? json_string(s) : json_null(); }

/* The post's line, '\n'-terminated, in *len bytes; NULL if it cannot be
   encoded. Caller frees. */
static char *encode_line(const sb_post_t *t, size_t *len) {
    json_t *s = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "id", t->id, "acct", t->acct, "content",
                          t->content, "visibility", t->visibility, "created_at", t->created_at,
                          "idempotency_key", opt_string(t->idempotency_key), "in_reply_to_id",
                          opt_string(t->in_reply_to_id));
    char *text = s ? json_dumps(s, JSON_COMPACT) : NULL;
    json_decref(s);
    if (!text)
        return NULL;
    *len = strlen(text);
    text[(*len)++] = '\n'; /* json_dumps's NUL becomes the line end */
    return text;
}

/* Appends one line; on any failure the file is cut back to its previous
   length so no half line remains. */
static int write_line(sb_store_t *self, const char *line, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(self->fd, line + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    if (done == len)
        return 0;
    hd_error("store_write_failed", "%s: %s", self->path, strerror(errno));
    if (ftruncate(self->fd, self->size) < 0)
        hd_error("store_truncate_failed", "%s: %s", self->path, strerror(errno));
    return -1;
}

const sb_post_t *sb_store_append(sb_store_t *self, const char *acct, const char *content,
                                 const char *visibility, const char *idempotency_key,
                                 const char *in_reply_to_id) {
    if (!self || !acct || !content)
        return NULL;
    char id[32], created[40];
    snprintf(id, sizeof id, "%lld", self->next_id);
    hd_now_rfc3339(created, sizeof created);
    sb_post_t t = {.id = id,
                   .acct = acct,
                   .content = content,
                   .visibility = visibility ? visibility : "public",
                   .created_at = created,
                   .idempotency_key = idempotency_key,
                   .in_reply_to_id = in_reply_to_id};
    size_t len = 0;
    char *line = self->count < SB_INDEX_NONE - 1 ? encode_line(&t, &len) : NULL;
    if (!line) {
        hd_error("store_encode_failed", "cannot encode status for %s", acct);
        return NULL;
    }
    int rc = write_line(self, line, len);
    free(line);
    if (rc < 0)
        return NULL;
    self->size += (off_t)len;
    push(self, &t);
    return self->posts[self->count - 1];
}

int sb_store_delete(sb_store_t *self, const sb_post_t *post) {
    if (!self || !post || post->state != SB_POST_LIVE || !sb_store_durable(self, post))
        return -1;
    uint32_t pos = sb_index_find(self->by_id, hash_id(post->id), match_id, post->id, self);
    if (pos == SB_INDEX_NONE || self->posts[pos] != post)
        return -1;
    char at[40];
    hd_now_rfc3339(at, sizeof at);
    json_t *s =
        json_pack("{s:s,s:s,s:s}", "deleted", post->id, "acct", post->acct, "deleted_at", at);
    char *text = s ? json_dumps(s, JSON_COMPACT) : NULL;
    json_decref(s);
    if (!text) {
        hd_error("store_encode_failed", "cannot encode the deletion of status %s", post->id);
        return -1;
    }
    size_t len = strlen(text);
    text[len++] = '\n'; /* json_dumps's NUL becomes the line end */
    int rc = write_line(self, text, len);
    free(text);
    if (rc < 0)
        return -1;
    self->size += (off_t)len;
    self->deleting =
        hd_grow(self->deleting, &self->dcap, self->ndeleting + 1, sizeof *self->deleting);
    self->deleting[self->ndeleting++] = pos;
    self->posts[pos]->state = SB_POST_DELETING;
    return 0;
}

/* The deletions of the batch become final (synced) or are undone. */
static void settle_deletions(sb_store_t *self, int synced) {
    for (size_t i = 0; i < self->ndeleting; i++) {
        sb_post_t *p = self->posts[self->deleting[i]];
        p->state = synced ? SB_POST_DELETED : SB_POST_LIVE;
        self->deleted += synced;
    }
    self->ndeleting = 0;
}

/* Forgets the posts after the durable ones and rebuilds the indexes, which
   have no removal. */
static void drop_unsynced(sb_store_t *self) {
    for (size_t i = self->synced; i < self->count; i++)
        free(self->posts[i]);
    self->count = self->synced;
    sb_index_clear(self->by_id);
    sb_index_clear(self->by_key);
    for (size_t i = 0; i < self->count; i++)
        index_post(self, i);
}

int sb_store_sync(sb_store_t *self) {
    if (!self || (self->synced == self->count && self->synced_size == self->size))
        return 0;
    self->fsyncs++;
    if (fsync(self->fd) == 0) {
        self->synced = self->count;
        self->synced_size = self->size;
        settle_deletions(self, 1);
        return 0;
    }
    size_t lost = self->count - self->synced;
    hd_error("store_sync_failed", "%s: %s; %zu unsynced posts dropped, %zu deletions undone",
             self->path, strerror(errno), lost, self->ndeleting);
    /* Deletions are of durable posts only: none of them is dropped below. */
    settle_deletions(self, 0);
    /* The failed fsync may have left any part of those lines on disk. */
    if (ftruncate(self->fd, self->synced_size) < 0 || fsync(self->fd) < 0)
        hd_error("store_truncate_failed", "%s: %s", self->path, strerror(errno));
    self->size = self->synced_size;
    drop_unsynced(self);
    return -1;
}
