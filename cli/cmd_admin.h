/*  cmd_admin: `huddle admin ...` and `huddle token ...`, administration
    through the HTTP API with the caller's own token (never the database).
    Each takes argv from the noun on (argv[0] is "department", "token"...)
    and returns the process exit status: 0 done, 1 refused or failed
    (printed), 2 usage. */
#ifndef CLI_CMD_ADMIN_H
#define CLI_CMD_ADMIN_H

/* department, person, role, grant, history (cmd_admin.c) */
int cli_admin(int argc, char **argv);

/* channel, account, routing, chain, review-role, policy-reviewer,
   certification, delegation (cmd_admin_config.c) */
int cli_admin_config(int argc, char **argv);

/* 1 if `noun` is one of cli_admin_config's. */
int cli_admin_config_noun(const char *noun);

/* token create|list|revoke, and admin integration|tokens (cmd_token.c) */
int cli_token(int argc, char **argv);
int cli_admin_tokens(int argc, char **argv);

#endif
