/*  libFuzzer target: the policy loader, the only YAML loader of huddle
    (policy proposals, `huddle policy check`, huddle-migrate's starter
    policy all go through pol_new). Any bytes must either load or be
    refused with errors; never crash, leak or hang. A policy that loads is
    also evaluated once and compared with a fixed policy by pol_diff (what
    a reviewer of a proposal reads). */
#include "policy.h"
#include "policy_diff.h"
#include "policy_model.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[2048];
    pol_pmodel_t *m = pol_pmodel_parse((const char *)data, size, err, sizeof err);
    pol_pmodel_free(&m);
    /* Compiling costs more: only for inputs of policy size. */
    if (size < 4096) {
        pol_t *p = pol_new((const char *)data, size, err, sizeof err);
        if (p) {
            pol_result_t *r = pol_result_new();
            static const char text[] = "guaranteed returns https://bit.ly/x a@b.com #ad @x";
            pol_ctx_t ctx = {.channel = "sandbox", .author_facts = 1, .crisis_facts = 1};
            pol_eval(p, text, sizeof text - 1, &ctx, r);
            pol_result_destroy(&r);
            static const char base[] = "rules:\n  - {id: lex, kind: lexicon, action: block, "
                                       "terms: [guaranteed returns]}\n  - {id: auth, kind: "
                                       "author, action: block}\n";
            static FILE *sink;
            if (!sink)
                sink = fopen("/dev/null", "w");
            if (pol_diff(base, sizeof base - 1, (const char *)data, size, sink, err, sizeof err) <
                0)
                abort(); /* both sources load: the diff must not fail */
        }
        pol_destroy(&p);
    }
    return 0;
}
