/*  store: the sandbox's posts in an fsync'd JSON-lines file (see store.h). */
#include "store.h"

#include "hd_log.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sb_store {
    char *path;
    int fd;
    off_t size;        /* bytes of whole lines in the file */
    json_t *statuses;  /* array, creation order */
    long long next_id;
};

/* mkdir -p of path's directory; fsyncs the directory the file lands in. */
static int make_parent_dirs(const char *path) {
    char *copy = strdup(path);
    if (!copy)
        return -1;
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
    char *copy = strdup(path);
    if (!copy)
        return;
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(copy);
}

static int valid_status(const json_t *s) {
    return json_is_object(s) && json_is_string(json_object_get(s, "id")) &&
           json_is_string(json_object_get(s, "acct")) &&
           json_is_string(json_object_get(s, "content"));
}

static void note_id(sb_store_t *self, const char *id) {
    long long n = atoll(id);
    if (n >= self->next_id)
        self->next_id = n + 1;
}

/* Loads every whole line; cuts off a torn tail so the next append starts on
   a line of its own. */
static int load(sb_store_t *self) {
    struct stat st;
    if (fstat(self->fd, &st) < 0)
        return -1;
    size_t len = (size_t)st.st_size;
    char *data = malloc(len + 1);
    if (!data)
        return -1;
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(self->fd, data + got, len - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    size_t line_no = 0, start = 0, good_end = 0;
    for (size_t i = 0; i < got; i++) {
        if (data[i] != '\n')
            continue;
        line_no++;
        json_error_t err;
        json_t *s = json_loadb(data + start, i - start, 0, &err);
        if (valid_status(s)) {
            note_id(self, json_string_value(json_object_get(s, "id")));
            json_array_append_new(self->statuses, s);
        } else if (i > start) {
            hd_warn("store_bad_line", "%s line %zu skipped: %s", self->path, line_no,
                    s ? "not a status" : err.text);
            json_decref(s);
        }
        start = good_end = i + 1;
    }
    free(data);
    if (good_end < got) {
        hd_warn("store_torn_tail", "%s: cutting %zu bytes of an unfinished last line",
                self->path, got - good_end);
        if (ftruncate(self->fd, (off_t)good_end) < 0 || fsync(self->fd) < 0)
            return -1;
    }
    self->size = (off_t)good_end;
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
    sb_store_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->path = strdup(path);
    self->statuses = json_array();
    self->next_id = 1;
    int existed = access(path, F_OK) == 0;
    self->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (self->fd < 0 || !self->path || !self->statuses || load(self) < 0) {
        hd_error("store_open_failed", "cannot open %s: %s", path, strerror(errno));
        sb_store_destroy(&self);
        return NULL;
    }
    if (!existed)
        sync_parent_dir(path);
    hd_info("store_opened", "%s: %zu statuses", path, json_array_size(self->statuses));
    return self;
}

void sb_store_destroy(sb_store_t **self_p) {
    if (!self_p || !*self_p)
        return;
    sb_store_t *self = *self_p;
    *self_p = NULL;
    if (self->fd >= 0)
        close(self->fd);
    json_decref(self->statuses);
    free(self->path);
    free(self);
}

size_t sb_store_count(const sb_store_t *self) {
    return self ? json_array_size(self->statuses) : 0;
}

const json_t *sb_store_at(const sb_store_t *self, size_t i) {
    return self ? json_array_get(self->statuses, i) : NULL;
}

static const char *str_field(const json_t *s, const char *name) {
    return json_string_value(json_object_get(s, name));
}

const json_t *sb_store_find(const sb_store_t *self, const char *id) {
    for (size_t i = sb_store_count(self); id && i-- > 0;) {
        const json_t *s = sb_store_at(self, i);
        if (strcmp(str_field(s, "id"), id) == 0)
            return s;
    }
    return NULL;
}

const json_t *sb_store_find_key(const sb_store_t *self, const char *acct, const char *key) {
    for (size_t i = sb_store_count(self); acct && key && i-- > 0;) {
        const json_t *s = sb_store_at(self, i);
        const char *k = str_field(s, "idempotency_key");
        if (k && strcmp(k, key) == 0 && strcmp(str_field(s, "acct"), acct) == 0)
            return s;
    }
    return NULL;
}

static void now_iso(char *buf, size_t len) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static json_t *opt_string(const char *s) {
    return s ? json_string(s) : json_null();
}

/* Appends one line and makes it durable; on any failure the file is cut
   back to its previous length so no half line remains. */
static int append_line(sb_store_t *self, const char *line, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(self->fd, line + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    if (done == len && fsync(self->fd) == 0)
        return 0;
    hd_error("store_write_failed", "%s: %s", self->path, strerror(errno));
    if (ftruncate(self->fd, self->size) < 0)
        hd_error("store_truncate_failed", "%s: %s", self->path, strerror(errno));
    return -1;
}

const json_t *sb_store_add(sb_store_t *self, const char *acct, const char *content,
                           const char *visibility, const char *idempotency_key,
                           const char *in_reply_to_id) {
    if (!self || !acct || !content)
        return NULL;
    char id[32], created[40];
    snprintf(id, sizeof id, "%lld", self->next_id);
    now_iso(created, sizeof created);
    json_t *s = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "id", id, "acct", acct,
                          "content", content, "visibility",
                          visibility ? visibility : "public", "created_at", created,
                          "idempotency_key", opt_string(idempotency_key),
                          "in_reply_to_id", opt_string(in_reply_to_id));
    char *text = s ? json_dumps(s, JSON_COMPACT) : NULL;
    if (!text) {
        hd_error("store_encode_failed", "cannot encode status for %s", acct);
        json_decref(s);
        return NULL;
    }
    size_t len = strlen(text);
    text[len] = '\n'; /* json_dumps's NUL becomes the line end */
    int rc = append_line(self, text, len + 1);
    free(text);
    if (rc < 0) {
        json_decref(s);
        return NULL;
    }
    self->size += (off_t)(len + 1);
    self->next_id++;
    json_array_append_new(self->statuses, s);
    return s;
}

json_t *sb_store_stats(const sb_store_t *self) {
    json_t *keys = json_object();
    for (size_t i = 0; i < sb_store_count(self); i++) {
        const char *k = str_field(sb_store_at(self, i), "idempotency_key");
        if (!k)
            continue;
        json_t *n = json_object_get(keys, k);
        json_object_set_new(keys, k, json_integer(n ? json_integer_value(n) + 1 : 1));
    }
    return json_pack("{s:I,s:o}", "posts", (json_int_t)sb_store_count(self),
                     "by_idempotency_key", keys);
}
