/* linux.sysctl: only keys that belong to a namespace the container owns are
 * accepted (runc's rule), so a container cannot change host-wide settings. */
#ifndef SIE_SYSCTL_H
#define SIE_SYSCTL_H

#include "namespaces/namespaces.h"
#include "spec/config.h"
#include "util/error.h"

int sie_sysctl_check (const struct sie_config *cfg, const struct sie_ns_plan *plan, sie_error_t *err);
/* Writes each key under /proc/sys, after pivot_root. */
int sie_sysctl_apply (const struct sie_linux *l, sie_error_t *err);

#endif
