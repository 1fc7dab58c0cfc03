/*  crowd: the simulated public of `make up` (see crowd.h). */
#include "crowd.h"

#include "hd_http_client.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_signal.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* %1$s the target, %2$lu an order number. */
static const char *const TEMPLATES[] = {
    "@%s my order %lu still hasn't arrived, can someone look into it?",
    "@%s I was charged twice for order %lu. Please refund the second one.",
    "Hey @%s, thanks for sorting out my delivery (order %lu) so quickly!",
    "@%s the app logs me out every time I open it. Order %lu is stuck in my cart.",
    "@%s is there a way to change the address on order %lu?",
    "@%s your site says in stock but checkout says sold out (tried order %lu twice)",
    "@%s waited 40 minutes on the phone today about order %lu. Not great.",
    "Big thanks to @%s for the help with order %lu this morning",
};
#define NTEMPLATES (sizeof TEMPLATES / sizeof *TEMPLATES)

char *sb_crowd_text(unsigned long n, const char *target, const char *tag) {
    char text[600];
    unsigned long order = 10000 + (n * 7919UL) % 90000;
    int len = snprintf(text, sizeof text, TEMPLATES[n % NTEMPLATES], target, order);
    if (tag && *tag && n % 3 == 0 && len >= 0 && (size_t)len < sizeof text)
        snprintf(text + len, sizeof text - (size_t)len, " #%s", tag);
    return hd_strdup(text);
}

const char **sb_crowd_targets(const char *spec, const sb_accounts_t *accounts, char *err,
                              size_t err_len) {
    const char **out = NULL;
    size_t n = 0, cap = 0;
    for (const char *p = spec ? spec : ""; *p;) {
        size_t len = strcspn(p, ",");
        const char *name = p + strspn(p, " @");
        size_t nlen = len - (size_t)(name - p);
        while (nlen > 0 && name[nlen - 1] == ' ')
            nlen--;
        const char *handle = nlen ? sb_accounts_find(accounts, name, nlen) : NULL;
        if (nlen && !handle) {
            snprintf(err, err_len, "target '%.*s' is not one of the accounts", (int)nlen, name);
            free(out);
            return NULL;
        }
        if (handle) {
            out = hd_grow(out, &cap, n + 2, sizeof *out);
            out[n++] = handle;
            out[n] = NULL;
        }
        p += len + (p[len] == ',');
    }
    if (n == 0)
        snprintf(err, err_len, "no target: name the accounts the crowd mentions");
    return out;
}

struct sb_crowd {
    char *url, *tag;
    const sb_accounts_t *accounts; /* borrowed */
    const char **targets;          /* borrowed */
    size_t ntargets;
    long every_ms;
    atomic_int stop;
    pthread_t thread;
};

/* One status, as the crowd's accounts and the targets take turns. */
static void post_one(sb_crowd_t *self, unsigned long n) {
    size_t who = n % sb_accounts_count(self->accounts);
    char *text = sb_crowd_text(n, self->targets[n % self->ntargets], self->tag);
    json_t *j = json_pack("{s:s}", "status", text);
    char *body = json_dumps(j, JSON_COMPACT), auth[600], why[256] = "", *answer = NULL;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", sb_accounts_token(self->accounts, who));
    const char *headers[] = {auth, "Content-Type: application/json", NULL};
    int st = hd_http_request("POST", self->url, headers, body, 5000, &answer, why, sizeof why);
    if (st == 200)
        hd_debug("crowd_posted", "@%s: %s", sb_accounts_handle(self->accounts, who), text);
    else
        hd_warn("crowd_post_failed", "@%s could not post (HTTP %d%s%s)",
                sb_accounts_handle(self->accounts, who), st, *why ? ": " : "", why);
    free(answer);
    free(body);
    json_decref(j);
    free(text);
}

static void *run(void *arg) {
    sb_crowd_t *self = arg;
    for (unsigned long n = 0;; n++) {
        /* in slices, so that a stop is seen within 50 ms */
        for (long waited = 0; waited < self->every_ms; waited += 50) {
            long slice = self->every_ms - waited < 50 ? self->every_ms - waited : 50;
            if (hd_sleep_ms((int)slice) || atomic_load(&self->stop))
                return NULL;
        }
        post_one(self, n);
    }
}

static void crowd_free(sb_crowd_t *self) {
    free(self->url);
    free(self->tag);
    free(self);
}

sb_crowd_t *sb_crowd_start(const char *statuses_url, const sb_accounts_t *crowd,
                           const char **targets, const char *tag, long every_ms) {
    if (!statuses_url || sb_accounts_count(crowd) == 0 || !targets || !targets[0] || every_ms <= 0)
        return NULL;
    sb_crowd_t *self = hd_calloc(1, sizeof *self);
    self->url = hd_strdup(statuses_url);
    self->tag = hd_strdup(tag ? tag : "");
    self->accounts = crowd;
    self->targets = targets;
    while (targets[self->ntargets])
        self->ntargets++;
    self->every_ms = every_ms;
    if (pthread_create(&self->thread, NULL, run, self) != 0) {
        hd_error("crowd_failed", "the crowd's thread could not start");
        crowd_free(self);
        return NULL;
    }
    hd_info("crowd_started", "%zu account(s) post every %ld ms to %s, mentioning %zu account(s)",
            sb_accounts_count(crowd), every_ms, statuses_url, self->ntargets);
    return self;
}

void sb_crowd_stop(sb_crowd_t **self_p) {
    if (!self_p || !*self_p)
        return;
    sb_crowd_t *self = *self_p;
    *self_p = NULL;
    atomic_store(&self->stop, 1);
    pthread_join(self->thread, NULL);
    crowd_free(self);
}
