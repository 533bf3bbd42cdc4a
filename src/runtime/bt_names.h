/* The name service (runtime/names.c): services published to ports, shared by
 * the jobs of a user on a host. MPI_SUCCESS or an error class. */
#ifndef BT_NAMES_H
#define BT_NAMES_H

#include <stddef.h>

/* MPI_ERR_SERVICE: the name is published already (by a live process), or cannot
 * be one (empty, longer than 120 characters). */
int  bt_names_publish(const char *service, const char *port);
/* MPI_ERR_SERVICE: this process has not published it. */
int  bt_names_unpublish(const char *service);
/* MPI_ERR_NAME: nobody has published it. */
int  bt_names_lookup(const char *service, char *port, size_t len);
/* MPI_Finalize: what this process left published is withdrawn. */
void bt_names_withdraw_all(void);

#endif
