/* The agent's listener: accepts connections on vsock (or, to test it on a
 * host, a Unix socket) and serves each one in a child process, reaping
 * every child, orphans included, since the agent is PID 1. */
#ifndef SIE_AGENT_SERVER_H
#define SIE_AGENT_SERVER_H

#include <stdbool.h>

#include "util/error.h"

#define SIE_AGENT_VSOCK_PORT 1024

struct sie_agent_options
{
  bool guest;            /* PID 1 in the VM: shutdown powers the VM off */
  unsigned port;         /* vsock port, when unix_path is NULL */
  const char *unix_path; /* serve on this Unix socket instead (host tests) */
};

/* Returns the listening socket. */
int sie_agent_listen (const struct sie_agent_options *opt, sie_error_t *err);

/* Serves until a shutdown request on a host; in the guest a shutdown never
 * returns.  Takes the signals it handles (SIGCHLD, SIGTERM) off delivery. */
int sie_agent_serve (int listen_fd, const struct sie_agent_options *opt, sie_error_t *err);

#endif
