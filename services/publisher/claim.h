/*  claim: reading delivery jobs out of publish_job, a batch per statement.

    pub_claim_due takes up to N due pending jobs and records their attempt
    (in_flight, attempts + 1, a lease) in one transaction, committed before
    any call is made, so a job whose outcome is later unknown is known to
    have been tried. In the same transaction the jobs a crisis in force
    holds become held instead (hold_store.h): the check and the claim are
    one transaction, taken under the crisis fence (hd_crisis.h), so no
    call is made for a job a committed declaration covers. Each job comes
    back with its channel's kind and address and the department's account
    credential, joined in the same statement and opened with the
    credentials key (hd_secret.h). pub_claim_in_flight reads in-flight
    jobs the same way, for reconciliation. */
#ifndef PUB_CLAIM_H
#define PUB_CLAIM_H

#include "hd_db.h"
#include "hd_id.h"
#include "new_job.h"

#include <stddef.h>

typedef struct {
    char content_id[HD_ID_LEN];
    char cause[HD_ID_LEN]; /* the content.approved event: the events' causation */
    char channel[128];
    char department[128];
    char statement_of[HD_ID_LEN];                 /* a holding statement's crisis, or "" */
    char in_reply_to_id[PUB_IN_REPLY_TO_MAX + 1]; /* a reply: the channel's id of the post it
                                                     answers (new_job.h), or "" */
    char *text;                                   /* owned */
    int attempts;                                 /* including the one being made */
    int have_channel, have_account;
    int have_credential; /* the account's sealed credential opened into token */
    char kind[64];
    char base_url[512];
    char token[512];
} pub_job_t;

/* Claims up to `max` due pending jobs, oldest due first, skipping jobs
   locked by another transaction, leasing them for lease_s seconds; those
   a crisis in force holds become held (*held of them) and are not
   returned. On success *jobs is an array of the count returned, the jobs
   to call (the caller frees it with pub_claim_free; NULL when 0).
   Returns that count, -1 on database error (nothing claimed or held;
   logged). Opens and ends its own transaction; the caller holds the
   crisis fence around it and the calls. */
int pub_claim_due(hd_db_t *db, int max, int lease_s, pub_job_t **jobs, int *held);

/* Reads up to `max` in_flight jobs: all of them when `all`, else those
   whose lease ran out; oldest first. Same ownership and results as
   pub_claim_due; changes nothing. */
int pub_claim_in_flight(hd_db_t *db, int all, int max, pub_job_t **jobs);

/* Opens an account's sealed credential (hex) into token (n bytes) with
   the key set below. 0, or -1 when it does not open or does not fit. */
int pub_claim_open_credential(const char *sealed_hex, char *token, size_t n);

/* The key that opens the accounts' sealed credentials (copied; NULL: none,
   and no job's credential opens). Set once at start, before any claim. */
void pub_claim_set_key(const unsigned char *key);

/* Frees n jobs read by the calls above; safe on NULL, nulls *jobs. */
void pub_claim_free(pub_job_t **jobs, int n);

#endif
