/*  cmd_admin_config: (being built) huddle admin channel|account|routing|... */
#include "cmd_admin.h"

#include <stdio.h>
#include <string.h>

int cli_admin_config_noun(const char *noun) {
    static const char *nouns[] = {"channel",       "account",     "routing",
                                  "chain",         "review-role", "policy-reviewer",
                                  "certification", "delegation",  NULL};
    for (int i = 0; nouns[i]; i++)
        if (!strcmp(nouns[i], noun))
            return 1;
    return 0;
}

int cli_admin_config(int argc, char **argv) {
    (void)argc;
    fprintf(stderr, "huddle admin %s: not built yet\n", argv[0]);
    return 2;
}
