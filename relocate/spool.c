/* The destination's files under its root: each connection's spool
 * (<root>/.relocate/<pid>/), the per-ID lock files beside them, and the
 * bundles of relocated containers (<root>/.bundles/<id>/).
 *
 * A handler killed outright leaves its spool and lock file behind; the
 * daemon sweeps them at its next start.  Locks tell the dead from the
 * living, never pids alone (a pid is reused): a handler holds its spool's
 * lock file, and a relocation holds its ID's, for as long as it runs.  A
 * lock file is unlinked only by whoever holds it, and a taker checks that
 * the file it locked is still linked, so no two processes can both think
 * they hold one. */
#include "relocate/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/statedir.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define SPOOL_LOCK "lock"

/* The lock of a spool is made under another name and renamed into place
 * once held, so a sweeper never finds it present but not yet taken. */
static int
take_spool_lock (int dirfd, sie_error_t *err)
{
  cleanup_close int fd = openat (dirfd, SPOOL_LOCK ".new", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  if (fd < 0 || flock (fd, LOCK_EX) < 0 || renameat (dirfd, SPOOL_LOCK ".new", dirfd, SPOOL_LOCK) < 0)
    return sie_error (err, errno, "lock the spool");
  return move_fd (fd);
}

int
sie_spool_make (const char *root, struct sie_spool *s, sie_error_t *err)
{
  cleanup_close int spoolfd = -1;
  char spool[PATH_MAX], name[32];

  s->dirfd = s->lockfd = -1;
  snprintf (spool, sizeof spool, "%s/%s", root, SIE_RELOC_SPOOL);
  if (sie_mkdir_p (spool, 0700, err) < 0)
    return -1;
  spoolfd = open (spool, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  snprintf (name, sizeof name, "%d", getpid ());
  if (spoolfd < 0 || asprintf (&s->dir, "%s/%s", spool, name) < 0)
    return sie_error (err, errno, "%s", spool);
  /* a dead handler's, whose pid this process now has */
  sie_remove_tree_at (spoolfd, name, NULL);
  if (mkdirat (spoolfd, name, 0700) < 0
      || (s->dirfd = openat (spoolfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    return sie_error (err, errno, "%s", s->dir);
  s->lockfd = take_spool_lock (s->dirfd, err);
  return s->lockfd < 0 ? -1 : 0;
}

void
sie_spool_remove (struct sie_spool *s)
{
  if (s->dir)
    sie_remove_tree_at (AT_FDCWD, s->dir, NULL);
  if (s->dirfd >= 0)
    close (s->dirfd);
  if (s->lockfd >= 0)
    close (s->lockfd);
  free (s->dir);
  s->dir = NULL;
  s->dirfd = s->lockfd = -1;
}

/* ---- per-ID locks ---- */

static void
id_lock_path (const char *root, const char *id, char *path, size_t size)
{
  snprintf (path, size, "%s/%s/%s.lock", root, SIE_RELOC_SPOOL, id);
}

int
sie_spool_lock_id (const char *root, const char *id, sie_error_t *err)
{
  char path[PATH_MAX];

  if (sie_id_validate (id, err) < 0)
    return -1;
  id_lock_path (root, id, path, sizeof path);
  for (;;)
    {
      cleanup_close int fd = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
      struct stat st;

      if (fd < 0)
        return sie_error (err, errno, "%s", path);
      if (flock (fd, LOCK_EX | LOCK_NB) < 0)
        return errno == EWOULDBLOCK
                   ? sie_error (err, 0, "a relocation of %s is already in progress here", id)
                   : sie_error (err, errno, "lock %s", path);
      if (fstat (fd, &st) < 0)
        return sie_error (err, errno, "%s", path);
      if (st.st_nlink > 0)
        return move_fd (fd);
      /* its holder unlinked it before letting go: take the new one */
    }
}

void
sie_spool_unlock_id (const char *root, const char *id, int fd)
{
  char path[PATH_MAX];

  if (fd < 0)
    return;
  id_lock_path (root, id, path, sizeof path);
  unlink (path);
  close (fd);
}

/* ---- relocated bundles ---- */

static bool
container_exists (const char *root, const char *id)
{
  char path[PATH_MAX];

  snprintf (path, sizeof path, "%s/%s", root, id);
  return faccessat (AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int
open_bundles (const char *root, bool create, sie_error_t *err)
{
  char path[PATH_MAX];
  int fd;

  snprintf (path, sizeof path, "%s/%s", root, SIE_RELOCATED_BUNDLES);
  if (create && mkdir (path, 0700) < 0 && errno != EEXIST)
    return sie_error (err, errno, "mkdir %s", path);
  fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return sie_error (err, errno, "open %s", path);
  return fd;
}

int
sie_reloc_bundle_place (const char *root, int spoolfd, const char *id, char **path,
                        sie_error_t *err)
{
  cleanup_close int bfd = open_bundles (root, true, err);

  if (bfd < 0)
    return -1;
  if (container_exists (root, id))
    return sie_error (err, 0, "container %s already exists here", id);
  if (sie_remove_tree_at (bfd, id, err) < 0)
    return -1;
  if (renameat (spoolfd, "bundle", bfd, id) < 0)
    return sie_error (err, errno, "move the bundle to %s/%s/%s", root, SIE_RELOCATED_BUNDLES, id);
  if (asprintf (path, "%s/%s/%s", root, SIE_RELOCATED_BUNDLES, id) < 0)
    return sie_error (err, ENOMEM, "bundle path");
  return 0;
}

void
sie_reloc_bundle_remove (const char *root, const char *id)
{
  cleanup_close int bfd = open_bundles (root, false, NULL);

  if (bfd >= 0 && !container_exists (root, id))
    sie_remove_tree_at (bfd, id, NULL);
}

/* ---- the sweep at start ---- */

static void
removed (const char *root, const char *dir, const char *name, sie_error_t *err)
{
  if (*err == NULL)
    fprintf (stderr, "sie serve: removed %s/%s/%s, left by a relocation that died\n", root, dir, name);
  else
    fprintf (stderr, "sie serve: warning: %s/%s/%s stays: %s\n", root, dir, name, (*err)->msg);
  sie_error_release (err);
}

static bool
is_pid_name (const char *s)
{
  size_t n = strspn (s, "0123456789");
  return n > 0 && n < 11 && s[n] == '\0';
}

/* A spool whose lock can be taken is a dead handler's (the lock stays
 * held in *lfd).  One without a lock yet is in the making while its pid
 * lives. */
static bool
spool_abandoned (int dfd, pid_t pid, int *lfd)
{
  *lfd = openat (dfd, SPOOL_LOCK, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (*lfd >= 0)
    return flock (*lfd, LOCK_EX | LOCK_NB) == 0;
  return errno == ENOENT && (pid == getpid () || (kill (pid, 0) < 0 && errno == ESRCH));
}

static void
sweep_spool (const char *root, int spoolfd, const char *name)
{
  cleanup_close int dfd = openat (spoolfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int lfd = -1;
  sie_error_t err = NULL;

  if (dfd < 0 || !spool_abandoned (dfd, (pid_t) atol (name), &lfd))
    return;
  sie_remove_tree_at (spoolfd, name, &err);
  removed (root, SIE_RELOC_SPOOL, name, &err);
}

/* A directory stream of its own over fd. */
static DIR *
dir_stream (int fd)
{
  int copy = fd >= 0 ? dup (fd) : -1;
  DIR *d = copy >= 0 ? fdopendir (copy) : NULL;

  if (d == NULL && copy >= 0)
    close (copy);
  return d;
}

/* A bundle no container uses, whose ID no relocation holds, is one a
 * relocation placed and then died before its restore or its undo. */
static void
sweep_bundles (const char *root)
{
  cleanup_close int bfd = open_bundles (root, false, NULL);
  DIR *d = dir_stream (bfd);
  struct dirent *de;

  while (d && (de = readdir (d)) != NULL)
    {
      sie_error_t err = NULL;
      int lock;

      if (de->d_name[0] == '.' || container_exists (root, de->d_name))
        continue;
      lock = sie_spool_lock_id (root, de->d_name, &err);
      if (lock >= 0 && !container_exists (root, de->d_name))
        {
          sie_remove_tree_at (bfd, de->d_name, &err);
          removed (root, SIE_RELOCATED_BUNDLES, de->d_name, &err);
        }
      sie_error_release (&err);
      sie_spool_unlock_id (root, de->d_name, lock);
    }
  if (d)
    closedir (d);
}

/* <id>.lock that nobody holds; <id>.out, the restored init's output as
 * earlier versions kept it, once no container has the ID. */
static void
sweep_id_file (const char *root, int spoolfd, const char *name)
{
  const char *dot = strrchr (name, '.');
  cleanup_free char *id = dot ? strndup (name, (size_t) (dot - name)) : NULL;
  sie_error_t err = NULL;
  int lock;

  if (id == NULL || (strcmp (dot, ".lock") != 0 && strcmp (dot, ".out") != 0))
    return;
  lock = sie_spool_lock_id (root, id, &err);
  sie_error_release (&err);
  if (lock < 0)
    return;
  if (strcmp (dot, ".out") == 0 && !container_exists (root, id) && unlinkat (spoolfd, name, 0) == 0)
    removed (root, SIE_RELOC_SPOOL, name, &err);
  sie_spool_unlock_id (root, id, lock);
}

void
sie_spool_sweep (const char *root)
{
  char path[PATH_MAX];
  cleanup_close int spoolfd = -1;
  DIR *d;
  struct dirent *de;

  snprintf (path, sizeof path, "%s/%s", root, SIE_RELOC_SPOOL);
  spoolfd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (spoolfd < 0)
    return; /* no relocation ever came here */
  sweep_bundles (root);
  d = dir_stream (spoolfd);
  while (d && (de = readdir (d)) != NULL)
    if (is_pid_name (de->d_name))
      sweep_spool (root, spoolfd, de->d_name);
    else if (de->d_name[0] != '.')
      sweep_id_file (root, spoolfd, de->d_name);
  if (d)
    closedir (d);
}
