/* Shared between the cgroups/ sources only. */
#ifndef SIE_CGROUP_INTERNAL_H
#define SIE_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroups/cgroup.h"

/* Writes `value` to <dir>/<file>.  Errors read
 * "<field>: <dir>/<file>: <strerror>[ (hint)]". */
int sie_cg_write (const char *dir, const char *file, const char *field,
                  const char *value, sie_error_t *err);
int sie_cg_writef (const char *dir, const char *file, const char *field,
                   sie_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 5, 6)));

/* Reads <dir>/<file> without the trailing newline; NULL and errno set on
 * failure. */
char *sie_cg_read (const char *dir, const char *file);

bool sie_cg_file_exists (const char *dir, const char *file);

/* The controller table: how each cgroup controller applies its part of
 * linux.resources on v1 and on v2. */
struct sie_cg_controller
{
  const char *v1;   /* controller name on v1 ("blkio"), NULL when v2 only */
  const char *v2;   /* controller name on v2 ("io"), NULL when v1 only */
  /* The first field of `res` this controller must apply (for errors), or
     NULL when it has nothing to do. */
  const char *(*wanted) (const struct sie_resources *res);
  int (*apply_v1) (const char *dir, const struct sie_resources *res, sie_error_t *err);
  int (*apply_v2) (const char *dir, const struct sie_resources *res, sie_error_t *err);
};

extern const struct sie_cg_controller sie_cg_controllers[];
extern const size_t sie_cg_n_controllers;

/* Per-version appliers (resources_v1.c, resources_v2.c). */
#define SIE_CG_APPLIERS(ver)                                                                  \
  int sie_cg_memory_##ver (const char *dir, const struct sie_resources *res, sie_error_t *err); \
  int sie_cg_cpu_##ver (const char *dir, const struct sie_resources *res, sie_error_t *err);    \
  int sie_cg_cpuset_##ver (const char *dir, const struct sie_resources *res, sie_error_t *err); \
  int sie_cg_pids_##ver (const char *dir, const struct sie_resources *res, sie_error_t *err);   \
  int sie_cg_blkio_##ver (const char *dir, const struct sie_resources *res, sie_error_t *err);  \
  int sie_cg_hugetlb_##ver (const char *dir, const struct sie_resources *res, sie_error_t *err); \
  int sie_cg_rdma_##ver (const char *dir, const struct sie_resources *res, sie_error_t *err);
SIE_CG_APPLIERS (v1)
SIE_CG_APPLIERS (v2)
int sie_cg_net_cls_v1 (const char *dir, const struct sie_resources *res, sie_error_t *err);
int sie_cg_net_prio_v1 (const char *dir, const struct sie_resources *res, sie_error_t *err);

/* Shared by v1 and v2: hugetlb.<size>.<suffix> for every hugepageLimits
 * entry, the size checked against the host's; rdma.max lines. */
int sie_cg_hugetlb_write (const char *dir, const struct sie_resources *res, const char *suffix,
                          sie_error_t *err);
int sie_cg_rdma_write (const char *dir, const struct sie_resources *res, sie_error_t *err);

/* Device rules: v1 through devices.allow/deny (devices_v1.c), v2 through
 * an eBPF program (devices_bpf.c).  Both apply the config's rules behind
 * a deny-all, then the devices every container gets. */
int sie_cg_devices_v1 (const char *dir, const struct sie_resources *res, sie_error_t *err);
int sie_cg_devices_v2 (const char *dir, const struct sie_resources *res, sie_error_t *err);

/* The device rule as the kernel's devices.allow wants it: "c 1:3 rwm". */
int sie_cg_device_rule_string (const struct sie_device_cgroup *d, size_t index, char *buf,
                               size_t size, sie_error_t *err);

struct sie_cg_default_device
{
  char type;
  int64_t major, minor; /* -1 is the wildcard */
  const char *access;
};
/* The devices every container may use, as runc's specconv.AllowedDevices. */
extern const struct sie_cg_default_device sie_cg_default_devices[];
extern const size_t sie_cg_n_default_devices;

/* Makes `controllers` (a NULL-terminated list) available to <mountpoint><rel>
 * by enabling them in cgroup.subtree_control of every ancestor, from the
 * mount root down to the parent.  With `required` false, failures are
 * ignored. */
int sie_cg_v2_enable (const char *mountpoint, const char *rel, const char *const *controllers,
                      bool required, sie_error_t *err);

/* cpu.shares → cpu.weight, blkio weight → io.weight, as runc converts. */
uint64_t sie_cg_shares_to_weight (uint64_t shares);
uint64_t sie_cg_blkio_to_io_weight (uint64_t weight);

#endif
