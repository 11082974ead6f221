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

/* ---- pause, resume, ps (runtime/pause.c) ---- */

/* Freezes a running or created container (runc's rule) and waits until
 * every process is frozen; a paused one is an error.  A freeze that does
 * not complete in time is undone. */
int sie_container_pause (const char *root, const char *id, sie_error_t *err);

/* Thaws a paused container; any other state is an error. */
int sie_container_resume (const char *root, const char *id, sie_error_t *err);

/* Thaws the cgroup of the container whose state directory is dirfd, when
 * it is frozen.  A task frozen by the v1 freezer acts on SIGKILL only
 * once thawed, so kill and delete --force call this right after sending
 * SIGKILL to a paused container, as runc. */
int sie_container_thaw_if_frozen (int dirfd, sie_error_t *err);

/* The pids in the container's cgroup, sub-cgroups included, for `ps`.
 * A stopped container is an error.  The caller frees *pids. */
int sie_container_pids (const char *root, const char *id, pid_t **pids, size_t *n,
                        sie_error_t *err);

/* ---- end pause, resume, ps ---- */

#endif
