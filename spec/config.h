/* The OCI runtime-spec 1.2 configuration, Linux subset, as typed C structs.
 *
 * Conventions:
 *  - Optional scalars use the sie_opt_* wrappers: `.set` tells whether the
 *    field was present, so "absent" and "zero" stay distinct.
 *  - Strings are NUL-terminated heap copies, NULL when absent.
 *  - Arrays are a pointer plus a `n_` count; string lists are also
 *    NULL-terminated so they can be passed to execve directly.
 *  - Maps (annotations, sysctl, unified, netDevices, rdma) are arrays of
 *    key/value pairs in document order.
 * The whole tree is owned by struct sie_config and freed by
 * sie_config_free(). */
#ifndef SIE_SPEC_CONFIG_H
#define SIE_SPEC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef struct { bool set; int64_t v; } sie_opt_i64;
typedef struct { bool set; uint64_t v; } sie_opt_u64;
typedef struct { bool set; bool v; } sie_opt_bool;

struct sie_kv
{
  char *key;
  char *value;
};

/* ---- process ---- */

struct sie_rlimit
{
  char *type; /* "RLIMIT_NOFILE" ... */
  uint64_t hard;
  uint64_t soft;
};

struct sie_capabilities
{
  /* Each list NULL-terminated; NULL means the set was absent. */
  char **bounding;
  char **effective;
  char **inheritable;
  char **permitted;
  char **ambient;
};

struct sie_user
{
  uint32_t uid;
  uint32_t gid;
  sie_opt_u64 umask;
  uint32_t *additional_gids;
  size_t n_additional_gids;
};

struct sie_scheduler
{
  char *policy; /* "SCHED_OTHER" ...; required when scheduler is present */
  sie_opt_i64 nice;
  sie_opt_i64 priority;
  char **flags; /* "SCHED_FLAG_RESET_ON_FORK" ... */
  sie_opt_u64 runtime;
  sie_opt_u64 deadline;
  sie_opt_u64 period;
};

struct sie_io_priority
{
  char *class; /* "IOPRIO_CLASS_RT" | "IOPRIO_CLASS_BE" | "IOPRIO_CLASS_IDLE" */
  int64_t priority;
};

struct sie_exec_cpu_affinity
{
  char *initial; /* cpu list, "0-3,7" */
  char *final;
};

struct sie_process
{
  bool terminal;
  bool has_console_size;
  uint32_t console_height;
  uint32_t console_width;
  struct sie_user user;
  char **args; /* NULL-terminated */
  size_t n_args;
  char **env; /* NULL-terminated */
  size_t n_env;
  char *cwd;
  struct sie_capabilities *capabilities; /* NULL when absent */
  struct sie_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  char *apparmor_profile;
  sie_opt_i64 oom_score_adj;
  char *selinux_label;
  struct sie_scheduler *scheduler;     /* NULL when absent */
  struct sie_io_priority *io_priority; /* NULL when absent */
  struct sie_exec_cpu_affinity *exec_cpu_affinity;
};

/* ---- root, mounts, hooks ---- */

struct sie_root
{
  char *path;
  bool readonly;
};

struct sie_id_mapping
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct sie_mount
{
  char *destination;
  char *type;   /* may be NULL (bind mounts) */
  char *source; /* may be NULL */
  char **options; /* NULL-terminated, may be NULL */
  size_t n_options;
  struct sie_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct sie_id_mapping *gid_mappings;
  size_t n_gid_mappings;
};

struct sie_hook
{
  char *path;
  char **args; /* NULL-terminated, may be NULL */
  size_t n_args;
  char **env;  /* NULL-terminated, may be NULL */
  size_t n_env;
  sie_opt_i64 timeout; /* seconds, > 0 when set */
};

enum sie_hook_kind
{
  SIE_HOOK_PRESTART,
  SIE_HOOK_CREATE_RUNTIME,
  SIE_HOOK_CREATE_CONTAINER,
  SIE_HOOK_START_CONTAINER,
  SIE_HOOK_POSTSTART,
  SIE_HOOK_POSTSTOP,
  SIE_HOOK_KINDS
};

struct sie_hooks
{
  struct sie_hook *hooks[SIE_HOOK_KINDS];
  size_t n_hooks[SIE_HOOK_KINDS];
};

/* ---- linux ---- */

enum sie_ns_type
{
  SIE_NS_PID,
  SIE_NS_NETWORK,
  SIE_NS_MOUNT,
  SIE_NS_IPC,
  SIE_NS_UTS,
  SIE_NS_USER,
  SIE_NS_CGROUP,
  SIE_NS_TIME,
  SIE_NS_TYPES
};

struct sie_namespace
{
  enum sie_ns_type type;
  char *path; /* NULL: create a new one */
};

struct sie_time_offset
{
  bool set;
  int64_t secs;
  uint32_t nanosecs;
};

struct sie_device
{
  char type; /* 'c', 'u', 'b', 'p' */
  char *path;
  int64_t major;
  int64_t minor;
  sie_opt_u64 file_mode;
  sie_opt_u64 uid;
  sie_opt_u64 gid;
};

struct sie_device_cgroup
{
  bool allow;
  char type; /* 'a', 'c', 'b', or 0 when absent (means 'a') */
  sie_opt_i64 major; /* absent means wildcard */
  sie_opt_i64 minor;
  char *access;      /* "rwm" subset, NULL means "rwm" */
};

struct sie_memory
{
  sie_opt_i64 limit;
  sie_opt_i64 reservation;
  sie_opt_i64 swap;
  sie_opt_i64 kernel;
  sie_opt_i64 kernel_tcp;
  sie_opt_u64 swappiness;
  sie_opt_bool disable_oom_killer;
  sie_opt_bool use_hierarchy;
  sie_opt_bool check_before_update;
};

struct sie_cpu
{
  sie_opt_u64 shares;
  sie_opt_i64 quota;
  sie_opt_u64 burst;
  sie_opt_u64 period;
  sie_opt_i64 realtime_runtime;
  sie_opt_u64 realtime_period;
  char *cpus;
  char *mems;
  sie_opt_i64 idle;
};

struct sie_weight_device
{
  int64_t major;
  int64_t minor;
  sie_opt_u64 weight;
  sie_opt_u64 leaf_weight;
};

struct sie_throttle_device
{
  int64_t major;
  int64_t minor;
  uint64_t rate;
};

struct sie_block_io
{
  sie_opt_u64 weight;
  sie_opt_u64 leaf_weight;
  struct sie_weight_device *weight_device;
  size_t n_weight_device;
  struct sie_throttle_device *throttle_read_bps;
  size_t n_throttle_read_bps;
  struct sie_throttle_device *throttle_write_bps;
  size_t n_throttle_write_bps;
  struct sie_throttle_device *throttle_read_iops;
  size_t n_throttle_read_iops;
  struct sie_throttle_device *throttle_write_iops;
  size_t n_throttle_write_iops;
};

struct sie_hugepage_limit
{
  char *page_size; /* "2MB", "1GB" */
  uint64_t limit;
};

struct sie_net_priority
{
  char *name;
  uint32_t priority;
};

struct sie_network
{
  sie_opt_u64 class_id;
  struct sie_net_priority *priorities;
  size_t n_priorities;
};

struct sie_rdma
{
  char *device;
  sie_opt_u64 hca_handles;
  sie_opt_u64 hca_objects;
};

struct sie_resources
{
  struct sie_device_cgroup *devices;
  size_t n_devices;
  struct sie_memory *memory;       /* NULL when absent */
  struct sie_cpu *cpu;             /* NULL when absent */
  sie_opt_i64 pids_limit;          /* linux.resources.pids.limit */
  struct sie_block_io *block_io;   /* NULL when absent */
  struct sie_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  struct sie_network *network;     /* NULL when absent */
  struct sie_rdma *rdma;
  size_t n_rdma;
  struct sie_kv *unified;
  size_t n_unified;
};

struct sie_seccomp_arg
{
  uint32_t index;
  uint64_t value;
  uint64_t value_two;
  char *op; /* "SCMP_CMP_EQ" ... */
};

struct sie_seccomp_syscall
{
  char **names; /* NULL-terminated */
  size_t n_names;
  char *action; /* "SCMP_ACT_ERRNO" ... */
  sie_opt_u64 errno_ret;
  struct sie_seccomp_arg *args;
  size_t n_args;
};

struct sie_seccomp
{
  char *default_action;
  sie_opt_u64 default_errno_ret;
  char **architectures; /* NULL-terminated, may be NULL */
  size_t n_architectures;
  char **flags;
  size_t n_flags;
  char *listener_path;
  char *listener_metadata;
  struct sie_seccomp_syscall *syscalls;
  size_t n_syscalls;
};

struct sie_personality
{
  char *domain; /* "LINUX" | "LINUX32" */
  char **flags;
  size_t n_flags;
};

struct sie_intel_rdt
{
  char *clos_id;
  char *l3_cache_schema;
  char *mem_bw_schema;
  bool enable_cmt;
  bool enable_mbm;
};

struct sie_memory_policy
{
  char *mode;  /* "MPOL_DEFAULT" ... */
  char *nodes; /* "0-3,7" */
  char **flags;
  size_t n_flags;
};

struct sie_net_device
{
  char *host_name; /* the key in linux.netDevices */
  char *name;      /* the name inside the container; NULL keeps host_name */
};

struct sie_linux
{
  struct sie_namespace *namespaces;
  size_t n_namespaces;
  struct sie_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct sie_id_mapping *gid_mappings;
  size_t n_gid_mappings;
  struct sie_time_offset time_monotonic;
  struct sie_time_offset time_boottime;
  struct sie_device *devices;
  size_t n_devices;
  char *cgroups_path;
  struct sie_resources *resources; /* NULL when absent */
  char *rootfs_propagation;
  struct sie_seccomp *seccomp;     /* NULL when absent */
  struct sie_kv *sysctl;
  size_t n_sysctl;
  char **masked_paths;
  size_t n_masked_paths;
  char **readonly_paths;
  size_t n_readonly_paths;
  char *mount_label;
  struct sie_personality *personality;
  struct sie_intel_rdt *intel_rdt;
  struct sie_memory_policy *memory_policy;
  struct sie_net_device *net_devices;
  size_t n_net_devices;
};

struct sie_config
{
  char *oci_version;
  struct sie_process *process; /* NULL when absent (allowed for create only by spec; sie requires it) */
  struct sie_root *root;       /* NULL when absent */
  char *hostname;
  char *domainname;
  struct sie_mount *mounts;
  size_t n_mounts;
  struct sie_hooks hooks;
  struct sie_kv *annotations;
  size_t n_annotations;
  struct sie_linux *linux_; /* NULL when absent */
};

/* Parses a config.json document.  `origin` names the document in errors
 * ("config.json").  Errors read "<origin>: <json.path>: <cause>" or, for
 * syntax errors, "<origin>: line L, column C: <cause>". */
int sie_config_parse (const char *json, size_t len, const char *origin,
                      struct sie_config **out, sie_error_t *err);

/* Reads and parses <bundle>/config.json. */
int sie_config_load (const char *path, struct sie_config **out, sie_error_t *err);

void sie_config_free (struct sie_config *c);

/* Parses a process.json (the "process" object alone), as `exec -p` takes. */
int sie_process_parse (const char *json, size_t len, const char *origin,
                       struct sie_process **out, sie_error_t *err);
void sie_process_free (struct sie_process *p);

/* process.env: the value of NAME, or NULL; appending a formatted
 * "NAME=value" entry keeps the list NULL-terminated. */
const char *sie_process_env_get (const struct sie_process *p, const char *name);
int sie_process_env_append (struct sie_process *p, sie_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Convenience lookups. */
const char *sie_config_annotation (const struct sie_config *c, const char *key);
const struct sie_namespace *sie_config_namespace (const struct sie_config *c,
                                                  enum sie_ns_type type);
/* A bind mount: type "bind", or a bind/rbind option (runc's rule). */
bool sie_mount_is_bind (const struct sie_mount *m);
const char *sie_ns_type_name (enum sie_ns_type type);  /* "pid", "network", ... */
const char *sie_hook_kind_name (enum sie_hook_kind k); /* "prestart", ... */

static inline void
sie_config_freep (struct sie_config **c)
{
  sie_config_free (*c);
}
#define cleanup_config __attribute__ ((cleanup (sie_config_freep)))

/* ---- linux.resources on its own (spec/resources_io.c) ----
 * runc's resources.json for `update -r`, the effective resources a
 * container records after an update, and the memory sizes update's flags
 * take. */

/* Parses a linux.resources object by itself; errors read
 * "<origin>: <path>: <cause>" with the path inside the object. */
int sie_resources_parse (const char *json, size_t len, const char *origin,
                         struct sie_resources **out, sie_error_t *err);

/* Writes `r` (NULL: an empty object) as a linux.resources object, every
 * field it sets and nothing else; indent NULL gives one line. */
int sie_resources_json (const struct sie_resources *r, const char *indent, char **out,
                        sie_error_t *err);

/* A deep copy; NULL copies as an empty object. */
int sie_resources_dup (const struct sie_resources *r, struct sie_resources **out,
                       sie_error_t *err);

/* Every memory, cpu, pids and blockIO weight field that `src` sets replaces
 * the one in `dst`; the rest of dst stays.  Lists (devices, throttles,
 * hugepageLimits, network, rdma, unified) are not merged. */
int sie_resources_merge (struct sie_resources *dst, const struct sie_resources *src,
                         sie_error_t *err);

void sie_resources_free (struct sie_resources *r);

/* A memory size as runc's update flags read it (docker's RAMInBytes):
 * digits with an optional fraction, an optional space, then an optional
 * k, m, g, t or p (powers of 1024), optional "i" and "b", in any case
 * ("512m", "1.5GiB", "4096"); "-1" is -1 (unlimited).  Returns -1 with
 * errno EINVAL (not a size) or ERANGE (past INT64_MAX). */
int sie_ram_size_parse (const char *s, int64_t *out);

static inline void
sie_resources_freep (struct sie_resources **r)
{
  sie_resources_free (*r);
}
#define cleanup_resources __attribute__ ((cleanup (sie_resources_freep)))

#endif
