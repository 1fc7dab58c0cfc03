/*  ratelimit: token buckets in a bounded table (see ratelimit.h). The table
    is an array of entries with a hash index (chains of entry numbers) and
    a least-recently-used list through the entries, so a take is O(1)
    whatever the number of keys. */
#include "ratelimit.h"

#include "hd_mem.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NONE UINT32_MAX

typedef struct {
    char key[ING_RATELIMIT_KEY];
    double tokens;
    long long at_ms;       /* when tokens was last brought up to date */
    uint32_t next;         /* hash chain */
    uint32_t newer, older; /* LRU list */
} entry_t;

struct ing_ratelimit {
    pthread_mutex_t lock;
    double rate, burst;
    size_t max, used, nbuckets;
    entry_t *e;
    uint32_t *bucket; /* hash -> first entry */
    uint32_t newest, oldest;
};

ing_ratelimit_t *ing_ratelimit_new(double rate, double burst, size_t max_keys) {
    ing_ratelimit_t *self = hd_calloc(1, sizeof *self);
    pthread_mutex_init(&self->lock, NULL);
    self->rate = rate;
    self->burst = burst < 1 ? 1 : burst;
    self->max = max_keys < 1 ? 1 : max_keys;
    self->nbuckets = self->max * 2;
    self->e = hd_calloc(self->max, sizeof *self->e);
    self->bucket = hd_calloc(self->nbuckets, sizeof *self->bucket);
    for (size_t i = 0; i < self->nbuckets; i++)
        self->bucket[i] = NONE;
    self->newest = self->oldest = NONE;
    return self;
}

void ing_ratelimit_destroy(ing_ratelimit_t **self_p) {
    if (!self_p || !*self_p)
        return;
    ing_ratelimit_t *self = *self_p;
    pthread_mutex_destroy(&self->lock);
    free(self->e);
    free(self->bucket);
    free(self);
    *self_p = NULL;
}

static size_t hash(const ing_ratelimit_t *self, const char *key) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)(h % self->nbuckets);
}

static void lru_unlink(ing_ratelimit_t *self, uint32_t i) {
    entry_t *x = &self->e[i];
    if (x->newer != NONE)
        self->e[x->newer].older = x->older;
    else
        self->newest = x->older;
    if (x->older != NONE)
        self->e[x->older].newer = x->newer;
    else
        self->oldest = x->newer;
}

static void lru_push(ing_ratelimit_t *self, uint32_t i) {
    entry_t *x = &self->e[i];
    x->newer = NONE;
    x->older = self->newest;
    if (self->newest != NONE)
        self->e[self->newest].newer = i;
    self->newest = i;
    if (self->oldest == NONE)
        self->oldest = i;
}

/* Removes entry i from its hash chain (it stays in the LRU list). */
static void chain_unlink(ing_ratelimit_t *self, uint32_t i) {
    uint32_t *p = &self->bucket[hash(self, self->e[i].key)];
    while (*p != i)
        p = &self->e[*p].next;
    *p = self->e[i].next;
}

static void refill(const ing_ratelimit_t *self, entry_t *x, long long now_ms) {
    if (now_ms > x->at_ms) {
        x->tokens = fmin(self->burst, x->tokens + self->rate * (double)(now_ms - x->at_ms) / 1000);
        x->at_ms = now_ms;
    }
}

/* An entry for a new key: an unused one, else the least recently used
   (the most idle key) is dropped. */
static uint32_t claim(ing_ratelimit_t *self) {
    if (self->used < self->max)
        return (uint32_t)self->used++;
    uint32_t i = self->oldest;
    lru_unlink(self, i);
    chain_unlink(self, i);
    return i;
}

static uint32_t find(ing_ratelimit_t *self, const char *key) {
    uint32_t i = self->bucket[hash(self, key)];
    while (i != NONE && strcmp(self->e[i].key, key) != 0)
        i = self->e[i].next;
    return i;
}

int ing_ratelimit_take(ing_ratelimit_t *self, const char *key_in, long long now_ms) {
    if (self->rate <= 0)
        return 0;
    char key[ING_RATELIMIT_KEY];
    snprintf(key, sizeof key, "%s", key_in ? key_in : "");
    pthread_mutex_lock(&self->lock);
    uint32_t i = find(self, key);
    if (i == NONE) {
        i = claim(self);
        entry_t *x = &self->e[i];
        memcpy(x->key, key, sizeof key);
        x->tokens = self->burst;
        x->at_ms = now_ms;
        size_t h = hash(self, key);
        x->next = self->bucket[h];
        self->bucket[h] = i;
    } else
        lru_unlink(self, i);
    lru_push(self, i);
    entry_t *x = &self->e[i];
    refill(self, x, now_ms);
    int wait = 0;
    if (x->tokens >= 1)
        x->tokens -= 1;
    else {
        double s = ceil((1 - x->tokens) / self->rate);
        wait = s < 1 ? 1 : s > 86400 ? 86400 : (int)s;
    }
    pthread_mutex_unlock(&self->lock);
    return wait;
}

size_t ing_ratelimit_keys(ing_ratelimit_t *self) {
    pthread_mutex_lock(&self->lock);
    size_t n = self->used;
    pthread_mutex_unlock(&self->lock);
    return n;
}

long long ing_ratelimit_clock_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
