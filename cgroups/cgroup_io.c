/* Reading and writing cgroup control files, with errors that name the
 * config field and the file. */
#include "cgroups/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"

/* Why a write most likely failed, for causes the bare errno hides. */
static const char *
write_hint (const char *file, int e)
{
  if (e == ENOENT && strstr (file, ".memsw.") != NULL)
    return " (swap accounting is off)";
  if (e == ENOENT && strncmp (file, "memory.swap.", 12) == 0)
    return " (swap accounting is off)";
  if (e == ENOENT)
    return " (the kernel does not offer this file)";
  if (e == ENOSPC && strcmp (file, "cgroup.procs") == 0)
    return " (the cgroup's cpuset.cpus or cpuset.mems is empty)";
  if (e == EINVAL && strcmp (file, "cpu.rt_runtime_us") == 0)
    return " (more than the parent cgroup's cpu.rt_runtime_us budget leaves)";
  if (e == EOPNOTSUPP && strstr (file, ".bfq.") != NULL)
    return " (the device's I/O scheduler is not BFQ)";
  return "";
}

int
sie_cg_write (const char *dir, const char *file, const char *field, const char *value,
              sie_error_t *err)
{
  cleanup_free char *path = NULL;
  cleanup_close int fd = -1;
  size_t len = strlen (value);
  ssize_t w;
  int e;

  if (asprintf (&path, "%s/%s", dir, file) < 0)
    return sie_error (err, ENOMEM, "%s", field);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      w = write (fd, value, len);
      if (w == (ssize_t) len)
        return 0;
      if (w >= 0)
        errno = EIO;
    }
  e = errno;
  sie_error (err, 0, "%s: %s: %s%s", field, path, strerror (e), write_hint (file, e));
  if (err && *err)
    (*err)->status = e;
  return -1;
}

int
sie_cg_writef (const char *dir, const char *file, const char *field, sie_error_t *err,
               const char *fmt, ...)
{
  cleanup_free char *value = NULL;
  va_list ap;
  int r;

  va_start (ap, fmt);
  r = vasprintf (&value, fmt, ap);
  va_end (ap);
  if (r < 0)
    return sie_error (err, ENOMEM, "%s", field);
  return sie_cg_write (dir, file, field, value, err);
}

char *
sie_cg_read (const char *dir, const char *file)
{
  cleanup_free char *path = NULL;
  cleanup_close int fd = -1;
  char *buf = NULL;
  size_t len = 0, cap = 0;

  if (asprintf (&path, "%s/%s", dir, file) < 0)
    return NULL;
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  for (;;)
    {
      ssize_t r;
      if (cap - len < 4096)
        {
          char *grown = realloc (buf, cap + 8192);
          if (grown == NULL)
            {
              free (buf);
              return NULL;
            }
          buf = grown;
          cap += 8192;
        }
      r = read (fd, buf + len, cap - len - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int e = errno;
          free (buf);
          errno = e;
          return NULL;
        }
      if (r == 0)
        break;
      len += r;
    }
  while (len && buf[len - 1] == '\n')
    len--;
  buf[len] = '\0';
  return buf;
}

bool
sie_cg_file_exists (const char *dir, const char *file)
{
  cleanup_free char *path = NULL;

  if (asprintf (&path, "%s/%s", dir, file) < 0)
    return false;
  return access (path, F_OK) == 0;
}
