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

/* Calls the API as `as` (cli_token_for's email; NULL: the default): sends
   the request (body borrowed, may be NULL; key: an Idempotency-Key or NULL)
   and prints a refusal (status >= 400) to stderr. Returns the status, or
   -1 when no token or no answer (printed); *answer as cli_request's
   (caller decrefs; NULL when none). */
int cli_call(const char *method, const char *path, const char *as, json_t *body, const char *key,
             json_t **answer);

/* Appends "&name=value" to the path in buf (n bytes; "?name=value" for
   the first), value percent-encoded; nothing when value is NULL. */
void cli_query(char *buf, size_t n, const char *name, const char *value);

/* Prints j on stdout as indented JSON and a newline (sorted: keys in
   order). */
void cli_print_json(json_t *j, int sorted);

/* The string member k of o, or `none` when o has no such string. */
const char *cli_str(json_t *o, const char *k, const char *none);

/* The strings of the JSON array a joined by sep into buf (n bytes), or
   `none` when there are none. */
const char *cli_joined(json_t *a, const char *sep, const char *none, char *buf, size_t n);

#endif
