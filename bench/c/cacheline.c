/* The hardware floor of a one-way message between two cores: two threads on two
 * CPUs hand one value back and forth through a pair of cache lines (each writes
 * its own, polls the other's). Plain C, no MPI. On a VM the figure depends on
 * where the host runs the two virtual CPUs (the same physical core, the same
 * cache complex or not), which can change from one hour to the next: the report
 * shows it beside the ping-pong latencies. Value: µs one way, the best of 5
 * rounds of about -t seconds each (default 0.2). */
#include "tool_common.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

static _Alignas(64) _Atomic long ping;
static _Alignas(64) _Atomic long pong;
static long rounds;

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)sched_setaffinity(0, sizeof(set), &set);
}

static void *answer(void *arg)
{
    pin(*(int *)arg);
    for (long i = 1; i <= rounds; i++) {
        while (atomic_load_explicit(&ping, memory_order_acquire) != i)
            ;
        atomic_store_explicit(&pong, i, memory_order_release);
    }
    return NULL;
}

/* One round of n exchanges; seconds one way. */
static double measure(long n, int cpu_b)
{
    pthread_t t;
    double t0;

    atomic_store(&ping, 0);
    atomic_store(&pong, 0);
    rounds = n;
    pthread_create(&t, NULL, answer, &cpu_b);
    t0 = now();
    for (long i = 1; i <= n; i++) {
        atomic_store_explicit(&ping, i, memory_order_release);
        while (atomic_load_explicit(&pong, memory_order_acquire) != i)
            ;
    }
    t0 = now() - t0;
    pthread_join(t, NULL);
    return t0 / n / 2;
}

int main(int argc, char **argv)
{
    tool_opts_t o = { .budget = 0.2 };
    if (tool_parse(&o, argc, argv, "[-t SECONDS]"))
        return 2;
    double budget = o.budget;
    cpu_set_t set;
    int cpus[2], found = 0;
    double best = 1e9, one;
    long n;

    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return 2;
    for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
        if (CPU_ISSET(c, &set))
            cpus[found++] = c;
    if (found < 2) {
        fprintf(stderr, "cacheline: needs two CPUs\n");
        return 2;
    }
    pin(cpus[0]);
    one = measure(1000, cpus[1]);
    n = (long)(budget / (2 * (one > 0 ? one : 1e-7)));
    if (n < 1000)
        n = 1000;
    for (int round = 0; round < 5; round++) {
        double t = measure(n, cpus[1]);
        if (t < best)
            best = t;
    }
    printf("{\"bench\": \"cacheline\", \"variant\": \"\", \"ranks\": 2, \"bytes\": 64, "
           "\"value\": %.6g, \"unit\": \"us\", \"iters\": %ld}\n", best * 1e6, n * 5);
    return 0;
}
