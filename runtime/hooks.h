/* OCI hooks: each runs with the container state on stdin, its own args and
 * env, and an optional timeout.  Output is captured and only shown when the
 * hook fails, as runc does, so hooks never write into a container's stdio. */
#ifndef SIE_HOOKS_H
#define SIE_HOOKS_H

#include "spec/config.h"
#include "util/error.h"

/* Runs every hook of `kind` in order; the first failure stops the rest and
 * is returned as "hooks.<kind>[i] (<path>): <cause>". */
int sie_hooks_run (const struct sie_hooks *hooks, enum sie_hook_kind kind,
                   const char *state_json, sie_error_t *err);

/* poststart and poststop failures are warnings per the runtime-spec. */
void sie_hooks_run_warn (const struct sie_hooks *hooks, enum sie_hook_kind kind,
                         const char *state_json);

#endif
