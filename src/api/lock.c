#include "api/bt_api.h"

int bt_api_lock(void)
{
    return bt_lock_enter();
}

void bt_api_unlock(int *taken)
{
    if (*taken)
        bt_lock_leave();
}
