/* `update` and `partition`: changing a live container's resources, with the
 * change recorded in its state directory and undone when a part fails. */
#ifndef SIE_RUNTIME_UPDATE_H
#define SIE_RUNTIME_UPDATE_H

#include "cgroups/readback.h"
#include "spec/config.h"
#include "util/error.h"

/* The container's effective linux.resources after its last update.  create
 * does not write it: until the first update, the saved config.json's
 * linux.resources are in effect. */
#define SIE_RESOURCES_FILE "resources.json"

struct sie_update
{
  /* The values to change; a field left unset keeps its value.  As with
     runc, 0 means "unchanged" for memory limit, reservation and swap, cpu
     shares, quota, period and the realtime pair, blockIO weight and pids
     limit.  Fields runc's update ignores (device rules, hugepageLimits,
     network, rdma, swappiness, ...) are dropped with a warning. */
  const struct sie_resources *res;
  enum sie_cg_cpuset_mode cpuset_mode;
};

/* Applies `u` to the cgroup of a created, running or paused container and
 * writes the merged result to <state>/resources.json.  On failure the
 * cgroup and resources.json are as they were. */
int sie_container_update (const char *root, const char *id, const struct sie_update *u,
                          sie_error_t *err);

/* The effective resources: resources.json, else config's linux.resources
 * (cfg may be NULL), else an empty object. */
int sie_container_resources (int dirfd, const struct sie_config *cfg, struct sie_resources **out,
                             sie_error_t *err);

/* The partition view of a created, running or paused container, read from
 * its cgroup files.  Release with sie_cg_partition_clear. */
int sie_container_partition (const char *root, const char *id, struct sie_cg_partition *p,
                             sie_error_t *err);

#endif
