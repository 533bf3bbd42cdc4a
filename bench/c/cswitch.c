/* The floor of a collective when ranks outnumber cores: two processes on one CPU
 * hand a counter back and forth through shared memory, each yielding the CPU
 * (sched_yield) until the counter is its turn, so every hand-over is one switch
 * from one process to the other. A barrier of r ranks per core needs at least
 * r - 1 such switches on each core (every rank must run once per barrier, and a
 * rank that completes a barrier can arrive at the next in the same turn): the
 * report shows the oversubscribed barriers against it. Plain C, no MPI. Value: µs
 * per switch, the best of 5 rounds of about -t seconds each (default 0.2). */
#include "tool_common.h"

#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* One round of n hand-overs each way; seconds per switch, or -1. */
static double measure(_Atomic long *turn, long n)
{
    double t0;
    pid_t pid;
    int status;

    atomic_store(turn, 0);
    pid = fork();
    if (pid < 0)
        return -1;
    t0 = now();
    for (long i = 0; i < n; i++) {
        long mine = 2 * i + (pid == 0);
        while (atomic_load_explicit(turn, memory_order_acquire) != mine)
            sched_yield();
        atomic_store_explicit(turn, mine + 1, memory_order_release);
    }
    if (pid == 0)
        _exit(0);
    t0 = now() - t0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return t0 / (2 * n);
}

int main(int argc, char **argv)
{
    tool_opts_t o = { .budget = 0.2 };
    _Atomic long *turn;
    cpu_set_t set;
    double best = 1e9, one;
    long n;

    if (tool_parse(&o, argc, argv, "[-t SECONDS]"))
        return 2;
    /* Both processes on the first CPU this one may use. */
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return 2;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set)) {
            CPU_ZERO(&set);
            CPU_SET(c, &set);
            break;
        }
    if (sched_setaffinity(0, sizeof(set), &set) != 0)
        return 2;
    turn = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (turn == MAP_FAILED)
        return 2;
    one = measure(turn, 1000);
    if (one <= 0) {
        fprintf(stderr, "cswitch: fork or wait failed\n");
        return 2;
    }
    n = (long)(o.budget / (2 * one));
    if (n < 1000)
        n = 1000;
    for (int round = 0; round < 5; round++) {
        double t = measure(turn, n);
        if (t > 0 && t < best)
            best = t;
    }
    printf("{\"bench\": \"cswitch\", \"variant\": \"\", \"ranks\": 2, \"bytes\": 0, "
           "\"value\": %.6g, \"unit\": \"us\", \"iters\": %ld}\n", best * 1e6, n * 5);
    return 0;
}
