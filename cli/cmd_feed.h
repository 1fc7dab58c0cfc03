/*  cmd_feed: `huddle admin feed list|show|add|update|delete|poll`, the
    listening feeds through the HTTP API with the caller's own token
    (docs/feeds.md). argv starts at the verb (after "feed"); returns the
    exit status: 0 done, 1 refused or failed (printed), 2 usage. */
#ifndef CLI_CMD_FEED_H
#define CLI_CMD_FEED_H

int cli_feed(int argc, char **argv);

#endif
