/*  cmd_admin: (being built) huddle admin department|person|role|grant|history. */
#include "cmd_admin.h"

#include <stdio.h>

int cli_admin(int argc, char **argv) {
    (void)argc;
    fprintf(stderr, "huddle admin %s: not built yet\n", argv[0]);
    return 2;
}
