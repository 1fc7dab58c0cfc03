/*  Tests for the sandbox's domain logic: the hash index, the JSON-lines
    store (reload, torn-tail repair, idempotency lookups, group sync, stats),
    account parsing and the fault choice. Real files in a temporary
    directory. */
#include "accounts.h"
#include "fault.h"
#include "index.h"
#include "store.h"

#include "hd_test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_dir[64];

static void temp_path(char *out, size_t len, const char *name) {
    if (!s_dir[0]) {
        snprintf(s_dir, sizeof s_dir, "/tmp/hd-sandbox-XXXXXX");
        if (!mkdtemp(s_dir))
            s_dir[0] = '\0';
    }
    snprintf(out, len, "%s/%s", s_dir, name);
}

/* Appends and syncs: the old one-post-one-fsync path. */
static const sb_post_t *add(sb_store_t *st, const char *acct, const char *content,
                            const char *visibility, const char *key, const char *reply) {
    const sb_post_t *p = sb_store_append(st, acct, content, visibility, key, reply);
    return p && sb_store_sync(st) == 0 ? p : NULL;
}

/* ---- the index, with a table of strings as the entries ---- */

static const char *s_words[5001];

static int match_word(uint32_t value, const void *key, void *arg) {
    (void)arg;
    return strcmp(s_words[value], key) == 0;
}

static uint64_t hash_word(const char *w) { return sb_index_hash(0, w, strlen(w)); }

/* Every hash the same: each lookup must walk the collision run and still
   tell the entries apart by their keys. */
static uint64_t hash_all_alike(const char *w) {
    (void)w;
    return 42;
}

static int check_index(uint64_t (*hash)(const char *), size_t n) {
    static char buf[5001][24];
    sb_index_t *ix = sb_index_new();
    for (size_t i = 0; i < n; i++) {
        snprintf(buf[i], sizeof buf[i], "w%zu", i);
        s_words[i] = buf[i];
        sb_index_put(ix, hash(buf[i]), (uint32_t)i, match_word, buf[i], NULL);
    }
    int ok = sb_index_count(ix) == n;
    for (size_t i = 0; ok && i < n; i++)
        ok = sb_index_find(ix, hash(buf[i]), match_word, buf[i], NULL) == i;
    ok = ok && sb_index_find(ix, hash("nope"), match_word, "nope", NULL) == SB_INDEX_NONE;
    /* a newer entry with an existing key replaces it, no second entry */
    snprintf(buf[n], sizeof buf[n], "w1");
    s_words[n] = buf[n];
    sb_index_put(ix, hash("w1"), (uint32_t)n, match_word, "w1", NULL);
    ok =
        ok && sb_index_count(ix) == n && sb_index_find(ix, hash("w1"), match_word, "w1", NULL) == n;
    sb_index_clear(ix);
    ok = ok && sb_index_count(ix) == 0 &&
         sb_index_find(ix, hash(buf[0]), match_word, buf[0], NULL) == SB_INDEX_NONE;
    sb_index_destroy(&ix);
    return ok && ix == NULL;
}

HD_TEST(index_finds_replaces_and_grows) {
    ASSERT(check_index(hash_word, 5000)); /* grows from 64 slots many times */
    ASSERT(check_index(hash_all_alike, 300));
    /* composite keys: the parts' boundary counts */
    uint64_t ab_c = sb_index_hash(sb_index_hash(0, "ab", 2), "c", 1);
    uint64_t a_bc = sb_index_hash(sb_index_hash(0, "a", 1), "bc", 2);
    ASSERT(ab_c != a_bc);
    sb_index_destroy(NULL);
    ASSERT(sb_index_find(NULL, 1, match_word, "x", NULL) == SB_INDEX_NONE);
}

/* ---- the store ---- */

HD_TEST(store_adds_finds_and_reloads) {
    char path[128];
    temp_path(path, sizeof path, "nested/dir/a.jsonl");
    sb_store_t *st = sb_store_open(path);
    ASSERT(st);
    ASSERT_EQ(sb_store_count(st), 0);
    const sb_post_t *a = add(st, "alice", "hello", NULL, "k1", NULL);
    ASSERT(a);
    ASSERT_STR(a->id, "1");
    ASSERT_STR(a->visibility, "public");
    ASSERT(a->in_reply_to_id == NULL);
    ASSERT(add(st, "bob", "hi", "unlisted", "k1", "1"));
    ASSERT(add(st, "alice", "again", NULL, NULL, NULL));
    ASSERT(sb_store_find_key(st, "alice", "k1") == a);
    ASSERT(sb_store_find_key(st, "carol", "k1") == NULL);
    ASSERT(sb_store_find_key(st, "alice", "k2") == NULL);
    ASSERT(sb_store_find_key(st, "alice", NULL) == NULL);
    ASSERT_STR(sb_store_find(st, "2")->acct, "bob");
    ASSERT(sb_store_find(st, "9") == NULL);
    json_t *stats = sb_store_stats(st);
    ASSERT_EQ(json_integer_value(json_object_get(stats, "posts")), 3);
    ASSERT_EQ(
        json_integer_value(json_object_get(json_object_get(stats, "by_idempotency_key"), "k1")), 2);
    json_decref(stats);
    sb_store_destroy(&st);
    ASSERT(st == NULL);
    sb_store_destroy(&st);

    st = sb_store_open(path);
    ASSERT(st);
    ASSERT_EQ(sb_store_count(st), 3);
    ASSERT_EQ(sb_store_synced(st), 3);
    ASSERT_STR(sb_store_at(st, 1)->in_reply_to_id, "1");
    ASSERT_STR(sb_store_at(st, 1)->visibility, "unlisted");
    /* the reloaded indexes find what the first process stored */
    ASSERT_STR(sb_store_find_key(st, "alice", "k1")->content, "hello");
    ASSERT_STR(sb_store_find_key(st, "bob", "k1")->content, "hi");
    ASSERT_STR(sb_store_find(st, "3")->content, "again");
    const sb_post_t *d = add(st, "bob", "after restart", NULL, NULL, NULL);
    ASSERT(d);
    ASSERT_STR(d->id, "4"); /* ids keep counting after a restart */
    sb_store_destroy(&st);
}

HD_TEST(store_cuts_torn_tail_and_skips_bad_lines) {
    char path[128];
    temp_path(path, sizeof path, "torn.jsonl");
    FILE *f = fopen(path, "w");
    ASSERT(f);
    fputs("{\"id\":\"5\",\"acct\":\"a\",\"content\":\"one\"}\n"
          "this is not json\n"
          "{\"id\":\"6\",\"acct\":\"a\"}\n"
          "{\"id\":\"7\",\"acct\":\"a\",\"content\":\"tw",
          f);
    fclose(f);
    sb_store_t *st = sb_store_open(path);
    ASSERT(st);
    ASSERT_EQ(sb_store_count(st), 1);
    const sb_post_t *n = add(st, "a", "new", NULL, NULL, NULL);
    ASSERT(n);
    ASSERT_STR(n->id, "6");
    sb_store_destroy(&st);
    /* the new line starts on a line of its own: a reload sees both */
    st = sb_store_open(path);
    ASSERT(st);
    ASSERT_EQ(sb_store_count(st), 2);
    ASSERT_STR(sb_store_at(st, 1)->content, "new");
    /* a line without visibility or created_at keeps them absent */
    ASSERT(sb_store_at(st, 0)->visibility == NULL);
    ASSERT(sb_store_at(st, 0)->created_at == NULL);
    sb_store_destroy(&st);
}

HD_TEST(store_group_sync) {
    char path[128];
    temp_path(path, sizeof path, "group.jsonl");
    sb_store_t *st = sb_store_open(path);
    ASSERT(st);
    const sb_post_t *p[3];
    for (int i = 0; i < 3; i++) {
        char key[8];
        snprintf(key, sizeof key, "g%d", i);
        p[i] = sb_store_append(st, "alice", "batched", NULL, key, NULL);
        ASSERT(p[i]);
    }
    /* written, findable (a retry must find it), but not yet durable */
    ASSERT_EQ(sb_store_count(st), 3);
    ASSERT_EQ(sb_store_synced(st), 0);
    ASSERT(!sb_store_durable(st, p[0]) && !sb_store_durable(st, p[2]));
    ASSERT(sb_store_find_key(st, "alice", "g1") == p[1]);
    ASSERT(sb_store_find(st, "3") == p[2]);
    json_t *stats = sb_store_stats(st);
    ASSERT_EQ(json_integer_value(json_object_get(stats, "posts")), 0); /* durable only */
    json_decref(stats);
    /* the lines are in the file already, ahead of the fsync */
    struct stat sbuf;
    ASSERT_EQ(stat(path, &sbuf), 0);
    ASSERT(sbuf.st_size > 0);
    ASSERT_EQ(sb_store_fsyncs(st), 0);
    ASSERT_EQ(sb_store_sync(st), 0);
    ASSERT_EQ(sb_store_fsyncs(st), 1); /* one for the three */
    ASSERT_EQ(sb_store_synced(st), 3);
    ASSERT(sb_store_durable(st, p[0]) && sb_store_durable(st, p[2]));
    ASSERT(!sb_store_durable(st, NULL));
    ASSERT_EQ(sb_store_sync(st), 0); /* nothing to do is fine, and no fsync */
    ASSERT_EQ(sb_store_fsyncs(st), 1);
    stats = sb_store_stats(st);
    ASSERT_EQ(json_integer_value(json_object_get(stats, "posts")), 3);
    json_decref(stats);
    /* an unsynced post left at destroy is synced there, not lost */
    ASSERT(sb_store_append(st, "bob", "last", NULL, "g0", NULL));
    sb_store_destroy(&st);
    st = sb_store_open(path);
    ASSERT(st);
    ASSERT_EQ(sb_store_count(st), 4);
    ASSERT_STR(sb_store_find_key(st, "bob", "g0")->content, "last");
    ASSERT_STR(sb_store_find_key(st, "alice", "g0")->content, "batched");
    sb_store_destroy(&st);
}

HD_TEST(store_forgets_what_failed_to_write_or_sync) {
    /* /dev/full refuses every write */
    sb_store_t *st = sb_store_open("/dev/full");
    ASSERT(st);
    ASSERT(sb_store_append(st, "alice", "lost", NULL, "w1", NULL) == NULL);
    ASSERT_EQ(sb_store_count(st), 0);
    ASSERT(sb_store_find_key(st, "alice", "w1") == NULL);
    sb_store_destroy(&st);
    /* /dev/null takes the writes but cannot fsync: the batch is dropped */
    st = sb_store_open("/dev/null");
    ASSERT(st);
    ASSERT(sb_store_append(st, "alice", "one", NULL, "n1", NULL));
    ASSERT(sb_store_append(st, "alice", "two", NULL, "n2", NULL));
    ASSERT_EQ(sb_store_sync(st), -1);
    ASSERT_EQ(sb_store_count(st), 0);
    ASSERT_EQ(sb_store_synced(st), 0);
    ASSERT(sb_store_find_key(st, "alice", "n1") == NULL);
    ASSERT(sb_store_find(st, "2") == NULL);
    /* and the store goes on: a new post gets a new id */
    const sb_post_t *p = sb_store_append(st, "alice", "three", NULL, "n1", NULL);
    ASSERT(p);
    ASSERT_STR(p->id, "3");
    ASSERT(sb_store_find_key(st, "alice", "n1") == p);
    sb_store_destroy(&st);
}

HD_TEST(store_deletes_durably_and_reloads_the_deletion) {
    char path[128];
    temp_path(path, sizeof path, "deletes.jsonl");
    sb_store_t *st = sb_store_open(path);
    ASSERT(st);
    const sb_post_t *a = add(st, "alice", "keep me", NULL, "d1", NULL);
    const sb_post_t *b = add(st, "alice", "delete me", NULL, "d2", NULL);
    ASSERT(a && b);
    /* a post not yet on disk cannot be deleted: nobody could see it */
    const sb_post_t *fresh = sb_store_append(st, "alice", "fresh", NULL, NULL, NULL);
    ASSERT(fresh);
    ASSERT_EQ(sb_store_delete(st, fresh), -1);
    ASSERT_EQ(sb_store_delete(st, b), 0);
    /* written, not yet fsync'd: it still shows, and cannot be deleted twice */
    ASSERT_EQ(b->state, SB_POST_DELETING);
    ASSERT(sb_store_visible(st, b));
    ASSERT_EQ(sb_store_delete(st, b), -1);
    ASSERT_EQ(sb_store_deleted(st), 0);
    long fsyncs = sb_store_fsyncs(st);
    ASSERT_EQ(sb_store_sync(st), 0);
    ASSERT_EQ(sb_store_fsyncs(st), fsyncs + 1); /* the post and the deletion: one fsync */
    ASSERT_EQ(b->state, SB_POST_DELETED);
    ASSERT(!sb_store_visible(st, b));
    ASSERT(sb_store_visible(st, a) && sb_store_visible(st, fresh));
    ASSERT_EQ(sb_store_deleted(st), 1);
    ASSERT_EQ(sb_store_delete(st, b), -1);
    /* still found by id and key (ids are never reused), counted as created */
    ASSERT(sb_store_find(st, "2") == b);
    ASSERT(sb_store_find_key(st, "alice", "d2") == b);
    json_t *stats = sb_store_stats(st);
    ASSERT_EQ(json_integer_value(json_object_get(stats, "posts")), 3);
    json_decref(stats);
    sb_store_destroy(&st);

    st = sb_store_open(path);
    ASSERT(st);
    ASSERT_EQ(sb_store_count(st), 3);
    ASSERT_EQ(sb_store_deleted(st), 1);
    ASSERT_EQ(sb_store_find(st, "2")->state, SB_POST_DELETED);
    ASSERT_EQ(sb_store_find(st, "1")->state, SB_POST_LIVE);
    const sb_post_t *next = add(st, "alice", "after", NULL, NULL, NULL);
    ASSERT(next);
    ASSERT_STR(next->id, "4");
    sb_store_destroy(&st);
    /* a deletion line naming no post, or another account's, is skipped */
    FILE *f = fopen(path, "a");
    ASSERT(f);
    fputs("{\"deleted\":\"99\",\"acct\":\"alice\"}\n"
          "{\"deleted\":\"1\",\"acct\":\"mallory\"}\n",
          f);
    fclose(f);
    st = sb_store_open(path);
    ASSERT(st);
    ASSERT_EQ(sb_store_deleted(st), 1);
    ASSERT(sb_store_visible(st, sb_store_find(st, "1")));
    sb_store_destroy(&st);
}

/* The descriptor this process has open on path, or -1. */
static int fd_of(const char *path) {
    for (int fd = 3; fd < 1024; fd++) {
        char link[64], target[256];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        if (strcmp(target, path) == 0)
            return fd;
    }
    return -1;
}

HD_TEST(store_undoes_a_deletion_whose_fsync_failed) {
    char path[128];
    temp_path(path, sizeof path, "undo.jsonl");
    sb_store_t *st = sb_store_open(path);
    ASSERT(st);
    const sb_post_t *p = add(st, "alice", "stays", NULL, NULL, NULL);
    ASSERT(p);
    /* the store's file becomes /dev/null under it: writes pass, fsync fails */
    int fd = fd_of(path), null = open("/dev/null", O_WRONLY);
    ASSERT(fd >= 0 && null >= 0);
    ASSERT(dup2(null, fd) == fd);
    close(null);
    ASSERT_EQ(sb_store_delete(st, p), 0);
    ASSERT_EQ(p->state, SB_POST_DELETING);
    ASSERT_EQ(sb_store_sync(st), -1);
    ASSERT_EQ(p->state, SB_POST_LIVE); /* the deletion is undone, the post shows */
    ASSERT(sb_store_visible(st, p));
    ASSERT_EQ(sb_store_deleted(st), 0);
    sb_store_destroy(&st);
    /* the file never got the deletion: the post is there after a reload */
    st = sb_store_open(path);
    ASSERT(st);
    ASSERT(sb_store_visible(st, sb_store_find(st, "1")));
    sb_store_destroy(&st);
}

HD_TEST(store_indexes_many_posts) {
    char path[128];
    temp_path(path, sizeof path, "many.jsonl");
    sb_store_t *st = sb_store_open(path);
    ASSERT(st);
    enum { N = 10000 };
    char key[32], id[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        ASSERT(sb_store_append(st, i % 2 ? "bob" : "alice",
                               "a status of some sixty "
                               "characters, give or take a few",
                               NULL, key, NULL));
        if (i % 1000 == 999)
            ASSERT_EQ(sb_store_sync(st), 0);
    }
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < N; i++) {
            snprintf(key, sizeof key, "key-%d", i);
            snprintf(id, sizeof id, "%d", i + 1);
            const sb_post_t *p = sb_store_find_key(st, i % 2 ? "bob" : "alice", key);
            ASSERT(p);
            ASSERT_STR(p->id, id);
            ASSERT(sb_store_find(st, id) == p);
            /* the other account has no post under this key */
            ASSERT(sb_store_find_key(st, i % 2 ? "alice" : "bob", key) == NULL);
        }
        /* the second pass runs on the indexes a reload built */
        sb_store_destroy(&st);
        st = sb_store_open(path);
        ASSERT(st);
        ASSERT_EQ(sb_store_count(st), N);
    }
    sb_store_destroy(&st);
}

HD_TEST(store_open_fails_cleanly) {
    ASSERT(sb_store_open("") == NULL);
    ASSERT(sb_store_open(NULL) == NULL);
    ASSERT(sb_store_open("/proc/no/such/place/x.jsonl") == NULL);
}

HD_TEST(accounts_parse_and_authorize) {
    char err[128];
    sb_accounts_t *a = sb_accounts_parse(" alice:t1, bob.b:t-2 ,", err, sizeof err);
    ASSERT(a);
    ASSERT_EQ(sb_accounts_count(a), 2);
    ASSERT_STR(sb_accounts_authorize(a, "Bearer t1"), "alice");
    ASSERT_STR(sb_accounts_authorize(a, "bearer t-2"), "bob.b");
    ASSERT(sb_accounts_authorize(a, "Bearer t3") == NULL);
    ASSERT(sb_accounts_authorize(a, "Basic dDE=") == NULL);
    ASSERT(sb_accounts_authorize(a, NULL) == NULL);
    ASSERT(sb_accounts_has(a, "alice"));
    ASSERT(!sb_accounts_has(a, "carol"));
    sb_accounts_destroy(&a);
    ASSERT(a == NULL);

    ASSERT(sb_accounts_parse("alice", err, sizeof err) == NULL);
    ASSERT(strstr(err, "handle:token"));
    ASSERT(sb_accounts_parse("al ice:t", err, sizeof err) == NULL);
    ASSERT(sb_accounts_parse("alice:", err, sizeof err) == NULL);
    ASSERT(sb_accounts_parse("a:t,a:u", err, sizeof err) == NULL);
    ASSERT(strstr(err, "twice"));
    ASSERT(sb_accounts_parse("a:t,b:t", err, sizeof err) == NULL);
    ASSERT(sb_accounts_parse("", err, sizeof err) == NULL);
}

HD_TEST(faults_follow_the_rate) {
    sb_faults_t f;
    sb_faults_init(&f, 0, 42);
    for (int i = 0; i < 1000; i++)
        ASSERT_EQ(sb_faults_pick(&f), SB_FAULT_NONE);
    int seen[5] = {0};
    sb_faults_init(&f, 1, 42);
    for (int i = 0; i < 4000; i++)
        seen[sb_faults_pick(&f)]++;
    ASSERT_EQ(seen[SB_FAULT_NONE], 0);
    for (int k = SB_FAULT_500; k <= SB_FAULT_DROP; k++)
        ASSERT(seen[k] > 800 && seen[k] < 1200);
    sb_faults_init(&f, 0.25, 7);
    int faults = 0;
    for (int i = 0; i < 4000; i++)
        faults += sb_faults_pick(&f) != SB_FAULT_NONE;
    ASSERT(faults > 800 && faults < 1200);
    double r;
    ASSERT_EQ(sb_fault_parse_rate("0.5", &r), 0);
    ASSERT(r == 0.5);
    ASSERT_EQ(sb_fault_parse_rate("1.5", &r), -1);
    ASSERT_EQ(sb_fault_parse_rate("abc", &r), -1);
    ASSERT_EQ(sb_fault_parse_rate("nan", &r), -1);
}

static void cleanup(void) {
    if (s_dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
        int rc = system(cmd);
        (void)rc;
    }
}

HD_TEST(zz_cleanup) { cleanup(); }

HD_TEST_MAIN(HD_CASE(index_finds_replaces_and_grows), HD_CASE(store_adds_finds_and_reloads),
             HD_CASE(store_cuts_torn_tail_and_skips_bad_lines), HD_CASE(store_group_sync),
             HD_CASE(store_forgets_what_failed_to_write_or_sync),
             HD_CASE(store_deletes_durably_and_reloads_the_deletion),
             HD_CASE(store_undoes_a_deletion_whose_fsync_failed), HD_CASE(store_indexes_many_posts),
             HD_CASE(store_open_fails_cleanly), HD_CASE(accounts_parse_and_authorize),
             HD_CASE(faults_follow_the_rate), HD_CASE(zz_cleanup))
