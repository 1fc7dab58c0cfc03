/*  cmd_token: (being built) huddle token ..., huddle admin integration|tokens. */
#include "cmd_admin.h"

#include <stdio.h>

int cli_token(int argc, char **argv) {
    (void)argc;
    fprintf(stderr, "huddle token %s: not built yet\n", argc > 0 ? argv[0] : "");
    return 2;
}

int cli_admin_tokens(int argc, char **argv) {
    (void)argc;
    fprintf(stderr, "huddle admin %s: not built yet\n", argv[0]);
    return 2;
}
