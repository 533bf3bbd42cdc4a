/* Fuzzes baton-proxy's reading of SETUP, the job description the head sends it
 * (bt_setup_parse in tools/mpiexec/setup.c): the input is SETUP's body. What
 * passes must be a description the proxy can act on as it stands: at least one
 * program word, lists that end in NULL, ranks of the job, environment entries
 * NAME=VALUE with a name; either way bt_setup_free leaves nothing behind (the
 * leak checker runs after every input). */
#include "mpiexec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* channel.c (linked for bt_unpack_*) reads the clock in its timed reads, which
 * this harness never makes; job.c, the clock's home, would bring the whole loop. */
int64_t bt_now_ms(void)
{
    return 0;
}

static void bt_fuzz_check_env(char **list, int n)
{
    if (list[n] != NULL)
        abort();
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(list[i], '=');

        if (eq == NULL || eq == list[i])
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    bt_unpack_t u = { .p = data, .left = len };
    bt_job_t job = { 0 };
    bt_setup_t su = { 0 };

    if (bt_setup_parse(&u, &job, &su) == 0) {
        if (job.nranks < 1 || job.nranks > BT_MAX_RANKS || su.nlocal < 1 ||
            su.nlocal > job.nranks || su.argc < 1 || su.argv[su.argc] != NULL ||
            su.cwd == NULL || su.mapping == NULL ||
            memchr(job.jobid, '\0', sizeof(job.jobid)) == NULL)
            abort();
        for (int i = 0; i < su.nlocal; i++) {
            if (su.ranks[i] < 0 || su.ranks[i] >= job.nranks)
                abort();
        }
        bt_fuzz_check_env(su.henv, su.nhenv);
        bt_fuzz_check_env(su.opts.env, su.opts.nenv);
    }
    bt_setup_free(&su);
    return 0;
}
