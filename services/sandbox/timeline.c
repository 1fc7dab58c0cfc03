/*  timeline: threads, mentions, hashtags and authors over the store's
    durable posts (see timeline.h). */
#include "timeline.h"

#include "hd_mem.h"
#include "index.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

typedef struct {
    uint32_t *v;
    size_t n, cap;
} list_t;

/* An account: configured, or seen as an author. */
typedef struct {
    const char *handle; /* borrowed: the accounts' or a post's */
    list_t authored, mentioned;
    size_t deleted;      /* of authored, deleted when last counted */
    size_t deleted_seen; /* the store's deletions then */
    size_t counted;      /* authored.n then */
} person_t;

typedef struct {
    char *name; /* normalized; owned */
    list_t posts;
} tag_t;

/* A post's place in its thread. */
typedef struct {
    uint32_t parent;        /* the position it replies to, NONE */
    const char *reply_acct; /* in_reply_to_account (a post's acct), or NULL */
    list_t replies;
} node_t;

struct sb_timeline {
    const sb_store_t *store;
    const sb_accounts_t *accounts;
    size_t indexed; /* posts [0, indexed) are indexed */
    node_t *nodes;  /* by position */
    size_t nodes_cap;
    person_t *people;
    size_t npeople, people_cap;
    sb_index_t *by_handle;
    tag_t *tags;
    size_t ntags, tags_cap;
    sb_index_t *by_tag;
};

static void list_add(list_t *l, uint32_t pos) {
    if (l->n > 0 && l->v[l->n - 1] == pos) /* a post naming one twice counts once */
        return;
    l->v = hd_grow(l->v, &l->cap, l->n + 1, sizeof *l->v);
    l->v[l->n++] = pos;
}

static sb_poslist_t view(const list_t *l) { return (sb_poslist_t){l ? l->v : NULL, l ? l->n : 0}; }

/* ---- people and tags by name ---- */

static uint64_t hash(const char *s) { return sb_index_hash(0, s, strlen(s)); }

static int match_person(uint32_t i, const void *key, void *arg) {
    return strcmp(((sb_timeline_t *)arg)->people[i].handle, key) == 0;
}

static int match_tag(uint32_t i, const void *key, void *arg) {
    return strcmp(((sb_timeline_t *)arg)->tags[i].name, key) == 0;
}

static person_t *person(sb_timeline_t *self, const char *handle, int create) {
    uint32_t i = sb_index_find(self->by_handle, hash(handle), match_person, handle, self);
    if (i != SB_INDEX_NONE)
        return &self->people[i];
    if (!create)
        return NULL;
    self->people =
        hd_grow(self->people, &self->people_cap, self->npeople + 1, sizeof *self->people);
    self->people[self->npeople] = (person_t){.handle = handle};
    sb_index_put(self->by_handle, hash(handle), (uint32_t)self->npeople, match_person, handle,
                 self);
    return &self->people[self->npeople++];
}

static tag_t *tag(sb_timeline_t *self, const char *name, int create) {
    uint32_t i = sb_index_find(self->by_tag, hash(name), match_tag, name, self);
    if (i != SB_INDEX_NONE)
        return &self->tags[i];
    if (!create)
        return NULL;
    self->tags = hd_grow(self->tags, &self->tags_cap, self->ntags + 1, sizeof *self->tags);
    self->tags[self->ntags] = (tag_t){.name = hd_strdup(name)};
    sb_index_put(self->by_tag, hash(name), (uint32_t)self->ntags, match_tag, name, self);
    return &self->tags[self->ntags++];
}

/* ---- indexing ---- */

const char *sb_timeline_account(void *arg, const char *name, size_t n) {
    return sb_accounts_find(((sb_timeline_t *)arg)->accounts, name, n);
}

/* Threads: the parent must come first (an id the store held when the post
   was made); a line naming a later or unknown id is a reply to nothing. */
static void index_thread(sb_timeline_t *self, const sb_post_t *p, uint32_t pos) {
    node_t *node = &self->nodes[pos];
    *node = (node_t){.parent = NONE};
    const sb_post_t *up = p->in_reply_to_id ? sb_store_find(self->store, p->in_reply_to_id) : NULL;
    size_t at = sb_store_pos(self->store, up);
    if (at >= pos)
        return;
    node->parent = (uint32_t)at;
    list_add(&self->nodes[at].replies, pos);
    /* Status#carried_over_reply_to_account_id */
    int self_thread = strcmp(up->acct, p->acct) == 0 && up->in_reply_to_id;
    node->reply_acct = self_thread ? self->nodes[at].reply_acct : up->acct;
}

static void index_entities(sb_timeline_t *self, const sb_post_t *p, uint32_t pos) {
    size_t n = 0;
    sb_text_entity_t *e = sb_text_entities(p->content, &n);
    for (size_t i = 0; i < n; i++) {
        const char *name = p->content + e[i].name;
        if (e[i].kind == SB_TEXT_MENTION && !e[i].remote) {
            const char *who = sb_accounts_find(self->accounts, name, e[i].name_len);
            if (who && strcmp(who, p->acct) != 0)
                list_add(&person(self, who, 1)->mentioned, pos);
        } else if (e[i].kind == SB_TEXT_HASHTAG) {
            char *norm = sb_text_tag_normalize(name, e[i].name_len);
            list_add(&tag(self, norm, 1)->posts, pos);
            free(norm);
        }
    }
    free(e);
}

static void catch_up(sb_timeline_t *self) {
    size_t synced = sb_store_synced(self->store);
    self->nodes = hd_grow(self->nodes, &self->nodes_cap, synced, sizeof *self->nodes);
    for (; self->indexed < synced; self->indexed++) {
        const sb_post_t *p = sb_store_at(self->store, self->indexed);
        uint32_t pos = (uint32_t)self->indexed;
        index_thread(self, p, pos);
        list_add(&person(self, p->acct, 1)->authored, pos);
        index_entities(self, p, pos);
    }
}

/* ---- lifetime ---- */

sb_timeline_t *sb_timeline_new(const sb_store_t *store, const sb_accounts_t *accounts) {
    if (!store || !accounts)
        return NULL;
    sb_timeline_t *self = hd_calloc(1, sizeof *self);
    self->store = store;
    self->accounts = accounts;
    self->by_handle = sb_index_new();
    self->by_tag = sb_index_new();
    for (size_t i = 0; i < sb_accounts_count(accounts); i++)
        person(self, sb_accounts_handle(accounts, i), 1);
    return self;
}

void sb_timeline_destroy(sb_timeline_t **self_p) {
    if (!self_p || !*self_p)
        return;
    sb_timeline_t *self = *self_p;
    *self_p = NULL;
    for (size_t i = 0; i < self->indexed; i++)
        free(self->nodes[i].replies.v);
    for (size_t i = 0; i < self->npeople; i++) {
        free(self->people[i].authored.v);
        free(self->people[i].mentioned.v);
    }
    for (size_t i = 0; i < self->ntags; i++) {
        free(self->tags[i].name);
        free(self->tags[i].posts.v);
    }
    free(self->nodes);
    free(self->people);
    free(self->tags);
    sb_index_destroy(&self->by_handle);
    sb_index_destroy(&self->by_tag);
    free(self);
}

/* ---- queries ---- */

sb_poslist_t sb_timeline_mentions(sb_timeline_t *self, const char *acct) {
    catch_up(self);
    person_t *p = person(self, acct, 0);
    return view(p ? &p->mentioned : NULL);
}

sb_poslist_t sb_timeline_authored(sb_timeline_t *self, const char *acct) {
    catch_up(self);
    person_t *p = person(self, acct, 0);
    return view(p ? &p->authored : NULL);
}

/* Deletions are rare (a crisis's recall): the deleted among an account's
   posts are counted again only when the store has deleted something
   since, and a new post is counted as it comes. */
size_t sb_timeline_live_count(sb_timeline_t *self, const char *acct) {
    catch_up(self);
    person_t *p = person(self, acct, 0);
    if (!p)
        return 0;
    size_t deletions = sb_store_deleted(self->store);
    if (deletions != p->deleted_seen) {
        p->deleted = p->counted = 0;
        p->deleted_seen = deletions;
    }
    for (; p->counted < p->authored.n; p->counted++)
        p->deleted +=
            !sb_store_visible(self->store, sb_store_at(self->store, p->authored.v[p->counted]));
    return p->authored.n - p->deleted;
}

int sb_timeline_known(sb_timeline_t *self, const char *acct) {
    catch_up(self);
    return person(self, acct, 0) != NULL;
}

sb_poslist_t sb_timeline_tagged(sb_timeline_t *self, const char *name, int *used) {
    catch_up(self);
    tag_t *t = tag(self, name, 0);
    *used = t != NULL;
    return view(t ? &t->posts : NULL);
}

sb_poslist_t sb_timeline_replies(sb_timeline_t *self, size_t pos) {
    catch_up(self);
    return view(pos < self->indexed ? &self->nodes[pos].replies : NULL);
}

size_t sb_timeline_parent(sb_timeline_t *self, size_t pos) {
    catch_up(self);
    return pos < self->indexed && self->nodes[pos].parent != NONE ? self->nodes[pos].parent
                                                                  : SIZE_MAX;
}

const char *sb_timeline_reply_account(sb_timeline_t *self, size_t pos) {
    catch_up(self);
    return pos < self->indexed ? self->nodes[pos].reply_acct : NULL;
}

int sb_timeline_mentions_acct(sb_timeline_t *self, size_t pos, const char *acct) {
    sb_poslist_t l = sb_timeline_mentions(self, acct);
    size_t lo = 0, hi = l.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l.pos[mid] < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l.n && l.pos[lo] == pos;
}
