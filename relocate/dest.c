/* `sie serve`: the destination daemon.  One child process per connection,
 * so a relocation that fails takes nothing else down.  What a relocation
 * brings lives in its spool, <root>/.relocate/<pid>/ (images, the
 * bundle), and goes when it ends; just before the restore the bundle
 * moves to <root>/.bundles/<id>/, where it stays with the container (or
 * goes at the undo).  A container ID is held by a lock file while a
 * relocation of it runs, so two cannot race for it.  What a handler
 * killed outright leaves, the daemon's next start removes (spool.c). */
#include "relocate/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relocate/rootfs_copy.h"
#include "relocate/treehash.h"
#include "relocate/wire.h"
#include "runtime/checkpoint.h"
#include "runtime/container.h"
#include "runtime/container_state.h"
#include "spec/json_out.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define AUTH_TIMEOUT_MS 10000
#define IO_TIMEOUT_MS 120000
/* In the relocated bundle: the restored init's stdio where the source's
 * was a file. */
#define OUTPUT_FILE "output"

struct conn
{
  const struct sie_serve_opts *o;
  int sock;
  struct sie_spool spool;
  int imagesfd;
  int lockfd;
  char *id;       /* after BEGIN */
  yajl_val begin; /* the BEGIN message, kept for config and stdio_modes */
  yajl_val stdio_modes;
  yajl_val facts; /* the last CHECK's: what the restore re-creates */
  bool bundle_placed; /* <root>/.bundles/<id> is this relocation's to undo */
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
  if (sie_spool_make (c->o->root, &c->spool, err) < 0)
    return -1;
  if (mkdirat (c->spool.dirfd, "images", 0700) < 0 || mkdirat (c->spool.dirfd, "bundle", 0700) < 0)
    return sie_error (err, errno, "%s", c->spool.dir);
  c->imagesfd = openat (c->spool.dirfd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return c->imagesfd < 0 ? sie_error (err, errno, "%s/images", c->spool.dir) : 0;
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

/* The restore would join a cgroup that exists already: one holding
 * processes is someone else's.  Checked at BEGIN, before the source
 * freezes, and again at RESTORE. */
static int
refuse_busy_cgroup (struct conn *c, const char *id, const char *config, sie_error_t *err)
{
  cleanup_free char *detail = NULL;
  int r = sie_relocate_cgroup_in_use (id, config, &detail, err);

  if (r > 0)
    return sie_error (err, 0, "%s", detail);
  return r;
}

/* The bundle here is the source's config.json; a relative root.path
 * points, through a link, at the same rootfs path, whose content the
 * eligibility check compared. */
static int
write_bundle (struct conn *c, const char *config, const char *root_path, const char *rootfs,
              sie_error_t *err)
{
  cleanup_close int bfd = openat (c->spool.dirfd, "bundle", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (strcmp (root_path, SIE_CONFIG_FILE) == 0 || strcmp (root_path, OUTPUT_FILE) == 0)
    return sie_error (err, 0, "config.json: root.path \"%s\": a name the relocated bundle uses itself",
                      root_path);
  if (bfd < 0)
    return sie_error (err, errno, "%s/bundle", c->spool.dir);
  if (sie_write_file_atomic_at (bfd, SIE_CONFIG_FILE, config, strlen (config), 0600, err) < 0)
    return -1;
  if (c->facts && sie_json_bool (c->facts, "copy_rootfs"))
    return root_path[0] == '/' || strchr (root_path, '/') != NULL
               ? sie_error (err, 0, "--copy-rootfs: root.path \"%s\" must be a name in the bundle",
                            root_path)
               : 0; /* the tree arrives there (TREE_BEGIN) */
  if (root_path[0] == '/' || strchr (root_path, '/') != NULL)
    return 0;
  if (symlinkat (rootfs, bfd, root_path) < 0)
    return sie_error (err, errno, "link rootfs");
  return 0;
}

static int
on_begin (struct conn *c, const char *json, sie_error_t *err)
{
  yajl_val v = yajl_tree_parse (json, NULL, 0);
  const char *id = v ? sie_json_str (v, "id") : NULL, *config = v ? sie_json_str (v, "config") : NULL;
  const char *rootfs = v ? sie_json_str (v, "rootfs") : NULL;
  const char *rp[] = { "root", "path", NULL }, *sp[] = { "stdio_modes", NULL };
  yajl_val cfg = config ? yajl_tree_parse (config, NULL, 0) : NULL;
  const char *root_path = cfg ? YAJL_GET_STRING (yajl_tree_get (cfg, rp, yajl_t_string)) : NULL;
  int ret = -1;

  if (c->id)
    sie_error (err, EINVAL, "BEGIN twice");
  else if (id == NULL || config == NULL || rootfs == NULL || root_path == NULL)
    sie_error (err, EINVAL, "BEGIN: id, config, root.path and rootfs are needed");
  else if ((c->lockfd = sie_spool_lock_id (c->o->root, id, err)) >= 0
           && refuse_busy_cgroup (c, id, config, err) == 0
           && write_bundle (c, config, root_path, rootfs, err) == 0)
    ret = (c->id = strdup (id)) ? 0 : sie_error (err, ENOMEM, "BEGIN");
  yajl_tree_free (cfg);
  if (ret < 0)
    {
      if (c->lockfd >= 0)
        sie_spool_unlock_id (c->o->root, id, c->lockfd);
      c->lockfd = -1;
      yajl_tree_free (v);
      return -1;
    }
  c->begin = v;
  c->stdio_modes = yajl_tree_get (v, sp, yajl_t_array);
  return ok (c, err);
}

/* --copy-rootfs: the tree comes into the spool's bundle, under root.path,
 * and counts only if it is the tree the source hashed. */
static int
on_tree (struct conn *c, sie_error_t *err)
{
  const char *rp[] = { "root", "path", NULL };
  const char *config = c->begin ? sie_json_str (c->begin, "config") : NULL;
  yajl_val cfg = config ? yajl_tree_parse (config, NULL, 0) : NULL;
  const char *name = cfg ? YAJL_GET_STRING (yajl_tree_get (cfg, rp, yajl_t_string)) : NULL;
  const char *want = c->facts ? sie_json_str (c->facts, "rootfs_hash") : NULL;
  cleanup_close int bfd = openat (c->spool.dirfd, "bundle", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char hash[SIE_TREEHASH_HEX], path[PATH_MAX];
  int ret = -1;

  if (name == NULL || want == NULL || !sie_json_bool (c->facts, "copy_rootfs") || bfd < 0)
    sie_error (err, EINVAL, "TREE_BEGIN without BEGIN and --copy-rootfs facts");
  else if (sie_rootfs_recv (c->sock, bfd, name, &c->budget, err) == 0)
    {
      snprintf (path, sizeof path, "%s/bundle/%s", c->spool.dir, name);
      if (sie_treehash (path, hash, err) < 0)
        sie_error_prefix (err, "--copy-rootfs");
      else if (strcmp (hash, want) != 0)
        sie_error (err, 0, "--copy-rootfs: the tree arrived with hash %.12s, not the source's %.12s "
                           "(did it change during the copy?)", hash, want);
      else
        ret = ok (c, err);
      if (ret < 0)
        sie_remove_tree_at (bfd, name, NULL);
    }
  yajl_tree_free (cfg);
  return ret;
}

/* The restored init's stdio, never the daemon's own: /dev/null where the
 * source had a device, the bundle's output file with the same mode where
 * it had a file (CRIU checks type and mode of what it is given). */
static int
stdio_for_restore (struct conn *c, const char *bundle, sie_error_t *err)
{
  yajl_val modes = c->stdio_modes;
  char path[PATH_MAX];

  snprintf (path, sizeof path, "%s/%s", bundle, OUTPUT_FILE);
  for (int fd = 0; fd < 3; fd++)
    {
      yajl_val m = modes && YAJL_IS_ARRAY (modes) && (size_t) fd < modes->u.array.len
                       ? modes->u.array.values[fd] : NULL;
      mode_t mode = m && YAJL_IS_INTEGER (m) ? (mode_t) YAJL_GET_INTEGER (m) : S_IFCHR;
      int nfd = S_ISREG (mode) ? open (path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)
                               : open ("/dev/null", O_RDWR | O_CLOEXEC);

      if (nfd < 0)
        return sie_error (err, errno, "stdio for the restored container");
      if (S_ISREG (mode))
        fchmod (nfd, mode & 07777);
      if (dup2 (nfd, fd) < 0)
        {
          close (nfd);
          return sie_error (err, errno, "dup2");
        }
      close (nfd);
    }
  return 0;
}

/* The handler's own stdio (the daemon's log) stands aside while the
 * restore hands fds 0-2 to the restored init, and comes back after. */
static void
save_stdio (int saved[3])
{
  for (int fd = 0; fd < 3; fd++)
    saved[fd] = fcntl (fd, F_DUPFD_CLOEXEC, 3);
}

static void
put_back_stdio (int saved[3])
{
  for (int fd = 0; fd < 3; fd++)
    if (saved[fd] >= 0)
      {
        dup2 (saved[fd], fd);
        close (saved[fd]);
      }
}

/* The restore proper, from the spool's images, with the bundle in its
 * lasting place; the veths named in the last CHECK's facts become ports
 * of --bridge. */
static pid_t
restore (struct conn *c, yajl_val req, const char *bundle, sie_error_t *err)
{
  char images[PATH_MAX], work[PATH_MAX];
  struct sie_restore_opts ro = { .detach = true, .bundle = bundle };
  cleanup_free char **veths = NULL;
  int saved[3];
  pid_t pid = -1;

  snprintf (images, sizeof images, "%s/images", c->spool.dir);
  snprintf (work, sizeof work, "%s/work", c->spool.dir);
  ro.f.image_path = images;
  ro.f.work_path = work;
  ro.f.tcp_established = req && sie_json_bool (req, "tcp_established");
  ro.f.page_server = req ? sie_json_str (req, "page_server") : NULL;
  ro.f.lazy_pages = ro.f.page_server != NULL;
  if (c->facts && sie_netfacts_veths (c->facts, &veths, &ro.n_veths) < 0)
    return sie_error (err, ENOMEM, "veths");
  ro.veths = veths;
  ro.veth_bridge = c->o->bridge;
  save_stdio (saved);
  if (stdio_for_restore (c, bundle, err) == 0)
    pid = sie_container_restore (c->o->root, c->id, &ro, err);
  put_back_stdio (saved);
  return pid;
}

/* RESTORED carries restore_us: from RESTORE's arrival to the restored
 * processes running again, on this host's monotonic clock, so the source
 * can tell its downtime without the two clocks agreeing (in post-copy it
 * reads this answer only after the last page has gone). */
static int
on_restore (struct conn *c, const char *json, sie_error_t *err)
{
  uint64_t received = sie_now_us (), restore_us;
  cleanup_free char *bundle = NULL;
  yajl_val req;
  char reply[96];
  pid_t pid;

  if (c->id == NULL)
    return sie_error (err, EINVAL, "RESTORE before BEGIN");
  if (c->restored || c->bundle_placed)
    return sie_error (err, EINVAL, "RESTORE twice");
  /* a process may have moved in since BEGIN */
  if (refuse_busy_cgroup (c, c->id, sie_json_str (c->begin, "config"), err) < 0)
    return -1;
  if (sie_reloc_bundle_place (c->o->root, c->spool.dirfd, c->id, &bundle, err) < 0)
    return -1;
  c->bundle_placed = true;
  req = yajl_tree_parse (json, NULL, 0);
  pid = restore (c, req, bundle, err);
  yajl_tree_free (req);
  restore_us = sie_now_us () - received;
  if (pid < 0)
    {
      sie_reloc_bundle_remove (c->o->root, c->id);
      c->bundle_placed = false;
      return -1;
    }
  c->restored = true;
  fprintf (stderr, "sie serve: %s: restored as pid %d, running again after %.1f ms\n", c->id, pid,
           restore_us / 1000.0);
  snprintf (reply, sizeof reply, "{\"pid\": %d, \"restore_us\": %llu}", pid,
            (unsigned long long) restore_us);
  return sie_wire_send (c->sock, SIE_MSG_RESTORED, reply, strlen (reply), err);
}

/* Undo: a container restored here but not committed goes, and so does
 * its bundle. */
static void
drop (struct conn *c)
{
  sie_error_t err = NULL;

  if (c->id == NULL)
    return;
  if (c->restored && sie_container_delete (c->o->root, c->id, true, &err) < 0)
    fprintf (stderr, "sie serve: %s: %s\n", c->id, err->msg);
  sie_error_release (&err);
  if (c->bundle_placed)
    sie_reloc_bundle_remove (c->o->root, c->id);
  fprintf (stderr, "sie serve: %s: aborted%s\n", c->id,
           c->restored ? ", the restored container removed" : "");
  c->restored = c->bundle_placed = false;
}

static void
commit (struct conn *c)
{
  fprintf (stderr, "sie serve: %s: committed, the container runs here\n", c->id ? c->id : "?");
  c->restored = c->bundle_placed = false; /* ours now */
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
        case SIE_MSG_TREE_BEGIN: ret = on_tree (c, err); break;
        case SIE_MSG_COMMIT:
          commit (c);
          return ok (c, err);
        case SIE_MSG_ABORT:
          drop (c);
          return ok (c, err);
        default: ret = sie_error (err, EINVAL, "unexpected message %u", type);
        }
      if (ret < 0)
        {
          reply_error (c, "internal error", (*err)->msg);
          if (type != SIE_MSG_RESTORE && type != SIE_MSG_BEGIN && type != SIE_MSG_CHECK
              && type != SIE_MSG_TREE_BEGIN)
            return -1;
          /* the source answers with ABORT */
          fprintf (stderr, "sie serve: %s%s%s\n", c->id ? c->id : "", c->id ? ": " : "", (*err)->msg);
          sie_error_release (err);
        }
    }
}

static void __attribute__ ((noreturn))
handle (const struct sie_serve_opts *o, int sock, const char *secret, size_t slen)
{
  struct conn c = { .o = o, .sock = sock, .spool = { .dirfd = -1, .lockfd = -1 }, .imagesfd = -1,
                    .lockfd = -1, .budget = o->max_image_bytes };
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
      fprintf (stderr, "sie serve: %s%s%s\n", c.id ? c.id : "", c.id ? ": " : "",
               err ? err->msg : "failed");
      drop (&c);
    }
  if (c.id)
    sie_spool_unlock_id (o->root, c.id, c.lockfd);
  sie_spool_remove (&c.spool);
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
  /* before listening: once it listens, what dead handlers left is gone */
  sie_spool_sweep (o->root);
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
