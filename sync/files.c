/* files.c: write N files, read each back and verify it, one at a time.
 *
 * Local file I/O mostly hits the page cache and rarely waits (unless
 * --fsync), so here the sync model is hard to beat: concurrency has little
 * waiting to overlap. The task is files_task in common/blocking.c. Compare
 * async_threads/files.c and async_uv/files.c. */
#include "model.h"

int files_run(struct run *run)
{
    return run_in_turn(run, files_task);
}
