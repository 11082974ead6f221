/* CriuOpts assembly shared by checkpoint and restore, and the flag values
 * of both commands. */
#include "runtime/criu_opts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"

void
sie_criu_req_init (struct sie_criu_req *r)
{
  memset (r, 0, sizeof *r);
  criu_opts__init (&r->opts);
  criu_page_server_info__init (&r->ps);
  r->images_fd = r->work_fd = -1;
}

void
sie_criu_req_release (struct sie_criu_req *r)
{
  CriuOpts *o = &r->opts;

  for (size_t i = 0; i < o->n_ext_mnt; i++)
    {
      free (o->ext_mnt[i]->key);
      free (o->ext_mnt[i]->val);
      free (o->ext_mnt[i]);
    }
  free (o->ext_mnt);
  for (size_t i = 0; i < o->n_external; i++)
    free (o->external[i]);
  free (o->external);
  for (size_t i = 0; i < o->n_inherit_fd; i++)
    {
      free (o->inherit_fd[i]->key);
      free (o->inherit_fd[i]);
    }
  free (o->inherit_fd);
  for (size_t i = 0; i < o->n_cg_root; i++)
    {
      free (o->cg_root[i]->ctrl);
      free (o->cg_root[i]->path);
      free (o->cg_root[i]);
    }
  free (o->cg_root);
  free (r->ps_addr);
  if (r->images_fd >= 0)
    close (r->images_fd);
  if (r->work_fd >= 0 && r->work_fd != r->images_fd)
    close (r->work_fd);
  sie_criu_req_init (r);
}

/* Grows a protobuf-c repeated field by one slot. */
static void *
grow (void *arr, size_t *n, size_t elem)
{
  void *p = realloc (arr, (*n + 1) * elem);
  if (p)
    (*n)++;
  return p;
}

int
sie_criu_add_ext_mount (struct sie_criu_req *r, const char *key, const char *val, sie_error_t *err)
{
  CriuOpts *o = &r->opts;
  ExtMountMap *m = calloc (1, sizeof *m);
  ExtMountMap **arr;

  if (m == NULL)
    return sie_error (err, ENOMEM, "criu: external mount");
  ext_mount_map__init (m);
  m->key = strdup (key);
  m->val = strdup (val);
  arr = grow (o->ext_mnt, &o->n_ext_mnt, sizeof *arr);
  if (arr == NULL || m->key == NULL || m->val == NULL)
    {
      free (m->key);
      free (m->val);
      free (m);
      return sie_error (err, ENOMEM, "criu: external mount");
    }
  o->ext_mnt = arr;
  arr[o->n_ext_mnt - 1] = m;
  return 0;
}

int
sie_criu_add_external (struct sie_criu_req *r, const char *ext, sie_error_t *err)
{
  CriuOpts *o = &r->opts;
  char *s = strdup (ext);
  char **arr = s ? grow (o->external, &o->n_external, sizeof *arr) : NULL;

  if (arr == NULL)
    {
      free (s);
      return sie_error (err, ENOMEM, "criu: external");
    }
  o->external = arr;
  arr[o->n_external - 1] = s;
  return 0;
}

int
sie_criu_keep_fd (struct sie_criu_req *r, int fd, sie_error_t *err)
{
  if (r->n_keep == ARRAY_SIZE (r->keep_fds))
    return sie_error (err, 0, "criu: too many inherited fds");
  r->keep_fds[r->n_keep++] = fd;
  return 0;
}

int
sie_criu_add_inherit_fd (struct sie_criu_req *r, const char *key, int fd, sie_error_t *err)
{
  CriuOpts *o = &r->opts;
  InheritFd *f = calloc (1, sizeof *f);
  InheritFd **arr;

  if (f == NULL)
    return sie_error (err, ENOMEM, "criu: inherit fd");
  inherit_fd__init (f);
  f->key = strdup (key);
  f->fd = fd;
  arr = f->key ? grow (o->inherit_fd, &o->n_inherit_fd, sizeof *arr) : NULL;
  if (arr == NULL)
    {
      free (f->key);
      free (f);
      return sie_error (err, ENOMEM, "criu: inherit fd");
    }
  o->inherit_fd = arr;
  arr[o->n_inherit_fd - 1] = f;
  return fd > 2 ? sie_criu_keep_fd (r, fd, err) : 0;
}

int
sie_criu_add_cg_root (struct sie_criu_req *r, const char *ctrl, const char *path, sie_error_t *err)
{
  CriuOpts *o = &r->opts;
  CgroupRoot *c = calloc (1, sizeof *c);
  CgroupRoot **arr;

  if (c == NULL)
    return sie_error (err, ENOMEM, "criu: cgroup root");
  cgroup_root__init (c);
  c->ctrl = ctrl ? strdup (ctrl) : NULL;
  c->path = strdup (path);
  arr = c->path ? grow (o->cg_root, &o->n_cg_root, sizeof *arr) : NULL;
  if (arr == NULL)
    {
      free (c->ctrl);
      free (c->path);
      free (c);
      return sie_error (err, ENOMEM, "criu: cgroup root");
    }
  o->cg_root = arr;
  arr[o->n_cg_root - 1] = c;
  return 0;
}

static int
open_dir (const char *flag, const char *path, bool create, sie_error_t *err)
{
  int fd;

  if (create && sie_mkdir_p (path, 0700, err) < 0)
    return sie_error_prefix (err, "%s %s", flag, path);
  fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sie_error (err, errno, "%s %s", flag, path);
  return fd;
}

int
sie_criu_parse_page_server (const char *s, char **addr, int *port, sie_error_t *err)
{
  const char *colon = strrchr (s, ':');
  const char *host = s;
  size_t hlen;
  char *end;
  long p;

  if (colon == NULL || colon == s)
    return sie_error (err, 0, "--page-server %s: expected ADDRESS:PORT", s);
  hlen = colon - s;
  if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']')
    {
      host++;
      hlen -= 2;
    }
  errno = 0;
  p = strtol (colon + 1, &end, 10);
  if (*end || errno || p <= 0 || p > 65535)
    return sie_error (err, 0, "--page-server %s: port must be 1-65535", s);
  *addr = strndup (host, hlen);
  *port = (int) p;
  return *addr ? 0 : sie_error (err, ENOMEM, "--page-server");
}

int
sie_criu_req_common (struct sie_criu_req *r, const struct sie_criu_flags *f, bool create,
                     const char *log_file, sie_error_t *err)
{
  CriuOpts *o = &r->opts;
  const char *images = f->image_path ? f->image_path : "checkpoint";

  r->images_fd = open_dir ("--image-path", images, create, err);
  if (r->images_fd < 0)
    return -1;
  r->work_fd = f->work_path ? open_dir ("--work-path", f->work_path, true, err) : r->images_fd;
  if (r->work_fd < 0 || sie_criu_keep_fd (r, r->images_fd, err) < 0)
    return -1;
  if (r->work_fd != r->images_fd && sie_criu_keep_fd (r, r->work_fd, err) < 0)
    return -1;
  o->images_dir_fd = r->images_fd;
  o->has_work_dir_fd = true;
  o->work_dir_fd = r->work_fd;
  o->log_file = (char *) log_file;
  o->has_log_level = true;
  o->log_level = 4;
  o->has_notify_scripts = o->notify_scripts = true;
  o->has_manage_cgroups = o->manage_cgroups = true;
  if (f->manage_cgroups_mode)
    {
      o->has_manage_cgroups_mode = true;
      o->manage_cgroups_mode = f->manage_cgroups_mode;
    }
  if (f->network_lock)
    {
      o->has_network_lock = true;
      o->network_lock = f->network_lock;
    }
  o->has_tcp_established = o->tcp_established = f->tcp_established;
  o->has_ext_unix_sk = o->ext_unix_sk = f->ext_unix_sk;
  o->has_shell_job = o->shell_job = f->shell_job;
  o->has_file_locks = o->file_locks = f->file_locks;
  o->has_auto_dedup = o->auto_dedup = f->auto_dedup;
  o->has_lazy_pages = o->lazy_pages = f->lazy_pages;
  if (f->empty_ns)
    {
      o->has_empty_ns = true;
      o->empty_ns = f->empty_ns;
    }
  if (f->print_stats)
    o->has_display_stats = o->display_stats = false; /* stats come from the file */
  if (f->page_server)
    {
      if (sie_criu_parse_page_server (f->page_server, &r->ps_addr, &r->ps.port, err) < 0)
        return -1;
      r->ps.address = r->ps_addr;
      r->ps.has_port = true;
      o->ps = &r->ps;
    }
  return 0;
}

int
sie_criu_add_config_mounts (struct sie_criu_req *r, const struct sie_config *cfg, bool restore,
                            sie_error_t *err)
{
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      const struct sie_mount *m = &cfg->mounts[i];

      if (!sie_mount_is_bind (m) || m->source == NULL)
        continue;
      if (sie_criu_add_ext_mount (r, m->destination, restore ? m->source : m->destination, err) < 0)
        return -1;
    }
  return 0;
}

/* Without a cgroup namespace the container's /sys/fs/cgroup holds binds of
 * its host cgroup directories, one per hierarchy (runtime/mount_cgroup.c);
 * CRIU cannot find their roots, so each is external: named by its
 * destination at dump, mapped to the new container's directory at restore. */
int
sie_criu_add_cgroup_mounts (struct sie_criu_req *r, const struct sie_config *cfg,
                            const struct sie_cgroup *cg, bool restore, sie_error_t *err)
{
  if (cg == NULL || sie_config_namespace (cfg, SIE_NS_CGROUP) != NULL)
    return 0;
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      const struct sie_mount *m = &cfg->mounts[i];

      if (m->type == NULL || strcmp (m->type, "cgroup") != 0)
        continue;
      for (size_t j = 0; j < cg->n_dirs; j++)
        {
          const char *name = strrchr (cg->dirs[j].hierarchy, '/');
          char key[PATH_MAX];

          name = name ? name + 1 : cg->dirs[j].hierarchy;
          if (cg->n_dirs == 1 && cg->dirs[j].v2)
            snprintf (key, sizeof key, "%s", m->destination);
          else
            snprintf (key, sizeof key, "%s/%s", m->destination, name);
          if (sie_criu_add_ext_mount (r, key, restore ? cg->dirs[j].path : key, err) < 0)
            return -1;
        }
    }
  return 0;
}

int
sie_criu_failed (const struct sie_criu_req *r, const struct sie_criu_flags *f,
                 const CriuResp *resp, const char *what, const char *log_file, sie_error_t *err)
{
  cleanup_free char *cause = sie_criu_log_error (r->work_fd, log_file);
  const char *work = f->work_path ? f->work_path : f->image_path ? f->image_path : "checkpoint";

  if (cause == NULL && resp && resp->cr_errmsg)
    cause = strdup (resp->cr_errmsg);
  return sie_error (err, resp && resp->has_cr_errno ? resp->cr_errno : 0, "%s failed: %s (log: %s/%s)",
                    what, cause ? cause : "see the log", work, log_file);
}

int
sie_criu_parse_cg_mode (const char *s, int *mode, sie_error_t *err)
{
  static const struct { const char *name; int mode; } modes[] = {
    { "soft", CRIU_CG_MODE__SOFT },     { "full", CRIU_CG_MODE__FULL },
    { "strict", CRIU_CG_MODE__STRICT }, { "ignore", CRIU_CG_MODE__IGNORE },
  };
  for (size_t i = 0; i < ARRAY_SIZE (modes); i++)
    if (strcmp (s, modes[i].name) == 0)
      {
        *mode = modes[i].mode;
        return 0;
      }
  return sie_error (err, 0, "--manage-cgroups-mode %s: expected soft, full, strict or ignore", s);
}

int
sie_criu_parse_network_lock (const char *s, int *method, sie_error_t *err)
{
  if (strcmp (s, "iptables") == 0)
    *method = CRIU_NETWORK_LOCK_METHOD__IPTABLES;
  else if (strcmp (s, "nftables") == 0)
    *method = CRIU_NETWORK_LOCK_METHOD__NFTABLES;
  else if (strcmp (s, "skip") == 0)
    *method = CRIU_NETWORK_LOCK_METHOD__SKIP;
  else
    return sie_error (err, 0, "--network-lock %s: expected iptables, nftables or skip", s);
  return 0;
}

/* runc's --empty-ns takes one namespace name ("network"). */
int
sie_criu_parse_empty_ns (const char *s, unsigned *bits, sie_error_t *err)
{
  if (strcmp (s, "network") == 0 || strcmp (s, "net") == 0)
    *bits |= CLONE_NEWNET;
  else
    return sie_error (err, 0, "--empty-ns %s: only the network namespace can be left empty", s);
  return 0;
}
