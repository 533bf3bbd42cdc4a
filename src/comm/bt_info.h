/* Info objects: (key, value) strings in the order their keys were first set,
 * and the predefined MPI_INFO_ENV. */
#ifndef BT_INFO_H
#define BT_INFO_H

#include "api/bt_mpi.h"
#include <stdint.h>

#define BT_INFO_MAGIC 0x42744966u

typedef struct bt_info_entry {
    char *key, *value;
} bt_info_entry_t;

typedef struct bt_info {
    uint32_t         magic;
    int              predefined;   /* MPI_INFO_ENV: read only, never freed */
    int              nkeys, cap;
    bt_info_entry_t *entries;
    MPI_Info         handle;
} bt_info_t;

/* NULL when h is not a live info object (MPI_INFO_NULL included). MPI_INFO_ENV
 * is built at its first use (before MPI_Init too) and again by MPI_Init. */
bt_info_t *bt_info_get(MPI_Info h);
bt_info_t *bt_info_new(void);
bt_info_t *bt_info_dup(const bt_info_t *info);
void       bt_info_free(bt_info_t *info);
/* Lengths are the caller's to check (below MPI_MAX_INFO_KEY / _VAL). A key set
 * again keeps its place. */
void        bt_info_set(bt_info_t *info, const char *key, const char *value);
/* MPI_SUCCESS, or MPI_ERR_INFO_NOKEY when key is not there. */
int         bt_info_delete(bt_info_t *info, const char *key);
/* The value of key, NULL when it is not there. */
const char *bt_info_value(const bt_info_t *info, const char *key);
/* A boolean hint: 1 for "true", 0 for "false", -1 when absent or neither. */
int         bt_info_bool(const bt_info_t *info, const char *key);

/* The keys of MPI_INFO_ENV (MPI_Info_create_env): command and argv from argv
 * (argc <= 0 or argv NULL: /proc/self/cmdline), host, arch, wdir, and once MPI
 * is initialized maxprocs and thread_level. */
void bt_info_env_fill(bt_info_t *info, int argc, char **argv);
/* "MPI_THREAD_SINGLE" ... for a thread level, and back (any case; -1: no level). */
const char *bt_info_thread_level_name(int level);
int         bt_info_thread_level_named(const char *name);

/* MPI_Init: MPI_INFO_ENV from its arguments, now with maxprocs and thread_level. */
void bt_info_env_init(int argc, char **argv);

#endif
