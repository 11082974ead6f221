/* exec: a new process inside a running container, in all its namespaces
 * and its cgroup, under the same security as the container's process. */
#ifndef SIE_EXEC_H
#define SIE_EXEC_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/* What runc's exec flags change in the container's process.  Lists are
 * NULL-terminated and may be NULL. */
struct sie_exec_overrides
{
  const char *process_file; /* -p: the whole process, else the container's */
  char **args;              /* the command, when not -p */
  bool tty;
  char **env;               /* NAME=value, added or replacing */
  const char *cwd;
  const char *user;         /* "uid[:gid]" */
  char **additional_gids;
  char **caps;              /* added to the sets, as runc does */
  bool no_new_privs;
  const char *apparmor;
  const char *process_label;
  /* The caller's window when sie relays the pty (0 when none): set on the
   * pty before the process runs, so it never sees a 0x0 terminal. */
  unsigned short console_rows, console_cols;
};

struct sie_exec_opts
{
  const char *root;
  const char *id;
  struct sie_exec_overrides ov;
  const char *console_socket;
  int console_fd;     /* a connected socket for sie's own pty relay, or -1 */
  const char *pid_file;
  int preserve_fds;
  char **cgroups;     /* --cgroup: "path" or "ctrl[,ctrl]:path", relative to the container's */
  bool ignore_paused;
  bool detach;
  const sigset_t *child_sigmask;
};

/* Starts the process; returns its pid, a child of the caller. */
pid_t sie_container_exec (const struct sie_exec_opts *o, sie_error_t *err);

#endif
