#include "runtime/bt_runtime.h"

static pthread_mutex_t bt_big_lock;
static pthread_once_t bt_big_lock_once = PTHREAD_ONCE_INIT;
static __thread int bt_lock_depth;

static void bt_lock_create(void)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    /* Recursive: an error handler or a user reduction may call MPI from inside MPI. */
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&bt_big_lock, &attr);
    pthread_mutexattr_destroy(&attr);
}

int bt_lock_enter(void)
{
    if (!bt_rt.thread_multiple)
        return 0;
    pthread_once(&bt_big_lock_once, bt_lock_create);
    pthread_mutex_lock(&bt_big_lock);
    bt_lock_depth++;
    return 1;
}

void bt_lock_leave(void)
{
    bt_lock_depth--;
    pthread_mutex_unlock(&bt_big_lock);
}

int bt_lock_release_all(void)
{
    int depth = bt_lock_depth;
    for (int i = 0; i < depth; i++)
        pthread_mutex_unlock(&bt_big_lock);
    bt_lock_depth = 0;
    return depth;
}

void bt_lock_restore(int depth)
{
    for (int i = 0; i < depth; i++)
        pthread_mutex_lock(&bt_big_lock);
    bt_lock_depth = depth;
}
