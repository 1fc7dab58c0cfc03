/*  cmd_policy: the `huddle policy ...` and `huddle check ...` commands.
    Admin commands talk to PostgreSQL directly (HUDDLE_DATABASE_URL): the
    CLI is an operator tool. check and validate work offline from a file
    (--policy FILE) or from the database's active version. */
#ifndef CLI_CMD_POLICY_H
#define CLI_CMD_POLICY_H

/* argv[0] == "policy": validate FILE | apply FILE | diff V1 V2 | show [V] |
   list | simulate FILE [--since 30d]. Returns the exit code: 0 ok, 1
   validation failed / error, 2 usage. */
int hd_cli_policy(int argc, char **argv);

/* argv[0] == "check": check --channel C [--department D] [--kind K]
   [--policy FILE] [--json] TEXT. Prints the text with each finding's span
   marked. Returns 1 when the verdict is block, 0 otherwise, 2 on usage. */
int hd_cli_check(int argc, char **argv);

#endif
