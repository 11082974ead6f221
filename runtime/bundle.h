/* Steps create and restore share: reading the bundle, recording the
 * config in the state directory, and making the container's cgroup. */
#ifndef SIE_BUNDLE_H
#define SIE_BUNDLE_H

#include "cgroups/cgroup.h"
#include "spec/config.h"
#include "util/error.h"

/* bundle NULL: the current directory.  Outputs are the real paths of the
 * bundle and of root.path, and the parsed config; the caller frees them
 * (also on failure). */
int sie_bundle_load (const char *bundle, struct sie_config **cfg, char **bundle_real,
                     char **rootfs, sie_error_t *err);

/* delete needs the config (poststop hooks) even if the bundle is gone. */
int sie_statedir_copy_config (int dirfd, const char *bundle, sie_error_t *err);

/* Creates the cgroup, records it in the state directory and applies
 * linux.resources.  On failure *cg may be set: the caller destroys it. */
int sie_container_cgroup_setup (const struct sie_config *cfg, const char *id, int dirfd,
                                struct sie_cgroup **cg, sie_error_t *err);

/* --pid-file: written atomically (a reader never sees it half-written). */
int sie_write_pid_file (const char *path, pid_t pid, sie_error_t *err);

#endif
