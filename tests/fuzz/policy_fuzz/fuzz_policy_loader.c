/*  libFuzzer target: the policy loader. Any bytes must either load or be
    refused with errors; never crash, leak or hang. */
#include "policy.h"
#include "policy_model.h"

#include <stddef.h>
#include <stdint.h>
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
        }
        pol_destroy(&p);
    }
    return 0;
}
