/* Events: a rendezvous send starting and a message arriving before its receive.
 * The protocol checks one counter per event (bt_tool_ev_active) and builds the
 * event's data only when someone registered for it. Callbacks run inside the
 * progress engine with the big lock held, so the context asks for
 * MPI_T_CB_REQUIRE_MPI_RESTRICTED: of a registration's callbacks the least
 * demanding one that promises at least that runs; a registration without one
 * drops the event and its dropped handler says so. */
#include "tools/bt_mpit.h"

#include <stddef.h>
#include <time.h>

int bt_tool_ev_active[BT_EV_COUNT];

static MPI_T_event_registration bt_regs;

const bt_event_desc_t bt_event_descs[BT_EV_COUNT] = {
    [BT_EV_RNDV_START] = { "rndv_send_start",
                           "a send too large to go eager starts the rendezvous protocol: "
                           "destination rank (in the communicator), tag, bytes" },
    [BT_EV_UNEXPECTED] = { "unexpected_arrival",
                           "a message arrived before any matching receive was posted: "
                           "source rank (in the communicator), tag, bytes" },
};

const MPI_Aint bt_event_displs[BT_EVENT_NELEMS] = {
    offsetof(bt_tool_msg_event_t, peer), offsetof(bt_tool_msg_event_t, tag),
    offsetof(bt_tool_msg_event_t, bytes) };
const size_t bt_event_sizes[BT_EVENT_NELEMS] = { sizeof(int), sizeof(int),
                                                 sizeof(unsigned long long) };

MPI_Datatype bt_event_type(int element)
{
    return element == 2 ? MPI_UNSIGNED_LONG_LONG : MPI_INT;
}

int bt_event_cb_level(MPI_T_cb_safety safety)
{
    switch (safety) {
    case MPI_T_CB_REQUIRE_NONE:              return 0;
    case MPI_T_CB_REQUIRE_MPI_RESTRICTED:    return 1;
    case MPI_T_CB_REQUIRE_THREAD_SAFE:       return 2;
    case MPI_T_CB_REQUIRE_ASYNC_SIGNAL_SAFE: return 3;
    }
    return -1;
}

static const MPI_T_cb_safety bt_cb_safety[BT_CB_LEVELS] = {
    MPI_T_CB_REQUIRE_NONE, MPI_T_CB_REQUIRE_MPI_RESTRICTED, MPI_T_CB_REQUIRE_THREAD_SAFE,
    MPI_T_CB_REQUIRE_ASYNC_SIGNAL_SAFE };

MPI_Count bt_event_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (MPI_Count)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void bt_tool_event_fire(int event, const void *data)
{
    struct MPI_ABI_T_event_instance inst = { event, bt_event_now(), data };
    MPI_T_event_registration r, next;

    for (r = bt_regs; r; r = next) {
        int level;
        next = r->next;   /* a callback may free its own registration */
        if (r->event != event)
            continue;
        for (level = 1; level < BT_CB_LEVELS && !r->cb[level]; level++)
            ;
        if (level == BT_CB_LEVELS) {
            r->dropped++;
            if (r->dropped_cb) {
                MPI_Count n = r->dropped;
                r->dropped = 0;
                r->dropped_cb(n, r, 0, bt_cb_safety[1], r->cb_data[0]);
            }
            continue;
        }
        r->cb[level](&inst, r, bt_cb_safety[1], r->cb_data[level]);
    }
}

MPI_T_event_registration bt_event_reg_new(int event)
{
    MPI_T_event_registration r = bt_calloc(1, sizeof(*r));

    r->event = event;
    r->next = bt_regs;
    bt_regs = r;
    bt_tool_ev_active[event]++;
    return r;
}

int bt_event_reg_ok(MPI_T_event_registration r)
{
    for (MPI_T_event_registration p = bt_regs; p; p = p->next)
        if (p == r)
            return 1;
    return 0;
}

void bt_event_reg_free(MPI_T_event_registration r)
{
    for (MPI_T_event_registration *link = &bt_regs; *link; link = &(*link)->next) {
        if (*link == r) {
            *link = r->next;
            bt_tool_ev_active[r->event]--;
            free(r);
            return;
        }
    }
}

void bt_event_close(void)
{
    while (bt_regs)
        bt_event_reg_free(bt_regs);
}
