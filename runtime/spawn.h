/* What the parent prepares for the container's init.  The init is a clone
 * without CLONE_VM, so it starts with a private copy of all of this; every
 * check that can fail on bad input has already run in the parent. */
#ifndef SIE_SPAWN_H
#define SIE_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups/cgroup.h"
#include "namespaces/namespaces.h"
#include "runtime/security.h"
#include "spec/config.h"

struct sie_spawn
{
  const struct sie_config *cfg;
  const char *id;
  const char *bundle;  /* absolute */
  const char *rootfs;  /* absolute, resolved */
  const char *created; /* RFC 3339 */
  struct sie_ns_plan ns;
  struct sie_cgroup *cgroup;
  struct sie_cgroup_join cgjoin; /* the init moves itself in */
  struct sie_caps *caps;
  struct sie_seccomp_prog *seccomp;
  const char *exec_path; /* process.args[0] resolved in the container, set by init */

  int sync_fd;        /* the init's end of the sync socketpair */
  int exec_listen_fd; /* start connects here */
  int console_fd;     /* connected --console-socket, or -1 */
  int preserve_fds;   /* fds 3 .. 3+preserve_fds-1 pass to the container */
  bool no_pivot;
  bool no_new_keyring;
  bool ns_joined; /* the spawner already joined the namespaces given by path */
  sigset_t child_sigmask; /* restored right before execve */
};

/* fork() semantics through clone3: flags may carry CLONE_NEW* and
 * CLONE_PARENT; with cgroup_fd >= 0 the child is born in that v2 cgroup. */
pid_t sie_clone_fork (uint64_t flags, int cgroup_fd);

/* Clones the init (in the parent); parent_sock is closed in the child.
 * Returns the init's pid in sie's pid namespace. */
pid_t sie_spawn_init (struct sie_spawn *s, int parent_sock, sie_error_t *err);

/* The init's whole life: never returns. */
void sie_init_main (struct sie_spawn *s) __attribute__ ((noreturn));

/* Builds the OCI state JSON for hooks; pid is the init's host pid. */
int sie_spawn_state_json (const struct sie_spawn *s, const char *status, pid_t pid, char **out,
                          sie_error_t *err);

#endif
