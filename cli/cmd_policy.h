/*  cmd_policy: the `huddle policy ...` and `huddle check ...` commands.
    Everything that reads or changes the organization's policy goes through
    the HTTP API with the caller's own token (--as EMAIL, as every person's
    command): policy is changed by proposals reviewed by the committee, or
    by an orchestrator's emergency apply, never straight in the database.
    validate, and check with --policy FILE, work offline. */
#ifndef CLI_CMD_POLICY_H
#define CLI_CMD_POLICY_H

/* argv[0] == "policy": validate FILE | propose FILE --why TEXT |
   proposals [--state S] | proposal ID | review ID approve|reject
   [--comment TEXT] [--role R] | apply FILE --reason TEXT | diff V1 V2 |
   show [V] | list | simulate FILE [--since 30d]. Returns the exit code:
   0 ok, 1 refused / validation failed / error, 2 usage. */
int hd_cli_policy(int argc, char **argv);

/* argv[0] == "check": check --channel C [--department D] [--kind K]
   [--policy FILE] [--as EMAIL] [--json] TEXT. Prints the text with each
   finding's span marked (the active version is fetched through the API
   unless --policy is given). Returns 1 when the verdict is block, 0
   otherwise, 2 on usage. */
int hd_cli_check(int argc, char **argv);

#endif
