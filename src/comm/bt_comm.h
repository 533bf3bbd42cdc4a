/* Groups, communicators, context ids, attributes and error handlers. */
#ifndef BT_COMM_H
#define BT_COMM_H

#include "api/bt_mpi.h"
#include <stddef.h>
#include <stdint.h>

#define BT_GROUP_MAGIC 0x42744770u
#define BT_COMM_MAGIC  0x42744363u
#define BT_ERRH_MAGIC  0x42744568u

typedef struct bt_group {
    uint32_t  magic;
    int       refcount;
    int       size;
    int       rank;        /* my rank in the group, MPI_UNDEFINED if not a member */
    int      *world;       /* world rank of each member */
    struct bt_session *session; /* the session it derives from (a process set's) */
    MPI_Group handle;
} bt_group_t;

typedef enum { BT_ERRH_COMM, BT_ERRH_WIN, BT_ERRH_FILE, BT_ERRH_SESSION } bt_errh_kind_t;

typedef struct bt_errhandler {
    uint32_t       magic;
    int            refcount;
    bt_errh_kind_t kind;
    MPI_Comm_errhandler_function *comm_fn;  /* NULL for the predefined ones */
    MPI_Errhandler handle;
} bt_errhandler_t;

struct bt_attr;   /* private to comm/ */
struct bt_bsend_pool; /* private to pt2pt/ */
struct bt_session;
struct bt_coll_comm; /* private to coll/ */

/* A communicator's process topology (MPI_Cart_create, MPI_Graph_create,
 * MPI_Dist_graph_create*): fixed once made, so duplicates share it. */
typedef struct bt_topo {
    int  refcount;
    int  kind;                 /* MPI_CART, MPI_GRAPH or MPI_DIST_GRAPH */
    int  ndims;                /* Cartesian: dims[ndims], periods[ndims] */
    int *dims, *periods;
    int  nnodes;               /* graph: index[nnodes], edges[index[nnodes - 1]] */
    int *index, *edges;
    int  weighted;             /* distributed graph: weights were given */
    /* My neighbours in the order of the neighbourhood collectives and of
     * MPI_*_neighbors: those I receive from (sources) and send to (dests).
     * MPI_PROC_NULL where a Cartesian shift leaves a non-periodic grid. */
    int  indegree, outdegree;
    int *sources, *dests;
    int *srcweights, *dstweights;   /* distributed graph, weighted only */
} bt_topo_t;

/* Context ids are even; a communicator's collectives use ctx + 1 so that they
 * never match its point-to-point traffic. */
typedef struct bt_comm {
    uint32_t         magic;
    int              refcount;    /* user handle + operations in flight */
    uint32_t         ctx;
    uint64_t         serial;      /* this process's number for it, never reused */
    int              pending;     /* made by MPI_Comm_idup, no context yet: local calls only */
    int              rank, size;
    bt_group_t      *group;
    bt_errhandler_t *errh;
    uint32_t         coll_seq;    /* blocking collectives started here (and creations) */
    uint32_t         coll_nbseq;  /* nonblocking and persistent ones */
    unsigned         asserts;     /* BT_COMM_ASSERT_* set by info (MPI_Comm_set_info) */
    struct bt_attr  *attrs;
    struct bt_coll_comm *coll;    /* node-aware collective state, owned by coll/ */
    bt_topo_t       *topo;        /* NULL: no process topology */
    struct bt_bsend_pool *bsend;  /* MPI_Comm_attach_buffer's, owned by pt2pt/ */
    struct bt_session *session;   /* the session it derives from, NULL: the world's */
    /* Intercommunicators: ranks of point-to-point name members of remote, and the
     * collectives' local steps run on local, an intracommunicator over group. */
    bt_group_t      *remote;      /* NULL: an intracommunicator */
    struct bt_comm  *local;
    /* Each side of an intercommunicator agrees on its own context id among its own
     * members (there is no process of both to agree through): messages to ranks
     * peer_lo..peer_hi-1 carry the context the receivers match on, peer_ctx
     * (+ 1 for collectives), instead of ctx. Empty range: an intracommunicator. */
    uint32_t         peer_ctx;
    int              peer_lo, peer_hi;
    MPI_Comm         handle;
    char             name[MPI_MAX_OBJECT_NAME];
} bt_comm_t;

#define BT_CTX_COLL(comm) ((comm)->ctx + 1)

/* The tag of the next collective on comm. Blocking and nonblocking (and
 * persistent) collectives number their calls apart, on even and odd tags, so
 * that each kind matches in its own order: MPICH does the same, and mpi4py's
 * fallback for MPI_Comm_iagree has one rank start an MPI_Iallreduce before an
 * MPI_Barrier that the others enter first. Below 2^30, whose range belongs to
 * Comm_create_group. */
static inline int bt_comm_coll_tag(bt_comm_t *comm, int blocking)
{
    uint32_t seq = blocking ? comm->coll_seq++ : comm->coll_nbseq++;

    return (int)((seq << 1 | (uint32_t)!blocking) & 0x3fffffffu);
}

/* The info assertions of MPI-4 (mpi_assert_*), as bits of comm->asserts. */
enum {
    BT_COMM_ASSERT_NO_ANY_TAG       = 1 << 0,
    BT_COMM_ASSERT_NO_ANY_SOURCE    = 1 << 1,
    BT_COMM_ASSERT_EXACT_LENGTH     = 1 << 2,
    BT_COMM_ASSERT_ALLOW_OVERTAKING = 1 << 3,
};

extern bt_comm_t bt_comm_world, bt_comm_self;

/* NULL when h is not a live communicator (MPI_COMM_NULL included). */
bt_comm_t *bt_comm_get(MPI_Comm h);
/* The world rank of the process that `rank` names in point-to-point calls. */
static inline int bt_comm_world_rank(const bt_comm_t *comm, int rank)
{
    return (comm->remote ? comm->remote : comm->group)->world[rank];
}
/* The context a message to dest carries, ctx being comm->ctx or its + 1. */
static inline uint32_t bt_comm_send_ctx(const bt_comm_t *comm, uint32_t ctx, int dest)
{
    return dest >= comm->peer_lo && dest < comm->peer_hi ? ctx - comm->ctx + comm->peer_ctx : ctx;
}
/* How many ranks point-to-point and the collectives' per-peer arguments name. */
static inline int bt_comm_peer_size(const bt_comm_t *comm)
{
    return comm->remote ? comm->remote->size : comm->size;
}
void bt_comm_retain(bt_comm_t *comm);
void bt_comm_release(bt_comm_t *comm);

bt_group_t      *bt_group_get(MPI_Group h);
bt_errhandler_t *bt_errhandler_get(MPI_Errhandler h);

/* Builds MPI_COMM_WORLD and MPI_COMM_SELF once the runtime knows rank and size. */
int  bt_comm_init(void);
void bt_comm_finalize(void);
/* The first thing MPI_Finalize must do, while every layer still works: delete the
 * attributes of MPI_COMM_SELF (the standard's finalize hook: their callbacks may
 * communicate), then those of MPI_COMM_WORLD, then the collectives' state of both
 * (coll/'s sub-communicators). bt_comm_finalize does it too if it has not been
 * done. */
void bt_comm_finalize_begin(void);

/* Runs comm's error handler for code (raised by `call`); returns code. */
int bt_comm_raise(bt_comm_t *comm, int code);

/* ---- Additions below: helpers the comm/ API files (and other layers) use. ---- */

/* Groups. bt_group_new copies world[] (world ranks, size n); n == 0 gives the
 * predefined empty group. Every returned group carries one reference. */
extern bt_group_t bt_group_empty;
bt_group_t *bt_group_new(int n, const int *world);
void bt_group_retain(bt_group_t *group);
void bt_group_release(bt_group_t *group);
int  bt_group_compare(const bt_group_t *a, const bt_group_t *b);  /* MPI_IDENT, ... */
/* Rank in group of a world rank, MPI_UNDEFINED when absent (a linear scan). */
int  bt_group_rank_of(const bt_group_t *group, int world_rank);
/* World rank -> rank in group (MPI_UNDEFINED when absent), bt_rt.npeers entries;
 * the caller frees it. For lookups of many ranks. */
int *bt_group_world_map(const bt_group_t *group);
bt_group_t *bt_group_union(const bt_group_t *a, const bt_group_t *b);
bt_group_t *bt_group_intersection(const bt_group_t *a, const bt_group_t *b);
bt_group_t *bt_group_difference(const bt_group_t *a, const bt_group_t *b);
/* ranks[] already validated: in range, distinct. */
bt_group_t *bt_group_incl(const bt_group_t *group, int n, const int *ranks);
bt_group_t *bt_group_excl(const bt_group_t *group, int n, const int *ranks);

/* Communicator construction; all collective over the parent unless said. Return
 * MPI_SUCCESS or an error code (a class, or the code an attribute callback gave). */
int bt_comm_dup(bt_comm_t *comm, bt_comm_t **newcomm_p);
/* The same, nonblocking: returns at once with a started generic request (maybe
 * complete already); *newcomm_p is usable once the request is complete. The
 * attributes are copied in the call. */
struct bt_request;
int bt_comm_idup(bt_comm_t *comm, bt_comm_t **newcomm_p, struct bt_request **req_p);
/* color MPI_UNDEFINED: *newcomm_p = NULL. */
int bt_comm_split(bt_comm_t *comm, int color, int key, bt_comm_t **newcomm_p);
/* group: a subset of comm's group; non-members get NULL. */
int bt_comm_create(bt_comm_t *comm, bt_group_t *group, bt_comm_t **newcomm_p);
/* Collective over the members of group only; tag keeps concurrent calls apart. */
int bt_comm_create_group(bt_comm_t *comm, bt_group_t *group, int tag, bt_comm_t **newcomm_p);
/* Drops the user's handle: runs the attribute delete callbacks first (an error
 * from one stops the free and is returned). */
int bt_comm_free(bt_comm_t *comm);
int bt_comm_compare(const bt_comm_t *a, const bt_comm_t *b);      /* MPI_IDENT, ... */

/* Intercommunicators (comm/intercomm.c). Intercomm_create: collective over
 * local; peer and remote_leader matter at the local leader only, the leaders
 * talk on peer's point-to-point context with the user's tag. leader_err (at the
 * leader): its arguments are wrong, already reported; the side's members all
 * return it instead of waiting for the leader. */
int bt_intercomm_create(bt_comm_t *local, int local_leader, int leader_err, bt_comm_t *peer,
                        int remote_leader, int tag, bt_comm_t **newcomm_p);
/* Collective over the members of local and of remote (disjoint, each calling
 * with its own group as local); MPI_ERR_GROUP when the other side named other
 * groups. */
int bt_intercomm_create_from_groups(bt_group_t *local, int local_leader, bt_group_t *remote,
                                    int remote_leader, const char *stringtag,
                                    bt_errhandler_t *errh, bt_comm_t **newcomm_p);
int bt_intercomm_merge(bt_comm_t *inter, int high, bt_comm_t **newcomm_p);
/* Dup, split and create of an intercommunicator (bt_comm_dup, _split, _create
 * send them here): the result's local group is what the call makes of mine, its
 * remote group what the other side's calls make of theirs; a side left empty
 * gives NULL on both. */
int bt_intercomm_dup(bt_comm_t *inter, bt_comm_t **newcomm_p);
int bt_intercomm_split(bt_comm_t *inter, int color, int key, bt_comm_t **newcomm_p);
int bt_intercomm_create_sub(bt_comm_t *inter, bt_group_t *group, bt_comm_t **newcomm_p);
/* The node of this process as a split color (MPI_COMM_TYPE_SHARED). */
int bt_comm_node_color(void);
/* MPI_COMM_TYPE_HW_GUIDED (level >= 0, a BT_HW_* level) and HW_UNGUIDED (level
 * -1: the outermost level that splits comm): collective over comm; *color_p is
 * MPI_UNDEFINED where the process lies in no one instance of the level (or no
 * level splits comm), *level_p the level used (-1: none). */
int bt_comm_hw_color(bt_comm_t *comm, int level, int *color_p, int *level_p);
/* The color of this process's instance of level (-1: none) without asking the
 * others (MPI_Comm_split_type's guided splits, where some may pass MPI_UNDEFINED);
 * MPI_UNDEFINED when it has none. */
int bt_comm_hw_color_local(int level);

/* Error handlers. Predefined ones are static and never freed. */
bt_errhandler_t *bt_errhandler_create(bt_errh_kind_t kind, MPI_Comm_errhandler_function *fn);
void bt_errhandler_retain(bt_errhandler_t *errh);
void bt_errhandler_release(bt_errhandler_t *errh);
int  bt_errhandler_is_predefined(const bt_errhandler_t *errh);
/* Replaces the handler in *slot (a communicator's, a session's): takes a new
 * reference to errh, drops the old one's. */
void bt_errhandler_replace(bt_errhandler_t **slot, bt_errhandler_t *errh);
/* Replaces comm's handler (takes a new reference). */
void bt_comm_set_errhandler(bt_comm_t *comm, bt_errhandler_t *errh);
/* MPI_ERRORS_ARE_FATAL / MPI_ERRORS_ABORT: one line on stderr, then the job ends. */
void bt_errhandler_fatal(int code) __attribute__((noreturn));

/* Error codes: code = slot * 64 + class, the slot holding the message (see
 * comm/errcode.c); codes above MPI_ERR_LASTCODE are user-added (MPI_Add_error_*). */
int  bt_errcode_new(int errclass, const char *msg);
/* The same with the message "call: <fmt...>" (for layers that report through
 * their objects' handlers themselves: windows, files). */
int  bt_errcode_newf(int errclass, const char *call, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int  bt_errcode_class(int code);                /* -1 when code is not valid */
/* The text of MPI_Error_string; returns its length, -1 when code is not valid. */
int  bt_errcode_string(int code, char *buf, size_t size);
/* "MPI_ERR_COUNT: invalid count argument" for a standard class, NULL otherwise. */
const char *bt_errclass_name(int errclass);
const char *bt_errclass_desc(int errclass);
extern int bt_errcode_lastused;                 /* MPI_LASTUSEDCODE */
int  bt_errcode_add_class(int *errclass_p);
int  bt_errcode_add_code(int errclass, int *code_p);
int  bt_errcode_add_string(int code, const char *string);
int  bt_errcode_remove(int code, int is_class);  /* class with codes left: MPI_ERR_ARG */
int  bt_errcode_remove_string(int code);

/* Sessions (comm/session.c). */
#define BT_SESSION_MAGIC 0x42745373u
typedef struct bt_session {
    uint32_t         magic;
    bt_errhandler_t *errh;
    int              thread_level;  /* provided to it (its info's thread_level) */
    struct bt_bsend_pool *bsend;  /* MPI_Session_attach_buffer's, owned by pt2pt/ */
    MPI_Session      handle;
} bt_session_t;

/* NULL when h is not a live session (MPI_SESSION_NULL included). */
bt_session_t *bt_session_get(MPI_Session h);
bt_session_t *bt_session_new(bt_errhandler_t *errh, int thread_level);
void bt_session_free(bt_session_t *s);
/* Runs errh for code, returns code: a session's handler (h: the session, or
 * MPI_SESSION_NULL for the one MPI_Session_init is given), or the communicator
 * handler given to a call that makes a communicator without a parent (called
 * with MPI_COMM_NULL). */
int  bt_session_raise(bt_errhandler_t *errh, MPI_Session h, int code);
/* Process sets: how many, the name of the nth (NULL past the end), the group of
 * one by name, derived from s (one reference; NULL when the name is unknown). */
int  bt_pset_count(void);
const char *bt_pset_name(int n);
bt_group_t *bt_pset_group(bt_session_t *s, const char *name);
/* MPI_Comm_create_from_group: collective over group's members, no parent; the
 * stringtag keeps concurrent calls apart. Non-members get NULL. */
int  bt_comm_create_from_group(bt_group_t *group, const char *stringtag, bt_errhandler_t *errh,
                               bt_comm_t **newcomm_p);
/* The job's internal communicator (all of MPI_COMM_WORLD's group, ctx 4) over
 * which parentless creations agree; no user handle reaches it. */
extern bt_comm_t *bt_comm_boot;
/* Whether messages on ctx (point-to-point or collective context) that arrive
 * before an end of MPI may be for the next start, so that the end keeps them:
 * those of bt_comm_boot, and of MPI_COMM_WORLD before the world model ran. */
int bt_comm_ctx_outlives_end(uint32_t ctx);

/* Info hints. bt_comm_set_info takes the assertions info sets to "true" or
 * "false" (info NULL: none) and leaves the others as they were, or (replace)
 * at their default, false; other keys are ignored. bt_comm_get_info: a new info
 * with every hint Baton acts on and its value. */
struct bt_info;
void bt_comm_set_info(bt_comm_t *comm, const struct bt_info *info, int replace);
struct bt_info *bt_comm_get_info(const bt_comm_t *comm);

/* Attributes on communicators. Keyvals above the predefined ones (MPI_TAG_UB...). */
int  bt_keyval_create(MPI_Comm_copy_attr_function *copy_fn,
                      MPI_Comm_delete_attr_function *delete_fn, void *extra_state,
                      int *keyval_p);
/* What keyval names: BT_KEYVAL_LIVE a user keyval; BT_KEYVAL_PREDEFINED
 * (MPI_TAG_UB ..., read only); BT_KEYVAL_FREED one the user freed while
 * attributes still use it: those can still be read and deleted (the standard's
 * way to drop them), but it takes no new ones; BT_KEYVAL_INVALID anything
 * else, a freed keyval whose last attribute is gone included. */
enum { BT_KEYVAL_INVALID, BT_KEYVAL_LIVE, BT_KEYVAL_PREDEFINED, BT_KEYVAL_FREED };
int  bt_keyval_check(int keyval);
int  bt_keyval_free(int keyval);
int  bt_attr_set(bt_comm_t *comm, int keyval, void *value);
/* Predefined keys give a pointer to an int, as the standard says. */
int  bt_attr_get(bt_comm_t *comm, int keyval, void **value_p, int *flag_p);
int  bt_attr_delete(bt_comm_t *comm, int keyval);
int  bt_attr_copy_all(bt_comm_t *oldcomm, bt_comm_t *newcomm);
int  bt_attr_delete_all(bt_comm_t *comm);

/* Process topologies (comm/topo.c). NULL is no topology to both. */
void bt_topo_retain(bt_topo_t *topo);
void bt_topo_release(bt_topo_t *topo);
/* Cartesian: ranks are laid out row-major (the last dimension varies fastest). */
void bt_topo_cart_coords(const bt_topo_t *topo, int rank, int *coords);
/* coords outside a non-periodic dimension: -1 - that dimension; else the rank. */
int  bt_topo_cart_rank(const bt_topo_t *topo, const int *coords);
void bt_topo_cart_shift(const bt_topo_t *topo, int rank, int dim, int disp, int *src_p,
                        int *dst_p);
/* The constructors, collective over comm, with arguments already checked. Processes
 * left out get NULL. reorder: ranks may be renumbered (Cartesian only: so that
 * neighbours share a node). */
int bt_comm_cart_create(bt_comm_t *comm, int ndims, const int *dims, const int *periods,
                        int reorder, bt_comm_t **newcomm_p);
int bt_comm_cart_sub(bt_comm_t *comm, const int *remain, bt_comm_t **newcomm_p);
/* My rank in the grid that bt_comm_cart_create with reorder makes (MPI_UNDEFINED:
 * left out); local. */
int bt_comm_cart_map(bt_comm_t *comm, int ndims, const int *dims, const int *periods);
int bt_comm_graph_create(bt_comm_t *comm, int nnodes, const int *index, const int *edges,
                         bt_comm_t **newcomm_p);
/* weighted: the weights are read (none where a degree is 0). */
int bt_comm_dist_graph_create_adjacent(bt_comm_t *comm, int indegree, const int *sources,
                                       const int *srcweights, int outdegree, const int *dests,
                                       const int *dstweights, int weighted,
                                       bt_comm_t **newcomm_p);
/* Edges sources[i] -> destinations[...] as MPI_Dist_graph_create lists them;
 * weights NULL: unweighted. */
int bt_comm_dist_graph_create(bt_comm_t *comm, int n, const int *sources, const int *degrees,
                              const int *dests, const int *weights, bt_comm_t **newcomm_p);

/* The same on the attribute list of any kind of object (a datatype's, ...):
 * h is the object's handle, which the callbacks receive. A keyval serves one
 * kind only; another kind's is MPI_ERR_KEYVAL. */
typedef enum { BT_ATTR_COMM, BT_ATTR_TYPE, BT_ATTR_WIN } bt_attr_kind_t;
int  bt_type_keyval_create(MPI_Type_copy_attr_function *copy_fn,
                           MPI_Type_delete_attr_function *delete_fn, void *extra_state,
                           int *keyval_p);
int  bt_win_keyval_create(MPI_Win_copy_attr_function *copy_fn,
                          MPI_Win_delete_attr_function *delete_fn, void *extra_state,
                          int *keyval_p);
/* As bt_keyval_check, for keyvals of kind. */
int  bt_keyval_check_kind(int keyval, bt_attr_kind_t kind);
int  bt_attrs_set(bt_attr_kind_t kind, struct bt_attr **list, void *h, int keyval, void *value);
int  bt_attrs_get(bt_attr_kind_t kind, struct bt_attr **list, int keyval, void **value_p,
                  int *flag_p);
int  bt_attrs_delete(bt_attr_kind_t kind, struct bt_attr **list, void *h, int keyval);
/* Copies with the copy callbacks (an error undoes the copies and is returned). */
int  bt_attrs_copy_all(struct bt_attr **from, void *oldh, struct bt_attr **to, void *newh);
/* Stops at a delete callback's error, which it returns. */
int  bt_attrs_delete_all(struct bt_attr **list, void *h);

#endif
