/* MPI_Comm_spawn's failures and nesting: a command that does not exist and one
 * that is not executable give MPI_ERR_SPAWN on every rank, with a message at
 * the root naming the command, and MPI_ERR_SPAWN in every errcode; more
 * processes than MPI_UNIVERSE_SIZE allows (BATON_UNIVERSE_SIZE, as mpiexec
 * -usize sets it) are refused the same way, and MPI_UNIVERSE_SIZE says the
 * limit; an info key "env" with a line that is not NAME=value, or that names a
 * variable of Baton's own (PMI_RANK), is refused the same way. Then a nested spawn: one child spawned by all ranks spawns a
 * grandchild of its own, which reports to its parent, which reports to the
 * parents. Nothing is left running. */
/* np: 1 3 */
#include "check.h"

#include <unistd.h>

static int rank;

static void grandchild(MPI_Comm parent)
{
    int v = 77;
    MPI_Send(&v, 1, MPI_INT, 0, 1, parent);
    MPI_Comm_disconnect(&parent);
}

static void child(MPI_Comm parent, char *self)
{
    MPI_Comm inter;
    char *args[] = { "grandchild", NULL };
    int v = 0;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    CHECK(MPI_Comm_spawn(self, args, 1, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter,
                         MPI_ERRCODES_IGNORE) == MPI_SUCCESS, "child: the nested spawn failed");
    MPI_Recv(&v, 1, MPI_INT, 0, 1, inter, MPI_STATUS_IGNORE);
    CHECK(v == 77, "child: the grandchild sent %d", v);
    MPI_Comm_disconnect(&inter);
    v = 88;
    MPI_Send(&v, 1, MPI_INT, 0, 2, parent);
    MPI_Comm_disconnect(&parent);
}

int main(int argc, char **argv)
{
    MPI_Comm parent, inter = MPI_COMM_NULL;
    int size, errs[4], *usize, flag = 0, v = 0;
    char limit[16];

    /* The universe: this job and two more processes. */
    if (getenv("PMI_SIZE") != NULL && getenv("BATON_PARENT_PORT") == NULL) {
        snprintf(limit, sizeof(limit), "%d", atoi(getenv("PMI_SIZE")) + 2);
        setenv("BATON_UNIVERSE_SIZE", limit, 1);
    }
    MPI_Init(&argc, &argv);
    MPI_Comm_get_parent(&parent);
    if (parent != MPI_COMM_NULL) {
        if (argc > 1 && strcmp(argv[1], "grandchild") == 0)
            grandchild(parent);
        else
            child(parent, argv[0]);
        MPI_Finalize();
        return 0;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_UNIVERSE_SIZE, &usize, &flag);
    CHECK(flag && *usize == size + 2, "MPI_UNIVERSE_SIZE is %d (flag %d), expected %d",
          flag ? *usize : -1, flag, size + 2);

    for (int i = 0; i < 4; i++)
        errs[i] = -1;
    {
        int rc = MPI_Comm_spawn("./baton-no-such-command", MPI_ARGV_NULL, 2, MPI_INFO_NULL,
                                size - 1, MPI_COMM_WORLD, &inter, errs);
        if (rank == size - 1) {
            CHECK_ERR(rc, MPI_ERR_SPAWN, "MPI_Comm_spawn", "baton-no-such-command' not found");
            CHECK(errs[0] == MPI_ERR_SPAWN && errs[1] == MPI_ERR_SPAWN,
                  "errcodes %d %d, expected MPI_ERR_SPAWN", errs[0], errs[1]);
        } else {
            CHECK_ERR(rc, MPI_ERR_SPAWN, "MPI_Comm_spawn", NULL);
        }
        CHECK(inter == MPI_COMM_NULL, "a failed spawn gave an intercommunicator");
    }
    {
        /* a file without any x bit (the test's own source would do; make one) */
        char plain[64] = "/tmp/baton-not-exec-XXXXXX";
        int fd = -1, rc;
        if (rank == 0)
            CHECK((fd = mkstemp(plain)) >= 0, "mkstemp");
        rc = MPI_Comm_spawn(plain, MPI_ARGV_NULL, 1, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter,
                            errs);
        if (rank == 0) {
            close(fd);
            unlink(plain);
        }
        if (rank == 0)
            CHECK_ERR(rc, MPI_ERR_SPAWN, "MPI_Comm_spawn", "not executable");
        else
            CHECK_ERR(rc, MPI_ERR_SPAWN, "MPI_Comm_spawn", NULL);
    }
    {
        int rc = MPI_Comm_spawn(argv[0], MPI_ARGV_NULL, 3, MPI_INFO_NULL, 0, MPI_COMM_WORLD,
                                &inter, MPI_ERRCODES_IGNORE);
        if (rank == 0)
            CHECK_ERR(rc, MPI_ERR_SPAWN, "MPI_Comm_spawn", "more than the universe allows");
        else
            CHECK_ERR(rc, MPI_ERR_SPAWN, "MPI_Comm_spawn", NULL);
    }
    /* Info key "env" with a line that is not NAME=value, and one that would set
     * a variable of Baton's wiring. */
    {
        static const char *const bad[] = { "GOOD=1\nnot a variable", "PMI_RANK=3" };
        static const char *const says[] = { "line 'not a variable' is not NAME=value",
                                            "line 'PMI_RANK=3' is not NAME=value of a "
                                            "variable the new processes may set" };
        for (int k = 0; k < 2; k++) {
            MPI_Info info;
            int rc;
            MPI_Info_create(&info);
            MPI_Info_set(info, "env", bad[k]);
            rc = MPI_Comm_spawn(argv[0], MPI_ARGV_NULL, 1, info, 0, MPI_COMM_WORLD, &inter,
                                errs);
            MPI_Info_free(&info);
            if (rank == 0)
                CHECK_ERR(rc, MPI_ERR_SPAWN, "MPI_Comm_spawn", says[k]);
            else
                CHECK_ERR(rc, MPI_ERR_SPAWN, "MPI_Comm_spawn", NULL);
            CHECK(inter == MPI_COMM_NULL, "a refused spawn gave an intercommunicator");
        }
    }
    /* Wrong arguments at the root: an error there, and the others are not left
     * waiting for it. */
    {
        int rc = MPI_Comm_spawn(argv[0], MPI_ARGV_NULL, rank == size - 1 ? 0 : 1,
                                MPI_INFO_NULL, size - 1, MPI_COMM_WORLD, &inter, errs);
        if (rank == size - 1)
            CHECK_ERR(rc, MPI_ERR_ARG, "MPI_Comm_spawn", "maxprocs is 0");
        else
            CHECK_ERR(rc, MPI_ERR_SPAWN, "MPI_Comm_spawn", NULL);
        rc = MPI_Comm_accept(NULL, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter);
        if (rank == 0)
            CHECK_ERR(rc, MPI_ERR_ARG, "MPI_Comm_accept", "port_name is NULL");
        else
            CHECK_ERR(rc, MPI_ERR_PORT, "MPI_Comm_accept", NULL);
    }
    /* Within the universe: a child, which spawns a grandchild. */
    CHECK(MPI_Comm_spawn(argv[0], MPI_ARGV_NULL, 1, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter,
                         errs) == MPI_SUCCESS, "the spawn within the universe failed");
    if (rank == 0) {
        MPI_Recv(&v, 1, MPI_INT, 0, 2, inter, MPI_STATUS_IGNORE);
        CHECK(v == 88, "the child sent %d", v);
    }
    MPI_Comm_disconnect(&inter);
    MPI_Finalize();
    return 0;
}
