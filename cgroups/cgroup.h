/* cgroup placement on v1, v2 and hybrid hosts.
 *
 * The host layout is read once per process from /proc/self/mountinfo and
 * /proc/self/cgroup: every mounted hierarchy (v1 controllers, named v1
 * hierarchies such as name=systemd, and the cgroup2 mount) is one
 * sie_cgroup_hierarchy.  A container gets one directory per hierarchy. */
#ifndef SIE_CGROUP_H
#define SIE_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "spec/config.h"
#include "util/error.h"

enum sie_cgroup_mode
{
  SIE_CGROUP_V1,     /* only v1 hierarchies (a cgroup2 mount may exist but owns nothing) */
  SIE_CGROUP_V2,     /* pure unified hierarchy */
  SIE_CGROUP_HYBRID, /* v1 controllers plus a cgroup2 mount that owns some */
};

struct sie_cgroup_hierarchy
{
  char *mountpoint;  /* "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified" */
  char *controllers; /* v1: "cpu,cpuacct" / "name=systemd"; v2: the enabled
                        controllers of the mount root, space separated */
  bool v2;
  char *own_path;    /* this process's cgroup in the hierarchy, "/" based */
};

struct sie_cgroup_layout
{
  enum sie_cgroup_mode mode;
  struct sie_cgroup_hierarchy *h;
  size_t n;
};

/* Detected on first call and cached for the life of the process. */
int sie_cgroup_layout_get (const struct sie_cgroup_layout **out, sie_error_t *err);
const char *sie_cgroup_mode_name (enum sie_cgroup_mode m); /* "v1", "v2", "hybrid" */

/* One container's cgroup: an absolute directory per hierarchy. */
struct sie_cgroup_dir
{
  char *hierarchy; /* mountpoint of the hierarchy */
  char *path;      /* absolute directory, under hierarchy */
  bool v2;
  bool created;    /* sie made it, so sie may remove it */
  unsigned created_levels; /* how many trailing components of path sie made
                              (the leaf, and parents such as "sie/");
                              created == (created_levels > 0) */
};

struct sie_cgroup
{
  char *cgroups_path; /* cgroupsPath as resolved: "/a/b" when absolute, else
                         relative to each hierarchy's own cgroup ("<id>" by default) */
  struct sie_cgroup_dir *dirs;
  size_t n_dirs;
};

/* Resolves cgroupsPath as runc's cgroupfs driver does: absolute paths are
 * taken from each hierarchy's root; relative ones are placed under this
 * process's own cgroup; absent means "<own cgroup>/<id>" as runc.
 * Creates every missing directory (recording which ones), and on failure
 * removes what it created.  A `systemd` style "slice:prefix:name" path is
 * rejected with a clear error. */
int sie_cgroup_create (const struct sie_config *cfg, const char *id,
                       struct sie_cgroup **out, sie_error_t *err);

/* Applies linux.resources (res may be NULL: the device rules still apply:
 * deny-all plus the default devices, as runc does).  Fields the host cannot
 * apply are an error that names the field and the file. */
int sie_cgroup_apply_resources (const struct sie_cgroup *cg,
                                const struct sie_resources *res, sie_error_t *err);

/* Moves pid into every directory of the cgroup. */
int sie_cgroup_enter (const struct sie_cgroup *cg, pid_t pid, sie_error_t *err);

/* Joining without the global lock.  Writing a pid to cgroup.procs takes
 * cgroup_threadgroup_rwsem for writing, which waits out an RCU grace
 * period (~10 ms per container here).  A single-threaded process that
 * moves itself by writing "0" to a v1 `tasks` file skips that lock, and
 * clone3(CLONE_INTO_CGROUP) places a child in the v2 cgroup at birth.
 * The parent opens the files (the kernel checks the opener's credentials,
 * so the child may already be in a user namespace); the child writes. */
struct sie_cgroup_join
{
  int *task_fds; /* v1 <dir>/tasks, O_WRONLY */
  size_t n_task_fds;
  int v2_dirfd;  /* for CLONE_INTO_CGROUP, or -1 */
};

int sie_cgroup_join_prepare (const struct sie_cgroup *cg, struct sie_cgroup_join *j,
                             sie_error_t *err);
/* In the new process: moves itself into every v1 directory. */
int sie_cgroup_join_self (struct sie_cgroup_join *j, sie_error_t *err);
void sie_cgroup_join_close (struct sie_cgroup_join *j);

/* Kills every process left in the cgroup (SIGKILL, waits until empty) and
 * removes the directories sie created, deepest first, including
 * sub-cgroups made inside them.  Directories sie did not create are left;
 * their processes are killed too, except in a hierarchy root or in the
 * calling process's own cgroup or an ancestor of it.  Idempotent. */
int sie_cgroup_destroy (const struct sie_cgroup *cg, sie_error_t *err);

/* Lists pids in the container's cgroup, sub-cgroups included (from the
 * pids, memory or freezer hierarchy, else cgroup2). Caller frees *pids. */
int sie_cgroup_pids (const struct sie_cgroup *cg, pid_t **pids, size_t *n, sie_error_t *err);

/* Serialization for the state directory: one line per dir,
 * "<created_levels> <v2 0|1> <hierarchy> <path>", first line the cgroups_path;
 * space, tab, newline and backslash are written as octal escapes (\040).
 * save replaces `name` atomically (write to a temporary, rename). */
int sie_cgroup_save (const struct sie_cgroup *cg, int dirfd, const char *name, sie_error_t *err);
int sie_cgroup_load (int dirfd, const char *name, struct sie_cgroup **out, sie_error_t *err);

void sie_cgroup_free (struct sie_cgroup *cg);

static inline void
sie_cgroup_freep (struct sie_cgroup **cg)
{
  sie_cgroup_free (*cg);
}
#define cleanup_cgroup __attribute__ ((cleanup (sie_cgroup_freep)))

/* The processes of the cgroup directory dir, and with recurse of every
 * cgroup below it; a missing directory has none.  *pids grows (free it). */
int sie_cgroup_dir_pids (const char *dir, bool recurse, pid_t **pids, size_t *n, sie_error_t *err);

#endif
