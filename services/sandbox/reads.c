/*  reads: notifications, hashtag timelines, a status and its context
    (see reads.h). */
#include "reads.h"

#include "hd_mem.h"
#include "hd_utf8.h"
#include "paging.h"
#include "strbuf.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* hd_http_respond_header takes a name and value of 512 bytes at most. */
#define LINK_MAX (512 - 4)

/* ---- a page of a list ---- */

/* The candidates of a list route: store positions, oldest first. */
typedef struct {
    const sb_store_t *store;
    sb_poslist_t list;
    const char *from; /* notifications: only those from this account id */
    int public_only;  /* timelines: public statuses only */
} cands_t;

static long long cand_id(void *arg, size_t i) {
    const cands_t *c = arg;
    return strtoll(sb_store_at(c->store, c->list.pos[i])->id, NULL, 10);
}

static int cand_keep(void *arg, size_t i) {
    const cands_t *c = arg;
    const sb_post_t *p = sb_store_at(c->store, c->list.pos[i]);
    if (!sb_store_visible(c->store, p))
        return 0;
    if (c->public_only && p->visibility && strcmp(p->visibility, "public") != 0)
        return 0;
    char id[SB_ACCOUNT_ID_LEN];
    sb_account_id(p->acct, id);
    return !c->from || strcmp(id, c->from) == 0;
}

typedef json_t *(render_fn)(const sb_view_t *v, const sb_post_t *post);

/* Answers the page of c the query asks for, with the Link header of
   Mastodon's list routes (none for an empty page): url is the route's,
   echo the parameters it carries into the links. */
static void answer_page(sb_api_t *api, hd_http_req_t *req, const sb_query_t *q, const sb_page_t *pg,
                        const cands_t *c, const char *url, const char *const *echo,
                        render_fn *render) {
    size_t *pos = hd_calloc((size_t)pg->limit + 1, sizeof *pos);
    size_t n = sb_page_select(pg, c->list.n, cand_id, cand_keep, (void *)c, pos);
    for (size_t i = 0; i < n; i++) /* positions, before rendering reads the timeline */
        pos[i] = c->list.pos[pos[i]];
    char *link = n ? sb_page_link(url, q, echo, sb_store_at(api->store, pos[n - 1])->id,
                                  sb_store_at(api->store, pos[0])->id)
                   : NULL;
    if (link && strlen(link) > LINK_MAX) {
        sb_api_error(req, 400,
                     "the query is too long to page through: its Link header would pass %d bytes",
                     LINK_MAX);
    } else {
        json_t *out = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(out, render(&api->view, sb_store_at(api->store, pos[i])));
        if (link)
            hd_http_respond_header(req, "Link", link);
        hd_http_respond_json(req, 200, out);
    }
    free(link);
    free(pos);
}

/* Reads the query and its page; answers 400 itself and returns -1. */
static int read_page(hd_http_req_t *req, long def, sb_query_t *q, sb_page_t *pg) {
    const char *bad = NULL;
    if (sb_query_parse(hd_http_req_query(req), q) < 0) {
        sb_api_error(req, 400, "the query does not decode to UTF-8 text without NUL bytes");
        return -1;
    }
    if (sb_page_parse(q, def, pg, &bad) < 0) {
        sb_api_error(req, 400, "%s must be a status id (digits)", bad);
        sb_query_free(q);
        return -1;
    }
    return 0;
}

static char *route_url(const sb_api_t *api, const char *path, const char *segment) {
    sb_strbuf_t u = {0};
    sb_strbuf_puts(&u, api->view.base_url);
    sb_strbuf_puts(&u, path);
    if (segment)
        sb_strbuf_add_segment(&u, segment, strlen(segment));
    return sb_strbuf_take(&u);
}

/* ---- GET /api/v1/notifications ---- */

void sb_reads_notifications(sb_api_t *api, hd_http_req_t *req) {
    static const char *const echo[] = {"limit", "account_id", "types[]", "exclude_types[]", NULL};
    const char *acct = sb_api_account(api, req);
    sb_query_t q;
    sb_page_t pg;
    if (!acct || read_page(req, 40, &q, &pg) < 0)
        return;
    /* Notification.browserable: every type unless types[] names some, less
       exclude_types[]; the sandbox's notifications are all mentions. */
    int mentions = (!sb_query_given(&q, "types[]") || sb_query_has(&q, "types[]", "mention")) &&
                   !sb_query_has(&q, "exclude_types[]", "mention");
    const char *from = sb_query_get(&q, "account_id");
    cands_t c = {.store = api->store,
                 .list =
                     mentions ? sb_timeline_mentions(api->view.timeline, acct) : (sb_poslist_t){0},
                 .from = from && *from ? from : NULL};
    char *url = route_url(api, "/api/v1/notifications", NULL);
    answer_page(api, req, &q, &pg, &c, url, echo, sb_entity_notification);
    free(url);
    sb_query_free(&q);
}

/* ---- GET /api/v1/timelines/tag/{hashtag} ---- */

static int hexv(int c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

char *sb_reads_segment(const char *segment) {
    size_t n = strlen(segment), o = 0;
    char *out = hd_malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        if (segment[i] == '%' && i + 2 < n && hexv(segment[i + 1]) >= 0 &&
            hexv(segment[i + 2]) >= 0) {
            out[o++] = (char)(hexv(segment[i + 1]) * 16 + hexv(segment[i + 2]));
            i += 2;
        } else {
            out[o++] = segment[i];
        }
    }
    out[o] = '\0';
    if (strlen(out) != o || !hd_utf8_valid(out, o)) {
        free(out);
        return NULL;
    }
    return out;
}

void sb_reads_tag(sb_api_t *api, hd_http_req_t *req, const char *segment) {
    static const char *const echo[] = {"limit", "local", "only_media", NULL};
    const char *viewer;
    sb_query_t q;
    sb_page_t pg;
    if (sb_api_viewer(api, req, &viewer) < 0)
        return;
    char *name = sb_reads_segment(segment);
    if (!name) {
        sb_api_error(req, 400, "the hashtag does not decode to UTF-8 text");
        return;
    }
    if (read_page(req, 20, &q, &pg) == 0) {
        char *tag = sb_text_tag_normalize(name, strlen(name));
        int used = 0;
        cands_t c = {.store = api->store,
                     .list = sb_timeline_tagged(api->view.timeline, tag, &used),
                     .public_only = 1};
        char *url = route_url(api, "/api/v1/timelines/tag/", name);
        answer_page(api, req, &q, &pg, &c, url, echo, sb_entity_status);
        free(url);
        free(tag);
        sb_query_free(&q);
    }
    free(name);
}

/* ---- GET /api/v1/statuses/{id} ---- */

/* The status the asker may see, or NULL after answering (401, 404). */
static const sb_post_t *visible_status(sb_api_t *api, hd_http_req_t *req, const char *id,
                                       const char **viewer) {
    if (sb_api_viewer(api, req, viewer) < 0)
        return NULL;
    const sb_post_t *p = sb_store_find(api->store, id);
    if (sb_entity_visible(&api->view, p, *viewer))
        return p;
    sb_api_not_found(req);
    return NULL;
}

void sb_reads_status(sb_api_t *api, hd_http_req_t *req, const char *id) {
    const char *viewer;
    const sb_post_t *p = visible_status(api, req, id, &viewer);
    if (p)
        hd_http_respond_json(req, 200, sb_entity_status(&api->view, p));
}

/* ---- GET /api/v1/statuses/{id}/context ---- */

typedef struct {
    uint32_t pos, depth;
} frame_t;

/* A status Mastodon has deleted is gone from its table: a thread's walk
   stops there. (Statuses the asker may not see are walked through, and
   left out afterwards.) */
static int exists(const sb_api_t *api, size_t pos) {
    return sb_store_visible(api->store, sb_store_at(api->store, pos));
}

/* Status#ancestor_ids: the nearest `limit` up the chain, oldest first. */
static size_t ancestors(sb_api_t *api, size_t pos, size_t limit, size_t *out) {
    size_t n = 0;
    for (size_t up = sb_timeline_parent(api->view.timeline, pos);
         up != SIZE_MAX && n < limit && exists(api, up);
         up = sb_timeline_parent(api->view.timeline, up))
        out[n++] = up;
    for (size_t a = 0, b = n; a + 1 < b; a++, b--) {
        size_t t = out[a];
        out[a] = out[b - 1];
        out[b - 1] = t;
    }
    return n;
}

/* Status#descendant_ids: the tree below pos in the order of its paths
   (depth first, replies by id), `limit` of them, `depth` levels at most. */
static size_t descendants(sb_api_t *api, size_t pos, size_t limit, uint32_t depth, size_t *out) {
    frame_t *stack = NULL;
    size_t n = 0, top = 0, cap = 0;
    uint32_t from = (uint32_t)pos, level = 0;
    for (;;) {
        if (level < depth) { /* push the replies of `from`, the first on top */
            sb_poslist_t r = sb_timeline_replies(api->view.timeline, from);
            stack = hd_grow(stack, &cap, top + r.n, sizeof *stack);
            for (size_t i = r.n; i-- > 0;)
                stack[top++] = (frame_t){r.pos[i], level + 1};
        }
        while (top > 0 && !exists(api, stack[top - 1].pos))
            top--;
        if (top == 0 || n == limit)
            break;
        frame_t f = stack[--top];
        out[n++] = f.pos;
        from = f.pos;
        level = f.depth;
    }
    free(stack);
    return n;
}

/* Keeps the statuses the viewer may see, in order. */
static size_t visible_only(sb_api_t *api, size_t *pos, size_t n, const char *viewer) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (sb_entity_visible(&api->view, sb_store_at(api->store, pos[i]), viewer))
            pos[k++] = pos[i];
    return k;
}

/* find_statuses_from_tree_path(promote: true): replies to their author's
   own status first, each group in its order. */
static void promote_self_replies(sb_api_t *api, size_t *pos, size_t n) {
    size_t *rest = hd_calloc(n + 1, sizeof *rest), k = 0, r = 0;
    for (size_t i = 0; i < n; i++) {
        const char *to = sb_timeline_reply_account(api->view.timeline, pos[i]);
        if (to && strcmp(to, sb_store_at(api->store, pos[i])->acct) == 0)
            pos[k++] = pos[i];
        else
            rest[r++] = pos[i];
    }
    memcpy(pos + k, rest, r * sizeof *rest);
    free(rest);
}

static json_t *statuses_json(sb_api_t *api, const size_t *pos, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, sb_entity_status(&api->view, sb_store_at(api->store, pos[i])));
    return a;
}

void sb_reads_context(sb_api_t *api, hd_http_req_t *req, const char *id) {
    const char *viewer;
    const sb_post_t *p = visible_status(api, req, id, &viewer);
    if (!p)
        return;
    /* Mastodon's limits: smaller for a request without a token */
    size_t up_max = viewer ? 4096 : 40, down_max = viewer ? 4096 : 60;
    uint32_t depth = viewer ? UINT32_MAX : 20;
    size_t pos = sb_store_pos(api->store, p);
    size_t *up = hd_calloc(up_max, sizeof *up), *down = hd_calloc(down_max, sizeof *down);
    size_t nu = visible_only(api, up, ancestors(api, pos, up_max, up), viewer);
    size_t nd = visible_only(api, down, descendants(api, pos, down_max, depth, down), viewer);
    promote_self_replies(api, down, nd);
    hd_http_respond_json(req, 200,
                         json_pack("{s:o,s:o}", "ancestors", statuses_json(api, up, nu),
                                   "descendants", statuses_json(api, down, nd)));
    free(up);
    free(down);
}
