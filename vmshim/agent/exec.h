/* The exec operation: start a process and relay its stdio, signals and exit
 * status over the connection as frames (vmshim/agent/frames.h). */
#ifndef SIE_AGENT_EXEC_H
#define SIE_AGENT_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "vmshim/agent/request.h"

/* Starts req's process.  If it cannot start (no such file, bad cwd, ...)
 * returns a negative value before anything was written, so the caller
 * replies with the error.  Otherwise writes {"ok":true,"pid":N}, relays
 * until the process exits and its output is drained, ends with the exit
 * frame and returns 0 (also when the host went away and the process was
 * killed).  early holds bytes already read past the request line. */
int sie_agent_exec (int conn, const struct sie_agent_request *req, const uint8_t *early,
                    size_t early_len, sie_error_t *err);

#endif
