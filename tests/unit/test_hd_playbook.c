/*  hd_playbook: the shipped examples load; a minimal playbook gets every
    default; each kind of mistake is reported at its line and column with a
    message naming the key, all of them at once; what the playbook names in
    the organization is listed with its place. */
#include "hd_playbook.h"
#include "hd_test.h"

#include <dirent.h>
#include <stdlib.h>

static hd_playbook_t s_pb;

/* Loads y into s_pb (cleared first); 0 valid, -1 not. */
static int load(const char *y) {
    hd_playbook_clear(&s_pb);
    return hd_playbook_load(y, strlen(y), &s_pb);
}

static void print_errors(void) {
    size_t i;
    json_t *e;
    json_array_foreach(s_pb.errors, i, e) fprintf(
        stderr, "  %lld:%lld: %s\n", (long long)json_integer_value(json_object_get(e, "line")),
        (long long)json_integer_value(json_object_get(e, "column")),
        json_string_value(json_object_get(e, "message")));
}

/* 1 when s_pb has an error at line:column whose message holds `text`;
   prints the errors when not. */
static int has(int line, int column, const char *text) {
    size_t i;
    json_t *e;
    json_array_foreach(s_pb.errors, i, e) {
        const char *m = json_string_value(json_object_get(e, "message"));
        if (json_integer_value(json_object_get(e, "line")) == line &&
            json_integer_value(json_object_get(e, "column")) == column && m && strstr(m, text))
            return 1;
    }
    fprintf(stderr, "no error %d:%d '%s' among:\n", line, column, text);
    print_errors();
    return 0;
}

/* The smallest valid playbook with `extra` lines appended (they may
   override nothing: keys given twice are errors). */
static const char *with(const char *extra) {
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "playbook: test\n"       /* 1 */
             "description: A test.\n" /* 2 */
             "severity: low\n"        /* 3 */
             "%s",
             extra);
    return buf;
}

HD_TEST(examples_load) {
    const char *src = getenv("HUDDLE_SOURCE_DIR");
    char dir[1024], path[1400];
    snprintf(dir, sizeof dir, "%s/examples/playbooks", src ? src : ".");
    DIR *d = opendir(dir);
    ASSERT(d);
    int n = 0, spikes = 0, declares = 0, recalls = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        ASSERT(f);
        static char buf[HD_PLAYBOOK_MAX_SOURCE + 1];
        size_t got = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[got] = 0;
        if (load(buf) != 0) {
            fprintf(stderr, "%s:\n", path);
            print_errors();
        }
        ASSERT(s_pb.spec);
        /* the file is named for its playbook */
        ASSERT_EQ(
            strncmp(json_string_value(json_object_get(s_pb.spec, "name")), e->d_name, len - 5), 0);
        json_t *spike = json_object_get(json_object_get(s_pb.spec, "triggers"), "spike");
        spikes += json_is_object(spike);
        declares += json_is_object(spike) &&
                    !strcmp(json_string_value(json_object_get(spike, "then")), "declare");
        recalls += json_integer_value(json_object_get(json_object_get(s_pb.spec, "actions"),
                                                      "recall_minutes")) > 0;
        n++;
    }
    closedir(d);
    ASSERT(n >= 6);
    ASSERT(spikes >= 3 && declares >= 1 && declares < spikes && recalls >= 1);
}

HD_TEST(defaults_are_filled) {
    ASSERT_EQ(load(with("actions: {hold: true}\n")), 0);
    json_t *want = json_loads(
        "{\"name\": \"test\", \"description\": \"A test.\", \"severity\": \"low\", \"terms\": [],"
        " \"triggers\": {\"manual\": true, \"spike\": null},"
        " \"scope\": {\"departments\": [], \"channels\": []},"
        " \"actions\": {\"hold\": true, \"add_approvals\": [], \"reroute_to\": null,"
        "   \"recall_minutes\": 0, \"notify\": [], \"holding_statement\": \"\"},"
        " \"team\": {\"roles\": [], \"booth\": []},"
        " \"exit\": {\"resume_roles\": [\"orchestrator\"], \"held_items\": \"publish\","
        "   \"late_items\": \"reapprove\"}}",
        0, NULL);
    ASSERT(want);
    ASSERT(json_equal(s_pb.spec, want));
    json_decref(want);
    ASSERT_EQ(json_array_size(s_pb.errors), 0);
    ASSERT_EQ(json_array_size(s_pb.refs), 0);
}

HD_TEST(spike_is_normalized) {
    ASSERT_EQ(load(with("terms: [outage]\n"
                        "triggers:\n"
                        "  spike: {baseline: {hours: 6}, sigma: 2.5, then: declare}\n"
                        "actions: {hold: true}\n")),
              0);
    json_t *s = json_object_get(json_object_get(s_pb.spec, "triggers"), "spike");
    json_t *want = json_loads("{\"window_minutes\": 10, \"min_count\": 50, \"sigma\": 2.5,"
                              " \"baseline_weeks\": 0, \"baseline_hours\": 6,"
                              " \"cooldown_minutes\": 60, \"then\": \"declare\"}",
                              0, NULL);
    ASSERT(json_equal(s, want));
    json_decref(want);
    ASSERT_EQ(load(with("terms: [outage]\ntriggers: {spike: {}}\nactions: {hold: true}\n")), 0);
    s = json_object_get(json_object_get(s_pb.spec, "triggers"), "spike");
    ASSERT_EQ(json_integer_value(json_object_get(s, "baseline_weeks")), 4);
    ASSERT_EQ(json_integer_value(json_object_get(s, "baseline_hours")), 0);
    ASSERT_STR(json_string_value(json_object_get(s, "then")), "propose");
}

HD_TEST(statement_loses_its_final_newline) {
    ASSERT_EQ(load(with("actions:\n  holding_statement: |\n    We know.\n    More soon.\n")), 0);
    ASSERT_STR(json_string_value(
                   json_object_get(json_object_get(s_pb.spec, "actions"), "holding_statement")),
               "We know.\nMore soon.");
}

HD_TEST(required_and_unknown_keys) {
    ASSERT_EQ(load("description: x\n"        /* 1 */
                   "severity: high\n"        /* 2 */
                   "actoins: {hold: true}\n" /* 3 */
                   "actions:\n"              /* 4 */
                   "  hodl: true\n"          /* 5 */
                   "  hold: true\n"),        /* 6 */
              -1);
    ASSERT(has(1, 1, "playbook is required"));
    ASSERT(has(3, 1,
               "unknown key 'actoins' (allowed: playbook, description, severity, terms, "
               "triggers, scope, actions, team, exit)"));
    ASSERT(has(5, 3,
               "actions: unknown key 'hodl' (allowed: hold, add_approvals, reroute_to, "
               "recall_minutes, notify, holding_statement)"));
    ASSERT(s_pb.spec == NULL);
    /* errors come in file order */
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(s_pb.errors, 0), "line")), 1);
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(s_pb.errors, 2), "line")), 5);
    ASSERT_EQ(load(with("")), -1);
    ASSERT(has(1, 1, "actions is required"));
    ASSERT_EQ(load(with("actions: {hold: true}\nseverity: high\n")), -1);
    ASSERT(has(5, 1, "key 'severity' is given twice"));
    ASSERT_EQ(load("- a\n- b\n"), -1);
    ASSERT(has(1, 1, "a playbook must be a mapping of playbook, description"));
}

HD_TEST(types_are_checked) {
    ASSERT_EQ(load(with("actions:\n"                  /* 4 */
                        "  hold: yes please\n"        /* 5 */
                        "  recall_minutes: \"30\"\n"  /* 6 */
                        "  notify: crisis-team\n"     /* 7 */
                        "  add_approvals: [{a: b}]\n" /* 8 */
                        "team: [crisis]\n")),         /* 9 */
              -1);
    ASSERT(has(5, 9, "actions.hold must be true or false"));
    ASSERT(has(6, 19, "actions.recall_minutes must be a whole number from 0 to 1440"));
    ASSERT(has(7, 11, "actions.notify must be a list, e.g. [a, b]"));
    ASSERT(has(8, 19, "actions.add_approvals: a list or mapping is not a valid role"));
    ASSERT(has(9, 7, "team must be a mapping of roles, booth"));
}

HD_TEST(names_are_slugs) {
    ASSERT_EQ(load("playbook: Data_Breach\n"                                        /* 1 */
                   "description: x\n"                                               /* 2 */
                   "severity: severe\n"                                             /* 3 */
                   "scope: {departments: [hub, Legal], channels: [9news, 'a b']}\n" /* 4 */
                   "actions: {notify: [crisis-team, crisis-team]}\n"),              /* 5 */
              -1);
    ASSERT(has(1, 11, "playbook: 'Data_Breach' is not a valid name (^[a-z][a-z0-9-]{0,62}$)"));
    ASSERT(has(3, 11, "severity must be low, medium, high or critical, not 'severe'"));
    ASSERT(has(4, 28, "scope.departments: 'Legal' is not a valid department"));
    ASSERT(has(4, 54, "scope.channels: 'a b' is not a valid channel (^[a-z0-9][a-z0-9-]{0,62}$)"));
    ASSERT(has(5, 33, "actions.notify: 'crisis-team' is listed twice"));
}

HD_TEST(terms_are_checked) {
    char many[2048] = "terms: [";
    for (int i = 0; i < 65; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%st%d", i ? ", " : "", i);
    strcat(many, "]\nactions: {hold: true}\n");
    ASSERT_EQ(load(with(many)), -1);
    ASSERT(has(4, 8, "terms must hold 1 to 64 terms, not 65"));
    ASSERT_EQ(load(with("terms: []\nactions: {hold: true}\n")), -1);
    ASSERT(has(4, 8, "terms must hold 1 to 64 terms, not 0"));
    char longterm[256];
    snprintf(longterm, sizeof longterm, "terms: [ok, %0101d]\nactions: {hold: true}\n", 7);
    ASSERT_EQ(load(with(longterm)), -1);
    ASSERT(has(4, 13, "is not a term (1 to 100 bytes"));
    ASSERT_EQ(load(with("terms: [Breach, leak, breach, \"nul\\0here\", ' padded']\n"
                        "actions: {hold: true}\n")),
              -1);
    ASSERT(has(4, 23, "terms: 'breach' is listed twice (terms match whatever their case)"));
    ASSERT(has(4, 31, "'nul' is not a term")); /* the \0 cuts the quote, not the check */
    ASSERT(has(4, 44, "' padded' is not a term"));
    /* multi-byte terms are text; a term of 100 bytes is fine */
    char ok[256];
    snprintf(ok, sizeof ok, "terms: [fuite, \"données\", %0100d]\nactions: {hold: true}\n", 7);
    ASSERT_EQ(load(with(ok)), 0);
}

HD_TEST(spike_limits) {
    ASSERT_EQ(load(with("terms: [x]\n"                         /* 4 */
                        "triggers:\n"                          /* 5 */
                        "  spike:\n"                           /* 6 */
                        "    window_minutes: 61\n"             /* 7 */
                        "    min_count: 0\n"                   /* 8 */
                        "    sigma: 10.5\n"                    /* 9 */
                        "    baseline: {weeks: 2, hours: 3}\n" /* 10 */
                        "    cooldown_minutes: 10081\n"        /* 11 */
                        "    then: panic\n"                    /* 12 */
                        "actions: {hold: true}\n")),           /* 13 */
              -1);
    ASSERT(has(7, 21, "triggers.spike.window_minutes must be a whole number from 1 to 60"));
    ASSERT(has(8, 16, "triggers.spike.min_count must be a whole number from 1 to 1000000"));
    ASSERT(has(9, 12, "triggers.spike.sigma must be a number greater than 0 and at most 10"));
    ASSERT(has(10, 15, "triggers.spike.baseline takes exactly one of weeks"));
    ASSERT(has(11, 23, "triggers.spike.cooldown_minutes must be a whole number from 0 to 10080"));
    ASSERT(has(12, 11, "triggers.spike.then must be propose or declare, not 'panic'"));
    ASSERT_EQ(load(with("triggers:\n"                 /* 4 */
                        "  spike:\n"                  /* 5 */
                        "    sigma: 0\n"              /* 6 */
                        "    baseline: {weeks: 13}\n" /* 7 */
                        "actions: {hold: true}\n")),  /* 8 */
              -1);
    ASSERT(has(6, 5, "triggers.spike needs terms"));
    ASSERT(has(6, 12, "sigma must be a number greater than 0"));
    ASSERT(has(7, 23, "triggers.spike.baseline.weeks must be a whole number from 1 to 12"));
    ASSERT_EQ(load(with("terms: [x]\ntriggers: {spike: {baseline: {hours: 169}}}\n"
                        "actions: {hold: true}\n")),
              -1);
    ASSERT(has(5, 38, "triggers.spike.baseline.hours must be a whole number from 1 to 168"));
    ASSERT_EQ(load(with("terms: [x]\ntriggers: {spike: {baseline: {}}}\nactions: {hold: true}\n")),
              -1);
    ASSERT(has(5, 30, "takes exactly one of weeks"));
    ASSERT_EQ(load(with("triggers: {manual: false}\nactions: {hold: true}\n")), -1);
    ASSERT(has(4, 20, "triggers.manual is false and there is no spike"));
}

HD_TEST(actions_and_exit) {
    char big[800];
    snprintf(big, sizeof big,
             "actions:\n  recall_minutes: 1441\n  holding_statement: \"%0501d\"\n"
             "  reroute_to: hub\n"
             "exit: {held_items: keep, late_items: publish, resume_roles: []}\n",
             1);
    ASSERT_EQ(load(with(big)), -1);
    ASSERT(has(5, 19, "actions.recall_minutes must be a whole number from 0 to 1440"));
    ASSERT(has(6, 22, "actions.holding_statement is 501 bytes, more than 500"));
    ASSERT(has(7, 15, "actions.reroute_to needs terms"));
    ASSERT(has(8, 20, "exit.held_items must be publish, reapprove or expire, not 'keep'"));
    ASSERT(has(8, 61, "exit.resume_roles must name at least one role"));
    ASSERT_EQ(load(with("actions: {hold: false, recall_minutes: 0, notify: []}\n")), -1);
    ASSERT(has(4, 10, "actions does nothing"));
    ASSERT_EQ(load(with("actions: {notify: [crisis-team]}\n")), 0); /* notifying is acting */
    ASSERT_EQ(load(with("actions: {hodl: true}\n")), -1);           /* one mistake, one error */
    ASSERT_EQ(json_array_size(s_pb.errors), 1);
    ASSERT(has(4, 11, "actions: unknown key 'hodl'"));
}

HD_TEST(yaml_problems) {
    ASSERT_EQ(load(with("actions: {hold: true\n")), -1);
    ASSERT_EQ(json_array_size(s_pb.errors), 1);
    ASSERT(has(5, 1, "YAML syntax"));
    ASSERT_EQ(load(with("actions: {hold: true}\n---\nplaybook: other\n")), -1);
    ASSERT(has(6, 1, "a file holds one playbook"));
    ASSERT_EQ(load(""), -1);
    ASSERT(has(1, 1, "the playbook is empty"));
    const char bad[] = "playbook: t\ndescription: caf\xe9\n";
    hd_playbook_clear(&s_pb);
    ASSERT_EQ(hd_playbook_load(bad, sizeof bad - 1, &s_pb), -1);
    ASSERT(has(2, 17, "not UTF-8 text (byte 0xE9)"));
    const char nul[] = "playbook: t\n  x\0y\n";
    hd_playbook_clear(&s_pb);
    ASSERT_EQ(hd_playbook_load(nul, sizeof nul - 1, &s_pb), -1);
    ASSERT(has(2, 4, "not UTF-8 text (byte 0x00, a NUL)"));
    static char huge[HD_PLAYBOOK_MAX_SOURCE + 2];
    memset(huge, '#', sizeof huge - 1);
    ASSERT_EQ(load(huge), -1);
    ASSERT(has(1, 1, "more than 65536"));
}

HD_TEST(every_error_is_reported_and_capped) {
    /* 150 bad role names, one a line, in three lists */
    char many[8192] = "playbook: t\ndescription: d\nseverity: low\nactions: {hold: true}\n";
    const char *lists[] = {"team:\n  roles:\n", "  booth:\n", "exit:\n  resume_roles:\n"};
    for (int i = 0; i < 150; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s    - Bad%d\n",
                 i % 50 ? "" : lists[i / 50], i);
    ASSERT_EQ(load(many), -1);
    ASSERT_EQ(json_array_size(s_pb.errors), HD_PLAYBOOK_MAX_ERRORS + 1);
    ASSERT(has(7, 7, "team.roles: 'Bad0' is not a valid role"));
    ASSERT(has(110, 7, "... and 50 more problems")); /* where the 101st is */
    char keys[8192] = "playbook: t\ndescription: d\nseverity: low\nactions: {hold: true}\n";
    for (int i = 0; i < 70; i++)
        snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "k%d: 1\n", i);
    ASSERT_EQ(load(keys), -1);
    ASSERT_EQ(json_array_size(s_pb.errors), 1);
    ASSERT(has(1, 1, "too many keys (allowed: playbook, description"));
}

HD_TEST(references_are_listed_with_their_place) {
    ASSERT_EQ(load(with("terms: [x]\n"                                             /* 4 */
                        "scope: {departments: [marketing], channels: [sandbox]}\n" /* 5 */
                        "actions:\n"                                               /* 6 */
                        "  add_approvals: [legal]\n"                               /* 7 */
                        "  reroute_to: hub\n"                                      /* 8 */
                        "  notify: [crisis-team]\n"                                /* 9 */
                        "team: {roles: [crisis], booth: [hr]}\n")),                /* 10 */
              0);
    const char *want[][3] = {{"department", "marketing", "scope.departments"},
                             {"channel", "sandbox", "scope.channels"},
                             {"role", "legal", "actions.add_approvals"},
                             {"department", "hub", "actions.reroute_to"},
                             {"endpoint", "crisis-team", "actions.notify"},
                             {"role", "crisis", "team.roles"},
                             {"role", "hr", "team.booth"},
                             {"role", "orchestrator", NULL}};
    ASSERT_EQ(json_array_size(s_pb.refs), 7); /* the default resume role is no reference */
    for (size_t i = 0; i < 7; i++) {
        json_t *r = json_array_get(s_pb.refs, i);
        ASSERT_STR(json_string_value(json_object_get(r, "kind")), want[i][0]);
        ASSERT_STR(json_string_value(json_object_get(r, "name")), want[i][1]);
        ASSERT_STR(json_string_value(json_object_get(r, "key")), want[i][2]);
    }
    json_t *hub = json_array_get(s_pb.refs, 3);
    ASSERT_EQ(json_integer_value(json_object_get(hub, "line")), 8);
    ASSERT_EQ(json_integer_value(json_object_get(hub, "column")), 15);
}

HD_TEST(summary_says_what_it_does) {
    ASSERT_EQ(load(with("terms: [breach, leak]\n"
                        "triggers: {spike: {min_count: 50, window_minutes: 10, then: propose}}\n"
                        "scope: {channels: [sandbox]}\n"
                        "actions: {hold: true, add_approvals: [legal, orchestrator], "
                        "recall_minutes: 30, notify: [crisis-team], holding_statement: We know.}\n"
                        "exit: {held_items: expire}\n")),
              0);
    char *s = hd_playbook_summary(s_pb.spec);
    ASSERT(strstr(s, "test (low): A test.\n"));
    ASSERT(strstr(
        s, "triggers  manual; spike: >= 50 mentions in 10 min above mean + 3 sd of "
           "the same minute of the week over the last 4 weeks, cool-down 60 min, then propose\n"));
    ASSERT(strstr(s, "terms     breach, leak\n"));
    ASSERT(strstr(s, "scope     departments: all; channels: sandbox\n"));
    ASSERT(strstr(s,
                  "actions   hold publishing; add approvals by legal, orchestrator; recall "
                  "posts of the last 30 min; notify crisis-team; holding statement (8 bytes)\n"));
    ASSERT(strstr(s, "exit      resumed by orchestrator; held items expire, late items reapprove"));
    free(s);
    ASSERT_EQ(load(with("triggers: {manual: false, spike: {baseline: {hours: 1}}}\nterms: [x]\n"
                        "actions: {hold: true}\n")),
              0);
    s = hd_playbook_triggers_text(s_pb.spec);
    ASSERT_STR(s, "spike: >= 50 mentions in 10 min above mean + 3 sd of the previous 1 hour, "
                  "cool-down 60 min, then propose");
    free(s);
}

HD_TEST(names_tables) {
    ASSERT_EQ(hd_severity_parse("critical"), HD_SEVERITY_CRITICAL);
    ASSERT_EQ(hd_severity_parse("severe"), -1);
    ASSERT_STR(hd_severity_name(HD_SEVERITY_LOW), "low");
    ASSERT_EQ(hd_spike_then_parse("declare"), HD_SPIKE_DECLARE);
    ASSERT_STR(hd_spike_then_name((hd_spike_then_t)9), "unknown");
    ASSERT_STR(hd_playbook_ref_name(HD_PLAYBOOK_REF_ENDPOINT), "endpoint");
    hd_playbook_clear(&s_pb);
    hd_playbook_clear(&s_pb); /* twice is safe */
}

HD_TEST_MAIN(HD_CASE(examples_load), HD_CASE(defaults_are_filled), HD_CASE(spike_is_normalized),
             HD_CASE(statement_loses_its_final_newline), HD_CASE(required_and_unknown_keys),
             HD_CASE(types_are_checked), HD_CASE(names_are_slugs), HD_CASE(terms_are_checked),
             HD_CASE(spike_limits), HD_CASE(actions_and_exit), HD_CASE(yaml_problems),
             HD_CASE(every_error_is_reported_and_capped),
             HD_CASE(references_are_listed_with_their_place), HD_CASE(summary_says_what_it_does),
             HD_CASE(names_tables))
