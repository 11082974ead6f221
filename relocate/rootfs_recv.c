/* The receiving half of --copy-rootfs (rootfs_copy.h).  This process keeps
 * the connection: it checks every frame and holds the budget.  The archive
 * goes over a socketpair to a child chrooted into the new directory, where
 * libarchive writes it with its secure-extraction checks.
 *
 * Why a child and not an fchdir here: archive_write_disk works on paths
 * relative to the working directory, which is per process; a child leaves
 * the caller's alone, and its chroot confines every path libarchive
 * resolves, symlinks and hard-link targets included, to the new tree. */
#include "relocate/rootfs_copy.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relocate/archive_dl.h"
#include "relocate/wire.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Owners, modes (setuid too), times, xattrs and ACLs, as sent; nothing
 * through a symlink, no "..", no absolute path. */
#define EXTRACT_FLAGS                                                          \
  (ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME         \
   | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SECURE_SYMLINKS \
   | ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS)

#define READ_BLOCK (64 * 1024)
#define CHILD_MSG_MAX 1024

/* ---- in the child: the extraction ---- */

static int
archive_fail (const struct sie_archive_api *la, struct archive *a, const char *path,
              sie_error_t *err)
{
  const char *msg = la->archive_error_string (a);

  if (path)
    return sie_error (err, 0, "%s: %s", path, msg ? msg : "failed");
  return sie_error (err, 0, "%s", msg ? msg : "a damaged archive");
}

static bool
is_socket (const struct sie_archive_api *la, struct archive_entry *e)
{
  const char *name;
  const void *value;
  size_t size;

  la->archive_entry_xattr_reset (e);
  while (la->archive_entry_xattr_next (e, &name, &value, &size) == ARCHIVE_OK)
    if (strcmp (name, SIE_ROOTFS_SOCKET_XATTR) == 0)
      return true;
  return false;
}

/* The directory that will hold path (modified: cut at its last
 * component, returned in *base), reached one component at a time without
 * following a symlink: what libarchive checks for the entries it writes,
 * for the one kind it cannot write. */
static int
open_parent (char *path, const char **base, sie_error_t *err)
{
  cleanup_close int dfd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  size_t len = strlen (path);
  char *comp = path, *slash;

  while (len > 1 && path[len - 1] == '/')
    path[--len] = '\0';
  if (dfd < 0)
    return sie_error (err, errno, "open the new rootfs");
  if (path[0] == '/')
    return sie_error (err, 0, "%s: an absolute path", path);
  for (; (slash = strchr (comp, '/')) != NULL; comp = slash + 1)
    {
      int next;

      *slash = '\0';
      if (strcmp (comp, "..") == 0)
        return sie_error (err, 0, "a path with \"..\"");
      if (*comp == '\0' || strcmp (comp, ".") == 0)
        continue;
      next = openat (dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        return sie_error (err, errno, "%s: not a directory of the tree (a symlink?)", comp);
      close (dfd);
      dfd = next;
    }
  if (*comp == '\0' || strcmp (comp, ".") == 0 || strcmp (comp, "..") == 0)
    return sie_error (err, 0, "%s: not a name for a socket", comp);
  *base = comp;
  return move_fd (dfd);
}

static int
make_socket (const struct sie_archive_api *la, struct archive_entry *e, sie_error_t *err)
{
  cleanup_free char *path = strdup (la->archive_entry_pathname (e));
  struct timespec ts[2];
  cleanup_close int pfd = -1;
  const char *base = NULL;

  if (path == NULL)
    return sie_error (err, ENOMEM, "socket");
  if (la->archive_entry_filetype (e) != AE_IFREG || la->archive_entry_size (e) != 0
      || la->archive_entry_hardlink (e) != NULL)
    return sie_error (err, 0, "%s: a malformed socket entry", path);
  pfd = open_parent (path, &base, err);
  if (pfd < 0)
    return -1;
  ts[0] = ts[1] = (struct timespec){ la->archive_entry_mtime (e), la->archive_entry_mtime_nsec (e) };
  /* Mode after owner: chown clears setuid and setgid. */
  if (mknodat (pfd, base, S_IFSOCK | 0600, 0) < 0
      || fchownat (pfd, base, la->archive_entry_uid (e), la->archive_entry_gid (e),
                   AT_SYMLINK_NOFOLLOW) < 0
      || fchmodat (pfd, base, la->archive_entry_perm (e), 0) < 0
      || utimensat (pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
    return sie_error (err, errno, "%s: make the socket", la->archive_entry_pathname (e));
  return 0;
}

/* "." or "./": the tree's root, which exists before the archive does. */
static bool
is_root (const char *path)
{
  return strcmp (path, ".") == 0 || strcmp (path, "./") == 0;
}

static int
extract_entry (const struct sie_archive_api *la, struct archive *r, struct archive *w,
               struct archive_entry *e, struct timespec *root_mtime, sie_error_t *err)
{
  const char *path = la->archive_entry_pathname (e);
  const void *buf;
  size_t size;
  la_int64_t off;
  int rc;

  if (path && is_root (path))
    *root_mtime = (struct timespec){ la->archive_entry_mtime (e), la->archive_entry_mtime_nsec (e) };
  if (is_socket (la, e))
    return make_socket (la, e, err);
  if (la->archive_write_header (w, e) != ARCHIVE_OK)
    return archive_fail (la, w, path, err);
  while ((rc = la->archive_read_data_block (r, &buf, &size, &off)) != ARCHIVE_EOF)
    {
      if (rc != ARCHIVE_OK)
        return archive_fail (la, r, path, err);
      if (la->archive_write_data_block (w, buf, size, off) != ARCHIVE_OK)
        return archive_fail (la, w, path, err);
    }
  if (la->archive_write_finish_entry (w) != ARCHIVE_OK)
    return archive_fail (la, w, path, err);
  return 0;
}

/* Warnings are failures too: a copy that lost an xattr or an owner is not
 * the tree that was sent. */
static int
extract (int datafd, sie_error_t *err)
{
  const struct sie_archive_api *la = sie_archive_api (err);
  struct timespec root_mtime = { .tv_nsec = UTIME_OMIT };
  struct archive *r, *w;
  struct archive_entry *e;
  int rc, ret = 0;

  if (la == NULL)
    return -1;
  r = la->archive_read_new ();
  w = la->archive_write_disk_new ();
  if (r == NULL || w == NULL)
    return sie_error (err, ENOMEM, "extract");
  /* tar (with pax) only: no compression, no other format to parse. */
  if (la->archive_read_support_format_tar (r) != ARCHIVE_OK
      || la->archive_write_disk_set_options (w, EXTRACT_FLAGS) != ARCHIVE_OK
      || la->archive_read_open_fd (r, datafd, READ_BLOCK) != ARCHIVE_OK)
    ret = archive_fail (la, r, NULL, err);
  while (ret == 0 && (rc = la->archive_read_next_header (r, &e)) != ARCHIVE_EOF)
    ret = rc == ARCHIVE_OK ? extract_entry (la, r, w, e, &root_mtime, err)
                           : archive_fail (la, r, NULL, err);
  /* Directories get their final modes and times last; libarchive's list
   * of them leaves out the root, which it did not create. */
  if (ret == 0 && la->archive_write_close (w) != ARCHIVE_OK)
    ret = archive_fail (la, w, NULL, err);
  if (ret == 0 && utimensat (AT_FDCWD, "/", (struct timespec[2]){ root_mtime, root_mtime }, 0) < 0)
    ret = sie_error (err, errno, "set the root's mtime");
  la->archive_read_free (r);
  la->archive_write_free (w);
  return ret;
}

/* Every fd but stdio and keep[] (ascending): the child holds nothing of
 * the caller's, above all not the connection, whose end must close when
 * the caller closes it. */
static void
close_others (const int keep[3])
{
  unsigned from = 3;

  for (int i = 0; i < 3; i++)
    {
      if ((unsigned) keep[i] > from)
        close_range (from, (unsigned) keep[i] - 1, 0);
      if ((unsigned) keep[i] + 1 > from)
        from = (unsigned) keep[i] + 1;
    }
  close_range (from, ~0u, 0);
}

static int
cmp_int (const void *a, const void *b)
{
  return *(const int *) a - *(const int *) b;
}

static void __attribute__ ((noreturn))
extract_child (int rootfd, int datafd, int errfd)
{
  int keep[3] = { rootfd, datafd, errfd };
  sie_error_t err = NULL;
  int ret = 0;

  qsort (keep, 3, sizeof keep[0], cmp_int);
  close_others (keep);
  if (fchdir (rootfd) < 0 || chroot (".") < 0)
    ret = sie_error (&err, errno, "chroot into the new rootfs");
  if (ret == 0)
    ret = extract (datafd, &err);
  if (ret < 0 && err)
    {
      size_t len = strnlen (err->msg, CHILD_MSG_MAX);
      if (write (errfd, err->msg, len) < 0)
        _exit (2);
    }
  _exit (ret < 0 ? 1 : 0);
}

/* ---- in the caller: the connection ---- */

struct extractor
{
  pid_t pid;  /* -1 once reaped */
  int datafd; /* -1 once the child stopped reading */
  int errfd;
};

static int
extractor_start (struct extractor *x, int rootfd, sie_error_t *err)
{
  int sv[2], ep[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return sie_error (err, errno, "rootfs: socketpair");
  if (pipe2 (ep, O_CLOEXEC) < 0)
    {
      close (sv[0]);
      close (sv[1]);
      return sie_error (err, errno, "rootfs: pipe");
    }
  x->pid = fork ();
  if (x->pid == 0)
    extract_child (rootfd, sv[1], ep[1]);
  close (sv[1]);
  close (ep[1]);
  x->datafd = sv[0];
  x->errfd = ep[0];
  if (x->pid < 0)
    {
      close (x->datafd);
      close (x->errfd);
      return sie_error (err, errno, "rootfs: fork");
    }
  return 0;
}

/* Reaps the child once; its message is the error when it failed. */
static int
extractor_wait (struct extractor *x, sie_error_t *err)
{
  char msg[CHILD_MSG_MAX + 1];
  ssize_t n;
  int status;

  if (x->pid < 0)
    return 0;
  while (waitpid (x->pid, &status, 0) < 0)
    if (errno != EINTR)
      return sie_error (err, errno, "rootfs: waiting for the extraction");
  x->pid = -1;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  n = read (x->errfd, msg, CHILD_MSG_MAX);
  if (n > 0)
    {
      msg[n] = '\0';
      return sie_error (err, 0, "rootfs: refused: %s", msg);
    }
  if (WIFSIGNALED (status))
    return sie_error (err, 0, "rootfs: the extraction died of signal %d", WTERMSIG (status));
  return sie_error (err, 0, "rootfs: the extraction failed");
}

static int
extractor_finish (struct extractor *x, int ret, sie_error_t *err)
{
  if (x->datafd >= 0)
    close (x->datafd);
  if (ret < 0 && x->pid > 0)
    kill (x->pid, SIGKILL);
  /* When the stream failed, that is the cause, not the killed child. */
  if (extractor_wait (x, ret < 0 ? NULL : err) < 0)
    ret = -1;
  close (x->errfd);
  return ret;
}

static int
write_child (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t w = send (fd, buf, len, MSG_NOSIGNAL);

      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return -1;
      buf += w;
      len -= (size_t) w;
    }
  return 0;
}

static int
unexpected (uint32_t type, const char *data, sie_error_t *err)
{
  yajl_val v;
  int ret;

  if (type != SIE_MSG_ERROR)
    return sie_error (err, 0, "rootfs: unexpected message %u inside the tree", type);
  v = yajl_tree_parse (data, NULL, 0);
  ret = sie_error (err, 0, "rootfs: the source failed: %s",
                   v && sie_json_str (v, "message") ? sie_json_str (v, "message") : data);
  yajl_tree_free (v);
  return ret;
}

/* TREE_DATA frames into the child up to TREE_END.  A child that stops
 * reading has either failed (that is the error) or read the archive's
 * end, after which the rest is drained and dropped, budget and all. */
static int
pump (int sock, struct extractor *x, uint64_t *budget, sie_error_t *err)
{
  for (;;)
    {
      cleanup_free char *data = NULL;
      uint32_t type;
      size_t len;

      if (sie_wire_recv (sock, &type, &data, &len, err) < 0)
        return sie_error_prefix (err, "rootfs");
      if (type == SIE_MSG_TREE_END)
        return 0;
      if (type != SIE_MSG_TREE_DATA)
        return unexpected (type, data, err);
      if (len > *budget)
        return sie_error (err, EFBIG, "rootfs: larger than this destination accepts");
      *budget -= len;
      if (x->datafd < 0 || write_child (x->datafd, data, len) == 0)
        continue;
      if (errno != EPIPE && errno != ECONNRESET)
        return sie_error (err, errno, "rootfs: passing the archive on");
      close (x->datafd);
      x->datafd = -1;
      if (extractor_wait (x, err) < 0)
        return -1;
    }
}

static bool
plain_name (const char *s)
{
  return s && *s && strcmp (s, ".") != 0 && strcmp (s, "..") != 0 && strchr (s, '/') == NULL;
}

int
sie_rootfs_recv (int sock, int parentfd, const char *name, uint64_t *budget, sie_error_t *err)
{
  struct extractor x = { .pid = -1, .datafd = -1, .errfd = -1 };
  cleanup_close int rootfd = -1;
  int ret;

  if (!plain_name (name))
    return sie_error (err, EINVAL, "rootfs: \"%s\" is not a plain name", name ? name : "");
  /* Loaded here, so the child inherits it and its failure reads plainly. */
  if (sie_archive_api (err) == NULL)
    return -1;
  if (mkdirat (parentfd, name, 0700) < 0)
    return sie_error (err, errno, "rootfs: create %s", name);
  rootfd = openat (parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rootfd < 0)
    ret = sie_error (err, errno, "rootfs: open %s", name);
  else
    ret = extractor_start (&x, rootfd, err);
  if (ret == 0)
    ret = extractor_finish (&x, pump (sock, &x, budget, err), err);
  if (ret < 0)
    sie_remove_tree_at (parentfd, name, NULL);
  return ret;
}
