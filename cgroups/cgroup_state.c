/* The container's cgroup as a small text file in its state directory. */
#include "cgroups/cgroup.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/layout_parse.h"
#include "util/cleanup.h"

/* Octal-escapes the bytes that would break the line format. */
static void
put_escaped (FILE *f, const char *s)
{
  for (; *s; s++)
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
      fprintf (f, "\\%03o", (unsigned char) *s);
    else
      putc (*s, f);
}

int
sie_cgroup_save (const struct sie_cgroup *cg, int dirfd, const char *name, sie_error_t *err)
{
  cleanup_free char *tmp = NULL;
  cleanup_file FILE *f = NULL;
  int fd, e;

  if (asprintf (&tmp, ".%s.tmp", name) < 0)
    return sie_error (err, ENOMEM, "save cgroup state");
  fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return sie_error (err, errno, "save cgroup state: %s", tmp);
  f = fdopen (fd, "w");
  if (f == NULL)
    {
      e = errno;
      close (fd);
      unlinkat (dirfd, tmp, 0);
      return sie_error (err, e, "save cgroup state: %s", tmp);
    }
  put_escaped (f, cg->cgroups_path ? cg->cgroups_path : "");
  putc ('\n', f);
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      fprintf (f, "%u %d ", cg->dirs[i].created_levels, cg->dirs[i].v2 ? 1 : 0);
      put_escaped (f, cg->dirs[i].hierarchy);
      putc (' ', f);
      put_escaped (f, cg->dirs[i].path);
      putc ('\n', f);
    }
  e = ferror (f) ? EIO : 0;
  if (fclose (move_ptr (f)) != 0 && e == 0)
    e = errno;
  if (e == 0 && renameat (dirfd, tmp, dirfd, name) < 0)
    e = errno;
  if (e)
    {
      unlinkat (dirfd, tmp, 0);
      return sie_error (err, e, "save cgroup state: %s", name);
    }
  return 0;
}

static int
parse_dir_line (char *line, struct sie_cgroup_dir *d)
{
  char *save = NULL;
  char *levels = strtok_r (line, " ", &save);
  char *v2 = strtok_r (NULL, " ", &save);
  char *hierarchy = strtok_r (NULL, " ", &save);
  char *path = strtok_r (NULL, " ", &save);
  char *end = NULL;

  if (path == NULL || strtok_r (NULL, " ", &save) != NULL)
    return -1;
  errno = 0;
  d->created_levels = (unsigned) strtoul (levels, &end, 10);
  if (errno || *end || (strcmp (v2, "0") != 0 && strcmp (v2, "1") != 0))
    return -1;
  d->created = d->created_levels > 0;
  d->v2 = v2[0] == '1';
  sie_cgroup_unescape_octal (hierarchy);
  sie_cgroup_unescape_octal (path);
  d->hierarchy = strdup (hierarchy);
  d->path = strdup (path);
  if (d->hierarchy == NULL || d->path == NULL || path[0] != '/')
    {
      free (d->hierarchy);
      free (d->path);
      return -1;
    }
  return 0;
}

int
sie_cgroup_load (int dirfd, const char *name, struct sie_cgroup **out, sie_error_t *err)
{
  cleanup_file FILE *f = NULL;
  cleanup_free char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  struct sie_cgroup *cg;
  bool oom = false;
  int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return sie_error (err, errno, "load cgroup state: %s", name);
  f = fdopen (fd, "r");
  if (f == NULL)
    {
      close (fd);
      return sie_error (err, errno, "load cgroup state: %s", name);
    }
  cg = calloc (1, sizeof (*cg));
  if (cg == NULL)
    return sie_error (err, ENOMEM, "load cgroup state");
  for (size_t lineno = 1; (len = getline (&line, &cap, f)) >= 0; lineno++)
    {
      struct sie_cgroup_dir *grown;
      if (len > 0 && line[len - 1] == '\n')
        line[--len] = '\0';
      if (lineno == 1)
        {
          sie_cgroup_unescape_octal (line);
          if ((cg->cgroups_path = strdup (line)) == NULL)
            {
              oom = true;
              break;
            }
          continue;
        }
      grown = realloc (cg->dirs, (cg->n_dirs + 1) * sizeof (*cg->dirs));
      if (grown == NULL)
        {
          oom = true;
          break;
        }
      cg->dirs = grown;
      if (parse_dir_line (line, &cg->dirs[cg->n_dirs]) < 0)
        {
          sie_cgroup_free (cg);
          return sie_error (err, 0, "load cgroup state: %s: line %zu is malformed", name, lineno);
        }
      cg->n_dirs++;
    }
  if (oom || ferror (f) || cg->cgroups_path == NULL)
    {
      int e = oom ? ENOMEM : ferror (f) ? EIO : 0;
      sie_cgroup_free (cg);
      return e ? sie_error (err, e, "load cgroup state: %s", name)
               : sie_error (err, 0, "load cgroup state: %s: empty or unreadable", name);
    }
  *out = cg;
  return 0;
}
