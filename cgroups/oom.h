/* OOM notification for a container's memory cgroup, where the memory
 * controller is mounted: on v1 an eventfd registered through
 * cgroup.event_control on memory.oom_control; on v2 inotify on
 * memory.events, whose oom_kill counter tells a kill from the other
 * changes of that file. */
#ifndef SIE_CGROUP_OOM_H
#define SIE_CGROUP_OOM_H

#include <stdbool.h>

#include "cgroups/cgroup.h"
#include "util/error.h"

struct sie_oom_watch;

/* Starts watching.  *out is NULL (and 0 is returned) when no hierarchy
 * has the memory controller: there is nothing to watch. */
int sie_oom_watch_open (const struct sie_cgroup *cg, struct sie_oom_watch **out,
                        sie_error_t *err);

/* Becomes readable (POLLIN) when something may have happened. */
int sie_oom_watch_fd (const struct sie_oom_watch *w);

/* Consumes what is pending, without blocking; *oom is true when the
 * cgroup went out of memory since the last call (or since open).  A
 * removed cgroup is not an OOM. */
int sie_oom_watch_check (struct sie_oom_watch *w, bool *oom, sie_error_t *err);

void sie_oom_watch_free (struct sie_oom_watch *w);

#endif
