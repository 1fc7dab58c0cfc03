/*  cmd_playbook: `huddle playbook validate|apply|list|show|versions`, the
    crisis playbooks (docs/playbooks.md). validate works offline, with the
    same checks as the server (hd_playbook), and prints each problem as
    FILE:LINE:COLUMN: message; everything else goes through the HTTP API
    with the caller's own token (--as EMAIL). */
#ifndef CLI_CMD_PLAYBOOK_H
#define CLI_CMD_PLAYBOOK_H

/* argv[0] == "playbook": validate FILE... | apply FILE | list |
   show NAME [--version N] | versions NAME; each API command takes
   [--as EMAIL] and list, show, versions [--json]. Returns the exit code:
   0 ok, 1 invalid / refused / error (printed), 2 usage. */
int cli_playbook(int argc, char **argv);

#endif
