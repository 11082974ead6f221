#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

int
sie_write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

int
sie_read_file_at (int dirfd, const char *path, size_t max, char **out, size_t *len,
                  sie_error_t *err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  cleanup_free char *buf = NULL;
  size_t used = 0, cap = 4096;

  if (fd < 0)
    return sie_error (err, errno, "open %s", path);
  buf = malloc (cap);
  if (buf == NULL)
    return sie_error (err, errno, "read %s", path);
  for (;;)
    {
      ssize_t n;
      if (used + 1 >= cap)
        {
          char *nbuf;
          if (cap > max)
            return sie_error (err, 0, "read %s: larger than %zu bytes", path, max);
          nbuf = realloc (buf, cap * 2);
          if (nbuf == NULL)
            return sie_error (err, errno, "read %s", path);
          buf = nbuf;
          cap *= 2;
        }
      n = read (fd, buf + used, cap - used - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return sie_error (err, errno, "read %s", path);
      if (n == 0)
        break;
      used += (size_t) n;
    }
  if (used > max)
    return sie_error (err, 0, "read %s: larger than %zu bytes", path, max);
  buf[used] = '\0';
  if (len)
    *len = used;
  *out = move_ptr (buf);
  return 0;
}

int
sie_write_file_atomic_at (int dirfd, const char *name, const void *data, size_t len,
                          mode_t mode, sie_error_t *err)
{
  cleanup_free char *tmp = NULL;
  cleanup_close int fd = -1;

  if (asprintf (&tmp, ".%s.tmp", name) < 0)
    return sie_error (err, errno, "write %s", name);
  fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return sie_error (err, errno, "create %s", tmp);
  if (sie_write_all (fd, data, len) < 0)
    {
      int saved = errno;
      unlinkat (dirfd, tmp, 0);
      return sie_error (err, saved, "write %s", tmp);
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int saved = errno;
      unlinkat (dirfd, tmp, 0);
      return sie_error (err, saved, "rename %s", name);
    }
  return 0;
}

int
sie_write_string_at (int dirfd, const char *path, const char *value, sie_error_t *err)
{
  cleanup_close int fd = openat (dirfd, path, O_WRONLY | O_CLOEXEC);
  size_t len = strlen (value);

  if (fd < 0)
    return sie_error (err, errno, "open %s", path);
  for (;;)
    {
      ssize_t n = write (fd, value, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return sie_error (err, errno, "write %s", path);
      return 0;
    }
}

static int remove_children (int dfd, sie_error_t *err);

static bool
is_mount_root (int dfd)
{
  struct statx stx;

  if (statx (dfd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, 0, &stx) < 0)
    return false;
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
         && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int
sie_remove_tree_at (int dirfd, const char *name, sie_error_t *err)
{
  cleanup_close int dfd = -1;

  if (unlinkat (dirfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return sie_error (err, errno, "remove %s", name);
  dfd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0)
    return errno == ENOENT ? 0 : sie_error (err, errno, "open %s", name);
  /* Never into another mount: a bind left there (a crashed restore's
   * rootfs) would have its contents deleted. */
  if (is_mount_root (dfd))
    return sie_error (err, EBUSY, "remove %s: a mount point", name);
  if (remove_children (dfd, err) < 0)
    return -1;
  if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return sie_error (err, errno, "remove %s", name);
  return 0;
}

static int
remove_children (int dfd, sie_error_t *err)
{
  int dup_fd = dup (dfd);
  DIR *d;
  struct dirent *de;
  int ret = 0;

  if (dup_fd < 0)
    return sie_error (err, errno, "dup");
  d = fdopendir (dup_fd);
  if (d == NULL)
    {
      close (dup_fd);
      return sie_error (err, errno, "opendir");
    }
  while ((de = readdir (d)) != NULL && ret == 0)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      ret = sie_remove_tree_at (dfd, de->d_name, err);
    }
  closedir (d);
  return ret;
}

int
sie_mkdir_p (const char *path, mode_t mode, sie_error_t *err)
{
  cleanup_free char *p = strdup (path);

  if (p == NULL)
    return sie_error (err, ENOMEM, "mkdir %s", path);
  for (char *s = p + 1; *s; s++)
    if (*s == '/')
      {
        *s = '\0';
        if (mkdir (p, mode) < 0 && errno != EEXIST)
          return sie_error (err, errno, "mkdir %s", p);
        *s = '/';
      }
  if (mkdir (p, mode) < 0 && errno != EEXIST)
    return sie_error (err, errno, "mkdir %s", p);
  return 0;
}
