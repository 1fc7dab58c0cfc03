/*  libFuzzer target: the policy loader. Any bytes must either load or be
    refused with errors; never crash, leak or hang. */
#include "policy.h"
#include "policy_model.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[2048];
    hd_pmodel_t *m = hd_pmodel_parse((const char *)data, size, err, sizeof err);
    hd_pmodel_free(&m);
    /* Compiling costs more: only for inputs of policy size. */
    if (size < 4096) {
        hd_policy_t *p = hd_policy_new((const char *)data, size, err, sizeof err);
        if (p) {
            hd_policy_result_t *r = hd_policy_result_new();
            static const char text[] = "guaranteed returns https://bit.ly/x a@b.com #ad @x";
            hd_policy_ctx_t ctx = {.channel = "sandbox", .author_facts = 1, .crisis_facts = 1};
            hd_policy_eval(p, text, sizeof text - 1, &ctx, r);
            hd_policy_result_destroy(&r);
        }
        hd_policy_destroy(&p);
    }
    return 0;
}
