#include "runtime/bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/container_state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

int
sie_bundle_load (const char *bundle_arg, struct sie_config **cfg, char **bundle_real,
                 char **rootfs, sie_error_t *err)
{
  char real[PATH_MAX];
  cleanup_free char *cfg_path = NULL, *root_path = NULL;
  const char *bundle = bundle_arg ? bundle_arg : ".";
  const struct sie_root *root;

  if (realpath (bundle, real) == NULL)
    return sie_error (err, errno, "--bundle %s", bundle);
  *bundle_real = strdup (real);
  if (*bundle_real == NULL || asprintf (&cfg_path, "%s/config.json", *bundle_real) < 0)
    return sie_error (err, ENOMEM, "config.json");
  if (sie_config_load (cfg_path, cfg, err) < 0)
    return -1;
  root = (*cfg)->root;
  if (root == NULL || root->path == NULL)
    return sie_error (err, 0, "config.json: root.path: missing");
  if (root->path[0] == '/')
    root_path = strdup (root->path);
  else if (asprintf (&root_path, "%s/%s", *bundle_real, root->path) < 0)
    root_path = NULL;
  if (root_path == NULL)
    return sie_error (err, ENOMEM, "root.path");
  if (realpath (root_path, real) == NULL)
    return sie_error (err, errno, "config.json: root.path: %s", root_path);
  *rootfs = strdup (real);
  if (*rootfs == NULL)
    return sie_error (err, ENOMEM, "root.path");
  sie_debug ("bundle %s, rootfs %s", *bundle_real, *rootfs);
  return 0;
}

int
sie_statedir_copy_config (int dirfd, const char *bundle, sie_error_t *err)
{
  cleanup_free char *data = NULL;
  cleanup_free char *cfg_path = NULL;
  size_t len;

  if (asprintf (&cfg_path, "%s/config.json", bundle) < 0)
    return sie_error (err, ENOMEM, "config.json");
  if (sie_read_file_at (AT_FDCWD, cfg_path, 16 << 20, &data, &len, err) < 0)
    return -1;
  return sie_write_file_atomic_at (dirfd, SIE_CONFIG_FILE, data, len, 0600, err);
}

int
sie_container_cgroup_setup (const struct sie_config *cfg, const char *id, int dirfd,
                            struct sie_cgroup **cg, sie_error_t *err)
{
  if (sie_cgroup_create (cfg, id, cg, err) < 0)
    return -1;
  sie_debug ("cgroup %s in %zu hierarchies", (*cg)->cgroups_path, (*cg)->n_dirs);
  if (sie_cgroup_save (*cg, dirfd, SIE_CGROUP_FILE, err) < 0)
    return -1;
  if (cfg->linux_->resources && sie_cgroup_apply_resources (*cg, cfg->linux_->resources, err) < 0)
    return -1;
  return 0;
}

int
sie_write_pid_file (const char *path, pid_t pid, sie_error_t *err)
{
  char buf[32];
  cleanup_free char *dir = strdup (path);
  char *slash = dir ? strrchr (dir, '/') : NULL;
  cleanup_close int dfd = -1;

  if (dir == NULL)
    return sie_error (err, ENOMEM, "--pid-file");
  if (slash)
    *slash = '\0';
  dfd = open (slash ? (*dir ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return sie_error (err, errno, "--pid-file %s", path);
  snprintf (buf, sizeof buf, "%d", pid);
  if (sie_write_file_atomic_at (dfd, slash ? slash + 1 : path, buf, strlen (buf), 0644, err) < 0)
    return sie_error_prefix (err, "--pid-file");
  return 0;
}
