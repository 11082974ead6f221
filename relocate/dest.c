/* `sie serve`: the destination daemon.  One child process per connection,
 * so a relocation that fails takes nothing else down.  Everything a
 * relocation brings lives in <root>/.relocate/<pid>/ (images, the bundle's
 * config) and goes when it ends; a container ID is held by a lock file
 * while a relocation of it runs, so two cannot race for it. */
#include "relocate/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relocate/wire.h"
#include "runtime/checkpoint.h"
#include "runtime/container.h"
#include "runtime/statedir.h"
#include "spec/json_out.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define SPOOL ".relocate"
#define AUTH_TIMEOUT_MS 10000
#define IO_TIMEOUT_MS 120000

struct conn
{
  const struct sie_serve_opts *o;
  int sock;
  char *dir;      /* <root>/.relocate/<pid> */
  int dirfd;
  int imagesfd;
  int lockfd;
  char *id;       /* after BEGIN */
  yajl_val begin; /* the BEGIN message, kept for stdio_modes */
  yajl_val stdio_modes;
  yajl_val facts; /* the last CHECK's: what the restore re-creates */
  bool restored;
  uint64_t budget;
};

static int
reply_error (struct conn *c, const char *result, const char *msg)
{
  struct jout o;
  cleanup_free char *doc = NULL;

  if (jout_init (&o, NULL, NULL) < 0)
    return -1;
  jout_open (&o);
  jout_key_str (&o, "result", result);
  jout_key_str (&o, "message", msg);
  jout_close (&o);
  if (jout_finish (&o, false, &doc, NULL) < 0)
    return -1;
  return sie_wire_send (c->sock, SIE_MSG_ERROR, doc, strlen (doc), NULL);
}

static int
ok (struct conn *c, sie_error_t *err)
{
  return sie_wire_send (c->sock, SIE_MSG_OK, "{}", 2, err);
}

static int
make_spool (struct conn *c, sie_error_t *err)
{
  char spool[PATH_MAX];

  snprintf (spool, sizeof spool, "%s/%s", c->o->root, SPOOL);
  if (sie_mkdir_p (spool, 0700, err) < 0)
    return -1;
  if (asprintf (&c->dir, "%s/%d", spool, getpid ()) < 0)
    return sie_error (err, ENOMEM, "spool");
  sie_remove_tree_at (AT_FDCWD, c->dir, NULL);
  if (mkdir (c->dir, 0700) < 0 || (c->dirfd = open (c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return sie_error (err, errno, "%s", c->dir);
  if (mkdirat (c->dirfd, "images", 0700) < 0 || mkdirat (c->dirfd, "bundle", 0700) < 0)
    return sie_error (err, errno, "%s", c->dir);
  c->imagesfd = openat (c->dirfd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return c->imagesfd < 0 ? sie_error (err, errno, "%s/images", c->dir) : 0;
}

static int
on_check (struct conn *c, const char *facts, sie_error_t *err)
{
  cleanup_free char *verdict = NULL;

  if (sie_facts_check (c->o->root, c->o->bridge, facts, c->imagesfd, &verdict, err) < 0)
    return -1;
  yajl_tree_free (c->facts);
  c->facts = yajl_tree_parse (facts, NULL, 0);
  unlinkat (c->imagesfd, SIE_RELOC_CPUINFO, 0);
  return sie_wire_send (c->sock, SIE_MSG_CHECKED, verdict, strlen (verdict), err);
}

/* One relocation per container at a time, across all connections. */
static int
lock_id (struct conn *c, const char *id, sie_error_t *err)
{
  char path[PATH_MAX];

  if (sie_id_validate (id, err) < 0)
    return -1;
  snprintf (path, sizeof path, "%s/%s/%s.lock", c->o->root, SPOOL, id);
  c->lockfd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (c->lockfd < 0)
    return sie_error (err, errno, "%s", path);
  if (flock (c->lockfd, LOCK_EX | LOCK_NB) < 0)
    return sie_error (err, 0, "a relocation of %s is already in progress here", id);
  return 0;
}

/* The bundle here is the source's config.json; a relative root.path
 * points, through a link, at the same rootfs path, whose content the
 * eligibility check compared. */
static int
on_begin (struct conn *c, const char *json, sie_error_t *err)
{
  yajl_val v = yajl_tree_parse (json, NULL, 0);
  const char *id = v ? sie_json_str (v, "id") : NULL, *config = v ? sie_json_str (v, "config") : NULL;
  const char *rootfs = v ? sie_json_str (v, "rootfs") : NULL;
  const char *rp[] = { "root", "path", NULL };
  yajl_val cfg = config ? yajl_tree_parse (config, NULL, 0) : NULL;
  const char *root_path = cfg ? YAJL_GET_STRING (yajl_tree_get (cfg, rp, yajl_t_string)) : NULL;
  int ret = -1;

  if (id == NULL || config == NULL || rootfs == NULL || root_path == NULL)
    sie_error (err, EINVAL, "BEGIN: id, config, root.path and rootfs are needed");
  else if (lock_id (c, id, err) == 0)
    {
      int bfd = openat (c->dirfd, "bundle", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (bfd >= 0 && sie_write_file_atomic_at (bfd, "config.json", config, strlen (config), 0600, err) == 0
          && (root_path[0] == '/' || strchr (root_path, '/') != NULL
              || symlinkat (rootfs, bfd, root_path) == 0 || sie_error (err, errno, "link rootfs") == 0))
        {
          c->id = strdup (id);
          ret = 0;
        }
      if (bfd >= 0)
        close (bfd);
    }
  yajl_tree_free (cfg);
  if (ret == 0)
    {
      const char *sp[] = { "stdio_modes", NULL };
      c->begin = v;
      c->stdio_modes = yajl_tree_get (v, sp, yajl_t_array);
      return ok (c, err);
    }
  yajl_tree_free (v);
  return -1;
}

/* The restored init's stdio, never the daemon's own: /dev/null where the
 * source had a device, a log file <spool>/<id>.out with the same mode
 * where it had a file (CRIU checks type and mode of what it is given). */
static int
stdio_for_restore (struct conn *c, yajl_val modes, sie_error_t *err)
{
  char path[PATH_MAX];

  snprintf (path, sizeof path, "%s/%s/%s.out", c->o->root, SPOOL, c->id);
  for (int fd = 0; fd < 3; fd++)
    {
      yajl_val m = modes && YAJL_IS_ARRAY (modes) && (size_t) fd < modes->u.array.len
                       ? modes->u.array.values[fd] : NULL;
      mode_t mode = m && YAJL_IS_INTEGER (m) ? (mode_t) YAJL_GET_INTEGER (m) : S_IFCHR;
      int nfd = S_ISREG (mode) ? open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)
                               : open ("/dev/null", O_RDWR | O_CLOEXEC);

      if (nfd < 0)
        return sie_error (err, errno, "stdio for the restored container");
      if (S_ISREG (mode))
        fchmod (nfd, mode & 07777);
      if (dup2 (nfd, fd) < 0)
        return sie_error (err, errno, "dup2");
      close (nfd);
    }
  return 0;
}

static int
on_restore (struct conn *c, const char *json, sie_error_t *err)
{
  yajl_val v = yajl_tree_parse (json, NULL, 0);
  char bundle[PATH_MAX], images[PATH_MAX], work[PATH_MAX], reply[64];
  struct sie_restore_opts ro = { .detach = true };
  cleanup_free char **veths = NULL;
  pid_t pid;

  if (c->id == NULL)
    {
      yajl_tree_free (v);
      return sie_error (err, EINVAL, "RESTORE before BEGIN");
    }
  snprintf (bundle, sizeof bundle, "%s/bundle", c->dir);
  snprintf (images, sizeof images, "%s/images", c->dir);
  snprintf (work, sizeof work, "%s/work", c->dir);
  ro.bundle = bundle;
  ro.f.image_path = images;
  ro.f.work_path = work;
  ro.f.tcp_established = v && sie_json_bool (v, "tcp_established");
  ro.f.page_server = v ? sie_json_str (v, "page_server") : NULL;
  ro.f.lazy_pages = ro.f.page_server != NULL;
  if (stdio_for_restore (c, c->stdio_modes, err) < 0)
    {
      yajl_tree_free (v);
      return -1;
    }
  if (c->facts && sie_netfacts_veths (c->facts, &veths, &ro.n_veths) < 0)
    {
      yajl_tree_free (v);
      return sie_error (err, ENOMEM, "veths");
    }
  ro.veths = veths;
  ro.veth_bridge = c->o->bridge;
  pid = sie_container_restore (c->o->root, c->id, &ro, err);
  yajl_tree_free (v);
  if (pid < 0)
    return -1;
  c->restored = true;
  snprintf (reply, sizeof reply, "{\"pid\": %d}", pid);
  return sie_wire_send (c->sock, SIE_MSG_RESTORED, reply, strlen (reply), err);
}

/* Undo: a container restored here but not committed goes. */
static void
drop (struct conn *c)
{
  sie_error_t ignored = NULL;

  if (c->restored && c->id)
    sie_container_delete (c->o->root, c->id, true, &ignored);
  sie_error_release (&ignored);
  c->restored = false;
}

static int
serve_one (struct conn *c, sie_error_t *err)
{
  for (;;)
    {
      cleanup_free char *data = NULL;
      uint32_t type;
      size_t len;
      int ret;

      if (sie_wire_recv (c->sock, &type, &data, &len, err) < 0)
        return -1;
      switch (type)
        {
        case SIE_MSG_FILE_BEGIN: ret = sie_xfer_recv_file (c->sock, c->imagesfd, data, &c->budget, err); break;
        case SIE_MSG_CHECK: ret = on_check (c, data, err); break;
        case SIE_MSG_BEGIN: ret = on_begin (c, data, err); break;
        case SIE_MSG_RESTORE: ret = on_restore (c, data, err); break;
        case SIE_MSG_COMMIT:
          c->restored = false; /* it is ours now */
          return ok (c, err);
        case SIE_MSG_ABORT:
          drop (c);
          return ok (c, err);
        default: ret = sie_error (err, EINVAL, "unexpected message %u", type);
        }
      if (ret < 0)
        {
          reply_error (c, "internal error", (*err)->msg);
          if (type != SIE_MSG_RESTORE && type != SIE_MSG_BEGIN && type != SIE_MSG_CHECK)
            return -1;
          sie_error_release (err);
        }
    }
}

static void __attribute__ ((noreturn))
handle (const struct sie_serve_opts *o, int sock, const char *secret, size_t slen)
{
  struct conn c = { .o = o, .sock = sock, .dirfd = -1, .imagesfd = -1, .lockfd = -1,
                    .budget = o->max_image_bytes };
  sie_error_t err = NULL;
  int ret;

  signal (SIGCHLD, SIG_DFL);
  ret = sie_wire_set_timeout (sock, AUTH_TIMEOUT_MS, &err);
  if (ret == 0)
    ret = sie_wire_auth_server (sock, secret, slen, &err);
  if (ret == 0)
    ret = sie_wire_set_timeout (sock, IO_TIMEOUT_MS, &err) < 0 || make_spool (&c, &err) < 0 ? -1 : 0;
  if (ret == 0)
    ret = serve_one (&c, &err);
  if (ret < 0)
    {
      fprintf (stderr, "sie serve: %s\n", err ? err->msg : "failed");
      drop (&c);
    }
  if (c.dir)
    sie_remove_tree_at (AT_FDCWD, c.dir, NULL);
  _exit (ret < 0 ? 1 : 0);
}

static void
reap (int sig)
{
  (void) sig;
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
}

int
sie_serve (const struct sie_serve_opts *o, sie_error_t *err)
{
  cleanup_free char *secret = NULL;
  struct sigaction sa = { .sa_handler = reap, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
  size_t slen;
  int lfd;

  if (sie_wire_load_secret (o->auth_file, &secret, &slen, err) < 0)
    return -1;
  lfd = sie_wire_listen (o->listen, err);
  if (lfd < 0)
    return -1;
  sigaction (SIGCHLD, &sa, NULL);
  fprintf (stderr, "sie serve: listening on %s, root %s\n", o->listen, o->root);
  for (;;)
    {
      int sock = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
      pid_t pid;

      if (sock < 0)
        {
          if (errno == EINTR || errno == ECONNABORTED)
            continue;
          close (lfd);
          return sie_error (err, errno, "accept");
        }
      pid = fork ();
      if (pid == 0)
        {
          close (lfd);
          handle (o, sock, secret, slen);
        }
      close (sock);
    }
}
