/*  The inbox figures against a real PostgreSQL, as the metrics service's
    own database role: an inbox story applied as the consumer applies it
    (mx_aggregate_apply_batch, one transaction per batch; one batch of
    several events, then batches of one) leaves the mentions counted by
    channel, feed and department, the items gauge where each item is now,
    the timers and replies counted and the first response observed in
    business seconds, and a rolled-back batch leaves nothing; the families
    come out in Prometheus text, listed even before their first sample. */
#include "aggregate.h"
#include "hd_db.h"
#include "hd_id.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include "report.h"

static hd_db_t *s_db;

/* evs as one batch in a transaction of its own, as huddle_metrics;
   committed when commit is set, else rolled back. */
static int apply_all(const hd_envelope_t *const *evs, size_t n, int commit) {
    if (hd_db_begin(s_db) < 0 || hd_db_cmd(s_db, "SET LOCAL ROLE huddle_metrics", 0, NULL) < 0)
        return -99;
    hd_batch_out_t *out = hd_batch_out_new("metrics");
    int rc = mx_aggregate_apply_batch(s_db, evs, n, out, NULL);
    hd_batch_out_destroy(&out);
    if (rc == HD_APPLY_OK && commit && hd_db_commit(s_db) == 0)
        return rc;
    hd_db_rollback(s_db);
    return commit ? -99 : rc;
}

static int apply(hd_envelope_t *ev) {
    const hd_envelope_t *one[1] = {ev};
    return apply_all(one, 1, 1);
}

typedef struct {
    char id[HD_ID_LEN], type[HD_TYPE_LEN];
    hd_envelope_t env;
    Huddle__V1__MentionRouted routed;
    Huddle__V1__InboxChanged changed;
} ev_t;

static void ev_init(ev_t *e, const char *dept) {
    hd_id_random(e->id);
    e->env = (hd_envelope_t)HUDDLE__V1__ENVELOPE__INIT;
    e->env.id = e->id;
    e->env.department = (char *)dept;
    e->env.occurred_at_ms = 1767261600000LL;
}

static hd_envelope_t *routed(ev_t *e, const char *dept, const char *feed) {
    ev_init(e, dept);
    e->routed = (Huddle__V1__MentionRouted)HUDDLE__V1__MENTION_ROUTED__INIT;
    e->routed.channel = "sandbox";
    e->routed.feed = (char *)feed;
    e->routed.triage = !*dept;
    e->env.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_ROUTED;
    e->env.type = "mention.routed";
    e->env.mention_routed = &e->routed;
    return &e->env;
}

static hd_envelope_t *changed(ev_t *e, const char *what, const char *dept, const char *from,
                              const char *to) {
    ev_init(e, dept);
    e->changed = (Huddle__V1__InboxChanged)HUDDLE__V1__INBOX_CHANGED__INIT;
    e->changed.what = (char *)what;
    e->changed.from_state = (char *)from;
    e->changed.state = (char *)to;
    e->env.body_case = HUDDLE__V1__ENVELOPE__BODY_INBOX_CHANGED;
    e->env.inbox_changed = &e->changed;
    e->env.type = (char *)hd_envelope_inbox_type(&e->changed, e->type, sizeof e->type);
    return &e->env;
}

static char *report(void) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = mx_report_write(s_db, f);
    fclose(f);
    if (rc < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int has(const char *text, const char *line) {
    char want[600];
    snprintf(want, sizeof want, "\n%s\n", line);
    if (strstr(text, want))
        return 1;
    fprintf(stderr, "missing line: %s\n", line);
    return 0;
}

HD_TEST(the_families_are_listed_before_any_sample) {
    char *text = report();
    ASSERT(text);
    ASSERT(has(text, "# TYPE huddle_mentions_total counter"));
    ASSERT(has(text, "# TYPE huddle_inbox_items gauge"));
    ASSERT(has(text, "# TYPE huddle_inbox_first_response_seconds histogram"));
    ASSERT(has(text, "# TYPE huddle_inbox_sla_warnings_total counter"));
    ASSERT(has(text, "# TYPE huddle_inbox_sla_breaches_total counter"));
    ASSERT(has(text, "# TYPE huddle_inbox_replies_total counter"));
    free(text);
}

/* Two mentions: one from a feed to customer care, one pushed and
   untaken (triage), routed there later. Care's is assigned, warned,
   breached, answered 90.5 business seconds after it came, answered
   again. */
HD_TEST(an_inbox_story_leaves_its_figures) {
    ev_t e[10];
    const hd_envelope_t *first[3] = {
        routed(&e[0], "customer-care", "care-mentions"), routed(&e[1], "", ""),
        changed(&e[2], "assigned", "customer-care", "new", "assigned")};
    ASSERT_EQ(apply_all(first, 3, 1), HD_APPLY_OK);
    changed(&e[3], "routed", "customer-care", "new", "new");
    e[3].changed.from_department = "";
    ASSERT_EQ(apply(&e[3].env), HD_APPLY_OK);
    ASSERT_EQ(apply(changed(&e[4], "sla_warning", "customer-care", "assigned", "assigned")),
              HD_APPLY_OK);
    ASSERT_EQ(apply(changed(&e[5], "sla_breached", "customer-care", "assigned", "assigned")),
              HD_APPLY_OK);
    changed(&e[6], "replied", "customer-care", "assigned", "waiting");
    e[6].changed.first = 1;
    e[6].changed.response_ms = 90500;
    ASSERT_EQ(apply(&e[6].env), HD_APPLY_OK);
    ASSERT_EQ(apply(changed(&e[7], "replied", "customer-care", "waiting", "waiting")), HD_APPLY_OK);
    ASSERT_EQ(apply(changed(&e[8], "refused", "customer-care", "waiting", "resolved")),
              HD_APPLY_OK);
    /* a batch rolled back moves nothing */
    const hd_envelope_t *lost[1] = {
        changed(&e[9], "resolved", "customer-care", "waiting", "resolved")};
    ASSERT_EQ(apply_all(lost, 1, 0), HD_APPLY_OK);

    char *text = report();
    ASSERT(text);
    ASSERT(has(text, "huddle_mentions_total{channel=\"sandbox\",feed=\"\",department=\"triage\"} "
                     "1"));
    ASSERT(has(text, "huddle_mentions_total{channel=\"sandbox\",feed=\"care-mentions\","
                     "department=\"customer-care\"} 1"));
    ASSERT(has(text, "huddle_inbox_items{department=\"customer-care\",state=\"assigned\"} 0"));
    ASSERT(has(text, "huddle_inbox_items{department=\"customer-care\",state=\"new\"} 1"));
    ASSERT(has(text, "huddle_inbox_items{department=\"customer-care\",state=\"waiting\"} 1"));
    ASSERT(has(text, "huddle_inbox_items{department=\"triage\",state=\"new\"} 0"));
    ASSERT(!strstr(text, "state=\"resolved\""));
    ASSERT(has(text, "huddle_inbox_sla_warnings_total{department=\"customer-care\"} 1"));
    ASSERT(has(text, "huddle_inbox_sla_breaches_total{department=\"customer-care\"} 1"));
    ASSERT(has(text, "huddle_inbox_replies_total{department=\"customer-care\"} 2"));
    ASSERT(has(text, "huddle_inbox_first_response_seconds_bucket{department=\"customer-care\","
                     "le=\"60\"} 0"));
    ASSERT(has(text, "huddle_inbox_first_response_seconds_bucket{department=\"customer-care\","
                     "le=\"120\"} 1"));
    ASSERT(has(text, "huddle_inbox_first_response_seconds_bucket{department=\"customer-care\","
                     "le=\"+Inf\"} 1"));
    ASSERT(has(text, "huddle_inbox_first_response_seconds_sum{department=\"customer-care\"} 90.5"));
    ASSERT(has(text, "huddle_inbox_first_response_seconds_count{department=\"customer-care\"} 1"));
    free(text);
}

int main(void) {
    char url[512];
    if (hd_testdb_create("test_metrics_inbox_figures", 0, url, sizeof url) < 0 ||
        !(s_db = hd_db_connect(url, 5000)))
        return 1;
    hd_test_case_t cases[] = {HD_CASE(the_families_are_listed_before_any_sample),
                              HD_CASE(an_inbox_story_leaves_its_figures)};
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        hd_test_failed = 0;
        cases[i].fn();
        printf("%s %s\n", hd_test_failed ? "FAIL" : "ok  ", cases[i].name);
        failures += hd_test_failed;
    }
    hd_db_destroy(&s_db);
    return failures ? 1 : 0;
}

int hd_test_failed;
