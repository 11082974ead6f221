/* `checkpoint`: dump a running container with CRIU, as runc does.  The
 * container stays locked throughout; CRIU freezes it through the cgroup
 * freezer, and on any failure CRIU thaws it, so it keeps running. */
#include "runtime/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "cgroups/cgroup.h"
#include "cgroups/freezer.h"
#include "runtime/criu_opts.h"
#include "runtime/query.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#define DUMP_LOG "dump.log"
#define PRE_DUMP_LOG "pre-dump.log"
#define DESCRIPTORS_FILE "descriptors.json"
#define CHECKPOINTED_FILE "checkpointed"

struct dump_ctx
{
  const struct sie_checkpoint_opts *o;
  int status_fd;
  sie_criu_notify_fn hook;
  void *hook_data;
};

/* A namespace the container joined by path is not CRIU's to dump: it is
 * named external, and restore hands CRIU the same kind of namespace. */
static int
add_external_ns (struct sie_criu_req *r, const struct sie_config *cfg, enum sie_ns_type type,
                 const char *criu_name, const char *key, sie_error_t *err)
{
  const struct sie_namespace *ns = sie_config_namespace (cfg, type);
  char ext[128];
  struct stat st;

  if (ns == NULL || ns->path == NULL)
    return 0;
  if (stat (ns->path, &st) < 0)
    return sie_error (err, errno, "linux.namespaces: %s", ns->path);
  snprintf (ext, sizeof ext, "%s[%llu]:%s", criu_name, (unsigned long long) st.st_ino, key);
  return sie_criu_add_external (r, ext, err);
}

static int
add_masked_and_devices (struct sie_criu_req *r, const struct sie_config *cfg, sie_error_t *err)
{
  const struct sie_linux *l = cfg->linux_;

  for (size_t i = 0; l && i < l->n_devices; i++)
    if (sie_criu_add_ext_mount (r, l->devices[i].path, l->devices[i].path, err) < 0)
      return -1;
  return 0;
}

/* Whether the mount with this id is one of the container's own. */
static bool
container_has_mount (pid_t pid, int mnt_id)
{
  char path[64], line[4096];
  cleanup_file FILE *f = NULL;

  snprintf (path, sizeof path, "/proc/%d/mountinfo", pid);
  f = fopen (path, "re");
  while (f && fgets (line, sizeof line, f))
    if (atoi (line) == mnt_id)
      return true;
  return false;
}

static int
fd_mnt_id (pid_t pid, int fd)
{
  char path[64], line[256];
  cleanup_file FILE *f = NULL;
  int id = -1;

  snprintf (path, sizeof path, "/proc/%d/fdinfo/%d", pid, fd);
  f = fopen (path, "re");
  while (f && fgets (line, sizeof line, f))
    if (sscanf (line, "mnt_id: %d", &id) == 1)
      break;
  return id;
}

/* CRIU's name for stdio fd `fd` of the init: a pipe by its "pipe:[ino]"
 * (runc's descriptors.json), and a file from outside the container (the
 * host's /dev/null, a log file) as an external "file[mnt:ino]", declared
 * to CRIU now and handed back at restore. */
static int
stdio_key (struct sie_criu_req *r, pid_t pid, int fd, char *key, size_t len, sie_error_t *err)
{
  char link[64];
  struct stat st;
  ssize_t n;
  int mnt;

  snprintf (link, sizeof link, "/proc/%d/fd/%d", pid, fd);
  n = readlink (link, key, len - 1);
  key[n < 0 ? 0 : n] = '\0';
  if (n <= 0 || stat (link, &st) < 0 || S_ISFIFO (st.st_mode) || S_ISSOCK (st.st_mode))
    return 0;
  mnt = fd_mnt_id (pid, fd);
  if (mnt < 0 || container_has_mount (pid, mnt))
    return 0;
  snprintf (key, len, "file[%x:%llx]", mnt, (unsigned long long) st.st_ino);
  return sie_criu_add_external (r, key, err);
}

static int
write_descriptors (struct sie_criu_req *r, pid_t pid, sie_error_t *err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len;
  int ret = 0;

  if (g == NULL)
    return sie_error (err, ENOMEM, "descriptors.json");
  yajl_gen_array_open (g);
  for (int fd = 0; fd < 3 && ret == 0; fd++)
    {
      char key[PATH_MAX];
      ret = stdio_key (r, pid, fd, key, sizeof key, err);
      yajl_gen_string (g, (const unsigned char *) key, strlen (key));
    }
  yajl_gen_array_close (g);
  yajl_gen_get_buf (g, &buf, &len);
  if (ret == 0)
    ret = sie_write_file_atomic_at (r->images_fd, DESCRIPTORS_FILE, buf, len, 0600, err);
  yajl_gen_free (g);
  return ret;
}

static int
on_notify (void *data, const char *script, pid_t pid, int fd, sie_error_t *err)
{
  struct dump_ctx *d = data;

  /* CRIU's page server is ready for a lazy restore: tell whoever waits. */
  if (strcmp (script, "status-ready") == 0 && d->status_fd >= 0)
    {
      if (sie_write_all (d->status_fd, "\0", 1) < 0)
        return sie_error (err, errno, "--status-fd %d", d->status_fd);
      close (d->status_fd);
      d->status_fd = -1;
    }
  if (d->hook)
    return d->hook (d->hook_data, script, pid, fd, err);
  if (fd >= 0)
    close (fd);
  return 0;
}

static int
check_features (const struct sie_checkpoint_opts *o, sie_error_t *err)
{
  CriuFeatures want = CRIU_FEATURES__INIT, *got = NULL;
  int ret = 0;

  if (!o->pre_dump && !o->f.lazy_pages)
    return 0;
  want.has_mem_track = want.mem_track = o->pre_dump;
  want.has_lazy_pages = want.lazy_pages = o->f.lazy_pages;
  if (sie_criu_features (&want, &got, err) < 0)
    return -1;
  if (o->pre_dump && !(got->has_mem_track && got->mem_track))
    ret = sie_error (err, 0, "--pre-dump: this kernel has no soft-dirty memory tracking "
                             "(CONFIG_MEM_SOFT_DIRTY), which iterative dumps need");
  else if (o->f.lazy_pages && !(got->has_lazy_pages && got->lazy_pages))
    ret = sie_error (err, 0, "--lazy-pages: this kernel has no usable userfaultfd");
  criu_features__free_unpacked (got, NULL);
  return ret;
}

static int
build_request (struct sie_criu_req *r, const struct sie_container_info *info,
               const struct sie_cgroup *cg, const struct sie_checkpoint_opts *o, sie_error_t *err)
{
  CriuOpts *opts = &r->opts;
  const struct sie_cgroup_dir *fz;

  if (sie_criu_req_common (r, &o->f, true, o->pre_dump ? PRE_DUMP_LOG : DUMP_LOG, err) < 0)
    return -1;
  opts->has_pid = true;
  opts->pid = info->st->pid;
  opts->root = info->st->rootfs;
  opts->has_leave_running = true;
  opts->leave_running = o->leave_running || o->pre_dump;
  opts->has_tcp_skip_in_flight = opts->tcp_skip_in_flight = o->tcp_skip_in_flight;
  opts->has_link_remap = opts->link_remap = o->link_remap;
  opts->has_orphan_pts_master = opts->orphan_pts_master = true;
  opts->parent_img = (char *) o->parent_path;
  opts->has_track_mem = opts->track_mem = o->parent_path != NULL || o->pre_dump;
  fz = sie_freezer_dir (cg, NULL);
  if (fz)
    opts->freeze_cgroup = fz->path;
  if (add_external_ns (r, info->cfg, SIE_NS_NETWORK, "net", "extRootNetNS", err) < 0
      || add_external_ns (r, info->cfg, SIE_NS_PID, "pid", "extRootPidNS", err) < 0)
    return -1;
  if (o->pre_dump)
    return 0;
  if (sie_criu_add_config_mounts (r, info->cfg, false, err) < 0
      || sie_criu_add_cgroup_mounts (r, info->cfg, cg, false, err) < 0
      || add_masked_and_devices (r, info->cfg, err) < 0)
    return -1;
  return write_descriptors (r, info->st->pid, err);
}

static int
check_state (const struct sie_container_info *info, sie_error_t *err)
{
  if (info->st == NULL || info->cfg == NULL)
    return sie_error (err, 0, "container state is incomplete (a create crashed?)");
  if (info->status != SIE_STATUS_RUNNING && info->status != SIE_STATUS_PAUSED)
    return sie_error (err, 0, "cannot checkpoint a container in the %s state (it must be running)",
                      sie_status_name (info->status));
  return 0;
}

static int
mark_checkpointed (int dirfd, const struct sie_checkpoint_opts *o, sie_error_t *err)
{
  char real[PATH_MAX];
  const char *images = o->f.image_path ? o->f.image_path : "checkpoint";

  if (realpath (images, real) == NULL)
    return sie_error (err, errno, "--image-path %s", images);
  return sie_write_file_atomic_at (dirfd, CHECKPOINTED_FILE, real, strlen (real), 0600, err);
}

int
sie_checkpoint_dump (const struct sie_container_info *info, const struct sie_checkpoint_opts *o,
                     sie_criu_notify_fn hook, void *hook_data, sie_error_t *err)
{
  cleanup_cgroup struct sie_cgroup *cg = NULL;
  struct sie_criu_req r;
  struct sie_criu c = { .pid = -1, .sk = -1 };
  struct dump_ctx d = { .o = o, .status_fd = o->status_fd, .hook = hook, .hook_data = hook_data };
  CriuReq req = CRIU_REQ__INIT;
  CriuResp *resp = NULL;
  int ret = -1;

  sie_criu_req_init (&r);
  if (sie_cgroup_load (info->dirfd, SIE_CGROUP_FILE, &cg, err) < 0)
    goto out;
  if (build_request (&r, info, cg, o, err) < 0)
    goto out;
  req.type = o->pre_dump ? CRIU_REQ_TYPE__PRE_DUMP : CRIU_REQ_TYPE__DUMP;
  req.opts = &r.opts;
  if (sie_criu_start (r.keep_fds, r.n_keep, &c, err) < 0)
    goto out;
  if (sie_criu_call (&c, &req, on_notify, &d, &resp, err) < 0)
    goto out;
  if (!resp->success)
    {
      sie_criu_failed (&r, &o->f, resp, o->pre_dump ? "criu pre-dump" : "criu dump",
                       o->pre_dump ? PRE_DUMP_LOG : DUMP_LOG, err);
      goto out;
    }
  ret = 0;
  if (o->f.print_stats && !o->pre_dump)
    ret = sie_criu_print_stats (r.work_fd, "stats-dump", err);
out:
  sie_criu_finish (&c);
  if (resp)
    criu_resp__free_unpacked (resp, NULL);
  sie_criu_req_release (&r);
  return ret;
}

int
sie_container_checkpoint (const char *root, const char *id, const struct sie_checkpoint_opts *o,
                          sie_error_t *err)
{
  cleanup_info struct sie_container_info info = { .dirfd = -1 };

  if (sie_container_info_load (root, id, true, &info, err) < 0)
    return -1;
  if (check_state (&info, err) < 0 || check_features (o, err) < 0)
    return -1;
  if (o->status_fd >= 0 && fcntl (o->status_fd, F_GETFD) < 0)
    return sie_error (err, errno, "--status-fd %d", o->status_fd);
  if (sie_checkpoint_dump (&info, o, NULL, NULL, err) < 0)
    return -1;
  sie_debug ("checkpoint done");
  if (o->leave_running || o->pre_dump)
    return 0;
  return mark_checkpointed (info.dirfd, o, err);
}
