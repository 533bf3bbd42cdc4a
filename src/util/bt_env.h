/* Configuration from the environment: every BATON_* variable, in one table.
 *
 * The table (env.c) says each variable's type, the values it takes, its
 * default and what it does; one parser reads them all, so a bad value is
 * refused the same way wherever it is read: `mpiexec` checks its own
 * environment and its -genv/-env values before it starts anything, and
 * MPI_Init checks again (a job started by srun, or a singleton). An empty
 * value counts as unset. Names that are not in the table (the test suite's
 * BATON_TEST_*, say) are none of our business and pass.
 *
 * This file is shared by the library and the launcher's programs: it uses the
 * C library only. */
#ifndef BT_ENV_H
#define BT_ENV_H

#include <stddef.h>

typedef enum {
    BT_ENV_INT,     /* a decimal integer within [min, max] */
    BT_ENV_SIZE,    /* bytes: an integer with an optional K, M or G (powers of 1024) */
    BT_ENV_SECONDS, /* a decimal number of seconds within [min, max] */
    BT_ENV_BOOL,    /* 0 or 1 (also no/yes, off/on, false/true) */
    BT_ENV_CHOICE,  /* one of the words in choices, separated by '|' */
    BT_ENV_TEXT,    /* any text (a name, a path, an address) */
} bt_env_type_t;

typedef struct bt_env_var {
    const char   *name;      /* the variable, or a prefix ending in '_' (BATON_COLL_) */
    bt_env_type_t type;
    long long     min, max;  /* INT, SIZE, SECONDS */
    const char   *choices;   /* CHOICE */
    const char   *dflt;      /* the default, in words */
    const char   *what;      /* what it does */
} bt_env_var_t;

extern const bt_env_var_t bt_env_vars[];
extern const size_t       bt_env_nvars;

/* The table's entry for a variable (a prefix entry covers its family), or NULL. */
const bt_env_var_t *bt_env_lookup(const char *name);

/* Checks one value against the table: 0, or -1 with why filled in (a phrase
 * such as "expected a size in bytes ..."). Unknown names and empty values pass. */
int bt_env_check(const char *name, const char *value, char *why, size_t len);

/* A family of variables whose values only one part of the program knows (the
 * collectives' algorithms): check is called for every variable of the family
 * that is set, by bt_env_check_all. */
typedef int (*bt_env_family_fn)(const char *name, const char *value, char *why, size_t len);
void bt_env_set_family_check(const char *prefix, bt_env_family_fn check);

/* Checks every BATON_* variable of the environment; on the first bad one,
 * writes "NAME=VALUE: why" into msg and returns -1. */
int bt_env_check_all(char *msg, size_t len);

/* Typed reads, after the check: dflt when unset, empty, or (had nobody checked)
 * malformed. */
long        bt_env_long(const char *name, long dflt);
size_t      bt_env_size(const char *name, size_t dflt);
double      bt_env_seconds(const char *name, double dflt);
const char *bt_env_str(const char *name, const char *dflt);

#endif
