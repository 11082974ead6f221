/* Which namespaces a container gets, and the kernel calls that make them.
 *
 * New namespaces come from clone() flags, except time: its offsets must be
 * written before the first process enters, so the spawner unshares it,
 * writes the offsets, clones, and returns to its own time namespace.
 * Joined namespaces are opened by path in the parent (before any mount
 * namespace change can hide the path) and checked to be of the right type. */
#ifndef SIE_NAMESPACES_H
#define SIE_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/config.h"
#include "util/error.h"

struct sie_ns_plan
{
  int clone_flags;                /* CLONE_NEW* for new namespaces, except time and cgroup */
  bool is_new[SIE_NS_TYPES];
  int join_fd[SIE_NS_TYPES];      /* -1 unless joined by path */
};

int sie_ns_clone_flag (enum sie_ns_type t);

/* Validates linux.namespaces against the rest of the config (mappings
 * without a user namespace, offsets without a time namespace...) and opens
 * the paths to join. */
int sie_ns_plan_build (const struct sie_config *cfg, struct sie_ns_plan *plan, sie_error_t *err);
void sie_ns_plan_close (struct sie_ns_plan *plan);

/* In the spawner, around clone(): prepare puts the next child into the
 * joined pid namespace and a new (offset) time namespace; restore brings
 * the spawner's own children back to its namespaces. */
int sie_ns_spawn_prepare (const struct sie_ns_plan *plan, const struct sie_linux *l,
                          int saved_fds[2], sie_error_t *err);
int sie_ns_spawn_restore (int saved_fds[2], sie_error_t *err);

/* In the child: setns() into every joined namespace but user and pid,
 * which the spawner handles. */
int sie_ns_join_rest (const struct sie_ns_plan *plan, sie_error_t *err);

/* From the parent: writes uid_map and gid_map of pid. */
int sie_ns_write_id_maps (pid_t pid, const struct sie_linux *l, sie_error_t *err);

#endif
