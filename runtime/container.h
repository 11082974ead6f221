/* The container lifecycle, as the CLI drives it. */
#ifndef SIE_CONTAINER_H
#define SIE_CONTAINER_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

struct sie_create_opts
{
  const char *root;
  const char *id;
  const char *bundle;         /* NULL: the current directory */
  const char *console_socket; /* NULL: none */
  int console_fd;             /* or a connected socket (run's own pty relay), -1: none */
  const char *pid_file;       /* NULL: none */
  int preserve_fds;           /* including LISTEN_FDS */
  bool no_pivot;
  bool no_new_keyring;
  const sigset_t *child_sigmask; /* NULL: the caller's current mask */
};

/* Creates the container and leaves its process waiting before exec.
 * Returns the init's pid; on failure nothing is left behind. */
pid_t sie_container_create (const struct sie_create_opts *o, sie_error_t *err);

/* Releases a created container, reports an exec failure, runs poststart. */
int sie_container_start (const char *root, const char *id, sie_error_t *err);

/* sig > 0.  With all, every process in the container's cgroup. */
int sie_container_kill (const char *root, const char *id, int sig, bool all, sie_error_t *err);

/* Stopped or created containers; a running one needs force.  A missing
 * container is an error unless force. */
int sie_container_delete (const char *root, const char *id, bool force, sie_error_t *err);

/* The OCI state JSON of one container, runc's fields, indented. */
int sie_container_state_json (const char *root, const char *id, char **out, sie_error_t *err);

#endif
