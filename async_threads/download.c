/* download.c: download N blobs to files on a pool of threads.
 *
 * Each thread streams its blob to DIR/.blob-ID.bin.part with blocking writes
 * and renames it to blob-ID.bin only once whole and checked (download_task
 * in common/blocking.c). While one thread waits on the network, another
 * writes to disk. Compare sync/download.c and async_uv/download.c. */
#include "model.h"

int download_run(struct run *run)
{
    return run_on_pool(run, download_task);
}
