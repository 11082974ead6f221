/* CVE-2019-5736: a process inside a container could open sie's own binary
 * through /proc/<pid>/exe while sie is in its namespaces, and overwrite it
 * on the host.  Before entering any container, sie re-executes itself from
 * a sealed memfd copy: /proc/<pid>/exe then names an anonymous, immutable
 * file, and the host binary is never reachable. */
#ifndef SIE_SELFEXE_H
#define SIE_SELFEXE_H

#include "util/error.h"

/* Returns 0 when already running from a sealed copy; otherwise execs the
 * copy with the same argv and environment and only returns on error. */
int sie_ensure_sealed_self (char **argv, sie_error_t *err);

#endif
