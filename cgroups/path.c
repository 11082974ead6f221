/* cgroupsPath resolution, as runc's cgroupfs driver does it.  Pure. */
#include "cgroups/layout_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

char *
sie_cgroup_clean_path (const char *p)
{
  size_t len = strlen (p);
  char *out = malloc (len + 2);
  size_t w = 0;

  if (out == NULL)
    return NULL;
  while (*p)
    {
      size_t seg = strcspn (p, "/");
      if (seg == 0 || (seg == 1 && p[0] == '.'))
        ; /* empty or "." */
      else if (seg == 2 && p[0] == '.' && p[1] == '.')
        {
          /* ".." stops at the root, so nothing climbs out */
          while (w > 0 && out[w - 1] != '/')
            w--;
          if (w > 0)
            w--;
        }
      else
        {
          out[w++] = '/';
          memcpy (out + w, p, seg);
          w += seg;
        }
      p += seg;
      if (*p == '/')
        p++;
    }
  if (w == 0)
    out[w++] = '/';
  out[w] = '\0';
  return out;
}

bool
sie_cgroup_is_systemd_path (const char *cgroups_path)
{
  const char *c1, *c2;

  if (cgroups_path == NULL || strchr (cgroups_path, '/'))
    return false;
  c1 = strchr (cgroups_path, ':');
  c2 = c1 ? strchr (c1 + 1, ':') : NULL;
  return c2 != NULL && strchr (c2 + 1, ':') == NULL;
}

static int
join_clean (const char *base, const char *rel, char **out, sie_error_t *err)
{
  cleanup_free char *rel_clean = sie_cgroup_clean_path (rel);
  cleanup_free char *joined = NULL;

  /* the relative part is cleaned on its own first, so "../x" cannot climb
     above the own cgroup it is placed under */
  if (rel_clean == NULL || asprintf (&joined, "%s/%s", base, rel_clean) < 0)
    return sie_error (err, ENOMEM, "linux.cgroupsPath");
  *out = sie_cgroup_clean_path (joined);
  if (*out == NULL)
    return sie_error (err, ENOMEM, "linux.cgroupsPath");
  return 0;
}

int
sie_cgroup_resolve_path (const char *cgroups_path, const char *id,
                         const char *own_path, char **out, sie_error_t *err)
{
  /* runc's default: the container ID under the caller's own cgroup. */
  if (cgroups_path == NULL || cgroups_path[0] == '\0')
    return join_clean (own_path, id, out, err);
  if (sie_cgroup_is_systemd_path (cgroups_path))
    return sie_error (err, 0,
                      "linux.cgroupsPath: \"%s\" is a systemd cgroup path; "
                      "sie has no systemd driver",
                      cgroups_path);
  if (cgroups_path[0] == '/')
    return join_clean ("/", cgroups_path, out, err);
  return join_clean (own_path, cgroups_path, out, err);
}
