/* `restore`: bring a container back from CRIU images under an ID (the
 * old one or a new one), in a cgroup made for it, as runc does.  CRIU runs
 * inside that cgroup and is told it is the root (cg_root), so the restored
 * tasks land there.  Any failure unwinds to nothing. */
#include "runtime/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "cgroups/cgroup.h"
#include "netns/netns.h"
#include "runtime/bundle.h"
#include "runtime/container.h"
#include "runtime/container_state.h"
#include "runtime/criu_opts.h"
#include "runtime/hooks.h"
#include "runtime/lazy_pages.h"
#include "runtime/query.h"
#include "runtime/rootfs.h"
#include "runtime/rootfs_internal.h"
#include "runtime/statedir.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "spec/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#define RESTORE_LOG "restore.log"
#define CRIU_ROOT "criu-root"

struct restore_ctx
{
  const char *root;
  const char *id;
  const struct sie_restore_opts *o;
  struct sie_config *cfg;
  char *bundle;
  char *rootfs;
  char *criu_root; /* the rootfs bound here while CRIU restores */
  char created[64];
  int dirfd;
  int console_fd;
  struct sie_cgroup *cg;
  struct sie_criu_req req;
  struct sie_criu criu;
  pid_t lazy_pid;
  pid_t pid;
};

static int
save_state (struct restore_ctx *c, bool ready, sie_error_t *err)
{
  struct sie_container_state st = {
    .id = (char *) c->id, .pid = c->pid, .bundle = c->bundle, .rootfs = c->rootfs,
    .created = c->created, .owner = "", .ready = ready,
  };
  if (c->pid > 0 && sie_proc_stat (c->pid, &st.pid_start, NULL) < 0)
    return sie_error (err, 0, "the restored init exited at once");
  return sie_state_save (c->dirfd, &st, err);
}

static int
state_json (const struct restore_ctx *c, const char *status, char **out, sie_error_t *err)
{
  struct sie_oci_state st = {
    .oci_version = c->cfg->oci_version, .id = c->id, .status = status, .pid = c->pid,
    .bundle = c->bundle, .annotations = c->cfg->annotations,
    .n_annotations = c->cfg->n_annotations,
  };
  return sie_oci_state_json (&st, 0, 0, out, err);
}

/* A container that was checkpointed (and so stopped) under this ID is
 * replaced; any other existing container is an error. */
static int
replace_checkpointed (const char *root, const char *id, sie_error_t *err)
{
  struct sie_container_info info = { .dirfd = -1 };
  sie_error_t probe = NULL;
  bool checkpointed;

  if (sie_container_info_load (root, id, false, &info, &probe) < 0)
    {
      sie_error_release (&probe);
      return 0;
    }
  checkpointed = info.status == SIE_STATUS_STOPPED && faccessat (info.dirfd, "checkpointed", F_OK, 0) == 0;
  sie_container_info_release (&info);
  if (!checkpointed)
    return sie_error (err, EEXIST, "container %s", id);
  return sie_container_delete (root, id, true, err);
}

static int
check_images (const struct sie_restore_opts *o, sie_error_t *err)
{
  const char *images = o->f.image_path ? o->f.image_path : "checkpoint";
  char path[PATH_MAX];

  snprintf (path, sizeof path, "%s/inventory.img", images);
  if (access (path, R_OK) < 0)
    return sie_error (err, errno == ENOENT ? 0 : errno,
                      "--image-path %s: not a CRIU image directory (no inventory.img)", images);
  return 0;
}

static int
validate (struct restore_ctx *c, sie_error_t *err)
{
  const struct sie_process *p = c->cfg->process;

  if (p == NULL || p->n_args == 0)
    return sie_error (err, 0, "config.json: process.args: missing");
  if (c->cfg->linux_ == NULL)
    return sie_error (err, 0, "config.json: linux: missing");
  if (p->terminal && c->o->console_socket == NULL)
    return sie_error (err, 0, "process.terminal needs --console-socket to hand over the restored pty");
  if (!p->terminal && c->o->console_socket)
    return sie_error (err, 0, "--console-socket: process.terminal is false, there is no pty to send");
  return check_images (c->o, err);
}

/* CRIU mounts binds onto targets that must exist; a rootfs that came from
 * elsewhere (podman's --import) may lack those create made (runc's
 * prepareCriuRestoreMounts).  Made inside the rootfs, never following a
 * symlink out of it. */
static int
make_mount_targets (struct restore_ctx *c, sie_error_t *err)
{
  cleanup_close int rootfd = open (c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (rootfd < 0)
    return sie_error (err, errno, "open %s", c->rootfs);
  for (size_t i = 0; i < c->cfg->n_mounts; i++)
    {
      const struct sie_mount *m = &c->cfg->mounts[i];
      struct stat st;
      int fd;

      if (!sie_mount_is_bind (m) || m->source == NULL || stat (m->source, &st) < 0)
        continue;
      fd = sie_target_in_root (rootfd, m->destination, S_ISDIR (st.st_mode), false, err);
      if (fd < 0)
        return sie_error_prefix (err, "mounts: %s", m->destination);
      close (fd);
    }
  return 0;
}

/* CRIU pivots into the root it is given, so it must be a mount point. */
static int
bind_root (struct restore_ctx *c, sie_error_t *err)
{
  if (asprintf (&c->criu_root, "%s/%s/%s", c->root, c->id, CRIU_ROOT) < 0)
    return sie_error (err, ENOMEM, "criu root");
  if (mkdirat (c->dirfd, CRIU_ROOT, 0700) < 0)
    return sie_error (err, errno, "mkdir %s", c->criu_root);
  if (mount (c->rootfs, c->criu_root, NULL, MS_BIND | MS_REC, NULL) < 0)
    return sie_error (err, errno, "bind %s on %s", c->rootfs, c->criu_root);
  return 0;
}

static void
unbind_root (struct restore_ctx *c)
{
  if (c->criu_root == NULL)
    return;
  umount2 (c->criu_root, MNT_DETACH);
  unlinkat (c->dirfd, CRIU_ROOT, AT_REMOVEDIR);
  free (c->criu_root);
  c->criu_root = NULL;
}

static int
add_external_ns (struct restore_ctx *c, enum sie_ns_type type, const char *key, sie_error_t *err)
{
  const struct sie_namespace *ns = sie_config_namespace (c->cfg, type);
  int fd;

  if (ns == NULL || ns->path == NULL)
    return 0;
  fd = open (ns->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sie_error (err, errno, "linux.namespaces: %s", ns->path);
  if (sie_criu_add_inherit_fd (&c->req, key, fd, err) < 0)
    {
      close (fd);
      return -1;
    }
  return 0;
}

/* The outer end's name on this host: short enough for IFNAMSIZ, and the
 * same for the same container and device, so a retry finds its own. */
static void
veth_outer_name (const char *id, const char *inner, char *buf, size_t size)
{
  uint32_t h = 2166136261u; /* FNV-1a */

  for (const char *p = id; *p; p++)
    h = (h ^ (unsigned char) *p) * 16777619u;
  h = (h ^ '/') * 16777619u;
  for (const char *p = inner; *p; p++)
    h = (h ^ (unsigned char) *p) * 16777619u;
  snprintf (buf, size, "sie%08x", h);
}

static int
add_veths (struct restore_ctx *c, sie_error_t *err)
{
  for (size_t i = 0; i < c->o->n_veths; i++)
    {
      char outer[IFNAMSIZ], ext[128];

      veth_outer_name (c->id, c->o->veths[i], outer, sizeof outer);
      snprintf (ext, sizeof ext, "veth[%s]:%s@%s", c->o->veths[i], outer, c->o->veth_bridge);
      if (sie_criu_add_external (&c->req, ext, err) < 0)
        return -1;
    }
  return 0;
}

/* The init's stdio pipes, and files from outside the container, are the
 * caller's to provide again: CRIU is told to use sie's own fds 0-2 in
 * their place (runc's descriptors.json). */
static int
add_stdio (struct restore_ctx *c, sie_error_t *err)
{
  cleanup_free char *data = NULL;
  char ebuf[128];
  size_t len;
  yajl_val v;
  int ret = 0;

  if (sie_read_file_at (c->req.images_fd, "descriptors.json", 1 << 16, &data, &len, NULL) < 0)
    return 0;
  v = yajl_tree_parse (data, ebuf, sizeof ebuf);
  if (v == NULL || !YAJL_IS_ARRAY (v))
    {
      yajl_tree_free (v);
      return sie_error (err, 0, "--image-path: descriptors.json does not parse");
    }
  for (size_t i = 0; i < v->u.array.len && i < 3 && ret == 0; i++)
    {
      const char *s = YAJL_GET_STRING (v->u.array.values[i]);
      if (s && (strncmp (s, "pipe:", 5) == 0 || strncmp (s, "file[", 5) == 0))
        ret = sie_criu_add_inherit_fd (&c->req, s, (int) i, err);
    }
  yajl_tree_free (v);
  return ret;
}

static int
build_request (struct restore_ctx *c, sie_error_t *err)
{
  CriuOpts *opts = &c->req.opts;
  const struct sie_linux *l = c->cfg->linux_;

  if (sie_criu_req_common (&c->req, &c->o->f, false, RESTORE_LOG, err) < 0)
    return -1;
  opts->root = c->criu_root;
  opts->has_rst_sibling = opts->rst_sibling = true;
  opts->has_evasive_devices = opts->evasive_devices = true;
  opts->has_orphan_pts_master = opts->orphan_pts_master = c->cfg->process->terminal;
  opts->has_tcp_close = opts->tcp_close = c->o->tcp_close;
  opts->lsm_profile = (char *) c->o->lsm_profile;
  opts->lsm_mount_context = (char *) c->o->lsm_mount_context;
  opts->ps = NULL; /* the page server is the lazy-pages daemon's */
  if (sie_criu_add_config_mounts (&c->req, c->cfg, true, err) < 0
      || sie_criu_add_cgroup_mounts (&c->req, c->cfg, c->cg, true, err) < 0)
    return -1;
  for (size_t i = 0; i < l->n_devices; i++)
    if (sie_criu_add_ext_mount (&c->req, l->devices[i].path, l->devices[i].path, err) < 0)
      return -1;
  if (add_external_ns (c, SIE_NS_NETWORK, "extRootNetNS", err) < 0
      || add_external_ns (c, SIE_NS_PID, "extRootPidNS", err) < 0)
    return -1;
  if (add_veths (c, err) < 0)
    return -1;
  return add_stdio (c, err);
}

/* The cgroups CRIU now sits in become the root of the restored tree. */
static int
add_cgroup_roots (struct restore_ctx *c, sie_error_t *err)
{
  cleanup_free char *text = NULL;
  char path[64], *save = NULL;
  size_t len;

  snprintf (path, sizeof path, "/proc/%d/cgroup", c->criu.pid);
  if (sie_read_file_at (AT_FDCWD, path, 1 << 16, &text, &len, err) < 0)
    return -1;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *ctrl = strchr (line, ':'), *cgpath;
      if (ctrl == NULL || (cgpath = strchr (ctrl + 1, ':')) == NULL)
        continue;
      *cgpath++ = '\0';
      ctrl++;
      if (sie_criu_add_cg_root (&c->req, *ctrl ? ctrl : NULL, cgpath, err) < 0)
        return -1;
    }
  return 0;
}

static int
on_notify (void *data, const char *script, pid_t pid, int fd, sie_error_t *err)
{
  struct restore_ctx *c = data;
  const struct sie_hooks *h = &c->cfg->hooks;
  cleanup_close int owned = fd;
  cleanup_free char *state = NULL;

  if (strcmp (script, "setup-namespaces") == 0)
    {
      c->pid = pid;
      if (h->n_hooks[SIE_HOOK_PRESTART] == 0 && h->n_hooks[SIE_HOOK_CREATE_RUNTIME] == 0)
        return 0;
      if (state_json (c, "creating", &state, err) < 0)
        return -1;
      if (sie_hooks_run (h, SIE_HOOK_PRESTART, state, err) < 0)
        return -1;
      return sie_hooks_run (h, SIE_HOOK_CREATE_RUNTIME, state, err);
    }
  if (strcmp (script, "post-restore") == 0)
    {
      c->pid = pid;
      return save_state (c, true, err);
    }
  if (strcmp (script, "orphan-pts-master") == 0 && owned >= 0)
    {
      if (sie_send_fd (c->console_fd, owned, "/dev/console", 12, err) < 0)
        return sie_error_prefix (err, "--console-socket");
      return 0;
    }
  return 0;
}

static int
run_criu (struct restore_ctx *c, sie_error_t *err)
{
  CriuReq req = CRIU_REQ__INIT;
  CriuResp *resp = NULL;
  int ret = -1;

  if (sie_criu_start (c->req.keep_fds, c->req.n_keep, &c->criu, err) < 0)
    return -1;
  if (sie_cgroup_enter (c->cg, c->criu.pid, err) < 0 || add_cgroup_roots (c, err) < 0)
    return -1;
  req.type = CRIU_REQ_TYPE__RESTORE;
  req.opts = &c->req.opts;
  if (sie_criu_call (&c->criu, &req, on_notify, c, &resp, err) < 0)
    return -1;
  if (!resp->success)
    sie_criu_failed (&c->req, &c->o->f, resp, "criu restore", RESTORE_LOG, err);
  else if (resp->restore == NULL || resp->restore->pid <= 0)
    sie_error (err, 0, "criu restore: no pid in the answer");
  else
    {
      c->pid = resp->restore->pid;
      ret = 0;
    }
  criu_resp__free_unpacked (resp, NULL);
  sie_criu_finish (&c->criu);
  return ret;
}

/* Best effort: the container runs either way, and the network learns
 * its new place at its next packet. */
static void
announce (struct restore_ctx *c)
{
  char path[64];
  sie_error_t e = NULL;
  cleanup_close int fd = -1;

  snprintf (path, sizeof path, "/proc/%d/ns/net", c->pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || sie_netns_announce (fd, &e) < 0)
    sie_log_warning ("restore %s: could not announce its addresses: %s", c->id,
                  e ? e->msg : strerror (errno));
  sie_error_release (&e);
}

static int
build (struct restore_ctx *c, sie_error_t *err)
{
  if (sie_id_validate (c->id, err) < 0 || replace_checkpointed (c->root, c->id, err) < 0)
    return -1;
  if (sie_bundle_load (c->o->bundle, &c->cfg, &c->bundle, &c->rootfs, err) < 0
      || validate (c, err) < 0)
    return -1;
  if (c->o->console_socket
      && (c->console_fd = sie_console_socket_connect (c->o->console_socket, err)) < 0)
    return -1;
  c->dirfd = sie_statedir_create (c->root, c->id, err);
  if (c->dirfd < 0)
    return -1;
  if (sie_statedir_copy_config (c->dirfd, c->bundle, err) < 0 || save_state (c, false, err) < 0)
    return -1;
  if (sie_container_cgroup_setup (c->cfg, c->id, c->dirfd, &c->cg, err) < 0)
    return -1;
  if (make_mount_targets (c, err) < 0 || bind_root (c, err) < 0 || build_request (c, err) < 0)
    return -1;
  if (c->o->f.lazy_pages && c->o->f.page_server
      && (c->lazy_pid = sie_lazy_pages_start (&c->o->f, c->req.images_fd, c->req.work_fd, err)) < 0)
    return -1;
  if (run_criu (c, err) < 0)
    return -1;
  unbind_root (c);
  if (save_state (c, true, err) < 0)
    return -1;
  if (c->o->n_veths > 0)
    announce (c);
  if (c->o->pid_file && sie_write_pid_file (c->o->pid_file, c->pid, err) < 0)
    return -1;
  if (c->o->f.print_stats && sie_criu_print_stats (c->req.work_fd, "stats-restore", err) < 0)
    return -1;
  return 0;
}

static void
rollback (struct restore_ctx *c)
{
  sie_error_t ignored = NULL;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;

  if (c->lazy_pid > 0)
    kill (c->lazy_pid, SIGKILL);
  sie_criu_finish (&c->criu);
  if (c->cg && sie_cgroup_pids (c->cg, &pids, &n, &ignored) == 0)
    for (size_t i = 0; i < n; i++)
      kill (pids[i], SIGKILL);
  sie_error_release (&ignored);
  if (c->pid > 0)
    waitpid (c->pid, NULL, 0);
  unbind_root (c);
  if (c->cg)
    sie_cgroup_destroy (c->cg, &ignored);
  sie_error_release (&ignored);
  if (c->dirfd >= 0)
    sie_statedir_remove (c->root, c->id, &ignored);
  sie_error_release (&ignored);
}

static void
release (struct restore_ctx *c)
{
  if (c->dirfd >= 0)
    close (c->dirfd);
  if (c->console_fd >= 0)
    close (c->console_fd);
  sie_criu_req_release (&c->req);
  sie_cgroup_free (c->cg);
  sie_config_free (c->cfg);
  free (c->bundle);
  free (c->rootfs);
}

static void
run_poststart (struct restore_ctx *c)
{
  cleanup_free char *state = NULL;
  sie_error_t ignored = NULL;

  if (c->cfg->hooks.n_hooks[SIE_HOOK_POSTSTART] == 0)
    return;
  if (state_json (c, "running", &state, &ignored) == 0)
    sie_hooks_run_warn (&c->cfg->hooks, SIE_HOOK_POSTSTART, state);
  sie_error_release (&ignored);
}

pid_t
sie_container_restore (const char *root, const char *id, const struct sie_restore_opts *o,
                       sie_error_t *err)
{
  struct restore_ctx c = { .root = root, .id = id, .o = o, .dirfd = -1, .console_fd = -1,
                           .criu = { .pid = -1, .sk = -1 } };
  pid_t pid;

  sie_criu_req_init (&c.req);
  sie_rfc3339_now (c.created, sizeof c.created);
  if (build (&c, err) < 0)
    {
      rollback (&c);
      release (&c);
      return -1;
    }
  run_poststart (&c);
  pid = c.pid;
  release (&c);
  return pid;
}
