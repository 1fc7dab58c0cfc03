/*  cmd_inbox: `huddle inbox ...`, `huddle reply ...` and `huddle away`:
    working the inbox through the HTTP API with the caller's own token
    (docs/inbox.md). */
#ifndef CLI_CMD_INBOX_H
#define CLI_CMD_INBOX_H

/* argv[0] == "inbox": [--state S] [--mine] [--department D|triage]
   [--breached] [--limit N] [--before ID] | show ID | assign ID [--to EMAIL]
   | unassign|escalate|wait|resolve|reopen ID | route ID --department D;
   the actions take [--reason R]; each [--as EMAIL] [--json]. Returns the
   exit code: 0 done, 1 refused or failed, 2 usage. */
int cli_inbox(int argc, char **argv);

/* argv[0] == "reply": MENTION_ID --as EMAIL [--supersede] TEXT. Prints the
   reply's content id. */
int cli_reply(int argc, char **argv);

/* argv[0] == "away": [--until RFC3339 | --off] [--as EMAIL] [--json]. */
int cli_away(int argc, char **argv);

#endif
