/*  cmd_deadletter: `huddle deadletter list|show|replay|stats`, the dead
    letters through the HTTP API with the caller's own token
    (docs/deadletters.md). argv starts at the verb; returns the exit status:
    0 done, 1 refused or failed (printed), 2 usage. */
#ifndef CLI_CMD_DEADLETTER_H
#define CLI_CMD_DEADLETTER_H

int cli_deadletter(int argc, char **argv);

#endif
