/*  webhook_check: the pure checks of a webhook endpoint an administrator
    sets (admin_webhooks.c, docs/webhooks.md): its name and its URL. No
    database, no I/O: unit-tested on their own. Each returns NULL when the
    value is acceptable, else a sentence saying what is wrong (a string
    literal). */
#ifndef ING_WEBHOOK_CHECK_H
#define ING_WEBHOOK_CHECK_H

#define ING_WEBHOOK_URL_MAX 2048
#define ING_WEBHOOK_DESCRIPTION_MAX 500

/* An endpoint's name, as a playbook's actions.notify lists it: a
   lowercase slug, ^[a-z0-9][a-z0-9-]{0,62}$. */
const char *ing_webhook_check_name(const char *s);

/* An endpoint's URL: http:// or https://, then a host (a name, an IPv4
   address or a bracketed IPv6 one) and an optional port 1..65535; no
   user or password in it (an answer shows the URL); no spaces or control
   characters; at most ING_WEBHOOK_URL_MAX bytes. */
const char *ing_webhook_check_url(const char *s);

#endif
