/* Partitioned communication: MPI_Psend_init, MPI_Precv_init, MPI_Pready(_range,
 * _list), MPI_Parrived. */
#include "api/bt_api.h"
#include "pt2pt/bt_pt2pt.h"

static int bt_part_init_common(const char *call, int send, const void *buf, int partitions,
                               MPI_Count count, MPI_Datatype datatype, int peer, int tag,
                               MPI_Comm h, MPI_Request *request)
{
    bt_comm_t *comm;
    bt_datatype_t *dt;
    int rc;

    if ((rc = bt_check_comm(call, h, &comm)))
        return rc;
    if (partitions < 1)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "partitions is %d, must be at least 1",
                           partitions);
    /* The whole buffer is checked: partitions * count elements. */
    if ((rc = bt_check_buffer(call, comm, buf, count < 0 ? count : (MPI_Count)partitions * count,
                              datatype, "", &dt)) ||
        (rc = bt_check_rank(call, comm, peer, send ? "dest" : "source", 0)) ||
        (rc = bt_check_tag(call, comm, tag, 0)))
        return rc;
    if (!request)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "request is NULL");
    *request = (MPI_Request)bt_part_init(send, (void *)buf, partitions, count, dt, peer, tag,
                                         comm);
    return MPI_SUCCESS;
}

int PMPI_Psend_init(const void *buf, int partitions, MPI_Count count, MPI_Datatype datatype,
                    int dest, int tag, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Psend_init");
    return bt_part_init_common("MPI_Psend_init", 1, buf, partitions, count, datatype, dest,
                               tag, comm, request);
}

int PMPI_Precv_init(void *buf, int partitions, MPI_Count count, MPI_Datatype datatype,
                    int source, int tag, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Precv_init");
    return bt_part_init_common("MPI_Precv_init", 0, buf, partitions, count, datatype, source,
                               tag, comm, request);
}

/* The request of a Pready or Parrived: a partitioned one of the right side, active. */
static int bt_part_request(const char *call, MPI_Request h, int want, bt_request_t **req_p)
{
    bt_request_t *r = (bt_request_t *)h;

    if (h == MPI_REQUEST_NULL || BT_HANDLE_IS_PREDEFINED(h) || r->magic != BT_REQUEST_MAGIC)
        return bt_err_comm(NULL, MPI_ERR_REQUEST, call, "invalid request%s",
                           h == MPI_REQUEST_NULL ? " (MPI_REQUEST_NULL)" : "");
    if (bt_part_kind(r) != want)
        return bt_err_comm(r->comm, MPI_ERR_REQUEST, call, "request is not a partitioned %s "
                           "(from %s)", want == 1 ? "send" : "receive",
                           want == 1 ? "MPI_Psend_init" : "MPI_Precv_init");
    if (!r->active)
        return bt_err_comm(r->comm, MPI_ERR_REQUEST, call, "request is not active (start it "
                           "with MPI_Start first)");
    *req_p = r;
    return MPI_SUCCESS;
}

static int bt_pready_one(const char *call, bt_request_t *r, int partition)
{
    int n = bt_part_partitions(r);

    if (partition < 0 || partition >= n)
        return bt_err_comm(r->comm, MPI_ERR_ARG, call, "partition %d is out of range (the "
                           "request has %d, 0 to %d)", partition, n, n - 1);
    if (bt_part_ready(r, partition) != MPI_SUCCESS)
        return bt_err_comm(r->comm, MPI_ERR_ARG, call, "partition %d is already marked ready "
                           "in this round", partition);
    return MPI_SUCCESS;
}

int PMPI_Pready(int partition, MPI_Request request)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Pready");
    bt_request_t *r = NULL;
    int rc;

    if ((rc = bt_part_request("MPI_Pready", request, 1, &r)))
        return rc;
    rc = bt_pready_one("MPI_Pready", r, partition);
    bt_part_flush(r);
    return rc;
}

int PMPI_Pready_range(int partition_low, int partition_high, MPI_Request request)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Pready_range");
    bt_request_t *r = NULL;
    int rc;

    if ((rc = bt_part_request("MPI_Pready_range", request, 1, &r)))
        return rc;
    if (partition_low > partition_high)
        return bt_err_comm(r->comm, MPI_ERR_ARG, "MPI_Pready_range", "partition_low (%d) is "
                           "above partition_high (%d)", partition_low, partition_high);
    /* What was marked before a bad partition leaves all the same: it is ready. */
    for (int p = partition_low; p <= partition_high && !rc; p++)
        rc = bt_pready_one("MPI_Pready_range", r, p);
    bt_part_flush(r);
    return rc;
}

int PMPI_Pready_list(int length, const int array_of_partitions[], MPI_Request request)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Pready_list");
    bt_request_t *r = NULL;
    int rc;

    if ((rc = bt_part_request("MPI_Pready_list", request, 1, &r)))
        return rc;
    if (length < 0 || (length > 0 && !array_of_partitions))
        return bt_err_comm(r->comm, MPI_ERR_ARG, "MPI_Pready_list", length < 0 ?
                           "length is negative" : "array_of_partitions is NULL");
    for (int i = 0; i < length && !rc; i++)
        rc = bt_pready_one("MPI_Pready_list", r, array_of_partitions[i]);
    bt_part_flush(r);
    return rc;
}

int PMPI_Parrived(MPI_Request request, int partition, int *flag)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Parrived");
    bt_request_t *r = NULL;
    int rc, n;

    if ((rc = bt_part_request("MPI_Parrived", request, 2, &r)))
        return rc;
    n = bt_part_partitions(r);
    if (partition < 0 || partition >= n)
        return bt_err_comm(r->comm, MPI_ERR_ARG, "MPI_Parrived", "partition %d is out of range "
                           "(the request has %d, 0 to %d)", partition, n, n - 1);
    if (!flag)
        return bt_err_comm(r->comm, MPI_ERR_ARG, "MPI_Parrived", "flag is NULL");
    *flag = bt_part_arrived(r, partition);
    return MPI_SUCCESS;
}
