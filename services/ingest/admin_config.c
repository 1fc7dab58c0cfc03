/*  admin_config: (being built) routes of the HTTP API. */
#include "api.h"

const ing_route_t ing_config_routes[] = {{NULL, NULL, 0, NULL, NULL}};
