/* A job of mpiexec for the fuzz harnesses: see bt_fuzz.h. */
#include "bt_fuzz.h"
#include "mpiexec.h"

#include <stdlib.h>

void bt_fuzz_job(struct bt_job *job, struct bt_opts *opts, int role, int nranks)
{
    static char *argv[] = { "a.out", NULL };

    *job = (bt_job_t){ .nranks = nranks, .argv = argv, .mapping = "(vector,(0,2,2))" };
    if (bt_job_create(job, opts, (bt_role_t)role, nranks) != 0)
        abort();
    job->sinks[0].fd = job->sinks[1].fd = bt_fuzz_devnull();
    job->sinks[0].is_tty = job->sinks[1].is_tty = 0;
}
