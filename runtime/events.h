/* `events`: a container's stats and OOM notifications as runc's JSON
 * event lines on standard output. */
#ifndef SIE_RUNTIME_EVENTS_H
#define SIE_RUNTIME_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

struct sie_events_opts
{
  bool stats_only;      /* print one stats event and return */
  uint64_t interval_ns; /* else a stats event every interval, > 0 */
};

/* Without stats_only, runs until the container's init exits (then
 * returns 0), or until SIGINT or SIGTERM.  A stopped or missing container
 * is an error. */
int sie_container_events (const char *root, const char *id, const struct sie_events_opts *o,
                          sie_error_t *err);

/* A Go duration, as runc's --interval takes it: "5s", "500ms", "1m30s",
 * "1.5h", "300us"; units ns, us (µs), ms, s, m, h. */
int sie_duration_parse (const char *s, uint64_t *ns, sie_error_t *err);

#endif
