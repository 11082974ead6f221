/* Path resolution confined to the container's rootfs.  Every lookup goes
 * through openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so an absolute
 * symlink or ".." in the rootfs resolves against the rootfs, never the
 * host, and /proc magic links cannot be used to escape. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/rootfs_internal.h"
#include "util/cleanup.h"

/* A rename elsewhere in the tree makes RESOLVE_IN_ROOT fail with EAGAIN
 * rather than risk a ".." escape; retrying is the documented answer. */
#define OPENAT2_RETRIES 32

static int
openat2_in_root (int rootfd, const char *path, int flags, mode_t mode)
{
  struct open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC),
    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  int fd = -1;

  /* An empty path means the root itself. */
  if (*path == '\0')
    path = "/";
  for (int i = 0; i < OPENAT2_RETRIES; i++)
    {
      fd = (int) syscall (SYS_openat2, rootfd, path, &how, sizeof (how));
      if (fd >= 0 || errno != EAGAIN)
        break;
    }
  return fd;
}

int
sie_open_in_root (int rootfd, const char *path, int flags, mode_t mode, sie_error_t *err)
{
  int fd = openat2_in_root (rootfd, path, flags, mode);
  if (fd < 0)
    return sie_error (err, errno, "open %s", path);
  return fd;
}

/* Next component of *p (skipping slashes and "."), NUL-terminated in place. */
static char *
next_component (char **p)
{
  for (;;)
    {
      char *s = *p + strspn (*p, "/");
      char *end;

      if (*s == '\0')
        return NULL;
      end = s + strcspn (s, "/");
      *p = *end ? end + 1 : end;
      *end = '\0';
      if (strcmp (s, ".") != 0)
        return s;
    }
}

int
sie_mkdir_in_root (int rootfd, const char *path, mode_t mode, sie_error_t *err)
{
  cleanup_free char *buf = strdup (path);
  cleanup_free char *prefix = calloc (1, strlen (path) + 2);
  cleanup_close int dirfd = -1;
  size_t len = 0;
  char *p = buf, *comp;

  if (buf == NULL || prefix == NULL)
    return sie_error (err, ENOMEM, "mkdir %s", path);
  dirfd = openat2_in_root (rootfd, "/", O_PATH | O_DIRECTORY, 0);
  if (dirfd < 0)
    return sie_error (err, errno, "open rootfs");

  /* Each prefix is resolved again from the root, so a symlink met on the
   * way is followed inside the rootfs; only a missing last component is
   * created, by name, in the directory the previous prefix resolved to. */
  while ((comp = next_component (&p)) != NULL)
    {
      int fd;

      len += (size_t) sprintf (prefix + len, "/%s", comp);
      fd = openat2_in_root (rootfd, prefix, O_PATH | O_DIRECTORY, 0);
      if (fd < 0 && errno == ENOENT && strcmp (comp, "..") != 0)
        {
          if (mkdirat (dirfd, comp, mode) < 0 && errno != EEXIST)
            return sie_error (err, errno, "mkdir %s", prefix);
          fd = openat2_in_root (rootfd, prefix, O_PATH | O_DIRECTORY, 0);
        }
      if (fd < 0)
        return sie_error (err, errno, "mkdir %s", prefix);
      close (dirfd);
      dirfd = fd;
    }
  return move_fd (dirfd);
}

/* Splits `path` at its last component: *dir gets everything before it
 * ("/" at least), the return value is the component ("" for "/"). */
static char *
split_last (char *path, const char **dir)
{
  char *end = path + strlen (path);
  char *slash;

  while (end > path && end[-1] == '/')
    *--end = '\0';
  slash = strrchr (path, '/');
  if (slash == NULL)
    {
      *dir = "/";
      return path;
    }
  *slash = '\0';
  *dir = slash == path ? "/" : path;
  return slash + 1;
}

static int
create_target (int rootfd, const char *path, bool dir, sie_error_t *err)
{
  cleanup_free char *copy = strdup (path);
  cleanup_close int parentfd = -1;
  const char *parent;
  char *base;

  if (copy == NULL)
    return sie_error (err, ENOMEM, "create %s", path);
  base = split_last (copy, &parent);
  parentfd = sie_mkdir_in_root (rootfd, parent, 0755, err);
  if (parentfd < 0)
    return -1;
  if (*base == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
    return 0;
  if (dir)
    {
      if (mkdirat (parentfd, base, 0755) < 0 && errno != EEXIST)
        return sie_error (err, errno, "mkdir %s", path);
      return 0;
    }
  /* O_EXCL|O_NOFOLLOW: never write through whatever appeared meanwhile. */
  int fd = openat (parentfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && errno != EEXIST)
    return sie_error (err, errno, "create %s", path);
  if (fd >= 0)
    close (fd);
  return 0;
}

int
sie_target_in_root (int rootfd, const char *path, bool dir, bool nofollow, sie_error_t *err)
{
  int flags = O_PATH | (nofollow ? O_NOFOLLOW : 0);
  struct stat st;
  int fd;

  fd = openat2_in_root (rootfd, path, flags, 0);
  if (fd < 0 && errno == ENOENT)
    {
      if (create_target (rootfd, path, dir, err) < 0)
        return -1;
      fd = openat2_in_root (rootfd, path, flags, 0);
    }
  if (fd < 0)
    return sie_error (err, errno, "open %s", path);
  if (nofollow && fstat (fd, &st) == 0 && S_ISLNK (st.st_mode))
    {
      close (fd);
      return sie_error (err, 0, "%s is a symlink, refusing to mount over it", path);
    }
  return fd;
}

char *
sie_path_clean (const char *path)
{
  cleanup_free char *buf = strdup (path ? path : "");
  char *out = calloc (1, strlen (path ? path : "") + 2);
  size_t len = 0;
  char *p = buf, *comp;

  if (buf == NULL || out == NULL)
    {
      free (out);
      return NULL;
    }
  while ((comp = next_component (&p)) != NULL)
    {
      if (strcmp (comp, "..") == 0)
        {
          while (len > 0 && out[--len] != '/')
            ;
          out[len] = '\0';
          continue;
        }
      len += (size_t) sprintf (out + len, "/%s", comp);
    }
  if (len == 0)
    strcpy (out, "/");
  return out;
}
