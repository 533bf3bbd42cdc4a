/*
 * Baton runtime: PMI client.
 *
 * Talks to the process manager that started this process: Baton's own
 * mpiexec, MPICH's Hydra, or Slurm's srun --mpi=pmi2.  The wire protocol is
 * PMI-1 or PMI-2 over the socket named by the PMI_FD environment variable.
 * Without PMI_FD the process is a singleton: rank 0 of 1, with an in-memory
 * key-value store.
 *
 * Which protocol (first rule that applies wins):
 *   1. PMI_FD unset or empty          -> singleton (error if PMI_SIZE > 1 or
 *                                        PMI_PORT is set: a job we cannot join)
 *   2. BATON_PMI=1 or BATON_PMI=2     -> that version
 *   3. PMI_VERSION=2, or PMI_JOBID set -> PMI-2 (Slurm's pmi2 plugin sets
 *                                        PMI_JOBID; it also accepts PMI-1)
 *   4. otherwise                      -> PMI-1
 *
 * Not thread-safe: the caller serializes all calls (they happen during
 * MPI_Init, MPI_Finalize and MPI_Abort).
 */
#ifndef BT_PMI_H
#define BT_PMI_H

#include <stddef.h>

#pragma GCC visibility push(hidden)

typedef struct bt_pmi_info {
    int rank, size;             /* in the job */
    int appnum, universe_size;
    int local_rank, local_size; /* -1 if the launcher did not say (MPI_LOCALRANKID /
                                   MPI_LOCALNRANKS env, else PMI_process_mapping) */
    int singleton;              /* 1 when there is no PMI environment at all: rank 0 of 1 */
    char kvsname[256];          /* unique per job: usable to name per-job resources */
} bt_pmi_info_t;

/* 0 on success, -1 on failure (with a message on stderr).  A second call
 * while initialized returns the same information. */
int bt_pmi_init(bt_pmi_info_t *info_p);

/* Keys: at most bt_pmi_key_max() characters; values: at most
 * bt_pmi_value_max() characters.  Neither may contain spaces, control
 * characters, '=' or ';'.  0 on success, -1 on failure (message on stderr). */
int bt_pmi_put(const char *key, const char *value);

/* Commits this rank's puts and waits until every rank of the job has
 * called it.  0 on success, -1 on failure (message on stderr). */
int bt_pmi_fence(void);

/* rank: the rank that put the key (a hint; PMI-2 passes it on).
 * 0: found, value copied (len includes the terminating NUL);
 * 1: no such key, value set to "" (no message);
 * -1: failure, e.g. value longer than len - 1 (message on stderr). */
int bt_pmi_get(int rank, const char *key, char *value, size_t len);

/* Tells the launcher that this rank aborts the whole job with exitcode.
 * Returns; the caller then exits with the same code: _exit(exitcode). */
/* Tells the launcher that this rank ends the job: error says whether an MPI error
 * under MPI_ERRORS_ARE_FATAL did (rather than MPI_Abort). */
void bt_pmi_abort(int exitcode, const char *msg, int error);

/* 0 on success, -1 on failure (message on stderr).  Closes the connection. */
int bt_pmi_finalize(void);

/* MPI has ended in this process: the launcher hears finalize (the rank may exit
 * from now on, however it exits), the connection stays open. bt_pmi_restart: MPI
 * starts again, so Baton's launcher takes the rank's exit for a failure again
 * until the next end. Both 0 or -1. */
int bt_pmi_end(void);
int bt_pmi_restart(void);

/* Longest key and value accepted by bt_pmi_put, valid after bt_pmi_init. */
size_t bt_pmi_key_max(void);
size_t bt_pmi_value_max(void);

/* The node of every rank of the job (node_of[size], numbered densely from 0 in the
 * order of their first rank) from the launcher's PMI_process_mapping: the number
 * of nodes, 0 when the launcher gave no mapping, -1 when it is malformed. */
int bt_pmi_node_map(int *node_of);

/* A job attribute of the launcher, e.g. "PMI_process_mapping"; same
 * return convention as bt_pmi_get. */
int bt_pmi_get_job_attr(const char *name, char *value, size_t len);

#pragma GCC visibility pop

#endif /* BT_PMI_H */
