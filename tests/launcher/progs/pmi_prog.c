/* A rank for the launcher tests, built on the PMI client alone (no libmpi):
 *   pmi_prog MODE [args...]
 * Every failure prints "FAIL rank R: what" on stderr and exits 99. */
#include "bt_pmi.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bt_pmi_info_t info;

static void fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "FAIL rank %d: ", info.rank);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(99);
}

static void init(void)
{
    if (bt_pmi_init(&info) != 0)
        fail("bt_pmi_init");
}

static void finalize(void)
{
    if (bt_pmi_finalize() != 0)
        fail("bt_pmi_finalize");
}

static void fence(void)
{
    if (bt_pmi_fence() != 0)
        fail("bt_pmi_fence");
}

/* Every rank puts a value per round, fences, and checks everyone's. */
static int mode_exchange(int rounds)
{
    char key[64], want[320], got[1100];

    init();
    for (int round = 0; round < rounds; round++) {
        snprintf(key, sizeof(key), "r%d-k%d", round, info.rank);
        snprintf(want, sizeof(want), "v%d-%d-%s", round, info.rank, info.kvsname);
        if (bt_pmi_put(key, want) != 0)
            fail("put %s", key);
        fence();
        for (int r = 0; r < info.size; r++) {
            snprintf(key, sizeof(key), "r%d-k%d", round, r);
            snprintf(want, sizeof(want), "v%d-%d-%s", round, r, info.kvsname);
            if (bt_pmi_get(r, key, got, sizeof(got)) != 0)
                fail("get %s", key);
            if (strcmp(got, want) != 0)
                fail("key %s: got '%s', want '%s'", key, got, want);
        }
    }
    /* a key nobody put */
    if (bt_pmi_get(0, "nobody-put-this", got, sizeof(got)) != 1 || got[0] != '\0')
        fail("get of a missing key did not answer 'not found'");
    /* the longest value the launcher accepts */
    {
        size_t max = bt_pmi_value_max();
        char *big = malloc(max + 1);
        memset(big, 'a' + info.rank % 26, max);
        big[max] = '\0';
        snprintf(key, sizeof(key), "big%d", info.rank);
        if (bt_pmi_put(key, big) != 0)
            fail("put of %zu characters", max);
        fence();
        snprintf(key, sizeof(key), "big%d", (info.rank + 1) % info.size);
        char *back = malloc(max + 1);
        if (bt_pmi_get((info.rank + 1) % info.size, key, back, max + 1) != 0 ||
            strlen(back) != max || back[0] != 'a' + (info.rank + 1) % info.size % 26)
            fail("long value of rank %d", (info.rank + 1) % info.size);
        free(back);
        free(big);
    }
    finalize();
    printf("ok rank %d of %d local %d/%d\n", info.rank, info.size, info.local_rank,
           info.local_size);
    return 0;
}

static int mode_info(void)
{
    init();
    printf("rank=%d size=%d local_rank=%d local_size=%d singleton=%d appnum=%d "
           "universe=%d kvsname=%s\n", info.rank, info.size, info.local_rank,
           info.local_size, info.singleton, info.appnum, info.universe_size,
           info.kvsname);
    if (info.singleton) {
        char v[64];
        if (bt_pmi_put("k", "v1") != 0 || bt_pmi_fence() != 0 ||
            bt_pmi_get(0, "k", v, sizeof(v)) != 0 || strcmp(v, "v1") != 0)
            fail("singleton put/get");
        if (bt_pmi_get(0, "other", v, sizeof(v)) != 1)
            fail("singleton get of a missing key");
    }
    finalize();
    return 0;
}

/* The victim rank misbehaves after init; the others wait in a fence. */
static int mode_victim(const char *how, int victim, int code)
{
    init();
    printf("pid %d rank %d\n", (int)getpid(), info.rank);
    fflush(stdout);
    if (info.rank != victim) {
        fence();
        /* not reached unless the victim fences too */
        finalize();
        return 0;
    }
    if (strcmp(how, "exit") == 0)
        exit(code);
    if (strcmp(how, "kill") == 0) {
        usleep(100 * 1000);
        raise(SIGKILL);
    }
    if (strcmp(how, "abort") == 0 || strcmp(how, "error") == 0) {
        fprintf(stderr, "rank %d aborting\n", info.rank);
        bt_pmi_abort(code, "test abort", strcmp(how, "error") == 0);
        _exit(code);
    }
    if (strcmp(how, "skip") == 0) {
        /* exits cleanly without joining the fence the others wait in */
        finalize();
        return 0;
    }
    fail("unknown victim mode %s", how);
    return 1;
}

/* All ranks fence; then the victim exits 0 without finalizing. */
static int mode_nofinalize(int victim)
{
    init();
    fence();
    if (info.rank == victim)
        return 0;
    finalize();
    return 0;
}

static int mode_sleep(int ignore_term)
{
    init();
    if (ignore_term)
        signal(SIGTERM, SIG_IGN);
    fence();
    printf("pid %d rank %d\n", (int)getpid(), info.rank);
    fflush(stdout);
    sleep(60);
    finalize();
    return 0;
}

static volatile sig_atomic_t sigints;

static void on_sigint(int sig)
{
    (void)sig;
    sigints++;
}

/* Counts SIGINTs: a Ctrl-C must reach each rank once, not twice. */
static int mode_count_int(void)
{
    struct sigaction sa = { .sa_handler = on_sigint };

    init();
    sigaction(SIGINT, &sa, NULL);
    fence();
    printf("pid %d rank %d\n", (int)getpid(), info.rank);
    fflush(stdout);
    while (sigints == 0)
        pause();
    usleep(300 * 1000); /* time for a second one to arrive */
    printf("rank %d got %d SIGINT\n", info.rank, (int)sigints);
    fflush(stdout);
    finalize();
    return 0;
}

/* Reads stdin to EOF; prints the byte count and its Adler-32. */
static int mode_stdin(void)
{
    unsigned long long count = 0;
    unsigned long a = 1, b = 0;
    unsigned char buf[65536];
    ssize_t n;

    init();
    while ((n = read(0, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            a = (a + buf[i]) % 65521;
            b = (b + a) % 65521;
        }
        count += (unsigned long long)n;
    }
    finalize();
    printf("rank %d read %llu bytes adler32 %lu\n", info.rank, count, (b << 16) | a);
    return 0;
}

/* Many lines of varied length, through stdio's full buffering, so that
 * lines cross the pipe in pieces. */
static int mode_spam(int nlines, int maxlen)
{
    char *payload = malloc((size_t)maxlen + 1);

    init();
    memset(payload, 'a' + info.rank % 26, (size_t)maxlen);
    for (int i = 0; i < nlines; i++) {
        int len = (i * 37 + info.rank * 11) % maxlen + 1;
        printf("%d:%d:%.*s\n", info.rank, i, len, payload);
    }
    fflush(stdout);
    finalize();
    free(payload);
    return 0;
}

static int mode_env(int argc, char **argv)
{
    init();
    for (int i = 0; i < argc; i++) {
        const char *v = getenv(argv[i]);
        printf("rank %d %s=%s\n", info.rank, argv[i], v != NULL ? v : "(unset)");
    }
    finalize();
    return 0;
}

/* What a rank learns about the job from the launcher: the process mapping,
 * the job key (baton_job_key, a job attribute that no rank may put), and
 * the environment variables of its host. */
static int mode_jobinfo(void)
{
    char map[1100], key[128];
    int put;

    init();
    if (bt_pmi_get_job_attr("PMI_process_mapping", map, sizeof(map)) != 0)
        strcpy(map, "(none)");
    if (bt_pmi_get_job_attr("baton_job_key", key, sizeof(key)) != 0)
        strcpy(key, "(none)");
    put = bt_pmi_put("baton_job_key", "0000");
    fence();
    printf("rank=%d local=%s/%s net=%s jobid=%s map=%s key=%s put=%d\n", info.rank,
           getenv("MPI_LOCALRANKID"), getenv("MPI_LOCALNRANKS"),
           getenv("BATON_NET_ADDR") ? getenv("BATON_NET_ADDR") : "(unset)",
           getenv("BATON_JOBID"), map, key, put);
    finalize();
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";

    setvbuf(stdout, NULL, _IOFBF, 4096);
    if (strcmp(mode, "exchange") == 0)
        return mode_exchange(argc > 2 ? atoi(argv[2]) : 1);
    if (strcmp(mode, "info") == 0)
        return mode_info();
    if (strcmp(mode, "victim") == 0 && argc > 4)
        return mode_victim(argv[2], atoi(argv[3]), atoi(argv[4]));
    if (strcmp(mode, "nofinalize") == 0 && argc > 2)
        return mode_nofinalize(atoi(argv[2]));
    if (strcmp(mode, "sleep") == 0)
        return mode_sleep(argc > 2 && strcmp(argv[2], "ignore-term") == 0);
    if (strcmp(mode, "count-int") == 0)
        return mode_count_int();
    if (strcmp(mode, "stdin") == 0)
        return mode_stdin();
    if (strcmp(mode, "spam") == 0 && argc > 3)
        return mode_spam(atoi(argv[2]), atoi(argv[3]));
    if (strcmp(mode, "env") == 0)
        return mode_env(argc - 2, argv + 2);
    if (strcmp(mode, "jobinfo") == 0)
        return mode_jobinfo();
    fprintf(stderr, "usage: pmi_prog exchange|info|victim|nofinalize|sleep|stdin|"
            "spam|env|count-int|jobinfo ...\n");
    return 2;
}
