/* The big lock of MPI_THREAD_MULTIPLE: a futex word (0 free, 1 held, 2 held and a
 * thread may sleep on it) and a per-thread depth for recursion (an error handler
 * or a user reduction may call MPI from inside MPI). Uncontended, taking and
 * dropping it is one compare-and-swap and one exchange; a waiting holder can see
 * that another thread wants it (bt_lock_contended) and hand it over. */
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"

#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>

static _Atomic uint32_t bt_lock_word;
/* initial-exec: every MPI call reads it, and the general TLS model costs a call
 * to __tls_get_addr each time (4 bytes fit the static TLS that glibc keeps for
 * libraries opened later, as Python opens ours). */
static __thread int bt_lock_depth __attribute__((tls_model("initial-exec")));

static void bt_lock_acquire(void)
{
    uint32_t c = 0;

    if (atomic_compare_exchange_strong(&bt_lock_word, &c, 1))
        return;
    /* Held briefly in the common case: poll a little before sleeping. */
    for (int i = 0; i < 200; i++) {
        bt_cpu_relax();
        c = 0;
        if (atomic_load_explicit(&bt_lock_word, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_strong(&bt_lock_word, &c, 1))
            return;
    }
    c = atomic_exchange(&bt_lock_word, 2);
    while (c != 0) {
        bt_futex(&bt_lock_word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 2, NULL);
        c = atomic_exchange(&bt_lock_word, 2);
    }
}

static void bt_lock_release(void)
{
    if (atomic_exchange(&bt_lock_word, 0) == 2)
        bt_futex(&bt_lock_word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL);
}

int bt_lock_enter(void)
{
    if (!bt_rt.thread_multiple)
        return 0;
    if (bt_lock_depth++ == 0)
        bt_lock_acquire();
    return 1;
}

void bt_lock_leave(void)
{
    if (--bt_lock_depth == 0)
        bt_lock_release();
}

int bt_lock_release_all(void)
{
    int depth = bt_lock_depth;

    if (depth) {
        bt_lock_depth = 0;
        bt_lock_release();
    }
    return depth;
}

void bt_lock_restore(int depth)
{
    if (depth) {
        bt_lock_acquire();
        bt_lock_depth = depth;
    }
}

int bt_lock_contended(void)
{
    return atomic_load_explicit(&bt_lock_word, memory_order_relaxed) == 2;
}

void bt_lock_hand_over(void)
{
    int depth = bt_lock_release_all();

    /* Wait until a waiting thread has taken it, or a while: retaking it at once
     * would beat the thread just woken every time. */
    for (int i = 0; i < 2000 && atomic_load_explicit(&bt_lock_word, memory_order_relaxed) == 0;
         i++)
        if (i % 16 == 15)
            sched_yield();
        else
            bt_cpu_relax();
    bt_lock_restore(depth);
}
