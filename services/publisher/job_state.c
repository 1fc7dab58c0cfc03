/*  job_state: publish job states and their names (see job_state.h). */
#include "job_state.h"

#include <string.h>

static const char *const s_names[PUB_JOB_STATE_COUNT] = {
    [PUB_JOB_PENDING] = "pending", [PUB_JOB_IN_FLIGHT] = "in_flight",
    [PUB_JOB_DONE] = "done",       [PUB_JOB_FAILED] = "failed",
    [PUB_JOB_HELD] = "held",       [PUB_JOB_RETURNED] = "returned",
    [PUB_JOB_EXPIRED] = "expired", [PUB_JOB_RECALLED] = "recalled",
};

const char *pub_job_state_name(pub_job_state_t s) {
    return (unsigned)s < PUB_JOB_STATE_COUNT ? s_names[s] : "unknown";
}

int pub_job_state_parse(const char *name) {
    if (!name)
        return -1;
    for (int s = 0; s < PUB_JOB_STATE_COUNT; s++)
        if (strcmp(s_names[s], name) == 0)
            return s;
    return -1;
}
