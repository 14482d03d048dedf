/* download.c: download N blobs to files, one at a time.
 *
 * Each blob is streamed to DIR/.blob-ID.bin.part with blocking writes and
 * renamed to blob-ID.bin only once whole and checked (download_task in
 * common/blocking.c). The disk and the network take turns: while one waits,
 * the other idles. Compare async_threads/download.c and async_uv/download.c. */
#include "model.h"

int download_run(struct run *run)
{
    return run_in_turn(run, download_task);
}
