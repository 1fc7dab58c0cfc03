/*  policy_report: JSON, protobuf and marked-text forms of a result. */
#include "policy_report.h"

#include "hd_mem.h"

#include <stdlib.h>
#include <string.h>

static char *span_copy(const char *text, const pol_finding_t *f) {
    size_t n = f->end > f->start ? f->end - f->start : 0;
    char *s = hd_calloc(n + 1, 1);
    memcpy(s, text + f->start, n);
    s[n] = 0;
    return s;
}

json_t *pol_findings_json(const pol_result_t *res, const char *text) {
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < pol_result_count(res); i++) {
        const pol_finding_t *f = pol_result_finding(res, i);
        char *m = span_copy(text, f);
        /* json_stringn would refuse bytes that are not UTF-8: keep them
           visible but valid. */
        json_t *matched = m ? json_stringn(m, strlen(m)) : NULL;
        if (!matched)
            matched = json_string("");
        free(m);
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:I}", "rule_id",
                              f->rule_id, "kind", f->kind, "severity", f->severity, "action",
                              f->action, "role", f->role, "message", f->message, "matched", matched,
                              "start", (json_int_t)f->start, "end", (json_int_t)f->end);
        if (!o || json_array_append_new(arr, o) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

void pol_pb_fill(pol_pb_t *pb, Huddle__V1__PolicyEvaluated *msg, const pol_result_t *res,
                 const char *text, int64_t version) {
    memset(pb, 0, sizeof *pb);
    size_t n = pol_result_count(res), nr = pol_result_nroles(res);
    pb->items = hd_calloc(n, sizeof *pb->items);
    pb->ptrs = hd_calloc(n, sizeof *pb->ptrs);
    pb->matched = hd_calloc(n, sizeof *pb->matched);
    pb->roles = hd_calloc(nr, sizeof *pb->roles);
    for (size_t i = 0; i < n; i++) {
        const pol_finding_t *f = pol_result_finding(res, i);
        Huddle__V1__Finding *x = &pb->items[i];
        huddle__v1__finding__init(x);
        pb->matched[i] = span_copy(text, f);
        pb->n = i + 1;
        x->rule_id = (char *)f->rule_id;
        x->kind = (char *)f->kind;
        x->severity = (char *)f->severity;
        x->action = (char *)f->action;
        x->role = (char *)f->role;
        x->message = (char *)f->message;
        x->matched = pb->matched[i];
        x->start = f->start;
        x->end = f->end;
        pb->ptrs[i] = x;
    }
    for (size_t i = 0; i < nr; i++)
        pb->roles[i] = (char *)pol_result_role(res, i);
    pb->nroles = nr;
    msg->verdict = (char *)pol_verdict_name(pol_result_verdict(res));
    msg->n_findings = n;
    msg->findings = pb->ptrs;
    msg->n_roles = nr;
    msg->roles = pb->roles;
    msg->policy_version = version;
}

void pol_pb_free(pol_pb_t *pb) {
    for (size_t i = 0; pb->matched && i < pb->n; i++)
        free(pb->matched[i]);
    free(pb->items), free(pb->ptrs), free(pb->matched), free(pb->roles);
    memset(pb, 0, sizeof *pb);
}

void pol_print_marked(FILE *out, const char *text, size_t len, const pol_result_t *res, int color) {
    size_t n = pol_result_count(res);
    for (size_t i = 0; i <= len; i++) {
        /* closing marks first, so adjacent spans read [[a]]1[[b]]2 */
        for (size_t k = 0; k < n; k++) {
            const pol_finding_t *f = pol_result_finding(res, k);
            if (f->end > f->start && f->end == i)
                fprintf(out, "%s]]%zu", color ? "\033[0m" : "", k + 1);
        }
        for (size_t k = 0; k < n; k++) {
            const pol_finding_t *f = pol_result_finding(res, k);
            if (f->end > f->start && f->start == i)
                fprintf(out, "[[%s", color ? "\033[4m" : "");
        }
        if (i < len)
            fputc(text[i], out);
    }
    pol_verdict_t v = pol_result_verdict(res);
    fprintf(out, "\n\nverdict: %s", pol_verdict_name(v));
    for (size_t i = 0; i < pol_result_nroles(res); i++)
        fprintf(out, "%s%s", i ? ", " : " (roles: ", pol_result_role(res, i));
    fprintf(out, "%s\n", pol_result_nroles(res) ? ")" : "");
    for (size_t k = 0; k < n; k++) {
        const pol_finding_t *f = pol_result_finding(res, k);
        fprintf(out, "  %zu. %s %s%s%s %s/%s", k + 1, f->action, f->role[0] ? "(" : "", f->role,
                f->role[0] ? ")" : "", f->rule_id, f->kind);
        if (f->end > f->start)
            fprintf(out, " [%u,%u) \"%.*s\"", f->start, f->end, (int)(f->end - f->start),
                    text + f->start);
        fprintf(out, ": %s\n", f->message);
    }
}
