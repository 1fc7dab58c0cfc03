/*  admin_webhooks: the outgoing webhooks' endpoints administered through
    the API (docs/webhooks.md, "Endpoints"): routes /v1/admin/webhooks...
    (ing_webhook_routes, route.h), permission 'webhooks', organization-
    wide. An endpoint's secret ("whsec_" and the base64 of 32 random bytes,
    Standard Webhooks) is made here, shown once in the answer that made it
    (create, rotate), sealed with the credentials key (hd_secret.h) before
    it is stored, and never read back: no other answer, no event, no log
    holds it. The publisher opens it to sign (services/publisher/notify*). */
#ifndef ING_ADMIN_WEBHOOKS_H
#define ING_ADMIN_WEBHOOKS_H

/* The key sealing the endpoints' secrets (the credentials key), copied;
   NULL: none (creating or rotating an endpoint then answers 503). Set
   once by main before requests arrive. */
void ing_webhooks_set_key(const unsigned char *key);

#endif
