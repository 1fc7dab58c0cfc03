/*  crisis_api: STUB until helper "crisis-api" lands. */
#include "route.h"

#include <stddef.h>

const ing_route_t ing_crisis_routes[] = {{NULL, NULL, 0, NULL, NULL}};
