/* Signalling a recorded process without pid-reuse races: a pidfd is taken,
 * then the start time is re-checked, so the signal can only reach the
 * process that sie started. */
#ifndef SIE_SIGNAL_PROC_H
#define SIE_SIGNAL_PROC_H

#include <stdbool.h>

#include "runtime/container_state.h"
#include "util/error.h"

/* Returns a pidfd for st->pid, or -1 with errno ESRCH when it is gone. */
int sie_pidfd_for_state (const struct sie_container_state *st);

int sie_signal_init (const struct sie_container_state *st, int sig, sie_error_t *err);

/* SIGKILL and wait (bounded) until the process has exited. */
int sie_kill_and_wait (const struct sie_container_state *st, sie_error_t *err);

#endif
