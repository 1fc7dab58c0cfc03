/*  cmd_webhook: `huddle admin webhook add|list|show|rotate|remove|test`,
    the outgoing webhooks' endpoints through the HTTP API with the
    caller's own token (docs/webhooks.md). argv starts at the verb (after
    "webhook"); returns the exit status: 0 done, 1 refused or failed
    (printed), 2 usage. */
#ifndef CLI_CMD_WEBHOOK_H
#define CLI_CMD_WEBHOOK_H

int cli_webhook(int argc, char **argv);

#endif
