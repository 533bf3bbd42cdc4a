/* What the libFuzzer harnesses of tests/fuzz share: bytes fed to the code
 * under test through a socket, as a peer would send them (util.c); a job of
 * mpiexec for the launcher's code (job.c); the PMI client, whose state is
 * private to src/runtime/pmi.c (pmi_client.c). */
#ifndef BT_FUZZ_H
#define BT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* A connected pair of nonblocking stream sockets: sv[0] for the code under
 * test, sv[1] the peer's.  Aborts when the system refuses. */
void bt_fuzz_socketpair(int sv[2]);

/* Reads and drops whatever waits on fd: the code's answers to the peer. */
void bt_fuzz_drain(int fd);

/* A descriptor open for writing on /dev/null, for the code's output. */
int bt_fuzz_devnull(void);

/* Sends data from the peer's end in pieces of at most chunk bytes (0: all at
 * once), running step(arg) after each and dropping what the code answers;
 * after the last byte the peer shuts its sending side.  Ends when step
 * returns 0: the code closed its end. */
void bt_fuzz_pump(int peer, const uint8_t *data, size_t len, size_t chunk,
                  int (*step)(void *arg), void *arg);

struct bt_job;
struct bt_opts;

/* mpiexec's job of nranks in role (a bt_role_t), its output to /dev/null.
 * bt_job_destroy ends it. */
void bt_fuzz_job(struct bt_job *job, struct bt_opts *opts, int role, int nranks);

/* The PMI client (version 1 or 2) of rank `rank` of 4 through a whole job:
 * init, put, fence, get, the node map and finalize, with data as everything
 * the launcher answers. */
void bt_fuzz_pmi_client(int version, int rank, const uint8_t *data, size_t len);

#endif
