/* Post-copy restore: CRIU's lazy-pages daemon fetches memory from the
 * dumping side's page server as the restored tasks fault it in. */
#ifndef SIE_LAZY_PAGES_H
#define SIE_LAZY_PAGES_H

#include <sys/types.h>

#include "runtime/checkpoint.h"
#include "util/error.h"

/* Starts `criu lazy-pages` against f->page_server in its own session (it
 * outlives a detached restore and exits once every page has arrived), and
 * waits until its socket in the work directory exists. */
pid_t sie_lazy_pages_start (const struct sie_criu_flags *f, int images_fd, int work_fd,
                            sie_error_t *err);

#endif
