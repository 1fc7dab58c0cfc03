/*  cmd_crisis: `huddle crisis ...`, declaring and running a crisis through
    the HTTP API with the caller's own token (docs/crisis.md), and the
    crisis banner `huddle status` prints. */
#ifndef CLI_CMD_CRISIS_H
#define CLI_CMD_CRISIS_H

#include <jansson.h>

/* argv[0] == "crisis": declare PLAYBOOK --reason TEXT [--department D]...
   [--channel C]... | drill PLAYBOOK --reason TEXT | confirm ID [--reason
   TEXT] | dismiss ID --reason TEXT | resume ID --reason TEXT | ack ID |
   statement ID --confirm [--channel C] | list [--state S] [--playbook P]
   [--limit N] | show ID | timeline ID [--limit N] | report ID; each with
   [--as EMAIL] [--json]. Returns the exit code: 0 done, 1 refused or
   failed, 2 usage. */
int cli_crisis(int argc, char **argv);

/* Prints the crisis banner of an item's answer (its "crisis" member, if
   any: nothing when none) as the first lines of `huddle status`. */
void cli_crisis_banner(json_t *item);

#endif
