/*  admin: (being built) routes of the HTTP API. */
#include "api.h"

const ing_route_t ing_admin_routes[] = {{NULL, NULL, 0, NULL, NULL}};
