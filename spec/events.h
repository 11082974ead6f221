/* runc's event JSON (types/events.go), one object per line:
 *   {"type":"stats","id":"<id>","data":{"cpu":...,"memory":...}}
 *   {"type":"oom","id":"<id>"}
 * Fields follow Go's encoding of runc's structs: the ones tagged
 * omitempty are left out when zero or empty, the others always appear.
 * intel_rdt and network_interfaces are left out: sie collects neither. */
#ifndef SIE_SPEC_EVENTS_H
#define SIE_SPEC_EVENTS_H

#include "cgroups/stats.h"
#include "util/error.h"

/* Both end with a newline.  Caller frees *out. */
int sie_stats_event_json (const char *id, const struct sie_cgroup_stats *s, char **out,
                          sie_error_t *err);
int sie_oom_event_json (const char *id, char **out, sie_error_t *err);

#endif
