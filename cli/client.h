/*  client: the CLI's side of the HTTP API. Picks the caller's token by
    email from the tokens file (HUDDLE_TOKENS_FILE, default .huddle/tokens,
    'EMAIL TOKEN' lines) or takes HUDDLE_TOKEN, and talks JSON to
    HUDDLE_API_URL (default http://127.0.0.1:8080). */
#ifndef CLI_CLIENT_H
#define CLI_CLIENT_H

#include <jansson.h>

/* The token for `email` (NULL: HUDDLE_AS, else the first entry), copied into
   out. 0 found, -1 not found (printed). */
int cli_token_for(const char *email, char *out, size_t out_len);

/* Sends a request (body may be NULL) with the bearer token and optional
   Idempotency-Key; returns the HTTP status (or -1 when the API cannot be
   reached, printed) and the parsed JSON answer in *answer (caller decrefs;
   NULL if not JSON). Retries with the same key when no answer came. */
int cli_request(const char *method, const char *path, const char *token, json_t *body,
                const char *idempotency_key, json_t **answer);

/* Prints an API error answer ({"error":{...}}) to stderr. */
void cli_print_error(int status, json_t *answer);

#endif
