/* The kernel's list format for CPU and NUMA node sets ("0-3,7"), as used by
 * process.execCPUAffinity and linux.memoryPolicy.nodes.  Pure: no I/O and no
 * allocation, so it is safe in the container's init after clone. */
#ifndef SIE_CPULIST_H
#define SIE_CPULIST_H

#include <sched.h>

#include "util/error.h"

/* Parses `list` into *out (cleared first).  Items are "N" or "N-M" separated
 * by commas; blanks around items and a trailing newline are tolerated; an
 * empty or blank list gives an empty set.  Numbers must be < CPU_SETSIZE.
 * Errors read `<field>: invalid cpu list "<list>": <cause>`; `what` names the
 * kind of list in that message ("cpu" or "node"). */
int sie_cpulist_parse (const char *list, const char *what, const char *field,
                       cpu_set_t *out, sie_error_t *err);

#endif
