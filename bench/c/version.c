/* Prints the first line of MPI_Get_library_version: the driver runs it on one
 * rank to check that an MPI works and to name it in the report. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0, major = 0, minor = 0;
    MPI_Init(&argc, &argv);
    MPI_Get_library_version(v, &len);
    MPI_Get_version(&major, &minor);
    v[len < MPI_MAX_LIBRARY_VERSION_STRING ? len : MPI_MAX_LIBRARY_VERSION_STRING - 1] = 0;
    char *nl = strchr(v, '\n');
    if (nl)
        *nl = 0;
    printf("%s (MPI %d.%d)\n", v, major, minor);
    MPI_Finalize();
    return 0;
}
