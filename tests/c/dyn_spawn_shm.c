/* Spawn on one host goes through shared memory (the processes' mailboxes), not
 * the network: after MPI_Comm_spawn and traffic both ways neither the parents
 * nor the children have libfabric loaded (when the parents' job is on one node;
 * across fork "hosts" the parents have the network anyway, and only the data is
 * checked). The data: from every parent to every child, 100 messages of 16 KiB
 * sent before the child receives any (more than a ring holds: the senders wait
 * for room), then messages of sizes around a frame's payload (32 KiB - 32) and a
 * rendezvous of 1 MiB + 7 bytes streamed in frames (with wrap-around of the
 * ring), each checked byte for byte; the children answer each parent. Then the
 * children end and the parents spawn again (the rings of the first children are
 * handed back and taken again), with a check over the merged communicator. The
 * second spawn passes the info key "env" (NAME=value lines, a value with spaces
 * and quotes); the children of the first must not see those variables. */
/* np: 1 2 3 */
#include "check.h"

#include <string.h>

#define NSMALL 100
#define SMALL  (16 << 10)

static int rank;

static int libfabric_loaded(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;

    if (f == NULL)
        return 0;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, "libfabric") != NULL;
    fclose(f);
    return found;
}

static unsigned char byte_at(int from, int to, int msg, size_t i)
{
    return (unsigned char)(from * 31 + to * 17 + msg * 7 + (int)(i % 251));
}

static void fill(unsigned char *b, size_t n, int from, int to, int msg)
{
    for (size_t i = 0; i < n; i++)
        b[i] = byte_at(from, to, msg, i);
}

static void verify(const unsigned char *b, size_t n, int from, int to, int msg)
{
    for (size_t i = 0; i < n; i++)
        CHECK(b[i] == byte_at(from, to, msg, i), "message %d from %d to %d: byte %zu is %d, "
              "expected %d", msg, from, to, i, b[i], byte_at(from, to, msg, i));
}

static const size_t sizes[] = { 32735, 32736, 32737, 65536 + 3, (1 << 20) + 7 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* The parents' side of one round with the children of inter. */
static void parents_round(MPI_Comm inter)
{
    int nchild;
    unsigned char *buf = malloc(NSMALL * (size_t)SMALL), *big = malloc((1 << 20) + 64);
    MPI_Request *reqs = malloc((size_t)NSMALL * sizeof(MPI_Request));

    MPI_Comm_remote_size(inter, &nchild);
    for (int c = 0; c < nchild; c++) {
        for (int m = 0; m < NSMALL; m++) {
            fill(buf + (size_t)m * SMALL, SMALL, rank, c, m);
            MPI_Isend(buf + (size_t)m * SMALL, SMALL, MPI_BYTE, c, m, inter, &reqs[m]);
        }
        /* The child receives only after it has seen this barrier-free token. */
        MPI_Send(&c, 1, MPI_INT, c, NSMALL + 1, inter);
        MPI_Waitall(NSMALL, reqs, MPI_STATUSES_IGNORE);
        for (size_t k = 0; k < NSIZES; k++) {
            fill(big, sizes[k], rank, c, 1000 + (int)k);
            MPI_Send(big, (int)sizes[k], MPI_BYTE, c, 1000 + (int)k, inter);
        }
        for (size_t k = 0; k < NSIZES; k++) {
            MPI_Recv(big, (int)sizes[k], MPI_BYTE, c, 2000 + (int)k, inter, MPI_STATUS_IGNORE);
            verify(big, sizes[k], c, rank, 2000 + (int)k);
        }
    }
    free(reqs);
    free(big);
    free(buf);
}

#define ENV_A "hello world"
#define ENV_B "it's \"quoted\" $HOME"

static void child(MPI_Comm parent, int check_lib, int with_env)
{
    int nparent, token;
    unsigned char *buf = malloc(SMALL), *big = malloc((1 << 20) + 64);
    MPI_Comm merged;
    int sum = 0, want, size, prank;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_remote_size(parent, &nparent);
    if (with_env) {
        const char *a = getenv("BT_TEST_ENV_A"), *b = getenv("BT_TEST_ENV_B");
        CHECK(a && strcmp(a, ENV_A) == 0, "child: BT_TEST_ENV_A is '%s', expected '%s'",
              a ? a : "(unset)", ENV_A);
        CHECK(b && strcmp(b, ENV_B) == 0, "child: BT_TEST_ENV_B is '%s', expected '%s'",
              b ? b : "(unset)", ENV_B);
    } else {
        CHECK(getenv("BT_TEST_ENV_A") == NULL, "child: BT_TEST_ENV_A is set without info env");
    }
    for (int p = 0; p < nparent; p++) {
        MPI_Recv(&token, 1, MPI_INT, p, NSMALL + 1, parent, MPI_STATUS_IGNORE);
        CHECK(token == rank, "child: token %d from parent %d, expected %d", token, p, rank);
        for (int m = 0; m < NSMALL; m++) {
            MPI_Recv(buf, SMALL, MPI_BYTE, p, m, parent, MPI_STATUS_IGNORE);
            verify(buf, SMALL, p, rank, m);
        }
        for (size_t k = 0; k < NSIZES; k++) {
            MPI_Status st;
            int n;
            MPI_Recv(big, (int)sizes[k], MPI_BYTE, p, 1000 + (int)k, parent, &st);
            MPI_Get_count(&st, MPI_BYTE, &n);
            CHECK(n == (int)sizes[k], "child: %d bytes from parent %d, expected %zu", n, p,
                  sizes[k]);
            verify(big, sizes[k], p, rank, 1000 + (int)k);
        }
        for (size_t k = 0; k < NSIZES; k++) {
            fill(big, sizes[k], rank, p, 2000 + (int)k);
            MPI_Send(big, (int)sizes[k], MPI_BYTE, p, 2000 + (int)k, parent);
        }
    }
    MPI_Intercomm_merge(parent, 1, &merged);
    MPI_Comm_rank(merged, &prank);
    MPI_Allreduce(&prank, &sum, 1, MPI_INT, MPI_SUM, merged);
    want = (nparent + size) * (nparent + size - 1) / 2;
    CHECK(sum == want, "child: allreduce over the merged communicator gave %d, expected %d", sum,
          want);
    if (check_lib)
        CHECK(!libfabric_loaded(), "child %d: libfabric is loaded, but every process is on "
              "this host", rank);
    MPI_Comm_free(&merged);
    MPI_Comm_disconnect(&parent);
    free(big);
    free(buf);
}

int main(int argc, char **argv)
{
    MPI_Comm parent, inter, merged, node;
    int size, nodesize, one_node;

    MPI_Init(&argc, &argv);
    MPI_Comm_get_parent(&parent);
    if (parent != MPI_COMM_NULL) {
        child(parent, argc > 1 && strcmp(argv[1], "one-node") == 0,
              argc > 2 && strcmp(argv[2], "env") == 0);
        MPI_Finalize();
        return 0;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &nodesize);
    MPI_Comm_free(&node);
    one_node = nodesize == size;
    for (int round = 0; round < 2; round++) {
        char *args[] = { one_node ? "one-node" : "net", round ? "env" : "noenv", NULL };
        int n = round == 0 ? 2 : 3, sum = 0, want, mrank;
        MPI_Info info = MPI_INFO_NULL;

        if (round == 1) {
            MPI_Info_create(&info);
            MPI_Info_set(info, "env", "BT_TEST_ENV_A=" ENV_A "\n\nBT_TEST_ENV_B=" ENV_B "\n");
        }
        MPI_Comm_spawn(argv[0], args, n, info, size - 1, MPI_COMM_WORLD, &inter,
                       MPI_ERRCODES_IGNORE);
        if (info != MPI_INFO_NULL)
            MPI_Info_free(&info);
        parents_round(inter);
        MPI_Intercomm_merge(inter, 0, &merged);
        MPI_Comm_rank(merged, &mrank);
        MPI_Allreduce(&mrank, &sum, 1, MPI_INT, MPI_SUM, merged);
        want = (size + n) * (size + n - 1) / 2;
        CHECK(sum == want, "round %d: allreduce over the merged communicator gave %d, expected "
              "%d", round, sum, want);
        MPI_Comm_free(&merged);
        MPI_Comm_disconnect(&inter);
    }
    if (one_node)
        CHECK(!libfabric_loaded(), "parent %d: libfabric is loaded, but every process is on "
              "this host", rank);
    MPI_Finalize();
    return 0;
}
