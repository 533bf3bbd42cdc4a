#include "api/bt_api.h"
#include "pt2pt/bt_diag.h"

bt_api_scope_t bt_api_enter(const char *fn)
{
    bt_api_scope_t scope = { .taken = bt_lock_enter(), .prev = bt_api_call };

    bt_api_call = fn;
    return scope;
}

void bt_api_leave(bt_api_scope_t *scope)
{
    bt_api_call = scope->prev;
    if (scope->taken)
        bt_lock_leave();
}
