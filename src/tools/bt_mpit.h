/* The MPI tools interface's objects: what src/api/mpit_api.c checks its
 * arguments against and calls down to. Everything here runs under the big lock
 * (MPI_T calls take it as every MPI call does). */
#ifndef BT_MPIT_H
#define BT_MPIT_H

#include "tools/bt_tools.h"
#include "util/bt_env.h"

/* MPI_T_init_thread's reference count: 0 when the interface is not initialized. */
extern int bt_mpit_refs;
/* The first call builds the tables; the last finalize frees every handle,
 * session and registration, which are then invalid. */
void bt_mpit_open(void);
void bt_mpit_close(void);

/* A string out as MPI_T returns them: with *len_p == 0 or dst NULL only the length
 * it needs (with its terminator) in *len_p; else at most *len_p - 1 characters,
 * terminated, and *len_p the characters written with the terminator. */
void bt_mpit_str(const char *src, char *dst, int *len_p);

/* ---- enumerations -------------------------------------------------------------------- */

struct MPI_ABI_T_enum {
    char  *name;
    int    n;
    char **items;
    int   *values;
};
/* A live enumeration of ours (not any pointer the user made up). */
int bt_mpit_enum_ok(MPI_T_enum e);

/* ---- control variables: the BATON_* table, BATON_COLL_ expanded per collective ---------- */

typedef struct bt_cvar {
    char               *name;
    char               *desc;
    const bt_env_var_t *env;
    int                 coll;      /* BATON_COLL_<NAME>: the collective; else -1 */
    MPI_Datatype        type;
    int                 scope;
    MPI_T_enum          en;        /* CHOICE variables; else MPI_T_ENUM_NULL */
} bt_cvar_t;

extern bt_cvar_t *bt_cvars;
extern int        bt_ncvars;

int  bt_cvar_index(const char *name);   /* -1: none */
int  bt_cvar_count(const bt_cvar_t *c); /* the elements a handle reads and writes */
void bt_cvar_read(const bt_cvar_t *c, void *buf, int count);
int  bt_cvar_write(const bt_cvar_t *c, const void *buf); /* MPI_SUCCESS or MPI_T_ERR_* */

struct MPI_ABI_T_cvar_handle {
    struct MPI_ABI_T_cvar_handle *next;
    bt_cvar_t                    *c;
    int                           count;
};
MPI_T_cvar_handle bt_cvar_handle_new(bt_cvar_t *c);
int               bt_cvar_handle_ok(MPI_T_cvar_handle h);
void              bt_cvar_handle_free(MPI_T_cvar_handle h);

void bt_cvar_build(void);
void bt_cvar_close(void);

/* ---- performance variables ----------------------------------------------------------- */

typedef struct bt_pvar {
    char               *name;
    char               *desc;
    int                 cls;         /* MPI_T_PVAR_CLASS_* */
    int                 readonly, continuous;
    unsigned long long *u;           /* the counter, or */
    double             *d;           /* the timer (MPI_DOUBLE, seconds) */
} bt_pvar_t;

extern bt_pvar_t *bt_pvars;
extern int        bt_npvars;
int bt_pvar_index(const char *name, int cls); /* -1: none */

struct MPI_ABI_T_pvar_handle;
struct MPI_ABI_T_pvar_session {
    struct MPI_ABI_T_pvar_session *next;
    struct MPI_ABI_T_pvar_handle  *handles;
};
struct MPI_ABI_T_pvar_handle {
    struct MPI_ABI_T_pvar_handle *next;
    bt_pvar_t                    *v;
    int                           started;
    unsigned long long            u_acc, u_start;   /* value while stopped; at start */
    double                        d_acc, d_start;
};

MPI_T_pvar_session bt_pvar_session_new(void);
int  bt_pvar_session_ok(MPI_T_pvar_session s);
void bt_pvar_session_free(MPI_T_pvar_session s);
MPI_T_pvar_handle bt_pvar_handle_new(MPI_T_pvar_session s, bt_pvar_t *v);
/* h is a handle of session s (MPI_T_PVAR_ALL_HANDLES is not). */
int  bt_pvar_handle_ok(MPI_T_pvar_session s, MPI_T_pvar_handle h);
void bt_pvar_handle_free(MPI_T_pvar_session s, MPI_T_pvar_handle h);
/* MPI_SUCCESS or the MPI_T_ERR_* the standard gives. */
int  bt_pvar_start(MPI_T_pvar_handle h);
int  bt_pvar_stop(MPI_T_pvar_handle h);
void bt_pvar_read(MPI_T_pvar_handle h, void *buf);
int  bt_pvar_write(MPI_T_pvar_handle h, const void *buf);

void bt_pvar_build(void);
void bt_pvar_close(void);

/* ---- events and their one source ----------------------------------------------------- */

typedef struct bt_event_desc {
    const char *name;
    const char *desc;
} bt_event_desc_t;
extern const bt_event_desc_t bt_event_descs[BT_EV_COUNT];
/* Every event carries a bt_tool_msg_event_t: */
#define BT_EVENT_NELEMS 3
extern const MPI_Aint bt_event_displs[BT_EVENT_NELEMS];
extern const size_t   bt_event_sizes[BT_EVENT_NELEMS];
MPI_Datatype bt_event_type(int element);

/* The callbacks by safety level, least demanding first. */
#define BT_CB_LEVELS 4
int bt_event_cb_level(MPI_T_cb_safety safety);   /* -1: not a level */

struct MPI_ABI_T_event_registration {
    struct MPI_ABI_T_event_registration *next;
    int                                  event;
    MPI_T_event_cb_function             *cb[BT_CB_LEVELS];
    void                                *cb_data[BT_CB_LEVELS];
    MPI_T_event_dropped_cb_function     *dropped_cb;
    MPI_Count                            dropped;
};
struct MPI_ABI_T_event_instance {
    int                        event;
    MPI_Count                  timestamp;
    const bt_tool_msg_event_t *data;
};

MPI_T_event_registration bt_event_reg_new(int event);
int  bt_event_reg_ok(MPI_T_event_registration r);
void bt_event_reg_free(MPI_T_event_registration r);
void bt_event_close(void);

/* The source's clock: nanoseconds of CLOCK_MONOTONIC. */
MPI_Count bt_event_now(void);

/* ---- categories ------------------------------------------------------------------------ */

enum { BT_CAT_ENV, BT_CAT_PT2PT, BT_CAT_COLL, BT_NCATS };
typedef struct bt_category {
    const char *name;
    const char *desc;
} bt_category_t;
extern const bt_category_t bt_categories[BT_NCATS];
/* The members of category cat (cvars, pvars or events), into indices up to len;
 * returns how many there are. */
int bt_category_cvars(int cat, int len, int *indices);
int bt_category_pvars(int cat, int len, int *indices);
int bt_category_events(int cat, int len, int *indices);

#endif
