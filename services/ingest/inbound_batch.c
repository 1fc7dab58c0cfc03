/*  inbound_batch: the group commit's mentions (see inbound_batch.h). */
#include "inbound_batch.h"

#include "hd_log.h"
#include "hd_mem.h"
#include "inbound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ing_mention_t view(const ing_item_t *it) {
    return (ing_mention_t){.channel = it->mention.channel,
                           .external_id = it->mention.external_id,
                           .author_handle = it->mention.author,
                           .text = it->mention.text,
                           .url = it->mention.url};
}

/* One transaction for items[0..n): 0 committed, -1 failed before COMMIT
   (the caller rolls back), -2 COMMIT failed (every item answered 503). */
static int write_mentions(hd_db_t *db, ing_item_t **it, size_t n) {
    if (hd_db_begin(db) < 0)
        return -1;
    const ing_person_t **by = hd_calloc(n, sizeof *by);
    ing_mention_t *in = hd_calloc(n, sizeof *in);
    ing_result_t *res = hd_calloc(n, sizeof *res);
    for (size_t i = 0; i < n; i++) {
        by[i] = &it[i]->who;
        in[i] = view(it[i]);
    }
    ing_inbound_record_many(db, by, in, res, n);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        it[i]->res = res[i];
        if (res[i].status == 503)
            rc = -1;
    }
    free(by);
    free(in);
    free(res);
    if (rc == 0 && hd_db_commit(db) < 0) {
        for (size_t i = 0; i < n; i++)
            ing_result_refuse(&it[i]->res, 503, NULL, "commit failed, retry");
        return -2;
    }
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (it[i]->res.status == 201)
            hd_log(HD_LOG_INFO, "mention_received", NULL, it[i]->res.id,
                   "channel=%s external_id=%s batch=%zu", it[i]->mention.channel,
                   it[i]->mention.external_id, n);
    return rc;
}

void ing_inbound_record_batch(hd_db_t *db, ing_item_t **items, size_t n) {
    if (hd_db_ensure(db) < 0) {
        for (size_t i = 0; i < n; i++)
            ing_result_refuse(&items[i]->res, 503, NULL, "database unavailable, retry");
        return;
    }
    if (write_mentions(db, items, n) != -1)
        return;
    char error[300];
    snprintf(error, sizeof error, "%s", hd_db_error(db));
    hd_db_rollback(db);
    if (n == 1) {
        ing_result_refuse(&items[0]->res, 503, NULL, "database unavailable, retry");
        return;
    }
    hd_warn("batch_fallback", "a batch of %zu mentions failed (%s); recording each alone", n,
            error);
    for (size_t i = 0; i < n; i++)
        if (write_mentions(db, &items[i], 1) == -1) {
            hd_db_rollback(db);
            ing_result_refuse(&items[i]->res, 503, NULL, "database unavailable, retry");
        }
}
