/* MPI_INFO_ENV and MPI_Info_create_env: command and argv (from /proc/self/cmdline
 * when MPI_Init_thread gets no arguments, from argc/argv when given), maxprocs,
 * host, arch, wdir, thread_level, in the standard's order; before MPI_Init too. */
/* np: 1 3 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static int rank;

#include "check.h"

static const char *get(MPI_Info info, const char *key, char *buf)
{
    int buflen = MPI_MAX_INFO_VAL, flag = 0;

    CHECK(MPI_Info_get_string(info, key, &buflen, buf, &flag) == MPI_SUCCESS,
          "MPI_Info_get_string(%s) failed", key);
    return flag ? buf : NULL;
}

/* The keys appear in this relative order, each at most once. */
static void check_order(MPI_Info info)
{
    static const char *order[] = { "command", "argv", "maxprocs", "soft", "host", "arch",
                                   "wdir", "file", "thread_level" };
    char key[MPI_MAX_INFO_KEY];
    int nkeys, last = -1;

    MPI_Info_get_nkeys(info, &nkeys);
    for (int i = 0; i < nkeys; i++) {
        int at = -1;
        MPI_Info_get_nthkey(info, i, key);
        for (int j = 0; j < 9; j++)
            if (strcmp(key, order[j]) == 0)
                at = j;
        CHECK(at > last, "key %d '%s' out of the standard's order or unknown", i, key);
        last = at;
    }
}

int main(int argc, char **argv)
{
    char buf[MPI_MAX_INFO_VAL], want[MPI_MAX_INFO_VAL];
    const char *v;
    struct utsname u;
    MPI_Info env, made, dup;
    int size, provided, nkeys, nkeys2;
    char *fake[] = { "/opt/prog", "-x", "two words", NULL };

    /* Before MPI_Init: no maxprocs or thread_level yet, the rest is there. */
    CHECK(MPI_Info_create_env(3, fake, &made) == MPI_SUCCESS, "create_env before init failed");
    CHECK((v = get(made, "command", buf)) && strcmp(v, "/opt/prog") == 0, "command '%s'",
          v ? v : "(absent)");
    CHECK((v = get(made, "argv", buf)) && strcmp(v, "-x two words") == 0, "argv '%s'",
          v ? v : "(absent)");
    CHECK(!get(made, "maxprocs", buf), "maxprocs before MPI_Init: '%s'", buf);
    CHECK(!get(made, "thread_level", buf), "thread_level before MPI_Init: '%s'", buf);
    MPI_Info_free(&made);

    MPI_Init_thread(NULL, NULL, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    env = MPI_INFO_ENV;

    /* MPI_Init_thread had no arguments: the command line comes from /proc. */
    v = get(env, "command", buf);
    CHECK(v && strcmp(v, argv[0]) == 0, "command '%s', expected '%s'", v ? v : "(absent)",
          argv[0]);
    want[0] = '\0';
    for (int i = 1; i < argc; i++)
        snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s", i > 1 ? " " : "",
                 argv[i]);
    v = get(env, "argv", buf);
    CHECK(v && strcmp(v, want) == 0, "argv '%s', expected '%s'", v ? v : "(absent)", want);
    v = get(env, "maxprocs", buf);
    CHECK(v && atoi(v) == size, "maxprocs '%s', expected %d", v ? v : "(absent)", size);
    gethostname(want, sizeof(want));
    v = get(env, "host", buf);
    CHECK(v && strcmp(v, want) == 0, "host '%s', expected '%s'", v ? v : "(absent)", want);
    uname(&u);
    v = get(env, "arch", buf);
    CHECK(v && strcmp(v, u.machine) == 0, "arch '%s', expected '%s'", v ? v : "(absent)",
          u.machine);
    CHECK(getcwd(want, sizeof(want)), "getcwd failed");
    v = get(env, "wdir", buf);
    CHECK(v && strcmp(v, want) == 0, "wdir '%s', expected '%s'", v ? v : "(absent)", want);
    v = get(env, "thread_level", buf);
    CHECK(v && strcmp(v, provided == MPI_THREAD_MULTIPLE ? "MPI_THREAD_MULTIPLE" : "?") == 0,
          "thread_level '%s' (provided %d)", v ? v : "(absent)", provided);
    CHECK(!get(env, "soft", buf), "soft is '%s', Baton knows no soft limits", buf);
    check_order(env);

    /* A dup is an ordinary info with the same contents. */
    MPI_Info_dup(env, &dup);
    MPI_Info_get_nkeys(env, &nkeys);
    MPI_Info_get_nkeys(dup, &nkeys2);
    CHECK(nkeys == nkeys2 && nkeys >= 7, "MPI_INFO_ENV has %d keys, its dup %d", nkeys, nkeys2);
    CHECK(MPI_Info_set(dup, "host", "elsewhere") == MPI_SUCCESS, "set on a dup of ENV failed");
    CHECK(strcmp(get(env, "host", buf), "elsewhere") != 0, "setting the dup changed MPI_INFO_ENV");
    MPI_Info_free(&dup);

    /* After MPI_Init, create_env adds maxprocs and thread_level. */
    MPI_Info_create_env(2, fake, &made);
    CHECK((v = get(made, "argv", buf)) && strcmp(v, "-x") == 0, "argv '%s'", v ? v : "(absent)");
    v = get(made, "maxprocs", buf);
    CHECK(v && atoi(v) == size, "create_env maxprocs '%s'", v ? v : "(absent)");
    CHECK(get(made, "thread_level", buf), "create_env after init: no thread_level");
    check_order(made);
    MPI_Info_free(&made);
    /* No arguments: the command line of the process. */
    MPI_Info_create_env(0, NULL, &made);
    v = get(made, "command", buf);
    CHECK(v && strcmp(v, argv[0]) == 0, "create_env(0, NULL) command '%s'", v ? v : "(absent)");
    MPI_Info_free(&made);

    MPI_Finalize();
    return 0;
}
