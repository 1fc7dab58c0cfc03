/*  hd_testdb: a fresh, migrated database on the test cluster (the ctest
    "pg" fixture, tests/pg_fixture.sh) for one integration test. */
#ifndef HD_TESTDB_H
#define HD_TESTDB_H

#include "hd_db.h"

#include <stddef.h>

/* Drops and creates database `name` on the fixture cluster, applies every
   migration with huddle-migrate (and the sample organization when seed is
   set), and writes its URL into url (url_len bytes). 0 / -1 (printed). */
int hd_testdb_create(const char *name, int seed, char *url, size_t url_len);

#endif
