/* Memory per rank and shared memory per node, read from /proc by each rank
 * and gathered to rank 0, at two points:
 *   "init"     after MPI_Init and a barrier (a hello program);
 *   "allpairs" after every rank has exchanged a 64-byte message with every
 *              other rank (what all-pairs structures cost when all are used).
 * Per rank: VmHWM (peak resident set, shared pages included), RssAnon,
 * ru_maxrss, Pss (resident set with shared pages divided among their users).
 * Shared memory: the sum over ranks of the Pss of the rank's shared mappings
 * ("s" in /proc/self/smaps: memfd, /dev/shm or /tmp files, SysV segments)
 * counts every resident shared page of the node once; also the largest
 * mapped size of shared mappings in one rank. Linux only. */
#include "bench_common.h"
#include <sys/resource.h>

enum { M_HWM, M_ANON, M_MAXRSS, M_PSS, M_SHM_PSS, M_SHM_RSS, M_SHM_SIZE, M_N };

static double status_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double v = -1;
    size_t k = strlen(key);
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, k) == 0 && line[k] == ':') {
            v = atof(line + k + 1);
            break;
        }
    fclose(f);
    return v;
}

/* Proportional resident set: shared pages divided among their users. */
static double rollup_pss_kib(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    double v = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "Pss:", 4) == 0) {
            v = atof(line + 4);
            break;
        }
    fclose(f);
    return v;
}

static void smaps_shared(double *pss, double *rss, double *size)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[1024];
    int shared = 0;
    *pss = *rss = *size = 0;
    if (!f) { *pss = *rss = *size = -1; return; }
    while (fgets(line, sizeof line, f)) {
        char perms[8];
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && strlen(perms) == 4) {
            shared = perms[3] == 's';
            continue;
        }
        if (!shared) continue;
        if (strncmp(line, "Size:", 5) == 0) *size += atof(line + 5);
        else if (strncmp(line, "Rss:", 4) == 0) *rss += atof(line + 4);
        else if (strncmp(line, "Pss:", 4) == 0) *pss += atof(line + 4);
    }
    fclose(f);
}

static void report(const char *phase, int rank, int size)
{
    double m[M_N], *all = NULL;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    m[M_HWM] = status_kib("VmHWM");
    m[M_ANON] = status_kib("RssAnon");
    m[M_MAXRSS] = (double)ru.ru_maxrss;
    m[M_PSS] = rollup_pss_kib();
    smaps_shared(&m[M_SHM_PSS], &m[M_SHM_RSS], &m[M_SHM_SIZE]);
    if (rank == 0)
        all = malloc(sizeof(double) * M_N * (size_t)size);
    MPI_Gather(m, M_N, MPI_DOUBLE, all, M_N, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank != 0)
        return;
    double sum[M_N] = {0}, max[M_N] = {0};
    for (int r = 0; r < size; r++)
        for (int k = 0; k < M_N; k++) {
            double v = all[r * M_N + k];
            sum[k] += v;
            if (v > max[k]) max[k] = v;
        }
    printf("{\"bench\": \"mem\", \"variant\": \"%s\", \"ranks\": %d, \"bytes\": 0, "
           "\"value\": %.1f, \"unit\": \"KiB\", "
           "\"hwm_kib_mean\": %.1f, \"hwm_kib_max\": %.1f, \"anon_kib_mean\": %.1f, "
           "\"maxrss_kib_mean\": %.1f, \"pss_kib_mean\": %.1f, "
           "\"shm_pss_kib_total\": %.1f, \"shm_rss_kib_max\": %.1f, "
           "\"shm_size_kib_max\": %.1f}\n",
           phase, size, sum[M_HWM] / size, sum[M_HWM] / size, max[M_HWM], sum[M_ANON] / size,
           sum[M_MAXRSS] / size, sum[M_PSS] / size, sum[M_SHM_PSS], max[M_SHM_RSS],
           max[M_SHM_SIZE]);
    fflush(stdout);
    free(all);
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    MPI_Barrier(MPI_COMM_WORLD);
    report("init", rank, size);

    char *sbuf = bench_alloc(64, 'a');
    char *rbuf = bench_alloc(64 * (size_t)size, 0);
    MPI_Request *req = malloc(sizeof(MPI_Request) * 2 * (size_t)size);
    int n = 0;
    for (int k = 1; k < size; k++) {
        int from = (rank - k + size) % size;
        MPI_Irecv(rbuf + 64 * (size_t)from, 64, MPI_CHAR, from, 7, MPI_COMM_WORLD, &req[n++]);
    }
    for (int k = 1; k < size; k++)
        MPI_Isend(sbuf, 64, MPI_CHAR, (rank + k) % size, 7, MPI_COMM_WORLD, &req[n++]);
    MPI_Waitall(n, req, MPI_STATUSES_IGNORE);
    MPI_Barrier(MPI_COMM_WORLD);
    report("allpairs", rank, size);

    free(req);
    free(sbuf);
    free(rbuf);
    MPI_Finalize();
    return 0;
}
