/* files.c: write N files, read each back and verify it, on a pool of threads.
 *
 * Local file I/O mostly hits the page cache and rarely waits (unless
 * --fsync), so the threads have little waiting to overlap and their start
 * and switches can cost more than they save. The task is files_task in
 * common/blocking.c. Compare sync/files.c and async_uv/files.c. */
#include "model.h"

int files_run(struct run *run)
{
    return run_on_pool(run, files_task);
}
